/*
 * An hour on a small disk, faster than real time: two cameras' real H.264
 * (a 2 s clip encoded here with x264enc, looped with advancing timestamps)
 * goes through the real segmenter (30 s segments) and the real store
 * writer into a 16 MiB tmpfs of this test's own mount namespace, with the
 * real retention runner (a 3 MiB floor, a 4 MiB budget for camera 0) and
 * the real reopen backoff in between, wired as nvrd wires them. The index
 * clock is a fake one that advances with media time; the feed is paced at
 * HOUR_SPEED times real time, except for one burst fed as fast as the CPU
 * goes, so that the writer outruns retention and meets a real ENOSPC.
 *
 * Checked: every second of media was handed over and the process is still
 * there; write errors came through the error func, and each camera
 * recorded again after the last of them; per camera every deleted segment
 * is older than every kept one; the last minutes are kept; camera 0 is
 * within its budget and the disk above its floor once retention ran; every
 * tombstone's signature holds; keyless and deep verify are clean.
 *
 * Without a mount namespace the test skips and says why. Under sanitizers
 * it feeds 20 minutes instead of 60.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <sys/statvfs.h>

#include "core/nvr-clock.h"
#include "core/nvr-error.h"
#include "nvr-test-clip.h"
#include "nvr-test-common.h"
#include "nvr-test-tmpfs.h"
#include "retention/nvr-retention-reopen.h"
#include "retention/nvr-retention-runner.h"
#include "store/nvr-store-tombstone.h"
#include "store/nvr-store-verify.h"
#include "store/nvr-store-writer.h"

/* 1 in an AddressSanitizer build: fewer minutes of media there */
#if defined(__SANITIZE_ADDRESS__)
#define HOUR_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOUR_SANITIZED 1
#endif
#endif
#ifndef HOUR_SANITIZED
#define HOUR_SANITIZED 0
#endif

#define T0_US G_GINT64_CONSTANT(1800000000000000)
#define PASS "correct horse"
#define MIB (G_GUINT64_CONSTANT(1) << 20)
#define DISK_MIB 16
#define FLOOR_MIB 3
#define C0_BUDGET_MIB 4
#define N_CAMERAS 2
#define FPS 15
#define GOP_FRAMES 30 /* the clip: one 2 s GOP */
#define TICKS_PER_FRAME (90000 / FPS)
#define SEGMENT_S 30
#define HOUR_SPEED 80 /* media seconds per wall second */
#define MINUTES (HOUR_SANITIZED ? 20 : 60)
/* media minutes fed unpaced: some 9 MB in well under a second, more than the free space */
#define BURST_FROM_MIN (MINUTES / 2)
#define BURST_MINUTES 3

static gchar *skip_reason;
static gint unexpected_warnings; /* atomic; see hour_log_writer() */
static GPtrArray *clip; /* GstSample: one GOP of 320x180 H.264 */

typedef struct _Hour Hour;

/* one camera's main stream, handled as nvr-recorder.c handles it */
typedef struct {
	Hour *hour;
	gint64 id;
	gchar *uuid;
	gint64 run_id;
	NvrMediaSegmenter *seg;
	NvrMediaTrackConfig *config;
	NvrMediaChunk *pending_start;
	gboolean segment_open;
	gboolean hold;
	guint64 frames_fed;
	guint64 frames_appended; /* in fragments handed to the writer */
	guint segments_begun;
	guint errors;
	guint enospc;
	gint64 last_error_us; /* the feed's wall time at the last error with a segment's worth
			       * of media still to come; 0: none */
} HourCam;

struct _Hour {
	gchar *tmp;
	gchar *disk;
	NvrKeyring *keyring;
	NvrIndex *index;
	NvrClock *clock;
	NvrFootage *footage;
	gint64 footage_dir_id;
	NvrStoreWriter *writer;
	NvrRetentionRunner *runner;
	NvrRetentionReopen *reopen;
	NvrRetentionPolicy policy;
	HourCam cam[N_CAMERAS];
	gint64 media; /* ticks fed per camera */
	guint runs;
	guint run_errors;
};

static void
hour_encode_clip(void)
{
	/* noise, so x264 spends the bit rate: about 200 kbit/s, 0.75 MB a segment */
	const NvrTestClip c = {.pattern = "snow", .width = 320, .height = 180,
			       .frames = GOP_FRAMES, .gop = GOP_FRAMES, .kbps = 200};

	clip = nvr_test_clip_encode(&c);
}

