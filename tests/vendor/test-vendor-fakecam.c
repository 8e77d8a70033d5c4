/*
 * test-vendor-fakecam.c: identification over the network, against
 * nvr-fakecam's personas on 127.0.0.1: the collector (HTTP, RTSP,
 * WS-Discovery, ONVIF, the plugins' vendor APIs), nvrctl identify --json
 * and discover --target, and a device that accepts connections and never
 * answers. The checks of the issue:
 *   hikvision -> restricted, vendor Hikvision, at least two independent signals
 *   amcrest   -> made by Dahua (firmware), restricted through OEM attribution
 *   dahua     -> restricted
 *   axis, reolink -> not restricted
 *   generic   -> unknown, no warning
 */
#include "config.h"

#include <string.h>

#include "nvr-test-common.h"
#include "vendor/nvr-vendor-collect.h"

#define FC_PASSWORD "fakecam-vendor-test"

typedef struct {
	gchar *persona;
	guint rtsp_port;
	guint http_port;
	guint wsd_port;
	gchar *onvif;
} FcCamera;

static struct {
	gchar *tmp;
	gchar *password_file;
	NvrTestProc *proc;
	FcCamera cams[6];
	guint n;
	NvrVendor *vendor;
} fc;

static guint
fc_port_of(const gchar *url)
{
	g_autoptr(GUri) uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);

	g_assert_nonnull(uri);
	return (guint)g_uri_get_port(uri);
}

/* "camera 1 persona=hikvision rtsp=rtsp://127.0.0.1:P/... onvif=... http=... wsd=127.0.0.1:P control=..." */
static void
fc_parse_line(const gchar *line)
{
	g_auto(GStrv) tokens = g_strsplit(line, " ", -1);
	FcCamera *cam = &fc.cams[fc.n++];

	for (guint i = 2; tokens[i] != NULL; i++) {
		const gchar *eq = strchr(tokens[i], '=');
		const gchar *v = eq != NULL ? eq + 1 : NULL;
		if (g_str_has_prefix(tokens[i], "persona="))
			cam->persona = g_strdup(v);
		else if (g_str_has_prefix(tokens[i], "rtsp="))
			cam->rtsp_port = fc_port_of(v);
		else if (g_str_has_prefix(tokens[i], "http="))
			cam->http_port = fc_port_of(v);
		else if (g_str_has_prefix(tokens[i], "onvif="))
			cam->onvif = g_strdup(v);
		else if (g_str_has_prefix(tokens[i], "wsd="))
			cam->wsd_port = (guint)g_ascii_strtoull(strrchr(v, ':') + 1, NULL, 10);
	}
}

static void
fc_start(void)
{
	g_autofree gchar *clip = NULL;
	const gchar *argv[] = {nvr_test_build_path("NVR_FAKECAM", "nvr/fakecam/nvr-fakecam"),
			       "--persona", "hikvision,dahua,amcrest,axis,reolink,generic",
			       "--cameras", "6", "--clip-seconds", "2", "--resolution", "320x240",
			       "--sub-resolution", "160x120", "--clip", NULL, "--password-file", NULL,
			       "--exit-with-parent", NULL};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ready = NULL;
	NvrVendorOptions opts = {.plugin_dir = NVR_TEST_BUILT_PLUGINS};
	GPtrArray *lines;

	fc.tmp = nvr_test_mkdtemp();
	clip = g_build_filename(fc.tmp, "clip.nfc", NULL);
	fc.password_file = g_build_filename(fc.tmp, "password", NULL);
	argv[12] = clip;
	argv[14] = fc.password_file;
	g_assert_true(g_file_set_contents(fc.password_file, FC_PASSWORD "\n", -1, &error));
	fc.proc = nvr_test_proc_spawn(argv, &error);
	g_assert_no_error(error);
	ready = nvr_test_proc_wait_line(fc.proc, "ready", 90, &error);
	g_assert_no_error(error);
	lines = nvr_test_proc_get_lines(fc.proc);
	for (guint i = 0; i < lines->len; i++) {
		const gchar *line = g_ptr_array_index(lines, i);
		if (g_str_has_prefix(line, "camera ") && fc.n < G_N_ELEMENTS(fc.cams))
			fc_parse_line(line);
	}
	g_assert_cmpuint(fc.n, ==, 6);
	fc.vendor = nvr_vendor_new(&opts, &error);
	g_assert_no_error(error);
}

