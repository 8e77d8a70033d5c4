#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/nvr-error.h"
#include "discovery/nvr-wsd.h"
#include "nvrctl-common.h"
#include "nvrctl-vendor.h"
#include "vendor/nvr-device-index.h"
#include "vendor/nvr-vendor-collect.h"
#include "core/nvr-json.h"
#include "vendor/nvr-vendor.h"

#define NVRCTL_VENDOR_WSD_PORT 3702

/* an async operation run to completion on a private loop (nvrctl has no other work) */
typedef struct {
	GMainLoop *loop;
	GAsyncResult *result;
} NvrctlWait;

static void
nvrctl_vendor_done_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	NvrctlWait *w = user_data;

	w->result = g_object_ref(res);
	g_main_loop_quit(w->loop);
}

static GAsyncResult *
nvrctl_vendor_wait(NvrctlWait *w)
{
	g_main_loop_run(w->loop);
	g_main_loop_unref(w->loop);
	return w->result;
}

static NvrVendor *
nvrctl_vendor_open(const gchar *state_dir, GError **error)
{
	NvrVendorOptions opts = {.state_dir = state_dir};

	return nvr_vendor_new(&opts, error);
}

static JsonNode *
nvrctl_vendor_strings_json(GPtrArray *strings)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_array(b);
	for (guint i = 0; strings != NULL && i < strings->len; i++)
		json_builder_add_string_value(b, g_ptr_array_index(strings, i));
	json_builder_end_array(b);
	return json_builder_get_root(b);
}

/* the verdict's JSON, with the stream URLs and what each collection step did */
static JsonNode *
nvrctl_vendor_result_json(NvrVendor *vendor, NvrEvidenceSet *set, const NvrVerdict *v, GPtrArray *log)
{
	g_autoptr(GPtrArray) main_urls = nvr_vendor_stream_urls(vendor, set, v, NVR_STREAM_MAIN, 1);
	g_autoptr(GPtrArray) sub_urls = nvr_vendor_stream_urls(vendor, set, v, NVR_STREAM_SUB, 1);
	JsonNode *node = nvr_verdict_to_json(v);
	JsonObject *o = json_node_get_object(node);
	JsonObject *streams = json_object_new();

	json_object_set_member(streams, "main", nvr_vendor_stream_urls_to_json(main_urls));
	json_object_set_member(streams, "sub", nvr_vendor_stream_urls_to_json(sub_urls));
	json_object_set_object_member(o, "streams", streams);
	json_object_set_member(o, "collection", nvrctl_vendor_strings_json(log));
	return node;
}

static void
nvrctl_vendor_print_text(NvrVendor *vendor, NvrEvidenceSet *set, const NvrVerdict *v, GPtrArray *log)
{
	g_autoptr(GPtrArray) main_urls = nvr_vendor_stream_urls(vendor, set, v, NVR_STREAM_MAIN, 1);
	g_autoptr(GPtrArray) sub_urls = nvr_vendor_stream_urls(vendor, set, v, NVR_STREAM_SUB, 1);
	g_autofree gchar *text = nvr_verdict_to_text(v);

	printf("%s", text);
	for (guint i = 0; i < main_urls->len; i++) {
		const NvrVendorStreamUrl *u = g_ptr_array_index(main_urls, i);
		printf("  main:       %s (%s%s)\n", u->url, u->source, u->guessed ? ", guessed" : "");
	}
	for (guint i = 0; i < sub_urls->len; i++) {
		const NvrVendorStreamUrl *u = g_ptr_array_index(sub_urls, i);
		printf("  sub:        %s (%s%s)\n", u->url, u->source, u->guessed ? ", guessed" : "");
	}
	for (guint i = 0; log != NULL && i < log->len; i++)
		printf("  probe:      %s\n", (const gchar *)g_ptr_array_index(log, i));
}

/* Returns: (transfer full): the evidence; never NULL but for cancellation */
static NvrEvidenceSet *
nvrctl_vendor_collect(NvrVendor *vendor, const NvrVendorCollectOptions *opts, GPtrArray **log,
		      GError **error)
{
	NvrctlWait w = {g_main_loop_new(NULL, FALSE), NULL};
	g_autoptr(GAsyncResult) res = NULL;

	nvr_vendor_collect_async(vendor, opts, NULL, nvrctl_vendor_done_cb, &w);
	res = nvrctl_vendor_wait(&w);
	return nvr_vendor_collect_finish(res, log, error);
}