/* ---- nvrd's wiring: writer errors hold a stream, retention runs release it ---- */

static HourCam *
hour_cam(Hour *h, gint64 camera_id)
{
	for (guint c = 0; c < N_CAMERAS; c++)
		if (h->cam[c].id == camera_id)
			return &h->cam[c];
	g_assert_not_reached();
}

static void
hour_error_cb(gint64 camera_id, NvrIndexStream stream, gint64 segment_id, const GError *error,
	      gpointer user_data)
{
	Hour *h = user_data;
	HourCam *cam = hour_cam(h, camera_id);
	g_autofree gchar *name = g_strdup_printf("c%u", (guint)(cam - h->cam));

	cam->errors++;
	cam->enospc += g_error_matches(error, NVR_ERROR, NVR_ERROR_NO_SPACE);
	if (h->media + SEGMENT_S * 90000 <= (gint64)MINUTES * 60 * 90000)
		cam->last_error_us = T0_US + h->media * 100 / 9;
	nvr_retention_reopen_failed(h->reopen, camera_id, stream, name, error);
	nvr_retention_runner_trigger(h->runner);
}

static void
hour_resumed_cb(gint64 camera_id, NvrIndexStream stream, gpointer user_data)
{
	Hour *h = user_data;

	nvr_retention_reopen_resumed(h->reopen, camera_id, stream);
}

static void
hour_ran_cb(const NvrRetentionResult *result, const GError *error, gpointer user_data)
{
	Hour *h = user_data;

	h->runs++;
	h->run_errors += error != NULL;
	nvr_retention_reopen_ran(h->reopen, result, error);
}

/* nvr_recorder_hold_segments() */
static void
hour_reopen_cb(gint64 camera_id, NvrIndexStream stream, gboolean hold, gpointer user_data)
{
	HourCam *cam = hour_cam(user_data, camera_id);

	cam->hold = hold;
	if (hold) {
		cam->segment_open = FALSE;
		g_clear_pointer(&cam->pending_start, nvr_media_chunk_unref);
		return;
	}
	nvr_media_segmenter_request_rotate(cam->seg);
}

/* ---- setup ---- */

static void
hour_add_camera(Hour *h, guint c)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexCamera) row = nvr_index_camera_new();
	HourCam *cam = &h->cam[c];
	NvrIndexRun run = {0};

	row->name = g_strdup_printf("c%u", c);
	row->main_url = g_strdup("rtsp://127.0.0.1:8554/main");
	row->record_main = row->enabled = TRUE;
	row->budget_bytes = c == 0 ? C0_BUDGET_MIB * MIB : 0;
	g_assert_true(nvr_index_camera_insert(h->index, row, &error));
	g_assert_no_error(error);
	cam->hour = h;
	cam->id = row->id;
	cam->uuid = g_strdup(row->uuid);
	run.camera_id = row->id;
	run.start_us = run.wall_anchor_us = T0_US;
	g_assert_true(nvr_index_run_insert(h->index, &run, &error));
	g_assert_no_error(error);
	cam->run_id = run.id;
	cam->seg = nvr_media_segmenter_new(NVR_MEDIA_MODE_STORAGE);
	nvr_media_segmenter_set_fragment_parts(cam->seg, TRUE);
	cam->config = nvr_media_track_config_from_caps(
		gst_sample_get_caps(g_ptr_array_index(clip, 0)), &error);
	g_assert_no_error(error);
	g_assert_true(nvr_media_segmenter_set_track(cam->seg, 0, cam->config, &error));
	nvr_media_segmenter_set_rotate_after(cam->seg, (guint64)SEGMENT_S * 90000);
}

