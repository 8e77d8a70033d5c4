/*
 * notes on the RTSP source
 *
 *   READY --(READY_TO_PAUSED: task starts)--> OPENING: connect, OPTIONS,
 *   DESCRIBE, select-stream + SETUP each stream, pads added, PLAY
 *   --> STREAMING: read the socket, split '$' frames; H.264/H.265 packets
 *       through our depayloader (one buffer per access unit), other RTP
 *       packets as pooled buffers; push buffer lists
 *   --(PAUSED_TO_READY: cancel, join, TEARDOWN)--> READY
 *
 * Threads: the task thread does all of the protocol and owns every field
 * marked so; the state change only cancels (self->cancellable and the
 * connection's own) and joins the task before it touches them.
 *
 * Replies: GstRTSPConnection sends the requests (CSeq, auth), but the
 * replies are read here, with the splitter of the stream. Its reader has
 * a timeout per read, so a camera that trickled a byte at a time held it
 * for ever, a Content-Length of gigabytes was waited for, and once a reply
 * had begun a flush no longer ended the read. Here one deadline (the
 * "timeout" property) bounds each request and its reply together, every
 * wait polls the cancellable too, and a header or body over
 * NVR_RTSP_MAX_HEADER/BODY is an error at once. The Session id is ours
 * to send, since the connection never sees a reply.
 *
 * Time: each stream's RTP timestamps are extended by signed 32-bit steps,
 * so a camera that steps back stays readable; PTS = origin + ticks since
 * the stream's RTP-Info rtptime (or first packet), which keeps audio and
 * video aligned when the server says where PLAY began.
 *
 * invariants
 *   (1) nothing from the camera is used as a length without a check
 *       (nvr-rtsp-interleaved.c); an RTP buffer is pushed only if it maps
 *   (2) credentials reach only the connection's auth (Authorization headers)
 *   (3) one keep-alive per half session timeout (GET_PARAMETER if offered)
 *   (4) no exchange outlasts its deadline, no wait outlasts a stop
 */
#include "config.h"

#include <gst/rtp/gstrtpbuffer.h>
#include <gst/rtp/gstrtppayloads.h>
#include <gst/rtsp/gstrtspconnection.h>
#include <gst/rtsp/gstrtsptransport.h>
#include <gst/sdp/gstsdpmessage.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/nvr-error.h"
#include "nvr-rtp-depay.h"
#include "nvr-rtsp-interleaved.h"
#include "nvr-rtsp-src.h"

/* One wakeup reads about 1/15 s of the stream (the low-water mark, below;
 * 40 KB on average at 4 Mbit/s, up to about 160 KB after a scheduling
 * delay, which then takes two reads). The buffer must hold the largest item
 * the splitter accepts, or reading could stop making progress; the pages a
 * burst touched stay resident, so it is no larger than that needs. */
#define NVR_RTSP_SRC_READ_SIZE (128 * 1024)
#define NVR_RTSP_SRC_WAKEUPS_PER_S 15
/* RTP packets up to this size come from the pool; cameras send about 1400 */
#define NVR_RTSP_SRC_POOL_SIZE 2048
#define NVR_RTSP_SRC_MAX_DELAY_MS 100
#define NVR_RTSP_SRC_MAX_LOWAT (64 * 1024)
G_STATIC_ASSERT(NVR_RTSP_SRC_READ_SIZE > NVR_RTSP_MAX_HEADER + NVR_RTSP_MAX_BODY);
G_STATIC_ASSERT(NVR_RTSP_SRC_READ_SIZE >= 2 * NVR_RTSP_SRC_MAX_LOWAT);
#define NVR_RTSP_SRC_DEFAULT_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define NVR_RTSP_SRC_USER_AGENT "nvr/" NVR_VERSION_STRING

GST_DEBUG_CATEGORY_STATIC(nvr_rtsp_src_debug);
#define GST_CAT_DEFAULT nvr_rtsp_src_debug

typedef struct {
	guint index;	  /* in the SDP */
	GstPad *pad;	  /* owned by the element once added */
	GstCaps *caps;	  /* application/x-rtp, from the SDP */
	GstCaps *out_caps; /* the pad's: @caps, or H.264/H.265 access units */
	NvrRtpDepay *depay; /* H.264 and H.265 are depayloaded here */
	gchar *control;	  /* absolute URL */
	guint clock_rate;
	guint8 channel;	  /* RTP; RTCP is channel + 1 */
	gboolean have_rtptime; /* RTP-Info told where PLAY began */
	guint32 rtptime;
	gboolean started;
	guint32 last_ts;
	gint64 ext; /* RTP ticks since rtptime */
	guint16 next_seq;
	GstBufferList *pending;
} NvrRtspStream;

struct _NvrRtspSrc {
	GstElement parent_instance;
	GMutex lock; /* the properties and @conn's pointer */
	gchar *location;
	gchar *user;
	gchar *password;
	guint64 timeout_us;
	GstRTSPConnection *conn; /* task thread; the pointer under lock, for flushing */
	GCancellable *cancellable; /* replaced at READY_TO_PAUSED, cancelled to stop */
	GstTask *task;
	GRecMutex task_lock;
	/* task thread only; copied from the properties when it starts */
	gchar *url;
	gchar *auth_user;
	gchar *auth_password;
	gint64 timeout; /* us */
	gboolean playing;
	gboolean get_parameter;
	gchar *base_url;
	gchar *session; /* the Session id from SETUP, sent with every later request */
	guint keepalive_s;
	gint64 next_keepalive;
	GPtrArray *streams; /* NvrRtspStream */
	guint8 *buf;
	gsize fill;
	GPollFD cancel_pfd; /* of @cancellable, made once: making one per poll costs two syscalls */
	gboolean have_cancel_pfd;
	GstBufferPool *pool; /* of NVR_RTSP_SRC_POOL_SIZE buffers; active while streaming */
	guint64 rate_bytes; /* read since @rate_start */
	gint64 rate_start;
	gint lowat;
};

enum { PROP_0, PROP_LOCATION, PROP_USER_ID, PROP_USER_PW, PROP_TIMEOUT };
enum { SIGNAL_SELECT_STREAM, N_SIGNALS };
static guint nvr_rtsp_src_signals[N_SIGNALS];

static GstStaticPadTemplate nvr_rtsp_src_template =
    GST_STATIC_PAD_TEMPLATE("stream_%u", GST_PAD_SRC, GST_PAD_SOMETIMES,
			    GST_STATIC_CAPS("application/x-rtp; "
					    "video/x-h264, stream-format=byte-stream, alignment=au; "
					    "video/x-h265, stream-format=byte-stream, alignment=au"));

G_DEFINE_TYPE(NvrRtspSrc, nvr_rtsp_src, GST_TYPE_ELEMENT)

