/*
 * bench-ingest: the cost of receiving N camera streams with NvrIngest (one
 * process, the recorder's path up to the access units) against
 * `ffmpeg -rtsp_transport tcp -i URL -c copy -f null -` (one process per
 * stream, the usual baseline), in the same run, from the same nvr-fakecam.
 *
 * For each N: ffmpeg x N, then one NvrIngest process (this program with
 * --receive) with N streams; after a warm-up, CPU (utime + stime from
 * /proc/<pid>/stat) and frames over a window; peak RSS (VmHWM) at the end.
 * The target (DESIGN.md §3, lean ingest): NvrIngest at most 0.8x ffmpeg.
 *
 * With --rtspsrc, NvrIngest is measured a second time on GStreamer's stock
 * rtspsrc (rtpbin, jitter buffer), the path our TCP source replaces.
 *
 * usage: bench-ingest [--streams 1,4,16] [--seconds 60] [--warmup 10]
 *                     [--fakecam PATH] [--udp] [--no-ffmpeg] [--rtspsrc]
 *                     [-- fakecam options]
 *        bench-ingest --receive [--udp] [--rtspsrc] URL...   (the measured child)
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-common.h"
#include "recorder/nvr-ingest.h"

/* ---- the child: N ingests in one process ---- */

typedef struct {
	guint64 frames;
	guint64 bytes;
	guint runs;
} Counts;

static void
count_au(NvrIngest *ingest, const NvrIngestAu *au, gpointer user_data)
{
	Counts *c = user_data;

	if (au->track == NVR_INGEST_TRACK_VIDEO)
		c->frames++;
	c->bytes += gst_buffer_get_size(au->buffer);
}

static void
count_run(NvrIngest *ingest, const NvrIngestRun *run, gpointer user_data)
{
	((Counts *)user_data)->runs++;
}

static gboolean
report_cb(gpointer user_data)
{
	Counts *c = user_data;

	printf("frames %" G_GUINT64_FORMAT " bytes %" G_GUINT64_FORMAT " runs %u\n", c->frames,
	       c->bytes, c->runs);
	fflush(stdout);
	return G_SOURCE_CONTINUE;
}

