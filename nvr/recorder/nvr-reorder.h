/*
 * nvr-reorder.h: decode times for video whose access units carry only
 * presentation times. RTP timestamps are presentation times; a camera that
 * sends B-frames sends them in decode order with timestamps that go back,
 * and neither rtph264depay/rtph265depay nor h264parse/h265parse tell a
 * decode time. With the @depth the camera reorders by, each frame gets,
 * as it comes, the presentation time @depth places before it in
 * presentation order: decode times strictly increase, never come after
 * the presentation time (composition offsets are positive: trun version
 * 0 and no edit list), and the frame durations they make are the
 * intervals between frames shown. Nothing waits: no latency. With @depth
 * 0 the decode time is the presentation time.
 *
 * @depth comes from the SPS (nvr_media_*_sps_parse max_reorder) when it
 * says; a frame that comes too late for the decode times already given
 * out is refused, and @depth grows by as many frames as it would have
 * needed, so a camera that does not say is learned from its first
 * reordered frame. The leading pictures of an open GOP (H.265 RASL after
 * a CRA) that follow the first frame after a reset are refused apart:
 * without the GOP before they cannot be decoded, and they say nothing
 * about the depth.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define NVR_REORDER_MAX_DEPTH 16

typedef struct _NvrReorder NvrReorder;

typedef enum {
	NVR_REORDER_OK,
	NVR_REORDER_LATE,    /* too late for the decode times given out */
	NVR_REORDER_LEADING, /* shown before the first frame, right after it: an open GOP's
			      * leading pictures, which need the GOP before */
} NvrReorderResult;

NvrReorder *
nvr_reorder_new(void);
void
nvr_reorder_free(NvrReorder *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrReorder, nvr_reorder_free)

void
nvr_reorder_set_depth(NvrReorder *self, guint depth);
guint
nvr_reorder_get_depth(NvrReorder *self);
NvrReorderResult
nvr_reorder_push(NvrReorder *self, GstClockTime pts, GstClockTime *dts);
void
nvr_reorder_reset(NvrReorder *self);

G_END_DECLS
