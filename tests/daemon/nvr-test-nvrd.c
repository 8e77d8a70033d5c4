/*
 * nvr-test-nvrd.c: see nvr-test-nvrd.h. Everything here asserts: a helper
 * that cannot do its job fails the test where it was called.
 */
#include "config.h"

#include <libsoup/soup.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include "nvr-test-nvrd.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

/* runs a command to completion; Returns: its exit status (128 if it died of a signal) */
static gint
nvr_test_nvrd_runv(gchar **out, gchar **err, const gchar *const *argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *err_local = NULL;
	gint status = -1;

	g_assert_true(nvr_test_run(argv, out, &err_local, &status, &error));
	g_assert_no_error(error);
	if (status != 0)
		g_test_message("%s exited with %d: %s", argv[0], status, err_local);
	if (err != NULL)
		*err = g_steal_pointer(&err_local);
	return status;
}

gint
nvr_test_nvrd_run(gchar **out, gchar **err, const gchar *first, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	const gchar *a;
	va_list ap;

	g_ptr_array_add(argv, (gpointer)first);
	va_start(ap, first);
	while ((a = va_arg(ap, const gchar *)) != NULL)
		g_ptr_array_add(argv, (gpointer)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	return nvr_test_nvrd_runv(out, err, (const gchar *const *)argv->pdata);
}

const gchar *
nvr_test_nvrd_ctl_path(void)
{
	return nvr_test_build_path("NVRCTL", "nvr/ctl/nvrctl");
}

/* Returns: (transfer full): the object @text holds */
JsonObject *
nvr_test_nvrd_parse_object(const gchar *text)
{
	g_autoptr(JsonParser) p = json_parser_new();
	g_autoptr(GError) error = NULL;

	g_assert_true(json_parser_load_from_data(p, text, -1, &error));
	g_assert_no_error(error);
	g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)));
	return json_object_ref(json_node_get_object(json_parser_get_root(p)));
}

/* ISO 8601 with microseconds, as nvrctl takes it */
gchar *
nvr_test_nvrd_iso(gint64 us)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(us / G_USEC_PER_SEC);
	g_autofree gchar *secs = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");

	return g_strdup_printf("%s.%06" G_GINT64_FORMAT "Z", secs, us % G_USEC_PER_SEC);
}

static void
nvr_test_nvrd_write(NvrTestNvrd *fx, const gchar *name, const gchar *text, gchar **path)
{
	g_autoptr(GError) error = NULL;

	*path = g_build_filename(fx->dir, name, NULL);
	g_file_set_contents(*path, text, -1, &error);
	g_assert_no_error(error);
}

static void
nvr_test_nvrd_spawn_fakecam(NvrTestNvrd *fx, const gchar *const *extra)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ready = NULL;

	g_ptr_array_add(argv, g_strdup(nvr_test_build_path("NVR_FAKECAM", "nvr/fakecam/nvr-fakecam")));
	g_ptr_array_add(argv, g_strdup("--cameras"));
	g_ptr_array_add(argv, g_strdup_printf("%u", fx->n_cameras));
	for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(extra[i]));
	g_ptr_array_add(argv, g_strdup("--exit-with-parent"));
	g_ptr_array_add(argv, NULL);
	fx->fakecam = nvr_test_proc_spawn((const gchar *const *)argv->pdata, &error);
	g_assert_no_error(error);
	/* the first start may encode the clip */
	ready = nvr_test_proc_wait_line(fx->fakecam, "ready", 120, &error);
	g_assert_no_error(error);
}

/* the URL of fakecam camera @n from its "camera N ..." line */
static gchar *
nvr_test_nvrd_fakecam_field(NvrTestNvrd *fx, guint n, const gchar *key)
{
	GPtrArray *lines = nvr_test_proc_get_lines(fx->fakecam);
	g_autofree gchar *prefix = g_strdup_printf("camera %u ", n);

	for (guint i = 0; i < lines->len; i++) {
		const gchar *line = g_ptr_array_index(lines, i);
		if (g_str_has_prefix(line, prefix))
			return nvr_test_line_field(line, key);
	}
	g_assert_not_reached();
}

static void
nvr_test_nvrd_init_state(NvrTestNvrd *fx)
{
	g_autofree gchar *recovery = g_build_filename(fx->dir, "recovery", NULL);

	g_assert_cmpint(nvr_test_nvrd_run(NULL, NULL, nvr_test_nvrd_ctl_path(), "--state-dir", fx->state,
					  "init", "--passphrase-file", fx->pass, "--recovery-out", recovery,
					  "--kdf-opslimit", "1", "--kdf-memlimit-mib", "8", NULL),
			==, 0);
}

