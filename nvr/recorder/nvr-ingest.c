/*
 * notes on the ingest
 *
 *   IDLE --start--> CONNECTING --first key frame--> RECORDING
 *                     ^    |                            |  \--split--> RECORDING (new run)
 *                     |    +-----error/EOS/watchdog-----+
 *                     |                 v
 *                     +---retry timer-- WAITING        any --stop--> IDLE
 *
 * A connection is one pipeline (nvr-ingest-pipeline.c). A run begins at the
 * first video key frame of a connection and ends with the connection, or
 * earlier when the timeline splits it (media-time jumps, clock steps,
 * drift) or the main context fell behind; the next run of the same
 * connection begins at the next key frame. A connection that fails before
 * its first key frame has no run: it shows in the state and last error.
 *
 * Threads: streaming threads only push samples into the inbox
 * (nvr-ingest-inbox.c, delivered in 20 ms batches); everything in struct
 * _NvrIngest belongs to the main context it was created on.
 *
 * Media time: video from the buffer DTS, which the source derives from RTP
 * timestamps (nvrrtspsrc directly, rtspsrc with buffer-mode none);
 * converted to 90 kHz by integer scaling and counted from the run's first
 * key frame. RTP carries presentation times only, and neither depayloader
 * nor parser tells a DTS: video without one gets it from the reorder
 * (nvr-reorder.c), as deep as the camera's SPS says frames are reordered
 * (0 without B-frames: DTS = PTS) or as it learns from the first frame
 * that comes too late; the PTS is then the composition offset. Audio is
 * counted from the same instant in its own sample rate. Arrival times are
 * read when a frame leaves the parser; nvrrtspsrc reads the socket about 15
 * times a second, so they are late by up to a frame, which the timeline's
 * least-delay anchor absorbs.
 *
 * Consumers: corrections are emitted before the access unit whose push
 * produced them, so "every wall time reported before" is exact.
 *
 * Retry: capped exponential backoff with jitter, 0.5 s doubling to 2 s
 * (60 s while the camera refuses the credentials), reset by a run that
 * stayed healthy for a minute. Timers, never sleep. An attempt at a camera
 * that is off costs one refused or unanswered connect, so a short cap is
 * cheap and keeps the time to recording after an outage under 5 s.
 *
 * invariants
 *   (1) at most one pipeline; samples from an older connection are dropped
 *   (2) a run's first video access unit is a key frame; no audio before it
 *   (3) dts strictly increases per track within a run
 *   (4) credentials reach the source only through user-id/user-pw; logs
 *       show the redacted URL and scrubbed GStreamer messages
 */
#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "core/nvr-log.h"
#include "core/nvr-url.h"
#include "media/nvr-media-codec.h"
#include "nvr-ingest-pipeline.h"
#include "nvr-ingest.h"
#include "nvr-reorder.h"

/* about 20 s of video and audio: beyond it the main context is stuck */
#define NVR_INGEST_INBOX_MAX 600

typedef struct {
	guint id;
	NvrIngestConsumer vtable;
	gpointer user_data;
	GDestroyNotify destroy;
} NvrIngestConsumerEntry;

struct _NvrIngest {
	GObject parent_instance;
	gchar *name;	       /* immutable */
	gchar *url;	       /* immutable; no credentials */
	gchar *url_redacted;   /* immutable; what logs show */
	NvrClock *clock;       /* immutable */
	GMainContext *context; /* immutable: the thread-default one at creation */
	/* everything below: main context only */
	gchar *user;
	gchar *password;
	NvrIngestTransport transport;
	gboolean use_rtspsrc;
	guint watchdog_s;
	NvrIngestState state;
	NvrIngestInbox *inbox;
	NvrIngestPipeline *pipeline;
	guint connection; /* of @pipeline; 0 when none */
	gint64 last_frame_mono;
	GSource *retry_source;
	GSource *tick_source;
	guint backoff_ms;
	guint retry_delay_ms;
	GError *last_error;
	NvrTimeline *timeline;
	gboolean run_open;
	NvrIngestRun run;
	gint64 run_start_mono;
	GstClockTime origin_ns; /* buffer time of the run's first key frame */
	gint64 last_dts[NVR_INGEST_N_TRACKS];
	NvrIngestCaps *caps[NVR_INGEST_N_TRACKS];
	GstCaps *caps_seen[NVR_INGEST_N_TRACKS]; /* the last GstCaps, to skip comparisons */
	NvrReorder *reorder; /* decode times of video that has none */
	guint overflow_seen;
	GArray *consumers; /* NvrIngestConsumerEntry */
	guint next_consumer_id;
	NvrIngestStats stats;
};

G_DEFINE_TYPE(NvrIngest, nvr_ingest, G_TYPE_OBJECT)

enum { PROP_0, PROP_STATE, N_PROPS };
static GParamSpec *nvr_ingest_props[N_PROPS];

static void
nvr_ingest_connect(NvrIngest *self);

