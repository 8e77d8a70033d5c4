/*
 * notes on NVRE v1 (nvre-v1.md is normative; this is the map of the code)
 *
 *   nvr-nvre.c         errors, byte order, FIXED syntax, key derivation, key
 *                      types, chain link, tags digest
 *   nvr-nvre-writer.c  §9: header, streaming chunks, final chunk, fsync
 *   nvr-nvre-reader.c  §11/§12: open in the spec's step order, random access,
 *                      verify-all, chain check (§8.4)
 *   nvr-nvre-file.c    §10 keyless recovery, §13 in-place re-wrap, keyless
 *                      chain state and tags digest of a file on disk
 *   nvr-nvre-slot.c    §14 passphrase key slots
 *
 * invariants
 *   (1) nothing is allocated from a size read from a file before the FIXED
 *       syntax check passed (hl <= 4096, C <= 1 MiB)
 *   (2) the header MAC is verified before any chunk is decrypted, and the
 *       final chunk before plain_len is reported
 *   (3) no plaintext leaves a chunk that did not authenticate
 *   (4) secrets (K_file, PRK, K_mac, K_payload, X25519 and Ed25519 secret
 *       keys) live only in NvrSecret memory; MACs and links are compared in
 *       constant time
 *   (5) every libsodium return value is checked
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/nvr-error.h"
#include "nvr-keys.h"
#include "nvr-nvre-private.h"

G_DEFINE_QUARK(nvr-nvre-error-quark, nvr_nvre_error)

static const gchar *const nvr_nvre_class_names[] = {
	[NVR_NVRE_ERROR_IO] = "io",
	[NVR_NVRE_ERROR_SHORT] = "short",
	[NVR_NVRE_ERROR_MAGIC] = "magic",
	[NVR_NVRE_ERROR_VERSION] = "version",
	[NVR_NVRE_ERROR_PARAM] = "param",
	[NVR_NVRE_ERROR_CONTEXT] = "context",
	[NVR_NVRE_ERROR_NOKEY] = "nokey",
	[NVR_NVRE_ERROR_HDR_MAC] = "hdr_mac",
	[NVR_NVRE_ERROR_SIG] = "sig",
	[NVR_NVRE_ERROR_TORN] = "torn",
	[NVR_NVRE_ERROR_UNFINALIZED] = "unfinalized",
	[NVR_NVRE_ERROR_FINAL] = "final",
	[NVR_NVRE_ERROR_CHUNK] = "chunk",
	[NVR_NVRE_ERROR_RANGE] = "range",
	[NVR_NVRE_ERROR_LINK] = "link",
	[NVR_NVRE_ERROR_INVALID_ARGUMENT] = "invalid-argument",
	[NVR_NVRE_ERROR_KDF] = "kdf",
	[NVR_NVRE_ERROR_CRYPTO] = "crypto",
};

const gchar *
nvr_nvre_error_class_name(gint code)
{
	if (code <= 0 || code >= (gint)G_N_ELEMENTS(nvr_nvre_class_names))
		return "unknown";
	return nvr_nvre_class_names[code];
}

/* the message starts with the class, so a log line says which rule broke */
gboolean
nvr_nvre_fail(GError **error, NvrNvreError code, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *msg = NULL;

	va_start(args, format);
	msg = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(error, NVR_NVRE_ERROR, code, "%s: %s", nvr_nvre_error_class_name(code), msg);
	return FALSE;
}

gboolean
nvr_nvre_fail_crypto(GError **error, const gchar *what)
{
	return nvr_nvre_fail(error, NVR_NVRE_ERROR_CRYPTO, "%s failed", what);
}

void
nvr_nvre_put_be16(guint8 *p, guint16 v)
{
	p[0] = (guint8)(v >> 8);
	p[1] = (guint8)v;
}

void
nvr_nvre_put_be64(guint8 *p, guint64 v)
{
	for (gint i = 7; i >= 0; i--) {
		p[i] = (guint8)v;
		v >>= 8;
	}
}

guint16
nvr_nvre_get_be16(const guint8 *p)
{
	return (guint16)((p[0] << 8) | p[1]);
}

