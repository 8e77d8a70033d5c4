/*
 * nvr-axis-parse.h: Axis VAPIX basicdeviceinfo.cgi (JSON, getAllProperties)
 * and the older param.cgi?action=list&group=root.Brand (key=value). Brand
 * is "AXIS" on Axis firmware; SerialNumber is the MAC (12 hex digits).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NVR_AXIS_REPLY_MAX (64 * 1024)

typedef struct {
	gchar *brand;
	gchar *prod_nbr;
	gchar *prod_full_name;
	gchar *serial;
	gchar *version;
	gchar *hardware_id;
	gchar *soc;
} NvrAxisDeviceInfo;

void nvr_axis_device_info_free(NvrAxisDeviceInfo *self);
NvrAxisDeviceInfo *nvr_axis_parse_basic_device_info(const gchar *data, gsize len,
						    GError **error) G_GNUC_WARN_UNUSED_RESULT;
NvrAxisDeviceInfo *nvr_axis_parse_param_brand(const gchar *data, gsize len,
					      GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean nvr_axis_serial_matches_mac(const gchar *serial, const gchar *mac);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrAxisDeviceInfo, nvr_axis_device_info_free)

G_END_DECLS
