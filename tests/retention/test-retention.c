#include "config.h"

#include "core/nvr-error.h"
#include "nvr-test-common.h"
#include "retention/nvr-retention-plan.h"
#include "retention/nvr-retention-reopen.h"

#define MB (G_GUINT64_CONSTANT(1) << 20)
#define MIN_US (G_GINT64_CONSTANT(60) * G_USEC_PER_SEC)

/* segment i of camera c: one a minute, 10 MB each */
static NvrRetentionSegment
seg(gint64 id, gint64 camera, gint64 minute)
{
	NvrRetentionSegment s = {.segment_id = id,
				 .camera_id = camera,
				 .start_us = minute * MIN_US,
				 .end_us = (minute + 1) * MIN_US,
				 .bytes = 10 * MB};
	return s;
}

static gint64
action_id(GArray *plan, guint i)
{
	return g_array_index(plan, NvrRetentionAction, i).segment_id;
}

static void
test_nothing_to_do(void)
{
	NvrRetentionSegment s[] = {seg(1, 1, 0), seg(2, 1, 1)};
	NvrRetentionCamera c[] = {{.camera_id = 1}};
	NvrRetentionDisk d = {.now_us = 100 * MIN_US, .free_bytes = 1000 * MB, .floor_bytes = 100 * MB};
	g_autoptr(GArray) plan = nvr_retention_plan(s, G_N_ELEMENTS(s), c, 1, &d);

	g_assert_cmpuint(plan->len, ==, 0);
}

static void
test_age(void)
{
	NvrRetentionSegment s[] = {seg(3, 1, 50), seg(1, 1, 0), seg(2, 1, 10), seg(4, 2, 0)};
	NvrRetentionCamera c[] = {{.camera_id = 1, .max_age_us = 60 * MIN_US}, {.camera_id = 2}};
	NvrRetentionDisk d = {.now_us = 80 * MIN_US, .free_bytes = 1000 * MB};
	g_autoptr(GArray) plan = nvr_retention_plan(s, G_N_ELEMENTS(s), c, 2, &d);

	/* camera 1 keeps the last hour; camera 2 has no age limit */
	g_assert_cmpuint(plan->len, ==, 2);
	g_assert_cmpint(action_id(plan, 0), ==, 1);
	g_assert_cmpint(action_id(plan, 1), ==, 2);
	g_assert_cmpint(g_array_index(plan, NvrRetentionAction, 0).reason, ==, NVR_RETENTION_REASON_AGE);
}

static void
test_budget_counts_inflight(void)
{
	NvrRetentionSegment s[] = {seg(1, 1, 0), seg(2, 1, 1), seg(3, 1, 2), seg(4, 2, 0)};
	/* 30 MB finished + 5 MB in flight against 24 MB: two must go */
	NvrRetentionCamera c[] = {{.camera_id = 1, .budget_bytes = 24 * MB, .inflight_bytes = 5 * MB},
				  {.camera_id = 2, .budget_bytes = 10 * MB}};
	NvrRetentionDisk d = {.now_us = 10 * MIN_US, .free_bytes = 1000 * MB};
	g_autoptr(GArray) plan = nvr_retention_plan(s, G_N_ELEMENTS(s), c, 2, &d);

	g_assert_cmpuint(plan->len, ==, 2);
	g_assert_cmpint(action_id(plan, 0), ==, 1);
	g_assert_cmpint(action_id(plan, 1), ==, 2);
	g_assert_cmpint(g_array_index(plan, NvrRetentionAction, 1).reason, ==, NVR_RETENTION_REASON_BUDGET);
}

static void
test_floor_global_oldest(void)
{
	NvrRetentionSegment s[] = {seg(10, 1, 5), seg(11, 2, 1), seg(12, 1, 2), seg(13, 2, 7)};
	NvrRetentionCamera c[] = {{.camera_id = 1}, {.camera_id = 2}};
	/* 85 free, 20 in flight, floor 80: need 15 more -> two segments */
	NvrRetentionDisk d = {.now_us = 10 * MIN_US,
			      .free_bytes = 85 * MB,
			      .inflight_bytes = 20 * MB,
			      .floor_bytes = 80 * MB};
	g_autoptr(GArray) plan = nvr_retention_plan(s, G_N_ELEMENTS(s), c, 2, &d);

	g_assert_cmpuint(plan->len, ==, 2);
	g_assert_cmpint(action_id(plan, 0), ==, 11);
	g_assert_cmpint(action_id(plan, 1), ==, 12);
	g_assert_cmpint(g_array_index(plan, NvrRetentionAction, 0).reason, ==,
			NVR_RETENTION_REASON_FREE_SPACE);
}

