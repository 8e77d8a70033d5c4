#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "nvr-http-server.h"

typedef void (*NvrHttpHandler)(NvrHttpServer *self,
			       SoupServerMessage *msg,
			       GHashTable *params);

typedef enum {
	NVR_HTTP_ROLE_NONE,   /* no session needed: health, login, static assets */
	NVR_HTTP_ROLE_VIEWER, /* any logged-in user */
	NVR_HTTP_ROLE_OWNER,
} NvrHttpRole;

typedef struct {
	const gchar *method;
	const gchar *path;
	NvrHttpHandler handler;
	NvrHttpRole role;
} NvrHttpRoute;

struct _NvrHttpServer {
	GObject parent_instance;
	SoupServer *soup;
	NvrHttpProviders providers; /* immutable */
};

G_DEFINE_TYPE(NvrHttpServer, nvr_http_server, G_TYPE_OBJECT)

static void
nvr_http_reply_json(SoupServerMessage *msg, guint status, JsonNode *node)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	gchar *body;
	gsize len = 0;

	json_generator_set_root(gen, node);
	body = json_generator_to_data(gen, &len);
	soup_server_message_set_status(msg, status, NULL);
	soup_message_headers_replace(soup_server_message_get_response_headers(msg),
				     "Cache-Control",
				     "no-store");
	soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_TAKE, body, len);
}

static void
nvr_http_reply_error(SoupServerMessage *msg, guint status, const gchar *code, const gchar *message)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) node = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "error");
	json_builder_add_string_value(b, code);
	json_builder_set_member_name(b, "message");
	json_builder_add_string_value(b, message);
	json_builder_end_object(b);
	node = json_builder_get_root(b);
	nvr_http_reply_json(msg, status, node);
}

static void
nvr_http_health_cb(NvrHttpServer *self, SoupServerMessage *msg, GHashTable *params)
{
	g_autoptr(JsonNode) node = self->providers.health(self->providers.user_data);

	nvr_http_reply_json(msg, SOUP_STATUS_OK, node);
}

/* known devices with their vendor verdicts (README.md, "nvrctl devices") */
static void
nvr_http_devices_cb(NvrHttpServer *self, SoupServerMessage *msg, GHashTable *params)
{
	g_autoptr(JsonNode) node = NULL;

	if (self->providers.devices == NULL) {
		nvr_http_reply_error(msg, SOUP_STATUS_NOT_FOUND, "not-found", "no such resource");
		return;
	}
	node = self->providers.devices(self->providers.user_data);
	if (node == NULL) {
		nvr_http_reply_error(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal",
				     "the device list could not be read");
		return;
	}
	nvr_http_reply_json(msg, SOUP_STATUS_OK, node);
}

static const NvrHttpRoute nvr_http_routes[] = {
    {"GET", "/api/health", nvr_http_health_cb, NVR_HTTP_ROLE_NONE},
    {"GET", "/api/devices", nvr_http_devices_cb, NVR_HTTP_ROLE_VIEWER},
};

/* matches "/api/cameras/{id}/x" against a request path; fills @params */
static gboolean
nvr_http_route_match(const gchar *pattern, const gchar *path, GHashTable *params)
{
	g_auto(GStrv) want = g_strsplit(pattern, "/", -1);
	g_auto(GStrv) got = g_strsplit(path, "/", -1);

	if (g_strv_length(want) != g_strv_length(got))
		return FALSE;
	for (guint i = 0; want[i] != NULL; i++) {
		gsize n = strlen(want[i]);
		if (n > 2 && want[i][0] == '{' && want[i][n - 1] == '}') {
			if (got[i][0] == '\0')
				return FALSE;
			g_hash_table_insert(params, g_strndup(want[i] + 1, n - 2), g_strdup(got[i]));
			continue;
		}
		if (g_strcmp0(want[i], got[i]) != 0)
			return FALSE;
	}
	return TRUE;
}

/*
 * Until sign-in exists, what needs a session (camera addresses, verdicts) is
 * served only to loopback peers, even when NVR_ALLOW_PLAIN_HTTP let the
 * server listen on another address.
 */
static gboolean
nvr_http_peer_is_local(SoupServerMessage *msg)
{
	GSocketAddress *peer = soup_server_message_get_remote_address(msg);

	return G_IS_INET_SOCKET_ADDRESS(peer) &&
	       g_inet_address_get_is_loopback(
		   g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(peer)));
}

