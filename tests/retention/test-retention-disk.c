/*
 * A full disk, end to end: nvrd records three nvr-fakecam cameras (RTSP on
 * 127.0.0.1) into a 16 MiB tmpfs footage file system, mounted in a mount
 * namespace of this test process, in 2 s segments: over a minute and a half
 * that is some forty rotations per camera and several disks' worth of
 * footage. Camera c1 has a 2 MiB budget of its own, the floor is 3 MiB.
 * Half way, a ballast file takes every free byte, so the writers meet a
 * real ENOSPC; later the ballast goes.
 *
 * Checked: nvrd never stops answering and exits cleanly; ENOSPC happened
 * and every camera recorded again while the ballast was still there; per
 * camera the deleted segments are all older than the kept ones; the newest
 * footage is there; each rule (budget, free space) left signed tombstones;
 * nvrctl verify --deep is clean and names the deletions. Figures (deletions
 * per second, retention run times) go to the test log.
 *
 * A second case fills the disk with other data until retention has
 * nothing left to delete: cameras then retry with a growing pause, warn
 * once, /api/health says disk_full, and they record again by themselves
 * when the data goes.
 *
 * Without a mount namespace (no root, no user namespaces) the tests skip
 * and say why. Under sanitizers they run a shorter variant.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "nvr-test-nvrd.h"
#include "nvr-test-tmpfs.h"

#define DISK_MIB 16
#define FLOOR_MIB 3
#define C1_BUDGET_MIB 2
#define MIB (G_GINT64_CONSTANT(1) << 20)

static gchar *disk_skip_reason; /* set when no mount namespace could be had */

/* a watchdog and a fresh tmpfs; Returns: its path, or %NULL when the test was skipped */
static gchar *
disk_prepare(void)
{
	gchar *disk;

	if (disk_skip_reason != NULL) {
		g_test_skip(disk_skip_reason);
		return NULL;
	}
	nvr_test_watchdog_start(NVR_TEST_WATCHDOG_S + 60);
	disk = nvr_test_tmpfs_mount(DISK_MIB);
	if (disk == NULL) {
		g_test_skip("cannot mount a tmpfs in our mount namespace");
		nvr_test_watchdog_stop();
	}
	return disk;
}

static void
disk_release(const gchar *disk)
{
	nvr_test_tmpfs_release(disk);
	nvr_test_watchdog_stop();
}

/* another program that takes every byte retention frees, until told to stop */
typedef struct {
	gchar *path;
	gint stop;	 /* atomic */
	gint64 bytes;	 /* written; read after the join */
	guint enospc;	 /* times it filled the disk */
} DiskHog;

static gpointer
disk_hog_thread(gpointer data)
{
	static const guint8 block[64 * 1024];
	DiskHog *hog = data;
	gint fd = open(hog->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	gssize n;

	g_assert_cmpint(fd, >=, 0);
	while (!g_atomic_int_get(&hog->stop)) {
		while ((n = write(fd, block, sizeof(block))) > 0)
			hog->bytes += n;
		g_assert_cmpint(errno, ==, ENOSPC);
		hog->enospc++;
		g_usleep(10 * 1000);
	}
	close(fd);
	return NULL;
}

/* reads nvrd's output for @seconds (a full pipe would stall nvrd), keeping every line */
static void
disk_drain(NvrTestNvrd *fx, guint seconds)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *line = nvr_test_proc_wait_line(fx->nvrd, "\x01never", seconds, &error);

	g_assert_null(line);
	g_assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
}

/* nvrd's lines from @from on that hold @needle */
static guint
disk_log_count(NvrTestNvrd *fx, guint from, const gchar *needle)
{
	GPtrArray *lines = nvr_test_proc_get_lines(fx->nvrd);
	guint n = 0;

	for (guint i = from; i < lines->len; i++)
		n += strstr(g_ptr_array_index(lines, i), needle) != NULL;
	return n;
}

static gboolean
disk_log_has(NvrTestNvrd *fx, const gchar *needle)
{
	return disk_log_count(fx, 0, needle) > 0;
}

