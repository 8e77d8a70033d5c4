/*
 * nvr-keyring.h: the keyring in the state dir (<state>/keyring, mode 0600),
 * DESIGN.md §6. It holds everything nvrd needs to record unattended and
 * everything a user needs to unlock footage, and nothing that decrypts
 * footage without a passphrase or the offline recovery secret:
 *
 *   household public keys   newest first; each with its secret sealed to the
 *                           recovery key, and older ones also sealed to the
 *                           next newer household key
 *   user slots              one NVRE v1 key slot (§14) per user name, bound to
 *                           the key id of one household generation
 *   recovery public key     the recovery secret itself is shown once, offline
 *   device signing key      Ed25519, unencrypted by design (unattended boot)
 *   seal key                device-local secretbox key for camera passwords
 *
 * The file format is documented in nvr-keyring.c. Errors are NVR_ERROR codes:
 * a wrong passphrase or recovery secret is NVR_ERROR_AUTH, a damaged file
 * NVR_ERROR_CORRUPT, one from a newer nvr NVR_ERROR_VERSION.
 */
#pragma once

#include <glib.h>

#include "nvr-nvre.h"

G_BEGIN_DECLS

#define NVR_KEYRING_FILE_NAME "keyring"
#define NVR_KEYRING_USER_MAX 64 /* bytes of a user name */

typedef struct _NvrKeyring NvrKeyring;

/* Argon2id cost of about @target_ms per unlock on this machine, within the §14 bounds */
void
nvr_keyring_calibrate_kdf(guint target_ms, guint64 *opslimit, guint64 *memlimit);

/*
 * Creates household, recovery, device and seal keys and @user's slot, and writes
 * <state_dir>/keyring; refuses (NVR_ERROR_EXISTS) when a keyring is there.
 * @opslimit 0 calibrates for about one second. @recovery_secret receives the
 * recovery secret in its printed form (nvr_keyring_format_recovery_secret()):
 * the only copy there will ever be.
 */
NvrKeyring *
nvr_keyring_create(const gchar *state_dir, const gchar *user, const guint8 *passphrase,
		   gsize passphrase_len, guint64 opslimit, guint64 memlimit,
		   gchar **recovery_secret, GError **error);
NvrKeyring *
nvr_keyring_load(const gchar *state_dir, GError **error);
/* the file format itself (also the fuzz target); the result has no path to save to */
NvrKeyring *
nvr_keyring_parse(const guint8 *data, gsize len, GError **error);
/* Returns: the file's bytes; they hold the device key: wipe with nvr_keys_memzero() */
GBytes *
nvr_keyring_serialize(NvrKeyring *self, GError **error);
/* writes atomically (nvr_file_write_atomic, mode 0600) to the path it was loaded from */
gboolean
nvr_keyring_save(NvrKeyring *self, GError **error) G_GNUC_WARN_UNUSED_RESULT;
void
nvr_keyring_free(NvrKeyring *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrKeyring, nvr_keyring_free)

/* Returns: (transfer full) (element-type NvrNvreKeyPair): the household key pairs that
 * @user's slot reaches, newest first (its own generation and every older one) */
GPtrArray *
nvr_keyring_unlock(NvrKeyring *self, const gchar *user, const guint8 *passphrase,
		   gsize passphrase_len, GError **error);
/* the same from the printed recovery secret: every household generation */
GPtrArray *
nvr_keyring_unlock_recovery(NvrKeyring *self, const gchar *recovery_secret, GError **error);

/* writes (or replaces) @user's slot, bound to @household's generation; touches nothing else.
 * @opslimit 0 keeps the cost of @user's current slot, or calibrates for a new user. Call
 * nvr_keyring_save() afterwards. */
gboolean
nvr_keyring_set_user(NvrKeyring *self, const gchar *user, NvrNvreKeyPair *household,
		     const guint8 *passphrase, gsize passphrase_len, guint64 opslimit,
		     guint64 memlimit, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* refuses to remove the last user: nobody could unlock anything but the recovery holder */
gboolean
nvr_keyring_remove_user(NvrKeyring *self, const gchar *user, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Returns: (transfer full): the user names, sorted */
gchar **
nvr_keyring_list_users(NvrKeyring *self);
gboolean
nvr_keyring_has_user(NvrKeyring *self, const gchar *user);

/* a new household generation; @current must be the newest one, unlocked. Returns the new
 * pair. Old slots stay bound to their generation: re-set them to reach the new one. */
NvrNvreKeyPair *
nvr_keyring_rotate_household(NvrKeyring *self, NvrNvreKeyPair *current, GError **error);

const gchar *
nvr_keyring_get_path(NvrKeyring *self);
guint
nvr_keyring_get_n_generations(NvrKeyring *self);
const guint8 *
nvr_keyring_get_household_public(NvrKeyring *self);
const guint8 *
nvr_keyring_get_recovery_public(NvrKeyring *self);
/* Returns: (transfer none) */
NvrNvreSigningKey *
nvr_keyring_get_device_key(NvrKeyring *self);
/* Returns: (transfer none): the key for nvr_keys_seal_text() / nvr_keys_unseal_text() */
NvrSecret *
nvr_keyring_get_seal_key(NvrKeyring *self);
/* household (newest) then recovery, as NVRE writers SHOULD (§5.3), and the device key */
void
nvr_keyring_fill_writer_params(NvrKeyring *self, NvrNvreWriterParams *params);

/* the recovery secret for humans: RFC 4648 base32 without padding, in groups of 4, then a
 * checksum group (BLAKE2b of the key), e.g. "ABCD-EFGH-…-WXYZ" */
gchar *
nvr_keyring_format_recovery_secret(NvrNvreKeyPair *recovery, GError **error);
/* tolerant of spaces, dashes and case; a typo fails the checksum (NVR_ERROR_INVALID_ARGUMENT) */
NvrNvreKeyPair *
nvr_keyring_parse_recovery_secret(const gchar *text, GError **error);

G_END_DECLS
