/*
 * bench-record: the cost of recording N cameras to disk with the real nvrd
 * (NVRE encrypted segments, SQLite index, fsync policy) against one
 * `ffmpeg -rtsp_transport tcp -i URL -c copy -f segment -segment_time 60
 * OUT%03d.mp4` per camera (issue 4), in the same run, from the same
 * nvr-fakecam.
 *
 * For each N, ffmpeg x N and then one nvrd with N cameras record cameras
 * 1..N for --seconds. Then the cameras stall (connections kept, no media),
 * the recorder is given time to take in what was sent, and it is stopped
 * with SIGTERM. Nothing is in flight at the stop, so every frame sent must
 * be stored: lost = sent - stored.
 *
 *   sent      video frames the cameras' main streams sent (fakecam counters)
 *   received  nvrd: frames_received of /api/health; ffmpeg: -progress frame=
 *   stored    nvrd: frames of the index (nvrctl recordings --json);
 *             ffmpeg: video packets of its files (ffprobe -count_packets)
 *   CPU, RSS  wait4() of each recorder process over its whole life (start,
 *             recording, drain, shutdown); nvr-fakecam is not counted
 *   written   bytes of the files the recorder left (nvrd: footage + state dir)
 *
 * Targets (DESIGN.md §3, issue 4): nvrd CPU at most 0.8x ffmpeg at N=16;
 * nvrd RSS at most 40 MB + 3 MB per camera; no frame lost at N=32.
 *
 * usage: bench-record [--seconds 60] [--n 1,4,16,32] [--no-ffmpeg] [--keep]
 *                     [--set KEY=VALUE ...] [--fakecam P] [--nvrd P] [--nvrctl P]
 *                     [-- fakecam options]
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-common.h"
#include "nvr-test-common.h"

/* seconds the cameras stall at the end; nvrd's watchdog is set above it */
#define BENCH_STALL_S 40
/* a recorder that has not taken in what was sent by then has lost it */
#define BENCH_DRAIN_S 30

typedef struct {
	BenchFakecam *fc;
	gchar *nvrd;
	gchar *nvrctl;
	gchar *dir;
	guint seconds;
	gchar **settings; /* KEY=VALUE lines for nvrd's configuration */
} Bench;

typedef struct {
	const gchar *tool;
	guint n;
	gdouble seconds;     /* recording: start to stall */
	gdouble cpu_s;	     /* utime + stime of every recorder process */
	guint64 rss_kb;	     /* peak RSS, summed over processes */
	guint64 rss_max_kb;  /* peak RSS of the largest process */
	guint processes;
	guint64 written;     /* bytes */
	guint64 sent;
	guint64 received;
	guint64 stored;
	gdouble load;	     /* 1-minute load average when the recording ended */
	gboolean valid;
} Result;

/* one contender: its processes and how to read what it received */
typedef struct {
	GArray *pids;	     /* GPid */
	gchar *health_url;   /* nvrd */
	GPtrArray *progress; /* ffmpeg -progress files */
	gboolean polled;     /* received can be polled while it runs */
	gint exit_status;    /* what a clean stop exits with */
	/* it stops only after its next packet: ffmpeg, blocked in a read of the stalled camera */
	gboolean needs_packet_to_stop;
} Recorder;

static void
recorder_clear(Recorder *rec)
{
	g_clear_pointer(&rec->pids, g_array_unref);
	g_clear_pointer(&rec->health_url, g_free);
	g_clear_pointer(&rec->progress, g_ptr_array_unref);
}

static guint64
recorder_received(Recorder *rec)
{
	guint64 sum = 0;

	if (rec->health_url != NULL) {
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonNode) node = bench_http_json("GET", rec->health_url, &error);
		JsonArray *cams;

		if (node == NULL) {
			g_printerr("nvrd health: %s\n", error->message);
			return 0;
		}
		cams = json_object_get_array_member(json_node_get_object(node), "cameras");
		for (guint i = 0; i < json_array_get_length(cams); i++)
			sum += (guint64)json_object_get_int_member(json_array_get_object_element(cams, i),
								   "frames_received");
		return sum;
	}
	for (guint i = 0; rec->progress != NULL && i < rec->progress->len; i++)
		sum += bench_ffmpeg_progress_frames(rec->progress->pdata[i]);
	return sum;
}

/* ---- processes: spawned unreaped, so that wait4() gives their rusage ---- */

