/*
 * nvr-fakecam-camera.h: one simulated camera, a "device" of its own: an
 * RTSP server with the persona's two mounts, an HTTP server (banner, vendor
 * API, ONVIF) and a WS-Discovery socket, each on its own port, plus the
 * fault controls (drop, stall, resolution, jump).
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "fakecam/nvr-fakecam-clip.h"
#include "fakecam/nvr-fakecam-persona.h"
#include "fakecam/nvr-fakecam-stream.h"

G_BEGIN_DECLS

#define NVR_FAKECAM_MAIN 0
#define NVR_FAKECAM_SUB 1

typedef struct {
	const NvrFakecamPersona *persona;
	guint index;	     /* 1-based */
	const gchar *address; /* to bind, e.g. "127.0.0.1" */
	guint rtsp_port;     /* 0: any free port */
	guint http_port;
	const gchar *user;
	const gchar *password; /* NULL: no authentication */
	NvrFakecamClip *clip;
	GBytes *jpeg;
	GMainContext *feeder_context;
	guint mtu;
	guint fps;
	guint bitrate[2]; /* nominal, for ONVIF profiles */
} NvrFakecamCameraConfig;

#define NVR_TYPE_FAKECAM_CAMERA (nvr_fakecam_camera_get_type())
G_DECLARE_FINAL_TYPE(NvrFakecamCamera, nvr_fakecam_camera, NVR, FAKECAM_CAMERA, GObject)

NvrFakecamCamera *
nvr_fakecam_camera_new(const NvrFakecamCameraConfig *config, GError **error);
const NvrFakecamDevice *
nvr_fakecam_camera_get_device(NvrFakecamCamera *self);
NvrFakecamStream *
nvr_fakecam_camera_get_stream(NvrFakecamCamera *self, guint stream);
guint
nvr_fakecam_camera_get_wsd_port(NvrFakecamCamera *self);
gchar *
nvr_fakecam_camera_describe(NvrFakecamCamera *self, const gchar *control_url);
void
nvr_fakecam_camera_drop(NvrFakecamCamera *self, guint refuse_ms);
void
nvr_fakecam_camera_stop_rtsp(NvrFakecamCamera *self);
void
nvr_fakecam_camera_end_sessions(NvrFakecamCamera *self);
guint
nvr_fakecam_camera_get_connections(NvrFakecamCamera *self);
void
nvr_fakecam_camera_set_video(NvrFakecamCamera *self, guint stream, NvrFakecamTrack *track);
void
nvr_fakecam_camera_add_stats(NvrFakecamCamera *self, JsonBuilder *b);
void
nvr_fakecam_camera_answer_probe(NvrFakecamCamera *self,
				const gchar *data,
				gsize len,
				GSocketAddress *from);

guint
nvr_fakecam_soup_listen(SoupServer *server, const gchar *address, guint port, GError **error);

G_END_DECLS
