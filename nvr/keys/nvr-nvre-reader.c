/*
 * NVRE v1 reader (nvre-v1.md §11, §12). The open follows the spec's steps in
 * their order, because the order decides the error class (§11 "precedence").
 *
 * invariants
 *   (1) plain_len is reported only after step 10 authenticated it
 *   (2) a chunk's plaintext is copied out only after it authenticated; the
 *       one-chunk cache holds verified plaintext only
 *   (3) the file length is taken once, at open; a file that later shrinks
 *       fails reads with io, one that grows is read as it was
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "core/nvr-error.h"
#include "nvr-keys.h"
#include "nvr-nvre-private.h"

struct _NvrNvreReader {
	gint fd;
	NvrNvreOpenHeader oh;
	NvrNvreStatus status;
	guint64 n_nonfinal; /* k: chunks 0..k−1 hold C bytes each */
	guint64 plain_len;
	guint64 state_len; /* file_len of the chain state */
	guint8 last_tag[NVR_NVRE_TAG_SIZE];
	GMutex lock;
	/* protected by lock: ciphertext buffer and the last verified chunk */
	guint8 *cipher;
	guint8 *cache;
	guint64 cache_index;
	gsize cache_len;
	gboolean cache_valid;
};

void
nvr_nvre_open_header_clear(NvrNvreOpenHeader *oh)
{
	g_clear_pointer(&oh->header, g_free);
	g_clear_pointer(&oh->keys, nvr_secret_free);
}

/* steps 1–3: everything that needs no more than FIXED and L */
static gboolean
nvr_nvre_open_fixed(gint fd, NvrNvreOpenHeader *oh, GError **error)
{
	guint8 fixed[NVR_NVRE_FIXED_SIZE];

	if (!nvr_nvre_fstat_size(fd, &oh->file_len, error))
		return FALSE;
	if (oh->file_len < NVR_NVRE_FIXED_SIZE)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_SHORT,
				     "%" G_GUINT64_FORMAT " bytes, shorter than the fixed header",
				     oh->file_len);
	if (!nvr_nvre_pread_all(fd, fixed, sizeof(fixed), 0, error) ||
	    !nvr_nvre_fixed_parse(fixed, &oh->fixed, error))
		return FALSE;
	if (oh->file_len < oh->fixed.header_len)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_SHORT,
				     "file shorter than its %u-byte header", oh->fixed.header_len);
	/* before the torn rule of step 10: header + 1..15 bytes is unfinalized (§17.1) */
	if (oh->file_len < (guint64)oh->fixed.header_len + NVR_NVRE_TAG_SIZE)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_UNFINALIZED,
				     "no chunk after the header");
	return TRUE;
}

static gboolean
nvr_nvre_all_zero(const guint8 *p, gsize len)
{
	return len == 0 || sodium_is_zero(p, len) == 1;
}

/* steps 4 and 5 */
static gboolean
nvr_nvre_check_header_syntax(const NvrNvreOpenHeader *oh, const NvrNvreContext *expect,
			     GError **error)
{
	const NvrNvreFixed *fx = &oh->fixed;
	guint pad_start = NVR_NVRE_FIXED_SIZE + NVR_NVRE_STANZA_SIZE * fx->n_recipients;
	guint sig_start = fx->header_len - NVR_NVRE_SIG_SIZE;

	if (!nvr_nvre_all_zero(oh->header + pad_start,
			       fx->header_len - NVR_NVRE_HEADER_TAIL - pad_start))
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_PARAM, "non-zero padding");
	if ((fx->flags & NVR_NVRE_FLAG_SIGNED) == 0 &&
	    !nvr_nvre_all_zero(oh->header + sig_start, NVR_NVRE_SIG_SIZE))
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_PARAM,
				     "unsigned file with a non-zero signature area");
	/* the index says what this file must be; the file's own claim is never trusted instead */
	if (memcmp(fx->context.camera_id, expect->camera_id, 16) != 0)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_CONTEXT,
				     "camera differs from the index");
	if (fx->context.segment_id != expect->segment_id)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_CONTEXT,
				     "segment id %" G_GUINT64_FORMAT
				     ", the index expects %" G_GUINT64_FORMAT,
				     fx->context.segment_id, expect->segment_id);
	if (fx->context.start_us != expect->start_us)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_CONTEXT,
				     "start time differs from the index");
	if (fx->context.content_type != expect->content_type)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_CONTEXT,
				     "content type %u, the index expects %u",
				     fx->context.content_type, expect->content_type);
	return TRUE;
}

