/*
 * notes on the keyring (<state>/keyring)
 *
 * file format, version 1: ASCII text, one record a line, fields separated by
 * one space, every line ends in "\n", at most 64 KiB, in this order:
 *
 *   nvr-keyring 1
 *   household <pk:64> <escrow:160> [<sealed-to-newer:160>]    1..16, newest first
 *   recovery <rpk:64>                                         exactly once
 *   device <ed25519-seed:64>                                  exactly once
 *   seal <secretbox-key:64>                                   exactly once
 *   user <name> <key-id:16> <slot:208>                        1..64, names unique
 *   checksum <blake2b-256:64>                                 last
 *
 * Fields are lower-case hex of the stated number of digits. escrow is
 * crypto_box_seal(HSK, RPK), so the recovery secret alone restores every
 * generation; sealed-to-newer is crypto_box_seal(HSK, HPK of the line above),
 * present on every household but the newest, so a passphrase reaches the
 * older generations too. A user's slot is an NVRE v1 key slot (§14) bound to
 * the household whose key id it names. user names are 1..64 bytes of
 * [A-Za-z0-9._@-]. checksum is the unkeyed BLAKE2b-256 of every byte before
 * its line: it catches damage, not attacks (an attacker who can write the
 * state dir owns the device key anyway).
 *
 * A version above 1 is refused (NVR_ERROR_VERSION); anything else malformed
 * is NVR_ERROR_CORRUPT naming the line.
 *
 * invariants
 *   (1) nothing secret is written but the device seed and the seal key, which
 *       nvrd needs unattended; HSK exists on disk only inside slots and seals
 *   (2) every size is checked before anything is allocated from it
 *   (3) the file is replaced atomically, mode 0600
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/nvr-error.h"
#include "core/nvr-file.h"
#include "nvr-keyring.h"
#include "nvr-keys.h"
#include "nvr-nvre-private.h"

#define NVR_KEYRING_MAGIC "nvr-keyring"
#define NVR_KEYRING_VERSION 1
#define NVR_KEYRING_MAX_SIZE (64 * 1024)
#define NVR_KEYRING_MAX_GENERATIONS 16
#define NVR_KEYRING_MAX_USERS 64
#define NVR_KEYRING_CALIBRATE_MS 1000
#define NVR_KEYRING_RECOVERY_GROUPS 13 /* 52 base32 digits of the key */

typedef struct {
	guint8 pk[NVR_NVRE_KEY_SIZE];
	guint8 key_id[NVR_NVRE_KEY_ID_SIZE];
	guint8 escrow[NVR_NVRE_SEALED_SIZE];
	guint8 sealed_to_newer[NVR_NVRE_SEALED_SIZE];
	gboolean has_sealed_to_newer;
} NvrKeyringHousehold;

typedef struct {
	gchar *name;
	guint8 key_id[NVR_NVRE_KEY_ID_SIZE];
	guint8 slot[NVR_NVRE_SLOT_SIZE];
} NvrKeyringUser;

struct _NvrKeyring {
	gchar *path;	    /* nullable: parsed from memory */
	GArray *households; /* NvrKeyringHousehold, newest first */
	GPtrArray *users;   /* NvrKeyringUser */
	guint8 recovery_pk[NVR_NVRE_KEY_SIZE];
	NvrNvreSigningKey *device;
	NvrSecret *seal_key;
};

static void
nvr_keyring_user_free(NvrKeyringUser *user)
{
	g_free(user->name);
	g_free(user);
}

static NvrKeyring *
nvr_keyring_new(void)
{
	NvrKeyring *self = g_new0(NvrKeyring, 1);

	self->households = g_array_new(FALSE, TRUE, sizeof(NvrKeyringHousehold));
	self->users = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_keyring_user_free);
	return self;
}

void
nvr_keyring_free(NvrKeyring *self)
{
	if (self == NULL)
		return;
	g_free(self->path);
	g_array_unref(self->households);
	g_ptr_array_unref(self->users);
	nvr_nvre_signing_key_unref(self->device);
	nvr_secret_free(self->seal_key);
	g_free(self);
}

static gboolean nvr_keyring_fail(GError **error, gint code, const gchar *format, ...)
	G_GNUC_PRINTF(3, 4);

static gboolean
nvr_keyring_fail(GError **error, gint code, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *msg = NULL;

	va_start(args, format);
	msg = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error_literal(error, NVR_ERROR, code, msg);
	return FALSE;
}

/* ---- Argon2id calibration ---- */

static guint64
nvr_keyring_physical_memory(void)
{
	glong pages = sysconf(_SC_PHYS_PAGES);
	glong page_size = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || page_size <= 0)
		return G_GUINT64_CONSTANT(1) << 30;
	return (guint64)pages * (guint64)page_size;
}

/* microseconds one Argon2id run takes at this cost; G_MAXINT64 when it fails */
static gint64
nvr_keyring_time_kdf(guint64 opslimit, guint64 memlimit)
{
	guint8 salt[crypto_pwhash_SALTBYTES];
	guint8 out[32];
	gint64 start;
	gint rc;

	randombytes_buf(salt, sizeof(salt));
	start = g_get_monotonic_time();
	rc = crypto_pwhash(out, sizeof(out), "calibration", 11, salt, opslimit, (gsize)memlimit,
			   crypto_pwhash_ALG_ARGON2ID13);
	sodium_memzero(out, sizeof(out));
	return rc == 0 ? MAX(g_get_monotonic_time() - start, 1) : G_MAXINT64;
}

