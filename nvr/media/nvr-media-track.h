/*
 * nvr-media-track.h: what one track of a recording is, as the init segment
 * states it. Immutable and reference counted: the segmenter, the live
 * fan-out and an init segment parsed back for export share one.
 *
 * Time on a track is counted in its timescale: 90 kHz for video (the RTP
 * clock of H.264/H.265), the sample rate for audio (the RTP clock of AAC
 * and G.711), so RTP timestamps map to media time without rounding.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define NVR_MEDIA_VIDEO_TIMESCALE 90000

typedef enum {
	NVR_MEDIA_CODEC_H264 = 1,
	NVR_MEDIA_CODEC_H265,
	NVR_MEDIA_CODEC_AAC,
	NVR_MEDIA_CODEC_MULAW,
	NVR_MEDIA_CODEC_ALAW,
} NvrMediaCodec;

typedef struct {
	NvrMediaCodec codec;
	guint32 timescale;
	guint width; /* video */
	guint height;
	guint fps_n; /* video, 0 when unknown; not part of the init segment */
	guint fps_d;
	guint rate; /* audio */
	guint channels;
	guint frame_samples;   /* AAC: 1024 or 960; G.711: 0 (one sample per byte) */
	guint nal_length_size; /* video: 1, 2 or 4 */
	GBytes *codec_data;    /* avcC, hvcC or AudioSpecificConfig; NULL for G.711 */
	gchar *codec_string;   /* RFC 6381: "avc1.640028", "mp4a.40.2", "ulaw" */
} NvrMediaTrackConfig;

#define NVR_MEDIA_TYPE_TRACK_CONFIG (nvr_media_track_config_get_type())
GType nvr_media_track_config_get_type(void);

NvrMediaTrackConfig *nvr_media_track_config_new_h264(GBytes *avcc, guint width, guint height,
						     GError **error);
NvrMediaTrackConfig *nvr_media_track_config_new_h265(GBytes *hvcc, guint width, guint height,
						     GError **error);
NvrMediaTrackConfig *nvr_media_track_config_new_aac(GBytes *asc, guint rate, guint channels,
						    GError **error);
/* @codec: NVR_MEDIA_CODEC_MULAW or NVR_MEDIA_CODEC_ALAW */
NvrMediaTrackConfig *nvr_media_track_config_new_g711(NvrMediaCodec codec, guint rate,
						     guint channels, GError **error);
/* video/x-h264 and video/x-h265 (stream-format avc / hvc1, alignment au),
 * audio/mpeg (mpegversion 4, raw, codec_data), audio/x-mulaw, audio/x-alaw */
NvrMediaTrackConfig *nvr_media_track_config_from_caps(const GstCaps *caps, GError **error);

NvrMediaTrackConfig *nvr_media_track_config_ref(NvrMediaTrackConfig *config);
void nvr_media_track_config_unref(NvrMediaTrackConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrMediaTrackConfig, nvr_media_track_config_unref)

/* TRUE when both produce the same init segment (frame rate does not count) */
gboolean nvr_media_track_config_equal(const NvrMediaTrackConfig *a, const NvrMediaTrackConfig *b);
gboolean nvr_media_track_config_is_video(const NvrMediaTrackConfig *config);
/* a duration for an access unit whose duration nothing else tells, in timescale units */
guint32 nvr_media_track_config_nominal_duration(const NvrMediaTrackConfig *config, gsize au_size);
const gchar *nvr_media_codec_to_string(NvrMediaCodec codec);

G_END_DECLS
