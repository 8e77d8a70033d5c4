#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "nvr-deadline.h"
#include "nvr-discovery-text.h"
#include "nvr-http-banner.h"
#include "nvr-rtsp-banner.h"

#define NVR_RTSP_HEADERS_MAX 64
#define NVR_RTSP_METHODS_MAX 32
#define NVR_RTSP_READ_CHUNK 4096

void
nvr_rtsp_banner_free(NvrRtspBanner *self)
{
	if (self == NULL)
		return;
	g_free(self->reason);
	g_free(self->server);
	g_strfreev(self->public_methods);
	g_ptr_array_unref(self->challenges);
	g_free(self);
}

/* "RTSP/1.0 200 OK" */
static gboolean
nvr_rtsp_parse_status(NvrRtspBanner *self, const gchar *line, GError **error)
{
	if (!g_str_has_prefix(line, "RTSP/1.") || !g_ascii_isdigit(line[7]) || line[8] != ' ' ||
	    !g_ascii_isdigit(line[9]) || !g_ascii_isdigit(line[10]) || !g_ascii_isdigit(line[11]) ||
	    (line[12] != ' ' && line[12] != '\0')) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "not an RTSP response");
		return FALSE;
	}
	self->status = (guint)((line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0'));
	if (line[12] == ' ')
		self->reason = nvr_discovery_text_clean(line + 13, -1, NVR_DISCOVERY_TEXT_MAX);
	return TRUE;
}

static gchar **
nvr_rtsp_parse_methods(const gchar *value)
{
	g_autoptr(GStrvBuilder) out = g_strv_builder_new();
	g_auto(GStrv) items = g_strsplit(value, ",", NVR_RTSP_METHODS_MAX + 1);

	for (guint i = 0; items[i] != NULL && i < NVR_RTSP_METHODS_MAX; i++) {
		g_autofree gchar *method = nvr_discovery_text_clean(items[i], -1, 32);
		if (method != NULL)
			g_strv_builder_add(out, method);
	}
	return g_strv_builder_end(out);
}

static void
nvr_rtsp_parse_header(NvrRtspBanner *self, const gchar *name, const gchar *value)
{
	guint64 cseq = 0;

	if (g_ascii_strcasecmp(name, "Server") == 0 && self->server == NULL) {
		self->server = nvr_discovery_text_clean(value, -1, NVR_DISCOVERY_TEXT_MAX);
	} else if (g_ascii_strcasecmp(name, "Public") == 0 && self->public_methods == NULL) {
		self->public_methods = nvr_rtsp_parse_methods(value);
	} else if (g_ascii_strcasecmp(name, "WWW-Authenticate") == 0) {
		nvr_http_challenges_parse(value, self->challenges);
	} else if (g_ascii_strcasecmp(name, "CSeq") == 0 &&
		   g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT32, &cseq, NULL)) {
		self->cseq = (guint)cseq;
	}
}

/* "Name: value" lines up to the blank one; a folded line continues the previous value */
static void
nvr_rtsp_parse_headers(NvrRtspBanner *self, gchar **lines)
{
	g_autofree gchar *name = NULL;
	g_autoptr(GString) value = g_string_new(NULL);
	guint n = 0;

	for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0' && n < NVR_RTSP_HEADERS_MAX;
	     i++) {
		const gchar *line = lines[i];
		const gchar *colon;

		if ((line[0] == ' ' || line[0] == '\t') && name != NULL) {
			g_string_append_printf(value, " %s", g_strstrip(lines[i]));
			continue;
		}
		if (name != NULL)
			nvr_rtsp_parse_header(self, name, value->str);
		g_clear_pointer(&name, g_free);
		colon = strchr(line, ':');
		if (colon == NULL || colon == line)
			continue; /* junk line: skipped */
		name = g_strstrip(g_strndup(line, (gsize)(colon - line)));
		g_string_assign(value, colon + 1);
		g_strstrip(value->str);
		value->len = strlen(value->str);
		n++;
	}
	if (name != NULL)
		nvr_rtsp_parse_header(self, name, value->str);
}

/**
 * nvr_rtsp_banner_parse:
 * @data: a reply's status line and headers (what follows the blank line is ignored)
 *
 * Returns: (transfer full): the banner, or NULL with NVR_ERROR_PARSE
 */
