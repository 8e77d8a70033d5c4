/*
 * nvr-retention-reopen.h: when a camera stream whose segment a write error
 * ended may begin a new one. The store writer reports the failure and,
 * later, the first durable write after it; the retention runner reports
 * each run. In between the stream is held (its recorder begins no segment)
 * and released:
 *
 *   - at once after the run, when the run left room on the footage disk
 *     (NVR_RETENTION_REOPEN_ROOM_BYTES) and it was the stream's first
 *     failure since it last wrote: a full disk retention made room on
 *   - else after a backoff, from min_ms doubling to max_ms per failure in
 *     a row (jittered, so that cameras spread), or as soon as a later run
 *     finds room again: a disk full of other data, a dead disk
 *
 * "disk full" is the state of some stream failing for lack of space while
 * retention leaves no room; it is shown in /api/health. Warnings come once
 * per state change, per stream and for the disk, never per retry.
 *
 * Main context only.
 */
#pragma once

#include "nvr-retention.h"

G_BEGIN_DECLS

/* nvrd's backoff: a camera on a disk with no room tries again 1 s, 2 s, ... 30 s apart */
#define NVR_RETENTION_REOPEN_MIN_MS 1000
#define NVR_RETENTION_REOPEN_MAX_MS 30000

/* what a segment needs to be worth trying: its header and first chunks */
#define NVR_RETENTION_REOPEN_ROOM_BYTES (G_GUINT64_CONSTANT(1) << 20)

typedef struct _NvrRetentionReopen NvrRetentionReopen;

/* @hold: %TRUE: begin no segment; %FALSE: begin one now (at the next key frame) */
typedef void (*NvrRetentionReopenFunc)(gint64 camera_id, NvrIndexStream stream, gboolean hold,
				       gpointer user_data);

NvrRetentionReopen *
nvr_retention_reopen_new(guint min_ms, guint max_ms, NvrRetentionReopenFunc func,
			 gpointer user_data);
void
nvr_retention_reopen_free(NvrRetentionReopen *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrRetentionReopen, nvr_retention_reopen_free)

/* the writer ended @stream's segment on @error; @name: (nullable): for the log */
void
nvr_retention_reopen_failed(NvrRetentionReopen *self, gint64 camera_id, NvrIndexStream stream,
			    const gchar *name, const GError *error);
/* the writer wrote @stream durably again */
void
nvr_retention_reopen_resumed(NvrRetentionReopen *self, gint64 camera_id, NvrIndexStream stream);
/* a retention run ended; @error: its failure, or %NULL */
void
nvr_retention_reopen_ran(NvrRetentionReopen *self, const NvrRetentionResult *result,
			 const GError *error);
/* the camera is gone: no more callbacks for it */
void
nvr_retention_reopen_forget(NvrRetentionReopen *self, gint64 camera_id);
gboolean
nvr_retention_reopen_get_disk_full(NvrRetentionReopen *self);

G_END_DECLS
