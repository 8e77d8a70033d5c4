#include "config.h"

#include "core/nvr-error.h"
#include "nvr-index-private.h"
#include "nvr-index-segment.h"

#define NVR_INDEX_SEGMENT_COLUMNS                                                                  \
	"id, camera_id, run_id, stream, status, start_us, end_us, header_start_us, media_start, "  \
	"media_duration, frames, plain_len, file_len, header_len, header_mac, last_tag, "          \
	"prev_segment_id, prev_link, tags_digest, tags_digest_sig, codec_config_id, gop_index, "   \
	"footage_dir_id, created_us"
#define NVR_INDEX_SEGMENT_SELECT "SELECT " NVR_INDEX_SEGMENT_COLUMNS " FROM segments "
/* complete files: what playback can read and retention counts as stored */
#define NVR_INDEX_SEGMENT_STORED "status IN ('finalized', 'interrupted')"

static const gchar *const nvr_index_segment_status_names[] = {
	[NVR_INDEX_SEGMENT_RECORDING] = "recording",
	[NVR_INDEX_SEGMENT_FINALIZED] = "finalized",
	[NVR_INDEX_SEGMENT_INTERRUPTED] = "interrupted",
	[NVR_INDEX_SEGMENT_GARBAGE] = "garbage",
};

/* Returns: the name stored in the status column, or %NULL for no valid status */
const gchar *
nvr_index_segment_status_to_string(NvrIndexSegmentStatus status)
{
	if ((guint)status >= G_N_ELEMENTS(nvr_index_segment_status_names))
		return NULL;
	return nvr_index_segment_status_names[status];
}

gboolean
nvr_index_segment_status_from_string(const gchar *text, NvrIndexSegmentStatus *status)
{
	for (guint i = NVR_INDEX_SEGMENT_RECORDING;
	     i < G_N_ELEMENTS(nvr_index_segment_status_names); i++) {
		if (g_strcmp0(text, nvr_index_segment_status_names[i]) == 0) {
			*status = (NvrIndexSegmentStatus)i;
			return TRUE;
		}
	}
	return FALSE;
}

NvrIndexSegment *
nvr_index_segment_new(void)
{
	NvrIndexSegment *segment = g_new0(NvrIndexSegment, 1);

	segment->status = NVR_INDEX_SEGMENT_RECORDING;
	return segment;
}

void
nvr_index_segment_free(NvrIndexSegment *segment)
{
	if (segment == NULL)
		return;
	g_clear_pointer(&segment->header_mac, g_bytes_unref);
	g_clear_pointer(&segment->last_tag, g_bytes_unref);
	g_clear_pointer(&segment->prev_link, g_bytes_unref);
	g_clear_pointer(&segment->tags_digest, g_bytes_unref);
	g_clear_pointer(&segment->tags_digest_sig, g_bytes_unref);
	g_clear_pointer(&segment->gop_index, g_bytes_unref);
	g_free(segment);
}

