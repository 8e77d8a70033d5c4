/*
 * test-media.c: the fMP4 writer and reader against real encoders (x264,
 * x265, AAC, G.711 through GStreamer) and real demuxers (qtdemux, ffprobe).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <string.h>

#include "core/nvr-error.h"
#include "media/nvr-media.h"
#include "nvr-test-common.h"

#define MEDIA_FPS 30
#define MEDIA_TICKS_PER_FRAME (NVR_MEDIA_VIDEO_TIMESCALE / MEDIA_FPS)

/* encoding a clip */

typedef struct {
	GPtrArray *video; /* GstSample */
	GPtrArray *audio;
} MediaClip;

static void
media_clip_free(MediaClip *clip)
{
	g_ptr_array_unref(clip->video);
	g_ptr_array_unref(clip->audio);
	g_free(clip);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MediaClip, media_clip_free)

static gboolean
media_have_element(const gchar *name)
{
	g_autoptr(GstElementFactory) f = gst_element_factory_find(name);

	return f != NULL;
}

static void
media_pull_all(GstElement *pipeline, const gchar *name, GPtrArray *out)
{
	g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline), name);
	GstSample *sample;

	if (sink == NULL)
		return;
	while ((sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 20 * GST_SECOND)) != NULL)
		g_ptr_array_add(out, sample);
	g_assert_true(gst_app_sink_is_eos(GST_APP_SINK(sink)));
}

static void
media_assert_no_bus_error(GstElement *pipeline)
{
	g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
	g_autoptr(GstMessage) msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);

	if (msg != NULL) {
		g_autoptr(GError) error = NULL;

		gst_message_parse_error(msg, &error, NULL);
		g_assert_no_error(error);
	}
}

/* runs a pipeline with appsinks "v" and/or "a" to EOS and keeps their samples */
static MediaClip *
media_clip_run(const gchar *description)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GstElement) pipeline = gst_parse_launch(description, &error);
	MediaClip *clip = g_new0(MediaClip, 1);

	g_assert_no_error(error);
	clip->video = g_ptr_array_new_with_free_func((GDestroyNotify)gst_sample_unref);
	clip->audio = g_ptr_array_new_with_free_func((GDestroyNotify)gst_sample_unref);
	g_assert_cmpint(gst_element_set_state(pipeline, GST_STATE_PLAYING), !=,
			GST_STATE_CHANGE_FAILURE);
	media_pull_all(pipeline, "v", clip->video);
	media_pull_all(pipeline, "a", clip->audio);
	media_assert_no_bus_error(pipeline);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	return clip;
}

typedef enum {
	MEDIA_AUDIO_NONE,
	MEDIA_AUDIO_AAC,
	MEDIA_AUDIO_MULAW,
	MEDIA_AUDIO_ALAW,
} MediaAudio;

/* @video: "x264" or "x265"; @bframes only for x264 */
static MediaClip *
media_clip_encode(const gchar *video, guint frames, guint width, guint height, guint gop,
		  guint bframes, MediaAudio audio)
{
	g_autoptr(GString) d = g_string_new(NULL);
	gboolean h265 = g_str_equal(video, "x265");
	guint seconds_x10 = frames * 10 / MEDIA_FPS;

	g_string_append_printf(d,
			       "videotestsrc num-buffers=%u pattern=ball ! "
			       "video/x-raw,format=I420,width=%u,height=%u,framerate=%u/1 ! ",
			       frames, width, height, MEDIA_FPS);
	if (h265)
		g_string_append_printf(
			d,
			"x265enc speed-preset=ultrafast key-int-max=%u ! h265parse ! "
			"video/x-h265,stream-format=hvc1,alignment=au ! ",
			gop);
	else
		g_string_append_printf(d,
				       "x264enc speed-preset=ultrafast key-int-max=%u bframes=%u ! "
				       "h264parse ! video/x-h264,stream-format=avc,alignment=au ! ",
				       gop, bframes);
	g_string_append(d, "appsink name=v sync=false ");
	if (audio == MEDIA_AUDIO_AAC)
		g_string_append_printf(d,
				       "audiotestsrc num-buffers=%u samplesperbuffer=1024 ! "
				       "audio/x-raw,rate=48000,channels=1 ! voaacenc ! "
				       "audio/mpeg,mpegversion=4,stream-format=raw ! "
				       "appsink name=a sync=false",
				       MAX(2, seconds_x10 * 48000 / 10 / 1024));
	else if (audio == MEDIA_AUDIO_MULAW || audio == MEDIA_AUDIO_ALAW)
		g_string_append_printf(d,
				       "audiotestsrc num-buffers=%u samplesperbuffer=320 ! "
				       "audio/x-raw,rate=8000,channels=1 ! %s ! "
				       "appsink name=a sync=false",
				       MAX(2, seconds_x10 * 8000 / 10 / 320),
				       audio == MEDIA_AUDIO_MULAW ? "mulawenc" : "alawenc");
	return media_clip_run(d->str);
}

/* feeding a segmenter */

static GstClockTime
media_clip_video_base(MediaClip *clip)
{
	GstClockTime base = GST_CLOCK_TIME_NONE;

	/* x264enc starts at 1000 h and B-frames make DTS precede PTS: the earliest DTS is 0 */
	for (guint i = 0; i < clip->video->len; i++) {
		GstBuffer *buf = gst_sample_get_buffer(g_ptr_array_index(clip->video, i));

		base = MIN(base, GST_BUFFER_DTS_OR_PTS(buf));
	}
	return base;
}

typedef struct {
	NvrMediaSegmenter *seg;
	GstCaps *caps[2]; /* last caps seen per track */
	NvrMediaTrackConfig *configs[2];
	gint64 offset_ns; /* added to every time: a later run, or a continuation */
} MediaFeeder;

static void
media_feed_sample(MediaFeeder *f, guint track, GstSample *sample, GstClockTime base)
{
	g_autoptr(GError) error = NULL;
	g_auto(NvrMediaAu) au = {0};
	GstCaps *caps = gst_sample_get_caps(sample);
	GstBuffer *buf = gst_sample_get_buffer(sample);
	guint32 timescale;
	gboolean ok;

	if (f->caps[track] == NULL || !gst_caps_is_equal(caps, f->caps[track])) {
		g_clear_pointer(&f->configs[track], nvr_media_track_config_unref);
		f->configs[track] = nvr_media_track_config_from_caps(caps, &error);
		g_assert_no_error(error);
		ok = nvr_media_segmenter_set_track(f->seg, track, f->configs[track], &error);
		g_assert_no_error(error);
		g_assert_true(ok);
		gst_caps_replace(&f->caps[track], caps);
	}
	timescale = f->configs[track]->timescale;
	ok = nvr_media_au_init_from_buffer(&au, buf, track, timescale, base, &error);
	g_assert_no_error(error);
	g_assert_true(ok);
	au.dts += gst_util_uint64_scale_round(f->offset_ns, timescale, GST_SECOND);
	ok = nvr_media_segmenter_push(f->seg, &au, &error);
	g_assert_no_error(error);
	g_assert_true(ok);
}

/* pushes video and audio interleaved by time, as they would arrive */
static void
media_feed(MediaFeeder *f, MediaClip *clip)
{
	GstClockTime vbase = media_clip_video_base(clip);
	guint vi = 0, ai = 0;

	while (vi < clip->video->len || ai < clip->audio->len) {
		gboolean video = ai >= clip->audio->len;

		if (!video && vi < clip->video->len) {
			GstBuffer *vb = gst_sample_get_buffer(g_ptr_array_index(clip->video, vi));
			GstBuffer *ab = gst_sample_get_buffer(g_ptr_array_index(clip->audio, ai));

			video = GST_BUFFER_DTS_OR_PTS(vb) - vbase <= GST_BUFFER_PTS(ab);
		}
		if (video)
			media_feed_sample(f, 0, g_ptr_array_index(clip->video, vi++), vbase);
		else
			media_feed_sample(f, 1, g_ptr_array_index(clip->audio, ai++), 0);
	}
}

/* sets every track from the clip's first caps before any AU: a recorder that
 * waits for the caps of all its pads does this */
static void
media_feeder_configure(MediaFeeder *f, MediaClip *clip)
{
	g_autoptr(GError) error = NULL;

	for (guint track = 0; track < 2; track++) {
		GPtrArray *samples = track == 0 ? clip->video : clip->audio;
		GstCaps *caps;

		if (samples->len == 0)
			continue;
		caps = gst_sample_get_caps(g_ptr_array_index(samples, 0));
		f->configs[track] = nvr_media_track_config_from_caps(caps, &error);
		g_assert_no_error(error);
		g_assert_true(
			nvr_media_segmenter_set_track(f->seg, track, f->configs[track], &error));
		gst_caps_replace(&f->caps[track], caps);
	}
}

static void
media_feeder_clear(MediaFeeder *f)
{
	g_clear_object(&f->seg);
	for (guint i = 0; i < G_N_ELEMENTS(f->caps); i++) {
		gst_clear_caps(&f->caps[i]);
		g_clear_pointer(&f->configs[i], nvr_media_track_config_unref);
	}
}

/* collecting the segments */

typedef struct {
	NvrMediaSegmentReason reason;
	GBytes *init;
	gchar *mime_type;
	GByteArray *data;  /* init and fragments: the segment's plaintext */
	GArray *fragments; /* NvrMediaFragmentInfo */
	GBytes *index;	   /* from SEGMENT_END */
	NvrMediaSegmentInfo info;
	gboolean ended;
} MediaSegment;

static void
media_segment_free(MediaSegment *s)
{
	g_bytes_unref(s->init);
	g_free(s->mime_type);
	g_byte_array_unref(s->data);
	g_array_unref(s->fragments);
	g_clear_pointer(&s->index, g_bytes_unref);
	g_free(s);
}

static GPtrArray *
media_segments_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)media_segment_free);
}

