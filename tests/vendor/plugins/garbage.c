/*
 * a plugin that returns garbage from every callback: scores out of range,
 * strings that are not UTF-8, URLs with credentials, failure without an
 * error, evidence of an unknown class, requests for absurd paths. Each call
 * must be caught by the host's runner, and the plugin disabled after three.
 */
#include "test-plugin-common.h"

typedef struct {
	const NvrVendorHost *host;
} Garbage;

static gboolean
garbage_init(const NvrVendorHost *host, gpointer *data, GError **error)
{
	Garbage *self = g_new0(Garbage, 1);

	self->host = host;
	*data = self;
	return TRUE;
}

static void
garbage_finalize(gpointer data)
{
	g_free(data);
}

static gboolean
garbage_probe(gpointer data, NvrVendorCall *call, const NvrVendorEvidence *ev, GError **error)
{
	Garbage *self = data;
	NvrVendorEvidenceItem item = {sizeof(item), 99, 7, 0xff, "BAD KEY", "v", "Not A Key", NULL, NULL};
	NvrVendorHttpRequest req = {sizeof(req), 0, 0, 0, 0, 0, "DELETE", "http://evil/x", NULL, NULL, 0};
	NvrVendorHttpReply reply = {sizeof(reply)};

	self->host->evidence_add(call, &item, NULL);
	self->host->http_request(call, &req, &reply, NULL);
	self->host->log(self->host->host_data, G_LOG_LEVEL_ERROR, "\x1b[2J an ERROR from a plugin is only a warning");
	return FALSE; /* and no error set */
}

static gint
garbage_identify(gpointer data, const NvrVendorEvidence *ev, NvrVendorMatch *match, GError **error)
{
	g_free(match->model);
	match->model = g_strdup("\xff\xfe not UTF-8");
	g_free(match->vendor_id);
	match->vendor_id = g_strdup("Not A Vendor Key");
	return 1000;
}

static gboolean
garbage_build_stream_urls(gpointer data, const NvrVendorEvidence *ev, const NvrVendorMatch *match,
			  NvrStreamKind kind, guint channel, GPtrArray *urls, GError **error)
{
	g_ptr_array_add(urls, g_strdup("rtsp://admin:secret@192.0.2.10/live"));
	g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "an error with success");
	return TRUE;
}

static const NvrVendorPluginDesc garbage_desc = {
	.abi_major = NVR_VENDOR_ABI_MAJOR,
	.abi_minor = NVR_VENDOR_ABI_MINOR,
	.struct_size = sizeof(NvrVendorPluginDesc),
	.name = "garbage",
	.version = "0.0.1",
	.license = "CC0-1.0",
	.init = garbage_init,
	.finalize = garbage_finalize,
	.probe = garbage_probe,
	.identify = garbage_identify,
	.build_stream_urls = garbage_build_stream_urls,
};
NVR_VENDOR_PLUGIN_DEFINE(garbage_desc)