static void
child_setup(gpointer data)
{
	/* a benchmark that dies leaves no recorder behind */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

static GPid
spawn_logged(const gchar *const *argv, const gchar *out_path, const gchar *err_path)
{
	g_autoptr(GError) error = NULL;
	gint out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	gint err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	GPid pid = 0;

	if (out < 0 || err < 0)
		g_error("%s: %s", out_path, g_strerror(errno));
	if (!g_spawn_async_with_pipes_and_fds(NULL, argv, NULL,
					      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH |
						  G_SPAWN_STDIN_FROM_DEV_NULL,
					      child_setup, NULL, -1, out, err, NULL, NULL, 0, &pid, NULL,
					      NULL, NULL, &error))
		g_error("%s: %s", argv[0], error->message);
	close(out);
	close(err);
	return pid;
}

/* SIGTERM to every process, then their rusage; a process that hangs is killed after 60 s */
static void
recorder_stop(Bench *b, Recorder *rec, Result *r)
{
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < rec->pids->len; i++)
		kill(g_array_index(rec->pids, GPid, i), SIGTERM);
	if (rec->needs_packet_to_stop && !bench_fakecam_stall(b->fc, r->n, 0, &error))
		g_error("fakecam: %s", error->message);
	for (guint i = 0; i < rec->pids->len; i++) {
		GPid pid = g_array_index(rec->pids, GPid, i);
		struct rusage ru = {0};
		gint status = 0;
		pid_t got = 0;

		for (guint t = 0; t < 600 && (got = wait4(pid, &status, WNOHANG, &ru)) == 0; t++)
			g_usleep(100 * 1000);
		if (got == 0) {
			g_printerr("process %d did not stop: killed\n", pid);
			kill(pid, SIGKILL);
			got = wait4(pid, &status, 0, &ru);
		}
		if (got == pid && !(WIFEXITED(status) && WEXITSTATUS(status) == rec->exit_status))
			g_printerr("%s process %d ended with status %d\n", r->tool, pid, status);
		r->cpu_s += ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
			    ru.ru_stime.tv_usec / 1e6;
		r->rss_kb += (guint64)ru.ru_maxrss;
		r->rss_max_kb = MAX(r->rss_max_kb, (guint64)ru.ru_maxrss);
	}
	r->processes = rec->pids->len;
}

/* ---- files ---- */

static guint64 tree_bytes_sum;

static gint
tree_bytes_cb(const char *path, const struct stat *st, gint flag, struct FTW *ftw)
{
	if (flag == FTW_F)
		tree_bytes_sum += (guint64)st->st_size;
	return 0;
}

static guint64
tree_bytes(const gchar *dir)
{
	tree_bytes_sum = 0;
	nftw(dir, tree_bytes_cb, 16, FTW_PHYS);
	return tree_bytes_sum;
}

static void
write_file(const gchar *path, const gchar *text)
{
	g_autoptr(GError) error = NULL;

	if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error))
		g_error("%s", error->message);
}

/* runs a tool to completion; Returns: its stdout, or exits on failure */
static gchar *
run_checked(const gchar *const *argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *err = NULL;
	gchar *out = NULL;
	gint status = -1;

	if (!nvr_test_run(argv, &out, &err, &status, &error))
		g_error("%s: %s", argv[0], error->message);
	if (status != 0)
		g_error("%s %s: exit %d: %s", argv[0], argv[1], status, err);
	return out;
}

static gdouble
load_average(void)
{
	gdouble load[1] = {0};

	return getloadavg(load, 1) == 1 ? load[0] : 0.0;
}

/* ---- one measurement: record, stall, drain, stop ---- */

typedef void (*StartFunc)(Bench *b, guint n, const gchar *dir, Recorder *rec);

