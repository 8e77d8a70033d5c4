/*
 * test-timeline.c: NvrTimeline driven by a simulated camera on a fake clock.
 * The camera captures frames at its own (possibly drifting) clock; frames
 * reach us late by a base delay plus jitter, never early and in order (as
 * over TCP). Nothing here reads the machine's clock.
 */
#include "config.h"

#include "nvr-test-common.h"
#include "recorder/nvr-timeline.h"

#define FPS 15
#define TICKS_PER_FRAME (NVR_TIMELINE_RATE / FPS)
#define GOP 30
#define REALTIME0 G_GINT64_CONSTANT(1700000000000000) /* 2023-11-14 */
#define BOOTTIME0 G_GINT64_CONSTANT(1000000000)

typedef struct {
	NvrClock *clock;
	NvrTimeline *tl;
	GRand *rand;
	gint64 ppm;	      /* camera clock fast by this much (negative: slow) */
	gint64 base_delay_us; /* the least delay a frame can have */
	gint64 jitter_us;     /* uniform extra delay 0..jitter */
	gint64 cap0_us;	      /* boottime when frame 0 was captured */
	gint64 media0;
	guint64 n;	      /* the next frame */
	gint64 last_arrival_us;
	guint64 run;
	/* the previous accepted frame, for the slew bound */
	gboolean have_prev; /* and it was reported by a tracked (anchored) model */
	gint64 prev_media;
	gint64 prev_wall;
	gint64 max_abs_error_us; /* of tracked frames, against the truth */
	guint n_drift_splits;
	gint64 last_split_media;
	gint64 min_split_gap;	  /* media ticks between drift splits */
	GArray *taken;		  /* NvrTimelineCorrection, as a writer would receive them */
} Sim;

static void
sim_init(Sim *s, gint64 ppm, gint64 base_delay_us, gint64 jitter_us, guint32 seed)
{
	memset(s, 0, sizeof(*s));
	s->clock = nvr_clock_new_fake(REALTIME0, BOOTTIME0);
	s->tl = nvr_timeline_new(s->clock);
	s->rand = g_rand_new_with_seed(seed);
	s->ppm = ppm;
	s->base_delay_us = base_delay_us;
	s->jitter_us = jitter_us;
	s->cap0_us = BOOTTIME0 + G_USEC_PER_SEC;
	s->media0 = 123456789; /* wherever the camera's RTP clock happens to be */
	s->last_arrival_us = BOOTTIME0;
	s->min_split_gap = G_MAXINT64;
	s->run = 1;
	s->taken = g_array_new(FALSE, FALSE, sizeof(NvrTimelineCorrection));
	nvr_timeline_start_run(s->tl, s->run);
}

static void
sim_clear(Sim *s)
{
	g_clear_object(&s->tl);
	g_clear_object(&s->clock);
	g_clear_pointer(&s->rand, g_rand_free);
	g_clear_pointer(&s->taken, g_array_unref);
}

/* moves what the timeline reported into @s->taken; Returns: how many */
static guint
sim_collect(Sim *s)
{
	g_autoptr(GArray) cs = nvr_timeline_take_corrections(s->tl);

	if (cs == NULL)
		return 0;
	g_array_append_vals(s->taken, cs->data, cs->len);
	return cs->len;
}

/* Returns: (transfer full): every correction since the last call, maybe none */
static GArray *
sim_take(Sim *s)
{
	GArray *taken;

	sim_collect(s);
	taken = s->taken;
	s->taken = g_array_new(FALSE, FALSE, sizeof(NvrTimelineCorrection));
	return taken;
}

static gint64
sim_media(Sim *s, guint64 n)
{
	return s->media0 + (gint64)n * TICKS_PER_FRAME;
}

/* boottime of the capture of frame @n: the camera's ticks run (1 + ppm) fast */
static gint64
sim_capture_us(Sim *s, guint64 n)
{
	gint64 ticks = (gint64)n * TICKS_PER_FRAME;

	return s->cap0_us + ticks * 100 * 1000000 / (9 * (1000000 + s->ppm));
}

/* the wall time of that capture, by the (synchronised) system clock */
static gint64
sim_truth_us(Sim *s, guint64 n)
{
	return sim_capture_us(s, n) + nvr_clock_get_offset_us(s->clock);
}

