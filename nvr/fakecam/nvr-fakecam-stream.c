#include "config.h"

#include <gst/app/gstappsrc.h>
#include <gst/base/gstbasesink.h>
#include <gst/rtp/gstrtpbuffer.h>

#include "fakecam/nvr-fakecam-stream.h"

/*
 * notes on the feeders
 *
 *   A feeder loops a stream's tracks into the appsrcs of one live media
 *   (appsrc ! rtph264pay [, appsrc ! rtpmp4gpay]). The media is shared by
 *   all clients of the mount, so a camera costs one feeder however many
 *   clients watch it, and an AU costs a buffer copy of metadata, never of
 *   bytes: every AU's memory is the clip's, all the way to the payloader.
 *
 *     CONFIGURED --first need-data--> RUNNING --unprepared/finalized--> STOPPED
 *
 *   Pacing is ours: one GSource per track in the feeder thread wakes at each
 *   AU's due time (t0 + media position) and pushes what is due. No sink syncs
 *   to the clock (rate control off for TCP, sync=false on UDP sinks): the
 *   pipeline never waits on its own.
 *
 *   PTS = running time at the first need-data + media position. The media
 *   position is the sum of the durations of the AUs passed (sent or skipped),
 *   so timestamps keep increasing across loops by exactly the clip's length,
 *   and a stall leaves a real gap as a camera would.
 *
 *   A jump is added to the RTP timestamps by a probe on the payloader's
 *   output, before rtpbin: like a camera whose RTP clock jumped, its RTCP
 *   sender reports follow the packets, and a jump back has no lower bound
 *   (a jump in the PTS could not go below running time 0).
 *
 * invariants
 *   (1) a feed's fields marked "feeder thread" are touched only by the
 *       feeder context's thread once the feeder started
 *   (2) video switches rendition, and resumes after a stall, only at a key
 *       frame; a new media starts at AU 0, a key frame
 *   (3) fields "protected by lock" are read by feeders once per AU and
 *       written by the control interface in the main thread
 */

#define NVR_FAKECAM_MAX_BURST 30 /* AUs pushed per wakeup when late */

struct _NvrFakecamStream {
	GObject parent_instance;
	gchar *name;		       /* immutable */
	NvrFakecamTrack *audio;	       /* immutable, nullable */
	GMainContext *feeder_context;  /* immutable */
	GMutex lock;
	NvrFakecamTrack *video;	       /* protected by lock: the rendition wanted */
	NvrFakecamTrack *sent;	       /* protected by lock: the one last sent */
	gint64 stall_until_us;	       /* protected by lock: monotonic */
	gint jump_ms;		       /* atomic: read per RTP packet or list */
	GPtrArray *feeders;	       /* protected by lock: NvrFakecamFeeder */
	NvrFakecamStreamStats counters; /* protected by lock; sizes unused */
};

G_DEFINE_TYPE(NvrFakecamStream, nvr_fakecam_stream, G_TYPE_OBJECT)

typedef struct {
	GstAppSrc *src;		 /* immutable; NULL if the media has no such track */
	GSource *source;	 /* protected by the stream lock */
	NvrFakecamTrack *track;	 /* feeder thread */
	guint idx;		 /* feeder thread: next AU */
	GstClockTime position;	 /* feeder thread: media time passed */
	gboolean need_key;	 /* feeder thread */
} NvrFakecamFeed;

typedef struct {
	gatomicrefcount ref;
	NvrFakecamStream *stream; /* strong */
	GstRTSPMedia *media;	  /* identity only: never dereferenced */
	NvrFakecamFeed feeds[2];  /* video, audio */
	gboolean started;	  /* protected by the stream lock */
	gboolean stopped;	  /* protected by the stream lock */
	gint64 t0_us;		  /* set once before the sources attach */
	GstClockTime t0_running;
} NvrFakecamFeeder;

static NvrFakecamFeeder *
nvr_fakecam_feeder_ref(NvrFakecamFeeder *f)
{
	g_atomic_ref_count_inc(&f->ref);
	return f;
}

