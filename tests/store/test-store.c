/*
 * test-store.c: segments written from real x264 media through the segmenter
 * into a temp store with a real keyring and index, then verified, tampered
 * with, crashed, recovered and exported (checked by ffprobe).
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/nvr-error.h"
#include "nvr-test-clip.h"
#include "nvr-test-common.h"
#include "store/nvr-store-export.h"
#include "store/nvr-store-verify.h"
#include "store/nvr-store-writer.h"
#include "store/nvr-store.h"

#define T0_US G_GINT64_CONSTANT(1800000000000000)
#define PASS "correct horse"

static GPtrArray *clip; /* GstSample, encoded once */

typedef struct {
	gchar *tmp;
	gchar *state;
	NvrKeyring *keyring;
	NvrIndex *index;
	NvrFootage *footage;
	gint64 footage_dir_id;
	gint64 camera_id;
	gchar *camera_uuid;
	gint64 run_id;
	GPtrArray *keys;
	guint n_errors;
} Store;

static void
store_encode_clip(void)
{
	const NvrTestClip c = {.pattern = "ball", .width = 160, .height = 120, .frames = 120,
			       .gop = 15};

	clip = nvr_test_clip_encode(&c);
}

static void
store_setup(Store *st, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexCamera) cam = nvr_index_camera_new();
	g_autofree gchar *fpath = NULL;
	g_autofree gchar *recovery = NULL;
	NvrIndexRun run = {0};

	(void)data;
	st->tmp = nvr_test_mkdtemp();
	st->state = g_build_filename(st->tmp, "state", NULL);
	fpath = g_build_filename(st->tmp, "footage", NULL);
	g_assert_cmpint(g_mkdir(st->state, 0700), ==, 0);
	g_assert_cmpint(g_mkdir(fpath, 0700), ==, 0);
	st->keyring = nvr_keyring_create(st->state, "owner", (const guint8 *)PASS, strlen(PASS), 1,
					 8 << 20, &recovery, &error);
	g_assert_no_error(error);
	g_autofree gchar *db = g_build_filename(st->state, "nvr.db", NULL);
	st->index = nvr_index_open(db, &error);
	g_assert_no_error(error);
	st->footage = nvr_footage_open(fpath, nvr_index_get_database_uuid(st->index), NULL, &error);
	g_assert_no_error(error);
	g_assert_true(nvr_index_footage_dir_add(st->index, fpath, nvr_footage_get_uuid(st->footage),
						&st->footage_dir_id, &error));
	cam->name = g_strdup("porch");
	cam->main_url = g_strdup("rtsp://127.0.0.1:8554/main");
	cam->record_main = cam->enabled = TRUE;
	g_assert_true(nvr_index_camera_insert(st->index, cam, &error));
	g_assert_no_error(error);
	st->camera_id = cam->id;
	st->camera_uuid = g_strdup(cam->uuid);
	run.camera_id = cam->id;
	run.start_us = run.wall_anchor_us = T0_US;
	g_assert_true(nvr_index_run_insert(st->index, &run, &error));
	st->run_id = run.id;
	st->keys = nvr_keyring_unlock(st->keyring, "owner", (const guint8 *)PASS, strlen(PASS),
				      &error);
	g_assert_no_error(error);
}

static void
store_teardown(Store *st, gconstpointer data)
{
	(void)data;
	g_ptr_array_unref(st->keys);
	g_object_unref(st->footage);
	g_object_unref(st->index);
	nvr_keyring_free(st->keyring);
	nvr_test_rm_rf(st->tmp);
	g_free(st->tmp);
	g_free(st->state);
	g_free(st->camera_uuid);
}

static void
store_on_error(gint64 camera_id, NvrIndexStream stream, gint64 segment_id, const GError *error,
	       gpointer user_data)
{
	Store *st = user_data;

	(void)camera_id;
	(void)stream;
	(void)segment_id;
	g_test_message("store error: %s", error->message);
	st->n_errors++;
}

/* 8 s at 15 fps, one key frame a second, a segment every ~2.5 s: 3 or 4 segments. With
 * @crash the writer is never told to end the last segment and the process exits. */
