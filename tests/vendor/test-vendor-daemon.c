/*
 * test-vendor-daemon.c: nvrd identifies its cameras. Six nvr-fakecam
 * personas, each a device of its own on its own loopback address, plus a
 * "silent" device that accepts connections and never answers, are added
 * with nvrctl and recorded by a real nvrd. Checked:
 *   hikvision -> restricted, vendor Hikvision, at least two independent signals
 *   amcrest   -> made by Dahua (firmware), restricted through OEM attribution
 *   dahua     -> restricted
 *   axis, reolink -> not restricted
 *   generic   -> unknown, no warning
 * through `nvrctl devices --json` and GET /api/devices, one warning line per
 * restricted camera, recording of the others while the silent device is
 * still being probed, and stored verdicts following a registry change seen
 * by the file monitor and, for a change it cannot see, by SIGHUP.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "nvr-test-common.h"

#define DV_PASSWORD "fakecam-daemon-devices"
#define DV_N 6
#define DV_STEP_TIMEOUT_MS 2000
#define DV_REGISTRY_WAIT_S 10

static const gchar *const dv_personas[DV_N] = {"hikvision", "amcrest", "dahua",
					       "axis",	    "reolink", "generic"};

static struct {
	gchar *dir;
	gchar *state;
	gchar *pwfile;
	gchar *net; /* "127.A.B": this run's own addresses */
	guint http_port;
	NvrTestProc *fakecams[DV_N];
	gchar *rtsp[DV_N];
	GSocket *silent_http;
	GSocket *silent_rtsp;
	NvrTestProc *nvrd;
	gchar *url;
	gint64 started_us;
	gint64 verdict_ms[DV_N];
} dv;

/* ---- helpers ---- */

static gchar *
dv_address(guint host)
{
	return g_strdup_printf("%s.%u", dv.net, host);
}

static GSocket *
dv_listen(const gchar *address, guint port, guint *bound_port)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GInetAddress) ia = g_inet_address_new_from_string(address);
	g_autoptr(GSocketAddress) sa = g_inet_socket_address_new(ia, (guint16)port);
	g_autoptr(GSocketAddress) local = NULL;
	GSocket *s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);

	g_assert_no_error(error);
	g_assert_true(g_socket_bind(s, sa, TRUE, &error));
	g_assert_no_error(error);
	/* never accepted: the kernel completes connections, nothing ever answers */
	g_socket_set_listen_backlog(s, 128);
	g_assert_true(g_socket_listen(s, &error));
	g_assert_no_error(error);
	local = g_socket_get_local_address(s, &error);
	g_assert_no_error(error);
	if (bound_port != NULL)
		*bound_port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
	return s;
}

static gint
dv_run(gchar **out, const gchar *const *argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *err = NULL;
	gint status = -1;

	g_assert_true(nvr_test_run(argv, out, &err, &status, &error));
	g_assert_no_error(error);
	if (status != 0)
		g_test_message("%s: %s", argv[0], err);
	g_assert_null(strstr(err, DV_PASSWORD));
	return status;
}

static const gchar *
dv_nvrctl(void)
{
	return nvr_test_build_path("NVRCTL", "nvr/ctl/nvrctl");
}

static JsonNode *
dv_parse(const gchar *text, gssize len)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *copy = len < 0 ? g_strdup(text) : g_strndup(text, (gsize)len);
	JsonNode *node = json_from_string(copy, &error);

	g_assert_no_error(error);
	g_assert_true(JSON_NODE_HOLDS_OBJECT(node));
	return node;
}

/* Returns: (transfer full): `nvrctl --json devices` */
static JsonNode *
dv_devices(void)
{
	const gchar *argv[] = {dv_nvrctl(), "--state-dir", dv.state, "--json", "devices", NULL};
	g_autofree gchar *out = NULL;

	g_assert_cmpint(dv_run(&out, argv), ==, 0);
	g_assert_null(strstr(out, DV_PASSWORD));
	return dv_parse(out, -1);
}

