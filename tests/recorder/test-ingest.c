/*
 * test-ingest.c: NvrIngest against nvr-fakecam over RTSP on 127.0.0.1.
 * One fakecam process serves every case, each case its own cameras, so a
 * fault injected in one case cannot reach another. A recording consumer
 * checks the ingest's promises on every callback (order, key frames,
 * increasing media time); the cases check what they provoke.
 */
#include "config.h"

#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/nvr-error.h"
#include "nvr-test-common.h"
#include "recorder/nvr-ingest.h"

#define N_CAMERAS 9
#define FPS 15
#define TICKS_PER_FRAME (90000 / FPS)

typedef struct {
	gchar *rtsp;
	gchar *sub;
	gchar *control;
} FcCamera;

static struct {
	NvrTestProc *proc;
	gchar *dir;
	gchar *password;
	FcCamera cams[N_CAMERAS + 1]; /* 1-based, as fakecam counts */
	SoupSession *session;
	GMutex log_lock;
	GString *log; /* every GLib and GStreamer log line of the process */
	NvrClock *clock;
} fc;

/* ---- what a consumer sees, checked as it comes ---- */

typedef struct {
	NvrIngest *ingest;
	guint runs_started;
	guint runs_ended;
	GArray *end_reasons; /* NvrIngestEndReason */
	guint64 run;	     /* the open run, 0 when none */
	guint64 frames;	     /* video, all runs */
	guint64 run_frames;  /* video, this run */
	guint64 audio;
	guint caps_calls;
	gboolean have_caps[NVR_INGEST_N_TRACKS];
	guint width, height;
	NvrIngestCodec video_codec;
	NvrIngestCodec audio_codec;
	guint audio_rate;
	gint64 last_dts[NVR_INGEST_N_TRACKS];
	gint64 last_wall;
	gint64 first_frame_mono; /* of the open run */
	gint64 run_ended_mono;
	guint64 keyframes;
	gint64 max_dts_step; /* largest video dts step inside one run */
	gint32 max_cts;	     /* largest video composition offset (B-frames) */
	gboolean run_unsynced;
	gint64 run_wall_start;
	guint sync_corrections;
	gint64 sync_delta;	 /* of the last SYNC correction */
} Rec;

static void
rec_run_started(NvrIngest *ingest, const NvrIngestRun *run, gpointer user_data)
{
	Rec *r = user_data;

	g_assert_cmpuint(r->run, ==, 0);
	g_assert_cmpuint(run->id, >, 0);
	g_assert_cmpuint(run->frames, ==, 0);
	g_assert_cmpint(run->wall_start_us, >, 0);
	r->run = run->id;
	r->runs_started++;
	r->run_unsynced = run->unsynced;
	r->run_wall_start = run->wall_start_us;
	r->run_frames = 0;
	r->last_dts[0] = r->last_dts[1] = -1;
	r->last_wall = 0;
	memset(r->have_caps, 0, sizeof(r->have_caps));
	r->first_frame_mono = g_get_monotonic_time();
}

static void
rec_caps_changed(NvrIngest *ingest, const NvrIngestCaps *caps, gpointer user_data)
{
	Rec *r = user_data;

	g_assert_cmpuint(r->run, !=, 0);
	g_assert_nonnull(caps->caps);
	r->caps_calls++;
	r->have_caps[caps->track] = TRUE;
	if (caps->track == NVR_INGEST_TRACK_VIDEO) {
		g_assert_true(caps->codec == NVR_INGEST_CODEC_H264 ||
			      caps->codec == NVR_INGEST_CODEC_H265);
		g_assert_cmpuint(caps->timescale, ==, 90000);
		g_assert_nonnull(caps->codec_data); /* avcC or hvcC, for the init segment */
		g_assert_cmpuint(g_bytes_get_size(caps->codec_data), >, 7);
		r->video_codec = caps->codec;
		r->width = caps->width;
		r->height = caps->height;
	} else {
		g_assert_cmpuint(caps->timescale, ==, caps->rate);
		r->audio_codec = caps->codec;
		r->audio_rate = caps->rate;
	}
}