static void
store_record(Store *st, guint n_frames, gboolean crash)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrMediaSegmenter) seg = nvr_media_segmenter_new(NVR_MEDIA_MODE_STORAGE);
	g_autoptr(NvrMediaTrackConfig) config = NULL;
	g_autoptr(NvrMediaChunk) pending = NULL;
	NvrStoreWriterConfig wc = {.sync_window_ms = 200, .commit_interval_ms = 100};
	NvrStoreWriter *w = nvr_store_writer_new(st->index, st->footage, st->footage_dir_id,
						 st->keyring, &wc, &error);
	GstClockTime base = GST_BUFFER_DTS_OR_PTS(
		gst_sample_get_buffer(g_ptr_array_index(clip, 0)));

	g_assert_no_error(error);
	nvr_store_writer_set_error_func(w, store_on_error, st);
	config = nvr_media_track_config_from_caps(
		gst_sample_get_caps(g_ptr_array_index(clip, 0)), &error);
	g_assert_true(nvr_media_segmenter_set_track(seg, 0, config, &error));
	nvr_media_segmenter_set_rotate_after(seg, 90000 * 5 / 2);
	for (guint i = 0; i <= n_frames; i++) {
		NvrMediaChunk *c;

		if (i < n_frames) {
			g_auto(NvrMediaAu) au = {0};
			GstBuffer *b = gst_sample_get_buffer(g_ptr_array_index(clip, i % clip->len));

			g_assert_true(nvr_media_au_init_from_buffer(&au, b, 0, 90000, base, &error));
			au.dts += (gint64)(i / clip->len) * clip->len * 6000;
			g_assert_true(nvr_media_segmenter_push(seg, &au, &error));
		} else if (!crash) {
			g_assert_true(nvr_media_segmenter_finish(seg, &error));
		}
		while ((c = nvr_media_segmenter_pop(seg)) != NULL) {
			if (c->kind == NVR_MEDIA_CHUNK_SEGMENT_START) {
				g_clear_pointer(&pending, nvr_media_chunk_unref);
				pending = c;
				continue;
			}
			if (c->kind == NVR_MEDIA_CHUNK_FRAGMENT && pending != NULL) {
				NvrStoreSegmentParams p = {
					.camera_id = st->camera_id,
					.camera_uuid = st->camera_uuid,
					.stream = NVR_INDEX_STREAM_MAIN,
					.run_id = st->run_id,
					.start_us = T0_US + c->fragment.start * 100 / 9,
					.media_start = c->fragment.start,
					.init_segment = pending->bytes,
					.codec = config->codec_string,
					.width = 160,
					.height = 120,
				};
				nvr_store_writer_begin_segment(w, &p);
				g_clear_pointer(&pending, nvr_media_chunk_unref);
			}
			if (c->kind == NVR_MEDIA_CHUNK_FRAGMENT)
				nvr_store_writer_append(w, st->camera_id, NVR_INDEX_STREAM_MAIN,
							c->bytes, &c->fragment);
			else
				nvr_store_writer_end_segment(w, st->camera_id,
							     NVR_INDEX_STREAM_MAIN, 0);
			nvr_media_chunk_unref(c);
		}
	}
	nvr_store_writer_flush(w);
	if (crash)
		_exit(0); /* no finalize: the last segment stays 'recording' */
	nvr_store_writer_free(w);
	while (g_main_context_iteration(NULL, FALSE))
		;
}

static GPtrArray *
store_rows(Store *st)
{
	g_autoptr(GError) error = NULL;
	GPtrArray *rows = nvr_index_segment_list_span(st->index, st->camera_id,
						      NVR_INDEX_STREAM_MAIN, 0, G_MAXINT64, &error);

	g_assert_no_error(error);
	return rows;
}

static NvrStoreVerifyReport *
store_verify(Store *st, gboolean deep)
{
	g_autoptr(GError) error = NULL;
	NvrStoreVerifyReport *r = nvr_store_verify(
		st->index, nvr_nvre_signing_key_get_public(nvr_keyring_get_device_key(st->keyring)),
		deep ? st->keys : NULL, &error);

	g_assert_no_error(error);
	for (guint i = 0; i < r->items->len; i++) {
		NvrStoreVerifyItem *it = g_ptr_array_index(r->items, i);

		g_test_message("verify %" G_GINT64_FORMAT " %s %s", it->segment_id,
			       nvr_store_problem_to_string(it->problem),
			       it->detail != NULL ? it->detail : "");
	}
	return r;
}

/* the problem named for @segment_id, NONE if it is clean */
static NvrStoreProblem
store_problem_of(NvrStoreVerifyReport *r, gint64 segment_id)
{
	for (guint i = 0; i < r->items->len; i++) {
		NvrStoreVerifyItem *it = g_ptr_array_index(r->items, i);

		if (it->segment_id == segment_id && it->problem != NVR_STORE_PROBLEM_NONE)
			return it->problem;
	}
	return NVR_STORE_PROBLEM_NONE;
}

static gchar *
store_path(Store *st, const NvrIndexSegment *s)
{
	return nvr_store_dup_segment_path(st->index, s, NULL);
}

