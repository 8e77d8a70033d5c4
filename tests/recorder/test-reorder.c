/*
 * Decode times for frames that carry presentation times only (RTP with
 * B-frames): fixed patterns, a depth learned from a late frame, times that
 * wrap, the leading pictures of an open GOP, and random streams reordered
 * by up to the depth, where decode times must strictly increase, never
 * follow the presentation time, and be exactly the presentation times
 * @depth frames earlier.
 */
#include "config.h"

#include "recorder/nvr-reorder.h"

#define FRAME (GST_SECOND / 15)
#define T0 (1000 * GST_SECOND)
#define STEP GST_MSECOND /* the first @depth frames decode 1 ms apart */

/* pushes frames shown at @order[i] frames after T0; Returns: the decode
 * times, in frames after T0 (rounded down) or -1 for a refused frame */
static GArray *
push_all(NvrReorder *r, const gint *order, guint n)
{
	GArray *dts = g_array_new(FALSE, FALSE, sizeof(GstClockTime));

	for (guint i = 0; i < n; i++) {
		GstClockTime d = GST_CLOCK_TIME_NONE;

		if (nvr_reorder_push(r, T0 + (GstClockTime)order[i] * FRAME, &d) != NVR_REORDER_OK)
			d = GST_CLOCK_TIME_NONE;
		g_array_append_val(dts, d);
	}
	return dts;
}

#define DTS(a, i) g_array_index((a), GstClockTime, (i))

static void
test_reorder_none(void)
{
	g_autoptr(NvrReorder) r = nvr_reorder_new();
	const gint order[] = {0, 1, 2, 3, 4};
	g_autoptr(GArray) dts = push_all(r, order, G_N_ELEMENTS(order));

	for (guint i = 0; i < G_N_ELEMENTS(order); i++)
		g_assert_cmpuint(DTS(dts, i), ==, T0 + (GstClockTime)order[i] * FRAME);
}

/* IBBP: the decode times are the presentation times one frame earlier */
static void
test_reorder_bframes(void)
{
	g_autoptr(NvrReorder) r = nvr_reorder_new();
	const gint order[] = {0, 3, 1, 2, 6, 4, 5, 9, 7, 8};
	g_autoptr(GArray) dts = NULL;

	nvr_reorder_set_depth(r, 1);
	dts = push_all(r, order, G_N_ELEMENTS(order));
	g_assert_cmpuint(DTS(dts, 0), ==, T0 - STEP);
	for (guint i = 1; i < G_N_ELEMENTS(order); i++)
		g_assert_cmpuint(DTS(dts, i), ==, T0 + (GstClockTime)(i - 1) * FRAME);
}

/* a B-pyramid reorders by two */
static void
test_reorder_pyramid(void)
{
	g_autoptr(NvrReorder) r = nvr_reorder_new();
	const gint order[] = {0, 4, 2, 1, 3, 8, 6, 5, 7};
	g_autoptr(GArray) dts = NULL;

	nvr_reorder_set_depth(r, 2);
	dts = push_all(r, order, G_N_ELEMENTS(order));
	g_assert_cmpuint(DTS(dts, 0), ==, T0 - 2 * STEP);
	g_assert_cmpuint(DTS(dts, 1), ==, T0 - STEP);
	for (guint i = 2; i < G_N_ELEMENTS(order); i++) {
		g_assert_cmpuint(DTS(dts, i), ==, T0 + (GstClockTime)(i - 2) * FRAME);
		g_assert_cmpuint(DTS(dts, i), <=, T0 + (GstClockTime)order[i] * FRAME);
	}
}

/* a camera whose SPS does not say: its first B-frame is refused, the depth
 * grows to what it needed; the ingest ends the run and starts the next at a
 * key frame, after a reset, and from there all is well */
static void
test_reorder_learn(void)
{
	g_autoptr(NvrReorder) r = nvr_reorder_new();
	const gint first[] = {0, 4};
	const gint late[] = {2, 1, 3}; /* each after 4: one frame deeper each time */
	const gint later[] = {8, 12, 10, 9, 11, 16, 14, 13, 15, 20};
	g_autoptr(GArray) a = push_all(r, first, G_N_ELEMENTS(first));
	g_autoptr(GArray) b = NULL;

	g_assert_cmpuint(DTS(a, 1), ==, T0 + 4 * FRAME);
	for (guint i = 0; i < G_N_ELEMENTS(late); i++) {
		g_autoptr(GArray) c = push_all(r, &late[i], 1);

		g_assert_cmpuint(DTS(c, 0), ==, GST_CLOCK_TIME_NONE);
		g_assert_cmpuint(nvr_reorder_get_depth(r), ==, i + 1); /* at 3 it overshoots */
	}
	nvr_reorder_reset(r);
	b = push_all(r, later, G_N_ELEMENTS(later));
	for (guint i = 0; i < G_N_ELEMENTS(later); i++) {
		g_assert_cmpuint(DTS(b, i), !=, GST_CLOCK_TIME_NONE);
		g_assert_cmpuint(DTS(b, i), <=, T0 + (GstClockTime)later[i] * FRAME);
		if (i > 0)
			g_assert_cmpuint(DTS(b, i), >, DTS(b, i - 1));
		if (i >= 3)
			g_assert_cmpuint(DTS(b, i), ==, T0 + (GstClockTime)(8 + i - 3) * FRAME);
	}
	g_assert_cmpuint(nvr_reorder_get_depth(r), ==, 3);
}