static void
sim_clock_to(Sim *s, gint64 boottime_us)
{
	gint64 now = nvr_clock_get_boottime_us(s->clock);

	if (boottime_us > now)
		nvr_clock_fake_advance(s->clock, boottime_us - now);
}

static gint64
sim_arrival(Sim *s, guint64 n, gint64 extra_delay_us)
{
	gint64 jitter = s->jitter_us > 0 ? g_rand_int_range(s->rand, 0, (gint32)s->jitter_us + 1) : 0;
	gint64 arrival = sim_capture_us(s, n) + s->base_delay_us + jitter + extra_delay_us;

	/* in order, as over TCP: a late frame holds back the ones after it */
	arrival = MAX(arrival, s->last_arrival_us);
	s->last_arrival_us = arrival;
	return arrival;
}

/* the slew bound between two accepted frames of one tracked run */
static void
sim_check_slew(Sim *s, gint64 media, gint64 wall)
{
	gboolean anchored = nvr_timeline_get_anchored(s->tl);

	/* the frame that closes the anchor window moves by the ANCHOR correction */
	if (s->have_prev && anchored) {
		gint64 dm = media - s->prev_media;
		gint64 slew = (wall - s->prev_wall) - nvr_timeline_ticks_to_us(dm);
		/* (dm + carry) / 180 with carry < 180, and 1 us of rounding */
		gint64 bound = (dm + 179) / 180 + 1;

		g_assert_cmpint(ABS(slew), <=, bound);
		g_assert_cmpint(wall, >, s->prev_wall);
	}
	s->have_prev = anchored;
	s->prev_media = media;
	s->prev_wall = wall;
}

static void
sim_new_run(Sim *s)
{
	s->run++;
	nvr_timeline_start_run(s->tl, s->run);
	s->have_prev = FALSE;
}

/* a writer moves what it stored of the current run by a SYNC correction */
static void
sim_follow_sync(Sim *s, guint before)
{
	for (guint i = before; i < s->taken->len; i++) {
		NvrTimelineCorrection *c = &g_array_index(s->taken, NvrTimelineCorrection, i);
		if (c->run == s->run && c->reason == NVR_TIMELINE_CORRECTION_SYNC)
			s->prev_wall += c->delta_us;
	}
}

/* the ingest's periodic look at the clock, between two frames */
static gboolean
sim_poll_sync(Sim *s)
{
	guint before;
	gboolean corrected;

	sim_collect(s);
	before = s->taken->len;
	corrected = nvr_timeline_poll_sync(s->tl);
	sim_collect(s);
	sim_follow_sync(s, before);
	return corrected;
}

/* one frame in; FALSE when the timeline refused it (@frame says why) */
static gboolean
sim_push(Sim *s, guint64 n, gint64 media, gint64 arrival, NvrTimelineFrame *frame)
{
	gboolean ok;
	guint before;

	sim_collect(s);
	before = s->taken->len;
	sim_clock_to(s, arrival);
	ok = nvr_timeline_push(s->tl, media, arrival, frame);
	sim_collect(s);
	sim_follow_sync(s, before);
	if (ok) {
		sim_check_slew(s, media, frame->wall_us);
		/* a frame cannot claim a capture after its arrival, beyond the divergence
		 * limit; after a clock step it keeps the old clock until the split */
		if (nvr_timeline_get_anchored(s->tl) && frame->split != NVR_TIMELINE_SPLIT_CLOCK_STEP)
			g_assert_cmpint(frame->wall_us,
					<=,
					arrival + nvr_clock_get_offset_us(s->clock) +
					    NVR_TIMELINE_DIVERGENCE_US + 100 * 1000);
	}
	return ok;
}

/* runs the camera for @frames frames; deferred splits happen at the next
 * key frame, as NvrIngest does them */