guint64
nvr_nvre_get_be64(const guint8 *p)
{
	guint64 v = 0;

	for (gint i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

gboolean
nvr_nvre_recipients_fit(guint n_recipients, guint header_len)
{
	return NVR_NVRE_FIXED_SIZE + NVR_NVRE_STANZA_SIZE * n_recipients + NVR_NVRE_HEADER_TAIL <=
	       header_len;
}

static gboolean
nvr_nvre_fixed_check_params(const guint8 *b, GError **error)
{
	guint chunk_log2 = b[NVR_NVRE_OFF_CHUNK_LOG2];
	guint hl = nvr_nvre_get_be16(b + NVR_NVRE_OFF_HEADER_LEN);
	guint n = b[NVR_NVRE_OFF_N_RECIPIENTS];

	if (chunk_log2 < NVR_NVRE_CHUNK_LOG2_MIN || chunk_log2 > NVR_NVRE_CHUNK_LOG2_MAX)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_PARAM, "chunk_log2 %u outside 12..20",
				     chunk_log2);
	if (hl % 64 != 0 || hl < NVR_NVRE_HEADER_LEN_MIN || hl > NVR_NVRE_HEADER_LEN_MAX)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_PARAM,
				     "header_len %u not a multiple of 64 in 256..4096", hl);
	if (n < 1 || n > NVR_NVRE_MAX_RECIPIENTS)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_PARAM, "n_recipients %u outside 1..8",
				     n);
	if (!nvr_nvre_recipients_fit(n, hl))
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_PARAM,
				     "%u stanzas do not fit a %u-byte header", n, hl);
	if ((b[NVR_NVRE_OFF_FLAGS] & ~NVR_NVRE_FLAG_SIGNED) != 0)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_PARAM, "unknown flag bits 0x%02x",
				     b[NVR_NVRE_OFF_FLAGS]);
	for (guint i = NVR_NVRE_OFF_RESERVED; i < NVR_NVRE_FIXED_SIZE; i++) {
		if (b[i] != 0)
			return nvr_nvre_fail(error, NVR_NVRE_ERROR_PARAM,
					     "reserved byte %u is not zero", i);
	}
	return TRUE;
}

gboolean
nvr_nvre_fixed_parse(const guint8 *b, NvrNvreFixed *fixed, GError **error)
{
	if (memcmp(b, NVR_NVRE_MAGIC, NVR_NVRE_MAGIC_SIZE) != 0)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_MAGIC, "not an NVRE file (bad magic)");
	if (b[NVR_NVRE_OFF_VERSION] != 1 || b[NVR_NVRE_OFF_SUITE] != 1)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_VERSION,
				     "version %u suite %u (want 1, 1)", b[NVR_NVRE_OFF_VERSION],
				     b[NVR_NVRE_OFF_SUITE]);
	if (!nvr_nvre_fixed_check_params(b, error))
		return FALSE;
	memcpy(fixed->bytes, b, NVR_NVRE_FIXED_SIZE);
	fixed->chunk_log2 = b[NVR_NVRE_OFF_CHUNK_LOG2];
	fixed->chunk_size = (gsize)1 << fixed->chunk_log2;
	fixed->chunk_disk_size = fixed->chunk_size + NVR_NVRE_TAG_SIZE;
	fixed->header_len = nvr_nvre_get_be16(b + NVR_NVRE_OFF_HEADER_LEN);
	fixed->n_recipients = b[NVR_NVRE_OFF_N_RECIPIENTS];
	fixed->flags = b[NVR_NVRE_OFF_FLAGS];
	memcpy(fixed->context.camera_id, b + NVR_NVRE_OFF_CAMERA_ID, 16);
	fixed->context.segment_id = nvr_nvre_get_be64(b + NVR_NVRE_OFF_SEGMENT_ID);
	fixed->context.start_us = (gint64)nvr_nvre_get_be64(b + NVR_NVRE_OFF_START_US);
	fixed->context.content_type = b[NVR_NVRE_OFF_CONTENT_TYPE];
	fixed->prev_segment_id = nvr_nvre_get_be64(b + NVR_NVRE_OFF_PREV_SEGMENT_ID);
	return TRUE;
}

