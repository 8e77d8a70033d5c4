/*
 * NVRE v1 writer (nvre-v1.md §9): needs public keys only.
 *
 *   create --header--> WRITING --write(), sync()--> finish() --> DONE
 *                         \--error--> FAILED (the file is left as a crash would)
 *
 * invariants
 *   (1) K_file, PRK and K_mac are wiped before the first chunk is written;
 *       only K_payload stays, in NvrSecret memory, until finish() or free
 *   (2) a chunk is written as soon as C plaintext bytes are buffered, so the
 *       encoding is the canonical one of §7.1 and the file on disk always
 *       ends on a whole chunk between writes
 *   (3) after any write error the writer refuses further writes: the bytes
 *       on disk are unknown, recovery (§10) deals with them
 *   (4) a file we created is listed durably by its directory from its first
 *       sync() on (or finish(), if it comes first): synced bytes are worth
 *       nothing after a power cut if the name that reaches them is lost
 *       (DESIGN.md §1.2, §5: a power cut loses at most the sync window)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "core/nvr-error.h"
#include "core/nvr-file.h"
#include "nvr-keys.h"
#include "nvr-nvre-private.h"
#include "nvr-nvre-testing.h"

typedef enum {
	NVR_NVRE_WRITER_WRITING,
	NVR_NVRE_WRITER_FAILED,
	NVR_NVRE_WRITER_DONE,
} NvrNvreWriterState;

struct _NvrNvreWriter {
	gint fd;
	gchar *dir; /* nullable: when we created the file; fsynced once (invariant 4) */
	gboolean dir_synced;
	guint8 fixed[NVR_NVRE_FIXED_SIZE];
	guint header_len;
	gsize chunk_size;
	NvrSecret *keys; /* NvrNvreFileKeys; only K_payload is left after the header */
	guint8 *plain;	 /* chunk_size bytes */
	gsize fill;
	guint8 *cipher; /* chunk_size + 16 bytes */
	guint64 next_index;
	guint64 file_len;
	guint64 plain_len;
	guint8 header_mac[NVR_NVRE_MAC_SIZE];
	guint8 last_tag[NVR_NVRE_TAG_SIZE];
	crypto_generichash_state tags;
	NvrNvreWriterState state;
};

static gboolean
nvr_nvre_writer_check_params(const NvrNvreWriterParams *p, guint chunk_log2, guint hl,
			     GError **error)
{
	const NvrNvreContext *c = &p->context;

	if (chunk_log2 < NVR_NVRE_CHUNK_LOG2_MIN || chunk_log2 > NVR_NVRE_CHUNK_LOG2_MAX)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_INVALID_ARGUMENT,
				     "chunk_log2 %u outside 12..20", chunk_log2);
	if (p->n_recipients < 1 || p->n_recipients > NVR_NVRE_MAX_RECIPIENTS)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_INVALID_ARGUMENT, "%u recipients (1..8)",
				     p->n_recipients);
	if (hl % 64 != 0 || hl < NVR_NVRE_HEADER_LEN_MIN || hl > NVR_NVRE_HEADER_LEN_MAX ||
	    !nvr_nvre_recipients_fit(p->n_recipients, hl))
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_INVALID_ARGUMENT,
				     "header_len %u does not hold %u stanzas", hl, p->n_recipients);
	for (guint i = 0; i < p->n_recipients; i++) {
		if (p->recipients[i] == NULL)
			return nvr_nvre_fail(error, NVR_NVRE_ERROR_INVALID_ARGUMENT,
					     "recipient %u is NULL", i);
	}
	/* reserved values: writers MUST NOT use them (§5.1) */
	if (c->content_type < NVR_NVRE_CONTENT_FMP4 || c->content_type > NVR_NVRE_CONTENT_EVENT)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_INVALID_ARGUMENT, "content type %u",
				     c->content_type);
	/* segment_id 0 means "no predecessor" in the chain (§17.12) */
	if (c->segment_id == 0)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_INVALID_ARGUMENT, "segment_id 0");
	if (p->predecessor != NULL) {
		const NvrNvreChainState *pred = p->predecessor;
		if (memcmp(nvr_nvre_chain_state_get_camera_id(pred), c->camera_id, 16) != 0)
			return nvr_nvre_fail(error, NVR_NVRE_ERROR_INVALID_ARGUMENT,
					     "predecessor belongs to another camera");
		if (nvr_nvre_chain_state_get_segment_id(pred) >= c->segment_id)
			return nvr_nvre_fail(error, NVR_NVRE_ERROR_INVALID_ARGUMENT,
					     "segment ids must increase along the chain");
	}
	return TRUE;
}

