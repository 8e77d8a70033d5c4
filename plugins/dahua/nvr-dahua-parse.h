/*
 * nvr-dahua-parse.h: Dahua CGI answers (magicBox.cgi: getSystemInfo,
 * getVendor, getSoftwareVersion) are "key=value" lines. updateSerial is the
 * true Dahua model whatever the label says (identification-signals.md §3.2),
 * and an answer in this format at all means Dahua-family firmware.
 * Also the ONVIF tells of that firmware: FirmwareVersion "2.800.….R, Build
 * Date …" or "V2.800.00AC003.0.R", HardwareId "1.00".
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NVR_DAHUA_REPLY_MAX (64 * 1024)

typedef struct {
	gchar *device_type;   /* Dahua's model, or the OEM's SKU (Amcrest IP4M-1041B); "31" on NVRs */
	gchar *serial;
	gchar *update_serial; /* the Dahua model: IPC-…, DH-…, DHI-…, NVR… */
	gchar *processor;
	gchar *hardware_version;
} NvrDahuaSystemInfo;

void nvr_dahua_system_info_free(NvrDahuaSystemInfo *self);
GHashTable *nvr_dahua_parse_kv(const gchar *data, gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;
NvrDahuaSystemInfo *nvr_dahua_parse_system_info(const gchar *data, gsize len,
						GError **error) G_GNUC_WARN_UNUSED_RESULT;
gchar *nvr_dahua_parse_value(const gchar *data, gsize len, const gchar *key,
			     GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean nvr_dahua_firmware_format_matches(const gchar *firmware);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrDahuaSystemInfo, nvr_dahua_system_info_free)

G_END_DECLS
