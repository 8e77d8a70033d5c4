/*
 * nvr-store.c: segment files as the index describes them.
 *
 * design notes (the store module)
 *   - The index is authoritative: a reader's expected context (camera uuid,
 *     segment id, header_start_us) always comes from the row, never from
 *     the file, so a file moved, renamed or swapped fails as `context`.
 *   - A successor links to the state the index recorded for its predecessor
 *     (file_len, last_tag, status from the row; only FIXED′ from the file,
 *     which the index does not keep). A predecessor changed on disk after it
 *     was finalized therefore breaks the link instead of being vouched for.
 *   - Recovery and verification are keyless: they use only public bytes
 *     (headers, tags, signatures) and the device public key.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "core/nvr-error.h"
#include "core/nvr-file.h"
#include "keys/nvr-keys.h"
#include "nvr-footage.h"
#include "nvr-store.h"

gchar *
nvr_store_dup_segment_path(NvrIndex *index, const NvrIndexSegment *segment, GError **error)
{
	g_autoptr(NvrIndexFootageDir) dir = NULL;
	g_autoptr(NvrIndexCamera) camera = NULL;
	g_autofree gchar *name = NULL;

	dir = nvr_index_footage_dir_load(index, segment->footage_dir_id, error);
	if (dir == NULL)
		return NULL;
	camera = nvr_index_camera_load(index, segment->camera_id, error);
	if (camera == NULL)
		return NULL;
	name = g_strdup_printf("%" G_GINT64_FORMAT ".nvre", segment->id);
	return g_build_filename(dir->path, camera->uuid, name, NULL);
}

gboolean
nvr_store_segment_context(NvrIndex *index, const NvrIndexSegment *segment,
			  NvrNvreContext *context, GError **error)
{
	g_autoptr(NvrIndexCamera) camera = nvr_index_camera_load(index, segment->camera_id, error);

	memset(context, 0, sizeof(*context));
	if (camera == NULL || !nvr_nvre_context_set_camera_uuid(context, camera->uuid, error))
		return FALSE;
	context->segment_id = (guint64)segment->id;
	context->start_us = segment->header_start_us;
	context->content_type = NVR_NVRE_CONTENT_FMP4;
	return TRUE;
}

gboolean
nvr_store_segment_chain_state(const NvrIndexSegment *segment, const gchar *path,
			      NvrNvreChainState *state, GError **error)
{
	NvrNvreStatus status = segment->status == NVR_INDEX_SEGMENT_INTERRUPTED
				       ? NVR_NVRE_STATUS_INTERRUPTED
				       : NVR_NVRE_STATUS_FINALIZED;
	gsize tag_len = 0;
	const guint8 *tag;

	if (segment->last_tag == NULL ||
	    (tag = g_bytes_get_data(segment->last_tag, &tag_len), tag_len != NVR_NVRE_TAG_SIZE)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT,
			    "segment %" G_GINT64_FORMAT " has no chain state in the index",
			    segment->id);
		return FALSE;
	}
	if (!nvr_nvre_read_chain_state(path, status, state, error))
		return FALSE;
	state->file_len = (guint64)segment->file_len;
	memcpy(state->last_tag, tag, NVR_NVRE_TAG_SIZE);
	state->status = status;
	return TRUE;
}

gboolean
nvr_store_bytes_equal(GBytes *bytes, const guint8 *data, gsize len)
{
	gsize n = 0;
	const guint8 *b = bytes != NULL ? g_bytes_get_data(bytes, &n) : NULL;

	return b != NULL && n == len && nvr_keys_equal(b, data, len);
}

/*
 * nvre-v1.md §11: interrupted mode also takes a finalized file whose final
 * chunk was damaged, or a recovered one cut back by whole chunks, as a
 * shorter interrupted one; its result counts only with the successor's
 * chain check. The successor's prev_link vouches for the state the file
 * had at recovery; the newest segment has only the state the index recorded.
 */