/* an AVC or HVC access unit is a whole number of 4-byte length-prefixed NAL units */
static void
rec_check_avc(GstBuffer *buffer)
{
	GstMapInfo map;
	gsize off = 0;

	g_assert_true(gst_buffer_map(buffer, &map, GST_MAP_READ));
	while (off + 4 <= map.size) {
		const guint8 *p = map.data + off;
		guint32 len = (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
		g_assert_cmpuint(len, >, 0);
		off += 4 + len;
	}
	g_assert_cmpuint(off, ==, map.size);
	gst_buffer_unmap(buffer, &map);
}

static void
rec_access_unit(NvrIngest *ingest, const NvrIngestAu *au, gpointer user_data)
{
	Rec *r = user_data;

	g_assert_cmpuint(au->run, ==, r->run);
	g_assert_true(r->have_caps[au->track]);
	g_assert_cmpint(au->dts, >, r->last_dts[au->track]);
	g_assert_cmpint(au->arrival_us, >, 0);
	if (au->track == NVR_INGEST_TRACK_VIDEO) {
		/* a run starts with a key frame at media time 0 */
		if (r->run_frames == 0) {
			g_assert_true(au->keyframe);
			g_assert_cmpint(au->dts, ==, 0);
		} else {
			r->max_dts_step = MAX(r->max_dts_step, au->dts - r->last_dts[0]);
		}
		g_assert_cmpint(au->wall_us, >, r->last_wall);
		rec_check_avc(au->buffer);
		/* a frame is never decoded after it is shown */
		g_assert_cmpint(au->cts_offset, >=, 0);
		r->max_cts = MAX(r->max_cts, au->cts_offset);
		r->last_wall = au->wall_us;
		r->run_frames++;
		r->frames++;
		r->keyframes += au->keyframe ? 1 : 0;
	} else {
		/* no audio before the run's first key frame */
		g_assert_cmpuint(r->run_frames, >, 0);
		g_assert_true(au->keyframe);
		r->audio++;
	}
	r->last_dts[au->track] = au->dts;
}

static void
rec_run_ended(NvrIngest *ingest,
	      const NvrIngestRun *run,
	      NvrIngestEndReason reason,
	      const GError *error,
	      gpointer user_data)
{
	Rec *r = user_data;

	g_assert_cmpuint(run->id, ==, r->run);
	g_assert_cmpuint(run->frames, ==, r->run_frames);
	g_assert_true((reason == NVR_INGEST_END_ERROR || reason == NVR_INGEST_END_EOS ||
		       reason == NVR_INGEST_END_WATCHDOG) == (error != NULL));
	g_array_append_val(r->end_reasons, reason);
	r->runs_ended++;
	r->run = 0;
	r->run_ended_mono = g_get_monotonic_time();
}

/* the wall times this consumer keeps move with the corrections */
static void
rec_wall_corrected(NvrIngest *ingest,
		   guint64 run,
		   gint64 delta_us,
		   NvrTimelineCorrectionReason reason,
		   gpointer user_data)
{
	Rec *r = user_data;

	if (run == r->run)
		r->last_wall += delta_us;
	if (reason == NVR_TIMELINE_CORRECTION_ANCHOR)
		g_assert_cmpint(delta_us, <=, 0);
	if (reason == NVR_TIMELINE_CORRECTION_SYNC) {
		r->sync_corrections++;
		r->sync_delta = delta_us;
	}
}

static const NvrIngestConsumer rec_consumer = {
    .run_started = rec_run_started,
    .caps_changed = rec_caps_changed,
    .access_unit = rec_access_unit,
    .run_ended = rec_run_ended,
    .wall_corrected = rec_wall_corrected,
};

static void
rec_free(Rec *r)
{
	if (r->ingest != NULL) {
		nvr_ingest_stop(r->ingest);
		g_object_unref(r->ingest);
	}
	g_array_unref(r->end_reasons);
	g_free(r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Rec, rec_free)

static Rec *
rec_new_for_url(const gchar *name, const gchar *url)
{
	g_autoptr(GError) error = NULL;
	Rec *r = g_new0(Rec, 1);

	r->end_reasons = g_array_new(FALSE, FALSE, sizeof(NvrIngestEndReason));
	r->last_dts[0] = r->last_dts[1] = -1;
	r->ingest = nvr_ingest_new(name, url, fc.clock, &error);
	g_assert_no_error(error);
	nvr_ingest_add_consumer(r->ingest, &rec_consumer, r, NULL);
	return r;
}

/* credentials through nvr_ingest_set_credentials() */
static Rec *
rec_new(const gchar *name, guint camera)
{
	Rec *r = rec_new_for_url(name, fc.cams[camera].rtsp);

	nvr_ingest_set_credentials(r->ingest, "admin", fc.password);
	return r;
}

static gboolean
rec_has_end(Rec *r, NvrIngestEndReason reason)
{
	for (guint i = 0; i < r->end_reasons->len; i++) {
		if (g_array_index(r->end_reasons, NvrIngestEndReason, i) == reason)
			return TRUE;
	}
	return FALSE;
}

/* ---- waiting on the main loop ---- */

static gboolean
wake_cb(gpointer data)
{
	return G_SOURCE_CONTINUE;
}

typedef gboolean (*Pred)(gpointer data);

static gboolean
wait_for(Pred pred, gpointer data, guint timeout_s)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
	guint id = g_timeout_add(20, wake_cb, NULL);

	while (!pred(data) && g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(id);
	return pred(data);
}

typedef struct {
	Rec *r;
	guint64 n;
} RecN;

static gboolean
rec_frames_at_least(gpointer data)
{
	RecN *w = data;
	return w->r->frames >= w->n;
}

static gboolean
rec_runs_started_at_least(gpointer data)
{
	RecN *w = data;
	return w->r->runs_started >= w->n;
}

static gboolean
rec_runs_ended_at_least(gpointer data)
{
	RecN *w = data;
	return w->r->runs_ended >= w->n;
}

static void
wait_frames(Rec *r, guint64 n, guint timeout_s)
{
	RecN w = {r, n};
	g_assert_true(wait_for(rec_frames_at_least, &w, timeout_s));
}

/* ---- the fake camera ---- */

typedef struct {
	gboolean done;
	guint status;
} FcReply;

static void
fc_reply_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	FcReply *reply = user_data;

	g_bytes_unref(soup_session_send_and_read_finish(SOUP_SESSION(source), res, NULL));
	reply->done = TRUE;
}

static gboolean
fc_reply_done(gpointer data)
{
	return ((FcReply *)data)->done;
}

/* a fault on camera @camera, e.g. "drop?seconds=2"; the loop keeps running meanwhile */
static void
fc_control(guint camera, const gchar *action)
{
	g_autofree gchar *url =
	    g_strdup_printf("%scameras/%u/%s", fc.cams[camera].control, camera, action);
	g_autoptr(SoupMessage) msg = soup_message_new("POST", url);
	FcReply reply = {0};

	soup_message_set_request_body_from_bytes(msg, "text/plain", NULL);
	soup_session_send_and_read_async(fc.session, msg, G_PRIORITY_DEFAULT, NULL, fc_reply_cb,
					 &reply);
	g_assert_true(wait_for(fc_reply_done, &reply, 30));
	g_assert_cmpuint(soup_message_get_status(msg), ==, 200);
}

static gchar *
fc_field(const gchar *line, const gchar *key)
{
	g_auto(GStrv) tokens = g_strsplit(line, " ", -1);
	gsize klen = strlen(key);

	for (guint i = 0; tokens[i] != NULL; i++) {
		if (strncmp(tokens[i], key, klen) == 0 && tokens[i][klen] == '=')
			return g_strdup(tokens[i] + klen + 1);
	}
	return NULL;
}

static GPid fc_pid;

/* a failed assertion or the watchdog aborts: take the camera along */
static void
fc_abort_handler(int signum)
{
	if (fc_pid > 0)
		kill(fc_pid, SIGKILL);
	signal(signum, SIG_DFL);
	raise(signum);
}

static void
fc_start(void)
{
	g_autofree gchar *pwfile = NULL;
	g_autofree gchar *clip = NULL;
	g_autofree gchar *ready = NULL;
	g_autoptr(GError) error = NULL;
	GPtrArray *lines;

	fc.dir = nvr_test_mkdtemp();
	/* distinctive, so that finding it in a log means something */
	fc.password = g_strdup_printf("Pw-%08x%08x", g_random_int(), g_random_int());
	pwfile = g_build_filename(fc.dir, "password", NULL);
	clip = g_build_filename(fc.dir, "clip.nfc", NULL);
	g_assert_true(g_file_set_contents(pwfile, fc.password, -1, NULL));
	{
		const gchar *argv[] = {nvr_test_build_path("NVR_FAKECAM", "nvr/fakecam/nvr-fakecam"),
				       "--cameras", G_STRINGIFY(N_CAMERAS),
				       "--clip", clip,
				       "--clip-seconds", "4",
				       "--resolution", "640x360",
				       "--sub-resolution", "320x180",
				       "--fps", G_STRINGIFY(FPS),
				       "--bitrate", "800",
				       "--audio",
				       "--user", "admin",
				       "--password-file", pwfile,
				       NULL};
		fc.proc = nvr_test_proc_spawn(argv, &error);
	}
	g_assert_no_error(error);
	fc_pid = nvr_test_proc_get_pid(fc.proc);
	signal(SIGABRT, fc_abort_handler);
	ready = nvr_test_proc_wait_line(fc.proc, "ready", 90, &error);
	g_assert_no_error(error);
	lines = nvr_test_proc_get_lines(fc.proc);
	for (guint i = 0; i < lines->len; i++) {
		const gchar *line = g_ptr_array_index(lines, i);
		guint n;

		if (sscanf(line, "camera %u ", &n) != 1 || n < 1 || n > N_CAMERAS)
			continue;
		fc.cams[n].rtsp = fc_field(line, "rtsp");
		fc.cams[n].sub = fc_field(line, "sub");
		fc.cams[n].control = fc_field(line, "control");
	}
	for (guint n = 1; n <= N_CAMERAS; n++)
		g_assert_nonnull(fc.cams[n].rtsp);
	fc.session = soup_session_new();
}

static void
fc_stop(void)
{
	gint status = nvr_test_proc_stop(fc.proc, SIGTERM, 10);

	/* how nvr-fakecam exits is tests/fakecam's business, not this test's */
	if (status != 0)
		g_printerr("nvr-fakecam exited with status %d\n", status);
	nvr_test_proc_free(fc.proc);
	g_clear_object(&fc.session);
	nvr_test_rm_rf(fc.dir);
}

/* ---- the cases ---- */

static void
check_stream(Rec *r, guint width, guint height)
{
	NvrIngestStats stats;

	g_assert_cmpuint(r->runs_started, ==, 1);
	g_assert_cmpuint(r->runs_ended, ==, 0);
	g_assert_cmpuint(r->width, ==, width);
	g_assert_cmpuint(r->height, ==, height);
	g_assert_cmpuint(r->keyframes, >=, 1);
	/* no frame lost inside a run: every step is one frame at 15 fps */
	g_assert_cmpint(r->max_dts_step, ==, TICKS_PER_FRAME);
	g_assert_cmpint(nvr_ingest_get_state(r->ingest), ==, NVR_INGEST_STATE_RECORDING);
	nvr_ingest_get_stats(r->ingest, &stats);
	g_assert_cmpuint(stats.frames, ==, r->frames);
	g_assert_cmpuint(stats.connections, ==, 1);
}

/* credentials in the URL are moved to rtspsrc's properties */
static void
test_ingest_tcp(void)
{
	g_autofree gchar *hostpath = g_strdup(fc.cams[1].rtsp + strlen("rtsp://"));
	g_autofree gchar *url = g_strdup_printf("rtsp://admin:%s@%s", fc.password, hostpath);
	g_autoptr(Rec) r = rec_new_for_url("cam1-main", url);

	g_assert_null(strstr(nvr_ingest_get_url(r->ingest), fc.password));
	g_assert_null(strstr(nvr_ingest_get_url(r->ingest), "@"));
	nvr_ingest_start(r->ingest);
	wait_frames(r, 45, 30);
	check_stream(r, 640, 360);
	/* the main mount carries AAC too */
	g_assert_cmpuint(r->audio, >, 0);
	g_assert_cmpint(r->audio_codec, ==, NVR_INGEST_CODEC_AAC);
	g_assert_cmpuint(r->audio_rate, >, 0);
	nvr_ingest_stop(r->ingest);
	g_assert_cmpuint(r->runs_ended, ==, 1);
	g_assert_true(rec_has_end(r, NVR_INGEST_END_STOPPED));
	g_assert_cmpint(nvr_ingest_get_state(r->ingest), ==, NVR_INGEST_STATE_IDLE);
}

static void
test_ingest_sub_udp(void)
{
	g_autoptr(Rec) r = rec_new_for_url("cam2-sub", fc.cams[2].sub);

	nvr_ingest_set_credentials(r->ingest, "admin", fc.password);
	nvr_ingest_set_transport(r->ingest, NVR_INGEST_TRANSPORT_UDP);
	nvr_ingest_start(r->ingest);
	wait_frames(r, 45, 30);
	check_stream(r, 320, 180);
	g_assert_cmpuint(r->audio, ==, 0); /* the sub mount has no audio */
}

typedef struct {
	NvrIngest *ingest;
	GArray *delays;
} Waits;

static void
waits_state_cb(GObject *object, GParamSpec *pspec, gpointer user_data)
{
	Waits *w = user_data;

	if (nvr_ingest_get_state(w->ingest) == NVR_INGEST_STATE_WAITING) {
		guint d = nvr_ingest_get_retry_delay_ms(w->ingest);
		g_array_append_val(w->delays, d);
	}
}

static gboolean
waits_at_least_4(gpointer data)
{
	return ((Waits *)data)->delays->len >= 4;
}

/* a wrong password: no run, an auth error, retries backing off with jitter */
static void
test_ingest_bad_credentials(void)
{
	g_autoptr(Rec) r = rec_new("cam3-main", 3);
	g_autoptr(GArray) delays = g_array_new(FALSE, FALSE, sizeof(guint));
	Waits w = {r->ingest, delays};
	g_autofree gchar *wrong = g_strdup_printf("wrong-%s", fc.password);
	gulong id;

	nvr_ingest_set_credentials(r->ingest, "admin", wrong);
	id = g_signal_connect(r->ingest, "notify::state", G_CALLBACK(waits_state_cb), &w);
	nvr_ingest_start(r->ingest);
	g_assert_true(wait_for(waits_at_least_4, &w, 30));
	g_signal_handler_disconnect(r->ingest, id);
	g_assert_cmpuint(r->runs_started, ==, 0);
	g_assert_nonnull(nvr_ingest_get_last_error(r->ingest));
	g_assert_error(nvr_ingest_get_last_error(r->ingest), NVR_ERROR, NVR_ERROR_AUTH);
	/* 0.5 s doubling, each delay between half its bound and the bound */
	for (guint i = 0, bound = NVR_INGEST_RETRY_MIN_MS; i < delays->len; i++, bound *= 2) {
		g_assert_cmpuint(g_array_index(delays, guint, i), >=, bound / 2);
		g_assert_cmpuint(g_array_index(delays, guint, i), <=, bound);
	}
}

/* the camera closes every connection and refuses new ones for 2 s */
static void
test_ingest_drop_reconnect(void)
{
	g_autoptr(Rec) r = rec_new("cam4-main", 4);
	RecN ended = {r, 1}, restarted = {r, 2};
	gint64 dropped;
	NvrIngestStats stats;

	nvr_ingest_start(r->ingest);
	wait_frames(r, 20, 30);
	dropped = g_get_monotonic_time();
	fc_control(4, "drop?seconds=2");
	g_assert_true(wait_for(rec_runs_ended_at_least, &ended, 20));
	g_assert_true(rec_has_end(r, NVR_INGEST_END_EOS) || rec_has_end(r, NVR_INGEST_END_ERROR));
	g_assert_true(wait_for(rec_runs_started_at_least, &restarted, 30));
	/* back within the backoff window after the port reopened: attempts
	 * at 0.5, 1 and 2 s bounds put the next one by 3.5 s after the drop */
	g_assert_cmpint(r->first_frame_mono - dropped, >=, 2 * G_USEC_PER_SEC);
	g_assert_cmpint(r->first_frame_mono - dropped, <, 8 * G_USEC_PER_SEC);
	nvr_ingest_get_stats(r->ingest, &stats);
	g_assert_cmpuint(stats.connections, >=, 3); /* refused at least once */
	wait_frames(r, r->frames + 15, 20);
	g_assert_cmpuint(r->runs_started, ==, 2);
}

/* a long outage: the backoff is capped, so recording resumes within 5 s of
 * the camera's return however long it was away (a 30 s cap meant waits of
 * up to half a minute after a router reboot) */
static void
test_ingest_long_outage(void)
{
	g_autoptr(Rec) r = rec_new("cam7-main", 7);
	RecN ended = {r, 1}, restarted = {r, 2};
	gint64 back;

	nvr_ingest_start(r->ingest);
	wait_frames(r, 20, 30);
	back = g_get_monotonic_time() + 12 * G_USEC_PER_SEC;
	fc_control(7, "drop?seconds=12");
	g_assert_true(wait_for(rec_runs_ended_at_least, &ended, 20));
	g_assert_true(wait_for(rec_runs_started_at_least, &restarted, 40));
	g_test_message("recording again %.2f s after the camera came back",
		       (r->first_frame_mono - back) / 1e6);
	g_assert_cmpint(r->first_frame_mono, >=, back);
	g_assert_cmpint(r->first_frame_mono - back, <, 5 * G_USEC_PER_SEC);
}

/* the camera keeps the connection but sends nothing: the watchdog ends it */
static void
test_ingest_stall_watchdog(void)
{
	g_autoptr(Rec) r = rec_new("cam5-main", 5);
	RecN ended = {r, 1}, restarted = {r, 2};
	gint64 stalled;

	nvr_ingest_set_watchdog_seconds(r->ingest, 2);
	nvr_ingest_start(r->ingest);
	wait_frames(r, 20, 30);
	stalled = g_get_monotonic_time();
	fc_control(5, "stall?seconds=4");
	g_assert_true(wait_for(rec_runs_ended_at_least, &ended, 20));
	g_assert_true(rec_has_end(r, NVR_INGEST_END_WATCHDOG));
	/* 2 s of silence, checked twice a second */
	g_assert_cmpint(r->run_ended_mono - stalled, >=, 2 * G_USEC_PER_SEC - 100000);
	g_assert_cmpint(r->run_ended_mono - stalled, <, 4 * G_USEC_PER_SEC);
	g_assert_error(nvr_ingest_get_last_error(r->ingest), NVR_ERROR, NVR_ERROR_TIMEOUT);
	g_assert_true(wait_for(rec_runs_started_at_least, &restarted, 30));
	wait_frames(r, r->frames + 15, 20);
}

typedef struct {
	Rec **recs;
	guint n;
	guint64 *base;
	guint64 more;
} Several;

static gboolean
several_all_advanced(gpointer data)
{
	Several *s = data;

	for (guint i = 0; i < s->n; i++) {
		if (s->recs[i]->frames < s->base[i] + s->more)
			return FALSE;
	}
	return TRUE;
}

/* one camera goes away and keeps refusing for a while; the others never notice */
static void
test_ingest_several_one_fails(void)
{
	Rec *good[3] = {rec_new("cam6-main", 6), rec_new("cam7-main", 7), rec_new("cam8-main", 8)};
	g_autoptr(Rec) bad = rec_new("cam9-main", 9);
	guint64 base[3];
	Several s = {good, 3, base, 30};
	RecN bad_back = {bad, 2};
	NvrIngestStats bad_stats;

	for (guint i = 0; i < 3; i++)
		nvr_ingest_start(good[i]->ingest);
	nvr_ingest_start(bad->ingest);
	for (guint i = 0; i < 3; i++)
		wait_frames(good[i], 10, 30);
	wait_frames(bad, 10, 30);
	for (guint i = 0; i < 3; i++)
		base[i] = good[i]->frames;
	fc_control(9, "drop?seconds=2");
	g_assert_true(wait_for(rec_runs_started_at_least, &bad_back, 30));
	/* the others went on meanwhile, in their first run */
	g_assert_true(wait_for(several_all_advanced, &s, 30));
	nvr_ingest_get_stats(bad->ingest, &bad_stats);
	g_assert_cmpuint(bad_stats.connections, >=, 3);
	g_assert_cmpuint(bad->runs_ended, ==, 1);
	for (guint i = 0; i < 3; i++) {
		NvrIngestStats stats;

		g_assert_cmpuint(good[i]->runs_started, ==, 1);
		g_assert_cmpuint(good[i]->runs_ended, ==, 0);
		g_assert_cmpint(good[i]->max_dts_step, ==, TICKS_PER_FRAME);
		nvr_ingest_get_stats(good[i]->ingest, &stats);
		g_assert_cmpuint(stats.connections, ==, 1);
		rec_free(good[i]);
	}
}

typedef struct {
	Rec *r;
	guint width;
	guint64 frames_after;
} SizeWait;

static gboolean
size_reached(gpointer data)
{
	SizeWait *w = data;

	if (w->r->width != w->width)
		return FALSE;
	if (w->frames_after == 0)
		w->frames_after = w->r->frames;
	return w->r->frames >= w->frames_after + 15;
}

/* new SPS/PPS at a key frame mid-run: caps_changed, the run goes on */
static void
test_ingest_resolution_change(void)
{
	g_autoptr(Rec) r = rec_new("cam6-main", 6);
	SizeWait w = {r, 320, 0};
	guint calls;
	NvrIngestStats stats;

	nvr_ingest_start(r->ingest);
	wait_frames(r, 20, 30);
	calls = r->caps_calls;
	fc_control(6, "resolution?size=320x180");
	g_assert_true(wait_for(size_reached, &w, 30));
	g_assert_cmpuint(r->height, ==, 180);
	g_assert_cmpuint(r->caps_calls, ==, calls + 1);
	g_assert_cmpuint(r->runs_started, ==, 1);
	g_assert_cmpuint(r->runs_ended, ==, 0);
	nvr_ingest_get_stats(r->ingest, &stats);
	g_assert_cmpuint(stats.caps_changes, ==, 1);
	fc_control(6, "resolution?size=640x360");
}

/* RTP timestamps jump: the run is split, media time never goes backwards */
static void
test_ingest_timestamp_jump(void)
{
	g_autoptr(Rec) r = rec_new("cam8-main", 8);
	RecN second = {r, 2}, third = {r, 3};

	nvr_ingest_start(r->ingest);
	wait_frames(r, 20, 30);
	fc_control(8, "jump?seconds=30&stream=main");
	g_assert_true(wait_for(rec_runs_started_at_least, &second, 20));
	g_assert_true(rec_has_end(r, NVR_INGEST_END_MEDIA_JUMP));
	wait_frames(r, r->frames + 10, 20);
	fc_control(8, "jump?seconds=-60&stream=main");
	g_assert_true(wait_for(rec_runs_started_at_least, &third, 20));
	g_assert_true(rec_has_end(r, NVR_INGEST_END_MEDIA_BACKWARDS));
	wait_frames(r, r->frames + 10, 20);
	/* every run kept one frame per step: the jumps are between runs */
	g_assert_cmpint(r->max_dts_step, ==, TICKS_PER_FRAME);
}

/* ---- a server of our own, for what nvr-fakecam does not do ---- */

typedef struct {
	GstRTSPServer *server;
	gchar *url;
	guint attach_id;
	guint cleanup_id;
	guint timeout_s;
	guint keepalives; /* GET_PARAMETER and OPTIONS requests; on our main context */
} TestServer;

static void
ts_new_session_cb(GstRTSPClient *client, GstRTSPSession *session, gpointer user_data)
{
	gst_rtsp_session_set_timeout(session, ((TestServer *)user_data)->timeout_s);
}

/* GET_PARAMETER or OPTIONS: what keeps a session alive */
static GstRTSPStatusCode
ts_keepalive_cb(GstRTSPClient *client, GstRTSPContext *ctx, gpointer user_data)
{
	((TestServer *)user_data)->keepalives++;
	return GST_RTSP_STS_OK;
}

static void
ts_client_connected_cb(GstRTSPServer *server, GstRTSPClient *client, gpointer user_data)
{
	g_signal_connect(client, "new-session", G_CALLBACK(ts_new_session_cb), user_data);
	g_signal_connect(client, "pre-get-parameter-request", G_CALLBACK(ts_keepalive_cb), user_data);
	g_signal_connect(client, "pre-options-request", G_CALLBACK(ts_keepalive_cb), user_data);
}

/* expires sessions that nobody kept alive */
static gboolean
ts_cleanup_cb(gpointer user_data)
{
	GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(GST_RTSP_SERVER(user_data));

	gst_rtsp_session_pool_cleanup(pool);
	g_object_unref(pool);
	return G_SOURCE_CONTINUE;
}

static void
ts_add_basic_auth(TestServer *ts, GstRTSPMediaFactory *factory)
{
	g_autoptr(GstRTSPAuth) auth = gst_rtsp_auth_new();
	g_autoptr(GstRTSPToken) token = gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE,
							    G_TYPE_STRING, "user", NULL);
	g_autofree gchar *basic = gst_rtsp_auth_make_basic("admin", fc.password);
	g_autoptr(GstRTSPPermissions) perms = gst_rtsp_permissions_new();

	gst_rtsp_auth_add_basic(auth, basic, token);
	gst_rtsp_server_set_auth(ts->server, auth);
	gst_rtsp_permissions_add_role(perms, "user", GST_RTSP_PERM_MEDIA_FACTORY_ACCESS,
				      G_TYPE_BOOLEAN, TRUE, GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
				      G_TYPE_BOOLEAN, TRUE, NULL);
	gst_rtsp_media_factory_set_permissions(factory, perms);
}