static const FcCamera *
fc_camera(const gchar *persona)
{
	for (guint i = 0; i < fc.n; i++) {
		if (g_strcmp0(fc.cams[i].persona, persona) == 0)
			return &fc.cams[i];
	}
	g_assert_not_reached();
}

static void
fc_done_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	*(GAsyncResult **)user_data = g_object_ref(res);
}

/* Returns: (transfer full): what the collector learnt about a persona's camera */
static NvrEvidenceSet *
fc_collect(const FcCamera *cam, const gchar *user, const gchar *password)
{
	NvrVendorCollectOptions opts = {
		.host = "127.0.0.1",
		.http_port = cam->http_port,
		.rtsp_port = cam->rtsp_port,
		.wsd_port = cam->wsd_port,
		.username = user,
		.password = password,
		.timeout_ms = 3000,
	};
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GPtrArray) log = NULL;
	g_autoptr(GError) error = NULL;
	NvrEvidenceSet *set;

	nvr_vendor_collect_async(fc.vendor, &opts, NULL, fc_done_cb, &res);
	while (res == NULL)
		g_main_context_iteration(NULL, TRUE);
	set = nvr_vendor_collect_finish(res, &log, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < log->len; i++)
		g_test_message("%s: %s", cam->persona, (const gchar *)g_ptr_array_index(log, i));
	return set;
}

static NvrVerdict *
fc_identify(const gchar *persona)
{
	g_autoptr(NvrEvidenceSet) set = fc_collect(fc_camera(persona), "admin", FC_PASSWORD);
	NvrVerdict *v = nvr_vendor_evaluate(fc.vendor, set);
	g_autofree gchar *text = nvr_verdict_to_text(v);

	g_test_message("%s", text);
	return v;
}

static void
test_persona_hikvision(void)
{
	g_autoptr(NvrVerdict) v = fc_identify("hikvision");

	g_assert_true(v->restricted);
	g_assert_cmpstr(v->vendor, ==, "hikvision");
	g_assert_cmpstr(v->vendor_name, ==, "Hikvision");
	g_assert_cmpuint(v->independent, >=, 2);
	g_assert_cmpint(v->confidence, ==, NVR_VERDICT_CERTAIN);
	g_assert_cmpstr(v->plugin, ==, "hikvision");
	g_assert_cmpstr(v->model, ==, "DS-2CD2143G2-I");
}

static void
test_persona_amcrest(void)
{
	g_autoptr(NvrVerdict) v = fc_identify("amcrest");

	g_assert_cmpstr(v->vendor, ==, "dahua");
	g_assert_cmpstr(v->brand, ==, "amcrest");
	g_assert_true(v->oem);
	g_assert_true(v->restricted);
	g_assert_cmpstr(v->firmware_model, ==, "IPC-AW46WN-S2");
	g_assert_nonnull(strstr(v->summary, "Amcrest"));
}

static void
test_persona_dahua(void)
{
	g_autoptr(NvrVerdict) v = fc_identify("dahua");

	g_assert_cmpstr(v->vendor, ==, "dahua");
	g_assert_true(v->restricted);
	g_assert_false(v->oem);
	g_assert_cmpint(v->confidence, ==, NVR_VERDICT_CERTAIN);
}

static void
test_persona_axis(void)
{
	g_autoptr(NvrVerdict) v = fc_identify("axis");

	g_assert_cmpstr(v->vendor, ==, "axis");
	g_assert_false(v->restricted);
	g_assert_cmpint(v->warning, ==, NVR_VERDICT_WARNING_NONE);
}

static void
test_persona_reolink(void)
{
	g_autoptr(NvrVerdict) v = fc_identify("reolink");

	g_assert_cmpstr(v->vendor, ==, "reolink");
	g_assert_false(v->restricted);
	g_assert_cmpint(v->warning, ==, NVR_VERDICT_WARNING_NONE);
}

static void
test_persona_generic(void)
{
	g_autoptr(NvrVerdict) v = fc_identify("generic");

	g_assert_null(v->vendor);
	g_assert_cmpint(v->confidence, ==, NVR_VERDICT_UNKNOWN);
	g_assert_false(v->restricted);
	g_assert_cmpint(v->warning, ==, NVR_VERDICT_WARNING_NONE);
}

