/*
 * Streams that are not nvr-fakecam's: nvrd records, at once, cameras served
 * by a gst-rtsp-server of this test on 127.0.0.1, each a variant real
 * cameras send (H.264 and H.265 with B-frames, parameter sets only in the
 * SDP or before every IDR, H.265 with AAC, AAC in LATM, G.711, 25 and 12.5
 * fps, long and short GOPs, a gap in the frame timing, 1440p at 10 Mbit/s,
 * whose key frames are over a megabyte: a thousand FU-A fragments), in 6 s
 * segments. Afterwards verify --deep, and per camera: one run, an export
 * of all of it that ffprobe reads without a warning, with the index's
 * frame count, every frame decoded in presentation order, the frame timing
 * the camera sent (pts steps, key frame spacing, the gap), the picture
 * size and codecs, and audio beside the video for as long. A probe on each
 * server's payloader counts the packets that go back in time (B-frames)
 * and the SPS NAL units and IDRs it sends, so that the variants are what
 * they claim.
 *
 * Sanitizer builds record five of the variants (B-frames, parameter sets
 * only in the SDP, H.265 with AAC, G.711, the gap) for 8 s instead of all
 * of them for 15 s.
 */
#include "config.h"

#include <gst/rtp/gstrtpbuffer.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <signal.h>
#include <string.h>

#include "nvr-test-nvrd.h"

#define TIMESCALE 90000
#define RECORD_S (NVR_TEST_SANITIZED ? 8 : 15)
/* the gap variant drops frames GAP_FIRST..GAP_FIRST+GAP_FRAMES-1 of every GAP_CYCLE */
#define GAP_CYCLE 60
#define GAP_FIRST 30
#define GAP_FRAMES 5

typedef struct {
	const gchar *mount;
	const gchar *launch;	/* video as pay0, audio (if any) as pay1 */
	gboolean sanitized;	/* also run in sanitizer builds */
	const gchar *vcodec;	/* ffprobe's codec_name */
	const gchar *profile;	/* ffprobe's, or NULL: any */
	guint width, height;
	guint fps_n, fps_d;
	guint gop;		/* frames from one key frame to the next */
	guint bframes;		/* the most B-frames in a row (pts go back) */
	gboolean gap;		/* GAP_FRAMES missing every GAP_CYCLE frames */
	gint sps;		/* 0: SPS only in the SDP; 1: before every IDR; -1: either */
	const gchar *acodec;	/* ffprobe's codec_name, or NULL */
	guint arate;
	guint min_au;		/* bytes the largest access unit reaches at least */
} Variant;

#define X264_LIVE "x264enc tune=zerolatency speed-preset=ultrafast threads=1 "
#define TESTSRC(w, h, fps)                                                                         \
	"videotestsrc is-live=true pattern=ball ! video/x-raw,width=" #w ",height=" #h             \
	",framerate=" fps " ! "