static void
nvr_rtsp_stream_free(gpointer data)
{
	NvrRtspStream *st = data;

	g_clear_pointer(&st->caps, gst_caps_unref);
	g_clear_pointer(&st->out_caps, gst_caps_unref);
	g_clear_pointer(&st->depay, nvr_rtp_depay_free);
	g_clear_pointer(&st->pending, gst_buffer_list_unref);
	g_free(st->control);
	g_free(st);
}

/* an error of the camera or the network, posted once; nothing when stopping */
#define NVR_RTSP_SRC_FAIL(self, code, ...)                                                          \
	G_STMT_START                                                                               \
	{                                                                                          \
		if (!g_cancellable_is_cancelled((self)->cancellable))                              \
			GST_ELEMENT_ERROR((self), RESOURCE, code, (__VA_ARGS__), (NULL));          \
	}                                                                                          \
	G_STMT_END

/* ---- requests ---- */

static gboolean
nvr_rtsp_src_setup_auth(NvrRtspSrc *self, GstRTSPMessage *response)
{
	GstRTSPAuthCredential **creds =
	    gst_rtsp_message_parse_auth_credentials(response, GST_RTSP_HDR_WWW_AUTHENTICATE);
	GstRTSPAuthCredential *chosen = NULL;

	for (guint i = 0; creds != NULL && creds[i] != NULL; i++) {
		if (creds[i]->scheme == GST_RTSP_AUTH_DIGEST ||
		    (creds[i]->scheme == GST_RTSP_AUTH_BASIC && chosen == NULL))
			chosen = creds[i];
	}
	if (chosen == NULL || self->auth_user == NULL) {
		gst_rtsp_auth_credentials_free(creds);
		return FALSE;
	}
	gst_rtsp_connection_clear_auth_params(self->conn);
	for (guint i = 0; chosen->params != NULL && chosen->params[i] != NULL; i++)
		gst_rtsp_connection_set_auth_param(self->conn, chosen->params[i]->name,
						   chosen->params[i]->value);
	gst_rtsp_connection_set_auth(self->conn, chosen->scheme, self->auth_user,
				     self->auth_password != NULL ? self->auth_password : "");
	gst_rtsp_auth_credentials_free(creds);
	return TRUE;
}

/* what is left of @deadline for a blocking call; 0 once it has passed */
static gint64
nvr_rtsp_src_left_us(gint64 deadline)
{
	return MAX(deadline - g_get_monotonic_time(), 0);
}

/* waits for the socket, a stop or @deadline, then reads what is there into the buffer */
static gboolean
nvr_rtsp_src_read_some(NvrRtspSrc *self, gint64 deadline, GError **error)
{
	GSocket *sock = gst_rtsp_connection_get_read_socket(self->conn);
	GPollFD fds[2] = {{.fd = g_socket_get_fd(sock), .events = G_IO_IN | G_IO_HUP | G_IO_ERR},
			  self->cancel_pfd};

	if (self->fill == NVR_RTSP_SRC_READ_SIZE) { /* the splitter's limits are far below */
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "reply too large");
		return FALSE;
	}
	for (;;) {
		g_autoptr(GError) local = NULL;
		gint64 left = nvr_rtsp_src_left_us(deadline);
		gssize n;

		if (g_cancellable_is_cancelled(self->cancellable)) {
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_CANCELLED, "stopped");
			return FALSE;
		}
		if (left == 0) {
			g_set_error(error, NVR_ERROR, NVR_ERROR_TIMEOUT, "no complete reply within %u ms",
				    (guint)(self->timeout / 1000));
			return FALSE;
		}
		/* without a pollable cancellable, a stop is seen at the next wakeup */
		g_poll(fds, 2, (gint)MIN((left + 999) / 1000,
					 self->have_cancel_pfd ? G_MAXINT : NVR_RTSP_SRC_MAX_DELAY_MS));
		n = g_socket_receive_with_blocking(sock, (gchar *)self->buf + self->fill,
						   NVR_RTSP_SRC_READ_SIZE - self->fill, FALSE, NULL, &local);
		if (n > 0) {
			self->fill += (gsize)n;
			return TRUE;
		}
		if (n == 0) {
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_IO,
					    "the camera closed the connection");
			return FALSE;
		}
		if (!g_error_matches(local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
			g_set_error(error, NVR_ERROR, NVR_ERROR_IO, "%s", local->message);
			return FALSE;
		}
	}
}

static void
nvr_rtsp_src_consume(NvrRtspSrc *self, gsize size)
{
	memmove(self->buf, self->buf + size, self->fill - size);
	self->fill -= size;
}

/* a response the splitter found whole at the start of the buffer, as a GstRTSPMessage */
static void
nvr_rtsp_src_parse_response(const guint8 *data, const NvrRtspItem *item, GstRTSPMessage *msg)
{
	g_autofree gchar *head = g_strndup((const gchar *)data, item->offset);
	g_auto(GStrv) lines = g_strsplit(head, "\r\n", -1);
	const gchar *reason = strchr(lines[0], ' ');

	/* "RTSP/1.0 200 OK": the reason follows the code (checked by the splitter) */
	reason = reason != NULL && strlen(reason) > 5 ? reason + 5 : NULL;
	gst_rtsp_message_init_response(msg, (GstRTSPStatusCode)item->status, reason, NULL);
	for (guint i = 1; lines[i] != NULL; i++) {
		gchar *colon = strchr(lines[i], ':');

		if (colon == NULL || colon == lines[i])
			continue; /* the blank line, or not a header */
		*colon = '\0';
		gst_rtsp_message_add_header_by_name(msg, g_strstrip(lines[i]), g_strstrip(colon + 1));
	}
	if (item->length > 0)
		gst_rtsp_message_set_body(msg, data + item->offset, (guint)item->length);
}

/* the first response in the buffer, if it is there whole; interleaved data
 * and the server's own requests before it are dropped */
static gboolean
nvr_rtsp_src_take_response(NvrRtspSrc *self, GstRTSPMessage *response, gboolean *got,
			   GError **error)
{
	*got = FALSE;
	while (!*got) {
		NvrRtspItem item;

		if (!nvr_rtsp_interleaved_next(self->buf, self->fill, &item, error))
			return FALSE;
		if (item.kind == NVR_RTSP_ITEM_INCOMPLETE)
			return TRUE;
		if (item.kind == NVR_RTSP_ITEM_MESSAGE && item.status != 0) {
			nvr_rtsp_src_parse_response(self->buf, &item, response);
			*got = TRUE;
		}
		nvr_rtsp_src_consume(self, item.size);
	}
	return TRUE;
}