const gchar *
nvr_ingest_end_reason_to_string(NvrIngestEndReason reason)
{
	switch (reason) {
	case NVR_INGEST_END_STOPPED:
		return "stopped";
	case NVR_INGEST_END_EOS:
		return "eos";
	case NVR_INGEST_END_ERROR:
		return "error";
	case NVR_INGEST_END_WATCHDOG:
		return "watchdog";
	case NVR_INGEST_END_OVERFLOW:
		return "overflow";
	case NVR_INGEST_END_MEDIA_BACKWARDS:
		return "media-backwards";
	case NVR_INGEST_END_MEDIA_JUMP:
		return "media-jump";
	case NVR_INGEST_END_CLOCK_STEP:
		return "clock-step";
	case NVR_INGEST_END_DRIFT:
		return "drift";
	}
	return "unknown";
}

const gchar *
nvr_ingest_state_to_string(NvrIngestState state)
{
	switch (state) {
	case NVR_INGEST_STATE_IDLE:
		return "idle";
	case NVR_INGEST_STATE_CONNECTING:
		return "connecting";
	case NVR_INGEST_STATE_RECORDING:
		return "recording";
	case NVR_INGEST_STATE_WAITING:
		return "waiting";
	}
	return "unknown";
}

const gchar *
nvr_ingest_codec_to_string(NvrIngestCodec codec)
{
	switch (codec) {
	case NVR_INGEST_CODEC_H264:
		return "h264";
	case NVR_INGEST_CODEC_H265:
		return "h265";
	case NVR_INGEST_CODEC_AAC:
		return "aac";
	case NVR_INGEST_CODEC_MULAW:
		return "ulaw";
	case NVR_INGEST_CODEC_ALAW:
		return "alaw";
	}
	return "unknown";
}

static NvrIngestEndReason
nvr_ingest_end_reason_for_split(NvrTimelineSplit split)
{
	switch (split) {
	case NVR_TIMELINE_SPLIT_MEDIA_BACKWARDS:
		return NVR_INGEST_END_MEDIA_BACKWARDS;
	case NVR_TIMELINE_SPLIT_MEDIA_JUMP:
		return NVR_INGEST_END_MEDIA_JUMP;
	case NVR_TIMELINE_SPLIT_CLOCK_STEP:
		return NVR_INGEST_END_CLOCK_STEP;
	case NVR_TIMELINE_SPLIT_DRIFT:
	case NVR_TIMELINE_SPLIT_NONE:
		break;
	}
	return NVR_INGEST_END_DRIFT;
}

static void
nvr_ingest_caps_free(NvrIngestCaps *caps)
{
	if (caps == NULL)
		return;
	g_clear_pointer(&caps->codec_data, g_bytes_unref);
	g_clear_pointer(&caps->caps, gst_caps_unref);
	g_free(caps);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrIngestCaps, nvr_ingest_caps_free)

static NvrIngestCaps *
nvr_ingest_caps_new(NvrIngestTrack track, GstCaps *gst_caps)
{
	g_autoptr(NvrIngestCaps) caps = g_new0(NvrIngestCaps, 1);
	const GstStructure *st = gst_caps_get_structure(gst_caps, 0);
	const gchar *name = gst_structure_get_name(st);
	const GValue *value = gst_structure_get_value(st, "codec_data");
	gint v;

	caps->track = track;
	caps->caps = gst_caps_ref(gst_caps);
	if (g_str_equal(name, "video/x-h264"))
		caps->codec = NVR_INGEST_CODEC_H264;
	else if (g_str_equal(name, "video/x-h265"))
		caps->codec = NVR_INGEST_CODEC_H265;
	else if (g_str_equal(name, "audio/mpeg"))
		caps->codec = NVR_INGEST_CODEC_AAC;
	else if (g_str_equal(name, "audio/x-mulaw"))
		caps->codec = NVR_INGEST_CODEC_MULAW;
	else if (g_str_equal(name, "audio/x-alaw"))
		caps->codec = NVR_INGEST_CODEC_ALAW;
	else
		return NULL; /* appsink caps forbid it */
	if (value != NULL && G_VALUE_HOLDS(value, GST_TYPE_BUFFER)) {
		GstBuffer *buf = gst_value_get_buffer(value);
		gsize size = gst_buffer_get_size(buf);
		gpointer data = g_malloc(size);

		gst_buffer_extract(buf, 0, data, size);
		caps->codec_data = g_bytes_new_take(data, size);
	}
	if (gst_structure_get_int(st, "width", &v) && v > 0)
		caps->width = (guint)v;
	if (gst_structure_get_int(st, "height", &v) && v > 0)
		caps->height = (guint)v;
	if (gst_structure_get_int(st, "rate", &v) && v > 0)
		caps->rate = (guint)v;
	if (gst_structure_get_int(st, "channels", &v) && v > 0)
		caps->channels = (guint)v;
	caps->timescale = track == NVR_INGEST_TRACK_VIDEO ? NVR_TIMELINE_RATE : caps->rate;
	return g_steal_pointer(&caps);
}

/* what makes a new init segment: codec, parameter sets, picture size, audio format */
static gboolean
nvr_ingest_caps_equal(const NvrIngestCaps *a, const NvrIngestCaps *b)
{
	if (a->codec != b->codec || a->width != b->width || a->height != b->height ||
	    a->rate != b->rate || a->channels != b->channels)
		return FALSE;
	if ((a->codec_data == NULL) != (b->codec_data == NULL))
		return FALSE;
	return a->codec_data == NULL || g_bytes_equal(a->codec_data, b->codec_data);
}