static const Variant variants[] = {
    {"bframes",
     "( " TESTSRC(320, 240, "15/1") "x264enc speed-preset=veryfast threads=1 bframes=2 b-adapt=true "
     "key-int-max=30 ! video/x-h264,profile=main ! rtph264pay name=pay0 pt=96 config-interval=-1 )",
     TRUE, "h264", NULL, 320, 240, 15, 1, 30, 2, FALSE, -1, NULL, 0, 0},
    {"sdp-only",
     "( " TESTSRC(320, 240, "15/1") "x264enc tune=zerolatency speed-preset=superfast threads=1 "
     "key-int-max=30 option-string=repeat-headers=0 ! video/x-h264,profile=high "
     "! rtph264pay name=pay0 pt=96 config-interval=0 )",
     TRUE, "h264", "High", 320, 240, 15, 1, 30, 0, FALSE, 0, NULL, 0, 0},
    {"sps-every-idr",
     "( " TESTSRC(320, 240, "15/1") X264_LIVE "key-int-max=15 "
     "! rtph264pay name=pay0 pt=96 config-interval=-1 )",
     FALSE, "h264", NULL, 320, 240, 15, 1, 15, 0, FALSE, 1, NULL, 0, 0},
    {"h265-aac",
     "( " TESTSRC(320, 240, "15/1") "x265enc tune=zerolatency speed-preset=ultrafast key-int-max=30 "
     "! rtph265pay name=pay0 pt=96 config-interval=-1 "
     "audiotestsrc is-live=true ! audio/x-raw,rate=16000,channels=1 ! voaacenc bitrate=32000 "
     "! rtpmp4gpay name=pay1 pt=97 )",
     TRUE, "hevc", NULL, 320, 240, 15, 1, 30, 0, FALSE, -1, "aac", 16000, 0},
    /* closed GOPs, as cameras send: in x265's default open GOPs the leading
     * pictures of a CRA that begins an export need the segment before, and
     * decoders skip them (test-ingest records such a stream) */
    {"h265-bframes-aac",
     "( " TESTSRC(320, 240, "15/1") "x265enc speed-preset=ultrafast key-int-max=30 "
     "option-string=bframes=3:open-gop=0 ! rtph265pay name=pay0 pt=96 "
     "audiotestsrc is-live=true ! audio/x-raw,rate=16000,channels=1 ! voaacenc bitrate=32000 "
     "! rtpmp4gpay name=pay1 pt=97 )",
     FALSE, "hevc", NULL, 320, 240, 15, 1, 30, 3, FALSE, -1, "aac", 16000, 0},
    {"h264-aac-latm",
     "( " TESTSRC(320, 240, "15/1") X264_LIVE "key-int-max=30 ! rtph264pay name=pay0 pt=96 "
     "audiotestsrc is-live=true ! audio/x-raw,rate=8000,channels=1 ! voaacenc bitrate=24000 "
     "! rtpmp4apay name=pay1 pt=97 )",
     FALSE, "h264", NULL, 320, 240, 15, 1, 30, 0, FALSE, -1, "aac", 8000, 0},
    {"h264-pcma",
     "( " TESTSRC(320, 240, "15/1") X264_LIVE "key-int-max=30 ! rtph264pay name=pay0 pt=96 "
     "audiotestsrc is-live=true ! audio/x-raw,rate=8000,channels=1 ! alawenc "
     "! rtppcmapay name=pay1 )",
     TRUE, "h264", NULL, 320, 240, 15, 1, 30, 0, FALSE, -1, "pcm_alaw", 8000, 0},
    {"h264-pcmu",
     "( " TESTSRC(320, 240, "15/1") X264_LIVE "key-int-max=30 ! rtph264pay name=pay0 pt=96 "
     "audiotestsrc is-live=true ! audio/x-raw,rate=8000,channels=1 ! mulawenc "
     "! rtppcmupay name=pay1 )",
     FALSE, "h264", NULL, 320, 240, 15, 1, 30, 0, FALSE, -1, "pcm_mulaw", 8000, 0},
    {"fps25",
     "( " TESTSRC(320, 240, "25/1") X264_LIVE "key-int-max=50 ! rtph264pay name=pay0 pt=96 )",
     FALSE, "h264", NULL, 320, 240, 25, 1, 50, 0, FALSE, -1, NULL, 0, 0},
    {"fps12.5",
     "( " TESTSRC(320, 240, "25/2") X264_LIVE "key-int-max=25 ! rtph264pay name=pay0 pt=96 )",
     FALSE, "h264", NULL, 320, 240, 25, 2, 25, 0, FALSE, -1, NULL, 0, 0},
    {"gop4s",
     "( " TESTSRC(320, 240, "15/1") X264_LIVE "key-int-max=60 ! rtph264pay name=pay0 pt=96 )",
     FALSE, "h264", NULL, 320, 240, 15, 1, 60, 0, FALSE, -1, NULL, 0, 0},
    {"gop0.5s",
     "( " TESTSRC(320, 240, "16/1") X264_LIVE "key-int-max=8 ! rtph264pay name=pay0 pt=96 )",
     FALSE, "h264", NULL, 320, 240, 16, 1, 8, 0, FALSE, -1, NULL, 0, 0},
    {"gap",
     "( " TESTSRC(320, 240, "15/1") "identity name=gap ! " X264_LIVE "key-int-max=30 "
     "! rtph264pay name=pay0 pt=96 )",
     TRUE, "h264", NULL, 320, 240, 15, 1, 0, 0, TRUE, -1, NULL, 0, 0},
    {"1440p",
     "( videotestsrc is-live=true pattern=snow ! video/x-raw,width=2560,height=1440,framerate=5/1 "
     "! " X264_LIVE "bitrate=10000 vbv-buf-capacity=2000 key-int-max=10 "
     "! rtph264pay name=pay0 pt=96 mtu=1400 )",
     FALSE, "h264", NULL, 2560, 1440, 5, 1, 10, 0, FALSE, -1, NULL, 0, 150 * 1024},
};