/* sends @request and reads its response, both within one deadline */
static gboolean
nvr_rtsp_src_exchange(NvrRtspSrc *self, GstRTSPMessage *request, GstRTSPMessage *response,
		      GError **error)
{
	gint64 deadline = g_get_monotonic_time() + self->timeout;
	GstRTSPResult res = gst_rtsp_connection_send_usec(self->conn, request,
							  nvr_rtsp_src_left_us(deadline));

	if (res != GST_RTSP_OK) {
		g_autofree gchar *why = gst_rtsp_strresult(res);
		g_set_error(error, NVR_ERROR, res == GST_RTSP_ETIMEOUT ? NVR_ERROR_TIMEOUT : NVR_ERROR_IO,
			    "sending: %s", why);
		return FALSE;
	}
	for (;;) {
		gboolean got = FALSE;

		if (!nvr_rtsp_src_take_response(self, response, &got, error))
			return FALSE;
		if (got)
			return TRUE;
		if (!nvr_rtsp_src_read_some(self, deadline, error))
			return FALSE;
	}
}

static void
nvr_rtsp_src_fail_request(NvrRtspSrc *self, GstRTSPMethod method, const GError *error, guint code)
{
	const gchar *m = gst_rtsp_method_as_text(method);

	if (error != NULL) {
		NVR_RTSP_SRC_FAIL(self, READ, "%s: %s", m, error->message);
	} else if (code == GST_RTSP_STS_UNAUTHORIZED) {
		NVR_RTSP_SRC_FAIL(self, NOT_AUTHORIZED, "%s: unauthorized", m);
	} else if (code == GST_RTSP_STS_NOT_FOUND) {
		NVR_RTSP_SRC_FAIL(self, NOT_FOUND, "%s: no such stream (404)", m);
	} else {
		NVR_RTSP_SRC_FAIL(self, READ, "%s: %u %s", m, code, gst_rtsp_status_as_text(code));
	}
}

/* a request with our headers, and the session's once SETUP gave one */
static void
nvr_rtsp_src_init_request(NvrRtspSrc *self, GstRTSPMessage *request, GstRTSPMethod method,
			  const gchar *url)
{
	gst_rtsp_message_init_request(request, method, url);
	gst_rtsp_message_add_header(request, GST_RTSP_HDR_USER_AGENT, NVR_RTSP_SRC_USER_AGENT);
	if (self->session != NULL)
		gst_rtsp_message_add_header(request, GST_RTSP_HDR_SESSION, self->session);
}

/* one request and its response, authenticating when asked to once */
static gboolean
nvr_rtsp_src_request(NvrRtspSrc *self,
		     GstRTSPMethod method,
		     const gchar *url,
		     const gchar *transport,
		     GstRTSPMessage *response)
{
	for (guint attempt = 0; attempt < 2; attempt++) {
		g_autoptr(GError) error = NULL;
		GstRTSPMessage request = {0};
		GstRTSPStatusCode code;
		gboolean ok;

		nvr_rtsp_src_init_request(self, &request, method, url);
		if (method == GST_RTSP_DESCRIBE)
			gst_rtsp_message_add_header(&request, GST_RTSP_HDR_ACCEPT, "application/sdp");
		if (transport != NULL)
			gst_rtsp_message_add_header(&request, GST_RTSP_HDR_TRANSPORT, transport);
		if (method == GST_RTSP_PLAY)
			gst_rtsp_message_add_header(&request, GST_RTSP_HDR_RANGE, "npt=0.000-");
		ok = nvr_rtsp_src_exchange(self, &request, response, &error);
		gst_rtsp_message_unset(&request);
		if (!ok) {
			nvr_rtsp_src_fail_request(self, method, error, 0);
			return FALSE;
		}
		code = response->type_data.response.code;
		if (code == GST_RTSP_STS_UNAUTHORIZED && attempt == 0 &&
		    nvr_rtsp_src_setup_auth(self, response)) {
			gst_rtsp_message_unset(response);
			continue;
		}
		if (code / 100 == 2)
			return TRUE;
		nvr_rtsp_src_fail_request(self, method, NULL, code);
		gst_rtsp_message_unset(response);
		return FALSE;
	}
	return FALSE;
}

/* ---- DESCRIBE and SETUP ---- */

/* RFC 2326 C.1.1: an absolute control URL, "*", or one relative to the base */
static gchar *
nvr_rtsp_src_resolve(const gchar *base, const gchar *control)
{
	if (control == NULL || g_str_equal(control, "*"))
		return g_strdup(base);
	if (g_str_has_prefix(control, "rtsp://") || g_str_has_prefix(control, "rtsps://"))
		return g_strdup(control);
	return g_strconcat(base, g_str_has_suffix(base, "/") ? "" : "/", control, NULL);
}

static GstCaps *
nvr_rtsp_src_media_caps(const GstSDPMessage *sdp, const GstSDPMedia *media, guint *clock_rate)
{
	const gchar *fmt = gst_sdp_media_get_format(media, 0);
	gint pt = fmt != NULL ? atoi(fmt) : -1;
	GstCaps *caps;
	GstStructure *s;
	gint rate = 0;

	if (pt < 0 || pt > 127 || (caps = gst_sdp_media_get_caps_from_media(media, pt)) == NULL)
		return NULL;
	s = gst_caps_get_structure(caps, 0);
	gst_structure_set_name(s, "application/x-rtp");
	/* static payload types (PCMU is 0, PCMA 8) need no rtpmap */
	if (!gst_structure_has_field(s, "encoding-name")) {
		const GstRTPPayloadInfo *info = gst_rtp_payload_info_for_pt((guint8)pt);
		if (info != NULL && info->encoding_name != NULL)
			gst_structure_set(s, "encoding-name", G_TYPE_STRING, info->encoding_name,
					  "clock-rate", G_TYPE_INT, (gint)info->clock_rate, NULL);
	}
	gst_sdp_message_attributes_to_caps(sdp, caps);
	gst_sdp_media_attributes_to_caps(media, caps);
	if (!gst_structure_get_int(s, "clock-rate", &rate) || rate <= 0) {
		gst_caps_unref(caps);
		return NULL;
	}
	*clock_rate = (guint)rate;
	return caps;
}

static gboolean
nvr_rtsp_src_select(NvrRtspSrc *self, guint index, GstCaps *caps)
{
	gboolean selected = TRUE;

	if (g_signal_has_handler_pending(self, nvr_rtsp_src_signals[SIGNAL_SELECT_STREAM], 0, FALSE))
		g_signal_emit(self, nvr_rtsp_src_signals[SIGNAL_SELECT_STREAM], 0, index, caps,
			      &selected);
	return selected;
}

/* "1234ABCD;timeout=60" -> session "1234ABCD", keep-alive every 30 s */
static void
nvr_rtsp_src_read_session(NvrRtspSrc *self, GstRTSPMessage *response)
{
	gchar *session = NULL;
	const gchar *t;

	if (gst_rtsp_message_get_header(response, GST_RTSP_HDR_SESSION, &session, 0) != GST_RTSP_OK)
		return;
	if (self->session == NULL) {
		self->session = g_strndup(session, strcspn(session, ";"));
		g_strstrip(self->session);
	}
	t = strstr(session, "timeout=");
	if (t != NULL) {
		guint64 v = g_ascii_strtoull(t + 8, NULL, 10);
		if (v >= 4 && v <= 3600)
			self->keepalive_s = (guint)v / 2;
	}
}