/* an open GOP's leading pictures, shown before the key frame the stream
 * began with, are LEADING, not LATE, and grow nothing; a repeated time is
 * LATE without growth, and so is a step back (before every recent decode
 * time) once later frames came */
static void
test_reorder_open_gop(void)
{
	g_autoptr(NvrReorder) r = nvr_reorder_new();
	const gint order[] = {10, 8, 9, 13, 11, 12, 12};
	g_autoptr(GArray) dts = NULL;
	GstClockTime d;

	nvr_reorder_set_depth(r, 1);
	g_assert_cmpint(nvr_reorder_push(r, T0 + 10 * FRAME, &d), ==, NVR_REORDER_OK);
	g_assert_cmpint(nvr_reorder_push(r, T0 + 8 * FRAME, &d), ==, NVR_REORDER_LEADING);
	nvr_reorder_reset(r);
	dts = push_all(r, order, G_N_ELEMENTS(order));
	g_assert_cmpuint(DTS(dts, 0), ==, T0 + 10 * FRAME - STEP);
	g_assert_cmpuint(DTS(dts, 1), ==, GST_CLOCK_TIME_NONE);
	g_assert_cmpuint(DTS(dts, 2), ==, GST_CLOCK_TIME_NONE);
	g_assert_cmpuint(DTS(dts, 3), ==, T0 + 10 * FRAME);
	g_assert_cmpuint(DTS(dts, 4), ==, T0 + 11 * FRAME);
	g_assert_cmpuint(DTS(dts, 5), ==, T0 + 12 * FRAME);
	g_assert_cmpuint(DTS(dts, 6), ==, GST_CLOCK_TIME_NONE);
	g_assert_cmpuint(nvr_reorder_get_depth(r), ==, 1);
	g_assert_cmpint(nvr_reorder_push(r, T0 + 12 * FRAME, &d), ==, NVR_REORDER_LATE);
	g_assert_cmpint(nvr_reorder_push(r, T0 + 5 * FRAME, &d), ==, NVR_REORDER_LATE);
	g_assert_cmpuint(nvr_reorder_get_depth(r), ==, 1);
}

/* times below the source's origin wrap (nvrrtspsrc); decode times wrap the same way */
static void
test_reorder_wrap(void)
{
	g_autoptr(NvrReorder) r = nvr_reorder_new();
	const gint order[] = {-3, 0, -2, -1, 3, 1, 2};
	GstClockTime prev = 0;

	nvr_reorder_set_depth(r, 1);
	for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
		GstClockTime d;

		g_assert_cmpint(nvr_reorder_push(r, (GstClockTime)((gint64)order[i] * (gint64)FRAME), &d),
				==, NVR_REORDER_OK);
		if (i >= 2)
			g_assert_cmpint((gint64)(d - prev), ==, (gint64)FRAME);
		prev = d;
	}
	g_assert_cmpint((gint64)prev, ==, 2 * (gint64)FRAME);
}

/* mini-GOPs of random length, each a P-frame then its B-frames in random
 * order: reordered by less than the longest mini-GOP */
static void
test_reorder_random(void)
{
	for (guint round = 0; round < 200; round++) {
		g_autoptr(NvrReorder) r = nvr_reorder_new();
		g_autoptr(GArray) order = g_array_new(FALSE, FALSE, sizeof(gint));
		guint depth = (guint)g_test_rand_int_range(0, 5);
		gint shown = 0;
		GstClockTime last = 0;

		nvr_reorder_set_depth(r, depth);
		g_array_append_val(order, shown); /* the key frame */
		while (order->len < 300) {
			gint n = g_test_rand_int_range(0, (gint)depth + 1); /* B-frames */
			gint p = shown + n + 1;
			gint b[NVR_REORDER_MAX_DEPTH];

			g_array_append_val(order, p);
			for (gint i = 0; i < n; i++)
				b[i] = shown + 1 + i;
			for (gint i = n - 1; i > 0; i--) {
				gint j = g_test_rand_int_range(0, i + 1), t = b[i];
				b[i] = b[j];
				b[j] = t;
			}
			g_array_append_vals(order, b, (guint)n);
			shown = p;
		}
		for (guint i = 0; i < order->len; i++) {
			gint pts = g_array_index(order, gint, i);
			GstClockTime d;

			g_assert_cmpint(nvr_reorder_push(r, T0 + (GstClockTime)pts * FRAME, &d), ==,
					NVR_REORDER_OK);
			g_assert_cmpuint(d, <=, T0 + (GstClockTime)pts * FRAME);
			if (i > 0)
				g_assert_cmpuint(d, >, last);
			if (i >= depth) /* the presentation time @depth places earlier */
				g_assert_cmpuint(d, ==, T0 + (GstClockTime)(i - depth) * FRAME);
			last = d;
		}
		g_assert_cmpuint(nvr_reorder_get_depth(r), ==, depth);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/nvr/recorder/reorder/none", test_reorder_none);
	g_test_add_func("/nvr/recorder/reorder/bframes", test_reorder_bframes);
	g_test_add_func("/nvr/recorder/reorder/pyramid", test_reorder_pyramid);
	g_test_add_func("/nvr/recorder/reorder/learn", test_reorder_learn);
	g_test_add_func("/nvr/recorder/reorder/open-gop", test_reorder_open_gop);
	g_test_add_func("/nvr/recorder/reorder/wrap", test_reorder_wrap);
	g_test_add_func("/nvr/recorder/reorder/random", test_reorder_random);
	return g_test_run();
}
