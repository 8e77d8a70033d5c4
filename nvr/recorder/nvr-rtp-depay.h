/*
 * nvr-rtp-depay.h: H.264 (RFC 6184) and H.265 (RFC 7798) RTP payloads to
 * access units in Annex B form (4-byte start codes), for nvrrtspsrc: one
 * growing buffer per access unit instead of a GstBuffer per packet, then
 * h264parse/h265parse as usual (AVC/HVC format, codec_data, key frames).
 *
 * Handled: single NAL units, STAP-A / AP, FU-A / FU (non-interleaved mode).
 * Not handled (dropped and counted): STAP-B, MTAP, FU-B, PACI, DONL.
 * nvr_rtp_packet_parse() finds an RTP packet's fields and payload.
 * Payloads are the camera's: every length is checked; a broken or missing
 * fragment drops that NAL unit and marks the access unit discontinuous
 * (fuzz-rtp-depay).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* an access unit larger than this is not one a camera sends */
#define NVR_RTP_DEPAY_MAX_AU (16 * 1024 * 1024)

typedef enum {
	NVR_RTP_DEPAY_H264,
	NVR_RTP_DEPAY_H265,
} NvrRtpDepayCodec;

typedef struct {
	guint8 *data; /* Annex B; (transfer full): g_free() */
	gsize size;
	guint32 timestamp; /* RTP */
	gboolean discont;  /* something before or inside it was lost */
} NvrRtpDepayAu;

/* an RTP packet (RFC 3550 §5.1), pointing into the bytes it was parsed from */
typedef struct {
	guint8 payload_type;
	gboolean marker;
	guint16 seq;
	guint32 timestamp;
	guint32 ssrc;
	const guint8 *payload; /* after CSRCs and the header extension, before padding */
	gsize payload_size;
} NvrRtpPacket;

gboolean
nvr_rtp_packet_parse(const guint8 *data, gsize size, NvrRtpPacket *packet);

typedef struct _NvrRtpDepay NvrRtpDepay;

NvrRtpDepay *
nvr_rtp_depay_new(NvrRtpDepayCodec codec);
void
nvr_rtp_depay_free(NvrRtpDepay *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrRtpDepay, nvr_rtp_depay_free)

guint
nvr_rtp_depay_set_sprop(NvrRtpDepay *self, const gchar *const *base64_nal_units);
guint
nvr_rtp_depay_push(NvrRtpDepay *self,
		   const guint8 *payload,
		   gsize size,
		   guint32 timestamp,
		   gboolean marker,
		   gboolean discont,
		   NvrRtpDepayAu au[2]);
guint64
nvr_rtp_depay_get_dropped(NvrRtpDepay *self);

G_END_DECLS
