/*
 * notes on the timeline
 *
 * One NvrTimeline per stream; its owner (NvrIngest) starts and ends runs and
 * pushes every video access unit of a run as (media ticks, arrival boottime).
 *
 *   IDLE --start_run--> STARTING --first push--> ANCHORING --window full--> TRACKING
 *     ^                                                                       |
 *     +--------------------------------end_run-------------------------------+
 *
 * model: wall(m) = wall_anchor + ticks_to_us(m - media_anchor) + slew
 *
 *   anchoring: frames arrive late, never early, so for each frame
 *   arrival_wall - ticks_to_us(m - media_anchor) is an upper bound of the
 *   anchor; the least of them over ANCHOR_TICKS of media time is the best.
 *   While the window is open every frame is reported against the first
 *   frame's anchor; when it closes, one ANCHOR correction moves all of them.
 *
 *   tracking: the least lateness (arrival_wall - wall(m) without slew) of
 *   each TRACK_TICKS window becomes the slew target; slew moves toward it by
 *   at most 500 ppm of the media time that passed (1 us per 180 ticks).
 *
 *   arrival_wall = arrival boottime + offset_model, where offset_model is
 *   realtime - boottime, following its slow changes (NTP slewing) but never
 *   a step.
 *
 * splits, decided here, carried out by the owner
 *   media-backwards  media time did not increase               immediate
 *   media-jump       media advanced > JUMP_US more than arrival immediate
 *   clock-step       realtime - boottime changed by > STEP_US    next key frame
 *   drift            wall(m) and the local clock disagree by
 *                    > DIVERGENCE_US although slewing             next key frame
 *   Deferred splits keep the old model until the owner splits, so no frame
 *   is lost and nothing is smeared: a run is consistent with one clock.
 *
 * unsynced runs: a run that starts while the clock is not synchronised is
 * unsynced and remembers offset_model. When the clock reports
 * synchronised (at a push, or nvr_timeline_poll_sync()), every such run gets
 * a SYNC correction of offset_now - its offset_model; the current run
 * takes it into its model and continues, which also cancels a clock-step
 * split pending on it: its media time is continuous, so the measured step
 * corrects it exactly.
 *
 * invariants
 *   (1) within a run, after corrections, reported wall times strictly increase
 *   (2) between two tracked frames |slew change| <= (ticks + carry) / 180 us
 *   (3) media time only in integer ticks; conversion rounds down, from the
 *       anchor each time, so rounding never accumulates
 *   (4) an ANCHOR correction is never positive: the anchor only moves earlier
 */
#include "config.h"

#include "nvr-timeline.h"

/* ticks per microsecond of slew allowed: 90000 / (500e-6 * 1e6) */
#define NVR_TIMELINE_TICKS_PER_SLEW_US (NVR_TIMELINE_RATE / NVR_TIMELINE_SLEW_PPM)

typedef enum {
	NVR_TIMELINE_IDLE,
	NVR_TIMELINE_STARTING,
	NVR_TIMELINE_ANCHORING,
	NVR_TIMELINE_TRACKING,
} NvrTimelineState;

typedef struct {
	guint64 run;
	gint64 offset_us;
} NvrTimelineUnsyncedRun;

/* every field: the owner's thread only (the main context of the ingest) */
struct _NvrTimeline {
	GObject parent_instance;
	NvrClock *clock; /* immutable */
	NvrTimelineState state;
	guint64 run;
	gboolean unsynced;
	gint64 media_anchor;
	gint64 wall_anchor_us;	     /* the model's anchor */
	gint64 wall_anchor_first_us; /* what frames in the anchor window are reported with */
	gint64 slew_us;
	gint64 slew_carry; /* ticks not yet turned into slew allowance */
	gint64 target_slew_us;
	gint64 window_start; /* media */
	gint64 window_min_us;
	gint64 last_media;
	gint64 last_arrival_us;
	gint64 offset_model_us;
	gint64 offset_last_us;
	gint64 offset_last_boot_us;
	gboolean have_offset;
	NvrTimelineSplit pending;
	GArray *unsynced_runs; /* NvrTimelineUnsyncedRun: ended, awaiting the clock */
	GArray *corrections;   /* NvrTimelineCorrection, until taken */
};

