/*
 * test-retention-executor.c: the retention executor against a real SQLite
 * index, a real keyring and real NVRE segments written by the store writer
 * into a temp footage dir. Only the free-space reading is injected (and
 * the index clock, for the age rule); holds, tombstones, unlinks, fsyncs
 * and nvr_store_verify() are the shipped code.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/nvr-error.h"
#include "nvr-test-common.h"
#include "retention/nvr-retention-runner.h"
#include "retention/nvr-retention.h"
#include "store/nvr-store-hold.h"
#include "store/nvr-store-tombstone.h"
#include "store/nvr-store-verify.h"
#include "store/nvr-store-writer.h"
#include "store/nvr-store.h"

#define T0_US G_GINT64_CONSTANT(1800000000000000)
#define MIN_US (G_GINT64_CONSTANT(60) * G_USEC_PER_SEC)
#define KB 1024
#define SEG_PAYLOAD (100 * KB)
#define PASS "correct horse"

typedef struct {
	gchar *tmp;
	gchar *state;
	NvrKeyring *keyring;
	NvrIndex *index;
	NvrFootage *footage;
	NvrClock *clock;
	gint64 footage_dir_id;
	gint64 cam[2];
	gchar *uuid[2];
	gint64 run[2];
	NvrStoreWriter *writer;
	guint64 capacity; /* of the pretend disk holding the footage dir */
	NvrRetentionPolicy policy;
} Fx;

/* bytes of the files under @dir */
static guint64
fx_du(const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;
	guint64 sum = 0;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *path = g_build_filename(dir, name, NULL);
		GStatBuf st;

		if (g_lstat(path, &st) != 0)
			continue;
		sum += S_ISDIR(st.st_mode) ? fx_du(path) : (guint64)st.st_size;
	}
	return sum;
}

/* the injected statvfs: a disk of fx->capacity, so that deletions free space as they would */
static gboolean
fx_space(gpointer user_data, guint64 *free_bytes, GError **error)
{
	Fx *fx = user_data;
	guint64 used = fx_du(nvr_footage_get_path(fx->footage));

	*free_bytes = fx->capacity > used ? fx->capacity - used : 0;
	return TRUE;
}

static void
fx_set_free(Fx *fx, guint64 free_bytes)
{
	nvr_store_writer_flush(fx->writer);
	fx->capacity = fx_du(nvr_footage_get_path(fx->footage)) + free_bytes;
}

static void
fx_add_camera(Fx *fx, guint c, const gchar *name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexCamera) cam = nvr_index_camera_new();
	NvrIndexRun run = {0};

	cam->name = g_strdup(name);
	cam->main_url = g_strdup("rtsp://127.0.0.1:8554/main");
	cam->record_main = cam->enabled = TRUE;
	g_assert_true(nvr_index_camera_insert(fx->index, cam, &error));
	g_assert_no_error(error);
	fx->cam[c] = cam->id;
	fx->uuid[c] = g_strdup(cam->uuid);
	run.camera_id = cam->id;
	run.start_us = run.wall_anchor_us = T0_US;
	g_assert_true(nvr_index_run_insert(fx->index, &run, &error));
	fx->run[c] = run.id;
}

static void
fx_setup(Fx *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *fpath = NULL;
	g_autofree gchar *db = NULL;
	g_autofree gchar *recovery = NULL;
	NvrStoreWriterConfig wc = {.sync_window_ms = 200, .commit_interval_ms = 50};

	fx->tmp = nvr_test_mkdtemp();
	fx->state = g_build_filename(fx->tmp, "state", NULL);
	fpath = g_build_filename(fx->tmp, "footage", NULL);
	g_assert_cmpint(g_mkdir(fx->state, 0700), ==, 0);
	g_assert_cmpint(g_mkdir(fpath, 0700), ==, 0);
	fx->keyring = nvr_keyring_create(fx->state, "owner", (const guint8 *)PASS, strlen(PASS), 1,
					 8 << 20, &recovery, &error);
	g_assert_no_error(error);
	db = g_build_filename(fx->state, "nvr.db", NULL);
	fx->index = nvr_index_open(db, &error);
	g_assert_no_error(error);
	fx->clock = nvr_clock_new_fake(T0_US + 60 * MIN_US, 1);
	nvr_index_set_clock(fx->index, fx->clock);
	fx->footage = nvr_footage_open(fpath, nvr_index_get_database_uuid(fx->index), NULL, &error);
	g_assert_no_error(error);
	g_assert_true(nvr_index_footage_dir_add(fx->index, fpath, nvr_footage_get_uuid(fx->footage),
						&fx->footage_dir_id, &error));
	fx_add_camera(fx, 0, "porch");
	fx_add_camera(fx, 1, "garage");
	fx->writer = nvr_store_writer_new(fx->index, fx->footage, fx->footage_dir_id, fx->keyring,
					  &wc, &error);
	g_assert_no_error(error);
	fx->capacity = G_GUINT64_CONSTANT(1) << 40;
}

static void
fx_teardown(Fx *fx, gconstpointer data)
{
	g_clear_pointer(&fx->writer, nvr_store_writer_free);
	g_object_unref(fx->footage);
	g_object_unref(fx->index);
	g_object_unref(fx->clock);
	nvr_keyring_free(fx->keyring);
	nvr_test_rm_rf(fx->tmp);
	g_free(fx->tmp);
	g_free(fx->state);
	g_free(fx->uuid[0]);
	g_free(fx->uuid[1]);
}

/* one segment of camera @c's @stream starting at minute @minute: an init segment and one
 * fragment */
static void
fx_begin_stream(Fx *fx, guint c, NvrIndexStream stream, gint64 minute, gsize payload)
{
	g_autoptr(GBytes) init = g_bytes_new_take(g_malloc0(600), 600);
	g_autoptr(GBytes) frag = g_bytes_new_take(g_malloc0(payload), payload);
	NvrStoreSegmentParams p = {
		.camera_id = fx->cam[c],
		.camera_uuid = fx->uuid[c],
		.stream = stream,
		.run_id = fx->run[c],
		.start_us = T0_US + minute * MIN_US,
		.media_start = minute * 60 * 90000,
		.init_segment = init,
		.codec = "avc1.64001f",
		.width = 160,
		.height = 120,
	};
	NvrMediaFragmentInfo info = {.start = p.media_start,
				     .duration = 60 * 90000,
				     .frames = 900,
				     .keyframe = TRUE,
				     .offset = 600,
				     .length = payload};

	nvr_store_writer_begin_segment(fx->writer, &p);
	nvr_store_writer_append(fx->writer, fx->cam[c], stream, frag, &info);
}

