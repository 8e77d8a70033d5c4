#include "config.h"

#include <gst/app/gstappsink.h>
#include <string.h>

#include "core/nvr-error.h"
#include "core/nvr-file.h"
#include "fakecam/nvr-fakecam-clip.h"

/*
 * notes on the clip
 *
 *   The picture is videotestsrc's SMPTE bars scrolling sideways (cheap to
 *   draw, and enough motion for x264 to spend the bitrate: about 4 Mbit/s at
 *   1080p) with the clip time burned in by timeoverlay. x264enc runs at
 *   speed-preset=ultrafast with one thread per encoder (the encoders of one
 *   pipeline run in parallel anyway; with frame threads beside a second
 *   encoder x264's output was not repeatable), no scene cuts and no AUD
 *   NALs, a key frame every
 *   NVR_FAKECAM_GOP_SECONDS; the clip is whole GOPs, so looping it is seamless
 *   for a decoder and every loop starts with an IDR.
 *
 *   The sub stream is scaled from the same source in the same pipeline.
 *   Further renditions (for /resolution) are encoded on demand.
 *
 * invariants
 *   (1) a clip has a main and a sub video track, each starting with a key
 *       frame, and the same number of frames (so an index maps across them)
 *   (2) the clip file holds the tracks in the order main, sub, [audio]
 */

#define NVR_FAKECAM_CLIP_MAGIC "NVRFAKECAM2\n" /* 2: caps as key=value lines */
#define NVR_FAKECAM_CLIP_MAGIC_LEN 12
#define NVR_FAKECAM_CLIP_MAX_FILE (1024 * 1024 * 1024)
#define NVR_FAKECAM_AUDIO_RATE 16000
#define NVR_FAKECAM_AAC_SAMPLES 1024
#define NVR_FAKECAM_ENCODE_TIMEOUT_S 300

struct _NvrFakecamClip {
	GObject parent_instance;
	NvrFakecamTrack *main; /* immutable */
	NvrFakecamTrack *sub;
	NvrFakecamTrack *audio; /* nullable */
};

G_DEFINE_TYPE(NvrFakecamClip, nvr_fakecam_clip, G_TYPE_OBJECT)

static void
nvr_fakecam_clip_finalize(GObject *obj)
{
	NvrFakecamClip *self = NVR_FAKECAM_CLIP(obj);

	g_clear_object(&self->main);
	g_clear_object(&self->sub);
	g_clear_object(&self->audio);
	G_OBJECT_CLASS(nvr_fakecam_clip_parent_class)->finalize(obj);
}

static void
nvr_fakecam_clip_class_init(NvrFakecamClipClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_fakecam_clip_finalize;
}

static void
nvr_fakecam_clip_init(NvrFakecamClip *self)
{
}

/* Returns: (transfer none) */
NvrFakecamTrack *
nvr_fakecam_clip_get_main(NvrFakecamClip *self)
{
	return self->main;
}

/* Returns: (transfer none) */
NvrFakecamTrack *
nvr_fakecam_clip_get_sub(NvrFakecamClip *self)
{
	return self->sub;
}

/* Returns: (transfer none) (nullable) */
NvrFakecamTrack *
nvr_fakecam_clip_get_audio(NvrFakecamClip *self)
{
	return self->audio;
}

static gboolean
nvr_fakecam_size_ok(guint w, guint h)
{
	/* 4:2:0 wants even sizes; beyond 4K x264 ultrafast is no longer quick */
	return w >= 64 && h >= 64 && w <= 3840 && h <= 2160 && w % 2 == 0 && h % 2 == 0;
}

gboolean
nvr_fakecam_clip_params_check(const NvrFakecamClipParams *p, GError **error)
{
	if (!nvr_fakecam_size_ok(p->width, p->height) ||
	    !nvr_fakecam_size_ok(p->sub_width, p->sub_height)) {
		g_set_error_literal(error,
				    NVR_ERROR,
				    NVR_ERROR_INVALID_ARGUMENT,
				    "sizes must be even, from 64x64 to 3840x2160");
		return FALSE;
	}
	if (p->fps < 1 || p->fps > 60 || p->seconds < 1 || p->seconds > 600) {
		g_set_error_literal(error,
				    NVR_ERROR,
				    NVR_ERROR_INVALID_ARGUMENT,
				    "fps must be 1..60 and clip seconds 1..600");
		return FALSE;
	}
	if (p->bitrate < 64 || p->bitrate > 100000 || p->sub_bitrate < 32 ||
	    p->sub_bitrate > 100000) {
		g_set_error_literal(error,
				    NVR_ERROR,
				    NVR_ERROR_INVALID_ARGUMENT,
				    "bitrates must be 64..100000 kbit/s (sub: 32..)");
		return FALSE;
	}
	return TRUE;
}