static void
sim_run(Sim *s, guint64 frames, gint64 settle_ticks)
{
	for (guint64 end = s->n + frames; s->n < end; s->n++) {
		NvrTimelineFrame f;
		gint64 media = sim_media(s, s->n);
		gboolean key = s->n % GOP == 0;

		if (key && nvr_timeline_get_pending_split(s->tl) == NVR_TIMELINE_SPLIT_DRIFT) {
			gint64 gap = media - s->last_split_media;

			if (s->n_drift_splits > 0)
				s->min_split_gap = MIN(s->min_split_gap, gap);
			s->n_drift_splits++;
			s->last_split_media = media;
			sim_new_run(s);
		}
		g_assert_true(sim_push(s, s->n, media, sim_arrival(s, s->n, 0), &f));
		g_assert_cmpint(f.split, !=, NVR_TIMELINE_SPLIT_CLOCK_STEP);
		/* the error against the truth once the model settled */
		if (nvr_timeline_get_anchored(s->tl) && media - s->media0 > settle_ticks) {
			gint64 err = f.wall_us - (sim_truth_us(s, s->n) + s->base_delay_us);
			s->max_abs_error_us = MAX(s->max_abs_error_us, ABS(err));
		}
	}
}

static void
apply_corrections(Sim *s, guint64 run, GArray *walls, NvrTimelineCorrectionReason reason)
{
	g_autoptr(GArray) cs = sim_take(s);

	for (guint i = 0; cs != NULL && i < cs->len; i++) {
		NvrTimelineCorrection *c = &g_array_index(cs, NvrTimelineCorrection, i);

		g_assert_cmpuint(c->run, ==, run);
		g_assert_cmpint(c->reason, ==, reason);
		for (guint j = 0; j < walls->len; j++)
			g_array_index(walls, gint64, j) += c->delta_us;
	}
}

/* anchor corrections only: nothing else happened */
static void
drain_anchor_corrections(Sim *s)
{
	g_autoptr(GArray) cs = sim_take(s);

	for (guint i = 0; i < cs->len; i++)
		g_assert_cmpint(g_array_index(cs, NvrTimelineCorrection, i).reason,
				==,
				NVR_TIMELINE_CORRECTION_ANCHOR);
}

/* the anchor is the least-delayed frame of the window, whichever it was */
static void
test_timeline_anchor_jitter(void)
{
	for (guint32 seed = 1; seed <= 20; seed++) {
		Sim s;
		g_autoptr(GArray) walls = g_array_new(FALSE, FALSE, sizeof(gint64));
		guint window = NVR_TIMELINE_ANCHOR_TICKS / TICKS_PER_FRAME;
		gint64 least = G_MAXINT64;
		guint64 best;

		sim_init(&s, 0, 25000, 200000, seed);
		best = g_rand_int_range(s.rand, 1, window);
		for (; s.n <= window + 10; s.n++) {
			NvrTimelineFrame f;
			gboolean provisional = !nvr_timeline_get_anchored(s.tl);
			/* 25..225 ms late, one frame 20 ms; the four before it are not
			 * held back, so neither is it */
			gint64 arrival = s.n == best ? sim_capture_us(&s, s.n) + 20000
					 : s.n + 4 >= best && s.n < best
					     ? sim_capture_us(&s, s.n) + 25000
					     : sim_arrival(&s, s.n, 0);

			s.last_arrival_us = MAX(s.last_arrival_us, arrival);
			if (s.n <= window) /* the frame that closes the window counts */
				least = MIN(least, s.last_arrival_us - sim_capture_us(&s, s.n));
			g_assert_true(sim_push(&s, s.n, sim_media(&s, s.n), s.last_arrival_us, &f));
			g_assert_cmpint(f.split, ==, NVR_TIMELINE_SPLIT_NONE);
			if (provisional && !nvr_timeline_get_anchored(s.tl))
				g_array_append_val(walls, f.wall_us);
			else /* the frame that closed the window, and those after: final */
				g_assert_cmpint(ABS(f.wall_us - (sim_truth_us(&s, s.n) + least)), <=, 1);
		}
		g_assert_cmpint(least, ==, 20000);
		g_assert_cmpuint(walls->len, ==, window);
		/* one correction moves every frame of the window onto the final anchor */
		apply_corrections(&s, 1, walls, NVR_TIMELINE_CORRECTION_ANCHOR);
		for (guint i = 0; i < walls->len; i++)
			g_assert_cmpint(ABS(g_array_index(walls, gint64, i) -
					    (sim_truth_us(&s, i) + least)),
					<=,
					1);
		sim_clear(&s);
	}
}