/* one mount on 127.0.0.1, port 0, Basic auth; sessions expire after @timeout_s */
static TestServer *
ts_new(const gchar *launch, guint timeout_s)
{
	TestServer *ts = g_new0(TestServer, 1);
	g_autoptr(GstRTSPMountPoints) mounts = NULL;
	GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();

	ts->server = gst_rtsp_server_new();
	gst_rtsp_server_set_address(ts->server, "127.0.0.1");
	gst_rtsp_server_set_service(ts->server, "0");
	gst_rtsp_media_factory_set_launch(factory, launch);
	gst_rtsp_media_factory_set_shared(factory, TRUE);
	ts_add_basic_auth(ts, factory);
	mounts = gst_rtsp_server_get_mount_points(ts->server);
	gst_rtsp_mount_points_add_factory(mounts, "/test", factory);
	ts->timeout_s = timeout_s;
	g_signal_connect(ts->server, "client-connected", G_CALLBACK(ts_client_connected_cb), ts);
	ts->attach_id = gst_rtsp_server_attach(ts->server, NULL);
	g_assert_cmpuint(ts->attach_id, >, 0);
	ts->url = g_strdup_printf("rtsp://127.0.0.1:%d/test",
				  gst_rtsp_server_get_bound_port(ts->server));
	ts->cleanup_id = g_timeout_add(500, ts_cleanup_cb, ts->server);
	return ts;
}