/* what the server saw of one variant; atomics, its streaming threads write them */
typedef struct {
	const Variant *v;
	gint sps;	/* SPS NAL units the payloader sent */
	gint idr;	/* IDR pictures (first slices) it began */
	gint frames_in; /* frames that passed the gap element */
	gint back;	/* packets whose RTP time was before the previous packet's */
	gboolean have_ts; /* streaming thread only, with last_ts */
	guint32 last_ts;
} Served;

typedef struct {
	GstRTSPServer *server;
	GMainContext *context;
	GMainLoop *loop;
	GThread *thread;
	guint port;
	Served served[G_N_ELEMENTS(variants)];
} Server;

/* @nal: the NAL header; @slice: the byte after it (first_mb_in_slice 0 is a '1' bit) */
static void
served_count_nal(Served *s, guint8 nal, guint8 slice)
{
	if ((nal & 0x1f) == 7)
		g_atomic_int_inc(&s->sps);
	else if ((nal & 0x1f) == 5 && (slice & 0x80))
		g_atomic_int_inc(&s->idr);
}

/* whether an RTP packet goes back in time, and the H.264 NAL units it begins (RFC 6184) */
static void
served_count_packet(Served *s, GstBuffer *buf)
{
	GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
	const guint8 *p;
	guint len;

	if (!gst_rtp_buffer_map(buf, GST_MAP_READ, &rtp))
		return;
	p = gst_rtp_buffer_get_payload(&rtp);
	len = gst_rtp_buffer_get_payload_len(&rtp);
	if (s->have_ts && (gint32)(gst_rtp_buffer_get_timestamp(&rtp) - s->last_ts) < 0)
		g_atomic_int_inc(&s->back);
	s->last_ts = gst_rtp_buffer_get_timestamp(&rtp);
	s->have_ts = TRUE;
	if (!g_str_equal(s->v->vcodec, "h264")) {
		/* H.265 NAL units are not counted */
	} else if (len >= 2 && (p[0] & 0x1f) >= 1 && (p[0] & 0x1f) <= 23) {
		served_count_nal(s, p[0], p[1]);
	} else if (len >= 1 && (p[0] & 0x1f) == 24) { /* STAP-A */
		for (guint i = 1; i + 3 < len;) {
			guint n = (guint)p[i] << 8 | p[i + 1];
			served_count_nal(s, p[i + 2], p[i + 3]);
			i += 2 + n;
		}
	} else if (len >= 3 && (p[0] & 0x1f) == 28 && (p[1] & 0x80)) { /* FU-A start */
		served_count_nal(s, p[1], p[2]);
	}
	gst_rtp_buffer_unmap(&rtp);
}

static gboolean
served_count_list_cb(GstBuffer **buf, guint idx, gpointer user_data)
{
	served_count_packet(user_data, *buf);
	return TRUE;
}

static GstPadProbeReturn
served_pay_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
		served_count_packet(user_data, GST_PAD_PROBE_INFO_BUFFER(info));
	else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
		gst_buffer_list_foreach(GST_PAD_PROBE_INFO_BUFFER_LIST(info), served_count_list_cb,
					user_data);
	return GST_PAD_PROBE_OK;
}

/* a camera whose frame timing has a hole: GAP_FRAMES dropped before the encoder */
static GstPadProbeReturn
served_gap_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	Served *s = user_data;
	gint n = g_atomic_int_add(&s->frames_in, 1);

	if (n % GAP_CYCLE >= GAP_FIRST && n % GAP_CYCLE < GAP_FIRST + GAP_FRAMES)
		return GST_PAD_PROBE_DROP;
	return GST_PAD_PROBE_OK;
}

static void
served_add_probe(GstElement *bin, const gchar *name, GstPadProbeType type,
		 GstPadProbeCallback func, Served *s)
{
	g_autoptr(GstElement) e = gst_bin_get_by_name(GST_BIN(bin), name);
	g_autoptr(GstPad) pad = NULL;

	if (e == NULL)
		return;
	pad = gst_element_get_static_pad(e, "src");
	gst_pad_add_probe(pad, type, func, s, NULL);
}

