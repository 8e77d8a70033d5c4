#include "config.h"

#include <string.h>

#include "nvr-error.h"
#include "nvr-url.h"

#define NVR_STREAM_URL_MAX 2048

void
nvr_stream_url_free(NvrStreamUrl *self)
{
	if (self == NULL)
		return;
	g_free(self->url);
	g_free(self->scheme);
	g_free(self->host);
	g_free(self->user);
	if (self->password != NULL)
		memset(self->password, 0, strlen(self->password));
	g_free(self->password);
	g_free(self);
}

static gboolean
nvr_stream_url_check_text(const gchar *text, GError **error)
{
	if (strlen(text) > NVR_STREAM_URL_MAX) {
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_INVALID_ARGUMENT,
			    "URL longer than %d characters",
			    NVR_STREAM_URL_MAX);
		return FALSE;
	}
	for (const gchar *p = text; *p != '\0'; p++) {
		if ((guchar)*p <= 0x20 || *p == 0x7f) {
			g_set_error_literal(error,
					    NVR_ERROR,
					    NVR_ERROR_INVALID_ARGUMENT,
					    "URL contains spaces or control characters");
			return FALSE;
		}
	}
	if (!g_utf8_validate(text, -1, NULL)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "URL is not UTF-8");
		return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_stream_url_check_parts(GUri *uri, GError **error)
{
	const gchar *scheme = g_uri_get_scheme(uri);
	const gchar *host = g_uri_get_host(uri);
	gint port = g_uri_get_port(uri);

	if (g_ascii_strcasecmp(scheme, "rtsp") != 0 && g_ascii_strcasecmp(scheme, "rtsps") != 0) {
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_INVALID_ARGUMENT,
			    "URL scheme must be rtsp or rtsps, not %s",
			    scheme);
		return FALSE;
	}
	if (host == NULL || host[0] == '\0') {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "URL has no host");
		return FALSE;
	}
	if (port == 0) {
		g_set_error_literal(error,
				    NVR_ERROR,
				    NVR_ERROR_INVALID_ARGUMENT,
				    "URL port must be 1-65535");
		return FALSE;
	}
	if (g_uri_get_fragment(uri) != NULL) {
		g_set_error_literal(error,
				    NVR_ERROR,
				    NVR_ERROR_INVALID_ARGUMENT,
				    "URL must not have a #fragment");
		return FALSE;
	}
	return TRUE;
}

/**
 * nvr_stream_url_parse:
 * @text: e.g. "rtsp://admin:pw@192.168.1.20:554/Streaming/Channels/101"
 *
 * Returns: (transfer full): the URL split into a credential-free URL and
 * the credentials, or NULL with an error a user can act on
 */
NvrStreamUrl *
nvr_stream_url_parse(const gchar *text, GError **error)
{
	g_autoptr(GUri) uri = NULL;
	g_autoptr(GError) error_local = NULL;
	NvrStreamUrl *self;

	if (text == NULL || text[0] == '\0') {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "URL is empty");
		return NULL;
	}
	if (!nvr_stream_url_check_text(text, error))
		return NULL;
	uri = g_uri_parse(text, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED_QUERY |
				    G_URI_FLAGS_ENCODED_PATH,
			  &error_local);
	if (uri == NULL) {
		/* GLib's message would quote the URL, credentials included */
		g_set_error_literal(error,
				    NVR_ERROR,
				    NVR_ERROR_INVALID_ARGUMENT,
				    "not a URL (expected rtsp://HOST[:PORT]/PATH)");
		return NULL;
	}
	if (!nvr_stream_url_check_parts(uri, error))
		return NULL;
	self = g_new0(NvrStreamUrl, 1);
	self->scheme = g_ascii_strdown(g_uri_get_scheme(uri), -1);
	self->host = g_strdup(g_uri_get_host(uri));
	self->port = g_uri_get_port(uri);
	self->user = g_strdup(g_uri_get_user(uri));
	self->password = g_strdup(g_uri_get_password(uri));
	if (self->user != NULL && self->user[0] == '\0')
		g_clear_pointer(&self->user, g_free);
	self->url = g_uri_join(G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_ENCODED_PATH,
			       self->scheme,
			       NULL,
			       self->host,
			       self->port,
			       g_uri_get_path(uri),
			       g_uri_get_query(uri),
			       NULL);
	return self;
}
