#include "config.h"

#include "core/nvr-error.h"
#include "nvr-index-private.h"
#include "nvr-index-run.h"

#define NVR_INDEX_RUN_SELECT                                                                       \
	"SELECT id, camera_id, stream, start_us, end_us, media_anchor, wall_anchor_us, unsynced, " \
	"end_reason, frames FROM runs "

void
nvr_index_run_free(NvrIndexRun *run)
{
	if (run == NULL)
		return;
	g_free(run->end_reason);
	g_free(run);
}

static gpointer
nvr_index_run_from_row(sqlite3_stmt *stmt)
{
	NvrIndexRun *run = g_new0(NvrIndexRun, 1);

	run->id = sqlite3_column_int64(stmt, 0);
	run->camera_id = sqlite3_column_int64(stmt, 1);
	run->stream = (NvrIndexStream)sqlite3_column_int(stmt, 2);
	run->start_us = sqlite3_column_int64(stmt, 3);
	run->end_us = sqlite3_column_int64(stmt, 4);
	run->media_anchor = sqlite3_column_int64(stmt, 5);
	run->wall_anchor_us = sqlite3_column_int64(stmt, 6);
	run->unsynced = sqlite3_column_int(stmt, 7) != 0;
	run->end_reason = nvr_index_column_dup_text(stmt, 8);
	run->frames = sqlite3_column_int64(stmt, 9);
	return run;
}

/* @run: its id is set; end_us, end_reason and frames are written as given */
gboolean
nvr_index_run_insert(NvrIndex *self, NvrIndexRun *run, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(run != NULL, FALSE);

	stmt = nvr_index_prepare(
		self,
		"INSERT INTO runs (camera_id, stream, start_us, end_us, media_anchor, "
		"wall_anchor_us, "
		"unsynced, end_reason, frames) VALUES (:camera_id, :stream, :start_us, :end_us, "
		":media_anchor, :wall_anchor_us, :unsynced, :end_reason, :frames)",
		error);
	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":camera_id", run->camera_id, error) ||
	    !nvr_index_bind_int64(stmt, ":stream", run->stream, error) ||
	    !nvr_index_bind_int64(stmt, ":start_us", run->start_us, error) ||
	    !nvr_index_bind_int64_or_null(stmt, ":end_us", run->end_us, error) ||
	    !nvr_index_bind_int64(stmt, ":media_anchor", run->media_anchor, error) ||
	    !nvr_index_bind_int64(stmt, ":wall_anchor_us", run->wall_anchor_us, error) ||
	    !nvr_index_bind_int64(stmt, ":unsynced", run->unsynced ? 1 : 0, error) ||
	    !nvr_index_bind_text(stmt, ":end_reason", run->end_reason, error) ||
	    !nvr_index_bind_int64(stmt, ":frames", run->frames, error) ||
	    !nvr_index_step_done(self, stmt, error)) {
		g_prefix_error(error, "adding a run of camera %" G_GINT64_FORMAT ": ",
			       run->camera_id);
		return FALSE;
	}
	run->id = nvr_index_last_insert_id(self);
	return TRUE;
}

NvrIndexRun *
nvr_index_run_load(NvrIndex *self, gint64 id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	return nvr_index_load_by_id(self, NVR_INDEX_RUN_SELECT "WHERE id = :id", id,
				    nvr_index_run_from_row, "run", error);
}

/**
 * nvr_index_run_list_span:
 *
 * The runs of both streams of @camera_id that overlap [@start_us, @end_us),
 * open ones included, by start time: the timeline (DESIGN.md §9).
 *
 * Returns: (transfer full) (element-type NvrIndexRun):
 */
GPtrArray *
nvr_index_run_list_span(NvrIndex *self, gint64 camera_id, gint64 start_us, gint64 end_us,
			GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	/* runs are few (one per connection): no cleverness needed here */
	stmt = nvr_index_prepare(self,
				 NVR_INDEX_RUN_SELECT
				 "WHERE camera_id = :camera_id AND start_us < :end_us "
				 "AND (end_us IS NULL OR end_us > :start_us) ORDER BY start_us, id",
				 error);
	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":camera_id", camera_id, error) ||
	    !nvr_index_bind_int64(stmt, ":start_us", start_us, error) ||
	    !nvr_index_bind_int64(stmt, ":end_us", end_us, error))
		return NULL;
	return nvr_index_collect_rows(self, stmt, nvr_index_run_from_row,
				      (GDestroyNotify)nvr_index_run_free, error);
}

/* Returns: (transfer full) (element-type NvrIndexRun): every unsynced run, oldest first */
GPtrArray *
nvr_index_run_list_unsynced(NvrIndex *self, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	return nvr_index_list_by_id(
		self, NVR_INDEX_RUN_SELECT "WHERE unsynced = :id ORDER BY start_us, id", 1,
		nvr_index_run_from_row, (GDestroyNotify)nvr_index_run_free, error);
}

/* the connection ended: the run is closed for good */
gboolean
nvr_index_run_finish(NvrIndex *self, gint64 id, gint64 end_us, const gchar *end_reason,
		     gint64 frames, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);

	stmt = nvr_index_prepare(self,
				 "UPDATE runs SET end_us = :end_us, end_reason = :end_reason, "
				 "frames = :frames WHERE id = :id AND end_us IS NULL",
				 error);
	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":end_us", end_us, error) ||
	    !nvr_index_bind_text(stmt, ":end_reason", end_reason, error) ||
	    !nvr_index_bind_int64(stmt, ":frames", frames, error) ||
	    !nvr_index_bind_int64(stmt, ":id", id, error))
		return FALSE;
	return nvr_index_step_changed(self, stmt, "open run", error);
}

