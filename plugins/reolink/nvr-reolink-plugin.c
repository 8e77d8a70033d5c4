/*
 * the Reolink plugin: the HTTP API's GetDevInfo, with the credentials
 * passed as query parameters that the host fills in ({user}, {password}):
 * the plugin never sees them, and the log shows only the placeholders.
 * Battery and Wi-Fi models that speak only Baichuan (TCP 9000) are out of
 * reach of an HTTP probe.
 */
#include "config.h"

#include "nvr-plugin-util.h"
#include "nvr-reolink-parse.h"

#define NVR_REOLINK_PATH "/api.cgi?cmd=GetDevInfo&user={user}&password={password}"

static void
nvr_reolink_add_info(NvrPluginData *self, NvrVendorCall *call, const NvrReolinkDevInfo *info)
{
	const gchar *source = "Reolink API POST /api.cgi?cmd=GetDevInfo";

	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_STRONG, NVR_EVIDENCE_FLAG_FIRMWARE,
				"reolink.model", info->model, "reolink", NULL, source);
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_NONE, 0, "reolink.hardware", info->hard_ver, NULL,
				NULL, source);
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_NONE, 0, "reolink.firmware", info->firm_ver, NULL,
				NULL, source);
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_NONE, 0, "reolink.type", info->type, NULL, NULL,
				source);
}

static gboolean
nvr_reolink_probe(gpointer plugin_data, NvrVendorCall *call, const NvrVendorEvidence *ev,
		  GError **error)
{
	NvrPluginData *self = plugin_data;
	NvrVendorHttpReply reply = {.struct_size = sizeof(NvrVendorHttpReply)};
	g_autoptr(GError) error_local = NULL;
	g_autoptr(NvrReolinkDevInfo) info = NULL;
	gint rsp_code = 0;

	if (!nvr_plugin_http(self->host, call, "POST", NVR_REOLINK_PATH, "application/json",
			     "[{\"cmd\":\"GetDevInfo\",\"action\":0,\"param\":{}}]",
			     NVR_VENDOR_HTTP_FLAG_CREDENTIALS, &reply, &error_local)) {
		nvr_plugin_log(self->host, G_LOG_LEVEL_INFO, "GetDevInfo: %s", error_local->message);
		return TRUE;
	}
	if (reply.status == 200)
		info = nvr_reolink_parse_dev_info(reply.body, reply.body_len, &rsp_code, &error_local);
	nvr_vendor_http_reply_clear(&reply);
	if (info != NULL)
		nvr_reolink_add_info(self, call, info);
	else if (rsp_code == -6 || rsp_code == -7)
		nvr_plugin_log(self->host, G_LOG_LEVEL_INFO, "GetDevInfo: the camera refused the credentials");
	return TRUE;
}

static gint
nvr_reolink_identify(gpointer plugin_data, const NvrVendorEvidence *ev, NvrVendorMatch *match,
		     GError **error)
{
	const NvrVendorEvidenceItem *model = nvr_plugin_evidence_find(ev, "reolink.model");

	return nvr_plugin_match_fill(match, "reolink",
				     model != NULL ? 95 : nvr_plugin_score_passive(ev, "reolink"), model,
				     nvr_plugin_evidence_find(ev, "reolink.firmware"));
}

static const NvrVendorPluginDesc nvr_reolink_desc = {
	.abi_major = NVR_VENDOR_ABI_MAJOR,
	.abi_minor = NVR_VENDOR_ABI_MINOR,
	.struct_size = sizeof(NvrVendorPluginDesc),
	.name = "reolink",
	.version = "1.0.0",
	.description = "Reolink: HTTP API GetDevInfo",
	.license = "GPL-2.0-or-later",
	.init = nvr_plugin_data_init,
	.finalize = nvr_plugin_data_finalize,
	.probe = nvr_reolink_probe,
	.identify = nvr_reolink_identify,
};

NVR_VENDOR_PLUGIN_DEFINE(nvr_reolink_desc)