/* without credentials: only what is open to anyone, never a false "certain" */
static void
test_no_credentials(void)
{
	g_autoptr(NvrEvidenceSet) set = fc_collect(fc_camera("amcrest"), NULL, NULL);
	g_autoptr(NvrVerdict) v = nvr_vendor_evaluate(fc.vendor, set);

	g_test_message("%s", v->summary);
	g_assert_cmpint(v->confidence, <=, NVR_VERDICT_LIKELY);
	g_assert_false(v->confidence == NVR_VERDICT_CERTAIN);
}

/* stream URLs from ONVIF first: the device's own, which work */
static void
test_stream_urls(void)
{
	const FcCamera *cam = fc_camera("dahua");
	g_autoptr(NvrEvidenceSet) set = fc_collect(cam, "admin", FC_PASSWORD);
	g_autoptr(GPtrArray) urls = nvr_vendor_stream_urls(fc.vendor, set, NULL, NVR_STREAM_MAIN, 1);
	g_autofree gchar *port = g_strdup_printf(":%u/cam/realmonitor?channel=1&subtype=0", cam->rtsp_port);
	const NvrVendorStreamUrl *first;

	g_assert_cmpuint(urls->len, >=, 2);
	first = g_ptr_array_index(urls, 0);
	g_assert_false(first->guessed);
	g_assert_nonnull(strstr(first->url, port));
	/* the template agrees with what the device said */
	g_assert_nonnull(strstr(((NvrVendorStreamUrl *)g_ptr_array_index(urls, 1))->url, port));
}

/* ---- nvrctl ---- */

static const gchar *
fc_nvrctl(void)
{
	const gchar *nvrctl = nvr_test_build_path("NVRCTL", "nvr/ctl/nvrctl");
	const gchar *argv[] = {nvrctl, "identify", NULL};
	g_autofree gchar *err = NULL;
	gint status = 0;

	/* nvrctl knows identify once its dispatcher is wired to nvrctl-vendor.c */
	if (g_file_test(nvrctl, G_FILE_TEST_IS_EXECUTABLE) &&
	    nvr_test_run(argv, NULL, &err, &status, NULL) && strstr(err, "unknown command") == NULL)
		return nvrctl;
	return NVR_TEST_STANDIN;
}

static JsonObject *
fc_run_json(const gchar *const *argv, JsonNode **root)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(GError) error = NULL;
	gint status = -1;

	g_assert_true(nvr_test_run(argv, &out, &err, &status, &error));
	g_assert_no_error(error);
	g_test_message("stderr: %s", err);
	g_assert_cmpint(status, ==, 0);
	/* the password never reaches the output */
	g_assert_null(strstr(out, FC_PASSWORD));
	g_assert_null(strstr(err, FC_PASSWORD));
	*root = json_from_string(out, &error);
	g_assert_no_error(error);
	return json_node_get_object(*root);
}

static void
test_nvrctl_identify(void)
{
	const gchar *personas[] = {"hikvision", "amcrest", "generic"};
	const gchar *vendors[] = {"hikvision", "dahua", NULL};
	const gboolean restricted[] = {TRUE, TRUE, FALSE};

	for (guint i = 0; i < G_N_ELEMENTS(personas); i++) {
		const FcCamera *cam = fc_camera(personas[i]);
		g_autofree gchar *target = g_strdup_printf("127.0.0.1:%u", cam->http_port);
		g_autofree gchar *rtsp = g_strdup_printf("%u", cam->rtsp_port);
		g_autofree gchar *wsd = g_strdup_printf("%u", cam->wsd_port);
		const gchar *argv[] = {fc_nvrctl(), "--json", "identify", target, "--rtsp-port", rtsp,
				       "--wsd-port", wsd, "--user", "admin", "--password-file",
				       fc.password_file, NULL};
		g_autoptr(JsonNode) root = NULL;
		JsonObject *o = fc_run_json(argv, &root);
		JsonNode *vendor = json_object_get_member(o, "vendor");
		g_assert_true(JSON_NODE_HOLDS_VALUE(json_object_get_member(o, "restricted")));
		g_assert_cmpint(json_object_get_boolean_member(o, "restricted"), ==, restricted[i]);
		if (vendors[i] == NULL)
			g_assert_true(JSON_NODE_HOLDS_NULL(vendor));
		else
			g_assert_cmpstr(json_node_get_string(vendor), ==, vendors[i]);
		g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
					 json_object_get_object_member(o, "streams"), "main")), >, 0);
	}
}

