/*
 * nvr-retention-plan.h: which segments to delete, decided from numbers
 * alone (no I/O, no keys), so every rule can be tested exhaustively. The
 * executor (nvr-retention.c) turns a plan into tombstones and unlinks.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
	gint64 segment_id;
	gint64 camera_id;
	gint64 start_us;
	gint64 end_us;
	guint64 bytes;	    /* on disk */
	gboolean in_use;    /* a reader holds it open: delete after release */
} NvrRetentionSegment;

typedef struct {
	gint64 camera_id;
	guint64 budget_bytes; /* 0: no per-camera budget */
	gint64 max_age_us;    /* 0: no age limit */
	guint64 inflight_bytes; /* open segments still growing */
	/* stored bytes of this camera not among the segments passed in: the
	 * executor passes only a window of the oldest, not a year of rows */
	guint64 outside_bytes;
} NvrRetentionCamera;

typedef struct {
	gint64 now_us;
	guint64 free_bytes;	      /* on the footage file system now */
	guint64 floor_bytes;	      /* keep at least this much free */
	guint64 pending_delete_bytes; /* already planned, not yet unlinked */
	guint64 inflight_bytes;	      /* written soon by all open segments */
} NvrRetentionDisk;

typedef enum {
	NVR_RETENTION_REASON_AGE = 1,
	NVR_RETENTION_REASON_BUDGET,
	NVR_RETENTION_REASON_FREE_SPACE,
} NvrRetentionReason;

typedef struct {
	gint64 segment_id;
	NvrRetentionReason reason;
	gboolean deferred; /* in use: delete when the reader releases it */
} NvrRetentionAction;

GArray *
nvr_retention_plan(const NvrRetentionSegment *segments,
		   guint n_segments,
		   const NvrRetentionCamera *cameras,
		   guint n_cameras,
		   const NvrRetentionDisk *disk);
const gchar *
nvr_retention_reason_to_string(NvrRetentionReason reason);

G_END_DECLS
