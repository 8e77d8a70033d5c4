/*
 * notes on the reorder (see nvr-reorder.h for what it is for)
 *
 *   decode order:        I0  P3  B1  B2  P6  B4  B5      depth 1
 *   presentation (pts):  0   3   1   2   6   4   5
 *   decode time (dts):   0-  0   1   2   3   4   5       the pts one place
 *                                                        earlier, sorted
 *
 *   pending holds the presentation times not yet given out as decode
 *   times. Each frame adds its own; once more than @depth are pending,
 *   the least leaves as the frame's decode time. By frame i (decode
 *   order), every frame shown at place i - depth or earlier has come
 *   (none is reordered by more than @depth), so the least pending time is
 *   exactly the (i - depth)-th presentation time: at most the frame's
 *   own, since it is pending too.
 *
 *   start: the first @depth frames after a reset have no earlier
 *   presentation time to take; they decode 1 ms apart, ending 1 ms
 *   before the least time pending. A reset is due at a key frame (the
 *   ingest resets at the first of each run): in a closed GOP nothing
 *   after it is shown before it, so no later decode time is smaller.
 *
 *   late: a frame shown at or before the last decode time given out would
 *   break (1); it is refused. Depth grows by the number of decode times
 *   given out after its pts (recent[]): had it been that much deeper,
 *   those would have been smaller. Not for a repeated time, nor for one
 *   before all the recent decode times (a camera's clock stepping back):
 *   depth would not help.
 *
 *   leading: frames shown before the first frame since the reset, while
 *   none shown after it has come yet, are an open GOP's leading pictures
 *   (RASL after a CRA): refused as LEADING, not LATE, and nothing grows.
 *   Once a later frame has come, one shown before the first is LATE like
 *   any other (a camera's time stepping back ends the run).
 *
 * Times are kept relative to the first pts since the reset, as signed
 * differences: a source's times may wrap below its origin (nvrrtspsrc,
 * rtpjitterbuffer), and the decode times wrap back the same.
 *
 * invariants
 *   (1) decode times given out strictly increase until a reset
 *   (2) a decode time is never after its frame's presentation time
 *   (3) depth <= NVR_REORDER_MAX_DEPTH; pending holds at most depth + 1
 */
#include "config.h"

#include "nvr-reorder.h"

#define NVR_REORDER_START_STEP (GST_MSECOND)

struct _NvrReorder {
	guint depth;
	GArray *pending; /* gint64, ascending */
	gboolean have_base;
	GstClockTime base; /* the first pts since the reset; 0 in relative time */
	gboolean have_last;
	gboolean trailing; /* a frame shown after the first has come */
	gint64 last_dts;
	gint64 recent[NVR_REORDER_MAX_DEPTH]; /* the last decode times given out, a ring */
	guint n_recent;
	guint recent_pos;
};

NvrReorder *
nvr_reorder_new(void)
{
	NvrReorder *self = g_new0(NvrReorder, 1);

	self->pending = g_array_new(FALSE, FALSE, sizeof(gint64));
	return self;
}

/* a new stream: nothing pending, nothing given out; the depth stays */
void
nvr_reorder_reset(NvrReorder *self)
{
	g_array_set_size(self->pending, 0);
	self->have_base = FALSE;
	self->have_last = FALSE;
	self->trailing = FALSE;
	self->n_recent = 0;
	self->recent_pos = 0;
}

void
nvr_reorder_free(NvrReorder *self)
{
	if (self == NULL)
		return;
	g_array_unref(self->pending);
	g_free(self);
}

void
nvr_reorder_set_depth(NvrReorder *self, guint depth)
{
	self->depth = MIN(depth, NVR_REORDER_MAX_DEPTH);
}

guint
nvr_reorder_get_depth(NvrReorder *self)
{
	return self->depth;
}

/* a late frame: how many decode times already given out it should have
 * preceded; 0 when it precedes all of them: a step back, not reordering */
static guint
nvr_reorder_count_after(NvrReorder *self, gint64 rel)
{
	guint n = 0;

	for (guint i = 0; i < self->n_recent; i++)
		n += self->recent[i] > rel;
	return n < self->n_recent ? n : 0;
}

static void
nvr_reorder_insert(NvrReorder *self, gint64 rel)
{
	guint i = self->pending->len;

	while (i > 0 && g_array_index(self->pending, gint64, i - 1) > rel)
		i--;
	g_array_insert_val(self->pending, i, rel);
}

/* the next decode time (relative), pending already holding the frame's pts */
static gint64
nvr_reorder_take(NvrReorder *self)
{
	gint64 rel = g_array_index(self->pending, gint64, 0);

	if (self->pending->len > self->depth) {
		g_array_remove_index(self->pending, 0);
		return rel;
	}
	/* start: the n-th of the first @depth frames (n = pending - 1); after
	 * the depth grew, still after the last one given out */
	rel -= (gint64)(self->depth + 1 - self->pending->len) * NVR_REORDER_START_STEP;
	return self->have_last ? MAX(rel, self->last_dts + 1) : rel;
}

/**
 * nvr_reorder_push:
 * @pts: the frame's presentation time
 * @dts: (out): its decode time, when NVR_REORDER_OK
 *
 * Returns: LATE when @pts comes too late for the decode times given out
 * (the depth has grown if a deeper one would have helped), LEADING for the
 * leading pictures of the open GOP the stream began with
 */
NvrReorderResult
nvr_reorder_push(NvrReorder *self, GstClockTime pts, GstClockTime *dts)
{
	gint64 rel;

	if (!self->have_base) {
		self->base = pts;
		self->have_base = TRUE;
	}
	rel = (gint64)(pts - self->base);
	if (rel < 0 && !self->trailing)
		return NVR_REORDER_LEADING;
	if (self->have_last && rel <= self->last_dts) {
		nvr_reorder_set_depth(self, self->depth + nvr_reorder_count_after(self, rel));
		return NVR_REORDER_LATE;
	}
	self->trailing |= rel > 0;
	nvr_reorder_insert(self, rel);
	rel = nvr_reorder_take(self);
	self->last_dts = rel;
	self->have_last = TRUE;
	self->recent[self->recent_pos] = rel;
	self->recent_pos = (self->recent_pos + 1) % NVR_REORDER_MAX_DEPTH;
	self->n_recent = MIN(self->n_recent + 1, NVR_REORDER_MAX_DEPTH);
	*dts = self->base + (guint64)rel;
	return NVR_REORDER_OK;
}
