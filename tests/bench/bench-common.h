/*
 * bench-common.h: what the benchmarks share: CPU and peak RSS of a process
 * from /proc, the built programs, one nvr-fakecam serving N cameras and its
 * control interface (frames sent, stalls), and ffmpeg's progress counter.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

guint64
bench_proc_cpu_ticks(GPid pid);
guint64
bench_proc_hwm_kb(GPid pid);
guint64
bench_ffmpeg_progress_frames(const gchar *progress);
gchar *
bench_find_program(const gchar *given, const gchar *env_var, const gchar *build_relative);
JsonNode *
bench_http_json(const gchar *method, const gchar *url, GError **error);

typedef struct {
	GSubprocess *proc;
	GStrv urls;	/* main stream of camera i + 1 */
	gchar *control; /* ends with '/' */
	guint n;
} BenchFakecam;

BenchFakecam *
bench_fakecam_start(const gchar *path, guint n, gchar **extra);
void
bench_fakecam_stop(BenchFakecam *fc);
gboolean
bench_fakecam_frames_sent(BenchFakecam *fc, guint n, guint64 *sent, GError **error);
gboolean
bench_fakecam_stall(BenchFakecam *fc, guint n, guint seconds, GError **error);

G_END_DECLS
