#include "config.h"

#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench-common.h"

/* utime + stime in clock ticks; 0 if the process is gone */
guint64
bench_proc_cpu_ticks(GPid pid)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%d/stat", pid);
	g_autofree gchar *text = NULL;
	const gchar *p;
	unsigned long utime = 0, stime = 0;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	/* the command may hold spaces and parentheses: fields start after the last ')' */
	p = strrchr(text, ')');
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
				&stime) != 2)
		return 0;
	return (guint64)utime + stime;
}

/* peak resident set (VmHWM) in KiB */
guint64
bench_proc_hwm_kb(GPid pid)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%d/status", pid);
	g_autofree gchar *text = NULL;
	const gchar *p;

	if (!g_file_get_contents(path, &text, NULL, NULL) || (p = strstr(text, "VmHWM:")) == NULL)
		return 0;
	return g_ascii_strtoull(p + 6, NULL, 10);
}

/* the last "frame=" of an ffmpeg -progress file */
guint64
bench_ffmpeg_progress_frames(const gchar *progress)
{
	g_autofree gchar *text = NULL;
	const gchar *p, *last = NULL;

	if (!g_file_get_contents(progress, &text, NULL, NULL))
		return 0;
	for (p = text; (p = strstr(p, "frame=")) != NULL; p++)
		last = p;
	return last != NULL ? g_ascii_strtoull(last + 6, NULL, 10) : 0;
}

/**
 * bench_find_program:
 * @build_relative: the program below the build root, e.g. "nvr/daemon/nvrd"
 *
 * @given, else $@env_var, else the build tree this benchmark was built in
 * (benchmarks live in <build>/tests/bench).
 *
 * Returns: (transfer full) (nullable): an executable path
 */
gchar *
bench_find_program(const gchar *given, const gchar *env_var, const gchar *build_relative)
{
	g_autofree gchar *self = g_file_read_link("/proc/self/exe", NULL);
	g_autofree gchar *dir = self != NULL ? g_path_get_dirname(self) : NULL;
	g_autofree gchar *guess = dir != NULL ? g_build_filename(dir, "..", "..", build_relative, NULL) : NULL;

	if (given != NULL)
		return g_strdup(given);
	if (g_getenv(env_var) != NULL)
		return g_strdup(g_getenv(env_var));
	if (guess != NULL && g_file_test(guess, G_FILE_TEST_IS_EXECUTABLE))
		return g_canonicalize_filename(guess, NULL);
	return NULL;
}

/* Returns: (transfer full): the JSON of a 2xx reply */
JsonNode *
bench_http_json(const gchar *method, const gchar *url, GError **error)
{
	static SoupSession *session = NULL;
	g_autoptr(SoupMessage) msg = soup_message_new(method, url);
	g_autoptr(GBytes) body = NULL;

	if (session == NULL)
		session = soup_session_new_with_options("timeout", 10, NULL);
	if (msg == NULL) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad URL %s", url);
		return NULL;
	}
	body = soup_session_send_and_read(session, msg, NULL, error);
	if (body == NULL)
		return NULL;
	if (!SOUP_STATUS_IS_SUCCESSFUL(soup_message_get_status(msg))) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s: HTTP %u", method, url,
			    soup_message_get_status(msg));
		return NULL;
	}
	return json_from_string(g_bytes_get_data(body, NULL), error);
}

/* starts nvr-fakecam with @n cameras, no auth, plus @extra options; exits on failure */
BenchFakecam *
bench_fakecam_start(const gchar *path, guint n, gchar **extra)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) found = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GDataInputStream) out = NULL;
	BenchFakecam *fc = g_new0(BenchFakecam, 1);
	gchar *line;

	g_ptr_array_add(argv, g_strdup(path));
	g_ptr_array_add(argv, g_strdup("--cameras"));
	g_ptr_array_add(argv, g_strdup_printf("%u", n));
	g_ptr_array_add(argv, g_strdup("--no-auth"));
	g_ptr_array_add(argv, g_strdup("--exit-with-parent"));
	for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(extra[i]));
	g_ptr_array_add(argv, NULL);
	fc->proc = g_subprocess_newv((const gchar *const *)argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE,
				     &error);
	if (fc->proc == NULL)
		g_error("%s: %s", path, error->message);
	out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(fc->proc));
	while ((line = g_data_input_stream_read_line_utf8(out, NULL, NULL, NULL)) != NULL) {
		const gchar *rtsp = strstr(line, " rtsp=");
		const gchar *control = strstr(line, " control=");

		if (g_str_equal(line, "ready")) {
			g_free(line);
			break;
		}
		if (rtsp != NULL)
			g_ptr_array_add(found, g_strndup(rtsp + 6, strcspn(rtsp + 6, " ")));
		if (control != NULL && fc->control == NULL)
			fc->control = g_strndup(control + 9, strcspn(control + 9, " "));
		g_free(line);
	}
	if (found->len != n || fc->control == NULL)
		g_error("nvr-fakecam did not get ready");
	g_ptr_array_add(found, NULL);
	fc->urls = (GStrv)g_ptr_array_steal(found, NULL);
	fc->n = n;
	return fc;
}

void
bench_fakecam_stop(BenchFakecam *fc)
{
	g_subprocess_send_signal(fc->proc, SIGTERM);
	g_subprocess_wait(fc->proc, NULL, NULL);
	g_object_unref(fc->proc);
	g_strfreev(fc->urls);
	g_free(fc->control);
	g_free(fc);
}

/* video frames the main streams of cameras 1..@n have sent, summed */
gboolean
bench_fakecam_frames_sent(BenchFakecam *fc, guint n, guint64 *sent, GError **error)
{
	g_autofree gchar *url = g_strconcat(fc->control, "cameras", NULL);
	g_autoptr(JsonNode) node = bench_http_json("GET", url, error);
	JsonArray *cams;

	if (node == NULL)
		return FALSE;
	cams = json_node_get_array(node);
	*sent = 0;
	for (guint i = 0; i < json_array_get_length(cams); i++) {
		JsonObject *c = json_array_get_object_element(cams, i);
		JsonObject *streams = json_object_get_object_member(c, "streams");
		JsonObject *main_stream = json_object_get_object_member(streams, "main");

		if (json_object_get_int_member(c, "camera") <= (gint64)n)
			*sent += (guint64)json_object_get_int_member(main_stream, "frames_sent");
	}
	return TRUE;
}

/* no media from cameras 1..@n for @seconds, connections kept: what a recorder got can drain */
gboolean
bench_fakecam_stall(BenchFakecam *fc, guint n, guint seconds, GError **error)
{
	for (guint i = 1; i <= n; i++) {
		g_autofree gchar *url = g_strdup_printf("%scameras/%u/stall?seconds=%u", fc->control, i,
							seconds);
		g_autoptr(JsonNode) node = bench_http_json("POST", url, error);

		if (node == NULL)
			return FALSE;
	}
	return TRUE;
}