static gchar *
disk_health_url(NvrTestNvrd *fx)
{
	GPtrArray *lines = nvr_test_proc_get_lines(fx->nvrd);

	for (guint i = 0; i < lines->len; i++) {
		const gchar *p = strstr(g_ptr_array_index(lines, i), "nvrd: listening on ");

		if (p != NULL)
			return g_uri_resolve_relative(p + strlen("nvrd: listening on "),
						      "/api/health", G_URI_FLAGS_NONE, NULL);
	}
	g_assert_not_reached();
}

/* nvrd answers; Returns: (transfer full): the storage member of its health */
static JsonObject *
disk_storage(NvrTestNvrd *fx)
{
	g_autoptr(SoupSession) session = soup_session_new_with_options("timeout", 20, NULL);
	g_autofree gchar *url = disk_health_url(fx);
	g_autoptr(SoupMessage) msg = soup_message_new("GET", url);
	g_autoptr(GBytes) body = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) o = NULL;

	body = soup_session_send_and_read(session, msg, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_OK);
	o = nvr_test_nvrd_parse_object(g_bytes_get_data(body, NULL));
	g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "ok");
	return json_object_ref(json_object_get_object_member(o, "storage"));
}

/* how much retention deleted so far */
static gint64
disk_health(NvrTestNvrd *fx)
{
	g_autoptr(JsonObject) storage = disk_storage(fx);

	return json_object_get_int_member(json_object_get_object_member(storage, "retention"),
					  "deleted");
}

static gboolean
disk_full_now(NvrTestNvrd *fx)
{
	g_autoptr(JsonObject) storage = disk_storage(fx);

	return json_object_get_boolean_member(storage, "disk_full");
}

/* records for @seconds, reading nvrd's output and asking its health every few seconds */
static void
disk_record(NvrTestNvrd *fx, guint seconds)
{
	for (guint s = 0; s < seconds; s += 3) {
		disk_drain(fx, MIN(3, seconds - s));
		g_test_message("+%us: %" G_GINT64_FORMAT " deleted so far", s + MIN(3, seconds - s),
			       disk_health(fx));
	}
}

static void
disk_set_budget(NvrTestNvrd *fx, const gchar *camera, gint64 bytes)
{
	g_autofree gchar *path = g_build_filename(fx->state, "nvr.db", NULL);
	g_autofree gchar *sql = g_strdup_printf(
		"UPDATE cameras SET budget_bytes = %" G_GINT64_FORMAT " WHERE name = '%s'", bytes,
		camera);
	sqlite3 *db = NULL;

	g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_exec(db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_changes(db), ==, 1);
	sqlite3_close(db);
}

typedef struct {
	gint64 segment_id;
	gchar rule[16];
	gint64 deleted_us;
} DiskTombstone;

static GArray *
disk_tombstones(NvrTestNvrd *fx, const gchar *camera)
{
	g_autofree gchar *path = g_build_filename(fx->state, "nvr.db", NULL);
	GArray *out = g_array_new(FALSE, TRUE, sizeof(DiskTombstone));
	sqlite3_stmt *stmt = NULL;
	sqlite3 *db = NULL;

	g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_prepare_v2(db,
					   "SELECT t.segment_id, coalesce(t.rule, t.reason), t.deleted_us "
					   "FROM tombstones t JOIN cameras k ON k.id = t.camera_id "
					   "WHERE k.name = ?1 ORDER BY t.segment_id",
					   -1, &stmt, NULL),
			==, SQLITE_OK);
	sqlite3_bind_text(stmt, 1, camera, -1, SQLITE_STATIC);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		DiskTombstone t = {.segment_id = sqlite3_column_int64(stmt, 0),
				   .deleted_us = sqlite3_column_int64(stmt, 2)};

		g_strlcpy(t.rule, (const gchar *)sqlite3_column_text(stmt, 1), sizeof(t.rule));
		g_array_append_val(out, t);
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return out;
}

/* the retention runs nvrd logged: how many, the slowest, in ms */
static void
disk_run_times(NvrTestNvrd *fx, guint *n_runs, gdouble *max_ms, gdouble *sum_ms)
{
	GPtrArray *lines = nvr_test_proc_get_lines(fx->nvrd);

	*n_runs = 0;
	*max_ms = *sum_ms = 0;
	for (guint i = 0; i < lines->len; i++) {
		const gchar *line = g_ptr_array_index(lines, i);
		const gchar *ms = g_strrstr(line, " bytes free, ");

		if (strstr(line, "retention: ") == NULL || ms == NULL)
			continue;
		(*n_runs)++;
		*max_ms = MAX(*max_ms, g_ascii_strtod(ms + strlen(" bytes free, "), NULL));
		*sum_ms += g_ascii_strtod(ms + strlen(" bytes free, "), NULL);
	}
}

