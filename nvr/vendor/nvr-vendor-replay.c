#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "discovery/nvr-discovery-text.h"
#include "vendor/nvr-vendor-data.h"
#include "vendor/nvr-vendor-facts.h"
#include "core/nvr-json.h"
#include "vendor/nvr-vendor-raw.h"
#include "vendor/nvr-vendor-replay.h"

#define NVR_VENDOR_REPLAY_REPEAT_MAX 1000000

struct _NvrVendorReplay {
	NvrVendorTransport parent_instance;
	/* immutable after construction */
	gchar *dir;
	JsonNode *manifest;
	gchar *description;
	gchar *host;
	guint http_port;
	guint rtsp_port;
	/* protected by lock: requests come from a worker thread */
	GMutex lock;
	GPtrArray *log; /* (element-type utf8) */
};

G_DEFINE_TYPE(NvrVendorReplay, nvr_vendor_replay, NVR_TYPE_VENDOR_TRANSPORT)

static void
nvr_vendor_replay_log(NvrVendorReplay *self, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

static void
nvr_vendor_replay_log(NvrVendorReplay *self, const gchar *format, ...)
{
	va_list args;
	gchar *line;

	va_start(args, format);
	line = g_strdup_vprintf(format, args);
	va_end(args);
	g_mutex_lock(&self->lock);
	g_ptr_array_add(self->log, line);
	g_mutex_unlock(&self->lock);
}

static JsonObject *
nvr_vendor_replay_root(NvrVendorReplay *self)
{
	return json_node_get_object(self->manifest);
}

/* Returns: (transfer full): a file of the recording; names are plain, never paths */
static GBytes *
nvr_vendor_replay_load(NvrVendorReplay *self, const gchar *name, GError **error)
{
	g_autofree gchar *path = NULL;

	if (name == NULL || name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
			    "'%s' is not a plain file name in the recording", name != NULL ? name : "");
		return NULL;
	}
	path = g_build_filename(self->dir, name, NULL);
	return nvr_vendor_data_load_file(path, NVR_VENDOR_REPLAY_FILE_MAX, error);
}

/* ---- the transport ---- */

static JsonObject *
nvr_vendor_replay_find(NvrVendorReplay *self, const gchar *method, const gchar *path)
{
	JsonArray *http = nvr_json_get_array(nvr_vendor_replay_root(self), "http");

	for (guint i = 0; http != NULL && i < json_array_get_length(http); i++) {
		JsonNode *n = json_array_get_element(http, i);
		JsonObject *o = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
		const gchar *m = nvr_json_get_string(o, "method");
		if (o != NULL && g_strcmp0(m != NULL ? m : "GET", method) == 0 &&
		    g_strcmp0(nvr_json_get_string(o, "path"), path) == 0)
			return o;
	}
	return NULL;
}

static gboolean
nvr_vendor_replay_fail(NvrVendorReplay *self, const NvrVendorTransportRequest *req,
		       const gchar *fail, GError **error)
{
	nvr_vendor_replay_log(self, "%s %s -> %s", req->method, req->path, fail);
	if (g_strcmp0(fail, "timeout") == 0)
		g_set_error(error, NVR_ERROR, NVR_ERROR_TIMEOUT, "no reply within %u ms (recorded)",
			    req->timeout_ms);
	else
		g_set_error(error, NVR_ERROR, NVR_ERROR_IO, "connection %s (recorded)", fail);
	return FALSE;
}

/* the body: a file or inline text, repeated; refused over the cap like a live reply */
static gboolean
nvr_vendor_replay_body(NvrVendorReplay *self, JsonObject *o, gsize max_body, NvrVendorHttpReply *reply,
		       GError **error)
{
	const gchar *file = nvr_json_get_string(o, "file");
	const gchar *inline_body = nvr_json_get_string(o, "body");
	gint64 repeat = nvr_json_get_int(o, "repeat", 1);
	g_autoptr(GBytes) bytes = NULL;
	gsize len = 0;
	const gchar *data;

	if (file != NULL) {
		bytes = nvr_vendor_replay_load(self, file, error);
		if (bytes == NULL)
			return FALSE;
	} else {
		bytes = g_bytes_new(inline_body != NULL ? inline_body : "",
				    inline_body != NULL ? strlen(inline_body) : 0);
	}
	data = g_bytes_get_data(bytes, &len);
	repeat = CLAMP(repeat, 1, NVR_VENDOR_REPLAY_REPEAT_MAX);
	if (len > 0 && (guint64)len * (guint64)repeat > max_body) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "reply larger than %" G_GSIZE_FORMAT " bytes",
			    max_body);
		return FALSE;
	}
	reply->body_len = len * (gsize)repeat;
	reply->body = g_malloc(reply->body_len + 1);
	for (gint64 i = 0; i < repeat && len > 0; i++)
		memcpy(reply->body + (gsize)i * len, data, len);
	reply->body[reply->body_len] = '\0';
	return TRUE;
}