static void
test_floor_counts_pending_and_earlier_rules(void)
{
	NvrRetentionSegment s[] = {seg(1, 1, 0), seg(2, 1, 1), seg(3, 1, 2)};
	NvrRetentionCamera c[] = {{.camera_id = 1, .max_age_us = 8 * MIN_US}};
	/* age frees segment 1 (10 MB); pending 5 MB; free 70 -> 85 >= floor 85 */
	NvrRetentionDisk d = {.now_us = 10 * MIN_US,
			      .free_bytes = 70 * MB,
			      .pending_delete_bytes = 5 * MB,
			      .floor_bytes = 85 * MB};
	g_autoptr(GArray) plan = nvr_retention_plan(s, G_N_ELEMENTS(s), c, 1, &d);

	g_assert_cmpuint(plan->len, ==, 1);
	g_assert_cmpint(action_id(plan, 0), ==, 1);
}

static void
test_in_use_deferred_and_not_counted(void)
{
	NvrRetentionSegment s[] = {seg(1, 1, 0), seg(2, 1, 1), seg(3, 1, 2)};
	NvrRetentionCamera c[] = {{.camera_id = 1}};
	NvrRetentionDisk d = {.now_us = 10 * MIN_US, .free_bytes = 75 * MB, .floor_bytes = 80 * MB};
	g_autoptr(GArray) plan = NULL;

	s[0].in_use = TRUE;
	plan = nvr_retention_plan(s, G_N_ELEMENTS(s), c, 1, &d);
	/* segment 1 is read right now: it is planned but deferred, so 2 goes too */
	g_assert_cmpuint(plan->len, ==, 2);
	g_assert_true(g_array_index(plan, NvrRetentionAction, 0).deferred);
	g_assert_false(g_array_index(plan, NvrRetentionAction, 1).deferred);
	g_assert_cmpint(action_id(plan, 1), ==, 2);
}

static void
test_full_disk_deletes_everything_old(void)
{
	NvrRetentionSegment s[] = {seg(1, 1, 0), seg(2, 2, 1)};
	NvrRetentionCamera c[] = {{.camera_id = 1}, {.camera_id = 2}};
	NvrRetentionDisk d = {.now_us = 10 * MIN_US,
			      .free_bytes = 0,
			      .inflight_bytes = G_MAXUINT64,
			      .floor_bytes = G_MAXUINT64};
	g_autoptr(GArray) plan = nvr_retention_plan(s, G_N_ELEMENTS(s), c, 2, &d);

	/* impossible to satisfy: everything finished goes, nothing wraps */
	g_assert_cmpuint(plan->len, ==, 2);
}

/* random inputs: the plan satisfies every limit that can be satisfied */
static void
test_random_properties(void)
{
	GRand *rand = g_rand_new_with_seed(1234);

	for (guint round = 0; round < 2000; round++) {
		guint n = g_rand_int_range(rand, 0, 40);
		g_autofree NvrRetentionSegment *s = g_new0(NvrRetentionSegment, n);
		NvrRetentionCamera c[3] = {{.camera_id = 1}, {.camera_id = 2}, {.camera_id = 3}};
		NvrRetentionDisk d = {.now_us = 1000 * MIN_US,
				      .free_bytes = g_rand_int_range(rand, 0, 200) * MB,
				      .floor_bytes = g_rand_int_range(rand, 0, 300) * MB};
		g_autoptr(GArray) plan = NULL;
		guint64 used[4] = {0};
		guint64 freed = 0;
		gboolean *gone = g_new0(gboolean, n);

		for (guint i = 0; i < n; i++) {
			s[i] = seg(i + 1, g_rand_int_range(rand, 1, 4), g_rand_int_range(rand, 0, 1000));
			s[i].bytes = g_rand_int_range(rand, 1, 20) * MB;
			s[i].in_use = g_rand_int_range(rand, 0, 10) == 0;
		}
		for (guint i = 0; i < 3; i++) {
			c[i].budget_bytes = g_rand_boolean(rand) ? g_rand_int_range(rand, 1, 100) * MB : 0;
			c[i].max_age_us = g_rand_boolean(rand) ? g_rand_int_range(rand, 1, 900) * MIN_US : 0;
		}
		plan = nvr_retention_plan(s, n, c, 3, &d);
		for (guint a = 0; a < plan->len; a++) {
			NvrRetentionAction *act = &g_array_index(plan, NvrRetentionAction, a);
			g_assert_cmpint(act->segment_id, >=, 1);
			g_assert_false(gone[act->segment_id - 1]); /* planned once */
			gone[act->segment_id - 1] = TRUE;
			g_assert_cmpint(act->deferred, ==, s[act->segment_id - 1].in_use);
			if (!act->deferred)
				freed += s[act->segment_id - 1].bytes;
		}
		for (guint i = 0; i < n; i++) {
			if (!gone[i])
				used[s[i].camera_id] += s[i].bytes;
			/* nothing older than the age limit survives */
			if (c[s[i].camera_id - 1].max_age_us > 0 &&
			    s[i].end_us < d.now_us - c[s[i].camera_id - 1].max_age_us)
				g_assert_true(gone[i]);
		}
		for (guint k = 0; k < 3; k++) {
			if (c[k].budget_bytes > 0)
				g_assert_cmpuint(used[k + 1], <=, c[k].budget_bytes);
		}
		/* the floor holds unless everything deletable is already gone */
		if (d.free_bytes + freed < d.floor_bytes) {
			for (guint i = 0; i < n; i++)
				g_assert_true(gone[i]);
		}
		g_free(gone);
	}
	g_rand_free(rand);
}

