/*
 * notes on the DESCRIBE check
 *
 *   caller's context: async() -> inner GTask on a worker thread, a watchdog
 *   timer, a handler on the caller's cancellable -> inner callback (timer
 *   gone, handler gone) -> the caller's callback
 *   worker: connect -> DESCRIBE -> 401? set auth from the challenge,
 *   DESCRIBE again -> 2xx: parse the SDP
 *
 * invariants
 *   (1) the whole exchange ends by the deadline: each blocking call gets
 *       what is left of it, and the watchdog flushes the connection (its
 *       reads and writes return EINTR) should a call overrun, e.g. a
 *       camera that trickles a byte at a time
 *   (2) credentials reach only the connection's auth (the Authorization
 *       header), never a URL, a message or a log
 *   (3) the connection pointer is protected by the lock: the watchdog and
 *       the cancellable flush it from other threads
 */
#include "config.h"

#include <gst/rtsp/gstrtspconnection.h>
#include <gst/sdp/gstsdpmessage.h>
#include <string.h>

#include "core/nvr-error.h"
#include "nvr-rtsp-describe.h"

#define NVR_RTSP_DESCRIBE_USER_AGENT "nvr/" NVR_VERSION_STRING
/* an SDP is a few hundred bytes; a reply much larger than this is no camera's */
#define NVR_RTSP_DESCRIBE_SDP_MAX (64 * 1024)

typedef struct {
	gchar *url;	 /* immutable */
	gchar *username; /* immutable, nullable */
	gchar *password; /* immutable, nullable; wiped on free */
	guint timeout_ms;
	gint64 deadline_us; /* monotonic */
	GMutex lock;
	GstRTSPConnection *conn; /* protected by lock: the worker's */
	GSocket *socket;	 /* protected by lock: @conn's, once connected */
	gboolean expired;	 /* protected by lock: the watchdog fired */
	gboolean cancelled;	 /* protected by lock */
	GSource *watchdog;	 /* caller's context only */
	GCancellable *caller;	 /* caller's context only, nullable */
	gulong caller_id;
	gchar *auth; /* worker only: the scheme used */
	GstRTSPAuthCredential **creds;	   /* worker only: the challenge's */
	GstRTSPAuthCredential *challenge; /* worker only: the one answered, in @creds */
} NvrRtspDescribeJob;

void
nvr_rtsp_describe_free(NvrRtspDescribe *self)
{
	if (self == NULL)
		return;
	g_free(self->server);
	g_free(self->auth);
	g_free(self->video_encoding);
	g_free(self);
}

static void
nvr_rtsp_describe_job_free(NvrRtspDescribeJob *job)
{
	g_free(job->url);
	g_free(job->username);
	if (job->password != NULL)
		memset(job->password, 0, strlen(job->password));
	g_free(job->password);
	g_free(job->auth);
	if (job->creds != NULL)
		gst_rtsp_auth_credentials_free(job->creds);
	g_mutex_clear(&job->lock);
	g_free(job);
}

/* any thread: makes the worker's blocking call return */
static void
nvr_rtsp_describe_job_stop(NvrRtspDescribeJob *job, gboolean expired)
{
	g_mutex_lock(&job->lock);
	if (expired)
		job->expired = TRUE;
	else
		job->cancelled = TRUE;
	if (job->conn != NULL)
		gst_rtsp_connection_flush(job->conn, TRUE);
	/* GstRTSPConnection stops honouring the flush once a reply has begun; a
	 * shutdown ends the read that is left (it returns end-of-file) */
	if (job->socket != NULL)
		g_socket_shutdown(job->socket, TRUE, TRUE, NULL);
	g_mutex_unlock(&job->lock);
}

static gboolean
nvr_rtsp_describe_watchdog_cb(gpointer user_data)
{
	nvr_rtsp_describe_job_stop(user_data, TRUE);
	return G_SOURCE_REMOVE;
}

