/*
 * the Axis plugin: VAPIX basicdeviceinfo (POST, JSON), then param.cgi on
 * older firmware. Brand AXIS proves the firmware; a serial number equal to
 * the MAC is Axis's own second, independent confirmation.
 */
#include "config.h"

#include "nvr-axis-parse.h"
#include "nvr-plugin-util.h"

#define NVR_AXIS_BASIC "/axis-cgi/basicdeviceinfo.cgi"
#define NVR_AXIS_PARAM "/axis-cgi/param.cgi?action=list&group=root.Brand"

/* Returns: (transfer full) (nullable) */
static NvrAxisDeviceInfo *
nvr_axis_ask(NvrPluginData *self, NvrVendorCall *call, gboolean basic)
{
	NvrVendorHttpReply reply = {.struct_size = sizeof(NvrVendorHttpReply)};
	g_autoptr(GError) error = NULL;
	NvrAxisDeviceInfo *info = NULL;
	gboolean ok = basic ? nvr_plugin_http(self->host, call, "POST", NVR_AXIS_BASIC,
					      "application/json",
					      "{\"apiVersion\":\"1.0\",\"method\":\"getAllProperties\"}",
					      0, &reply, &error)
			    : nvr_plugin_http(self->host, call, "GET", NVR_AXIS_PARAM, NULL, NULL, 0,
					      &reply, &error);

	if (ok && reply.status == 200)
		info = basic ? nvr_axis_parse_basic_device_info(reply.body, reply.body_len, &error)
			     : nvr_axis_parse_param_brand(reply.body, reply.body_len, &error);
	if (error != NULL)
		nvr_plugin_log(self->host, G_LOG_LEVEL_INFO, "%s: %s", basic ? NVR_AXIS_BASIC : "param.cgi",
			       error->message);
	nvr_vendor_http_reply_clear(&reply);
	return info;
}

static void
nvr_axis_add_info(NvrPluginData *self, NvrVendorCall *call, const NvrVendorEvidence *ev,
		  const NvrAxisDeviceInfo *info, const gchar *source)
{
	gboolean axis = g_ascii_strcasecmp(info->brand, "AXIS") == 0;
	g_autofree gchar *brand = axis ? g_strdup("axis") : nvr_plugin_vendor_key(info->brand);

	/* VAPIX answering at all is Axis firmware; another Brand is an Axis OEM build */
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_STRONG, NVR_EVIDENCE_FLAG_FIRMWARE, "vapix.brand",
				info->brand, "axis", brand, source);
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_NONE, 0, "vapix.model", info->prod_nbr, NULL, NULL,
				source);
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_NONE, 0, "vapix.firmware", info->version, NULL,
				NULL, source);
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_NONE, 0, "vapix.serial", info->serial, NULL, NULL,
				source);
	if (nvr_axis_serial_matches_mac(info->serial, ev->mac))
		nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
					NVR_EVIDENCE_STRENGTH_NONE, 0, "vapix.serial-is-mac", ev->mac,
					NULL, NULL, "VAPIX SerialNumber equals the MAC, as on Axis devices");
}

static gboolean
nvr_axis_probe(gpointer plugin_data, NvrVendorCall *call, const NvrVendorEvidence *ev,
	       GError **error)
{
	NvrPluginData *self = plugin_data;
	g_autoptr(NvrAxisDeviceInfo) info = nvr_axis_ask(self, call, TRUE);

	if (info != NULL) {
		nvr_axis_add_info(self, call, ev, info, "VAPIX POST " NVR_AXIS_BASIC);
		return TRUE;
	}
	info = nvr_axis_ask(self, call, FALSE);
	if (info != NULL)
		nvr_axis_add_info(self, call, ev, info, "VAPIX GET " NVR_AXIS_PARAM);
	return TRUE;
}

static gint
nvr_axis_identify(gpointer plugin_data, const NvrVendorEvidence *ev, NvrVendorMatch *match,
		  GError **error)
{
	gboolean api = nvr_plugin_evidence_find(ev, "vapix.brand") != NULL;

	return nvr_plugin_match_fill(match, "axis", api ? 95 : nvr_plugin_score_passive(ev, "axis"),
				     nvr_plugin_evidence_find(ev, "vapix.model"),
				     nvr_plugin_evidence_find(ev, "vapix.firmware"));
}

static const NvrVendorPluginDesc nvr_axis_desc = {
	.abi_major = NVR_VENDOR_ABI_MAJOR,
	.abi_minor = NVR_VENDOR_ABI_MINOR,
	.struct_size = sizeof(NvrVendorPluginDesc),
	.name = "axis",
	.version = "1.0.0",
	.description = "Axis Communications: VAPIX basicdeviceinfo and param.cgi",
	.license = "GPL-2.0-or-later",
	.init = nvr_plugin_data_init,
	.finalize = nvr_plugin_data_finalize,
	.probe = nvr_axis_probe,
	.identify = nvr_axis_identify,
};

NVR_VENDOR_PLUGIN_DEFINE(nvr_axis_desc)