static gboolean
nvr_rtsp_src_setup_stream(NvrRtspSrc *self, NvrRtspStream *st)
{
	g_autofree gchar *transport = NULL;
	GstRTSPMessage response = {0};
	GstRTSPTransport *t = NULL;
	gchar *reply = NULL;

	transport = g_strdup_printf("RTP/AVP/TCP;unicast;interleaved=%u-%u", st->channel,
				    st->channel + 1);
	if (!nvr_rtsp_src_request(self, GST_RTSP_SETUP, st->control, transport, &response))
		return FALSE;
	/* the server may choose other channels */
	if (gst_rtsp_message_get_header(&response, GST_RTSP_HDR_TRANSPORT, &reply, 0) == GST_RTSP_OK &&
	    gst_rtsp_transport_new(&t) == GST_RTSP_OK) {
		if (gst_rtsp_transport_parse(reply, t) == GST_RTSP_OK &&
		    t->lower_transport == GST_RTSP_LOWER_TRANS_TCP && t->interleaved.min >= 0 &&
		    t->interleaved.min <= 254)
			st->channel = (guint8)t->interleaved.min;
		gst_rtsp_transport_free(t);
	}
	nvr_rtsp_src_read_session(self, &response);
	gst_rtsp_message_unset(&response);
	return TRUE;
}

static gboolean
nvr_rtsp_src_describe(NvrRtspSrc *self, GstSDPMessage **sdp_out)
{
	GstRTSPMessage response = {0};
	g_autoptr(GstSDPMessage) sdp = NULL;
	gchar *base = NULL;
	guint8 *body = NULL;
	guint size = 0;

	if (!nvr_rtsp_src_request(self, GST_RTSP_DESCRIBE, self->url, NULL, &response))
		return FALSE;
	if (gst_rtsp_message_get_header(&response, GST_RTSP_HDR_CONTENT_BASE, &base, 0) != GST_RTSP_OK)
		gst_rtsp_message_get_header(&response, GST_RTSP_HDR_CONTENT_LOCATION, &base, 0);
	self->base_url = g_strdup(base != NULL ? base : self->url);
	gst_rtsp_message_get_body(&response, &body, &size);
	gst_sdp_message_new(&sdp);
	if (body == NULL || gst_sdp_message_parse_buffer(body, size, sdp) != GST_SDP_OK ||
	    gst_sdp_message_medias_len(sdp) == 0) {
		gst_rtsp_message_unset(&response);
		NVR_RTSP_SRC_FAIL(self, READ, "DESCRIBE: no usable SDP");
		return FALSE;
	}
	gst_rtsp_message_unset(&response);
	*sdp_out = g_steal_pointer(&sdp);
	return TRUE;
}

/* the session-level control URL, if any, is the base of the media ones */
static gchar *
nvr_rtsp_src_session_base(NvrRtspSrc *self, const GstSDPMessage *sdp)
{
	return nvr_rtsp_src_resolve(self->base_url, gst_sdp_message_get_attribute_val(sdp, "control"));
}

/* "a,b" fields of the caps, split into one list */
static GStrv
nvr_rtsp_src_sprop(const GstStructure *s, const gchar *const *fields)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();

	for (guint i = 0; fields[i] != NULL; i++) {
		const gchar *v = gst_structure_get_string(s, fields[i]);
		g_auto(GStrv) parts = v != NULL ? g_strsplit(v, ",", -1) : NULL;

		for (guint j = 0; parts != NULL && parts[j] != NULL; j++)
			g_strv_builder_add(b, parts[j]);
	}
	return g_strv_builder_end(b);
}

/* H.264 and H.265 video leave this element as access units (fewer buffers
 * per frame, DESIGN.md §3); everything else as RTP */
static void
nvr_rtsp_src_setup_depay(NvrRtspStream *st)
{
	static const gchar *const h264_sprop[] = {"sprop-parameter-sets", NULL};
	static const gchar *const h265_sprop[] = {"sprop-vps", "sprop-sps", "sprop-pps", NULL};
	const GstStructure *s = gst_caps_get_structure(st->caps, 0);
	const gchar *media = gst_structure_get_string(s, "media");
	const gchar *enc = gst_structure_get_string(s, "encoding-name");
	g_auto(GStrv) sprop = NULL;

	if (g_strcmp0(media, "video") != 0 || enc == NULL) {
		st->out_caps = gst_caps_ref(st->caps);
	} else if (g_ascii_strcasecmp(enc, "H264") == 0) {
		st->depay = nvr_rtp_depay_new(NVR_RTP_DEPAY_H264);
		sprop = nvr_rtsp_src_sprop(s, h264_sprop);
		st->out_caps = gst_caps_from_string("video/x-h264, stream-format=byte-stream, "
						    "alignment=au");
	} else if (g_ascii_strcasecmp(enc, "H265") == 0) {
		st->depay = nvr_rtp_depay_new(NVR_RTP_DEPAY_H265);
		sprop = nvr_rtsp_src_sprop(s, h265_sprop);
		st->out_caps = gst_caps_from_string("video/x-h265, stream-format=byte-stream, "
						    "alignment=au");
	} else {
		st->out_caps = gst_caps_ref(st->caps);
	}
	if (st->depay != NULL)
		nvr_rtp_depay_set_sprop(st->depay, (const gchar *const *)sprop);
}

static gboolean
nvr_rtsp_src_setup_all(NvrRtspSrc *self, const GstSDPMessage *sdp)
{
	g_autofree gchar *base = nvr_rtsp_src_session_base(self, sdp);

	for (guint i = 0; i < gst_sdp_message_medias_len(sdp); i++) {
		const GstSDPMedia *media = gst_sdp_message_get_media(sdp, i);
		NvrRtspStream *st;
		guint rate = 0;
		GstCaps *caps = nvr_rtsp_src_media_caps(sdp, media, &rate);

		if (caps == NULL || !nvr_rtsp_src_select(self, i, caps)) {
			g_clear_pointer(&caps, gst_caps_unref);
			continue;
		}
		st = g_new0(NvrRtspStream, 1);
		st->index = i;
		st->caps = caps;
		st->clock_rate = rate;
		st->channel = (guint8)(2 * self->streams->len);
		st->control = nvr_rtsp_src_resolve(base, gst_sdp_media_get_attribute_val(media, "control"));
		st->pending = gst_buffer_list_new();
		nvr_rtsp_src_setup_depay(st);
		g_ptr_array_add(self->streams, st);
		if (!nvr_rtsp_src_setup_stream(self, st))
			return FALSE;
	}
	if (self->streams->len == 0) {
		GST_ELEMENT_ERROR(self, STREAM, CODEC_NOT_FOUND,
				  ("the camera offers no stream that can be recorded"), (NULL));
		return FALSE;
	}
	return TRUE;
}

