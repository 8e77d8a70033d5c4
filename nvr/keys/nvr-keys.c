#include "config.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "core/nvr-error.h"
#include "nvr-keys.h"

#define NVR_KEYS_SEAL_PREFIX "nvrs1:"
/* a camera password longer than this is not a password */
#define NVR_KEYS_SEAL_MAX 4096

gboolean
nvr_keys_init(GError **error)
{
	/* sodium_init() is thread-safe and returns 1 once it already ran */
	if (sodium_init() < 0) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_FAILED,
				    "libsodium failed to initialise (no randomness source?)");
		return FALSE;
	}
	return TRUE;
}

gboolean
nvr_keys_disable_core_dumps(GError **error)
{
	struct rlimit no_core = {0, 0};

	/* a core file of nvrd could hold an unlocked household key */
	if (setrlimit(RLIMIT_CORE, &no_core) != 0)
		return nvr_error_from_errno(error, errno, "setrlimit(RLIMIT_CORE)");
	/* also stops other processes of the same user from ptrace-reading our memory */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return nvr_error_from_errno(error, errno, "prctl(PR_SET_DUMPABLE)");
	return TRUE;
}

void
nvr_keys_random_bytes(guint8 *buf, gsize len)
{
	/* randombytes_buf() itself initialises the generator; sodium_init() makes it thread-safe */
	if (!nvr_keys_init(NULL))
		g_critical("libsodium is not initialised");
	randombytes_buf(buf, len);
}

guint32
nvr_keys_random_uniform(guint32 upper_bound)
{
	if (!nvr_keys_init(NULL))
		g_critical("libsodium is not initialised");
	return randombytes_uniform(upper_bound);
}

gchar *
nvr_keys_random_token_hex(gsize n_bytes)
{
	g_autofree guint8 *raw = g_malloc(n_bytes);
	gchar *hex = g_malloc(2 * n_bytes + 1);

	nvr_keys_random_bytes(raw, n_bytes);
	sodium_bin2hex(hex, 2 * n_bytes + 1, raw, n_bytes);
	sodium_memzero(raw, n_bytes);
	return hex;
}

gboolean
nvr_keys_hex2bin(guint8 *bin, gsize bin_len, const gchar *hex, gsize hex_len)
{
	gsize n = 0;

	if (hex_len != 2 * bin_len)
		return FALSE;
	return sodium_hex2bin(bin, bin_len, hex, hex_len, NULL, &n, NULL) == 0 && n == bin_len;
}

gboolean
nvr_keys_equal(const guint8 *a, const guint8 *b, gsize len)
{
	return sodium_memcmp(a, b, len) == 0;
}

void
nvr_keys_memzero(gpointer buf, gsize len)
{
	sodium_memzero(buf, len);
}

gboolean
nvr_keys_sha256(const guint8 *data, gsize len, guint8 out[NVR_KEYS_SHA256_SIZE])
{
	return crypto_hash_sha256(out, data, len) == 0;
}

gboolean
nvr_keys_blake2b(const guint8 *key, const guint8 *data, gsize len,
		 guint8 out[NVR_KEYS_BLAKE2B_SIZE])
{
	return crypto_generichash(out, NVR_KEYS_BLAKE2B_SIZE, data, len, key,
				  key != NULL ? crypto_generichash_KEYBYTES : 0) == 0;
}

gchar *
nvr_keys_password_hash_full(const gchar *password, guint64 opslimit, gsize memlimit, GError **error)
{
	gchar out[crypto_pwhash_STRBYTES];

	g_return_val_if_fail(password != NULL, NULL);
	if (!nvr_keys_init(error))
		return NULL;
	if (crypto_pwhash_str(out, password, strlen(password), opslimit, memlimit) != 0) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_FAILED,
				    "password hashing failed (out of memory?)");
		return NULL;
	}
	return g_strdup(out);
}

gchar *
nvr_keys_password_hash(const gchar *password, GError **error)
{
	return nvr_keys_password_hash_full(password, crypto_pwhash_OPSLIMIT_INTERACTIVE,
					   crypto_pwhash_MEMLIMIT_INTERACTIVE, error);
}