static void
nvr_fakecam_feeder_unref(NvrFakecamFeeder *f)
{
	if (!g_atomic_ref_count_dec(&f->ref))
		return;
	for (guint i = 0; i < G_N_ELEMENTS(f->feeds); i++) {
		g_clear_object(&f->feeds[i].src);
		g_clear_object(&f->feeds[i].track);
		g_clear_pointer(&f->feeds[i].source, g_source_unref);
	}
	g_object_unref(f->stream);
	g_free(f);
}

static void
nvr_fakecam_stream_finalize(GObject *obj)
{
	NvrFakecamStream *self = NVR_FAKECAM_STREAM(obj);

	g_free(self->name);
	g_clear_object(&self->audio);
	g_clear_object(&self->video);
	g_clear_object(&self->sent);
	g_main_context_unref(self->feeder_context);
	g_ptr_array_unref(self->feeders);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(nvr_fakecam_stream_parent_class)->finalize(obj);
}

static void
nvr_fakecam_stream_class_init(NvrFakecamStreamClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_fakecam_stream_finalize;
}

static void
nvr_fakecam_stream_init(NvrFakecamStream *self)
{
	g_mutex_init(&self->lock);
	self->feeders = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_fakecam_feeder_unref);
}

/**
 * nvr_fakecam_stream_new:
 * @video: the rendition to send at first
 * @audio: (nullable): AAC to send beside it
 * @feeder_context: the context whose thread runs the feeders
 */
NvrFakecamStream *
nvr_fakecam_stream_new(const gchar *name,
		       NvrFakecamTrack *video,
		       NvrFakecamTrack *audio,
		       GMainContext *feeder_context)
{
	NvrFakecamStream *self = g_object_new(NVR_TYPE_FAKECAM_STREAM, NULL);

	self->name = g_strdup(name);
	self->video = g_object_ref(video);
	self->audio = audio != NULL ? g_object_ref(audio) : NULL;
	self->feeder_context = g_main_context_ref(feeder_context);
	return self;
}

const gchar *
nvr_fakecam_stream_get_name(NvrFakecamStream *self)
{
	return self->name;
}

/* Returns: (transfer full): the rendition new medias start with */
NvrFakecamTrack *
nvr_fakecam_stream_dup_video(NvrFakecamStream *self)
{
	NvrFakecamTrack *track;

	g_mutex_lock(&self->lock);
	track = g_object_ref(self->video);
	g_mutex_unlock(&self->lock);
	return track;
}

/* Returns: (transfer none) (nullable) */
NvrFakecamTrack *
nvr_fakecam_stream_get_audio(NvrFakecamStream *self)
{
	return self->audio;
}

/* feeder thread */
static void
nvr_fakecam_feeder_push(NvrFakecamFeeder *f, NvrFakecamFeed *feed, GstBuffer *au)
{
	/* a copy shares the AU's memory; only the timestamps are new */
	GstBuffer *buf = gst_buffer_copy(au);

	GST_BUFFER_PTS(buf) = GST_BUFFER_DTS(buf) = f->t0_running + feed->position;
	gst_app_src_push_buffer(feed->src, buf);
}

/* feeder thread: the rendition wanted, at a key frame, replaces the one sent */
static void
nvr_fakecam_feeder_maybe_switch(NvrFakecamFeeder *f, NvrFakecamFeed *feed, NvrFakecamTrack *want)
{
	NvrFakecamStream *s = f->stream;

	if (want == feed->track || feed->idx >= nvr_fakecam_track_get_n_aus(want) ||
	    !nvr_fakecam_track_is_key(want, feed->idx))
		return;
	g_set_object(&feed->track, want);
	/* caps go in order with the buffers: the payloader sees the new SPS/PPS
	 * in caps and, with config-interval=-1, sends them in-band at this IDR */
	gst_app_src_set_caps(feed->src, nvr_fakecam_track_get_caps(want));
	g_mutex_lock(&s->lock);
	g_set_object(&s->sent, want);
	g_mutex_unlock(&s->lock);
}