/* ---- PLAY ---- */

/* RTP-Info: url=...;seq=..;rtptime=..,url=... */
static void
nvr_rtsp_src_read_rtp_info(NvrRtspSrc *self, GstRTSPMessage *response)
{
	gchar *info = NULL;
	g_auto(GStrv) entries = NULL;

	if (gst_rtsp_message_get_header(response, GST_RTSP_HDR_RTP_INFO, &info, 0) != GST_RTSP_OK)
		return;
	entries = g_strsplit(info, ",", -1);
	for (guint i = 0; entries[i] != NULL; i++) {
		g_auto(GStrv) fields = g_strsplit(g_strstrip(entries[i]), ";", -1);
		const gchar *url = NULL, *rtptime = NULL;

		for (guint f = 0; fields[f] != NULL; f++) {
			if (g_str_has_prefix(fields[f], "url="))
				url = fields[f] + 4;
			else if (g_str_has_prefix(fields[f], "rtptime="))
				rtptime = fields[f] + 8;
		}
		for (guint s = 0; url != NULL && rtptime != NULL && s < self->streams->len; s++) {
			NvrRtspStream *st = g_ptr_array_index(self->streams, s);
			if (g_str_equal(url, st->control) || g_str_has_suffix(st->control, url)) {
				st->rtptime = (guint32)g_ascii_strtoull(rtptime, NULL, 10);
				st->have_rtptime = TRUE;
			}
		}
	}
}

static void
nvr_rtsp_src_add_pads(NvrRtspSrc *self)
{
	for (guint i = 0; i < self->streams->len; i++) {
		NvrRtspStream *st = g_ptr_array_index(self->streams, i);
		g_autofree gchar *name = g_strdup_printf("stream_%u", st->index);
		g_autofree gchar *stream_id = NULL;
		GstSegment segment;

		st->pad = gst_pad_new_from_static_template(&nvr_rtsp_src_template, name);
		gst_pad_use_fixed_caps(st->pad);
		gst_pad_set_active(st->pad, TRUE);
		stream_id = gst_pad_create_stream_id_printf(st->pad, GST_ELEMENT(self), "%u", st->index);
		gst_pad_push_event(st->pad, gst_event_new_stream_start(stream_id));
		gst_pad_push_event(st->pad, gst_event_new_caps(st->out_caps));
		gst_segment_init(&segment, GST_FORMAT_TIME);
		gst_pad_push_event(st->pad, gst_event_new_segment(&segment));
		gst_element_add_pad(GST_ELEMENT(self), st->pad);
	}
	gst_element_no_more_pads(GST_ELEMENT(self));
}

static gboolean
nvr_rtsp_src_open(NvrRtspSrc *self)
{
	g_autoptr(GstSDPMessage) sdp = NULL;
	GstRTSPMessage response = {0};
	GstRTSPUrl *url = NULL;
	GstRTSPResult res;
	GstRTSPConnection *conn = NULL;
	gchar *pub = NULL;

	if (self->url == NULL || gst_rtsp_url_parse(self->url, &url) != GST_RTSP_OK ||
	    gst_rtsp_connection_create(url, &conn) != GST_RTSP_OK) {
		gst_rtsp_url_free(url);
		NVR_RTSP_SRC_FAIL(self, NOT_FOUND, "not an RTSP URL");
		return FALSE;
	}
	gst_rtsp_url_free(url);
	g_mutex_lock(&self->lock);
	self->conn = conn;
	/* a stop before the connection existed had nothing to flush */
	if (g_cancellable_is_cancelled(self->cancellable))
		gst_rtsp_connection_flush(conn, TRUE);
	g_mutex_unlock(&self->lock);
	res = gst_rtsp_connection_connect_usec(self->conn, self->timeout);
	if (res != GST_RTSP_OK) {
		/* GstRTSPConnection folds a refused or unreachable connect into
		 * the generic GST_RTSP_ERROR, whose text says nothing */
		g_autofree gchar *why = res == GST_RTSP_ERROR ? g_strdup("refused or unreachable")
							       : gst_rtsp_strresult(res);
		NVR_RTSP_SRC_FAIL(self, OPEN_READ, "could not connect: %s", why);
		return FALSE;
	}
	if (!nvr_rtsp_src_request(self, GST_RTSP_OPTIONS, self->url, NULL, &response))
		return FALSE;
	if (gst_rtsp_message_get_header(&response, GST_RTSP_HDR_PUBLIC, &pub, 0) == GST_RTSP_OK)
		self->get_parameter = strstr(pub, "GET_PARAMETER") != NULL;
	gst_rtsp_message_unset(&response);
	if (!nvr_rtsp_src_describe(self, &sdp) || !nvr_rtsp_src_setup_all(self, sdp))
		return FALSE;
	nvr_rtsp_src_add_pads(self);
	if (!nvr_rtsp_src_request(self, GST_RTSP_PLAY, self->base_url, NULL, &response))
		return FALSE;
	nvr_rtsp_src_read_rtp_info(self, &response);
	gst_rtsp_message_unset(&response);
	self->next_keepalive = g_get_monotonic_time() + (gint64)self->keepalive_s * G_USEC_PER_SEC;
	return TRUE;
}

/* ---- streaming ---- */

static void
nvr_rtsp_src_keepalive(NvrRtspSrc *self)
{
	GstRTSPMessage request = {0};
	GstRTSPMethod method = self->get_parameter ? GST_RTSP_GET_PARAMETER : GST_RTSP_OPTIONS;

	/* the reply comes among the data and is skipped there */
	nvr_rtsp_src_init_request(self, &request, method, self->base_url);
	if (gst_rtsp_connection_send_usec(self->conn, &request, self->timeout) != GST_RTSP_OK)
		GST_DEBUG_OBJECT(self, "keep-alive not sent");
	gst_rtsp_message_unset(&request);
	self->next_keepalive = g_get_monotonic_time() + (gint64)self->keepalive_s * G_USEC_PER_SEC;
}

static NvrRtspStream *
nvr_rtsp_src_stream_for_channel(NvrRtspSrc *self, guint8 channel)
{
	for (guint i = 0; i < self->streams->len; i++) {
		NvrRtspStream *st = g_ptr_array_index(self->streams, i);
		if (st->channel == channel)
			return st;
	}
	return NULL;
}