void
nvr_keyring_calibrate_kdf(guint target_ms, guint64 *opslimit, guint64 *memlimit)
{
	const gint64 target_us = (gint64)target_ms * 1000;
	/* §14: e.g. 256 MiB on a 4 GB board, 128 MiB on a 1 GB one */
	guint64 mem = CLAMP(nvr_keyring_physical_memory() / 8, NVR_NVRE_SLOT_MEMLIMIT_MIN,
			    G_GUINT64_CONSTANT(256) << 20);
	gint64 t;

	if (!nvr_keys_init(NULL))
		g_critical("libsodium is not initialised");
	/* round down to whole MiB: the cost is easier to read in the file */
	mem &= ~((G_GUINT64_CONSTANT(1) << 20) - 1);
	t = nvr_keyring_time_kdf(1, mem);
	while (t > target_us && mem / 2 >= NVR_NVRE_SLOT_MEMLIMIT_MIN) {
		mem /= 2;
		t = nvr_keyring_time_kdf(1, mem);
	}
	*memlimit = mem;
	/* Argon2id's time grows linearly with its passes */
	*opslimit = (guint64)CLAMP(t == G_MAXINT64 ? 1 : target_us / t, NVR_NVRE_SLOT_OPSLIMIT_MIN,
				   NVR_NVRE_SLOT_OPSLIMIT_MAX);
}

/* ---- recovery secret text ---- */

static const gchar nvr_keyring_b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* RFC 4648 base32 of @len bytes, no padding */
static void
nvr_keyring_base32(const guint8 *data, gsize len, GString *out)
{
	guint32 acc = 0;
	guint bits = 0;

	for (gsize i = 0; i < len; i++) {
		acc = (acc << 8) | data[i];
		bits += 8;
		while (bits >= 5) {
			g_string_append_c(out, nvr_keyring_b32[(acc >> (bits - 5)) & 31]);
			bits -= 5;
		}
	}
	if (bits > 0)
		g_string_append_c(out, nvr_keyring_b32[(acc << (5 - bits)) & 31]);
}

/* the 4-digit checksum group of a recovery key */
static gboolean
nvr_keyring_recovery_checksum(const guint8 *sk, gchar out[5], GError **error)
{
	static const guint8 prefix[] = "nvr-recovery-v1";
	crypto_generichash_state st;
	g_autoptr(GString) s = g_string_new(NULL);
	guint8 h[32];

	if (crypto_generichash_init(&st, NULL, 0, sizeof(h)) != 0 ||
	    crypto_generichash_update(&st, prefix, sizeof(prefix) - 1) != 0 ||
	    crypto_generichash_update(&st, sk, NVR_NVRE_KEY_SIZE) != 0 ||
	    crypto_generichash_final(&st, h, sizeof(h)) != 0)
		return nvr_keyring_fail(error, NVR_ERROR_FAILED, "BLAKE2b failed");
	nvr_keyring_base32(h, 3, s); /* 24 bits -> 5 digits, the first 4 are used */
	memcpy(out, s->str, 4);
	out[4] = '\0';
	return TRUE;
}

gchar *
nvr_keyring_format_recovery_secret(NvrNvreKeyPair *recovery, GError **error)
{
	g_autoptr(GString) digits = g_string_sized_new(64);
	g_autoptr(GString) out = g_string_sized_new(80);
	const guint8 *sk = nvr_secret_acquire(recovery->sk, error);
	gchar check[5];
	gboolean ok;

	if (sk == NULL)
		return NULL;
	nvr_keyring_base32(sk, NVR_NVRE_KEY_SIZE, digits);
	ok = nvr_keyring_recovery_checksum(sk, check, error);
	nvr_secret_release(recovery->sk);
	if (!ok)
		return NULL;
	g_string_append(digits, check);
	for (gsize i = 0; i < digits->len; i += 4) {
		if (i > 0)
			g_string_append_c(out, '-');
		g_string_append_len(out, digits->str + i, 4);
	}
	sodium_memzero(digits->str, digits->len);
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static gint
nvr_keyring_b32_value(gchar c)
{
	const gchar *p = c != '\0' ? strchr(nvr_keyring_b32, g_ascii_toupper(c)) : NULL;

	return p != NULL ? (gint)(p - nvr_keyring_b32) : -1;
}

/* 56 base32 digits -> 32 key bytes; Returns: FALSE on anything but digits and separators */
static gboolean
nvr_keyring_recovery_digits(const gchar *text, guint8 *values, GError **error)
{
	gsize n = 0;

	for (const gchar *p = text; *p != '\0'; p++) {
		gint v;
		if (*p == ' ' || *p == '-' || *p == '\t' || *p == '\n' || *p == '\r')
			continue;
		v = nvr_keyring_b32_value(*p);
		if (v < 0 || n == (NVR_KEYRING_RECOVERY_GROUPS + 1) * 4)
			return nvr_keyring_fail(error, NVR_ERROR_INVALID_ARGUMENT,
						"not a recovery secret (expected 14 groups of 4 "
						"letters and digits 2-7)");
		values[n++] = (guint8)v;
	}
	if (n != (NVR_KEYRING_RECOVERY_GROUPS + 1) * 4)
		return nvr_keyring_fail(
			error, NVR_ERROR_INVALID_ARGUMENT,
			"a recovery secret has 56 letters and digits, this one %" G_GSIZE_FORMAT,
			n);
	return TRUE;
}

NvrNvreKeyPair *
nvr_keyring_parse_recovery_secret(const gchar *text, GError **error)
{
	g_autoptr(NvrSecret) work = NULL; /* 56 digit values, then the 32 key bytes */
	g_autoptr(NvrNvreKeyPair) pair = NULL;
	guint8 *w;
	guint32 acc = 0;
	guint bits = 0;
	gsize out = 0;
	gchar check[5];
	gboolean ok;

	g_return_val_if_fail(text != NULL, NULL);
	work = nvr_secret_new(56 + NVR_NVRE_KEY_SIZE, error);
	if (work == NULL || (w = nvr_secret_acquire(work, error)) == NULL)
		return NULL;
	ok = nvr_keyring_recovery_digits(text, w, error);
	for (gsize i = 0; ok && i < NVR_KEYRING_RECOVERY_GROUPS * 4; i++) {
		acc = (acc << 5) | w[i];
		bits += 5;
		if (bits >= 8) {
			w[56 + out++] = (guint8)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	/* 260 bits carry 256: the last 4 must be zero in a secret we printed */
	if (ok && (acc & ((1u << bits) - 1)) != 0)
		ok = nvr_keyring_fail(error, NVR_ERROR_INVALID_ARGUMENT,
				      "recovery secret: checksum mismatch (typo?)");
	if (ok)
		ok = nvr_keyring_recovery_checksum(w + 56, check, error);
	for (gsize i = 0; ok && i < 4; i++) {
		if (nvr_keyring_b32[w[NVR_KEYRING_RECOVERY_GROUPS * 4 + i]] != check[i])
			ok = nvr_keyring_fail(error, NVR_ERROR_INVALID_ARGUMENT,
					      "recovery secret: checksum mismatch (typo?)");
	}
	if (ok)
		pair = nvr_nvre_key_pair_new_from_secret(w + 56, error);
	nvr_secret_release(work);
	return g_steal_pointer(&pair);
}

/* ---- parsing ---- */

static gboolean
nvr_keyring_unhex(const gchar *hex, guint8 *out, gsize len)
{
	if (strlen(hex) != 2 * len)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		gint hi = g_ascii_xdigit_value(hex[2 * i]);
		gint lo = g_ascii_xdigit_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return FALSE;
		out[i] = (guint8)(hi << 4 | lo);
	}
	return TRUE;
}

static gboolean
nvr_keyring_user_name_valid(const gchar *name)
{
	gsize len = strlen(name);

	if (len == 0 || len > NVR_KEYRING_USER_MAX)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isalnum(name[i]) && strchr("._@-", name[i]) == NULL)
			return FALSE;
	}
	return TRUE;
}