static gboolean
nvr_nvre_writer_build_fixed(NvrNvreWriter *self, const NvrNvreWriterParams *p, guint chunk_log2,
			    const guint8 *salt, gboolean mark_signed, GError **error)
{
	guint8 *f = self->fixed;

	memset(f, 0, NVR_NVRE_FIXED_SIZE);
	memcpy(f, NVR_NVRE_MAGIC, NVR_NVRE_MAGIC_SIZE);
	f[NVR_NVRE_OFF_VERSION] = 1;
	f[NVR_NVRE_OFF_SUITE] = 1;
	f[NVR_NVRE_OFF_CHUNK_LOG2] = (guint8)chunk_log2;
	f[NVR_NVRE_OFF_CONTENT_TYPE] = p->context.content_type;
	nvr_nvre_put_be16(f + NVR_NVRE_OFF_HEADER_LEN, (guint16)self->header_len);
	f[NVR_NVRE_OFF_N_RECIPIENTS] = (guint8)p->n_recipients;
	f[NVR_NVRE_OFF_FLAGS] = mark_signed ? NVR_NVRE_FLAG_SIGNED : 0;
	memcpy(f + NVR_NVRE_OFF_CAMERA_ID, p->context.camera_id, 16);
	nvr_nvre_put_be64(f + NVR_NVRE_OFF_SEGMENT_ID, p->context.segment_id);
	nvr_nvre_put_be64(f + NVR_NVRE_OFF_START_US, (guint64)p->context.start_us);
	/* §8.3: the first of a chain has zero prev fields */
	if (p->predecessor != NULL) {
		nvr_nvre_put_be64(f + NVR_NVRE_OFF_PREV_SEGMENT_ID,
				  nvr_nvre_chain_state_get_segment_id(p->predecessor));
		if (!nvr_nvre_chain_state_link(p->predecessor, f + NVR_NVRE_OFF_PREV_LINK, error))
			return FALSE;
	}
	memcpy(f + NVR_NVRE_OFF_FILE_SALT, salt, NVR_NVRE_SALT_SIZE);
	return TRUE;
}

/* stanzas, zero padding, MAC, signature: the whole header in @header (hl bytes, zeroed) */
static gboolean
nvr_nvre_writer_build_header(NvrNvreWriter *self, const NvrNvreWriterParams *p,
			     NvrNvreFileKeys *keys, const NvrNvreWriterTestMaterial *m,
			     guint8 *header, GError **error)
{
	guint8 *mac = header + self->header_len - NVR_NVRE_HEADER_TAIL;
	guint8 msg[NVR_NVRE_SIG_MESSAGE_SIZE];

	memcpy(header, self->fixed, NVR_NVRE_FIXED_SIZE);
	for (guint i = 0; i < p->n_recipients; i++) {
		guint8 *stanza = header + NVR_NVRE_FIXED_SIZE + i * NVR_NVRE_STANZA_SIZE;
		if (m != NULL && m->stanzas != NULL)
			memcpy(stanza, m->stanzas + i * NVR_NVRE_STANZA_SIZE, NVR_NVRE_STANZA_SIZE);
		else if (!nvr_nvre_stanza_seal(keys->k_file, p->recipients[i], stanza, error))
			return FALSE;
	}
	if (!nvr_nvre_header_mac(keys->k_mac, header, self->header_len, mac, error))
		return FALSE;
	memcpy(self->header_mac, mac, NVR_NVRE_MAC_SIZE);
	if (p->device_key == NULL)
		return TRUE; /* the signature area stays zero */
	nvr_nvre_sig_message(self->fixed, mac, msg);
	return nvr_nvre_signing_key_sign(p->device_key, msg, sizeof(msg), mac + NVR_NVRE_MAC_SIZE,
					 error);
}