static guint
nvr_fakecam_clip_frames(const NvrFakecamClipParams *p)
{
	guint gops = (p->seconds + NVR_FAKECAM_GOP_SECONDS - 1) / NVR_FAKECAM_GOP_SECONDS;
	return gops * NVR_FAKECAM_GOP_SECONDS * p->fps;
}

typedef struct {
	GPtrArray *aus; /* GstBuffer, in arrival order */
	GstCaps *caps;	/* of the last sample */
} NvrFakecamSinkData;

static void
nvr_fakecam_sink_data_free(NvrFakecamSinkData *d)
{
	g_ptr_array_unref(d->aus);
	gst_clear_caps(&d->caps);
	g_free(d);
}

static GstFlowReturn
nvr_fakecam_clip_new_sample_cb(GstAppSink *sink, gpointer user_data) /* streaming thread */
{
	NvrFakecamSinkData *d = user_data; /* touched by this sink's thread only */
	g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);

	if (sample == NULL)
		return GST_FLOW_EOS;
	g_ptr_array_add(d->aus, gst_buffer_ref(gst_sample_get_buffer(sample)));
	gst_caps_replace(&d->caps, gst_sample_get_caps(sample));
	return GST_FLOW_OK;
}

static const gchar *
nvr_fakecam_clip_aac_encoder(void)
{
	const gchar *names[] = {"voaacenc", "avenc_aac", "fdkaacenc"};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autoptr(GstElementFactory) f = gst_element_factory_find(names[i]);
		if (f != NULL)
			return names[i];
	}
	return NULL;
}

typedef struct {
	guint width;
	guint height;
	guint bitrate;
} NvrFakecamVideoOut;

/*
 * videotestsrc ! timeoverlay ! tee, then per output [videoscale !] x264enc !
 * h264parse ! avc/au ! appsink vN; audiotestsrc ! AAC ! aacparse ! appsink a0
 */
static gchar *
nvr_fakecam_clip_pipeline_desc(const NvrFakecamClipParams *p,
			       const NvrFakecamVideoOut *outs,
			       guint n_outs,
			       gboolean audio,
			       GError **error)
{
	g_autoptr(GString) s = g_string_new(NULL);
	g_autoptr(GstElementFactory) overlay = gst_element_factory_find("timeoverlay");
	guint frames = nvr_fakecam_clip_frames(p);
	guint gop = NVR_FAKECAM_GOP_SECONDS * p->fps;

	g_string_append_printf(s,
			       "videotestsrc pattern=smpte horizontal-speed=%u num-buffers=%u ! "
			       "video/x-raw,format=I420,width=%u,height=%u,framerate=%u/1,"
			       "pixel-aspect-ratio=1/1 ! ",
			       MAX(outs[0].width / 240, 1u),
			       frames,
			       outs[0].width,
			       outs[0].height,
			       p->fps);
	if (overlay != NULL) /* gstreamer1.0-x; without it the clip has no clock */
		g_string_append_printf(s,
				       "timeoverlay text=nvr-fakecam font-desc=\"Sans %u\" "
				       "halignment=right valignment=top shaded-background=true ! ",
				       MAX(outs[0].height / 30, 8u));
	g_string_append(s, "tee name=t ");
	for (guint i = 0; i < n_outs; i++) {
		g_string_append(s, "t. ! queue ! ");
		if (i > 0 || outs[i].width != outs[0].width)
			g_string_append_printf(s,
					       "videoscale ! video/x-raw,width=%u,height=%u ! ",
					       outs[i].width,
					       outs[i].height);
		g_string_append_printf(s,
				       "x264enc speed-preset=ultrafast key-int-max=%u bitrate=%u "
				       "threads=1 aud=false option-string=scenecut=0 ! h264parse ! "
				       "video/x-h264,stream-format=avc,alignment=au ! "
				       "appsink name=v%u sync=false ",
				       gop,
				       outs[i].bitrate,
				       i);
	}
	if (audio) {
		const gchar *aac = nvr_fakecam_clip_aac_encoder();
		guint blocks = (guint)(((guint64)frames * NVR_FAKECAM_AUDIO_RATE / p->fps +
					NVR_FAKECAM_AAC_SAMPLES - 1) /
				       NVR_FAKECAM_AAC_SAMPLES);
		if (aac == NULL) {
			g_set_error_literal(error,
					    NVR_ERROR,
					    NVR_ERROR_NOT_SUPPORTED,
					    "no AAC encoder (voaacenc or avenc_aac) for --audio");
			return NULL;
		}
		g_string_append_printf(s,
				       "audiotestsrc wave=sine freq=440 volume=0.2 num-buffers=%u "
				       "samplesperbuffer=%u ! audio/x-raw,rate=%u,channels=1 ! "
				       "%s bitrate=32000 ! aacparse ! "
				       "audio/mpeg,mpegversion=4,stream-format=raw ! "
				       "appsink name=a0 sync=false",
				       blocks,
				       NVR_FAKECAM_AAC_SAMPLES,
				       NVR_FAKECAM_AUDIO_RATE,
				       aac);
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static gboolean
nvr_fakecam_clip_run(GstElement *pipeline, GError **error)
{
	g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
	g_autoptr(GstMessage) msg = NULL;

	if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_FAILED, "encoder did not start");
		return FALSE;
	}
	msg = gst_bus_timed_pop_filtered(bus,
					 NVR_FAKECAM_ENCODE_TIMEOUT_S * GST_SECOND,
					 GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	if (msg == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_TIMEOUT, "encoder timed out");
		return FALSE;
	}
	if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
		g_autoptr(GError) gerr = NULL;
		gst_message_parse_error(msg, &gerr, NULL);
		g_set_error(error, NVR_ERROR, NVR_ERROR_FAILED, "encoder: %s", gerr->message);
		return FALSE;
	}
	return TRUE;
}