static gboolean
quit_cb(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

static int
receive(gchar **urls, gboolean udp, gboolean rtspsrc)
{
	static const NvrIngestConsumer consumer = {.access_unit = count_au, .run_started = count_run};
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(NvrClock) clock = nvr_clock_new_system();
	g_autoptr(GPtrArray) ingests = g_ptr_array_new_with_free_func(g_object_unref);
	Counts counts = {0};

	gst_init(NULL, NULL);
	for (guint i = 0; urls[i] != NULL; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *name = g_strdup_printf("bench-%u", i + 1);
		NvrIngest *ingest = nvr_ingest_new(name, urls[i], clock, &error);

		if (ingest == NULL) {
			g_printerr("%s\n", error->message);
			return 1;
		}
		if (udp)
			nvr_ingest_set_transport(ingest, NVR_INGEST_TRANSPORT_UDP);
		nvr_ingest_set_use_rtspsrc(ingest, rtspsrc);
		nvr_ingest_add_consumer(ingest, &consumer, &counts, NULL);
		nvr_ingest_start(ingest);
		g_ptr_array_add(ingests, ingest);
	}
	g_unix_signal_add(SIGUSR1, report_cb, &counts);
	g_unix_signal_add(SIGTERM, quit_cb, loop);
	g_unix_signal_add(SIGINT, quit_cb, loop);
	g_main_loop_run(loop);
	for (guint i = 0; i < ingests->len; i++)
		nvr_ingest_stop(g_ptr_array_index(ingests, i));
	return 0;
}

/* ---- the parent: fakecam, the contenders, /proc ---- */

typedef struct {
	const gchar *tool;
	guint streams;
	gdouble seconds;
	guint64 cpu_ticks;
	guint64 hwm_kb; /* summed over processes */
	guint64 frames;
	guint processes;
} Result;

static void
result_print(const Result *r, const Result *baseline)
{
	gdouble cpu_s = (gdouble)r->cpu_ticks / (gdouble)sysconf(_SC_CLK_TCK);
	gdouble per_stream_min = cpu_s / r->streams / (r->seconds / 60.0);

	printf("  %-8s N=%-3u cpu %7.2f s/stream-min  %5.1f %% of a core  rss %6.1f MB "
	       "(%5.1f/stream, %u proc)  frames %6" G_GUINT64_FORMAT " (%.1f fps/stream)",
	       r->tool, r->streams, per_stream_min, 100.0 * cpu_s / r->seconds, r->hwm_kb / 1024.0,
	       r->hwm_kb / 1024.0 / r->streams, r->processes, r->frames,
	       r->frames / r->seconds / r->streams);
	if (baseline != NULL && baseline->cpu_ticks > 0)
		printf("  ratio %.2f", (gdouble)r->cpu_ticks / baseline->cpu_ticks *
					   ((gdouble)baseline->frames / MAX(r->frames, 1)));
	printf("\n");
	fflush(stdout);
}

static void
run_ffmpeg(gchar **urls, guint n, guint warmup, guint seconds, gboolean udp, const gchar *dir, Result *r)
{
	g_autoptr(GPtrArray) procs = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GPtrArray) progress = g_ptr_array_new_with_free_func(g_free);
	guint64 cpu0 = 0, cpu1 = 0, f0 = 0, f1 = 0;
	gint64 t0, t1;

	for (guint i = 0; i < n; i++) {
		g_autoptr(GError) error = NULL;
		gchar *file = g_strdup_printf("%s/ffmpeg-%u.progress", dir, i);
		const gchar *argv[] = {"ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
				       "-rtsp_transport", udp ? "udp" : "tcp", "-i", urls[i],
				       "-c", "copy", "-f", "null", "-progress", file,
				       "-stats_period", "0.5", "-", NULL};
		GSubprocess *sp = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);

		if (sp == NULL)
			g_error("ffmpeg: %s", error->message);
		g_ptr_array_add(procs, sp);
		g_ptr_array_add(progress, file);
	}
	g_usleep((gulong)warmup * G_USEC_PER_SEC);
	t0 = g_get_monotonic_time();
	for (guint i = 0; i < n; i++) {
		cpu0 += bench_proc_cpu_ticks(atoi(g_subprocess_get_identifier(procs->pdata[i])));
		f0 += bench_ffmpeg_progress_frames(progress->pdata[i]);
	}
	g_usleep((gulong)seconds * G_USEC_PER_SEC);
	t1 = g_get_monotonic_time();
	r->hwm_kb = 0;
	for (guint i = 0; i < n; i++) {
		GPid pid = atoi(g_subprocess_get_identifier(procs->pdata[i]));
		cpu1 += bench_proc_cpu_ticks(pid);
		f1 += bench_ffmpeg_progress_frames(progress->pdata[i]);
		r->hwm_kb += bench_proc_hwm_kb(pid);
	}
	for (guint i = 0; i < n; i++) {
		g_subprocess_send_signal(procs->pdata[i], SIGTERM);
		g_subprocess_wait(procs->pdata[i], NULL, NULL);
	}
	*r = (Result){.tool = "ffmpeg", .streams = n, .seconds = (t1 - t0) / 1e6,
		      .cpu_ticks = cpu1 - cpu0, .hwm_kb = r->hwm_kb, .frames = f1 - f0,
		      .processes = n};
}

/* sends SIGUSR1 and reads the child's "frames N ..." line */
static guint64
nvr_frames(GSubprocess *sp, GDataInputStream *out)
{
	g_autofree gchar *line = NULL;

	g_subprocess_send_signal(sp, SIGUSR1);
	line = g_data_input_stream_read_line_utf8(out, NULL, NULL, NULL);
	return line != NULL && g_str_has_prefix(line, "frames ") ? g_ascii_strtoull(line + 7, NULL, 10)
							       : 0;
}

static void
run_nvr(const gchar *self_exe, gchar **urls, guint n, guint warmup, guint seconds, gboolean udp,
	gboolean rtspsrc, Result *r)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocess) sp = NULL;
	g_autoptr(GDataInputStream) out = NULL;
	guint64 cpu0, cpu1, f0, f1;
	gint64 t0, t1;
	GPid pid;

	g_ptr_array_add(argv, (gpointer)self_exe);
	g_ptr_array_add(argv, "--receive");
	if (udp)
		g_ptr_array_add(argv, "--udp");
	if (rtspsrc)
		g_ptr_array_add(argv, "--rtspsrc");
	for (guint i = 0; i < n; i++)
		g_ptr_array_add(argv, urls[i]);
	g_ptr_array_add(argv, NULL);
	sp = g_subprocess_newv((const gchar *const *)argv->pdata,
			       G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
	if (sp == NULL)
		g_error("%s: %s", self_exe, error->message);
	out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(sp));
	pid = atoi(g_subprocess_get_identifier(sp));
	g_usleep((gulong)warmup * G_USEC_PER_SEC);
	t0 = g_get_monotonic_time();
	cpu0 = bench_proc_cpu_ticks(pid);
	f0 = nvr_frames(sp, out);
	g_usleep((gulong)seconds * G_USEC_PER_SEC);
	t1 = g_get_monotonic_time();
	cpu1 = bench_proc_cpu_ticks(pid);
	f1 = nvr_frames(sp, out);
	*r = (Result){.tool = rtspsrc ? "nvr+rtspsrc" : "nvr", .streams = n, .seconds = (t1 - t0) / 1e6,
		      .cpu_ticks = cpu1 - cpu0, .hwm_kb = bench_proc_hwm_kb(pid), .frames = f1 - f0,
		      .processes = 1};
	g_subprocess_send_signal(sp, SIGTERM);
	g_subprocess_wait(sp, NULL, NULL);
}