static void
measure(Bench *b, guint n, const gchar *dir, StartFunc start, Recorder *rec, Result *r)
{
	g_autoptr(GError) error = NULL;
	guint64 sent0 = 0, sent1 = 0, sent2 = 0;
	gint64 t0, t1, deadline;

	r->n = n;
	if (!bench_fakecam_frames_sent(b->fc, n, &sent0, &error))
		g_error("fakecam: %s", error->message);
	t0 = g_get_monotonic_time();
	start(b, n, dir, rec);
	g_usleep((gulong)(t0 + (gint64)b->seconds * G_USEC_PER_SEC - g_get_monotonic_time()));
	t1 = g_get_monotonic_time();
	r->load = load_average();
	if (!bench_fakecam_stall(b->fc, n, BENCH_STALL_S, &error))
		g_error("fakecam: %s", error->message);
	g_usleep(G_USEC_PER_SEC / 2); /* a feeder may be past its stall check for one frame */
	if (!bench_fakecam_frames_sent(b->fc, n, &sent1, &error))
		g_error("fakecam: %s", error->message);
	/* ffmpeg reports progress only while packets arrive: give it a moment instead */
	deadline = g_get_monotonic_time() + (rec->polled ? BENCH_DRAIN_S : 2) * G_USEC_PER_SEC;
	while (g_get_monotonic_time() < deadline && (!rec->polled || recorder_received(rec) < sent1 - sent0))
		g_usleep(G_USEC_PER_SEC / 5);
	if (rec->polled)
		r->received = recorder_received(rec);
	recorder_stop(b, rec, r);
	if (!rec->polled)
		r->received = recorder_received(rec); /* ffmpeg's last report, written at exit */
	if (!bench_fakecam_frames_sent(b->fc, n, &sent2, &error) || !bench_fakecam_stall(b->fc, n, 0, &error))
		g_error("fakecam: %s", error->message);
	if (sent2 != sent1 && !rec->needs_packet_to_stop)
		g_printerr("  (%s N=%u: %" G_GUINT64_FORMAT " frames sent after the stall began)\n", r->tool,
			   n, sent2 - sent1);
	r->seconds = (t1 - t0) / 1e6;
	r->sent = sent1 - sent0;
	r->valid = TRUE;
}

/* ---- ffmpeg ---- */

static void
ffmpeg_start(Bench *b, guint n, const gchar *dir, Recorder *rec)
{
	rec->pids = g_array_new(FALSE, FALSE, sizeof(GPid));
	rec->progress = g_ptr_array_new_with_free_func(g_free);
	rec->exit_status = 255; /* "Exiting normally, received signal 15." */
	rec->needs_packet_to_stop = TRUE;
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *out = g_strdup_printf("%s/cam%02u-%%03d.mp4", dir, i + 1);
		g_autofree gchar *log = g_strdup_printf("%s/cam%02u.log", dir, i + 1);
		gchar *progress = g_strdup_printf("%s/cam%02u.progress", dir, i + 1);
		const gchar *argv[] = {"ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
				       "-rtsp_transport", "tcp", "-i", b->fc->urls[i], "-c", "copy",
				       "-f", "segment", "-segment_time", "60", "-progress", progress,
				       out, NULL};
		GPid pid = spawn_logged(argv, "/dev/null", log);

		g_array_append_val(rec->pids, pid);
		g_ptr_array_add(rec->progress, progress);
	}
}

/* video packets of every file ffmpeg wrote */
static guint64
ffmpeg_stored(const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;
	guint64 sum = 0;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *path = g_build_filename(dir, name, NULL);
		g_autofree gchar *out = NULL;
		const gchar *argv[] = {"ffprobe", "-v", "error", "-select_streams", "v:0",
				       "-count_packets", "-show_entries", "stream=nb_read_packets",
				       "-of", "default=nw=1:nk=1", path, NULL};

		if (!g_str_has_suffix(name, ".mp4"))
			continue;
		out = run_checked(argv);
		sum += g_ascii_strtoull(out, NULL, 10);
	}
	return sum;
}

static void
ffmpeg_measure(Bench *b, guint n, Result *r)
{
	g_autofree gchar *dir = g_strdup_printf("%s/ffmpeg-%u", b->dir, n);
	Recorder rec = {0};

	g_mkdir_with_parents(dir, 0700);
	r->tool = "ffmpeg";
	measure(b, n, dir, ffmpeg_start, &rec, r);
	r->stored = ffmpeg_stored(dir);
	/* the -progress and log files are ours, not the recording's */
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *log = g_strdup_printf("%s/cam%02u.log", dir, i + 1);
		g_unlink(log);
		g_unlink(rec.progress->pdata[i]);
	}
	r->written = tree_bytes(dir);
	recorder_clear(&rec);
}

/* ---- nvrd ---- */