/* steps 3–5 of §9: fresh K_file and salt, derive, write the header, wipe all but K_payload */
static gboolean
nvr_nvre_writer_start(NvrNvreWriter *self, const NvrNvreWriterParams *p, guint chunk_log2,
		      const NvrNvreWriterTestMaterial *m, GError **error)
{
	g_autofree guint8 *header = g_malloc0(self->header_len);
	guint8 salt[NVR_NVRE_SALT_SIZE];
	NvrNvreFileKeys *keys;
	gboolean ok;

	self->keys = nvr_nvre_file_keys_new(error);
	if (self->keys == NULL)
		return FALSE;
	keys = (NvrNvreFileKeys *)nvr_secret_acquire(self->keys, error);
	if (keys == NULL)
		return FALSE;
	if (m != NULL) {
		memcpy(keys->k_file, m->k_file, NVR_NVRE_KEY_SIZE);
		memcpy(salt, m->file_salt, sizeof(salt));
	} else {
		randombytes_buf(keys->k_file, NVR_NVRE_KEY_SIZE);
		randombytes_buf(salt, sizeof(salt));
	}
	ok = nvr_nvre_writer_build_fixed(self, p, chunk_log2, salt,
					 p->device_key != NULL || (m != NULL && m->signed_unsigned),
					 error) &&
	     nvr_nvre_derive(keys, self->fixed, error) &&
	     nvr_nvre_writer_build_header(self, p, keys, m, header, error);
	/* K_file, PRK and K_mac die here, before any chunk exists (§9 step 5) */
	sodium_memzero(keys, G_STRUCT_OFFSET(NvrNvreFileKeys, k_payload));
	nvr_secret_release(self->keys);
	if (!ok)
		return FALSE;
	if (!nvr_nvre_pwrite_all(self->fd, header, self->header_len, 0, error))
		return FALSE;
	self->file_len = self->header_len;
	return nvr_nvre_tags_digest_init(&self->tags, self->fixed, error);
}

static guint
nvr_nvre_writer_chunk_log2(const NvrNvreWriterParams *p)
{
	return p->chunk_log2 != 0 ? p->chunk_log2 : NVR_NVRE_CHUNK_LOG2_DEFAULT;
}

static guint
nvr_nvre_writer_header_len(const NvrNvreWriterParams *p)
{
	return p->header_len != 0 ? p->header_len : NVR_NVRE_HEADER_LEN_DEFAULT;
}

/* before the file exists: bad parameters leave nothing behind */
static gboolean
nvr_nvre_writer_check(const NvrNvreWriterParams *p, GError **error)
{
	return nvr_keys_init(error) &&
	       nvr_nvre_writer_check_params(p, nvr_nvre_writer_chunk_log2(p),
					    nvr_nvre_writer_header_len(p), error);
}

/* takes @fd; the parameters were checked */
static NvrNvreWriter *
nvr_nvre_writer_new_internal(gint fd, const gchar *path, const NvrNvreWriterParams *p,
			     const NvrNvreWriterTestMaterial *m, GError **error)
{
	g_autoptr(NvrNvreWriter) self = NULL;
	guint chunk_log2 = nvr_nvre_writer_chunk_log2(p);
	guint hl = nvr_nvre_writer_header_len(p);

	self = g_new0(NvrNvreWriter, 1);
	self->fd = fd;
	self->dir = path != NULL ? g_path_get_dirname(path) : NULL;
	self->header_len = hl;
	self->chunk_size = (gsize)1 << chunk_log2;
	self->plain = g_malloc(self->chunk_size);
	self->cipher = g_malloc(self->chunk_size + NVR_NVRE_TAG_SIZE);
	self->state = NVR_NVRE_WRITER_FAILED;
	if (!nvr_nvre_writer_start(self, p, chunk_log2, m, error))
		return NULL;
	self->state = NVR_NVRE_WRITER_WRITING;
	return g_steal_pointer(&self);
}

NvrNvreWriter *
nvr_nvre_writer_create(const gchar *path, const NvrNvreWriterParams *params, GError **error)
{
	NvrNvreWriter *self;
	gint fd;

	g_return_val_if_fail(path != NULL && params != NULL, NULL);
	if (!nvr_nvre_writer_check(params, error))
		return NULL;
	/* never overwrite: an existing file is somebody's footage (§9 step 2) */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		nvr_error_from_errno(error, errno, "create %s", path);
		return NULL;
	}
	self = nvr_nvre_writer_new_internal(fd, path, params, NULL, error);
	/* O_EXCL made it ours: a header that could not be written leaves no file behind */
	if (self == NULL)
		g_unlink(path);
	return self;
}

