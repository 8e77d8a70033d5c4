/*
 * nvrctl as a process: camera add/list/remove, URL validation, --json, and a
 * camera added while nvrd runs showing up in /api/health within 5 s.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

#include "nvr-test-common.h"

typedef struct {
	gchar *dir;
	gchar *state_dir;
} CtlFixture;

static void
ctl_setup(CtlFixture *fx, gconstpointer data)
{
	fx->dir = nvr_test_mkdtemp();
	fx->state_dir = g_build_filename(fx->dir, "state", NULL);
	nvr_test_watchdog_start(60);
}

static void
ctl_teardown(CtlFixture *fx, gconstpointer data)
{
	nvr_test_rm_rf(fx->dir);
	g_free(fx->dir);
	g_free(fx->state_dir);
	nvr_test_watchdog_stop();
}

/* runs nvrctl --state-dir S ARGS...; returns the exit status */
static gint
ctl(CtlFixture *fx, gchar **out, gchar **err, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *o = NULL;
	g_autofree gchar *e = NULL;
	const gchar *arg;
	gint status = -1;
	va_list ap;

	g_ptr_array_add(argv, (gpointer)nvr_test_build_path("NVRCTL", "nvr/ctl/nvrctl"));
	g_ptr_array_add(argv, (gpointer) "--state-dir");
	g_ptr_array_add(argv, fx->state_dir);
	va_start(ap, err);
	while ((arg = va_arg(ap, const gchar *)) != NULL)
		g_ptr_array_add(argv, (gpointer)arg);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	g_assert_true(nvr_test_run((const gchar *const *)argv->pdata, &o, &e, &status, &error));
	g_assert_no_error(error);
	if (out != NULL)
		*out = g_steal_pointer(&o);
	if (err != NULL)
		*err = g_steal_pointer(&e);
	return status;
}

static void
init_keyring(CtlFixture *fx)
{
	g_autofree gchar *pp = g_build_filename(fx->dir, "passphrase", NULL);
	g_autofree gchar *rec = g_build_filename(fx->dir, "recovery", NULL);

	g_assert_true(g_file_set_contents(pp, "correct horse battery staple\n", -1, NULL));
	g_assert_cmpint(ctl(fx, NULL, NULL, "init", "--passphrase-file", pp, "--recovery-out", rec,
			    "--kdf-opslimit", "1", "--kdf-memlimit-mib", "8", NULL),
			==, 0);
}

static void
test_camera_add_list_remove(CtlFixture *fx, gconstpointer data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *pw = g_build_filename(fx->dir, "campw", NULL);
	g_autofree gchar *db = NULL;
	g_autofree gchar *dbpath = NULL;
	gsize db_len = 0;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonArray *arr;
	JsonObject *cam;

	init_keyring(fx);
	g_assert_true(g_file_set_contents(pw, "Cam3ra-Secret\n", -1, NULL));
	/* documentation addresses: nothing may be asked of them (--no-identify) */
	g_assert_cmpint(ctl(fx, NULL, NULL, "camera", "add", "front",
			    "rtsp://admin:Url-Secret@192.0.2.10:554/Streaming/Channels/101", "--no-identify",
			    NULL),
			==, 0);
	g_assert_cmpint(ctl(fx, NULL, NULL, "camera", "add", "back", "rtsp://192.0.2.11/cam/realmonitor?channel=1&subtype=0",
			    "--sub-url", "rtsp://192.0.2.11/cam/realmonitor?channel=1&subtype=1",
			    "--user", "admin", "--password-file", pw, "--no-identify", NULL),
			==, 0);
	g_assert_cmpint(ctl(fx, &out, NULL, "camera", "list", "--json", NULL), ==, 0);
	g_assert_true(json_parser_load_from_data(parser, out, -1, &error));
	g_assert_no_error(error);
	arr = json_node_get_array(json_parser_get_root(parser));
	g_assert_cmpuint(json_array_get_length(arr), ==, 2);
	cam = json_array_get_object_element(arr, 1);
	g_assert_cmpstr(json_object_get_string_member(cam, "name"), ==, "front");
	g_assert_cmpstr(json_object_get_string_member(cam, "main_url"), ==,
			"rtsp://192.0.2.10:554/Streaming/Channels/101");
	g_assert_true(json_object_get_boolean_member(cam, "has_password"));
	/* no password anywhere in the output or the database file */
	g_assert_null(strstr(out, "Secret"));
	dbpath = g_build_filename(fx->state_dir, "nvr.db", NULL);
	g_assert_true(g_file_get_contents(dbpath, &db, &db_len, NULL));
	g_assert_null(g_strstr_len(db, -1, "Url-Secret"));
	/* init made the owner's web account, with an Argon2id hash, never the passphrase */
	g_assert_nonnull(memmem(db, db_len, "$argon2id$", 10));
	g_assert_null(memmem(db, db_len, "correct horse", 13));
	g_assert_null(g_strstr_len(db, -1, "Cam3ra-Secret"));

	g_assert_cmpint(ctl(fx, NULL, NULL, "camera", "remove", "back", NULL), ==, 0);
	g_free(out);
	g_assert_cmpint(ctl(fx, &out, NULL, "camera", "list", NULL), ==, 0);
	g_assert_null(strstr(out, "back"));
	g_assert_nonnull(strstr(out, "front"));
	g_free(err);
	g_assert_cmpint(ctl(fx, NULL, &err, "camera", "remove", "back", NULL), ==, 1);
	g_assert_true(g_str_has_prefix(err, "nvrctl: "));
}