/* a fresh state dir with an owner key and cameras 1..@n; not measured */
static void
nvrd_prepare(Bench *b, guint n, const gchar *dir)
{
	g_autofree gchar *state = g_build_filename(dir, "state", NULL);
	g_autofree gchar *pass = g_build_filename(dir, "passphrase", NULL);
	g_autofree gchar *recovery = g_build_filename(dir, "recovery", NULL);
	g_autofree gchar *conf = g_build_filename(dir, "nvr.conf", NULL);
	const gchar *init[] = {b->nvrctl, "--state-dir", state, "init", "--passphrase-file", pass,
			       "--recovery-out", recovery, "--kdf-opslimit", "1", "--kdf-memlimit-mib", "8",
			       NULL};

	g_autoptr(GString) config = g_string_new(NULL);

	write_file(pass, "bench passphrase\n");
	/* the defaults, but a watchdog longer than the stall that ends the recording */
	g_string_append_printf(config, "watchdog-seconds = %d\n", BENCH_STALL_S + 20);
	for (guint i = 0; b->settings != NULL && b->settings[i] != NULL; i++)
		g_string_append_printf(config, "%s\n", b->settings[i]);
	write_file(conf, config->str);
	g_free(run_checked(init));
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *name = g_strdup_printf("cam%02u", i + 1);
		const gchar *add[] = {b->nvrctl, "--state-dir", state, "camera", "add", name,
				      b->fc->urls[i], NULL};
		g_free(run_checked(add));
	}
}

/* the line "nvrd: listening on URL" */
static gchar *
nvrd_wait_url(const gchar *out_path, GPid pid)
{
	for (guint i = 0; i < 300; i++) {
		g_autofree gchar *text = NULL;
		const gchar *p;

		if (g_file_get_contents(out_path, &text, NULL, NULL) &&
		    (p = strstr(text, "listening on ")) != NULL && strchr(p, '\n') != NULL)
			return g_strndup(p + 13, strcspn(p + 13, "\n"));
		if (waitpid(pid, NULL, WNOHANG) == pid)
			break;
		g_usleep(100 * 1000);
	}
	g_error("nvrd did not start: see %s", out_path);
	return NULL;
}

static void
nvrd_start(Bench *b, guint n, const gchar *dir, Recorder *rec)
{
	g_autofree gchar *state = g_build_filename(dir, "state", NULL);
	g_autofree gchar *conf = g_strconcat("--config=", dir, "/nvr.conf", NULL);
	g_autofree gchar *out = g_build_filename(dir, "nvrd.out", NULL);
	g_autofree gchar *err = g_build_filename(dir, "nvrd.log", NULL);
	g_autofree gchar *url = NULL;
	const gchar *argv[] = {b->nvrd, "--state-dir", state, "--listen", "127.0.0.1:0", conf, NULL};
	GPid pid = spawn_logged(argv, out, err);

	rec->pids = g_array_new(FALSE, FALSE, sizeof(GPid));
	g_array_append_val(rec->pids, pid);
	url = nvrd_wait_url(out, pid);
	rec->health_url = g_strconcat(url, "api/health", NULL);
	rec->polled = TRUE;
}

static guint64
nvrd_stored(Bench *b, guint n, const gchar *dir)
{
	g_autofree gchar *state = g_build_filename(dir, "state", NULL);
	guint64 sum = 0;

	for (guint i = 0; i < n; i++) {
		g_autofree gchar *name = g_strdup_printf("cam%02u", i + 1);
		const gchar *argv[] = {b->nvrctl, "--state-dir", state, "recordings", name, "--json", NULL};
		g_autofree gchar *out = run_checked(argv);
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonNode) node = json_from_string(out, &error);
		JsonArray *segs;

		if (node == NULL)
			g_error("nvrctl recordings: %s", error->message);
		segs = json_object_get_array_member(json_node_get_object(node), "segments");
		for (guint s = 0; s < json_array_get_length(segs); s++) {
			JsonObject *seg = json_array_get_object_element(segs, s);
			if (g_strcmp0(json_object_get_string_member(seg, "status"), "finalized") != 0)
				g_printerr("  (%s segment %" G_GINT64_FORMAT " is %s)\n", name,
					   json_object_get_int_member(seg, "id"),
					   json_object_get_string_member(seg, "status"));
			sum += (guint64)json_object_get_int_member(seg, "frames");
		}
	}
	return sum;
}