static void
fx_begin(Fx *fx, guint c, gint64 minute, gsize payload)
{
	fx_begin_stream(fx, c, NVR_INDEX_STREAM_MAIN, minute, payload);
}

static void
fx_segment(Fx *fx, guint c, gint64 minute)
{
	fx_begin(fx, c, minute, SEG_PAYLOAD);
	nvr_store_writer_end_segment(fx->writer, fx->cam[c], NVR_INDEX_STREAM_MAIN,
				     T0_US + (minute + 1) * MIN_US);
}

/* stored (finalized or interrupted) segments of camera @c, oldest first */
static GPtrArray *
fx_rows(Fx *fx, guint c)
{
	g_autoptr(GError) error = NULL;
	GPtrArray *rows;

	nvr_store_writer_flush(fx->writer);
	rows = nvr_index_segment_list_span(fx->index, fx->cam[c], NVR_INDEX_STREAM_MAIN, 0,
					   G_MAXINT64, &error);
	g_assert_no_error(error);
	for (guint i = rows->len; i > 0; i--) {
		NvrIndexSegment *s = g_ptr_array_index(rows, i - 1);

		if (s->status == NVR_INDEX_SEGMENT_RECORDING)
			g_ptr_array_remove_index(rows, i - 1);
	}
	return rows;
}

static gint64
fx_bytes(GPtrArray *rows)
{
	gint64 sum = 0;

	for (guint i = 0; i < rows->len; i++)
		sum += ((NvrIndexSegment *)g_ptr_array_index(rows, i))->file_len;
	return sum;
}

static NvrRetention *
fx_retention(Fx *fx)
{
	NvrRetention *r = nvr_retention_new(fx->index, fx->footage,
					    nvr_keyring_get_device_key(fx->keyring), &fx->policy);

	nvr_retention_set_space_func(r, fx_space, fx);
	return r;
}

static NvrRetentionResult
fx_run(Fx *fx)
{
	g_autoptr(NvrRetention) r = fx_retention(fx);
	g_autoptr(GError) error = NULL;
	NvrRetentionResult res = {0};

	nvr_store_writer_flush(fx->writer);
	g_assert_true(nvr_retention_run(r, &res, &error));
	g_assert_no_error(error);
	g_test_message("run: %u deleted (%" G_GUINT64_FORMAT " bytes), %u deferred, %u completed, "
		       "%u pending, %u passes",
		       res.deleted, res.deleted_bytes, res.deferred, res.completed, res.pending,
		       res.passes);
	return res;
}

static gchar *
fx_path(Fx *fx, const NvrIndexSegment *s)
{
	return nvr_store_dup_segment_path(fx->index, s, NULL);
}

static gboolean
fx_gone(Fx *fx, gint64 id)
{
	g_autoptr(NvrIndexSegment) row = nvr_index_segment_load(fx->index, id, NULL);

	return row == NULL;
}

static NvrStoreVerifyReport *
fx_verify(Fx *fx)
{
	g_autoptr(GError) error = NULL;
	NvrStoreVerifyReport *r = nvr_store_verify(
		fx->index, nvr_nvre_signing_key_get_public(nvr_keyring_get_device_key(fx->keyring)),
		NULL, &error);

	g_assert_no_error(error);
	for (guint i = 0; i < r->items->len; i++) {
		NvrStoreVerifyItem *it = g_ptr_array_index(r->items, i);

		if (it->problem != NVR_STORE_PROBLEM_NONE || !g_str_equal(it->status, "finalized"))
			g_test_message("verify %" G_GINT64_FORMAT " %s %s %s", it->segment_id,
				       it->status, nvr_store_problem_to_string(it->problem),
				       it->detail != NULL ? it->detail : "");
	}
	return r;
}

/* ---- the rules ---- */

static void
test_budget(Fx *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) before = NULL;
	g_autoptr(GPtrArray) after = NULL;
	g_autoptr(GPtrArray) other = NULL;
	g_autoptr(NvrStoreVerifyReport) v = NULL;
	NvrRetentionResult res;
	gint64 seg_len;

	for (gint64 m = 0; m < 6; m++) {
		fx_segment(fx, 0, m);
		fx_segment(fx, 1, m);
	}
	before = fx_rows(fx, 0);
	g_assert_cmpuint(before->len, ==, 6);
	seg_len = ((NvrIndexSegment *)g_ptr_array_index(before, 0))->file_len;
	/* room for three and a half segments; the other camera has no budget */
	fx->policy.camera_budget_bytes = 0;
	{
		g_autoptr(NvrIndexCamera) cam = nvr_index_camera_load(fx->index, fx->cam[0], NULL);
		g_autoptr(GError) error = NULL;

		cam->budget_bytes = seg_len * 7 / 2;
		g_assert_true(nvr_index_camera_update(fx->index, cam, &error));
	}
	res = fx_run(fx);
	after = fx_rows(fx, 0);
	other = fx_rows(fx, 1);
	g_assert_cmpuint(res.deleted, ==, 3);
	g_assert_cmpuint(res.by_rule[NVR_INDEX_TOMBSTONE_RULE_BUDGET], ==, 3);
	g_assert_cmpuint(after->len, ==, 3);
	g_assert_cmpuint(other->len, ==, 6);
	g_assert_cmpint(fx_bytes(after), <=, seg_len * 7 / 2);
	/* the oldest went, their files too */
	for (guint i = 0; i < 3; i++) {
		NvrIndexSegment *s = g_ptr_array_index(before, i);
		g_autofree gchar *path = fx_path(fx, s);
		g_autoptr(NvrIndexTombstone) t = nvr_index_tombstone_load_by_segment(fx->index, s->id,
										     NULL);

		g_assert_true(fx_gone(fx, s->id));
		g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
		g_assert_nonnull(t);
		g_assert_cmpint(t->rule, ==, NVR_INDEX_TOMBSTONE_RULE_BUDGET);
		g_assert_cmpint(t->reason, ==, NVR_INDEX_TOMBSTONE_RETENTION);
		g_assert_cmpint(t->file_len, ==, s->file_len);
		g_assert_true(g_bytes_equal(t->header_mac, s->header_mac));
	}
	g_assert_cmpint(((NvrIndexSegment *)g_ptr_array_index(after, 0))->id, ==,
			((NvrIndexSegment *)g_ptr_array_index(before, 3))->id);
	/* keyless verify: clean, the three named deleted by retention */
	v = fx_verify(fx);
	g_assert_cmpuint(v->n_problems, ==, 0);
	g_assert_cmpuint(v->n_deleted, ==, 3);
	/* summed up per camera and rule, for nvrctl verify's one line */
	g_assert_cmpuint(v->deletions->len, ==, 1);
	{
		NvrStoreVerifyDeletions *d = g_ptr_array_index(v->deletions, 0);

		g_assert_cmpstr(d->camera_uuid, ==, fx->uuid[0]);
		g_assert_cmpstr(d->rule, ==, "budget");
		g_assert_cmpuint(d->segments, ==, 3);
		g_assert_cmpuint(d->bytes, ==, 3 * (guint64)seg_len);
		g_assert_cmpint(d->start_us, ==, T0_US);
		g_assert_cmpint(d->end_us, ==, T0_US + 3 * MIN_US);
		g_assert_cmpint(d->first_deleted_us, <=, d->last_deleted_us);
	}
	/* a second run finds nothing to do */
	res = fx_run(fx);
	g_assert_cmpuint(res.deleted, ==, 0);
}