/* camera c@n at @url; @campw: (nullable): the password file of user admin */
static void
nvr_test_nvrd_add_camera(NvrTestNvrd *fx, guint n, const gchar *url, const gchar *campw)
{
	g_autofree gchar *name = g_strdup_printf("c%u", n);

	/* nvrd identifies its cameras itself; nvrctl's would cost a second each */
	if (campw == NULL)
		g_assert_cmpint(nvr_test_nvrd_run(NULL, NULL, nvr_test_nvrd_ctl_path(), "--state-dir",
						  fx->state, "camera", "add", name, url, "--no-identify",
						  NULL),
				==, 0);
	else
		g_assert_cmpint(nvr_test_nvrd_run(NULL, NULL, nvr_test_nvrd_ctl_path(), "--state-dir",
						  fx->state, "camera", "add", name, url, "--user", "admin",
						  "--password-file", campw, "--no-identify", NULL),
				==, 0);
}

static void
nvr_test_nvrd_add_cameras(NvrTestNvrd *fx)
{
	g_autofree gchar *campw = NULL;

	nvr_test_nvrd_write(fx, "campw", "fakecam\n", &campw);
	nvr_test_nvrd_init_state(fx);
	for (guint n = 1; n <= fx->n_cameras; n++) {
		g_autofree gchar *url = nvr_test_nvrd_fakecam_field(fx, n, "rtsp");

		nvr_test_nvrd_add_camera(fx, n, url, campw);
	}
}

/**
 * nvr_test_nvrd_new:
 * @config: nvrd's configuration file, as text
 * @fakecam_args: (nullable): more nvr-fakecam options (--cameras is set here)
 *
 * A fresh state dir with a keyring and cameras c1..c@n_cameras; nvrd is not started.
 */
NvrTestNvrd *
nvr_test_nvrd_new(guint n_cameras, const gchar *config, const gchar *const *fakecam_args)
{
	NvrTestNvrd *fx = g_new0(NvrTestNvrd, 1);

	fx->n_cameras = n_cameras;
	fx->dir = nvr_test_mkdtemp();
	fx->state = g_build_filename(fx->dir, "state", NULL);
	nvr_test_nvrd_write(fx, "pass", "owner passphrase\n", &fx->pass);
	nvr_test_nvrd_write(fx, "nvr.conf", config, &fx->conf);
	nvr_test_nvrd_spawn_fakecam(fx, fakecam_args);
	fx->control = nvr_test_nvrd_fakecam_field(fx, 1, "control");
	nvr_test_nvrd_add_cameras(fx);
	return fx;
}

/**
 * nvr_test_nvrd_new_for_urls:
 * @urls: RTSP URLs without credentials, served by the test itself
 *
 * As nvr_test_nvrd_new(), with cameras c1..cN at @urls and no nvr-fakecam
 * (fx->fakecam and fx->control are NULL).
 */
NvrTestNvrd *
nvr_test_nvrd_new_for_urls(const gchar *const *urls, const gchar *config)
{
	NvrTestNvrd *fx = g_new0(NvrTestNvrd, 1);

	fx->n_cameras = g_strv_length((gchar **)urls);
	fx->dir = nvr_test_mkdtemp();
	fx->state = g_build_filename(fx->dir, "state", NULL);
	nvr_test_nvrd_write(fx, "pass", "owner passphrase\n", &fx->pass);
	nvr_test_nvrd_write(fx, "nvr.conf", config, &fx->conf);
	nvr_test_nvrd_init_state(fx);
	for (guint n = 1; n <= fx->n_cameras; n++)
		nvr_test_nvrd_add_camera(fx, n, urls[n - 1], NULL);
	return fx;
}

void
nvr_test_nvrd_free(NvrTestNvrd *fx)
{
	if (fx == NULL)
		return;
	g_clear_pointer(&fx->nvrd, nvr_test_proc_free);
	g_clear_pointer(&fx->fakecam, nvr_test_proc_free);
	nvr_test_rm_rf(fx->dir);
	g_free(fx->dir);
	g_free(fx->state);
	g_free(fx->pass);
	g_free(fx->conf);
	g_free(fx->control);
	g_free(fx);
}