static gboolean
nvr_store_vouch_interrupted(NvrIndex *index, const NvrIndexSegment *segment, NvrNvreReader *reader,
			    GError **error)
{
	g_autoptr(NvrIndexSegment) next = NULL;
	g_autoptr(GError) local = NULL;
	NvrNvreChainState state;
	guint8 link[NVR_NVRE_LINK_SIZE];

	nvr_nvre_reader_get_chain_state(reader, &state);
	next = nvr_index_segment_load_successor(index, segment->id, &local);
	if (next == NULL && !g_error_matches(local, NVR_ERROR, NVR_ERROR_NOT_FOUND)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	if (next != NULL && next->prev_link != NULL) {
		if (!nvr_nvre_chain_state_link(&state, link, error))
			return FALSE;
		if (nvr_store_bytes_equal(next->prev_link, link, sizeof(link)))
			return TRUE;
	} else if (state.status == NVR_NVRE_STATUS_INTERRUPTED &&
		   state.file_len == (guint64)segment->file_len &&
		   nvr_store_bytes_equal(segment->last_tag, state.last_tag, NVR_NVRE_TAG_SIZE)) {
		return TRUE;
	}
	g_set_error(error, NVR_NVRE_ERROR, NVR_NVRE_ERROR_LINK,
		    "link: interrupted segment %" G_GINT64_FORMAT
		    " is not in the state its %s recorded",
		    segment->id, next != NULL ? "successor" : "index row");
	return FALSE;
}

NvrNvreReader *
nvr_store_open_reader(NvrIndex *index, const NvrIndexSegment *segment, GPtrArray *keys,
		      const guint8 *device_pk, GError **error)
{
	g_autoptr(NvrNvreReader) reader = NULL;
	g_autofree gchar *path = NULL;
	NvrNvreReadParams params = {0};

	if (segment->status != NVR_INDEX_SEGMENT_FINALIZED &&
	    segment->status != NVR_INDEX_SEGMENT_INTERRUPTED) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_BUSY,
			    "segment %" G_GINT64_FORMAT " is %s, not readable", segment->id,
			    nvr_index_segment_status_to_string(segment->status));
		return NULL;
	}
	path = nvr_store_dup_segment_path(index, segment, error);
	if (path == NULL || !nvr_store_segment_context(index, segment, &params.context, error))
		return NULL;
	params.keys = (NvrNvreKeyPair *const *)keys->pdata;
	params.n_keys = keys->len;
	params.device_pk = device_pk;
	params.require_signature = TRUE;
	params.mode = segment->status == NVR_INDEX_SEGMENT_INTERRUPTED ? NVR_NVRE_MODE_INTERRUPTED
								       : NVR_NVRE_MODE_STRICT;
	reader = nvr_nvre_reader_open(path, &params, error);
	if (reader == NULL || (params.mode == NVR_NVRE_MODE_INTERRUPTED &&
			       !nvr_store_vouch_interrupted(index, segment, reader, error)))
		return NULL;
	return g_steal_pointer(&reader);
}

GBytes *
nvr_store_read_all(NvrNvreReader *reader, GError **error)
{
	guint64 len = nvr_nvre_reader_get_plain_len(reader);
	g_autofree guint8 *buf = NULL;

	/* a segment is one minute of video: a few MiB; refuse anything absurd */
	if (len > G_GUINT64_CONSTANT(1) << 31) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED,
			    "segment of %" G_GUINT64_FORMAT " bytes is too large to read whole", len);
		return NULL;
	}
	buf = g_malloc(MAX(len, 1));
	if (!nvr_nvre_reader_read(reader, 0, buf, (gsize)len, error))
		return NULL;
	return g_bytes_new_take(g_steal_pointer(&buf), (gsize)len);
}

/* ---- startup recovery ---- */

static gboolean
nvr_store_discard_row(NvrIndex *index, NvrIndexSegment *row, const gchar *path, GError **error)
{
	g_autofree gchar *aside = g_strconcat(path, ".broken", NULL);

	if (g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_autofree gchar *dir = g_path_get_dirname(path);

		if (g_rename(path, aside) != 0)
			return nvr_error_from_errno(error, errno, "moving %s aside", path);
		/* the row goes next: after a power cut the name must not come back without it */
		if (!nvr_file_fsync_dir(dir, error))
			return FALSE;
		g_warning("segment %" G_GINT64_FORMAT ": no whole header, file kept as %s",
			  row->id, aside);
	} else {
		g_message("segment %" G_GINT64_FORMAT ": its file was never created", row->id);
	}
	return nvr_index_segment_mark_garbage(index, &row->id, 1, error) &&
	       nvr_index_segment_delete(index, row->id, error);
}

