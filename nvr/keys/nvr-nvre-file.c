/*
 * NVRE v1 operations on a whole file that are not reads: keyless crash
 * recovery (§10), the keyless chain state and tags digest of a file on disk,
 * and the in-place re-wrap (§13).
 *
 * Recovery and the keyless state verify nothing: they cannot without a key.
 * The successor's prev_link and the reader catch tampering later.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "core/nvr-error.h"
#include "nvr-keys.h"
#include "nvr-nvre-private.h"

typedef struct {
	NvrNvreFixed fixed;
	guint64 file_len; /* L */
	guint64 k;	  /* whole chunks */
	guint64 t;	  /* bytes after them */
} NvrNvreLayout;

/* §10 step 1: magic, syntax and L >= hl, each failure param; the file is not touched */
static gboolean
nvr_nvre_read_layout(gint fd, NvrNvreLayout *layout, GError **error)
{
	g_autoptr(GError) local = NULL;
	guint8 fixed[NVR_NVRE_FIXED_SIZE];

	if (!nvr_nvre_fstat_size(fd, &layout->file_len, error))
		return FALSE;
	if (layout->file_len < NVR_NVRE_FIXED_SIZE)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_PARAM, "shorter than the fixed header");
	if (!nvr_nvre_pread_all(fd, fixed, sizeof(fixed), 0, error))
		return FALSE;
	if (!nvr_nvre_fixed_parse(fixed, &layout->fixed, &local))
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_PARAM, "%s", local->message);
	if (layout->file_len < layout->fixed.header_len)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_PARAM, "shorter than its header");
	layout->k = (layout->file_len - layout->fixed.header_len) / layout->fixed.chunk_disk_size;
	layout->t = (layout->file_len - layout->fixed.header_len) % layout->fixed.chunk_disk_size;
	return TRUE;
}

static guint64
nvr_nvre_layout_whole_len(const NvrNvreLayout *layout)
{
	return layout->fixed.header_len + layout->k * layout->fixed.chunk_disk_size;
}

/* §10 step 4 / §8.1 for an interrupted file: whole chunks only */
static gboolean
nvr_nvre_interrupted_state(gint fd, const NvrNvreLayout *layout, NvrNvreChainState *state,
			   GError **error)
{
	memset(state, 0, sizeof(*state));
	nvr_nvre_fixed_prime(layout->fixed.bytes, state->fixed_prime);
	state->file_len = nvr_nvre_layout_whole_len(layout);
	state->status = NVR_NVRE_STATUS_INTERRUPTED;
	/* k = 0: no chunk, the tag stays zero */
	if (layout->k == 0)
		return TRUE;
	return nvr_nvre_pread_all(fd, state->last_tag, NVR_NVRE_TAG_SIZE,
				  state->file_len - NVR_NVRE_TAG_SIZE, error);
}

static gint
nvr_nvre_open_rw(const gchar *path, gint flags, GError **error)
{
	gint fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		nvr_error_from_errno(error, errno, "open %s", path);
	return fd;
}

gboolean
nvr_nvre_recover(const gchar *path, NvrNvreChainState *state, GError **error)
{
	NvrNvreLayout layout;
	gint fd;
	gboolean ok;

	g_return_val_if_fail(path != NULL && state != NULL, FALSE);
	fd = nvr_nvre_open_rw(path, O_RDWR, error);
	if (fd < 0)
		return FALSE;
	ok = nvr_nvre_read_layout(fd, &layout, error);
	/* cut the torn tail: the chunk it belonged to can never be verified again */
	if (ok && layout.t != 0 && ftruncate(fd, (off_t)nvr_nvre_layout_whole_len(&layout)) != 0)
		ok = nvr_error_from_errno(error, errno, "truncate %s", path);
	if (ok && fsync(fd) != 0)
		ok = nvr_error_from_errno(error, errno, "fsync %s", path);
	if (ok)
		ok = nvr_nvre_interrupted_state(fd, &layout, state, error);
	close(fd);
	if (!ok)
		g_prefix_error(error, "recover %s: ", path);
	return ok;
}