/* a fragment given as parts, as it lands in the file */
static GBytes *
media_join(GPtrArray *parts)
{
	GByteArray *buf = g_byte_array_new();

	for (guint i = 0; i < parts->len; i++) {
		gsize n;
		const guint8 *p = g_bytes_get_data(g_ptr_array_index(parts, i), &n);

		g_byte_array_append(buf, p, (guint)n);
	}
	return g_byte_array_free_to_bytes(buf);
}

static void
media_collect(NvrMediaSegmenter *seg, GPtrArray *segments)
{
	NvrMediaChunk *chunk;

	while ((chunk = nvr_media_segmenter_pop(seg)) != NULL) {
		MediaSegment *s =
			segments->len > 0 ? g_ptr_array_index(segments, segments->len - 1) : NULL;
		g_autoptr(GBytes) joined = chunk->parts != NULL ? media_join(chunk->parts) : NULL;
		gsize n;
		const guint8 *p = g_bytes_get_data(joined != NULL ? joined : chunk->bytes, &n);

		switch (chunk->kind) {
		case NVR_MEDIA_CHUNK_SEGMENT_START:
			g_assert_true(s == NULL || s->ended);
			s = g_new0(MediaSegment, 1);
			s->reason = chunk->reason;
			s->init = g_bytes_ref(chunk->bytes);
			s->mime_type = g_strdup(chunk->mime_type);
			s->data = g_byte_array_new();
			s->fragments = g_array_new(FALSE, FALSE, sizeof(NvrMediaFragmentInfo));
			g_byte_array_append(s->data, p, n);
			g_ptr_array_add(segments, s);
			break;
		case NVR_MEDIA_CHUNK_FRAGMENT:
			g_assert_nonnull(s);
			g_assert_false(s->ended);
			/* the offset the GOP index will hold is where the bytes land */
			g_assert_cmpuint(chunk->fragment.offset, ==, s->data->len);
			g_assert_cmpuint(chunk->fragment.length, ==, n);
			g_byte_array_append(s->data, p, n);
			g_array_append_val(s->fragments, chunk->fragment);
			break;
		case NVR_MEDIA_CHUNK_SEGMENT_END:
			g_assert_nonnull(s);
			s->ended = TRUE;
			s->index = g_bytes_ref(chunk->bytes);
			s->info = chunk->segment;
			g_assert_cmpuint(s->info.bytes, ==, s->data->len);
			break;
		}
		nvr_media_chunk_unref(chunk);
	}
}

static gchar *
media_write_file(const gchar *dir, const gchar *name, const guint8 *data, gsize size)
{
	g_autoptr(GError) error = NULL;
	gchar *path = g_build_filename(dir, name, NULL);

	g_file_set_contents(path, (const gchar *)data, size, &error);
	g_assert_no_error(error);
	return path;
}

/* checking with real demuxers */

typedef struct {
	GArray *pts; /* GstClockTime */
	GstCaps *caps;
} MediaDemuxed;

static void
media_demuxed_clear(MediaDemuxed *d)
{
	g_clear_pointer(&d->pts, g_array_unref);
	gst_clear_caps(&d->caps);
}

static void
media_demux_pull(GstElement *pipeline, const gchar *name, MediaDemuxed *out)
{
	g_autoptr(GPtrArray) samples =
		g_ptr_array_new_with_free_func((GDestroyNotify)gst_sample_unref);

	out->pts = g_array_new(FALSE, FALSE, sizeof(GstClockTime));
	media_pull_all(pipeline, name, samples);
	for (guint i = 0; i < samples->len; i++) {
		GstSample *s = g_ptr_array_index(samples, i);
		GstClockTime pts = GST_BUFFER_PTS(gst_sample_get_buffer(s));

		g_array_append_val(out->pts, pts);
		if (out->caps == NULL)
			out->caps = gst_caps_ref(gst_sample_get_caps(s));
	}
}

static void
media_demux(const gchar *path, MediaDemuxed *video, MediaDemuxed *audio)
{
	g_autofree gchar *desc = g_strdup_printf(
		"filesrc location=\"%s\" ! qtdemux name=d d.video_0 ! queue ! appsink name=v "
		"sync=false"
		"%s",
		path, audio != NULL ? " d.audio_0 ! queue ! appsink name=a sync=false" : "");
	g_autoptr(GError) error = NULL;
	g_autoptr(GstElement) pipeline = gst_parse_launch(desc, &error);

	g_assert_no_error(error);
	g_assert_cmpint(gst_element_set_state(pipeline, GST_STATE_PLAYING), !=,
			GST_STATE_CHANGE_FAILURE);
	media_demux_pull(pipeline, "v", video);
	if (audio != NULL)
		media_demux_pull(pipeline, "a", audio);
	media_assert_no_bus_error(pipeline);
	gst_element_set_state(pipeline, GST_STATE_NULL);
}

/* Returns: one line per stream "codec,width,height,frames" (audio: "codec,frames") */
static gchar *
media_ffprobe(const gchar *path)
{
	const gchar *argv[] = {"ffprobe",
			       "-v",
			       "warning",
			       "-count_frames",
			       "-show_entries",
			       "stream=codec_name,width,height,nb_read_frames",
			       "-of",
			       "csv=p=0",
			       path,
			       NULL};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *err = NULL;
	gchar *out = NULL;
	gint status = -1;

	nvr_test_run(argv, &out, &err, &status, &error);
	g_assert_no_error(error);
	/* no warning, no error: ffprobe -v warning prints nothing for a clean file */
	g_assert_cmpstr(err, ==, "");
	g_assert_cmpint(status, ==, 0);
	return out;
}

/* qtdemux's PTS of each video frame must be the encoder's, to within a tick */
static void
media_assert_video_times(MediaClip *clip, const MediaDemuxed *d, GstClockTime shift)
{
	GstClockTime base = media_clip_video_base(clip);
	g_autoptr(GArray) want = g_array_new(FALSE, FALSE, sizeof(GstClockTime));

	for (guint i = 0; i < clip->video->len; i++) {
		GstBuffer *buf = gst_sample_get_buffer(g_ptr_array_index(clip->video, i));
		GstClockTime t = GST_BUFFER_PTS(buf) - base + shift;

		g_array_append_val(want, t);
	}
	g_assert_cmpuint(d->pts->len, ==, want->len);
	for (guint i = 0; i < want->len; i++) {
		GstClockTime got = g_array_index(d->pts, GstClockTime, i);
		GstClockTime exp = g_array_index(want, GstClockTime, i);

		if (got + 12 * GST_USECOND < exp || got > exp + 12 * GST_USECOND)
			g_error("frame %u: qtdemux PTS %" GST_TIME_FORMAT
				", encoder %" GST_TIME_FORMAT,
				i, GST_TIME_ARGS(got), GST_TIME_ARGS(exp));
	}
}

static void
media_assert_same_codec_data(MediaClip *clip, const MediaDemuxed *d)
{
	const GstStructure *a =
		gst_caps_get_structure(gst_sample_get_caps(g_ptr_array_index(clip->video, 0)), 0);
	const GstStructure *b = gst_caps_get_structure(d->caps, 0);

	g_assert_cmpstr(gst_structure_get_name(a), ==, gst_structure_get_name(b));
	g_assert_true(gst_value_compare(gst_structure_get_value(a, "codec_data"),
					gst_structure_get_value(b, "codec_data")) ==
		      GST_VALUE_EQUAL);
}

static NvrMediaTrackConfig *
media_clip_config(MediaClip *clip, gboolean audio)
{
	g_autoptr(GError) error = NULL;
	GPtrArray *samples = audio ? clip->audio : clip->video;
	NvrMediaTrackConfig *config = nvr_media_track_config_from_caps(
		gst_sample_get_caps(g_ptr_array_index(samples, 0)), &error);

	g_assert_no_error(error);
	return config;
}

/* runs a clip through a storage segmenter; Returns: the segments */
static GPtrArray *
media_record_full(MediaClip *clip, guint64 rotate_after, gboolean parts)
{
	MediaFeeder f = {.seg = nvr_media_segmenter_new(NVR_MEDIA_MODE_STORAGE)};
	GPtrArray *segments = media_segments_new();
	g_autoptr(GError) error = NULL;

	nvr_media_segmenter_set_rotate_after(f.seg, rotate_after);
	nvr_media_segmenter_set_fragment_parts(f.seg, parts);
	media_feed(&f, clip);
	g_assert_true(nvr_media_segmenter_finish(f.seg, &error));
	g_assert_no_error(error);
	media_collect(f.seg, segments);
	g_assert_cmpuint(nvr_media_segmenter_get_dropped(f.seg), ==, 0);
	media_feeder_clear(&f);
	return segments;
}

static GPtrArray *
media_record(MediaClip *clip, guint64 rotate_after)
{
	return media_record_full(clip, rotate_after, FALSE);
}

/* the segment's own GOP index must say where every fragment is */
static void
media_assert_index(const MediaSegment *s)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrMediaGopIndex) index = NULL;
	g_autoptr(NvrMediaSegmentLayout) layout = NULL;

	index = nvr_media_gop_index_decode(g_bytes_get_data(s->index, NULL),
					   g_bytes_get_size(s->index), &error);
	g_assert_no_error(error);
	layout = nvr_media_segment_layout_parse(s->data->data, s->data->len, FALSE, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(layout->init_size, ==, g_bytes_get_size(s->init));
	g_assert_cmpuint(nvr_media_gop_index_get_count(index), ==, s->fragments->len);
	g_assert_cmpuint(layout->fragments->len, ==, s->fragments->len);
	for (guint i = 0; i < s->fragments->len; i++) {
		const NvrMediaGopEntry *e = nvr_media_gop_index_get(index, i);
		const NvrMediaFragmentInfo *fi =
			&g_array_index(s->fragments, NvrMediaFragmentInfo, i);
		const NvrMediaFragmentRange *r =
			&g_array_index(layout->fragments, NvrMediaFragmentRange, i);

		g_assert_cmpuint(e->start, ==, (guint64)fi->start);
		g_assert_cmpuint(e->offset, ==, r->offset);
		g_assert_cmpuint(e->length, ==, r->info.size);
		g_assert_cmpuint(e->frames, ==, r->info.trafs[0].sample_count);
		g_assert_cmpuint(e->duration, ==, r->info.trafs[0].duration);
		g_assert_cmpuint(e->start, ==, r->info.trafs[0].base_decode_time);
		g_assert_cmpint(e->keyframe, ==, r->info.trafs[0].first_sync);
	}
	g_assert_cmpuint(nvr_media_gop_index_get_end_offset(index), ==, s->data->len);
	g_assert_cmpuint(nvr_media_gop_index_get_end_time(index), ==,
			 (guint64)(s->info.start) + s->info.duration);
}