static gpointer
nvr_index_segment_from_row(sqlite3_stmt *stmt)
{
	NvrIndexSegment *s = g_new0(NvrIndexSegment, 1);

	s->id = sqlite3_column_int64(stmt, 0);
	s->camera_id = sqlite3_column_int64(stmt, 1);
	s->run_id = sqlite3_column_int64(stmt, 2);
	s->stream = (NvrIndexStream)sqlite3_column_int(stmt, 3);
	/* the CHECK constraint keeps the column to the four names */
	nvr_index_segment_status_from_string((const gchar *)sqlite3_column_text(stmt, 4),
					     &s->status);
	s->start_us = sqlite3_column_int64(stmt, 5);
	s->end_us = sqlite3_column_int64(stmt, 6);
	s->header_start_us = sqlite3_column_int64(stmt, 7);
	s->media_start = sqlite3_column_int64(stmt, 8);
	s->media_duration = sqlite3_column_int64(stmt, 9);
	s->frames = sqlite3_column_int64(stmt, 10);
	s->plain_len = sqlite3_column_int64(stmt, 11);
	s->file_len = sqlite3_column_int64(stmt, 12);
	s->header_len = sqlite3_column_int64(stmt, 13);
	s->header_mac = nvr_index_column_dup_bytes(stmt, 14);
	s->last_tag = nvr_index_column_dup_bytes(stmt, 15);
	s->prev_segment_id = sqlite3_column_int64(stmt, 16);
	s->prev_link = nvr_index_column_dup_bytes(stmt, 17);
	s->tags_digest = nvr_index_column_dup_bytes(stmt, 18);
	s->tags_digest_sig = nvr_index_column_dup_bytes(stmt, 19);
	s->codec_config_id = sqlite3_column_int64(stmt, 20);
	s->gop_index = nvr_index_column_dup_bytes(stmt, 21);
	s->footage_dir_id = sqlite3_column_int64(stmt, 22);
	s->created_us = sqlite3_column_int64(stmt, 23);
	return s;
}

static gboolean
nvr_index_segment_bind_status(sqlite3_stmt *stmt, NvrIndexSegmentStatus status, GError **error)
{
	const gchar *name = nvr_index_segment_status_to_string(status);

	if (name == NULL) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
			    "segment status %d: not a status", (gint)status);
		return FALSE;
	}
	return nvr_index_bind_text(stmt, ":status", name, error);
}

/* what the writer learns as the file grows and ends: insert and update both write it */
static gboolean
nvr_index_segment_bind_progress(sqlite3_stmt *stmt, const NvrIndexSegment *s, GError **error)
{
	return nvr_index_segment_bind_status(stmt, s->status, error) &&
	       nvr_index_bind_int64_or_null(stmt, ":end_us", s->end_us, error) &&
	       nvr_index_bind_int64(stmt, ":media_duration", s->media_duration, error) &&
	       nvr_index_bind_int64(stmt, ":frames", s->frames, error) &&
	       nvr_index_bind_int64(stmt, ":plain_len", s->plain_len, error) &&
	       nvr_index_bind_int64(stmt, ":file_len", s->file_len, error) &&
	       nvr_index_bind_int64(stmt, ":header_len", s->header_len, error) &&
	       nvr_index_bind_bytes(stmt, ":header_mac", s->header_mac, error) &&
	       nvr_index_bind_bytes(stmt, ":last_tag", s->last_tag, error) &&
	       nvr_index_bind_int64(stmt, ":prev_segment_id", s->prev_segment_id, error) &&
	       nvr_index_bind_bytes(stmt, ":prev_link", s->prev_link, error) &&
	       nvr_index_bind_bytes(stmt, ":tags_digest", s->tags_digest, error) &&
	       nvr_index_bind_bytes(stmt, ":tags_digest_sig", s->tags_digest_sig, error) &&
	       nvr_index_bind_int64_or_null(stmt, ":codec_config_id", s->codec_config_id, error) &&
	       nvr_index_bind_bytes(stmt, ":gop_index", s->gop_index, error);
}

