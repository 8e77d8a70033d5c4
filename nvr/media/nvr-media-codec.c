#include "config.h"

#include "core/nvr-error.h"

#include "nvr-media-bits.h"
#include "nvr-media-codec.h"

static gboolean
nvr_media_codec_fail(GError **error, const gchar *what)
{
	g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "malformed %s", what);
	return FALSE;
}

/* the cropped picture size of an SPS; bounds it before it becomes a guint */
static gboolean
nvr_media_dimensions_set(guint64 width, guint64 height, guint *w, guint *h, GError **error)
{
	if (width == 0 || height == 0 || width > NVR_MEDIA_MAX_DIMENSION ||
	    height > NVR_MEDIA_MAX_DIMENSION) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE,
			    "picture size %" G_GUINT64_FORMAT "x%" G_GUINT64_FORMAT " out of range",
			    width, height);
		return FALSE;
	}
	*w = (guint)width;
	*h = (guint)height;
	return TRUE;
}

/* profiles whose SPS carries chroma format, bit depths and scaling matrices */
static gboolean
nvr_media_h264_profile_is_high(guint profile_idc)
{
	static const guint8 high[] = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135};

	for (guint i = 0; i < G_N_ELEMENTS(high); i++) {
		if (high[i] == profile_idc)
			return TRUE;
	}
	return FALSE;
}

static void
nvr_media_h264_skip_scaling_list(NvrMediaBits *b, guint size)
{
	gint last = 8, next = 8;

	for (guint j = 0; j < size && !b->overrun; j++) {
		if (next != 0) {
			gint32 delta = nvr_media_bits_se(b);

			if (delta < -128 || delta > 127) {
				b->overrun = TRUE; /* out of range: treat as malformed */
				return;
			}
			next = (last + delta + 256) % 256;
		}
		last = next == 0 ? last : next;
	}
}

/* the fields before pic_order_cnt_type; Returns: chroma_format_idc or -1 */
static gint
nvr_media_h264_sps_chroma(NvrMediaBits *b, guint profile_idc, gboolean *separate_planes)
{
	guint chroma = 1;

	*separate_planes = FALSE;
	if (!nvr_media_h264_profile_is_high(profile_idc))
		return (gint)chroma;
	chroma = nvr_media_bits_ue(b);
	if (chroma > 3)
		return -1;
	if (chroma == 3)
		*separate_planes = nvr_media_bits_read(b, 1);
	if (nvr_media_bits_ue(b) > 6 || nvr_media_bits_ue(b) > 6) /* bit depths - 8 */
		return -1;
	nvr_media_bits_skip(b, 1);	 /* qpprime_y_zero_transform_bypass_flag */
	if (nvr_media_bits_read(b, 1)) { /* seq_scaling_matrix_present_flag */
		for (guint i = 0; i < (chroma != 3 ? 8u : 12u); i++) {
			if (nvr_media_bits_read(b, 1))
				nvr_media_h264_skip_scaling_list(b, i < 6 ? 16 : 64);
		}
	}
	return (gint)chroma;
}

static gboolean
nvr_media_h264_sps_skip_poc(NvrMediaBits *b)
{
	guint poc_type;

	if (nvr_media_bits_ue(b) > 12) /* log2_max_frame_num_minus4 */
		return FALSE;
	poc_type = nvr_media_bits_ue(b);
	if (poc_type == 0) {
		return nvr_media_bits_ue(b) <= 12; /* log2_max_pic_order_cnt_lsb_minus4 */
	} else if (poc_type == 1) {
		guint cycle;

		nvr_media_bits_skip(b, 1);
		(void)nvr_media_bits_se(b);
		(void)nvr_media_bits_se(b);
		cycle = nvr_media_bits_ue(b);
		if (cycle > 255)
			return FALSE;
		for (guint i = 0; i < cycle && !b->overrun; i++)
			(void)nvr_media_bits_se(b);
	} else if (poc_type != 2) {
		return FALSE;
	}
	return TRUE;
}

