/*
 * nvr-fakecam-stream.h: one RTSP mount of a simulated camera (its main or
 * sub stream): which rendition of the clip it sends, the feeders that loop
 * the clip into each live media, the faults in force, and counters.
 */
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include "fakecam/nvr-fakecam-track.h"

G_BEGIN_DECLS

#define NVR_TYPE_FAKECAM_STREAM (nvr_fakecam_stream_get_type())
G_DECLARE_FINAL_TYPE(NvrFakecamStream, nvr_fakecam_stream, NVR, FAKECAM_STREAM, GObject)

typedef struct {
	guint64 frames_sent; /* video AUs handed to the payloader */
	guint64 bytes_sent;  /* their bytes */
	guint64 audio_frames_sent;
	guint64 frames_skipped; /* not sent: stalled, or waiting for a key frame */
	guint64 loops;		/* times a feeder wrapped around the clip */
	guint medias;		/* live pipelines (shared by all clients of the mount) */
	guint width;		/* of the rendition being sent */
	guint height;
	gboolean stalled;
	gint64 jump_ms; /* sum of all jumps */
} NvrFakecamStreamStats;

NvrFakecamStream *
nvr_fakecam_stream_new(const gchar *name,
		       NvrFakecamTrack *video,
		       NvrFakecamTrack *audio,
		       GMainContext *feeder_context);
const gchar *
nvr_fakecam_stream_get_name(NvrFakecamStream *self);
NvrFakecamTrack *
nvr_fakecam_stream_dup_video(NvrFakecamStream *self);
NvrFakecamTrack *
nvr_fakecam_stream_get_audio(NvrFakecamStream *self);
void
nvr_fakecam_stream_attach_media(NvrFakecamStream *self, GstRTSPMedia *media);
NvrFakecamStream *
nvr_fakecam_stream_from_media(GstRTSPMedia *media);
gboolean
nvr_fakecam_stream_has_media(NvrFakecamStream *self, GstRTSPMedia *media);
void
nvr_fakecam_stream_stall(NvrFakecamStream *self, guint64 duration_us);
void
nvr_fakecam_stream_jump(NvrFakecamStream *self, gint64 offset_ms);
guint32
nvr_fakecam_stream_rtp_offset(NvrFakecamStream *self, guint clock_rate);
void
nvr_fakecam_stream_set_video(NvrFakecamStream *self, NvrFakecamTrack *track);
void
nvr_fakecam_stream_get_stats(NvrFakecamStream *self, NvrFakecamStreamStats *stats);

G_END_DECLS
