/*
 * nvr-vendor-transport.h: how a plugin's HTTP request reaches a device.
 * Plugins never open sockets: the host checks their request, then hands it
 * to a transport, which is either the network (NvrVendorHttpTransport:
 * libsoup, HTTP auth with the user's credentials, a deadline and a size
 * cap) or a recorded device (NvrVendorReplay: a directory of captured
 * answers, for tests and nvr-plugin-check).
 *
 * Transports are called on the worker thread that runs a plugin's probe,
 * synchronously; they must not touch the caller's main context.
 */
#pragma once

#include <gio/gio.h>

#include "nvr/nvr-vendor-plugin.h"

G_BEGIN_DECLS

/* what the host allows whatever a plugin asks for */
#define NVR_VENDOR_HTTP_TIMEOUT_DEFAULT_MS 5000
#define NVR_VENDOR_HTTP_TIMEOUT_MAX_MS 10000
#define NVR_VENDOR_HTTP_BODY_DEFAULT (256 * 1024)
#define NVR_VENDOR_HTTP_BODY_MAX (1024 * 1024)
#define NVR_VENDOR_HTTP_REQUEST_BODY_MAX (64 * 1024)
#define NVR_VENDOR_HTTP_PATH_MAX 2048

/* a request the host has checked and clamped */
typedef struct {
	const gchar *method;	   /* GET or POST */
	const gchar *path;	   /* as the plugin wrote it: may hold {user} and {password} */
	const gchar *content_type; /* nullable */
	GBytes *body;		   /* nullable; may hold {user} and {password} */
	guint timeout_ms;
	gsize max_body;
	gboolean auth;	      /* answer HTTP auth challenges with the user's credentials */
	gboolean credentials; /* substitute {user} and {password} */
} NvrVendorTransportRequest;

#define NVR_TYPE_VENDOR_TRANSPORT (nvr_vendor_transport_get_type())
G_DECLARE_DERIVABLE_TYPE(NvrVendorTransport, nvr_vendor_transport, NVR, VENDOR_TRANSPORT, GObject)

struct _NvrVendorTransportClass {
	GObjectClass parent_class;
	gboolean (*request)(NvrVendorTransport *self, const NvrVendorTransportRequest *request,
			    NvrVendorHttpReply *reply, GCancellable *cancellable, GError **error);
	gchar *(*describe)(NvrVendorTransport *self, const gchar *path);
};

gboolean nvr_vendor_transport_request(NvrVendorTransport *self,
				      const NvrVendorTransportRequest *request,
				      NvrVendorHttpReply *reply, GCancellable *cancellable,
				      GError **error) G_GNUC_WARN_UNUSED_RESULT;
gchar *nvr_vendor_transport_describe(NvrVendorTransport *self, const gchar *path);

#define NVR_TYPE_VENDOR_HTTP_TRANSPORT (nvr_vendor_http_transport_get_type())
G_DECLARE_FINAL_TYPE(NvrVendorHttpTransport, nvr_vendor_http_transport, NVR,
		     VENDOR_HTTP_TRANSPORT, NvrVendorTransport)

NvrVendorTransport *nvr_vendor_http_transport_new(const gchar *base_url, const gchar *username,
						  const gchar *password, GError **error);
void nvr_vendor_http_transport_set_timeout_max(NvrVendorHttpTransport *self, guint timeout_ms);
gchar *nvr_vendor_substitute_credentials(const gchar *text, gsize len, gboolean json,
					 const gchar *username, const gchar *password,
					 gsize *out_len) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