typedef struct {
	NvrKeyring *keyring;
	guint line;
	guint n_recovery, n_device, n_seal;
	GError **error;
} NvrKeyringParser;

static gboolean
nvr_keyring_corrupt(NvrKeyringParser *p, const gchar *what)
{
	return nvr_keyring_fail(p->error, NVR_ERROR_CORRUPT, "keyring line %u: %s", p->line, what);
}

static gboolean
nvr_keyring_parse_household(NvrKeyringParser *p, gchar **f, guint n)
{
	NvrKeyringHousehold h = {0};
	GArray *hs = p->keyring->households;

	if (n != 3 && n != 4)
		return nvr_keyring_corrupt(p, "household takes 2 or 3 fields");
	if (hs->len == NVR_KEYRING_MAX_GENERATIONS)
		return nvr_keyring_corrupt(p, "too many household generations");
	if (!nvr_keyring_unhex(f[1], h.pk, sizeof(h.pk)) ||
	    !nvr_keyring_unhex(f[2], h.escrow, sizeof(h.escrow)) ||
	    (n == 4 && !nvr_keyring_unhex(f[3], h.sealed_to_newer, sizeof(h.sealed_to_newer))))
		return nvr_keyring_corrupt(p, "malformed household key");
	h.has_sealed_to_newer = n == 4;
	/* only the newest generation (the first) lacks a seal to a newer one */
	if (h.has_sealed_to_newer != (hs->len > 0))
		return nvr_keyring_corrupt(p, "household generations out of order");
	if (!nvr_nvre_key_id(h.pk, h.key_id, p->error))
		return FALSE;
	for (guint i = 0; i < hs->len; i++) {
		if (memcmp(g_array_index(hs, NvrKeyringHousehold, i).key_id, h.key_id, 8) == 0)
			return nvr_keyring_corrupt(p, "household key listed twice");
	}
	g_array_append_val(hs, h);
	return TRUE;
}

static gboolean
nvr_keyring_parse_user(NvrKeyringParser *p, gchar **f, guint n)
{
	g_autoptr(GError) local = NULL;
	NvrKeyringUser *user;

	if (n != 4)
		return nvr_keyring_corrupt(p, "user takes 3 fields");
	if (p->keyring->users->len == NVR_KEYRING_MAX_USERS)
		return nvr_keyring_corrupt(p, "too many users");
	if (!nvr_keyring_user_name_valid(f[1]))
		return nvr_keyring_corrupt(p, "bad user name");
	if (nvr_keyring_has_user(p->keyring, f[1]))
		return nvr_keyring_corrupt(p, "user listed twice");
	user = g_new0(NvrKeyringUser, 1);
	user->name = g_strdup(f[1]);
	g_ptr_array_add(p->keyring->users, user);
	if (!nvr_keyring_unhex(f[2], user->key_id, sizeof(user->key_id)) ||
	    !nvr_keyring_unhex(f[3], user->slot, sizeof(user->slot)))
		return nvr_keyring_corrupt(p, "malformed user slot");
	/* §14 bounds now, so that no later unlock ever sees a bomb */
	if (!nvr_nvre_slot_get_cost(user->slot, sizeof(user->slot), NULL, NULL, &local))
		return nvr_keyring_corrupt(p, local->message);
	return TRUE;
}

static gboolean
nvr_keyring_parse_key32(NvrKeyringParser *p, gchar **f, guint n, guint *count, guint8 *out)
{
	if (n != 2)
		return nvr_keyring_corrupt(p, "expected one field");
	if (++*count > 1)
		return nvr_keyring_corrupt(p, "listed twice");
	if (!nvr_keyring_unhex(f[1], out, NVR_NVRE_KEY_SIZE))
		return nvr_keyring_corrupt(p, "malformed key");
	return TRUE;
}

/* device and seal: secrets, decoded straight into locked memory */
static gboolean
nvr_keyring_parse_secret_line(NvrKeyringParser *p, gchar **f, guint n, guint *count,
			      NvrSecret *into)
{
	guint8 *s = nvr_secret_acquire(into, p->error);
	gboolean ok;

	if (s == NULL)
		return FALSE;
	ok = nvr_keyring_parse_key32(p, f, n, count, s);
	nvr_secret_release(into);
	return ok;
}