/**
 * nvr_index_run_close_open:
 * @n_closed: (out) (optional):
 *
 * Startup recovery, after the segments were recovered: runs left open by a
 * crash end where their last segment ends (or where they started, if they
 * have none), with the frames their segments hold.
 */
gboolean
nvr_index_run_close_open(NvrIndex *self, const gchar *end_reason, gint64 *n_closed, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);

	stmt = nvr_index_prepare(
		self,
		"UPDATE runs SET end_reason = :end_reason, "
		"end_us = max(start_us, coalesce((SELECT max(end_us) FROM segments "
		"  WHERE run_id = runs.id), start_us)), "
		"frames = coalesce((SELECT sum(frames) FROM segments WHERE run_id = runs.id), 0) "
		"WHERE end_us IS NULL",
		error);
	if (stmt == NULL || !nvr_index_bind_text(stmt, ":end_reason", end_reason, error) ||
	    !nvr_index_step_done(self, stmt, error))
		return FALSE;
	if (n_closed != NULL)
		*n_closed = sqlite3_changes64(sqlite3_db_handle(stmt));
	return TRUE;
}

static gboolean
nvr_index_run_shift(NvrIndex *self, const gchar *sql, const gchar *what, gint64 id,
		    gint64 offset_us, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = nvr_index_prepare(self, sql, error);

	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":offset", offset_us, error) ||
	    !nvr_index_bind_int64(stmt, ":id", id, error))
		return FALSE;
	return nvr_index_step_changed(self, stmt, what, error);
}

static gboolean
nvr_index_run_shift_row_unlocked(NvrIndex *self, gint64 id, gint64 offset_us, gboolean sync,
				 GError **error)
{
	if (sync)
		return nvr_index_run_shift(self,
					   "UPDATE runs SET start_us = start_us + :offset, "
					   "end_us = end_us + :offset, wall_anchor_us = wall_anchor_us + :offset, "
					   "unsynced = 0 WHERE id = :id AND unsynced = 1",
					   "unsynced run", id, offset_us, error);
	return nvr_index_run_shift(self,
				   "UPDATE runs SET start_us = start_us + :offset, "
				   "end_us = end_us + :offset, wall_anchor_us = wall_anchor_us + :offset "
				   "WHERE id = :id",
				   "run", id, offset_us, error);
}

static gboolean
nvr_index_run_shift_segments_unlocked(NvrIndex *self, gint64 id, gint64 offset_us, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	/* header_start_us stays: it is what the NVRE headers say */
	stmt = nvr_index_prepare(self,
				 "UPDATE segments SET start_us = start_us + :offset, "
				 "end_us = end_us + :offset WHERE run_id = :id",
				 error);
	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":offset", offset_us, error) ||
	    !nvr_index_bind_int64(stmt, ":id", id, error))
		return FALSE;
	return nvr_index_step_done(self, stmt, error);
}

static gboolean
nvr_index_run_correct_wall_unlocked(NvrIndex *self, gint64 id, gint64 offset_us, GError **error)
{
	return nvr_index_run_shift_row_unlocked(self, id, offset_us, TRUE, error) &&
	       nvr_index_run_shift_segments_unlocked(self, id, offset_us, error);
}

/**
 * nvr_index_run_shift_wall:
 * @sync: the step of a clock synchronisation: only an unsynced run moves,
 *   and it is then synced (else %NVR_ERROR_NOT_FOUND)
 *
 * Moves the wall times of the run row alone; its segments move with
 * nvr_index_run_shift_segments(), which the writer of the segments calls
 * so that it happens in order with their inserts and updates.
 */
gboolean
nvr_index_run_shift_wall(NvrIndex *self, gint64 id, gint64 offset_us, gboolean sync, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	if (!nvr_index_run_shift_row_unlocked(self, id, offset_us, sync, error)) {
		g_prefix_error(error, "correcting run %" G_GINT64_FORMAT ": ", id);
		return FALSE;
	}
	return TRUE;
}

/* the start and end of every segment of run @id, not their header_start_us */
gboolean
nvr_index_run_shift_segments(NvrIndex *self, gint64 id, gint64 offset_us, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	if (!nvr_index_run_shift_segments_unlocked(self, id, offset_us, error)) {
		g_prefix_error(error, "correcting the segments of run %" G_GINT64_FORMAT ": ", id);
		return FALSE;
	}
	return TRUE;
}

/**
 * nvr_index_run_correct_wall:
 * @offset_us: the measured clock step, added to every wall time
 *
 * Once the clock is synchronised, corrects an unsynced run and its segments
 * in one transaction; the run is then synced.
 */
gboolean
nvr_index_run_correct_wall(NvrIndex *self, gint64 id, gint64 offset_us, GError **error)
{
	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);

	if (!nvr_index_begin(self, error))
		return FALSE;
	if (!nvr_index_run_correct_wall_unlocked(self, id, offset_us, error)) {
		nvr_index_rollback(self);
		g_prefix_error(error, "correcting run %" G_GINT64_FORMAT ": ", id);
		return FALSE;
	}
	return nvr_index_commit(self, error);
}

/* runs whose segments retention deleted are no longer part of any timeline */
gboolean
nvr_index_run_prune(NvrIndex *self, gint64 *n_deleted, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);

	stmt = nvr_index_prepare(self,
				 "DELETE FROM runs WHERE end_us IS NOT NULL AND NOT EXISTS "
				 "(SELECT 1 FROM segments WHERE run_id = runs.id)",
				 error);
	if (stmt == NULL || !nvr_index_step_done(self, stmt, error))
		return FALSE;
	if (n_deleted != NULL)
		*n_deleted = sqlite3_changes64(sqlite3_db_handle(stmt));
	return TRUE;
}