/* the password (if any) and the vendor subsystem; Returns: 0, or the exit status of a reported failure */
static gint
nvrctl_vendor_prepare(const gchar *state_dir, const gchar *user, const gchar *password_file,
		      gboolean json, gchar **password, NvrVendor **vendor)
{
	g_autoptr(GError) error = NULL;

	if (password_file != NULL && user == NULL) {
		g_set_error_literal(&error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "--password-file needs --user");
		return nvrctl_fail(json, error, 2);
	}
	if (password_file != NULL && (*password = nvrctl_read_secret_file(password_file, &error)) == NULL)
		return nvrctl_fail(json, error, 2);
	*vendor = nvrctl_vendor_open(state_dir, &error);
	if (*vendor == NULL)
		return nvrctl_fail(json, error, 1);
	return 0;
}

static gint
nvrctl_vendor_identify(const gchar *state_dir, gint argc, gchar **argv, gboolean json)
{
	gint rtsp_port = 0, wsd_port = NVRCTL_VENDOR_WSD_PORT, https_port = -1, timeout_s = 3;
	g_autofree gchar *user = NULL;
	g_autofree gchar *password_file = NULL;
	g_autofree gchar *onvif_url = NULL;
	const GOptionEntry entries[] = {
	    {"rtsp-port", 0, 0, G_OPTION_ARG_INT, &rtsp_port, "RTSP port (default 554)", "P"},
	    {"user", 0, 0, G_OPTION_ARG_STRING, &user, "Camera user name (ONVIF and vendor APIs)", "U"},
	    {"password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file, "File holding the camera password", "F"},
	    {"wsd-port", 0, 0, G_OPTION_ARG_INT, &wsd_port, "WS-Discovery port (default 3702, 0: none)", "P"},
	    {"https-port", 0, 0, G_OPTION_ARG_INT, &https_port, "HTTPS port for the certificate (default 443 unless HTTP_PORT is given, 0: none)", "P"},
	    {"onvif-url", 0, 0, G_OPTION_ARG_STRING, &onvif_url, "ONVIF device service URL", "URL"},
	    {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s, "Seconds per probe step (default 3)", "S"},
	    {NULL}};
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrVendor) vendor = NULL;
	g_autoptr(NvrEvidenceSet) set = NULL;
	g_autoptr(NvrVerdict) verdict = NULL;
	g_autoptr(GPtrArray) log = NULL;
	g_autofree gchar *host = NULL;
	g_autofree gchar *password = NULL;
	NvrVendorCollectOptions opts = {0};
	guint http_port = 0;
	gint status;

	if (!nvrctl_parse_options(&argc, &argv, entries, "identify HOST[:HTTP_PORT]", &error))
		return nvrctl_fail(json, error, 2);
	if (argc != 2 || !nvr_vendor_host_port_parse(argv[1], &host, &http_port, &error) ||
	    rtsp_port < 0 || rtsp_port > 65535 || wsd_port < 0 || wsd_port > 65535 ||
	    https_port > 65535 || timeout_s < 1 || timeout_s > 60) {
		if (error == NULL)
			g_set_error_literal(&error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
					    "usage: identify HOST[:HTTP_PORT] [--rtsp-port P] [--user U --password-file F]");
		return nvrctl_fail(json, error, 2);
	}
	status = nvrctl_vendor_prepare(state_dir, user, password_file, json, &password, &vendor);
	if (status != 0)
		return status;
	opts.host = host;
	opts.http_port = http_port;
	opts.https_port = https_port >= 0 ? (guint)https_port : http_port == 0 ? 443 : 0;
	opts.rtsp_port = (guint)rtsp_port;
	opts.wsd_port = (guint)wsd_port;
	opts.onvif_url = onvif_url;
	opts.username = user;
	opts.password = password;
	opts.timeout_ms = (guint)timeout_s * 1000;
	set = nvrctl_vendor_collect(vendor, &opts, &log, &error);
	if (password != NULL)
		memset(password, 0, strlen(password));
	if (set == NULL)
		return nvrctl_fail(json, error, 1);
	verdict = nvr_vendor_evaluate(vendor, set);
	if (json) {
		g_autoptr(JsonNode) node = nvrctl_vendor_result_json(vendor, set, verdict, log);
		nvrctl_print_json_node(node);
	} else {
		nvrctl_vendor_print_text(vendor, set, verdict, log);
	}
	return 0;
}

