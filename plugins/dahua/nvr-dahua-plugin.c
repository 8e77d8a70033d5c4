/*
 * the Dahua plugin, for Dahua-family firmware under any label (Amcrest,
 * Dahua-era Lorex, Imou, IC Realtime, EmpireTech...): magicBox
 * getSystemInfo, getVendor and getSoftwareVersion. An answer in magicBox's
 * format proves the firmware family; updateSerial is the Dahua model, and
 * getVendor (or ONVIF Manufacturer) the brand. Without credentials or
 * network it still reads the ONVIF firmware-format tell.
 */
#include "config.h"

#include <string.h>

#include "nvr-dahua-parse.h"
#include "nvr-plugin-util.h"

#define NVR_DAHUA_SOURCE "magicBox GET /cgi-bin/magicBox.cgi?action="

/* ONVIF FirmwareVersion "2.800.….R" (and HardwareId 1.00): the firmware family shows through */
static void
nvr_dahua_onvif_tell(NvrPluginData *self, NvrVendorCall *call, const NvrVendorEvidence *ev)
{
	g_autofree gchar *value = NULL;

	if (!nvr_dahua_firmware_format_matches(ev->onvif_firmware) ||
	    nvr_plugin_evidence_find(ev, "onvif.firmware-family") != NULL)
		return;
	value = g_strdup_printf("%s%s", ev->onvif_firmware,
				g_strcmp0(ev->onvif_hardware_id, "1.00") == 0 ? ", HardwareId 1.00" : "");
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_ONVIF, NVR_EVIDENCE_STRENGTH_MEDIUM,
				NVR_EVIDENCE_FLAG_FIRMWARE, "onvif.firmware-family", value, "dahua",
				NULL, "ONVIF GetDeviceInformation FirmwareVersion format (Dahua 2.800.….R)");
}

/* Returns: (transfer full) (nullable): the body of a 200 reply to one magicBox action */
static gchar *
nvr_dahua_action(NvrPluginData *self, NvrVendorCall *call, const gchar *action, guint *status,
		 gsize *len)
{
	NvrVendorHttpReply reply = {.struct_size = sizeof(NvrVendorHttpReply)};
	g_autofree gchar *path = g_strdup_printf("/cgi-bin/magicBox.cgi?action=%s", action);
	g_autoptr(GError) error = NULL;
	gchar *body;

	*status = 0;
	if (!nvr_plugin_http(self->host, call, "GET", path, NULL, NULL, 0, &reply, &error)) {
		nvr_plugin_log(self->host, G_LOG_LEVEL_INFO, "%s: %s", action, error->message);
		return NULL;
	}
	*status = reply.status;
	*len = reply.body_len;
	body = reply.status == 200 ? g_steal_pointer(&reply.body) : NULL;
	nvr_vendor_http_reply_clear(&reply);
	return body;
}

static void
nvr_dahua_add_system_info(NvrPluginData *self, NvrVendorCall *call, const NvrDahuaSystemInfo *info)
{
	const gchar *src = NVR_DAHUA_SOURCE "getSystemInfo";
	const gchar *proof = info->update_serial != NULL ? info->update_serial : info->device_type;

	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_STRONG, NVR_EVIDENCE_FLAG_FIRMWARE,
				"magicbox.update-serial", proof, "dahua", NULL, src);
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_NONE, 0, "magicbox.device-type", info->device_type,
				NULL, NULL, src);
	/* the maker's model: the verdict shows it beside the label's when they differ */
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_NONE, 0, "firmware.model", info->update_serial,
				NULL, NULL, src);
}

/* white-label builds answer getVendor with "General" (and ONVIF Manufacturer likewise): a
 * label that names no brand, not a brand called general */
static gchar *
nvr_dahua_brand_key(NvrPluginData *self, const gchar *vendor)
{
	if (vendor == NULL || g_ascii_strcasecmp(vendor, "General") == 0)
		return NULL;
	return nvr_plugin_brand_key(self->host, vendor);
}