/* durations from the nominal rate, so that loops add exactly the clip length */
static NvrFakecamTrack *
nvr_fakecam_clip_track_from_sink(NvrFakecamSinkData *d, guint rate_num, guint rate_den,
				 GError **error)
{
	for (guint i = 0; i < d->aus->len; i++) {
		GstBuffer **au = (GstBuffer **)&g_ptr_array_index(d->aus, i);
		*au = gst_buffer_make_writable(*au);
		GST_BUFFER_PTS(*au) = GST_BUFFER_DTS(*au) = GST_CLOCK_TIME_NONE;
		GST_BUFFER_DURATION(*au) =
		    gst_util_uint64_scale(i + 1, GST_SECOND * rate_den, rate_num) -
		    gst_util_uint64_scale(i, GST_SECOND * rate_den, rate_num);
	}
	return nvr_fakecam_track_new(d->caps, d->aus, error);
}

static GstElement *
nvr_fakecam_clip_launch(const gchar *desc, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	GstElement *pipeline = gst_parse_launch_full(desc,
						     NULL,
						     GST_PARSE_FLAG_FATAL_ERRORS,
						     &error_local);

	if (pipeline == NULL) {
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_NOT_SUPPORTED,
			    "cannot build the encoder (x264enc is in gstreamer1.0-plugins-ugly): %s",
			    error_local->message);
		return NULL;
	}
	return pipeline;
}

static NvrFakecamSinkData *
nvr_fakecam_clip_attach_sink(GstElement *pipeline, const gchar *name)
{
	g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline), name);
	NvrFakecamSinkData *d = g_new0(NvrFakecamSinkData, 1);
	GstAppSinkCallbacks cb = {.new_sample = nvr_fakecam_clip_new_sample_cb};

	d->aus = g_ptr_array_new_with_free_func((GDestroyNotify)gst_buffer_unref);
	gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, d, NULL);
	return d;
}