gboolean
nvr_keys_password_verify(const gchar *hash, const gchar *password)
{
	g_return_val_if_fail(hash != NULL && password != NULL, FALSE);
	if (!nvr_keys_init(NULL))
		return FALSE;
	/* crypto_pwhash_str_verify() reads up to crypto_pwhash_STRBYTES: refuse longer strings */
	if (strnlen(hash, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES)
		return FALSE;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

gboolean
nvr_keys_password_needs_rehash(const gchar *hash)
{
	g_return_val_if_fail(hash != NULL, TRUE);
	if (strnlen(hash, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES)
		return TRUE;
	/* 1: other parameters, -1: not a hash we know; both mean "hash it again" */
	return crypto_pwhash_str_needs_rehash(hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
					      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}

gchar *
nvr_keys_seal_text(NvrSecret *key, const gchar *plaintext, GError **error)
{
	gsize len = strlen(plaintext);
	g_autofree guint8 *box = NULL;
	const guint8 *k;
	gint rc;

	g_return_val_if_fail(nvr_secret_get_size(key) == crypto_secretbox_KEYBYTES, NULL);
	if (len > NVR_KEYS_SEAL_MAX) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
			    "secret longer than %u bytes", NVR_KEYS_SEAL_MAX);
		return NULL;
	}
	box = g_malloc(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len);
	k = nvr_secret_acquire(key, error);
	if (k == NULL)
		return NULL;
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	rc = crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const guint8 *)plaintext,
				   len, box, k);
	nvr_secret_release(key);
	if (rc != 0) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_FAILED, "sealing failed");
		return NULL;
	}
	{
		g_autofree gchar *b64 = g_base64_encode(
			box, crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len);
		return g_strconcat(NVR_KEYS_SEAL_PREFIX, b64, NULL);
	}
}

static gboolean
nvr_keys_sealed_corrupt(GError **error, const gchar *why)
{
	g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT, "sealed secret: %s", why);
	return FALSE;
}

gchar *
nvr_keys_unseal_text(NvrSecret *key, const gchar *sealed, GError **error)
{
	const gsize overhead = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
	g_autofree guint8 *box = NULL;
	g_autofree gchar *plain = NULL;
	const guint8 *k;
	gsize box_len = 0;
	gsize b64_len;
	gint rc;

	g_return_val_if_fail(nvr_secret_get_size(key) == crypto_secretbox_KEYBYTES, NULL);
	if (!g_str_has_prefix(sealed, NVR_KEYS_SEAL_PREFIX)) {
		nvr_keys_sealed_corrupt(error, "not in the nvrs1 format");
		return NULL;
	}
	sealed += strlen(NVR_KEYS_SEAL_PREFIX);
	/* bound the size before g_base64_decode() allocates from it */
	b64_len = strlen(sealed);
	if (b64_len == 0 || b64_len > 4 * ((overhead + NVR_KEYS_SEAL_MAX + 2) / 3)) {
		nvr_keys_sealed_corrupt(error, "bad length");
		return NULL;
	}
	box = g_base64_decode(sealed, &box_len);
	if (box_len < overhead || box_len > overhead + NVR_KEYS_SEAL_MAX) {
		nvr_keys_sealed_corrupt(error, "bad length");
		return NULL;
	}
	plain = g_malloc0(box_len - overhead + 1);
	k = nvr_secret_acquire(key, error);
	if (k == NULL)
		return NULL;
	rc = crypto_secretbox_open_easy((guint8 *)plain, box + crypto_secretbox_NONCEBYTES,
					box_len - crypto_secretbox_NONCEBYTES, box, k);
	nvr_secret_release(key);
	if (rc != 0) {
		nvr_keys_sealed_corrupt(error, "does not open with this device's key");
		return NULL;
	}
	if (memchr(plain, '\0', box_len - overhead) != NULL) {
		sodium_memzero(plain, box_len - overhead);
		nvr_keys_sealed_corrupt(error, "holds a NUL byte");
		return NULL;
	}
	return g_steal_pointer(&plain);
}