/* a camera that empties its buffer on connect: the first GOP arrives at once */
static void
test_timeline_anchor_burst(void)
{
	Sim s;

	sim_init(&s, 0, 30000, 10000, 7);
	for (; s.n < 300; s.n++) {
		NvrTimelineFrame f;
		gint64 arrival = s.n < GOP ? sim_capture_us(&s, GOP) + 5000 : sim_arrival(&s, s.n, 0);

		s.last_arrival_us = MAX(s.last_arrival_us, arrival);
		g_assert_true(sim_push(&s, s.n, sim_media(&s, s.n), s.last_arrival_us, &f));
	}
	g_assert_true(nvr_timeline_get_anchored(s.tl));
	/* anchored on a real-time frame (30..40 ms late), not on the burst */
	g_assert_cmpint(nvr_timeline_get_wall_us(s.tl, sim_media(&s, 0)) - sim_truth_us(&s, 0),
			>=,
			30000 - 1);
	g_assert_cmpint(nvr_timeline_get_wall_us(s.tl, sim_media(&s, 0)) - sim_truth_us(&s, 0),
			<=,
			40000);
	sim_clear(&s);
}

/* a run shorter than the anchor window still gets its final anchor */
static void
test_timeline_short_run(void)
{
	Sim s;
	g_autoptr(GArray) none = NULL;
	g_autoptr(GArray) cs = NULL;
	NvrTimelineCorrection *c;

	sim_init(&s, 0, 10000, 100000, 3);
	sim_run(&s, 20, 0);
	g_assert_false(nvr_timeline_get_anchored(s.tl));
	none = sim_take(&s);
	g_assert_cmpuint(none->len, ==, 0);
	nvr_timeline_end_run(s.tl);
	cs = sim_take(&s);
	g_assert_cmpuint(cs->len, ==, 1);
	c = &g_array_index(cs, NvrTimelineCorrection, 0);
	g_assert_cmpint(c->reason, ==, NVR_TIMELINE_CORRECTION_ANCHOR);
	g_assert_cmpint(c->delta_us, <=, 0); /* an anchor only ever moves earlier */
	sim_clear(&s);
}

static void
run_drift(gint64 ppm, guint hours, gboolean expect_splits)
{
	Sim s;
	guint64 frames = (guint64)hours * 3600 * FPS;

	sim_init(&s, ppm, 10000, 50000, 42 + (guint32)ABS(ppm));
	sim_run(&s, frames, 60 * NVR_TIMELINE_RATE);
	g_test_message("%+" G_GINT64_FORMAT " ppm, %u h: %u drift splits, least gap %" G_GINT64_FORMAT
		       " s, worst error %" G_GINT64_FORMAT " us",
		       ppm, hours, s.n_drift_splits,
		       s.min_split_gap == G_MAXINT64 ? -1 : s.min_split_gap / NVR_TIMELINE_RATE,
		       s.max_abs_error_us);
	if (!expect_splits) {
		g_assert_cmpuint(s.n_drift_splits, ==, 0);
		g_assert_cmpuint(s.run, ==, 1);
		/* a 200 ppm camera is followed to within the jitter and a window's drift */
		g_assert_cmpint(s.max_abs_error_us, <, 20000);
	} else {
		/* 1500 ppm more than slewing mends: a divergence of 1 s about every 11 min */
		gint64 expected = (gint64)hours * 3600 * (ABS(ppm) - NVR_TIMELINE_SLEW_PPM) /
				  (NVR_TIMELINE_DIVERGENCE_US);
		g_assert_cmpint(s.n_drift_splits, >=, expected - 2);
		g_assert_cmpint(s.n_drift_splits, <=, expected + 2);
		g_assert_cmpint(s.min_split_gap, >, 600 * NVR_TIMELINE_RATE);
		/* never further off than the divergence limit plus a GOP of waiting */
		g_assert_cmpint(s.max_abs_error_us, <, NVR_TIMELINE_DIVERGENCE_US + 150000);
	}
	sim_clear(&s);
}