G_DEFINE_TYPE(NvrTimeline, nvr_timeline, G_TYPE_OBJECT)

/* floor division, so that conversion is monotonic across zero too */
gint64
nvr_timeline_ticks_to_us(gint64 ticks)
{
	gint64 n = ticks * 100;

	return n >= 0 ? n / 9 : -((-n + 8) / 9);
}

gboolean
nvr_timeline_split_is_immediate(NvrTimelineSplit split)
{
	return split == NVR_TIMELINE_SPLIT_MEDIA_BACKWARDS || split == NVR_TIMELINE_SPLIT_MEDIA_JUMP;
}

/* the strings are the index's runs.end_reason values */
const gchar *
nvr_timeline_split_to_string(NvrTimelineSplit split)
{
	switch (split) {
	case NVR_TIMELINE_SPLIT_NONE:
		return "none";
	case NVR_TIMELINE_SPLIT_MEDIA_BACKWARDS:
		return "media-backwards";
	case NVR_TIMELINE_SPLIT_MEDIA_JUMP:
		return "media-jump";
	case NVR_TIMELINE_SPLIT_CLOCK_STEP:
		return "clock-step";
	case NVR_TIMELINE_SPLIT_DRIFT:
		return "drift";
	}
	return "unknown";
}

static void
nvr_timeline_add_correction(NvrTimeline *self,
			    guint64 run,
			    gint64 delta_us,
			    NvrTimelineCorrectionReason reason)
{
	NvrTimelineCorrection c = {.run = run, .delta_us = delta_us, .reason = reason};

	g_array_append_val(self->corrections, c);
}

static gint64
nvr_timeline_model_us(NvrTimeline *self, gint64 media)
{
	return self->wall_anchor_us + nvr_timeline_ticks_to_us(media - self->media_anchor) +
	       self->slew_us;
}

gint64
nvr_timeline_get_wall_us(NvrTimeline *self, gint64 media)
{
	g_return_val_if_fail(NVR_IS_TIMELINE(self), 0);
	if (self->state == NVR_TIMELINE_ANCHORING)
		return self->wall_anchor_first_us +
		       nvr_timeline_ticks_to_us(media - self->media_anchor);
	return nvr_timeline_model_us(self, media);
}

void
nvr_timeline_start_run(NvrTimeline *self, guint64 run)
{
	g_return_if_fail(NVR_IS_TIMELINE(self));
	if (self->state != NVR_TIMELINE_IDLE)
		nvr_timeline_end_run(self);
	self->run = run;
	self->state = NVR_TIMELINE_STARTING;
	self->pending = NVR_TIMELINE_SPLIT_NONE;
	self->slew_us = 0;
	self->slew_carry = 0;
	self->target_slew_us = 0;
}

static void
nvr_timeline_close_anchor(NvrTimeline *self, gint64 media)
{
	gint64 delta = self->wall_anchor_us - self->wall_anchor_first_us;

	if (delta != 0)
		nvr_timeline_add_correction(self, self->run, delta, NVR_TIMELINE_CORRECTION_ANCHOR);
	self->wall_anchor_first_us = self->wall_anchor_us;
	self->state = NVR_TIMELINE_TRACKING;
	self->window_start = media;
	self->window_min_us = G_MAXINT64;
}