static void
hour_setup(Hour *h)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *state = NULL;
	g_autofree gchar *db = NULL;
	g_autofree gchar *recovery = NULL;
	NvrStoreWriterConfig wc = {.sync_window_ms = 500, .commit_interval_ms = 200};

	h->tmp = nvr_test_mkdtemp();
	state = g_build_filename(h->tmp, "state", NULL);
	g_assert_cmpint(g_mkdir(state, 0700), ==, 0);
	h->keyring = nvr_keyring_create(state, "owner", (const guint8 *)PASS, strlen(PASS), 1,
					8 << 20, &recovery, &error);
	g_assert_no_error(error);
	db = g_build_filename(state, "nvr.db", NULL);
	h->index = nvr_index_open(db, &error);
	g_assert_no_error(error);
	h->clock = nvr_clock_new_fake(T0_US, 1);
	nvr_index_set_clock(h->index, h->clock);
	h->footage = nvr_footage_open(h->disk, nvr_index_get_database_uuid(h->index), NULL, &error);
	g_assert_no_error(error);
	g_assert_true(nvr_index_footage_dir_add(h->index, h->disk, nvr_footage_get_uuid(h->footage),
						&h->footage_dir_id, &error));
	for (guint c = 0; c < N_CAMERAS; c++)
		hour_add_camera(h, c);
	h->writer = nvr_store_writer_new(h->index, h->footage, h->footage_dir_id, h->keyring, &wc,
					 &error);
	g_assert_no_error(error);
	h->policy.floor_bytes = FLOOR_MIB * MIB;
	h->runner = nvr_retention_runner_new(h->index, h->footage,
					     nvr_keyring_get_device_key(h->keyring), &h->policy,
					     2000, &error);
	g_assert_no_error(error);
	/* nvrd's backoff is 1 s to 30 s of wall time: here a wall second is 80 s of media */
	h->reopen = nvr_retention_reopen_new(20, 1000, hour_reopen_cb, h);
	nvr_retention_runner_set_func(h->runner, hour_ran_cb, h);
	nvr_store_writer_set_error_func(h->writer, hour_error_cb, h);
	nvr_store_writer_set_resumed_func(h->writer, hour_resumed_cb, h);
}

static void
hour_teardown(Hour *h)
{
	g_clear_pointer(&h->writer, nvr_store_writer_free);
	g_clear_pointer(&h->runner, nvr_retention_runner_free);
	g_clear_pointer(&h->reopen, nvr_retention_reopen_free);
	for (guint c = 0; c < N_CAMERAS; c++) {
		g_clear_pointer(&h->cam[c].pending_start, nvr_media_chunk_unref);
		g_clear_pointer(&h->cam[c].config, nvr_media_track_config_unref);
		g_clear_object(&h->cam[c].seg);
		g_free(h->cam[c].uuid);
	}
	g_object_unref(h->footage);
	g_object_unref(h->index);
	g_object_unref(h->clock);
	nvr_keyring_free(h->keyring);
	nvr_test_rm_rf(h->tmp);
	g_free(h->tmp);
}

/* ---- the feed ---- */

/* what the segmenter made goes to the writer, as nvr_recorder_handle_chunk() does */
static void
hour_drain(HourCam *cam)
{
	NvrStoreWriter *w = cam->hour->writer;
	NvrMediaChunk *c;

	while ((c = nvr_media_segmenter_pop(cam->seg)) != NULL) {
		if (c->kind == NVR_MEDIA_CHUNK_SEGMENT_START) {
			g_clear_pointer(&cam->pending_start, nvr_media_chunk_unref);
			if (!cam->hold)
				cam->pending_start = nvr_media_chunk_ref(c);
		} else if (c->kind == NVR_MEDIA_CHUNK_FRAGMENT) {
			if (cam->pending_start != NULL) {
				NvrStoreSegmentParams p = {
					.camera_id = cam->id,
					.camera_uuid = cam->uuid,
					.stream = NVR_INDEX_STREAM_MAIN,
					.run_id = cam->run_id,
					.start_us = T0_US + c->fragment.start * 100 / 9,
					.media_start = c->fragment.start,
					.init_segment = cam->pending_start->bytes,
					.codec = cam->config->codec_string,
					.width = cam->config->width,
					.height = cam->config->height,
				};

				nvr_store_writer_begin_segment(w, &p);
				g_clear_pointer(&cam->pending_start, nvr_media_chunk_unref);
				cam->segment_open = TRUE;
				cam->segments_begun++;
			}
			if (cam->segment_open) {
				nvr_store_writer_append_parts(w, cam->id, NVR_INDEX_STREAM_MAIN,
							      c->parts, &c->fragment);
				cam->frames_appended += c->fragment.frames;
			}
		} else if (cam->segment_open) {
			nvr_store_writer_end_segment(w, cam->id, NVR_INDEX_STREAM_MAIN, 0);
			cam->segment_open = FALSE;
		}
		nvr_media_chunk_unref(c);
	}
}