static void
nvr_fakecam_feeder_video_step(NvrFakecamFeeder *f, gint64 now)
{
	NvrFakecamStream *s = f->stream;
	NvrFakecamFeed *feed = &f->feeds[0];
	g_autoptr(NvrFakecamTrack) want = NULL;
	gboolean stalled, send;
	GstBuffer *au;

	g_mutex_lock(&s->lock);
	want = g_object_ref(s->video);
	stalled = now < s->stall_until_us;
	g_mutex_unlock(&s->lock);

	nvr_fakecam_feeder_maybe_switch(f, feed, want);
	if (feed->idx >= nvr_fakecam_track_get_n_aus(feed->track))
		feed->idx = 0;
	au = nvr_fakecam_track_get_au(feed->track, feed->idx);
	if (stalled)
		feed->need_key = TRUE;
	send = !stalled && (!feed->need_key || nvr_fakecam_track_is_key(feed->track, feed->idx));
	if (send) {
		feed->need_key = FALSE;
		nvr_fakecam_feeder_push(f, feed, au);
	}
	feed->position += GST_BUFFER_DURATION(au);
	feed->idx++;

	g_mutex_lock(&s->lock);
	if (send) {
		s->counters.frames_sent++;
		s->counters.bytes_sent += gst_buffer_get_size(au);
	} else {
		s->counters.frames_skipped++;
	}
	if (feed->idx >= nvr_fakecam_track_get_n_aus(feed->track)) {
		feed->idx = 0;
		s->counters.loops++;
	}
	g_mutex_unlock(&s->lock);
}

static void
nvr_fakecam_feeder_audio_step(NvrFakecamFeeder *f, gint64 now)
{
	NvrFakecamStream *s = f->stream;
	NvrFakecamFeed *feed = &f->feeds[1];
	GstBuffer *au = nvr_fakecam_track_get_au(feed->track, feed->idx);
	gboolean stalled;

	g_mutex_lock(&s->lock);
	stalled = now < s->stall_until_us;
	if (!stalled)
		s->counters.audio_frames_sent++;
	g_mutex_unlock(&s->lock);

	if (!stalled)
		nvr_fakecam_feeder_push(f, feed, au);
	feed->position += GST_BUFFER_DURATION(au);
	if (++feed->idx >= nvr_fakecam_track_get_n_aus(feed->track))
		feed->idx = 0;
}

static gint64
nvr_fakecam_feed_due_us(NvrFakecamFeeder *f, NvrFakecamFeed *feed)
{
	return f->t0_us + (gint64)(feed->position / GST_USECOND);
}

static gboolean
nvr_fakecam_feeder_tick(NvrFakecamFeeder *f, guint which)
{
	NvrFakecamFeed *feed = &f->feeds[which];
	gint64 now = g_get_monotonic_time();

	for (guint n = 0; n < NVR_FAKECAM_MAX_BURST && nvr_fakecam_feed_due_us(f, feed) <= now;
	     n++) {
		if (which == 0)
			nvr_fakecam_feeder_video_step(f, now);
		else
			nvr_fakecam_feeder_audio_step(f, now);
	}
	g_source_set_ready_time(g_main_current_source(), nvr_fakecam_feed_due_us(f, feed));
	return G_SOURCE_CONTINUE;
}

static gboolean
nvr_fakecam_feeder_video_cb(gpointer user_data) /* feeder thread */
{
	return nvr_fakecam_feeder_tick(user_data, 0);
}

static gboolean
nvr_fakecam_feeder_audio_cb(gpointer user_data) /* feeder thread */
{
	return nvr_fakecam_feeder_tick(user_data, 1);
}

static gboolean
nvr_fakecam_tick_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	return callback(user_data);
}

/* a source woken only by its ready time */
static GSourceFuncs nvr_fakecam_tick_funcs = {.dispatch = nvr_fakecam_tick_dispatch};