/* @ext: RTP ticks since the stream's start */
static GstClockTime
nvr_rtsp_src_pts(const NvrRtspStream *st, gint64 ext)
{
	guint64 ns = gst_util_uint64_scale_int((guint64)ABS(ext), GST_SECOND, (gint)st->clock_rate);

	/* below the origin it wraps, and NvrIngest reads it as the step back it is */
	return ext >= 0 ? NVR_RTSP_SRC_PTS_ORIGIN + ns : NVR_RTSP_SRC_PTS_ORIGIN - ns;
}

/* a packet's buffer from the pool: the depayloaders copy what they keep,
 * so buffers come back whole and are reused instead of allocated */
static GstBuffer *
nvr_rtsp_src_packet_buffer(NvrRtspSrc *self, const guint8 *data, gsize len)
{
	GstBuffer *buf = NULL;

	if (self->pool == NULL || len > NVR_RTSP_SRC_POOL_SIZE ||
	    gst_buffer_pool_acquire_buffer(self->pool, &buf, NULL) != GST_FLOW_OK)
		return gst_buffer_new_memdup(data, len);
	gst_buffer_fill(buf, 0, data, len);
	gst_buffer_set_size(buf, (gssize)len);
	return buf;
}

/* the access units the depayloader finished, timed by their own timestamps */
static void
nvr_rtsp_src_depay(NvrRtspSrc *self, NvrRtspStream *st, const NvrRtpPacket *pkt, gboolean discont)
{
	NvrRtpDepayAu au[2];
	guint n = nvr_rtp_depay_push(st->depay, pkt->payload, pkt->payload_size, pkt->timestamp,
				     pkt->marker, discont, au);

	for (guint i = 0; i < n; i++) {
		GstBuffer *buf = gst_buffer_new_wrapped(au[i].data, au[i].size);

		GST_BUFFER_PTS(buf) = nvr_rtsp_src_pts(st, st->ext + (gint32)(au[i].timestamp - st->last_ts));
		if (au[i].discont)
			GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
		gst_buffer_list_add(st->pending, buf);
	}
}

static void
nvr_rtsp_src_handle_rtp(NvrRtspSrc *self, NvrRtspStream *st, const guint8 *data, gsize len)
{
	NvrRtpPacket pkt;
	gboolean discont;
	GstBuffer *buf;

	if (!nvr_rtp_packet_parse(data, len, &pkt)) {
		GST_DEBUG_OBJECT(self, "dropping a packet that is not RTP");
		return;
	}
	if (!st->started) {
		st->ext = st->have_rtptime ? (gint32)(pkt.timestamp - st->rtptime) : 0;
		st->started = TRUE;
		discont = TRUE;
	} else {
		st->ext += (gint32)(pkt.timestamp - st->last_ts);
		discont = pkt.seq != st->next_seq;
	}
	st->last_ts = pkt.timestamp;
	st->next_seq = pkt.seq + 1;
	if (st->depay != NULL) {
		nvr_rtsp_src_depay(self, st, &pkt, discont);
		return;
	}
	buf = nvr_rtsp_src_packet_buffer(self, data, len);
	GST_BUFFER_PTS(buf) = nvr_rtsp_src_pts(st, st->ext);
	if (discont)
		GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
	gst_buffer_list_add(st->pending, buf);
}

/* Returns: FALSE when streaming must stop */
static gboolean
nvr_rtsp_src_push_pending(NvrRtspSrc *self)
{
	for (guint i = 0; i < self->streams->len; i++) {
		NvrRtspStream *st = g_ptr_array_index(self->streams, i);
		GstFlowReturn ret;

		if (gst_buffer_list_length(st->pending) == 0)
			continue;
		ret = gst_pad_push_list(st->pad, g_steal_pointer(&st->pending));
		st->pending = gst_buffer_list_new();
		if (ret == GST_FLOW_NOT_LINKED || ret == GST_FLOW_OK)
			continue;
		if (ret != GST_FLOW_FLUSHING && ret != GST_FLOW_EOS)
			GST_ELEMENT_FLOW_ERROR(self, ret);
		return FALSE;
	}
	return TRUE;
}

/* splits what was read into items; Returns: FALSE on bytes that are neither */
static gboolean
nvr_rtsp_src_parse(NvrRtspSrc *self)
{
	gsize off = 0;

	while (off < self->fill) {
		g_autoptr(GError) error = NULL;
		NvrRtspItem item;

		if (!nvr_rtsp_interleaved_next(self->buf + off, self->fill - off, &item, &error)) {
			NVR_RTSP_SRC_FAIL(self, READ, "%s", error->message);
			return FALSE;
		}
		if (item.kind == NVR_RTSP_ITEM_INCOMPLETE)
			break;
		if (item.kind == NVR_RTSP_ITEM_DATA) {
			NvrRtspStream *st = nvr_rtsp_src_stream_for_channel(self, item.channel);
			/* RTCP (odd channels) is not needed: RTP time comes from RTP-Info */
			if (st != NULL)
				nvr_rtsp_src_handle_rtp(self, st, self->buf + off + item.offset, item.length);
		} else if (item.status >= 400) {
			GST_DEBUG_OBJECT(self, "keep-alive answered %u", item.status);
		}
		off += item.size;
	}
	memmove(self->buf, self->buf + off, self->fill - off);
	self->fill -= off;
	return TRUE;
}

static void
nvr_rtsp_src_push_eos(NvrRtspSrc *self)
{
	for (guint i = 0; i < self->streams->len; i++) {
		NvrRtspStream *st = g_ptr_array_index(self->streams, i);
		gst_pad_push_event(st->pad, gst_event_new_eos());
	}
}

/* Waking up for every TCP segment is what costs most (a context switch per
 * packet): the socket's low-water mark is set to about 1/15 s of the
 * stream's bytes, so the thread wakes about 15 times a second, and a tail
 * below the mark is read at the latest after MAX_DELAY_MS */
static void
nvr_rtsp_src_adapt_lowat(NvrRtspSrc *self, GSocket *sock, gsize n, gint64 now)
{
	gint64 elapsed = now - self->rate_start;
	gint lowat;

	self->rate_bytes += n;
	if (elapsed < G_USEC_PER_SEC)
		return;
	lowat = (gint)CLAMP(self->rate_bytes * G_USEC_PER_SEC / (guint64)elapsed /
				NVR_RTSP_SRC_WAKEUPS_PER_S,
			    1, NVR_RTSP_SRC_MAX_LOWAT);
	if (lowat != self->lowat &&
	    g_socket_set_option(sock, SOL_SOCKET, SO_RCVLOWAT, lowat, NULL))
		self->lowat = lowat;
	self->rate_bytes = 0;
	self->rate_start = now;
}

