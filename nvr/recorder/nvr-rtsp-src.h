/*
 * nvr-rtsp-src.h: an RTSP source for RTP interleaved in the TCP
 * connection, without rtpbin (DESIGN.md §3, lean ingest). Over TCP nothing
 * is lost or reordered, so the jitter buffer only costs a thread handoff
 * per packet; this element reads the connection in its streaming thread and
 * pushes RTP buffer lists straight to the depayloaders.
 *
 * Its outside is rtspsrc's as far as NvrIngest uses it: properties
 * "location", "user-id", "user-pw", "timeout"; signal "select-stream" (with
 * the SDP's application/x-rtp caps); sometimes pads "stream_%u"; errors on
 * the bus in GST_RESOURCE_ERROR. One difference: H.264 and H.265 video is
 * depayloaded here (nvr-rtp-depay.h) and leaves as access units,
 * "video/x-h264|x-h265, stream-format=byte-stream, alignment=au", for the
 * parser; other streams leave as RTP for GStreamer's depayloaders.
 * PTS are the streams' RTP timestamps (from RTP-Info, or the first packet)
 * in nanoseconds from an origin a day in; no DTS.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define NVR_TYPE_RTSP_SRC (nvr_rtsp_src_get_type())
G_DECLARE_FINAL_TYPE(NvrRtspSrc, nvr_rtsp_src, NVR, RTSP_SRC, GstElement)

/* the PTS of RTP time zero: room for the camera's clock to step back */
#define NVR_RTSP_SRC_PTS_ORIGIN (24 * 3600 * GST_SECOND)

G_END_DECLS