static gboolean
nvr_index_segment_insert_unlocked(NvrIndex *self, NvrIndexSegment *s, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	if (s->header_start_us == 0)
		s->header_start_us = s->start_us;
	s->created_us = nvr_index_now_us(self);
	stmt = nvr_index_prepare(
		self,
		"INSERT INTO segments (camera_id, run_id, stream, status, start_us, end_us, "
		"header_start_us, media_start, media_duration, frames, plain_len, file_len, "
		"header_len, "
		"header_mac, last_tag, prev_segment_id, prev_link, tags_digest, tags_digest_sig, "
		"codec_config_id, gop_index, footage_dir_id, created_us) VALUES (:camera_id, "
		":run_id, "
		":stream, :status, :start_us, :end_us, :header_start_us, :media_start, "
		":media_duration, "
		":frames, :plain_len, :file_len, :header_len, :header_mac, :last_tag, "
		":prev_segment_id, "
		":prev_link, :tags_digest, :tags_digest_sig, :codec_config_id, :gop_index, "
		":footage_dir_id, :created_us)",
		error);
	if (stmt == NULL || !nvr_index_segment_bind_progress(stmt, s, error) ||
	    !nvr_index_bind_int64(stmt, ":camera_id", s->camera_id, error) ||
	    !nvr_index_bind_int64(stmt, ":run_id", s->run_id, error) ||
	    !nvr_index_bind_int64(stmt, ":stream", s->stream, error) ||
	    !nvr_index_bind_int64(stmt, ":start_us", s->start_us, error) ||
	    !nvr_index_bind_int64(stmt, ":header_start_us", s->header_start_us, error) ||
	    !nvr_index_bind_int64(stmt, ":media_start", s->media_start, error) ||
	    !nvr_index_bind_int64(stmt, ":footage_dir_id", s->footage_dir_id, error) ||
	    !nvr_index_bind_int64(stmt, ":created_us", s->created_us, error) ||
	    !nvr_index_step_done(self, stmt, error))
		return FALSE;
	s->id = nvr_index_last_insert_id(self);
	return TRUE;
}

/**
 * nvr_index_segment_insert:
 * @segment: usually status recording; its id (the NVRE segment_id) and
 *   created_us are set, and header_start_us if it was 0
 *
 * Commit before creating the file (DESIGN.md §5), so that every file on
 * disk has a row.
 */
gboolean
nvr_index_segment_insert(NvrIndex *self, NvrIndexSegment *segment, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(segment != NULL, FALSE);

	if (!nvr_index_segment_insert_unlocked(self, segment, error)) {
		g_prefix_error(error, "adding a segment of camera %" G_GINT64_FORMAT ": ",
			       segment->camera_id);
		return FALSE;
	}
	return TRUE;
}

/**
 * nvr_index_segment_update:
 *
 * Writes what changes while a segment is written, finalized, recovered or
 * retired: status, end_us, media_duration, frames, the lengths, header_mac,
 * last_tag, the chain fields, the tags digest and signature, codec config
 * and GOP index. The other fields are fixed at insert.
 */
gboolean
nvr_index_segment_update(NvrIndex *self, const NvrIndexSegment *segment, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(segment != NULL, FALSE);

	stmt = nvr_index_prepare(
		self,
		"UPDATE segments SET status = :status, end_us = :end_us, "
		"media_duration = :media_duration, frames = :frames, plain_len = :plain_len, "
		"file_len = :file_len, header_len = :header_len, header_mac = :header_mac, "
		"last_tag = :last_tag, prev_segment_id = :prev_segment_id, prev_link = :prev_link, "
		"tags_digest = :tags_digest, tags_digest_sig = :tags_digest_sig, "
		"codec_config_id = :codec_config_id, gop_index = :gop_index WHERE id = :id",
		error);
	if (stmt == NULL || !nvr_index_segment_bind_progress(stmt, segment, error) ||
	    !nvr_index_bind_int64(stmt, ":id", segment->id, error) ||
	    !nvr_index_step_changed(self, stmt, "segment", error)) {
		g_prefix_error(error, "updating segment %" G_GINT64_FORMAT ": ", segment->id);
		return FALSE;
	}
	return TRUE;
}

NvrIndexSegment *
nvr_index_segment_load(NvrIndex *self, gint64 id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	return nvr_index_load_by_id(self, NVR_INDEX_SEGMENT_SELECT "WHERE id = :id", id,
				    nvr_index_segment_from_row, "segment", error);
}