static void
test_nvrctl_discover(void)
{
	const FcCamera *cam = fc_camera("hikvision");
	g_autofree gchar *target = g_strdup_printf("127.0.0.1:%u", cam->wsd_port);
	const gchar *argv[] = {fc_nvrctl(), "--json", "discover", "--target", target, "--timeout", "2",
			       "--user", "admin", "--password-file", fc.password_file, NULL};
	g_autoptr(JsonNode) root = NULL;
	JsonObject *o = fc_run_json(argv, &root);
	JsonArray *devices = json_object_get_array_member(o, "devices");
	JsonObject *dev, *ident;

	g_assert_cmpuint(json_array_get_length(devices), ==, 1);
	dev = json_array_get_object_element(devices, 0);
	ident = json_object_get_object_member(dev, "identification");
	g_assert_nonnull(ident);
	g_assert_cmpstr(json_object_get_string_member(ident, "vendor"), ==, "hikvision");
	g_assert_true(json_object_get_boolean_member(ident, "restricted"));
}

/* ---- a device that accepts and never answers ---- */

static gboolean
fc_silent_incoming_cb(GSocketService *service, GSocketConnection *conn, GObject *source, gpointer held)
{
	g_ptr_array_add(held, g_object_ref(conn)); /* hold it open, say nothing */
	return TRUE;
}

static void
test_silent_device(void)
{
	g_autoptr(GSocketService) service = g_socket_service_new();
	g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GError) error = NULL;
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(NvrEvidenceSet) set = NULL;
	g_autoptr(NvrVerdict) v = NULL;
	NvrVendorCollectOptions opts = {.host = "127.0.0.1", .timeout_ms = 500, .username = "admin",
					.password = "x"};
	gint64 start;
	guint port;

	g_assert_true(g_socket_listener_add_address(G_SOCKET_LISTENER(service), addr, G_SOCKET_TYPE_STREAM,
						    G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
	g_assert_no_error(error);
	port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	g_signal_connect(service, "incoming", G_CALLBACK(fc_silent_incoming_cb), held);
	opts.http_port = port;
	opts.rtsp_port = port;
	start = g_get_monotonic_time();
	nvr_vendor_collect_async(fc.vendor, &opts, NULL, fc_done_cb, &res);
	while (res == NULL)
		g_main_context_iteration(NULL, TRUE);
	set = nvr_vendor_collect_finish(res, NULL, &error);
	g_assert_no_error(error);
	g_test_message("silent device: %" G_GINT64_FORMAT " ms, %u connections held",
		       (g_get_monotonic_time() - start) / 1000, held->len);
	/* every step timed out on its own; plugins' requests too, within their budget */
	g_assert_cmpint(g_get_monotonic_time() - start, <, 20 * G_USEC_PER_SEC);
	g_assert_cmpuint(held->len, >=, 2);
	v = nvr_vendor_evaluate(fc.vendor, set);
	g_assert_null(v->vendor);
	g_assert_false(v->restricted);
	g_socket_service_stop(service);
}

int
main(int argc, char **argv)
{
	gint status;

	g_test_init(&argc, &argv, NULL);
	nvr_test_watchdog_start(NVR_TEST_WATCHDOG_S);
	fc_start();
	g_test_add_func("/nvr/vendor/fakecam/hikvision", test_persona_hikvision);
	g_test_add_func("/nvr/vendor/fakecam/amcrest", test_persona_amcrest);
	g_test_add_func("/nvr/vendor/fakecam/dahua", test_persona_dahua);
	g_test_add_func("/nvr/vendor/fakecam/axis", test_persona_axis);
	g_test_add_func("/nvr/vendor/fakecam/reolink", test_persona_reolink);
	g_test_add_func("/nvr/vendor/fakecam/generic", test_persona_generic);
	g_test_add_func("/nvr/vendor/fakecam/no-credentials", test_no_credentials);
	g_test_add_func("/nvr/vendor/fakecam/stream-urls", test_stream_urls);
	g_test_add_func("/nvr/vendor/fakecam/nvrctl-identify", test_nvrctl_identify);
	g_test_add_func("/nvr/vendor/fakecam/nvrctl-discover", test_nvrctl_discover);
	g_test_add_func("/nvr/vendor/fakecam/silent-device", test_silent_device);
	status = g_test_run();
	g_clear_object(&fc.vendor);
	nvr_test_proc_stop(fc.proc, SIGTERM, 10);
	nvr_test_proc_free(fc.proc);
	nvr_test_rm_rf(fc.tmp);
	return status;
}
