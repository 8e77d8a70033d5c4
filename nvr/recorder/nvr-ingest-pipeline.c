/*
 * One connection: a source and, per selected stream, depay ! parse ! appsink.
 * The source is nvrrtspsrc (nvr-rtsp-src.c) for rtsp:// over TCP, where a
 * jitter buffer has nothing to do, and GStreamer's rtspsrc for UDP (loss and
 * reordering need it), rtsps:// and cameras that need its compatibility.
 *
 *   source --select-stream--> first H.264/H.265 video, first AAC/G.711 audio
 *           --pad-added------> branch linked from the pad's caps
 *   appsink new-sample (streaming thread) -> inbox (GAsyncQueue) -> wakes the
 *   inbox source on the ingest's main context
 *
 * Threads: select-stream and pad-added run on rtspsrc's task thread and
 * touch only the bin and the atomics of this struct; appsink callbacks run
 * on streaming threads and touch only the inbox they hold a reference on.
 * The bus is watched on the main context.
 */
#include "config.h"

#include <gst/app/gstappsink.h>
#include <gst/rtsp/gstrtsptransport.h>

#include "core/nvr-error.h"
#include "core/nvr-log.h"
#include "nvr-ingest-pipeline.h"
#include "nvr-rtsp-src.h"

struct _NvrIngestPipeline {
	GstElement *pipeline;
	GstElement *src; /* owned by the bin */
	NvrIngestInbox *inbox;
	guint connection; /* immutable */
	gchar *name;	  /* immutable */
	GSource *bus_source;
	NvrIngestPipelineEndFunc end_func;
	gpointer end_data;
	gint selected[NVR_INGEST_N_TRACKS]; /* atomic: streams chosen at select-stream */
	gint linked[NVR_INGEST_N_TRACKS];   /* atomic: a branch exists */
};

/* what one appsink's callbacks need; freed with the appsink's callbacks */
typedef struct {
	NvrIngestInbox *inbox;
	guint connection;
	NvrIngestTrack track;
} NvrIngestBranch;

static void
nvr_ingest_branch_free(gpointer data)
{
	NvrIngestBranch *branch = data;

	nvr_ingest_inbox_unref(branch->inbox);
	g_free(branch);
}

/* streaming thread: hand the sample over and return */
static GstFlowReturn
nvr_ingest_pipeline_new_sample_cb(GstAppSink *sink, gpointer user_data)
{
	NvrIngestBranch *branch = user_data;
	GstSample *sample = gst_app_sink_pull_sample(sink);
	NvrIngestSample *s;

	if (sample == NULL)
		return GST_FLOW_EOS;
	s = g_new(NvrIngestSample, 1);
	s->connection = branch->connection;
	s->track = branch->track;
	s->sample = sample;
	s->arrival_us = nvr_ingest_inbox_now_us(branch->inbox);
	nvr_ingest_inbox_push(branch->inbox, s);
	return GST_FLOW_OK;
}

typedef struct {
	NvrIngestTrack track;
	const gchar *media;    /* RTP caps: media and encoding-name; else the caps name */
	const gchar *encoding;
	const gchar *depay;    /* nullable: nvrrtspsrc depayloads H.264/H.265 itself */
	const gchar *parse;    /* nullable */
	const gchar *sink_caps;
} NvrIngestBranchKind;

/* what we record; the first match of each track wins */
static const NvrIngestBranchKind nvr_ingest_branch_kinds[] = {
    {NVR_INGEST_TRACK_VIDEO, "video", "H264", "rtph264depay", "h264parse",
     "video/x-h264,stream-format=avc,alignment=au"},
    {NVR_INGEST_TRACK_VIDEO, "video", "H265", "rtph265depay", "h265parse",
     "video/x-h265,stream-format=hvc1,alignment=au"},
    {NVR_INGEST_TRACK_AUDIO, "audio", "MPEG4-GENERIC", "rtpmp4gdepay", "aacparse",
     "audio/mpeg,mpegversion=4,stream-format=raw"},
    {NVR_INGEST_TRACK_AUDIO, "audio", "MP4A-LATM", "rtpmp4adepay", "aacparse",
     "audio/mpeg,mpegversion=4,stream-format=raw"},
    {NVR_INGEST_TRACK_AUDIO, "audio", "PCMU", "rtppcmudepay", NULL, "audio/x-mulaw"},
    {NVR_INGEST_TRACK_AUDIO, "audio", "PCMA", "rtppcmadepay", NULL, "audio/x-alaw"},
};

/* access units from nvrrtspsrc, to be parsed only */
static const NvrIngestBranchKind nvr_ingest_branch_kinds_parsed[] = {
    {NVR_INGEST_TRACK_VIDEO, "video/x-h264", NULL, NULL, "h264parse",
     "video/x-h264,stream-format=avc,alignment=au"},
    {NVR_INGEST_TRACK_VIDEO, "video/x-h265", NULL, NULL, "h265parse",
     "video/x-h265,stream-format=hvc1,alignment=au"},
};