static sqlite3_stmt *
nvr_index_segment_prepare_stream(NvrIndex *self, const gchar *sql, gint64 camera_id,
				 NvrIndexStream stream, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = nvr_index_prepare(self, sql, error);

	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":camera_id", camera_id, error) ||
	    !nvr_index_bind_int64(stmt, ":stream", stream, error))
		return NULL;
	return g_steal_pointer(&stmt);
}

/**
 * nvr_index_segment_load_chain_tail:
 *
 * The chain predecessor of the next segment of @camera_id's @stream: its
 * newest finalized or interrupted segment.
 *
 * Returns: (transfer full): the segment, or %NULL with NVR_ERROR_NOT_FOUND
 *   when the next segment starts a chain
 */
NvrIndexSegment *
nvr_index_segment_load_chain_tail(NvrIndex *self, gint64 camera_id, NvrIndexStream stream,
				  GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	stmt = nvr_index_segment_prepare_stream(self,
						NVR_INDEX_SEGMENT_SELECT
						"WHERE camera_id = :camera_id AND stream = :stream "
						"AND " NVR_INDEX_SEGMENT_STORED
						" ORDER BY id DESC LIMIT 1",
						camera_id, stream, error);
	if (stmt == NULL)
		return NULL;
	return nvr_index_collect_one(self, stmt, nvr_index_segment_from_row, "chain predecessor",
				     error);
}

/*
 * Returns: (transfer full): the segment whose prev_segment_id is @id; its
 * prev_link is the link of @id's chain state
 */
NvrIndexSegment *
nvr_index_segment_load_successor(NvrIndex *self, gint64 id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	return nvr_index_load_by_id(self,
				    NVR_INDEX_SEGMENT_SELECT
				    "WHERE prev_segment_id = :id AND prev_segment_id > 0 "
				    "ORDER BY id LIMIT 1",
				    id, nvr_index_segment_from_row, "successor segment", error);
}

/**
 * nvr_index_segment_list_span:
 *
 * The segments of @camera_id's @stream that overlap [@start_us, @end_us),
 * except garbage, by start time: what playback, export and the timeline
 * read. Those that start inside the span come from the index range; of
 * those that start before it, only the last can overlap, because the
 * segments of one stream do not overlap each other.
 *
 * Returns: (transfer full) (element-type NvrIndexSegment):
 */
GPtrArray *
nvr_index_segment_list_span(NvrIndex *self, gint64 camera_id, NvrIndexStream stream,
			    gint64 start_us, gint64 end_us, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	stmt = nvr_index_segment_prepare_stream(
		self,
		NVR_INDEX_SEGMENT_SELECT
		"WHERE camera_id = :camera_id AND stream = :stream "
		"AND status != 'garbage' AND start_us >= :start_us AND start_us < :end_us "
		"UNION ALL SELECT * FROM (" NVR_INDEX_SEGMENT_SELECT
		"WHERE camera_id = :camera_id AND stream = :stream AND status != 'garbage' "
		"AND start_us < :start_us ORDER BY start_us DESC, id DESC LIMIT 1) "
		"WHERE end_us IS NULL OR end_us > :start_us ORDER BY start_us, id",
		camera_id, stream, error);
	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":start_us", start_us, error) ||
	    !nvr_index_bind_int64(stmt, ":end_us", end_us, error))
		return NULL;
	return nvr_index_collect_rows(self, stmt, nvr_index_segment_from_row,
				      (GDestroyNotify)nvr_index_segment_free, error);
}

/* recording: for startup recovery; garbage: deletes to finish. By id. */
GPtrArray *
nvr_index_segment_list_by_status(NvrIndex *self, NvrIndexSegmentStatus status, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	stmt = nvr_index_prepare(
		self, NVR_INDEX_SEGMENT_SELECT "WHERE status = :status ORDER BY id", error);
	if (stmt == NULL || !nvr_index_segment_bind_status(stmt, status, error))
		return NULL;
	return nvr_index_collect_rows(self, stmt, nvr_index_segment_from_row,
				      (GDestroyNotify)nvr_index_segment_free, error);
}

