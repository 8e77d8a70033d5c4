/*
 * Resilience, end to end: nvrd records nvr-fakecam cameras over RTSP on
 * 127.0.0.1 while the fakecam's control interface breaks one of them (drop
 * the connection and refuse new ones, stall the media, change the
 * resolution, jump the RTP timestamps). Each case checks what a homeowner
 * would see afterwards: how soon recording resumed, that the outage is a
 * gap in the timeline and the rest is not, that nvrctl verify --deep is
 * clean, and that exports play (ffprobe).
 *
 * Times: the test compares its own CLOCK_REALTIME readings with the wall
 * times nvrd stores (the same clock on the same machine). Waits poll with
 * deadlines; the deadlines are generous for a loaded 2-core CI machine,
 * the assertions are about what nvrd stored, not about how fast we looked.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "nvr-test-nvrd.h"

/* 4 s segments: several rotations per case; the fakecam sends a key frame every 2 s */
#define FAULTS_CONFIG "segment-seconds = 4\nsync-window-ms = 1000\nwatchdog-seconds = 3\n"
#define FAULTS_WATCHDOG_S 3
#define FAULTS_GOP_US (2 * G_USEC_PER_SEC)
#define FAULTS_POLL_US (100 * 1000)
#define FAULTS_FRAME_US (G_USEC_PER_SEC / 15)

static const gchar *const faults_fakecam_args[] = {
    "--persona", "generic", "--clip-seconds", "4", "--resolution", "640x360",
    "--sub-resolution", "320x180", "--bitrate", "1000", NULL};

typedef gboolean (*FaultsSegmentFunc)(const NvrTestSegment *s, gconstpointer data);

/* polls the index until a segment of @camera satisfies @func; Returns: a copy of it */
static NvrTestSegment
faults_wait_segment(NvrTestNvrd *fx, const gchar *camera, FaultsSegmentFunc func,
		    gconstpointer data, guint timeout_s, const gchar *what)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;

	do {
		g_autoptr(GArray) segs = nvr_test_nvrd_segments(fx, camera);

		for (guint i = 0; i < segs->len; i++) {
			const NvrTestSegment *s = &g_array_index(segs, NvrTestSegment, i);
			if (func(s, data))
				return *s;
		}
		g_usleep(FAULTS_POLL_US);
	} while (g_get_monotonic_time() < deadline);
	g_test_fail_printf("%s: no segment where %s after %u s", camera, what, timeout_s);
	g_assert_not_reached();
}

static gboolean
faults_any(const NvrTestSegment *s, gconstpointer data)
{
	return TRUE;
}

static gboolean
faults_other_run(const NvrTestSegment *s, gconstpointer data)
{
	return s->run_id != *(const gint64 *)data;
}

static gboolean
faults_finalized_in_run(const NvrTestSegment *s, gconstpointer data)
{
	return s->run_id == *(const gint64 *)data && g_str_equal(s->status, "finalized");
}

static gboolean
faults_starts_after(const NvrTestSegment *s, gconstpointer data)
{
	return s->start_us > *(const gint64 *)data;
}

static gboolean
faults_finalized_after(const NvrTestSegment *s, gconstpointer data)
{
	return s->start_us > *(const gint64 *)data && g_str_equal(s->status, "finalized");
}

static gboolean
faults_finalized_small(const NvrTestSegment *s, gconstpointer data)
{
	return s->width == 320 && g_str_equal(s->status, "finalized");
}

/* nvrd started on a fresh install and every camera has stored its first fragment */
static NvrTestNvrd *
faults_start(guint n_cameras)
{
	NvrTestNvrd *fx = nvr_test_nvrd_new(n_cameras, FAULTS_CONFIG, faults_fakecam_args);

	nvr_test_nvrd_start(fx);
	nvr_test_nvrd_wait_recording(fx, 30);
	for (guint n = 1; n <= n_cameras; n++) {
		g_autofree gchar *name = g_strdup_printf("c%u", n);
		faults_wait_segment(fx, name, faults_any, NULL, 30, "any");
	}
	return fx;
}