typedef struct {
	guint budget;
	guint free_space;
	guint total;
} DiskCounts;

/* per camera: deleted oldest first, newest kept, recorded again after @enospc_us (the disk
 * was full until then) */
static void
disk_check_camera(NvrTestNvrd *fx, const gchar *camera, gint64 enospc_us, gint64 stop_us,
		  DiskCounts *counts)
{
	g_autoptr(GArray) segs = nvr_test_nvrd_segments(fx, camera);
	g_autoptr(GArray) tombs = disk_tombstones(fx, camera);
	gint64 min_kept = G_MAXINT64, max_deleted = 0;
	const NvrTestSegment *newest;
	gboolean resumed = FALSE;

	g_assert_cmpuint(segs->len, >, 0);
	for (guint i = 0; i < segs->len; i++) {
		const NvrTestSegment *s = &g_array_index(segs, NvrTestSegment, i);

		min_kept = MIN(min_kept, s->id);
		resumed |= s->start_us > enospc_us + 2 * G_USEC_PER_SEC;
	}
	for (guint i = 0; i < tombs->len; i++) {
		const DiskTombstone *t = &g_array_index(tombs, DiskTombstone, i);

		max_deleted = MAX(max_deleted, t->segment_id);
		counts->budget += g_str_equal(t->rule, "budget");
		counts->free_space += g_str_equal(t->rule, "free-space");
	}
	counts->total += tombs->len;
	newest = &g_array_index(segs, NvrTestSegment, segs->len - 1);
	g_test_message("%s: %u kept (ids %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT "), %u deleted, "
		       "newest ends %.1f s before the stop",
		       camera, segs->len, min_kept, newest->id, tombs->len,
		       (stop_us - newest->end_us) / 1e6);
	g_assert_cmpuint(tombs->len, >, 0);
	/* oldest first: nothing kept is older than anything deleted */
	g_assert_cmpint(max_deleted, <, min_kept);
	/* the newest footage won: it is there, up to the last seconds */
	g_assert_cmpint(newest->end_us, >, stop_us - 8 * G_USEC_PER_SEC);
	g_assert_true(resumed);
}