/* must be called with the stream lock held */
static void
nvr_fakecam_feeder_start_unlocked(NvrFakecamFeeder *f, GstElement *src)
{
	g_autoptr(GstClock) clock = gst_element_get_clock(src);
	GSourceFunc cbs[2] = {nvr_fakecam_feeder_video_cb, nvr_fakecam_feeder_audio_cb};

	f->started = TRUE;
	f->t0_running = clock != NULL ? gst_clock_get_time(clock) - gst_element_get_base_time(src)
				      : 0;
	f->t0_us = g_get_monotonic_time();
	for (guint i = 0; i < G_N_ELEMENTS(f->feeds); i++) {
		NvrFakecamFeed *feed = &f->feeds[i];
		if (feed->src == NULL)
			continue;
		feed->source = g_source_new(&nvr_fakecam_tick_funcs, sizeof(GSource));
		g_source_set_name(feed->source, "nvr-fakecam feeder");
		g_source_set_callback(feed->source,
				      cbs[i],
				      nvr_fakecam_feeder_ref(f),
				      (GDestroyNotify)nvr_fakecam_feeder_unref);
		g_source_set_ready_time(feed->source, 0);
		g_source_attach(feed->source, f->stream->feeder_context);
	}
}

/* streaming thread of either appsrc: the pipeline is playing, start both */
static void
nvr_fakecam_feeder_need_data_cb(GstAppSrc *src, guint length, gpointer user_data)
{
	NvrFakecamFeeder *f = user_data;
	NvrFakecamStream *s = f->stream;

	g_mutex_lock(&s->lock);
	if (!f->started && !f->stopped)
		nvr_fakecam_feeder_start_unlocked(f, GST_ELEMENT(src));
	g_mutex_unlock(&s->lock);
}

/* must be called with the stream lock held */
static void
nvr_fakecam_feeder_stop_unlocked(NvrFakecamFeeder *f)
{
	f->stopped = TRUE;
	for (guint i = 0; i < G_N_ELEMENTS(f->feeds); i++) {
		if (f->feeds[i].source != NULL)
			g_source_destroy(f->feeds[i].source);
	}
}

static void
nvr_fakecam_stream_detach_media(NvrFakecamStream *self, GstRTSPMedia *media)
{
	g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)nvr_fakecam_feeder_unref);

	g_mutex_lock(&self->lock);
	for (guint i = 0; i < self->feeders->len;) {
		NvrFakecamFeeder *f = g_ptr_array_index(self->feeders, i);
		if (f->media != media) {
			i++;
			continue;
		}
		nvr_fakecam_feeder_stop_unlocked(f);
		g_ptr_array_add(gone, g_ptr_array_steal_index(self->feeders, i));
	}
	g_mutex_unlock(&self->lock);
	/* the appsrcs hold the feeders through their callbacks, and the feeders
	 * hold the appsrcs: break the cycle (outside the lock, the last unref may
	 * drop a reference to the stream) */
	for (guint i = 0; i < gone->len; i++) {
		NvrFakecamFeeder *f = g_ptr_array_index(gone, i);
		GstAppSrcCallbacks none = {NULL};
		for (guint j = 0; j < G_N_ELEMENTS(f->feeds); j++) {
			if (f->feeds[j].src != NULL)
				gst_app_src_set_callbacks(f->feeds[j].src, &none, NULL, NULL);
		}
	}
}

static void
nvr_fakecam_stream_unprepared_cb(GstRTSPMedia *media, gpointer user_data)
{
	nvr_fakecam_stream_detach_media(NVR_FAKECAM_STREAM(user_data), media);
}

static void
nvr_fakecam_stream_media_gone_cb(gpointer user_data, GObject *where_the_media_was)
{
	nvr_fakecam_stream_detach_media(user_data, (GstRTSPMedia *)where_the_media_was);
	g_object_unref(user_data);
}

/* the server adds its sinks at prepare time; ours do not sync (see notes) */
static void
nvr_fakecam_stream_element_added_cb(GstBin *bin, GstBin *sub_bin, GstElement *element,
				    gpointer user_data)
{
	if (GST_IS_BASE_SINK(element))
		g_object_set(element, "sync", FALSE, NULL);
}

typedef struct {
	NvrFakecamStream *stream; /* strong */
	guint clock_rate;
} NvrFakecamJumpProbe;

static void
nvr_fakecam_jump_probe_free(NvrFakecamJumpProbe *p)
{
	g_object_unref(p->stream);
	g_free(p);
}