/* after nvrd's SIGTERM, which finalizes every open segment: nothing is left 'recording' */
static GArray *
faults_finalized(NvrTestNvrd *fx, const gchar *camera)
{
	GArray *segs = nvr_test_nvrd_segments(fx, camera);

	g_assert_cmpuint(segs->len, >, 0);
	for (guint i = 0; i < segs->len; i++) {
		const NvrTestSegment *s = &g_array_index(segs, NvrTestSegment, i);
		g_assert_cmpstr(s->status, ==, "finalized");
		g_assert_cmpint(s->frames, >, 0);
	}
	return segs;
}

/* polls the camera's stats until it stops refusing; Returns: the last time it still refused */
static gint64
faults_wait_back(NvrTestNvrd *fx, guint camera, guint timeout_s)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
	gint64 last_refusing = g_get_real_time();

	while (g_get_monotonic_time() < deadline) {
		gint64 now = g_get_real_time();
		g_autoptr(JsonObject) stats = nvr_test_nvrd_camera_stats(fx, camera);

		if (!json_object_get_boolean_member(stats, "refusing"))
			return last_refusing;
		last_refusing = now;
		g_usleep(FAULTS_POLL_US);
	}
	g_test_fail_printf("camera %u still refuses after %u s", camera, timeout_s);
	g_assert_not_reached();
}

/* the gap nvrctl recordings shows that covers [@from_us, @to_us], or fails. The
 * last frame before the outage still lasts its duration (1/15 s) after it came. */
static void
faults_assert_gap(NvrTestNvrd *fx, const gchar *camera, gint64 from_us, gint64 to_us)
{
	g_autoptr(JsonObject) rec = nvr_test_nvrd_recordings(fx, camera);
	JsonArray *gaps = json_object_get_array_member(rec, "gaps");

	for (guint i = 0; i < json_array_get_length(gaps); i++) {
		JsonObject *g = json_array_get_object_element(gaps, i);
		gint64 start = json_object_get_int_member(g, "start_us");
		gint64 end = json_object_get_int_member(g, "end_us");

		g_test_message("%s: gap of %.2f s, from %+.3f s to %+.3f s of the outage", camera,
			       (end - start) / 1e6, (start - from_us) / 1e6, (end - to_us) / 1e6);
		if (start <= from_us + FAULTS_FRAME_US && end >= to_us)
			return;
	}
	g_test_fail_printf("%s: no gap covers the outage (%u gaps)", camera, json_array_get_length(gaps));
}

static void
faults_assert_no_gap(NvrTestNvrd *fx, const gchar *camera)
{
	g_autoptr(JsonObject) rec = nvr_test_nvrd_recordings(fx, camera);

	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(rec, "gaps")), ==, 0);
}

/*
 * Drop: the camera closes every connection and refuses new ones for a few
 * seconds. nvrd must be recording it again within 5 s of its return, the
 * outage must be a gap between two runs, and the other camera must not
 * notice anything.
 */
#define FAULTS_DROP_S 3

