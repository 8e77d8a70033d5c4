/*
 * the example plugin, for plugin developers (plugins/SDK.md walks through
 * it). It knows the cameras of "ACME", a vendor that does not exist:
 *
 *   passive: ONVIF Manufacturer "ACME" or HTTP Server "acme-httpd"
 *   probe:   GET <AcmeCgiPath> (a quirk key, default /cgi-bin/acme-info)
 *            -> "model=...\nfirmware=...\nvendor=ACME\n"
 *   streams: rtsp://<host>:<port>/live/ch<N>/main and .../sub
 *
 * It is built against the installed header alone, on purpose: nothing
 * from nvr's tree, not even config.h. Build it out of the tree with
 *   cc -shared -fPIC -o nvr-vendor-example.so nvr-example-plugin.c \
 *      $(pkg-config --cflags --libs nvr-vendor-plugin)
 */
#include <string.h>

#include <nvr/nvr-vendor-plugin.h>

#define EXAMPLE_DEFAULT_PATH "/cgi-bin/acme-info"
#define EXAMPLE_REPLY_MAX (16 * 1024)

/* keys this plugin reads from quirk files: registered before they are parsed */
static const gchar *const example_quirk_keys[] = {"AcmeCgiPath", NULL};

typedef struct {
	const NvrVendorHost *host; /* valid until finalize */
} ExamplePlugin;

static gboolean
example_init(const NvrVendorHost *host, gpointer *plugin_data, GError **error)
{
	ExamplePlugin *self;

	/* a host older than the header we were built with has fewer services */
	if (host->struct_size < G_STRUCT_OFFSET(NvrVendorHost, _reserved)) {
		g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "host too old");
		return FALSE;
	}
	self = g_new0(ExamplePlugin, 1);
	self->host = host;
	*plugin_data = self;
	return TRUE;
}

static void
example_finalize(gpointer plugin_data)
{
	g_free(plugin_data);
}

static void
example_add(ExamplePlugin *self, NvrVendorCall *call, guint32 strength, guint32 flags,
	    const gchar *key, const gchar *value, const gchar *vendor)
{
	NvrVendorEvidenceItem item = {
		.struct_size = sizeof(item),
		.klass = NVR_EVIDENCE_CLASS_VENDOR_API,
		.strength = strength,
		.flags = flags,
		.key = key,
		.value = value,
		.vendor = vendor,
		.source = "ACME CGI acme-info",
	};
	g_autoptr(GError) error = NULL;

	/* the host checks and copies the item; a refusal is worth a log line, no more */
	if (!self->host->evidence_add(call, &item, &error))
		self->host->log(self->host->host_data, G_LOG_LEVEL_WARNING, error->message);
}

/* "model=X" lines: the device's text, so bounded and checked before use */
static void
example_parse(ExamplePlugin *self, NvrVendorCall *call, const gchar *body, gsize len)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	gboolean acme = FALSE;

	if (len == 0 || len > EXAMPLE_REPLY_MAX || !g_utf8_validate(body, (gssize)len, NULL))
		return;
	text = g_strndup(body, len);
	lines = g_strsplit(text, "\n", 64);
	for (guint i = 0; lines[i] != NULL; i++)
		acme |= g_strcmp0(g_strstrip(lines[i]), "vendor=ACME") == 0;
	if (!acme)
		return; /* some other device's page: no evidence */
	example_add(self, call, NVR_EVIDENCE_STRENGTH_STRONG, NVR_EVIDENCE_FLAG_FIRMWARE, "acme.vendor",
		    "ACME", "acme");
	for (guint i = 0; lines[i] != NULL; i++) {
		if (g_str_has_prefix(lines[i], "model="))
			example_add(self, call, NVR_EVIDENCE_STRENGTH_NONE, 0, "acme.model", lines[i] + 6, NULL);
		else if (g_str_has_prefix(lines[i], "firmware="))
			example_add(self, call, NVR_EVIDENCE_STRENGTH_NONE, 0, "acme.firmware", lines[i] + 9,
				    NULL);
	}
}