/* step 6: the first stanza (in header order) that opens with any of our key pairs */
static gboolean
nvr_nvre_unwrap(const NvrNvreOpenHeader *oh, NvrNvreKeyPair *const *keys, guint n_keys,
		guint8 *k_file, GError **error)
{
	for (guint s = 0; s < oh->fixed.n_recipients; s++) {
		const guint8 *stanza = oh->header + NVR_NVRE_FIXED_SIZE + s * NVR_NVRE_STANZA_SIZE;
		for (guint i = 0; i < n_keys; i++) {
			const guint8 *sk;
			gint rc;

			if (memcmp(stanza, keys[i]->key_id, NVR_NVRE_KEY_ID_SIZE) != 0)
				continue;
			sk = nvr_secret_acquire(keys[i]->sk, error);
			if (sk == NULL)
				return FALSE;
			rc = crypto_box_seal_open(k_file, stanza + NVR_NVRE_KEY_ID_SIZE,
						  NVR_NVRE_SEALED_SIZE, keys[i]->pk, sk);
			nvr_secret_release(keys[i]->sk);
			/* a matching key_id whose box does not open does not end the search */
			if (rc == 0)
				return TRUE;
		}
	}
	return nvr_nvre_fail(error, NVR_NVRE_ERROR_NOKEY, "no stanza opens with the keys given");
}

/* step 9 */
static gboolean
nvr_nvre_check_signature(const NvrNvreOpenHeader *oh, const guint8 *device_pk,
			 gboolean require_signature, GError **error)
{
	const guint8 *mac = oh->header + oh->fixed.header_len - NVR_NVRE_HEADER_TAIL;
	guint8 msg[NVR_NVRE_SIG_MESSAGE_SIZE];

	/* a signed file is always verified, whatever the policy (§17.3) */
	if ((oh->fixed.flags & NVR_NVRE_FLAG_SIGNED) == 0 && !require_signature)
		return TRUE;
	if ((oh->fixed.flags & NVR_NVRE_FLAG_SIGNED) == 0)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_SIG,
				     "unsigned file, but signatures are required");
	if (device_pk == NULL)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_SIG,
				     "signed file, but no device key to check it");
	nvr_nvre_sig_message(oh->fixed.bytes, mac, msg);
	return nvr_nvre_verify_signature(device_pk, msg, sizeof(msg), mac + NVR_NVRE_MAC_SIZE,
					 error);
}

/* steps 6–8 with the header keys in locked memory */
static gboolean
nvr_nvre_open_keys(NvrNvreOpenHeader *oh, NvrNvreKeyPair *const *keys, guint n_keys, GError **error)
{
	const guint8 *stored_mac = oh->header + oh->fixed.header_len - NVR_NVRE_HEADER_TAIL;
	guint8 mac[NVR_NVRE_MAC_SIZE];
	NvrNvreFileKeys *hk;
	gboolean ok;

	oh->keys = nvr_nvre_file_keys_new(error);
	if (oh->keys == NULL)
		return FALSE;
	hk = (NvrNvreFileKeys *)nvr_secret_acquire(oh->keys, error);
	if (hk == NULL)
		return FALSE;
	ok = nvr_nvre_unwrap(oh, keys, n_keys, hk->k_file, error) &&
	     nvr_nvre_derive(hk, oh->fixed.bytes, error) &&
	     nvr_nvre_header_mac(hk->k_mac, oh->header, oh->fixed.header_len, mac, error);
	nvr_secret_release(oh->keys);
	if (!ok)
		return FALSE;
	/* key commitment: no chunk is touched before this holds (§6.1) */
	if (crypto_verify_32(mac, stored_mac) != 0)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_HDR_MAC, "header MAC mismatch");
	return TRUE;
}

gboolean
nvr_nvre_open_header(gint fd, const NvrNvreContext *context, NvrNvreKeyPair *const *keys,
		     guint n_keys, const guint8 *device_pk, gboolean require_signature,
		     gboolean check_signature, NvrNvreOpenHeader *oh, GError **error)
{
	if (!nvr_keys_init(error) || !nvr_nvre_open_fixed(fd, oh, error))
		return FALSE;
	/* hl <= 4096 here: the syntax check passed (invariant 1 of nvr-nvre.c) */
	oh->header = g_malloc(oh->fixed.header_len);
	if (!nvr_nvre_pread_all(fd, oh->header, oh->fixed.header_len, 0, error) ||
	    !nvr_nvre_check_header_syntax(oh, context, error) ||
	    !nvr_nvre_open_keys(oh, keys, n_keys, error))
		return FALSE;
	if (!check_signature)
		return TRUE;
	return nvr_nvre_check_signature(oh, device_pk, require_signature, error);
}