static void
test_timeline_drift_200ppm_fast(void)
{
	run_drift(200, 6, FALSE);
}

static void
test_timeline_drift_200ppm_slow(void)
{
	run_drift(-200, 6, FALSE);
}

static void
test_timeline_drift_2000ppm_fast(void)
{
	run_drift(2000, 2, TRUE);
}

static void
test_timeline_drift_2000ppm_slow(void)
{
	run_drift(-2000, 2, TRUE);
}

/* runs frames until the pending clock-step split, then splits at a key frame */
static guint64
run_until_split(Sim *s, gint64 *last_old_wall)
{
	for (;; s->n++) {
		NvrTimelineFrame f;
		gint64 media = sim_media(s, s->n);

		if (s->n % GOP == 0 &&
		    nvr_timeline_get_pending_split(s->tl) == NVR_TIMELINE_SPLIT_CLOCK_STEP) {
			sim_new_run(s);
			return s->n;
		}
		g_assert_true(sim_push(s, s->n, media, sim_arrival(s, s->n, 0), &f));
		*last_old_wall = f.wall_us;
	}
}

static void
run_clock_step(gint64 step_us)
{
	Sim s;
	NvrTimelineFrame f;
	gint64 before_step, last_old_wall = 0;
	guint64 split_at, step_at;

	sim_init(&s, 0, 10000, 20000, 11);
	sim_run(&s, 600 * FPS + 7, 0);
	step_at = s.n;
	before_step = nvr_timeline_get_wall_us(s.tl, sim_media(&s, s.n));
	nvr_clock_fake_step_realtime(s.clock, step_us);
	g_assert_true(sim_push(&s, s.n, sim_media(&s, s.n), sim_arrival(&s, s.n, 0), &f));
	g_assert_cmpint(f.split, ==, NVR_TIMELINE_SPLIT_CLOCK_STEP);
	/* until the split, the run keeps its own clock: continuous, not smeared */
	g_assert_cmpint(ABS(f.wall_us - before_step), <=, 2);
	s.n++;
	split_at = run_until_split(&s, &last_old_wall);
	g_assert_cmpuint(split_at - step_at, <=, GOP);
	g_assert_cmpint(ABS(last_old_wall - (sim_truth_us(&s, split_at - 1) - step_us + 10000)),
			<,
			25000);
	/* the new run follows the stepped clock */
	sim_run(&s, 200, 0);
	g_assert_cmpint(ABS(nvr_timeline_get_wall_us(s.tl, sim_media(&s, s.n)) -
			    (sim_truth_us(&s, s.n) + 10000)),
			<,
			25000);
	drain_anchor_corrections(&s);
	sim_clear(&s);
}

static void
test_timeline_clock_step_forward(void)
{
	run_clock_step((gint64)3600 * G_USEC_PER_SEC);
}

static void
test_timeline_clock_step_backward(void)
{
	run_clock_step(-(gint64)5 * G_USEC_PER_SEC);
}

/* NTP slewing (up to 500 ppm) and steps below the threshold are not steps */
static void
test_timeline_clock_slew_no_split(void)
{
	Sim s;

	sim_init(&s, 0, 10000, 20000, 5);
	sim_run(&s, 60 * FPS, 0);
	for (guint i = 0; i < 600 * FPS; i++) {
		NvrTimelineFrame f;
		/* 450 ppm of the frame interval */
		nvr_clock_fake_step_realtime(s.clock, 30);
		g_assert_true(sim_push(&s, s.n, sim_media(&s, s.n), sim_arrival(&s, s.n, 0), &f));
		g_assert_cmpint(f.split, ==, NVR_TIMELINE_SPLIT_NONE);
		s.n++;
	}
	nvr_clock_fake_step_realtime(s.clock, NVR_TIMELINE_STEP_US / 2);
	sim_run(&s, 60 * FPS, 0);
	g_assert_cmpuint(s.run, ==, 1);
	sim_clear(&s);
}

static GArray *
take_sync_corrections(Sim *s)
{
	GArray *cs = sim_take(s);

	for (guint i = 0; i < cs->len; i++)
		g_assert_cmpint(g_array_index(cs, NvrTimelineCorrection, i).reason,
				==,
				NVR_TIMELINE_CORRECTION_SYNC);
	return cs;
}