/* codec configuration */

static GBytes *
media_caps_codec_data(GstCaps *caps)
{
	const GValue *v = gst_structure_get_value(gst_caps_get_structure(caps, 0), "codec_data");
	GstMapInfo map;
	GBytes *bytes;

	g_assert_nonnull(v);
	g_assert_true(gst_buffer_map(gst_value_get_buffer(v), &map, GST_MAP_READ));
	bytes = g_bytes_new(map.data, map.size);
	gst_buffer_unmap(gst_value_get_buffer(v), &map);
	return bytes;
}

/* every prefix of a valid blob is refused with an error, never a crash */
static void
media_assert_truncations_fail(GBytes *blob,
			      NvrMediaTrackConfig *(*make)(GBytes *, guint, guint, GError **))
{
	gsize n;
	const guint8 *p = g_bytes_get_data(blob, &n);

	for (gsize i = 0; i < n; i++) {
		g_autoptr(GBytes) cut = g_bytes_new(p, i);
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrMediaTrackConfig) config = make(cut, 0, 0, &error);

		g_assert_null(config);
		g_assert_nonnull(error);
	}
}

static void
test_media_h264_config(void)
{
	g_autoptr(MediaClip) clip = media_clip_encode("x264", 2, 320, 240, 30, 0, MEDIA_AUDIO_NONE);
	GstCaps *caps = gst_sample_get_caps(g_ptr_array_index(clip->video, 0));
	g_autoptr(NvrMediaTrackConfig) config = media_clip_config(clip, FALSE);
	g_autoptr(GBytes) avcc = media_caps_codec_data(caps);
	const guint8 *p = g_bytes_get_data(avcc, NULL);
	g_autofree gchar *want = g_strdup_printf("avc1.%02X%02X%02X", p[1], p[2], p[3]);

	g_assert_cmpint(config->codec, ==, NVR_MEDIA_CODEC_H264);
	g_assert_cmpuint(config->width, ==, 320);
	g_assert_cmpuint(config->height, ==, 240);
	g_assert_cmpuint(config->timescale, ==, 90000);
	g_assert_cmpuint(config->nal_length_size, ==, 4);
	g_assert_cmpuint(config->fps_n, ==, MEDIA_FPS);
	g_assert_cmpstr(config->codec_string, ==, want);
	media_assert_truncations_fail(avcc, nvr_media_track_config_new_h264);
}

/* a minimal bit writer to build parameter sets for the tests */
typedef struct {
	GByteArray *buf;
	guint bit;
} MediaBitWriter;

static void
media_bits_put(MediaBitWriter *w, guint32 v, guint n)
{
	for (guint i = 0; i < n; i++) {
		if (w->bit % 8 == 0) {
			guint8 z = 0;

			g_byte_array_append(w->buf, &z, 1);
		}
		if ((v >> (n - 1 - i)) & 1)
			w->buf->data[w->bit / 8] |= 0x80 >> (w->bit % 8);
		w->bit++;
	}
}

static void
media_bits_ue(MediaBitWriter *w, guint32 v)
{
	guint64 x = (guint64)v + 1;
	guint len = 0;

	while ((x >> len) > 1)
		len++;
	media_bits_put(w, 0, len);
	media_bits_put(w, (guint32)x, len + 1);
}

/* baseline SPS NAL: @w_mbs x @h_mbs macroblocks, cropped by @crop_bottom (in crop units) */
static GByteArray *
media_h264_sps(guint32 w_mbs_minus1, guint32 h_mbs_minus1, guint32 crop_bottom)
{
	MediaBitWriter w = {.buf = g_byte_array_new()};

	media_bits_put(&w, 0x67, 8); /* NAL header: SPS */
	media_bits_put(&w, 66, 8);   /* baseline */
	media_bits_put(&w, 0xc0, 8);
	media_bits_put(&w, 40, 8);
	media_bits_ue(&w, 0); /* sps id */
	media_bits_ue(&w, 0); /* log2_max_frame_num_minus4 */
	media_bits_ue(&w, 2); /* poc type 2 */
	media_bits_ue(&w, 1); /* ref frames */
	media_bits_put(&w, 0, 1);
	media_bits_ue(&w, w_mbs_minus1);
	media_bits_ue(&w, h_mbs_minus1);
	media_bits_put(&w, 1, 1); /* frame_mbs_only */
	media_bits_put(&w, 1, 1); /* direct_8x8 */
	media_bits_put(&w, crop_bottom > 0, 1);
	if (crop_bottom > 0) {
		media_bits_ue(&w, 0);
		media_bits_ue(&w, 0);
		media_bits_ue(&w, 0);
		media_bits_ue(&w, crop_bottom);
	}
	media_bits_put(&w, 0, 1); /* no VUI */
	media_bits_put(&w, 1, 1); /* stop bit */
	return w.buf;
}

/* wraps one SPS and a dummy PPS into avcC */
static GBytes *
media_avcc(const GByteArray *sps)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	const guint8 head[] = {1,    sps->data[1], sps->data[2],  sps->data[3],
			       0xff, 0xe1,	   sps->len >> 8, sps->len & 0xff};
	const guint8 pps[] = {1, 0, 4, 0x68, 0xce, 0x3c, 0x80};

	g_byte_array_append(b, head, sizeof(head));
	g_byte_array_append(b, sps->data, sps->len);
	g_byte_array_append(b, pps, sizeof(pps));
	return g_byte_array_free_to_bytes(g_steal_pointer(&b));
}