/* hrd_parameters(), H.264 §E.1.2 */
static void
nvr_media_h264_skip_hrd(NvrMediaBits *b)
{
	guint cpb_cnt = nvr_media_bits_ue(b) + 1;

	if (cpb_cnt > 32) {
		b->overrun = TRUE;
		return;
	}
	nvr_media_bits_skip(b, 8); /* bit_rate_scale, cpb_size_scale */
	for (guint i = 0; i < cpb_cnt && !b->overrun; i++) {
		(void)nvr_media_bits_ue(b); /* bit_rate_value_minus1 */
		(void)nvr_media_bits_ue(b); /* cpb_size_value_minus1 */
		nvr_media_bits_skip(b, 1);  /* cbr_flag */
	}
	nvr_media_bits_skip(b, 20); /* four delay and offset lengths */
}

/* vui_parameters(), H.264 §E.1.1, as far as max_num_reorder_frames;
 * Returns: it, or -1 when the VUI does not say or ends early */
static gint
nvr_media_h264_vui_max_reorder(NvrMediaBits *b)
{
	gboolean nal_hrd, vcl_hrd;
	guint reorder;

	if (nvr_media_bits_read(b, 1) && nvr_media_bits_read(b, 8) == 255) /* aspect_ratio_idc */
		nvr_media_bits_skip(b, 32);					   /* sar */
	if (nvr_media_bits_read(b, 1))						   /* overscan_info */
		nvr_media_bits_skip(b, 1);
	if (nvr_media_bits_read(b, 1)) { /* video_signal_type */
		nvr_media_bits_skip(b, 4);
		if (nvr_media_bits_read(b, 1)) /* colour_description */
			nvr_media_bits_skip(b, 24);
	}
	if (nvr_media_bits_read(b, 1)) { /* chroma_loc_info */
		(void)nvr_media_bits_ue(b);
		(void)nvr_media_bits_ue(b);
	}
	if (nvr_media_bits_read(b, 1)) /* timing_info: two u(32) and a flag */
		nvr_media_bits_skip(b, 65);
	nal_hrd = nvr_media_bits_read(b, 1);
	if (nal_hrd)
		nvr_media_h264_skip_hrd(b);
	vcl_hrd = nvr_media_bits_read(b, 1);
	if (vcl_hrd)
		nvr_media_h264_skip_hrd(b);
	if (nal_hrd || vcl_hrd)
		nvr_media_bits_skip(b, 1); /* low_delay_hrd_flag */
	nvr_media_bits_skip(b, 1);	   /* pic_struct_present_flag */
	if (!nvr_media_bits_read(b, 1) || b->overrun) /* bitstream_restriction_flag */
		return -1;
	nvr_media_bits_skip(b, 1); /* motion_vectors_over_pic_boundaries_flag */
	for (guint i = 0; i < 4; i++)
		(void)nvr_media_bits_ue(b); /* max bytes, bits, mv lengths */
	reorder = nvr_media_bits_ue(b);
	(void)nvr_media_bits_ue(b); /* max_dec_frame_buffering */
	return b->overrun || reorder > 16 ? -1 : (gint)reorder;
}

/* Baseline has no B slices: nothing is reordered whatever the VUI says */
static gint
nvr_media_h264_sps_max_reorder(NvrMediaBits *b, guint profile_idc)
{
	if (profile_idc == 66)
		return 0;
	if (!nvr_media_bits_read(b, 1) || b->overrun) /* vui_parameters_present_flag */
		return -1;
	return nvr_media_h264_vui_max_reorder(b);
}

