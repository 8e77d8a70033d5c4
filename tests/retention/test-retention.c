#include "config.h"

#include "retention/nvr-retention-plan.h"

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
	return g_test_run();
}