/* Returns: (transfer none) (nullable): the device of camera @name in @root */
static JsonObject *
dv_device_of(JsonNode *root, const gchar *name)
{
	JsonArray *devices = json_object_get_array_member(json_node_get_object(root), "devices");

	for (guint i = 0; i < json_array_get_length(devices); i++) {
		JsonObject *d = json_array_get_object_element(devices, i);
		JsonNode *cam = json_object_get_member(d, "camera");
		if (JSON_NODE_HOLDS_OBJECT(cam) &&
		    g_strcmp0(json_object_get_string_member(json_node_get_object(cam), "name"), name) == 0)
			return d;
	}
	return NULL;
}

static gboolean
dv_is_identified(JsonObject *d, const gchar *registry_version)
{
	return d != NULL && json_object_get_boolean_member(d, "identified") &&
	       (registry_version == NULL ||
		g_strcmp0(json_object_get_string_member(d, "registry_version"), registry_version) == 0);
}

/* polls nvrctl (which reads the index nvrd writes) until camera @name has a verdict under @version */
static JsonNode *
dv_wait_verdict(const gchar *name, const gchar *version, guint timeout_s)
{
	gint64 end = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;

	for (;;) {
		JsonNode *root = dv_devices();
		if (dv_is_identified(dv_device_of(root, name), version))
			return root;
		json_node_unref(root);
		if (g_get_monotonic_time() > end)
			g_error("camera %s: no verdict under registry %s after %u s", name,
				version != NULL ? version : "any", timeout_s);
		g_usleep(200 * 1000);
	}
}

/* Returns: (transfer full): the line with @needle among what nvrd printed so far, or the next one */
static gchar *
dv_find_line(const gchar *needle, guint timeout_s)
{
	GPtrArray *lines = nvr_test_proc_get_lines(dv.nvrd);
	g_autofree gchar *pattern = g_strconcat("*", needle, NULL);
	g_autoptr(GError) error = NULL;
	gchar *line;

	for (guint i = 0; i < lines->len; i++) {
		if (strstr(g_ptr_array_index(lines, i), needle) != NULL)
			return g_strdup(g_ptr_array_index(lines, i));
	}
	line = nvr_test_proc_wait_line(dv.nvrd, pattern, timeout_s, &error);
	g_assert_no_error(error);
	return line;
}