/* one poll, one read; Returns: FALSE when streaming must stop */
static gboolean
nvr_rtsp_src_receive(NvrRtspSrc *self)
{
	GSocket *sock = gst_rtsp_connection_get_read_socket(self->conn);
	g_autoptr(GError) error = NULL;
	GPollFD fds[2] = {{.fd = g_socket_get_fd(sock), .events = G_IO_IN | G_IO_HUP | G_IO_ERR},
			  self->cancel_pfd};
	gint64 now = g_get_monotonic_time();
	gint64 wait = self->next_keepalive - now;
	gssize n;

	if (wait <= 0) {
		nvr_rtsp_src_keepalive(self);
		return TRUE;
	}
	g_poll(fds, 2, (gint)MIN(wait / 1000 + 1, NVR_RTSP_SRC_MAX_DELAY_MS));
	if (g_cancellable_is_cancelled(self->cancellable))
		return FALSE;
	/* after a timeout too: a tail below the low-water mark may wait there */
	n = g_socket_receive_with_blocking(sock, (gchar *)self->buf + self->fill,
					   NVR_RTSP_SRC_READ_SIZE - self->fill, FALSE, NULL, &error);
	if (n == 0) {
		GST_DEBUG_OBJECT(self, "the camera closed the connection");
		nvr_rtsp_src_push_eos(self);
		return FALSE;
	}
	if (n < 0) {
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
			return TRUE;
		NVR_RTSP_SRC_FAIL(self, READ, "%s", error->message);
		return FALSE;
	}
	nvr_rtsp_src_adapt_lowat(self, sock, (gsize)n, now);
	self->fill += (gsize)n;
	return nvr_rtsp_src_parse(self) && nvr_rtsp_src_push_pending(self);
}

/* pausing from inside the task must not undo a stop that came meanwhile:
 * the stop cancels under the same lock before it stops the task */
static void
nvr_rtsp_src_pause_task(NvrRtspSrc *self)
{
	g_mutex_lock(&self->lock);
	if (!g_cancellable_is_cancelled(self->cancellable))
		gst_task_pause(self->task);
	g_mutex_unlock(&self->lock);
}

static void
nvr_rtsp_src_loop(gpointer user_data)
{
	NvrRtspSrc *self = NVR_RTSP_SRC(user_data);

	if (!self->playing) {
		/* the replies are waited for with it too */
		if (!self->have_cancel_pfd)
			self->have_cancel_pfd = g_cancellable_make_pollfd(self->cancellable,
									  &self->cancel_pfd);
		if (!nvr_rtsp_src_open(self)) {
			nvr_rtsp_src_pause_task(self);
			return;
		}
		self->rate_start = g_get_monotonic_time();
		self->playing = TRUE;
		/* RTP that came in the same read as the reply to PLAY */
		if (self->fill > 0 && !(nvr_rtsp_src_parse(self) && nvr_rtsp_src_push_pending(self))) {
			nvr_rtsp_src_pause_task(self);
			return;
		}
	}
	if (!nvr_rtsp_src_receive(self))
		nvr_rtsp_src_pause_task(self);
}

/* ---- state ---- */

static void
nvr_rtsp_src_wipe(gchar **secret)
{
	if (*secret != NULL)
		memset(*secret, 0, strlen(*secret));
	g_clear_pointer(secret, g_free);
}

static GstBufferPool *
nvr_rtsp_src_new_pool(void)
{
	GstBufferPool *pool = gst_buffer_pool_new();
	GstStructure *config = gst_buffer_pool_get_config(pool);

	gst_buffer_pool_config_set_params(config, NULL, NVR_RTSP_SRC_POOL_SIZE, 16, 0);
	if (!gst_buffer_pool_set_config(pool, config) || !gst_buffer_pool_set_active(pool, TRUE))
		g_clear_object(&pool); /* packets are then allocated one by one */
	return pool;
}

static void
nvr_rtsp_src_start(NvrRtspSrc *self)
{
	g_mutex_lock(&self->lock);
	g_free(self->url);
	self->url = g_strdup(self->location);
	g_free(self->auth_user);
	self->auth_user = g_strdup(self->user);
	nvr_rtsp_src_wipe(&self->auth_password);
	self->auth_password = g_strdup(self->password);
	self->timeout = self->timeout_us;
	g_mutex_unlock(&self->lock);
	g_clear_object(&self->cancellable);
	self->cancellable = g_cancellable_new();
	self->pool = nvr_rtsp_src_new_pool();
	self->buf = g_malloc(NVR_RTSP_SRC_READ_SIZE);
	self->fill = 0;
	self->keepalive_s = 30;
	gst_task_start(self->task);
}

/* after the task stopped: TEARDOWN (best effort), close, forget the streams */
static void
nvr_rtsp_src_cleanup(NvrRtspSrc *self)
{
	GstRTSPConnection *conn;

	g_mutex_lock(&self->lock);
	conn = g_steal_pointer(&self->conn);
	g_mutex_unlock(&self->lock);
	if (conn != NULL) {
		if (self->playing) {
			GstRTSPMessage request = {0};

			gst_rtsp_connection_flush(conn, FALSE);
			nvr_rtsp_src_init_request(self, &request, GST_RTSP_TEARDOWN, self->base_url);
			gst_rtsp_connection_send_usec(conn, &request, 100 * 1000);
			gst_rtsp_message_unset(&request);
		}
		gst_rtsp_connection_close(conn);
		gst_rtsp_connection_free(conn);
	}
	for (guint i = 0; i < self->streams->len; i++) {
		NvrRtspStream *st = g_ptr_array_index(self->streams, i);
		if (st->pad != NULL) {
			gst_pad_set_active(st->pad, FALSE);
			gst_element_remove_pad(GST_ELEMENT(self), st->pad);
		}
	}
	g_ptr_array_set_size(self->streams, 0);
	g_clear_pointer(&self->base_url, g_free);
	g_clear_pointer(&self->session, g_free);
	g_clear_pointer(&self->buf, g_free);
	if (self->pool != NULL)
		gst_buffer_pool_set_active(self->pool, FALSE);
	g_clear_object(&self->pool);
	if (self->have_cancel_pfd)
		g_cancellable_release_fd(self->cancellable);
	self->have_cancel_pfd = FALSE;
	self->cancel_pfd.fd = -1;
	self->lowat = 0;
	self->rate_bytes = 0;
	self->playing = FALSE;
}

static void
nvr_rtsp_src_stop(NvrRtspSrc *self)
{
	g_mutex_lock(&self->lock);
	g_cancellable_cancel(self->cancellable);
	if (self->conn != NULL)
		gst_rtsp_connection_flush(self->conn, TRUE);
	g_mutex_unlock(&self->lock);
	gst_task_stop(self->task);
	gst_task_join(self->task);
	nvr_rtsp_src_cleanup(self);
}