/*
 * "raw": the reply as captured, head and all: its status and media type, and
 * its body with the transfer coding undone, as libsoup gives them; a body cut
 * short (before its Content-Length, inside a chunk) fails as it does live
 */
static gboolean
nvr_vendor_replay_raw(NvrVendorReplay *self, const NvrVendorTransportRequest *req, const gchar *file,
		      gint64 *status, NvrVendorHttpReply *reply, GError **error)
{
	g_autoptr(GBytes) bytes = nvr_vendor_replay_load(self, file, error);
	g_autoptr(NvrVendorRawReply) raw = NULL;
	gsize len = 0;
	const gchar *data;

	if (bytes == NULL)
		return FALSE;
	raw = nvr_vendor_raw_reply_parse(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), error);
	if (raw == NULL) {
		g_prefix_error(error, "%s: ", file);
		return FALSE;
	}
	if (!raw->complete) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_IO,
				    "connection closed before the end of the body (recorded)");
		return FALSE;
	}
	data = g_bytes_get_data(raw->body, &len);
	if (len > req->max_body) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "reply larger than %" G_GSIZE_FORMAT " bytes",
			    req->max_body);
		return FALSE;
	}
	*status = raw->status;
	reply->body = g_malloc(len + 1);
	if (len > 0)
		memcpy(reply->body, data, len);
	reply->body[len] = '\0';
	reply->body_len = len;
	reply->content_type = g_steal_pointer(&raw->content_type);
	return TRUE;
}

