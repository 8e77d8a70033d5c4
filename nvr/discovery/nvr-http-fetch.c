#include "config.h"

#include "core/nvr-error.h"
#include "core/nvr-log.h"
#include "nvr-deadline.h"
#include "nvr-discovery-text.h"
#include "nvr-http-fetch.h"

#define NVR_HTTP_FETCH_CHUNK 16384

typedef struct {
	SoupSession *session;
	SoupMessage *msg;
	NvrDeadline *deadline;
	GInputStream *stream; /* the body, once the headers are in */
	GByteArray *body;
	gsize max_body;
	NvrHttpFetchFlags flags;
	gboolean truncated;
} NvrHttpFetchData;

static void
nvr_http_fetch_data_free(NvrHttpFetchData *data)
{
	g_object_unref(data->session);
	g_object_unref(data->msg);
	nvr_deadline_free(data->deadline);
	g_clear_object(&data->stream);
	g_byte_array_unref(data->body);
	g_free(data);
}

void
nvr_http_reply_free(NvrHttpReply *self)
{
	if (self == NULL)
		return;
	g_free(self->reason);
	g_clear_pointer(&self->headers, soup_message_headers_unref);
	g_clear_pointer(&self->body, g_bytes_unref);
	g_clear_object(&self->peer_certificate);
	g_free(self);
}

/**
 * nvr_http_session_new:
 * @timeout_ms: the I/O timeout; nvr_http_fetch_async() adds the overall one
 *
 * Returns: (transfer full): a session for talking to devices, bound to the
 * thread-default main context
 */
SoupSession *
nvr_http_session_new(guint timeout_ms)
{
	SoupSession *session = soup_session_new_with_options(
		"proxy-resolver", NULL, "user-agent", "nvr/" NVR_VERSION_STRING, "timeout",
		MAX(1u, (timeout_ms + 999) / 1000), "idle-timeout", 30u, "max-conns-per-host", 2,
		NULL);

	/* a device's reply is read as sent: a compressed bomb stays compressed and capped */
	soup_session_remove_feature_by_type(session, SOUP_TYPE_CONTENT_DECODER);
	return session;
}

static gboolean
nvr_http_fetch_accept_certificate_cb(SoupMessage *msg, GTlsCertificate *cert,
				     GTlsCertificateFlags errors, gpointer user_data)
{
	return TRUE; /* identification, not trust: we want to see whatever it presents */
}

static void
nvr_http_fetch_return_error(GTask *task, GError *error)
{
	NvrHttpFetchData *data = g_task_get_task_data(task);

	g_task_return_error(task, nvr_deadline_translate_error(data->deadline, error));
	g_object_unref(task);
}

static void
nvr_http_fetch_done(GTask *task)
{
	NvrHttpFetchData *data = g_task_get_task_data(task);
	NvrHttpReply *reply = g_new0(NvrHttpReply, 1);
	GTlsCertificate *cert = soup_message_get_tls_peer_certificate(data->msg);

	reply->status = soup_message_get_status(data->msg);
	reply->reason = nvr_discovery_text_clean(soup_message_get_reason_phrase(data->msg), -1,
						 NVR_DISCOVERY_TEXT_MAX);
	reply->headers = soup_message_headers_ref(soup_message_get_response_headers(data->msg));
	reply->body = g_byte_array_free_to_bytes(g_steal_pointer(&data->body));
	data->body = g_byte_array_new();
	reply->truncated = data->truncated;
	reply->peer_certificate = cert != NULL ? g_object_ref(cert) : NULL;
	g_task_return_pointer(task, reply, (GDestroyNotify)nvr_http_reply_free);
	g_object_unref(task);
}

static void nvr_http_fetch_read_next(GTask *task);

static gboolean
nvr_http_fetch_too_big(GTask *task)
{
	NvrHttpFetchData *data = g_task_get_task_data(task);

	if (data->body->len <= data->max_body)
		return FALSE;
	if ((data->flags & NVR_HTTP_FETCH_TRUNCATE) != 0) {
		g_byte_array_set_size(data->body, (guint)data->max_body);
		data->truncated = TRUE;
		nvr_http_fetch_done(task);
		return TRUE;
	}
	nvr_http_fetch_return_error(task, g_error_new(NVR_ERROR, NVR_ERROR_PARSE,
						      "reply larger than %" G_GSIZE_FORMAT " bytes",
						      data->max_body));
	return TRUE;
}

