/*
 * nvr-index-run.h: runs. A run is one connection of one stream of a camera
 * (DESIGN.md §3, §4): media time is continuous inside it, and the gaps
 * between runs are the real gaps of the timeline. Wall time follows from
 * the anchors: wall = wall_anchor_us + (media - media_anchor) / 90 kHz.
 *
 * A run recorded before the clock was synchronised is 'unsynced'; once the
 * step is measured, nvr_index_run_correct_wall() shifts the run and its
 * segments by it. The segments keep header_start_us, the start time their
 * NVRE headers carry, which readers check. A run's first seconds date it
 * provisionally until its timeline anchors; that correction moves the run
 * and its segments the same way (nvr_index_run_shift_wall() and
 * nvr_index_run_shift_segments()) but leaves it unsynced.
 */
#pragma once

#include "nvr-index.h"

G_BEGIN_DECLS

typedef struct {
	gint64 id;
	gint64 camera_id;
	NvrIndexStream stream;
	gint64 start_us;     /* wall, UTC */
	gint64 end_us;	     /* 0 while the run is open */
	gint64 media_anchor; /* 90 kHz media time at wall_anchor_us */
	gint64 wall_anchor_us;
	gboolean unsynced; /* wall times still await the clock's correction */
	gchar *end_reason; /* nullable: "eos", "watchdog", "clock-step", "crash" ... */
	gint64 frames;
} NvrIndexRun;

void
nvr_index_run_free(NvrIndexRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrIndexRun, nvr_index_run_free)

gboolean
nvr_index_run_insert(NvrIndex *self, NvrIndexRun *run, GError **error) G_GNUC_WARN_UNUSED_RESULT;
NvrIndexRun *
nvr_index_run_load(NvrIndex *self, gint64 id, GError **error);
GPtrArray *
nvr_index_run_list_span(
	NvrIndex *self, gint64 camera_id, gint64 start_us, gint64 end_us, GError **error);
GPtrArray *
nvr_index_run_list_unsynced(NvrIndex *self, GError **error);
gboolean
nvr_index_run_finish(NvrIndex *self,
		     gint64 id,
		     gint64 end_us,
		     const gchar *end_reason,
		     gint64 frames,
		     GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_index_run_close_open(NvrIndex *self, const gchar *end_reason, gint64 *n_closed, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_index_run_correct_wall(NvrIndex *self, gint64 id, gint64 offset_us, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_index_run_shift_wall(NvrIndex *self, gint64 id, gint64 offset_us, gboolean sync, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_index_run_shift_segments(NvrIndex *self, gint64 id, gint64 offset_us, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_index_run_prune(NvrIndex *self, gint64 *n_deleted, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