static gboolean
nvr_fakecam_jump_packet(GstBuffer **buf, guint32 offset)
{
	GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

	*buf = gst_buffer_make_writable(*buf); /* fresh from the payloader: no copy */
	if (gst_rtp_buffer_map(*buf, GST_MAP_WRITE, &rtp)) {
		gst_rtp_buffer_set_timestamp(&rtp, gst_rtp_buffer_get_timestamp(&rtp) + offset);
		gst_rtp_buffer_unmap(&rtp);
	}
	return TRUE;
}

static gboolean
nvr_fakecam_jump_list_cb(GstBuffer **buf, guint idx, gpointer user_data)
{
	return nvr_fakecam_jump_packet(buf, GPOINTER_TO_UINT(user_data));
}

/* streaming thread: payloader output, before rtpbin */
static GstPadProbeReturn
nvr_fakecam_jump_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	NvrFakecamJumpProbe *p = user_data;
	guint32 offset = nvr_fakecam_stream_rtp_offset(p->stream, p->clock_rate);

	if (offset == 0)
		return GST_PAD_PROBE_OK;
	if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
		GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
		nvr_fakecam_jump_packet(&buf, offset);
		info->data = buf;
	} else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
		GstBufferList *list = gst_buffer_list_make_writable(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
		gst_buffer_list_foreach(list, nvr_fakecam_jump_list_cb, GUINT_TO_POINTER(offset));
		info->data = list;
	}
	return GST_PAD_PROBE_OK;
}

static void
nvr_fakecam_stream_add_jump_probe(NvrFakecamStream *self, GstElement *bin, const gchar *name,
				  guint clock_rate)
{
	g_autoptr(GstElement) pay = gst_bin_get_by_name(GST_BIN(bin), name);
	g_autoptr(GstPad) src = pay != NULL ? gst_element_get_static_pad(pay, "src") : NULL;
	NvrFakecamJumpProbe *p;

	if (src == NULL)
		return;
	p = g_new0(NvrFakecamJumpProbe, 1);
	p->stream = g_object_ref(self);
	p->clock_rate = clock_rate;
	gst_pad_add_probe(src,
			  GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
			  nvr_fakecam_jump_probe_cb,
			  p,
			  (GDestroyNotify)nvr_fakecam_jump_probe_free);
}

static GstAppSrc *
nvr_fakecam_stream_find_src(GstElement *bin, const gchar *name)
{
	GstElement *e = GST_IS_BIN(bin) ? gst_bin_get_by_name(GST_BIN(bin), name) : NULL;

	if (e != NULL && !GST_IS_APP_SRC(e))
		g_clear_object(&e);
	return (GstAppSrc *)e;
}

/**
 * nvr_fakecam_stream_attach_media:
 * @media: a media built by this stream's factory, being configured
 *
 * Gives @media a feeder, which starts when the pipeline first wants data
 * and stops when the media is unprepared.
 */
void
nvr_fakecam_stream_attach_media(NvrFakecamStream *self, GstRTSPMedia *media)
{
	g_autoptr(GstElement) element = gst_rtsp_media_get_element(media);
	GstObject *pipeline = gst_object_get_parent(GST_OBJECT(element));
	GstAppSrcCallbacks cb = {.need_data = nvr_fakecam_feeder_need_data_cb};
	NvrFakecamFeeder *f = g_new0(NvrFakecamFeeder, 1);

	g_atomic_ref_count_init(&f->ref);
	f->stream = g_object_ref(self);
	f->media = media;
	f->feeds[0].src = nvr_fakecam_stream_find_src(element, "vsrc");
	f->feeds[1].src = nvr_fakecam_stream_find_src(element, "asrc");
	f->feeds[0].track = nvr_fakecam_stream_dup_video(self);
	f->feeds[1].track = self->audio != NULL ? g_object_ref(self->audio) : NULL;
	if (f->feeds[1].track == NULL)
		g_clear_object(&f->feeds[1].src);
	for (guint i = 0; i < G_N_ELEMENTS(f->feeds); i++) {
		if (f->feeds[i].src != NULL)
			gst_app_src_set_callbacks(f->feeds[i].src,
						  &cb,
						  nvr_fakecam_feeder_ref(f),
						  (GDestroyNotify)nvr_fakecam_feeder_unref);
	}
	nvr_fakecam_stream_add_jump_probe(self, element, "pay0", 90000);
	if (self->audio != NULL)
		nvr_fakecam_stream_add_jump_probe(self,
						  element,
						  "pay1",
						  nvr_fakecam_track_clock_rate(self->audio));
	if (pipeline != NULL) {
		g_signal_connect(pipeline,
				 "deep-element-added",
				 G_CALLBACK(nvr_fakecam_stream_element_added_cb),
				 NULL);
		gst_object_unref(pipeline);
	}
	g_signal_connect_object(media,
				"unprepared",
				G_CALLBACK(nvr_fakecam_stream_unprepared_cb),
				self,
				0);
	g_object_weak_ref(G_OBJECT(media), nvr_fakecam_stream_media_gone_cb, g_object_ref(self));

	g_object_set_qdata_full(G_OBJECT(media),
				g_quark_from_static_string("nvr-fakecam-stream"),
				g_object_ref(self),
				g_object_unref);

	g_mutex_lock(&self->lock);
	g_set_object(&self->sent, f->feeds[0].track);
	g_ptr_array_add(self->feeders, f);
	g_mutex_unlock(&self->lock);
}

