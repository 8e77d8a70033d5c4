/*
 * nvrd as a process: start, health, refusal of bad state dirs, signals.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>

#include "nvr-test-common.h"

typedef struct {
	gchar *dir;
	gchar *state_dir;
	NvrTestProc *nvrd;
	gchar *url;
} DaemonFixture;

static const gchar *
nvrd_path(void)
{
	return nvr_test_build_path("NVRD", "nvr/daemon/nvrd");
}

static void
daemon_setup(DaemonFixture *fx, gconstpointer data)
{
	fx->dir = nvr_test_mkdtemp();
	fx->state_dir = g_build_filename(fx->dir, "state", NULL);
	nvr_test_watchdog_start(60);
}

static void
daemon_teardown(DaemonFixture *fx, gconstpointer data)
{
	g_clear_pointer(&fx->nvrd, nvr_test_proc_free);
	nvr_test_rm_rf(fx->dir);
	g_free(fx->dir);
	g_free(fx->state_dir);
	g_free(fx->url);
	nvr_test_watchdog_stop();
}

static void
daemon_start(DaemonFixture *fx, const gchar *extra)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *line = NULL;
	const gchar *argv[] = {nvrd_path(),
			       "--state-dir",
			       fx->state_dir,
			       "--listen",
			       "127.0.0.1:0",
			       extra,
			       NULL};

	fx->nvrd = nvr_test_proc_spawn(argv, &error);
	g_assert_no_error(error);
	line = nvr_test_proc_wait_line(fx->nvrd, "nvrd: listening on ", 30, &error);
	g_assert_no_error(error);
	fx->url = g_strdup(line + strlen("nvrd: listening on "));
	g_assert_true(g_str_has_prefix(fx->url, "http://127.0.0.1:"));
}

static JsonObject *
http_get_json(const gchar *url, guint *status)
{
	g_autoptr(SoupSession) session = soup_session_new();
	g_autoptr(SoupMessage) msg = soup_message_new("GET", url);
	g_autoptr(GBytes) body = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonNode *root;

	body = soup_session_send_and_read(session, msg, NULL, &error);
	g_assert_no_error(error);
	*status = soup_message_get_status(msg);
	g_assert_true(json_parser_load_from_data(parser,
						 g_bytes_get_data(body, NULL),
						 g_bytes_get_size(body),
						 &error));
	g_assert_no_error(error);
	root = json_parser_get_root(parser);
	g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
	return json_object_ref(json_node_get_object(root));
}

static void
test_health(DaemonFixture *fx, gconstpointer data)
{
	g_autofree gchar *url = NULL;
	g_autoptr(JsonObject) health = NULL;
	g_autoptr(JsonObject) missing = NULL;
	JsonObject *storage;
	guint status = 0;

	daemon_start(fx, NULL);
	url = g_strconcat(fx->url, "api/health", NULL);
	health = http_get_json(url, &status);
	g_assert_cmpuint(status, ==, 200);
	g_assert_cmpstr(json_object_get_string_member(health, "status"), ==, "ok");
	g_assert_cmpstr(json_object_get_string_member(health, "version"), ==, NVR_VERSION_STRING);
	g_assert_cmpint(json_object_get_int_member(health, "uptime_s"), >=, 0);
	g_assert_true(json_object_has_member(health, "cameras"));
	storage = json_object_get_object_member(health, "storage");
	g_assert_nonnull(storage);
	g_assert_cmpint(json_object_get_int_member(storage, "total_bytes"), >, 0);

	g_free(url);
	url = g_strconcat(fx->url, "api/no-such-thing", NULL);
	missing = http_get_json(url, &status);
	g_assert_cmpuint(status, ==, 404);
	g_assert_cmpstr(json_object_get_string_member(missing, "error"), ==, "not-found");

	/* SIGTERM is a clean stop */
	g_assert_cmpint(nvr_test_proc_stop(fx->nvrd, SIGTERM, 20), ==, 0);
}

static void
assert_refused(const gchar *state_dir, const gchar *listen, const gchar *reason)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status = 0;
	const gchar *argv[] = {nvrd_path(), "--state-dir", state_dir, "--listen", listen, NULL};

	g_assert_true(nvr_test_run(argv, &out, &err, &status, &error));
	g_assert_no_error(error);
	g_assert_cmpint(status, !=, 0);
	g_assert_nonnull(strstr(err, reason));
	/* one line for the operator */
	if (strchr(g_strchomp(err), '\n') != NULL)
		g_error("expected one line, got: %s", err);
}