static JsonNode *
dv_http_get(const gchar *path, gint64 *elapsed_us)
{
	g_autoptr(SoupSession) session = soup_session_new();
	g_autofree gchar *url = g_strconcat(dv.url, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new("GET", url);
	g_autoptr(GBytes) body = NULL;
	g_autoptr(GError) error = NULL;
	gint64 start = g_get_monotonic_time();

	body = soup_session_send_and_read(session, msg, NULL, &error);
	g_assert_no_error(error);
	if (elapsed_us != NULL)
		*elapsed_us = g_get_monotonic_time() - start;
	g_assert_cmpuint(soup_message_get_status(msg), ==, 200);
	return dv_parse(g_bytes_get_data(body, NULL), (gssize)g_bytes_get_size(body));
}

/* ---- the registry as an administrator would change it ---- */

static JsonNode *
dv_registry_shipped(void)
{
	g_autofree gchar *path = g_build_filename(g_getenv("NVR_SOURCE_ROOT"), "nvr", "vendor", "data",
						  "restricted-vendors.json", NULL);
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(g_file_get_contents(path, &text, NULL, &error));
	g_assert_no_error(error);
	return dv_parse(text, -1);
}

static void
dv_array_drop_key(JsonArray *arr, const gchar *key)
{
	for (guint i = json_array_get_length(arr); i > 0; i--) {
		JsonObject *o = json_array_get_object_element(arr, i - 1);
		if (g_strcmp0(json_object_get_string_member(o, "key"), key) == 0)
			json_array_remove_element(arr, i - 1);
	}
}

static gboolean
dv_list_warns(JsonObject *root, const gchar *id)
{
	JsonArray *lists = json_object_get_array_member(root, "lists");

	for (guint i = 0; i < json_array_get_length(lists); i++) {
		JsonObject *l = json_array_get_object_element(lists, i);
		if (g_strcmp0(json_object_get_string_member(l, "id"), id) == 0)
			return json_object_get_boolean_member(l, "warn");
	}
	return FALSE;
}

/*
 * as if Hikvision had come off every list that warrants a warning: only the
 * informational ones stay (a manufacturer entry needs a listing, and taking
 * the entry out would leave the quirk files' own citations in charge)
 */
static void
dv_registry_delist_hikvision(JsonObject *root)
{
	JsonArray *makers = json_object_get_array_member(root, "manufacturers");

	for (guint i = 0; i < json_array_get_length(makers); i++) {
		JsonObject *m = json_array_get_object_element(makers, i);
		JsonArray *listings = json_object_get_array_member(m, "listings");
		if (g_strcmp0(json_object_get_string_member(m, "key"), "hikvision") != 0)
			continue;
		for (guint j = json_array_get_length(listings); j > 0; j--) {
			const gchar *list = json_object_get_string_member(
				json_array_get_object_element(listings, j - 1), "list");
			if (dv_list_warns(root, list))
				json_array_remove_element(listings, j - 1);
		}
		g_assert_cmpuint(json_array_get_length(listings), >, 0);
	}
}

/* a fictitious listing of Axis, so that a camera becomes restricted; marked as a test fixture */
static void
dv_registry_add_axis(JsonObject *root)
{
	static const gchar axis[] =
		"{\"key\": \"axis\", \"name\": \"Axis (test fixture)\", \"kind\": \"camera\","
		" \"legal_names\": [{\"name\": \"Axis test fixture\", \"verified\": false}],"
		" \"listings\": [{\"list\": \"bis-entity-list\", \"date\": \"2099-01-01\","
		" \"citation\": \"test fixture, not a real listing\", \"verified\": false}],"
		" \"related\": []}";

	dv_array_drop_key(json_object_get_array_member(root, "not_listed"), "axis");
	json_array_add_element(json_object_get_array_member(root, "manufacturers"), dv_parse(axis, -1));
}

/* the shipped registry under @version; if @changed, Hikvision delisted and Axis listed */
static gchar *
dv_registry_text(const gchar *version, gboolean changed)
{
	g_autoptr(JsonNode) node = dv_registry_shipped();
	JsonObject *root = json_node_get_object(node);

	json_object_set_string_member(root, "version", version);
	if (changed) {
		dv_registry_delist_hikvision(root);
		dv_registry_add_axis(root);
	}
	return json_to_string(node, TRUE);
}

/* written beside and renamed over, as an update job would */
static void
dv_write_atomic(const gchar *path, const gchar *text)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(g_file_set_contents(path, text, -1, &error));
	g_assert_no_error(error);
}

/* ---- setup ---- */

static void
dv_start_fakecam(guint i, const gchar *clip)
{
	g_autofree gchar *bind = dv_address(i + 1);
	g_autofree gchar *http = g_strdup_printf("%u", dv.http_port);
	const gchar *argv[] = {nvr_test_build_path("NVR_FAKECAM", "nvr/fakecam/nvr-fakecam"),
			       "--persona", dv_personas[i], "--cameras", "1", "--bind", bind,
			       "--http-port", http, "--clip-seconds", "2", "--resolution", "320x240",
			       "--sub-resolution", "160x120", "--clip", clip, "--password-file",
			       dv.pwfile, "--exit-with-parent", NULL};
	g_autoptr(GError) error = NULL;

	dv.fakecams[i] = nvr_test_proc_spawn(argv, &error);
	g_assert_no_error(error);
}

static void
dv_wait_fakecam(guint i)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *line = nvr_test_proc_wait_line(dv.fakecams[i], "camera 1 ", 90, &error);
	g_autofree gchar *ready = NULL;

	g_assert_no_error(error);
	dv.rtsp[i] = nvr_test_line_field(line, "rtsp");
	ready = nvr_test_proc_wait_line(dv.fakecams[i], "ready", 30, &error);
	g_assert_no_error(error);
}