/* "http://192.0.2.10:8080/onvif/device_service" -> host (bracketed for IPv6) and port */
static gboolean
nvrctl_vendor_xaddr_host(const gchar *xaddr, gchar **host, guint *port)
{
	g_autoptr(GUri) uri = g_uri_parse(xaddr, G_URI_FLAGS_NONE, NULL);
	const gchar *h = uri != NULL ? g_uri_get_host(uri) : NULL;

	if (h == NULL || h[0] == '\0')
		return FALSE;
	*host = strchr(h, ':') != NULL ? g_strdup_printf("[%s]", h) : g_strdup(h);
	*port = g_uri_get_port(uri) > 0 ? (guint)g_uri_get_port(uri) : 80;
	return TRUE;
}

static JsonNode *
nvrctl_vendor_discovered_json(const NvrWsdMatch *m, const gchar *host, JsonNode *result)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "endpoint");
	json_builder_add_string_value(b, m->endpoint);
	json_builder_set_member_name(b, "host");
	json_builder_add_string_value(b, host);
	json_builder_set_member_name(b, "xaddrs");
	json_builder_begin_array(b);
	for (guint i = 0; m->xaddrs != NULL && m->xaddrs[i] != NULL; i++)
		json_builder_add_string_value(b, m->xaddrs[i]);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, m->name);
	json_builder_set_member_name(b, "identification");
	json_builder_add_value(b, result != NULL ? result : json_node_new(JSON_NODE_NULL));
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

typedef struct {
	const gchar *user;
	const gchar *password;
	gboolean no_identify;
	gboolean json;
	guint timeout_ms;
} NvrctlDiscoverOptions;

/* identifies one discovered device from its XAddrs; Returns: (transfer full) its JSON */
static JsonNode *
nvrctl_vendor_discover_one(NvrVendor *vendor, const NvrWsdMatch *m, const NvrctlDiscoverOptions *d)
{
	g_autofree gchar *host = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrEvidenceSet) set = NULL;
	g_autoptr(NvrVerdict) v = NULL;
	g_autoptr(GPtrArray) log = NULL;
	NvrVendorCollectOptions opts = {0};
	guint port = 0;

	if (m->xaddrs == NULL || m->xaddrs[0] == NULL || !nvrctl_vendor_xaddr_host(m->xaddrs[0], &host, &port))
		return nvrctl_vendor_discovered_json(m, NULL, NULL);
	if (d->no_identify)
		return nvrctl_vendor_discovered_json(m, host, NULL);
	opts.host = host;
	opts.http_port = port;
	opts.onvif_url = m->xaddrs[0];
	opts.username = d->user;
	opts.password = d->password;
	opts.timeout_ms = d->timeout_ms;
	opts.wsd_match = m;
	set = nvrctl_vendor_collect(vendor, &opts, &log, &error);
	if (set == NULL)
		return nvrctl_vendor_discovered_json(m, host, NULL);
	v = nvr_vendor_evaluate(vendor, set);
	if (!d->json) {
		printf("== %s (%s)\n", host, m->endpoint != NULL ? m->endpoint : "no endpoint");
		nvrctl_vendor_print_text(vendor, set, v, NULL);
	}
	return nvrctl_vendor_discovered_json(m, host, nvrctl_vendor_result_json(vendor, set, v, log));
}

static GPtrArray *
nvrctl_vendor_probe_wsd(const gchar *target, const gchar *iface, guint window_ms, GError **error)
{
	NvrctlWait w = {g_main_loop_new(NULL, FALSE), NULL};
	g_autoptr(GAsyncResult) res = NULL;
	g_autofree gchar *host = NULL;
	guint port = 0;

	if (target != NULL) {
		if (!nvr_vendor_host_port_parse(target, &host, &port, error)) {
			g_main_loop_unref(w.loop);
			return NULL;
		}
		if (host[0] == '[') {
			gchar *bare = g_strndup(host + 1, strlen(host) - 2);
			g_free(host);
			host = bare;
		}
		nvr_wsd_probe_unicast_async(host, (guint16)(port != 0 ? port : NVRCTL_VENDOR_WSD_PORT),
					    window_ms, NULL, nvrctl_vendor_done_cb, &w);
	} else {
		nvr_wsd_probe_multicast_async(iface, window_ms, NULL, nvrctl_vendor_done_cb, &w);
	}
	res = nvrctl_vendor_wait(&w);
	return nvr_wsd_probe_finish(res, error);
}