static gboolean
nvr_media_h264_sps_parse_rbsp(NvrMediaBits *b, NvrMediaH264Sps *sps, GError **error)
{
	gboolean separate_planes, frame_mbs_only;
	guint crop[4] = {0, 0, 0, 0};
	guint64 w_mbs, h_units, crop_x = 1, crop_y, width, height;
	gint chroma;

	sps->profile_idc = nvr_media_bits_read(b, 8);
	sps->constraint_flags = nvr_media_bits_read(b, 8);
	sps->level_idc = nvr_media_bits_read(b, 8);
	if (nvr_media_bits_ue(b) > 31) /* seq_parameter_set_id */
		return nvr_media_codec_fail(error, "H.264 SPS id");
	chroma = nvr_media_h264_sps_chroma(b, sps->profile_idc, &separate_planes);
	if (chroma < 0 || b->overrun)
		return nvr_media_codec_fail(error, "H.264 SPS chroma format");
	if (!nvr_media_h264_sps_skip_poc(b) || b->overrun)
		return nvr_media_codec_fail(error, "H.264 SPS picture order");
	(void)nvr_media_bits_ue(b); /* max_num_ref_frames */
	nvr_media_bits_skip(b, 1);  /* gaps_in_frame_num_value_allowed_flag */
	w_mbs = (guint64)nvr_media_bits_ue(b) + 1;
	h_units = (guint64)nvr_media_bits_ue(b) + 1;
	frame_mbs_only = nvr_media_bits_read(b, 1);
	if (!frame_mbs_only)
		nvr_media_bits_skip(b, 1); /* mb_adaptive_frame_field_flag */
	nvr_media_bits_skip(b, 1);	   /* direct_8x8_inference_flag */
	if (nvr_media_bits_read(b, 1)) {
		for (guint i = 0; i < 4; i++)
			crop[i] = nvr_media_bits_ue(b);
	}
	if (b->overrun)
		return nvr_media_codec_fail(error, "H.264 SPS (truncated)");
	crop_y = 2 - frame_mbs_only;
	if (chroma != 0 && !separate_planes) {
		crop_x = chroma == 3 ? 1 : 2;
		crop_y *= chroma == 1 ? 2 : 1;
	}
	width = w_mbs * 16;
	height = h_units * 16 * (2 - frame_mbs_only);
	if (crop_x * ((guint64)crop[0] + crop[1]) >= width ||
	    crop_y * ((guint64)crop[2] + crop[3]) >= height)
		return nvr_media_codec_fail(error, "H.264 SPS cropping");
	width -= crop_x * ((guint64)crop[0] + crop[1]);
	height -= crop_y * ((guint64)crop[2] + crop[3]);
	/* the VUI is optional knowledge: a VUI we cannot read fails nothing */
	sps->max_reorder = nvr_media_h264_sps_max_reorder(b, sps->profile_idc);
	return nvr_media_dimensions_set(width, height, &sps->width, &sps->height, error);
}

gboolean
nvr_media_h264_sps_parse(const guint8 *nal, gsize size, NvrMediaH264Sps *sps, GError **error)
{
	g_autoptr(GByteArray) rbsp = NULL;
	NvrMediaBits b;

	if (size < 4 || (nal[0] & 0x1f) != 7)
		return nvr_media_codec_fail(error, "H.264 SPS NAL unit");
	rbsp = nvr_media_nal_unescape(nal + 1, size - 1);
	nvr_media_bits_init(&b, rbsp->data, rbsp->len);
	return nvr_media_h264_sps_parse_rbsp(&b, sps, error);
}

/* profile_tier_level(1, max_sub_layers_minus1), H.265 §7.3.3 */
static void
nvr_media_h265_ptl_parse(NvrMediaBits *b, guint max_sub_layers_minus1, NvrMediaH265Sps *sps)
{
	gboolean profile_present[8] = {FALSE}, level_present[8] = {FALSE};

	sps->profile_space = nvr_media_bits_read(b, 2);
	sps->tier_flag = nvr_media_bits_read(b, 1);
	sps->profile_idc = nvr_media_bits_read(b, 5);
	sps->profile_compat = nvr_media_bits_read(b, 32);
	for (guint i = 0; i < 6; i++)
		sps->constraint[i] = nvr_media_bits_read(b, 8);
	sps->level_idc = nvr_media_bits_read(b, 8);
	for (guint i = 0; i < max_sub_layers_minus1; i++) {
		profile_present[i] = nvr_media_bits_read(b, 1);
		level_present[i] = nvr_media_bits_read(b, 1);
	}
	if (max_sub_layers_minus1 > 0)
		nvr_media_bits_skip(b, 2 * (8 - max_sub_layers_minus1));
	for (guint i = 0; i < max_sub_layers_minus1; i++) {
		if (profile_present[i])
			nvr_media_bits_skip(b, 88);
		if (level_present[i])
			nvr_media_bits_skip(b, 8);
	}
}

/* sps_max_num_reorder_pics of the highest sub-layer (H.265 §7.3.2.2), which
 * always follows the conformance window; -1 when the SPS ends before it */