static void
test_write_verify(Store *st, gconstpointer data)
{
	(void)data;
	store_record(st, 120, FALSE);
	g_autoptr(GPtrArray) rows = store_rows(st);
	g_autoptr(NvrStoreVerifyReport) r = store_verify(st, FALSE);
	g_autoptr(NvrStoreVerifyReport) deep = store_verify(st, TRUE);
	gint64 frames = 0;

	g_assert_cmpuint(st->n_errors, ==, 0);
	g_assert_cmpuint(rows->len, >=, 3);
	for (guint i = 0; i < rows->len; i++) {
		NvrIndexSegment *s = g_ptr_array_index(rows, i);

		g_assert_cmpint(s->status, ==, NVR_INDEX_SEGMENT_FINALIZED);
		g_assert_nonnull(s->gop_index);
		g_assert_cmpint(s->prev_segment_id, ==,
				i == 0 ? 0 : ((NvrIndexSegment *)g_ptr_array_index(rows, i - 1))->id);
		frames += s->frames;
	}
	g_assert_cmpint(frames, ==, 120);
	g_assert_cmpuint(r->n_segments, ==, rows->len);
	g_assert_cmpuint(r->n_problems, ==, 0);
	g_assert_cmpuint(deep->n_problems, ==, 0);
}

static void
store_flip(const gchar *path, goffset offset)
{
	gint fd = open(path, O_RDWR);
	guint8 b;

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(pread(fd, &b, 1, offset), ==, 1);
	b ^= 0x10;
	g_assert_cmpint(pwrite(fd, &b, 1, offset), ==, 1);
	close(fd);
}

static void
test_tamper(Store *st, gconstpointer data)
{
	(void)data;
	store_record(st, 120, FALSE);
	g_autoptr(GPtrArray) rows = store_rows(st);
	g_assert_cmpuint(rows->len, >=, 3);
	NvrIndexSegment *a = g_ptr_array_index(rows, 0), *b = g_ptr_array_index(rows, 1),
			*c = g_ptr_array_index(rows, 2);
	g_autofree gchar *pa = store_path(st, a), *pb = store_path(st, b), *pc = store_path(st, c);
	g_autofree gchar *tmp = g_strconcat(pa, ".tmp", NULL);
	g_autoptr(NvrStoreVerifyReport) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL;

	/* payload flip: public bytes unchanged, only the deep pass sees it */
	store_flip(pc, 700);
	r1 = store_verify(st, FALSE);
	g_assert_cmpint(store_problem_of(r1, c->id), ==, NVR_STORE_PROBLEM_NONE);
	r2 = store_verify(st, TRUE);
	g_assert_cmpint(store_problem_of(r2, c->id), ==, NVR_STORE_PROBLEM_BIT_FLIPPED);
	store_flip(pc, 700);

	/* header flip (inside the MAC), truncation, swap */
	store_flip(pc, 512 - 96 + 3);
	g_assert_cmpint(truncate(pb, b->file_len - 100), ==, 0);
	r3 = store_verify(st, FALSE);
	g_assert_cmpint(store_problem_of(r3, c->id), ==, NVR_STORE_PROBLEM_BIT_FLIPPED);
	g_assert_cmpint(store_problem_of(r3, b->id), ==, NVR_STORE_PROBLEM_TRUNCATED);
	g_assert_cmpint(g_rename(pa, tmp), ==, 0);
	g_assert_cmpint(g_rename(pc, pa), ==, 0);
	g_assert_cmpint(g_rename(tmp, pc), ==, 0);
	/* lengths differ, so the swap shows as a length problem unless they match */
	r4 = store_verify(st, FALSE);
	g_assert_cmpint(store_problem_of(r4, a->id), !=, NVR_STORE_PROBLEM_NONE);
	g_assert_cmpint(store_problem_of(r4, c->id), !=, NVR_STORE_PROBLEM_NONE);
}

static void
test_swap_same_length(Store *st, gconstpointer data)
{
	(void)data;
	store_record(st, 120, FALSE);
	g_autoptr(GPtrArray) rows = store_rows(st);
	NvrIndexSegment *a = g_ptr_array_index(rows, 0), *b = g_ptr_array_index(rows, 1);
	g_autofree gchar *pa = store_path(st, a), *pb = store_path(st, b);
	g_autofree gchar *tmp = g_strconcat(pa, ".tmp", NULL);
	g_autoptr(NvrStoreVerifyReport) r = NULL;
	g_autoptr(GError) error = NULL;

	/* make the rows agree on length so that only the identity check can tell */
	g_assert_cmpint(g_rename(pa, tmp), ==, 0);
	g_assert_cmpint(g_rename(pb, pa), ==, 0);
	g_assert_cmpint(g_rename(tmp, pb), ==, 0);
	a->file_len = b->file_len;
	{
		g_autoptr(NvrIndexSegment) fresh_b = nvr_index_segment_load(st->index, b->id, NULL);
		fresh_b->file_len = a->file_len;
	}
	/* set each row's length to what now sits at its path */
	GStatBuf sa, sb;
	g_assert_cmpint(g_stat(pa, &sa), ==, 0);
	g_assert_cmpint(g_stat(pb, &sb), ==, 0);
	a->file_len = sa.st_size;
	b->file_len = sb.st_size;
	g_assert_true(nvr_index_segment_update(st->index, a, &error));
	g_assert_true(nvr_index_segment_update(st->index, b, &error));
	r = store_verify(st, FALSE);
	g_assert_cmpint(store_problem_of(r, a->id), ==, NVR_STORE_PROBLEM_SWAPPED);
	g_assert_cmpint(store_problem_of(r, b->id), ==, NVR_STORE_PROBLEM_SWAPPED);
}