void
nvr_nvre_fixed_prime(const guint8 *fixed, guint8 out[NVR_NVRE_FIXED_SIZE])
{
	memcpy(out, fixed, NVR_NVRE_FIXED_SIZE);
	out[NVR_NVRE_OFF_N_RECIPIENTS] = 0;
	out[NVR_NVRE_OFF_FLAGS] = 0;
}

NvrSecret *
nvr_nvre_file_keys_new(GError **error)
{
	return nvr_secret_new(sizeof(NvrNvreFileKeys), error);
}

gboolean
nvr_nvre_file_keys_wipe_header(NvrSecret *keys, GError **error)
{
	guint8 *p = nvr_secret_acquire(keys, error);

	if (p == NULL)
		return FALSE;
	sodium_memzero(p, G_STRUCT_OFFSET(NvrNvreFileKeys, k_payload));
	nvr_secret_release(keys);
	return TRUE;
}

gboolean
nvr_nvre_derive(NvrNvreFileKeys *keys, const guint8 *fixed, GError **error)
{
	static const guint8 prk_prefix[] = "NVRE1-prk";
	crypto_generichash_state st;
	guint8 fixed_prime[NVR_NVRE_FIXED_SIZE];

	/* bytes 14 and 15 stay out so that a re-wrap keeps every payload key (§4.4) */
	nvr_nvre_fixed_prime(fixed, fixed_prime);
	if (crypto_generichash_init(&st, keys->k_file, NVR_NVRE_KEY_SIZE, NVR_NVRE_KEY_SIZE) != 0 ||
	    crypto_generichash_update(&st, prk_prefix, sizeof(prk_prefix) - 1) != 0 ||
	    crypto_generichash_update(&st, fixed_prime, sizeof(fixed_prime)) != 0 ||
	    crypto_generichash_final(&st, keys->prk, NVR_NVRE_KEY_SIZE) != 0) {
		sodium_memzero(&st, sizeof(st));
		return nvr_nvre_fail_crypto(error, "PRK derivation");
	}
	sodium_memzero(&st, sizeof(st));
	if (crypto_kdf_derive_from_key(keys->k_mac, NVR_NVRE_KEY_SIZE, 1, "NVRE1hdr", keys->prk) !=
	    0)
		return nvr_nvre_fail_crypto(error, "K_mac derivation");
	if (crypto_kdf_derive_from_key(keys->k_payload, NVR_NVRE_KEY_SIZE, 2, "NVRE1pld",
				       keys->prk) != 0)
		return nvr_nvre_fail_crypto(error, "K_payload derivation");
	return TRUE;
}

gboolean
nvr_nvre_header_mac(const guint8 *k_mac, const guint8 *header, guint header_len,
		    guint8 mac[NVR_NVRE_MAC_SIZE], GError **error)
{
	static const guint8 prefix[] = "NVRE1-hdr";
	crypto_generichash_state st;
	gboolean ok;

	ok = crypto_generichash_init(&st, k_mac, NVR_NVRE_KEY_SIZE, NVR_NVRE_MAC_SIZE) == 0 &&
	     crypto_generichash_update(&st, prefix, sizeof(prefix) - 1) == 0 &&
	     crypto_generichash_update(&st, header, header_len - NVR_NVRE_HEADER_TAIL) == 0 &&
	     crypto_generichash_final(&st, mac, NVR_NVRE_MAC_SIZE) == 0;
	sodium_memzero(&st, sizeof(st));
	return ok ? TRUE : nvr_nvre_fail_crypto(error, "header MAC");
}

void
nvr_nvre_sig_message(const guint8 *fixed, const guint8 *mac, guint8 out[NVR_NVRE_SIG_MESSAGE_SIZE])
{
	memcpy(out, "NVRE1-sig", 9);
	memcpy(out + 9, fixed, NVR_NVRE_FIXED_SIZE);
	memcpy(out + 9 + NVR_NVRE_FIXED_SIZE, mac, NVR_NVRE_MAC_SIZE);
}

