#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "core/nvr-error.h"
#include "core/nvr-log.h"
#include "discovery/nvr-discovery-text.h"
#include "discovery/nvr-http-fetch.h"
#include "vendor/nvr-vendor-transport.h"

G_DEFINE_ABSTRACT_TYPE(NvrVendorTransport, nvr_vendor_transport, G_TYPE_OBJECT)

static void
nvr_vendor_transport_class_init(NvrVendorTransportClass *klass)
{
}

static void
nvr_vendor_transport_init(NvrVendorTransport *self)
{
}

/**
 * nvr_vendor_transport_request:
 * @reply: (out caller-allocates): filled on success; clear it with
 * nvr_vendor_http_reply_clear()
 *
 * Any HTTP status is a reply. Errors: NVR_ERROR_TIMEOUT, NVR_ERROR_IO,
 * NVR_ERROR_PARSE (a body over the cap), NVR_ERROR_CANCELLED.
 */
gboolean
nvr_vendor_transport_request(NvrVendorTransport *self, const NvrVendorTransportRequest *request,
			     NvrVendorHttpReply *reply, GCancellable *cancellable, GError **error)
{
	g_return_val_if_fail(NVR_IS_VENDOR_TRANSPORT(self), FALSE);
	return NVR_VENDOR_TRANSPORT_GET_CLASS(self)->request(self, request, reply, cancellable,
							     error);
}

/* Returns: (transfer full): "http://192.0.2.10:8080/ISAPI/System/deviceInfo", no credentials */
gchar *
nvr_vendor_transport_describe(NvrVendorTransport *self, const gchar *path)
{
	g_return_val_if_fail(NVR_IS_VENDOR_TRANSPORT(self), NULL);
	return NVR_VENDOR_TRANSPORT_GET_CLASS(self)->describe(self, path);
}

/* ---- credentials ---- */

static void
nvr_vendor_append_escaped(GString *out, const gchar *value, gboolean json)
{
	if (!json) {
		g_string_append_uri_escaped(out, value, NULL, FALSE);
		return;
	}
	for (const gchar *p = value; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			g_string_append_printf(out, "\\%c", *p);
		else if ((guchar)*p < 0x20)
			g_string_append_printf(out, "\\u%04x", (guint)(guchar)*p);
		else
			g_string_append_c(out, *p);
	}
}

/**
 * nvr_vendor_substitute_credentials:
 * @json: escape for a JSON string, else URI-escape
 *
 * Replaces {user} and {password} in @text. The result holds a secret: the
 * caller clears it after use and never logs it.
 *
 * Returns: (transfer full)
 */
gchar *
nvr_vendor_substitute_credentials(const gchar *text, gsize len, gboolean json,
				  const gchar *username, const gchar *password, gsize *out_len)
{
	GString *out = g_string_sized_new(len + 64);

	for (gsize i = 0; i < len; i++) {
		if (text[i] == '{' && len - i >= 6 && memcmp(text + i, "{user}", 6) == 0) {
			nvr_vendor_append_escaped(out, username != NULL ? username : "", json);
			i += 5;
		} else if (text[i] == '{' && len - i >= 10 && memcmp(text + i, "{password}", 10) == 0) {
			nvr_vendor_append_escaped(out, password != NULL ? password : "", json);
			i += 9;
		} else {
			g_string_append_c(out, text[i]);
		}
	}
	*out_len = out->len;
	return g_string_free(out, FALSE);
}

/* ---- over the network ---- */

struct _NvrVendorHttpTransport {
	NvrVendorTransport parent_instance;
	gchar *base_url; /* immutable: "http://192.0.2.10:8080", no userinfo */
	gchar *username; /* immutable, nullable */
	gchar *password; /* immutable, nullable; wiped at finalize */
	guint timeout_max_ms; /* 0: the host's limit only */
};

G_DEFINE_TYPE(NvrVendorHttpTransport, nvr_vendor_http_transport, NVR_TYPE_VENDOR_TRANSPORT)

