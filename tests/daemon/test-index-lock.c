/*
 * test-index-lock.c: the index's write lock stays available while nvrd
 * records. nvrd records four nvr-fakecam cameras (4 s segments, so rows are
 * inserted and finalized all the time; one camera is dropped every few
 * seconds, so that the main loop writes run rows too) while another
 * connection, as nvrctl's would, takes the write lock again and again: it
 * must always have it within LOCK_BOUND_MS. The segment writer batches its
 * row changes in memory and holds the lock only for the short commit of
 * each batch (nvr/store/nvr-store-writer.c), not for the whole commit
 * interval over which it batches.
 *
 * nvrd's own figures (/api/health: the main loop's index writes and lock
 * waits, retention run times) are printed, and the main loop's longest wait
 * for the lock is held to the same bound. Afterwards verify --deep is clean.
 */
#include "config.h"

#include <signal.h>
#include <sqlite3.h>

#include "nvr-test-nvrd.h"

/* a commit writes a few rows and fsyncs the WAL: milliseconds, with a margin for a loaded
 * 2-core machine; the commit interval (1 s) is what it used to wait */
#define LOCK_BOUND_MS 200
#define LOCK_CONFIG                                                                                \
	"segment-seconds = 4\nsync-window-ms = 1000\nretention-interval-s = 2\nwatchdog-seconds = 5\n"
/* four 4 Mbit/s 1080p cameras, the clip record-4cam uses */
static const gchar *const lock_fakecam_args[] = {"--persona", "generic", "--clip-seconds", "4",
						 NULL};

typedef struct {
	gchar *db_path;
	gint stop; /* atomic */
	guint n;
	gint64 total_us;
	gint64 max_us;
	gint rc; /* the first failure, SQLITE_OK if none */
} LockProbe;

/* polls every millisecond, so that the wait measured is the holder's, not a back-off's */
static gint
lock_busy_cb(gpointer data, gint count)
{
	(void)data;
	if (count >= 10000)
		return 0;
	g_usleep(1000);
	return 1;
}

/* another process's connection: BEGIN IMMEDIATE (the write lock), COMMIT, every 20-50 ms */
static gpointer
lock_probe_thread(gpointer data)
{
	LockProbe *p = data;
	sqlite3 *db = NULL;

	p->rc = sqlite3_open_v2(p->db_path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (p->rc == SQLITE_OK)
		sqlite3_busy_handler(db, lock_busy_cb, NULL);
	while (p->rc == SQLITE_OK && !g_atomic_int_get(&p->stop)) {
		gint64 start = g_get_monotonic_time();
		gint64 waited;

		p->rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		waited = g_get_monotonic_time() - start;
		if (p->rc == SQLITE_OK)
			p->rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		p->n++;
		p->total_us += waited;
		p->max_us = MAX(p->max_us, waited);
		g_usleep((gulong)g_random_int_range(20000, 50000));
	}
	sqlite3_close(db);
	return NULL;
}

static gdouble
lock_member(JsonObject *o, const gchar *member)
{
	g_assert_true(json_object_has_member(o, member));
	return json_object_get_double_member(o, member);
}

static void
test_index_lock(void)
{
	guint seconds = NVR_TEST_SANITIZED ? 10 : 20;
	g_autoptr(NvrTestNvrd) fx = nvr_test_nvrd_new(4, LOCK_CONFIG, lock_fakecam_args);
	g_autoptr(JsonObject) health = NULL;
	JsonObject *index, *retention;
	LockProbe probe = {.rc = SQLITE_OK};
	GThread *thread;
	gint64 end;

	nvr_test_nvrd_start(fx);
	nvr_test_nvrd_wait_recording(fx, 30);
	probe.db_path = g_build_filename(fx->state, "nvr.db", NULL);
	thread = g_thread_new("lock-probe", lock_probe_thread, &probe);
	end = g_get_monotonic_time() + (gint64)seconds * G_USEC_PER_SEC;
	for (guint i = 0; g_get_monotonic_time() < end; i++) {
		g_autoptr(JsonObject) stats = NULL;

		g_usleep(3 * G_USEC_PER_SEC);
		/* a run ends and a new one starts: run rows written on the main loop */
		stats = nvr_test_nvrd_fault(fx, i % 4 + 1, "drop");
	}
	g_atomic_int_set(&probe.stop, 1);
	g_thread_join(thread);
	health = nvr_test_nvrd_health(fx);
	g_test_message("another connection took the write lock %u times: mean %.1f ms, max %.1f ms",
		       probe.n, probe.n > 0 ? probe.total_us / 1000.0 / probe.n : 0,
		       probe.max_us / 1000.0);
	index = json_object_get_object_member(health, "index");
	retention = json_object_get_object_member(json_object_get_object_member(health, "storage"),
						  "retention");
	g_test_message("main loop: %.0f index writes, mean %.1f ms, max %.1f ms; %.0f lock waits, "
		       "mean %.1f ms, max %.1f ms",
		       lock_member(index, "writes"), lock_member(index, "write_ms_mean"),
		       lock_member(index, "write_ms_max"), lock_member(index, "lock_waits"),
		       lock_member(index, "lock_wait_ms_mean"), lock_member(index, "lock_wait_ms_max"));
	g_test_message("retention: %.0f runs, mean %.1f ms, max %.1f ms", lock_member(retention, "runs"),
		       lock_member(retention, "run_ms_mean"), lock_member(retention, "run_ms_max"));
	g_assert_cmpint(probe.rc, ==, SQLITE_OK);
	g_assert_cmpuint(probe.n, >=, seconds * 10);
	g_assert_cmpint(probe.max_us, <, LOCK_BOUND_MS * 1000);
	g_assert_cmpfloat(lock_member(index, "lock_wait_ms_max"), <, LOCK_BOUND_MS);
	g_assert_cmpint(nvr_test_nvrd_stop(fx, SIGTERM), ==, 0);
	nvr_test_nvrd_assert_verify_deep(fx);
	g_free(probe.db_path);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	nvr_test_watchdog_start(NVR_TEST_WATCHDOG_S);
	g_test_add_func("/nvr/daemon/index-lock", test_index_lock);
	return g_test_run();
}
