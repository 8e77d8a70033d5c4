/*
 * nvr-nvre.h: NVRE v1, the encrypted segment file format (normative:
 * nvre-v1.md, with conformance vectors in tests/data/nvre-v1/).
 *
 *   writer   needs only public keys (+ optional device signing key and the
 *            predecessor's chain state); streams chunks; finish() writes the
 *            final chunk and returns the chain state for the successor
 *   reader   opens with the expected context (from the index, never from the
 *            file), key pairs, pinned device key, signature policy and mode;
 *            every byte is authenticated before it is released
 *   recovery keyless: trims a crashed segment to its last whole chunk (§10)
 *   re-wrap  in place, payload untouched (§13)
 *   slots    104-byte passphrase key slots (§14)
 *
 * Errors of the format carry the class of spec §15 as their code in the
 * NVR_NVRE_ERROR domain; nvr_nvre_error_class_name() gives the class name.
 * File-system failures of the writer, recovery and re-wrap are NVR_ERROR
 * codes from errno (an existing file is NVR_ERROR_EXISTS, a full disk
 * NVR_ERROR_NO_SPACE): the recorder acts on those.
 */
#pragma once

#include <glib.h>

#include "nvr-secret.h"

G_BEGIN_DECLS

#define NVR_NVRE_ERROR (nvr_nvre_error_quark())

/* 1..15 are the error classes of nvre-v1.md §15, with their numbers; the codes above are
 * not format classes */
typedef enum {
	NVR_NVRE_ERROR_IO = 1,
	NVR_NVRE_ERROR_SHORT = 2,
	NVR_NVRE_ERROR_MAGIC = 3,
	NVR_NVRE_ERROR_VERSION = 4,
	NVR_NVRE_ERROR_PARAM = 5,
	NVR_NVRE_ERROR_CONTEXT = 6,
	NVR_NVRE_ERROR_NOKEY = 7,
	NVR_NVRE_ERROR_HDR_MAC = 8,
	NVR_NVRE_ERROR_SIG = 9,
	NVR_NVRE_ERROR_TORN = 10,
	NVR_NVRE_ERROR_UNFINALIZED = 11,
	NVR_NVRE_ERROR_FINAL = 12,
	NVR_NVRE_ERROR_CHUNK = 13,
	NVR_NVRE_ERROR_RANGE = 14,
	NVR_NVRE_ERROR_LINK = 15,
	NVR_NVRE_ERROR_INVALID_ARGUMENT = 16, /* API misuse: a bad parameter from the caller */
	NVR_NVRE_ERROR_KDF = 17,	      /* Argon2id failed (out of memory) */
	NVR_NVRE_ERROR_CRYPTO = 18,	      /* a libsodium primitive failed unexpectedly */
} NvrNvreError;

GQuark
nvr_nvre_error_quark(void);
/* "io", "short", ... "link" for 1..15; "invalid-argument", "kdf", "crypto" above; else "unknown" */
const gchar *
nvr_nvre_error_class_name(gint code);

#define NVR_NVRE_FIXED_SIZE 112
#define NVR_NVRE_KEY_SIZE 32
#define NVR_NVRE_KEY_ID_SIZE 8
#define NVR_NVRE_TAG_SIZE 16
#define NVR_NVRE_MAC_SIZE 32
#define NVR_NVRE_LINK_SIZE 32
#define NVR_NVRE_SIG_SIZE 64
#define NVR_NVRE_SLOT_SIZE 104
#define NVR_NVRE_MAX_RECIPIENTS 8
#define NVR_NVRE_CHUNK_LOG2_DEFAULT 16
#define NVR_NVRE_HEADER_LEN_DEFAULT 512

/* §14: bounds of a slot's Argon2id cost, inclusive */
#define NVR_NVRE_SLOT_OPSLIMIT_MIN 1
#define NVR_NVRE_SLOT_OPSLIMIT_MAX 16
#define NVR_NVRE_SLOT_MEMLIMIT_MIN (G_GUINT64_CONSTANT(8) << 20)
#define NVR_NVRE_SLOT_MEMLIMIT_MAX (G_GUINT64_CONSTANT(1) << 30)

typedef enum {
	NVR_NVRE_CONTENT_FMP4 = 1,
	NVR_NVRE_CONTENT_JPEG = 2,
	NVR_NVRE_CONTENT_EVENT = 3,
} NvrNvreContentType;

typedef enum {
	NVR_NVRE_MODE_STRICT = 0,
	NVR_NVRE_MODE_INTERRUPTED, /* only for files the index marks interrupted (§11) */
} NvrNvreMode;