static void
test_full_disk(void)
{
	const gchar *const fakecam_args[] = {"--persona", "generic", "--clip-seconds", "4",
					     "--resolution", "640x360", "--bitrate", "2000", NULL};
	/* shorter under sanitizers: nvrd is several times slower there */
	const guint phase_s = NVR_TEST_SANITIZED ? 16 : 30;
	guint n_cameras = NVR_TEST_SANITIZED ? 2 : 3;
	g_autoptr(NvrTestNvrd) fx = NULL;
	g_autofree gchar *disk = NULL;
	g_autofree gchar *config = NULL;
	DiskHog hog = {0};
	GThread *hog_thread;
	g_autofree gchar *out = NULL;
	g_autoptr(JsonObject) verify = NULL;
	gint64 t_start, t_hogged, t_stop;
	DiskCounts counts = {0};
	guint n_runs;
	gdouble max_ms, sum_ms;

	disk = disk_prepare();
	if (disk == NULL)
		return;
	config = g_strdup_printf("footage-dir = %s\nsegment-seconds = 2\nsync-window-ms = 1000\n"
				 "retention-free-floor-mb = %d\ncamera-budget-mb = 0\n"
				 "retention-interval-s = 10\n",
				 disk, FLOOR_MIB);
	fx = nvr_test_nvrd_new(n_cameras, config, fakecam_args);
	disk_set_budget(fx, "c1", C1_BUDGET_MIB * MIB);
	nvr_test_nvrd_start(fx);
	nvr_test_nvrd_wait_recording(fx, 60);
	t_start = g_get_real_time();

	/* budget and floor at work */
	disk_record(fx, phase_s);
	/* another program takes every free byte for a few rotations: the writers meet ENOSPC */
	hog.path = g_build_filename(disk, "ballast", NULL);
	hog_thread = g_thread_new("hog", disk_hog_thread, &hog);
	disk_record(fx, 6);
	g_atomic_int_set(&hog.stop, 1);
	g_thread_join(hog_thread);
	t_hogged = g_get_real_time();
	g_test_message("ballast: %" G_GINT64_FORMAT " bytes, the disk filled %u times", hog.bytes,
		       hog.enospc);
	g_assert_true(disk_log_has(fx, "No space left on device"));
	/* it gives most of it back, keeps a quarter of the disk for a while, then all goes */
	g_assert_cmpint(truncate(hog.path, DISK_MIB * MIB / 4), ==, 0);
	disk_record(fx, phase_s / 2);
	g_assert_cmpint(unlink(hog.path), ==, 0);
	g_free(hog.path);
	disk_record(fx, phase_s / 3);
	t_stop = g_get_real_time();
	disk_run_times(fx, &n_runs, &max_ms, &sum_ms);
	g_assert_cmpint(nvr_test_nvrd_stop(fx, SIGTERM), ==, 0);

	for (guint n = 1; n <= n_cameras; n++) {
		g_autofree gchar *name = g_strdup_printf("c%u", n);

		disk_check_camera(fx, name, t_hogged, t_stop, &counts);
	}
	g_assert_cmpuint(counts.budget, >, 0);
	g_assert_cmpuint(counts.free_space, >, 0);
	nvr_test_nvrd_assert_verify_deep(fx);
	g_assert_cmpint(nvr_test_nvrd_run(&out, NULL, nvr_test_nvrd_ctl_path(), "--state-dir",
					  fx->state, "verify", "--json", NULL),
			==, 0);
	verify = nvr_test_nvrd_parse_object(out);
	g_assert_cmpint(json_object_get_int_member(verify, "problems"), ==, 0);
	g_assert_cmpint(json_object_get_int_member(verify, "deleted"), ==, counts.total);
	g_assert_cmpint(json_object_get_int_member(verify, "pending_deletion"), ==, 0);

	g_test_message("figures: %u segments deleted in %.0f s of recording (%.2f/s; budget %u, "
		       "free space %u); %u retention runs that deleted, %.1f ms mean, %.1f ms max",
		       counts.total, (t_stop - t_start) / 1e6,
		       counts.total / ((t_stop - t_start) / 1e6), counts.budget, counts.free_space,
		       n_runs, n_runs > 0 ? sum_ms / n_runs : 0.0, max_ms);
	g_clear_pointer(&fx, nvr_test_nvrd_free);
	disk_release(disk);
}

/* segment rows ever made (AUTOINCREMENT): each attempt to begin a segment makes one */
static gint64
disk_attempts(NvrTestNvrd *fx)
{
	return nvr_test_nvrd_query_int(fx, "SELECT seq FROM sqlite_sequence WHERE name = 'segments'",
				       0, 0);
}

static gint64
disk_stored(NvrTestNvrd *fx)
{
	return nvr_test_nvrd_query_int(fx, "SELECT count(*) FROM segments WHERE status IN "
					   "('finalized', 'interrupted')",
				       0, 0);
}

/* another program fills the disk while retention deletes every segment, then keeps it full */
static void
disk_fill_until_nothing_left(NvrTestNvrd *fx, DiskHog *hog)
{
	GThread *thread = g_thread_new("hog", disk_hog_thread, hog);

	for (guint s = 0; s < 30; s++) {
		disk_record(fx, 3);
		if (s >= 1 && disk_stored(fx) == 0)
			break;
	}
	g_atomic_int_set(&hog->stop, 1);
	g_thread_join(thread);
	g_test_message("ballast: %" G_GINT64_FORMAT " bytes", hog->bytes);
}

/*
 * A disk full of other data with nothing left to delete: each camera tries
 * to begin a segment with a growing pause (1 s doubling to 30 s), not at
 * every rotation or retention run; one warning per camera and one for the
 * disk, not one per try; /api/health says disk_full. When the data goes,
 * recording resumes by itself.
 */
