/*
 * Test hooks of NVRE v1 (nvr-nvre-testing.h): the intermediate values of the
 * spec's kat objects, and a sealer that authenticates whatever header and
 * chunk sequence a test asks for. Tests build single-defect files with it:
 * a writer's file, one targeted edit, then the MAC, signature and chunks made
 * valid again for the edited header, so that only the edit is wrong. It lives
 * here because nvr/keys is the only module that uses libsodium.
 */
#include "config.h"

#include <string.h>

#include "nvr-keys.h"
#include "nvr-nvre-private.h"
#include "nvr-nvre-testing.h"

gboolean
nvr_nvre_test_derive(const guint8 k_file[NVR_NVRE_KEY_SIZE], const guint8 *fixed,
		     NvrNvreTestKeys *out, GError **error)
{
	NvrNvreFileKeys keys;
	gboolean ok;

	memcpy(keys.k_file, k_file, NVR_NVRE_KEY_SIZE);
	ok = nvr_nvre_derive(&keys, fixed, error);
	if (ok) {
		memcpy(out->prk, keys.prk, NVR_NVRE_KEY_SIZE);
		memcpy(out->k_mac, keys.k_mac, NVR_NVRE_KEY_SIZE);
		memcpy(out->k_payload, keys.k_payload, NVR_NVRE_KEY_SIZE);
	}
	sodium_memzero(&keys, sizeof(keys));
	return ok;
}

gboolean
nvr_nvre_test_unwrap(const guint8 *header, gsize len, NvrNvreKeyPair *const *keys, guint n_keys,
		     guint8 k_file[NVR_NVRE_KEY_SIZE])
{
	guint n = len > NVR_NVRE_OFF_N_RECIPIENTS ? header[NVR_NVRE_OFF_N_RECIPIENTS] : 0;

	/* §11 step 6: stanzas in header order, each key pair in turn, the first box that opens */
	for (guint s = 0; s < MIN(n, NVR_NVRE_MAX_RECIPIENTS); s++) {
		const guint8 *stanza = header + NVR_NVRE_FIXED_SIZE + s * NVR_NVRE_STANZA_SIZE;

		if (NVR_NVRE_FIXED_SIZE + (s + 1) * NVR_NVRE_STANZA_SIZE > len)
			break;
		for (guint i = 0; i < n_keys; i++) {
			const guint8 *sk;
			gint rc;

			if (memcmp(stanza, keys[i]->key_id, NVR_NVRE_KEY_ID_SIZE) != 0 ||
			    (sk = nvr_secret_acquire(keys[i]->sk, NULL)) == NULL)
				continue;
			rc = crypto_box_seal_open(k_file, stanza + NVR_NVRE_KEY_ID_SIZE,
						  NVR_NVRE_SEALED_SIZE, keys[i]->pk, sk);
			nvr_secret_release(keys[i]->sk);
			if (rc == 0)
				return TRUE;
		}
	}
	return FALSE;
}

gboolean
nvr_nvre_test_header_mac(const guint8 k_mac[NVR_NVRE_KEY_SIZE], const guint8 *header,
			 guint header_len, guint8 mac[NVR_NVRE_MAC_SIZE], GError **error)
{
	return nvr_nvre_header_mac(k_mac, header, header_len, mac, error);
}

void
nvr_nvre_test_chunk_inputs(const guint8 *fixed, guint64 index, gboolean final,
			   guint8 nonce[NVR_NVRE_TEST_NONCE_SIZE], guint8 ad[NVR_NVRE_TEST_AD_SIZE])
{
	G_STATIC_ASSERT(NVR_NVRE_TEST_NONCE_SIZE == NVR_NVRE_NONCE_SIZE);
	G_STATIC_ASSERT(NVR_NVRE_TEST_AD_SIZE == NVR_NVRE_AD_SIZE);
	nvr_nvre_chunk_nonce(fixed, index, final, nonce);
	nvr_nvre_chunk_ad(fixed, index, final, ad);
}

void
nvr_nvre_test_sig_message(const guint8 *fixed, const guint8 *mac,
			  guint8 out[NVR_NVRE_TEST_SIG_MESSAGE_SIZE])
{
	G_STATIC_ASSERT(NVR_NVRE_TEST_SIG_MESSAGE_SIZE == NVR_NVRE_SIG_MESSAGE_SIZE);
	nvr_nvre_sig_message(fixed, mac, out);
}