NvrRtspBanner *
nvr_rtsp_banner_parse(const gchar *data, gsize len, GError **error)
{
	g_autoptr(NvrRtspBanner) self = g_new0(NvrRtspBanner, 1);
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	const gchar *end;

	self->challenges = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_http_challenge_free);
	if (len > NVR_RTSP_BANNER_MAX) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE,
			    "RTSP reply headers longer than %d bytes", NVR_RTSP_BANNER_MAX);
		return NULL;
	}
	/* a NUL ends the text we look at: what comes after it is not a header anyone meant */
	text = data != NULL ? g_strndup(data, len)
			    : g_strdup(""); /* an empty GByteArray's is NULL */
	end = strstr(text, "\r\n\r\n");
	if (end != NULL)
		text[end - text] = '\0';
	lines = g_strsplit(text, "\n", NVR_RTSP_HEADERS_MAX * 4);
	for (guint i = 0; lines[i] != NULL; i++) {
		gsize n = strlen(lines[i]);
		if (n > 0 && lines[i][n - 1] == '\r')
			lines[i][n - 1] = '\0';
	}
	if (!nvr_rtsp_parse_status(self, lines[0] != NULL ? lines[0] : "", error))
		return NULL;
	nvr_rtsp_parse_headers(self, lines + 1);
	if (self->public_methods == NULL)
		self->public_methods = g_new0(gchar *, 1);
	return g_steal_pointer(&self);
}

typedef struct {
	NvrDeadline *deadline;
	GSocketClient *client;
	GSocketConnection *conn;
	gchar *request;
	GByteArray *reply;
	guint8 chunk[NVR_RTSP_READ_CHUNK];
	gchar *where; /* "host:port" for messages */
} NvrRtspProbe;

static void
nvr_rtsp_probe_free(NvrRtspProbe *probe)
{
	nvr_deadline_free(probe->deadline);
	g_clear_object(&probe->client);
	if (probe->conn != NULL)
		g_io_stream_close(G_IO_STREAM(probe->conn), NULL, NULL);
	g_clear_object(&probe->conn);
	g_free(probe->request);
	g_byte_array_unref(probe->reply);
	g_free(probe->where);
	g_free(probe);
}

static void
nvr_rtsp_probe_fail(GTask *task, GError *error)
{
	NvrRtspProbe *probe = g_task_get_task_data(task);

	error = nvr_deadline_translate_error(probe->deadline, error);
	g_prefix_error(&error, "RTSP OPTIONS to %s: ", probe->where);
	g_task_return_error(task, error);
	g_object_unref(task);
}

static void
nvr_rtsp_probe_done(GTask *task)
{
	NvrRtspProbe *probe = g_task_get_task_data(task);
	GError *error = NULL;
	NvrRtspBanner *banner =
		nvr_rtsp_banner_parse((const gchar *)probe->reply->data, probe->reply->len, &error);

	if (banner == NULL) {
		nvr_rtsp_probe_fail(task, error);
		return;
	}
	g_task_return_pointer(task, banner, (GDestroyNotify)nvr_rtsp_banner_free);
	g_object_unref(task);
}

static void nvr_rtsp_probe_read_next(GTask *task);

static void
nvr_rtsp_probe_read_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = G_TASK(user_data);
	NvrRtspProbe *probe = g_task_get_task_data(task);
	GError *error = NULL;
	gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), res, &error);

	if (n < 0) {
		nvr_rtsp_probe_fail(task, error);
		return;
	}
	if (n == 0) { /* closed early: judge what came */
		nvr_rtsp_probe_done(task);
		return;
	}
	g_byte_array_append(probe->reply, probe->chunk, (guint)n);
	if (g_strstr_len((const gchar *)probe->reply->data, probe->reply->len, "\r\n\r\n") !=
	    NULL) {
		nvr_rtsp_probe_done(task);
		return;
	}
	if (probe->reply->len > NVR_RTSP_BANNER_MAX) {
		nvr_rtsp_probe_fail(task, g_error_new(NVR_ERROR, NVR_ERROR_PARSE,
						      "reply headers longer than %d bytes",
						      NVR_RTSP_BANNER_MAX));
		return;
	}
	nvr_rtsp_probe_read_next(task);
}