static void
dv_add_camera(const gchar *name, const gchar *url)
{
	/* nvrd's identification is under test here, not nvrctl's (a silent device
	 * would hold the add for its whole budget) */
	const gchar *argv[] = {dv_nvrctl(), "--state-dir", dv.state, "camera", "add", name, url,
			       "--user", "admin", "--password-file", dv.pwfile, "--no-identify", NULL};

	g_assert_cmpint(dv_run(NULL, argv), ==, 0);
}

static void
dv_start_nvrd(void)
{
	g_autofree gchar *conf = g_build_filename(dv.dir, "nvr.conf", NULL);
	g_autofree gchar *text = g_strdup_printf("identify-http-ports = %u\n"
						 "identify-wsd-port = 0\n"
						 "identify-step-timeout-ms = %u\n"
						 "segment-seconds = 4\n",
						 dv.http_port, DV_STEP_TIMEOUT_MS);
	g_autofree gchar *conf_arg = g_strconcat("--config=", conf, NULL);
	const gchar *argv[] = {nvr_test_build_path("NVRD", "nvr/daemon/nvrd"), "--state-dir", dv.state,
			       "--listen", "127.0.0.1:0", conf_arg, NULL};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *line = NULL;

	dv_write_atomic(conf, text);
	dv.nvrd = nvr_test_proc_spawn(argv, &error);
	g_assert_no_error(error);
	dv.started_us = g_get_monotonic_time();
	line = nvr_test_proc_wait_line(dv.nvrd, "nvrd: listening on ", 60, &error);
	g_assert_no_error(error);
	dv.url = g_strdup(line + strlen("nvrd: listening on "));
}

static void
dv_setup(void)
{
	g_autofree gchar *pass = NULL;
	g_autofree gchar *recovery = NULL;
	g_autofree gchar *clip = NULL;
	g_autofree gchar *silent = NULL;
	g_autofree gchar *silent_url = NULL;
	guint silent_rtsp = 0;

	dv.dir = nvr_test_mkdtemp();
	dv.state = g_build_filename(dv.dir, "state", NULL);
	dv.pwfile = g_build_filename(dv.dir, "campw", NULL);
	pass = g_build_filename(dv.dir, "pass", NULL);
	recovery = g_build_filename(dv.dir, "recovery", NULL);
	clip = g_build_filename(dv.dir, "clip.nfc", NULL);
	dv_write_atomic(dv.pwfile, DV_PASSWORD "\n");
	dv_write_atomic(pass, "owner passphrase\n");
	/* every device has its own address, as on a LAN; HTTP on one port everywhere */
	dv.net = g_strdup_printf("127.%d.%d", g_random_int_range(1, 255), g_random_int_range(0, 256));
	silent = dv_address(DV_N + 1);
	dv.silent_http = dv_listen(silent, 0, &dv.http_port);
	dv.silent_rtsp = dv_listen(silent, 0, &silent_rtsp);
	g_test_message("devices on %s.1-%u, HTTP port %u", dv.net, DV_N + 1, dv.http_port);

	dv_start_fakecam(0, clip); /* encodes the clip the others load */
	dv_wait_fakecam(0);
	for (guint i = 1; i < DV_N; i++)
		dv_start_fakecam(i, clip);
	for (guint i = 1; i < DV_N; i++)
		dv_wait_fakecam(i);

	{
		const gchar *argv[] = {dv_nvrctl(), "--state-dir", dv.state, "init", "--passphrase-file", pass,
				       "--recovery-out", recovery, "--kdf-opslimit", "1", "--kdf-memlimit-mib",
				       "8", NULL};
		g_assert_cmpint(dv_run(NULL, argv), ==, 0);
	}
	for (guint i = 0; i < DV_N; i++)
		dv_add_camera(dv_personas[i], dv.rtsp[i]);
	silent_url = g_strdup_printf("rtsp://%s:%u/stream1", silent, silent_rtsp);
	dv_add_camera("silent", silent_url);
	dv_start_nvrd();
}