gboolean
nvr_nvre_read_chain_state(const gchar *path, NvrNvreStatus status, NvrNvreChainState *state,
			  GError **error)
{
	NvrNvreLayout layout;
	gboolean ok;
	gint fd;

	g_return_val_if_fail(path != NULL && state != NULL, FALSE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_IO, "open %s: %s", path,
				     g_strerror(errno));
	ok = nvr_nvre_read_layout(fd, &layout, error);
	if (ok && status == NVR_NVRE_STATUS_INTERRUPTED) {
		ok = nvr_nvre_interrupted_state(fd, &layout, state, error);
	} else if (ok && layout.t < NVR_NVRE_TAG_SIZE) {
		ok = nvr_nvre_fail(error, NVR_NVRE_ERROR_UNFINALIZED, "%s has no final chunk",
				   path);
	} else if (ok) {
		memset(state, 0, sizeof(*state));
		nvr_nvre_fixed_prime(layout.fixed.bytes, state->fixed_prime);
		state->file_len = layout.file_len;
		state->status = NVR_NVRE_STATUS_FINALIZED;
		ok = nvr_nvre_pread_all(fd, state->last_tag, NVR_NVRE_TAG_SIZE,
					layout.file_len - NVR_NVRE_TAG_SIZE, error);
	}
	close(fd);
	return ok;
}

static gboolean
nvr_nvre_tags_digest_fd(gint fd, NvrNvreStatus status, guint8 *digest, GError **error)
{
	crypto_generichash_state st;
	NvrNvreLayout layout;
	gboolean final;
	guint64 file_len;

	if (!nvr_nvre_read_layout(fd, &layout, error))
		return FALSE;
	final = status == NVR_NVRE_STATUS_FINALIZED;
	if (final && layout.t < NVR_NVRE_TAG_SIZE)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_UNFINALIZED, "no final chunk");
	file_len = final ? layout.file_len : nvr_nvre_layout_whole_len(&layout);
	if (!nvr_nvre_tags_digest_init(&st, layout.fixed.bytes, error))
		return FALSE;
	/* the tag of chunk i ends it: at hl + (i+1)·CT − 16 for a whole chunk, at L − 16 for the
	 * final */
	for (guint64 i = 0; i < layout.k + (final ? 1 : 0); i++) {
		guint8 tag[NVR_NVRE_TAG_SIZE];
		guint64 end = i < layout.k ? layout.fixed.header_len +
						     (i + 1) * layout.fixed.chunk_disk_size
					   : layout.file_len;
		if (!nvr_nvre_pread_all(fd, tag, sizeof(tag), end - NVR_NVRE_TAG_SIZE, error))
			return FALSE;
		if (crypto_generichash_update(&st, tag, sizeof(tag)) != 0)
			return nvr_nvre_fail_crypto(error, "tags digest");
	}
	return nvr_nvre_tags_digest_final(&st, file_len, digest, error);
}

gboolean
nvr_nvre_tags_digest(const gchar *path, NvrNvreStatus status,
		     guint8 digest[NVR_NVRE_TAGS_DIGEST_SIZE], GError **error)
{
	gboolean ok;
	gint fd;

	g_return_val_if_fail(path != NULL && digest != NULL, FALSE);
	if (!nvr_keys_init(error))
		return FALSE;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_IO, "open %s: %s", path,
				     g_strerror(errno));
	ok = nvr_nvre_tags_digest_fd(fd, status, digest, error);
	close(fd);
	if (!ok)
		g_prefix_error(error, "%s: ", path);
	return ok;
}