static void
nvr_http_fetch_read_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = G_TASK(user_data);
	NvrHttpFetchData *data = g_task_get_task_data(task);
	GError *error = NULL;
	g_autoptr(GBytes) chunk =
		g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), res, &error);

	if (chunk == NULL) {
		nvr_http_fetch_return_error(task, error);
		return;
	}
	if (g_bytes_get_size(chunk) == 0) {
		nvr_http_fetch_done(task);
		return;
	}
	g_byte_array_append(data->body, g_bytes_get_data(chunk, NULL),
			    (guint)g_bytes_get_size(chunk));
	if (nvr_http_fetch_too_big(task))
		return;
	nvr_http_fetch_read_next(task);
}

static void
nvr_http_fetch_read_next(GTask *task)
{
	NvrHttpFetchData *data = g_task_get_task_data(task);

	g_input_stream_read_bytes_async(data->stream, NVR_HTTP_FETCH_CHUNK, G_PRIORITY_DEFAULT,
					nvr_deadline_get_cancellable(data->deadline),
					nvr_http_fetch_read_cb, task);
}

static void
nvr_http_fetch_send_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = G_TASK(user_data);
	NvrHttpFetchData *data = g_task_get_task_data(task);
	SoupMessageHeaders *headers;
	GError *error = NULL;

	data->stream = soup_session_send_finish(SOUP_SESSION(source), res, &error);
	if (data->stream == NULL) {
		nvr_http_fetch_return_error(task, error);
		return;
	}
	headers = soup_message_get_response_headers(data->msg);
	/* refuse early what would be refused anyway, before reading any of it */
	if (soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CONTENT_LENGTH &&
	    soup_message_headers_get_content_length(headers) > (goffset)data->max_body &&
	    (data->flags & NVR_HTTP_FETCH_TRUNCATE) == 0) {
		nvr_http_fetch_return_error(
			task, g_error_new(NVR_ERROR, NVR_ERROR_PARSE,
					  "reply of %" G_GINT64_FORMAT
					  " bytes is larger than %" G_GSIZE_FORMAT,
					  (gint64)soup_message_headers_get_content_length(headers),
					  data->max_body));
		return;
	}
	nvr_http_fetch_read_next(task);
}

/**
 * nvr_http_fetch_async:
 * @session: from nvr_http_session_new(), on this thread's context
 * @msg: the request; redirects are not followed
 * @max_body: most body bytes held in memory
 * @timeout_ms: for the whole exchange, connect to last body byte
 *
 * Errors: NVR_ERROR_TIMEOUT, NVR_ERROR_CANCELLED, NVR_ERROR_IO (connect,
 * TLS, framing), NVR_ERROR_PARSE (body over @max_body without
 * NVR_HTTP_FETCH_TRUNCATE). Any HTTP status is a reply, not an error.
 */
void
nvr_http_fetch_async(SoupSession *session, SoupMessage *msg, gsize max_body,
		     NvrHttpFetchFlags flags, guint timeout_ms, GCancellable *cancellable,
		     GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(session, cancellable, callback, user_data);
	NvrHttpFetchData *data = g_new0(NvrHttpFetchData, 1);

	g_task_set_source_tag(task, nvr_http_fetch_async);
	g_task_set_check_cancellable(task, FALSE); /* our NVR_ERROR_CANCELLED, not GIO's */
	data->session = g_object_ref(session);
	data->msg = g_object_ref(msg);
	data->deadline = nvr_deadline_new(cancellable, timeout_ms);
	data->body = g_byte_array_new();
	data->max_body = max_body;
	data->flags = flags;
	g_task_set_task_data(task, data, (GDestroyNotify)nvr_http_fetch_data_free);
	soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
	g_signal_connect(msg, "accept-certificate",
			 G_CALLBACK(nvr_http_fetch_accept_certificate_cb), NULL);
	soup_session_send_async(session, msg, G_PRIORITY_DEFAULT,
				nvr_deadline_get_cancellable(data->deadline),
				nvr_http_fetch_send_cb, task);
}

/* Returns: (transfer full): the reply, whatever its status */
NvrHttpReply *
nvr_http_fetch_finish(GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer(G_TASK(result), error);
}