static void
server_media_configure_cb(GstRTSPMediaFactory *factory, GstRTSPMedia *media, gpointer user_data)
{
	Served *s = user_data;
	g_autoptr(GstElement) bin = gst_rtsp_media_get_element(media);

	served_add_probe(bin, "pay0", GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
			 served_pay_probe_cb, s);
	if (s->v->gap)
		served_add_probe(bin, "gap", GST_PAD_PROBE_TYPE_BUFFER, served_gap_probe_cb, s);
}

static gpointer
server_thread(gpointer data)
{
	Server *srv = data;

	g_main_context_push_thread_default(srv->context);
	g_main_loop_run(srv->loop);
	g_main_context_pop_thread_default(srv->context);
	return NULL;
}

static gboolean
variant_wanted(const Variant *v)
{
	return !NVR_TEST_SANITIZED || v->sanitized;
}

/* every variant on 127.0.0.1, a port of its own choosing, served from a thread */
static Server *
server_new(void)
{
	Server *srv = g_new0(Server, 1);
	g_autoptr(GstRTSPMountPoints) mounts = NULL;

	srv->context = g_main_context_new();
	srv->loop = g_main_loop_new(srv->context, FALSE);
	srv->server = gst_rtsp_server_new();
	gst_rtsp_server_set_address(srv->server, "127.0.0.1");
	gst_rtsp_server_set_service(srv->server, "0");
	mounts = gst_rtsp_server_get_mount_points(srv->server);
	for (guint i = 0; i < G_N_ELEMENTS(variants); i++) {
		GstRTSPMediaFactory *factory;
		g_autofree gchar *path = g_strconcat("/", variants[i].mount, NULL);

		srv->served[i].v = &variants[i];
		if (!variant_wanted(&variants[i]))
			continue;
		factory = gst_rtsp_media_factory_new();
		gst_rtsp_media_factory_set_launch(factory, variants[i].launch);
		gst_rtsp_media_factory_set_shared(factory, TRUE);
		g_signal_connect(factory, "media-configure", G_CALLBACK(server_media_configure_cb),
				 &srv->served[i]);
		gst_rtsp_mount_points_add_factory(mounts, path, factory);
	}
	g_assert_cmpuint(gst_rtsp_server_attach(srv->server, srv->context), >, 0);
	srv->port = (guint)gst_rtsp_server_get_bound_port(srv->server);
	srv->thread = g_thread_new("rtsp-server", server_thread, srv);
	return srv;
}

static void
server_free(Server *srv)
{
	g_main_loop_quit(srv->loop);
	g_thread_join(srv->thread);
	g_object_unref(srv->server);
	g_main_loop_unref(srv->loop);
	g_main_context_unref(srv->context);
	g_free(srv);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Server, server_free)

/* ---- what ffprobe says of an export ---- */

typedef struct {
	gint64 pts, dts, duration, size;
	gboolean key;
} Packet;

typedef struct {
	JsonObject *video; /* stream */
	JsonObject *audio; /* stream, nullable */
	GArray *vpackets;  /* Packet, in file order */
	GArray *apackets;
	GArray *vframes;   /* gint64 pts, in the order decoded frames came out */
} Probe;

static void
probe_clear(Probe *p)
{
	g_clear_pointer(&p->video, json_object_unref);
	g_clear_pointer(&p->audio, json_object_unref);
	g_clear_pointer(&p->vpackets, g_array_unref);
	g_clear_pointer(&p->apackets, g_array_unref);
	g_clear_pointer(&p->vframes, g_array_unref);
}

static gint64
json_int(JsonObject *o, const gchar *member)
{
	JsonNode *n = json_object_get_member(o, member);

	if (n == NULL) {
		g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), o);
		g_autofree gchar *text = json_to_string(node, FALSE);
		g_test_message("no %s in %s", member, text);
	}
	g_assert_nonnull(n);
	if (json_node_get_value_type(n) == G_TYPE_STRING)
		return g_ascii_strtoll(json_node_get_string(n), NULL, 10);
	return json_node_get_int(n);
}