static void
nvr_ingest_set_state(NvrIngest *self, NvrIngestState state)
{
	if (self->state == state)
		return;
	self->state = state;
	g_object_notify_by_pspec(G_OBJECT(self), nvr_ingest_props[PROP_STATE]);
}

/* consumers: called in the order they were added */
#define NVR_INGEST_EMIT(self, member, ...)                                                         \
	G_STMT_START                                                                               \
	{                                                                                          \
		for (guint i_ = 0; i_ < (self)->consumers->len; i_++) {                            \
			NvrIngestConsumerEntry *e_ =                                               \
			    &g_array_index((self)->consumers, NvrIngestConsumerEntry, i_);         \
			if (e_->vtable.member != NULL)                                             \
				e_->vtable.member((self), __VA_ARGS__, e_->user_data);             \
		}                                                                                  \
	}                                                                                          \
	G_STMT_END

static void
nvr_ingest_emit_corrections(NvrIngest *self)
{
	g_autoptr(GArray) cs = nvr_timeline_take_corrections(self->timeline);

	for (guint i = 0; cs != NULL && i < cs->len; i++) {
		NvrTimelineCorrection *c = &g_array_index(cs, NvrTimelineCorrection, i);

		if (self->run_open && c->run == self->run.id) {
			self->run.wall_start_us += c->delta_us;
			if (c->reason == NVR_TIMELINE_CORRECTION_SYNC)
				self->run.unsynced = FALSE;
		}
		if (c->reason == NVR_TIMELINE_CORRECTION_SYNC)
			g_message("%s: clock synchronised, run %" G_GUINT64_FORMAT
				  " moved by %" G_GINT64_FORMAT " us",
				  self->name, c->run, c->delta_us);
		NVR_INGEST_EMIT(self, wall_corrected, c->run, c->delta_us, c->reason);
	}
}

static void
nvr_ingest_end_run(NvrIngest *self, NvrIngestEndReason reason, const GError *error)
{
	if (!self->run_open)
		return;
	nvr_timeline_end_run(self->timeline);
	nvr_ingest_emit_corrections(self);
	self->run_open = FALSE;
	g_message("%s: run %" G_GUINT64_FORMAT " ended (%s) after %" G_GUINT64_FORMAT " frames",
		  self->name, self->run.id, nvr_ingest_end_reason_to_string(reason), self->run.frames);
	NVR_INGEST_EMIT(self, run_ended, &self->run, reason, error);
	if (self->state == NVR_INGEST_STATE_RECORDING)
		nvr_ingest_set_state(self, NVR_INGEST_STATE_CONNECTING);
}

static void
nvr_ingest_remember_error(NvrIngest *self, const GError *error)
{
	g_clear_error(&self->last_error);
	if (error != NULL)
		self->last_error = g_error_copy(error);
}

/* Returns: the delay, with jitter, of the next retry; doubles the bound */
static guint
nvr_ingest_next_retry_ms(NvrIngest *self)
{
	gboolean refused = g_error_matches(self->last_error, NVR_ERROR, NVR_ERROR_AUTH);
	guint cap = refused ? NVR_INGEST_RETRY_AUTH_MAX_MS : NVR_INGEST_RETRY_MAX_MS;
	guint bound = MIN(self->backoff_ms, cap);
	guint delay = bound / 2 + (guint)g_random_int_range(0, (gint32)bound / 2 + 1);

	self->backoff_ms = MIN(bound * 2, cap);
	return delay;
}

static gboolean
nvr_ingest_retry_cb(gpointer user_data)
{
	NvrIngest *self = NVR_INGEST(user_data);

	g_clear_pointer(&self->retry_source, g_source_unref);
	nvr_ingest_connect(self);
	return G_SOURCE_REMOVE;
}

static void
nvr_ingest_schedule_retry(NvrIngest *self)
{
	self->retry_delay_ms = nvr_ingest_next_retry_ms(self);
	self->retry_source = g_timeout_source_new(self->retry_delay_ms);
	g_source_set_callback(self->retry_source, nvr_ingest_retry_cb, self, NULL);
	g_source_attach(self->retry_source, self->context);
	g_debug("%s: retry in %u ms", self->name, self->retry_delay_ms);
	nvr_ingest_set_state(self, NVR_INGEST_STATE_WAITING);
}

static void
nvr_ingest_teardown(NvrIngest *self)
{
	g_autoptr(NvrIngestSample) s = NULL;

	g_clear_pointer(&self->pipeline, nvr_ingest_pipeline_free);
	self->connection = 0;
	/* what the old connection left in the inbox is of no use */
	while ((s = nvr_ingest_inbox_pop(self->inbox)) != NULL)
		g_clear_pointer(&s, nvr_ingest_sample_free);
	nvr_reorder_reset(self->reorder);
	for (guint t = 0; t < NVR_INGEST_N_TRACKS; t++) {
		g_clear_pointer(&self->caps[t], nvr_ingest_caps_free);
		self->caps_seen[t] = NULL;
	}
}