/* startup recovery runs before nvrd listens: when this returns, it is done */
void
nvr_test_nvrd_start(NvrTestNvrd *fx)
{
	nvr_test_nvrd_start_with_env(fx, NULL);
}

/* nvrd started with @env ("VAR=value", nullable) added to its environment, not waited for */
void
nvr_test_nvrd_spawn_with_env(NvrTestNvrd *fx, const gchar *const *env)
{
	g_autofree gchar *c = g_strconcat("--config=", fx->conf, NULL);
	const gchar *argv[] = {nvr_test_build_path("NVRD", "nvr/daemon/nvrd"), "--state-dir", fx->state,
			       "--listen", "127.0.0.1:0", c, NULL};
	g_autoptr(GError) error = NULL;

	g_assert_null(fx->nvrd);
	fx->nvrd = nvr_test_proc_spawn_with_env(argv, env, &error);
	g_assert_no_error(error);
}

/* as nvr_test_nvrd_start(), with @env ("VAR=value", nullable) added to nvrd's environment */
void
nvr_test_nvrd_start_with_env(NvrTestNvrd *fx, const gchar *const *env)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *line = NULL;

	nvr_test_nvrd_spawn_with_env(fx, env);
	line = nvr_test_proc_wait_line(fx->nvrd, "nvrd: listening on ", 60, &error);
	if (line == NULL) {
		GPtrArray *lines = nvr_test_proc_get_lines(fx->nvrd);
		for (guint i = 0; i < lines->len; i++)
			g_test_message("nvrd: %s", (const gchar *)g_ptr_array_index(lines, i));
	}
	g_assert_no_error(error);
}

/* Returns: nvrd's exit status (128 + signal if it was killed) */
gint
nvr_test_nvrd_stop(NvrTestNvrd *fx, gint signum)
{
	gint status;

	g_assert_nonnull(fx->nvrd);
	status = nvr_test_proc_stop(fx->nvrd, signum, 60);
	g_clear_pointer(&fx->nvrd, nvr_test_proc_free);
	return status;
}

/* Returns: (transfer full): the first nvrd line from now on that matches @prefix
 * (nvr_test_proc_wait_line()), or NULL on timeout */
gchar *
nvr_test_nvrd_wait_line(NvrTestNvrd *fx, const gchar *prefix, guint timeout_s)
{
	g_autoptr(GError) error = NULL;
	gchar *line = nvr_test_proc_wait_line(fx->nvrd, prefix, timeout_s, &error);

	if (line == NULL)
		g_test_message("nvrd: %s", error->message);
	return line;
}

/* until every camera's recorder has said "recording (run N)" since nvrd started */
void
nvr_test_nvrd_wait_recording(NvrTestNvrd *fx, guint timeout_s)
{
	g_assert_true(nvr_test_nvrd_try_wait_recording(fx, timeout_s));
}

/* as nvr_test_nvrd_wait_recording(); Returns: FALSE if nvrd exited or @timeout_s passed first */
gboolean
nvr_test_nvrd_try_wait_recording(NvrTestNvrd *fx, guint timeout_s)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;

	while (g_hash_table_size(seen) < fx->n_cameras) {
		gint64 left = (deadline - g_get_monotonic_time()) / G_USEC_PER_SEC;
		g_autofree gchar *line = nvr_test_nvrd_wait_line(fx, "*: recording (run ", (guint)MAX(left, 1));
		const gchar *end, *start;

		if (line == NULL)
			return FALSE;
		end = strstr(line, ": recording (run ");
		start = g_strrstr_len(line, end - line, " ");
		g_assert_nonnull(start);
		g_hash_table_add(seen, g_strndup(start + 1, end - start - 1));
	}
	return TRUE;
}

JsonObject *
nvr_test_nvrd_recordings(NvrTestNvrd *fx, const gchar *camera)
{
	g_autofree gchar *out = NULL;

	g_assert_cmpint(nvr_test_nvrd_run(&out, NULL, nvr_test_nvrd_ctl_path(), "--state-dir", fx->state,
					  "recordings", camera, "--json", NULL),
			==, 0);
	return nvr_test_nvrd_parse_object(out);
}