static void
test_full_of_other_data(void)
{
	const gchar *const fakecam_args[] = {"--persona", "generic", "--clip-seconds", "4",
					     "--resolution", "640x360", "--bitrate", "2000", NULL};
	const guint window_s = NVR_TEST_SANITIZED ? 16 : 24;
	const guint n_cameras = 2;
	g_autoptr(NvrTestNvrd) fx = NULL;
	g_autofree gchar *disk = NULL;
	g_autofree gchar *config = NULL;
	DiskHog hog = {0};
	gint64 attempts0, attempts, t_free;
	guint line0;

	disk = disk_prepare();
	if (disk == NULL)
		return;
	/* a floor that cannot be met: retention runs every second and deletes all it may */
	config = g_strdup_printf("footage-dir = %s\nsegment-seconds = 2\nsync-window-ms = 1000\n"
				 "retention-free-floor-mb = 1\ncamera-budget-mb = 0\n",
				 disk);
	fx = nvr_test_nvrd_new(n_cameras, config, fakecam_args);
	nvr_test_nvrd_start(fx);
	nvr_test_nvrd_wait_recording(fx, 60);
	disk_record(fx, 4);
	hog.path = g_build_filename(disk, "ballast", NULL);
	disk_fill_until_nothing_left(fx, &hog);
	g_assert_cmpint(disk_stored(fx), ==, 0);
	disk_record(fx, 3);
	g_assert_true(disk_full_now(fx));
	g_assert_cmpuint(disk_log_count(fx, 0, "footage disk full"), >=, 1);
	for (guint n = 1; n <= n_cameras; n++) {
		g_autofree gchar *warning = g_strdup_printf("c%u: cannot write footage: ", n);

		g_assert_cmpuint(disk_log_count(fx, 0, warning), >=, 1);
	}

	/* the window: nothing to delete, nothing frees: tries back off, and nothing more is said */
	attempts0 = disk_attempts(fx);
	line0 = nvr_test_proc_get_lines(fx->nvrd)->len;
	disk_record(fx, window_s);
	attempts = disk_attempts(fx) - attempts0;
	g_test_message("figures: %" G_GINT64_FORMAT " attempts to begin a segment by %u cameras in "
		       "%u s of a full disk (2 s segments, a retention run every second)",
		       attempts, n_cameras, window_s);
	/* at least one more try each, and at most the backoff's: 0.5+1+2+4+8+15 s > 24 s */
	g_assert_cmpint(attempts, >=, n_cameras);
	g_assert_cmpint(attempts, <=, 7 * n_cameras);
	g_assert_cmpuint(disk_log_count(fx, line0, "WARNING"), ==, 0);
	g_assert_true(disk_full_now(fx));

	/* the other data goes: recording resumes without a restart, once per camera said */
	g_assert_cmpint(unlink(hog.path), ==, 0);
	g_free(hog.path);
	t_free = g_get_monotonic_time();
	for (guint s = 0; s < 40; s += 2) {
		disk_record(fx, 2);
		if (disk_log_count(fx, line0, ": writing footage again") == n_cameras)
			break;
	}
	g_test_message("figures: recording again %.1f s after the disk had room",
		       (g_get_monotonic_time() - t_free) / 1e6);
	g_assert_cmpuint(disk_log_count(fx, line0, ": writing footage again"), ==, n_cameras);
	g_assert_cmpuint(disk_log_count(fx, line0, "footage disk: room again"), ==, 1);
	g_assert_false(disk_full_now(fx));
	for (guint i = 0; i < nvr_test_proc_get_lines(fx->nvrd)->len; i++) {
		const gchar *line = g_ptr_array_index(nvr_test_proc_get_lines(fx->nvrd), i);

		if (strstr(line, "WARNING") != NULL || strstr(line, "footage") != NULL)
			g_test_message("nvrd: %s", line);
	}
	disk_record(fx, 4);
	g_assert_cmpint(disk_stored(fx), >=, n_cameras);
	g_assert_cmpint(nvr_test_nvrd_stop(fx, SIGTERM), ==, 0);
	nvr_test_nvrd_assert_verify_deep(fx);
	g_clear_pointer(&fx, nvr_test_nvrd_free);
	disk_release(disk);
}

int
main(int argc, char **argv)
{
	disk_skip_reason = nvr_test_tmpfs_enter_namespace();
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/nvr/retention/full-disk", test_full_disk);
	g_test_add_func("/nvr/retention/full-of-other-data", test_full_of_other_data);
	return g_test_run();
}