/* §13 step 3 and 4: a new header from the old FIXED and the same K_file */
static gboolean
nvr_nvre_rewrap_header(const NvrNvreOpenHeader *oh, const NvrNvreRewrapParams *p, guint8 *header,
		       GError **error)
{
	guint hl = oh->fixed.header_len;
	guint8 *mac = header + hl - NVR_NVRE_HEADER_TAIL;
	guint8 msg[NVR_NVRE_SIG_MESSAGE_SIZE];
	NvrNvreFileKeys *hk;
	gboolean ok = TRUE;

	memset(header, 0, hl);
	memcpy(header, oh->fixed.bytes, NVR_NVRE_FIXED_SIZE);
	header[NVR_NVRE_OFF_N_RECIPIENTS] = (guint8)p->n_recipients;
	header[NVR_NVRE_OFF_FLAGS] = p->device_key != NULL ? NVR_NVRE_FLAG_SIGNED : 0;
	hk = (NvrNvreFileKeys *)nvr_secret_acquire(oh->keys, error);
	if (hk == NULL)
		return FALSE;
	for (guint i = 0; ok && i < p->n_recipients; i++)
		ok = nvr_nvre_stanza_seal(hk->k_file, p->recipients[i],
					  header + NVR_NVRE_FIXED_SIZE + i * NVR_NVRE_STANZA_SIZE,
					  error);
	/* K_mac is unchanged: PRK ignores bytes 14 and 15 */
	ok = ok && nvr_nvre_header_mac(hk->k_mac, header, hl, mac, error);
	nvr_secret_release(oh->keys);
	if (!ok || p->device_key == NULL)
		return ok;
	nvr_nvre_sig_message(header, mac, msg);
	return nvr_nvre_signing_key_sign(p->device_key, msg, sizeof(msg), mac + NVR_NVRE_MAC_SIZE,
					 error);
}

static gboolean
nvr_nvre_rewrap_fd(gint fd, const NvrNvreContext *context, const NvrNvreRewrapParams *p,
		   GError **error)
{
	NvrNvreOpenHeader oh = {0};
	g_autofree guint8 *header = NULL;
	gboolean ok;

	/* §13 step 1: as a reader would, through the MAC; the old signature too when DPK is given
	 */
	ok = nvr_nvre_open_header(fd, context, p->keys, p->n_keys, p->device_pk, FALSE,
				  p->device_pk != NULL, &oh, error);
	if (ok && !nvr_nvre_recipients_fit(p->n_recipients, oh.fixed.header_len))
		ok = nvr_nvre_fail(error, NVR_NVRE_ERROR_INVALID_ARGUMENT,
				   "%u recipients do not fit the %u-byte header", p->n_recipients,
				   oh.fixed.header_len);
	if (ok) {
		header = g_malloc(oh.fixed.header_len);
		ok = nvr_nvre_rewrap_header(&oh, p, header, error) &&
		     nvr_nvre_pwrite_all(fd, header, oh.fixed.header_len, 0, error);
	}
	if (ok && fsync(fd) != 0)
		ok = nvr_error_from_errno(error, errno, "fsync");
	nvr_nvre_open_header_clear(&oh);
	return ok;
}

gboolean
nvr_nvre_rewrap(const gchar *path, const NvrNvreContext *context, const NvrNvreRewrapParams *params,
		GError **error)
{
	gboolean ok;
	gint fd;

	g_return_val_if_fail(path != NULL && context != NULL && params != NULL, FALSE);
	if (params->n_recipients < 1 || params->n_recipients > NVR_NVRE_MAX_RECIPIENTS)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_INVALID_ARGUMENT, "%u recipients (1..8)",
				     params->n_recipients);
	for (guint i = 0; i < params->n_recipients; i++) {
		if (params->recipients[i] == NULL)
			return nvr_nvre_fail(error, NVR_NVRE_ERROR_INVALID_ARGUMENT,
					     "recipient %u is NULL", i);
	}
	fd = nvr_nvre_open_rw(path, O_RDWR, error);
	if (fd < 0)
		return FALSE;
	ok = nvr_nvre_rewrap_fd(fd, context, params, error);
	close(fd);
	if (!ok)
		g_prefix_error(error, "re-wrap %s: ", path);
	return ok;
}