static gboolean
nvr_vendor_replay_request(NvrVendorTransport *transport, const NvrVendorTransportRequest *req,
			  NvrVendorHttpReply *reply, GCancellable *cancellable, GError **error)
{
	NvrVendorReplay *self = NVR_VENDOR_REPLAY(transport);
	JsonObject *o = nvr_vendor_replay_find(self, req->method, req->path);
	const gchar *fail = o != NULL ? nvr_json_get_string(o, "fail") : NULL;
	const gchar *raw = o != NULL ? nvr_json_get_string(o, "raw") : NULL;
	gint64 status = o != NULL ? nvr_json_get_int(o, "status", 200) : 404;
	g_autoptr(GError) error_local = NULL;

	if (g_cancellable_set_error_if_cancelled(cancellable, error))
		return FALSE;
	if (fail != NULL)
		return nvr_vendor_replay_fail(self, req, fail, error);
	if (raw != NULL && (req->auth || !nvr_json_get_bool(o, "auth", FALSE))) {
		if (!nvr_vendor_replay_raw(self, req, raw, &status, reply, &error_local)) {
			nvr_vendor_replay_log(self, "%s %s -> %s", req->method, req->path,
					      error_local->message);
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		reply->status = (guint)status;
		nvr_vendor_replay_log(self, "%s %s -> %u (%" G_GSIZE_FORMAT " bytes, raw)", req->method,
				      req->path, reply->status, reply->body_len);
		return TRUE;
	}
	/* a recorded 401: the device wanted credentials the plugin did not ask the host to give */
	if (o != NULL && nvr_json_get_bool(o, "auth", FALSE) && !req->auth)
		status = 401;
	if (o == NULL || status == 401) {
		reply->status = (guint)status;
		reply->body = g_strdup("");
		nvr_vendor_replay_log(self, "%s %s -> %u", req->method, req->path, reply->status);
		return TRUE;
	}
	if (!nvr_vendor_replay_body(self, o, req->max_body, reply, &error_local)) {
		nvr_vendor_replay_log(self, "%s %s -> %s", req->method, req->path, error_local->message);
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	reply->status = (guint)CLAMP(status, 100, 599);
	reply->content_type = g_strdup(nvr_json_get_string(o, "content_type"));
	nvr_vendor_replay_log(self, "%s %s -> %u (%" G_GSIZE_FORMAT " bytes)", req->method, req->path,
			      reply->status, reply->body_len);
	return TRUE;
}

static gchar *
nvr_vendor_replay_describe(NvrVendorTransport *transport, const gchar *path)
{
	NvrVendorReplay *self = NVR_VENDOR_REPLAY(transport);

	return g_strdup_printf("http://%s:%u%s (recorded)", self->host, self->http_port, path);
}

static void
nvr_vendor_replay_finalize(GObject *obj)
{
	NvrVendorReplay *self = NVR_VENDOR_REPLAY(obj);

	g_free(self->dir);
	g_clear_pointer(&self->manifest, json_node_unref);
	g_free(self->description);
	g_free(self->host);
	g_ptr_array_unref(self->log);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(nvr_vendor_replay_parent_class)->finalize(obj);
}

static void
nvr_vendor_replay_class_init(NvrVendorReplayClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_vendor_replay_finalize;
	NVR_VENDOR_TRANSPORT_CLASS(klass)->request = nvr_vendor_replay_request;
	NVR_VENDOR_TRANSPORT_CLASS(klass)->describe = nvr_vendor_replay_describe;
}

static void
nvr_vendor_replay_init(NvrVendorReplay *self)
{
	g_mutex_init(&self->lock);
	self->log = g_ptr_array_new_with_free_func(g_free);
}

/**
 * nvr_vendor_replay_new:
 * @dir: a recorded device: device.json and its files
 */
NvrVendorReplay *
nvr_vendor_replay_new(const gchar *dir, GError **error)
{
	g_autoptr(NvrVendorReplay) self = g_object_new(NVR_TYPE_VENDOR_REPLAY, NULL);
	g_autoptr(GBytes) bytes = NULL;
	JsonObject *root;

	self->dir = g_strdup(dir);
	bytes = nvr_vendor_replay_load(self, NVR_VENDOR_REPLAY_MANIFEST, error);
	if (bytes == NULL)
		return NULL;
	self->manifest = nvr_json_parse(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes),
					       NVR_VENDOR_REPLAY_FILE_MAX, error);
	if (self->manifest == NULL || !JSON_NODE_HOLDS_OBJECT(self->manifest)) {
		if (self->manifest != NULL)
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "not a JSON object");
		g_prefix_error(error, "%s/%s: ", dir, NVR_VENDOR_REPLAY_MANIFEST);
		return NULL;
	}
	root = nvr_vendor_replay_root(self);
	self->description = nvr_discovery_text_clean(nvr_json_get_string(root, "description"),
						     -1, 1024);
	self->host = nvr_discovery_text_clean(nvr_json_get_string(root, "host"), -1, 256);
	if (self->host == NULL)
		self->host = g_strdup("192.0.2.10");
	self->http_port = (guint)CLAMP(nvr_json_get_int(root, "http_port", 80), 0, 65535);
	self->rtsp_port = (guint)CLAMP(nvr_json_get_int(root, "rtsp_port", 554), 0, 65535);
	return g_steal_pointer(&self);
}

const gchar *
nvr_vendor_replay_get_description(NvrVendorReplay *self)
{
	return self->description;
}

/* Returns: (transfer none) (element-type utf8): what was asked and answered, in order */
GPtrArray *
nvr_vendor_replay_get_log(NvrVendorReplay *self)
{
	return self->log;
}

/* ---- passive evidence from the captures ---- */

typedef void (*NvrVendorReplayFactsFunc)(NvrVendorReplay *self, NvrVendor *vendor,
					 NvrEvidenceSet *set, const gchar *data, gsize len,
					 const gchar *source, GError **error);

static void
nvr_vendor_replay_device_info(NvrVendorReplay *self, NvrVendor *vendor, NvrEvidenceSet *set,
			      const gchar *data, gsize len, const gchar *source, GError **error)
{
	g_autoptr(NvrOnvifDeviceInfo) info = nvr_onvif_parse_device_info(data, len, error);

	if (info != NULL)
		nvr_vendor_facts_onvif_device_info(set, info, source);
}

static void
nvr_vendor_replay_interfaces(NvrVendorReplay *self, NvrVendor *vendor, NvrEvidenceSet *set,
			     const gchar *data, gsize len, const gchar *source, GError **error)
{
	g_autoptr(GPtrArray) ifaces = nvr_onvif_parse_network_interfaces(data, len, error);

	if (ifaces != NULL)
		nvr_vendor_facts_onvif_interfaces(vendor, set, ifaces, source);
}

static void
nvr_vendor_replay_stream_main(NvrVendorReplay *self, NvrVendor *vendor, NvrEvidenceSet *set,
			      const gchar *data, gsize len, const gchar *source, GError **error)
{
	g_autofree gchar *uri = nvr_onvif_parse_stream_uri(data, len, error);

	nvr_vendor_facts_stream_uri(set, NVR_STREAM_MAIN, uri, source);
}