/* keyless verify: index and files agree; the figures mean little otherwise */
static void
nvrd_verify(Bench *b, const gchar *dir)
{
	g_autofree gchar *state = g_build_filename(dir, "state", NULL);
	const gchar *argv[] = {b->nvrctl, "--state-dir", state, "verify", NULL};
	g_autofree gchar *out = NULL, *err = NULL;
	gint status = -1;

	if (!nvr_test_run(argv, &out, &err, &status, NULL) || status != 0)
		g_printerr("  nvrctl verify found problems:\n%s%s", out != NULL ? out : "",
			   err != NULL ? err : "");
}

static void
nvrd_measure(Bench *b, guint n, Result *r)
{
	g_autofree gchar *dir = g_strdup_printf("%s/nvrd-%u", b->dir, n);
	g_autofree gchar *state = g_build_filename(dir, "state", NULL);
	Recorder rec = {0};

	g_mkdir_with_parents(dir, 0700);
	nvrd_prepare(b, n, dir);
	r->tool = "nvrd";
	measure(b, n, dir, nvrd_start, &rec, r);
	r->stored = nvrd_stored(b, n, dir);
	nvrd_verify(b, dir);
	r->written = tree_bytes(state);
	recorder_clear(&rec);
}

/* ---- the table ---- */

static void
print_header(void)
{
	printf("%4s %-6s %9s %6s %8s %8s %9s %8s %8s %8s %6s %6s %6s %5s\n", "N", "tool", "CPU s/", "core",
	       "RSS MB", "RSS MB", "written", "frames", "frames", "frames", "lost", "CPU", "RSS", "load");
	printf("%4s %-6s %9s %6s %8s %8s %9s %8s %8s %8s %6s %6s %6s %5s\n", "", "", "stream-min", "%",
	       "total", "max/proc", "MB", "sent", "received", "stored", "", "ratio", "ratio", "");
	fflush(stdout);
}

static void
print_row(const Result *r, const Result *base)
{
	gdouble minutes = r->n * r->seconds / 60.0;
	gint64 lost = (gint64)r->sent - (gint64)r->stored;

	printf("%4u %-6s %9.3f %6.1f %8.1f %8.1f %9.1f %8" G_GUINT64_FORMAT " %8" G_GUINT64_FORMAT
	       " %8" G_GUINT64_FORMAT " %6" G_GINT64_FORMAT,
	       r->n, r->tool, r->cpu_s / minutes, 100.0 * r->cpu_s / r->seconds, r->rss_kb / 1024.0,
	       r->rss_max_kb / 1024.0, r->written / 1e6, r->sent, r->received, r->stored, lost);
	if (base != NULL && base->valid && base->cpu_s > 0 && base->rss_kb > 0)
		printf(" %6.2f %6.2f", r->cpu_s / base->cpu_s, (gdouble)r->rss_kb / base->rss_kb);
	else
		printf(" %6s %6s", "", "");
	printf(" %5.1f\n", r->load);
	fflush(stdout);
}

/* Returns: the number of targets missed */
static guint
print_targets(const Result *nvrd, const Result *ffmpeg, guint count)
{
	guint missed = 0;

	printf("\ntargets (DESIGN.md §3, issue 4):\n");
	for (guint i = 0; i < count; i++) {
		const Result *r = &nvrd[i], *f = &ffmpeg[i];
		gdouble rss_limit = 40.0 + 3.0 * r->n;
		gboolean rss_ok = r->rss_kb / 1024.0 <= rss_limit;
		gint64 lost = (gint64)r->sent - (gint64)r->stored;

		if (!r->valid)
			continue;
		printf("  N=%-3u nvrd RSS %6.1f MB <= %5.1f MB: %s\n", r->n, r->rss_kb / 1024.0, rss_limit,
		       rss_ok ? "ok" : "MISSED");
		missed += !rss_ok;
		printf("  N=%-3u nvrd frames lost %" G_GINT64_FORMAT ": %s\n", r->n, lost,
		       lost <= 0 ? "ok" : "MISSED");
		missed += lost > 0;
		if (r->n == 16 && f->valid) {
			gdouble ratio = r->cpu_s / f->cpu_s;
			printf("  N=16  nvrd CPU %.2fx ffmpeg <= 0.80x: %s\n", ratio,
			       ratio <= 0.8 ? "ok" : "MISSED");
			missed += ratio > 0.8;
		}
	}
	return missed;
}