static void
test_faults_drop(void)
{
	g_autoptr(NvrTestNvrd) fx = NULL;
	g_autoptr(JsonObject) stats = NULL;
	g_autoptr(GArray) segs1 = NULL;
	g_autoptr(GArray) segs2 = NULL;
	NvrTestSegment first, again;
	gint64 drop_us, dropped_us, back_us;

	nvr_test_watchdog_start(150);
	fx = faults_start(2);
	first = faults_wait_segment(fx, "c1", faults_any, NULL, 5, "any");

	drop_us = g_get_real_time();
	stats = nvr_test_nvrd_fault(fx, 1, "drop?seconds=" G_STRINGIFY(FAULTS_DROP_S));
	dropped_us = g_get_real_time();
	g_assert_true(json_object_get_boolean_member(stats, "refusing"));
	back_us = faults_wait_back(fx, 1, FAULTS_DROP_S + 30);

	again = faults_wait_segment(fx, "c1", faults_other_run, &first.run_id, 30, "a new run");
	g_test_message("drop: camera back %.2f s after the drop, recording again %.2f s later",
		       (back_us - drop_us) / 1e6, (again.start_us - back_us) / 1e6);
	g_assert_cmpint(again.start_us, >, dropped_us);
	g_assert_cmpint(again.start_us - back_us, <=, 5 * G_USEC_PER_SEC);
	/* the new run goes on: one of its segments rotates and is finalized */
	faults_wait_segment(fx, "c1", faults_finalized_in_run, &again.run_id, 30, "the new run finalized one");

	g_assert_cmpint(nvr_test_nvrd_stop(fx, SIGTERM), ==, 0);
	segs1 = faults_finalized(fx, "c1");
	segs2 = faults_finalized(fx, "c2");
	nvr_test_nvrd_assert_verify_deep(fx);
	faults_assert_gap(fx, "c1", dropped_us, back_us);
	/* camera 2 recorded through it all in one run, without a gap */
	faults_assert_no_gap(fx, "c2");
	for (guint i = 1; i < segs2->len; i++)
		g_assert_cmpint(g_array_index(segs2, NvrTestSegment, i).run_id, ==,
				g_array_index(segs2, NvrTestSegment, 0).run_id);
	g_assert_cmpint(g_array_index(segs2, NvrTestSegment, 0).start_us, <, drop_us);
	g_assert_cmpint(g_array_index(segs2, NvrTestSegment, segs2->len - 1).end_us, >, again.start_us);
	nvr_test_watchdog_stop();
}

/*
 * Stall: the connection stays open but no media comes. The frame watchdog
 * must end the run within watchdog-seconds (checked once a second) plus a
 * little, and recording must resume once the camera sends again.
 */
#define FAULTS_STALL_S 6

static void
test_faults_stall(void)
{
	g_autoptr(NvrTestNvrd) fx = NULL;
	g_autoptr(JsonObject) stats = NULL;
	g_autoptr(GArray) segs = NULL;
	g_autofree gchar *line = NULL;
	NvrTestSegment first, again;
	gint64 stall_us, tripped_us, end_us, reason;

	nvr_test_watchdog_start(150);
	fx = faults_start(1);
	first = faults_wait_segment(fx, "c1", faults_any, NULL, 5, "any");

	stall_us = g_get_real_time();
	stats = nvr_test_nvrd_fault(fx, 1, "stall?seconds=" G_STRINGIFY(FAULTS_STALL_S));
	end_us = stall_us + FAULTS_STALL_S * G_USEC_PER_SEC;
	/* the ingest's line, before the recorder writes the run's end to the index */
	line = nvr_test_nvrd_wait_line(fx, "*c1: run 1 ended (watchdog)", FAULTS_WATCHDOG_S + 10);
	tripped_us = g_get_real_time();
	g_assert_nonnull(line);
	g_test_message("stall: watchdog (%u s) tripped after %.2f s", FAULTS_WATCHDOG_S,
		       (tripped_us - stall_us) / 1e6);
	/* not before the last frame was watchdog-seconds old; at most one tick and a second late */
	g_assert_cmpint(tripped_us - stall_us, >=, FAULTS_WATCHDOG_S * G_USEC_PER_SEC - 200 * 1000);
	g_assert_cmpint(tripped_us - stall_us, <=, (FAULTS_WATCHDOG_S + 2) * G_USEC_PER_SEC);

	again = faults_wait_segment(fx, "c1", faults_other_run, &first.run_id, 40, "a new run");
	g_test_message("stall: recording again %.2f s after the stall ended",
		       (again.start_us - end_us) / 1e6);
	/* the camera sent nothing until the stall ended; a reconnect made during the stall may
	 * itself need the watchdog, then the backoff, then a key frame */
	g_assert_cmpint(again.start_us, >, end_us - 200 * 1000);
	g_assert_cmpint(again.start_us - end_us, <=, (FAULTS_WATCHDOG_S + 10) * G_USEC_PER_SEC);
	faults_wait_segment(fx, "c1", faults_finalized_in_run, &again.run_id, 30, "the new run finalized one");

	g_assert_cmpint(nvr_test_nvrd_stop(fx, SIGTERM), ==, 0);
	segs = faults_finalized(fx, "c1");
	nvr_test_nvrd_assert_verify_deep(fx);
	faults_assert_gap(fx, "c1", tripped_us - FAULTS_WATCHDOG_S * G_USEC_PER_SEC, end_us);
	reason = nvr_test_nvrd_query_int(fx, "SELECT count(*) FROM runs WHERE id = ?1 AND "
					     "end_reason = 'watchdog'", first.run_id, 0);
	g_assert_cmpint(reason, ==, 1);
	nvr_test_watchdog_stop();
}