static const NvrIngestBranchKind *
nvr_ingest_branch_kind_for_caps(const GstCaps *caps)
{
	const GstStructure *st;
	const gchar *media, *encoding, *mode;

	if (caps == NULL || gst_caps_get_size(caps) == 0)
		return NULL;
	st = gst_caps_get_structure(caps, 0);
	for (guint i = 0; i < G_N_ELEMENTS(nvr_ingest_branch_kinds_parsed); i++) {
		if (gst_structure_has_name(st, nvr_ingest_branch_kinds_parsed[i].media))
			return &nvr_ingest_branch_kinds_parsed[i];
	}
	media = gst_structure_get_string(st, "media");
	encoding = gst_structure_get_string(st, "encoding-name");
	if (media == NULL || encoding == NULL)
		return NULL;
	/* MPEG4-GENERIC also carries CELP and other modes; only AAC is recorded */
	mode = gst_structure_get_string(st, "mode");
	if (g_ascii_strcasecmp(encoding, "MPEG4-GENERIC") == 0 &&
	    (mode == NULL || g_ascii_strncasecmp(mode, "AAC", 3) != 0))
		return NULL;
	for (guint i = 0; i < G_N_ELEMENTS(nvr_ingest_branch_kinds); i++) {
		const NvrIngestBranchKind *k = &nvr_ingest_branch_kinds[i];
		if (g_ascii_strcasecmp(media, k->media) == 0 &&
		    g_ascii_strcasecmp(encoding, k->encoding) == 0)
			return k;
	}
	return NULL;
}

/* rtspsrc's thread, before SETUP: streams we do not record are never set up */
static gboolean
nvr_ingest_pipeline_select_stream_cb(GstElement *src, guint num, GstCaps *caps, gpointer user_data)
{
	NvrIngestPipeline *self = user_data;
	const NvrIngestBranchKind *kind = nvr_ingest_branch_kind_for_caps(caps);

	if (kind == NULL)
		return FALSE;
	return g_atomic_int_compare_and_exchange(&self->selected[kind->track], 0, 1);
}

static void
nvr_ingest_pipeline_post_error(NvrIngestPipeline *self, const gchar *message)
{
	g_autoptr(GError) error = g_error_new_literal(GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
						      message);

	gst_element_post_message(self->src,
				 gst_message_new_error(GST_OBJECT(self->src), error, NULL));
}

static GstElement *
nvr_ingest_pipeline_make(NvrIngestPipeline *self, const gchar *factory, NvrIngestTrack track)
{
	g_autofree gchar *name =
	    g_strdup_printf("%s-%s-%s", self->name, track == NVR_INGEST_TRACK_VIDEO ? "v" : "a", factory);
	GstElement *e = gst_element_factory_make(factory, name);

	if (e == NULL) {
		g_autofree gchar *msg = g_strdup_printf("GStreamer element %s is missing", factory);
		nvr_ingest_pipeline_post_error(self, msg);
	}
	return e;
}

static GstElement *
nvr_ingest_pipeline_make_sink(NvrIngestPipeline *self, const NvrIngestBranchKind *kind)
{
	GstAppSinkCallbacks callbacks = {.new_sample = nvr_ingest_pipeline_new_sample_cb};
	g_autoptr(GstCaps) caps = gst_caps_from_string(kind->sink_caps);
	GstElement *sink = nvr_ingest_pipeline_make(self, "appsink", kind->track);
	NvrIngestBranch *branch;

	if (sink == NULL)
		return NULL;
	/* no clock sync, no preroll (pads come while PLAYING), no last-sample
	 * ref; the callback pulls at once, so max-buffers only bounds a burst */
	g_object_set(sink,
		     "caps", caps,
		     "sync", FALSE,
		     "async", FALSE,
		     "emit-signals", FALSE,
		     "enable-last-sample", FALSE,
		     "max-buffers", 64,
		     "drop", FALSE,
		     NULL);
	branch = g_new0(NvrIngestBranch, 1);
	branch->inbox = nvr_ingest_inbox_ref(self->inbox);
	branch->connection = self->connection;
	branch->track = kind->track;
	gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, branch, nvr_ingest_branch_free);
	return sink;
}

