/*
 * nvr-fakecam-rtsp-server.h: the RTSP server of one simulated camera; it
 * only differs from GStreamer's in the clients it makes (persona-aware).
 */
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include "fakecam/nvr-fakecam-persona.h"

G_BEGIN_DECLS

#define NVR_TYPE_FAKECAM_RTSP_SERVER (nvr_fakecam_rtsp_server_get_type())
G_DECLARE_FINAL_TYPE(NvrFakecamRtspServer,
		     nvr_fakecam_rtsp_server,
		     NVR,
		     FAKECAM_RTSP_SERVER,
		     GstRTSPServer)

NvrFakecamRtspServer *
nvr_fakecam_rtsp_server_new(const NvrFakecamDevice *dev);

G_END_DECLS
