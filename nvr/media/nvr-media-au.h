/*
 * nvr-media-au.h: an access unit as the segmenter takes it: one video
 * frame (length-prefixed NAL units, as h264parse/h265parse emit with
 * stream-format=avc|hvc1, alignment=au) or one audio frame (raw AAC, or a
 * run of G.711 samples).
 *
 * Times are in the track's timescale (nvr-media-track.h): 90 kHz for
 * video, the sample rate for audio. @dts is the run's media time: it
 * starts wherever the recorder says and must increase on each track.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct {
	guint track;	   /* the segmenter's track index */
	gint64 dts;	   /* decode time */
	gint32 cts_offset; /* pts - dts; non-zero only with B-frames */
	guint32 duration;  /* 0: unknown (derived, see the segmenter notes) */
	gboolean keyframe; /* audio: ignored, every audio frame is a sync sample */
	GBytes *data;
} NvrMediaAu;

/* fills @au from a buffer whose times are GStreamer nanoseconds: media time is
 * (DTS, else PTS) - @base_ns, scaled to @timescale; @data maps the buffer (no copy) */
gboolean nvr_media_au_init_from_buffer(NvrMediaAu *au, GstBuffer *buffer, guint track,
				       guint32 timescale, GstClockTime base_ns, GError **error);
void nvr_media_au_clear(NvrMediaAu *au);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvrMediaAu, nvr_media_au_clear)

G_END_DECLS