/* decrypts chunk @index into the cache; lock held */
static gboolean
nvr_nvre_reader_load_chunk_unlocked(NvrNvreReader *self, guint64 index, gboolean final, gsize plain,
				    GError **error)
{
	const NvrNvreFixed *fx = &self->oh.fixed;
	guint64 offset = fx->header_len + index * fx->chunk_disk_size;
	guint8 nonce[NVR_NVRE_NONCE_SIZE];
	guint8 ad[NVR_NVRE_AD_SIZE];
	unsigned long long mlen = 0;
	const NvrNvreFileKeys *k;
	gint rc;

	if (self->cache_valid && self->cache_index == index)
		return TRUE;
	self->cache_valid = FALSE;
	if (!nvr_nvre_pread_all(self->fd, self->cipher, plain + NVR_NVRE_TAG_SIZE, offset, error))
		return FALSE;
	nvr_nvre_chunk_nonce(fx->bytes, index, final, nonce);
	nvr_nvre_chunk_ad(fx->bytes, index, final, ad);
	k = (const NvrNvreFileKeys *)nvr_secret_acquire(self->oh.keys, error);
	if (k == NULL)
		return FALSE;
	/* verifies the tag before it writes a byte of output */
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(self->cache, &mlen, NULL, self->cipher,
							plain + NVR_NVRE_TAG_SIZE, ad, sizeof(ad),
							nonce, k->k_payload);
	nvr_secret_release(self->oh.keys);
	if (rc != 0 || mlen != plain) {
		if (final)
			return nvr_nvre_fail(
				error, NVR_NVRE_ERROR_FINAL,
				"final chunk %" G_GUINT64_FORMAT " does not authenticate", index);
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_CHUNK,
				     "chunk %" G_GUINT64_FORMAT " does not authenticate", index);
	}
	self->cache_index = index;
	self->cache_len = plain;
	self->cache_valid = TRUE;
	return TRUE;
}

static void
nvr_nvre_reader_set_state(NvrNvreReader *self, NvrNvreStatus status, guint64 k, gsize final_len)
{
	const NvrNvreFixed *fx = &self->oh.fixed;
	const guint8 *tag_src;

	self->status = status;
	self->n_nonfinal = k;
	self->plain_len = k * fx->chunk_size + final_len;
	if (status == NVR_NVRE_STATUS_FINALIZED)
		self->state_len = self->oh.file_len;
	else
		self->state_len = fx->header_len + k * fx->chunk_disk_size;
	/* the cache holds the chunk just verified: its tag ended the cipher buffer */
	tag_src = self->cipher + self->cache_len;
	memcpy(self->last_tag, tag_src, NVR_NVRE_TAG_SIZE);
}

/* step 10: the file length alone says where the final chunk must be */
static gboolean
nvr_nvre_reader_check_length(NvrNvreReader *self, NvrNvreMode mode, GError **error)
{
	const NvrNvreFixed *fx = &self->oh.fixed;
	guint64 body = self->oh.file_len - fx->header_len;
	guint64 k = body / fx->chunk_disk_size;
	guint64 t = body % fx->chunk_disk_size;
	g_autoptr(GError) final_error = NULL;

	if (t >= NVR_NVRE_TAG_SIZE) {
		if (nvr_nvre_reader_load_chunk_unlocked(self, k, TRUE, t - NVR_NVRE_TAG_SIZE,
							&final_error)) {
			nvr_nvre_reader_set_state(self, NVR_NVRE_STATUS_FINALIZED, k,
						  t - NVR_NVRE_TAG_SIZE);
			return TRUE;
		}
		if (mode == NVR_NVRE_MODE_STRICT || final_error->code == NVR_NVRE_ERROR_IO) {
			g_propagate_error(error, g_steal_pointer(&final_error));
			return FALSE;
		}
	} else if (mode == NVR_NVRE_MODE_STRICT) {
		if (t > 0)
			return nvr_nvre_fail(
				error, NVR_NVRE_ERROR_TORN,
				"%" G_GUINT64_FORMAT " stray bytes after the last chunk", t);
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_UNFINALIZED, "no final chunk");
	}
	/* interrupted mode: the t bytes after the last whole chunk are a torn tail */
	if (k == 0)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_UNFINALIZED, "no whole chunk");
	if (!nvr_nvre_reader_load_chunk_unlocked(self, k - 1, FALSE, fx->chunk_size, error))
		return FALSE;
	nvr_nvre_reader_set_state(self, NVR_NVRE_STATUS_INTERRUPTED, k, 0);
	return TRUE;
}