static gint
nvr_media_h265_sps_max_reorder(NvrMediaBits *b, guint max_sub_layers_minus1)
{
	guint reorder = 0, first;

	(void)nvr_media_bits_ue(b); /* bit_depth_luma_minus8 */
	(void)nvr_media_bits_ue(b); /* bit_depth_chroma_minus8 */
	(void)nvr_media_bits_ue(b); /* log2_max_pic_order_cnt_lsb_minus4 */
	first = nvr_media_bits_read(b, 1) ? 0 : max_sub_layers_minus1;
	for (guint i = first; i <= max_sub_layers_minus1 && !b->overrun; i++) {
		(void)nvr_media_bits_ue(b); /* sps_max_dec_pic_buffering_minus1 */
		reorder = nvr_media_bits_ue(b);
		(void)nvr_media_bits_ue(b); /* sps_max_latency_increase_plus1 */
	}
	return b->overrun || reorder > 16 ? -1 : (gint)reorder;
}

static gboolean
nvr_media_h265_sps_parse_rbsp(NvrMediaBits *b, NvrMediaH265Sps *sps, GError **error)
{
	guint max_sub_layers_minus1, chroma, sub_w = 1, sub_h = 1;
	guint64 width, height, crop_w = 0, crop_h = 0;

	nvr_media_bits_skip(b, 4); /* sps_video_parameter_set_id */
	max_sub_layers_minus1 = nvr_media_bits_read(b, 3);
	nvr_media_bits_skip(b, 1); /* sps_temporal_id_nesting_flag */
	if (max_sub_layers_minus1 > 6)
		return nvr_media_codec_fail(error, "H.265 SPS sub-layers");
	nvr_media_h265_ptl_parse(b, max_sub_layers_minus1, sps);
	if (nvr_media_bits_ue(b) > 15) /* sps_seq_parameter_set_id */
		return nvr_media_codec_fail(error, "H.265 SPS id");
	chroma = nvr_media_bits_ue(b);
	if (chroma > 3)
		return nvr_media_codec_fail(error, "H.265 SPS chroma format");
	if (chroma == 3 && nvr_media_bits_read(b, 1))
		chroma = 0; /* separate colour planes: ChromaArrayType 0 */
	if (chroma == 1 || chroma == 2)
		sub_w = 2;
	if (chroma == 1)
		sub_h = 2;
	width = nvr_media_bits_ue(b);
	height = nvr_media_bits_ue(b);
	if (nvr_media_bits_read(b, 1)) { /* conformance_window_flag */
		crop_w = (guint64)nvr_media_bits_ue(b);
		crop_w += nvr_media_bits_ue(b);
		crop_h = (guint64)nvr_media_bits_ue(b);
		crop_h += nvr_media_bits_ue(b);
	}
	if (b->overrun)
		return nvr_media_codec_fail(error, "H.265 SPS (truncated)");
	if (sub_w * crop_w >= width || sub_h * crop_h >= height)
		return nvr_media_codec_fail(error, "H.265 SPS conformance window");
	width -= sub_w * crop_w;
	height -= sub_h * crop_h;
	sps->max_reorder = nvr_media_h265_sps_max_reorder(b, max_sub_layers_minus1);
	return nvr_media_dimensions_set(width, height, &sps->width, &sps->height, error);
}

gboolean
nvr_media_h265_sps_parse(const guint8 *nal, gsize size, NvrMediaH265Sps *sps, GError **error)
{
	g_autoptr(GByteArray) rbsp = NULL;
	NvrMediaBits b;

	if (size < 3 || ((nal[0] >> 1) & 0x3f) != 33)
		return nvr_media_codec_fail(error, "H.265 SPS NAL unit");
	rbsp = nvr_media_nal_unescape(nal + 2, size - 2);
	nvr_media_bits_init(&b, rbsp->data, rbsp->len);
	return nvr_media_h265_sps_parse_rbsp(&b, sps, error);
}

/* reads @count NAL units with 16-bit lengths; checks their type */
static gboolean
nvr_media_param_sets_read(NvrMediaBytes *r, guint count, guint (*nal_type)(guint8), guint want_type,
			  const guint8 **first, gsize *first_size)
{
	for (guint i = 0; i < count; i++) {
		guint16 len = nvr_media_bytes_u16(r);
		const guint8 *nal = nvr_media_bytes_take(r, len);

		if (nal == NULL || len == 0 || nal_type(nal[0]) != want_type)
			return FALSE;
		if (i == 0 && first != NULL) {
			*first = nal;
			*first_size = len;
		}
	}
	return TRUE;
}

static guint
nvr_media_h264_nal_type(guint8 header)
{
	return header & 0x1f;
}

