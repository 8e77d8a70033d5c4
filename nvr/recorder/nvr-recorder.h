/*
 * nvr-recorder.h: one recorded camera stream, end to end: NvrIngest (RTSP
 * to timed access units) -> NvrMediaSegmenter (init segments, one fragment
 * per GOP) -> NvrStoreWriter (NVRE files and index rows, on its own thread).
 * Runs go into the index as they start and end. Everything here runs on the
 * main context.
 */
#pragma once

#include <glib-object.h>

#include "core/nvr-clock.h"
#include "core/nvr-config.h"
#include "index/nvr-index-all.h"
#include "store/nvr-store-writer.h"

G_BEGIN_DECLS

typedef struct {
	guint64 frames_received; /* video access units from the camera */
	guint64 frames_stored;	 /* video samples in fragments handed to the writer */
	guint64 segments;	 /* segments begun */
	guint runs;
} NvrRecorderStats;

#define NVR_TYPE_RECORDER (nvr_recorder_get_type())
G_DECLARE_FINAL_TYPE(NvrRecorder, nvr_recorder, NVR, RECORDER, GObject)

NvrRecorder *
nvr_recorder_new(NvrIndex *index,
		 NvrStoreWriter *writer,
		 const NvrIndexCamera *camera,
		 NvrIndexStream stream,
		 const gchar *password,
		 NvrClock *clock,
		 NvrConfig *config,
		 GError **error) G_GNUC_WARN_UNUSED_RESULT;
void
nvr_recorder_start(NvrRecorder *self);
void
nvr_recorder_stop(NvrRecorder *self);
const gchar *
nvr_recorder_get_state(NvrRecorder *self);
void
nvr_recorder_get_stats(NvrRecorder *self, NvrRecorderStats *stats);
void
nvr_recorder_hold_segments(NvrRecorder *self, gboolean hold);

G_END_DECLS