gboolean
nvr_nvre_key_id(const guint8 pk[NVR_NVRE_KEY_SIZE], guint8 key_id[NVR_NVRE_KEY_ID_SIZE],
		GError **error)
{
	guint8 msg[11 + NVR_NVRE_KEY_SIZE];
	guint8 full[16];

	/* a 16-byte BLAKE2b output truncated to 8, not an 8-byte output (§17.4) */
	memcpy(msg, "NVRE1-keyid", 11);
	memcpy(msg + 11, pk, NVR_NVRE_KEY_SIZE);
	if (crypto_generichash(full, sizeof(full), msg, sizeof(msg), NULL, 0) != 0)
		return nvr_nvre_fail_crypto(error, "key id");
	memcpy(key_id, full, NVR_NVRE_KEY_ID_SIZE);
	return TRUE;
}

gboolean
nvr_nvre_stanza_seal(const guint8 *k_file, const guint8 *pk, guint8 out[NVR_NVRE_STANZA_SIZE],
		     GError **error)
{
	if (!nvr_nvre_key_id(pk, out, error))
		return FALSE;
	if (crypto_box_seal(out + NVR_NVRE_KEY_ID_SIZE, k_file, NVR_NVRE_KEY_SIZE, pk) != 0)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_INVALID_ARGUMENT,
				     "cannot seal the file key to a recipient (bad public key?)");
	return TRUE;
}

void
nvr_nvre_chunk_nonce(const guint8 *fixed, guint64 index, gboolean final,
		     guint8 out[NVR_NVRE_NONCE_SIZE])
{
	guint8 be[8];

	/* file_salt ‖ be56(i) ‖ f */
	memcpy(out, fixed + NVR_NVRE_OFF_FILE_SALT, NVR_NVRE_SALT_SIZE);
	nvr_nvre_put_be64(be, index);
	memcpy(out + NVR_NVRE_SALT_SIZE, be + 1, 7);
	out[23] = final ? 1 : 0;
}

void
nvr_nvre_chunk_ad(const guint8 *fixed, guint64 index, gboolean final, guint8 out[NVR_NVRE_AD_SIZE])
{
	/* "NVRE1" ‖ camera_id ‖ be64(segment_id) ‖ be64(start_us) ‖ be64(i) ‖ f */
	memcpy(out, "NVRE1", 5);
	memcpy(out + 5, fixed + NVR_NVRE_OFF_CAMERA_ID, 16 + 8 + 8);
	nvr_nvre_put_be64(out + 37, index);
	out[45] = final ? 1 : 0;
}

gboolean
nvr_nvre_pread_all(gint fd, guint8 *buf, gsize len, guint64 offset, GError **error)
{
	while (len > 0) {
		gssize n = pread(fd, buf, len, (off_t)offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nvr_nvre_fail(error, NVR_NVRE_ERROR_IO, "read: %s",
					     g_strerror(errno));
		if (n == 0)
			return nvr_nvre_fail(error, NVR_NVRE_ERROR_IO,
					     "read: file shrank while it was open");
		buf += n;
		len -= (gsize)n;
		offset += (guint64)n;
	}
	return TRUE;
}

gboolean
nvr_nvre_pwrite_all(gint fd, const guint8 *buf, gsize len, guint64 offset, GError **error)
{
	while (len > 0) {
		gssize n = pwrite(fd, buf, len, (off_t)offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nvr_error_from_errno(error, errno, "write");
		buf += n;
		len -= (gsize)n;
		offset += (guint64)n;
	}
	return TRUE;
}

gboolean
nvr_nvre_fstat_size(gint fd, guint64 *size, GError **error)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_IO, "stat: %s", g_strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_IO, "not a regular file");
	*size = (guint64)st.st_size;
	return TRUE;
}

/* ---- context ---- */