/* one GOP (2 s) of camera @cam's clip, at media time @media */
static void
hour_feed_gop(HourCam *cam, gint64 media)
{
	GstClockTime base = GST_BUFFER_DTS_OR_PTS(gst_sample_get_buffer(g_ptr_array_index(clip, 0)));

	for (guint i = 0; i < clip->len; i++) {
		g_autoptr(GError) error = NULL;
		g_auto(NvrMediaAu) au = {0};
		GstBuffer *b = gst_sample_get_buffer(g_ptr_array_index(clip, i));

		g_assert_true(nvr_media_au_init_from_buffer(&au, b, 0, 90000, base, &error));
		g_assert_no_error(error);
		au.dts += media;
		g_assert_true(nvr_media_segmenter_push(cam->seg, &au, &error));
		g_assert_no_error(error);
		cam->frames_fed++;
	}
	hour_drain(cam);
}

/* callbacks, and the pace: wall time catches up with media time over HOUR_SPEED */
static void
hour_pace(Hour *h, gint64 wall0, gint64 media_offset)
{
	gint64 due = wall0 + (h->media - media_offset) * 100 / 9 / HOUR_SPEED;

	while (g_main_context_iteration(NULL, FALSE))
		;
	while (g_get_monotonic_time() < due) {
		g_usleep(2000);
		while (g_main_context_iteration(NULL, FALSE))
			;
	}
}

static void
hour_feed(Hour *h)
{
	const gint64 gop = GOP_FRAMES * TICKS_PER_FRAME;
	const gint64 end = (gint64)MINUTES * 60 * 90000;
	const gint64 burst_from = (gint64)BURST_FROM_MIN * 60 * 90000;
	const gint64 burst_to = burst_from + (gint64)BURST_MINUTES * 60 * 90000;
	gint64 wall0 = g_get_monotonic_time(), offset = 0;

	for (h->media = 0; h->media < end;) {
		for (guint c = 0; c < N_CAMERAS; c++)
			hour_feed_gop(&h->cam[c], h->media);
		h->media += gop;
		nvr_clock_fake_advance(h->clock, gop * 100 / 9);
		if (h->media > burst_from && h->media <= burst_to) {
			/* the pace starts over after the burst */
			wall0 = g_get_monotonic_time();
			offset = h->media;
			continue;
		}
		hour_pace(h, wall0, offset);
	}
	for (guint c = 0; c < N_CAMERAS; c++) {
		g_autoptr(GError) error = NULL;

		g_assert_true(nvr_media_segmenter_finish(h->cam[c].seg, &error));
		g_assert_no_error(error);
		hour_drain(&h->cam[c]);
	}
	nvr_store_writer_flush(h->writer);
}