static void
test_age(Fx *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) a = NULL;
	g_autoptr(GPtrArray) b = NULL;
	NvrRetentionResult res;

	for (gint64 m = 0; m < 10; m++)
		fx_segment(fx, m % 2, m);
	/* now is T0 + 60 min: keep what ended in the last 55 minutes (minutes 4 and later) */
	fx->policy.max_age_us = 55 * MIN_US;
	res = fx_run(fx);
	a = fx_rows(fx, 0);
	b = fx_rows(fx, 1);
	g_assert_cmpuint(res.deleted, ==, 4); /* minutes 0..3 end by T0 + 4 min < T0 + 5 min */
	g_assert_cmpuint(res.by_rule[NVR_INDEX_TOMBSTONE_RULE_AGE], ==, 4);
	g_assert_cmpuint(a->len + b->len, ==, 6);
	for (guint i = 0; i < a->len; i++)
		g_assert_cmpint(((NvrIndexSegment *)g_ptr_array_index(a, i))->start_us, >=,
				T0_US + 4 * MIN_US);
	for (guint i = 0; i < b->len; i++)
		g_assert_cmpint(((NvrIndexSegment *)g_ptr_array_index(b, i))->start_us, >=,
				T0_US + 4 * MIN_US);
	/* time passes: the next minute goes too */
	nvr_clock_fake_advance(fx->clock, MIN_US);
	res = fx_run(fx);
	g_assert_cmpuint(res.deleted, ==, 1);
}

static void
test_floor(Fx *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) a = NULL;
	g_autoptr(GPtrArray) b = NULL;
	g_autoptr(NvrStoreVerifyReport) v = NULL;
	NvrRetentionResult res;
	gint64 seg_len;

	/* camera 1 has minutes 0, 1, 3, 5; camera 0 minutes 2, 4, 6 */
	fx_segment(fx, 1, 0);
	for (gint64 m = 1; m < 7; m++)
		fx_segment(fx, m % 2, m);
	a = fx_rows(fx, 0);
	seg_len = ((NvrIndexSegment *)g_ptr_array_index(a, 0))->file_len;
	g_clear_pointer(&a, g_ptr_array_unref);
	/* 2.5 segments short of the floor: three go, globally oldest first */
	fx->policy.floor_bytes = 1000 * seg_len;
	fx_set_free(fx, 1000 * seg_len - seg_len * 5 / 2);
	res = fx_run(fx);
	g_assert_cmpuint(res.deleted, ==, 3);
	g_assert_cmpuint(res.by_rule[NVR_INDEX_TOMBSTONE_RULE_FREE_SPACE], ==, 3);
	a = fx_rows(fx, 0);
	b = fx_rows(fx, 1);
	/* gone: minutes 0, 1 (camera 1) and 2 (camera 0) */
	g_assert_cmpuint(a->len, ==, 2);
	g_assert_cmpuint(b->len, ==, 2);
	g_assert_cmpint(((NvrIndexSegment *)g_ptr_array_index(a, 0))->start_us, ==, T0_US + 4 * MIN_US);
	g_assert_cmpint(((NvrIndexSegment *)g_ptr_array_index(b, 0))->start_us, ==, T0_US + 3 * MIN_US);
	v = fx_verify(fx);
	g_assert_cmpuint(v->n_problems, ==, 0);
	g_assert_cmpuint(v->n_deleted, ==, 3);

	/* a floor that cannot be met: every finished segment goes, never the open one */
	fx_begin(fx, 0, 7, SEG_PAYLOAD);
	fx_set_free(fx, 0);
	res = fx_run(fx);
	g_assert_cmpuint(res.deleted, ==, 4);
	g_clear_pointer(&a, g_ptr_array_unref);
	a = fx_rows(fx, 0);
	g_assert_cmpuint(a->len, ==, 0);
	{
		g_autoptr(GPtrArray) open = nvr_index_segment_list_by_status(
			fx->index, NVR_INDEX_SEGMENT_RECORDING, NULL);

		g_assert_cmpuint(open->len, ==, 1);
	}
}

/* an open segment counts for what it will still write, against budget and floor */
static void
test_inflight(Fx *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) rows = NULL;
	g_autoptr(GPtrArray) open = NULL;
	g_autofree gchar *open_path = NULL;
	NvrRetentionResult res;
	gint64 seg_len;
	guint64 to_come;
	GStatBuf st;

	for (gint64 m = 0; m < 3; m++)
		fx_segment(fx, 0, m);
	rows = fx_rows(fx, 0);
	seg_len = ((NvrIndexSegment *)g_ptr_array_index(rows, 0))->file_len;
	/* three finished fit a budget of 3.5; with the open one expected to reach one more, not */
	fx->policy.camera_budget_bytes = seg_len * 7 / 2;
	res = fx_run(fx);
	g_assert_cmpuint(res.deleted, ==, 0);
	fx_begin(fx, 0, 3, 10 * KB); /* expected to grow to its predecessor's size */
	res = fx_run(fx);
	g_assert_cmpuint(res.deleted, ==, 1);
	/* what is not on disk yet: the predecessor's size less what the open file holds */
	open = nvr_index_segment_list_by_status(fx->index, NVR_INDEX_SEGMENT_RECORDING, NULL);
	g_assert_cmpuint(open->len, ==, 1);
	open_path = fx_path(fx, g_ptr_array_index(open, 0));
	g_assert_cmpint(g_stat(open_path, &st), ==, 0);
	g_assert_cmpint(st.st_size, <, seg_len);
	to_come = (guint64)(seg_len - st.st_size);
	g_assert_cmpuint(res.inflight_bytes, ==, to_come);

	/* the floor: free space that covers the floor now, but not once the open segment grew */
	fx->policy.camera_budget_bytes = 0;
	fx->policy.floor_bytes = 100 * seg_len;
	fx_set_free(fx, 100 * seg_len + to_come + 1);
	res = fx_run(fx);
	g_assert_cmpuint(res.deleted, ==, 0);
	fx_set_free(fx, 100 * seg_len + to_come / 2);
	res = fx_run(fx);
	g_assert_cmpuint(res.deleted, ==, 1);
	g_assert_cmpuint(res.by_rule[NVR_INDEX_TOMBSTONE_RULE_FREE_SPACE], ==, 1);
}