typedef enum {
	NVR_NVRE_STATUS_FINALIZED = 1,
	NVR_NVRE_STATUS_INTERRUPTED = 2,
} NvrNvreStatus;

/* the identity the index expects a file to have (§11 "expected context") */
typedef struct {
	guint8 camera_id[16]; /* UUID bytes in the order of its canonical text form */
	guint64 segment_id;
	gint64 start_us;
	guint8 content_type; /* NvrNvreContentType */
} NvrNvreContext;

/* "3f2a6c1e-8b4d-4e0f-9a71-5c2d8e6b1f04" (or 32 hex digits) -> camera_id */
gboolean
nvr_nvre_context_set_camera_uuid(NvrNvreContext *context, const gchar *uuid, GError **error);

/* §8.1: everything read from public bytes, so keyless. Every function that fills one
 * zeroes it first, padding included, so two states compare with memcmp(). */
typedef struct {
	guint8 fixed_prime[NVR_NVRE_FIXED_SIZE]; /* FIXED with bytes 14 and 15 zeroed */
	guint64 file_len;
	guint8 last_tag[NVR_NVRE_TAG_SIZE];
	guint8 status; /* NvrNvreStatus */
} NvrNvreChainState;

/* §8.2: link(state) = BLAKE2b-256("NVRE1-link" ‖ FIXED′ ‖ be64(file_len) ‖ last_tag ‖ status) */
gboolean
nvr_nvre_chain_state_link(const NvrNvreChainState *state, guint8 link[NVR_NVRE_LINK_SIZE],
			  GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
guint64
nvr_nvre_chain_state_get_segment_id(const NvrNvreChainState *state);
const guint8 *
nvr_nvre_chain_state_get_camera_id(const NvrNvreChainState *state);

/* X25519 key pair (household or recovery); the secret half lives in an NvrSecret */
typedef struct _NvrNvreKeyPair NvrNvreKeyPair;

NvrNvreKeyPair *
nvr_nvre_key_pair_generate(GError **error);
/* the public key is recomputed from @sk (crypto_scalarmult_base) */
NvrNvreKeyPair *
nvr_nvre_key_pair_new_from_secret(const guint8 sk[NVR_NVRE_KEY_SIZE], GError **error);
NvrNvreKeyPair *
nvr_nvre_key_pair_ref(NvrNvreKeyPair *pair);
void
nvr_nvre_key_pair_unref(NvrNvreKeyPair *pair);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrNvreKeyPair, nvr_nvre_key_pair_unref)
const guint8 *
nvr_nvre_key_pair_get_public(const NvrNvreKeyPair *pair);
/* Returns: (transfer none): the secret key, 32 bytes */
NvrSecret *
nvr_nvre_key_pair_get_secret(const NvrNvreKeyPair *pair);