static gint64
correction_for(GArray *cs, guint64 run)
{
	for (guint i = 0; i < cs->len; i++) {
		if (g_array_index(cs, NvrTimelineCorrection, i).run == run)
			return g_array_index(cs, NvrTimelineCorrection, i).delta_us;
	}
	g_assert_not_reached();
}

/* a Pi without RTC: two runs at 1970 wall time, then NTP steps and syncs */
static void
test_timeline_unsynced_corrected(void)
{
	Sim s;
	NvrTimelineFrame f;
	gint64 step = REALTIME0 - (gint64)86400 * G_USEC_PER_SEC;
	g_autoptr(GArray) cs = NULL;

	sim_init(&s, 0, 10000, 20000, 9);
	nvr_clock_fake_step_realtime(s.clock, -step);
	nvr_clock_fake_set_synchronized(s.clock, FALSE);
	nvr_timeline_start_run(s.tl, s.run); /* restart, now that the clock is unsynced */
	sim_run(&s, 30 * FPS, 0);
	g_assert_true(nvr_timeline_get_unsynced(s.tl));
	g_assert_cmpint(nvr_timeline_get_wall_us(s.tl, sim_media(&s, s.n)), <, (gint64)86400 * G_USEC_PER_SEC * 2);
	nvr_timeline_end_run(s.tl);
	drain_anchor_corrections(&s);
	/* the camera reconnects: run 2, still unsynced */
	s.n += 5 * FPS;
	sim_new_run(&s);
	sim_run(&s, 30 * FPS, 0);
	drain_anchor_corrections(&s);
	g_assert_true(nvr_timeline_get_unsynced(s.tl));

	/* NTP steps the clock and reports sync at once */
	nvr_clock_fake_step_realtime(s.clock, step);
	nvr_clock_fake_set_synchronized(s.clock, TRUE);
	g_assert_true(sim_push(&s, s.n, sim_media(&s, s.n), sim_arrival(&s, s.n, 0), &f));
	s.n++;
	/* no split: the correction is exact, media time is continuous */
	g_assert_cmpint(f.split, ==, NVR_TIMELINE_SPLIT_NONE);
	g_assert_false(nvr_timeline_get_unsynced(s.tl));
	cs = take_sync_corrections(&s);
	g_assert_cmpuint(cs->len, ==, 2);
	g_assert_cmpint(ABS(correction_for(cs, 1) - step), <=, 1);
	g_assert_cmpint(ABS(correction_for(cs, 2) - step), <=, 1);
	/* the current run continues on the corrected model */
	g_assert_cmpint(ABS(f.wall_us - (sim_truth_us(&s, s.n - 1) + 10000)), <, 25000);
	sim_run(&s, 60 * FPS, 0);
	g_assert_cmpuint(s.run, ==, 2);
	sim_clear(&s);
}

/* chrony steps first and reports sync a moment later, before the next key frame */
static void
test_timeline_unsynced_step_then_sync(void)
{
	Sim s;
	NvrTimelineFrame f;
	gint64 step = 3 * (gint64)3600 * G_USEC_PER_SEC;
	g_autoptr(GArray) cs = NULL;

	sim_init(&s, 0, 10000, 20000, 13);
	nvr_clock_fake_set_synchronized(s.clock, FALSE);
	nvr_timeline_start_run(s.tl, s.run);
	sim_run(&s, 30 * FPS + 1, 0);
	drain_anchor_corrections(&s);
	nvr_clock_fake_step_realtime(s.clock, step);
	g_assert_true(sim_push(&s, s.n, sim_media(&s, s.n), sim_arrival(&s, s.n, 0), &f));
	s.n++;
	g_assert_cmpint(f.split, ==, NVR_TIMELINE_SPLIT_CLOCK_STEP);
	nvr_clock_fake_set_synchronized(s.clock, TRUE);
	g_assert_true(sim_push(&s, s.n, sim_media(&s, s.n), sim_arrival(&s, s.n, 0), &f));
	s.n++;
	g_assert_cmpint(f.split, ==, NVR_TIMELINE_SPLIT_NONE); /* the split was cancelled */
	cs = take_sync_corrections(&s);
	g_assert_cmpuint(cs->len, ==, 1);
	g_assert_cmpint(ABS(correction_for(cs, 1) - step), <=, 1);
	sim_run(&s, 60 * FPS, 0);
	g_assert_cmpuint(s.run, ==, 1);
	sim_clear(&s);
}