/* ffprobe decodes every frame of @path; Returns: the video stream's description */
static JsonObject *
faults_probe(const gchar *path)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(JsonObject) root = NULL;
	JsonArray *streams;

	g_assert_cmpint(nvr_test_nvrd_run(&out, &err, "ffprobe", "-v", "warning", "-count_frames",
					  "-select_streams", "v:0", "-show_entries",
					  "stream=width,height,nb_read_frames", "-of", "json", path, NULL),
			==, 0);
	/* at warning level ffprobe says nothing about a clean file */
	if (err[0] != '\0')
		g_test_message("ffprobe %s: %s", path, err);
	g_assert_cmpstr(err, ==, "");
	root = nvr_test_nvrd_parse_object(out);
	streams = json_object_get_array_member(root, "streams");
	g_assert_cmpuint(json_array_get_length(streams), ==, 1);
	return json_object_ref(json_array_get_object_element(streams, 0));
}

/* exports [@first, @last] of the segments and checks what ffprobe decodes against the index */
static void
faults_assert_export(NvrTestNvrd *fx, GArray *segs, guint first, guint last, const gchar *name)
{
	const NvrTestSegment *a = &g_array_index(segs, NvrTestSegment, first);
	const NvrTestSegment *b = &g_array_index(segs, NvrTestSegment, last);
	g_autofree gchar *path = g_build_filename(fx->dir, name, NULL);
	g_autoptr(JsonObject) result = NULL;
	g_autoptr(JsonObject) probe = NULL;
	g_autofree gchar *nb = NULL;
	gint64 frames = 0;

	for (guint i = first; i <= last; i++)
		frames += g_array_index(segs, NvrTestSegment, i).frames;
	/* a span that starts inside @a and ends inside @b: neither neighbour is in it */
	result = nvr_test_nvrd_export(fx, "c1", a->start_us + 30 * 1000, b->end_us - 30 * 1000, path);
	g_assert_cmpint(json_object_get_int_member(result, "segments"), ==, last - first + 1);
	g_assert_cmpint(json_object_get_int_member(result, "frames"), ==, frames);
	probe = faults_probe(path);
	nb = g_strdup(json_object_get_string_member(probe, "nb_read_frames"));
	g_test_message("%s: %s frames of %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT, name, nb, a->width,
		       a->height);
	g_assert_cmpint(g_ascii_strtoll(nb, NULL, 10), ==, frames);
	g_assert_cmpint(json_object_get_int_member(probe, "width"), ==, a->width);
	g_assert_cmpint(json_object_get_int_member(probe, "height"), ==, a->height);
}

/*
 * Resolution change: new SPS/PPS and picture size at a key frame. nvrd
 * must end the segment and begin one with a new init segment; both halves
 * are finalized and each exports to a file that plays at its own size.
 */