/* §4.3: first 8 bytes of BLAKE2b-128("NVRE1-keyid" ‖ pk) */
gboolean
nvr_nvre_key_id(const guint8 pk[NVR_NVRE_KEY_SIZE], guint8 key_id[NVR_NVRE_KEY_ID_SIZE],
		GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Ed25519 device signing key (DSK); stored unencrypted by design (§4.1) */
typedef struct _NvrNvreSigningKey NvrNvreSigningKey;

NvrNvreSigningKey *
nvr_nvre_signing_key_generate(GError **error);
NvrNvreSigningKey *
nvr_nvre_signing_key_new_from_seed(const guint8 seed[NVR_NVRE_KEY_SIZE], GError **error);
NvrNvreSigningKey *
nvr_nvre_signing_key_ref(NvrNvreSigningKey *key);
void
nvr_nvre_signing_key_unref(NvrNvreSigningKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrNvreSigningKey, nvr_nvre_signing_key_unref)
const guint8 *
nvr_nvre_signing_key_get_public(const NvrNvreSigningKey *key);
/* Returns: (transfer full): a copy of the 32-byte seed the key pair is derived from */
NvrSecret *
nvr_nvre_signing_key_dup_seed(NvrNvreSigningKey *key, GError **error);
/* detached Ed25519 signature of an arbitrary message (tombstones, index records) */
gboolean
nvr_nvre_signing_key_sign(NvrNvreSigningKey *key, const guint8 *msg, gsize len,
			  guint8 sig[NVR_NVRE_SIG_SIZE], GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* fails with NVR_NVRE_ERROR_SIG */
gboolean
nvr_nvre_verify_signature(const guint8 pk[NVR_NVRE_KEY_SIZE], const guint8 *msg, gsize len,
			  const guint8 sig[NVR_NVRE_SIG_SIZE], GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/*
 * The signed digest of all chunk tags (DESIGN.md §6), kept in the index row of
 * a finalized segment. Not part of NVRE v1 itself:
 *   tags_digest = BLAKE2b-256("NVR-tags-v1" ‖ FIXED′ ‖ tag_0 ‖ … ‖ tag_last ‖ be64(file_len))
 * over the tags of the whole chunks and, if the file has a final chunk, its
 * tag (the last 16 bytes). Tags are public, so the digest is computed without
 * any key; the signature binds it to the device:
 *   sig = Ed25519(DSK, "NVR-tags-sig-v1" ‖ tags_digest)
 */
#define NVR_NVRE_TAGS_DIGEST_SIZE 32
gboolean
nvr_nvre_tags_digest(const gchar *path, NvrNvreStatus status,
		     guint8 digest[NVR_NVRE_TAGS_DIGEST_SIZE], GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_nvre_tags_digest_sign(NvrNvreSigningKey *key, const guint8 digest[NVR_NVRE_TAGS_DIGEST_SIZE],
			  guint8 sig[NVR_NVRE_SIG_SIZE], GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_nvre_tags_digest_verify(const guint8 pk[NVR_NVRE_KEY_SIZE],
			    const guint8 digest[NVR_NVRE_TAGS_DIGEST_SIZE],
			    const guint8 sig[NVR_NVRE_SIG_SIZE], GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* ---- writer (§9) ---- */

typedef struct {
	NvrNvreContext context;
	guint chunk_log2; /* 0: 16 */
	guint header_len; /* 0: 512 */
	/* 1 to 8 X25519 public keys, household first, then recovery (§5.3) */
	const guint8 *recipients[NVR_NVRE_MAX_RECIPIENTS];
	guint n_recipients;
	NvrNvreSigningKey *device_key;		/* nullable: unsigned */
	const NvrNvreChainState *predecessor;	/* nullable: first of its chain */
} NvrNvreWriterParams;

typedef struct {
	NvrNvreChainState state; /* status 1: what the successor links to */
	guint64 plain_len;
	guint64 file_len;
	guint8 header_mac[NVR_NVRE_MAC_SIZE];
	guint8 last_tag[NVR_NVRE_TAG_SIZE];
	guint8 tags_digest[NVR_NVRE_TAGS_DIGEST_SIZE];
} NvrNvreWriterResult;

typedef struct _NvrNvreWriter NvrNvreWriter;

/* creates @path with O_CREAT|O_EXCL, mode 0600, and writes the header */
NvrNvreWriter *
nvr_nvre_writer_create(const gchar *path, const NvrNvreWriterParams *params, GError **error);
/* writes into an empty file the caller opened (the fd is duplicated; the caller keeps its own);
 * finish() then fsyncs the file but not its directory, which is the caller's job */
NvrNvreWriter *
nvr_nvre_writer_new_for_fd(gint fd, const NvrNvreWriterParams *params, GError **error);
gboolean
nvr_nvre_writer_write(NvrNvreWriter *self, const guint8 *data, gsize len, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* fdatasync: call once per sync window, not per chunk (§9 step 7); the first call on a file
 * create() made also fsyncs its directory, so that the synced bytes keep their name */
gboolean
nvr_nvre_writer_sync(NvrNvreWriter *self, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* writes the final chunk, fsyncs the file and its directory; the writer is then spent */
gboolean
nvr_nvre_writer_finish(NvrNvreWriter *self, NvrNvreWriterResult *result, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
guint64
nvr_nvre_writer_get_plain_len(const NvrNvreWriter *self);
/* bytes on disk so far: the header and every whole chunk written */
guint64
nvr_nvre_writer_get_file_len(const NvrNvreWriter *self);
/* frees without finishing: the file stays as a crash would leave it (recover it) */
void
nvr_nvre_writer_free(NvrNvreWriter *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrNvreWriter, nvr_nvre_writer_free)

/* ---- reader (§11, §12) ---- */

typedef struct {
	NvrNvreContext context;	       /* mandatory, from the index */
	NvrNvreKeyPair *const *keys;   /* household generations and/or recovery */
	guint n_keys;
	const guint8 *device_pk;       /* pinned DPK, 32 bytes, nullable */
	gboolean require_signature;    /* SHOULD be TRUE */
	NvrNvreMode mode;
} NvrNvreReadParams;

typedef struct _NvrNvreReader NvrNvreReader;

NvrNvreReader *
nvr_nvre_reader_open(const gchar *path, const NvrNvreReadParams *params, GError **error);
/* the fd is duplicated; the reader keeps the file length it sees at open */
NvrNvreReader *
nvr_nvre_reader_open_fd(gint fd, const NvrNvreReadParams *params, GError **error);
void
nvr_nvre_reader_free(NvrNvreReader *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrNvreReader, nvr_nvre_reader_free)

/* authenticated at open (§11 step 10) */
guint64
nvr_nvre_reader_get_plain_len(const NvrNvreReader *self);
NvrNvreStatus
nvr_nvre_reader_get_status(const NvrNvreReader *self);
guint
nvr_nvre_reader_get_header_len(const NvrNvreReader *self);
guint
nvr_nvre_reader_get_chunk_size(const NvrNvreReader *self);
const guint8 *
nvr_nvre_reader_get_header_mac(const NvrNvreReader *self);
gboolean
nvr_nvre_reader_is_signed(const NvrNvreReader *self);
guint64
nvr_nvre_reader_get_prev_segment_id(const NvrNvreReader *self);
void
nvr_nvre_reader_get_chain_state(const NvrNvreReader *self, NvrNvreChainState *state);

/* §12's range check alone, for a caller that reads a long range in pieces: RANGE unless
 * @offset <= plain_len and @len <= plain_len - @offset */
gboolean
nvr_nvre_reader_check_range(const NvrNvreReader *self, guint64 offset, guint64 len, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* reads exactly @len plaintext bytes at @offset, each chunk verified before a byte is copied;
 * thread-safe. Outside [0, plain_len] → NVR_NVRE_ERROR_RANGE. */
gboolean
nvr_nvre_reader_read(NvrNvreReader *self, guint64 offset, guint8 *buf, gsize len, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* decrypts every chunk in order (§11 step 11) */
gboolean
nvr_nvre_reader_verify_all(NvrNvreReader *self, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* §8.4; @predecessor is the state of the opened predecessor, or %NULL when it is missing */
gboolean
nvr_nvre_reader_check_chain(const NvrNvreReader *self, const NvrNvreChainState *predecessor,
			    GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* ---- keyless crash recovery (§10): only for files whose index row is "recording" ---- */

/* trims a torn tail (truncate + fsync) and returns the state, status 2 */
gboolean
nvr_nvre_recover(const gchar *path, NvrNvreChainState *state, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* the chain state of a file as it is on disk, keylessly, for a finalized file (status 1:
 * file_len = L) or an interrupted one (status 2: whole chunks only); nothing is verified */
gboolean
nvr_nvre_read_chain_state(const gchar *path, NvrNvreStatus status, NvrNvreChainState *state,
			  GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* ---- in-place re-wrap (§13) ---- */

typedef struct {
	NvrNvreKeyPair *const *keys; /* a current recipient's key pair opens the header */
	guint n_keys;
	const guint8 *device_pk;     /* nullable: when set, the old signature must verify */
	const guint8 *recipients[NVR_NVRE_MAX_RECIPIENTS];
	guint n_recipients;
	NvrNvreSigningKey *device_key; /* nullable: re-sign (required to keep a signed policy) */
} NvrNvreRewrapParams;

gboolean
nvr_nvre_rewrap(const gchar *path, const NvrNvreContext *context, const NvrNvreRewrapParams *params,
		GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* ---- passphrase key slots (§14) ---- */

/* wraps @household's secret under @passphrase (no NUL bytes; empty is allowed by the format,
 * the keyring refuses it), with a fresh salt and nonce */
gboolean
nvr_nvre_slot_wrap(NvrNvreKeyPair *household, const guint8 *passphrase, gsize passphrase_len,
		   guint64 opslimit, guint64 memlimit, guint8 slot[NVR_NVRE_SLOT_SIZE],
		   GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* bounds are checked as 64-bit values before Argon2id runs; a wrong passphrase is NOKEY */
NvrNvreKeyPair *
nvr_nvre_slot_unwrap(const guint8 *slot, gsize slot_len, const guint8 *passphrase,
		     gsize passphrase_len, const guint8 household_pk[NVR_NVRE_KEY_SIZE],
		     GError **error);
/* the cost fields of a slot, after the same bounds check */
gboolean
nvr_nvre_slot_get_cost(const guint8 *slot, gsize slot_len, guint64 *opslimit, guint64 *memlimit,
		       GError **error);

G_END_DECLS
