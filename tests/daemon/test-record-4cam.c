/*
 * Four nvr-fakecam cameras recorded by nvrd for three minutes with the
 * default segment rotation (60 s):
 *   - every segment is finalized, one run per camera, no gap, and
 *     nvrctl verify --deep is clean;
 *   - every frame a camera sent is stored: at the end the cameras stall
 *     (connections kept), nvrd is given time to take in what was sent
 *     (its /api/health counters), and only then stopped, so no frame is in
 *     flight at shutdown and sent == stored exactly;
 *   - an nvrctl export spanning three segments lasts as long as asked
 *     (± one GOP, ffprobe) and holds the frames the index predicts.
 * Sanitizer builds run 2 cameras for 40 s with 15 s segments: still three
 * segments per camera, rotation and export across them.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "nvr-test-nvrd.h"

#if defined(__SANITIZE_ADDRESS__)
#define RECORD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RECORD_SANITIZED 1
#endif
#endif
#ifndef RECORD_SANITIZED
#define RECORD_SANITIZED 0
#endif

/* nvr-fakecam's stream: 15 fps, a key frame every 2 s (nvr/fakecam/README.md) */
#define FPS 15
#define GOP_US (2 * G_USEC_PER_SEC)
#define GOP_FRAMES 30
/* the stall that ends the recording, and what nvrd gets to take in what was sent */
#define STALL_S 40
#define DRAIN_S 30

typedef struct {
	guint cameras;
	guint seconds;
	guint segment_s;
} Variant;

static const Variant full = {.cameras = 4, .seconds = 180, .segment_s = 60};
static const Variant sanitized = {.cameras = 2, .seconds = 40, .segment_s = 15};

static gchar *
camera_name(guint n)
{
	return g_strdup_printf("c%u", n);
}

/* video frames the main stream of camera @n has sent */
static gint64
frames_sent(NvrTestNvrd *fx, guint n)
{
	g_autoptr(JsonObject) stats = nvr_test_nvrd_camera_stats(fx, n);
	JsonObject *streams = json_object_get_object_member(stats, "streams");

	return json_object_get_int_member(json_object_get_object_member(streams, "main"),
					  "frames_sent");
}

static JsonObject *
health_camera(JsonObject *health, guint n)
{
	JsonArray *cams = json_object_get_array_member(health, "cameras");
	g_autofree gchar *name = camera_name(n);

	for (guint i = 0; i < json_array_get_length(cams); i++) {
		JsonObject *c = json_array_get_object_element(cams, i);
		if (g_strcmp0(json_object_get_string_member(c, "name"), name) == 0)
			return c;
	}
	g_assert_not_reached();
}

/* until nvrd has received what every camera sent; Returns: TRUE if it has */
static gboolean
wait_drained(NvrTestNvrd *fx, const Variant *v, const gint64 *sent)
{
	gint64 deadline = g_get_monotonic_time() + DRAIN_S * G_USEC_PER_SEC;

	for (;;) {
		g_autoptr(JsonObject) health = nvr_test_nvrd_health(fx);
		guint behind = 0;

		for (guint n = 1; n <= v->cameras; n++) {
			JsonObject *c = health_camera(health, n);
			/* a reconnect would lose frames: the whole recording is one run */
			g_assert_cmpint(json_object_get_int_member(c, "runs"), ==, 1);
			g_assert_cmpint(json_object_get_int_member(c, "frames_received"), <=,
					sent[n - 1]);
			behind += json_object_get_int_member(c, "frames_received") < sent[n - 1];
		}
		if (behind == 0)
			return TRUE;
		if (g_get_monotonic_time() > deadline)
			return FALSE;
		g_usleep(G_USEC_PER_SEC / 5);
	}
}

/* records, stalls the cameras, drains and stops nvrd; fills @sent per camera */
static void
record(NvrTestNvrd *fx, const Variant *v, gint64 *sent)
{
	nvr_test_nvrd_start(fx);
	nvr_test_nvrd_wait_recording(fx, 60);
	g_usleep((gulong)v->seconds * G_USEC_PER_SEC);
	for (guint n = 1; n <= v->cameras; n++) {
		g_autofree gchar *stall = g_strdup_printf("stall?seconds=%d", STALL_S);
		json_object_unref(nvr_test_nvrd_fault(fx, n, stall));
	}
	g_usleep(G_USEC_PER_SEC / 2); /* a feeder may be past its stall check for one frame */
	for (guint n = 1; n <= v->cameras; n++)
		sent[n - 1] = frames_sent(fx, n);
	g_assert_true(wait_drained(fx, v, sent));
	g_assert_cmpint(nvr_test_nvrd_stop(fx, SIGTERM), ==, 0);
	/* the stall held until nvrd was gone: nothing was sent that it could not store */
	for (guint n = 1; n <= v->cameras; n++)
		g_assert_cmpint(frames_sent(fx, n), ==, sent[n - 1]);
}

