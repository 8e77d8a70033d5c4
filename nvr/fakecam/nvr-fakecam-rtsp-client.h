/*
 * nvr-fakecam-rtsp-client.h: an RTSP connection to a simulated camera. It
 * answers with the persona's Server header and maps the vendors' URL forms
 * (extra query parameters) onto the camera's mounts.
 */
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include "fakecam/nvr-fakecam-persona.h"

G_BEGIN_DECLS

#define NVR_TYPE_FAKECAM_RTSP_CLIENT (nvr_fakecam_rtsp_client_get_type())
G_DECLARE_FINAL_TYPE(NvrFakecamRtspClient,
		     nvr_fakecam_rtsp_client,
		     NVR,
		     FAKECAM_RTSP_CLIENT,
		     GstRTSPClient)

NvrFakecamRtspClient *
nvr_fakecam_rtsp_client_new(const NvrFakecamDevice *dev);

G_END_DECLS