static void
store_delete_segment(Store *st, NvrIndexSegment *s, gboolean tombstone)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = store_path(st, s);

	if (tombstone) {
		NvrNvreChainState state;
		guint8 link[NVR_NVRE_LINK_SIZE], sig[NVR_NVRE_SIG_SIZE];
		g_autoptr(GBytes) lb = NULL, msg = NULL;
		g_autoptr(NvrIndexTombstone) t = NULL;

		g_assert_true(nvr_store_segment_chain_state(s, path, &state, &error));
		g_assert_true(nvr_nvre_chain_state_link(&state, link, &error));
		lb = g_bytes_new(link, sizeof(link));
		t = nvr_index_tombstone_new_for_segment(s, lb, NVR_INDEX_TOMBSTONE_RETENTION,
							T0_US + 1);
		msg = nvr_index_tombstone_dup_message(t, st->camera_uuid);
		g_assert_true(nvr_nvre_signing_key_sign(nvr_keyring_get_device_key(st->keyring),
							g_bytes_get_data(msg, NULL),
							g_bytes_get_size(msg), sig, &error));
		t->signature = g_bytes_new(sig, sizeof(sig));
		g_assert_true(nvr_index_tombstone_insert(st->index, t, &error));
	}
	g_assert_true(nvr_index_segment_mark_garbage(st->index, &s->id, 1, &error));
	g_assert_cmpint(g_unlink(path), ==, 0);
	g_assert_true(nvr_index_segment_delete(st->index, s->id, &error));
	g_assert_no_error(error);
}

static void
test_delete(Store *st, gconstpointer data)
{
	(void)data;
	store_record(st, 120, FALSE);
	g_autoptr(GPtrArray) rows = store_rows(st);
	NvrIndexSegment *a = g_ptr_array_index(rows, 0), *b = g_ptr_array_index(rows, 1),
			*c = g_ptr_array_index(rows, 2);
	g_autofree gchar *pc = store_path(st, c);
	g_autoptr(NvrStoreVerifyReport) r1 = NULL, r2 = NULL, r3 = NULL;

	/* the first one with a signed tombstone: excused */
	store_delete_segment(st, a, TRUE);
	r1 = store_verify(st, FALSE);
	g_assert_cmpuint(r1->n_problems, ==, 0);
	/* the middle one without: its successor names it */
	store_delete_segment(st, b, FALSE);
	r2 = store_verify(st, FALSE);
	g_assert_cmpint(store_problem_of(r2, c->id), ==, NVR_STORE_PROBLEM_DELETED);
	/* a file deleted behind the index's back */
	g_assert_cmpint(g_unlink(pc), ==, 0);
	r3 = store_verify(st, FALSE);
	g_assert_cmpint(store_problem_of(r3, c->id), ==, NVR_STORE_PROBLEM_DELETED);
}

static void
test_export(Store *st, gconstpointer data)
{
	(void)data;
	store_record(st, 120, FALSE);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) rows = store_rows(st);
	g_autofree gchar *out = g_build_filename(st->tmp, "out.mp4", NULL);
	g_autoptr(GFile) file = g_file_new_for_path(out);
	g_autoptr(GFileOutputStream) os = g_file_replace(file, NULL, FALSE, 0, NULL, &error);
	g_autofree gchar *stdout_text = NULL, *stderr_text = NULL;
	NvrStoreExportResult res;
	gint status = 0;
	const gchar *argv[] = {"ffprobe", "-v", "warning", "-count_frames", "-select_streams", "v:0",
			       "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", out, NULL};

	g_assert_no_error(error);
	g_assert_true(nvr_store_export(
		st->index, st->camera_id, T0_US, T0_US + 60 * G_USEC_PER_SEC, st->keys,
		nvr_nvre_signing_key_get_public(nvr_keyring_get_device_key(st->keyring)),
		G_OUTPUT_STREAM(os), &res, &error));
	g_assert_no_error(error);
	g_assert_true(g_output_stream_close(G_OUTPUT_STREAM(os), NULL, &error));
	g_assert_cmpuint(res.segments, ==, rows->len);
	g_assert_cmpuint(res.frames, ==, 120);
	g_assert_cmpuint(res.duration_us, >=, 7 * G_USEC_PER_SEC);
	g_assert_cmpuint(res.duration_us, <=, 9 * G_USEC_PER_SEC);
	g_assert_true(g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
				   &stdout_text, &stderr_text, &status, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(stderr_text, ==, "");
	g_assert_cmpint(atoi(stdout_text), ==, 120);
}