static void
test_media_h264_sps(void)
{
	g_autoptr(GByteArray) hd = media_h264_sps(119, 67, 4); /* 1920x1088 - 8 */
	g_autoptr(GByteArray) huge = media_h264_sps(100000, 67, 0);
	g_autoptr(GByteArray) overcrop = media_h264_sps(119, 67, 544);
	g_autoptr(GBytes) avcc = media_avcc(hd);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrMediaTrackConfig) config = NULL;
	NvrMediaH264Sps sps;

	g_assert_true(nvr_media_h264_sps_parse(hd->data, hd->len, &sps, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(sps.width, ==, 1920);
	g_assert_cmpuint(sps.height, ==, 1080);
	config = nvr_media_track_config_new_h264(avcc, 0, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(config->codec_string, ==, "avc1.42C028");
	g_assert_cmpuint(config->height, ==, 1080);

	g_assert_false(nvr_media_h264_sps_parse(huge->data, huge->len, &sps, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
	g_clear_error(&error);
	g_assert_false(nvr_media_h264_sps_parse(overcrop->data, overcrop->len, &sps, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
	g_clear_error(&error);
	/* an SPS cut anywhere fails cleanly */
	for (guint i = 0; i < hd->len - 1; i++) {
		g_assert_false(nvr_media_h264_sps_parse(hd->data, i, &sps, &error));
		g_assert_nonnull(error);
		g_clear_error(&error);
	}
}

/* the max_reorder an encoder's SPS states, from the codec_data of a few frames */
static gint
media_encoded_max_reorder(const gchar *encoder, gboolean h265)
{
	g_autofree gchar *d = g_strdup_printf(
		"videotestsrc num-buffers=4 pattern=ball ! video/x-raw,width=320,height=240,"
		"framerate=15/1 ! %s ! %s ! appsink name=v sync=false",
		encoder, h265 ? "h265parse ! video/x-h265,stream-format=hvc1,alignment=au"
			      : "h264parse ! video/x-h264,stream-format=avc,alignment=au");
	g_autoptr(MediaClip) clip = media_clip_run(d);
	g_autoptr(GBytes) cd = media_caps_codec_data(gst_sample_get_caps(g_ptr_array_index(clip->video, 0)));
	g_autoptr(GError) error = NULL;
	gsize n;
	const guint8 *p = g_bytes_get_data(cd, &n);
	NvrMediaAvcc avcc;
	NvrMediaHvcc hvcc;

	if (h265) {
		g_assert_true(nvr_media_hvcc_parse(p, n, &hvcc, &error));
		g_assert_no_error(error);
		return hvcc.sps.max_reorder;
	}
	g_assert_true(nvr_media_avcc_parse(p, n, &avcc, &error));
	g_assert_no_error(error);
	return avcc.sps.max_reorder;
}

/* how far an encoder reorders, as its SPS says: what nvrd holds frames for */
static void
test_media_sps_max_reorder(void)
{
	g_autoptr(GByteArray) baseline = media_h264_sps(19, 14, 0); /* no VUI */
	NvrMediaH264Sps sps;
	gint pyramid;

	g_assert_true(nvr_media_h264_sps_parse(baseline->data, baseline->len, &sps, NULL));
	g_assert_cmpint(sps.max_reorder, ==, 0); /* Baseline has no B slices */
	g_assert_cmpint(media_encoded_max_reorder("x264enc speed-preset=ultrafast", FALSE), ==, 0);
	g_assert_cmpint(media_encoded_max_reorder("x264enc tune=zerolatency speed-preset=superfast "
						  "! video/x-h264,profile=high", FALSE),
			==, 0);
	g_assert_cmpint(media_encoded_max_reorder("x264enc speed-preset=veryfast bframes=2 "
						  "! video/x-h264,profile=main", FALSE),
			>=, 1);
	pyramid = media_encoded_max_reorder("x264enc speed-preset=veryfast bframes=3 b-pyramid=true "
					    "! video/x-h264,profile=high", FALSE);
	g_assert_cmpint(pyramid, >=, 2);
	g_assert_cmpint(pyramid, <=, 3);
	g_assert_cmpint(media_encoded_max_reorder("x265enc tune=zerolatency speed-preset=ultrafast",
						  TRUE),
			==, 0);
	g_assert_cmpint(media_encoded_max_reorder("x265enc speed-preset=ultrafast "
						  "option-string=bframes=3", TRUE),
			>=, 1);
}

/* an SPS whose VUI ends early still gives its picture size; it just does not say */
static void
test_media_sps_vui_cut(void)
{
	g_autofree gchar *d = g_strdup(
		"videotestsrc num-buffers=2 ! video/x-raw,width=320,height=240,framerate=15/1 ! "
		"x264enc speed-preset=veryfast bframes=2 ! video/x-h264,profile=main ! h264parse ! "
		"video/x-h264,stream-format=avc,alignment=au ! appsink name=v sync=false");
	g_autoptr(MediaClip) clip = media_clip_run(d);
	g_autoptr(GBytes) cd = media_caps_codec_data(gst_sample_get_caps(g_ptr_array_index(clip->video, 0)));
	gsize n;
	const guint8 *p = g_bytes_get_data(cd, &n);
	gsize sps_len = (gsize)p[6] << 8 | p[7];
	NvrMediaH264Sps sps;

	g_assert_cmpuint(n, >=, 8 + sps_len);
	g_assert_true(nvr_media_h264_sps_parse(p + 8, sps_len, &sps, NULL));
	g_assert_cmpint(sps.max_reorder, >=, 1);
	/* the VUI's bitstream restriction is in its last bytes */
	g_assert_true(nvr_media_h264_sps_parse(p + 8, sps_len - 2, &sps, NULL));
	g_assert_cmpint(sps.max_reorder, ==, -1);
	g_assert_cmpuint(sps.width, ==, 320);
	g_assert_cmpuint(sps.height, ==, 240);
}

static void
test_media_hostile_avcc(void)
{
	g_autoptr(GByteArray) sps = media_h264_sps(19, 14, 0);
	g_autoptr(GBytes) good = media_avcc(sps);
	gsize n;
	const guint8 *p = g_bytes_get_data(good, &n);
	struct {
		gsize pos;
		guint8 value;
		const gchar *what;
	} cases[] = {
		{0, 2, "version 2"},
		{4, 0xfe, "NAL length size 3"},
		{5, 0xe0, "no SPS"},
		{6, 0xff, "SPS longer than the blob"},
		{8, 0x68, "SPS slot holds a PPS"},
		{n - 7, 0, "no PPS"},
		{n - 5, 9, "PPS longer than the blob"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree guint8 *bad = g_memdup2(p, n);
		g_autoptr(GBytes) blob = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrMediaTrackConfig) config = NULL;

		bad[cases[i].pos] = cases[i].value;
		blob = g_bytes_new(bad, n);
		config = nvr_media_track_config_new_h264(blob, 0, 0, &error);
		g_test_message("%s: %s", cases[i].what,
			       error != NULL ? error->message : "accepted");
		g_assert_null(config);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
	}
}

static void
test_media_hostile_caps(void)
{
	const gchar *cases[] = {
		"video/x-h264,stream-format=byte-stream,alignment=au",
		"video/x-h264,stream-format=avc,alignment=nal,codec_data=(buffer)0142c028ffe1",
		"video/x-h264,stream-format=avc,alignment=au",
		"video/x-h264,stream-format=avc,alignment=au,codec_data=(buffer)01",
		"video/x-h265,stream-format=hvc1,alignment=au,codec_data=(buffer)0101",
		"video/x-h265,stream-format=hev1,alignment=au,codec_data=(buffer)0101",
		"audio/mpeg,mpegversion=4,stream-format=raw,rate=48000,channels=1",
		"audio/mpeg,mpegversion=4,stream-format=adts,rate=48000,channels=1",
		"audio/mpeg,mpegversion=4,stream-format=raw,codec_data=(buffer)ff,rate=8000",
		"audio/mpeg,mpegversion=4,stream-format=raw,codec_data=(buffer)1688,channels=1",
		"audio/x-mulaw,rate=0,channels=1",
		"audio/x-alaw,rate=8000,channels=99",
		"audio/x-opus,rate=48000,channels=2",
		"video/x-vp8",
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GstCaps) caps = gst_caps_from_string(cases[i]);
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrMediaTrackConfig) config = NULL;

		g_assert_nonnull(caps);
		config = nvr_media_track_config_from_caps(caps, &error);
		g_test_message("%s: %s", cases[i], error != NULL ? error->message : "accepted");
		g_assert_null(config);
		g_assert_nonnull(error);
		g_assert_true(g_error_matches(error, NVR_ERROR, NVR_ERROR_PARSE) ||
			      g_error_matches(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED));
	}
}

static void
test_media_aac_config(void)
{
	const guint8 lc[] = {0x12, 0x10};	      /* AAC LC, 44.1 kHz, stereo */
	const guint8 he[] = {0x2b, 0x92, 0x08, 0x00}; /* object type 5 */
	const guint8 bad_index[] = {0x16, 0x88};      /* frequency index 13 */
	NvrMediaAacConfig aac;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) blob = g_bytes_new_static(lc, sizeof(lc));
	g_autoptr(NvrMediaTrackConfig) config = nvr_media_track_config_new_aac(blob, 0, 0, &error);

	g_assert_no_error(error);
	g_assert_cmpstr(config->codec_string, ==, "mp4a.40.2");
	g_assert_cmpuint(config->rate, ==, 44100);
	g_assert_cmpuint(config->channels, ==, 2);
	g_assert_cmpuint(config->timescale, ==, 44100);
	g_assert_cmpuint(config->frame_samples, ==, 1024);
	g_assert_true(nvr_media_aac_config_parse(he, sizeof(he), &aac, &error));
	g_assert_cmpuint(aac.object_type, ==, 5);
	g_assert_false(nvr_media_aac_config_parse(bad_index, sizeof(bad_index), &aac, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
	g_clear_error(&error);
	g_assert_false(nvr_media_aac_config_parse(lc, 1, &aac, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
}

static void
test_media_init_deterministic(void)
{
	g_autoptr(MediaClip) clip = media_clip_encode("x264", 2, 160, 120, 30, 0, MEDIA_AUDIO_AAC);
	g_autoptr(NvrMediaTrackConfig) v1 = media_clip_config(clip, FALSE);
	g_autoptr(NvrMediaTrackConfig) v2 = media_clip_config(clip, FALSE);
	g_autoptr(NvrMediaTrackConfig) a = media_clip_config(clip, TRUE);
	g_autoptr(NvrMediaTrackConfig) u =
		nvr_media_track_config_new_g711(NVR_MEDIA_CODEC_ALAW, 8000, 1, NULL);
	NvrMediaTrackConfig *one[] = {v1, a}, *two[] = {v2, a}, *three[] = {v1, u};
	g_autoptr(GBytes) b1 = nvr_media_init_write(one, 2, 0);
	g_autoptr(GBytes) b2 = nvr_media_init_write(two, 2, 0);
	g_autoptr(GBytes) b3 = nvr_media_init_write(three, 2, 0);
	g_autofree gchar *h1 = nvr_media_init_hash(b1);
	g_autofree gchar *h2 = nvr_media_init_hash(b2);
	g_autofree gchar *mime = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrMediaInit) parsed = NULL;

	g_assert_true(g_bytes_equal(b1, b2));
	g_assert_cmpstr(h1, ==, h2);
	g_assert_cmpuint(strlen(h1), ==, 64);
	g_assert_false(g_bytes_equal(b1, b3));
	/* parsed back, the init describes the same tracks */
	parsed = nvr_media_init_parse(g_bytes_get_data(b1, NULL), g_bytes_get_size(b1), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(parsed->n_tracks, ==, 2);
	g_assert_true(nvr_media_track_config_equal(parsed->tracks[0], v1));
	g_assert_true(nvr_media_track_config_equal(parsed->tracks[1], a));
	mime = nvr_media_init_dup_mime_type(parsed);
	g_assert_true(g_str_has_prefix(mime, "video/mp4; codecs=\"avc1."));
	g_assert_true(g_str_has_suffix(mime, ",mp4a.40.2\""));
	g_clear_pointer(&parsed, nvr_media_init_free);
	parsed = nvr_media_init_parse(g_bytes_get_data(b3, NULL), g_bytes_get_size(b3), &error);
	g_assert_no_error(error);
	g_assert_true(nvr_media_track_config_equal(parsed->tracks[1], u));
}

/* storage */

static void
media_check_storage(MediaClip *clip, guint want_fragments, const gchar *ffprobe_want)
{
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autoptr(GPtrArray) segments = media_record(clip, 0);
	MediaDemuxed v = {0}, a = {0};
	g_autofree gchar *path = NULL;
	g_autofree gchar *probe = NULL;
	MediaSegment *s;

	g_assert_cmpuint(segments->len, ==, 1);
	s = g_ptr_array_index(segments, 0);
	g_assert_cmpint(s->reason, ==, NVR_MEDIA_SEGMENT_REASON_RUN_START);
	g_assert_cmpuint(s->fragments->len, ==, want_fragments);
	g_assert_cmpuint(s->info.frames, ==, clip->video->len);
	for (guint i = 0; i < s->fragments->len; i++)
		g_assert_true(g_array_index(s->fragments, NvrMediaFragmentInfo, i).keyframe);
	media_assert_index(s);
	path = media_write_file(dir, "segment.mp4", s->data->data, s->data->len);
	media_demux(path, &v, clip->audio->len > 0 ? &a : NULL);
	media_assert_video_times(clip, &v, 0);
	media_assert_same_codec_data(clip, &v);
	if (clip->audio->len > 0) {
		/* every audio frame but none lost; the last one is written at finish */
		g_assert_cmpuint(a.pts->len, ==, clip->audio->len);
	}
	probe = media_ffprobe(path);
	g_test_message("ffprobe: %s", probe);
	g_assert_cmpstr(probe, ==, ffprobe_want);
	media_demuxed_clear(&v);
	media_demuxed_clear(&a);
	nvr_test_rm_rf(dir);
}

static void
test_media_storage_h264_aac(void)
{
	g_autoptr(MediaClip) clip = media_clip_encode("x264", 90, 320, 240, 30, 0, MEDIA_AUDIO_AAC);
	g_autofree gchar *want = g_strdup_printf("h264,320,240,90\naac,%u\n", clip->audio->len);

	media_check_storage(clip, 3, want);
}

/* the parts of a fragment hold the samples' own GBytes, not copies, and
 * joined they are the bytes nvr_media_fragment_write copies */
static void
test_media_fragment_parts(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) a = g_bytes_new("key frame", 9);
	g_autoptr(GBytes) b = g_bytes_new("delta", 5);
	NvrMediaSample samples[] = {{.data = a, .duration = 3000, .sync = TRUE},
				    {.data = b, .duration = 3000, .cts_offset = 1500}};
	NvrMediaTrafSpec traf = {.track_id = 1, .sample_flags = TRUE, .base_decode_time = 90000,
				 .samples = samples, .n_samples = 2};
	g_autoptr(GBytes) copied = nvr_media_fragment_write(7, &traf, 1, &error);
	g_autoptr(GPtrArray) parts = nvr_media_fragment_write_parts(7, &traf, 1, &error);
	g_autoptr(GBytes) joined = NULL;

	g_assert_no_error(error);
	g_assert_cmpuint(parts->len, ==, 3);
	g_assert_true(g_ptr_array_index(parts, 1) == a);
	g_assert_true(g_ptr_array_index(parts, 2) == b);
	joined = media_join(parts);
	g_assert_true(g_bytes_equal(joined, copied));
}

/* a storage segmenter giving parts (the recorder's way) makes the same segment */
static void
test_media_storage_parts(void)
{
	g_autoptr(MediaClip) clip = media_clip_encode("x264", 60, 320, 240, 30, 0, MEDIA_AUDIO_AAC);
	g_autoptr(GPtrArray) copied = media_record_full(clip, 0, FALSE);
	g_autoptr(GPtrArray) parts = media_record_full(clip, 0, TRUE);
	MediaSegment *a, *b;

	g_assert_cmpuint(copied->len, ==, 1);
	g_assert_cmpuint(parts->len, ==, 1);
	a = g_ptr_array_index(copied, 0);
	b = g_ptr_array_index(parts, 0);
	g_assert_cmpuint(b->fragments->len, ==, 2);
	g_assert_true(g_bytes_equal(a->index, b->index));
	g_assert_cmpmem(a->data->data, a->data->len, b->data->data, b->data->len);
	media_assert_index(b);
}

static void
test_media_storage_h264_mulaw(void)
{
	g_autoptr(MediaClip) clip =
		media_clip_encode("x264", 60, 160, 120, 20, 0, MEDIA_AUDIO_MULAW);
	g_autofree gchar *want =
		g_strdup_printf("h264,160,120,60\npcm_mulaw,%u\n", clip->audio->len);

	media_check_storage(clip, 3, want);
}

static void
test_media_storage_h264_alaw(void)
{
	g_autoptr(MediaClip) clip =
		media_clip_encode("x264", 30, 160, 120, 15, 0, MEDIA_AUDIO_ALAW);
	g_autofree gchar *want =
		g_strdup_printf("h264,160,120,30\npcm_alaw,%u\n", clip->audio->len);

	media_check_storage(clip, 2, want);
}

/* a GOP longer than the limit is cut; the piece after the cut is no key frame */
static void
test_media_storage_long_gop(void)
{
	g_autoptr(MediaClip) clip = media_clip_encode("x264", 60, 160, 120, 30, 0, MEDIA_AUDIO_AAC);
	MediaFeeder f = {.seg = nvr_media_segmenter_new(NVR_MEDIA_MODE_STORAGE)};
	g_autoptr(GPtrArray) segments = media_segments_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrMediaGopIndex) index = NULL;
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autofree gchar *path = NULL;
	g_autofree gchar *probe = NULL;
	g_autofree gchar *want = NULL;
	const guint want_frames[] = {12, 12, 6, 12, 12, 6};
	MediaSegment *s;

	/* at most 12 frames (0.4 s) per fragment: 30-frame GOPs become 12 + 12 + 6 */
	nvr_media_segmenter_set_limits(f.seg, 10 * NVR_MEDIA_VIDEO_TIMESCALE,
				       12 * MEDIA_TICKS_PER_FRAME, 32 * 1024 * 1024);
	media_feed(&f, clip);
	g_assert_true(nvr_media_segmenter_finish(f.seg, &error));
	media_collect(f.seg, segments);
	g_assert_cmpuint(segments->len, ==, 1);
	s = g_ptr_array_index(segments, 0);
	g_assert_cmpuint(s->fragments->len, ==, 6);
	for (guint i = 0; i < 6; i++) {
		const NvrMediaFragmentInfo *fi =
			&g_array_index(s->fragments, NvrMediaFragmentInfo, i);

		g_assert_cmpuint(fi->frames, ==, want_frames[i]);
		g_assert_cmpint(fi->keyframe, ==, i % 3 == 0);
	}
	media_assert_index(s);
	index = nvr_media_gop_index_decode(g_bytes_get_data(s->index, NULL),
					   g_bytes_get_size(s->index), &error);
	g_assert_no_error(error);
	/* seeking into a cut piece starts at its GOP's key frame */
	g_assert_cmpint(nvr_media_gop_index_lookup(index, 25 * MEDIA_TICKS_PER_FRAME), ==, 0);
	g_assert_cmpint(nvr_media_gop_index_lookup(index, 31 * MEDIA_TICKS_PER_FRAME), ==, 3);
	path = media_write_file(dir, "long-gop.mp4", s->data->data, s->data->len);
	probe = media_ffprobe(path);
	want = g_strdup_printf("h264,160,120,60\naac,%u\n", clip->audio->len);
	g_assert_cmpstr(probe, ==, want);
	media_feeder_clear(&f);
	nvr_test_rm_rf(dir);
}

static void
test_media_storage_bframes(void)
{
	g_autoptr(MediaClip) clip =
		media_clip_encode("x264", 60, 160, 120, 30, 2, MEDIA_AUDIO_NONE);

	media_check_storage(clip, 2, "h264,160,120,60\n");
}

static void
test_media_storage_h265(void)
{
	g_autoptr(MediaClip) clip = NULL;
	g_autoptr(NvrMediaTrackConfig) config = NULL;
	g_autoptr(GBytes) hvcc = NULL;

	if (!media_have_element("x265enc")) {
		g_test_skip("x265enc is not installed");
		return;
	}
	clip = media_clip_encode("x265", 30, 320, 240, 15, 0, MEDIA_AUDIO_NONE);
	config = media_clip_config(clip, FALSE);
	g_assert_true(g_str_has_prefix(config->codec_string, "hvc1.1.6.L"));
	hvcc = media_caps_codec_data(gst_sample_get_caps(g_ptr_array_index(clip->video, 0)));
	media_assert_truncations_fail(hvcc, nvr_media_track_config_new_h265);
	media_check_storage(clip, 2, "hevc,320,240,30\n");
}

static void
test_media_resolution_change(void)
{
	g_autoptr(MediaClip) small =
		media_clip_encode("x264", 30, 160, 120, 15, 0, MEDIA_AUDIO_NONE);
	g_autoptr(MediaClip) large =
		media_clip_encode("x264", 30, 320, 240, 15, 0, MEDIA_AUDIO_NONE);
	MediaFeeder f = {.seg = nvr_media_segmenter_new(NVR_MEDIA_MODE_STORAGE)};
	g_autoptr(GPtrArray) segments = media_segments_new();
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autoptr(GError) error = NULL;
	const gchar *want[] = {"h264,160,120,30\n", "h264,320,240,30\n"};

	media_feed(&f, small);
	f.offset_ns = 1 * GST_SECOND; /* the same run goes on, in a new resolution */
	media_feed(&f, large);
	g_assert_true(nvr_media_segmenter_finish(f.seg, &error));
	media_collect(f.seg, segments);
	g_assert_cmpuint(segments->len, ==, 2);
	for (guint i = 0; i < 2; i++) {
		MediaSegment *s = g_ptr_array_index(segments, i);
		g_autofree gchar *name = g_strdup_printf("seg%u.mp4", i);
		g_autofree gchar *path = media_write_file(dir, name, s->data->data, s->data->len);
		g_autofree gchar *probe = media_ffprobe(path);

		g_assert_cmpint(s->reason, ==,
				i == 0 ? NVR_MEDIA_SEGMENT_REASON_RUN_START
				       : NVR_MEDIA_SEGMENT_REASON_CONFIG);
		g_assert_cmpstr(probe, ==, want[i]);
		media_assert_index(s);
	}
	/* the run's media time goes on across the new segment */
	g_assert_cmpint(((MediaSegment *)g_ptr_array_index(segments, 1))->info.start, ==,
			NVR_MEDIA_VIDEO_TIMESCALE);
	g_assert_cmpint(
		((MediaSegment *)g_ptr_array_index(segments, 0))->info.start +
			(gint64)((MediaSegment *)g_ptr_array_index(segments, 0))->info.duration,
		==, NVR_MEDIA_VIDEO_TIMESCALE);
	media_feeder_clear(&f);
	nvr_test_rm_rf(dir);
}

/* GOP index */

static void
test_media_gop_index(void)
{
	g_autoptr(NvrMediaGopIndex) index = nvr_media_gop_index_new();
	g_autoptr(NvrMediaGopIndex) back = NULL;
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(GError) error = NULL;
	NvrMediaGopEntry e = {.start = G_MAXINT64 / 2, .offset = 1234, .keyframe = TRUE};
	const guint8 *p;
	gsize n;

	for (guint i = 0; i < 50; i++) {
		e.duration = 90000 + i * 1000;
		e.length = 100000 + i * 77777;
		e.frames = 30 + i;
		e.keyframe = i != 7;
		g_assert_true(nvr_media_gop_index_append(index, &e, &error));
		e.start += e.duration;
		e.offset += e.length;
	}
	/* not contiguous: refused */
	e.start += 1;
	g_assert_false(nvr_media_gop_index_append(index, &e, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	blob = nvr_media_gop_index_encode(index);
	p = g_bytes_get_data(blob, &n);
	back = nvr_media_gop_index_decode(p, n, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(nvr_media_gop_index_get_count(back), ==, 50);
	for (guint i = 0; i < 50; i++)
		g_assert_cmpmem(nvr_media_gop_index_get(back, i), sizeof(NvrMediaGopEntry),
				nvr_media_gop_index_get(index, i), sizeof(NvrMediaGopEntry));
	/* lookup: the key frame fragment at or before a time */
	g_assert_cmpint(nvr_media_gop_index_lookup(back, 0), ==, -1);
	g_assert_cmpint(nvr_media_gop_index_lookup(back, G_MAXINT64 / 2), ==, 0);
	g_assert_cmpint(nvr_media_gop_index_lookup(back, nvr_media_gop_index_get(back, 7)->start),
			==, 6);
	g_assert_cmpint(nvr_media_gop_index_lookup(back, G_MAXUINT64), ==, 49);

	/* every truncation, a trailing byte, a newer version */
	for (gsize i = 0; i < n; i++) {
		g_autoptr(NvrMediaGopIndex) cut = nvr_media_gop_index_decode(p, i, &error);

		g_assert_null(cut);
		g_assert_nonnull(error);
		g_clear_error(&error);
	}
	{
		g_autofree guint8 *longer = g_malloc0(n + 1);
		g_autoptr(NvrMediaGopIndex) bad = NULL;

		memcpy(longer, p, n);
		bad = nvr_media_gop_index_decode(longer, n + 1, &error);
		g_assert_null(bad);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_CORRUPT);
		g_clear_error(&error);
		longer[0] = 2;
		bad = nvr_media_gop_index_decode(longer, n, &error);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_VERSION);
		g_clear_error(&error);
	}
}

static void
test_media_gop_index_hostile(void)
{
	struct {
		const gchar *hex;
		const gchar *what;
	} cases[] = {
		{"01", "no count"},
		{"01ffffffffffffffffff01000000", "count above int64"},
		{"01ffffffffffffffff7f0000", "count far beyond the bytes"},
		{"0101ffffffffffffffff7f00ffffffffffffffff7f0000", "start + duration overflows"},
		{"010100ffffffffffffffff7f00ffffffffffffffff7f00", "offset + length overflows"},
		{"01010000000080808080808080808080800100", "varint longer than 10 bytes"},
		{"010100000000ffffffff3f", "frame count above int32"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		gsize len = strlen(cases[i].hex) / 2;
		g_autofree guint8 *blob = g_malloc(len);
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrMediaGopIndex) index = NULL;

		for (gsize j = 0; j < len; j++)
			blob[j] = (guint8)g_ascii_strtoull(
				(gchar[]){cases[i].hex[2 * j], cases[i].hex[2 * j + 1], 0}, NULL,
				16);
		index = nvr_media_gop_index_decode(blob, len, &error);
		g_test_message("%s: %s", cases[i].what,
			       error != NULL ? error->message : "accepted");
		g_assert_null(index);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_CORRUPT);
	}
}

/* export and concatenation */

static void
media_export_segments(GPtrArray *segments, const gchar *path, guint64 gap_us)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GFile) file = g_file_new_for_path(path);
	g_autoptr(GFileOutputStream) out =
		g_file_replace(file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
	g_autoptr(NvrMediaExport) ex = NULL;
	guint64 duration = 0;

	g_assert_no_error(error);
	/* what playback knows from the index before it reads a byte */
	for (guint i = 0; i < segments->len; i++)
		duration += ((MediaSegment *)g_ptr_array_index(segments, i))->info.duration;
	duration = gst_util_uint64_scale_round(duration, G_USEC_PER_SEC, NVR_MEDIA_VIDEO_TIMESCALE);
	for (guint i = 0; i < segments->len; i++) {
		MediaSegment *s = g_ptr_array_index(segments, i);
		g_autoptr(NvrMediaSegmentLayout) layout =
			nvr_media_segment_layout_parse(s->data->data, s->data->len, FALSE, &error);

		g_assert_no_error(error);
		if (i == 0)
			ex = nvr_media_export_new(G_OUTPUT_STREAM(out), s->init, duration, NULL,
						  &error);
		else
			nvr_media_export_next_source(ex, s->init, gap_us, &error);
		g_assert_no_error(error);
		for (guint j = 0; j < layout->fragments->len; j++) {
			const NvrMediaFragmentRange *r =
				&g_array_index(layout->fragments, NvrMediaFragmentRange, j);

			nvr_media_export_write_fragment(ex, s->data->data + r->offset, r->info.size,
							NULL, &error);
			g_assert_no_error(error);
		}
	}
	nvr_media_export_finish(ex, NULL, &error);
	g_assert_no_error(error);
	g_output_stream_close(G_OUTPUT_STREAM(out), NULL, &error);
	g_assert_no_error(error);
}

static gdouble
media_ffprobe_duration(const gchar *path)
{
	const gchar *argv[] = {
		"ffprobe", "-v", "warning", "-show_entries", "format=duration", "-of",
		"csv=p=0", path, NULL};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status = -1;

	nvr_test_run(argv, &out, &err, &status, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(err, ==, "");
	g_assert_cmpint(status, ==, 0);
	return g_ascii_strtod(out, NULL);
}

static void
test_media_concat(void)
{
	g_autoptr(MediaClip) clip = media_clip_encode("x264", 60, 160, 120, 15, 0, MEDIA_AUDIO_AAC);
	MediaFeeder f = {.seg = nvr_media_segmenter_new(NVR_MEDIA_MODE_STORAGE)};
	g_autoptr(GPtrArray) segments = media_segments_new();
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autofree gchar *path = g_build_filename(dir, "export.mp4", NULL);
	g_autofree gchar *probe = NULL;
	g_autofree gchar *want = NULL;
	g_autoptr(GError) error = NULL;
	MediaDemuxed v = {0}, a = {0};

	/* run 1: rotation every second gives two segments; run 2 starts 1000 s later */
	nvr_media_segmenter_set_rotate_after(f.seg, NVR_MEDIA_VIDEO_TIMESCALE);
	media_feed(&f, clip);
	g_assert_true(nvr_media_segmenter_finish(f.seg, &error));
	f.offset_ns = 1000 * GST_SECOND;
	media_feed(&f, clip);
	g_assert_true(nvr_media_segmenter_finish(f.seg, &error));
	media_collect(f.seg, segments);
	g_assert_cmpuint(segments->len, ==, 4);
	g_assert_cmpint(((MediaSegment *)g_ptr_array_index(segments, 1))->reason, ==,
			NVR_MEDIA_SEGMENT_REASON_ROTATE);
	g_assert_cmpint(((MediaSegment *)g_ptr_array_index(segments, 2))->reason, ==,
			NVR_MEDIA_SEGMENT_REASON_RUN_START);
	g_assert_cmpint(((MediaSegment *)g_ptr_array_index(segments, 2))->info.start, ==,
			1000 * NVR_MEDIA_VIDEO_TIMESCALE);
	for (guint i = 0; i < segments->len; i++)
		media_assert_index(g_ptr_array_index(segments, i));

	media_export_segments(segments, path, 0);
	media_demux(path, &v, &a);
	/* 120 frames, 1/30 s apart from 0: no gap at the rotation, none between the runs */
	g_assert_cmpuint(v.pts->len, ==, 2 * clip->video->len);
	for (guint i = 0; i < v.pts->len; i++) {
		GstClockTime want_pts = gst_util_uint64_scale_round(i, GST_SECOND, MEDIA_FPS);
		GstClockTime got = g_array_index(v.pts, GstClockTime, i);

		g_assert_cmpuint(got + 12 * GST_USECOND, >=, want_pts);
		g_assert_cmpuint(got, <=, want_pts + 12 * GST_USECOND);
	}
	g_assert_cmpuint(a.pts->len, ==, 2 * clip->audio->len);
	for (guint i = 1; i < a.pts->len; i++)
		g_assert_cmpuint(g_array_index(a.pts, GstClockTime, i), >,
				 g_array_index(a.pts, GstClockTime, i - 1));
	probe = media_ffprobe(path);
	want = g_strdup_printf("h264,160,120,%u\naac,%u\n", 2 * clip->video->len,
			       2 * clip->audio->len);
	g_assert_cmpstr(probe, ==, want);
	/* the export's mehd: two runs of 60 frames at 30 fps */
	g_assert_cmpfloat_with_epsilon(media_ffprobe_duration(path), 4.0, 0.05);
	media_demuxed_clear(&v);
	media_demuxed_clear(&a);
	media_feeder_clear(&f);
	nvr_test_rm_rf(dir);
}

static void
test_media_export_codec_change(void)
{
	g_autoptr(MediaClip) small =
		media_clip_encode("x264", 2, 160, 120, 15, 0, MEDIA_AUDIO_NONE);
	g_autoptr(MediaClip) large =
		media_clip_encode("x264", 2, 320, 240, 15, 0, MEDIA_AUDIO_NONE);
	g_autoptr(NvrMediaTrackConfig) c1 = media_clip_config(small, FALSE);
	g_autoptr(NvrMediaTrackConfig) c2 = media_clip_config(large, FALSE);
	g_autoptr(GBytes) i1 = nvr_media_init_write(&c1, 1, 0);
	g_autoptr(GBytes) i2 = nvr_media_init_write(&c2, 1, 0);
	g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable();
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrMediaExport) ex = nvr_media_export_new(out, i1, 5000000, NULL, &error);
	g_autoptr(NvrMediaInit) written = NULL;

	g_assert_no_error(error);
	/* the export's init states the duration (mehd) */
	written = nvr_media_init_parse(
		g_memory_output_stream_get_data(G_MEMORY_OUTPUT_STREAM(out)),
		g_memory_output_stream_get_data_size(G_MEMORY_OUTPUT_STREAM(out)), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(written->duration, ==, 5000);
	g_assert_true(nvr_media_export_next_source(ex, i1, 0, &error));
	g_assert_false(nvr_media_export_next_source(ex, i2, 0, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED);
}

/* live */

static void
test_media_live(void)
{
	g_autoptr(MediaClip) clip = media_clip_encode("x264", 45, 160, 120, 15, 0, MEDIA_AUDIO_AAC);
	MediaFeeder f = {.seg = nvr_media_segmenter_new(NVR_MEDIA_MODE_LIVE)};
	g_autoptr(GPtrArray) segments = media_segments_new();
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autofree gchar *path = NULL;
	g_autofree gchar *probe = NULL;
	g_autofree gchar *want = NULL;
	g_autoptr(GError) error = NULL;
	guint video = 0, audio = 0, keys = 0;
	MediaSegment *s;

	media_feeder_configure(&f, clip);
	media_feed(&f, clip);
	/* fragments leave as their AU arrives, before the run ends */
	media_collect(f.seg, segments);
	g_assert_cmpuint(segments->len, ==, 1);
	s = g_ptr_array_index(segments, 0);
	g_assert_false(s->ended);
	g_assert_null(nvr_media_segmenter_get_gop_index(f.seg));
	for (guint i = 0; i < s->fragments->len; i++) {
		const NvrMediaFragmentInfo *fi =
			&g_array_index(s->fragments, NvrMediaFragmentInfo, i);

		g_assert_cmpuint(fi->frames, ==, 1);
		g_assert_cmpuint(fi->sequence, ==, i + 1);
		if (fi->track == 0) {
			GstBuffer *b = gst_sample_get_buffer(g_ptr_array_index(clip->video, video));

			g_assert_cmpint(fi->keyframe, ==,
					!GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT));
			keys += fi->keyframe;
			g_assert_cmpint(fi->start, ==, video * MEDIA_TICKS_PER_FRAME);
			if (video > 0)
				g_assert_cmpuint(fi->duration, ==, MEDIA_TICKS_PER_FRAME);
			video++;
		} else {
			g_assert_cmpuint(fi->duration, ==, 1024);
			audio++;
		}
	}
	g_assert_cmpuint(video, ==, clip->video->len);
	g_assert_cmpuint(audio, ==, clip->audio->len);
	g_assert_cmpuint(keys, ==, 3);
	g_assert_true(g_str_has_suffix(s->mime_type, ",mp4a.40.2\""));
	g_assert_true(nvr_media_segmenter_finish(f.seg, &error));
	media_collect(f.seg, segments);
	g_assert_true(s->ended);

	/* what a browser gets, init then fragments, is a valid file */
	path = media_write_file(dir, "live.mp4", s->data->data, s->data->len);
	probe = media_ffprobe(path);
	want = g_strdup_printf("h264,160,120,%u\naac,%u\n", clip->video->len, clip->audio->len);
	g_assert_cmpstr(probe, ==, want);
	media_feeder_clear(&f);
	nvr_test_rm_rf(dir);
}

/* bad timestamps and bad access units */

/* pushes a frame's bytes with a made-up time; @domain 0: must succeed, else must fail so */
static void
media_push_raw(NvrMediaSegmenter *seg, GstSample *sample, gint64 dts, gboolean key, GQuark domain,
	       gint code)
{
	NvrMediaAu au = {.track = 0, .dts = dts, .keyframe = key};
	g_autoptr(GError) error = NULL;
	GstBuffer *buf = gst_sample_get_buffer(sample);
	GstMapInfo map;
	gboolean ok;

	g_assert_true(gst_buffer_map(buf, &map, GST_MAP_READ));
	au.data = g_bytes_new(map.data, map.size);
	gst_buffer_unmap(buf, &map);
	ok = nvr_media_segmenter_push(seg, &au, &error);
	g_bytes_unref(au.data);
	if (domain == 0) {
		g_assert_no_error(error);
		g_assert_true(ok);
	} else {
		g_assert_error(error, domain, code);
		g_assert_false(ok);
	}
}

static void
test_media_time_backwards(void)
{
	g_autoptr(MediaClip) clip = media_clip_encode("x264", 20, 160, 120, 5, 0, MEDIA_AUDIO_NONE);
	g_autoptr(NvrMediaSegmenter) seg = nvr_media_segmenter_new(NVR_MEDIA_MODE_STORAGE);
	g_autoptr(NvrMediaTrackConfig) config = media_clip_config(clip, FALSE);
	g_autoptr(GPtrArray) segments = media_segments_new();
	g_autoptr(GError) error = NULL;
	GstSample *key = g_ptr_array_index(clip->video, 0);
	GstSample *delta = g_ptr_array_index(clip->video, 1);

	g_assert_true(nvr_media_segmenter_set_track(seg, 0, config, &error));
	media_push_raw(seg, key, 900000, TRUE, 0, 0);
	media_push_raw(seg, delta, 903000, FALSE, 0, 0);
	/* a camera timestamp going backwards, or standing still */
	media_push_raw(seg, delta, 902000, FALSE, NVR_MEDIA_ERROR, NVR_MEDIA_ERROR_TIME_BACKWARDS);
	media_push_raw(seg, delta, 903000, FALSE, NVR_MEDIA_ERROR, NVR_MEDIA_ERROR_TIME_BACKWARDS);
	/* or jumping an hour ahead */
	media_push_raw(seg, delta, 903000 + 3600 * 90000LL, FALSE, NVR_MEDIA_ERROR,
		       NVR_MEDIA_ERROR_TIME_JUMP);
	/* nothing changed: the run goes on, then the recorder splits it */
	media_push_raw(seg, delta, 906000, FALSE, 0, 0);
	g_assert_true(nvr_media_segmenter_finish(seg, &error));
	media_push_raw(seg, key, 0, TRUE, 0, 0);
	media_push_raw(seg, delta, 3000, FALSE, 0, 0);
	g_assert_true(nvr_media_segmenter_finish(seg, &error));
	g_assert_no_error(error);
	media_collect(seg, segments);
	g_assert_cmpuint(segments->len, ==, 2);
	for (guint i = 0; i < 2; i++) {
		MediaSegment *s = g_ptr_array_index(segments, i);

		g_assert_cmpint(s->reason, ==, NVR_MEDIA_SEGMENT_REASON_RUN_START);
		g_assert_cmpuint(s->info.frames, ==, i == 0 ? 3 : 2);
		/* the new run restarts sequence numbers */
		g_assert_cmpuint(g_array_index(s->fragments, NvrMediaFragmentInfo, 0).sequence, ==,
				 1);
		media_assert_index(s);
	}
	g_assert_cmpint(((MediaSegment *)g_ptr_array_index(segments, 0))->info.start, ==, 900000);
	g_assert_cmpuint(((MediaSegment *)g_ptr_array_index(segments, 0))->info.duration, ==, 9000);
}

static void
test_media_bad_au(void)
{
	g_autoptr(MediaClip) clip = media_clip_encode("x264", 10, 160, 120, 5, 0, MEDIA_AUDIO_NONE);
	g_autoptr(NvrMediaSegmenter) seg = nvr_media_segmenter_new(NVR_MEDIA_MODE_STORAGE);
	g_autoptr(NvrMediaTrackConfig) config = media_clip_config(clip, FALSE);
	g_autoptr(GPtrArray) segments = media_segments_new();
	g_autoptr(GError) error = NULL;
	const guint8 overrun[] = {0, 0, 1, 0, 0x41, 0x9a}; /* NAL says 256 bytes, 2 follow */
	NvrMediaAu bad = {.track = 0, .dts = 6000, .data = g_bytes_new_static(overrun, 6)};
	NvrMediaAu unset = {.track = 2, .dts = 0, .data = bad.data};

	g_assert_true(nvr_media_segmenter_set_track(seg, 0, config, &error));
	g_assert_false(nvr_media_segmenter_push(seg, &unset, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	for (guint i = 0; i < 10; i++) {
		GstSample *s = g_ptr_array_index(clip->video, i);
		gboolean key = !GST_BUFFER_FLAG_IS_SET(gst_sample_get_buffer(s),
						       GST_BUFFER_FLAG_DELTA_UNIT);

		if (i == 2) {
			g_assert_false(nvr_media_segmenter_push(seg, &bad, &error));
			g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
			g_clear_error(&error);
			continue;
		}
		media_push_raw(seg, s, i * 3000, key, 0, 0);
	}
	g_bytes_unref(bad.data);
	g_assert_true(nvr_media_segmenter_finish(seg, &error));
	media_collect(seg, segments);
	/* frames 3 and 4 could not be decoded without 2: dropped until the key frame at 5 */
	g_assert_cmpuint(nvr_media_segmenter_get_dropped(seg), ==, 2);
	g_assert_cmpuint(segments->len, ==, 1);
	g_assert_cmpuint(((MediaSegment *)g_ptr_array_index(segments, 0))->info.frames, ==, 7);
	media_assert_index(g_ptr_array_index(segments, 0));
}

/* the reader against damaged segments */

static void
test_media_boxes_hostile(void)
{
	g_autoptr(MediaClip) clip =
		media_clip_encode("x264", 20, 160, 120, 5, 0, MEDIA_AUDIO_MULAW);
	g_autoptr(GPtrArray) segments = media_record(clip, 0);
	MediaSegment *s = g_ptr_array_index(segments, 0);
	g_autoptr(GRand) rand = g_rand_new_with_seed(20261128);
	guint ok = 0;

	/* every truncation: an error, or with allow_truncated the whole fragments before it */
	for (gsize n = 0; n < s->data->len; n += 7) {
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrMediaSegmentLayout) strict =
			nvr_media_segment_layout_parse(s->data->data, n, FALSE, &error);
		g_autoptr(NvrMediaSegmentLayout) lax =
			nvr_media_segment_layout_parse(s->data->data, n, TRUE, NULL);

		if (n < g_bytes_get_size(s->init)) {
			g_assert_null(lax);
		} else {
			g_assert_nonnull(lax);
			g_assert_cmpuint(lax->end, <=, n);
			if (lax->truncated)
				g_assert_null(strict);
		}
		if (strict == NULL)
			g_assert_nonnull(error);
	}
	/* random byte flips: parsing may fail, must not crash or read out of bounds */
	for (guint i = 0; i < 2000; i++) {
		g_autofree guint8 *copy = g_memdup2(s->data->data, s->data->len);
		g_autoptr(NvrMediaSegmentLayout) layout = NULL;

		for (guint j = 0; j < 4; j++)
			copy[g_rand_int_range(rand, 0, s->data->len)] =
				g_rand_int_range(rand, 0, 256);
		layout = nvr_media_segment_layout_parse(copy, s->data->len, TRUE, NULL);
		ok += layout != NULL;
	}
	g_test_message("%u of 2000 damaged segments still parsed", ok);
}

/* seed corpora for the fuzz targets: written when NVR_MEDIA_WRITE_CORPUS names
 * the tests/media directory; otherwise the committed seeds are checked to be
 * the valid inputs they are meant to be */
static void
media_corpus_put(const gchar *root, const gchar *corpus, const gchar *name, gint selector,
		 const guint8 *data, gsize size)
{
	g_autofree gchar *dir = g_build_filename(root, corpus, NULL);
	g_autoptr(GByteArray) buf = g_byte_array_new();
	guint8 sel = (guint8)selector;

	if (selector >= 0)
		g_byte_array_append(buf, &sel, 1);
	g_byte_array_append(buf, data, size);
	g_mkdir_with_parents(dir, 0755);
	g_free(media_write_file(dir, name, buf->data, buf->len));
}

/* the first NAL unit of @type in an hvcC's arrays */
static GBytes *
media_hvcc_nal(GBytes *hvcc, guint type)
{
	gsize n, pos = 23;
	const guint8 *p = g_bytes_get_data(hvcc, &n);
	guint arrays = p[22];

	for (guint i = 0; i < arrays; i++) {
		guint t = p[pos] & 0x3f, count = p[pos + 1] << 8 | p[pos + 2];

		pos += 3;
		for (guint j = 0; j < count; j++) {
			guint len = p[pos] << 8 | p[pos + 1];

			if (t == type)
				return g_bytes_new(p + pos + 2, len);
			pos += 2 + len;
		}
	}
	g_assert_not_reached();
}

static void
media_write_corpus(const gchar *root)
{
	g_autoptr(MediaClip) mulaw = media_clip_encode("x264", 6, 64, 48, 3, 0, MEDIA_AUDIO_MULAW);
	g_autoptr(MediaClip) aac = media_clip_encode("x264", 30, 64, 48, 10, 0, MEDIA_AUDIO_AAC);
	g_autoptr(MediaClip) hevc = media_clip_encode("x265", 2, 64, 64, 2, 0, MEDIA_AUDIO_NONE);
	g_autoptr(GPtrArray) s1 = media_record(mulaw, 0);
	g_autoptr(GPtrArray) s2 = media_record(aac, 0);
	MediaSegment *a = g_ptr_array_index(s1, 0), *b = g_ptr_array_index(s2, 0);
	g_autoptr(NvrMediaTrackConfig) v = media_clip_config(aac, FALSE);
	g_autoptr(NvrMediaTrackConfig) au = media_clip_config(aac, TRUE);
	g_autoptr(NvrMediaTrackConfig) h = media_clip_config(hevc, FALSE);
	g_autoptr(GBytes) sps265 = media_hvcc_nal(h->codec_data, 33);
	g_autofree gchar *export = g_build_filename(root, "corpus-boxes", "export-h264-aac", NULL);
	GstMapInfo map;
	gsize n;
	const guint8 *p;

	media_corpus_put(root, "corpus-boxes", "segment-h264-mulaw", -1, a->data->data,
			 a->data->len);
	media_corpus_put(root, "corpus-boxes", "segment-h264-aac", -1, b->data->data, b->data->len);
	media_export_segments(s2, export, 0);
	media_corpus_put(root, "corpus-gop-index", "index-mulaw", -1,
			 g_bytes_get_data(a->index, NULL), g_bytes_get_size(a->index));
	media_corpus_put(root, "corpus-gop-index", "index-aac", -1,
			 g_bytes_get_data(b->index, NULL), g_bytes_get_size(b->index));
	p = g_bytes_get_data(v->codec_data, &n);
	media_corpus_put(root, "corpus-codec-data", "avcc-x264", 0, p, n);
	media_corpus_put(root, "corpus-codec-data", "sps-x264", 3, p + 8, p[6] << 8 | p[7]);
	media_corpus_put(root, "corpus-codec-data", "config-x264", 6, p, n);
	p = g_bytes_get_data(h->codec_data, &n);
	media_corpus_put(root, "corpus-codec-data", "hvcc-x265", 1, p, n);
	p = g_bytes_get_data(sps265, &n);
	media_corpus_put(root, "corpus-codec-data", "sps-x265", 4, p, n);
	p = g_bytes_get_data(au->codec_data, &n);
	media_corpus_put(root, "corpus-codec-data", "asc-voaacenc", 2, p, n);
	g_assert_true(gst_buffer_map(gst_sample_get_buffer(g_ptr_array_index(aac->video, 1)), &map,
				     GST_MAP_READ));
	media_corpus_put(root, "corpus-codec-data", "au-x264", 5, map.data, MIN(map.size, 512));
	gst_buffer_unmap(gst_sample_get_buffer(g_ptr_array_index(aac->video, 1)), &map);
}

static void
test_media_corpus(void)
{
	const gchar *root = g_getenv("NVR_MEDIA_WRITE_CORPUS");
	g_autofree gchar *boxes = NULL;
	g_autoptr(GDir) dir = NULL;
	const gchar *name;
	guint n = 0;

	if (root != NULL) {
		if (!media_have_element("x265enc")) {
			g_test_skip("x265enc is needed to write the corpus");
			return;
		}
		media_write_corpus(root);
	}
	boxes = g_test_build_filename(G_TEST_DIST, "media", "corpus-boxes", NULL);
	dir = g_dir_open(boxes, 0, NULL);
	g_assert_nonnull(dir);
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = g_build_filename(boxes, name, NULL);
		g_autofree gchar *data = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrMediaSegmentLayout) layout = NULL;
		gsize len;

		g_assert_true(g_file_get_contents(path, &data, &len, &error));
		layout = nvr_media_segment_layout_parse((const guint8 *)data, len, FALSE, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(layout->fragments->len, >=, 2);
		n++;
	}
	g_assert_cmpuint(n, >=, 3);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	nvr_test_watchdog_start(NVR_TEST_WATCHDOG_S);
	g_test_add_func("/nvr/media/codec/h264-config", test_media_h264_config);
	g_test_add_func("/nvr/media/codec/h264-sps", test_media_h264_sps);
	g_test_add_func("/nvr/media/codec/sps-max-reorder", test_media_sps_max_reorder);
	g_test_add_func("/nvr/media/codec/sps-vui-cut", test_media_sps_vui_cut);
	g_test_add_func("/nvr/media/codec/hostile-avcc", test_media_hostile_avcc);
	g_test_add_func("/nvr/media/codec/hostile-caps", test_media_hostile_caps);
	g_test_add_func("/nvr/media/codec/aac-config", test_media_aac_config);
	g_test_add_func("/nvr/media/init/deterministic", test_media_init_deterministic);
	g_test_add_func("/nvr/media/storage/h264-aac", test_media_storage_h264_aac);
	g_test_add_func("/nvr/media/fragment/parts", test_media_fragment_parts);
	g_test_add_func("/nvr/media/storage/parts", test_media_storage_parts);
	g_test_add_func("/nvr/media/storage/h264-mulaw", test_media_storage_h264_mulaw);
	g_test_add_func("/nvr/media/storage/h264-alaw", test_media_storage_h264_alaw);
	g_test_add_func("/nvr/media/storage/long-gop", test_media_storage_long_gop);
	g_test_add_func("/nvr/media/storage/bframes", test_media_storage_bframes);
	g_test_add_func("/nvr/media/storage/h265", test_media_storage_h265);
	g_test_add_func("/nvr/media/storage/resolution-change", test_media_resolution_change);
	g_test_add_func("/nvr/media/gop-index/round-trip", test_media_gop_index);
	g_test_add_func("/nvr/media/gop-index/hostile", test_media_gop_index_hostile);
	g_test_add_func("/nvr/media/export/concat", test_media_concat);
	g_test_add_func("/nvr/media/export/codec-change", test_media_export_codec_change);
	g_test_add_func("/nvr/media/live/per-frame", test_media_live);
	g_test_add_func("/nvr/media/segmenter/time-backwards", test_media_time_backwards);
	g_test_add_func("/nvr/media/segmenter/bad-au", test_media_bad_au);
	g_test_add_func("/nvr/media/boxes/hostile", test_media_boxes_hostile);
	g_test_add_func("/nvr/media/corpus", test_media_corpus);
	return g_test_run();
}