static void
probe_item(Probe *p, JsonObject *item, gint64 vindex)
{
	const gchar *type = json_object_get_string_member(item, "type");
	gboolean video = json_int(item, "stream_index") == vindex;

	if (g_str_equal(type, "packet")) {
		Packet pkt = {.pts = json_int(item, "pts"),
			      .dts = json_int(item, "dts"),
			      /* ffprobe leaves it out for a track's first packet when the
			       * track starts after the file does */
			      .duration = json_object_has_member(item, "duration")
					      ? json_int(item, "duration")
					      : 0,
			      .size = json_int(item, "size"),
			      .key = json_object_get_string_member(item, "flags")[0] == 'K'};
		g_array_append_val(video ? p->vpackets : p->apackets, pkt);
	} else if (video) {
		gint64 pts = json_int(item, "pts");
		g_array_append_val(p->vframes, pts);
	}
}

static void
probe_export(const gchar *path, Probe *p)
{
	g_autofree gchar *out = NULL, *err = NULL;
	g_autoptr(JsonObject) root = NULL;
	JsonArray *streams, *items;
	gint64 vindex = -1;

	g_assert_cmpint(nvr_test_nvrd_run(&out, &err, "ffprobe", "-v", "warning", "-count_frames",
					  "-show_entries",
					  "stream=index,codec_type,codec_name,profile,width,height,"
					  "sample_rate,channels,nb_read_frames,time_base:"
					  "packet=stream_index,pts,dts,duration,size,flags:"
					  "frame=stream_index,pts",
					  "-of", "json", path, NULL),
			==, 0);
	if (err[0] != '\0')
		g_test_message("ffprobe %s: %s", path, err);
	/* ffprobe decoded every frame and had nothing to warn about */
	g_assert_cmpstr(err, ==, "");
	root = nvr_test_nvrd_parse_object(out);
	streams = json_object_get_array_member(root, "streams");
	for (guint i = 0; i < json_array_get_length(streams); i++) {
		JsonObject *s = json_array_get_object_element(streams, i);
		const gchar *type = json_object_get_string_member(s, "codec_type");

		if (g_str_equal(type, "video") && p->video == NULL) {
			p->video = json_object_ref(s);
			vindex = json_int(s, "index");
		} else if (g_str_equal(type, "audio") && p->audio == NULL) {
			p->audio = json_object_ref(s);
		}
	}
	g_assert_nonnull(p->video);
	g_assert_cmpstr(json_object_get_string_member(p->video, "time_base"), ==, "1/90000");
	p->vpackets = g_array_new(FALSE, FALSE, sizeof(Packet));
	p->apackets = g_array_new(FALSE, FALSE, sizeof(Packet));
	p->vframes = g_array_new(FALSE, FALSE, sizeof(gint64));
	items = json_object_get_array_member(root, "packets_and_frames");
	for (guint i = 0; i < json_array_get_length(items); i++)
		probe_item(p, json_array_get_object_element(items, i), vindex);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Probe, probe_clear)

static gint
cmp_int64(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

	return x < y ? -1 : x > y;
}

/* ---- one variant's checks ---- */

typedef struct {
	gint64 frames;	       /* the index's */
	gint64 media_duration; /* 90 kHz */
	gint64 start_us, end_us;
	gint64 second_start_us; /* of the second segment, 0 when there is none */
	gint64 second_frames;	/* from the second segment on */
} Indexed;

static void
indexed_get(NvrTestNvrd *fx, const gchar *camera, Indexed *ix)
{
	g_autoptr(GArray) segs = nvr_test_nvrd_segments(fx, camera);
	g_autoptr(GArray) runs = nvr_test_nvrd_runs(fx, camera);

	memset(ix, 0, sizeof(*ix));
	/* one run: nothing in the stream made nvrd split it or reconnect */
	for (guint i = 0; i < runs->len; i++) {
		NvrTestRun *r = &g_array_index(runs, NvrTestRun, i);
		g_test_message("%s: run %" G_GINT64_FORMAT " ended (%s)", camera, r->id, r->end_reason);
	}
	g_assert_cmpuint(runs->len, ==, 1);
	g_assert_cmpstr(g_array_index(runs, NvrTestRun, 0).end_reason, ==, "stopped");
	g_assert_cmpuint(segs->len, >=, 1);
	ix->start_us = g_array_index(segs, NvrTestSegment, 0).start_us;
	for (guint i = 0; i < segs->len; i++) {
		NvrTestSegment *s = &g_array_index(segs, NvrTestSegment, i);

		g_assert_cmpstr(s->status, ==, "finalized");
		if (i == 1)
			ix->second_start_us = s->start_us;
		if (i >= 1)
			ix->second_frames += s->frames;
		ix->frames += s->frames;
		ix->media_duration += s->media_duration;
		ix->end_us = s->end_us;
	}
}

