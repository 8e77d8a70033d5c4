/*
 * nvr-test-loss.c: see nvr-test-loss.h.
 *
 * How the loss is measured. The cameras send in real time, so a camera that
 * was recording at the kill had been recording from its open run's start
 * until the kill (the test's CLOCK_REALTIME reading just before SIGKILL;
 * nvrd dates frames with the same clock). What survived is what the index
 * and the footage hold for that run after recovery: a finalized segment
 * ends at its stored end; an interrupted one at its start plus the media
 * time of the fragments that decrypt from it (nvrctl export, which reads
 * them); a run with no segment yet survived only as its start. The loss is
 * the kill time minus the end of what survived.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "nvr-test-loss.h"

/* nvre-v1 §5.1: each chunk carries a 16-byte tag; its plaintext size is 2^(header byte 10) */
#define LOSS_TAG_SIZE 16
#define LOSS_CHUNK_LOG2_OFFSET 10

/* the media time an interrupted segment still holds, from what decrypts of it */
static gint64
loss_interrupted_duration(NvrTestNvrd *fx, const gchar *camera, const NvrTestSegment *s, guint kill)
{
	g_autofree gchar *name = g_strdup_printf("kill%u-%s.mp4", kill, camera);
	g_autofree gchar *path = g_build_filename(fx->dir, name, NULL);
	g_autoptr(JsonObject) result = NULL;

	/* from inside its first GOP (the predecessor ends before) to its end: just this one */
	result = nvr_test_nvrd_export(fx, camera, s->start_us + 30 * 1000, s->end_us, path);
	g_assert_cmpint(json_object_get_int_member(result, "segments"), ==, 1);
	g_remove(path);
	return json_object_get_int_member(result, "duration_us");
}

/**
 * nvr_test_loss_segment_path:
 *
 * Returns: (transfer full) (nullable): the file of segment @id where the
 * index places it (its footage dir, its camera's uuid, <id>.nvre), NULL when
 * the index has no such row or the file is not there
 */
