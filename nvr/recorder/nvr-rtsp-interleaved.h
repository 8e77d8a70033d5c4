/*
 * nvr-rtsp-interleaved.h: what an RTSP server sends on the TCP connection
 * after PLAY (RFC 2326 §10.12, RFC 7826 §14): '$', a channel byte, a
 * 16-bit length and that many bytes of RTP or RTCP; between those, whole
 * RTSP messages (replies to our keep-alives, or requests of the server's).
 *
 * The bytes are the camera's: every length is checked against what is
 * there, nothing is allocated from them, and anything else is an
 * NVR_ERROR_PARSE (fuzz-rtsp-interleaved).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* an RTSP message header longer than this is not one */
#define NVR_RTSP_MAX_HEADER 8192
/* nor a body longer than this, after PLAY */
#define NVR_RTSP_MAX_BODY 65536

typedef enum {
	NVR_RTSP_ITEM_INCOMPLETE, /* more bytes are needed */
	NVR_RTSP_ITEM_DATA,	  /* interleaved RTP or RTCP */
	NVR_RTSP_ITEM_MESSAGE,	  /* an RTSP response or request */
} NvrRtspItemKind;

typedef struct {
	NvrRtspItemKind kind;
	gsize size;	    /* bytes the item takes, header included */
	guint8 channel;	    /* DATA */
	gsize offset;	    /* DATA: of the payload; MESSAGE: of the body (the header's size) */
	gsize length;	    /* DATA: of the payload; MESSAGE: of the body */
	guint status;	    /* MESSAGE: the status code of a response; 0 for a request */
} NvrRtspItem;

gboolean
nvr_rtsp_interleaved_next(const guint8 *data, gsize size, NvrRtspItem *item, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