/* decode order, presentation order and the frame timing the camera sent */
static void
check_video_timing(const Variant *v, const Probe *p, const Indexed *ix)
{
	g_autoptr(GArray) pts = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autoptr(GArray) keys = g_array_new(FALSE, FALSE, sizeof(gint64));
	gint64 frame = (gint64)TIMESCALE * v->fps_d / v->fps_n;
	gint64 span, gaps = 0, back = 0, offset = 0, largest = 0;
	guint n = p->vpackets->len;

	for (guint i = 0; i < n; i++) {
		const Packet *pk = &g_array_index(p->vpackets, Packet, i);

		g_array_append_val(pts, pk->pts);
		offset += pk->pts != pk->dts;
		back += i > 0 && pk->pts < g_array_index(p->vpackets, Packet, i - 1).pts;
		largest = MAX(largest, pk->size);
		if (i > 0) /* decode order */
			g_assert_cmpint(pk->dts, >, g_array_index(p->vpackets, Packet, i - 1).dts);
		if (pk->key)
			g_array_append_val(keys, pk->pts);
	}
	/* key frames as far apart as the camera sends them, in presentation order */
	g_array_sort(keys, cmp_int64);
	for (guint i = 1; v->gop > 0 && i < keys->len; i++)
		g_assert_cmpint(ABS(g_array_index(keys, gint64, i) - g_array_index(keys, gint64, i - 1) -
				    v->gop * frame),
				<=, 1);
	g_assert_true(g_array_index(p->vpackets, Packet, 0).key);
	g_array_sort(pts, cmp_int64);
	/* presentation order: each pts once, one frame apart, except where frames are missing */
	for (guint i = 1; i < n; i++) {
		gint64 d = g_array_index(pts, gint64, i) - g_array_index(pts, gint64, i - 1);

		if (ABS(d - frame) > 1)
			g_test_message("%s: pts %" G_GINT64_FORMAT " then %" G_GINT64_FORMAT, v->mount,
				       g_array_index(pts, gint64, i - 1), g_array_index(pts, gint64, i));
		if (v->bframes > 0 && i + v->bframes >= n) {
			/* the recording stopped after a P-frame, before (some of) the
			 * B-frames shown ahead of it */
			g_assert_cmpint(d % frame, <=, 1);
			g_assert_cmpint(d, <=, (v->bframes + 1) * frame);
		} else if (v->gap && d > frame + frame / 2) {
			g_assert_cmpint(ABS(d - (GAP_FRAMES + 1) * frame), <=, 2);
			gaps++;
		} else {
			g_assert_cmpint(ABS(d - frame), <=, 1);
		}
	}
	/* the decoder gives them back in presentation order, all of them */
	g_assert_cmpuint(p->vframes->len, ==, n);
	for (guint i = 0; i < n; i++)
		g_assert_cmpint(g_array_index(p->vframes, gint64, i), ==, g_array_index(pts, gint64, i));
	/* the export lasts what the index says, and starts at its first frame */
	span = g_array_index(pts, gint64, n - 1) + frame - g_array_index(pts, gint64, 0);
	g_test_message("%s: %u frames, %" G_GINT64_FORMAT " shown before the one decoded ahead, %"
		       G_GINT64_FORMAT " with pts != dts, %" G_GINT64_FORMAT " gaps, first pts %"
		       G_GINT64_FORMAT ", %.3f s presented, index %.3f s, largest frame %"
		       G_GINT64_FORMAT " bytes",
		       v->mount, n, back, offset, gaps, g_array_index(pts, gint64, 0),
		       span / (gdouble)TIMESCALE, ix->media_duration / (gdouble)TIMESCALE, largest);
	g_assert_cmpint(ABS(g_array_index(pts, gint64, 0)), <=, frame);
	if (v->bframes) {
		/* decode times lag presentation by the reorder depth (at most
		 * bframes), and the B-frames of the last P-frame never came */
		g_assert_cmpint(ABS(span - ix->media_duration), <=, 2 * v->bframes * frame);
		g_assert_cmpint(back, >, n / 5);
	} else {
		g_assert_cmpint(ABS(span - ix->media_duration), <=, frame);
		g_assert_cmpint(back, ==, 0);
		g_assert_cmpint(offset, ==, 0);
	}
	if (v->gap)
		g_assert_cmpint(gaps, >=, (ix->media_duration / frame) / GAP_CYCLE);
	g_assert_cmpint(largest, >=, v->min_au);
}

