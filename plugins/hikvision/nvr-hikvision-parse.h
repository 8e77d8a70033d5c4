/*
 * nvr-hikvision-parse.h: Hikvision ISAPI GET /ISAPI/System/deviceInfo
 * (and the older /PSIA/System/deviceInfo). The root element's namespace
 * names the firmware family (identification-signals.md §3.1):
 * hikvision.com/ver20 (Hikvision-branded), isapi.org/ver20 (newer firmware,
 * NVRs), std-cgi.com/ver20 (brand-neutral OEM firmware); ver10 of the
 * hikvision.com and std-cgi.com schemas on older firmware. Untrusted input:
 * a size cap, no DTD (so no entities), no network, bounded strings.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NVR_HIKVISION_DEVICE_INFO_MAX (256 * 1024)

typedef enum {
	NVR_HIKVISION_NS_HIKVISION, /* http://www.hikvision.com/ver20/XMLSchema */
	NVR_HIKVISION_NS_ISAPI,	    /* http://www.isapi.org/ver20/XMLSchema */
	NVR_HIKVISION_NS_STD_CGI,   /* http://www.std-cgi.com/ver20/XMLSchema: OEM firmware */
	NVR_HIKVISION_NS_PSIA,	    /* urn:psialliance-org: old firmware, and other PSIA makers */
} NvrHikvisionNamespace;

typedef struct {
	NvrHikvisionNamespace ns;
	const gchar *ns_name; /* "hikvision.com/ver10": the family and the schema version */
	gchar *ns_uri;
	gchar *device_name;
	gchar *model;
	gchar *serial;
	gchar *mac;
	gchar *firmware;
	gchar *firmware_date;
	gchar *device_type;
	gchar *manufacturer;   /* "hikvision"; absent on some NVR firmware */
	gchar *oem_code;       /* "1" on Hikvision-branded units */
	gchar *telecontrol_id; /* "88" */
	gchar *system_contact; /* "Hikvision.China"; "STD-CGI" on OEM firmware */
	gchar *device_id;
} NvrHikvisionDeviceInfo;

void nvr_hikvision_device_info_free(NvrHikvisionDeviceInfo *self);
NvrHikvisionDeviceInfo *nvr_hikvision_parse_device_info(const gchar *data, gsize len,
							GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean nvr_hikvision_device_info_is_oem(const NvrHikvisionDeviceInfo *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrHikvisionDeviceInfo, nvr_hikvision_device_info_free)

G_END_DECLS