gboolean
nvr_nvre_context_set_camera_uuid(NvrNvreContext *context, const gchar *uuid, GError **error)
{
	guint8 bytes[16];
	gsize n = 0;

	/* canonical "8-4-4-4-12" or 32 bare hex digits; the bytes in text order */
	for (const gchar *p = uuid; *p != '\0'; p++) {
		gint hi, lo;
		if (*p == '-' &&
		    (p - uuid == 8 || p - uuid == 13 || p - uuid == 18 || p - uuid == 23))
			continue;
		hi = g_ascii_xdigit_value(p[0]);
		lo = hi < 0 ? -1 : g_ascii_xdigit_value(p[1]);
		if (lo < 0 || n == 16)
			break;
		bytes[n++] = (guint8)(hi << 4 | lo);
		p++;
		if (n == 16 && p[1] == '\0') {
			memcpy(context->camera_id, bytes, 16);
			return TRUE;
		}
	}
	return nvr_nvre_fail(error, NVR_NVRE_ERROR_INVALID_ARGUMENT, "'%s' is not a UUID", uuid);
}

/* ---- chain state (§8.1, §8.2) ---- */

gboolean
nvr_nvre_chain_state_link(const NvrNvreChainState *state, guint8 link[NVR_NVRE_LINK_SIZE],
			  GError **error)
{
	guint8 m[10 + NVR_NVRE_FIXED_SIZE + 8 + NVR_NVRE_TAG_SIZE + 1];

	g_return_val_if_fail(state->status == NVR_NVRE_STATUS_FINALIZED ||
				     state->status == NVR_NVRE_STATUS_INTERRUPTED,
			     FALSE);
	memcpy(m, "NVRE1-link", 10);
	/* FIXED′ again, whatever the caller left in bytes 14 and 15 */
	nvr_nvre_fixed_prime(state->fixed_prime, m + 10);
	nvr_nvre_put_be64(m + 10 + NVR_NVRE_FIXED_SIZE, state->file_len);
	memcpy(m + 10 + NVR_NVRE_FIXED_SIZE + 8, state->last_tag, NVR_NVRE_TAG_SIZE);
	m[sizeof(m) - 1] = state->status;
	if (crypto_generichash(link, NVR_NVRE_LINK_SIZE, m, sizeof(m), NULL, 0) != 0)
		return nvr_nvre_fail_crypto(error, "chain link");
	return TRUE;
}

guint64
nvr_nvre_chain_state_get_segment_id(const NvrNvreChainState *state)
{
	return nvr_nvre_get_be64(state->fixed_prime + NVR_NVRE_OFF_SEGMENT_ID);
}

const guint8 *
nvr_nvre_chain_state_get_camera_id(const NvrNvreChainState *state)
{
	return state->fixed_prime + NVR_NVRE_OFF_CAMERA_ID;
}

/* ---- tags digest (DESIGN.md §6; not part of the format) ---- */

gboolean
nvr_nvre_tags_digest_init(crypto_generichash_state *st, const guint8 *fixed, GError **error)
{
	static const guint8 prefix[] = "NVR-tags-v1";
	guint8 fixed_prime[NVR_NVRE_FIXED_SIZE];

	nvr_nvre_fixed_prime(fixed, fixed_prime);
	if (crypto_generichash_init(st, NULL, 0, NVR_NVRE_TAGS_DIGEST_SIZE) != 0 ||
	    crypto_generichash_update(st, prefix, sizeof(prefix) - 1) != 0 ||
	    crypto_generichash_update(st, fixed_prime, sizeof(fixed_prime)) != 0)
		return nvr_nvre_fail_crypto(error, "tags digest");
	return TRUE;
}

gboolean
nvr_nvre_tags_digest_final(crypto_generichash_state *st, guint64 file_len,
			   guint8 digest[NVR_NVRE_TAGS_DIGEST_SIZE], GError **error)
{
	guint8 be[8];

	nvr_nvre_put_be64(be, file_len);
	if (crypto_generichash_update(st, be, sizeof(be)) != 0 ||
	    crypto_generichash_final(st, digest, NVR_NVRE_TAGS_DIGEST_SIZE) != 0)
		return nvr_nvre_fail_crypto(error, "tags digest");
	return TRUE;
}

static void
nvr_nvre_tags_digest_message(const guint8 *digest, guint8 out[15 + NVR_NVRE_TAGS_DIGEST_SIZE])
{
	memcpy(out, "NVR-tags-sig-v1", 15);
	memcpy(out + 15, digest, NVR_NVRE_TAGS_DIGEST_SIZE);
}

