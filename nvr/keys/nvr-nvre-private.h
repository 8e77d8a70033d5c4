/*
 * nvr-nvre-private.h: what the NVRE v1 source files share. Internal to
 * nvr/keys; offsets and strings are those of nvre-v1.md §4–§7.
 */
#pragma once

#include <sodium.h>

#include "nvr-nvre.h"

G_BEGIN_DECLS

#define NVR_NVRE_MAGIC "\x89NVRE\r\n\x1a"
#define NVR_NVRE_MAGIC_SIZE 8
#define NVR_NVRE_STANZA_SIZE 88
#define NVR_NVRE_SEALED_SIZE (NVR_NVRE_KEY_SIZE + crypto_box_SEALBYTES) /* 80 */
#define NVR_NVRE_SALT_SIZE 16
#define NVR_NVRE_NONCE_SIZE 24
#define NVR_NVRE_AD_SIZE 46
#define NVR_NVRE_SIG_MESSAGE_SIZE (9 + NVR_NVRE_FIXED_SIZE + NVR_NVRE_MAC_SIZE) /* 153 */
#define NVR_NVRE_HEADER_TAIL 96	 /* header_mac (32) + device_sig (64) */
#define NVR_NVRE_HEADER_LEN_MIN 256
#define NVR_NVRE_HEADER_LEN_MAX 4096
#define NVR_NVRE_CHUNK_LOG2_MIN 12
#define NVR_NVRE_CHUNK_LOG2_MAX 20
#define NVR_NVRE_FLAG_SIGNED 0x01
#define NVR_NVRE_CHUNK_INDEX_LIMIT (G_GUINT64_CONSTANT(1) << 56)

/* offsets in FIXED (§5.1) */
#define NVR_NVRE_OFF_VERSION 8
#define NVR_NVRE_OFF_SUITE 9
#define NVR_NVRE_OFF_CHUNK_LOG2 10
#define NVR_NVRE_OFF_CONTENT_TYPE 11
#define NVR_NVRE_OFF_HEADER_LEN 12
#define NVR_NVRE_OFF_N_RECIPIENTS 14
#define NVR_NVRE_OFF_FLAGS 15
#define NVR_NVRE_OFF_CAMERA_ID 16
#define NVR_NVRE_OFF_SEGMENT_ID 32
#define NVR_NVRE_OFF_START_US 40
#define NVR_NVRE_OFF_PREV_SEGMENT_ID 48
#define NVR_NVRE_OFF_PREV_LINK 56
#define NVR_NVRE_OFF_FILE_SALT 88
#define NVR_NVRE_OFF_RESERVED 104

struct _NvrNvreKeyPair {
	gint ref_count;
	guint8 pk[NVR_NVRE_KEY_SIZE];
	guint8 key_id[NVR_NVRE_KEY_ID_SIZE];
	NvrSecret *sk; /* 32 bytes */
};

struct _NvrNvreSigningKey {
	gint ref_count;
	guint8 pk[crypto_sign_ed25519_PUBLICKEYBYTES];
	NvrSecret *sk; /* 64 bytes: seed ‖ pk, as crypto_sign_ed25519_detached() wants it */
};

/* FIXED after the syntax checks of §11 step 2 */
typedef struct {
	guint8 bytes[NVR_NVRE_FIXED_SIZE];
	guint chunk_log2;
	gsize chunk_size;	/* C */
	gsize chunk_disk_size;	/* CT = C + 16 */
	guint header_len;	/* hl */
	guint n_recipients;
	guint8 flags;
	NvrNvreContext context; /* as the file claims it */
	guint64 prev_segment_id;
} NvrNvreFixed;

/* the keys of one file, in one NvrSecret (one sodium_malloc: they cost a few syscalls each).
 * K_file, PRK and K_mac are needed only while the header is built or checked, and are
 * wiped then (nvr_nvre_file_keys_wipe_header); K_payload stays for the chunks. */
typedef struct {
	guint8 k_file[NVR_NVRE_KEY_SIZE];
	guint8 prk[NVR_NVRE_KEY_SIZE];
	guint8 k_mac[NVR_NVRE_KEY_SIZE];
	guint8 k_payload[NVR_NVRE_KEY_SIZE];
} NvrNvreFileKeys;