/* Returns: (transfer full): the plaintext of a recovered or finalized segment */
static GBytes *
store_read_plain(Store *st, const NvrIndexSegment *s)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrNvreReader) reader = nvr_store_open_reader(
		st->index, s, st->keys,
		nvr_nvre_signing_key_get_public(nvr_keyring_get_device_key(st->keyring)), &error);
	GBytes *plain;

	g_assert_no_error(error);
	plain = nvr_store_read_all(reader, &error);
	g_assert_no_error(error);
	return plain;
}

/* the video frames the fragments of a recovered or finalized segment hold */
static guint64
store_frames_readable(Store *st, const NvrIndexSegment *s)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) plain = store_read_plain(st, s);
	g_autoptr(NvrMediaSegmentLayout) layout = NULL;
	guint64 frames = 0;

	layout = nvr_media_segment_layout_parse(g_bytes_get_data(plain, NULL), g_bytes_get_size(plain),
						s->status == NVR_INDEX_SEGMENT_INTERRUPTED, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < layout->fragments->len; i++)
		frames += g_array_index(layout->fragments, NvrMediaFragmentRange, i)
			      .info.trafs[0].sample_count;
	return frames;
}

/* opens @s as playback and export do; Returns: the outcome, "ok" or the NVRE class */
static const gchar *
store_open_outcome(Store *st, const NvrIndexSegment *s)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrNvreReader) reader = nvr_store_open_reader(
		st->index, s, st->keys,
		nvr_nvre_signing_key_get_public(nvr_keyring_get_device_key(st->keyring)), &error);

	if (reader != NULL)
		return "ok";
	g_test_message("segment %" G_GINT64_FORMAT ": %s", s->id, error->message);
	return error->domain == NVR_NVRE_ERROR ? nvr_nvre_error_class_name(error->code) : "other";
}

/*
 * nvre-v1.md §11: interrupted mode reads a recovered file cut back by a whole
 * chunk as a shorter interrupted one, so what it reads counts only in the
 * state the index recorded at recovery, and once there is a successor, the
 * state its prev_link commits to.
 */
