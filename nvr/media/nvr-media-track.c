#include "config.h"

#include "core/nvr-error.h"

#include "nvr-media-codec.h"
#include "nvr-media-track.h"

G_DEFINE_BOXED_TYPE(NvrMediaTrackConfig, nvr_media_track_config, nvr_media_track_config_ref,
		    nvr_media_track_config_unref)

static void
nvr_media_track_config_clear(gpointer data)
{
	NvrMediaTrackConfig *config = data;

	g_clear_pointer(&config->codec_data, g_bytes_unref);
	g_clear_pointer(&config->codec_string, g_free);
}

static NvrMediaTrackConfig *
nvr_media_track_config_alloc(NvrMediaCodec codec, guint32 timescale)
{
	NvrMediaTrackConfig *config = g_atomic_rc_box_new0(NvrMediaTrackConfig);

	config->codec = codec;
	config->timescale = timescale;
	return config;
}

NvrMediaTrackConfig *
nvr_media_track_config_ref(NvrMediaTrackConfig *config)
{
	return g_atomic_rc_box_acquire(config);
}

void
nvr_media_track_config_unref(NvrMediaTrackConfig *config)
{
	g_atomic_rc_box_release_full(config, nvr_media_track_config_clear);
}

static gboolean
nvr_media_track_codec_data_check(GBytes *codec_data, GError **error)
{
	if (codec_data == NULL || g_bytes_get_size(codec_data) == 0) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "no codec_data");
		return FALSE;
	}
	/* every length inside is 16 bits: a larger blob is not a parameter set list */
	if (g_bytes_get_size(codec_data) > 256 * 1024) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "codec_data too large");
		return FALSE;
	}
	return TRUE;
}

/* the SPS is what decoders obey; caps that disagree are only worth a note */
static void
nvr_media_track_video_size(NvrMediaTrackConfig *config, guint caps_w, guint caps_h, guint sps_w,
			   guint sps_h)
{
	if ((caps_w != 0 || caps_h != 0) && (caps_w != sps_w || caps_h != sps_h))
		g_debug("caps say %ux%u, the sequence parameter set %ux%u: using the latter",
			caps_w, caps_h, sps_w, sps_h);
	config->width = sps_w;
	config->height = sps_h;
}

NvrMediaTrackConfig *
nvr_media_track_config_new_h264(GBytes *avcc, guint width, guint height, GError **error)
{
	g_autoptr(NvrMediaTrackConfig) config = NULL;
	NvrMediaAvcc parsed;

	if (!nvr_media_track_codec_data_check(avcc, error))
		return NULL;
	if (!nvr_media_avcc_parse(g_bytes_get_data(avcc, NULL), g_bytes_get_size(avcc), &parsed,
				  error))
		return NULL;
	config = nvr_media_track_config_alloc(NVR_MEDIA_CODEC_H264, NVR_MEDIA_VIDEO_TIMESCALE);
	nvr_media_track_video_size(config, width, height, parsed.sps.width, parsed.sps.height);
	config->nal_length_size = parsed.nal_length_size;
	config->codec_data = g_bytes_ref(avcc);
	config->codec_string = nvr_media_avcc_codec_string(&parsed);
	return g_steal_pointer(&config);
}

NvrMediaTrackConfig *
nvr_media_track_config_new_h265(GBytes *hvcc, guint width, guint height, GError **error)
{
	g_autoptr(NvrMediaTrackConfig) config = NULL;
	NvrMediaHvcc parsed;

	if (!nvr_media_track_codec_data_check(hvcc, error))
		return NULL;
	if (!nvr_media_hvcc_parse(g_bytes_get_data(hvcc, NULL), g_bytes_get_size(hvcc), &parsed,
				  error))
		return NULL;
	config = nvr_media_track_config_alloc(NVR_MEDIA_CODEC_H265, NVR_MEDIA_VIDEO_TIMESCALE);
	nvr_media_track_video_size(config, width, height, parsed.sps.width, parsed.sps.height);
	config->nal_length_size = parsed.nal_length_size;
	config->codec_data = g_bytes_ref(hvcc);
	config->codec_string = nvr_media_hvcc_codec_string(&parsed);
	return g_steal_pointer(&config);
}

static gboolean
nvr_media_track_audio_check(guint rate, guint channels, GError **error)
{
	/* the sample entry holds the rate as 16.16 fixed point */
	if (rate == 0 || rate > G_MAXUINT16 || channels == 0 || channels > 8) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED,
			    "audio with %u Hz and %u channels", rate, channels);
		return FALSE;
	}
	return TRUE;
}

