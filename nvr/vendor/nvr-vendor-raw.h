/*
 * nvr-vendor-raw.h: a raw HTTP reply as a capture tool saves it (curl -i,
 * a proxy's log, a packet capture's followed stream): status line,
 * headers, blank line, body. A recording may hold these instead of bare
 * bodies; this gives what the live transport (libsoup) would have handed a
 * plugin: the status, the media type without parameters, and the body with
 * the transfer coding undone. A body that ends before its Content-Length
 * or inside a chunk is what a connection closed early leaves: libsoup
 * reports an error then, and so does the replay. Untrusted input.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* a head longer than this is not an HTTP head (libsoup refuses far less) */
#define NVR_VENDOR_RAW_HEAD_MAX (64 * 1024)

typedef struct {
	guint status;
	gchar *content_type; /* nullable: "application/xml", parameters dropped */
	GBytes *body;	     /* decoded */
	gboolean complete;   /* FALSE: cut short, as by a connection closed early */
} NvrVendorRawReply;

gboolean nvr_vendor_raw_reply_is_raw(const gchar *data, gsize len);
gboolean nvr_vendor_raw_split_head(const gchar *data, gsize len, gsize *head_len, gsize *body_at);
NvrVendorRawReply *nvr_vendor_raw_reply_parse(const gchar *data, gsize len,
					      GError **error) G_GNUC_WARN_UNUSED_RESULT;
void nvr_vendor_raw_reply_free(NvrVendorRawReply *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrVendorRawReply, nvr_vendor_raw_reply_free)

G_END_DECLS