/* nvrctl verify --deep: every stored segment decrypts and links, no problem at all */
void
nvr_test_nvrd_assert_verify_deep(NvrTestNvrd *fx)
{
	g_autofree gchar *out = NULL;
	gint status = nvr_test_nvrd_run(&out, NULL, nvr_test_nvrd_ctl_path(), "--state-dir", fx->state,
					"verify", "--deep", "--passphrase-file", fx->pass, NULL);

	if (status != 0)
		g_test_message("%s", out);
	g_assert_cmpint(status, ==, 0);
}

/* Returns: (transfer full): nvrctl export's JSON answer (segments, frames, duration_us) */
JsonObject *
nvr_test_nvrd_export(NvrTestNvrd *fx, const gchar *camera, gint64 start_us, gint64 end_us,
		     const gchar *out_path)
{
	g_autofree gchar *start = nvr_test_nvrd_iso(start_us);
	g_autofree gchar *end = nvr_test_nvrd_iso(end_us);
	g_autofree gchar *out = NULL;

	g_assert_cmpint(nvr_test_nvrd_run(&out, NULL, nvr_test_nvrd_ctl_path(), "--state-dir", fx->state,
					  "--json", "export", camera, "--start", start, "--end", end, "-o",
					  out_path, "--passphrase-file", fx->pass, NULL),
			==, 0);
	return nvr_test_nvrd_parse_object(out);
}

static JsonObject *
nvr_test_nvrd_http(const gchar *method, const gchar *url)
{
	g_autoptr(SoupSession) session = soup_session_new_with_options("timeout", 60, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new(method, url);
	g_autoptr(GBytes) body = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;

	body = soup_session_send_and_read(session, msg, NULL, &error);
	g_assert_no_error(error);
	text = g_strndup(g_bytes_get_data(body, NULL), g_bytes_get_size(body));
	if (soup_message_get_status(msg) != SOUP_STATUS_OK)
		g_test_message("%s %s: %u %s", method, url, soup_message_get_status(msg), text);
	g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_OK);
	return nvr_test_nvrd_parse_object(text);
}

/**
 * nvr_test_nvrd_fault:
 * @action: "drop?seconds=3", "stall?seconds=6", ... (nvr/fakecam/README.md)
 *
 * Returns: (transfer full): the camera's stats, as the fault left them
 */
JsonObject *
nvr_test_nvrd_fault(NvrTestNvrd *fx, guint camera, const gchar *action)
{
	g_autofree gchar *url = g_strdup_printf("%scameras/%u/%s", fx->control, camera, action);

	return nvr_test_nvrd_http("POST", url);
}

JsonObject *
nvr_test_nvrd_camera_stats(NvrTestNvrd *fx, guint camera)
{
	g_autofree gchar *url = g_strdup_printf("%scameras/%u/stats", fx->control, camera);

	return nvr_test_nvrd_http("GET", url);
}

/* Returns: (transfer full): the running nvrd's GET /api/health */
JsonObject *
nvr_test_nvrd_health(NvrTestNvrd *fx)
{
	GPtrArray *lines;
	const gchar *url = NULL;
	g_autofree gchar *health = NULL;

	g_assert_nonnull(fx->nvrd);
	lines = nvr_test_proc_get_lines(fx->nvrd);
	for (guint i = 0; i < lines->len && url == NULL; i++) {
		const gchar *line = g_ptr_array_index(lines, i);
		if (g_str_has_prefix(line, "nvrd: listening on "))
			url = line + strlen("nvrd: listening on ");
	}
	g_assert_nonnull(url);
	health = g_strconcat(url, "api/health", NULL);
	return nvr_test_nvrd_http("GET", health);
}

/* the index itself, read-only, beside a running nvrd (WAL) */
static sqlite3 *
nvr_test_nvrd_open_index(NvrTestNvrd *fx)
{
	g_autofree gchar *path = g_build_filename(fx->state, "nvr.db", NULL);
	sqlite3 *db = NULL;

	g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	return db;
}