static GstStateChangeReturn
nvr_rtsp_src_change_state(GstElement *element, GstStateChange transition)
{
	NvrRtspSrc *self = NVR_RTSP_SRC(element);
	GstStateChangeReturn ret;

	if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
		nvr_rtsp_src_start(self);
	ret = GST_ELEMENT_CLASS(nvr_rtsp_src_parent_class)->change_state(element, transition);
	if (ret == GST_STATE_CHANGE_FAILURE)
		return ret;
	switch (transition) {
	case GST_STATE_CHANGE_PAUSED_TO_READY:
		nvr_rtsp_src_stop(self);
		break;
	case GST_STATE_CHANGE_READY_TO_PAUSED:
	case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
		ret = GST_STATE_CHANGE_NO_PREROLL; /* a live source */
		break;
	default:
		break;
	}
	return ret;
}

static void
nvr_rtsp_src_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
	NvrRtspSrc *self = NVR_RTSP_SRC(object);

	g_mutex_lock(&self->lock);
	switch (prop_id) {
	case PROP_LOCATION:
		g_free(self->location);
		self->location = g_value_dup_string(value);
		break;
	case PROP_USER_ID:
		g_free(self->user);
		self->user = g_value_dup_string(value);
		break;
	case PROP_USER_PW:
		nvr_rtsp_src_wipe(&self->password);
		self->password = g_value_dup_string(value);
		break;
	case PROP_TIMEOUT:
		self->timeout_us = g_value_get_uint64(value);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
	}
	g_mutex_unlock(&self->lock);
}

/* the password is write-only */
static void
nvr_rtsp_src_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	NvrRtspSrc *self = NVR_RTSP_SRC(object);

	g_mutex_lock(&self->lock);
	switch (prop_id) {
	case PROP_LOCATION:
		g_value_set_string(value, self->location);
		break;
	case PROP_USER_ID:
		g_value_set_string(value, self->user);
		break;
	case PROP_TIMEOUT:
		g_value_set_uint64(value, self->timeout_us);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
	}
	g_mutex_unlock(&self->lock);
}

static void
nvr_rtsp_src_finalize(GObject *object)
{
	NvrRtspSrc *self = NVR_RTSP_SRC(object);

	gst_object_unref(self->task);
	g_rec_mutex_clear(&self->task_lock);
	g_ptr_array_unref(self->streams);
	g_clear_object(&self->cancellable);
	g_clear_object(&self->pool);
	g_free(self->buf);
	g_free(self->base_url);
	g_free(self->session);
	g_free(self->location);
	g_free(self->user);
	nvr_rtsp_src_wipe(&self->password);
	g_free(self->url);
	g_free(self->auth_user);
	nvr_rtsp_src_wipe(&self->auth_password);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(nvr_rtsp_src_parent_class)->finalize(object);
}

static gboolean
nvr_rtsp_src_select_accumulator(GSignalInvocationHint *hint,
				GValue *accu,
				const GValue *handler_return,
				gpointer data)
{
	gboolean selected = g_value_get_boolean(handler_return);

	g_value_set_boolean(accu, selected);
	return selected; /* the first handler to refuse decides */
}

/*
 * GLib 2.74 deadlocks when a thread initialises a class whose class_init
 * needs a type that another thread is registering: nvrd hung at startup
 * with a streaming thread in gst_rtsp_connection_create() initialising
 * GSocketClient (its class_init wants GSocketAddress) while the main
 * context registered GSocketAddress for a WS-Discovery probe. The GIO
 * classes a streaming thread uses to connect are therefore made here, on
 * the thread that creates the first source, before any streaming thread.
 */
static void
nvr_rtsp_src_init_gio_classes(void)
{
	const GType types[] = {G_TYPE_SOCKET_CLIENT,	     G_TYPE_SOCKET_ADDRESS,
			       G_TYPE_INET_SOCKET_ADDRESS,   G_TYPE_INET_ADDRESS,
			       G_TYPE_NETWORK_ADDRESS,	     G_TYPE_PROXY_ADDRESS_ENUMERATOR,
			       G_TYPE_SOCKET,		     G_TYPE_SOCKET_CONNECTION,
			       G_TYPE_TCP_CONNECTION,	     G_TYPE_TASK};

	for (guint i = 0; i < G_N_ELEMENTS(types); i++)
		g_type_class_unref(g_type_class_ref(types[i]));
	g_object_unref(g_resolver_get_default());
	(void)g_proxy_resolver_get_default();
}

static void
nvr_rtsp_src_class_init(NvrRtspSrcClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GstElementClass *element_class = GST_ELEMENT_CLASS(klass);

	nvr_rtsp_src_init_gio_classes();

	object_class->set_property = nvr_rtsp_src_set_property;
	object_class->get_property = nvr_rtsp_src_get_property;
	object_class->finalize = nvr_rtsp_src_finalize;
	element_class->change_state = nvr_rtsp_src_change_state;

	g_object_class_install_property(object_class, PROP_LOCATION,
		g_param_spec_string("location", NULL, "rtsp:// URL, without credentials", NULL,
				    G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
	g_object_class_install_property(object_class, PROP_USER_ID,
		g_param_spec_string("user-id", NULL, NULL, NULL,
				    G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
	g_object_class_install_property(object_class, PROP_USER_PW,
		g_param_spec_string("user-pw", NULL, NULL, NULL,
				    G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS));
	g_object_class_install_property(object_class, PROP_TIMEOUT,
		g_param_spec_uint64("timeout", NULL, "for connecting, and for each request with its reply, in us",
				    1000, G_MAXUINT64, NVR_RTSP_SRC_DEFAULT_TIMEOUT_US,
				    G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
	/* as rtspsrc's: (guint index, GstCaps *caps) -> gboolean, before each SETUP */
	nvr_rtsp_src_signals[SIGNAL_SELECT_STREAM] =
	    g_signal_new("select-stream", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
			 nvr_rtsp_src_select_accumulator, NULL, NULL, G_TYPE_BOOLEAN, 2, G_TYPE_UINT,
			 GST_TYPE_CAPS);
	gst_element_class_add_static_pad_template(element_class, &nvr_rtsp_src_template);
	gst_element_class_set_static_metadata(element_class, "nvr RTSP source (TCP)",
					      "Source/Network", "RTSP over TCP without rtpbin",
					      "nvr");
	GST_DEBUG_CATEGORY_INIT(nvr_rtsp_src_debug, "nvrrtspsrc", 0, "nvr RTSP source");
}

static void
nvr_rtsp_src_init(NvrRtspSrc *self)
{
	g_mutex_init(&self->lock);
	g_rec_mutex_init(&self->task_lock);
	self->timeout_us = NVR_RTSP_SRC_DEFAULT_TIMEOUT_US;
	self->streams = g_ptr_array_new_with_free_func(nvr_rtsp_stream_free);
	self->cancellable = g_cancellable_new();
	self->cancel_pfd.fd = -1;
	self->task = gst_task_new(nvr_rtsp_src_loop, self, NULL);
	gst_task_set_lock(self->task, &self->task_lock);
	GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SOURCE);
}
