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
 * How the loss is measured. The cameras send in real time, so a camera that
 * was recording at the kill had been recording from its open run's start
 * until the kill (the test's CLOCK_REALTIME reading just before SIGKILL;
 * nvrd dates frames with the same clock). What survived is what the index
 * and the footage hold for that run after recovery: a finalized segment
 * ends at its stored end; an interrupted one at its start plus the media
 * time of the fragments that decrypt from it (nvrctl export, which reads
 * them); a run with no segment yet survived only as its start. The loss is
 * the kill time minus the end of what survived.
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

#include "nvr-test-nvrd.h"

#define CRASH_CAMERAS 4
#define CRASH_SYNC_WINDOW_MS 1000
#define CRASH_CONFIG "segment-seconds = 4\nsync-window-ms = " G_STRINGIFY(CRASH_SYNC_WINDOW_MS) "\n"
/* nvr-fakecam: 15 fps, a key frame every 2 s (nvr/fakecam/README.md) */
#define CRASH_GOP_US (2 * G_USEC_PER_SEC)
#define CRASH_FRAME_US (G_USEC_PER_SEC / 15)
/* socket to segmenter (nvrrtspsrc reads 15 times a second, the inbox delivers every 20 ms,
 * the main context may wait on the index) and the writer thread's wake-up, on a loaded machine */
#define CRASH_DELIVERY_US (500 * 1000)
#define CRASH_LOSS_BOUND_US (CRASH_SYNC_WINDOW_MS * 1000 + CRASH_GOP_US + CRASH_DELIVERY_US)
/* nvre-v1 §5.1: each chunk carries a 16-byte tag; its plaintext size is 2^(header byte 10) */
#define CRASH_TAG_SIZE 16
#define CRASH_CHUNK_LOG2_OFFSET 10

static const gchar *const crash_fakecam_args[] = {
    "--persona", "generic", "--clip-seconds", "4", "--resolution", "640x360",
    "--sub-resolution", "320x180", "--bitrate", "1000", NULL};

typedef struct {
	gint64 max_loss_us;
	gint64 sum_loss_us;
	guint n_losses;
	guint interrupted;
	guint header_only;
	guint no_segment;
} CrashStats;

/* the media time an interrupted segment still holds, from what decrypts of it */
static gint64
crash_interrupted_duration(NvrTestNvrd *fx, const gchar *camera, const NvrTestSegment *s,
			   guint kill)
{
	g_autofree gchar *name = g_strdup_printf("kill%u-%s.mp4", kill, camera);
	g_autofree gchar *path = g_build_filename(fx->dir, name, NULL);
	g_autoptr(JsonObject) result = NULL;

	/* from inside its first GOP (the predecessor ends before) to its end: just this one */
	result = nvr_test_nvrd_export(fx, camera, s->start_us + 30 * 1000, s->end_us, path);
	g_assert_cmpint(json_object_get_int_member(result, "segments"), ==, 1);
	g_remove(path);
	return json_object_get_int_member(result, "duration_us");
}