static void
nvr_rtsp_describe_cancelled_cb(GCancellable *cancellable, gpointer user_data)
{
	nvr_rtsp_describe_job_stop(user_data, FALSE);
}

/* what is left of the deadline for the next blocking call; 0 when it has passed */
static gint64
nvr_rtsp_describe_left_us(NvrRtspDescribeJob *job)
{
	return MAX(job->deadline_us - g_get_monotonic_time(), 0);
}

/* a failed GstRTSPResult as a GError: a stop by the watchdog is a timeout */
static void
nvr_rtsp_describe_set_result_error(NvrRtspDescribeJob *job, GstRTSPResult res, const gchar *what,
				   GError **error)
{
	g_autofree gchar *why = gst_rtsp_strresult(res);
	gboolean expired, cancelled;

	g_mutex_lock(&job->lock);
	expired = job->expired;
	cancelled = job->cancelled;
	g_mutex_unlock(&job->lock);
	if (cancelled)
		g_set_error(error, NVR_ERROR, NVR_ERROR_CANCELLED, "%s: cancelled", what);
	else if (expired || res == GST_RTSP_ETIMEOUT || nvr_rtsp_describe_left_us(job) == 0)
		g_set_error(error, NVR_ERROR, NVR_ERROR_TIMEOUT, "%s: no answer within %u ms", what,
			    job->timeout_ms);
	else
		g_set_error(error, NVR_ERROR, NVR_ERROR_IO, "%s: %s", what, why);
}

/* the strongest challenge we can answer, Digest, else Basic; kept for a reconnection */
static gboolean
nvr_rtsp_describe_take_challenge(NvrRtspDescribeJob *job, GstRTSPMessage *response)
{
	GstRTSPAuthCredential **creds =
		gst_rtsp_message_parse_auth_credentials(response, GST_RTSP_HDR_WWW_AUTHENTICATE);

	for (guint i = 0; creds != NULL && creds[i] != NULL; i++) {
		if (creds[i]->scheme == GST_RTSP_AUTH_DIGEST ||
		    (creds[i]->scheme == GST_RTSP_AUTH_BASIC && job->challenge == NULL))
			job->challenge = creds[i];
	}
	if (job->challenge == NULL || job->username == NULL) {
		job->challenge = NULL;
		gst_rtsp_auth_credentials_free(creds);
		return FALSE;
	}
	job->creds = creds;
	job->auth = g_strdup(job->challenge->scheme == GST_RTSP_AUTH_DIGEST ? "Digest" : "Basic");
	return TRUE;
}

static void
nvr_rtsp_describe_apply_auth(NvrRtspDescribeJob *job)
{
	GstRTSPAuthCredential *c = job->challenge;

	gst_rtsp_connection_clear_auth_params(job->conn);
	for (guint i = 0; c->params != NULL && c->params[i] != NULL; i++)
		gst_rtsp_connection_set_auth_param(job->conn, c->params[i]->name, c->params[i]->value);
	gst_rtsp_connection_set_auth(job->conn, c->scheme, job->username,
				     job->password != NULL ? job->password : "");
}

/* one DESCRIBE and its response (anything else the server sends first is skipped) */
static gboolean
nvr_rtsp_describe_exchange(NvrRtspDescribeJob *job, GstRTSPMessage *response, GError **error)
{
	GstRTSPMessage request = {0};
	GstRTSPResult res;

	gst_rtsp_message_init_request(&request, GST_RTSP_DESCRIBE, job->url);
	gst_rtsp_message_add_header(&request, GST_RTSP_HDR_USER_AGENT, NVR_RTSP_DESCRIBE_USER_AGENT);
	gst_rtsp_message_add_header(&request, GST_RTSP_HDR_ACCEPT, "application/sdp");
	res = gst_rtsp_connection_send_usec(job->conn, &request, nvr_rtsp_describe_left_us(job));
	gst_rtsp_message_unset(&request);
	if (res != GST_RTSP_OK) {
		nvr_rtsp_describe_set_result_error(job, res, "DESCRIBE", error);
		return FALSE;
	}
	for (guint skipped = 0; skipped < 8; skipped++) {
		res = gst_rtsp_connection_receive_usec(job->conn, response, nvr_rtsp_describe_left_us(job));
		if (res != GST_RTSP_OK) {
			nvr_rtsp_describe_set_result_error(job, res, "DESCRIBE", error);
			return FALSE;
		}
		if (response->type == GST_RTSP_MESSAGE_RESPONSE)
			return TRUE;
		gst_rtsp_message_unset(response);
	}
	g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "DESCRIBE: no response among the server's messages");
	return FALSE;
}