static void
test_faults_resolution(void)
{
	g_autoptr(NvrTestNvrd) fx = NULL;
	g_autoptr(JsonObject) stats = NULL;
	g_autoptr(GArray) segs = NULL;
	g_autofree gchar *line = NULL;
	const NvrTestSegment *before, *after;
	guint split = 0;

	nvr_test_watchdog_start(150);
	fx = faults_start(1);
	stats = nvr_test_nvrd_fault(fx, 1, "resolution?size=320x180");
	line = nvr_test_nvrd_wait_line(fx, "*c1: video format changed: h264 320x180", 20);
	g_assert_nonnull(line);
	faults_wait_segment(fx, "c1", faults_finalized_small, NULL, 30, "320x180 is finalized");
	g_assert_cmpint(nvr_test_nvrd_stop(fx, SIGTERM), ==, 0);
	segs = faults_finalized(fx, "c1");
	nvr_test_nvrd_assert_verify_deep(fx);

	/* every 640x360 segment comes before every 320x180 one */
	while (split < segs->len && g_array_index(segs, NvrTestSegment, split).width == 640)
		split++;
	g_assert_cmpuint(split, >, 0);
	g_assert_cmpuint(split, <, segs->len);
	for (guint i = split; i < segs->len; i++) {
		g_assert_cmpint(g_array_index(segs, NvrTestSegment, i).width, ==, 320);
		g_assert_cmpint(g_array_index(segs, NvrTestSegment, i).height, ==, 180);
	}
	before = &g_array_index(segs, NvrTestSegment, split - 1);
	after = &g_array_index(segs, NvrTestSegment, split);
	g_test_message("resolution: %u segments before, %u after; run %" G_GINT64_FORMAT
		       " then %" G_GINT64_FORMAT, split, segs->len - split, before->run_id,
		       after->run_id);
	/* the same connection goes on: media time runs on into the new segment */
	if (before->run_id == after->run_id)
		g_assert_cmpint(after->media_start, ==, before->media_start + before->media_duration);
	faults_assert_export(fx, segs, 0, split - 1, "before.mp4");
	faults_assert_export(fx, segs, split, segs->len - 1, "after.mp4");
	nvr_test_watchdog_stop();
}

/* wall times and media times of the index agree, segment by segment */
static void
faults_assert_monotonic(GArray *segs)
{
	for (guint i = 0; i < segs->len; i++) {
		const NvrTestSegment *s = &g_array_index(segs, NvrTestSegment, i);
		g_test_message("segment %" G_GINT64_FORMAT " run %" G_GINT64_FORMAT " wall %" G_GINT64_FORMAT
			       " +%" G_GINT64_FORMAT " us, media %" G_GINT64_FORMAT " +%" G_GINT64_FORMAT
			       ", %" G_GINT64_FORMAT " frames",
			       s->id, s->run_id, s->start_us, s->end_us - s->start_us, s->media_start,
			       s->media_duration, s->frames);
	}
	for (guint i = 0; i < segs->len; i++) {
		const NvrTestSegment *s = &g_array_index(segs, NvrTestSegment, i);
		gint64 wall = s->end_us - s->start_us;
		gint64 media_us = s->media_duration * 100 / 9;

		g_assert_cmpint(s->media_duration, >, 0);
		/* a finalized segment ends at its start plus its media time, whatever moved it */
		g_assert_cmpint(ABS(wall - media_us), <=, 1);
		if (i == 0)
			continue;
		const NvrTestSegment *p = &g_array_index(segs, NvrTestSegment, i - 1);
		/* slewing (500 ppm at most) is all that may make two segments overlap */
		g_assert_cmpint(s->start_us, >=, p->end_us - 5 * 1000);
		if (s->run_id == p->run_id)
			g_assert_cmpint(s->media_start, ==, p->media_start + p->media_duration);
		else
			g_assert_cmpint(s->run_id, >, p->run_id);
	}
}

/* the export's video timestamps: increasing, no step beyond the index's gaps */
static void
faults_assert_export_times(const gchar *path, gint64 frames, gint64 max_gap_us, gint64 span_us)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_auto(GStrv) lines = NULL;
	gint64 prev = -1, n = 0, max_step = 0;

	g_assert_cmpint(nvr_test_nvrd_run(&out, &err, "ffprobe", "-v", "warning", "-select_streams",
					  "v:0", "-show_entries", "packet=dts", "-of", "csv=p=0", path,
					  NULL),
			==, 0);
	g_assert_cmpstr(err, ==, "");
	lines = g_strsplit(out, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		gint64 dts;

		if (lines[i][0] == '\0')
			continue;
		/* MP4 video: a 90 kHz timescale */
		dts = g_ascii_strtoll(lines[i], NULL, 10) * 100 / 9;
		if (prev >= 0) {
			g_assert_cmpint(dts, >, prev);
			max_step = MAX(max_step, dts - prev);
		}
		prev = dts;
		n++;
	}
	g_test_message("export: %" G_GINT64_FORMAT " frames over %.2f s, longest step %.2f s", n,
		       prev / 1e6, max_step / 1e6);
	g_assert_cmpint(n, ==, frames);
	g_assert_cmpint(max_step, <=, max_gap_us + 200 * 1000);
	g_assert_cmpint(ABS(prev - span_us), <=, 500 * 1000);
}