/* the connection is over: end its run, free it, and try again later */
static void
nvr_ingest_end_connection(NvrIngest *self, NvrIngestEndReason reason, const GError *error)
{
	if (error != NULL)
		g_message("%s: %s: %s", self->name, self->url_redacted, error->message);
	nvr_ingest_remember_error(self, error);
	nvr_ingest_end_run(self, reason, error);
	nvr_ingest_teardown(self);
	nvr_ingest_schedule_retry(self);
}

static void
nvr_ingest_pipeline_end_cb(gpointer user_data, guint connection, gboolean eos, const GError *error)
{
	NvrIngest *self = NVR_INGEST(user_data);
	g_autoptr(GError) error_eos = NULL;

	if (connection != self->connection)
		return;
	if (eos) {
		error_eos = g_error_new_literal(NVR_ERROR, NVR_ERROR_IO, "the camera ended the stream");
		nvr_ingest_end_connection(self, NVR_INGEST_END_EOS, error_eos);
		return;
	}
	nvr_ingest_end_connection(self, NVR_INGEST_END_ERROR, error);
}

static void
nvr_ingest_connect(NvrIngest *self)
{
	NvrIngestPipelineConfig config = {
	    .name = self->name,
	    .url = self->url,
	    .user = self->user,
	    .password = self->password,
	    .transport = self->transport,
	    .use_rtspsrc = self->use_rtspsrc,
	};
	g_autoptr(GError) error = NULL;

	self->stats.connections++;
	config.connection = self->stats.connections;
	self->last_frame_mono = g_get_monotonic_time();
	nvr_ingest_set_state(self, NVR_INGEST_STATE_CONNECTING);
	g_debug("%s: connecting to %s (%s)", self->name, self->url_redacted,
		self->transport == NVR_INGEST_TRANSPORT_UDP ? "udp" : "tcp");
	self->pipeline = nvr_ingest_pipeline_new(&config, self->inbox, &error);
	if (self->pipeline != NULL) {
		self->connection = config.connection;
		if (nvr_ingest_pipeline_start(self->pipeline, self->context,
					      nvr_ingest_pipeline_end_cb, self, &error))
			return;
	}
	nvr_ingest_end_connection(self, NVR_INGEST_END_ERROR, error);
}

/* how many frames the camera says it reorders; when its SPS does not say,
 * the reorder keeps the depth it has (0, or what it learned) */
static void
nvr_ingest_set_reorder_depth(NvrIngest *self, const NvrIngestCaps *caps)
{
	gsize size = 0;
	const guint8 *data =
	    caps->codec_data != NULL ? g_bytes_get_data(caps->codec_data, &size) : NULL;
	gint depth = -1;

	if (data != NULL && caps->codec == NVR_INGEST_CODEC_H264) {
		NvrMediaAvcc avcc;
		if (nvr_media_avcc_parse(data, size, &avcc, NULL))
			depth = avcc.sps.max_reorder;
	} else if (data != NULL && caps->codec == NVR_INGEST_CODEC_H265) {
		NvrMediaHvcc hvcc;
		if (nvr_media_hvcc_parse(data, size, &hvcc, NULL))
			depth = hvcc.sps.max_reorder;
	}
	if (depth >= 0 && (guint)depth != nvr_reorder_get_depth(self->reorder)) {
		g_debug("%s: the camera reorders up to %d frames", self->name, depth);
		nvr_reorder_set_depth(self->reorder, (guint)depth);
	}
}

static void
nvr_ingest_update_caps(NvrIngest *self, NvrIngestTrack track, GstCaps *gst_caps)
{
	g_autoptr(NvrIngestCaps) caps = NULL;

	if (gst_caps == NULL || gst_caps == self->caps_seen[track])
		return;
	self->caps_seen[track] = gst_caps; /* compared by address only, never dereferenced */
	caps = nvr_ingest_caps_new(track, gst_caps);
	if (caps == NULL ||
	    (self->caps[track] != NULL && nvr_ingest_caps_equal(self->caps[track], caps)))
		return;
	if (track == NVR_INGEST_TRACK_VIDEO)
		nvr_ingest_set_reorder_depth(self, caps);
	if (self->caps[track] != NULL) {
		self->stats.caps_changes++;
		g_message("%s: %s format changed: %s %ux%u", self->name,
			  track == NVR_INGEST_TRACK_VIDEO ? "video" : "audio",
			  nvr_ingest_codec_to_string(caps->codec), caps->width, caps->height);
	}
	nvr_ingest_caps_free(self->caps[track]);
	self->caps[track] = g_steal_pointer(&caps);
	if (self->run_open)
		NVR_INGEST_EMIT(self, caps_changed, self->caps[track]);
}

static gint64
nvr_ingest_ns_to_units(GstClockTime ns, guint32 rate)
{
	return (gint64)gst_util_uint64_scale_round(ns, rate, GST_SECOND);
}

/* media time of @ns in @rate units since the run's origin; may be negative.
 * The difference is taken modulo 2^64: when RTP time goes back past the
 * connection's first packet, rtpjitterbuffer's PTS wraps below zero, and
 * this reads it as the step back it is. */
static gint64
nvr_ingest_media_time(NvrIngest *self, GstClockTime ns, guint32 rate)
{
	gint64 diff = (gint64)(ns - self->origin_ns);

	if (diff >= 0)
		return nvr_ingest_ns_to_units((guint64)diff, rate);
	return -nvr_ingest_ns_to_units((guint64)0 - (guint64)diff, rate);
}