static void
nvr_rtsp_describe_set_status_error(NvrRtspDescribeJob *job, guint code, GError **error)
{
	const gchar *text = gst_rtsp_status_as_text(code);

	if (code == GST_RTSP_STS_UNAUTHORIZED && job->username == NULL)
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_AUTH,
				    "the camera wants a user name and password (401)");
	else if (code == GST_RTSP_STS_UNAUTHORIZED && job->auth == NULL)
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_AUTH,
				    "the camera asks for an authentication nvr does not speak (401)");
	else if (code == GST_RTSP_STS_UNAUTHORIZED || code == GST_RTSP_STS_FORBIDDEN)
		g_set_error(error, NVR_ERROR, NVR_ERROR_AUTH,
			    "the camera refused the user name or password (%u %s)", code,
			    text != NULL ? text : "");
	else if (code == GST_RTSP_STS_NOT_FOUND)
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_NOT_FOUND, "no such stream (404)");
	else
		g_set_error(error, NVR_ERROR, NVR_ERROR_FAILED, "DESCRIBE answered %u %s", code,
			    text != NULL ? text : "");
}

/* the SDP must offer video: an answer without it is no camera stream */
static NvrRtspDescribe *
nvr_rtsp_describe_read_sdp(GstRTSPMessage *response, GError **error)
{
	g_autoptr(NvrRtspDescribe) out = g_new0(NvrRtspDescribe, 1);
	g_autoptr(GstSDPMessage) sdp = NULL;
	guint8 *body = NULL;
	guint size = 0;
	gchar *server = NULL;

	out->status = response->type_data.response.code;
	if (gst_rtsp_message_get_header(response, GST_RTSP_HDR_SERVER, &server, 0) == GST_RTSP_OK)
		out->server = g_utf8_make_valid(server, MIN(strlen(server), 256));
	gst_rtsp_message_get_body(response, &body, &size);
	if (body == NULL || size == 0 || size > NVR_RTSP_DESCRIBE_SDP_MAX ||
	    gst_sdp_message_new(&sdp) != GST_SDP_OK ||
	    gst_sdp_message_parse_buffer(body, size, sdp) != GST_SDP_OK) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "DESCRIBE: no usable SDP");
		return NULL;
	}
	for (guint i = 0; i < gst_sdp_message_medias_len(sdp); i++) {
		const GstSDPMedia *m = gst_sdp_message_get_media(sdp, i);
		const gchar *media = gst_sdp_media_get_media(m);
		const gchar *rtpmap = gst_sdp_media_get_attribute_val(m, "rtpmap");

		if (g_strcmp0(media, "audio") == 0)
			out->n_audio++;
		if (g_strcmp0(media, "video") != 0)
			continue;
		/* "96 H264/90000" */
		if (out->n_video++ == 0 && rtpmap != NULL && strchr(rtpmap, ' ') != NULL)
			out->video_encoding = g_strndup(strchr(rtpmap, ' ') + 1,
							strcspn(strchr(rtpmap, ' ') + 1, "/"));
	}
	if (out->n_video == 0) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED, "the SDP offers no video");
		return NULL;
	}
	return g_steal_pointer(&out);
}