/* encodes @n_outs video renditions (and audio) of one source; fills @tracks */
static gboolean
nvr_fakecam_clip_encode_tracks(const NvrFakecamClipParams *p,
			       const NvrFakecamVideoOut *outs,
			       guint n_outs,
			       gboolean audio,
			       NvrFakecamTrack **tracks,
			       GError **error)
{
	g_autofree gchar *desc = nvr_fakecam_clip_pipeline_desc(p, outs, n_outs, audio, error);
	g_autoptr(GstElement) pipeline = NULL;
	g_autoptr(GPtrArray) sinks =
	    g_ptr_array_new_with_free_func((GDestroyNotify)nvr_fakecam_sink_data_free);
	guint n_sinks = n_outs + (audio ? 1 : 0);

	if (desc == NULL || (pipeline = nvr_fakecam_clip_launch(desc, error)) == NULL)
		return FALSE;
	for (guint i = 0; i < n_sinks; i++) {
		g_autofree gchar *name = i < n_outs ? g_strdup_printf("v%u", i) : g_strdup("a0");
		g_ptr_array_add(sinks, nvr_fakecam_clip_attach_sink(pipeline, name));
	}
	if (!nvr_fakecam_clip_run(pipeline, error))
		return FALSE;
	for (guint i = 0; i < n_sinks; i++) {
		NvrFakecamSinkData *d = g_ptr_array_index(sinks, i);
		if (d->caps == NULL || d->aus->len == 0) {
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_FAILED, "encoder gave no data");
			return FALSE;
		}
		tracks[i] = i < n_outs ? nvr_fakecam_clip_track_from_sink(d, p->fps, 1, error)
				       : nvr_fakecam_clip_track_from_sink(d,
									  NVR_FAKECAM_AUDIO_RATE,
									  NVR_FAKECAM_AAC_SAMPLES,
									  error);
		if (tracks[i] == NULL)
			return FALSE;
	}
	return TRUE;
}

static NvrFakecamClip *
nvr_fakecam_clip_new_take(NvrFakecamTrack *main, NvrFakecamTrack *sub, NvrFakecamTrack *audio,
			  GError **error);

/**
 * nvr_fakecam_clip_new:
 * @audio: (nullable)
 *
 * Returns: (transfer full): a clip of these tracks, or NULL with @error if
 * they break the invariants above
 */
NvrFakecamClip *
nvr_fakecam_clip_new(NvrFakecamTrack *main, NvrFakecamTrack *sub, NvrFakecamTrack *audio,
		     GError **error)
{
	return nvr_fakecam_clip_new_take(main != NULL ? g_object_ref(main) : NULL,
					 sub != NULL ? g_object_ref(sub) : NULL,
					 audio != NULL ? g_object_ref(audio) : NULL,
					 error);
}

static NvrFakecamClip *
nvr_fakecam_clip_new_take(NvrFakecamTrack *main, NvrFakecamTrack *sub, NvrFakecamTrack *audio,
			  GError **error)
{
	g_autoptr(NvrFakecamClip) self = g_object_new(NVR_TYPE_FAKECAM_CLIP, NULL);

	self->main = main;
	self->sub = sub;
	self->audio = audio;
	if (self->main == NULL || self->sub == NULL ||
	    nvr_fakecam_track_get_kind(self->main) != NVR_FAKECAM_TRACK_VIDEO ||
	    nvr_fakecam_track_get_kind(self->sub) != NVR_FAKECAM_TRACK_VIDEO ||
	    (self->audio != NULL &&
	     nvr_fakecam_track_get_kind(self->audio) != NVR_FAKECAM_TRACK_AUDIO)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_CORRUPT, "clip tracks are wrong");
		return NULL;
	}
	if (nvr_fakecam_track_get_n_aus(self->main) != nvr_fakecam_track_get_n_aus(self->sub)) {
		g_set_error_literal(error,
				    NVR_ERROR,
				    NVR_ERROR_CORRUPT,
				    "main and sub tracks differ in length");
		return NULL;
	}
	return g_steal_pointer(&self);
}

/**
 * nvr_fakecam_clip_encode:
 *
 * Encodes the clip described by @params: a few seconds of CPU for the
 * default 10 s at 1080p.
 *
 * Returns: (transfer full): the clip, or NULL with @error
 */
NvrFakecamClip *
nvr_fakecam_clip_encode(const NvrFakecamClipParams *params, GError **error)
{
	NvrFakecamVideoOut outs[] = {
	    {params->width, params->height, params->bitrate},
	    {params->sub_width, params->sub_height, params->sub_bitrate},
	};
	NvrFakecamTrack *tracks[3] = {NULL, NULL, NULL};

	if (!nvr_fakecam_clip_params_check(params, error))
		return NULL;
	if (!nvr_fakecam_clip_encode_tracks(params, outs, 2, params->audio, tracks, error)) {
		for (guint i = 0; i < G_N_ELEMENTS(tracks); i++)
			g_clear_object(&tracks[i]);
		return NULL;
	}
	return nvr_fakecam_clip_new_take(tracks[0], tracks[1], tracks[2], error);
}

