/*
 * nvr-rtsp-banner.h: an unauthenticated RTSP OPTIONS and what its reply
 * says about the server: status, Server header ("Dahua Rtsp Server"),
 * Public methods and authentication challenges.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* the reply's status line and headers must fit in this */
#define NVR_RTSP_BANNER_MAX (16 * 1024)

typedef struct {
	guint status;
	gchar *reason;		/* nullable */
	gchar *server;		/* Server header, nullable */
	gchar **public_methods; /* the Public header's methods, possibly empty */
	GPtrArray *challenges;	/* (element-type NvrHttpChallenge): every WWW-Authenticate */
	guint cseq;		/* 0 if absent */
} NvrRtspBanner;

void nvr_rtsp_banner_free(NvrRtspBanner *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrRtspBanner, nvr_rtsp_banner_free)

NvrRtspBanner *nvr_rtsp_banner_parse(const gchar *data, gsize len,
				     GError **error) G_GNUC_WARN_UNUSED_RESULT;

void nvr_rtsp_banner_probe_async(const gchar *host, guint16 port, guint timeout_ms,
				 GCancellable *cancellable, GAsyncReadyCallback callback,
				 gpointer user_data);
NvrRtspBanner *nvr_rtsp_banner_probe_finish(GAsyncResult *result,
					    GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