/* closes the worker's connection, if any */
static void
nvr_rtsp_describe_close(NvrRtspDescribeJob *job)
{
	GstRTSPConnection *conn;

	g_mutex_lock(&job->lock);
	conn = g_steal_pointer(&job->conn);
	job->socket = NULL;
	g_mutex_unlock(&job->lock);
	if (conn != NULL) {
		gst_rtsp_connection_close(conn);
		gst_rtsp_connection_free(conn);
	}
}

static gboolean
nvr_rtsp_describe_connect(NvrRtspDescribeJob *job, GError **error)
{
	GstRTSPUrl *url = NULL;
	GstRTSPConnection *conn = NULL;
	GstRTSPResult res;
	gboolean stopped;

	nvr_rtsp_describe_close(job);
	if (gst_rtsp_url_parse(job->url, &url) != GST_RTSP_OK || url->user != NULL ||
	    gst_rtsp_connection_create(url, &conn) != GST_RTSP_OK) {
		gst_rtsp_url_free(url);
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "not an RTSP URL without credentials");
		return FALSE;
	}
	gst_rtsp_url_free(url);
	g_mutex_lock(&job->lock);
	job->conn = conn;
	stopped = job->expired || job->cancelled;
	g_mutex_unlock(&job->lock);
	res = stopped ? GST_RTSP_EINTR : gst_rtsp_connection_connect_usec(conn, nvr_rtsp_describe_left_us(job));
	if (res != GST_RTSP_OK) {
		nvr_rtsp_describe_set_result_error(job, res, "could not connect", error);
		return FALSE;
	}
	g_mutex_lock(&job->lock);
	job->socket = gst_rtsp_connection_get_read_socket(conn);
	stopped = job->expired || job->cancelled;
	g_mutex_unlock(&job->lock);
	if (stopped) {
		nvr_rtsp_describe_set_result_error(job, GST_RTSP_EINTR, "could not connect", error);
		return FALSE;
	}
	gst_rtsp_connection_set_content_length_limit(conn, NVR_RTSP_DESCRIBE_SDP_MAX);
	if (job->challenge != NULL)
		nvr_rtsp_describe_apply_auth(job);
	return TRUE;
}

/* the answer to a challenge; some cameras close the connection after a 401, so once more
 * on a new one if this one is gone */
static gboolean
nvr_rtsp_describe_answer(NvrRtspDescribeJob *job, GstRTSPMessage *response, GError **error)
{
	g_autoptr(GError) local = NULL;

	nvr_rtsp_describe_apply_auth(job);
	if (nvr_rtsp_describe_exchange(job, response, &local))
		return TRUE;
	if (!g_error_matches(local, NVR_ERROR, NVR_ERROR_IO)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	return nvr_rtsp_describe_connect(job, error) && nvr_rtsp_describe_exchange(job, response, error);
}

static NvrRtspDescribe *
nvr_rtsp_describe_run(NvrRtspDescribeJob *job, GError **error)
{
	GstRTSPMessage response = {0};
	NvrRtspDescribe *out = NULL;
	guint code;

	/* the first DESCRIBE goes out without credentials: only the challenge says which scheme */
	if (!nvr_rtsp_describe_connect(job, error) || !nvr_rtsp_describe_exchange(job, &response, error))
		return NULL;
	code = response.type_data.response.code;
	if (code == GST_RTSP_STS_UNAUTHORIZED && nvr_rtsp_describe_take_challenge(job, &response)) {
		gst_rtsp_message_unset(&response);
		if (!nvr_rtsp_describe_answer(job, &response, error))
			return NULL;
		code = response.type_data.response.code;
	}
	if (code / 100 != 2)
		nvr_rtsp_describe_set_status_error(job, code, error);
	else if ((out = nvr_rtsp_describe_read_sdp(&response, error)) != NULL)
		out->auth = g_strdup(job->auth);
	gst_rtsp_message_unset(&response);
	return out;
}

static void
nvr_rtsp_describe_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *unused)
{
	NvrRtspDescribeJob *job = task_data;
	GError *error = NULL;
	NvrRtspDescribe *out = nvr_rtsp_describe_run(job, &error);

	nvr_rtsp_describe_close(job);
	if (out != NULL)
		g_task_return_pointer(task, out, (GDestroyNotify)nvr_rtsp_describe_free);
	else
		g_task_return_error(task, error);
}