static gboolean
nvr_keyring_parse_line(NvrKeyringParser *p, gchar *line, NvrSecret *device_seed)
{
	g_auto(GStrv) f = g_strsplit(line, " ", 6);
	guint n = g_strv_length(f);
	gboolean ok;

	if (g_strcmp0(f[0], "household") == 0)
		ok = nvr_keyring_parse_household(p, f, n);
	else if (g_strcmp0(f[0], "user") == 0)
		ok = nvr_keyring_parse_user(p, f, n);
	else if (g_strcmp0(f[0], "recovery") == 0)
		ok = nvr_keyring_parse_key32(p, f, n, &p->n_recovery, p->keyring->recovery_pk);
	else if (g_strcmp0(f[0], "device") == 0)
		ok = nvr_keyring_parse_secret_line(p, f, n, &p->n_device, device_seed);
	else if (g_strcmp0(f[0], "seal") == 0)
		ok = nvr_keyring_parse_secret_line(p, f, n, &p->n_seal, p->keyring->seal_key);
	else
		ok = nvr_keyring_corrupt(p, "unknown record");
	/* the device and seal lines held secrets in hex */
	for (guint i = 0; i < n; i++)
		sodium_memzero(f[i], strlen(f[i]));
	return ok;
}

static gboolean
nvr_keyring_parse_first_line(NvrKeyringParser *p, const gchar *line)
{
	guint64 version = 0;

	if (!g_str_has_prefix(line, NVR_KEYRING_MAGIC " ") ||
	    !g_ascii_string_to_unsigned(line + strlen(NVR_KEYRING_MAGIC " "), 10, 1, G_MAXUINT32,
					&version, NULL))
		return nvr_keyring_fail(p->error, NVR_ERROR_CORRUPT, "not an nvr keyring");
	if (version != NVR_KEYRING_VERSION)
		return nvr_keyring_fail(p->error, NVR_ERROR_VERSION,
					"keyring version %" G_GUINT64_FORMAT
					" was written by a newer nvr (this one reads %u)",
					version, NVR_KEYRING_VERSION);
	return TRUE;
}

/* the checksum line is the last; @body_len is where it starts */
static gboolean
nvr_keyring_check_checksum(NvrKeyringParser *p, const guint8 *data, gsize body_len,
			   const gchar *line)
{
	guint8 want[32], got[32];

	if (!g_str_has_prefix(line, "checksum ") ||
	    !nvr_keyring_unhex(line + 9, want, sizeof(want)))
		return nvr_keyring_corrupt(p,
					   "the last line must be the checksum (truncated file?)");
	if (!nvr_keys_blake2b(NULL, data, body_len, got))
		return nvr_keyring_fail(p->error, NVR_ERROR_FAILED, "BLAKE2b failed");
	if (!nvr_keys_equal(want, got, sizeof(got)))
		return nvr_keyring_fail(p->error, NVR_ERROR_CORRUPT,
					"keyring checksum mismatch: the file is damaged");
	return TRUE;
}

/* after the last line: counts, and that every slot names a household we have */
static gboolean
nvr_keyring_check_complete(NvrKeyring *self, guint n_recovery, guint n_device, guint n_seal,
			   GError **error)
{
	if (self->households->len == 0 || n_recovery != 1 || n_device != 1 || n_seal != 1 ||
	    self->users->len == 0)
		return nvr_keyring_fail(
			error, NVR_ERROR_CORRUPT,
			"keyring incomplete: needs households, recovery, device, seal and a user");
	for (guint i = 0; i < self->users->len; i++) {
		NvrKeyringUser *user = g_ptr_array_index(self->users, i);
		gboolean found = FALSE;
		for (guint j = 0; j < self->households->len && !found; j++)
			found = memcmp(g_array_index(self->households, NvrKeyringHousehold, j)
					       .key_id,
				       user->key_id, NVR_NVRE_KEY_ID_SIZE) == 0;
		if (!found)
			return nvr_keyring_fail(
				error, NVR_ERROR_CORRUPT,
				"keyring: user '%s' is bound to an unknown household key",
				user->name);
	}
	return TRUE;
}

/* printable ASCII and newlines only, ending in a newline */
static gboolean
nvr_keyring_check_bytes(const guint8 *data, gsize len, GError **error)
{
	if (len > NVR_KEYRING_MAX_SIZE)
		return nvr_keyring_fail(error, NVR_ERROR_CORRUPT, "keyring larger than %u bytes",
					NVR_KEYRING_MAX_SIZE);
	if (len == 0 || data[len - 1] != '\n')
		return nvr_keyring_fail(error, NVR_ERROR_CORRUPT, "keyring is empty or truncated");
	for (gsize i = 0; i < len; i++) {
		if (data[i] != '\n' && (data[i] < 0x20 || data[i] > 0x7e))
			return nvr_keyring_fail(error, NVR_ERROR_CORRUPT,
						"keyring holds a non-text byte at %" G_GSIZE_FORMAT,
						i);
	}
	return TRUE;
}

static gboolean
nvr_keyring_parse_lines(NvrKeyringParser *p, const guint8 *data, gsize len, gchar **lines,
			NvrSecret *device_seed)
{
	guint n = g_strv_length(lines);
	gsize checksum_at;

	/* g_strsplit leaves an empty string after the final newline */
	if (n < 3 || lines[n - 1][0] != '\0')
		return nvr_keyring_fail(p->error, NVR_ERROR_CORRUPT, "keyring is truncated");
	p->line = 1;
	if (!nvr_keyring_parse_first_line(p, lines[0]))
		return FALSE;
	checksum_at = len - strlen(lines[n - 2]) - 1;
	p->line = n - 1;
	if (!nvr_keyring_check_checksum(p, data, checksum_at, lines[n - 2]))
		return FALSE;
	for (guint i = 1; i + 2 < n; i++) {
		p->line = i + 1;
		if (!nvr_keyring_parse_line(p, lines[i], device_seed))
			return FALSE;
	}
	return TRUE;
}