static void
nvr_ingest_deliver(NvrIngest *self, NvrIngestAu *au)
{
	gsize size = gst_buffer_get_size(au->buffer);

	self->last_dts[au->track] = au->dts;
	self->run.bytes += size;
	self->stats.bytes += size;
	if (au->track == NVR_INGEST_TRACK_VIDEO) {
		self->run.frames++;
		self->stats.frames++;
	} else {
		self->stats.audio_frames++;
	}
	NVR_INGEST_EMIT(self, access_unit, au);
}

/* a run starts at a key frame: the timeline anchors on it, consumers learn of it */
static gint64
nvr_ingest_open_run(NvrIngest *self, GstClockTime ns, gint64 arrival_us)
{
	NvrTimelineFrame f;

	self->run_open = TRUE;
	self->origin_ns = ns;
	self->last_dts[NVR_INGEST_TRACK_VIDEO] = -1;
	self->last_dts[NVR_INGEST_TRACK_AUDIO] = -1;
	self->stats.runs++;
	memset(&self->run, 0, sizeof(self->run));
	self->run.id = self->stats.runs;
	self->run.connection = self->connection;
	self->run_start_mono = g_get_monotonic_time();
	nvr_timeline_start_run(self->timeline, self->run.id);
	/* the first frame of a run is always accepted */
	if (!nvr_timeline_push(self->timeline, 0, arrival_us, &f))
		g_return_val_if_reached(0);
	self->run.wall_start_us = f.wall_us;
	self->run.unsynced = nvr_timeline_get_unsynced(self->timeline);
	nvr_ingest_set_state(self, NVR_INGEST_STATE_RECORDING);
	g_message("%s: run %" G_GUINT64_FORMAT " started%s", self->name, self->run.id,
		  self->run.unsynced ? " (clock not synchronised yet)" : "");
	NVR_INGEST_EMIT(self, run_started, &self->run);
	for (guint t = 0; t < NVR_INGEST_N_TRACKS; t++) {
		if (self->caps[t] != NULL)
			NVR_INGEST_EMIT(self, caps_changed, self->caps[t]);
	}
	return f.wall_us;
}

/* Returns: FALSE when the frame has no place in a run (waiting for a key frame) */
static gboolean
nvr_ingest_place_video(NvrIngest *self, GstClockTime ns, gboolean key, gint64 arrival_us, NvrIngestAu *au)
{
	NvrTimelineFrame f;
	NvrTimelineSplit pending;

	pending = self->run_open ? nvr_timeline_get_pending_split(self->timeline)
				 : NVR_TIMELINE_SPLIT_NONE;
	if (pending != NVR_TIMELINE_SPLIT_NONE && key)
		nvr_ingest_end_run(self, nvr_ingest_end_reason_for_split(pending), NULL);
	if (!self->run_open) {
		if (!key)
			return FALSE;
		au->wall_us = nvr_ingest_open_run(self, ns, arrival_us);
		au->dts = 0;
		return TRUE;
	}
	au->dts = nvr_ingest_media_time(self, ns, NVR_TIMELINE_RATE);
	if (nvr_timeline_push(self->timeline, au->dts, arrival_us, &f)) {
		au->wall_us = f.wall_us;
		return TRUE;
	}
	/* refused: this frame belongs to the next run */
	nvr_ingest_end_run(self, nvr_ingest_end_reason_for_split(f.split), NULL);
	return nvr_ingest_place_video(self, ns, key, arrival_us, au);
}

/* Returns: FALSE when the frame has no decode time or comes too late for
 * the ones given out, which ends the run (the next begins at a key frame) */
static gboolean
nvr_ingest_video_dts(NvrIngest *self, GstBuffer *buffer, GstClockTime *ns)
{
	guint depth = nvr_reorder_get_depth(self->reorder);

	if (GST_BUFFER_DTS_IS_VALID(buffer)) {
		*ns = GST_BUFFER_DTS(buffer);
		return TRUE;
	}
	if (!GST_BUFFER_PTS_IS_VALID(buffer))
		return FALSE;
	if (!self->run_open) {
		/* nothing is kept before a run's first key frame; there its
		 * decode times begin afresh, before its own presentation time */
		if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT))
			return FALSE;
		nvr_reorder_reset(self->reorder);
	}
	switch (nvr_reorder_push(self->reorder, GST_BUFFER_PTS(buffer), ns)) {
	case NVR_REORDER_OK:
		return TRUE;
	case NVR_REORDER_LEADING: /* undecodable without the GOP before: only skipped */
		return FALSE;
	case NVR_REORDER_LATE:
		break;
	}
	if (nvr_reorder_get_depth(self->reorder) != depth)
		g_message("%s: the camera reorders frames by %u or more", self->name,
			  nvr_reorder_get_depth(self->reorder));
	nvr_ingest_end_run(self, NVR_INGEST_END_MEDIA_BACKWARDS, NULL);
	/* a key frame that went back in time begins the next run itself */
	return !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT) &&
	       nvr_ingest_video_dts(self, buffer, ns);
}