/* NTP steps and reports sync between two frames, and the ingest's periodic
 * poll sees the sync before the next frame is pushed: still no split */
static void
test_timeline_unsynced_sync_polled_between_frames(void)
{
	Sim s;
	NvrTimelineFrame f;
	gint64 step = 5 * (gint64)3600 * G_USEC_PER_SEC;
	g_autoptr(GArray) cs = NULL;

	sim_init(&s, 0, 10000, 20000, 19);
	nvr_clock_fake_set_synchronized(s.clock, FALSE);
	nvr_timeline_start_run(s.tl, s.run);
	sim_run(&s, 30 * FPS + 1, 0);
	drain_anchor_corrections(&s);
	nvr_clock_fake_step_realtime(s.clock, step);
	nvr_clock_fake_set_synchronized(s.clock, TRUE);
	g_assert_true(sim_poll_sync(&s));
	g_assert_true(sim_push(&s, s.n, sim_media(&s, s.n), sim_arrival(&s, s.n, 0), &f));
	s.n++;
	g_assert_cmpint(f.split, ==, NVR_TIMELINE_SPLIT_NONE);
	cs = take_sync_corrections(&s);
	g_assert_cmpuint(cs->len, ==, 1);
	g_assert_cmpint(ABS(correction_for(cs, 1) - step), <=, 1);
	sim_run(&s, 60 * FPS, 0);
	g_assert_cmpuint(s.run, ==, 1);
	sim_clear(&s);
}

/* a step while unsynced, no sync before the key frame: split; sync corrects both later */
static void
test_timeline_unsynced_split_then_sync(void)
{
	Sim s;
	gint64 step = (gint64)7200 * G_USEC_PER_SEC, last = 0;
	g_autoptr(GArray) cs = NULL;

	sim_init(&s, 0, 10000, 20000, 17);
	nvr_clock_fake_set_synchronized(s.clock, FALSE);
	nvr_timeline_start_run(s.tl, s.run);
	sim_run(&s, 30 * FPS + 3, 0);
	drain_anchor_corrections(&s);
	nvr_clock_fake_step_realtime(s.clock, step);
	run_until_split(&s, &last);
	sim_run(&s, 30 * FPS, 0);
	drain_anchor_corrections(&s);
	g_assert_true(nvr_timeline_get_unsynced(s.tl));
	/* the camera goes away; sync arrives while no run is open */
	nvr_timeline_end_run(s.tl);
	drain_anchor_corrections(&s);
	g_assert_false(nvr_timeline_poll_sync(s.tl));
	nvr_clock_fake_advance(s.clock, (gint64)10 * G_USEC_PER_SEC);
	nvr_clock_fake_step_realtime(s.clock, 1500); /* the last bit, slewed */
	nvr_clock_fake_set_synchronized(s.clock, TRUE);
	g_assert_true(nvr_timeline_poll_sync(s.tl));
	cs = take_sync_corrections(&s);
	g_assert_cmpuint(cs->len, ==, 2);
	g_assert_cmpint(ABS(correction_for(cs, 1) - (step + 1500)), <=, 1);
	g_assert_cmpint(ABS(correction_for(cs, 2) - 1500), <=, 1);
	g_assert_false(nvr_timeline_poll_sync(s.tl));
	sim_clear(&s);
}