/**
 * nvr_fakecam_clip_encode_video:
 *
 * Encodes one more video rendition of the clip's picture at another size,
 * with as many frames and the same GOP, so a feeder can switch to it at any
 * key frame. Blocks for about a second: call it from a worker thread.
 *
 * Returns: (transfer full): the track, or NULL with @error
 */
NvrFakecamTrack *
nvr_fakecam_clip_encode_video(const NvrFakecamClipParams *params,
			      guint width,
			      guint height,
			      guint bitrate,
			      GError **error)
{
	NvrFakecamVideoOut out = {width, height, bitrate};
	NvrFakecamTrack *track = NULL;

	if (!nvr_fakecam_size_ok(width, height)) {
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_INVALID_ARGUMENT,
			    "size %ux%u: must be even, from 64x64 to 3840x2160",
			    width,
			    height);
		return NULL;
	}
	if (!nvr_fakecam_clip_encode_tracks(params, &out, 1, FALSE, &track, error))
		return NULL;
	return track;
}

/**
 * nvr_fakecam_clip_encode_jpeg:
 *
 * Returns: (transfer full): one JPEG picture of the test pattern, for the
 * snapshot URLs
 */
GBytes *
nvr_fakecam_clip_encode_jpeg(guint width, guint height, GError **error)
{
	g_autofree gchar *desc =
	    g_strdup_printf("videotestsrc pattern=smpte num-buffers=1 ! "
			    "video/x-raw,format=I420,width=%u,height=%u ! jpegenc ! "
			    "appsink name=j0 sync=false",
			    width,
			    height);
	g_autoptr(GstElement) pipeline = nvr_fakecam_clip_launch(desc, error);
	g_autoptr(GstElement) sink = NULL;
	g_autoptr(GstSample) sample = NULL;
	GstMapInfo map;
	GBytes *bytes;

	if (pipeline == NULL)
		return NULL;
	sink = gst_bin_get_by_name(GST_BIN(pipeline), "j0");
	gst_element_set_state(pipeline, GST_STATE_PLAYING);
	sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 30 * GST_SECOND);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	if (sample == NULL ||
	    !gst_buffer_map(gst_sample_get_buffer(sample), &map, GST_MAP_READ)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_FAILED, "no JPEG from jpegenc");
		return NULL;
	}
	bytes = g_bytes_new(map.data, map.size);
	gst_buffer_unmap(gst_sample_get_buffer(sample), &map);
	return bytes;
}

/* Returns: (transfer full): the clip file's bytes: magic, u32 track count, tracks */
GBytes *
nvr_fakecam_clip_serialize(NvrFakecamClip *self)
{
	GByteArray *out = g_byte_array_new();
	guint32 n = GUINT32_TO_BE(self->audio != NULL ? 3 : 2);

	g_byte_array_append(out,
			    (const guint8 *)NVR_FAKECAM_CLIP_MAGIC,
			    NVR_FAKECAM_CLIP_MAGIC_LEN);
	g_byte_array_append(out, (const guint8 *)&n, 4);
	nvr_fakecam_track_serialize(self->main, out);
	nvr_fakecam_track_serialize(self->sub, out);
	if (self->audio != NULL)
		nvr_fakecam_track_serialize(self->audio, out);
	return g_byte_array_free_to_bytes(out);
}

/**
 * nvr_fakecam_clip_parse:
 * @bytes: a clip file's contents; untrusted, every length is checked
 *
 * Returns: (transfer full): the clip, sharing @bytes' memory, or NULL with @error
 */
NvrFakecamClip *
nvr_fakecam_clip_parse(GBytes *bytes, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	NvrFakecamTrack *tracks[3] = {NULL, NULL, NULL};
	gsize offset = NVR_FAKECAM_CLIP_MAGIC_LEN + 4;
	guint32 n;

	if (len < offset || memcmp(data, NVR_FAKECAM_CLIP_MAGIC, NVR_FAKECAM_CLIP_MAGIC_LEN) != 0) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_CORRUPT, "not an nvr-fakecam clip");
		return NULL;
	}
	memcpy(&n, data + NVR_FAKECAM_CLIP_MAGIC_LEN, 4);
	n = GUINT32_FROM_BE(n);
	if (n != 2 && n != 3) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT, "%u tracks, expected 2 or 3", n);
		return NULL;
	}
	for (guint i = 0; i < n; i++) {
		tracks[i] = nvr_fakecam_track_parse(bytes, &offset, error);
		if (tracks[i] == NULL) {
			for (guint j = 0; j < i; j++)
				g_object_unref(tracks[j]);
			g_prefix_error(error, "track %u: ", i);
			return NULL;
		}
	}
	if (offset != len) {
		for (guint j = 0; j < n; j++)
			g_object_unref(tracks[j]);
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_CORRUPT, "trailing bytes");
		return NULL;
	}
	return nvr_fakecam_clip_new_take(tracks[0], tracks[1], tracks[2], error);
}