/* every segment finalized, in one run without gaps, rotated on time; Returns: frames stored */
static gint64
check_segments(NvrTestNvrd *fx, const Variant *v, guint n)
{
	g_autofree gchar *name = camera_name(n);
	g_autoptr(JsonObject) rec = nvr_test_nvrd_recordings(fx, name);
	JsonArray *segs = json_object_get_array_member(rec, "segments");
	guint len = json_array_get_length(segs);
	gint64 frames = 0;

	g_assert_cmpuint(len, >=, 3);
	g_assert_cmpuint(len, <=, v->seconds / (v->segment_s * 3 / 4) + 1);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(rec, "gaps")), ==, 0);
	for (guint i = 0; i < len; i++) {
		JsonObject *s = json_array_get_object_element(segs, i);
		gint64 dur = json_object_get_int_member(s, "end_us") -
			     json_object_get_int_member(s, "start_us");

		g_assert_cmpstr(json_object_get_string_member(s, "status"), ==, "finalized");
		g_assert_cmpint(json_object_get_int_member(s, "run_id"), ==,
				json_object_get_int_member(json_array_get_object_element(segs, 0),
							   "run_id"));
		/* rotation: at the first key frame after the segment length less a stagger of
		 * at most a quarter of it */
		if (i + 1 < len) {
			g_assert_cmpint(dur, >=,
					(gint64)v->segment_s * 3 / 4 * G_USEC_PER_SEC - GOP_US);
			g_assert_cmpint(dur, <=, (gint64)v->segment_s * G_USEC_PER_SEC + GOP_US);
		}
		frames += json_object_get_int_member(s, "frames");
	}
	g_test_message("%s: %u segments, %" G_GINT64_FORMAT " frames", name, len, frames);
	return frames;
}

static JsonObject *
ffprobe(const gchar *path)
{
	g_autofree gchar *out = NULL, *err = NULL;

	g_assert_cmpint(nvr_test_nvrd_run(&out, &err, "ffprobe", "-v", "warning", "-count_frames",
					  "-select_streams", "v:0", "-show_entries",
					  "stream=nb_read_frames:format=duration", "-of", "json",
					  path, NULL),
			==, 0);
	/* ffprobe decoded every frame and had nothing to warn about */
	g_assert_cmpstr(err, ==, "");
	return nvr_test_nvrd_parse_object(out);
}

/*
 * From 4.5 s into the first segment to 3.5 s into the third: the export
 * begins at the key frame 4 s in (two GOPs of the first segment left out)
 * and ends with the GOP that holds its end (the third segment's first two
 * GOPs), so it holds as many frames as the first two segments and lasts
 * one second longer than asked.
 */
static void
check_export(NvrTestNvrd *fx, guint n)
{
	g_autofree gchar *name = camera_name(n);
	g_autofree gchar *mp4 = g_strdup_printf("%s/%s.mp4", fx->dir, name);
	g_autoptr(JsonObject) rec = nvr_test_nvrd_recordings(fx, name);
	JsonArray *segs = json_object_get_array_member(rec, "segments");
	JsonObject *s0 = json_array_get_object_element(segs, 0);
	JsonObject *s1 = json_array_get_object_element(segs, 1);
	JsonObject *s2 = json_array_get_object_element(segs, 2);
	gint64 start = json_object_get_int_member(s0, "start_us") + 4500 * 1000;
	gint64 end = json_object_get_int_member(s2, "start_us") + 3500 * 1000;
	gint64 want_frames = json_object_get_int_member(s0, "frames") - 2 * GOP_FRAMES +
			     json_object_get_int_member(s1, "frames") + 2 * GOP_FRAMES;
	g_autoptr(JsonObject) result = NULL;
	g_autoptr(JsonObject) probe = NULL;
	JsonObject *stream;
	gdouble duration_us;

	g_assert_cmpint(json_object_get_int_member(s2, "end_us") -
				json_object_get_int_member(s2, "start_us"),
			>=, 4 * G_USEC_PER_SEC);
	result = nvr_test_nvrd_export(fx, name, start, end, mp4);
	g_assert_cmpint(json_object_get_int_member(result, "segments"), ==, 3);
	g_assert_cmpint(json_object_get_int_member(result, "frames"), ==, want_frames);

	probe = ffprobe(mp4);
	stream = json_array_get_object_element(json_object_get_array_member(probe, "streams"), 0);
	g_assert_cmpint(
		g_ascii_strtoll(json_object_get_string_member(stream, "nb_read_frames"), NULL, 10),
		==, want_frames);
	duration_us =
		g_ascii_strtod(json_object_get_string_member(
				       json_object_get_object_member(probe, "format"), "duration"),
			       NULL) *
		G_USEC_PER_SEC;
	g_test_message("export of %s: asked %.3f s, got %.3f s, %" G_GINT64_FORMAT " frames", name,
		       (end - start) / 1e6, duration_us / 1e6, want_frames);
	g_assert_cmpfloat(ABS(duration_us - (gdouble)(end - start)), <=, GOP_US);
	/* and it is the frames' own length: no gap or overlap where segments meet */
	g_assert_cmpfloat(ABS(duration_us - want_frames * (gdouble)G_USEC_PER_SEC / FPS), <=,
			  G_USEC_PER_SEC / FPS);
}

static void
test_record_4cam(void)
{
	const Variant *v = RECORD_SANITIZED ? &sanitized : &full;
	const gchar *fakecam_args[] = {"--persona", "hikvision,dahua,axis,reolink",
				       "--clip-seconds", "4", NULL};
	/* the defaults but the segment length of the variant, and a watchdog that
	 * outlasts the stall ending the recording */
	g_autofree gchar *config = g_strdup_printf("segment-seconds = %u\nwatchdog-seconds = %d\n",
						   v->segment_s, STALL_S + 20);
	g_autoptr(NvrTestNvrd) fx = NULL;
	g_autofree gint64 *sent = g_new0(gint64, v->cameras);

	nvr_test_watchdog_start(v->seconds + 240);
	fx = nvr_test_nvrd_new(v->cameras, config, fakecam_args);
	record(fx, v, sent);
	nvr_test_nvrd_assert_verify_deep(fx);
	for (guint n = 1; n <= v->cameras; n++) {
		g_test_message("camera %u sent %" G_GINT64_FORMAT " frames", n, sent[n - 1]);
		g_assert_cmpint(check_segments(fx, v, n), ==, sent[n - 1]);
	}
	check_export(fx, 1);
	nvr_test_watchdog_stop();
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/nvr/daemon/record-4cam", test_record_4cam);
	return g_test_run();
}