static gint
nvr_nvre_writer_dup_empty_fd(gint fd, GError **error)
{
	guint64 size = 0;
	gint dup_fd;

	if (!nvr_nvre_fstat_size(fd, &size, error))
		return -1;
	if (size != 0) {
		nvr_nvre_fail(error, NVR_NVRE_ERROR_INVALID_ARGUMENT, "the file is not empty");
		return -1;
	}
	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		nvr_error_from_errno(error, errno, "dup");
	return dup_fd;
}

NvrNvreWriter *
nvr_nvre_writer_new_for_fd(gint fd, const NvrNvreWriterParams *params, GError **error)
{
	gint dup_fd;

	g_return_val_if_fail(fd >= 0 && params != NULL, NULL);
	if (!nvr_nvre_writer_check(params, error))
		return NULL;
	dup_fd = nvr_nvre_writer_dup_empty_fd(fd, error);
	if (dup_fd < 0)
		return NULL;
	return nvr_nvre_writer_new_internal(dup_fd, NULL, params, NULL, error);
}

NvrNvreWriter *
nvr_nvre_writer_new_for_fd_with_material(gint fd, const NvrNvreWriterParams *params,
					 const NvrNvreWriterTestMaterial *material, GError **error)
{
	gint dup_fd;

	g_return_val_if_fail(fd >= 0 && params != NULL && material != NULL, NULL);
	if (!nvr_nvre_writer_check(params, error))
		return NULL;
	dup_fd = nvr_nvre_writer_dup_empty_fd(fd, error);
	if (dup_fd < 0)
		return NULL;
	return nvr_nvre_writer_new_internal(dup_fd, NULL, params, material, error);
}

static gboolean
nvr_nvre_writer_check_writing(NvrNvreWriter *self, GError **error)
{
	if (self->state == NVR_NVRE_WRITER_WRITING)
		return TRUE;
	return nvr_nvre_fail(error, NVR_NVRE_ERROR_INVALID_ARGUMENT,
			     self->state == NVR_NVRE_WRITER_DONE ? "the segment is already finished"
								 : "an earlier write failed");
}

/* encrypts the buffered bytes as chunk next_index and appends it */
static gboolean
nvr_nvre_writer_flush_chunk(NvrNvreWriter *self, gboolean final, GError **error)
{
	guint8 nonce[NVR_NVRE_NONCE_SIZE];
	guint8 ad[NVR_NVRE_AD_SIZE];
	unsigned long long clen = 0;
	const NvrNvreFileKeys *k;
	gint rc;

	/* the nonce holds 56 bits of index (§9 step 6) */
	if (self->next_index >= NVR_NVRE_CHUNK_INDEX_LIMIT)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_INVALID_ARGUMENT, "too many chunks");
	nvr_nvre_chunk_nonce(self->fixed, self->next_index, final, nonce);
	nvr_nvre_chunk_ad(self->fixed, self->next_index, final, ad);
	k = (const NvrNvreFileKeys *)nvr_secret_acquire(self->keys, error);
	if (k == NULL)
		return FALSE;
	rc = crypto_aead_xchacha20poly1305_ietf_encrypt(self->cipher, &clen, self->plain,
							self->fill, ad, sizeof(ad), NULL, nonce,
							k->k_payload);
	nvr_secret_release(self->keys);
	if (rc != 0 || clen != self->fill + NVR_NVRE_TAG_SIZE)
		return nvr_nvre_fail_crypto(error, "chunk encryption");
	if (!nvr_nvre_pwrite_all(self->fd, self->cipher, clen, self->file_len, error))
		return FALSE;
	memcpy(self->last_tag, self->cipher + clen - NVR_NVRE_TAG_SIZE, NVR_NVRE_TAG_SIZE);
	if (crypto_generichash_update(&self->tags, self->last_tag, NVR_NVRE_TAG_SIZE) != 0)
		return nvr_nvre_fail_crypto(error, "tags digest");
	self->file_len += clen;
	self->plain_len += self->fill;
	self->fill = 0;
	self->next_index++;
	return TRUE;
}