/* a whole chunk of segment @id on disk: the writer sizes chunks per segment, from the bit rate */
static gint64
crash_chunk_file_size(NvrTestNvrd *fx, gint64 id)
{
	g_autofree gchar *footage = g_build_filename(fx->state, "footage", NULL);
	g_autofree gchar *name = g_strdup_printf("%" G_GINT64_FORMAT ".nvre", id);
	g_autoptr(GDir) dir = g_dir_open(footage, 0, NULL);
	const gchar *camera;

	g_assert_nonnull(dir);
	while ((camera = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = g_build_filename(footage, camera, name, NULL);
		g_autofree gchar *data = NULL;
		gsize len = 0;

		if (!g_file_get_contents(path, &data, &len, NULL))
			continue;
		g_assert_cmpuint(len, >, CRASH_CHUNK_LOG2_OFFSET);
		return ((gint64)1 << (guint8)data[CRASH_CHUNK_LOG2_OFFSET]) + CRASH_TAG_SIZE;
	}
	g_assert_not_reached();
}

/* the run @camera was recording at @kill_us, as recovery left it; NULL if none */
static const NvrTestRun *
crash_killed_run(GArray *runs, gint64 kill_us)
{
	const NvrTestRun *found = NULL;

	for (guint i = 0; i < runs->len; i++) {
		const NvrTestRun *r = &g_array_index(runs, NvrTestRun, i);
		if (r->start_us < kill_us)
			found = r;
	}
	return found;
}

/* what recovery left of the run the kill cut short; Returns: the end of what survived */
static gint64
crash_survived_until(NvrTestNvrd *fx, const gchar *camera, const NvrTestRun *run, guint kill,
		     CrashStats *stats)
{
	g_autoptr(GArray) segs = nvr_test_nvrd_segments(fx, camera);
	gint64 end = run->start_us;
	guint n = 0;

	for (guint i = 0; i < segs->len; i++) {
		const NvrTestSegment *s = &g_array_index(segs, NvrTestSegment, i);

		if (s->run_id != run->id)
			continue;
		n++;
		if (g_str_equal(s->status, "finalized")) {
			end = MAX(end, s->end_us);
			continue;
		}
		/* nothing of a killed run stays 'recording' */
		g_assert_cmpstr(s->status, ==, "interrupted");
		/* trimmed to its last whole chunk */
		g_assert_cmpint((s->file_len - s->header_len) % crash_chunk_file_size(fx, s->id), ==,
				0);
		stats->interrupted++;
		if (s->file_len == s->header_len) {
			stats->header_only++;
			continue;
		}
		end = MAX(end, s->start_us + crash_interrupted_duration(fx, camera, s, kill));
	}
	if (n == 0)
		stats->no_segment++;
	return end;
}

static void
crash_measure(NvrTestNvrd *fx, guint kill, gint64 kill_us, CrashStats *stats)
{
	for (guint c = 1; c <= CRASH_CAMERAS; c++) {
		g_autofree gchar *camera = g_strdup_printf("c%u", c);
		g_autoptr(GArray) runs = nvr_test_nvrd_runs(fx, camera);
		const NvrTestRun *run = crash_killed_run(runs, kill_us);
		gint64 survived, loss;

		/* every camera was recording: the test waited for it before the kill */
		g_assert_nonnull(run);
		g_assert_cmpstr(run->end_reason, ==, "crash");
		g_assert_cmpint(run->end_us, >=, run->start_us);
		survived = crash_survived_until(fx, camera, run, kill, stats);
		loss = kill_us - survived;
		g_test_message("kill %u %s: run %" G_GINT64_FORMAT " of %.2f s, lost %.2f s", kill,
			       camera, run->id, (kill_us - run->start_us) / 1e6, loss / 1e6);
		/* nothing survives that came after the kill (a frame lasts 1/15 s past its arrival) */
		g_assert_cmpint(loss, >=, -(CRASH_FRAME_US + 50 * 1000));
		g_assert_cmpint(loss, <=, CRASH_LOSS_BOUND_US);
		stats->max_loss_us = MAX(stats->max_loss_us, loss);
		stats->sum_loss_us += loss;
		stats->n_losses++;
	}
}

static void
test_crash_kill9(void)
{
	const guint kills = NVR_TEST_SANITIZED ? 5 : 20;
	g_autoptr(NvrTestNvrd) fx = NULL;
	CrashStats stats = {0};
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
		crash_measure(fx, kill, kill_us, &stats);
		nvr_test_nvrd_assert_verify_deep(fx);
	}
	g_assert_cmpint(nvr_test_nvrd_stop(fx, SIGTERM), ==, 0);
	nvr_test_nvrd_assert_verify_deep(fx);
	g_test_message("%u kills: loss per camera at most %.2f s, mean %.2f s (bound %.2f s = sync window "
		       "%.1f s + GOP %.1f s + delivery %.2f s); %u segments interrupted, %u of them "
		       "header only, %u runs without a segment; %.0f s",
		       kills, stats.max_loss_us / 1e6, stats.sum_loss_us / 1e6 / MAX(stats.n_losses, 1),
		       CRASH_LOSS_BOUND_US / 1e6, CRASH_SYNC_WINDOW_MS / 1e3, CRASH_GOP_US / 1e6,
		       CRASH_DELIVERY_US / 1e6, stats.interrupted, stats.header_only, stats.no_segment,
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