static void
store_interrupted_vouched(Store *st, NvrIndexSegment *s)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = nvr_store_dup_segment_path(st->index, s, &error);
	g_autoptr(GBytes) file = NULL;
	g_autoptr(NvrIndexSegment) next = g_new0(NvrIndexSegment, 1);
	NvrNvreChainState state;
	guint8 link[NVR_NVRE_LINK_SIZE];
	const guint8 *f;
	gsize len = 0, ct;
	guint64 k;

	g_assert_no_error(error);
	g_assert_true(g_file_get_contents(path, (gchar **)&f, &len, &error));
	file = g_bytes_new_take((gpointer)f, len);
	ct = ((gsize)1 << f[10]) + 16;
	k = (len - (gsize)s->header_len) / ct;
	g_assert_cmpuint(k, >=, 2);
	g_assert_cmpstr(store_open_outcome(st, s), ==, "ok");
	/* one whole chunk less: the newest segment's own row refuses it */
	g_assert_cmpint(truncate(path, (off_t)(s->header_len + (k - 1) * ct)), ==, 0);
	g_assert_cmpstr(store_open_outcome(st, s), ==, "link");
	g_assert_true(g_file_set_contents(path, (const gchar *)f, (gssize)len, &error));
	/* a successor whose prev_link commits to the recovered state vouches for it ... */
	g_assert_true(nvr_store_segment_chain_state(s, path, &state, &error));
	g_assert_true(nvr_nvre_chain_state_link(&state, link, &error));
	next->camera_id = s->camera_id;
	next->run_id = s->run_id;
	next->stream = s->stream;
	next->status = NVR_INDEX_SEGMENT_RECORDING;
	next->start_us = s->start_us + 10 * G_USEC_PER_SEC;
	next->footage_dir_id = s->footage_dir_id;
	next->prev_segment_id = s->id;
	next->prev_link = g_bytes_new(link, sizeof(link));
	g_assert_true(nvr_index_segment_insert(st->index, next, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(store_open_outcome(st, s), ==, "ok");
	g_assert_cmpint(truncate(path, (off_t)(s->header_len + (k - 1) * ct)), ==, 0);
	g_assert_cmpstr(store_open_outcome(st, s), ==, "link");
	g_assert_true(g_file_set_contents(path, (const gchar *)f, (gssize)len, &error));
	/* ... and its word counts over the row's: one that recorded another state refuses it */
	link[0] ^= 1;
	g_bytes_unref(next->prev_link);
	next->prev_link = g_bytes_new(link, sizeof(link));
	g_assert_true(nvr_index_segment_update(st->index, next, &error));
	g_assert_cmpstr(store_open_outcome(st, s), ==, "link");
}

/*
 * The process dies after the writer's flush (what it does once per sync
 * window): recovery keeps every fragment the writer was handed, those of
 * the segment being written included, although they fill no whole chunk;
 * only the GOP the segmenter still gathered is lost. The run ends as a crash.
 */
static void
test_crash_recover(Store *st, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) rows = NULL;
	g_autoptr(NvrStoreVerifyReport) deep = NULL;
	g_autoptr(NvrIndexRun) run = NULL;
	NvrStoreRecoveryReport report;
	guint64 frames = 0;
	gint status = 0;
	pid_t pid;

	(void)data;
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	/* 80 frames, a key frame every 15: segments [0, 45) and [45, ...), fragments up to
	 * frame 75; frames 75..79 are still being gathered when it dies */
	if (pid == 0)
		store_record(st, 80, TRUE);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	g_assert_true(nvr_store_recover(st->index, &report, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(report.interrupted, ==, 1);
	g_assert_cmpint(report.runs_closed, ==, 1);
	run = nvr_index_run_load(st->index, st->run_id, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(run->end_reason, ==, "crash");
	rows = store_rows(st);
	g_assert_cmpuint(rows->len, ==, 2);
	g_assert_cmpint(((NvrIndexSegment *)g_ptr_array_index(rows, 1))->status, ==,
			NVR_INDEX_SEGMENT_INTERRUPTED);
	for (guint i = 0; i < rows->len; i++)
		frames += store_frames_readable(st, g_ptr_array_index(rows, i));
	g_assert_cmpuint(frames, ==, 75);
	deep = store_verify(st, TRUE);
	g_assert_cmpuint(deep->n_problems, ==, 0);
	store_interrupted_vouched(st, g_ptr_array_index(rows, 1));
}

/* ---- chunk sizes and padding ---- */

/* 2 s of noise (one GOP), so that x264 spends the bit rate it is given */
static GPtrArray *
store_encode_noise(guint width, guint height, guint kbps)
{
	const NvrTestClip c = {.pattern = "snow", .width = width, .height = height, .frames = 30,
			       .gop = 30, .kbps = kbps};

	return nvr_test_clip_encode(&c);
}

/* one recorded stream: its clip looped, its segmenter, the init segment awaiting a fragment */
typedef struct {
	NvrIndexStream stream;
	gint64 run_id;
	GPtrArray *clip;
	NvrMediaSegmenter *seg;
	NvrMediaTrackConfig *config;
	NvrMediaChunk *pending;
	guint64 clip_bytes;
} StoreFeed;

static void
store_feed_init(Store *st, StoreFeed *f, NvrIndexStream stream, GPtrArray *samples)
{
	g_autoptr(GError) error = NULL;
	NvrIndexRun run = {0};

	f->stream = stream;
	f->clip = samples;
	run.camera_id = st->camera_id;
	run.stream = stream;
	run.start_us = run.wall_anchor_us = T0_US;
	g_assert_true(nvr_index_run_insert(st->index, &run, &error));
	f->run_id = run.id;
	f->seg = nvr_media_segmenter_new(NVR_MEDIA_MODE_STORAGE);
	f->config = nvr_media_track_config_from_caps(
		gst_sample_get_caps(g_ptr_array_index(samples, 0)), &error);
	g_assert_no_error(error);
	g_assert_true(nvr_media_segmenter_set_track(f->seg, 0, f->config, &error));
	nvr_media_segmenter_set_rotate_after(f->seg, 90000 * 10);
	for (guint i = 0; i < samples->len; i++)
		f->clip_bytes +=
			gst_buffer_get_size(gst_sample_get_buffer(g_ptr_array_index(samples, i)));
}

static void
store_feed_clear(StoreFeed *f)
{
	g_clear_pointer(&f->pending, nvr_media_chunk_unref);
	g_clear_pointer(&f->config, nvr_media_track_config_unref);
	g_clear_object(&f->seg);
	g_ptr_array_unref(f->clip);
}

/* hands what the segmenter made to the writer, as the recorder does */
static void
store_feed_drain(Store *st, StoreFeed *f, NvrStoreWriter *w)
{
	NvrMediaChunk *c;

	while ((c = nvr_media_segmenter_pop(f->seg)) != NULL) {
		if (c->kind == NVR_MEDIA_CHUNK_SEGMENT_START) {
			g_clear_pointer(&f->pending, nvr_media_chunk_unref);
			f->pending = c;
			continue;
		}
		if (c->kind == NVR_MEDIA_CHUNK_FRAGMENT && f->pending != NULL) {
			NvrStoreSegmentParams p = {
				.camera_id = st->camera_id,
				.camera_uuid = st->camera_uuid,
				.stream = f->stream,
				.run_id = f->run_id,
				.start_us = T0_US + c->fragment.start * 100 / 9,
				.media_start = c->fragment.start,
				.init_segment = f->pending->bytes,
				.codec = f->config->codec_string,
				.width = f->config->width,
				.height = f->config->height,
			};
			nvr_store_writer_begin_segment(w, &p);
			g_clear_pointer(&f->pending, nvr_media_chunk_unref);
		}
		if (c->kind == NVR_MEDIA_CHUNK_FRAGMENT)
			nvr_store_writer_append(w, st->camera_id, f->stream, c->bytes, &c->fragment);
		else
			nvr_store_writer_end_segment(w, st->camera_id, f->stream, 0);
		nvr_media_chunk_unref(c);
	}
}

/* frame @i of the looped clip, at its time */
static void
store_feed_push(StoreFeed *f, guint i)
{
	g_autoptr(GError) error = NULL;
	g_auto(NvrMediaAu) au = {0};
	GstBuffer *b = gst_sample_get_buffer(g_ptr_array_index(f->clip, i % f->clip->len));
	GstClockTime base = GST_BUFFER_DTS_OR_PTS(gst_sample_get_buffer(g_ptr_array_index(f->clip, 0)));

	g_assert_true(nvr_media_au_init_from_buffer(&au, b, 0, 90000, base, &error));
	au.dts += (gint64)(i / f->clip->len) * f->clip->len * 6000;
	g_assert_true(nvr_media_segmenter_push(f->seg, &au, &error));
}

static guint
store_chunk_log2_of(Store *st, const NvrIndexSegment *s)
{
	g_autofree gchar *path = store_path(st, s);
	gint fd = open(path, O_RDONLY);
	guint8 b = 0;

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(pread(fd, &b, 1, 10), ==, 1); /* nvre-v1.md §5.1 */
	close(fd);
	return b;
}

/* the bytes of the top-level free boxes of a segment's plaintext: the padding of its syncs */
static guint64
store_padding_of(Store *st, const NvrIndexSegment *s)
{
	g_autoptr(GBytes) plain = store_read_plain(st, s);
	gsize len, pos = 0;
	const guint8 *p = g_bytes_get_data(plain, &len);
	guint64 padding = 0;

	while (pos < len) {
		guint64 size = (guint64)p[pos] << 24 | (guint64)p[pos + 1] << 16 |
			       (guint64)p[pos + 2] << 8 | p[pos + 3];

		g_assert_cmpuint(pos + 8, <=, len);
		g_assert_cmpuint(size, >=, 8); /* the writer uses no 64-bit sizes */
		g_assert_cmpuint(pos + size, <=, len);
		if (memcmp(p + pos + 4, "free", 4) == 0)
			padding += size;
		pos += size;
	}
	return padding;
}

/* checks the segments of one stream; Returns: their padding overhead in percent */
static gdouble
store_check_stream(Store *st, const StoreFeed *f, const gchar *name, guint first_log2,
		   guint measured_log2)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) rows = nvr_index_segment_list_span(st->index, st->camera_id, f->stream,
								 0, G_MAXINT64, &error);
	guint64 padding = 0, media = 0;

	g_assert_no_error(error);
	g_assert_cmpuint(rows->len, ==, 3);
	for (guint i = 0; i < rows->len; i++) {
		NvrIndexSegment *s = g_ptr_array_index(rows, i);
		guint log2 = store_chunk_log2_of(st, s);
		guint64 pad = store_padding_of(st, s);

		g_test_message("%s segment %u: %.1f s, %" G_GINT64_FORMAT " bytes, %u KiB chunks, "
			       "%" G_GUINT64_FORMAT " bytes of padding (%.2f %%)",
			       name, i, s->media_duration / 90000.0, s->plain_len, (1u << log2) / 1024,
			       pad, 100.0 * pad / (gdouble)(s->plain_len - pad));
		g_assert_cmpint(s->status, ==, NVR_INDEX_SEGMENT_FINALIZED);
		/* the first from the default byte rate, the next from the one before */
		g_assert_cmpuint(log2, ==, i == 0 ? first_log2 : measured_log2);
		padding += pad;
		media += (guint64)s->plain_len - pad;
	}
	return 100.0 * padding / (gdouble)media;
}

/*
 * Chunk sizes follow the stream's byte rate (nvr-store-writer.c): a 590
 * kbit/s sub stream and a 4.9 Mbit/s main stream are written in real time
 * (21 s) with a 5 s sync window and 10 s segments, each open 8 s (from its
 * first fragment, a GOP in) and synced, so padded, once. The sub stream's
 * chunks are 4 KiB, the main stream's 16 KiB (the default rate's) and then
 * 32 KiB (its own), and the padding costs each less than 3 % (64 KiB
 * chunks cost the sub stream about 8 %).
 */
static void
test_chunk_size(Store *st, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	NvrStoreWriterConfig wc = {.sync_window_ms = 5000};
	NvrStoreWriter *w = nvr_store_writer_new(st->index, st->footage, st->footage_dir_id,
						 st->keyring, &wc, &error);
	StoreFeed main_feed = {0}, sub_feed = {0};
	g_autoptr(NvrStoreVerifyReport) deep = NULL;
	guint n_frames = 21 * 15;
	gint64 start = g_get_monotonic_time();
	gdouble main_pct, sub_pct;

	(void)data;
	g_assert_no_error(error);
	nvr_store_writer_set_error_func(w, store_on_error, st);
	store_feed_init(st, &main_feed, NVR_INDEX_STREAM_MAIN, store_encode_noise(1280, 720, 4000));
	store_feed_init(st, &sub_feed, NVR_INDEX_STREAM_SUB, store_encode_noise(640, 360, 512));
	/* the premises of the sizes expected: 32 KiB for 3.3 to 6.5 Mbit/s, 4 KiB below 840 kbit/s */
	g_test_message("clips: main %.0f kbit/s, sub %.0f kbit/s", main_feed.clip_bytes * 8 / 2000.0,
		       sub_feed.clip_bytes * 8 / 2000.0);
	g_assert_cmpuint(main_feed.clip_bytes * 8 / 2, >, 3400000);
	g_assert_cmpuint(main_feed.clip_bytes * 8 / 2, <, 6300000);
	g_assert_cmpuint(sub_feed.clip_bytes * 8 / 2, <, 800000);
	for (guint i = 0; i <= n_frames; i++) {
		gint64 due = start + (gint64)i * G_USEC_PER_SEC / 15;

		if (i < n_frames) {
			store_feed_push(&main_feed, i);
			store_feed_push(&sub_feed, i);
		} else {
			g_assert_true(nvr_media_segmenter_finish(main_feed.seg, &error));
			g_assert_true(nvr_media_segmenter_finish(sub_feed.seg, &error));
		}
		store_feed_drain(st, &main_feed, w);
		store_feed_drain(st, &sub_feed, w);
		if (due > g_get_monotonic_time())
			g_usleep((gulong)(due - g_get_monotonic_time()));
	}
	nvr_store_writer_free(w);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_assert_cmpuint(st->n_errors, ==, 0);
	main_pct = store_check_stream(st, &main_feed, "main", 14, 15);
	sub_pct = store_check_stream(st, &sub_feed, "sub", 12, 12);
	g_test_message("padding: main %.2f %%, sub %.2f %%", main_pct, sub_pct);
	g_assert_cmpfloat(main_pct, <, 3.0);
	g_assert_cmpfloat(sub_pct, <, 3.0);
	deep = store_verify(st, TRUE);
	g_assert_cmpuint(deep->n_problems, ==, 0);
	store_feed_clear(&main_feed);
	store_feed_clear(&sub_feed);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	nvr_test_watchdog_start(NVR_TEST_WATCHDOG_S);
	store_encode_clip();
	g_test_add("/nvr/store/write-verify", Store, NULL, store_setup, test_write_verify,
		   store_teardown);
	g_test_add("/nvr/store/tamper", Store, NULL, store_setup, test_tamper, store_teardown);
	g_test_add("/nvr/store/swap", Store, NULL, store_setup, test_swap_same_length,
		   store_teardown);
	g_test_add("/nvr/store/export", Store, NULL, store_setup, test_export, store_teardown);
	g_test_add("/nvr/store/delete", Store, NULL, store_setup, test_delete, store_teardown);
	g_test_add("/nvr/store/crash-recover", Store, NULL, store_setup, test_crash_recover,
		   store_teardown);
	g_test_add("/nvr/store/chunk-size", Store, NULL, store_setup, test_chunk_size,
		   store_teardown);
	return g_test_run();
}