/* ---- the cases ---- */

static void
dv_check_persona(JsonObject *d, const gchar *persona)
{
	JsonArray *listings = json_object_get_array_member(d, "listings");
	gboolean restricted = json_object_get_boolean_member(d, "restricted");

	g_test_message("%s: %s", persona, json_object_get_string_member(d, "summary"));
	g_assert_cmpint(json_object_get_int_member(d, "evidence_count"), >, 0);
	g_assert_cmpint(json_object_get_int_member(d, "http_port"), ==, dv.http_port);
	if (g_str_equal(persona, "hikvision")) {
		g_assert_true(restricted);
		g_assert_cmpstr(json_object_get_string_member(d, "vendor"), ==, "hikvision");
		g_assert_cmpstr(json_object_get_string_member(d, "vendor_name"), ==, "Hikvision");
		g_assert_cmpint(json_object_get_int_member(d, "independent_signals"), >=, 2);
		g_assert_cmpstr(json_object_get_string_member(d, "model"), ==, "DS-2CD2143G2-I");
	} else if (g_str_equal(persona, "amcrest")) {
		g_assert_true(restricted);
		g_assert_cmpstr(json_object_get_string_member(d, "vendor"), ==, "dahua");
		g_assert_cmpstr(json_object_get_string_member(d, "brand"), ==, "amcrest");
		g_assert_true(json_object_get_boolean_member(d, "oem"));
	} else if (g_str_equal(persona, "dahua")) {
		g_assert_true(restricted);
		g_assert_cmpstr(json_object_get_string_member(d, "vendor"), ==, "dahua");
		g_assert_false(json_object_get_boolean_member(d, "oem"));
	} else if (g_str_equal(persona, "axis") || g_str_equal(persona, "reolink")) {
		g_assert_false(restricted);
		g_assert_cmpstr(json_object_get_string_member(d, "vendor"), ==, persona);
		g_assert_cmpstr(json_object_get_string_member(d, "warning"), ==, "none");
	} else {
		g_assert_false(restricted);
		g_assert_true(json_object_get_null_member(d, "vendor"));
		g_assert_cmpstr(json_object_get_string_member(d, "confidence"), ==, "unknown");
		g_assert_cmpstr(json_object_get_string_member(d, "warning"), ==, "none");
	}
	/* a restriction always comes with its legal source and advice */
	g_assert_cmpuint(json_array_get_length(listings) > 0, ==, restricted);
	for (guint i = 0; i < json_array_get_length(listings); i++)
		g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(listings, i), "citation"), !=, "");
	if (restricted)
		g_assert_cmpuint(json_array_get_length(json_object_get_array_member(d, "advice")), >, 0);
}

static void
test_verdicts(void)
{
	g_autoptr(JsonNode) api = NULL;
	g_autoptr(JsonNode) root = NULL;
	gboolean done[DV_N] = {FALSE};
	guint n_done = 0;

	while (n_done < DV_N) {
		g_autoptr(JsonNode) now = dv_devices();
		for (guint i = 0; i < DV_N; i++) {
			if (done[i] || !dv_is_identified(dv_device_of(now, dv_personas[i]), NULL))
				continue;
			done[i] = TRUE;
			n_done++;
			dv.verdict_ms[i] = (g_get_monotonic_time() - dv.started_us) / 1000;
		}
		g_assert_cmpint(g_get_monotonic_time() - dv.started_us, <, 60 * G_USEC_PER_SEC);
		g_usleep(100 * 1000);
	}
	root = dv_devices();
	for (guint i = 0; i < DV_N; i++) {
		g_test_message("%s: verdict stored %" G_GINT64_FORMAT " ms after nvrd started", dv_personas[i],
			       dv.verdict_ms[i]);
		dv_check_persona(dv_device_of(root, dv_personas[i]), dv_personas[i]);
	}
	/* how long each probe took, as nvrd measured it */
	for (guint i = 0; i < DV_N; i++) {
		g_autofree gchar *needle = g_strdup_printf("camera %s: identified in", dv_personas[i]);
		g_autofree gchar *line = dv_find_line(needle, 10);
		g_test_message("%s", strstr(line, needle));
	}
	/* the API serves the same listing */
	api = dv_http_get("api/devices", NULL);
	for (guint i = 0; i < DV_N; i++) {
		JsonObject *d = dv_device_of(api, dv_personas[i]);
		g_assert_nonnull(d);
		g_assert_cmpint(json_object_get_boolean_member(d, "restricted"), ==,
				json_object_get_boolean_member(dv_device_of(root, dv_personas[i]), "restricted"));
	}
}

