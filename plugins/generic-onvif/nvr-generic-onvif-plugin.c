/*
 * the generic-onvif plugin: for cameras that speak ONVIF and nothing a
 * vendor plugin knows. It names no maker (generic firmware names none),
 * explains the well-known generic names, and offers the stream URIs the
 * device gave through ONVIF GetStreamUri.
 */
#include "config.h"

#include "nvr-plugin-util.h"

/* ONVIF Manufacturer values of generic firmware (identification-signals.md §1, traps) */
static const gchar *const nvr_generic_names[] = {"IPCAM", "IPC", "IP CAMERA", "NETCAM", "H264",
						 "ONVIF", "GENERIC", "CAMHIPRO", NULL};

static gboolean
nvr_generic_name_is_generic(const gchar *name)
{
	g_autofree gchar *up = name != NULL ? g_ascii_strup(name, -1) : NULL;

	return up != NULL && g_strv_contains(nvr_generic_names, up);
}

/* no network: an explanation, as evidence that points nowhere */
static gboolean
nvr_generic_probe(gpointer plugin_data, NvrVendorCall *call, const NvrVendorEvidence *ev,
		  GError **error)
{
	NvrPluginData *self = plugin_data;

	if (!nvr_generic_name_is_generic(ev->onvif_manufacturer) ||
	    nvr_plugin_evidence_find(ev, "onvif.generic-firmware") != NULL)
		return TRUE;
	nvr_plugin_evidence_add(self->host, call, NVR_EVIDENCE_CLASS_ONVIF, NVR_EVIDENCE_STRENGTH_NONE,
				0, "onvif.generic-firmware", ev->onvif_manufacturer, NULL, NULL,
				"ONVIF Manufacturer of generic firmware: it does not name the maker");
	return TRUE;
}

/* a low claim on anything that speaks ONVIF, so that its stream URIs are offered */
static gint
nvr_generic_identify(gpointer plugin_data, const NvrVendorEvidence *ev, NvrVendorMatch *match,
		     GError **error)
{
	if (ev->onvif_manufacturer == NULL && nvr_plugin_evidence_find(ev, "onvif.stream-uri.main") == NULL)
		return 0;
	return 10;
}

static gboolean
nvr_generic_build_stream_urls(gpointer plugin_data, const NvrVendorEvidence *ev,
			      const NvrVendorMatch *match, NvrStreamKind kind, guint channel,
			      GPtrArray *urls, GError **error)
{
	const gchar *key = kind == NVR_STREAM_MAIN  ? "onvif.stream-uri.main"
			   : kind == NVR_STREAM_SUB ? "onvif.stream-uri.sub"
						    : "onvif.snapshot-uri";
	const NvrVendorEvidenceItem *item = nvr_plugin_evidence_find(ev, key);

	if (item != NULL && channel <= 1)
		g_ptr_array_add(urls, g_strdup(item->value));
	return TRUE;
}

static const NvrVendorPluginDesc nvr_generic_desc = {
	.abi_major = NVR_VENDOR_ABI_MAJOR,
	.abi_minor = NVR_VENDOR_ABI_MINOR,
	.struct_size = sizeof(NvrVendorPluginDesc),
	.name = "generic-onvif",
	.version = "1.0.0",
	.description = "ONVIF cameras of generic firmware: names no maker, offers ONVIF stream URIs",
	.license = "GPL-2.0-or-later",
	.init = nvr_plugin_data_init,
	.finalize = nvr_plugin_data_finalize,
	.probe = nvr_generic_probe,
	.identify = nvr_generic_identify,
	.build_stream_urls = nvr_generic_build_stream_urls,
};

NVR_VENDOR_PLUGIN_DEFINE(nvr_generic_desc)