/* caller's context: the worker is done; nothing can flush its connection any more */
static void
nvr_rtsp_describe_inner_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) outer = user_data;
	NvrRtspDescribeJob *job = g_task_get_task_data(G_TASK(res));
	GError *error = NULL;
	NvrRtspDescribe *out;

	g_source_destroy(job->watchdog);
	g_clear_pointer(&job->watchdog, g_source_unref);
	if (job->caller != NULL)
		g_cancellable_disconnect(job->caller, job->caller_id);
	g_clear_object(&job->caller);
	out = g_task_propagate_pointer(G_TASK(res), &error);
	if (out != NULL)
		g_task_return_pointer(outer, out, (GDestroyNotify)nvr_rtsp_describe_free);
	else
		g_task_return_error(outer, error);
}

/**
 * nvr_rtsp_describe_async:
 * @url: rtsp:// or rtsps:// (default certificate validation), no userinfo
 * @username: (nullable): sent only if the camera asks
 * @password: (nullable)
 * @timeout_ms: for the whole exchange; 0: NVR_RTSP_DESCRIBE_TIMEOUT_MS
 *
 * Finishes on the thread-default main context of the call, which must run.
 * Errors: NVR_ERROR_AUTH (401 or 403), NVR_ERROR_NOT_FOUND (404),
 * NVR_ERROR_TIMEOUT, NVR_ERROR_IO (no connection), NVR_ERROR_PARSE (no
 * SDP), NVR_ERROR_NOT_SUPPORTED (no video), NVR_ERROR_FAILED (another
 * status), NVR_ERROR_CANCELLED.
 */
void
nvr_rtsp_describe_async(const gchar *url, const gchar *username, const gchar *password,
			guint timeout_ms, GCancellable *cancellable, GAsyncReadyCallback callback,
			gpointer user_data)
{
	GTask *outer;
	g_autoptr(GTask) inner = NULL;
	NvrRtspDescribeJob *job;

	g_return_if_fail(url != NULL);
	outer = g_task_new(NULL, cancellable, callback, user_data);
	inner = g_task_new(NULL, NULL, nvr_rtsp_describe_inner_cb, outer);
	job = g_new0(NvrRtspDescribeJob, 1);
	g_task_set_source_tag(outer, nvr_rtsp_describe_async);
	g_mutex_init(&job->lock);
	job->url = g_strdup(url);
	job->username = g_strdup(username);
	job->password = g_strdup(password);
	job->timeout_ms = timeout_ms != 0 ? timeout_ms : NVR_RTSP_DESCRIBE_TIMEOUT_MS;
	job->deadline_us = g_get_monotonic_time() + (gint64)job->timeout_ms * 1000;
	g_task_set_task_data(inner, job, (GDestroyNotify)nvr_rtsp_describe_job_free);
	job->watchdog = g_timeout_source_new(job->timeout_ms);
	g_source_set_callback(job->watchdog, nvr_rtsp_describe_watchdog_cb, job, NULL);
	g_source_set_static_name(job->watchdog, "nvr-rtsp-describe");
	g_source_attach(job->watchdog, g_main_context_get_thread_default());
	if (cancellable != NULL) {
		job->caller = g_object_ref(cancellable);
		job->caller_id = g_cancellable_connect(cancellable, G_CALLBACK(nvr_rtsp_describe_cancelled_cb),
						       job, NULL);
	}
	g_task_run_in_thread(inner, nvr_rtsp_describe_thread);
}

/**
 * nvr_rtsp_describe_finish:
 *
 * Returns: (transfer full): what the DESCRIBE said, or NULL with @error
 */
NvrRtspDescribe *
nvr_rtsp_describe_finish(GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
	return g_task_propagate_pointer(G_TASK(result), error);
}