static void
ts_free(TestServer *ts)
{
	g_source_remove(ts->cleanup_id);
	g_source_remove(ts->attach_id);
	g_object_unref(ts->server);
	g_free(ts->url);
	g_free(ts);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestServer, ts_free)

/* H.265 and G.711 through our TCP source, past three session timeouts,
 * with a keep-alive every half timeout: we send no RTCP, and cameras drop
 * sessions nobody refreshes (gst-rtsp-server keeps TCP sessions anyway, so
 * the requests are counted) */
static void
test_ingest_h265_g711_keepalive(void)
{
	g_autoptr(TestServer) ts =
	    ts_new("( videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=15/1 "
		   "! x265enc tune=zerolatency speed-preset=ultrafast key-int-max=15 "
		   "! rtph265pay name=pay0 pt=96 "
		   "audiotestsrc is-live=true ! audio/x-raw,rate=8000,channels=1 ! mulawenc "
		   "! rtppcmupay name=pay1 )",
		   4);
	g_autoptr(Rec) r = rec_new_for_url("h265", ts->url);

	nvr_ingest_set_credentials(r->ingest, "admin", fc.password);
	nvr_ingest_set_watchdog_seconds(r->ingest, 3);
	nvr_ingest_start(r->ingest);
	wait_frames(r, 15, 30);
	g_assert_cmpint(r->video_codec, ==, NVR_INGEST_CODEC_H265);
	g_assert_cmpuint(r->width, ==, 320);
	g_assert_cmpuint(r->height, ==, 240);
	/* 13 s at 15 fps, in one run */
	wait_frames(r, r->frames + 13 * FPS, 40);
	g_assert_cmpuint(r->runs_started, ==, 1);
	g_assert_cmpuint(r->runs_ended, ==, 0);
	g_assert_cmpint(r->audio_codec, ==, NVR_INGEST_CODEC_MULAW);
	g_assert_cmpuint(r->audio_rate, ==, 8000);
	g_assert_cmpuint(r->audio, >, 13);
	/* the OPTIONS before DESCRIBE, then one every 2 s */
	g_assert_cmpuint(ts->keepalives, >=, 1 + 5);
}