NvrSecret *
nvr_nvre_file_keys_new(GError **error);
/* zeroes K_file, PRK and K_mac */
gboolean
nvr_nvre_file_keys_wipe_header(NvrSecret *keys, GError **error);

gboolean
nvr_nvre_fail(GError **error, NvrNvreError code, const gchar *format, ...) G_GNUC_PRINTF(3, 4);
gboolean
nvr_nvre_fail_crypto(GError **error, const gchar *what);

void
nvr_nvre_put_be16(guint8 *p, guint16 v);
void
nvr_nvre_put_be64(guint8 *p, guint64 v);
guint16
nvr_nvre_get_be16(const guint8 *p);
guint64
nvr_nvre_get_be64(const guint8 *p);

/* §5.1 / §11 step 2: syntax of the 112 fixed bytes; no allocation happens before it */
gboolean
nvr_nvre_fixed_parse(const guint8 *bytes, NvrNvreFixed *fixed, GError **error);
void
nvr_nvre_fixed_prime(const guint8 *fixed, guint8 out[NVR_NVRE_FIXED_SIZE]);
/* the fit rule: 112 + 88·n + 96 <= hl */
gboolean
nvr_nvre_recipients_fit(guint n_recipients, guint header_len);

/* §4.4: PRK, K_mac and K_payload from keys->k_file and FIXED */
gboolean
nvr_nvre_derive(NvrNvreFileKeys *keys, const guint8 *fixed, GError **error);
/* §6.1 over header[0 .. hl−96) */
gboolean
nvr_nvre_header_mac(const guint8 *k_mac, const guint8 *header, guint header_len,
		    guint8 mac[NVR_NVRE_MAC_SIZE], GError **error);
/* §6.2: "NVRE1-sig" ‖ FIXED as stored ‖ header_mac */
void
nvr_nvre_sig_message(const guint8 *fixed, const guint8 *mac, guint8 out[NVR_NVRE_SIG_MESSAGE_SIZE]);
/* §5.3: key_id(pk) ‖ crypto_box_seal(K_file, pk) */
gboolean
nvr_nvre_stanza_seal(const guint8 *k_file, const guint8 *pk, guint8 out[NVR_NVRE_STANZA_SIZE],
		     GError **error);

/* §7.2 */
void
nvr_nvre_chunk_nonce(const guint8 *fixed, guint64 index, gboolean final,
		     guint8 out[NVR_NVRE_NONCE_SIZE]);
void
nvr_nvre_chunk_ad(const guint8 *fixed, guint64 index, gboolean final, guint8 out[NVR_NVRE_AD_SIZE]);

/* file I/O that retries EINTR and short transfers; failures are NVR_NVRE_ERROR_IO (reader)
 * or an NVR_ERROR from errno (writer) */
gboolean
nvr_nvre_pread_all(gint fd, guint8 *buf, gsize len, guint64 offset, GError **error);
gboolean
nvr_nvre_pwrite_all(gint fd, const guint8 *buf, gsize len, guint64 offset, GError **error);
gboolean
nvr_nvre_fstat_size(gint fd, guint64 *size, GError **error);

/* §11 steps 1–9 on an open fd: everything before the length arithmetic */
typedef struct {
	NvrNvreFixed fixed;
	guint64 file_len;	/* L at open */
	guint8 *header;		/* hl bytes, g_malloc */
	NvrSecret *keys;	/* NvrNvreFileKeys */
} NvrNvreOpenHeader;

void
nvr_nvre_open_header_clear(NvrNvreOpenHeader *oh);
/* @check_signature FALSE stops after step 8 (a re-wrap without a pinned device key) */
gboolean
nvr_nvre_open_header(gint fd, const NvrNvreContext *context, NvrNvreKeyPair *const *keys,
		     guint n_keys, const guint8 *device_pk, gboolean require_signature,
		     gboolean check_signature, NvrNvreOpenHeader *oh, GError **error);

/* the tags digest is streamed: init with FIXED, update with each tag, final with file_len */
gboolean
nvr_nvre_tags_digest_init(crypto_generichash_state *st, const guint8 *fixed, GError **error);
gboolean
nvr_nvre_tags_digest_final(crypto_generichash_state *st, guint64 file_len,
			   guint8 digest[NVR_NVRE_TAGS_DIGEST_SIZE], GError **error);

G_END_DECLS
