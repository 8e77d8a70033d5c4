/*
 * nvr-http-fetch.h: one HTTP exchange with a device, bounded in time and
 * size. libsoup frames the messages; this adds what libsoup leaves to the
 * caller: an overall deadline (a trickling device cannot keep us waiting),
 * a cap on the body read into memory, no redirects, no proxy, no content
 * decoding (no gzip bombs), and acceptance of any TLS certificate (we are
 * identifying a device, not trusting it).
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef enum {
	NVR_HTTP_FETCH_NONE = 0,
	NVR_HTTP_FETCH_TRUNCATE = 1 << 0, /* keep the first max_body bytes instead of failing */
} NvrHttpFetchFlags;

typedef struct {
	guint status;
	gchar *reason;			   /* cleaned, nullable */
	SoupMessageHeaders *headers;	   /* the response headers */
	GBytes *body;			   /* at most max_body bytes */
	gboolean truncated;		   /* the body was longer (NVR_HTTP_FETCH_TRUNCATE only) */
	GTlsCertificate *peer_certificate; /* https: what the server presented, unverified */
} NvrHttpReply;

SoupSession *nvr_http_session_new(guint timeout_ms) G_GNUC_WARN_UNUSED_RESULT;
void nvr_http_fetch_async(SoupSession *session, SoupMessage *msg, gsize max_body,
			  NvrHttpFetchFlags flags, guint timeout_ms, GCancellable *cancellable,
			  GAsyncReadyCallback callback, gpointer user_data);
NvrHttpReply *nvr_http_fetch_finish(GAsyncResult *result, GError **error) G_GNUC_WARN_UNUSED_RESULT;
void nvr_http_reply_free(NvrHttpReply *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrHttpReply, nvr_http_reply_free)

G_END_DECLS