/* B-frames (RTP time goes back) through each source: one run, decode times
 * in order, presentation times as composition offsets */
static void
test_ingest_bframes(void)
{
	g_autoptr(TestServer) ts =
	    ts_new("( videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=15/1 "
		   "! x264enc speed-preset=veryfast threads=1 bframes=2 b-adapt=false key-int-max=15 "
		   "! video/x-h264,profile=main ! rtph264pay name=pay0 pt=96 )",
		   60);
	g_autoptr(Rec) tcp = rec_new_for_url("bframes-tcp", ts->url);
	g_autoptr(Rec) udp = rec_new_for_url("bframes-udp", ts->url);
	Rec *recs[] = {tcp, udp};

	nvr_ingest_set_transport(udp->ingest, NVR_INGEST_TRANSPORT_UDP);
	for (guint i = 0; i < G_N_ELEMENTS(recs); i++) {
		nvr_ingest_set_credentials(recs[i]->ingest, "admin", fc.password);
		nvr_ingest_start(recs[i]->ingest);
	}
	for (guint i = 0; i < G_N_ELEMENTS(recs); i++) {
		wait_frames(recs[i], 4 * FPS, 30);
		g_assert_cmpuint(recs[i]->runs_started, ==, 1);
		g_assert_cmpuint(recs[i]->runs_ended, ==, 0);
		/* IBBP: a P-frame is shown two frames after it is decoded */
		g_assert_cmpint(recs[i]->max_cts, >=, 2 * TICKS_PER_FRAME);
		g_assert_cmpint(recs[i]->max_dts_step, ==, TICKS_PER_FRAME);
		nvr_ingest_stop(recs[i]->ingest);
	}
}