static NvrFakecamClip *
nvr_fakecam_clip_load(const gchar *path, GError **error)
{
	g_autoptr(GMappedFile) file = g_mapped_file_new(path, FALSE, error);
	g_autoptr(GBytes) bytes = NULL;
	NvrFakecamClip *clip;

	if (file == NULL)
		return NULL;
	if (g_mapped_file_get_length(file) > NVR_FAKECAM_CLIP_MAX_FILE) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT, "%s: too large", path);
		return NULL;
	}
	bytes = g_mapped_file_get_bytes(file);
	clip = nvr_fakecam_clip_parse(bytes, error);
	if (clip == NULL)
		g_prefix_error(error, "%s: ", path);
	return clip;
}

static gboolean
nvr_fakecam_clip_save(NvrFakecamClip *self, const gchar *path, GError **error)
{
	g_autoptr(GBytes) bytes = nvr_fakecam_clip_serialize(self);
	g_autofree gchar *dir = g_path_get_dirname(path);
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);

	if (g_mkdir_with_parents(dir, 0700) != 0)
		return nvr_error_from_errno(error, errno, "creating %s", dir);
	return nvr_file_write_atomic(path, data, len, 0644, error);
}

/* Returns: (transfer full): where the clip for @params is cached */
gchar *
nvr_fakecam_clip_cache_path(const NvrFakecamClipParams *p)
{
	g_autofree gchar *key = g_strdup_printf("nvr-fakecam clip v2 %ux%u@%u %u %ux%u %u %us %d "
						"gst %u.%u",
						p->width,
						p->height,
						p->fps,
						p->bitrate,
						p->sub_width,
						p->sub_height,
						p->sub_bitrate,
						nvr_fakecam_clip_frames(p) / p->fps,
						p->audio ? 1 : 0,
						GST_VERSION_MAJOR,
						GST_VERSION_MINOR);
	g_autofree gchar *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA1, key, -1);
	g_autofree gchar *name = g_strdup_printf("clip-%.16s.nfc", sum);

	return g_build_filename(g_get_user_cache_dir(), "nvr-fakecam", name, NULL);
}

/**
 * nvr_fakecam_clip_open:
 * @path: (nullable): a clip file to use if it exists, else to write; NULL
 *   for the cache ($XDG_CACHE_HOME/nvr-fakecam/, keyed by @params)
 * @encoded: (out) (optional): whether it had to be encoded now
 *
 * A given file is authoritative: when it exists, its tracks are used as they
 * are, whatever @params say. A broken cache file is re-encoded.
 *
 * Returns: (transfer full): the clip, or NULL with @error
 */
NvrFakecamClip *
nvr_fakecam_clip_open(const NvrFakecamClipParams *params,
		      const gchar *path,
		      gboolean *encoded,
		      GError **error)
{
	g_autofree gchar *cache = path == NULL ? nvr_fakecam_clip_cache_path(params) : NULL;
	g_autoptr(NvrFakecamClip) clip = NULL;
	g_autoptr(GError) error_local = NULL;

	if (encoded != NULL)
		*encoded = FALSE;
	if (path != NULL && g_file_test(path, G_FILE_TEST_EXISTS))
		return nvr_fakecam_clip_load(path, error);
	if (cache != NULL && g_file_test(cache, G_FILE_TEST_EXISTS)) {
		clip = nvr_fakecam_clip_load(cache, &error_local);
		if (clip != NULL)
			return g_steal_pointer(&clip);
		g_warning("ignoring the cached clip: %s", error_local->message);
		g_clear_error(&error_local);
	}
	clip = nvr_fakecam_clip_encode(params, error);
	if (clip == NULL)
		return NULL;
	if (encoded != NULL)
		*encoded = TRUE;
	if (!nvr_fakecam_clip_save(clip, path != NULL ? path : cache, &error_local)) {
		if (path != NULL) { /* asked for explicitly: not writing it is an error */
			g_propagate_error(error, g_steal_pointer(&error_local));
			return NULL;
		}
		g_warning("cannot cache the clip: %s", error_local->message);
	}
	return g_steal_pointer(&clip);
}