/* elements are added to the bin one by one, so a failure leaves nothing floating */
static gboolean
nvr_ingest_pipeline_add_chain(NvrIngestPipeline *self, GstElement **chain, guint n)
{
	for (guint i = 0; i < n; i++) {
		if (chain[i] == NULL) {
			for (guint j = i + 1; j < n; j++)
				g_clear_pointer(&chain[j], gst_object_unref);
			return FALSE;
		}
		gst_bin_add(GST_BIN(self->pipeline), chain[i]);
	}
	for (guint i = 0; i + 1 < n; i++) {
		if (!gst_element_link(chain[i], chain[i + 1])) {
			nvr_ingest_pipeline_post_error(self, "cannot link the depayloader branch");
			return FALSE;
		}
	}
	for (guint i = n; i > 0; i--)
		gst_element_sync_state_with_parent(chain[i - 1]);
	return TRUE;
}

/* the source's thread: [depay !] [parse !] appsink for the pad's stream */
static void
nvr_ingest_pipeline_pad_added_cb(GstElement *src, GstPad *pad, gpointer user_data)
{
	NvrIngestPipeline *self = user_data;
	g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
	const NvrIngestBranchKind *kind = nvr_ingest_branch_kind_for_caps(caps);
	g_autoptr(GstPad) sinkpad = NULL;
	GstElement *chain[3];
	guint n = 0;

	if (kind == NULL || !g_atomic_int_compare_and_exchange(&self->linked[kind->track], 0, 1)) {
		g_debug("%s: ignoring stream pad %s", self->name, GST_PAD_NAME(pad));
		return;
	}
	if (kind->depay != NULL)
		chain[n++] = nvr_ingest_pipeline_make(self, kind->depay, kind->track);
	if (kind->parse != NULL)
		chain[n++] = nvr_ingest_pipeline_make(self, kind->parse, kind->track);
	chain[n++] = nvr_ingest_pipeline_make_sink(self, kind);
	if (!nvr_ingest_pipeline_add_chain(self, chain, n))
		return;
	sinkpad = gst_element_get_static_pad(chain[0], "sink");
	if (GST_PAD_LINK_FAILED(gst_pad_link(pad, sinkpad)))
		nvr_ingest_pipeline_post_error(self, "cannot link the RTSP stream");
}

/* GStreamer's errors name elements and the URL (which has no credentials
 * here); scrub them anyway and give them our domain */
static GError *
nvr_ingest_pipeline_error_from_gst(const GError *gst_error)
{
	g_autofree gchar *msg = nvr_log_scrub(gst_error->message);
	gint code = NVR_ERROR_IO;

	if (gst_error->domain == GST_RESOURCE_ERROR) {
		if (gst_error->code == GST_RESOURCE_ERROR_NOT_AUTHORIZED)
			code = NVR_ERROR_AUTH;
		else if (gst_error->code == GST_RESOURCE_ERROR_NOT_FOUND)
			code = NVR_ERROR_NOT_FOUND;
	} else if (gst_error->domain == GST_STREAM_ERROR) {
		code = gst_error->code == GST_STREAM_ERROR_CODEC_NOT_FOUND ||
			       gst_error->code == GST_STREAM_ERROR_WRONG_TYPE
			   ? NVR_ERROR_NOT_SUPPORTED
			   : NVR_ERROR_FAILED;
	} else if (gst_error->domain == GST_CORE_ERROR) {
		code = NVR_ERROR_NOT_SUPPORTED;
	}
	return g_error_new(NVR_ERROR, code, "%s", msg);
}

static gboolean
nvr_ingest_pipeline_bus_cb(GstBus *bus, GstMessage *message, gpointer user_data)
{
	NvrIngestPipeline *self = user_data;
	g_autoptr(GError) gst_error = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *debug = NULL;

	switch (GST_MESSAGE_TYPE(message)) {
	case GST_MESSAGE_ERROR:
		gst_message_parse_error(message, &gst_error, &debug);
		error = nvr_ingest_pipeline_error_from_gst(gst_error);
		self->end_func(self->end_data, self->connection, FALSE, error);
		break;
	case GST_MESSAGE_EOS:
		self->end_func(self->end_data, self->connection, TRUE, NULL);
		break;
	case GST_MESSAGE_WARNING: {
		g_autofree gchar *msg = NULL;
		gst_message_parse_warning(message, &gst_error, &debug);
		msg = nvr_log_scrub(gst_error->message);
		g_debug("%s: %s", self->name, msg);
		break;
	}
	default:
		break;
	}
	return G_SOURCE_CONTINUE;
}

