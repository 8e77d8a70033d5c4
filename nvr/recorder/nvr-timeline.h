/*
 * nvr-timeline.h: wall time for the runs of one stream (DESIGN.md §4). Pure
 * logic: it reads nothing but the NvrClock it is given and the (media time,
 * arrival) pairs it is fed, so every rule is tested with a fake clock.
 *
 * Media time is 90 kHz ticks, continuous inside a run. Wall time is UTC
 * microseconds. The notes atop nvr-timeline.c explain the model.
 */
#pragma once

#include <glib-object.h>

#include "core/nvr-clock.h"

G_BEGIN_DECLS

#define NVR_TIMELINE_RATE 90000
/* the most wall time may run faster or slower than media time */
#define NVR_TIMELINE_SLEW_PPM 500
/* the anchor is the least-delayed frame of this much media time */
#define NVR_TIMELINE_ANCHOR_TICKS (5 * NVR_TIMELINE_RATE)
/* after anchoring, the slew target is the least lateness of each such window */
#define NVR_TIMELINE_TRACK_TICKS (10 * NVR_TIMELINE_RATE)
/* a change of realtime - boottime beyond this (plus what 500 ppm explains) is a step */
#define NVR_TIMELINE_STEP_US (50 * 1000)
/* media time advancing this much more than arrival time is a timestamp jump */
#define NVR_TIMELINE_JUMP_US (1 * G_USEC_PER_SEC)
/* wall time off the local clock by this much, beyond what slewing can fix */
#define NVR_TIMELINE_DIVERGENCE_US (1 * G_USEC_PER_SEC)
/* ended unsynced runs remembered for a correction; older ones stay unsynced */
#define NVR_TIMELINE_MAX_UNSYNCED_RUNS 256

typedef enum {
	NVR_TIMELINE_SPLIT_NONE = 0,
	/* immediate: the frame was refused; it belongs to a new run */
	NVR_TIMELINE_SPLIT_MEDIA_BACKWARDS,
	NVR_TIMELINE_SPLIT_MEDIA_JUMP,
	/* deferred: the frame was accepted; split at the next key frame */
	NVR_TIMELINE_SPLIT_CLOCK_STEP,
	NVR_TIMELINE_SPLIT_DRIFT,
} NvrTimelineSplit;

typedef enum {
	NVR_TIMELINE_CORRECTION_ANCHOR = 1, /* the anchor window closed on a less-delayed frame */
	NVR_TIMELINE_CORRECTION_SYNC,	    /* the clock got synchronised: the run was unsynced */
} NvrTimelineCorrectionReason;

/* add @delta_us to every wall time reported for @run before this correction;
 * wall times reported after it already include it */
typedef struct {
	guint64 run;
	gint64 delta_us;
	NvrTimelineCorrectionReason reason;
} NvrTimelineCorrection;

typedef struct {
	gint64 wall_us;		/* set when the frame was accepted */
	NvrTimelineSplit split; /* NONE, why it was refused, or a split still pending */
} NvrTimelineFrame;

#define NVR_TYPE_TIMELINE (nvr_timeline_get_type())
G_DECLARE_FINAL_TYPE(NvrTimeline, nvr_timeline, NVR, TIMELINE, GObject)

NvrTimeline *
nvr_timeline_new(NvrClock *clock);

void
nvr_timeline_start_run(NvrTimeline *self, guint64 run);
void
nvr_timeline_end_run(NvrTimeline *self);
gboolean
nvr_timeline_push(NvrTimeline *self,
		  gint64 media,
		  gint64 arrival_boottime_us,
		  NvrTimelineFrame *frame) G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_timeline_poll_sync(NvrTimeline *self);
GArray *
nvr_timeline_take_corrections(NvrTimeline *self);

gint64
nvr_timeline_get_wall_us(NvrTimeline *self, gint64 media);
gboolean
nvr_timeline_get_unsynced(NvrTimeline *self);
gboolean
nvr_timeline_get_anchored(NvrTimeline *self);
NvrTimelineSplit
nvr_timeline_get_pending_split(NvrTimeline *self);

gboolean
nvr_timeline_split_is_immediate(NvrTimelineSplit split);
const gchar *
nvr_timeline_split_to_string(NvrTimelineSplit split);
gint64
nvr_timeline_ticks_to_us(gint64 ticks);

G_END_DECLS