static void
check_audio(const Variant *v, const Probe *p, const Indexed *ix)
{
	gint64 first, last, rate;

	if (v->acodec == NULL) {
		g_assert_null(p->audio);
		return;
	}
	g_assert_nonnull(p->audio);
	g_assert_cmpstr(json_object_get_string_member(p->audio, "codec_name"), ==, v->acodec);
	rate = json_int(p->audio, "sample_rate");
	g_assert_cmpint(rate, ==, v->arate);
	g_assert_cmpint(json_int(p->audio, "channels"), ==, 1);
	g_assert_cmpuint(p->apackets->len, >, 0);
	for (guint i = 1; i < p->apackets->len; i++)
		g_assert_cmpint(g_array_index(p->apackets, Packet, i).pts, >,
				g_array_index(p->apackets, Packet, i - 1).pts);
	first = g_array_index(p->apackets, Packet, 0).pts;
	last = g_array_index(p->apackets, Packet, p->apackets->len - 1).pts +
	       g_array_index(p->apackets, Packet, p->apackets->len - 1).duration;
	g_test_message("%s: %u audio packets, %.3f s from %.3f s", v->mount, p->apackets->len,
		       (last - first) / (gdouble)rate, first / (gdouble)rate);
	/* audio from the start of the video, within half a second, to its end
	 * or beyond: an encoder's lookahead or a loaded machine holds the
	 * video back against the audio when nvrd stops (x265 with B-frames:
	 * 0.7 s seen, a busy CI machine: 1.6 s) */
	g_assert_cmpint(ABS(first), <=, rate / 2);
	g_assert_cmpint((last - first) * TIMESCALE / rate, >=, ix->media_duration - TIMESCALE / 2);
	g_assert_cmpint((last - first) * TIMESCALE / rate, <=, ix->media_duration + 4 * TIMESCALE);
}

/* an export that begins where a later segment does, at its first key frame */
static void
check_export_from_second(NvrTestNvrd *fx, const gchar *camera, const Variant *v,
			 const Indexed *ix)
{
	g_autofree gchar *mp4 = g_strdup_printf("%s/%s-2.mp4", fx->dir, v->mount);
	g_autoptr(JsonObject) exported = NULL;
	g_auto(Probe) p = {0};

	g_assert_cmpint(ix->second_start_us, >, 0);
	exported = nvr_test_nvrd_export(fx, camera, ix->second_start_us, ix->end_us, mp4);
	probe_export(mp4, &p);
	g_test_message("%s: from the second segment: %u frames, index %" G_GINT64_FORMAT, v->mount,
		       p.vpackets->len, ix->second_frames);
	g_assert_cmpint(json_int(p.video, "nb_read_frames"), ==, ix->second_frames);
	g_assert_cmpint(p.vpackets->len, ==, ix->second_frames);
	g_assert_true(g_array_index(p.vpackets, Packet, 0).key);
	if (v->acodec != NULL) {
		/* the audio heard with that key frame is there: it starts with the
		 * video, within an audio frame (G.711 and AAC at 8 kHz: 128 ms),
		 * or before it: audio that came after the key frame goes with the
		 * GOP it came in */
		gint64 vstart = g_array_index(p.vpackets, Packet, 0).pts;
		gint64 astart = g_array_index(p.apackets, Packet, 0).pts * TIMESCALE / v->arate;

		g_test_message("%s: from the second segment: video from %.3f s, audio from %.3f s",
			       v->mount, vstart / (gdouble)TIMESCALE, astart / (gdouble)TIMESCALE);
		g_assert_cmpint(astart, >=, vstart - TIMESCALE / 2);
		g_assert_cmpint(astart, <=, vstart + TIMESCALE * 15 / 100);
	}
}