static gint64
nvr_store_file_mtime_us(const gchar *path)
{
	GStatBuf st;

	if (g_stat(path, &st) != 0)
		return 0;
	return (gint64)st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
}

static gboolean
nvr_store_recover_row(NvrIndex *index, NvrIndexSegment *row, NvrStoreRecoveryReport *report,
		      GError **error)
{
	g_autofree gchar *path = nvr_store_dup_segment_path(index, row, error);
	g_autoptr(GError) local = NULL;
	NvrNvreChainState state;
	guint64 whole;
	gint64 written_us;

	if (path == NULL)
		return FALSE;
	/* the last write before the crash ends it; trimming a torn tail would move the mtime to now */
	written_us = nvr_store_file_mtime_us(path);
	if (!nvr_nvre_recover(path, &state, &local)) {
		if (local->domain != NVR_NVRE_ERROR && !g_error_matches(local, NVR_ERROR,
									 NVR_ERROR_NOT_FOUND) &&
		    g_file_test(path, G_FILE_TEST_EXISTS)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		report->discarded++;
		return nvr_store_discard_row(index, row, path, error);
	}
	row->status = NVR_INDEX_SEGMENT_INTERRUPTED;
	row->file_len = (gint64)state.file_len;
	row->end_us = MAX(row->start_us, written_us);
	g_clear_pointer(&row->last_tag, g_bytes_unref);
	row->last_tag = g_bytes_new(state.last_tag, NVR_NVRE_TAG_SIZE);
	/* whole chunks only; the header length is in FIXED (bytes 12-13) */
	row->header_len = ((gint64)state.fixed_prime[12] << 8) | state.fixed_prime[13];
	whole = (state.file_len - (guint64)row->header_len) /
		((G_GUINT64_CONSTANT(1) << state.fixed_prime[10]) + NVR_NVRE_TAG_SIZE);
	row->plain_len = (gint64)(whole << state.fixed_prime[10]);
	report->interrupted++;
	g_message("segment %" G_GINT64_FORMAT ": interrupted, %" G_GUINT64_FORMAT
		  " bytes kept",
		  row->id, state.file_len);
	return nvr_index_segment_update(index, row, error);
}

/* files without a row are reported, never deleted: the footage may be another database's */
static void
nvr_store_report_orphans(NvrIndex *index, const gchar *footage_path, NvrStoreRecoveryReport *report)
{
	g_autoptr(GDir) top = g_dir_open(footage_path, 0, NULL);
	const gchar *cam;

	while (top != NULL && (cam = g_dir_read_name(top)) != NULL) {
		g_autofree gchar *cam_path = g_build_filename(footage_path, cam, NULL);
		g_autoptr(GDir) d = g_dir_open(cam_path, 0, NULL);
		const gchar *name;

		while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
			g_autoptr(NvrIndexSegment) row = NULL;
			gint64 id;

			if (!nvr_footage_parse_segment_name(name, &id))
				continue;
			row = nvr_index_segment_load(index, id, NULL);
			if (row != NULL)
				continue;
			report->orphans++;
			g_warning("%s/%s has no index row: left in place (see nvrctl verify)",
				  cam_path, name);
		}
	}
}

gboolean
nvr_store_recover(NvrIndex *index, NvrStoreRecoveryReport *report, GError **error)
{
	g_autoptr(GPtrArray) rows = NULL;
	g_autoptr(GPtrArray) dirs = NULL;

	memset(report, 0, sizeof(*report));
	rows = nvr_index_segment_list_by_status(index, NVR_INDEX_SEGMENT_RECORDING, error);
	if (rows == NULL)
		return FALSE;
	for (guint i = 0; i < rows->len; i++) {
		if (!nvr_store_recover_row(index, g_ptr_array_index(rows, i), report, error))
			return FALSE;
	}
	/* no recorder runs yet: a run still open was cut short by the crash */
	if (!nvr_index_run_close_open(index, "crash", &report->runs_closed, error))
		return FALSE;
	dirs = nvr_index_footage_dir_list(index, error);
	if (dirs == NULL)
		return FALSE;
	for (guint i = 0; i < dirs->len; i++) {
		NvrIndexFootageDir *dir = g_ptr_array_index(dirs, i);

		nvr_store_report_orphans(index, dir->path, report);
	}
	return TRUE;
}