static void
test_refuses_bad_state_dir(DaemonFixture *fx, gconstpointer data)
{
	g_autofree gchar *file = g_build_filename(fx->dir, "a-file", NULL);
	g_autofree gchar *readonly = g_build_filename(fx->dir, "readonly", NULL);

	g_assert_true(g_file_set_contents(file, "x", 1, NULL));
	assert_refused(file, "127.0.0.1:0", "unusable state dir");
	if (getuid() != 0) { /* root ignores directory modes */
		g_assert_cmpint(g_mkdir(readonly, 0500), ==, 0);
		assert_refused(readonly, "127.0.0.1:0", "not writable");
	}
	assert_refused(fx->state_dir, "not-an-address", "expected HOST:PORT");
	assert_refused(fx->state_dir, "127.0.0.1:99999", "port must be");
}

static void
test_refuses_second_daemon(DaemonFixture *fx, gconstpointer data)
{
	daemon_start(fx, NULL);
	assert_refused(fx->state_dir, "127.0.0.1:0", "in use by another nvrd");
}

static void
test_sighup_reload(DaemonFixture *fx, gconstpointer data)
{
	g_autofree gchar *conf = g_build_filename(fx->dir, "nvr.conf", NULL);
	g_autofree gchar *arg = g_strconcat("--config=", conf, NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *line = NULL;

	g_assert_true(g_file_set_contents(conf, "segment-seconds = 30\n", -1, NULL));
	daemon_start(fx, arg);
	g_assert_true(g_file_set_contents(conf, "segment-seconds = 20\n", -1, NULL));
	kill(nvr_test_proc_get_pid(fx->nvrd), SIGHUP);
	line = nvr_test_proc_wait_line(fx->nvrd, "*configuration reloaded", 20, &error);
	g_assert_no_error(error);
	/* a broken file is reported and the daemon keeps running */
	g_assert_true(g_file_set_contents(conf, "segment-seconds = 30\nbogus = 1\n", -1, NULL));
	kill(nvr_test_proc_get_pid(fx->nvrd), SIGHUP);
	g_free(line);
	line = nvr_test_proc_wait_line(fx->nvrd, "*unknown key 'bogus'", 20, &error);
	g_assert_no_error(error);
	g_assert_nonnull(strstr(line, "nvr.conf:2"));
	g_assert_cmpint(nvr_test_proc_stop(fx->nvrd, SIGINT, 20), ==, 0);
}

/* "listening" means a SIGTERM is a clean stop from then on (test-powercut stops nvrd so,
 * right after it recovered); the race is narrow, hence several tries */
static void
test_sigterm_at_once(DaemonFixture *fx, gconstpointer data)
{
	for (guint i = 0; i < 10; i++) {
		daemon_start(fx, NULL);
		g_assert_cmpint(nvr_test_proc_stop(fx->nvrd, SIGTERM, 20), ==, 0);
		g_clear_pointer(&fx->nvrd, nvr_test_proc_free);
		g_clear_pointer(&fx->url, g_free);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/nvr/daemon/health", DaemonFixture, NULL, daemon_setup, test_health, daemon_teardown);
	g_test_add("/nvr/daemon/refuses-bad-state-dir",
		   DaemonFixture,
		   NULL,
		   daemon_setup,
		   test_refuses_bad_state_dir,
		   daemon_teardown);
	g_test_add("/nvr/daemon/refuses-second-daemon",
		   DaemonFixture,
		   NULL,
		   daemon_setup,
		   test_refuses_second_daemon,
		   daemon_teardown);
	g_test_add("/nvr/daemon/sighup-reload",
		   DaemonFixture,
		   NULL,
		   daemon_setup,
		   test_sighup_reload,
		   daemon_teardown);
	g_test_add("/nvr/daemon/sigterm-at-once",
		   DaemonFixture,
		   NULL,
		   daemon_setup,
		   test_sigterm_at_once,
		   daemon_teardown);
	return g_test_run();
}