NvrKeyring *
nvr_keyring_parse(const guint8 *data, gsize len, GError **error)
{
	g_autoptr(NvrKeyring) self = NULL;
	g_autoptr(NvrSecret) device_seed = NULL;
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	NvrKeyringParser p = {0};
	const guint8 *seed;
	gboolean ok;

	if (!nvr_keys_init(error) || !nvr_keyring_check_bytes(data, len, error))
		return NULL;
	self = nvr_keyring_new();
	self->seal_key = nvr_secret_new(NVR_KEYS_SEAL_KEY_SIZE, error);
	device_seed = nvr_secret_new(NVR_NVRE_KEY_SIZE, error);
	if (self->seal_key == NULL || device_seed == NULL)
		return NULL;
	text = g_strndup((const gchar *)data, len);
	lines = g_strsplit(text, "\n", NVR_KEYRING_MAX_SIZE);
	sodium_memzero(text, len);
	p.keyring = self;
	p.error = error;
	ok = nvr_keyring_parse_lines(&p, data, len, lines, device_seed);
	for (guint i = 0; lines[i] != NULL; i++)
		sodium_memzero(lines[i], strlen(lines[i]));
	if (!ok || !nvr_keyring_check_complete(self, p.n_recovery, p.n_device, p.n_seal, error))
		return NULL;
	seed = nvr_secret_acquire(device_seed, error);
	if (seed == NULL)
		return NULL;
	self->device = nvr_nvre_signing_key_new_from_seed(seed, error);
	nvr_secret_release(device_seed);
	if (self->device == NULL)
		return NULL;
	return g_steal_pointer(&self);
}

static gchar *
nvr_keyring_path(const gchar *state_dir)
{
	return g_build_filename(state_dir, NVR_KEYRING_FILE_NAME, NULL);
}