static void
nvr_ingest_handle_video(NvrIngest *self, NvrIngestSample *s, GstBuffer *buffer)
{
	NvrIngestAu au = {.track = NVR_INGEST_TRACK_VIDEO, .arrival_us = s->arrival_us, .buffer = buffer};
	GstClockTime ns = GST_CLOCK_TIME_NONE;

	self->last_frame_mono = g_get_monotonic_time();
	au.keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
	if (!nvr_ingest_video_dts(self, buffer, &ns) || self->caps[NVR_INGEST_TRACK_VIDEO] == NULL ||
	    !nvr_ingest_place_video(self, ns, au.keyframe, s->arrival_us, &au)) {
		self->stats.skipped++;
		return;
	}
	au.run = self->run.id;
	if (GST_BUFFER_PTS_IS_VALID(buffer))
		au.cts_offset = (gint32)(nvr_ingest_media_time(self, GST_BUFFER_PTS(buffer), NVR_TIMELINE_RATE) - au.dts);
	if (GST_BUFFER_DURATION_IS_VALID(buffer))
		au.duration = (guint32)nvr_ingest_ns_to_units(GST_BUFFER_DURATION(buffer), NVR_TIMELINE_RATE);
	/* before the frame: its wall time already includes what its push corrected */
	nvr_ingest_emit_corrections(self);
	nvr_ingest_deliver(self, &au);
}

static void
nvr_ingest_handle_audio(NvrIngest *self, NvrIngestSample *s, GstBuffer *buffer)
{
	NvrIngestCaps *caps = self->caps[NVR_INGEST_TRACK_AUDIO];
	GstClockTime ns = GST_BUFFER_PTS_IS_VALID(buffer) ? GST_BUFFER_PTS(buffer)
							  : GST_BUFFER_DTS(buffer);
	NvrIngestAu au = {.track = NVR_INGEST_TRACK_AUDIO,
			  .run = self->run.id,
			  .keyframe = TRUE,
			  .arrival_us = s->arrival_us,
			  .buffer = buffer};

	/* nothing before the run's first key frame; never backwards */
	if (!self->run_open || caps == NULL || caps->timescale == 0 ||
	    !GST_CLOCK_TIME_IS_VALID(ns))
		return;
	au.dts = nvr_ingest_media_time(self, ns, caps->timescale);
	if (au.dts < 0 || au.dts <= self->last_dts[NVR_INGEST_TRACK_AUDIO])
		return;
	au.wall_us = nvr_timeline_get_wall_us(self->timeline,
					      nvr_ingest_media_time(self, ns, NVR_TIMELINE_RATE));
	if (GST_BUFFER_DURATION_IS_VALID(buffer))
		au.duration = (guint32)nvr_ingest_ns_to_units(GST_BUFFER_DURATION(buffer), caps->timescale);
	nvr_ingest_deliver(self, &au);
}

static void
nvr_ingest_handle_sample(NvrIngest *self, NvrIngestSample *s)
{
	GstBuffer *buffer = gst_sample_get_buffer(s->sample);
	guint overflowed = nvr_ingest_inbox_get_overflowed(self->inbox);

	if (buffer == NULL)
		return;
	/* frames were lost in between: the decoder needs the next key frame */
	if (overflowed != self->overflow_seen) {
		self->stats.overflowed += overflowed - self->overflow_seen;
		self->overflow_seen = overflowed;
		nvr_ingest_end_run(self, NVR_INGEST_END_OVERFLOW, NULL);
	}
	nvr_ingest_update_caps(self, s->track, gst_sample_get_caps(s->sample));
	if (s->track == NVR_INGEST_TRACK_VIDEO)
		nvr_ingest_handle_video(self, s, buffer);
	else
		nvr_ingest_handle_audio(self, s, buffer);
}

/* the inbox has samples: main context */
static gboolean
nvr_ingest_inbox_ready_cb(gpointer user_data)
{
	NvrIngest *self = NVR_INGEST(user_data);
	NvrIngestSample *s;

	while ((s = nvr_ingest_inbox_pop(self->inbox)) != NULL) {
		if (s->connection == self->connection && self->connection != 0)
			nvr_ingest_handle_sample(self, s);
		nvr_ingest_sample_free(s);
	}
	return G_SOURCE_CONTINUE;
}

/* once a second: the watchdog, the backoff reset, the clock's sync */
static gboolean
nvr_ingest_tick_cb(gpointer user_data)
{
	NvrIngest *self = NVR_INGEST(user_data);
	gint64 now = g_get_monotonic_time();

	if (self->pipeline != NULL &&
	    now - self->last_frame_mono > (gint64)self->watchdog_s * G_USEC_PER_SEC) {
		g_autoptr(GError) error = g_error_new(NVR_ERROR, NVR_ERROR_TIMEOUT,
						      "no video for %u s", self->watchdog_s);
		nvr_ingest_end_connection(self, NVR_INGEST_END_WATCHDOG, error);
		return G_SOURCE_CONTINUE;
	}
	if (self->run_open && now - self->run_start_mono >= NVR_INGEST_HEALTHY_S * G_USEC_PER_SEC)
		self->backoff_ms = NVR_INGEST_RETRY_MIN_MS;
	if (nvr_timeline_poll_sync(self->timeline))
		nvr_ingest_emit_corrections(self);
	return G_SOURCE_CONTINUE;
}

