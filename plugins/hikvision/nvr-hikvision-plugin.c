/*
 * the Hikvision plugin: asks ISAPI (then PSIA, on old firmware) for the
 * device information. An answer in an ISAPI namespace proves the firmware
 * family, whatever the label says (OEM builds: std-cgi.com namespace,
 * systemContact STD-CGI, another manufacturer).
 */
#include "config.h"

#include <string.h>

#include "nvr-hikvision-parse.h"
#include "nvr-plugin-util.h"

static const gchar *const nvr_hikvision_paths[] = {"/ISAPI/System/deviceInfo",
						   "/PSIA/System/deviceInfo"};

static void
nvr_hikvision_add_info(NvrPluginData *self, NvrVendorCall *call,
		       const NvrHikvisionDeviceInfo *info, const gchar *path)
{
	g_autofree gchar *source = g_strdup_printf("ISAPI GET %s", path);
	g_autofree gchar *brand = NULL;
	g_autofree gchar *firmware = NULL;
	gboolean psia = info->ns == NVR_HIKVISION_NS_PSIA;
	const gchar *ns = info->ns_name;

	if (nvr_hikvision_device_info_is_oem(info) && info->manufacturer != NULL)
		brand = nvr_plugin_brand_key(self->host, info->manufacturer);
	/* PSIA is a standard other makers used too: medium, not proof of the firmware family */
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				psia ? NVR_EVIDENCE_STRENGTH_MEDIUM : NVR_EVIDENCE_STRENGTH_STRONG,
				psia ? 0 : NVR_EVIDENCE_FLAG_FIRMWARE, "isapi.namespace", ns,
				"hikvision", brand, source);
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_NONE, 0, "isapi.model", info->model, NULL, NULL,
				source);
	firmware = info->firmware_date != NULL
			   ? g_strdup_printf("%s %s", info->firmware, info->firmware_date)
			   : g_strdup(info->firmware);
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_NONE, 0, "isapi.firmware", firmware, NULL, NULL,
				source);
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_NONE, 0, "isapi.device-type", info->device_type,
				NULL, NULL, source);
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_NONE, 0, "isapi.mac", info->mac, NULL, NULL, source);
	if (nvr_hikvision_device_info_is_oem(info))
		nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
					NVR_EVIDENCE_STRENGTH_NONE, 0, "isapi.oem",
					info->manufacturer != NULL ? info->manufacturer : "OEM firmware",
					NULL, brand, source);
}

/* ISAPI first; PSIA only on firmware that has no ISAPI */
static gboolean
nvr_hikvision_probe(gpointer plugin_data, NvrVendorCall *call, const NvrVendorEvidence *evidence,
		    GError **error)
{
	NvrPluginData *self = plugin_data;

	for (guint i = 0; i < G_N_ELEMENTS(nvr_hikvision_paths); i++) {
		NvrVendorHttpReply reply = {.struct_size = sizeof(NvrVendorHttpReply)};
		g_autoptr(GError) error_local = NULL;
		g_autoptr(NvrHikvisionDeviceInfo) info = NULL;
		guint status;
		if (!nvr_plugin_http(self->host, call, "GET", nvr_hikvision_paths[i], NULL, NULL, 0,
				     &reply, &error_local)) {
			nvr_plugin_log(self->host, G_LOG_LEVEL_INFO, "%s: %s", nvr_hikvision_paths[i],
				       error_local->message);
			return TRUE; /* a silent device is no plugin failure */
		}
		if (reply.status == 200)
			info = nvr_hikvision_parse_device_info(reply.body, reply.body_len, &error_local);
		if (info != NULL)
			nvr_hikvision_add_info(self, call, info, nvr_hikvision_paths[i]);
		else if (reply.status == 200)
			nvr_plugin_log(self->host, G_LOG_LEVEL_INFO, "%s: %s", nvr_hikvision_paths[i],
				       error_local->message);
		status = reply.status;
		nvr_vendor_http_reply_clear(&reply);
		if (info != NULL || status == 401)
			break;
	}
	return TRUE;
}

static gint
nvr_hikvision_identify(gpointer plugin_data, const NvrVendorEvidence *ev, NvrVendorMatch *match,
		       GError **error)
{
	const NvrVendorEvidenceItem *ns = nvr_plugin_evidence_find(ev, "isapi.namespace");
	gint score = nvr_plugin_score_passive(ev, "hikvision");

	if (ns != NULL)
		score = ns->strength == NVR_EVIDENCE_STRENGTH_STRONG ? 95 : 60;
	if (nvr_plugin_match_fill(match, "hikvision", score, nvr_plugin_evidence_find(ev, "isapi.model"),
				  nvr_plugin_evidence_find(ev, "isapi.firmware")) == 0)
		return 0;
	if (ns != NULL && ns->brand != NULL) {
		g_free(match->brand);
		match->brand = g_strdup(ns->brand);
	}
	match->flags |= NVR_VENDOR_FLAG_DIGEST_AUTH;
	return score;
}

/* "V4.1.25 build 140417" -> 4 */
static guint
nvr_hikvision_firmware_major(const gchar *firmware)
{
	if (firmware == NULL || (firmware[0] != 'V' && firmware[0] != 'v'))
		return 0;
	return (guint)g_ascii_strtoull(firmware + 1, NULL, 10);
}

/*
 * Only what the quirk templates cannot know: PSIA-era firmware streams at
 * /PSIA/streaming/channels/N01, and firmware before V5 prefers the legacy
 * /h264/chN/main/av_stream paths. Everything else comes from
 * [VENDOR\hikvision] StreamMain/StreamSub, which the host adds after these.
 */
static gboolean
nvr_hikvision_build_stream_urls(gpointer plugin_data, const NvrVendorEvidence *ev,
				const NvrVendorMatch *match, NvrStreamKind kind, guint channel,
				GPtrArray *urls, GError **error)
{
	const NvrVendorEvidenceItem *ns = nvr_plugin_evidence_find(ev, "isapi.namespace");
	guint ch = MAX(channel, 1u);
	g_autofree gchar *path = NULL;

	if (kind == NVR_STREAM_SNAPSHOT)
		return TRUE;
	if (ns != NULL && g_strcmp0(ns->value, "psialliance-org") == 0)
		path = g_strdup_printf("/PSIA/streaming/channels/%u0%u", ch, kind == NVR_STREAM_MAIN ? 1 : 2);
	else if (nvr_hikvision_firmware_major(match->firmware) > 0 &&
		 nvr_hikvision_firmware_major(match->firmware) < 5)
		path = g_strdup_printf("/h264/ch%u/%s/av_stream", ch, kind == NVR_STREAM_MAIN ? "main" : "sub");
	if (path != NULL && ev->host != NULL)
		g_ptr_array_add(urls, nvr_plugin_rtsp_url(ev, path));
	return TRUE;
}

static const NvrVendorPluginDesc nvr_hikvision_desc = {
	.abi_major = NVR_VENDOR_ABI_MAJOR,
	.abi_minor = NVR_VENDOR_ABI_MINOR,
	.struct_size = sizeof(NvrVendorPluginDesc),
	.name = "hikvision",
	.version = "1.0.0",
	.description = "Hikvision and OEM firmware: ISAPI and PSIA deviceInfo",
	.license = "GPL-2.0-or-later",
	.init = nvr_plugin_data_init,
	.finalize = nvr_plugin_data_finalize,
	.probe = nvr_hikvision_probe,
	.identify = nvr_hikvision_identify,
	.build_stream_urls = nvr_hikvision_build_stream_urls,
};

NVR_VENDOR_PLUGIN_DEFINE(nvr_hikvision_desc)