static gint
nvrctl_vendor_discover(const gchar *state_dir, gint argc, gchar **argv, gboolean json)
{
	gint timeout_s = 3;
	g_autofree gchar *iface = NULL;
	g_autofree gchar *target = NULL;
	g_autofree gchar *user = NULL;
	g_autofree gchar *password_file = NULL;
	gboolean no_identify = FALSE;
	const GOptionEntry entries[] = {
	    {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s, "Seconds to wait for answers (default 3)", "S"},
	    {"interface", 0, 0, G_OPTION_ARG_STRING, &iface, "Multicast on this interface", "IF"},
	    {"target", 0, 0, G_OPTION_ARG_STRING, &target, "Probe one host by unicast instead", "HOST[:PORT]"},
	    {"user", 0, 0, G_OPTION_ARG_STRING, &user, "Camera user name, to ask ONVIF and vendor APIs", "U"},
	    {"password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file, "File holding the camera password", "F"},
	    {"no-identify", 0, 0, G_OPTION_ARG_NONE, &no_identify, "List devices only", NULL},
	    {NULL}};
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) matches = NULL;
	g_autoptr(NvrVendor) vendor = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree gchar *password = NULL;
	NvrctlDiscoverOptions d = {0};
	gint status;

	if (!nvrctl_parse_options(&argc, &argv, entries, "discover", &error))
		return nvrctl_fail(json, error, 2);
	if (argc != 1 || timeout_s < 1 || timeout_s > 60) {
		g_set_error_literal(&error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "usage: discover [--timeout S] [--interface IF] [--target HOST[:PORT]]");
		return nvrctl_fail(json, error, 2);
	}
	status = nvrctl_vendor_prepare(state_dir, user, password_file, json, &password, &vendor);
	if (status != 0)
		return status;
	matches = nvrctl_vendor_probe_wsd(target, iface, (guint)timeout_s * 1000, &error);
	if (matches == NULL)
		return nvrctl_fail(json, error, 1);
	d = (NvrctlDiscoverOptions){user, password, no_identify, json, (guint)timeout_s * 1000};
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "devices");
	json_builder_begin_array(b);
	for (guint i = 0; i < matches->len; i++)
		json_builder_add_value(b, nvrctl_vendor_discover_one(vendor, g_ptr_array_index(matches, i), &d));
	json_builder_end_array(b);
	json_builder_end_object(b);
	if (password != NULL)
		memset(password, 0, strlen(password));
	if (json) {
		g_autoptr(JsonNode) node = json_builder_get_root(b);
		nvrctl_print_json_node(node);
	} else if (matches->len == 0) {
		printf("no devices answered\n");
	}
	return 0;
}

/* ---- devices: what nvrd found out, from the index ---- */

static const gchar *
nvrctl_vendor_member_string(JsonObject *o, const gchar *name, const gchar *fallback)
{
	const gchar *s = nvr_json_get_string(o, name);

	return s != NULL ? s : fallback;
}

static void
nvrctl_vendor_print_listings(JsonObject *d)
{
	JsonArray *listings = nvr_json_get_array(d, "listings");

	for (guint i = 0; i < json_array_get_length(listings); i++) {
		JsonObject *l = json_array_get_object_element(listings, i);
		const gchar *page = nvrctl_vendor_member_string(l, "page_citation", NULL);
		printf("  listed:     %s since %s: %s%s%s%s%s\n", nvrctl_vendor_member_string(l, "name", "?"),
		       nvrctl_vendor_member_string(l, "date", "?"), nvrctl_vendor_member_string(l, "citation", "?"),
		       nvr_json_get_bool(l, "verified", FALSE) ? "" : " [unverified]",
		       page != NULL ? "; " : "", page != NULL ? page : "",
		       nvr_json_get_bool(l, "warn", TRUE) ? "" : " (informational only)");
	}
}

