/*
 * nvrctl-camera-find.h: camera add NAME HOST[:HTTP_PORT] — the stream URLs
 * of a camera known only by its address (nvr/vendor/nvr-stream-find.h):
 * ONVIF first, then the templates of the identified vendor, each checked
 * with an RTSP DESCRIBE before it is accepted; and the restricted-vendor
 * warning when the device's maker is on a list. camera add NAME URL only
 * identifies the URL's host, for that warning (nvrctl_camera_identify()).
 */
#pragma once

#include <glib.h>

#include "vendor/nvr-stream-find.h"

G_BEGIN_DECLS

/* what camera add takes beyond NAME and HOST; the defaults are identify's */
typedef struct {
	gint rtsp_port;	 /* 0: 554 */
	gint wsd_port;	 /* 0: no WS-Discovery probe */
	gint https_port; /* -1: 443 unless HOST gives an HTTP port; 0: none */
	gint timeout_s;	 /* per probe step and per DESCRIBE */
	gchar *onvif_url; /* nullable: http://HOST:HTTP_PORT/onvif/device_service */
	gint http_port;	  /* camera add NAME URL: the device's web port; 0: 80 */
} NvrctlCameraFindArgs;

#define NVRCTL_CAMERA_FIND_ARGS_INIT {0, 3702, -1, 3, NULL, 0}
/* identification after camera add NAME URL ends by this many --timeout in all */
#define NVRCTL_CAMERA_IDENTIFY_STEPS 4

gboolean nvrctl_camera_find_wanted(const gchar *target);
gboolean nvrctl_camera_find_check_args(const NvrctlCameraFindArgs *args, GError **error);
NvrStreamFind *nvrctl_camera_find(const gchar *state_dir, const gchar *target,
				  const NvrctlCameraFindArgs *args, const gchar *user,
				  const gchar *password, GError **error);
void nvrctl_camera_find_print(const NvrStreamFind *found);
NvrVerdict *nvrctl_camera_identify(const gchar *state_dir, const gchar *host, guint rtsp_port,
				   const NvrctlCameraFindArgs *args, const gchar *user,
				   const gchar *password, GPtrArray **log, GError **error);
void nvrctl_camera_print_verdict(const NvrVerdict *v);
gint nvrctl_camera_find_fail(gboolean json, const NvrStreamFind *found, const GError *error);

G_END_DECLS