gchar *
nvr_test_loss_segment_path(NvrTestNvrd *fx, gint64 id)
{
	g_autofree gchar *db_path = g_build_filename(fx->state, "nvr.db", NULL);
	g_autofree gchar *path = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;

	g_assert_cmpint(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	g_assert_cmpint(sqlite3_prepare_v2(db,
					   "SELECT d.path, k.uuid FROM segments s "
					   "JOIN footage_dirs d ON d.id = s.footage_dir_id "
					   "JOIN cameras k ON k.id = s.camera_id WHERE s.id = ?1",
					   -1, &stmt, NULL),
			==, SQLITE_OK);
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		g_autofree gchar *name = g_strdup_printf("%" G_GINT64_FORMAT ".nvre", id);

		path = g_build_filename((const gchar *)sqlite3_column_text(stmt, 0),
					(const gchar *)sqlite3_column_text(stmt, 1), name, NULL);
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	if (path == NULL || !g_file_test(path, G_FILE_TEST_IS_REGULAR))
		return NULL;
	return g_steal_pointer(&path);
}

/* a whole chunk of segment @id on disk: the writer sizes chunks per segment, from the bit rate */
static gint64
loss_chunk_file_size(NvrTestNvrd *fx, gint64 id)
{
	g_autofree gchar *path = nvr_test_loss_segment_path(fx, id);
	g_autofree gchar *data = NULL;
	gsize len = 0;

	g_assert_nonnull(path);
	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	g_assert_cmpuint(len, >, LOSS_CHUNK_LOG2_OFFSET);
	return ((gint64)1 << (guint8)data[LOSS_CHUNK_LOG2_OFFSET]) + LOSS_TAG_SIZE;
}

/* the run @camera was recording at @kill_us, as recovery left it; NULL if none */
static const NvrTestRun *
loss_killed_run(GArray *runs, gint64 kill_us)
{
	const NvrTestRun *found = NULL;

	for (guint i = 0; i < runs->len; i++) {
		const NvrTestRun *r = &g_array_index(runs, NvrTestRun, i);
		if (r->start_us < kill_us)
			found = r;
	}
	return found;
}

/* what recovery left of the run the kill cut short; Returns: the end of what survived */
static gint64
loss_survived_until(NvrTestNvrd *fx, const gchar *camera, const NvrTestRun *run, guint kill,
		    NvrTestLossStats *stats)
{
	g_autoptr(GArray) segs = nvr_test_nvrd_segments(fx, camera);
	gint64 end = run->start_us;
	guint n = 0;

	for (guint i = 0; i < segs->len; i++) {
		const NvrTestSegment *s = &g_array_index(segs, NvrTestSegment, i);

		if (s->run_id != run->id)
			continue;
		n++;
		if (g_str_equal(s->status, "finalized")) {
			end = MAX(end, s->end_us);
			continue;
		}
		/* nothing of a killed run stays 'recording' */
		g_assert_cmpstr(s->status, ==, "interrupted");
		/* trimmed to its last whole chunk */
		g_assert_cmpint((s->file_len - s->header_len) % loss_chunk_file_size(fx, s->id), ==,
				0);
		stats->interrupted++;
		if (s->file_len == s->header_len) {
			stats->header_only++;
			continue;
		}
		end = MAX(end, s->start_us + loss_interrupted_duration(fx, camera, s, kill));
	}
	if (n == 0)
		stats->no_segment++;
	return end;
}

/**
 * nvr_test_loss_measure:
 * @kill: the kill's number, for messages and scratch file names
 * @kill_us: CLOCK_REALTIME just before the kill
 * @bound_us: the most a camera may lose
 *
 * After the restart that ran startup recovery: asserts that every camera
 * was recording at the kill, that recovery closed its run and its segments
 * as a crash, and that what it lost is in [-(a frame), @bound_us]; adds
 * the figures to @stats.
 */
void
nvr_test_loss_measure(NvrTestNvrd *fx, guint kill, gint64 kill_us, gint64 bound_us,
		      NvrTestLossStats *stats)
{
	for (guint c = 1; c <= fx->n_cameras; c++) {
		g_autofree gchar *camera = g_strdup_printf("c%u", c);
		g_autoptr(GArray) runs = nvr_test_nvrd_runs(fx, camera);
		const NvrTestRun *run = loss_killed_run(runs, kill_us);
		gint64 survived, loss;

		/* every camera was recording: the test waited for it before the kill */
		g_assert_nonnull(run);
		g_assert_cmpstr(run->end_reason, ==, "crash");
		g_assert_cmpint(run->end_us, >=, run->start_us);
		survived = loss_survived_until(fx, camera, run, kill, stats);
		loss = kill_us - survived;
		g_test_message("kill %u %s: run %" G_GINT64_FORMAT " of %.2f s, lost %.2f s", kill,
			       camera, run->id, (kill_us - run->start_us) / 1e6, loss / 1e6);
		/* nothing survives that came after the kill (a frame lasts 1/15 s past its arrival)
		 */
		g_assert_cmpint(loss, >=, -(NVR_TEST_LOSS_FRAME_US + 50 * 1000));
		g_assert_cmpint(loss, <=, bound_us);
		stats->max_loss_us = MAX(stats->max_loss_us, loss);
		stats->sum_loss_us += loss;
		stats->n_losses++;
	}
}

/* Returns: (transfer full): @stats in words, for the test's last message */
gchar *
nvr_test_loss_describe(const NvrTestLossStats *stats)
{
	return g_strdup_printf("loss per camera at most %.2f s, mean %.2f s; %u segments "
			       "interrupted, %u of them header only, %u runs without a segment",
			       stats->max_loss_us / 1e6,
			       stats->sum_loss_us / 1e6 / MAX(stats->n_losses, 1),
			       stats->interrupted, stats->header_only, stats->no_segment);
}