/* the silent device's probe runs out its timeouts while the others record */
static void
test_silent_device(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) health = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autofree gchar *line = NULL;
	GPtrArray *lines;
	JsonObject *d;
	gint64 elapsed = 0;
	guint silent_at = 0;

	/* the main loop answers while the probe waits */
	health = dv_http_get("api/health", &elapsed);
	g_test_message("GET /api/health during identification: %" G_GINT64_FORMAT " ms", elapsed / 1000);
	g_assert_cmpint(elapsed, <, 2 * G_USEC_PER_SEC);
	line = nvr_test_proc_wait_line(dv.nvrd, "*camera silent: identified in", 120, &error);
	g_assert_no_error(error);
	g_test_message("%s", line);
	lines = nvr_test_proc_get_lines(dv.nvrd);
	g_assert_true(g_ptr_array_find_with_equal_func(lines, line, g_str_equal, &silent_at));
	/* every other camera was recording before the silent device's probe ended */
	for (guint i = 0; i < DV_N; i++) {
		g_autofree gchar *recording = g_strdup_printf("%s: recording (run ", dv_personas[i]);
		gboolean seen = FALSE;
		for (guint j = 0; j < silent_at && !seen; j++)
			seen = strstr(g_ptr_array_index(lines, j), recording) != NULL;
		g_assert_true(seen);
	}
	root = dv_devices();
	d = dv_device_of(root, "silent");
	g_assert_true(dv_is_identified(d, NULL));
	g_assert_false(json_object_get_boolean_member(d, "restricted"));
	g_assert_true(json_object_get_null_member(d, "vendor"));
}

static void
dv_assert_restricted(JsonNode *root, const gchar *name, gboolean restricted)
{
	JsonObject *d = dv_device_of(root, name);

	g_assert_nonnull(d);
	g_assert_cmpint(json_object_get_boolean_member(d, "restricted"), ==, restricted);
}

/* an override registry in the state dir: Hikvision taken off, Axis put on */
static void
test_registry_monitor(void)
{
	g_autofree gchar *path = g_build_filename(dv.state, "restricted-vendors.json", NULL);
	g_autofree gchar *text = dv_registry_text("2099.1.1", TRUE);
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *line = NULL;
	gint64 start = g_get_monotonic_time();

	dv_write_atomic(path, text);
	root = dv_wait_verdict("hikvision", "2099.1.1", DV_REGISTRY_WAIT_S);
	json_node_unref(root);
	root = dv_wait_verdict("axis", "2099.1.1", DV_REGISTRY_WAIT_S);
	g_test_message("file monitor: verdicts follow the new registry after %" G_GINT64_FORMAT " ms",
		       (g_get_monotonic_time() - start) / 1000);
	dv_assert_restricted(root, "hikvision", FALSE);
	dv_assert_restricted(root, "axis", TRUE);
	dv_assert_restricted(root, "dahua", TRUE);
	dv_assert_restricted(root, "reolink", FALSE);
	line = nvr_test_proc_wait_line(dv.nvrd, "*camera hikvision: verdict changed", 10, &error);
	g_assert_no_error(error);
	g_test_message("%s", line);
}