/**
 * nvr_ingest_start:
 *
 * Connects now, and keeps reconnecting until nvr_ingest_stop().
 */
void
nvr_ingest_start(NvrIngest *self)
{
	g_return_if_fail(NVR_IS_INGEST(self));
	if (self->state != NVR_INGEST_STATE_IDLE)
		return;
	self->backoff_ms = NVR_INGEST_RETRY_MIN_MS;
	/* whole seconds: the ticks of all ingests fire together */
	self->tick_source = g_timeout_source_new_seconds(1);
	g_source_set_callback(self->tick_source, nvr_ingest_tick_cb, self, NULL);
	g_source_attach(self->tick_source, self->context);
	g_message("%s: recording %s", self->name, self->url_redacted);
	nvr_ingest_connect(self);
}

/* ends the open run (stopped), closes the connection, cancels every timer */
void
nvr_ingest_stop(NvrIngest *self)
{
	g_return_if_fail(NVR_IS_INGEST(self));
	if (self->state == NVR_INGEST_STATE_IDLE)
		return;
	nvr_ingest_end_run(self, NVR_INGEST_END_STOPPED, NULL);
	nvr_ingest_teardown(self);
	if (self->retry_source != NULL) {
		g_source_destroy(self->retry_source);
		g_clear_pointer(&self->retry_source, g_source_unref);
	}
	if (self->tick_source != NULL) {
		g_source_destroy(self->tick_source);
		g_clear_pointer(&self->tick_source, g_source_unref);
	}
	nvr_ingest_set_state(self, NVR_INGEST_STATE_IDLE);
}

/**
 * nvr_ingest_add_consumer:
 * @consumer: (not nullable): copied
 *
 * Returns: an id for nvr_ingest_remove_consumer()
 */
guint
nvr_ingest_add_consumer(NvrIngest *self,
			const NvrIngestConsumer *consumer,
			gpointer user_data,
			GDestroyNotify destroy)
{
	NvrIngestConsumerEntry e = {.vtable = *consumer, .user_data = user_data, .destroy = destroy};

	g_return_val_if_fail(NVR_IS_INGEST(self), 0);
	g_return_val_if_fail(consumer != NULL, 0);
	e.id = ++self->next_consumer_id;
	g_array_append_val(self->consumers, e);
	return e.id;
}

void
nvr_ingest_remove_consumer(NvrIngest *self, guint id)
{
	g_return_if_fail(NVR_IS_INGEST(self));
	for (guint i = 0; i < self->consumers->len; i++) {
		NvrIngestConsumerEntry *e = &g_array_index(self->consumers, NvrIngestConsumerEntry, i);

		if (e->id == id) {
			if (e->destroy != NULL)
				e->destroy(e->user_data);
			g_array_remove_index(self->consumers, i);
			return;
		}
	}
}

static void
nvr_ingest_wipe(gchar **secret)
{
	if (*secret != NULL)
		memset(*secret, 0, strlen(*secret));
	g_clear_pointer(secret, g_free);
}

/* takes effect at the next connection */
void
nvr_ingest_set_credentials(NvrIngest *self, const gchar *user, const gchar *password)
{
	g_return_if_fail(NVR_IS_INGEST(self));
	g_free(self->user);
	self->user = g_strdup(user);
	nvr_ingest_wipe(&self->password);
	self->password = g_strdup(password);
}

void
nvr_ingest_set_transport(NvrIngest *self, NvrIngestTransport transport)
{
	g_return_if_fail(NVR_IS_INGEST(self));
	self->transport = transport;
}

/* GStreamer's rtspsrc (with rtpbin) over TCP too: slower, but the
 * compatibility fallback for a camera our own TCP source cannot handle;
 * takes effect at the next connection */
void
nvr_ingest_set_use_rtspsrc(NvrIngest *self, gboolean use_rtspsrc)
{
	g_return_if_fail(NVR_IS_INGEST(self));
	self->use_rtspsrc = use_rtspsrc;
}

void
nvr_ingest_set_watchdog_seconds(NvrIngest *self, guint seconds)
{
	g_return_if_fail(NVR_IS_INGEST(self));
	g_return_if_fail(seconds > 0);
	self->watchdog_s = seconds;
}

/* watchdog-seconds and rtsp-transport */
gboolean
nvr_ingest_apply_config(NvrIngest *self, NvrConfig *config, GError **error)
{
	const gchar *transport;

	g_return_val_if_fail(NVR_IS_INGEST(self), FALSE);
	transport = nvr_config_get_string(config, "rtsp-transport");
	if (g_strcmp0(transport, "udp") == 0) {
		self->transport = NVR_INGEST_TRANSPORT_UDP;
	} else if (g_strcmp0(transport, "tcp") == 0) {
		self->transport = NVR_INGEST_TRANSPORT_TCP;
	} else {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
			    "rtsp-transport must be tcp or udp, not %s", transport);
		return FALSE;
	}
	self->watchdog_s = (guint)MAX(nvr_config_get_uint(config, "watchdog-seconds"), 1);
	return TRUE;
}