int
main(int argc, char **argv)
{
	g_autofree gchar *streams_arg = g_strdup("1,4,16");
	g_autofree gchar *fakecam_arg = NULL;
	g_auto(GStrv) rest = NULL;
	g_auto(GStrv) counts = NULL;
	g_autofree gchar *fakecam_path = NULL;
	BenchFakecam *fakecam = NULL;
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = NULL;
	g_autofree gchar *self_exe = g_file_read_link("/proc/self/exe", NULL);
	gboolean receive_mode = FALSE, udp = FALSE, no_ffmpeg = FALSE, rtspsrc = FALSE;
	gint seconds = 60, warmup = 10;
	guint max_n = 0;
	GOptionEntry entries[] = {
	    {"streams", 0, 0, G_OPTION_ARG_STRING, &streams_arg, "stream counts", "1,4,16"},
	    {"seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "measured window", "S"},
	    {"warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "before measuring", "S"},
	    {"fakecam", 0, 0, G_OPTION_ARG_FILENAME, &fakecam_arg, "nvr-fakecam", "PATH"},
	    {"udp", 0, 0, G_OPTION_ARG_NONE, &udp, "RTP over UDP instead of TCP", NULL},
	    {"no-ffmpeg", 0, 0, G_OPTION_ARG_NONE, &no_ffmpeg, "skip the baseline", NULL},
	    {"rtspsrc", 0, 0, G_OPTION_ARG_NONE, &rtspsrc, "also measure the stock rtspsrc path", NULL},
	    {"receive", 0, 0, G_OPTION_ARG_NONE, &receive_mode, "be the measured child", NULL},
	    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL, NULL},
	    {NULL}};

	ctx = g_option_context_new("- NvrIngest against ffmpeg -c copy");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("%s\n", error->message);
		return 2;
	}
	if (receive_mode)
		return rest != NULL ? receive(rest, udp, rtspsrc) : 2;

	counts = g_strsplit(streams_arg, ",", -1);
	for (guint i = 0; counts[i] != NULL; i++)
		max_n = MAX(max_n, (guint)atoi(counts[i]));
	fakecam_path = bench_find_program(fakecam_arg, "NVR_FAKECAM", "nvr/fakecam/nvr-fakecam");
	if (fakecam_path == NULL) {
		g_printerr("nvr-fakecam not found: --fakecam PATH or NVR_FAKECAM\n");
		return 2;
	}
	dir = g_dir_make_tmp("bench-ingest-XXXXXX", NULL);
	fakecam = bench_fakecam_start(fakecam_path, max_n, rest);
	printf("bench-ingest: %s, warm-up %d s, window %d s, RTP over %s\n",
	       fakecam_path, warmup, seconds, udp ? "UDP" : "TCP");
	for (guint i = 0; counts[i] != NULL; i++) {
		guint n = (guint)atoi(counts[i]);
		Result base = {0}, ours = {0}, stock = {0};

		if (!no_ffmpeg) {
			run_ffmpeg(fakecam->urls, n, (guint)warmup, (guint)seconds, udp, dir, &base);
			result_print(&base, NULL);
		}
		if (rtspsrc) {
			run_nvr(self_exe, fakecam->urls, n, (guint)warmup, (guint)seconds, udp, TRUE, &stock);
			result_print(&stock, no_ffmpeg ? NULL : &base);
		}
		run_nvr(self_exe, fakecam->urls, n, (guint)warmup, (guint)seconds, udp, FALSE, &ours);
		result_print(&ours, no_ffmpeg ? NULL : &base);
	}
	bench_fakecam_stop(fakecam);
	for (guint i = 0; i < max_n; i++) {
		g_autofree gchar *f = g_strdup_printf("%s/ffmpeg-%u.progress", dir, i);
		g_unlink(f);
	}
	g_rmdir(dir);
	return 0;
}
