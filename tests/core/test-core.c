#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "core/nvr-clock.h"
#include "core/nvr-config.h"
#include "core/nvr-error.h"
#include "core/nvr-file.h"
#include "core/nvr-json.h"
#include "core/nvr-log.h"
#include "core/nvr-url.h"
#include "nvr-test-common.h"

static void
test_config_defaults(void)
{
	g_autoptr(NvrConfig) config = nvr_config_new();

	g_assert_cmpuint(nvr_config_get_uint(config, "segment-seconds"), ==, 60);
	g_assert_cmpuint(nvr_config_get_uint(config, "sync-window-ms"), ==, 5000);
	g_assert_cmpstr(nvr_config_get_string(config, "rtsp-transport"), ==, "tcp");
	g_assert_false(nvr_config_get_bool(config, "verbose"));
	g_assert_null(nvr_config_get_string(config, "footage-dir"));
}

static void
test_config_parse(void)
{
	g_autoptr(NvrConfig) config = nvr_config_new();
	g_autoptr(GError) error = NULL;
	const gchar *data = "# comment\n\nsegment-seconds = 30\n verbose=yes \n";

	g_assert_true(nvr_config_load_data(config, data, "t.conf", &error));
	g_assert_no_error(error);
	g_assert_cmpuint(nvr_config_get_uint(config, "segment-seconds"), ==, 30);
	g_assert_true(nvr_config_get_bool(config, "verbose"));
}