/* drops the encoder's output up to its second key frame: the stream then
 * begins as a camera joined mid-stream sees it */
static GstPadProbeReturn
open_gop_skip_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	guint *keys = user_data; /* the streaming thread's only */

	if (!GST_BUFFER_FLAG_IS_SET(GST_PAD_PROBE_INFO_BUFFER(info), GST_BUFFER_FLAG_DELTA_UNIT))
		(*keys)++;
	return *keys >= 2 ? GST_PAD_PROBE_REMOVE : GST_PAD_PROBE_DROP;
}

static void
open_gop_media_configure_cb(GstRTSPMediaFactory *factory, GstRTSPMedia *media, gpointer user_data)
{
	g_autoptr(GstElement) bin = gst_rtsp_media_get_element(media);
	g_autoptr(GstElement) enc = gst_bin_get_by_name(GST_BIN(bin), "enc");
	g_autoptr(GstPad) pad = gst_element_get_static_pad(enc, "src");

	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, open_gop_skip_probe_cb, g_new0(guint, 1),
			  g_free);
}

/* x265's open GOPs: key frames after the first are CRAs, followed by
 * leading pictures shown before them, which cannot be decoded without the
 * GOP before. A stream that begins at a CRA (here, the encoder's first GOP
 * dropped, as a camera joined mid-stream) records in one run from there,
 * B-frames reordered. (h265parse drops the leading pictures of the CRA a
 * stream begins with; those of a CRA that begins a later run reach the
 * reorder, which skips them: test-reorder) */
