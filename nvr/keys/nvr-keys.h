/*
 * nvr-keys.h: the small crypto helpers other modules need, so that no module
 * but nvr/keys includes <sodium.h> (DESIGN.md §2): randomness, digests,
 * constant-time comparison, web-login password hashes, sealing of camera
 * passwords under a device-local key, and process hardening for nvrd.
 */
#pragma once

#include <glib.h>

#include "nvr-secret.h"

G_BEGIN_DECLS

#define NVR_KEYS_SHA256_SIZE 32
#define NVR_KEYS_BLAKE2B_SIZE 32
#define NVR_KEYS_SEAL_KEY_SIZE 32

/* initialises libsodium; idempotent and thread-safe, called by every entry point that needs it */
gboolean
nvr_keys_init(GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* nvrd: no core dumps and no ptrace attach by other users
 * (prctl PR_SET_DUMPABLE 0, RLIMIT_CORE 0) */
gboolean
nvr_keys_disable_core_dumps(GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* randomness (randombytes_buf) */
void
nvr_keys_random_bytes(guint8 *buf, gsize len);
guint32
nvr_keys_random_uniform(guint32 upper_bound);
/* Returns: (transfer full): @n_bytes random bytes as 2 * @n_bytes lower-case hex digits */
gchar *
nvr_keys_random_token_hex(gsize n_bytes);

/* exactly 2·@bin_len hex digits into @bin, in constant time (sodium_hex2bin): secrets too */
gboolean
nvr_keys_hex2bin(guint8 *bin, gsize bin_len, const gchar *hex, gsize hex_len);
/* constant time; for tokens, MACs and hashes */
gboolean
nvr_keys_equal(const guint8 *a, const guint8 *b, gsize len);
void
nvr_keys_memzero(gpointer buf, gsize len);

/* digests; they fail only if libsodium is broken, but say so rather than return garbage */
gboolean
nvr_keys_sha256(const guint8 *data, gsize len, guint8 out[NVR_KEYS_SHA256_SIZE])
    G_GNUC_WARN_UNUSED_RESULT;
/* BLAKE2b-256 (crypto_generichash); @key is %NULL (unkeyed) or 32 bytes */
gboolean
nvr_keys_blake2b(const guint8 *key, const guint8 *data, gsize len,
		 guint8 out[NVR_KEYS_BLAKE2B_SIZE])
    G_GNUC_WARN_UNUSED_RESULT;

/* web logins: Argon2id strings in the crypto_pwhash_str() format ("$argon2id$v=19$...").
 * nvr_keys_password_hash() uses libsodium's interactive cost; _full takes explicit cost
 * (tests use the minimum, 1 / 8 MiB). */
gchar *
nvr_keys_password_hash(const gchar *password, GError **error);
gchar *
nvr_keys_password_hash_full(const gchar *password, guint64 opslimit, gsize memlimit,
			    GError **error);
/* %FALSE for a wrong password and for a malformed hash alike */
gboolean
nvr_keys_password_verify(const gchar *hash, const gchar *password);
/* %TRUE when @hash was made with other costs than nvr_keys_password_hash() uses now */
gboolean
nvr_keys_password_needs_rehash(const gchar *hash);

/* camera passwords at rest: XSalsa20-Poly1305 (crypto_secretbox) under a 32-byte device-local
 * key, encoded as text "nvrs1:" base64(nonce ‖ box). The text is safe to store in the index. */
gchar *
nvr_keys_seal_text(NvrSecret *key, const gchar *plaintext, GError **error);
/* Returns: (transfer full): the plaintext, or %NULL (NVR_ERROR_CORRUPT) when @sealed does not
 * open under @key */
gchar *
nvr_keys_unseal_text(NvrSecret *key, const gchar *sealed, GError **error);

G_END_DECLS