static guint
nvr_media_h265_nal_type(guint8 header)
{
	return (header >> 1) & 0x3f;
}

gboolean
nvr_media_avcc_parse(const guint8 *data, gsize size, NvrMediaAvcc *avcc, GError **error)
{
	const guint8 *sps = NULL;
	gsize sps_size = 0;
	guint n_sps, n_pps;
	NvrMediaBytes r;

	nvr_media_bytes_init(&r, data, size);
	if (nvr_media_bytes_u8(&r) != 1)
		return nvr_media_codec_fail(error, "avcC (version)");
	avcc->profile_idc = nvr_media_bytes_u8(&r);
	avcc->profile_compat = nvr_media_bytes_u8(&r);
	avcc->level_idc = nvr_media_bytes_u8(&r);
	avcc->nal_length_size = (nvr_media_bytes_u8(&r) & 0x03) + 1;
	n_sps = nvr_media_bytes_u8(&r) & 0x1f;
	if (r.overrun)
		return nvr_media_codec_fail(error, "avcC (truncated)");
	if (avcc->nal_length_size == 3)
		return nvr_media_codec_fail(error, "avcC (NAL length size 3)");
	if (n_sps == 0 ||
	    !nvr_media_param_sets_read(&r, n_sps, nvr_media_h264_nal_type, 7, &sps, &sps_size))
		return nvr_media_codec_fail(error, "avcC (sequence parameter sets)");
	n_pps = nvr_media_bytes_u8(&r);
	if (n_pps == 0 ||
	    !nvr_media_param_sets_read(&r, n_pps, nvr_media_h264_nal_type, 8, NULL, NULL))
		return nvr_media_codec_fail(error, "avcC (picture parameter sets)");
	/* high profiles may append chroma format and SPS extensions: not needed here */
	if (!nvr_media_h264_sps_parse(sps, sps_size, &avcc->sps, error)) {
		g_prefix_error(error, "avcC: ");
		return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_media_hvcc_read_arrays(NvrMediaBytes *r, const guint8 **sps, gsize *sps_size)
{
	guint n_arrays = nvr_media_bytes_u8(r);
	gboolean have[3] = {FALSE, FALSE, FALSE}; /* VPS 32, SPS 33, PPS 34 */

	for (guint i = 0; i < n_arrays && !r->overrun; i++) {
		guint type = nvr_media_bytes_u8(r) & 0x3f;
		guint n_nalus = nvr_media_bytes_u16(r);

		if (!nvr_media_param_sets_read(r, n_nalus, nvr_media_h265_nal_type, type,
					       type == 33 && !have[1] ? sps : NULL, sps_size))
			return FALSE;
		if (type >= 32 && type <= 34 && n_nalus > 0)
			have[type - 32] = TRUE;
	}
	return !r->overrun && have[0] && have[1] && have[2];
}

gboolean
nvr_media_hvcc_parse(const guint8 *data, gsize size, NvrMediaHvcc *hvcc, GError **error)
{
	const guint8 *sps = NULL;
	gsize sps_size = 0;
	NvrMediaBytes r;
	guint8 b;

	nvr_media_bytes_init(&r, data, size);
	if (nvr_media_bytes_u8(&r) != 1)
		return nvr_media_codec_fail(error, "hvcC (version)");
	b = nvr_media_bytes_u8(&r);
	hvcc->profile_space = b >> 6;
	hvcc->tier_flag = (b >> 5) & 1;
	hvcc->profile_idc = b & 0x1f;
	hvcc->profile_compat = nvr_media_bytes_u32(&r);
	for (guint i = 0; i < 6; i++)
		hvcc->constraint[i] = nvr_media_bytes_u8(&r);
	hvcc->level_idc = nvr_media_bytes_u8(&r);
	/* segmentation, parallelism, chroma, bit depths, frame rate */
	nvr_media_bytes_skip(&r, 8);
	hvcc->nal_length_size = (nvr_media_bytes_u8(&r) & 0x03) + 1;
	if (r.overrun)
		return nvr_media_codec_fail(error, "hvcC (truncated)");
	if (hvcc->nal_length_size == 3)
		return nvr_media_codec_fail(error, "hvcC (NAL length size 3)");
	if (!nvr_media_hvcc_read_arrays(&r, &sps, &sps_size) || sps == NULL)
		return nvr_media_codec_fail(error,
					    "hvcC (parameter set arrays: need VPS, SPS, PPS)");
	if (!nvr_media_h265_sps_parse(sps, sps_size, &hvcc->sps, error)) {
		g_prefix_error(error, "hvcC: ");
		return FALSE;
	}
	return TRUE;
}

static guint
nvr_media_aac_object_type(NvrMediaBits *b)
{
	guint t = nvr_media_bits_read(b, 5);

	return t == 31 ? 32 + nvr_media_bits_read(b, 6) : t;
}

gboolean
nvr_media_aac_config_parse(const guint8 *data, gsize size, NvrMediaAacConfig *aac, GError **error)
{
	static const guint rates[] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
				      22050, 16000, 12000, 11025, 8000,	 7350};
	guint index, object_type;
	NvrMediaBits b;

	if (size < 2 || size > NVR_MEDIA_MAX_ASC_SIZE)
		return nvr_media_codec_fail(error, "AudioSpecificConfig (size)");
	nvr_media_bits_init(&b, data, size);
	object_type = nvr_media_aac_object_type(&b);
	index = nvr_media_bits_read(&b, 4);
	if (index == 15)
		aac->rate = nvr_media_bits_read(&b, 24);
	else if (index < G_N_ELEMENTS(rates))
		aac->rate = rates[index];
	else
		return nvr_media_codec_fail(error,
					    "AudioSpecificConfig (sampling frequency index)");
	aac->channels = nvr_media_bits_read(&b, 4);
	/* GASpecificConfig: frameLengthFlag */
	aac->frame_samples = nvr_media_bits_read(&b, 1) ? 960 : 1024;
	if (b.overrun || object_type == 0 || aac->rate == 0 || aac->rate > 96000)
		return nvr_media_codec_fail(error, "AudioSpecificConfig");
	if (aac->channels > 7) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED,
			    "AAC channel configuration %u", aac->channels);
		return FALSE;
	}
	aac->object_type = object_type;
	return TRUE;
}