static void
test_ingest_h265_open_gop(void)
{
	g_autoptr(TestServer) ts =
	    ts_new("( videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=15/1 "
		   "! x265enc name=enc speed-preset=ultrafast key-int-max=15 "
		   "option-string=bframes=3:open-gop=1 ! rtph265pay name=pay0 pt=96 )",
		   60);
	g_autoptr(GstRTSPMountPoints) mounts = gst_rtsp_server_get_mount_points(ts->server);
	g_autoptr(GstRTSPMediaFactory) factory = gst_rtsp_mount_points_match(mounts, "/test", NULL);
	g_autoptr(Rec) r = rec_new_for_url("open-gop", ts->url);

	g_signal_connect(factory, "media-configure", G_CALLBACK(open_gop_media_configure_cb), NULL);
	nvr_ingest_set_credentials(r->ingest, "admin", fc.password);
	nvr_ingest_start(r->ingest);
	wait_frames(r, 4 * FPS, 30);
	g_assert_cmpuint(r->runs_started, ==, 1);
	g_assert_cmpuint(r->runs_ended, ==, 0);
	g_assert_cmpint(r->max_cts, >, 0);
	nvr_ingest_stop(r->ingest);
}

/* the compatibility fallback: GStreamer's rtspsrc over TCP */
static void
test_ingest_tcp_rtspsrc(void)
{
	g_autoptr(Rec) r = rec_new("cam1-main-rtspsrc", 1);

	nvr_ingest_set_use_rtspsrc(r->ingest, TRUE);
	nvr_ingest_start(r->ingest);
	wait_frames(r, 45, 30);
	check_stream(r, 640, 360);
	g_assert_cmpuint(r->audio, >, 0);
}

/* a fake clock that moves with the machine's, so that it can be stepped */
typedef struct {
	NvrClock *clock;
	gint64 last;
	guint id;
} FollowClock;

static gboolean
follow_clock_cb(gpointer user_data)
{
	FollowClock *f = user_data;
	gint64 now = g_get_monotonic_time();

	nvr_clock_fake_advance(f->clock, now - f->last);
	f->last = now;
	return G_SOURCE_CONTINUE;
}

static gboolean
rec_has_sync_correction(gpointer data)
{
	return ((Rec *)data)->sync_corrections > 0;
}

/* a Pi without RTC: the run starts in 1970, NTP steps the clock and reports
 * sync: the run is corrected, not split. A later step (synced) splits it. */
