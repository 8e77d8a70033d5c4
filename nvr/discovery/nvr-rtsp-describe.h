/*
 * nvr-rtsp-describe.h: does a stream URL work? One RTSP DESCRIBE, with the
 * camera's credentials when it asks (Digest or Basic, through the same
 * GstRTSPConnection code the recorder authenticates with), and a look at
 * the SDP: a URL counts only if it offers video.
 *
 * Bounded: one overall timeout for connect, request, challenge and reply;
 * a camera that trickles bytes is cut off when it runs out.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NVR_RTSP_DESCRIBE_TIMEOUT_MS 3000

typedef struct {
	guint status;	      /* 200 */
	gchar *server;	      /* nullable: Server header */
	gchar *auth;	      /* nullable: "Digest" or "Basic" when the camera asked */
	guint n_video;	      /* video media in the SDP (at least 1) */
	guint n_audio;
	gchar *video_encoding; /* nullable: of the first video media, "H264" */
} NvrRtspDescribe;

void nvr_rtsp_describe_free(NvrRtspDescribe *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrRtspDescribe, nvr_rtsp_describe_free)

void nvr_rtsp_describe_async(const gchar *url, const gchar *username, const gchar *password,
			     guint timeout_ms, GCancellable *cancellable,
			     GAsyncReadyCallback callback, gpointer user_data);
NvrRtspDescribe *nvr_rtsp_describe_finish(GAsyncResult *result,
					  GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