/* ---- reopening after a write error (nvr-retention-reopen.h), on a fast clock ---- */

#define REOPEN_MIN_MS 40
#define REOPEN_MAX_MS 160

typedef struct {
	NvrRetentionReopen *reopen;
	gboolean hold;	    /* the last word for camera 1's main stream */
	guint releases;	    /* times it was let go */
	gint64 released_us; /* monotonic, the last time */
} ReopenFx;

static void
reopen_fx_cb(gint64 camera_id, NvrIndexStream stream, gboolean hold, gpointer user_data)
{
	ReopenFx *fx = user_data;

	g_assert_cmpint(camera_id, ==, 1);
	g_assert_cmpint(stream, ==, NVR_INDEX_STREAM_MAIN);
	g_assert_true(hold != fx->hold); /* no repeats: held once, released once */
	fx->hold = hold;
	if (!hold) {
		fx->releases++;
		fx->released_us = g_get_monotonic_time();
	}
}

static void
reopen_setup(ReopenFx *fx, gconstpointer data)
{
	fx->reopen = nvr_retention_reopen_new(REOPEN_MIN_MS, REOPEN_MAX_MS, reopen_fx_cb, fx);
}

static void
reopen_teardown(ReopenFx *fx, gconstpointer data)
{
	nvr_retention_reopen_free(fx->reopen);
}

static void
reopen_fail(ReopenFx *fx, gint code)
{
	g_autoptr(GError) error = g_error_new_literal(NVR_ERROR, code, "write: it failed");

	nvr_retention_reopen_failed(fx->reopen, 1, NVR_INDEX_STREAM_MAIN, "porch", error);
	g_assert_true(fx->hold);
}

static void
reopen_ran(ReopenFx *fx, guint64 free_bytes)
{
	NvrRetentionResult r = {.free_bytes = free_bytes};

	nvr_retention_reopen_ran(fx->reopen, &r, NULL);
}

/* the main loop until the stream is released; Returns: how long that took, in ms */
static gdouble
reopen_wait_release(ReopenFx *fx)
{
	gint64 start = g_get_monotonic_time();
	gint64 deadline = start + 5 * G_USEC_PER_SEC;

	while (fx->hold && g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, TRUE);
	g_assert_false(fx->hold);
	return (fx->released_us - start) / 1000.0;
}

static void
reopen_expect_failing(void)
{
	g_test_expect_message("nvr-retention", G_LOG_LEVEL_WARNING,
			      "porch: cannot write footage: write: it failed*");
}

/* a full disk retention makes room on: held until the run, then at once */
static void
test_reopen_room(ReopenFx *fx, gconstpointer data)
{
	reopen_expect_failing();
	reopen_fail(fx, NVR_ERROR_NO_SPACE);
	g_test_assert_expected_messages();
	g_assert_cmpuint(fx->releases, ==, 0);
	reopen_ran(fx, 100 * MB);
	g_assert_cmpuint(fx->releases, ==, 1);
	g_assert_false(nvr_retention_reopen_get_disk_full(fx->reopen));
	/* it wrote: the next failure is a first one again, and warns again */
	nvr_retention_reopen_resumed(fx->reopen, 1, NVR_INDEX_STREAM_MAIN);
	reopen_expect_failing();
	reopen_fail(fx, NVR_ERROR_NO_SPACE);
	g_test_assert_expected_messages();
	reopen_ran(fx, 100 * MB);
	g_assert_cmpuint(fx->releases, ==, 2);
}