void
nvr_timeline_end_run(NvrTimeline *self)
{
	g_return_if_fail(NVR_IS_TIMELINE(self));
	if (self->state == NVR_TIMELINE_ANCHORING)
		nvr_timeline_close_anchor(self, self->last_media);
	if (self->state != NVR_TIMELINE_STARTING && self->state != NVR_TIMELINE_IDLE &&
	    self->unsynced) {
		NvrTimelineUnsyncedRun u = {.run = self->run, .offset_us = self->offset_model_us};

		if (self->unsynced_runs->len >= NVR_TIMELINE_MAX_UNSYNCED_RUNS)
			g_array_remove_index(self->unsynced_runs, 0);
		g_array_append_val(self->unsynced_runs, u);
	}
	self->state = NVR_TIMELINE_IDLE;
	self->unsynced = FALSE;
	self->pending = NVR_TIMELINE_SPLIT_NONE;
}

/* every unsynced run gets the offset change since it was anchored */
static void
nvr_timeline_apply_sync(NvrTimeline *self, gint64 offset_now)
{
	for (guint i = 0; i < self->unsynced_runs->len; i++) {
		NvrTimelineUnsyncedRun *u =
		    &g_array_index(self->unsynced_runs, NvrTimelineUnsyncedRun, i);
		nvr_timeline_add_correction(self,
					    u->run,
					    offset_now - u->offset_us,
					    NVR_TIMELINE_CORRECTION_SYNC);
	}
	g_array_set_size(self->unsynced_runs, 0);
	/* the step that came with the sync is explained: when a poll applies it
	 * between frames, the next push must not see it as a step again */
	if (self->have_offset)
		self->offset_last_us = offset_now;
	if (self->state != NVR_TIMELINE_IDLE && self->state != NVR_TIMELINE_STARTING &&
	    self->unsynced) {
		gint64 delta = offset_now - self->offset_model_us;

		nvr_timeline_add_correction(self, self->run, delta, NVR_TIMELINE_CORRECTION_SYNC);
		self->wall_anchor_us += delta;
		self->wall_anchor_first_us += delta;
		self->offset_model_us = offset_now;
		self->unsynced = FALSE;
		/* the correction is exact; a split would only lose a GOP */
		if (self->pending == NVR_TIMELINE_SPLIT_CLOCK_STEP)
			self->pending = NVR_TIMELINE_SPLIT_NONE;
	}
}

gboolean
nvr_timeline_poll_sync(NvrTimeline *self)
{
	gboolean waiting;

	g_return_val_if_fail(NVR_IS_TIMELINE(self), FALSE);
	waiting = self->unsynced_runs->len > 0 || self->unsynced;
	if (waiting && nvr_clock_is_synchronized(self->clock))
		nvr_timeline_apply_sync(self, nvr_clock_get_offset_us(self->clock));
	return self->corrections->len > 0;
}

/* TRUE when realtime - boottime moved more than slewing explains since the last look */
static gboolean
nvr_timeline_observe_offset(NvrTimeline *self, gint64 offset_now, gint64 boot_us)
{
	gboolean step = FALSE;

	if (self->have_offset) {
		gint64 elapsed = ABS(boot_us - self->offset_last_boot_us);
		gint64 allowed = NVR_TIMELINE_STEP_US + elapsed / (1000000 / NVR_TIMELINE_SLEW_PPM);
		step = ABS(offset_now - self->offset_last_us) > allowed;
	}
	self->offset_last_us = offset_now;
	self->offset_last_boot_us = boot_us;
	self->have_offset = TRUE;
	return step;
}

static void
nvr_timeline_begin(NvrTimeline *self, gint64 media, gint64 arrival_us, gint64 offset_now)
{
	self->state = NVR_TIMELINE_ANCHORING;
	self->unsynced = !nvr_clock_is_synchronized(self->clock);
	self->offset_model_us = offset_now;
	self->media_anchor = media;
	self->wall_anchor_us = arrival_us + offset_now;
	self->wall_anchor_first_us = self->wall_anchor_us;
	self->last_media = media;
	self->last_arrival_us = arrival_us;
}