/* running byte totals per camera: a handful of cameras, so a short array */
static gint64 *
nvr_index_camera_sum(GArray *sums, gint64 camera_id)
{
	NvrIndexSegmentTotals *t;

	for (guint i = 0; i < sums->len; i++) {
		t = &g_array_index(sums, NvrIndexSegmentTotals, i);
		if (t->camera_id == camera_id)
			return &t->stored_bytes;
	}
	g_array_set_size(sums, sums->len + 1);
	t = &g_array_index(sums, NvrIndexSegmentTotals, sums->len - 1);
	t->camera_id = camera_id;
	return &t->stored_bytes;
}

/**
 * nvr_index_segment_foreach_oldest:
 * @func: called for each finalized or interrupted segment of every camera,
 *   oldest first (by start time, then id), with running byte totals; it
 *   may stop the walk, and must not write to the index (collect ids, then
 *   mark them garbage)
 *
 * A walk, not a list: a year of one-minute segments is millions of rows.
 * It streams from the segments_oldest index, so stopping early is cheap;
 * the totals are summed here rather than by window functions, which would
 * sort every row before the first one came out.
 */
gboolean
nvr_index_segment_foreach_oldest(NvrIndex *self, NvrIndexRetentionFunc func, gpointer user_data,
				 GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GArray) sums = g_array_new(FALSE, TRUE, sizeof(NvrIndexSegmentTotals));
	gint64 total = 0;
	gint rc;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(func != NULL, FALSE);

	stmt = nvr_index_prepare(
		self,
		"SELECT id, camera_id, stream, start_us, end_us, file_len FROM segments "
		"WHERE " NVR_INDEX_SEGMENT_STORED " ORDER BY start_us, id",
		error);
	if (stmt == NULL)
		return FALSE;
	while ((rc = nvr_index_step_row(self, stmt, error)) == 1) {
		NvrIndexRetentionRow row = {
			.segment_id = sqlite3_column_int64(stmt, 0),
			.camera_id = sqlite3_column_int64(stmt, 1),
			.stream = (NvrIndexStream)sqlite3_column_int(stmt, 2),
			.start_us = sqlite3_column_int64(stmt, 3),
			.end_us = sqlite3_column_int64(stmt, 4),
			.file_len = sqlite3_column_int64(stmt, 5),
		};
		gint64 *camera_sum = nvr_index_camera_sum(sums, row.camera_id);

		*camera_sum += row.file_len;
		total += row.file_len;
		row.camera_bytes_through = *camera_sum;
		row.total_bytes_through = total;
		if (!func(&row, user_data))
			break;
	}
	return rc >= 0;
}

/**
 * nvr_index_segment_list_totals:
 *
 * Read from a covering index (segments_bytes), without touching the rows.
 *
 * Returns: (transfer full) (element-type NvrIndexSegmentTotals): one entry
 *   per camera that has segment rows, by camera id
 */
GArray *
nvr_index_segment_list_totals(NvrIndex *self, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GArray) totals = g_array_new(FALSE, TRUE, sizeof(NvrIndexSegmentTotals));
	gint rc;

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	stmt = nvr_index_prepare(
		self,
		"SELECT camera_id, sum(status != 'garbage'), "
		"coalesce(sum(CASE WHEN " NVR_INDEX_SEGMENT_STORED " THEN file_len END), 0), "
		"coalesce(sum(CASE WHEN status = 'recording' THEN file_len END), 0), "
		"coalesce(sum(CASE WHEN status = 'garbage' THEN file_len END), 0) "
		"FROM segments GROUP BY camera_id ORDER BY camera_id",
		error);
	if (stmt == NULL)
		return NULL;
	while ((rc = nvr_index_step_row(self, stmt, error)) == 1) {
		NvrIndexSegmentTotals t = {
			.camera_id = sqlite3_column_int64(stmt, 0),
			.n_segments = sqlite3_column_int64(stmt, 1),
			.stored_bytes = sqlite3_column_int64(stmt, 2),
			.recording_bytes = sqlite3_column_int64(stmt, 3),
			.garbage_bytes = sqlite3_column_int64(stmt, 4),
		};
		g_array_append_val(totals, t);
	}
	if (rc < 0)
		return NULL;
	return g_steal_pointer(&totals);
}

