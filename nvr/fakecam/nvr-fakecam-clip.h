/*
 * nvr-fakecam-clip.h: the clip every simulated camera loops: a main and a
 * sub H.264 stream (and optionally AAC) encoded once per run with x264, or
 * read back from a cache file, so that serving N cameras costs no encoding.
 */
#pragma once

#include "fakecam/nvr-fakecam-track.h"

G_BEGIN_DECLS

typedef struct {
	guint width; /* main stream */
	guint height;
	guint fps;
	guint bitrate; /* kbit/s */
	guint sub_width;
	guint sub_height;
	guint sub_bitrate;
	guint seconds; /* rounded up to whole GOPs (2 s each) */
	gboolean audio;
} NvrFakecamClipParams;

#define NVR_FAKECAM_CLIP_PARAMS_DEFAULT {1920, 1080, 15, 4000, 640, 360, 512, 10, FALSE}
#define NVR_FAKECAM_GOP_SECONDS 2

#define NVR_TYPE_FAKECAM_CLIP (nvr_fakecam_clip_get_type())
G_DECLARE_FINAL_TYPE(NvrFakecamClip, nvr_fakecam_clip, NVR, FAKECAM_CLIP, GObject)

NvrFakecamClip *
nvr_fakecam_clip_new(NvrFakecamTrack *main, NvrFakecamTrack *sub, NvrFakecamTrack *audio,
		     GError **error);
NvrFakecamClip *
nvr_fakecam_clip_encode(const NvrFakecamClipParams *params, GError **error);
NvrFakecamTrack *
nvr_fakecam_clip_encode_video(const NvrFakecamClipParams *params,
			      guint width,
			      guint height,
			      guint bitrate,
			      GError **error);
GBytes *
nvr_fakecam_clip_encode_jpeg(guint width, guint height, GError **error);
NvrFakecamClip *
nvr_fakecam_clip_parse(GBytes *bytes, GError **error);
GBytes *
nvr_fakecam_clip_serialize(NvrFakecamClip *self);
NvrFakecamClip *
nvr_fakecam_clip_open(const NvrFakecamClipParams *params,
		      const gchar *path,
		      gboolean *encoded,
		      GError **error);
gchar *
nvr_fakecam_clip_cache_path(const NvrFakecamClipParams *params);
gboolean
nvr_fakecam_clip_params_check(const NvrFakecamClipParams *params, GError **error);

NvrFakecamTrack *
nvr_fakecam_clip_get_main(NvrFakecamClip *self);
NvrFakecamTrack *
nvr_fakecam_clip_get_sub(NvrFakecamClip *self);
NvrFakecamTrack *
nvr_fakecam_clip_get_audio(NvrFakecamClip *self);

G_END_DECLS
