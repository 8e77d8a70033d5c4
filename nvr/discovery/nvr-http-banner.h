/*
 * nvr-http-banner.h: what a device's web server says about itself before
 * anyone logs in: status, Server header, authentication challenges (scheme
 * and realm), page title, redirect target, and for https the certificate's
 * subject and issuer. The parsers are separate so they can be fuzzed and
 * reused for RTSP, whose challenges have the same grammar (RFC 7235).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* the body is read only this far, for the title */
#define NVR_HTTP_BANNER_BODY_MAX (64 * 1024)
/* a certificate's subject or issuer is kept up to this length */
#define NVR_HTTP_BANNER_DN_MAX 1024

typedef struct {
	gchar *scheme; /* "Digest", "Basic", "Negotiate"... as sent, cleaned */
	gchar *realm;  /* nullable: realm="..." unquoted and cleaned */
} NvrHttpChallenge;

typedef struct {
	guint status;
	gchar *reason;	       /* nullable */
	gchar *server;	       /* Server header, nullable */
	gchar *location;       /* Location header of a redirect, nullable */
	GPtrArray *challenges; /* (element-type NvrHttpChallenge): every WWW-Authenticate */
	gchar *title;	       /* nullable: <title> within the first NVR_HTTP_BANNER_BODY_MAX */
	gchar *tls_subject;    /* nullable: https only, e.g. "CN=www.hikvision.com,O=HIKVISION" */
	gchar *tls_issuer;     /* nullable */
} NvrHttpBanner;

void nvr_http_challenge_free(NvrHttpChallenge *self);
void nvr_http_banner_free(NvrHttpBanner *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrHttpChallenge, nvr_http_challenge_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrHttpBanner, nvr_http_banner_free)

guint nvr_http_challenges_parse(const gchar *value, GPtrArray *challenges);
gchar *nvr_http_title_parse(const gchar *body, gsize len) G_GNUC_WARN_UNUSED_RESULT;

void nvr_http_banner_probe_async(const gchar *url, const gchar *method, guint timeout_ms,
				 GCancellable *cancellable, GAsyncReadyCallback callback,
				 gpointer user_data);
NvrHttpBanner *nvr_http_banner_probe_finish(GAsyncResult *result,
					    GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
