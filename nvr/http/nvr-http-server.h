/*
 * nvr-http-server.h: the libsoup server of nvrd (DESIGN.md §9). One route
 * table; handlers receive IDs from the URL, never paths. The daemon supplies
 * what the handlers report through NvrHttpProviders.
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* what the daemon lends the HTTP layer; all called on the main context */
typedef struct {
	/* Returns: (transfer full): the object served as /api/health */
	JsonNode *(*health)(gpointer user_data);
	/* Returns: (transfer full) (nullable): the object served as /api/devices; NULL: 500 */
	JsonNode *(*devices)(gpointer user_data);
	gpointer user_data;
} NvrHttpProviders;

#define NVR_TYPE_HTTP_SERVER (nvr_http_server_get_type())
G_DECLARE_FINAL_TYPE(NvrHttpServer, nvr_http_server, NVR, HTTP_SERVER, GObject)

NvrHttpServer *
nvr_http_server_new(const NvrHttpProviders *providers);
gboolean
nvr_http_server_listen(NvrHttpServer *self, const gchar *address, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gchar *
nvr_http_server_dup_url(NvrHttpServer *self);
gboolean
nvr_http_parse_listen_address(const gchar *address,
			      gchar **host,
			      guint16 *port,
			      GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