/* reads at most the maximum size: the length is checked before the buffer is filled */
static GBytes *
nvr_keyring_read_file(const gchar *path, GError **error)
{
	g_autofree guint8 *buf = g_malloc(NVR_KEYRING_MAX_SIZE + 1);
	gsize len = 0;
	struct stat st;
	gint fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			nvr_keyring_fail(error, NVR_ERROR_NOT_FOUND,
					 "no keyring at %s (run nvrctl init)", path);
		else
			nvr_error_from_errno(error, errno, "open %s", path);
		return NULL;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
		g_warning("%s is readable by other users (mode %04o): it holds the device key",
			  path, (guint)(st.st_mode & 07777));
	while (len <= NVR_KEYRING_MAX_SIZE) {
		gssize n = read(fd, buf + len, NVR_KEYRING_MAX_SIZE + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			nvr_error_from_errno(error, errno, "read %s", path);
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		len += (gsize)n;
	}
	close(fd);
	return g_bytes_new_take(g_steal_pointer(&buf), len);
}

NvrKeyring *
nvr_keyring_load(const gchar *state_dir, GError **error)
{
	g_autofree gchar *path = nvr_keyring_path(state_dir);
	g_autoptr(GBytes) bytes = nvr_keyring_read_file(path, error);
	NvrKeyring *self;

	if (bytes == NULL)
		return NULL;
	self = nvr_keyring_parse(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), error);
	nvr_keys_memzero((gpointer)g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
	if (self == NULL) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	self->path = g_steal_pointer(&path);
	return self;
}

/* ---- writing ---- */

static void
nvr_keyring_append_hex(GString *s, const guint8 *data, gsize len)
{
	static const gchar digits[] = "0123456789abcdef";

	g_string_append_c(s, ' ');
	for (gsize i = 0; i < len; i++) {
		g_string_append_c(s, digits[data[i] >> 4]);
		g_string_append_c(s, digits[data[i] & 15]);
	}
}

static gboolean
nvr_keyring_append_secret(GString *s, const gchar *name, NvrSecret *secret, GError **error)
{
	const guint8 *p = nvr_secret_acquire(secret, error);

	if (p == NULL)
		return FALSE;
	g_string_append(s, name);
	nvr_keyring_append_hex(s, p, nvr_secret_get_size(secret));
	g_string_append_c(s, '\n');
	nvr_secret_release(secret);
	return TRUE;
}

static void
nvr_keyring_append_public(NvrKeyring *self, GString *s)
{
	g_string_append_printf(s, "%s %u\n", NVR_KEYRING_MAGIC, NVR_KEYRING_VERSION);
	for (guint i = 0; i < self->households->len; i++) {
		NvrKeyringHousehold *h = &g_array_index(self->households, NvrKeyringHousehold, i);
		g_string_append(s, "household");
		nvr_keyring_append_hex(s, h->pk, sizeof(h->pk));
		nvr_keyring_append_hex(s, h->escrow, sizeof(h->escrow));
		if (h->has_sealed_to_newer)
			nvr_keyring_append_hex(s, h->sealed_to_newer, sizeof(h->sealed_to_newer));
		g_string_append_c(s, '\n');
	}
	g_string_append(s, "recovery");
	nvr_keyring_append_hex(s, self->recovery_pk, sizeof(self->recovery_pk));
	g_string_append_c(s, '\n');
}

GBytes *
nvr_keyring_serialize(NvrKeyring *self, GError **error)
{
	/* sized once: a GString that grew would leave copies of the device key in freed memory */
	g_autoptr(GString) s = g_string_sized_new(NVR_KEYRING_MAX_SIZE);
	g_autoptr(NvrSecret) seed = nvr_nvre_signing_key_dup_seed(self->device, error);
	guint8 checksum[32];
	gboolean ok;

	if (seed == NULL)
		return NULL;
	nvr_keyring_append_public(self, s);
	ok = nvr_keyring_append_secret(s, "device", seed, error) &&
	     nvr_keyring_append_secret(s, "seal", self->seal_key, error);
	for (guint i = 0; ok && i < self->users->len; i++) {
		NvrKeyringUser *user = g_ptr_array_index(self->users, i);
		g_string_append_printf(s, "user %s", user->name);
		nvr_keyring_append_hex(s, user->key_id, sizeof(user->key_id));
		nvr_keyring_append_hex(s, user->slot, sizeof(user->slot));
		g_string_append_c(s, '\n');
	}
	ok = ok && nvr_keys_blake2b(NULL, (const guint8 *)s->str, s->len, checksum);
	if (ok) {
		g_string_append(s, "checksum");
		nvr_keyring_append_hex(s, checksum, sizeof(checksum));
		g_string_append_c(s, '\n');
	}
	g_assert(s->len < NVR_KEYRING_MAX_SIZE); /* 16 generations and 64 users take ~30 KiB */
	if (!ok) {
		sodium_memzero(s->str, s->len);
		return NULL;
	}
	return g_string_free_to_bytes(g_steal_pointer(&s));
}

gboolean
nvr_keyring_save(NvrKeyring *self, GError **error)
{
	g_autoptr(GBytes) bytes = NULL;
	gboolean ok;

	g_return_val_if_fail(self != NULL, FALSE);
	if (self->path == NULL)
		return nvr_keyring_fail(error, NVR_ERROR_INVALID_ARGUMENT,
					"this keyring has no file");
	bytes = nvr_keyring_serialize(self, error);
	if (bytes == NULL)
		return FALSE;
	ok = nvr_file_write_atomic(self->path, g_bytes_get_data(bytes, NULL),
				   g_bytes_get_size(bytes), 0600, error);
	nvr_keys_memzero((gpointer)g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
	return ok;
}

/* ---- users and unlocking ---- */

static NvrKeyringUser *
nvr_keyring_find_user(NvrKeyring *self, const gchar *name)
{
	for (guint i = 0; i < self->users->len; i++) {
		NvrKeyringUser *user = g_ptr_array_index(self->users, i);
		if (g_strcmp0(user->name, name) == 0)
			return user;
	}
	return NULL;
}

gboolean
nvr_keyring_has_user(NvrKeyring *self, const gchar *user)
{
	return nvr_keyring_find_user(self, user) != NULL;
}

static gint
nvr_keyring_find_generation(NvrKeyring *self, const guint8 *key_id)
{
	for (guint i = 0; i < self->households->len; i++) {
		if (memcmp(g_array_index(self->households, NvrKeyringHousehold, i).key_id, key_id,
			   NVR_NVRE_KEY_ID_SIZE) == 0)
			return (gint)i;
	}
	return -1;
}

/* opens a 32-byte secret sealed to @opener; it must be the secret of @expect_pk */
static NvrNvreKeyPair *
nvr_keyring_open_sealed(NvrNvreKeyPair *opener, const guint8 *sealed, const guint8 *expect_pk,
			GError **error)
{
	g_autoptr(NvrSecret) work = nvr_secret_new(NVR_NVRE_KEY_SIZE, error);
	g_autoptr(NvrNvreKeyPair) pair = NULL;
	const guint8 *sk;
	guint8 *w;
	gint rc;

	if (work == NULL || (w = nvr_secret_acquire(work, error)) == NULL)
		return NULL;
	sk = nvr_secret_acquire(opener->sk, error);
	if (sk == NULL) {
		nvr_secret_release(work);
		return NULL;
	}
	rc = crypto_box_seal_open(w, sealed, NVR_NVRE_SEALED_SIZE, opener->pk, sk);
	nvr_secret_release(opener->sk);
	if (rc == 0)
		pair = nvr_nvre_key_pair_new_from_secret(w, error);
	else
		nvr_keyring_fail(error, NVR_ERROR_CORRUPT, "a sealed household key does not open");
	nvr_secret_release(work);
	if (pair != NULL && !nvr_keys_equal(pair->pk, expect_pk, NVR_NVRE_KEY_SIZE)) {
		nvr_keyring_fail(error, NVR_ERROR_CORRUPT,
				 "a sealed household key does not match its public key");
		return NULL;
	}
	return g_steal_pointer(&pair);
}

/* generation @from is unlocked in @pairs; each older one is sealed to the one above it */
static gboolean
nvr_keyring_unlock_older(NvrKeyring *self, guint from, GPtrArray *pairs, GError **error)
{
	for (guint i = from + 1; i < self->households->len; i++) {
		NvrKeyringHousehold *h = &g_array_index(self->households, NvrKeyringHousehold, i);
		NvrNvreKeyPair *newer = g_ptr_array_index(pairs, pairs->len - 1);
		NvrNvreKeyPair *pair =
			nvr_keyring_open_sealed(newer, h->sealed_to_newer, h->pk, error);
		if (pair == NULL)
			return FALSE;
		g_ptr_array_add(pairs, pair);
	}
	return TRUE;
}

static void
nvr_keyring_map_slot_error(GError **error, GError *local, const gchar *user)
{
	if (g_error_matches(local, NVR_NVRE_ERROR, NVR_NVRE_ERROR_NOKEY))
		g_set_error(error, NVR_ERROR, NVR_ERROR_AUTH, "wrong passphrase for user '%s'",
			    user);
	else if (g_error_matches(local, NVR_NVRE_ERROR, NVR_NVRE_ERROR_PARAM))
		g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT, "key slot of '%s': %s", user,
			    local->message);
	else if (g_error_matches(local, NVR_NVRE_ERROR, NVR_NVRE_ERROR_INVALID_ARGUMENT))
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, local->message);
	else
		g_set_error(error, NVR_ERROR, NVR_ERROR_FAILED, "unlocking '%s': %s", user,
			    local->message);
}