/* Returns: (transfer none) (nullable): the stream feeding @media */
NvrFakecamStream *
nvr_fakecam_stream_from_media(GstRTSPMedia *media)
{
	return g_object_get_qdata(G_OBJECT(media), g_quark_from_static_string("nvr-fakecam-stream"));
}

gboolean
nvr_fakecam_stream_has_media(NvrFakecamStream *self, GstRTSPMedia *media)
{
	gboolean found = FALSE;

	g_mutex_lock(&self->lock);
	for (guint i = 0; i < self->feeders->len && !found; i++)
		found = ((NvrFakecamFeeder *)g_ptr_array_index(self->feeders, i))->media == media;
	g_mutex_unlock(&self->lock);
	return found;
}

/* no media for @duration_us; the connections stay; video resumes at a key frame */
void
nvr_fakecam_stream_stall(NvrFakecamStream *self, guint64 duration_us)
{
	g_mutex_lock(&self->lock);
	self->stall_until_us = g_get_monotonic_time() + (gint64)MIN(duration_us, G_MAXINT32 * 1000ull);
	g_mutex_unlock(&self->lock);
}

/* RTP timestamps of everything sent from now on move by @offset_ms (more) */
void
nvr_fakecam_stream_jump(NvrFakecamStream *self, gint64 offset_ms)
{
	gint old, new;

	do {
		old = g_atomic_int_get(&self->jump_ms);
		new = (gint)CLAMP(old + offset_ms, -G_MAXINT, G_MAXINT);
	} while (!g_atomic_int_compare_and_exchange(&self->jump_ms, old, new));
}

/* what the jump adds to the RTP timestamps of a stream with @clock_rate */
guint32
nvr_fakecam_stream_rtp_offset(NvrFakecamStream *self, guint clock_rate)
{
	return (guint32)((gint64)g_atomic_int_get(&self->jump_ms) * clock_rate / 1000);
}

/* @track replaces the rendition at the next key frame of every feeder */
void
nvr_fakecam_stream_set_video(NvrFakecamStream *self, NvrFakecamTrack *track)
{
	g_mutex_lock(&self->lock);
	g_set_object(&self->video, track);
	if (self->feeders->len == 0)
		g_set_object(&self->sent, track);
	g_mutex_unlock(&self->lock);
}

void
nvr_fakecam_stream_get_stats(NvrFakecamStream *self, NvrFakecamStreamStats *stats)
{
	NvrFakecamTrack *shown;

	g_mutex_lock(&self->lock);
	*stats = self->counters;
	stats->medias = self->feeders->len;
	stats->stalled = g_get_monotonic_time() < self->stall_until_us;
	stats->jump_ms = g_atomic_int_get(&self->jump_ms);
	shown = self->sent != NULL ? self->sent : self->video;
	stats->width = nvr_fakecam_track_get_width(shown);
	stats->height = nvr_fakecam_track_get_height(shown);
	g_mutex_unlock(&self->lock);
}