static void
test_ingest_clock_step_and_sync(void)
{
	gint64 step = G_GINT64_CONSTANT(1700000000000000) - 1000 * G_USEC_PER_SEC;
	FollowClock follow = {nvr_clock_new_fake(1000 * G_USEC_PER_SEC, g_get_monotonic_time()),
			      g_get_monotonic_time(), 0};
	g_autoptr(GError) error = NULL;
	g_autoptr(Rec) r = g_new0(Rec, 1);
	RecN second = {r, 2};
	gint64 wall;

	r->end_reasons = g_array_new(FALSE, FALSE, sizeof(NvrIngestEndReason));
	r->ingest = nvr_ingest_new("cam7-clock", fc.cams[7].rtsp, follow.clock, &error);
	g_assert_no_error(error);
	nvr_ingest_add_consumer(r->ingest, &rec_consumer, r, NULL);
	nvr_ingest_set_credentials(r->ingest, "admin", fc.password);
	follow.id = g_timeout_add(10, follow_clock_cb, &follow);
	nvr_clock_fake_set_synchronized(follow.clock, FALSE);
	nvr_ingest_start(r->ingest);
	wait_frames(r, 20, 30);
	g_assert_true(r->run_unsynced);
	g_assert_cmpint(r->last_wall, <, 2000 * G_USEC_PER_SEC);

	nvr_clock_fake_step_realtime(follow.clock, step);
	nvr_clock_fake_set_synchronized(follow.clock, TRUE);
	g_assert_true(wait_for(rec_has_sync_correction, r, 20));
	g_assert_cmpint(ABS(r->sync_delta - step), <, 50 * 1000);
	wait_frames(r, r->frames + 10, 20);
	wall = nvr_clock_get_realtime_us(follow.clock);
	g_assert_cmpint(ABS(r->last_wall - wall), <, 1 * G_USEC_PER_SEC);
	g_assert_cmpuint(r->runs_started, ==, 1);
	g_assert_cmpuint(r->runs_ended, ==, 0);

	/* someone sets the clock back 10 s: a new run at the next key frame */
	nvr_clock_fake_step_realtime(follow.clock, -10 * G_USEC_PER_SEC);
	g_assert_true(wait_for(rec_runs_started_at_least, &second, 20));
	g_assert_true(rec_has_end(r, NVR_INGEST_END_CLOCK_STEP));
	g_assert_false(r->run_unsynced);
	g_assert_cmpint(ABS(r->run_wall_start - nvr_clock_get_realtime_us(follow.clock)), <,
			1 * G_USEC_PER_SEC);
	nvr_ingest_stop(r->ingest);
	g_source_remove(follow.id);
	g_object_unref(follow.clock);
}

static void
test_ingest_bad_url(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIngest) ingest = nvr_ingest_new("x", "http://admin:pw@127.0.0.1/", fc.clock, &error);

	g_assert_null(ingest);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_assert_null(strstr(error->message, "pw"));
}

/* nothing any case did put a password in a log line */
static void
test_ingest_no_credentials_in_logs(void)
{
	g_mutex_lock(&fc.log_lock);
	g_assert_cmpuint(fc.log->len, >, 0);
	g_assert_nonnull(strstr(fc.log->str, "run 1 started")); /* the capture works */
	g_assert_null(strstr(fc.log->str, fc.password));
	g_assert_null(strstr(fc.log->str, "admin:"));
	g_mutex_unlock(&fc.log_lock);
}

static GLogWriterOutput
capture_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
	g_mutex_lock(&fc.log_lock);
	for (gsize i = 0; i < n_fields; i++) {
		if (g_strcmp0(fields[i].key, "MESSAGE") == 0 && fields[i].length < 0) {
			g_string_append(fc.log, fields[i].value);
			g_string_append_c(fc.log, '\n');
		}
	}
	g_mutex_unlock(&fc.log_lock);
	return g_log_writer_default(level, fields, n_fields, user_data);
}

static void
capture_gst(GstDebugCategory *category,
	    GstDebugLevel level,
	    const gchar *file,
	    const gchar *function,
	    gint line,
	    GObject *object,
	    GstDebugMessage *message,
	    gpointer user_data)
{
	g_mutex_lock(&fc.log_lock);
	g_string_append_printf(fc.log, "gst: %s\n", gst_debug_message_get(message));
	g_mutex_unlock(&fc.log_lock);
}

int
main(int argc, char **argv)
{
	int ret;

	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	fc.log = g_string_new(NULL);
	g_log_set_writer_func(capture_writer, NULL, NULL);
	/* GStreamer's own warnings and errors are log lines too */
	gst_debug_remove_log_function(gst_debug_log_default);
	gst_debug_add_log_function(capture_gst, NULL, NULL);
	gst_debug_set_default_threshold(GST_LEVEL_WARNING);
	nvr_test_watchdog_start(NVR_TEST_WATCHDOG_S);
	fc.clock = nvr_clock_new_system();
	fc_start();

	g_test_add_func("/nvr/ingest/tcp", test_ingest_tcp);
	g_test_add_func("/nvr/ingest/sub-udp", test_ingest_sub_udp);
	g_test_add_func("/nvr/ingest/bad-credentials", test_ingest_bad_credentials);
	g_test_add_func("/nvr/ingest/drop-reconnect", test_ingest_drop_reconnect);
	g_test_add_func("/nvr/ingest/long-outage", test_ingest_long_outage);
	g_test_add_func("/nvr/ingest/stall-watchdog", test_ingest_stall_watchdog);
	g_test_add_func("/nvr/ingest/several-one-fails", test_ingest_several_one_fails);
	g_test_add_func("/nvr/ingest/resolution-change", test_ingest_resolution_change);
	g_test_add_func("/nvr/ingest/timestamp-jump", test_ingest_timestamp_jump);
	g_test_add_func("/nvr/ingest/h265-g711-keepalive", test_ingest_h265_g711_keepalive);
	g_test_add_func("/nvr/ingest/tcp-rtspsrc", test_ingest_tcp_rtspsrc);
	g_test_add_func("/nvr/ingest/bframes", test_ingest_bframes);
	g_test_add_func("/nvr/ingest/h265-open-gop", test_ingest_h265_open_gop);
	g_test_add_func("/nvr/ingest/clock-step-and-sync", test_ingest_clock_step_and_sync);
	g_test_add_func("/nvr/ingest/bad-url", test_ingest_bad_url);
	g_test_add_func("/nvr/ingest/no-credentials-in-logs", test_ingest_no_credentials_in_logs);
	ret = g_test_run();

	fc_stop();
	g_object_unref(fc.clock);
	return ret;
}