static void
nvr_rtsp_probe_read_next(GTask *task)
{
	NvrRtspProbe *probe = g_task_get_task_data(task);
	GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(probe->conn));

	g_input_stream_read_async(in, probe->chunk, sizeof(probe->chunk), G_PRIORITY_DEFAULT,
				  nvr_deadline_get_cancellable(probe->deadline),
				  nvr_rtsp_probe_read_cb, task);
}

static void
nvr_rtsp_probe_written_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = G_TASK(user_data);
	GError *error = NULL;

	if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), res, NULL, &error)) {
		nvr_rtsp_probe_fail(task, error);
		return;
	}
	nvr_rtsp_probe_read_next(task);
}

static void
nvr_rtsp_probe_connected_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = G_TASK(user_data);
	NvrRtspProbe *probe = g_task_get_task_data(task);
	GError *error = NULL;
	GOutputStream *out;

	probe->conn = g_socket_client_connect_finish(G_SOCKET_CLIENT(source), res, &error);
	if (probe->conn == NULL) {
		nvr_rtsp_probe_fail(task, error);
		return;
	}
	out = g_io_stream_get_output_stream(G_IO_STREAM(probe->conn));
	g_output_stream_write_all_async(
		out, probe->request, strlen(probe->request), G_PRIORITY_DEFAULT,
		nvr_deadline_get_cancellable(probe->deadline), nvr_rtsp_probe_written_cb, task);
}

/* the host goes into our request line: an address or a plain DNS name, nothing else */
static gboolean
nvr_rtsp_host_ok(const gchar *host)
{
	if (host == NULL || host[0] == '\0' || strlen(host) > 253)
		return FALSE;
	for (const gchar *p = host; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && strchr(".-:%_", *p) == NULL)
			return FALSE;
	}
	return TRUE;
}

/**
 * nvr_rtsp_banner_probe_async:
 * @host: an IP address (IPv6 without brackets) or a host name
 * @port: usually 554
 * @timeout_ms: for the whole exchange
 *
 * Sends "OPTIONS rtsp://host:port/ RTSP/1.0" with CSeq 1 and reads the
 * reply's headers (at most NVR_RTSP_BANNER_MAX bytes). Any status is a
 * banner; a reply that is not RTSP is NVR_ERROR_PARSE.
 */
void
nvr_rtsp_banner_probe_async(const gchar *host, guint16 port, guint timeout_ms,
			    GCancellable *cancellable, GAsyncReadyCallback callback,
			    gpointer user_data)
{
	GTask *task = g_task_new(NULL, cancellable, callback, user_data);
	NvrRtspProbe *probe = g_new0(NvrRtspProbe, 1);
	g_autofree gchar *uri_host = NULL;
	g_autoptr(GSocketConnectable) address = NULL;

	g_task_set_source_tag(task, nvr_rtsp_banner_probe_async);
	g_task_set_check_cancellable(task, FALSE);
	g_task_set_task_data(task, probe, (GDestroyNotify)nvr_rtsp_probe_free);
	probe->deadline = nvr_deadline_new(cancellable, timeout_ms);
	probe->reply = g_byte_array_new();
	if (!nvr_rtsp_host_ok(host) || port == 0) {
		probe->where = g_strdup("(invalid host)");
		nvr_rtsp_probe_fail(task,
				    g_error_new_literal(NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
							"need a host name or address and a port"));
		return;
	}
	uri_host = nvr_discovery_host_for_uri(host);
	probe->where = g_strdup_printf("%s:%u", uri_host, port);
	probe->request = g_strdup_printf("OPTIONS rtsp://%s:%u/ RTSP/1.0\r\n"
					 "CSeq: 1\r\n"
					 "User-Agent: nvr\r\n"
					 "\r\n",
					 uri_host, port);
	probe->client = g_socket_client_new();
	g_socket_client_set_timeout(probe->client, MAX(1u, (timeout_ms + 999) / 1000));
	g_socket_client_set_enable_proxy(probe->client, FALSE);
	address = g_network_address_new(host, port);
	g_socket_client_connect_async(probe->client, address,
				      nvr_deadline_get_cancellable(probe->deadline),
				      nvr_rtsp_probe_connected_cb, task);
}

/* Returns: (transfer full): what the RTSP server said, whatever its status */
NvrRtspBanner *
nvr_rtsp_banner_probe_finish(GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
	return g_task_propagate_pointer(G_TASK(result), error);
}