static void
test_timeline_media_backwards(void)
{
	Sim s;
	NvrTimelineFrame f;

	sim_init(&s, 0, 10000, 20000, 19);
	sim_run(&s, 100, 0);
	/* the camera's RTP clock jumps back 10 s */
	s.media0 -= 10 * NVR_TIMELINE_RATE;
	g_assert_false(sim_push(&s, s.n, sim_media(&s, s.n), sim_arrival(&s, s.n, 0), &f));
	g_assert_cmpint(f.split, ==, NVR_TIMELINE_SPLIT_MEDIA_BACKWARDS);
	g_assert_true(nvr_timeline_split_is_immediate(f.split));
	/* equal media time is refused too */
	g_assert_false(sim_push(&s, s.n, sim_media(&s, s.n - 1) + 10 * NVR_TIMELINE_RATE,
				sim_arrival(&s, s.n, 0), &f));
	sim_new_run(&s);
	sim_run(&s, 100, 0);
	g_assert_cmpint(ABS(nvr_timeline_get_wall_us(s.tl, sim_media(&s, s.n)) -
			    (sim_truth_us(&s, s.n) + 10000)),
			<,
			25000);
	sim_clear(&s);
}

static void
test_timeline_media_jump(void)
{
	Sim s;
	NvrTimelineFrame f;

	sim_init(&s, 0, 10000, 20000, 23);
	sim_run(&s, 100, 0);
	s.media0 += 5 * NVR_TIMELINE_RATE;
	g_assert_false(sim_push(&s, s.n, sim_media(&s, s.n), sim_arrival(&s, s.n, 0), &f));
	g_assert_cmpint(f.split, ==, NVR_TIMELINE_SPLIT_MEDIA_JUMP);
	sim_clear(&s);
}

/* real gaps are not jumps: a camera that stalls, a network that stalls */
static void
test_timeline_gaps_not_jumps(void)
{
	Sim s;
	NvrTimelineFrame f;

	sim_init(&s, 0, 10000, 20000, 29);
	sim_run(&s, 300, 0);
	/* the camera sends nothing for 10 s and its timestamps show the gap */
	s.n += 10 * FPS;
	sim_run(&s, 100, 0);
	/* the network holds 5 s of frames, then delivers them in a burst */
	g_assert_true(sim_push(&s, s.n, sim_media(&s, s.n), sim_arrival(&s, s.n, (gint64)5 * G_USEC_PER_SEC), &f));
	s.n++;
	sim_run(&s, 300, 0);
	g_assert_cmpuint(s.run, ==, 1);
	g_assert_cmpint(nvr_timeline_get_pending_split(s.tl), ==, NVR_TIMELINE_SPLIT_NONE);
	sim_clear(&s);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	nvr_test_watchdog_start(NVR_TEST_WATCHDOG_S);
	g_test_add_func("/nvr/timeline/anchor-jitter", test_timeline_anchor_jitter);
	g_test_add_func("/nvr/timeline/anchor-burst", test_timeline_anchor_burst);
	g_test_add_func("/nvr/timeline/short-run", test_timeline_short_run);
	g_test_add_func("/nvr/timeline/drift-200ppm-fast", test_timeline_drift_200ppm_fast);
	g_test_add_func("/nvr/timeline/drift-200ppm-slow", test_timeline_drift_200ppm_slow);
	g_test_add_func("/nvr/timeline/drift-2000ppm-fast", test_timeline_drift_2000ppm_fast);
	g_test_add_func("/nvr/timeline/drift-2000ppm-slow", test_timeline_drift_2000ppm_slow);
	g_test_add_func("/nvr/timeline/clock-step-forward", test_timeline_clock_step_forward);
	g_test_add_func("/nvr/timeline/clock-step-backward", test_timeline_clock_step_backward);
	g_test_add_func("/nvr/timeline/clock-slew-no-split", test_timeline_clock_slew_no_split);
	g_test_add_func("/nvr/timeline/unsynced-corrected", test_timeline_unsynced_corrected);
	g_test_add_func("/nvr/timeline/unsynced-step-then-sync", test_timeline_unsynced_step_then_sync);
	g_test_add_func("/nvr/timeline/unsynced-sync-polled-between-frames",
			test_timeline_unsynced_sync_polled_between_frames);
	g_test_add_func("/nvr/timeline/unsynced-split-then-sync",
			test_timeline_unsynced_split_then_sync);
	g_test_add_func("/nvr/timeline/media-backwards", test_timeline_media_backwards);
	g_test_add_func("/nvr/timeline/media-jump", test_timeline_media_jump);
	g_test_add_func("/nvr/timeline/gaps-not-jumps", test_timeline_gaps_not_jumps);
	return g_test_run();
}
