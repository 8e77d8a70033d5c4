/*
 * nvr-nvre-testing.h: hooks for tests only (tests/keys). Nothing in nvrd or
 * nvrctl may call these: they take the per-file randomness from the caller.
 */
#pragma once

#include "nvr-nvre.h"

G_BEGIN_DECLS

/* material that the writer otherwise draws from randombytes_buf() and crypto_box_seal() */
typedef struct {
	const guint8 *k_file;	  /* 32 bytes */
	const guint8 *file_salt;  /* 16 bytes */
	const guint8 *stanzas;	  /* 88 * n_recipients bytes, used verbatim */
	gboolean signed_unsigned; /* set the signed flag but leave the signature area zero */
} NvrNvreWriterTestMaterial;

NvrNvreWriter *nvr_nvre_writer_new_for_fd_with_material(gint fd, const NvrNvreWriterParams *params,
							const NvrNvreWriterTestMaterial *material,
							GError **error);

/* SHA-256 of a key pair's secret key, so a test can compare it with a known answer */
gboolean nvr_nvre_key_pair_hash_secret(NvrNvreKeyPair *pair, guint8 sha256[32], GError **error);

/* ---- nvr-nvre-testing.c: the kat intermediates, and a sealer for single-defect files ---- */

#define NVR_NVRE_TEST_NONCE_SIZE 24
#define NVR_NVRE_TEST_AD_SIZE 46
#define NVR_NVRE_TEST_SIG_MESSAGE_SIZE 153

typedef struct {
	guint8 prk[NVR_NVRE_KEY_SIZE];
	guint8 k_mac[NVR_NVRE_KEY_SIZE];
	guint8 k_payload[NVR_NVRE_KEY_SIZE];
} NvrNvreTestKeys;

/* §4.4 from K_file and FIXED (bytes 14 and 15 are ignored, as the spec says) */
gboolean nvr_nvre_test_derive(const guint8 k_file[NVR_NVRE_KEY_SIZE], const guint8 *fixed,
			      NvrNvreTestKeys *out, GError **error);
/* §11 step 6 on the first @len bytes of a header: K_file from the first stanza that opens */
gboolean nvr_nvre_test_unwrap(const guint8 *header, gsize len, NvrNvreKeyPair *const *keys,
			      guint n_keys, guint8 k_file[NVR_NVRE_KEY_SIZE]);
/* §6.1 over header[0 .. hl−96) */
gboolean nvr_nvre_test_header_mac(const guint8 k_mac[NVR_NVRE_KEY_SIZE], const guint8 *header,
				  guint header_len, guint8 mac[NVR_NVRE_MAC_SIZE], GError **error);
/* §7.2 */
void nvr_nvre_test_chunk_inputs(const guint8 *fixed, guint64 index, gboolean final,
				guint8 nonce[NVR_NVRE_TEST_NONCE_SIZE],
				guint8 ad[NVR_NVRE_TEST_AD_SIZE]);
/* §6.2 */
void nvr_nvre_test_sig_message(const guint8 *fixed, const guint8 *mac,
			       guint8 out[NVR_NVRE_TEST_SIG_MESSAGE_SIZE]);
/* §14: KEK of a 104-byte slot (its cost fields pass the bounds first) */
gboolean nvr_nvre_test_slot_kek(const guint8 *slot, const guint8 *passphrase, gsize passphrase_len,
				guint8 kek[NVR_NVRE_KEY_SIZE], GError **error);

/* one chunk as the sealer should make it: any index, any final flag, any length */
typedef struct {
	const guint8 *data;
	gsize len;
	guint64 index;
	gboolean final;
} NvrNvreTestChunk;

/* @header (@header_len bytes, taken as they are: hl is not read from them) with its MAC
 * recomputed under the K_mac of @k_file and its FIXED, signed when @device_key is set
 * (else the signature area stays as given), then each chunk encrypted under K_payload with
 * the nonce and AD of its index and flag. Returns: header ‖ chunks */
GBytes *nvr_nvre_test_seal(const guint8 *header, guint header_len,
			   const guint8 k_file[NVR_NVRE_KEY_SIZE], const NvrNvreTestChunk *chunks,
			   guint n_chunks, NvrNvreSigningKey *device_key, GError **error);
/* the same with the canonical chunking of §7.1 for the chunk_log2 in the header */
GBytes *nvr_nvre_test_seal_canonical(const guint8 *header, guint header_len,
				     const guint8 k_file[NVR_NVRE_KEY_SIZE], const guint8 *plain,
				     gsize plain_len, NvrNvreSigningKey *device_key,
				     GError **error);

G_END_DECLS