typedef struct {
	NvrVendorHttpTransport *self;
	gboolean tried; /* answer one challenge: a second means the credentials are wrong */
} NvrVendorAuthState;

static gboolean
nvr_vendor_http_authenticate_cb(SoupMessage *msg, SoupAuth *auth, gboolean retrying,
				gpointer user_data)
{
	NvrVendorAuthState *st = user_data;

	if (retrying || st->tried || st->self->username == NULL)
		return FALSE; /* the 401 is the reply */
	st->tried = TRUE;
	soup_auth_authenticate(auth, st->self->username,
			       st->self->password != NULL ? st->self->password : "");
	return TRUE;
}

static void
nvr_vendor_http_fetch_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GAsyncResult **out = user_data;

	*out = g_object_ref(res);
}

static SoupMessage *
nvr_vendor_http_message_new(NvrVendorHttpTransport *self, const NvrVendorTransportRequest *req,
			    GError **error)
{
	g_autofree gchar *path = NULL;
	g_autofree gchar *url = NULL;
	g_autoptr(GUri) uri = NULL;
	SoupMessage *msg;
	gsize len = 0;

	path = req->credentials ? nvr_vendor_substitute_credentials(req->path, strlen(req->path),
								   FALSE, self->username,
								   self->password, &len)
				: g_strdup(req->path);
	url = g_strconcat(self->base_url, path, NULL);
	memset(path, 0, strlen(path));
	uri = g_uri_parse(url, SOUP_HTTP_URI_FLAGS, NULL);
	memset(url, 0, strlen(url));
	if (uri == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "request path is not a URL path");
		return NULL;
	}
	msg = soup_message_new_from_uri(req->method, uri);
	if (req->body != NULL) {
		gsize blen = 0;
		const gchar *b = g_bytes_get_data(req->body, &blen);
		gboolean json = req->content_type != NULL && strstr(req->content_type, "json") != NULL;
		gchar *sub = req->credentials ? nvr_vendor_substitute_credentials(
							b, blen, json, self->username, self->password, &len)
					      : g_memdup2(b, blen);
		g_autoptr(GBytes) body = g_bytes_new_take(sub, req->credentials ? len : blen);
		soup_message_set_request_body_from_bytes(
			msg, req->content_type != NULL ? req->content_type : "application/octet-stream", body);
	}
	return msg;
}

static gboolean
nvr_vendor_http_reply_take(NvrVendorHttpReply *reply, NvrHttpReply *r)
{
	gsize len = 0;
	const gchar *data = g_bytes_get_data(r->body, &len);
	const gchar *type = soup_message_headers_get_content_type(r->headers, NULL);

	reply->status = r->status;
	reply->body = g_malloc(len + 1);
	if (len > 0)
		memcpy(reply->body, data, len);
	reply->body[len] = '\0';
	reply->body_len = len;
	reply->content_type = nvr_discovery_text_clean(type, -1, 128);
	return TRUE;
}

/* synchronous on the calling (worker) thread: a private main context runs the exchange */
static gboolean
nvr_vendor_http_transport_request(NvrVendorTransport *transport,
				  const NvrVendorTransportRequest *req, NvrVendorHttpReply *reply,
				  GCancellable *cancellable, GError **error)
{
	NvrVendorHttpTransport *self = NVR_VENDOR_HTTP_TRANSPORT(transport);
	g_autoptr(GMainContext) ctx = g_main_context_new();
	g_autoptr(NvrHttpReply) r = NULL;
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(SoupSession) session = NULL;
	g_autoptr(SoupMessage) msg = NULL;
	NvrVendorAuthState auth = {self, FALSE};
	guint timeout_ms = self->timeout_max_ms != 0 ? MIN(req->timeout_ms, self->timeout_max_ms)
						     : req->timeout_ms;

	g_main_context_push_thread_default(ctx);
	msg = nvr_vendor_http_message_new(self, req, error);
	if (msg != NULL) {
		session = nvr_http_session_new(timeout_ms);
		if (req->auth)
			g_signal_connect(msg, "authenticate", G_CALLBACK(nvr_vendor_http_authenticate_cb),
					 &auth);
		nvr_http_fetch_async(session, msg, req->max_body, NVR_HTTP_FETCH_NONE, timeout_ms,
				     cancellable, nvr_vendor_http_fetch_cb, &res);
		while (res == NULL)
			g_main_context_iteration(ctx, TRUE);
		r = nvr_http_fetch_finish(res, error);
		/* everything libsoup holds (the task's body stream too) goes while ctx is
		 * still this thread's default: libsoup completes messages on their context */
		g_clear_object(&res);
		g_clear_object(&msg);
		g_clear_object(&session);
		while (g_main_context_iteration(ctx, FALSE))
			;
	}
	g_main_context_pop_thread_default(ctx);
	if (r == NULL)
		return FALSE;
	return nvr_vendor_http_reply_take(reply, r);
}