static void
nvr_http_dispatch_cb(SoupServer *server,
		     SoupServerMessage *msg,
		     const gchar *path,
		     GHashTable *query,
		     gpointer user_data)
{
	NvrHttpServer *self = NVR_HTTP_SERVER(user_data);
	const gchar *method = soup_server_message_get_method(msg);
	gboolean path_known = FALSE;

	for (guint i = 0; i < G_N_ELEMENTS(nvr_http_routes); i++) {
		const NvrHttpRoute *r = &nvr_http_routes[i];
		g_autoptr(GHashTable) params =
		    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

		if (!nvr_http_route_match(r->path, path, params))
			continue;
		path_known = TRUE;
		if (g_strcmp0(r->method, method) != 0)
			continue;
		if (r->role != NVR_HTTP_ROLE_NONE && !nvr_http_peer_is_local(msg)) {
			nvr_http_reply_error(msg, SOUP_STATUS_FORBIDDEN, "local-only",
					     "accounts are not available yet: this resource is "
					     "served only to clients on this machine");
			return;
		}
		r->handler(self, msg, params);
		return;
	}
	if (path_known) {
		nvr_http_reply_error(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method", "method not allowed");
		return;
	}
	nvr_http_reply_error(msg, SOUP_STATUS_NOT_FOUND, "not-found", "no such resource");
}

/**
 * nvr_http_parse_listen_address:
 * @address: "HOST:PORT" or "[V6]:PORT"; port 0 picks a free one
 */
gboolean
nvr_http_parse_listen_address(const gchar *address, gchar **host, guint16 *port, GError **error)
{
	const gchar *colon = address != NULL ? strrchr(address, ':') : NULL;
	g_autofree gchar *h = NULL;
	guint64 p = 0;

	if (colon == NULL || colon == address) {
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_INVALID_ARGUMENT,
			    "listen address '%s': expected HOST:PORT",
			    address != NULL ? address : "");
		return FALSE;
	}
	h = g_strndup(address, colon - address);
	if (h[0] == '[' && h[strlen(h) - 1] == ']') {
		gchar *inner = g_strndup(h + 1, strlen(h) - 2);
		g_free(h);
		h = inner;
	}
	if (!g_hostname_is_ip_address(h)) {
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_INVALID_ARGUMENT,
			    "listen address '%s': host must be an IP address",
			    address);
		return FALSE;
	}
	if (!g_ascii_string_to_unsigned(colon + 1, 10, 0, 65535, &p, NULL)) {
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_INVALID_ARGUMENT,
			    "listen address '%s': port must be 0-65535",
			    address);
		return FALSE;
	}
	*host = g_steal_pointer(&h);
	*port = (guint16)p;
	return TRUE;
}

gboolean
nvr_http_server_listen(NvrHttpServer *self, const gchar *address, GError **error)
{
	g_autofree gchar *host = NULL;
	g_autoptr(GInetAddress) ia = NULL;
	g_autoptr(GSocketAddress) sa = NULL;
	guint16 port = 0;

	g_return_val_if_fail(NVR_IS_HTTP_SERVER(self), FALSE);
	if (!nvr_http_parse_listen_address(address, &host, &port, error))
		return FALSE;
	ia = g_inet_address_new_from_string(host);
	/* TLS for non-loopback addresses comes with the auth issue; refuse until then */
	if (!g_inet_address_get_is_loopback(ia) && g_getenv("NVR_ALLOW_PLAIN_HTTP") == NULL) {
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_NOT_SUPPORTED,
			    "listen address %s: plain HTTP is only served on loopback",
			    address);
		return FALSE;
	}
	sa = g_inet_socket_address_new(ia, port);
	if (!soup_server_listen(self->soup, sa, 0, error)) {
		g_prefix_error(error, "listen on %s: ", address);
		return FALSE;
	}
	return TRUE;
}

/* Returns: (transfer full): the first URL the server listens on, e.g. http://127.0.0.1:41234/ */
gchar *
nvr_http_server_dup_url(NvrHttpServer *self)
{
	GSList *uris = soup_server_get_uris(self->soup);
	gchar *s = uris != NULL ? g_uri_to_string(uris->data) : NULL;

	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
	return s;
}

static void
nvr_http_server_finalize(GObject *object)
{
	NvrHttpServer *self = NVR_HTTP_SERVER(object);

	soup_server_disconnect(self->soup);
	g_object_unref(self->soup);
	G_OBJECT_CLASS(nvr_http_server_parent_class)->finalize(object);
}

static void
nvr_http_server_class_init(NvrHttpServerClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_http_server_finalize;
}

static void
nvr_http_server_init(NvrHttpServer *self)
{
	self->soup = soup_server_new("server-header", "nvr/" NVR_VERSION_STRING " ", NULL);
	soup_server_add_handler(self->soup, "/api", nvr_http_dispatch_cb, self, NULL);
}

NvrHttpServer *
nvr_http_server_new(const NvrHttpProviders *providers)
{
	NvrHttpServer *self = g_object_new(NVR_TYPE_HTTP_SERVER, NULL);

	g_return_val_if_fail(providers != NULL && providers->health != NULL, self);
	self->providers = *providers;
	return self;
}
