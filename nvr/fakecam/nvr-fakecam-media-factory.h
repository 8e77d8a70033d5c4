/*
 * nvr-fakecam-media-factory.h: builds the pipeline of one mount,
 * appsrc ! rtph264pay (and appsrc ! rtpmp4gpay with audio), shared by all of
 * the mount's clients, and hands each new media to its stream's feeders.
 */
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include "fakecam/nvr-fakecam-stream.h"

G_BEGIN_DECLS

#define NVR_TYPE_FAKECAM_MEDIA_FACTORY (nvr_fakecam_media_factory_get_type())
G_DECLARE_FINAL_TYPE(NvrFakecamMediaFactory,
		     nvr_fakecam_media_factory,
		     NVR,
		     FAKECAM_MEDIA_FACTORY,
		     GstRTSPMediaFactory)

NvrFakecamMediaFactory *
nvr_fakecam_media_factory_new(NvrFakecamStream *stream, guint mtu);
NvrFakecamStream *
nvr_fakecam_media_factory_get_stream(NvrFakecamMediaFactory *self);

G_END_DECLS