/* a child process holds a shared flock, as nvrctl export does while nvrd records */
static GPid
fx_hold_in_child(const gchar *path, gint *release_fd)
{
	gint ready[2], release[2];
	gchar c = 0;
	GPid pid;

	g_assert_cmpint(pipe(ready), ==, 0);
	g_assert_cmpint(pipe(release), ==, 0);
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		/* only system calls after fork() */
		gint fd = open(path, O_RDONLY);

		close(ready[0]);
		close(release[1]); /* so that the parent's end closing is EOF here */

		if (fd < 0 || flock(fd, LOCK_SH) != 0 || write(ready[1], "r", 1) != 1)
			_exit(1);
		if (read(release[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	g_assert_cmpint(read(ready[0], &c, 1), ==, 1);
	close(ready[0]);
	*release_fd = release[1];
	return pid;
}

/* bytes of garbage rows whose file is still there count as soon free */
static void
test_pending_and_hold(Fx *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) rows = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrStoreVerifyReport) v = NULL;
	g_autoptr(NvrRetention) r = NULL;
	NvrStoreHold *hold;
	NvrRetentionResult res = {0};
	NvrIndexSegment *oldest, *second;
	g_autofree gchar *p_oldest = NULL;
	g_autofree gchar *p_second = NULL;
	gint64 seg_len;

	for (gint64 m = 0; m < 5; m++)
		fx_segment(fx, 0, m);
	rows = fx_rows(fx, 0);
	oldest = g_ptr_array_index(rows, 0);
	second = g_ptr_array_index(rows, 1);
	seg_len = oldest->file_len;
	p_oldest = fx_path(fx, oldest);
	p_second = fx_path(fx, second);

	/* a user deletes the oldest while a reader holds it: tombstone and garbage, file stays */
	hold = nvr_store_hold_new(oldest->id, p_oldest, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(nvr_store_hold_count(oldest->id), ==, 1);
	r = fx_retention(fx);
	g_assert_true(nvr_retention_delete(r, &oldest->id, 1, &res, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(res.deleted, ==, 0);
	g_assert_cmpuint(res.pending, ==, 1);
	g_assert_true(g_file_test(p_oldest, G_FILE_TEST_EXISTS));
	v = fx_verify(fx);
	g_assert_cmpuint(v->n_problems, ==, 0);
	g_assert_cmpuint(v->n_pending, ==, 1);
	g_clear_pointer(&v, nvr_store_verify_report_free);

	/* one segment short of the floor, and that segment is pending: nothing more goes */
	fx->policy.floor_bytes = 100 * seg_len;
	fx_set_free(fx, 99 * seg_len);
	res = fx_run(fx);
	g_assert_cmpuint(res.deleted, ==, 0);
	g_assert_cmpuint(res.pending, ==, 1);
	g_assert_cmpuint(res.pending_bytes, ==, (guint64)seg_len);

	/* released: the next run completes it, which meets the floor */
	nvr_store_hold_release(hold);
	g_assert_cmpuint(nvr_store_hold_count(oldest->id), ==, 0);
	res = fx_run(fx);
	g_assert_cmpuint(res.completed, ==, 1);
	g_assert_false(g_file_test(p_oldest, G_FILE_TEST_EXISTS));
	g_assert_true(fx_gone(fx, oldest->id));
	v = fx_verify(fx);
	g_assert_cmpuint(v->n_problems, ==, 0);
	g_assert_cmpuint(v->n_deleted, ==, 1);
	{
		g_autoptr(NvrIndexTombstone) t = nvr_index_tombstone_load_by_segment(fx->index,
										     oldest->id, NULL);
		g_assert_cmpint(t->reason, ==, NVR_INDEX_TOMBSTONE_USER);
		g_assert_cmpint(t->rule, ==, NVR_INDEX_TOMBSTONE_RULE_NONE);
	}

	/* the floor held while another process reads the next oldest: the floor takes a
	 * newer one instead, and frees enough */
	{
		gint release_fd = -1;
		GPid child = fx_hold_in_child(p_second, &release_fd);
		NvrIndexSegment *third = g_ptr_array_index(rows, 2);
		gint status = 0;

		g_assert_true(nvr_store_hold_is_held(second->id, p_second));
		g_assert_cmpuint(nvr_store_hold_count(second->id), ==, 0);
		fx_set_free(fx, 100 * seg_len - seg_len / 2);
		res = fx_run(fx);
		g_assert_cmpuint(res.deferred, ==, 1);
		g_assert_cmpuint(res.deleted, ==, 1);
		g_assert_true(g_file_test(p_second, G_FILE_TEST_EXISTS));
		g_assert_false(fx_gone(fx, second->id));
		g_assert_true(fx_gone(fx, third->id));

		/* over a budget, the held one is the one that must go: only after release */
		fx->policy.floor_bytes = 0;
		fx->policy.camera_budget_bytes = seg_len * 5 / 2; /* second, fourth, fifth: 3 */
		res = fx_run(fx);
		g_assert_cmpuint(res.deferred, ==, 1);
		g_assert_cmpuint(res.deleted, ==, 0);
		g_assert_false(fx_gone(fx, second->id));
		g_assert_cmpint(write(release_fd, "x", 1), ==, 1);
		close(release_fd);
		g_assert_cmpint(waitpid(child, &status, 0), ==, child);
		g_assert_cmpint(status, ==, 0);
	}
	g_assert_false(nvr_store_hold_is_held(second->id, p_second));
	res = fx_run(fx);
	g_assert_cmpuint(res.deleted, ==, 1);
	g_assert_cmpuint(res.by_rule[NVR_INDEX_TOMBSTONE_RULE_BUDGET], ==, 1);
	g_assert_true(fx_gone(fx, second->id));
	g_assert_false(g_file_test(p_second, G_FILE_TEST_EXISTS));
	g_clear_pointer(&v, nvr_store_verify_report_free);
	v = fx_verify(fx);
	g_assert_cmpuint(v->n_problems, ==, 0);
	g_assert_cmpuint(v->n_deleted, ==, 3);
}

/* ---- tombstones ---- */

static void
test_tombstone_signature(Fx *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) rows = NULL;
	g_autoptr(NvrIndexTombstone) t = NULL;
	g_autoptr(NvrStoreVerifyReport) v = NULL;
	g_autoptr(GError) error = NULL;
	const guint8 *pk = nvr_nvre_signing_key_get_public(nvr_keyring_get_device_key(fx->keyring));
	g_autofree gchar *db = g_build_filename(fx->state, "nvr.db", NULL);
	NvrIndexSegment *oldest;
	NvrRetentionResult res;
	guint8 *sig;
	sqlite3 *raw = NULL;

	for (gint64 m = 0; m < 3; m++)
		fx_segment(fx, 0, m);
	rows = fx_rows(fx, 0);
	oldest = g_ptr_array_index(rows, 0);
	fx->policy.camera_budget_bytes = oldest->file_len * 5 / 2;
	res = fx_run(fx);
	g_assert_cmpuint(res.deleted, ==, 1);
	t = nvr_index_tombstone_load_by_segment(fx->index, oldest->id, &error);
	g_assert_no_error(error);
	g_assert_true(nvr_store_tombstone_verify(t, fx->uuid[0], pk, &error));
	g_assert_no_error(error);
	/* the successor's chain link is what the tombstone carries */
	g_assert_true(g_bytes_equal(
		t->link, ((NvrIndexSegment *)g_ptr_array_index(rows, 1))->prev_link));

	/* any field changed, another camera's uuid, a flipped signature bit: all fail */
	t->end_us++;
	g_assert_false(nvr_store_tombstone_verify(t, fx->uuid[0], pk, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_CORRUPT);
	g_clear_error(&error);
	t->end_us--;
	t->rule = NVR_INDEX_TOMBSTONE_RULE_AGE;
	g_assert_false(nvr_store_tombstone_verify(t, fx->uuid[0], pk, NULL));
	t->rule = NVR_INDEX_TOMBSTONE_RULE_BUDGET;
	g_assert_false(nvr_store_tombstone_verify(t, fx->uuid[1], pk, NULL));
	sig = (guint8 *)g_bytes_get_data(t->signature, NULL);
	sig[5] ^= 1;
	g_assert_false(nvr_store_tombstone_verify(t, fx->uuid[0], pk, NULL));
	sig[5] ^= 1;
	g_assert_true(nvr_store_tombstone_verify(t, fx->uuid[0], pk, NULL));

	/* tampered in the database: verify names it, and the successor loses its excuse */
	g_assert_cmpint(sqlite3_open(db, &raw), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_exec(raw, "UPDATE tombstones SET file_len = file_len + 1", NULL,
				     NULL, NULL),
			==, SQLITE_OK);
	sqlite3_close(raw);
	v = fx_verify(fx);
	g_assert_cmpuint(v->n_deleted, ==, 0);
	g_assert_cmpuint(v->n_problems, ==, 2); /* the tombstone, and the successor's chain */
}

/* ---- pruning old tombstones ---- */

#define DAY_US (G_GINT64_CONSTANT(24) * 3600 * G_USEC_PER_SEC)

static gboolean
fx_has_tombstone(Fx *fx, gint64 segment_id)
{
	g_autoptr(NvrIndexTombstone) t = nvr_index_tombstone_load_by_segment(fx->index,
									     segment_id, NULL);

	return t != NULL;
}

static guint
fx_prune(Fx *fx)
{
	g_autoptr(NvrRetention) r = fx_retention(fx);
	g_autoptr(GError) error = NULL;
	NvrRetentionResult res = {0};

	g_assert_true(nvr_retention_prune_tombstones(r, &res, &error));
	g_assert_no_error(error);
	return res.pruned;
}

static void
fx_user_delete(Fx *fx, GPtrArray *rows, guint from, guint to)
{
	g_autoptr(NvrRetention) r = fx_retention(fx);
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	NvrRetentionResult res = {0};

	for (guint i = from; i <= to; i++)
		g_array_append_val(ids, ((NvrIndexSegment *)g_ptr_array_index(rows, i))->id);
	g_assert_true(nvr_retention_delete(r, (const gint64 *)(gpointer)ids->data, ids->len, &res,
					   &error));
	g_assert_no_error(error);
}

/* keyless and deep verify are both clean, and name @n_deleted deletions */
static void
fx_assert_verify_clean(Fx *fx, guint n_deleted)
{
	g_autoptr(NvrStoreVerifyReport) v = fx_verify(fx);
	g_autoptr(NvrStoreVerifyReport) deep = NULL;
	g_autoptr(GPtrArray) keys = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_cmpuint(v->n_problems, ==, 0);
	g_assert_cmpuint(v->n_deleted, ==, n_deleted);
	keys = nvr_keyring_unlock(fx->keyring, "owner", (const guint8 *)PASS, strlen(PASS),
				  &error);
	g_assert_no_error(error);
	deep = nvr_store_verify(
		fx->index, nvr_nvre_signing_key_get_public(nvr_keyring_get_device_key(fx->keyring)),
		keys, &error);
	g_assert_no_error(error);
	g_assert_true(deep->deep);
	g_assert_cmpuint(deep->n_problems, ==, 0);
	g_assert_cmpuint(deep->n_deleted, ==, n_deleted);
}

/* ---- a user's deletion of a span ---- */

static gint64
fx_id_at(Fx *fx, guint c, NvrIndexStream stream, gint64 minute)
{
	g_autoptr(GPtrArray) rows = nvr_index_segment_list_span(
		fx->index, fx->cam[c], stream, T0_US + minute * MIN_US, T0_US + minute * MIN_US + 1,
		NULL);

	g_assert_cmpuint(rows->len, ==, 1);
	return ((NvrIndexSegment *)g_ptr_array_index(rows, 0))->id;
}

/*
 * Whole finished segments inside the span go, of both streams; one that
 * straddles a boundary stays, as does the open one; a held one is marked
 * now and goes when released; one already gone is counted, not an error.
 */
static void
test_delete_span(Fx *fx, gconstpointer data)
{
	g_autoptr(NvrRetention) r = NULL;
	g_autoptr(GPtrArray) kept = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexSegment) held_row = NULL;
	g_autofree gchar *held_path = NULL;
	NvrRetentionResult res = {0};
	NvrStoreHold *hold;
	gint64 main_id[11], sub4, other4;

	for (gint64 m = 0; m < 10; m++)
		fx_segment(fx, 0, m);
	fx_segment(fx, 1, 4);
	fx_begin_stream(fx, 0, NVR_INDEX_STREAM_SUB, 4, SEG_PAYLOAD);
	nvr_store_writer_end_segment(fx->writer, fx->cam[0], NVR_INDEX_STREAM_SUB,
				     T0_US + 5 * MIN_US);
	fx_begin(fx, 0, 10, SEG_PAYLOAD); /* open */
	nvr_store_writer_flush(fx->writer);
	for (gint64 m = 0; m < 11; m++)
		main_id[m] = fx_id_at(fx, 0, NVR_INDEX_STREAM_MAIN, m);
	sub4 = fx_id_at(fx, 0, NVR_INDEX_STREAM_SUB, 4);
	other4 = fx_id_at(fx, 1, NVR_INDEX_STREAM_MAIN, 4);
	held_row = nvr_index_segment_load(fx->index, main_id[5], NULL);
	held_path = fx_path(fx, held_row);
	hold = nvr_store_hold_new(main_id[5], held_path, &error);
	g_assert_no_error(error);

	/* minutes 2.5 .. 7.5: 3..6 and the sub stream's 4 go; 2 and 7 straddle */
	r = fx_retention(fx);
	g_assert_true(nvr_retention_delete_span(r, fx->cam[0], T0_US + 5 * MIN_US / 2,
						T0_US + 15 * MIN_US / 2, &res, &kept, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(res.deleted, ==, 4);
	g_assert_cmpuint(res.pending, ==, 1);
	g_assert_cmpuint(res.gone, ==, 0);
	g_assert_cmpuint(kept->len, ==, 2);
	g_assert_cmpint(((NvrIndexSegment *)g_ptr_array_index(kept, 0))->id, ==, main_id[2]);
	g_assert_cmpint(((NvrIndexSegment *)g_ptr_array_index(kept, 1))->id, ==, main_id[7]);
	for (gint64 m = 3; m <= 6; m++) {
		g_autoptr(NvrIndexTombstone) t = nvr_index_tombstone_load_by_segment(
			fx->index, main_id[m], NULL);

		g_assert_nonnull(t);
		g_assert_cmpint(t->reason, ==, NVR_INDEX_TOMBSTONE_USER);
		g_assert_cmpint(t->rule, ==, NVR_INDEX_TOMBSTONE_RULE_NONE);
		g_assert_true(m == 5 || fx_gone(fx, main_id[m]));
	}
	g_assert_true(fx_gone(fx, sub4));
	g_assert_false(fx_gone(fx, other4));
	g_assert_true(g_file_test(held_path, G_FILE_TEST_EXISTS));
	g_assert_false(fx_gone(fx, main_id[2]) || fx_gone(fx, main_id[7]));
	fx_assert_verify_clean(fx, 4); /* and minute 5 pending */

	/* the reader lets go: the next completion removes it */
	nvr_store_hold_release(hold);
	memset(&res, 0, sizeof(res));
	g_assert_true(nvr_retention_complete(r, &res, &error));
	g_assert_cmpuint(res.completed, ==, 1);
	g_assert_false(g_file_test(held_path, G_FILE_TEST_EXISTS));
	fx_assert_verify_clean(fx, 5);

	/* over the open segment: minute 9 goes, 8 straddles, the open one stays */
	g_clear_pointer(&kept, g_ptr_array_unref);
	memset(&res, 0, sizeof(res));
	g_assert_true(nvr_retention_delete_span(r, fx->cam[0], T0_US + 17 * MIN_US / 2,
						T0_US + 12 * MIN_US, &res, &kept, &error));
	g_assert_cmpuint(res.deleted, ==, 1);
	g_assert_cmpuint(kept->len, ==, 2);
	g_assert_cmpint(((NvrIndexSegment *)g_ptr_array_index(kept, 1))->id, ==, main_id[10]);
	g_assert_cmpint(((NvrIndexSegment *)g_ptr_array_index(kept, 1))->status, ==,
			NVR_INDEX_SEGMENT_RECORDING);
	/* the open segment finishes, linked to the deleted minute 9: its tombstone vouches */
	nvr_store_writer_end_segment(fx->writer, fx->cam[0], NVR_INDEX_STREAM_MAIN,
				     T0_US + 11 * MIN_US);
	nvr_store_writer_flush(fx->writer);
	fx_assert_verify_clean(fx, 6);

	/* a segment someone else deleted first is counted, and an open one refused whole */
	memset(&res, 0, sizeof(res));
	g_assert_true(nvr_retention_delete(r, &main_id[9], 1, &res, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(res.gone, ==, 1);
	g_assert_cmpuint(res.deleted, ==, 0);
	fx_begin(fx, 0, 11, SEG_PAYLOAD);
	nvr_store_writer_flush(fx->writer);
	{
		gint64 ids[2] = {main_id[8], fx_id_at(fx, 0, NVR_INDEX_STREAM_MAIN, 11)};

		g_assert_false(nvr_retention_delete(r, ids, 2, &res, &error));
		g_assert_error(error, NVR_ERROR, NVR_ERROR_BUSY);
		g_assert_false(fx_gone(fx, main_id[8]));
	}
}

/*
 * Old tombstones go, except those verify reads: the predecessor of each
 * stream's oldest remaining segment, the last of a user's hole, one an
 * open segment links to, and one whose garbage row waits for a reader.
 */
static void
test_prune(Fx *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) a = NULL;
	g_autoptr(GPtrArray) b = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *p9 = NULL;
	NvrStoreHold *hold;
	NvrRetentionResult res;
	gint64 id[10], bid[4];

	for (gint64 m = 0; m < 10; m++)
		fx_segment(fx, 0, m);
	for (gint64 m = 0; m < 4; m++)
		fx_segment(fx, 1, m);
	fx_begin(fx, 1, 4, SEG_PAYLOAD); /* open: links to camera 1's minute 3 */
	a = fx_rows(fx, 0);
	b = fx_rows(fx, 1);
	for (guint i = 0; i < 10; i++)
		id[i] = ((NvrIndexSegment *)g_ptr_array_index(a, i))->id;
	for (guint i = 0; i < 4; i++)
		bid[i] = ((NvrIndexSegment *)g_ptr_array_index(b, i))->id;

	/* camera 0: a user's hole (minutes 4, 5), the budget takes minutes 0..2, and minute 9
	 * is deleted while a reader holds it; camera 1: everything finished */
	fx_user_delete(fx, a, 4, 5);
	fx_user_delete(fx, b, 0, 3);
	{
		g_autoptr(NvrIndexCamera) cam = nvr_index_camera_load(fx->index, fx->cam[0], NULL);

		cam->budget_bytes = ((NvrIndexSegment *)g_ptr_array_index(a, 0))->file_len * 11 / 2;
		g_assert_true(nvr_index_camera_update(fx->index, cam, &error));
		g_assert_no_error(error);
	}
	res = fx_run(fx);
	g_assert_cmpuint(res.by_rule[NVR_INDEX_TOMBSTONE_RULE_BUDGET], ==, 3);
	p9 = fx_path(fx, g_ptr_array_index(a, 9));
	hold = nvr_store_hold_new(id[9], p9, &error);
	g_assert_no_error(error);
	fx_user_delete(fx, a, 9, 9);
	fx_assert_verify_clean(fx, 9); /* and minute 9 pending */

	/* within the keep period, or without one, nothing goes */
	fx->policy.tombstone_keep_us = 30 * DAY_US;
	g_assert_cmpuint(fx_prune(fx), ==, 0);
	nvr_clock_fake_advance(fx->clock, 31 * DAY_US);
	fx->policy.tombstone_keep_us = 0;
	g_assert_cmpuint(fx_prune(fx), ==, 0);

	/* 31 days on: camera 0's minutes 0, 1 and 4 go, and camera 1's 0..2 */
	fx->policy.tombstone_keep_us = 30 * DAY_US;
	g_assert_cmpuint(fx_prune(fx), ==, 6);
	g_assert_true(fx_has_tombstone(fx, id[2]));  /* before the oldest kept (minute 3) */
	g_assert_true(fx_has_tombstone(fx, id[5]));  /* before minute 6, after the hole */
	g_assert_true(fx_has_tombstone(fx, id[9]));  /* its garbage row waits for the reader */
	g_assert_true(fx_has_tombstone(fx, bid[3])); /* the open segment links to it */
	g_assert_false(fx_has_tombstone(fx, id[0]));
	g_assert_false(fx_has_tombstone(fx, id[4]));
	g_assert_false(fx_has_tombstone(fx, bid[2]));
	fx_assert_verify_clean(fx, 3);
	g_assert_cmpuint(fx_prune(fx), ==, 0);

	/* the reader lets go: minute 9's deletion completes; its tombstone, old and needed by no
	 * one (no successor), goes at the next prune. The budget takes minute 3: minute 2's
	 * tombstone is needed no more, minute 3's is young and needed */
	nvr_store_hold_release(hold);
	{
		g_autoptr(NvrIndexCamera) cam = nvr_index_camera_load(fx->index, fx->cam[0], NULL);

		cam->budget_bytes = ((NvrIndexSegment *)g_ptr_array_index(a, 0))->file_len * 7 / 2;
		g_assert_true(nvr_index_camera_update(fx->index, cam, &error));
	}
	res = fx_run(fx);
	g_assert_cmpuint(res.completed, ==, 1);
	g_assert_cmpuint(res.deleted, ==, 1);
	g_assert_true(fx_gone(fx, id[3]));
	g_assert_cmpuint(fx_prune(fx), ==, 2);
	g_assert_false(fx_has_tombstone(fx, id[2]));
	g_assert_false(fx_has_tombstone(fx, id[9]));
	g_assert_true(fx_has_tombstone(fx, id[3]));
	g_assert_true(fx_has_tombstone(fx, id[5]));
	fx_assert_verify_clean(fx, 3);

	/* the open segment finishes: it still needs camera 1's minute 3 */
	nvr_store_writer_end_segment(fx->writer, fx->cam[1], NVR_INDEX_STREAM_MAIN,
				     T0_US + 5 * MIN_US);
	nvr_store_writer_flush(fx->writer);
	g_assert_cmpuint(fx_prune(fx), ==, 0);
	fx_assert_verify_clean(fx, 3);
}

/* tombstones no row needs, as a year of them would be, made fast (the prune reads no signature) */
static void
fx_fake_tombstones(Fx *fx, guint n, gint64 deleted_us, gint64 first_id)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexSegment) seg = nvr_index_segment_new();
	g_autoptr(GBytes) tag = g_bytes_new_take(g_malloc0(16), 16);
	g_autoptr(GBytes) sig = g_bytes_new_take(g_malloc0(64), 64);

	seg->camera_id = fx->cam[1];
	seg->status = NVR_INDEX_SEGMENT_FINALIZED;
	seg->last_tag = g_bytes_ref(tag);
	g_assert_true(nvr_index_begin(fx->index, &error));
	for (guint i = 0; i < n; i++) {
		g_autoptr(NvrIndexTombstone) t = NULL;

		seg->id = first_id + i;
		seg->start_us = seg->end_us = T0_US + i;
		t = nvr_index_tombstone_new_for_segment(seg, NULL, NVR_INDEX_TOMBSTONE_RETENTION,
							deleted_us + i);
		t->rule = NVR_INDEX_TOMBSTONE_RULE_AGE;
		t->signature = g_bytes_ref(sig);
		g_assert_true(nvr_index_tombstone_insert(fx->index, t, &error));
		g_assert_no_error(error);
	}
	g_assert_true(nvr_index_commit(fx->index, &error));
}

/* a year's backlog goes in bounded calls; the steady state costs little. Figures to the log */
static void
test_prune_rate(Fx *fx, gconstpointer data)
{
	const guint n = 50000;
	gint64 t0, elapsed;
	guint calls = 0, pruned = 0, got;

	fx->policy.tombstone_keep_us = 30 * DAY_US;
	fx_fake_tombstones(fx, n, T0_US - 365 * DAY_US, 1000000);
	fx_fake_tombstones(fx, n, T0_US, 2000000); /* young */
	nvr_clock_fake_advance(fx->clock, -(31 * DAY_US) + DAY_US); /* keeps the young ones */
	t0 = g_get_monotonic_time();
	while ((got = fx_prune(fx)) > 0) {
		g_assert_cmpuint(got, <=, 16000); /* bounded per call */
		pruned += got;
		calls++;
	}
	elapsed = g_get_monotonic_time() - t0;
	g_assert_cmpuint(pruned, ==, n);
	g_assert_cmpuint(calls, ==, (n + 15999) / 16000);
	g_test_message("figures: %u old tombstones pruned in %u calls, %.0f ms (%.0f per second)", n,
		       calls, elapsed / 1000.0, n / (elapsed / 1e6));
	/* the steady state: a call with nothing due, beside %u young tombstones */
	t0 = g_get_monotonic_time();
	for (guint i = 0; i < 100; i++)
		g_assert_cmpuint(fx_prune(fx), ==, 0);
	g_test_message("figures: a prune with nothing due beside %u young tombstones: %.3f ms", n,
		       (g_get_monotonic_time() - t0) / 100 / 1000.0);
}

/* ---- crash between the steps, then startup completion ---- */

static void
test_crash_after_step(Fx *fx, gconstpointer data)
{
	NvrRetentionStep step = GPOINTER_TO_INT(data);
	g_autoptr(GPtrArray) rows = NULL;
	g_autoptr(NvrRetention) r = NULL;
	g_autoptr(NvrStoreVerifyReport) v = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexSegment) after = NULL;
	g_autoptr(NvrIndexTombstone) tombstone = NULL;
	g_autofree gchar *path = NULL;
	NvrRetentionResult res = {0};
	NvrIndexSegment *oldest;

	for (gint64 m = 0; m < 3; m++)
		fx_segment(fx, 0, m);
	rows = fx_rows(fx, 0);
	oldest = g_ptr_array_index(rows, 0);
	path = fx_path(fx, oldest);
	fx->policy.camera_budget_bytes = oldest->file_len * 5 / 2;
	nvr_store_writer_flush(fx->writer);
	r = fx_retention(fx);
	nvr_retention_set_stop_after(r, step);
	g_assert_false(nvr_retention_run(r, &res, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_CANCELLED);
	g_clear_error(&error);
	g_clear_pointer(&r, nvr_retention_free);

	/* what the crash left: a garbage row with its tombstone; the file until UNLINK */
	after = nvr_index_segment_load(fx->index, oldest->id, &error);
	g_assert_no_error(error);
	g_assert_cmpint(after->status, ==, NVR_INDEX_SEGMENT_GARBAGE);
	tombstone = nvr_index_tombstone_load_by_segment(fx->index, oldest->id, NULL);
	g_assert_nonnull(tombstone);
	g_assert_cmpint(g_file_test(path, G_FILE_TEST_EXISTS), ==, step == NVR_RETENTION_STEP_MARK);
	v = fx_verify(fx);
	g_assert_cmpuint(v->n_problems, ==, 0);
	g_clear_pointer(&v, nvr_store_verify_report_free);

	/* the next start completes it, and plans nothing more */
	r = fx_retention(fx);
	memset(&res, 0, sizeof(res));
	g_assert_true(nvr_retention_complete(r, &res, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(res.completed, ==, 1);
	g_assert_true(fx_gone(fx, oldest->id));
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	res = fx_run(fx);
	g_assert_cmpuint(res.deleted + res.completed, ==, 0);
	v = fx_verify(fx);
	g_assert_cmpuint(v->n_problems, ==, 0);
	g_assert_cmpuint(v->n_deleted, ==, 1);
}

/* ---- the runner: a run at start, its result on the main context ---- */

static void
fx_runner_done(const NvrRetentionResult *result, const GError *error, gpointer user_data)
{
	NvrRetentionResult *out = user_data;

	g_assert_no_error((GError *)error);
	*out = *result;
}

static void
test_runner(Fx *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) rows = NULL;
	g_autoptr(NvrRetentionRunner) runner = NULL;
	NvrRetentionResult got = {0};
	NvrRetentionResult totals = {0};
	gint64 deadline;

	for (gint64 m = 0; m < 4; m++)
		fx_segment(fx, 0, m);
	rows = fx_rows(fx, 0);
	fx->policy.camera_budget_bytes =
		((NvrIndexSegment *)g_ptr_array_index(rows, 0))->file_len * 5 / 2;
	runner = nvr_retention_runner_new(fx->index, fx->footage,
					  nvr_keyring_get_device_key(fx->keyring), &fx->policy,
					  60000, &error);
	g_assert_no_error(error);
	nvr_retention_runner_set_func(runner, fx_runner_done, &got);
	deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	while (got.passes == 0 && g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpuint(got.deleted, ==, 2);

	/* a trigger runs again now, not after the minute's interval */
	fx_segment(fx, 0, 4);
	nvr_store_writer_flush(fx->writer);
	memset(&got, 0, sizeof(got));
	nvr_retention_runner_trigger(runner);
	deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	while (got.passes == 0 && g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpuint(got.deleted, ==, 1);
	nvr_retention_runner_get_totals(runner, &totals);
	g_assert_cmpuint(totals.deleted, ==, 3);
	g_assert_cmpuint(totals.by_rule[NVR_INDEX_TOMBSTONE_RULE_BUDGET], ==, 3);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	nvr_test_watchdog_start(NVR_TEST_WATCHDOG_S);
#define ADD(path, fn, data) g_test_add(path, Fx, data, fx_setup, fn, fx_teardown)
	ADD("/nvr/retention/executor/budget", test_budget, NULL);
	ADD("/nvr/retention/executor/age", test_age, NULL);
	ADD("/nvr/retention/executor/floor", test_floor, NULL);
	ADD("/nvr/retention/executor/inflight", test_inflight, NULL);
	ADD("/nvr/retention/executor/pending-and-hold", test_pending_and_hold, NULL);
	ADD("/nvr/retention/executor/tombstone-signature", test_tombstone_signature, NULL);
	ADD("/nvr/retention/executor/crash-after-mark", test_crash_after_step,
	    GINT_TO_POINTER(NVR_RETENTION_STEP_MARK));
	ADD("/nvr/retention/executor/crash-after-unlink", test_crash_after_step,
	    GINT_TO_POINTER(NVR_RETENTION_STEP_UNLINK));
	ADD("/nvr/retention/executor/crash-after-sync", test_crash_after_step,
	    GINT_TO_POINTER(NVR_RETENTION_STEP_SYNC));
	ADD("/nvr/retention/executor/runner", test_runner, NULL);
	ADD("/nvr/retention/executor/delete-span", test_delete_span, NULL);
	ADD("/nvr/retention/executor/prune", test_prune, NULL);
	ADD("/nvr/retention/executor/prune-rate", test_prune_rate, NULL);
#undef ADD
	return g_test_run();
}