static void
test_config_errors_name_line(void)
{
	struct {
		const gchar *data;
		const gchar *expect;
	} cases[] = {
	    {"segment-seconds = 30\nbogus = 1\n", "t.conf:2: unknown key 'bogus'"},
	    {"\n\nsegment-seconds = 1\n", "t.conf:3: segment-seconds: expected a whole number"},
	    {"segment-seconds = 99999999999999999999\n", "t.conf:1: segment-seconds"},
	    {"verbose = maybe\n", "t.conf:1: verbose: expected true or false"},
	    {"rtsp-transport = http\n", "t.conf:1: rtsp-transport: expected tcp or udp"},
	    {"just words\n", "t.conf:1: expected 'key = value'"},
	    {"segment-seconds = 30\n\xff\n", "t.conf: not UTF-8"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(NvrConfig) config = nvr_config_new();
		g_autoptr(GError) error = NULL;

		g_assert_false(nvr_config_load_data(config, cases[i].data, "t.conf", &error));
		g_assert_nonnull(error);
		g_assert_true(g_str_has_prefix(error->message, cases[i].expect));
		/* nothing of a bad file is applied */
		g_assert_cmpuint(nvr_config_get_uint(config, "segment-seconds"), ==, 60);
	}
}

static void
test_config_secret_redacted(void)
{
	g_autoptr(NvrConfig) config = nvr_config_new();
	g_autoptr(NvrConfig) other = nvr_config_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dump = NULL;
	g_autoptr(GPtrArray) diff = NULL;

	g_assert_true(nvr_config_set(config, "tls-passphrase", "hunter2", &error));
	g_assert_no_error(error);
	dump = nvr_config_to_string(config, TRUE);
	g_assert_null(strstr(dump, "hunter2"));
	g_assert_nonnull(strstr(dump, "tls-passphrase = ***"));
	diff = nvr_config_diff_restart_keys(config, other);
	g_assert_cmpuint(diff->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(diff, 0), ==, "tls-passphrase");
}

static void
test_config_table_complete(void)
{
	guint n = 0;
	const NvrConfigKey *keys = nvr_config_get_keys(&n);

	g_assert_cmpuint(n, >, 5);
	for (guint i = 0; i < n; i++) {
		g_autoptr(NvrConfig) config = nvr_config_new();
		g_autoptr(GError) error = NULL;

		g_assert_nonnull(keys[i].doc);
		g_assert_true(nvr_config_lookup_key(keys[i].name) == &keys[i]);
		/* every default must pass its own validation */
		if (keys[i].default_value != NULL) {
			g_assert_true(nvr_config_set(config, keys[i].name, keys[i].default_value, &error));
			g_assert_no_error(error);
		}
	}
}

static void
test_log_redact(void)
{
	struct {
		const gchar *in;
		const gchar *out;
	} uris[] = {
	    {"rtsp://admin:secret@10.0.0.2:554/Streaming/Channels/101",
	     "rtsp://10.0.0.2:554/Streaming/Channels/101"},
	    {"rtsp://10.0.0.2/cam/realmonitor?channel=1&user=admin&password=x",
	     "rtsp://10.0.0.2/cam/realmonitor"},
	    {"not a uri at all", "<unparsable uri>"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(uris); i++) {
		g_autofree gchar *r = nvr_log_redact_uri(uris[i].in);
		g_assert_cmpstr(r, ==, uris[i].out);
	}
}

static void
test_log_scrub(void)
{
	struct {
		const gchar *in;
		const gchar *out;
	} msgs[] = {
	    {"connecting to rtsp://admin:pa55@host/x now", "connecting to rtsp://***@host/x now"},
	    {"two rtsp://a:b@h1/ and rtsps://c@h2/", "two rtsp://***@h1/ and rtsps://***@h2/"},
	    {"GET /api.cgi?cmd=Login&user=admin&password=hunter2&x=1",
	     "GET /api.cgi?cmd=Login&user=admin&password=***&x=1"},
	    {"no secrets here: 3 cameras", "no secrets here: 3 cameras"},
	    {"email admin@example.com stays", "email admin@example.com stays"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(msgs); i++) {
		g_autofree gchar *r = nvr_log_scrub(msgs[i].in);
		g_assert_cmpstr(r, ==, msgs[i].out);
	}
}

static void
test_clock_fake(void)
{
	g_autoptr(NvrClock) clock = nvr_clock_new_fake(1000000000, 5000);
	gint64 offset = nvr_clock_get_offset_us(clock);

	nvr_clock_fake_advance(clock, 250);
	g_assert_cmpint(nvr_clock_get_realtime_us(clock), ==, 1000000250);
	g_assert_cmpint(nvr_clock_get_boottime_us(clock), ==, 5250);
	g_assert_cmpint(nvr_clock_get_offset_us(clock), ==, offset);
	/* an NTP step moves realtime only: the offset shows it */
	nvr_clock_fake_step_realtime(clock, -3 * G_USEC_PER_SEC);
	g_assert_cmpint(nvr_clock_get_offset_us(clock), ==, offset - 3 * G_USEC_PER_SEC);
	g_assert_true(nvr_clock_is_synchronized(clock));
	nvr_clock_fake_set_synchronized(clock, FALSE);
	g_assert_false(nvr_clock_is_synchronized(clock));
}

static void
test_clock_system(void)
{
	g_autoptr(NvrClock) clock = nvr_clock_new_system();
	gint64 b0 = nvr_clock_get_boottime_us(clock);
	gint64 r = nvr_clock_get_realtime_us(clock);

	/* after 2020, and boottime moves forward */
	g_assert_cmpint(r, >, G_GINT64_CONSTANT(1577836800000000));
	g_assert_cmpint(nvr_clock_get_boottime_us(clock), >=, b0);
	g_assert_cmpint(ABS(nvr_clock_get_offset_us(clock) - (r - b0)), <, G_USEC_PER_SEC);
}

static void
test_file_atomic(void)
{
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autofree gchar *path = g_build_filename(dir, "keyring", NULL);
	g_autofree gchar *back = NULL;
	g_autoptr(GError) error = NULL;
	GStatBuf st;
	gsize len = 0;

	umask(022);
	g_assert_true(nvr_file_write_atomic(path, (const guint8 *)"old", 3, 0600, &error));
	g_assert_no_error(error);
	g_assert_true(nvr_file_write_atomic(path, (const guint8 *)"newer", 5, 0600, &error));
	g_assert_no_error(error);
	g_assert_true(g_file_get_contents(path, &back, &len, NULL));
	g_assert_cmpmem(back, len, "newer", 5);
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	nvr_test_rm_rf(dir);
}

static void
test_file_dir_usable(void)
{
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autofree gchar *file = g_build_filename(dir, "f", NULL);
	g_autofree gchar *sub = g_build_filename(dir, "a", "b", NULL);
	g_autoptr(GError) error = NULL;

	g_assert_true(nvr_file_check_dir_usable(sub, TRUE, &error));
	g_assert_no_error(error);
	g_assert_true(g_file_set_contents(file, "x", 1, NULL));
	g_assert_false(nvr_file_check_dir_usable(file, FALSE, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_false(nvr_file_check_dir_usable("/nonexistent/nvr", FALSE, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	nvr_test_rm_rf(dir);
}

static void
test_error_names(void)
{
	g_assert_cmpstr(nvr_error_code_to_string(NVR_ERROR_NO_SPACE), ==, "no-space");
	g_assert_cmpstr(nvr_error_code_to_string(0), ==, "unknown");
	g_assert_cmpstr(nvr_error_code_to_string(NVR_ERROR_LAST), ==, "unknown");
	for (gint c = 1; c < NVR_ERROR_LAST; c++)
		g_assert_cmpstr(nvr_error_code_to_string(c), !=, NULL);
}

static void
test_url_valid(void)
{
	struct {
		const gchar *in, *url, *host, *user, *password;
		gint port;
	} cases[] = {
	    {"rtsp://admin:s3cret@192.168.1.20:554/Streaming/Channels/101",
	     "rtsp://192.168.1.20:554/Streaming/Channels/101", "192.168.1.20", "admin", "s3cret", 554},
	    {"RTSP://cam.local/cam/realmonitor?channel=1&subtype=0",
	     "rtsp://cam.local/cam/realmonitor?channel=1&subtype=0", "cam.local", NULL, NULL, -1},
	    {"rtsps://[fe80::1]:7441/abc?enableSrtp", "rtsps://[fe80::1]:7441/abc?enableSrtp",
	     "fe80::1", NULL, NULL, 7441},
	    {"rtsp://user@10.0.0.1/", "rtsp://10.0.0.1/", "10.0.0.1", "user", NULL, -1},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrStreamUrl) u = nvr_stream_url_parse(cases[i].in, &error);

		g_assert_no_error(error);
		g_assert_cmpstr(u->url, ==, cases[i].url);
		g_assert_cmpstr(u->host, ==, cases[i].host);
		g_assert_cmpstr(u->user, ==, cases[i].user);
		g_assert_cmpstr(u->password, ==, cases[i].password);
		g_assert_cmpint(u->port, ==, cases[i].port);
	}
}

static void
test_url_invalid(void)
{
	struct {
		const gchar *in, *expect;
	} cases[] = {
	    {"", "URL is empty"},
	    {"http://cam/video", "scheme must be rtsp or rtsps, not http"},
	    {"rtsp:///path", "URL has no host"},
	    {"rtsp://cam:0/x", "port must be 1-65535"},
	    {"rtsp://cam:70000/x", "not a URL"},
	    {"rtsp://cam:abc/x", "not a URL"},
	    {"rtsp://cam/x y", "spaces or control characters"},
	    {"rtsp://cam/x\n", "spaces or control characters"},
	    {"rtsp://cam/x#frag", "must not have a #fragment"},
	    {"cam.local", "not a URL"},
	    {"rtsp://admin:hunter2@cam:99999/", "not a URL"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrStreamUrl) u = nvr_stream_url_parse(cases[i].in, &error);

		g_assert_null(u);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
		g_assert_nonnull(strstr(error->message, cases[i].expect));
		/* an error message never repeats a password */
		g_assert_null(strstr(error->message, "hunter2"));
	}
}

static void
test_json_depth(void)
{
	g_autofree gchar *deep = g_strnfill(100, '[');
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) node = NULL;

	g_assert_true(nvr_json_depth_ok("[{\"a\":[1]}]", 11, 32));
	g_assert_true(nvr_json_depth_ok("[\"[[[[[[\"]", 10, 2));
	g_assert_false(nvr_json_depth_ok(deep, strlen(deep), 32));
	node = nvr_json_parse(deep, strlen(deep), 1024, &error);
	g_assert_null(node);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
	g_clear_error(&error);
	node = nvr_json_parse("{\"a\": 1}", 8, 4, &error);
	g_assert_null(node);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
}

/* a member of the wrong kind reads as missing, without a g_critical
 * (fatal in tests): what fuzz-evidence found with {"host": []} */
static void
test_json_typed_members(void)
{
	static const gchar doc[] = "{\"s\": \"x\", \"i\": 7, \"b\": true, \"a\": [1], \"o\": {},"
				   " \"n\": null, \"d\": 1.5}";
	g_autoptr(JsonNode) node = nvr_json_parse(doc, sizeof(doc) - 1, 1024, NULL);
	JsonObject *o;

	g_assert_nonnull(node);
	o = json_node_get_object(node);
	g_assert_cmpstr(nvr_json_get_string(o, "s"), ==, "x");
	g_assert_cmpint(nvr_json_get_int(o, "i", -1), ==, 7);
	g_assert_true(nvr_json_get_bool(o, "b", FALSE));
	g_assert_nonnull(nvr_json_get_array(o, "a"));
	g_assert_nonnull(nvr_json_get_object(o, "o"));
	for (guint i = 0; i < 7; i++) {
		const gchar *name = (const gchar *[]){"s", "i", "b", "a", "o", "n", "d"}[i];
		if (i != 0)
			g_assert_null(nvr_json_get_string(o, name));
		if (i != 1)
			g_assert_cmpint(nvr_json_get_int(o, name, -1), ==, -1);
		if (i != 2)
			g_assert_true(nvr_json_get_bool(o, name, TRUE));
		if (i != 3)
			g_assert_null(nvr_json_get_array(o, name));
		if (i != 4)
			g_assert_null(nvr_json_get_object(o, name));
	}
	g_assert_null(nvr_json_get_string(NULL, "s"));
	g_assert_cmpint(nvr_json_get_int(o, "missing", 3), ==, 3);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/nvr/core/config/defaults", test_config_defaults);
	g_test_add_func("/nvr/core/config/parse", test_config_parse);
	g_test_add_func("/nvr/core/config/errors-name-line", test_config_errors_name_line);
	g_test_add_func("/nvr/core/config/secret-redacted", test_config_secret_redacted);
	g_test_add_func("/nvr/core/config/table-complete", test_config_table_complete);
	g_test_add_func("/nvr/core/log/redact-uri", test_log_redact);
	g_test_add_func("/nvr/core/log/scrub", test_log_scrub);
	g_test_add_func("/nvr/core/clock/fake", test_clock_fake);
	g_test_add_func("/nvr/core/clock/system", test_clock_system);
	g_test_add_func("/nvr/core/file/atomic", test_file_atomic);
	g_test_add_func("/nvr/core/file/dir-usable", test_file_dir_usable);
	g_test_add_func("/nvr/core/error/names", test_error_names);
	g_test_add_func("/nvr/core/url/valid", test_url_valid);
	g_test_add_func("/nvr/core/url/invalid", test_url_invalid);
	g_test_add_func("/nvr/core/json/depth", test_json_depth);
	g_test_add_func("/nvr/core/json/typed-members", test_json_typed_members);
	return g_test_run();
}