static gchar *
nvr_vendor_http_transport_describe(NvrVendorTransport *transport, const gchar *path)
{
	NvrVendorHttpTransport *self = NVR_VENDOR_HTTP_TRANSPORT(transport);
	g_autofree gchar *url = g_strconcat(self->base_url, path, NULL);

	return nvr_log_redact_uri(url);
}

static void
nvr_vendor_http_transport_finalize(GObject *obj)
{
	NvrVendorHttpTransport *self = NVR_VENDOR_HTTP_TRANSPORT(obj);

	g_free(self->base_url);
	g_free(self->username);
	if (self->password != NULL)
		memset(self->password, 0, strlen(self->password));
	g_free(self->password);
	G_OBJECT_CLASS(nvr_vendor_http_transport_parent_class)->finalize(obj);
}

static void
nvr_vendor_http_transport_class_init(NvrVendorHttpTransportClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_vendor_http_transport_finalize;
	NVR_VENDOR_TRANSPORT_CLASS(klass)->request = nvr_vendor_http_transport_request;
	NVR_VENDOR_TRANSPORT_CLASS(klass)->describe = nvr_vendor_http_transport_describe;
}

static void
nvr_vendor_http_transport_init(NvrVendorHttpTransport *self)
{
}

/**
 * nvr_vendor_http_transport_new:
 * @base_url: "http://192.0.2.10:8080" (or https), without credentials or path
 * @username: (nullable): for HTTP auth and {user}
 * @password: (nullable): for HTTP auth and {password}; copied, wiped at finalize
 */
NvrVendorTransport *
nvr_vendor_http_transport_new(const gchar *base_url, const gchar *username, const gchar *password,
			      GError **error)
{
	g_autoptr(GUri) uri = g_uri_parse(base_url, SOUP_HTTP_URI_FLAGS, NULL);
	NvrVendorHttpTransport *self;

	if (uri == NULL || g_uri_get_host(uri) == NULL || g_uri_get_userinfo(uri) != NULL ||
	    (g_strcmp0(g_uri_get_scheme(uri), "http") != 0 &&
	     g_strcmp0(g_uri_get_scheme(uri), "https") != 0)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "device URL must be http(s)://host[:port] without credentials");
		return NULL;
	}
	self = g_object_new(NVR_TYPE_VENDOR_HTTP_TRANSPORT, NULL);
	self->base_url = g_strdup(base_url);
	while (g_str_has_suffix(self->base_url, "/"))
		self->base_url[strlen(self->base_url) - 1] = '\0';
	self->username = g_strdup(username);
	self->password = g_strdup(password);
	return NVR_VENDOR_TRANSPORT(self);
}

/* a user in front of nvrctl waits less than a daemon may: every request within @timeout_ms */
void
nvr_vendor_http_transport_set_timeout_max(NvrVendorHttpTransport *self, guint timeout_ms)
{
	g_return_if_fail(NVR_IS_VENDOR_HTTP_TRANSPORT(self));
	self->timeout_max_ms = timeout_ms;
}