static void
nvr_vendor_replay_stream_sub(NvrVendorReplay *self, NvrVendor *vendor, NvrEvidenceSet *set,
			     const gchar *data, gsize len, const gchar *source, GError **error)
{
	g_autofree gchar *uri = nvr_onvif_parse_stream_uri(data, len, error);

	nvr_vendor_facts_stream_uri(set, NVR_STREAM_SUB, uri, source);
}

static void
nvr_vendor_replay_wsd(NvrVendorReplay *self, NvrVendor *vendor, NvrEvidenceSet *set,
		      const gchar *data, gsize len, const gchar *source, GError **error)
{
	g_autoptr(GPtrArray) matches = nvr_wsd_parse_probe_matches(data, len, NULL, error);

	if (matches != NULL && matches->len > 0)
		nvr_vendor_facts_wsd_match(vendor, set, g_ptr_array_index(matches, 0), source);
}

static void
nvr_vendor_replay_http_root(NvrVendorReplay *self, NvrVendor *vendor, NvrEvidenceSet *set,
			    const gchar *data, gsize len, const gchar *source, GError **error)
{
	g_autoptr(NvrHttpBanner) banner = nvr_vendor_facts_parse_http_head(data, len, error);
	const gchar *subject =
		nvr_json_get_string(nvr_vendor_replay_root(self), "tls_subject");

	if (banner == NULL)
		return;
	banner->tls_subject = nvr_discovery_text_clean(subject, -1, NVR_HTTP_BANNER_DN_MAX);
	nvr_vendor_facts_http_banner(set, banner, source);
}

static void
nvr_vendor_replay_rtsp(NvrVendorReplay *self, NvrVendor *vendor, NvrEvidenceSet *set,
		       const gchar *data, gsize len, const gchar *source, GError **error)
{
	g_autoptr(NvrRtspBanner) banner = nvr_rtsp_banner_parse(data, len, error);

	if (banner != NULL)
		nvr_vendor_facts_rtsp_banner(set, banner, source);
}

static const struct {
	const gchar *member;
	const gchar *what; /* as the live collector names its source */
	NvrVendorReplayFactsFunc func;
	gboolean with_head; /* the parser reads the head itself */
} nvr_vendor_replay_captures[] = {
	{"onvif_device_information", "ONVIF GetDeviceInformation", nvr_vendor_replay_device_info, FALSE},
	{"onvif_network_interfaces", "ONVIF GetNetworkInterfaces", nvr_vendor_replay_interfaces, FALSE},
	{"onvif_stream_uri_main", "ONVIF GetStreamUri (main)", nvr_vendor_replay_stream_main, FALSE},
	{"onvif_stream_uri_sub", "ONVIF GetStreamUri (sub)", nvr_vendor_replay_stream_sub, FALSE},
	{"wsd_probe_matches", "WS-Discovery ProbeMatches", nvr_vendor_replay_wsd, FALSE},
	{"http_root", "HTTP GET /", nvr_vendor_replay_http_root, TRUE},
	{"rtsp_options", "RTSP OPTIONS", nvr_vendor_replay_rtsp, TRUE},
};

/* a SOAP reply captured with its HTTP head: the body, decoded, as the ONVIF client sees it */
static GBytes *
nvr_vendor_replay_body_of(GBytes *bytes, GError **error)
{
	g_autoptr(NvrVendorRawReply) raw = NULL;
	g_autoptr(GBytes) owned = bytes;

	if (!nvr_vendor_raw_reply_is_raw(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes)))
		return g_steal_pointer(&owned);
	raw = nvr_vendor_raw_reply_parse(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), error);
	if (raw == NULL)
		return NULL;
	if (!raw->complete) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_IO,
				    "connection closed before the end of the body");
		return NULL;
	}
	return g_bytes_ref(raw->body);
}