static void
nvr_dahua_probe_vendor(NvrPluginData *self, NvrVendorCall *call)
{
	g_autofree gchar *body = NULL;
	g_autofree gchar *vendor = NULL;
	g_autofree gchar *version = NULL;
	g_autofree gchar *brand = NULL;
	guint status = 0;
	gsize len = 0;

	body = nvr_dahua_action(self, call, "getVendor", &status, &len);
	vendor = body != NULL ? nvr_dahua_parse_value(body, len, "vendor", NULL) : NULL;
	brand = nvr_dahua_brand_key(self, vendor);
	/* an OEM build names its own brand; Dahua's names Dahua */
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_NONE, 0, "magicbox.vendor", vendor, NULL, brand,
				NVR_DAHUA_SOURCE "getVendor");
	g_clear_pointer(&body, g_free);
	body = nvr_dahua_action(self, call, "getSoftwareVersion", &status, &len);
	version = body != NULL ? nvr_dahua_parse_value(body, len, "version", NULL) : NULL;
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_VENDOR_API,
				NVR_EVIDENCE_STRENGTH_NONE, 0, "magicbox.software-version", version, NULL,
				NULL, NVR_DAHUA_SOURCE "getSoftwareVersion");
}

static gboolean
nvr_dahua_probe(gpointer plugin_data, NvrVendorCall *call, const NvrVendorEvidence *ev,
		GError **error)
{
	NvrPluginData *self = plugin_data;
	g_autofree gchar *body = NULL;
	g_autoptr(NvrDahuaSystemInfo) info = NULL;
	g_autoptr(GError) error_local = NULL;
	guint status = 0;
	gsize len = 0;

	nvr_dahua_onvif_tell(self, call, ev);
	body = nvr_dahua_action(self, call, "getSystemInfo", &status, &len);
	if (body == NULL)
		return TRUE; /* no answer, 401, 404: no evidence, no failure */
	info = nvr_dahua_parse_system_info(body, len, &error_local);
	if (info == NULL) {
		nvr_plugin_log(self->host, G_LOG_LEVEL_INFO, "getSystemInfo: %s", error_local->message);
		return TRUE;
	}
	nvr_dahua_add_system_info(self, call, info);
	nvr_dahua_probe_vendor(self, call);
	return TRUE;
}

static gint
nvr_dahua_identify(gpointer plugin_data, const NvrVendorEvidence *ev, NvrVendorMatch *match,
		   GError **error)
{
	const NvrVendorEvidenceItem *vendor = nvr_plugin_evidence_find(ev, "magicbox.vendor");
	gint score = nvr_plugin_score_passive(ev, "dahua");

	if (nvr_plugin_evidence_find(ev, "magicbox.update-serial") != NULL)
		score = 95;
	else if (nvr_plugin_evidence_find(ev, "onvif.firmware-family") != NULL)
		score = 70;
	/* the label's model (an OEM's SKU); the Dahua model is firmware.model */
	if (nvr_plugin_match_fill(match, "dahua", score, nvr_plugin_evidence_find(ev, "magicbox.device-type"),
				  nvr_plugin_evidence_find(ev, "magicbox.software-version")) == 0)
		return 0;
	if (vendor != NULL && vendor->brand != NULL) {
		g_free(match->brand);
		match->brand = g_strdup(vendor->brand);
	}
	match->flags |= NVR_VENDOR_FLAG_DIGEST_AUTH;
	return score;
}

static const NvrVendorPluginDesc nvr_dahua_desc = {
	.abi_major = NVR_VENDOR_ABI_MAJOR,
	.abi_minor = NVR_VENDOR_ABI_MINOR,
	.struct_size = sizeof(NvrVendorPluginDesc),
	.name = "dahua",
	.version = "1.0.0",
	.description = "Dahua-family firmware (Dahua, Amcrest, Lorex, Imou...): magicBox CGI",
	.license = "GPL-2.0-or-later",
	.init = nvr_plugin_data_init,
	.finalize = nvr_plugin_data_finalize,
	.probe = nvr_dahua_probe,
	.identify = nvr_dahua_identify,
};

NVR_VENDOR_PLUGIN_DEFINE(nvr_dahua_desc)