static void
nvr_timeline_anchor(NvrTimeline *self, gint64 media, gint64 arrival_us)
{
	gint64 candidate = arrival_us + self->offset_model_us -
			   nvr_timeline_ticks_to_us(media - self->media_anchor);

	self->wall_anchor_us = MIN(self->wall_anchor_us, candidate);
	if (media - self->media_anchor >= NVR_TIMELINE_ANCHOR_TICKS)
		nvr_timeline_close_anchor(self, media);
}

static void
nvr_timeline_track(NvrTimeline *self, gint64 media, gint64 dm, gint64 arrival_us)
{
	gint64 lateness = arrival_us + self->offset_model_us - self->wall_anchor_us -
			  nvr_timeline_ticks_to_us(media - self->media_anchor);
	gint64 allowance;

	self->window_min_us = MIN(self->window_min_us, lateness);
	if (media - self->window_start >= NVR_TIMELINE_TRACK_TICKS) {
		self->target_slew_us = self->window_min_us;
		self->window_start = media;
		self->window_min_us = G_MAXINT64;
	}
	allowance = (dm + self->slew_carry) / NVR_TIMELINE_TICKS_PER_SLEW_US;
	self->slew_carry = (dm + self->slew_carry) % NVR_TIMELINE_TICKS_PER_SLEW_US;
	self->slew_us += CLAMP(self->target_slew_us - self->slew_us, -allowance, allowance);
}

/* wall time and the local clock disagree by more than slewing can mend */
static gboolean
nvr_timeline_diverged(NvrTimeline *self, gint64 media, gint64 arrival_us)
{
	gint64 lateness = arrival_us + self->offset_model_us - nvr_timeline_model_us(self, media);

	if (self->state != NVR_TIMELINE_TRACKING)
		return FALSE;
	/* a frame cannot arrive before it was captured */
	if (lateness < -NVR_TIMELINE_DIVERGENCE_US)
		return TRUE;
	/* frames late by more than this for a whole window */
	return self->target_slew_us - self->slew_us > NVR_TIMELINE_DIVERGENCE_US;
}

static NvrTimelineSplit
nvr_timeline_check_media(NvrTimeline *self, gint64 media, gint64 arrival_us)
{
	gint64 dm = media - self->last_media;

	if (dm <= 0)
		return NVR_TIMELINE_SPLIT_MEDIA_BACKWARDS;
	if (nvr_timeline_ticks_to_us(dm) - (arrival_us - self->last_arrival_us) >
	    NVR_TIMELINE_JUMP_US)
		return NVR_TIMELINE_SPLIT_MEDIA_JUMP;
	return NVR_TIMELINE_SPLIT_NONE;
}

/**
 * nvr_timeline_push:
 * @media: the frame's media time, 90 kHz ticks
 * @arrival_boottime_us: CLOCK_BOOTTIME when it arrived
 *
 * Returns: FALSE when the frame does not belong to the current run
 * (@frame->split says why): end the run, start another, push it again.
 * When TRUE, @frame->wall_us is its wall time and @frame->split a split
 * that the owner should make at the next key frame.
 */