static gint64
nvr_test_nvrd_column(sqlite3_stmt *stmt, gint i)
{
	return sqlite3_column_type(stmt, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(stmt, i);
}

typedef void (*NvrTestRowFunc)(sqlite3_stmt *stmt, GArray *rows);

/* every row of @sql with ?1 = @camera, each appended to an array by @func */
static GArray *
nvr_test_nvrd_collect(NvrTestNvrd *fx, const gchar *sql, const gchar *camera, guint element_size,
		      NvrTestRowFunc func)
{
	sqlite3 *db = nvr_test_nvrd_open_index(fx);
	g_autoptr(sqlite3_stmt) stmt = NULL;
	GArray *rows = g_array_new(FALSE, TRUE, element_size);
	gint rc;

	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
	sqlite3_bind_text(stmt, 1, camera, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		func(stmt, rows);
	g_assert_cmpint(rc, ==, SQLITE_DONE);
	g_clear_pointer(&stmt, sqlite3_finalize);
	sqlite3_close(db);
	return rows;
}

static void
nvr_test_nvrd_segment_row(sqlite3_stmt *stmt, GArray *rows)
{
	NvrTestSegment s = {0};

	s.id = nvr_test_nvrd_column(stmt, 0);
	s.run_id = nvr_test_nvrd_column(stmt, 1);
	g_strlcpy(s.status, (const gchar *)sqlite3_column_text(stmt, 2), sizeof(s.status));
	s.start_us = nvr_test_nvrd_column(stmt, 3);
	s.end_us = nvr_test_nvrd_column(stmt, 4);
	s.frames = nvr_test_nvrd_column(stmt, 5);
	s.media_start = nvr_test_nvrd_column(stmt, 6);
	s.media_duration = nvr_test_nvrd_column(stmt, 7);
	s.file_len = nvr_test_nvrd_column(stmt, 8);
	s.header_len = nvr_test_nvrd_column(stmt, 9);
	s.width = nvr_test_nvrd_column(stmt, 10);
	s.height = nvr_test_nvrd_column(stmt, 11);
	g_array_append_val(rows, s);
}

/**
 * nvr_test_nvrd_segments:
 *
 * Returns: (transfer full) (element-type NvrTestSegment): the main-stream
 * segments of @camera that are not garbage, by start time
 */
GArray *
nvr_test_nvrd_segments(NvrTestNvrd *fx, const gchar *camera)
{
	return nvr_test_nvrd_collect(fx,
				     "SELECT s.id, s.run_id, s.status, s.start_us, s.end_us, s.frames, "
				     "s.media_start, s.media_duration, s.file_len, s.header_len, "
				     "c.width, c.height FROM segments s JOIN cameras k ON k.id = s.camera_id "
				     "LEFT JOIN codec_configs c ON c.id = s.codec_config_id "
				     "WHERE k.name = ?1 AND s.stream = 0 AND s.status != 'garbage' "
				     "ORDER BY s.start_us, s.id",
				     camera, sizeof(NvrTestSegment), nvr_test_nvrd_segment_row);
}

static void
nvr_test_nvrd_run_row(sqlite3_stmt *stmt, GArray *rows)
{
	NvrTestRun r = {0};
	const guchar *reason = sqlite3_column_text(stmt, 3);

	r.id = nvr_test_nvrd_column(stmt, 0);
	r.start_us = nvr_test_nvrd_column(stmt, 1);
	r.end_us = nvr_test_nvrd_column(stmt, 2);
	if (reason != NULL)
		g_strlcpy(r.end_reason, (const gchar *)reason, sizeof(r.end_reason));
	g_array_append_val(rows, r);
}

/* Returns: (transfer full) (element-type NvrTestRun): the main-stream runs of @camera, by id */
GArray *
nvr_test_nvrd_runs(NvrTestNvrd *fx, const gchar *camera)
{
	return nvr_test_nvrd_collect(fx,
				     "SELECT r.id, r.start_us, r.end_us, r.end_reason FROM runs r "
				     "JOIN cameras k ON k.id = r.camera_id "
				     "WHERE k.name = ?1 AND r.stream = 0 ORDER BY r.id",
				     camera, sizeof(NvrTestRun), nvr_test_nvrd_run_row);
}

/* Returns: the first column of the first row of @sql with ?1 = @arg1 and
 * ?2 = @arg2, or -1 when there is no row or it is NULL */
gint64
nvr_test_nvrd_query_int(NvrTestNvrd *fx, const gchar *sql, gint64 arg1, gint64 arg2)
{
	sqlite3 *db = nvr_test_nvrd_open_index(fx);
	g_autoptr(sqlite3_stmt) stmt = NULL;
	gint64 value = -1;

	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
	sqlite3_bind_int64(stmt, 1, arg1);
	if (sqlite3_bind_parameter_count(stmt) > 1)
		sqlite3_bind_int64(stmt, 2, arg2);
	if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		value = sqlite3_column_int64(stmt, 0);
	g_clear_pointer(&stmt, sqlite3_finalize);
	sqlite3_close(db);
	return value;
}