static void
check_variant(NvrTestNvrd *fx, const gchar *camera, const Served *s)
{
	const Variant *v = s->v;
	g_autofree gchar *mp4 = g_strdup_printf("%s/%s.mp4", fx->dir, v->mount);
	g_autoptr(JsonObject) exported = NULL;
	g_auto(Probe) p = {0};
	Indexed ix;

	indexed_get(fx, camera, &ix);
	g_test_message("%s (%s): %" G_GINT64_FORMAT " frames indexed; the server sent %d packets "
		       "back in time, %d SPS and %d IDRs (H.264 only)",
		       v->mount, camera, ix.frames, g_atomic_int_get(&s->back),
		       g_atomic_int_get(&s->sps), g_atomic_int_get(&s->idr));
	/* the camera reordered frames if the variant says so, and the
	 * parameter sets went where it says */
	if (v->bframes > 0)
		g_assert_cmpint(g_atomic_int_get(&s->back), >, 0);
	else
		g_assert_cmpint(g_atomic_int_get(&s->back), ==, 0);
	if (v->sps == 0)
		g_assert_cmpint(g_atomic_int_get(&s->sps), ==, 0);
	if (v->sps == 1)
		g_assert_cmpint(g_atomic_int_get(&s->sps), >=, g_atomic_int_get(&s->idr));
	g_assert_cmpint(ix.frames, >=, (RECORD_S - 4) * v->fps_n / v->fps_d);
	exported = nvr_test_nvrd_export(fx, camera, ix.start_us, ix.end_us, mp4);
	probe_export(mp4, &p);
	g_assert_cmpstr(json_object_get_string_member(p.video, "codec_name"), ==, v->vcodec);
	if (v->profile != NULL)
		g_assert_cmpstr(json_object_get_string_member(p.video, "profile"), ==, v->profile);
	g_assert_cmpint(json_int(p.video, "width"), ==, v->width);
	g_assert_cmpint(json_int(p.video, "height"), ==, v->height);
	/* every frame the index counts, decoded */
	g_assert_cmpint(json_int(p.video, "nb_read_frames"), ==, ix.frames);
	g_assert_cmpint(p.vpackets->len, ==, ix.frames);
	check_video_timing(v, &p, &ix);
	check_audio(v, &p, &ix);
	check_export_from_second(fx, camera, v, &ix);
}

/* recorded once, by the first case that needs it; checked per variant */
static struct {
	Server *srv;
	NvrTestNvrd *fx;
	gchar *camera[G_N_ELEMENTS(variants)]; /* NULL: not recorded in this build */
} rec;

static void
record_all(void)
{
	g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func(g_free);
	guint n = 0;

	if (rec.fx != NULL)
		return;
	rec.srv = server_new();
	for (guint i = 0; i < G_N_ELEMENTS(variants); i++) {
		if (!variant_wanted(&variants[i]))
			continue;
		g_ptr_array_add(urls, g_strdup_printf("rtsp://127.0.0.1:%u/%s", rec.srv->port,
						      variants[i].mount));
		rec.camera[i] = g_strdup_printf("c%u", ++n);
	}
	g_ptr_array_add(urls, NULL);
	/* 6 s segments: a rotation or two in every recording */
	rec.fx = nvr_test_nvrd_new_for_urls((const gchar *const *)urls->pdata,
					    "segment-seconds = 6\nsync-window-ms = 1000\n");
	nvr_test_nvrd_start(rec.fx);
	nvr_test_nvrd_wait_recording(rec.fx, 60);
	g_usleep(RECORD_S * G_USEC_PER_SEC);
	g_assert_cmpint(nvr_test_nvrd_stop(rec.fx, SIGTERM), ==, 0);
	nvr_test_nvrd_assert_verify_deep(rec.fx);
}

static void
test_record_streams_variant(gconstpointer data)
{
	guint i = GPOINTER_TO_UINT(data);

	nvr_test_watchdog_start(150);
	record_all();
	check_variant(rec.fx, rec.camera[i], &rec.srv->served[i]);
	nvr_test_watchdog_stop();
}

int
main(int argc, char **argv)
{
	gint status;

	gst_init(&argc, &argv);
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(variants); i++) {
		g_autofree gchar *path = NULL;

		if (!variant_wanted(&variants[i]))
			continue;
		path = g_strdup_printf("/nvr/daemon/record-streams/%s", variants[i].mount);
		g_test_add_data_func(path, GUINT_TO_POINTER(i), test_record_streams_variant);
	}
	status = g_test_run();
	g_clear_pointer(&rec.fx, nvr_test_nvrd_free);
	g_clear_pointer(&rec.srv, server_free);
	for (guint i = 0; i < G_N_ELEMENTS(variants); i++)
		g_free(rec.camera[i]);
	return status;
}