NvrMediaTrackConfig *
nvr_media_track_config_new_aac(GBytes *asc, guint rate, guint channels, GError **error)
{
	g_autoptr(NvrMediaTrackConfig) config = NULL;
	NvrMediaAacConfig parsed;

	if (!nvr_media_track_codec_data_check(asc, error))
		return NULL;
	if (!nvr_media_aac_config_parse(g_bytes_get_data(asc, NULL), g_bytes_get_size(asc), &parsed,
					error))
		return NULL;
	/* the stream's own rate counts (SBR doubles what the caps say, not the ASC) */
	if (rate == 0)
		rate = parsed.rate;
	if (channels == 0)
		channels = parsed.channels;
	if (!nvr_media_track_audio_check(rate, channels, error))
		return NULL;
	config = nvr_media_track_config_alloc(NVR_MEDIA_CODEC_AAC, rate);
	config->rate = rate;
	config->channels = channels;
	config->frame_samples = parsed.frame_samples;
	config->codec_data = g_bytes_ref(asc);
	config->codec_string = nvr_media_aac_codec_string(&parsed);
	return g_steal_pointer(&config);
}

NvrMediaTrackConfig *
nvr_media_track_config_new_g711(NvrMediaCodec codec, guint rate, guint channels, GError **error)
{
	NvrMediaTrackConfig *config;

	g_return_val_if_fail(codec == NVR_MEDIA_CODEC_MULAW || codec == NVR_MEDIA_CODEC_ALAW, NULL);
	if (!nvr_media_track_audio_check(rate, channels, error))
		return NULL;
	config = nvr_media_track_config_alloc(codec, rate);
	config->rate = rate;
	config->channels = channels;
	config->codec_string = g_strdup(codec == NVR_MEDIA_CODEC_MULAW ? "ulaw" : "alaw");
	return config;
}

static GBytes *
nvr_media_caps_codec_data(const GstStructure *s)
{
	const GValue *v = gst_structure_get_value(s, "codec_data");
	GstBuffer *buf;
	GstMapInfo map;
	GBytes *bytes;

	if (v == NULL || !GST_VALUE_HOLDS_BUFFER(v))
		return NULL;
	buf = gst_value_get_buffer(v);
	if (!gst_buffer_map(buf, &map, GST_MAP_READ))
		return NULL;
	bytes = g_bytes_new(map.data, map.size);
	gst_buffer_unmap(buf, &map);
	return bytes;
}

static gboolean
nvr_media_caps_field_is(const GstStructure *s, const gchar *field, const gchar *want)
{
	return g_strcmp0(gst_structure_get_string(s, field), want) == 0;
}

static gboolean
nvr_media_caps_int(const GstStructure *s, const gchar *field, guint *out)
{
	gint v = 0;

	*out = 0;
	if (!gst_structure_get_int(s, field, &v))
		return TRUE;
	if (v <= 0)
		return FALSE;
	*out = (guint)v;
	return TRUE;
}

static NvrMediaTrackConfig *
nvr_media_track_config_video_from_caps(const GstStructure *s, gboolean h265, GError **error)
{
	g_autoptr(GBytes) codec_data = nvr_media_caps_codec_data(s);
	NvrMediaTrackConfig *config;
	const gchar *format = h265 ? "hvc1" : "avc";
	guint width, height;
	gint fps_n = 0, fps_d = 0;

	if (!nvr_media_caps_field_is(s, "stream-format", format) ||
	    !nvr_media_caps_field_is(s, "alignment", "au")) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED,
			    "%s needs stream-format=%s and alignment=au", gst_structure_get_name(s),
			    format);
		return NULL;
	}
	if (!nvr_media_caps_int(s, "width", &width) || !nvr_media_caps_int(s, "height", &height)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "caps: bad picture size");
		return NULL;
	}
	config = h265 ? nvr_media_track_config_new_h265(codec_data, width, height, error)
		      : nvr_media_track_config_new_h264(codec_data, width, height, error);
	if (config != NULL && gst_structure_get_fraction(s, "framerate", &fps_n, &fps_d) &&
	    fps_n > 0 && fps_d > 0) {
		config->fps_n = fps_n;
		config->fps_d = fps_d;
	}
	return config;
}