static NvrNvreReader *
nvr_nvre_reader_open_internal(gint fd, const NvrNvreReadParams *p, GError **error)
{
	g_autoptr(NvrNvreReader) self = g_new0(NvrNvreReader, 1);

	self->fd = fd;
	g_mutex_init(&self->lock);
	if (!nvr_nvre_open_header(fd, &p->context, p->keys, p->n_keys, p->device_pk,
				  p->require_signature, TRUE, &self->oh, error))
		return NULL;
	/* K_file, PRK and K_mac have done their work */
	if (!nvr_nvre_file_keys_wipe_header(self->oh.keys, error))
		return NULL;
	self->cipher = g_malloc(self->oh.fixed.chunk_disk_size);
	self->cache = g_malloc(self->oh.fixed.chunk_size);
	if (!nvr_nvre_reader_check_length(self, p->mode, error))
		return NULL;
	return g_steal_pointer(&self);
}

NvrNvreReader *
nvr_nvre_reader_open(const gchar *path, const NvrNvreReadParams *params, GError **error)
{
	gint fd;

	g_return_val_if_fail(path != NULL && params != NULL, NULL);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		nvr_nvre_fail(error, NVR_NVRE_ERROR_IO, "open %s: %s", path, g_strerror(errno));
		return NULL;
	}
	return nvr_nvre_reader_open_internal(fd, params, error);
}

NvrNvreReader *
nvr_nvre_reader_open_fd(gint fd, const NvrNvreReadParams *params, GError **error)
{
	gint dup_fd;

	g_return_val_if_fail(fd >= 0 && params != NULL, NULL);
	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0) {
		nvr_nvre_fail(error, NVR_NVRE_ERROR_IO, "dup: %s", g_strerror(errno));
		return NULL;
	}
	return nvr_nvre_reader_open_internal(dup_fd, params, error);
}

void
nvr_nvre_reader_free(NvrNvreReader *self)
{
	if (self == NULL)
		return;
	if (self->fd >= 0)
		close(self->fd);
	nvr_nvre_open_header_clear(&self->oh);
	if (self->cache != NULL)
		sodium_memzero(self->cache, self->oh.fixed.chunk_size);
	g_free(self->cache);
	g_free(self->cipher);
	g_mutex_clear(&self->lock);
	g_free(self);
}

guint64
nvr_nvre_reader_get_plain_len(const NvrNvreReader *self)
{
	return self->plain_len;
}

NvrNvreStatus
nvr_nvre_reader_get_status(const NvrNvreReader *self)
{
	return self->status;
}

guint
nvr_nvre_reader_get_header_len(const NvrNvreReader *self)
{
	return self->oh.fixed.header_len;
}

guint
nvr_nvre_reader_get_chunk_size(const NvrNvreReader *self)
{
	return (guint)self->oh.fixed.chunk_size;
}

const guint8 *
nvr_nvre_reader_get_header_mac(const NvrNvreReader *self)
{
	return self->oh.header + self->oh.fixed.header_len - NVR_NVRE_HEADER_TAIL;
}

gboolean
nvr_nvre_reader_is_signed(const NvrNvreReader *self)
{
	return (self->oh.fixed.flags & NVR_NVRE_FLAG_SIGNED) != 0;
}

guint64
nvr_nvre_reader_get_prev_segment_id(const NvrNvreReader *self)
{
	return self->oh.fixed.prev_segment_id;
}

void
nvr_nvre_reader_get_chain_state(const NvrNvreReader *self, NvrNvreChainState *state)
{
	/* zeroed padding too: states are compared with memcmp() */
	memset(state, 0, sizeof(*state));
	nvr_nvre_fixed_prime(self->oh.fixed.bytes, state->fixed_prime);
	state->file_len = self->state_len;
	memcpy(state->last_tag, self->last_tag, NVR_NVRE_TAG_SIZE);
	state->status = (guint8)self->status;
}

