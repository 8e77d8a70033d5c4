/*
 * nvr-url-template.h: stream URL templates from quirk files, e.g.
 * "rtsp://{host}:{port}/Streaming/Channels/{ch}01". Placeholders: {host}
 * (an IPv6 address comes bracketed), {port} (RTSP, default 554),
 * {http_port} (default 80), {ch} (1-based channel), {ch:02} (zero-padded),
 * {ch0} (0-based). A template never carries credentials: they reach the
 * recorder separately.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NVR_URL_TEMPLATE_MAX 512

typedef struct {
	const gchar *host;
	guint rtsp_port; /* 0: 554 */
	guint http_port; /* 0: 80 */
	guint channel;	 /* 1-based; 0 is taken as 1 */
} NvrUrlTemplateVars;

gboolean nvr_url_template_check(const gchar *tmpl, GError **error);
gchar *nvr_url_template_expand(const gchar *tmpl, const NvrUrlTemplateVars *vars,
			       GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
