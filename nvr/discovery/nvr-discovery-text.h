/*
 * nvr-discovery-text.h: turning bytes a device chose into text we can show,
 * log and match on. Everything a camera says is untrusted: it is bounded,
 * made valid UTF-8 and stripped of control characters here, once.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* identity strings (manufacturer, Server header, realm, title, scope items) */
#define NVR_DISCOVERY_TEXT_MAX 256
/* URLs a device hands us (XAddrs, stream and snapshot URIs) */
#define NVR_DISCOVERY_URL_MAX 2048

gchar *nvr_discovery_text_clean(const gchar *raw, gssize len,
				gsize max_bytes) G_GNUC_WARN_UNUSED_RESULT;
gchar *nvr_discovery_mac_normalize(const gchar *text) G_GNUC_WARN_UNUSED_RESULT;
gchar *nvr_discovery_http_url_check(const gchar *text, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gchar *nvr_discovery_host_for_uri(const gchar *host) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