gchar *
nvr_media_avcc_codec_string(const NvrMediaAvcc *avcc)
{
	return g_strdup_printf("avc1.%02X%02X%02X", avcc->profile_idc, avcc->profile_compat,
			       avcc->level_idc);
}

static guint32
nvr_media_reverse_bits32(guint32 v)
{
	guint32 r = 0;

	for (guint i = 0; i < 32; i++, v >>= 1)
		r = r << 1 | (v & 1);
	return r;
}

/* ISO/IEC 14496-15 Annex E.3 */
gchar *
nvr_media_hvcc_codec_string(const NvrMediaHvcc *hvcc)
{
	GString *s = g_string_new("hvc1.");
	guint n_constraint = 6;

	if (hvcc->profile_space > 0)
		g_string_append_c(s, 'A' + hvcc->profile_space - 1);
	g_string_append_printf(s, "%u.%X.%c%u", hvcc->profile_idc,
			       nvr_media_reverse_bits32(hvcc->profile_compat),
			       hvcc->tier_flag ? 'H' : 'L', hvcc->level_idc);
	while (n_constraint > 0 && hvcc->constraint[n_constraint - 1] == 0)
		n_constraint--;
	for (guint i = 0; i < n_constraint; i++)
		g_string_append_printf(s, ".%02X", hvcc->constraint[i]);
	return g_string_free(s, FALSE);
}

gchar *
nvr_media_aac_codec_string(const NvrMediaAacConfig *aac)
{
	return g_strdup_printf("mp4a.40.%u", aac->object_type);
}

gboolean
nvr_media_nal_units_check(const guint8 *data, gsize size, guint nal_length_size, GError **error)
{
	NvrMediaBytes r;
	guint n = 0;

	nvr_media_bytes_init(&r, data, size);
	while (nvr_media_bytes_remaining(&r) > 0) {
		guint32 len = 0;

		for (guint i = 0; i < nal_length_size; i++)
			len = len << 8 | nvr_media_bytes_u8(&r);
		if (len == 0 || nvr_media_bytes_take(&r, len) == NULL) {
			g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE,
				    "access unit: NAL unit %u overruns the %" G_GSIZE_FORMAT
				    " bytes of the access unit",
				    n, size);
			return FALSE;
		}
		n++;
	}
	if (n == 0) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "access unit: no NAL unit");
		return FALSE;
	}
	return TRUE;
}