gboolean
nvr_nvre_tags_digest_sign(NvrNvreSigningKey *key, const guint8 digest[NVR_NVRE_TAGS_DIGEST_SIZE],
			  guint8 sig[NVR_NVRE_SIG_SIZE], GError **error)
{
	guint8 msg[15 + NVR_NVRE_TAGS_DIGEST_SIZE];

	nvr_nvre_tags_digest_message(digest, msg);
	return nvr_nvre_signing_key_sign(key, msg, sizeof(msg), sig, error);
}

gboolean
nvr_nvre_tags_digest_verify(const guint8 pk[NVR_NVRE_KEY_SIZE],
			    const guint8 digest[NVR_NVRE_TAGS_DIGEST_SIZE],
			    const guint8 sig[NVR_NVRE_SIG_SIZE], GError **error)
{
	guint8 msg[15 + NVR_NVRE_TAGS_DIGEST_SIZE];

	nvr_nvre_tags_digest_message(digest, msg);
	return nvr_nvre_verify_signature(pk, msg, sizeof(msg), sig, error);
}

/* ---- X25519 key pairs ---- */

static NvrNvreKeyPair *
nvr_nvre_key_pair_new_internal(NvrSecret *sk, const guint8 *pk, GError **error)
{
	g_autoptr(NvrSecret) owned = sk;
	NvrNvreKeyPair *pair;
	guint8 key_id[NVR_NVRE_KEY_ID_SIZE];

	if (!nvr_nvre_key_id(pk, key_id, error))
		return NULL;
	pair = g_new0(NvrNvreKeyPair, 1);
	pair->ref_count = 1;
	memcpy(pair->pk, pk, NVR_NVRE_KEY_SIZE);
	memcpy(pair->key_id, key_id, sizeof(key_id));
	pair->sk = g_steal_pointer(&owned);
	return pair;
}

NvrNvreKeyPair *
nvr_nvre_key_pair_generate(GError **error)
{
	g_autoptr(NvrSecret) sk = nvr_secret_new(crypto_box_SECRETKEYBYTES, error);
	guint8 pk[crypto_box_PUBLICKEYBYTES];
	guint8 *p;
	gint rc;

	if (sk == NULL)
		return NULL;
	p = nvr_secret_acquire(sk, error);
	if (p == NULL)
		return NULL;
	rc = crypto_box_keypair(pk, p);
	nvr_secret_release(sk);
	if (rc != 0) {
		nvr_nvre_fail_crypto(error, "X25519 key generation");
		return NULL;
	}
	return nvr_nvre_key_pair_new_internal(g_steal_pointer(&sk), pk, error);
}

NvrNvreKeyPair *
nvr_nvre_key_pair_new_from_secret(const guint8 sk[NVR_NVRE_KEY_SIZE], GError **error)
{
	g_autoptr(NvrSecret) secret = nvr_secret_new_from_data(sk, NVR_NVRE_KEY_SIZE, error);
	guint8 pk[crypto_box_PUBLICKEYBYTES];

	if (secret == NULL)
		return NULL;
	if (crypto_scalarmult_base(pk, sk) != 0) {
		nvr_nvre_fail(error, NVR_NVRE_ERROR_INVALID_ARGUMENT, "not an X25519 secret key");
		return NULL;
	}
	return nvr_nvre_key_pair_new_internal(g_steal_pointer(&secret), pk, error);
}

NvrNvreKeyPair *
nvr_nvre_key_pair_ref(NvrNvreKeyPair *pair)
{
	g_return_val_if_fail(pair != NULL, NULL);
	g_atomic_int_inc(&pair->ref_count);
	return pair;
}

void
nvr_nvre_key_pair_unref(NvrNvreKeyPair *pair)
{
	if (pair == NULL || !g_atomic_int_dec_and_test(&pair->ref_count))
		return;
	nvr_secret_free(pair->sk);
	g_free(pair);
}

const guint8 *
nvr_nvre_key_pair_get_public(const NvrNvreKeyPair *pair)
{
	return pair->pk;
}