/* chunk @index: final or not, and how many plaintext bytes it holds */
static gsize
nvr_nvre_reader_chunk_len(const NvrNvreReader *self, guint64 index, gboolean *final)
{
	*final = self->status == NVR_NVRE_STATUS_FINALIZED && index == self->n_nonfinal;
	if (*final)
		return self->plain_len - self->n_nonfinal * self->oh.fixed.chunk_size;
	return self->oh.fixed.chunk_size;
}

gboolean
nvr_nvre_reader_check_range(const NvrNvreReader *self, guint64 offset, guint64 len, GError **error)
{
	g_return_val_if_fail(self != NULL, FALSE);
	/* overflow-safe form of §12 */
	if (offset > self->plain_len || len > self->plain_len - offset)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_RANGE,
				     "%" G_GUINT64_FORMAT " bytes at %" G_GUINT64_FORMAT
				     " outside [0, %" G_GUINT64_FORMAT "]",
				     len, offset, self->plain_len);
	return TRUE;
}

gboolean
nvr_nvre_reader_read(NvrNvreReader *self, guint64 offset, guint8 *buf, gsize len, GError **error)
{
	g_autoptr(GMutexLocker) locker = NULL;
	const guint log2 = self->oh.fixed.chunk_log2;

	g_return_val_if_fail(self != NULL && (buf != NULL || len == 0), FALSE);
	if (!nvr_nvre_reader_check_range(self, offset, len, error))
		return FALSE;
	locker = g_mutex_locker_new(&self->lock);
	while (len > 0) {
		guint64 index = offset >> log2;
		gsize pos = (gsize)(offset & (self->oh.fixed.chunk_size - 1));
		gboolean final;
		gsize chunk_len = nvr_nvre_reader_chunk_len(self, index, &final);
		gsize n = MIN(len, chunk_len - pos);

		if (!nvr_nvre_reader_load_chunk_unlocked(self, index, final, chunk_len, error))
			return FALSE;
		memcpy(buf, self->cache + pos, n);
		buf += n;
		len -= n;
		offset += n;
	}
	return TRUE;
}

gboolean
nvr_nvre_reader_verify_all(NvrNvreReader *self, GError **error)
{
	g_autoptr(GMutexLocker) locker = NULL;
	guint64 n_chunks;

	g_return_val_if_fail(self != NULL, FALSE);
	locker = g_mutex_locker_new(&self->lock);
	n_chunks = self->n_nonfinal + (self->status == NVR_NVRE_STATUS_FINALIZED ? 1 : 0);
	for (guint64 i = 0; i < n_chunks; i++) {
		gboolean final;
		gsize chunk_len = nvr_nvre_reader_chunk_len(self, i, &final);
		/* decrypt again even if cached: this is the whole-file check */
		self->cache_valid = FALSE;
		if (!nvr_nvre_reader_load_chunk_unlocked(self, i, final, chunk_len, error))
			return FALSE;
	}
	return TRUE;
}

gboolean
nvr_nvre_reader_check_chain(const NvrNvreReader *self, const NvrNvreChainState *predecessor,
			    GError **error)
{
	const guint8 *prev_link = self->oh.fixed.bytes + NVR_NVRE_OFF_PREV_LINK;
	guint8 link[NVR_NVRE_LINK_SIZE];

	g_return_val_if_fail(self != NULL, FALSE);
	if (predecessor == NULL) {
		if (self->oh.fixed.prev_segment_id == 0 &&
		    nvr_nvre_all_zero(prev_link, NVR_NVRE_LINK_SIZE))
			return TRUE;
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_LINK,
				     "predecessor %" G_GUINT64_FORMAT " is missing",
				     self->oh.fixed.prev_segment_id);
	}
	if (self->oh.fixed.prev_segment_id != nvr_nvre_chain_state_get_segment_id(predecessor))
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_LINK,
				     "predecessor is segment %" G_GUINT64_FORMAT
				     ", not %" G_GUINT64_FORMAT,
				     self->oh.fixed.prev_segment_id,
				     nvr_nvre_chain_state_get_segment_id(predecessor));
	if (!nvr_nvre_chain_state_link(predecessor, link, error))
		return FALSE;
	if (crypto_verify_32(link, prev_link) != 0)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_LINK,
				     "predecessor %" G_GUINT64_FORMAT
				     " is not in the state this segment recorded",
				     self->oh.fixed.prev_segment_id);
	return TRUE;
}