/*
 * the state dir's copy becomes a symlink into another directory (a
 * package's or a sync job's): the monitor sees the link appear, but not
 * the target changing later, which is what SIGHUP is for
 */
static void
test_registry_sighup(void)
{
	g_autofree gchar *other = g_build_filename(dv.dir, "registry", NULL);
	g_autofree gchar *target = g_build_filename(other, "restricted-vendors.json", NULL);
	g_autofree gchar *link = g_build_filename(dv.state, "restricted-vendors.json", NULL);
	g_autofree gchar *link_tmp = g_build_filename(dv.state, "restricted-vendors.json.new", NULL);
	g_autofree gchar *back = dv_registry_text("2099.1.2", FALSE);
	g_autofree gchar *off = dv_registry_text("2099.1.3", TRUE);
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(JsonNode) still = NULL;
	gint64 start;

	g_assert_cmpint(g_mkdir(other, 0700), ==, 0);
	dv_write_atomic(target, back);
	g_assert_cmpint(symlink(target, link_tmp), ==, 0);
	g_assert_cmpint(g_rename(link_tmp, link), ==, 0);
	root = dv_wait_verdict("hikvision", "2099.1.2", DV_REGISTRY_WAIT_S);
	dv_assert_restricted(root, "hikvision", TRUE);
	dv_assert_restricted(root, "axis", FALSE);

	dv_write_atomic(target, off);
	g_usleep(2 * G_USEC_PER_SEC); /* the monitor would have reloaded by now (500 ms) */
	still = dv_devices();
	g_assert_true(dv_is_identified(dv_device_of(still, "hikvision"), "2099.1.2"));
	start = g_get_monotonic_time();
	g_assert_cmpint(kill(nvr_test_proc_get_pid(dv.nvrd), SIGHUP), ==, 0);
	json_node_unref(root);
	root = dv_wait_verdict("hikvision", "2099.1.3", DV_REGISTRY_WAIT_S);
	g_test_message("SIGHUP: verdicts follow the new registry after %" G_GINT64_FORMAT " ms",
		       (g_get_monotonic_time() - start) / 1000);
	dv_assert_restricted(root, "hikvision", FALSE);
	dv_assert_restricted(root, "axis", TRUE);
}

static guint
dv_count_lines(GPtrArray *lines, const gchar *a, const gchar *b)
{
	guint n = 0;

	for (guint i = 0; i < lines->len; i++) {
		const gchar *l = g_ptr_array_index(lines, i);
		if (strstr(l, a) != NULL && (b == NULL || strstr(l, b) != NULL))
			n++;
	}
	return n;
}

static guint
dv_warnings(GPtrArray *lines, const gchar *camera)
{
	g_autofree gchar *who = g_strdup_printf(" WARNING nvr-daemon: camera %s: restricted vendor", camera);

	return dv_count_lines(lines, who, NULL);
}

/* one warning per restricted camera and per change that made it restricted again; no secret */
static void
dv_check_log(GPtrArray *lines)
{
	static const struct {
		const gchar *camera;
		guint warnings;
	} expected[] = {{"hikvision", 2}, {"amcrest", 1}, {"dahua", 1}, {"axis", 2},
			{"reolink", 0},	  {"generic", 0}, {"silent", 0}};

	for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
		g_test_message("%s: %u warnings", expected[i].camera, dv_warnings(lines, expected[i].camera));
		g_assert_cmpuint(dv_warnings(lines, expected[i].camera), ==, expected[i].warnings);
	}
	g_assert_cmpuint(dv_count_lines(lines, "camera amcrest: restricted vendor: brand Amcrest, made by Dahua",
					"BIS Entity List, FCC Covered List"), ==, 1);
	g_assert_cmpuint(dv_count_lines(lines, "camera hikvision: restricted vendor: made by Hikvision",
					"BIS Entity List, FCC Covered List"), ==, 2);
	g_assert_cmpuint(dv_count_lines(lines, DV_PASSWORD, NULL), ==, 0);
}