/* one more retention run, after the last segment ended, and its callbacks */
static void
hour_last_run(Hour *h)
{
	guint runs = h->runs;
	gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;

	nvr_retention_runner_trigger(h->runner);
	while (h->runs == runs && g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpuint(h->runs, >, runs);
}

/* ---- the checks ---- */

typedef struct {
	guint kept;
	guint interrupted;
	guint deleted;
	guint64 kept_bytes;
	gint64 kept_ticks;
	gint64 deleted_ticks;
} HourFigures;

static void
hour_check_camera(Hour *h, guint c, const guint8 *pk, HourFigures *f)
{
	g_autoptr(GError) error = NULL;
	HourCam *cam = &h->cam[c];
	g_autoptr(GPtrArray) rows = nvr_index_segment_list_span(
		h->index, cam->id, NVR_INDEX_STREAM_MAIN, 0, G_MAXINT64, &error);
	g_autoptr(GPtrArray) tombs = NULL;
	gint64 min_kept = G_MAXINT64, max_deleted_end = 0, min_kept_start = G_MAXINT64;
	gint64 newest_end = 0, end_us = T0_US + h->media * 100 / 9;
	gint64 newest_start = 0;

	g_assert_no_error(error);
	tombs = nvr_index_tombstone_list(h->index, cam->id, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(rows->len, >, 0);
	for (guint i = 0; i < rows->len; i++) {
		const NvrIndexSegment *s = g_ptr_array_index(rows, i);

		/* interrupted: a write error ended it, keeping what was durable */
		g_assert_true(s->status == NVR_INDEX_SEGMENT_FINALIZED ||
			      s->status == NVR_INDEX_SEGMENT_INTERRUPTED);
		f->interrupted += s->status == NVR_INDEX_SEGMENT_INTERRUPTED;
		min_kept = MIN(min_kept, s->id);
		min_kept_start = MIN(min_kept_start, s->start_us);
		newest_end = MAX(newest_end, s->end_us);
		f->kept_bytes += s->file_len;
		f->kept_ticks += s->media_duration;
		newest_start = MAX(newest_start, s->start_us);
	}
	for (guint i = 0; i < tombs->len; i++) {
		const NvrIndexTombstone *t = g_ptr_array_index(tombs, i);

		/* oldest first: nothing deleted is newer than anything kept */
		g_assert_cmpint(t->segment_id, <, min_kept);
		max_deleted_end = MAX(max_deleted_end, t->end_us);
		f->deleted_ticks += (t->end_us - t->start_us) * 9 / 100;
		g_assert_true(nvr_store_tombstone_verify(t, cam->uuid, pk, &error));
		g_assert_no_error(error);
	}
	g_assert_cmpint(max_deleted_end, <=, min_kept_start);
	f->kept = rows->len;
	f->deleted = tombs->len;
	g_test_message("c%u: %u segments begun, %u kept (%.1f min, %" G_GUINT64_FORMAT " bytes), "
		       "%u interrupted, %u deleted (%.1f min); %u write errors (%u ENOSPC); newest ends %.1f s "
		       "before the end of the feed",
		       c, cam->segments_begun, f->kept, f->kept_ticks / 90000.0 / 60,
		       f->kept_bytes, f->interrupted, f->deleted, f->deleted_ticks / 90000.0 / 60, cam->errors,
		       cam->enospc, (end_us - newest_end) / 1e6);
	/* every second of the feed was handed over */
	g_assert_cmpuint(cam->frames_fed, ==, (guint64)MINUTES * 60 * FPS);
	g_assert_cmpuint(tombs->len, >, 0);
	/* the newest footage is there: the last minutes, up to the end but for what a full disk
	 * at the very end may have cost (a retention run is some 20 s of media here) */
	g_assert_cmpint(newest_end, >=, end_us - SEGMENT_S * G_USEC_PER_SEC);
	g_assert_cmpint(min_kept_start, <=, end_us - 90 * G_USEC_PER_SEC);
	/* recording went on after the last write error (that left time to see it) */
	g_assert_cmpint(newest_start, >, cam->last_error_us);
}

static void
hour_assert_verify_clean(Hour *h, guint n_deleted)
{
	g_autoptr(GError) error = NULL;
	const guint8 *pk = nvr_nvre_signing_key_get_public(nvr_keyring_get_device_key(h->keyring));
	g_autoptr(GPtrArray) keys = NULL;
	g_autoptr(NvrStoreVerifyReport) v = nvr_store_verify(h->index, pk, NULL, &error);
	g_autoptr(NvrStoreVerifyReport) deep = NULL;

	g_assert_no_error(error);
	g_assert_cmpuint(v->n_problems, ==, 0);
	g_assert_cmpuint(v->n_deleted, ==, n_deleted);
	keys = nvr_keyring_unlock(h->keyring, "owner", (const guint8 *)PASS, strlen(PASS), &error);
	g_assert_no_error(error);
	deep = nvr_store_verify(h->index, pk, keys, &error);
	g_assert_no_error(error);
	g_assert_true(deep->deep);
	g_assert_cmpuint(deep->n_problems, ==, 0);
	g_assert_cmpuint(deep->n_deleted, ==, n_deleted);
}

static void
test_hour(void)
{
	const guint8 *pk;
	Hour h = {0};
	HourFigures f[N_CAMERAS] = {{0}};
	NvrRetentionResult totals = {0};
	struct statvfs sv;
	guint enospc = 0, errors = 0, deleted = 0;
	gint64 t0;

	if (skip_reason != NULL) {
		g_test_skip(skip_reason);
		return;
	}
	h.disk = nvr_test_tmpfs_mount(DISK_MIB);
	if (h.disk == NULL) {
		g_test_skip("cannot mount a tmpfs in our mount namespace");
		return;
	}
	t0 = g_get_monotonic_time();
	hour_encode_clip();
	hour_setup(&h);
	hour_feed(&h);
	hour_last_run(&h);
	nvr_retention_runner_get_totals(h.runner, &totals);
	g_assert_cmpuint(h.run_errors, ==, 0);

	pk = nvr_nvre_signing_key_get_public(nvr_keyring_get_device_key(h.keyring));
	for (guint c = 0; c < N_CAMERAS; c++) {
		hour_check_camera(&h, c, pk, &f[c]);
		enospc += h.cam[c].enospc;
		errors += h.cam[c].errors;
		deleted += f[c].deleted;
		/* nothing is lost but what the full disk cost: some GOPs per error (about 5 %) */
		g_assert_cmpint(f[c].kept_ticks + f[c].deleted_ticks, >=,
				(gint64)MINUTES * 60 * 90000 * 8 / 10);
	}
	/* the burst outran retention: the disk was really full, and it was survived */
	g_assert_cmpuint(enospc, >, 0);
	g_assert_cmpuint(totals.by_rule[NVR_INDEX_TOMBSTONE_RULE_BUDGET], >, 0);
	g_assert_cmpuint(totals.by_rule[NVR_INDEX_TOMBSTONE_RULE_FREE_SPACE], >, 0);
	g_assert_cmpuint(totals.deleted, ==, deleted);
	/* within bounds once retention ran after the last segment */
	g_assert_cmpuint(f[0].kept_bytes, <=, C0_BUDGET_MIB * MIB);
	g_assert_cmpint(statvfs(h.disk, &sv), ==, 0);
	g_assert_cmpuint((guint64)sv.f_bavail * sv.f_frsize, >=, FLOOR_MIB * MIB);
	hour_assert_verify_clean(&h, deleted);
	g_assert_cmpint(g_atomic_int_get(&unexpected_warnings), ==, 0);
	g_test_message("figures: %u min of media x %u cameras in %.1f s wall; %u + %u segments "
		       "begun, %u deleted (budget %u, free space %u), %u kept; %u write errors, "
		       "%u ENOSPC, %" G_GUINT64_FORMAT " fragments dropped; %u retention runs; "
		       "%.1f MiB free at the end",
		       MINUTES, N_CAMERAS, (g_get_monotonic_time() - t0) / 1e6,
		       h.cam[0].segments_begun, h.cam[1].segments_begun, deleted,
		       totals.by_rule[NVR_INDEX_TOMBSTONE_RULE_BUDGET],
		       totals.by_rule[NVR_INDEX_TOMBSTONE_RULE_FREE_SPACE], f[0].kept + f[1].kept,
		       errors, enospc, nvr_store_writer_get_dropped(h.writer), h.runs, (gdouble)sv.f_bavail * sv.f_frsize / MIB);
	hour_teardown(&h);
	g_clear_pointer(&clip, g_ptr_array_unref);
	nvr_test_tmpfs_release(h.disk);
	g_free(h.disk);
}

/*
 * The reopen logic warns once per failure streak, as many times as the
 * disk fills: expected here, so warnings are not fatal; any other warning
 * is counted and fails the test at its end.
 */
static GLogWriterOutput
hour_log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
	for (gsize i = 0; i < n_fields && (level & G_LOG_LEVEL_WARNING); i++) {
		const gchar *m = fields[i].value;

		if (!g_str_equal(fields[i].key, "MESSAGE") || fields[i].length != -1)
			continue;
		if (strstr(m, ": cannot write footage: ") == NULL &&
		    strstr(m, "footage disk full") == NULL)
			g_atomic_int_inc(&unexpected_warnings);
	}
	return g_log_writer_default(level, fields, n_fields, user_data);
}

int
main(int argc, char **argv)
{
	skip_reason = nvr_test_tmpfs_enter_namespace();
	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	g_log_set_writer_func(hour_log_writer, NULL, NULL);
	nvr_test_watchdog_start(NVR_TEST_WATCHDOG_S);
	g_test_add_func("/nvr/retention/hour", test_hour);
	return g_test_run();
}