NvrSecret *
nvr_nvre_key_pair_get_secret(const NvrNvreKeyPair *pair)
{
	return pair->sk;
}

/* ---- Ed25519 device key ---- */

static NvrNvreSigningKey *
nvr_nvre_signing_key_new_internal(const guint8 *seed_or_null, GError **error)
{
	g_autoptr(NvrSecret) sk = nvr_secret_new(crypto_sign_ed25519_SECRETKEYBYTES, error);
	NvrNvreSigningKey *key;
	guint8 pk[crypto_sign_ed25519_PUBLICKEYBYTES];
	guint8 *p;
	gint rc;

	if (sk == NULL)
		return NULL;
	p = nvr_secret_acquire(sk, error);
	if (p == NULL)
		return NULL;
	rc = seed_or_null != NULL ? crypto_sign_ed25519_seed_keypair(pk, p, seed_or_null)
				  : crypto_sign_ed25519_keypair(pk, p);
	nvr_secret_release(sk);
	if (rc != 0) {
		nvr_nvre_fail_crypto(error, "Ed25519 key generation");
		return NULL;
	}
	key = g_new0(NvrNvreSigningKey, 1);
	key->ref_count = 1;
	memcpy(key->pk, pk, sizeof(pk));
	key->sk = g_steal_pointer(&sk);
	return key;
}

NvrNvreSigningKey *
nvr_nvre_signing_key_generate(GError **error)
{
	if (!nvr_keys_init(error))
		return NULL;
	return nvr_nvre_signing_key_new_internal(NULL, error);
}

NvrNvreSigningKey *
nvr_nvre_signing_key_new_from_seed(const guint8 seed[NVR_NVRE_KEY_SIZE], GError **error)
{
	if (!nvr_keys_init(error))
		return NULL;
	return nvr_nvre_signing_key_new_internal(seed, error);
}

NvrNvreSigningKey *
nvr_nvre_signing_key_ref(NvrNvreSigningKey *key)
{
	g_return_val_if_fail(key != NULL, NULL);
	g_atomic_int_inc(&key->ref_count);
	return key;
}

void
nvr_nvre_signing_key_unref(NvrNvreSigningKey *key)
{
	if (key == NULL || !g_atomic_int_dec_and_test(&key->ref_count))
		return;
	nvr_secret_free(key->sk);
	g_free(key);
}

const guint8 *
nvr_nvre_signing_key_get_public(const NvrNvreSigningKey *key)
{
	return key->pk;
}

NvrSecret *
nvr_nvre_signing_key_dup_seed(NvrNvreSigningKey *key, GError **error)
{
	const guint8 *sk = nvr_secret_acquire(key->sk, error);
	NvrSecret *seed;

	if (sk == NULL)
		return NULL;
	/* libsodium's Ed25519 secret key is seed ‖ pk */
	seed = nvr_secret_new_from_data(sk, crypto_sign_ed25519_SEEDBYTES, error);
	nvr_secret_release(key->sk);
	return seed;
}

gboolean
nvr_nvre_signing_key_sign(NvrNvreSigningKey *key, const guint8 *msg, gsize len,
			  guint8 sig[NVR_NVRE_SIG_SIZE], GError **error)
{
	const guint8 *sk = nvr_secret_acquire(key->sk, error);
	gint rc;

	if (sk == NULL)
		return FALSE;
	rc = crypto_sign_ed25519_detached(sig, NULL, msg, len, sk);
	nvr_secret_release(key->sk);
	return rc == 0 ? TRUE : nvr_nvre_fail_crypto(error, "Ed25519 signing");
}

gboolean
nvr_nvre_verify_signature(const guint8 pk[NVR_NVRE_KEY_SIZE], const guint8 *msg, gsize len,
			  const guint8 sig[NVR_NVRE_SIG_SIZE], GError **error)
{
	if (!nvr_keys_init(error))
		return FALSE;
	if (crypto_sign_ed25519_verify_detached(sig, msg, len, pk) != 0)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_SIG,
				     "signature does not verify with the device key");
	return TRUE;
}