static NvrMediaTrackConfig *
nvr_media_track_config_audio_from_caps(const GstStructure *s, NvrMediaCodec codec, GError **error)
{
	g_autoptr(GBytes) codec_data = NULL;
	guint rate, channels;
	gint version = 0;

	if (!nvr_media_caps_int(s, "rate", &rate) ||
	    !nvr_media_caps_int(s, "channels", &channels)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE,
				    "caps: bad rate or channels");
		return NULL;
	}
	if (codec != NVR_MEDIA_CODEC_AAC)
		return nvr_media_track_config_new_g711(codec, rate, channels == 0 ? 1 : channels,
						       error);
	if (!gst_structure_get_int(s, "mpegversion", &version) || version != 4 ||
	    !nvr_media_caps_field_is(s, "stream-format", "raw")) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED,
				    "audio/mpeg needs mpegversion=4 and stream-format=raw");
		return NULL;
	}
	codec_data = nvr_media_caps_codec_data(s);
	return nvr_media_track_config_new_aac(codec_data, rate, channels, error);
}

NvrMediaTrackConfig *
nvr_media_track_config_from_caps(const GstCaps *caps, GError **error)
{
	const GstStructure *s;
	const gchar *name;

	g_return_val_if_fail(GST_IS_CAPS(caps), NULL);
	if (gst_caps_get_size(caps) != 1 || !gst_caps_is_fixed(caps)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "caps are not fixed");
		return NULL;
	}
	s = gst_caps_get_structure(caps, 0);
	name = gst_structure_get_name(s);
	if (g_str_equal(name, "video/x-h264"))
		return nvr_media_track_config_video_from_caps(s, FALSE, error);
	if (g_str_equal(name, "video/x-h265"))
		return nvr_media_track_config_video_from_caps(s, TRUE, error);
	if (g_str_equal(name, "audio/mpeg"))
		return nvr_media_track_config_audio_from_caps(s, NVR_MEDIA_CODEC_AAC, error);
	if (g_str_equal(name, "audio/x-mulaw"))
		return nvr_media_track_config_audio_from_caps(s, NVR_MEDIA_CODEC_MULAW, error);
	if (g_str_equal(name, "audio/x-alaw"))
		return nvr_media_track_config_audio_from_caps(s, NVR_MEDIA_CODEC_ALAW, error);
	g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED, "codec %s is not recorded", name);
	return NULL;
}

gboolean
nvr_media_track_config_equal(const NvrMediaTrackConfig *a, const NvrMediaTrackConfig *b)
{
	if (a == b)
		return TRUE;
	if (a == NULL || b == NULL)
		return FALSE;
	if (a->codec != b->codec || a->timescale != b->timescale || a->width != b->width ||
	    a->height != b->height || a->rate != b->rate || a->channels != b->channels)
		return FALSE;
	if ((a->codec_data == NULL) != (b->codec_data == NULL))
		return FALSE;
	return a->codec_data == NULL || g_bytes_equal(a->codec_data, b->codec_data);
}

gboolean
nvr_media_track_config_is_video(const NvrMediaTrackConfig *config)
{
	return config->codec == NVR_MEDIA_CODEC_H264 || config->codec == NVR_MEDIA_CODEC_H265;
}

guint32
nvr_media_track_config_nominal_duration(const NvrMediaTrackConfig *config, gsize au_size)
{
	if (nvr_media_track_config_is_video(config)) {
		if (config->fps_n > 0 && config->fps_d > 0)
			return MAX(1, (guint32)gst_util_uint64_scale_round(
					      config->timescale, config->fps_d, config->fps_n));
		return config->timescale / 25;
	}
	if (config->codec == NVR_MEDIA_CODEC_AAC)
		return config->frame_samples;
	/* G.711: one byte per sample per channel */
	return MAX(1, (guint32)MIN(au_size / config->channels, G_MAXUINT32));
}

const gchar *
nvr_media_codec_to_string(NvrMediaCodec codec)
{
	switch (codec) {
	case NVR_MEDIA_CODEC_H264:
		return "h264";
	case NVR_MEDIA_CODEC_H265:
		return "h265";
	case NVR_MEDIA_CODEC_AAC:
		return "aac";
	case NVR_MEDIA_CODEC_MULAW:
		return "mulaw";
	case NVR_MEDIA_CODEC_ALAW:
		return "alaw";
	default:
		return "unknown";
	}
}