/*
 * A disk full of other data: every retry fails, each waits twice as long
 * up to the cap; one warning for the stream and one for the disk, however
 * many retries; room again releases at once, the next write clears it all.
 */
static void
test_reopen_backoff(ReopenFx *fx, gconstpointer data)
{
	const gdouble expect[] = {REOPEN_MIN_MS, 2 * REOPEN_MIN_MS, REOPEN_MAX_MS, REOPEN_MAX_MS};
	gdouble waited;

	reopen_expect_failing();
	g_test_expect_message("nvr-retention", G_LOG_LEVEL_WARNING, "footage disk full (4096 bytes*");
	for (guint i = 0; i < G_N_ELEMENTS(expect); i++) {
		reopen_fail(fx, NVR_ERROR_NO_SPACE);
		reopen_ran(fx, 4096);
		g_assert_true(fx->hold); /* not before the backoff */
		g_assert_true(nvr_retention_reopen_get_disk_full(fx->reopen));
		reopen_ran(fx, 4096); /* later runs without room change nothing */
		g_assert_true(fx->hold);
		waited = reopen_wait_release(fx);
		g_test_message("attempt %u waited %.1f ms", i + 2, waited);
		/* jittered between half and all of it; the loop may be a little late */
		g_assert_cmpfloat(waited, >=, expect[i] / 2 - 1);
		g_assert_cmpfloat(waited, <=, expect[i] + 100);
	}
	g_test_assert_expected_messages();

	/* held once more; then the other data goes: the next run releases at once */
	reopen_fail(fx, NVR_ERROR_NO_SPACE);
	reopen_ran(fx, 4096);
	g_assert_true(fx->hold);
	reopen_ran(fx, 100 * MB);
	g_assert_false(fx->hold);
	g_assert_false(nvr_retention_reopen_get_disk_full(fx->reopen));
	nvr_retention_reopen_resumed(fx->reopen, 1, NVR_INDEX_STREAM_MAIN);
	g_assert_false(nvr_retention_reopen_get_disk_full(fx->reopen));
}

/* another failure (a dead disk) with room on it: at once the first time, then backing off */
static void
test_reopen_other_error(ReopenFx *fx, gconstpointer data)
{
	gdouble waited;

	reopen_expect_failing();
	reopen_fail(fx, NVR_ERROR_IO);
	g_test_assert_expected_messages();
	reopen_ran(fx, 100 * MB);
	g_assert_false(fx->hold);
	reopen_fail(fx, NVR_ERROR_IO);
	reopen_ran(fx, 100 * MB);
	g_assert_true(fx->hold);
	g_assert_false(nvr_retention_reopen_get_disk_full(fx->reopen));
	waited = reopen_wait_release(fx);
	g_assert_cmpfloat(waited, >=, REOPEN_MIN_MS / 2 - 1);
	/* a camera removed while held: its timer goes with it */
	reopen_fail(fx, NVR_ERROR_IO);
	reopen_ran(fx, 100 * MB);
	nvr_retention_reopen_forget(fx->reopen, 1);
	for (guint i = 0; i < 20; i++)
		g_main_context_iteration(NULL, FALSE);
	g_assert_true(fx->hold);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/nvr/retention/plan/nothing-to-do", test_nothing_to_do);
	g_test_add_func("/nvr/retention/plan/age", test_age);
	g_test_add_func("/nvr/retention/plan/budget-counts-inflight", test_budget_counts_inflight);
	g_test_add_func("/nvr/retention/plan/floor-global-oldest", test_floor_global_oldest);
	g_test_add_func("/nvr/retention/plan/floor-counts-pending", test_floor_counts_pending_and_earlier_rules);
	g_test_add_func("/nvr/retention/plan/in-use-deferred", test_in_use_deferred_and_not_counted);
	g_test_add_func("/nvr/retention/plan/full-disk", test_full_disk_deletes_everything_old);
	g_test_add_func("/nvr/retention/plan/random-properties", test_random_properties);
	g_test_add("/nvr/retention/reopen/room", ReopenFx, NULL, reopen_setup, test_reopen_room,
		   reopen_teardown);
	g_test_add("/nvr/retention/reopen/backoff", ReopenFx, NULL, reopen_setup,
		   test_reopen_backoff, reopen_teardown);
	g_test_add("/nvr/retention/reopen/other-error", ReopenFx, NULL, reopen_setup,
		   test_reopen_other_error, reopen_teardown);
	return g_test_run();
}