gboolean
nvr_nvre_writer_write(NvrNvreWriter *self, const guint8 *data, gsize len, GError **error)
{
	g_return_val_if_fail(self != NULL, FALSE);
	if (!nvr_nvre_writer_check_writing(self, error))
		return FALSE;
	while (len > 0) {
		gsize n = MIN(len, self->chunk_size - self->fill);
		memcpy(self->plain + self->fill, data, n);
		self->fill += n;
		data += n;
		len -= n;
		/* a full buffer is a non-final chunk at once: never held back (§7.1) */
		if (self->fill == self->chunk_size &&
		    !nvr_nvre_writer_flush_chunk(self, FALSE, error)) {
			self->state = NVR_NVRE_WRITER_FAILED;
			return FALSE;
		}
	}
	return TRUE;
}

/* invariant (4): once, after the file's first synced bytes */
static gboolean
nvr_nvre_writer_sync_dir(NvrNvreWriter *self, GError **error)
{
	if (self->dir == NULL || self->dir_synced)
		return TRUE;
	if (!nvr_file_fsync_dir(self->dir, error))
		return FALSE;
	self->dir_synced = TRUE;
	return TRUE;
}

gboolean
nvr_nvre_writer_sync(NvrNvreWriter *self, GError **error)
{
	g_return_val_if_fail(self != NULL, FALSE);
	if (!nvr_nvre_writer_check_writing(self, error))
		return FALSE;
	if (fdatasync(self->fd) != 0)
		return nvr_error_from_errno(error, errno, "fdatasync");
	return nvr_nvre_writer_sync_dir(self, error);
}

static gboolean
nvr_nvre_writer_close_durably(NvrNvreWriter *self, GError **error)
{
	if (fsync(self->fd) != 0)
		return nvr_error_from_errno(error, errno, "fsync");
	/* a file that its directory does not durably list is not finalized (DESIGN.md §5) */
	return nvr_nvre_writer_sync_dir(self, error);
}

gboolean
nvr_nvre_writer_finish(NvrNvreWriter *self, NvrNvreWriterResult *result, GError **error)
{
	g_return_val_if_fail(self != NULL && result != NULL, FALSE);
	if (!nvr_nvre_writer_check_writing(self, error))
		return FALSE;
	self->state = NVR_NVRE_WRITER_FAILED;
	/* the final chunk carries 0..C−1 bytes, even when nothing is left (§7.1) */
	if (!nvr_nvre_writer_flush_chunk(self, TRUE, error) ||
	    !nvr_nvre_writer_close_durably(self, error))
		return FALSE;
	memset(result, 0, sizeof(*result));
	if (!nvr_nvre_tags_digest_final(&self->tags, self->file_len, result->tags_digest, error))
		return FALSE;
	g_clear_pointer(&self->keys, nvr_secret_free);
	nvr_nvre_fixed_prime(self->fixed, result->state.fixed_prime);
	result->state.file_len = self->file_len;
	memcpy(result->state.last_tag, self->last_tag, NVR_NVRE_TAG_SIZE);
	result->state.status = NVR_NVRE_STATUS_FINALIZED;
	result->plain_len = self->plain_len;
	result->file_len = self->file_len;
	memcpy(result->header_mac, self->header_mac, NVR_NVRE_MAC_SIZE);
	memcpy(result->last_tag, self->last_tag, NVR_NVRE_TAG_SIZE);
	self->state = NVR_NVRE_WRITER_DONE;
	return TRUE;
}

guint64
nvr_nvre_writer_get_plain_len(const NvrNvreWriter *self)
{
	return self->plain_len + self->fill;
}

guint64
nvr_nvre_writer_get_file_len(const NvrNvreWriter *self)
{
	return self->file_len;
}

void
nvr_nvre_writer_free(NvrNvreWriter *self)
{
	if (self == NULL)
		return;
	if (self->fd >= 0)
		close(self->fd);
	nvr_secret_free(self->keys);
	sodium_memzero(&self->tags, sizeof(self->tags));
	/* footage is not a key, but the buffer should not outlive the segment either */
	if (self->plain != NULL)
		sodium_memzero(self->plain, self->chunk_size);
	g_free(self->plain);
	g_free(self->cipher);
	g_free(self->dir);
	g_free(self);
}