static gboolean
example_probe(gpointer plugin_data, NvrVendorCall *call, const NvrVendorEvidence *evidence,
	      GError **error)
{
	ExamplePlugin *self = plugin_data;
	g_autofree gchar *path = self->host->quirk_dup(self->host->host_data, "VENDOR\\acme", "AcmeCgiPath");
	NvrVendorHttpRequest req = {
		.struct_size = sizeof(req),
		.auth = NVR_VENDOR_HTTP_AUTH_DEVICE,
		.timeout_ms = 3000,
		.max_body = EXAMPLE_REPLY_MAX,
		.method = "GET",
		.path = path != NULL ? path : EXAMPLE_DEFAULT_PATH,
	};
	NvrVendorHttpReply reply = {.struct_size = sizeof(reply)};
	g_autoptr(GError) error_local = NULL;

	/* a device that does not answer is no failure of the plugin: return TRUE, add nothing */
	if (!self->host->http_request(call, &req, &reply, &error_local))
		return TRUE;
	if (reply.status == 200)
		example_parse(self, call, reply.body, reply.body_len);
	nvr_vendor_http_reply_clear(&reply);
	return TRUE;
}

static const gchar *
example_find(const NvrVendorEvidence *ev, const gchar *key)
{
	for (guint i = 0; i < ev->n_items; i++) {
		if (g_strcmp0(ev->items[i]->key, key) == 0)
			return ev->items[i]->value;
	}
	return NULL;
}

static gint
example_identify(gpointer plugin_data, const NvrVendorEvidence *ev, NvrVendorMatch *match,
		 GError **error)
{
	gint score = 0;

	if (example_find(ev, "acme.vendor") != NULL)
		score = 95;
	else if (g_strcmp0(ev->onvif_manufacturer, "ACME") == 0)
		score = 60;
	else if (ev->http_server != NULL && g_str_has_prefix(ev->http_server, "acme-httpd"))
		score = 30;
	if (score == 0)
		return 0;
	/* the host owns the strings: replace them with g_free() + g_strdup() */
	g_free(match->vendor_id);
	match->vendor_id = g_strdup("acme");
	if (example_find(ev, "acme.model") != NULL) {
		g_free(match->model);
		match->model = g_strdup(example_find(ev, "acme.model"));
	}
	match->confidence = (guint32)score;
	return score;
}

static gboolean
example_build_stream_urls(gpointer plugin_data, const NvrVendorEvidence *ev,
			  const NvrVendorMatch *match, NvrStreamKind kind, guint channel,
			  GPtrArray *urls, GError **error)
{
	if (kind == NVR_STREAM_SNAPSHOT || ev->host == NULL)
		return TRUE;
	/* no credentials in a URL: the recorder passes them separately */
	g_ptr_array_add(urls, g_strdup_printf("rtsp://%s:%u/live/ch%u/%s", ev->host,
					      ev->rtsp_port != 0 ? ev->rtsp_port : 554u, MAX(channel, 1u),
					      kind == NVR_STREAM_MAIN ? "main" : "sub"));
	return TRUE;
}

static const NvrVendorPluginDesc example_desc = {
	.abi_major = NVR_VENDOR_ABI_MAJOR,
	.abi_minor = NVR_VENDOR_ABI_MINOR,
	.struct_size = sizeof(NvrVendorPluginDesc),
	.name = "example",
	.version = "1.0.0",
	.description = "ACME cameras (an example for plugin developers)",
	.license = "CC0-1.0",
	.quirk_keys = example_quirk_keys,
	.init = example_init,
	.finalize = example_finalize,
	.probe = example_probe,
	.identify = example_identify,
	.build_stream_urls = example_build_stream_urls,
};

NVR_VENDOR_PLUGIN_DEFINE(example_desc)