/* nvrd stopped: everything it said, to its last line */
static GPtrArray *
dv_stop_nvrd(void)
{
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(nvr_test_proc_stop(dv.nvrd, SIGTERM, 30), ==, 0);
	g_assert_null(nvr_test_proc_wait_line(dv.nvrd, "never printed", 10, &error));
	return nvr_test_proc_get_lines(dv.nvrd);
}

static void
test_log(void)
{
	dv_check_log(dv_stop_nvrd());
}

/*
 * nvrd again, with reolink switched off and the silent camera removed: the
 * stored verdicts (under the registry now in force) are warned about at
 * startup, once, and a device that does not answer keeps its verdict
 */
static void
test_restart(void)
{
	const gchar *argv[] = {dv_nvrctl(), "--state-dir", dv.state, "camera", "remove", "silent", NULL};
	g_autoptr(JsonNode) root = NULL;
	g_autofree gchar *kept = NULL;
	JsonObject *reolink;
	GPtrArray *lines;

	nvr_test_proc_stop(dv.fakecams[4], SIGTERM, 10);
	g_assert_cmpint(dv_run(NULL, argv), ==, 0);
	g_clear_pointer(&dv.nvrd, nvr_test_proc_free);
	g_free(dv.url);
	dv_start_nvrd();
	kept = dv_find_line("camera reolink: no answer from its device", 60);
	g_test_message("%s", kept);
	for (guint i = 0; i < DV_N; i++) {
		g_autofree gchar *needle = g_strdup_printf("camera %s: identified in", dv_personas[i]);
		if (i != 4)
			g_free(dv_find_line(needle, 60));
	}
	root = dv_devices();
	reolink = dv_device_of(root, "reolink");
	g_assert_true(dv_is_identified(reolink, "2099.1.3"));
	g_assert_cmpstr(json_object_get_string_member(reolink, "vendor"), ==, "reolink");
	g_assert_true(json_object_get_boolean_member(
		json_object_get_object_member(dv_device_of(root, "silent"), "camera"), "removed"));
	dv_assert_restricted(root, "axis", TRUE);
	dv_assert_restricted(root, "hikvision", FALSE);
	lines = dv_stop_nvrd();
	g_assert_cmpuint(dv_warnings(lines, "amcrest"), ==, 1);
	g_assert_cmpuint(dv_warnings(lines, "dahua"), ==, 1);
	g_assert_cmpuint(dv_warnings(lines, "axis"), ==, 1);
	g_assert_cmpuint(dv_warnings(lines, "hikvision"), ==, 0);
	g_assert_cmpuint(dv_count_lines(lines, "verdict changed", NULL), ==, 0);
	g_assert_cmpuint(dv_count_lines(lines, DV_PASSWORD, NULL), ==, 0);
}

int
main(int argc, char **argv)
{
	gint status;

	g_test_init(&argc, &argv, NULL);
	nvr_test_watchdog_start(300);
	dv_setup();
	g_test_add_func("/nvr/vendor/daemon/verdicts", test_verdicts);
	g_test_add_func("/nvr/vendor/daemon/silent-device", test_silent_device);
	g_test_add_func("/nvr/vendor/daemon/registry-monitor", test_registry_monitor);
	g_test_add_func("/nvr/vendor/daemon/registry-sighup", test_registry_sighup);
	g_test_add_func("/nvr/vendor/daemon/log", test_log);
	g_test_add_func("/nvr/vendor/daemon/restart", test_restart);
	status = g_test_run();
	nvr_test_proc_free(dv.nvrd);
	for (guint i = 0; i < DV_N; i++) {
		nvr_test_proc_stop(dv.fakecams[i], SIGTERM, 10);
		nvr_test_proc_free(dv.fakecams[i]);
		g_free(dv.rtsp[i]);
	}
	g_clear_object(&dv.silent_http);
	g_clear_object(&dv.silent_rtsp);
	nvr_test_rm_rf(dv.dir);
	return status;
}