/*
 * Timestamp jumps: the camera's RTP time leaps 30 s ahead, later 45 s
 * back. Nothing recorded may be corrupted: verify --deep is clean, the
 * index's media times run on within each run and agree with its wall
 * times, and one export of it all plays with continuous timestamps.
 */
static void
test_faults_jump(void)
{
	g_autoptr(NvrTestNvrd) fx = NULL;
	g_autoptr(JsonObject) fwd = NULL;
	g_autoptr(JsonObject) back = NULL;
	g_autoptr(JsonObject) result = NULL;
	g_autoptr(JsonObject) probe = NULL;
	g_autoptr(GArray) segs = NULL;
	g_autofree gchar *path = NULL;
	const NvrTestSegment *a, *z;
	gint64 started_us, jump_us, stop_us, frames = 0, max_gap = 0;

	nvr_test_watchdog_start(150);
	started_us = g_get_real_time();
	fx = faults_start(1);
	fwd = nvr_test_nvrd_fault(fx, 1, "jump?seconds=30");
	jump_us = g_get_real_time();
	faults_wait_segment(fx, "c1", faults_starts_after, &jump_us, 30, "it starts after +30 s");
	back = nvr_test_nvrd_fault(fx, 1, "jump?seconds=-45");
	jump_us = g_get_real_time();
	faults_wait_segment(fx, "c1", faults_finalized_after, &jump_us, 30, "it is finalized after -45 s");
	g_assert_cmpint(nvr_test_nvrd_stop(fx, SIGTERM), ==, 0);
	stop_us = g_get_real_time();
	segs = faults_finalized(fx, "c1");
	nvr_test_nvrd_assert_verify_deep(fx);

	faults_assert_monotonic(segs);
	a = &g_array_index(segs, NvrTestSegment, 0);
	z = &g_array_index(segs, NvrTestSegment, segs->len - 1);
	/* the stored timeline is where the test was, not 30 s off. The last segment ends where
	 * its last frame does, a frame's duration after that frame came: later than nvrd's exit
	 * when nvrd finishes within a frame of the frame that came just before SIGTERM */
	g_assert_cmpint(a->start_us, >=, started_us);
	g_assert_cmpint(z->end_us, <=, stop_us + FAULTS_FRAME_US);
	for (guint i = 0; i < segs->len; i++) {
		frames += g_array_index(segs, NvrTestSegment, i).frames;
		if (i > 0)
			max_gap = MAX(max_gap, g_array_index(segs, NvrTestSegment, i).start_us -
						       g_array_index(segs, NvrTestSegment, i - 1).end_us);
	}
	path = g_build_filename(fx->dir, "jumps.mp4", NULL);
	result = nvr_test_nvrd_export(fx, "c1", a->start_us, z->end_us, path);
	g_assert_cmpint(json_object_get_int_member(result, "frames"), ==, frames);
	faults_assert_export_times(path, frames, max_gap, z->end_us - a->start_us);
	/* and every frame decodes */
	probe = faults_probe(path);
	g_assert_cmpint(g_ascii_strtoll(json_object_get_string_member(probe, "nb_read_frames"), NULL, 10),
			==, frames);
	nvr_test_watchdog_stop();
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/nvr/daemon/faults/drop", test_faults_drop);
	g_test_add_func("/nvr/daemon/faults/stall", test_faults_stall);
	g_test_add_func("/nvr/daemon/faults/resolution", test_faults_resolution);
	g_test_add_func("/nvr/daemon/faults/jump", test_faults_jump);
	return g_test_run();
}