gboolean
nvr_timeline_push(NvrTimeline *self, gint64 media, gint64 arrival_boottime_us, NvrTimelineFrame *frame)
{
	gint64 offset_now;
	gboolean step;
	NvrTimelineSplit refused;

	g_return_val_if_fail(NVR_IS_TIMELINE(self), FALSE);
	g_return_val_if_fail(self->state != NVR_TIMELINE_IDLE, FALSE);
	g_return_val_if_fail(frame != NULL, FALSE);

	offset_now = nvr_clock_get_offset_us(self->clock);
	step = nvr_timeline_observe_offset(self, offset_now, arrival_boottime_us);
	if (self->state == NVR_TIMELINE_STARTING) {
		nvr_timeline_begin(self, media, arrival_boottime_us, offset_now);
		if (self->unsynced || self->unsynced_runs->len > 0)
			nvr_timeline_poll_sync(self);
		frame->wall_us = self->wall_anchor_us;
		frame->split = NVR_TIMELINE_SPLIT_NONE;
		return TRUE;
	}
	refused = nvr_timeline_check_media(self, media, arrival_boottime_us);
	if (refused != NVR_TIMELINE_SPLIT_NONE) {
		frame->wall_us = 0;
		frame->split = refused;
		return FALSE;
	}
	if (step && self->pending == NVR_TIMELINE_SPLIT_NONE)
		self->pending = NVR_TIMELINE_SPLIT_CLOCK_STEP;
	else if (!step && self->pending == NVR_TIMELINE_SPLIT_NONE)
		self->offset_model_us = offset_now; /* follow NTP's slewing */
	if (self->unsynced || self->unsynced_runs->len > 0)
		nvr_timeline_poll_sync(self);

	if (self->state == NVR_TIMELINE_ANCHORING) {
		nvr_timeline_anchor(self, media, arrival_boottime_us);
	} else {
		nvr_timeline_track(self, media, media - self->last_media, arrival_boottime_us);
		if (self->pending == NVR_TIMELINE_SPLIT_NONE &&
		    nvr_timeline_diverged(self, media, arrival_boottime_us))
			self->pending = NVR_TIMELINE_SPLIT_DRIFT;
	}
	self->last_media = media;
	self->last_arrival_us = arrival_boottime_us;
	frame->wall_us = nvr_timeline_get_wall_us(self, media);
	frame->split = self->pending;
	return TRUE;
}

/* Returns: (transfer full) (nullable): NvrTimelineCorrection, oldest first */
GArray *
nvr_timeline_take_corrections(NvrTimeline *self)
{
	GArray *taken;

	g_return_val_if_fail(NVR_IS_TIMELINE(self), NULL);
	if (self->corrections->len == 0)
		return NULL;
	taken = self->corrections;
	self->corrections = g_array_new(FALSE, FALSE, sizeof(NvrTimelineCorrection));
	return taken;
}

gboolean
nvr_timeline_get_unsynced(NvrTimeline *self)
{
	g_return_val_if_fail(NVR_IS_TIMELINE(self), FALSE);
	return self->unsynced;
}

gboolean
nvr_timeline_get_anchored(NvrTimeline *self)
{
	g_return_val_if_fail(NVR_IS_TIMELINE(self), FALSE);
	return self->state == NVR_TIMELINE_TRACKING;
}

NvrTimelineSplit
nvr_timeline_get_pending_split(NvrTimeline *self)
{
	g_return_val_if_fail(NVR_IS_TIMELINE(self), NVR_TIMELINE_SPLIT_NONE);
	return self->pending;
}

static void
nvr_timeline_finalize(GObject *object)
{
	NvrTimeline *self = NVR_TIMELINE(object);

	g_clear_object(&self->clock);
	g_array_unref(self->unsynced_runs);
	g_array_unref(self->corrections);
	G_OBJECT_CLASS(nvr_timeline_parent_class)->finalize(object);
}

static void
nvr_timeline_class_init(NvrTimelineClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_timeline_finalize;
}

static void
nvr_timeline_init(NvrTimeline *self)
{
	self->unsynced_runs = g_array_new(FALSE, FALSE, sizeof(NvrTimelineUnsyncedRun));
	self->corrections = g_array_new(FALSE, FALSE, sizeof(NvrTimelineCorrection));
}

/**
 * nvr_timeline_new:
 * @clock: where realtime, boottime and the synchronised state come from
 *
 * Returns: (transfer full): a timeline with no run
 */
NvrTimeline *
nvr_timeline_new(NvrClock *clock)
{
	NvrTimeline *self;

	g_return_val_if_fail(NVR_IS_CLOCK(clock), NULL);
	self = g_object_new(NVR_TYPE_TIMELINE, NULL);
	self->clock = g_object_ref(clock);
	return self;
}