/* a capture that does not parse is a finding, not a failure: it is logged and gives no evidence */
static void
nvr_vendor_replay_capture(NvrVendorReplay *self, NvrVendor *vendor, NvrEvidenceSet *set, guint i)
{
	const gchar *name = nvr_json_get_string(nvr_vendor_replay_root(self),
						       nvr_vendor_replay_captures[i].member);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = NULL;
	g_autofree gchar *source = NULL;

	if (name == NULL)
		return;
	bytes = nvr_vendor_replay_load(self, name, &error);
	source = g_strdup_printf("%s, recorded in %s", nvr_vendor_replay_captures[i].what, name);
	if (bytes != NULL && !nvr_vendor_replay_captures[i].with_head)
		bytes = nvr_vendor_replay_body_of(bytes, &error);
	if (bytes != NULL)
		nvr_vendor_replay_captures[i].func(self, vendor, set, g_bytes_get_data(bytes, NULL),
						   g_bytes_get_size(bytes), source, &error);
	if (error != NULL)
		nvr_vendor_replay_log(self, "%s: %s", name, error->message);
}

/* evidence items written out in their JSON form (for signals no capture format covers) */
static gboolean
nvr_vendor_replay_extra_items(NvrVendorReplay *self, NvrEvidenceSet *set, GError **error)
{
	JsonArray *items = nvr_json_get_array(nvr_vendor_replay_root(self), "evidence");

	for (guint i = 0; items != NULL && i < json_array_get_length(items); i++) {
		NvrEvidence *e = nvr_evidence_from_json(json_array_get_element(items, i), error);
		if (e == NULL || !nvr_evidence_set_add(set, e, error)) {
			g_prefix_error(error, "device.json evidence[%u]: ", i);
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * nvr_vendor_replay_dup_evidence:
 *
 * Returns: (transfer full): what the collector would have learnt passively
 */
NvrEvidenceSet *
nvr_vendor_replay_dup_evidence(NvrVendorReplay *self, NvrVendor *vendor, GError **error)
{
	g_autoptr(NvrEvidenceSet) set = nvr_evidence_set_new(self->host);
	JsonObject *root = nvr_vendor_replay_root(self);
	const gchar *mac = nvr_json_get_string(root, "mac");

	nvr_evidence_set_set_ports(set, self->http_port, self->rtsp_port);
	if (mac != NULL)
		nvr_vendor_add_mac(vendor, set, mac, "neighbour table, recorded in device.json");
	for (guint i = 0; i < G_N_ELEMENTS(nvr_vendor_replay_captures); i++)
		nvr_vendor_replay_capture(self, vendor, set, i);
	if (!nvr_vendor_replay_extra_items(self, set, error))
		return NULL;
	return g_steal_pointer(&set);
}

/* ---- expectations ---- */

gboolean
nvr_vendor_replay_has_expectations(NvrVendorReplay *self)
{
	return nvr_json_get_object(nvr_vendor_replay_root(self), "expect") != NULL;
}

static void
nvr_vendor_replay_expect_string(GPtrArray *out, JsonObject *expect, const gchar *name,
				const gchar *actual)
{
	JsonNode *node = json_object_get_member(expect, name);
	const gchar *want;

	if (node == NULL)
		return;
	want = JSON_NODE_HOLDS_NULL(node) ? NULL : nvr_json_get_string(expect, name);
	if (g_strcmp0(want, actual) != 0)
		g_ptr_array_add(out, g_strdup_printf("%s: expected %s, got %s", name,
						     want != NULL ? want : "null",
						     actual != NULL ? actual : "null"));
}

static void
nvr_vendor_replay_expect_bool(GPtrArray *out, JsonObject *expect, const gchar *name,
			      gboolean actual)
{
	if (!json_object_has_member(expect, name))
		return;
	if (nvr_json_get_bool(expect, name, !actual) != actual)
		g_ptr_array_add(out, g_strdup_printf("%s: expected %s, got %s", name,
						     actual ? "false" : "true", actual ? "true" : "false"));
}

static void
nvr_vendor_replay_expect_url(GPtrArray *out, JsonObject *expect, const gchar *name, GPtrArray *urls)
{
	const gchar *got = urls != NULL && urls->len > 0
			       ? ((NvrVendorStreamUrl *)g_ptr_array_index(urls, 0))->url
			       : NULL;

	nvr_vendor_replay_expect_string(out, expect, name, got);
}

static void
nvr_vendor_replay_expect_levels(GPtrArray *out, JsonObject *expect, const NvrVerdict *v)
{
	NvrVerdictConfidence min;
	gint64 min_independent = nvr_json_get_int(expect, "min_independent", 0);

	if (nvr_verdict_confidence_from_string(nvr_json_get_string(expect, "min_confidence"),
					       &min) &&
	    v->confidence < min)
		g_ptr_array_add(out, g_strdup_printf("confidence: expected at least %s, got %s",
						     nvr_verdict_confidence_to_string(min),
						     nvr_verdict_confidence_to_string(v->confidence)));
	if ((gint64)v->independent < min_independent)
		g_ptr_array_add(out, g_strdup_printf("independent signals: expected at least %" G_GINT64_FORMAT
						     ", got %u", min_independent, v->independent));
}

/* the value of the first evidence item with @key, and whether there is one */
static gboolean
nvr_vendor_replay_evidence_value(const NvrVerdict *v, const gchar *key, const gchar **value)
{
	for (guint i = 0; v->evidence != NULL && i < v->evidence->len; i++) {
		const NvrEvidence *e = g_ptr_array_index(v->evidence, i);
		if (g_strcmp0(e->key, key) == 0) {
			*value = e->value;
			return TRUE;
		}
	}
	return FALSE;
}

/*
 * "evidence": {"isapi.namespace": "hikvision.com/ver10", "magicbox.vendor": true,
 * "onvif.manufacturer": null}: an item with that value, any item with the key,
 * no item with the key. The verdict alone cannot show which parser read what.
 */
static void
nvr_vendor_replay_expect_evidence(GPtrArray *out, JsonObject *expect, const NvrVerdict *v)
{
	JsonObject *want = nvr_json_get_object(expect, "evidence");
	g_autoptr(GList) keys = want != NULL ? json_object_get_members(want) : NULL;

	for (GList *l = keys; l != NULL; l = l->next) {
		const gchar *key = l->data;
		JsonNode *node = json_object_get_member(want, key);
		const gchar *got = NULL;
		gboolean present = nvr_vendor_replay_evidence_value(v, key, &got);
		const gchar *value = nvr_json_get_string(want, key);

		if (JSON_NODE_HOLDS_NULL(node) && present)
			g_ptr_array_add(out, g_strdup_printf("evidence %s: expected none, got %s", key, got));
		else if (!JSON_NODE_HOLDS_NULL(node) && !present)
			g_ptr_array_add(out, g_strdup_printf("evidence %s: expected an item, got none", key));
		else if (value != NULL && g_strcmp0(value, got) != 0)
			g_ptr_array_add(out, g_strdup_printf("evidence %s: expected %s, got %s", key, value,
							     got != NULL ? got : "null"));
	}
}

/**
 * nvr_vendor_replay_check:
 * @main_urls: (element-type NvrVendorStreamUrl) (nullable)
 *
 * Compares a verdict with the recording's "expect" object.
 *
 * Returns: (transfer container) (element-type utf8): the mismatches; empty if all agree
 */
GPtrArray *
nvr_vendor_replay_check(NvrVendorReplay *self, const NvrVerdict *verdict, GPtrArray *main_urls,
			GPtrArray *sub_urls)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	JsonObject *expect = nvr_json_get_object(nvr_vendor_replay_root(self), "expect");
	const gchar *contains;

	if (expect == NULL)
		return out;
	nvr_vendor_replay_expect_string(out, expect, "vendor", verdict->vendor);
	nvr_vendor_replay_expect_string(out, expect, "brand", verdict->brand);
	nvr_vendor_replay_expect_string(out, expect, "possible_vendor", verdict->possible_vendor);
	nvr_vendor_replay_expect_string(out, expect, "model", verdict->model);
	nvr_vendor_replay_expect_string(out, expect, "firmware_model", verdict->firmware_model);
	nvr_vendor_replay_expect_string(out, expect, "plugin", verdict->plugin);
	nvr_vendor_replay_expect_string(out, expect, "confidence",
					nvr_verdict_confidence_to_string(verdict->confidence));
	nvr_vendor_replay_expect_string(out, expect, "warning",
					nvr_verdict_warning_to_string(verdict->warning));
	nvr_vendor_replay_expect_bool(out, expect, "restricted", verdict->restricted);
	nvr_vendor_replay_expect_bool(out, expect, "oem", verdict->oem);
	nvr_vendor_replay_expect_bool(out, expect, "not_listed", verdict->not_listed);
	nvr_vendor_replay_expect_levels(out, expect, verdict);
	nvr_vendor_replay_expect_evidence(out, expect, verdict);
	nvr_vendor_replay_expect_url(out, expect, "stream_main", main_urls);
	nvr_vendor_replay_expect_url(out, expect, "stream_sub", sub_urls);
	contains = nvr_json_get_string(expect, "summary_contains");
	if (contains != NULL && strstr(verdict->summary, contains) == NULL)
		g_ptr_array_add(out, g_strdup_printf("summary: expected to contain '%s'", contains));
	return out;
}