int
main(int argc, char **argv)
{
	g_autofree gchar *n_arg = g_strdup("1,4,16,32");
	g_autofree gchar *fakecam_arg = NULL, *nvrd_arg = NULL, *nvrctl_arg = NULL, *fakecam = NULL;
	g_auto(GStrv) rest = NULL;
	g_auto(GStrv) counts = NULL;
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree Result *nvrd = NULL;
	g_autofree Result *ffmpeg = NULL;
	gboolean no_ffmpeg = FALSE, keep = FALSE;
	gint seconds = 60;
	guint max_n = 0, n_counts, missed;
	Bench b = {0};
	GOptionEntry entries[] = {
	    {"seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "recording per measurement (60)", "S"},
	    {"n", 0, 0, G_OPTION_ARG_STRING, &n_arg, "camera counts (1,4,16,32)", "N,N"},
	    {"no-ffmpeg", 0, 0, G_OPTION_ARG_NONE, &no_ffmpeg, "skip the baseline", NULL},
	    {"keep", 0, 0, G_OPTION_ARG_NONE, &keep, "keep what was recorded (path printed)", NULL},
	    {"fakecam", 0, 0, G_OPTION_ARG_FILENAME, &fakecam_arg, "nvr-fakecam", "PATH"},
	    {"nvrd", 0, 0, G_OPTION_ARG_FILENAME, &nvrd_arg, "nvrd", "PATH"},
	    {"nvrctl", 0, 0, G_OPTION_ARG_FILENAME, &nvrctl_arg, "nvrctl", "PATH"},
	    {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &b.settings, "an nvrd setting (repeatable)",
	     "KEY=VALUE"},
	    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL, NULL},
	    {NULL}};

	ctx = g_option_context_new("[-- nvr-fakecam options] - nvrd against ffmpeg -c copy -f segment");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || seconds < 5) {
		g_printerr("%s\n", error != NULL ? error->message : "--seconds: at least 5");
		return 2;
	}
	counts = g_strsplit(n_arg, ",", -1);
	n_counts = g_strv_length(counts);
	for (guint i = 0; i < n_counts; i++)
		max_n = MAX(max_n, (guint)atoi(counts[i]));
	fakecam = bench_find_program(fakecam_arg, "NVR_FAKECAM", "nvr/fakecam/nvr-fakecam");
	b.nvrd = bench_find_program(nvrd_arg, "NVRD", "nvr/daemon/nvrd");
	b.nvrctl = bench_find_program(nvrctl_arg, "NVRCTL", "nvr/ctl/nvrctl");
	if (fakecam == NULL || b.nvrd == NULL || b.nvrctl == NULL || max_n == 0 || max_n > 256) {
		g_printerr("need nvr-fakecam, nvrd, nvrctl (--fakecam, --nvrd, --nvrctl) and --n 1..256\n");
		return 2;
	}
	b.seconds = (guint)seconds;
	b.dir = g_dir_make_tmp("bench-record-XXXXXX", &error);
	if (b.dir == NULL) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	b.fc = bench_fakecam_start(fakecam, max_n, rest);
	printf("bench-record: %s, %d s per measurement, %ld cores, load %.1f at start, in %s\n", b.nvrd,
	       seconds, sysconf(_SC_NPROCESSORS_ONLN), load_average(), b.dir);
	print_header();
	nvrd = g_new0(Result, n_counts);
	ffmpeg = g_new0(Result, n_counts);
	for (guint i = 0; i < n_counts; i++) {
		guint n = (guint)atoi(counts[i]);

		if (n == 0)
			continue;
		if (!no_ffmpeg) {
			ffmpeg_measure(&b, n, &ffmpeg[i]);
			print_row(&ffmpeg[i], NULL);
		}
		nvrd_measure(&b, n, &nvrd[i]);
		print_row(&nvrd[i], &ffmpeg[i]);
		if (!keep) {
			g_autofree gchar *f = g_strdup_printf("%s/ffmpeg-%u", b.dir, n);
			g_autofree gchar *d = g_strdup_printf("%s/nvrd-%u", b.dir, n);
			nvr_test_rm_rf(f);
			nvr_test_rm_rf(d);
		}
	}
	missed = print_targets(nvrd, ffmpeg, n_counts);
	bench_fakecam_stop(b.fc);
	if (!keep)
		nvr_test_rm_rf(b.dir);
	g_free(b.dir);
	g_free(b.nvrd);
	g_free(b.nvrctl);
	g_strfreev(b.settings);
	return missed > 0 ? 1 : 0;
}