const gchar *
nvr_ingest_get_name(NvrIngest *self)
{
	g_return_val_if_fail(NVR_IS_INGEST(self), NULL);
	return self->name;
}

/* Returns: the URL without credentials */
const gchar *
nvr_ingest_get_url(NvrIngest *self)
{
	g_return_val_if_fail(NVR_IS_INGEST(self), NULL);
	return self->url;
}

NvrIngestState
nvr_ingest_get_state(NvrIngest *self)
{
	g_return_val_if_fail(NVR_IS_INGEST(self), NVR_INGEST_STATE_IDLE);
	return self->state;
}

/* the delay of the retry scheduled last */
guint
nvr_ingest_get_retry_delay_ms(NvrIngest *self)
{
	g_return_val_if_fail(NVR_IS_INGEST(self), 0);
	return self->retry_delay_ms;
}

/* Returns: (nullable): why the last connection ended */
const GError *
nvr_ingest_get_last_error(NvrIngest *self)
{
	g_return_val_if_fail(NVR_IS_INGEST(self), NULL);
	return self->last_error;
}

void
nvr_ingest_get_stats(NvrIngest *self, NvrIngestStats *stats)
{
	g_return_if_fail(NVR_IS_INGEST(self));
	*stats = self->stats;
}

static void
nvr_ingest_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	NvrIngest *self = NVR_INGEST(object);

	switch (prop_id) {
	case PROP_STATE:
		g_value_set_uint(value, self->state);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
	}
}

static void
nvr_ingest_dispose(GObject *object)
{
	NvrIngest *self = NVR_INGEST(object);

	nvr_ingest_stop(self);
	while (self->consumers->len > 0) {
		NvrIngestConsumerEntry *e = &g_array_index(self->consumers, NvrIngestConsumerEntry, 0);
		nvr_ingest_remove_consumer(self, e->id);
	}
	G_OBJECT_CLASS(nvr_ingest_parent_class)->dispose(object);
}

static void
nvr_ingest_finalize(GObject *object)
{
	NvrIngest *self = NVR_INGEST(object);

	nvr_ingest_inbox_close(self->inbox);
	nvr_ingest_inbox_unref(self->inbox);
	g_array_unref(self->consumers);
	nvr_reorder_free(self->reorder);
	g_clear_object(&self->timeline);
	g_clear_object(&self->clock);
	g_clear_error(&self->last_error);
	g_main_context_unref(self->context);
	nvr_ingest_wipe(&self->password);
	g_free(self->user);
	g_free(self->name);
	g_free(self->url);
	g_free(self->url_redacted);
	G_OBJECT_CLASS(nvr_ingest_parent_class)->finalize(object);
}

static void
nvr_ingest_class_init(NvrIngestClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->get_property = nvr_ingest_get_property;
	object_class->dispose = nvr_ingest_dispose;
	object_class->finalize = nvr_ingest_finalize;
	/* an NvrIngestState; notify::state tells a UI or a test what happens */
	nvr_ingest_props[PROP_STATE] =
	    g_param_spec_uint("state", NULL, NULL, NVR_INGEST_STATE_IDLE, NVR_INGEST_STATE_WAITING,
			      NVR_INGEST_STATE_IDLE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties(object_class, N_PROPS, nvr_ingest_props);
}

static void
nvr_ingest_init(NvrIngest *self)
{
	self->consumers = g_array_new(FALSE, FALSE, sizeof(NvrIngestConsumerEntry));
	self->reorder = nvr_reorder_new();
	self->watchdog_s = 10;
	self->transport = NVR_INGEST_TRANSPORT_TCP;
	self->backoff_ms = NVR_INGEST_RETRY_MIN_MS;
}

/**
 * nvr_ingest_new:
 * @name: for logs and element names, e.g. "front-door-main"
 * @url: rtsp:// or rtsps://; credentials in it are moved to rtspsrc's
 *   properties (nvr_ingest_set_credentials() overrides them)
 * @clock: arrival times and the system clock's state come from it
 *
 * Everything happens on the thread-default main context of the caller.
 *
 * Returns: (transfer full): an idle ingest, or NULL for an unusable URL
 */
NvrIngest *
nvr_ingest_new(const gchar *name, const gchar *url, NvrClock *clock, GError **error)
{
	g_autoptr(NvrStreamUrl) parsed = NULL;
	NvrIngest *self;

	g_return_val_if_fail(name != NULL, NULL);
	g_return_val_if_fail(NVR_IS_CLOCK(clock), NULL);
	parsed = nvr_stream_url_parse(url, error);
	if (parsed == NULL)
		return NULL;
	self = g_object_new(NVR_TYPE_INGEST, NULL);
	self->name = g_strdup(name);
	self->url = g_strdup(parsed->url);
	self->url_redacted = nvr_log_redact_uri(parsed->url);
	self->user = g_strdup(parsed->user);
	self->password = g_strdup(parsed->password);
	self->clock = g_object_ref(clock);
	self->context = g_main_context_ref_thread_default();
	self->timeline = nvr_timeline_new(clock);
	self->inbox = nvr_ingest_inbox_new(self->context, clock, NVR_INGEST_INBOX_MAX,
					   nvr_ingest_inbox_ready_cb, self);
	return self;
}