static gboolean
nvr_index_segment_query_edge(NvrIndex *self, const gchar *sql, gint64 camera_id,
			     NvrIndexStream stream, gint64 *value, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
		nvr_index_segment_prepare_stream(self, sql, camera_id, stream, error);
	gint rc;

	if (stmt == NULL)
		return FALSE;
	rc = nvr_index_step_row(self, stmt, error);
	if (rc == 0) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_NOT_FOUND, "no stored segments");
		return FALSE;
	}
	if (rc < 0)
		return FALSE;
	*value = sqlite3_column_int64(stmt, 0);
	return TRUE;
}

/**
 * nvr_index_segment_get_extent:
 * @start_us: (out): the start of the oldest stored segment of the stream
 * @end_us: (out): the end of the newest
 *
 * Two index lookups, whatever the history's length.
 *
 * Returns: %FALSE with NVR_ERROR_NOT_FOUND if nothing is stored
 */
gboolean
nvr_index_segment_get_extent(NvrIndex *self, gint64 camera_id, NvrIndexStream stream,
			     gint64 *start_us, gint64 *end_us, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(start_us != NULL && end_us != NULL, FALSE);

	return nvr_index_segment_query_edge(
		       self,
		       "SELECT start_us FROM segments WHERE camera_id = :camera_id AND stream = "
		       ":stream AND " NVR_INDEX_SEGMENT_STORED " ORDER BY start_us LIMIT 1",
		       camera_id, stream, start_us, error) &&
	       nvr_index_segment_query_edge(
		       self,
		       "SELECT end_us FROM segments WHERE camera_id = :camera_id AND stream = "
		       ":stream AND " NVR_INDEX_SEGMENT_STORED " ORDER BY start_us DESC LIMIT 1",
		       camera_id, stream, end_us, error);
}

static gboolean
nvr_index_segment_mark_garbage_unlocked(NvrIndex *self, const gint64 *ids, guint n_ids,
					GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = nvr_index_prepare(
		self, "UPDATE segments SET status = 'garbage' WHERE id = :id", error);

	if (stmt == NULL)
		return FALSE;
	for (guint i = 0; i < n_ids; i++) {
		sqlite3_reset(stmt);
		if (!nvr_index_bind_int64(stmt, ":id", ids[i], error) ||
		    !nvr_index_step_changed(self, stmt, "segment", error)) {
			g_prefix_error(error, "segment %" G_GINT64_FORMAT ": ", ids[i]);
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * nvr_index_segment_mark_garbage:
 *
 * All of @ids or none (one transaction, nested in the caller's if there is
 * one: write the tombstones in the same transaction, DESIGN.md §5).
 */
gboolean
nvr_index_segment_mark_garbage(NvrIndex *self, const gint64 *ids, guint n_ids, GError **error)
{
	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(ids != NULL || n_ids == 0, FALSE);

	if (!nvr_index_begin(self, error))
		return FALSE;
	if (!nvr_index_segment_mark_garbage_unlocked(self, ids, n_ids, error)) {
		nvr_index_rollback(self);
		g_prefix_error(error, "marking garbage: ");
		return FALSE;
	}
	return nvr_index_commit(self, error);
}

/* only a garbage row may go, once its file was unlinked and the directory fsynced */
gboolean
nvr_index_segment_delete(NvrIndex *self, gint64 id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);

	return nvr_index_delete_by_id(self, "DELETE FROM segments WHERE id = :id", id, "segment",
				      error);
}
