/*
 * nvr-fakecam-mount-points.h: a camera's mount table. It differs from
 * GStreamer's in how a request URL becomes a path: the query parameters that
 * choose a stream (Dahua's channel and subtype, Axis' resolution) are kept,
 * the ones clients add (ONVIF forms, "?transportmode=...") are dropped.
 */
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include "fakecam/nvr-fakecam-persona.h"

G_BEGIN_DECLS

#define NVR_TYPE_FAKECAM_MOUNT_POINTS (nvr_fakecam_mount_points_get_type())
G_DECLARE_FINAL_TYPE(NvrFakecamMountPoints,
		     nvr_fakecam_mount_points,
		     NVR,
		     FAKECAM_MOUNT_POINTS,
		     GstRTSPMountPoints)

NvrFakecamMountPoints *
nvr_fakecam_mount_points_new(const NvrFakecamDevice *dev);

G_END_DECLS