static void
nvrctl_vendor_print_device(JsonObject *d)
{
	JsonNode *cam_node = json_object_get_member(d, "camera");
	JsonObject *cam = cam_node != NULL && JSON_NODE_HOLDS_OBJECT(cam_node) ? json_node_get_object(cam_node) : NULL;
	JsonArray *advice = nvr_json_get_array(d, "advice");
	const gchar *brand = nvrctl_vendor_member_string(d, "brand_name", NULL);
	const gchar *warning = nvrctl_vendor_member_string(d, "warning", "none");

	printf("device %" G_GINT64_FORMAT " %s:%" G_GINT64_FORMAT " (rtsp %" G_GINT64_FORMAT "), camera %s%s\n",
	       nvr_json_get_int(d, "id", 0), nvrctl_vendor_member_string(d, "host", "?"),
	       nvr_json_get_int(d, "http_port", 0), nvr_json_get_int(d, "rtsp_port", 0),
	       cam != NULL ? nvrctl_vendor_member_string(cam, "name", "?") : "none",
	       cam != NULL && nvr_json_get_bool(cam, "removed", FALSE) ? " (removed)" : "");
	if (!nvr_json_get_bool(d, "identified", FALSE)) {
		printf("  not identified yet\n");
		return;
	}
	printf("  %s\n", nvrctl_vendor_member_string(d, "summary", ""));
	printf("  vendor:     %s (%s)\n", nvrctl_vendor_member_string(d, "vendor_name", "unknown"),
	       nvrctl_vendor_member_string(d, "confidence", "unknown"));
	if (brand != NULL)
		printf("  brand:      %s%s\n", brand, nvr_json_get_bool(d, "oem", FALSE) ? " (OEM)" : "");
	printf("  model:      %s\n", nvrctl_vendor_member_string(d, "model", "unknown"));
	printf("  firmware:   %s\n", nvrctl_vendor_member_string(d, "firmware", "unknown"));
	printf("  restricted: %s\n", nvr_json_get_bool(d, "restricted", FALSE)  ? "yes"
				  : g_strcmp0(warning, "possible") == 0 ? "possibly"
									 : "no");
	nvrctl_vendor_print_listings(d);
	printf("  evidence:   %" G_GINT64_FORMAT " items\n", nvr_json_get_int(d, "evidence_count", 0));
	for (guint i = 0; i < json_array_get_length(advice); i++)
		printf("  advice:     %s\n", json_array_get_string_element(advice, i));
	printf("  registry:   %s\n", nvrctl_vendor_member_string(d, "registry_version", "?"));
}

/* reads the index only, so it works while nvrd runs (and probes) */
static gint
nvrctl_vendor_devices(const gchar *state_dir, gint argc, gchar **argv, gboolean json)
{
	const GOptionEntry entries[] = {{NULL}};
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndex) index = NULL;
	g_autoptr(JsonNode) node = NULL;
	JsonArray *devices;

	if (!nvrctl_parse_options(&argc, &argv, entries, "devices", &error))
		return nvrctl_fail(json, error, 2);
	if (argc != 1) {
		g_set_error_literal(&error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "usage: devices");
		return nvrctl_fail(json, error, 2);
	}
	index = nvrctl_open_index(state_dir, &error);
	if (index == NULL || (node = nvr_device_index_list_json(index, &error)) == NULL)
		return nvrctl_fail(json, error, 1);
	if (json) {
		nvrctl_print_json_node(node);
		return 0;
	}
	devices = nvr_json_get_array(json_node_get_object(node), "devices");
	for (guint i = 0; i < json_array_get_length(devices); i++)
		nvrctl_vendor_print_device(json_array_get_object_element(devices, i));
	if (json_array_get_length(devices) == 0)
		printf("no devices known yet: nvrd identifies each camera in the background\n");
	return 0;
}

/**
 * nvrctl_vendor_run:
 * @state_dir: (nullable): for a registry-refresh job's newer copy of the registry
 *
 * Returns: 0 when identification ran (whatever the verdict), 1 if it could
 * not, 2 on a usage error
 */
gint
nvrctl_vendor_run(const gchar *state_dir, const gchar *command, gint argc, gchar **argv,
		  gboolean json)
{
	if (g_strcmp0(command, "identify") == 0)
		return nvrctl_vendor_identify(state_dir, argc, argv, json);
	if (g_strcmp0(command, "discover") == 0)
		return nvrctl_vendor_discover(state_dir, argc, argv, json);
	if (g_strcmp0(command, "devices") == 0)
		return nvrctl_vendor_devices(state_dir, argc, argv, json);
	fprintf(stderr, "nvrctl: unknown command '%s'\n", command);
	return 2;
}