gboolean
nvr_nvre_test_slot_kek(const guint8 *slot, const guint8 *passphrase, gsize passphrase_len,
		       guint8 kek[NVR_NVRE_KEY_SIZE], GError **error)
{
	guint64 ops = 0, mem = 0;

	if (!nvr_nvre_slot_get_cost(slot, NVR_NVRE_SLOT_SIZE, &ops, &mem, error))
		return FALSE;
	if (crypto_pwhash(kek, NVR_NVRE_KEY_SIZE, (const gchar *)passphrase, passphrase_len, slot,
			  (unsigned long long)ops, (gsize)mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_KDF, "Argon2id failed");
	return TRUE;
}

/* MAC over the header as given (hl from @header_len, not from the bytes), then the signature */
static gboolean
nvr_nvre_test_seal_header(guint8 *header, guint header_len, const NvrNvreTestKeys *keys,
			  NvrNvreSigningKey *device_key, GError **error)
{
	guint8 *mac = header + header_len - NVR_NVRE_HEADER_TAIL;
	guint8 msg[NVR_NVRE_SIG_MESSAGE_SIZE];

	if (!nvr_nvre_header_mac(keys->k_mac, header, header_len, mac, error))
		return FALSE;
	if (device_key == NULL)
		return TRUE;
	nvr_nvre_sig_message(header, mac, msg);
	return nvr_nvre_signing_key_sign(device_key, msg, sizeof(msg), mac + NVR_NVRE_MAC_SIZE,
					 error);
}

GBytes *
nvr_nvre_test_seal(const guint8 *header, guint header_len, const guint8 k_file[NVR_NVRE_KEY_SIZE],
		   const NvrNvreTestChunk *chunks, guint n_chunks, NvrNvreSigningKey *device_key,
		   GError **error)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	NvrNvreTestKeys keys;

	g_return_val_if_fail(header_len >= NVR_NVRE_FIXED_SIZE + NVR_NVRE_HEADER_TAIL, NULL);
	if (!nvr_keys_init(error) || !nvr_nvre_test_derive(k_file, header, &keys, error))
		return NULL;
	g_byte_array_append(out, header, header_len);
	if (!nvr_nvre_test_seal_header(out->data, header_len, &keys, device_key, error))
		return NULL;
	for (guint i = 0; i < n_chunks; i++) {
		guint8 nonce[NVR_NVRE_NONCE_SIZE], ad[NVR_NVRE_AD_SIZE];
		gsize at = out->len;
		unsigned long long clen = 0;

		nvr_nvre_test_chunk_inputs(header, chunks[i].index, chunks[i].final, nonce, ad);
		g_byte_array_set_size(out, (guint)(at + chunks[i].len + NVR_NVRE_TAG_SIZE));
		if (crypto_aead_xchacha20poly1305_ietf_encrypt(
			    out->data + at, &clen, chunks[i].data, chunks[i].len, ad, sizeof(ad),
			    NULL, nonce, keys.k_payload) != 0) {
			nvr_nvre_fail_crypto(error, "chunk encryption");
			return NULL;
		}
	}
	sodium_memzero(&keys, sizeof(keys));
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

GBytes *
nvr_nvre_test_seal_canonical(const guint8 *header, guint header_len,
			     const guint8 k_file[NVR_NVRE_KEY_SIZE], const guint8 *plain,
			     gsize plain_len, NvrNvreSigningKey *device_key, GError **error)
{
	gsize c = (gsize)1 << header[NVR_NVRE_OFF_CHUNK_LOG2];
	guint n = (guint)(plain_len / c) + 1;
	g_autofree NvrNvreTestChunk *chunks = g_new0(NvrNvreTestChunk, n);

	g_return_val_if_fail(header[NVR_NVRE_OFF_CHUNK_LOG2] <= 30, NULL);
	/* §7.1: ⌊N/C⌋ full non-final chunks, then a final chunk of N mod C bytes */
	for (guint i = 0; i < n; i++) {
		chunks[i].data = plain + (gsize)i * c;
		chunks[i].len = i + 1 < n ? c : plain_len % c;
		chunks[i].index = i;
		chunks[i].final = i + 1 == n;
	}
	return nvr_nvre_test_seal(header, header_len, k_file, chunks, n, device_key, error);
}