GPtrArray *
nvr_keyring_unlock(NvrKeyring *self, const gchar *user, const guint8 *passphrase,
		   gsize passphrase_len, GError **error)
{
	g_autoptr(GPtrArray) pairs =
		g_ptr_array_new_with_free_func((GDestroyNotify)nvr_nvre_key_pair_unref);
	g_autoptr(GError) local = NULL;
	NvrKeyringUser *u;
	NvrNvreKeyPair *pair;
	gint g;

	g_return_val_if_fail(self != NULL && user != NULL, NULL);
	u = nvr_keyring_find_user(self, user);
	if (u == NULL) {
		nvr_keyring_fail(error, NVR_ERROR_NOT_FOUND, "no user '%s' in the keyring", user);
		return NULL;
	}
	/* set_user never wraps one (a slot of another implementation may, §14) */
	if (passphrase_len == 0) {
		nvr_keyring_fail(error, NVR_ERROR_INVALID_ARGUMENT, "a passphrase must not be empty");
		return NULL;
	}
	g = nvr_keyring_find_generation(self, u->key_id);
	g_assert(g >= 0); /* checked when parsed or set */
	pair = nvr_nvre_slot_unwrap(u->slot, sizeof(u->slot), passphrase, passphrase_len,
				    g_array_index(self->households, NvrKeyringHousehold, g).pk,
				    &local);
	if (pair == NULL) {
		nvr_keyring_map_slot_error(error, local, user);
		return NULL;
	}
	g_ptr_array_add(pairs, pair);
	if (!nvr_keyring_unlock_older(self, (guint)g, pairs, error))
		return NULL;
	return g_steal_pointer(&pairs);
}

GPtrArray *
nvr_keyring_unlock_recovery(NvrKeyring *self, const gchar *recovery_secret, GError **error)
{
	g_autoptr(GPtrArray) pairs =
		g_ptr_array_new_with_free_func((GDestroyNotify)nvr_nvre_key_pair_unref);
	g_autoptr(NvrNvreKeyPair) recovery =
		nvr_keyring_parse_recovery_secret(recovery_secret, error);

	if (recovery == NULL)
		return NULL;
	if (!nvr_keys_equal(recovery->pk, self->recovery_pk, NVR_NVRE_KEY_SIZE)) {
		nvr_keyring_fail(error, NVR_ERROR_AUTH,
				 "this recovery secret belongs to another keyring");
		return NULL;
	}
	for (guint i = 0; i < self->households->len; i++) {
		NvrKeyringHousehold *h = &g_array_index(self->households, NvrKeyringHousehold, i);
		NvrNvreKeyPair *pair = nvr_keyring_open_sealed(recovery, h->escrow, h->pk, error);
		if (pair == NULL)
			return NULL;
		g_ptr_array_add(pairs, pair);
	}
	return g_steal_pointer(&pairs);
}

gboolean
nvr_keyring_set_user(NvrKeyring *self, const gchar *user, NvrNvreKeyPair *household,
		     const guint8 *passphrase, gsize passphrase_len, guint64 opslimit,
		     guint64 memlimit, GError **error)
{
	g_autoptr(GError) local = NULL;
	NvrKeyringUser *u;
	guint8 slot[NVR_NVRE_SLOT_SIZE];

	g_return_val_if_fail(self != NULL && user != NULL && household != NULL, FALSE);
	if (!nvr_keyring_user_name_valid(user))
		return nvr_keyring_fail(error, NVR_ERROR_INVALID_ARGUMENT,
					"user names are 1 to 64 of A-Z a-z 0-9 . _ @ -");
	if (nvr_keyring_find_generation(self, household->key_id) < 0)
		return nvr_keyring_fail(error, NVR_ERROR_INVALID_ARGUMENT,
					"not a household key of this keyring");
	/* the format allows an empty passphrase (§14); a household key behind one is not kept */
	if (passphrase_len == 0)
		return nvr_keyring_fail(error, NVR_ERROR_INVALID_ARGUMENT,
					"a passphrase must not be empty");
	u = nvr_keyring_find_user(self, user);
	if (u == NULL && self->users->len == NVR_KEYRING_MAX_USERS)
		return nvr_keyring_fail(error, NVR_ERROR_NO_SPACE,
					"the keyring holds %u users at most",
					NVR_KEYRING_MAX_USERS);
	if (opslimit == 0 && u != NULL &&
	    !nvr_nvre_slot_get_cost(u->slot, sizeof(u->slot), &opslimit, &memlimit, NULL))
		opslimit = 0;
	if (opslimit == 0)
		nvr_keyring_calibrate_kdf(NVR_KEYRING_CALIBRATE_MS, &opslimit, &memlimit);
	if (!nvr_nvre_slot_wrap(household, passphrase, passphrase_len, opslimit, memlimit, slot,
				&local)) {
		nvr_keyring_map_slot_error(error, local, user);
		return FALSE;
	}
	if (u == NULL) {
		u = g_new0(NvrKeyringUser, 1);
		u->name = g_strdup(user);
		g_ptr_array_add(self->users, u);
	}
	memcpy(u->key_id, household->key_id, NVR_NVRE_KEY_ID_SIZE);
	memcpy(u->slot, slot, sizeof(slot));
	return TRUE;
}

gboolean
nvr_keyring_remove_user(NvrKeyring *self, const gchar *user, GError **error)
{
	NvrKeyringUser *u = nvr_keyring_find_user(self, user);

	if (u == NULL)
		return nvr_keyring_fail(error, NVR_ERROR_NOT_FOUND, "no user '%s' in the keyring",
					user);
	if (self->users->len == 1)
		return nvr_keyring_fail(error, NVR_ERROR_INVALID_ARGUMENT, "'%s' is the last user",
					user);
	g_ptr_array_remove(self->users, u);
	return TRUE;
}

static gint
nvr_keyring_strcmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

gchar **
nvr_keyring_list_users(NvrKeyring *self)
{
	GPtrArray *names = g_ptr_array_new();

	for (guint i = 0; i < self->users->len; i++)
		g_ptr_array_add(
			names,
			g_strdup(((NvrKeyringUser *)g_ptr_array_index(self->users, i))->name));
	g_ptr_array_sort(names, nvr_keyring_strcmp);
	g_ptr_array_add(names, NULL);
	return (gchar **)g_ptr_array_free(names, FALSE);
}