static void
nvr_ingest_pipeline_configure_rtspsrc(NvrIngestPipeline *self, const NvrIngestPipelineConfig *config)
{
	GstRTSPLowerTrans protocols = config->transport == NVR_INGEST_TRANSPORT_UDP
					  ? GST_RTSP_LOWER_TRANS_UDP
					  : GST_RTSP_LOWER_TRANS_TCP;

	/* buffer-mode none: PTS are the RTP timestamps from the first packet on,
	 * not arrival times; our timeline does the rest. No retransmission
	 * requests: we never wait for lost packets. rtsps:// uses GStreamer's
	 * default certificate validation. */
	g_object_set(self->src,
		     "protocols", protocols,
		     "buffer-mode", 0,
		     "do-retransmission", FALSE,
		     "latency", 500, /* ms of reordering over UDP, not the default 2 s */
		     /* as nvrrtspsrc's "timeout" (10 s), not rtspsrc's 20 s; rtspsrc's is
		      * per read, so the frame watchdog remains the bound of a trickling camera */
		     "tcp-timeout", (guint64)10 * G_USEC_PER_SEC,
		     /* no UDP packet for 5 s: an error (TCP is not in @protocols), and a reconnect */
		     "timeout", (guint64)5 * G_USEC_PER_SEC,
		     NULL);
}

static gboolean
nvr_ingest_pipeline_wants_rtspsrc(const NvrIngestPipelineConfig *config)
{
	return config->use_rtspsrc || config->transport == NVR_INGEST_TRANSPORT_UDP ||
	       !g_str_has_prefix(config->url, "rtsp://");
}

static GstElement *
nvr_ingest_pipeline_make_src(const NvrIngestPipelineConfig *config, GError **error)
{
	g_autofree gchar *name = g_strdup_printf("%s-src", config->name);
	GstElement *src;

	if (!nvr_ingest_pipeline_wants_rtspsrc(config))
		return g_object_new(NVR_TYPE_RTSP_SRC, "name", name, NULL);
	src = gst_element_factory_make("rtspsrc", name);
	if (src == NULL)
		g_set_error_literal(error,
				    NVR_ERROR,
				    NVR_ERROR_NOT_SUPPORTED,
				    "GStreamer element rtspsrc is missing (gstreamer1.0-plugins-good)");
	return src;
}

/**
 * nvr_ingest_pipeline_new:
 *
 * Returns: (transfer full): a pipeline in NULL state, or NULL when rtspsrc is missing
 */
NvrIngestPipeline *
nvr_ingest_pipeline_new(const NvrIngestPipelineConfig *config, NvrIngestInbox *inbox, GError **error)
{
	g_autoptr(NvrIngestPipeline) self = g_new0(NvrIngestPipeline, 1);

	self->name = g_strdup(config->name);
	self->connection = config->connection;
	self->inbox = nvr_ingest_inbox_ref(inbox);
	self->pipeline = gst_pipeline_new(config->name);
	self->src = nvr_ingest_pipeline_make_src(config, error);
	if (self->src == NULL)
		return NULL;
	gst_bin_add(GST_BIN(self->pipeline), self->src);
	/* credentials only ever as properties, never in the location */
	g_object_set(self->src, "location", config->url, NULL);
	if (config->user != NULL)
		g_object_set(self->src, "user-id", config->user, NULL);
	if (config->password != NULL)
		g_object_set(self->src, "user-pw", config->password, NULL);
	if (nvr_ingest_pipeline_wants_rtspsrc(config))
		nvr_ingest_pipeline_configure_rtspsrc(self, config);
	g_signal_connect(self->src, "select-stream",
			 G_CALLBACK(nvr_ingest_pipeline_select_stream_cb), self);
	g_signal_connect(self->src, "pad-added", G_CALLBACK(nvr_ingest_pipeline_pad_added_cb), self);
	return g_steal_pointer(&self);
}

/* the bus on @context, then PLAYING; errors after this arrive through @func */
gboolean
nvr_ingest_pipeline_start(NvrIngestPipeline *self,
			  GMainContext *context,
			  NvrIngestPipelineEndFunc func,
			  gpointer user_data,
			  GError **error)
{
	g_autoptr(GstBus) bus = gst_element_get_bus(self->pipeline);

	self->end_func = func;
	self->end_data = user_data;
	self->bus_source = gst_bus_create_watch(bus);
	g_source_set_callback(self->bus_source, G_SOURCE_FUNC(nvr_ingest_pipeline_bus_cb), self, NULL);
	g_source_attach(self->bus_source, context);
	if (gst_element_set_state(self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_FAILED, "pipeline refused to start");
		return FALSE;
	}
	return TRUE;
}

/* stops the streaming threads (rtspsrc sends TEARDOWN) and frees everything */
void
nvr_ingest_pipeline_free(NvrIngestPipeline *self)
{
	if (self == NULL)
		return;
	if (self->bus_source != NULL) {
		g_source_destroy(self->bus_source);
		g_source_unref(self->bus_source);
	}
	if (self->pipeline != NULL) {
		gst_element_set_state(self->pipeline, GST_STATE_NULL);
		gst_object_unref(self->pipeline);
	}
	nvr_ingest_inbox_unref(self->inbox);
	g_free(self->name);
	g_free(self);
}