static void
test_camera_add_errors(CtlFixture *fx, gconstpointer data)
{
	struct {
		const gchar *name, *url, *expect;
	} cases[] = {
	    {"a", "http://192.0.2.1/video", "scheme must be rtsp or rtsps"},
	    {"b", "rtsp:///nohost", "URL has no host"},
	    {"c", "rtsp://192.0.2.1:0/", "port must be 1-65535"},
	    {"d", "rtsp://192.0.2.1/ a", "spaces or control characters"},
	    {"e/f", "rtsp://192.0.2.1/", "name"},
	    {"g", "rtsp://u:p@192.0.2.1/", "run 'nvrctl init' first"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *err = NULL;
		g_autofree gchar *out = NULL;
		gint status = ctl(fx, &out, &err, "camera", "add", cases[i].name, cases[i].url, "--json",
				  "--no-identify", NULL);

		g_assert_cmpint(status, !=, 0);
		g_assert_nonnull(strstr(err, cases[i].expect));
		g_assert_nonnull(strstr(out, "\"error\""));
		/* one line */
		g_assert_null(strchr(g_strchomp(err), '\n'));
	}
}

static JsonArray *
health_cameras(const gchar *base, JsonParser *parser)
{
	g_autoptr(SoupSession) session = soup_session_new();
	g_autofree gchar *url = g_strconcat(base, "api/health", NULL);
	g_autoptr(SoupMessage) msg = soup_message_new("GET", url);
	g_autoptr(GBytes) body = soup_session_send_and_read(session, msg, NULL, NULL);

	g_assert_nonnull(body);
	g_assert_true(json_parser_load_from_data(parser, g_bytes_get_data(body, NULL),
						 g_bytes_get_size(body), NULL));
	return json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)),
					    "cameras");
}

static void
test_daemon_picks_up_camera(CtlFixture *fx, gconstpointer data)
{
	const gchar *argv[] = {nvr_test_build_path("NVRD", "nvr/daemon/nvrd"), "--state-dir",
			       fx->state_dir, "--listen", "127.0.0.1:0", NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrTestProc) nvrd = nvr_test_proc_spawn(argv, &error);
	g_autofree gchar *line = NULL;
	const gchar *base;
	gint64 added, seen = 0;

	g_assert_no_error(error);
	line = nvr_test_proc_wait_line(nvrd, "nvrd: listening on ", 30, &error);
	g_assert_no_error(error);
	base = line + strlen("nvrd: listening on ");
	added = g_get_monotonic_time();
	g_assert_cmpint(ctl(fx, NULL, NULL, "camera", "add", "porch", "rtsp://192.0.2.20/stream1", "--no-identify",
			    NULL),
			==, 0);
	while (seen == 0 && g_get_monotonic_time() - added < 10 * G_USEC_PER_SEC) {
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonArray *cams = health_cameras(base, parser);

		for (guint i = 0; i < json_array_get_length(cams); i++) {
			JsonObject *c = json_array_get_object_element(cams, i);
			if (g_strcmp0(json_object_get_string_member(c, "name"), "porch") == 0)
				seen = g_get_monotonic_time();
		}
		g_usleep(100 * 1000);
	}
	g_assert_cmpint(seen, !=, 0);
	g_assert_cmpint(seen - added, <, 5 * G_USEC_PER_SEC);
	g_test_message("camera seen by nvrd after %.2f s", (seen - added) / 1e6);

	/* and it goes away again */
	g_assert_cmpint(ctl(fx, NULL, NULL, "camera", "remove", "porch", NULL), ==, 0);
	for (gint64 t0 = g_get_monotonic_time(); g_get_monotonic_time() - t0 < 10 * G_USEC_PER_SEC;) {
		g_autoptr(JsonParser) parser = json_parser_new();
		if (json_array_get_length(health_cameras(base, parser)) == 0)
			break;
		g_usleep(100 * 1000);
	}
	{
		g_autoptr(JsonParser) parser = json_parser_new();
		g_assert_cmpuint(json_array_get_length(health_cameras(base, parser)), ==, 0);
	}
	g_assert_cmpint(nvr_test_proc_stop(nvrd, SIGTERM, 20), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/nvr/ctl/camera/add-list-remove", CtlFixture, NULL, ctl_setup,
		   test_camera_add_list_remove, ctl_teardown);
	g_test_add("/nvr/ctl/camera/add-errors", CtlFixture, NULL, ctl_setup, test_camera_add_errors,
		   ctl_teardown);
	g_test_add("/nvr/ctl/camera/daemon-picks-up", CtlFixture, NULL, ctl_setup,
		   test_daemon_picks_up_camera, ctl_teardown);
	return g_test_run();
}