/* a household entry for @pair: its secret escrowed to the recovery key */
static gboolean
nvr_keyring_household_for(NvrKeyring *self, NvrNvreKeyPair *pair, NvrKeyringHousehold *h,
			  GError **error)
{
	const guint8 *sk = nvr_secret_acquire(pair->sk, error);
	gint rc;

	if (sk == NULL)
		return FALSE;
	memset(h, 0, sizeof(*h));
	memcpy(h->pk, pair->pk, NVR_NVRE_KEY_SIZE);
	memcpy(h->key_id, pair->key_id, NVR_NVRE_KEY_ID_SIZE);
	rc = crypto_box_seal(h->escrow, sk, NVR_NVRE_KEY_SIZE, self->recovery_pk);
	nvr_secret_release(pair->sk);
	return rc == 0 ? TRUE
		       : nvr_keyring_fail(error, NVR_ERROR_FAILED,
					  "sealing to the recovery key failed");
}

NvrNvreKeyPair *
nvr_keyring_rotate_household(NvrKeyring *self, NvrNvreKeyPair *current, GError **error)
{
	NvrKeyringHousehold *newest = &g_array_index(self->households, NvrKeyringHousehold, 0);
	g_autoptr(NvrNvreKeyPair) next = NULL;
	NvrKeyringHousehold h;
	const guint8 *sk;
	gint rc;

	if (!nvr_keys_equal(current->pk, newest->pk, NVR_NVRE_KEY_SIZE)) {
		nvr_keyring_fail(error, NVR_ERROR_INVALID_ARGUMENT,
				 "rotation needs the newest household key");
		return NULL;
	}
	if (self->households->len == NVR_KEYRING_MAX_GENERATIONS) {
		nvr_keyring_fail(error, NVR_ERROR_NO_SPACE, "%u household generations at most",
				 NVR_KEYRING_MAX_GENERATIONS);
		return NULL;
	}
	next = nvr_nvre_key_pair_generate(error);
	if (next == NULL || !nvr_keyring_household_for(self, next, &h, error))
		return NULL;
	/* the old generation stays reachable from the new one */
	sk = nvr_secret_acquire(current->sk, error);
	if (sk == NULL)
		return NULL;
	rc = crypto_box_seal(newest->sealed_to_newer, sk, NVR_NVRE_KEY_SIZE, next->pk);
	nvr_secret_release(current->sk);
	if (rc != 0) {
		nvr_keyring_fail(error, NVR_ERROR_FAILED, "sealing the old household key failed");
		return NULL;
	}
	newest->has_sealed_to_newer = TRUE;
	g_array_prepend_val(self->households, h);
	return g_steal_pointer(&next);
}

/* ---- creation ---- */

static gboolean
nvr_keyring_create_keys(NvrKeyring *self, NvrNvreKeyPair **household, NvrNvreKeyPair **recovery,
			GError **error)
{
	NvrKeyringHousehold h;

	*household = nvr_nvre_key_pair_generate(error);
	if (*household == NULL)
		return FALSE;
	*recovery = nvr_nvre_key_pair_generate(error);
	if (*recovery == NULL)
		return FALSE;
	memcpy(self->recovery_pk, (*recovery)->pk, NVR_NVRE_KEY_SIZE);
	self->device = nvr_nvre_signing_key_generate(error);
	if (self->device == NULL)
		return FALSE;
	self->seal_key = nvr_secret_new_random(NVR_KEYS_SEAL_KEY_SIZE, error);
	if (self->seal_key == NULL)
		return FALSE;
	if (!nvr_keyring_household_for(self, *household, &h, error))
		return FALSE;
	g_array_append_val(self->households, h);
	return TRUE;
}

NvrKeyring *
nvr_keyring_create(const gchar *state_dir, const gchar *user, const guint8 *passphrase,
		   gsize passphrase_len, guint64 opslimit, guint64 memlimit,
		   gchar **recovery_secret, GError **error)
{
	g_autoptr(NvrKeyring) self = NULL;
	g_autoptr(NvrNvreKeyPair) household = NULL;
	g_autoptr(NvrNvreKeyPair) recovery = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *text = NULL;

	g_return_val_if_fail(state_dir != NULL && user != NULL && recovery_secret != NULL, NULL);
	if (!nvr_keys_init(error) || !nvr_file_check_dir_usable(state_dir, TRUE, error))
		return NULL;
	path = nvr_keyring_path(state_dir);
	if (g_file_test(path, G_FILE_TEST_EXISTS)) {
		nvr_keyring_fail(error, NVR_ERROR_EXISTS,
				 "%s exists: this state dir is initialised already", path);
		return NULL;
	}
	self = nvr_keyring_new();
	if (!nvr_keyring_create_keys(self, &household, &recovery, error) ||
	    !nvr_keyring_set_user(self, user, household, passphrase, passphrase_len, opslimit,
				  memlimit, error))
		return NULL;
	text = nvr_keyring_format_recovery_secret(recovery, error);
	if (text == NULL)
		return NULL;
	self->path = g_steal_pointer(&path);
	if (!nvr_keyring_save(self, error)) {
		nvr_keys_memzero(text, strlen(text));
		return NULL;
	}
	*recovery_secret = g_steal_pointer(&text);
	return g_steal_pointer(&self);
}

/* ---- getters ---- */

const gchar *
nvr_keyring_get_path(NvrKeyring *self)
{
	return self->path;
}

guint
nvr_keyring_get_n_generations(NvrKeyring *self)
{
	return self->households->len;
}

const guint8 *
nvr_keyring_get_household_public(NvrKeyring *self)
{
	return g_array_index(self->households, NvrKeyringHousehold, 0).pk;
}

const guint8 *
nvr_keyring_get_recovery_public(NvrKeyring *self)
{
	return self->recovery_pk;
}

NvrNvreSigningKey *
nvr_keyring_get_device_key(NvrKeyring *self)
{
	return self->device;
}

NvrSecret *
nvr_keyring_get_seal_key(NvrKeyring *self)
{
	return self->seal_key;
}

void
nvr_keyring_fill_writer_params(NvrKeyring *self, NvrNvreWriterParams *params)
{
	params->recipients[0] = nvr_keyring_get_household_public(self);
	params->recipients[1] = self->recovery_pk;
	params->n_recipients = 2;
	params->device_key = self->device;
}
