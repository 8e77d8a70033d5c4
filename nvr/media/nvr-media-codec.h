/*
 * nvr-media-codec.h: parsers for codec configuration that a camera sends:
 * avcC (ISO/IEC 14496-15 §5.3.3), hvcC (§8.3.3), the H.264 and H.265
 * sequence parameter sets inside them (the picture size, and how far
 * frames may be reordered: H.264 VUI max_num_reorder_frames, H.265
 * sps_max_num_reorder_pics), and the AAC AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1).
 *
 * All input is untrusted: every length is checked against the bytes that
 * are there, and every error is an NVR_ERROR_PARSE (malformed) or
 * NVR_ERROR_NOT_SUPPORTED (well formed, but not something we record).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* a picture larger than this in either dimension is a hostile SPS */
#define NVR_MEDIA_MAX_DIMENSION 16384

/* the longest AudioSpecificConfig we accept (it is 2 to 5 bytes in practice) */
#define NVR_MEDIA_MAX_ASC_SIZE 64

typedef struct {
	guint8 profile_idc;
	guint8 constraint_flags;
	guint8 level_idc;
	guint width;
	guint height;
	/* frames that may precede one in decode order and follow it in
	 * presentation order; -1 when the SPS does not say (no VUI
	 * bitstream restriction, or a VUI we could not read) */
	gint max_reorder;
} NvrMediaH264Sps;

typedef struct {
	guint8 nal_length_size; /* 1, 2 or 4 */
	guint8 profile_idc;
	guint8 profile_compat;
	guint8 level_idc;
	NvrMediaH264Sps sps; /* the first SPS */
} NvrMediaAvcc;

typedef struct {
	guint8 profile_space;
	guint8 tier_flag;
	guint8 profile_idc;
	guint32 profile_compat;
	guint8 constraint[6];
	guint8 level_idc;
	guint width;
	guint height;
	gint max_reorder; /* as for H.264; -1 when the SPS ends before it */
} NvrMediaH265Sps;

typedef struct {
	guint8 nal_length_size;
	guint8 profile_space;
	guint8 tier_flag;
	guint8 profile_idc;
	guint32 profile_compat;
	guint8 constraint[6];
	guint8 level_idc;
	NvrMediaH265Sps sps; /* the first SPS */
} NvrMediaHvcc;

typedef struct {
	guint8 object_type; /* 2: AAC LC, 5: SBR, 29: PS, ... */
	guint rate;
	guint channels;	     /* 0: defined by a program config element */
	guint frame_samples; /* 1024 or 960 */
} NvrMediaAacConfig;

/* @nal starts with the NAL header byte */
gboolean nvr_media_h264_sps_parse(const guint8 *nal, gsize size, NvrMediaH264Sps *sps,
				  GError **error);
gboolean nvr_media_h265_sps_parse(const guint8 *nal, gsize size, NvrMediaH265Sps *sps,
				  GError **error);
gboolean nvr_media_avcc_parse(const guint8 *data, gsize size, NvrMediaAvcc *avcc, GError **error);
gboolean nvr_media_hvcc_parse(const guint8 *data, gsize size, NvrMediaHvcc *hvcc, GError **error);
gboolean nvr_media_aac_config_parse(const guint8 *data, gsize size, NvrMediaAacConfig *aac,
				    GError **error);

/* RFC 6381 codecs parameters: "avc1.640028", "hvc1.1.6.L120.90", "mp4a.40.2" */
gchar *nvr_media_avcc_codec_string(const NvrMediaAvcc *avcc);
gchar *nvr_media_hvcc_codec_string(const NvrMediaHvcc *hvcc);
gchar *nvr_media_aac_codec_string(const NvrMediaAacConfig *aac);

/* checks that an access unit is a whole number of length-prefixed NAL units */
gboolean nvr_media_nal_units_check(const guint8 *data, gsize size, guint nal_length_size,
				   GError **error);

G_END_DECLS
