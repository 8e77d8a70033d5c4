/*
 * nvr-url.h: camera stream URLs as users type them. Credentials never stay
 * in a stored URL: they are split off here and kept (sealed) apart.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
	gchar *url;	 /* scheme://host[:port]/path[?query], no userinfo */
	gchar *scheme;	 /* "rtsp" or "rtsps" */
	gchar *host;
	gint port;	 /* -1: the scheme's default */
	gchar *user;	 /* from the userinfo, or NULL */
	gchar *password; /* from the userinfo, or NULL; never log it */
} NvrStreamUrl;

NvrStreamUrl *
nvr_stream_url_parse(const gchar *text, GError **error) G_GNUC_WARN_UNUSED_RESULT;
void
nvr_stream_url_free(NvrStreamUrl *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrStreamUrl, nvr_stream_url_free)

G_END_DECLS
