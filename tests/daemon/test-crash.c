/*
 * Crash consistency, end to end (DESIGN.md §1.2, §5): nvrd records four
 * nvr-fakecam cameras and is killed with SIGKILL at random moments, then
 * started again on the same state dir. After every restart:
 *   - startup recovery left nothing 'recording' from before the kill: each
 *     such segment is 'interrupted' and trimmed to its last whole chunk,
 *     each run the kill cut short is ended ("crash");
 *   - nvrctl verify --deep is clean;
 *   - each camera lost at most sync window + one GOP of what it had
 *     recorded until the kill.
 *
 * How the loss is measured: nvr-test-loss.c.
 *
 * Where the bound comes from: a fragment is one GOP, handed to the store
 * writer when the next key frame arrives. Its bytes reach the file in whole
 * NVRE chunks, and at each sync window the writer completes the chunk being
 * filled (with a free box) and writes it, so a fragment is in the file at
 * most a sync window after it was complete; a SIGKILL keeps what is in the
 * file (the page cache; fdatasync at the same moment is for a power cut).
 * At a kill every fragment completed a sync window earlier survived, and
 * fragments complete a GOP apart: the loss is under sync window + GOP. A
 * frame also needs a moment to get from the socket to the segmenter and the
 * writer thread to wake, hence a delivery allowance. (Before the sync
 * padded its chunk, the newest fragment waited for the next one to fill it
 * and a kill could lose two GOPs and more.)
 *
 * The random delays come from g_test_rand_*(): rerun a failure with the
 * seed the TAP output printed (--seed R02S...). The ASan build runs 5 kills
 * instead of 20.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "nvr-test-loss.h"

#define CRASH_CAMERAS 4
#define CRASH_SYNC_WINDOW_MS 1000
#define CRASH_CONFIG "segment-seconds = 4\nsync-window-ms = " G_STRINGIFY(CRASH_SYNC_WINDOW_MS) "\n"
#define CRASH_GOP_US NVR_TEST_LOSS_GOP_US
/* socket to segmenter (nvrrtspsrc reads 15 times a second, the inbox delivers every 20 ms,
 * the main context may wait on the index) and the writer thread's wake-up, on a loaded machine */
#define CRASH_DELIVERY_US (500 * 1000)
#define CRASH_LOSS_BOUND_US (CRASH_SYNC_WINDOW_MS * 1000 + CRASH_GOP_US + CRASH_DELIVERY_US)

static const gchar *const crash_fakecam_args[] = {
    "--persona", "generic", "--clip-seconds", "4", "--resolution", "640x360",
    "--sub-resolution", "320x180", "--bitrate", "1000", NULL};

static void
test_crash_kill9(void)
{
	const guint kills = NVR_TEST_SANITIZED ? 5 : 20;
	g_autoptr(NvrTestNvrd) fx = NULL;
	NvrTestLossStats stats = {0};
	g_autofree gchar *summary = NULL;
	gint64 started = g_get_monotonic_time();

	nvr_test_watchdog_start(NVR_TEST_SANITIZED ? 400 : 240);
	fx = nvr_test_nvrd_new(CRASH_CAMERAS, CRASH_CONFIG, crash_fakecam_args);
	nvr_test_nvrd_start(fx);
	for (guint kill = 1; kill <= kills; kill++) {
		/* 0.3 s to 4.5 s after every camera is recording: before a run's first fragment,
		 * inside a segment, around a rotation (4 s), a commit (1 s), a sync (1 s) */
		gdouble delay = g_test_rand_double_range(0.3, 4.5);
		gint64 kill_us;

		nvr_test_nvrd_wait_recording(fx, 60);
		g_usleep((gulong)(delay * G_USEC_PER_SEC));
		kill_us = g_get_real_time();
		g_assert_cmpint(nvr_test_nvrd_stop(fx, SIGKILL), ==, 128 + SIGKILL);
		g_test_message("kill %u: %.2f s after every camera was recording", kill, delay);
		/* recovery runs before nvrd listens; then it records again while we look */
		nvr_test_nvrd_start(fx);
		nvr_test_loss_measure(fx, kill, kill_us, CRASH_LOSS_BOUND_US, &stats);
		nvr_test_nvrd_assert_verify_deep(fx);
	}
	g_assert_cmpint(nvr_test_nvrd_stop(fx, SIGTERM), ==, 0);
	nvr_test_nvrd_assert_verify_deep(fx);
	summary = nvr_test_loss_describe(&stats);
	g_test_message("%u kills: %s (bound %.2f s = sync window %.1f s + GOP %.1f s + delivery %.2f s); "
		       "%.0f s",
		       kills, summary, CRASH_LOSS_BOUND_US / 1e6, CRASH_SYNC_WINDOW_MS / 1e3,
		       CRASH_GOP_US / 1e6, CRASH_DELIVERY_US / 1e6,
		       (g_get_monotonic_time() - started) / 1e6);
	nvr_test_watchdog_stop();
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/nvr/daemon/crash/kill9", test_crash_kill9);
	return g_test_run();
}
