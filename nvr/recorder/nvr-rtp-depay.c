/*
 * notes on the depayloader
 *
 *   an access unit (AU) is the NAL units of one RTP timestamp; it ends at
 *   a packet with the marker bit, or when a packet with another timestamp
 *   comes (cameras that forget the marker cost a frame of latency)
 *
 *   FU: S starts a NAL unit (its header rebuilt from the FU indicator and
 *   header), E ends it; a fragment without its start, a lost packet, or an
 *   AU ending inside a fragment drops that NAL unit (cut back to where it
 *   began) and marks the AU discontinuous
 *
 *   a key frame AU without its parameter sets gets the SDP's (sprop-*)
 *   in front, so the parser can always build codec_data
 *
 * invariants
 *   (1) every length read from a payload is checked against the payload
 *   (2) the AU buffer holds only whole NAL units, each after a start code,
 *       whenever an AU is handed out
 *   (3) an AU never grows beyond NVR_RTP_DEPAY_MAX_AU
 */
#include "config.h"

#include <string.h>

#include "nvr-rtp-depay.h"

static const guint8 nvr_rtp_depay_start_code[4] = {0, 0, 0, 1};

struct _NvrRtpDepay {
	NvrRtpDepayCodec codec;
	GByteArray *au;	      /* the AU being built, Annex B */
	gboolean have_au;     /* an AU has begun (it may still be empty) */
	guint32 timestamp;    /* of that AU */
	gboolean discont;     /* that AU lost something */
	gboolean next_discont; /* the next AU begins after a loss */
	gboolean in_fu;	      /* inside a fragmented NAL unit */
	guint fu_start;	      /* where its start code is in @au */
	gboolean has_params;  /* the AU carries an SPS */
	gboolean has_irap;    /* the AU is a key frame (IDR; IRAP for H.265) */
	GByteArray *sprop;    /* parameter sets from the SDP, Annex B */
	guint last_size;      /* of the last AU: the next one is allocated like it */
	guint64 dropped;      /* packets or NAL units that could not be used */
};

/**
 * nvr_rtp_packet_parse:
 *
 * Returns: FALSE for anything that is not an RTP version 2 packet whose
 * CSRCs, extension and padding fit in @size
 */
gboolean
nvr_rtp_packet_parse(const guint8 *data, gsize size, NvrRtpPacket *packet)
{
	gsize header, padding = 0;

	if (size < 12 || (data[0] >> 6) != 2)
		return FALSE;
	header = 12 + 4 * (gsize)(data[0] & 0x0f);
	if (size < header)
		return FALSE;
	if (data[0] & 0x10) { /* extension: 4 bytes, then its length in words */
		if (size < header + 4)
			return FALSE;
		header += 4 + 4 * ((gsize)data[header + 2] << 8 | data[header + 3]);
		if (size < header)
			return FALSE;
	}
	if (data[0] & 0x20) { /* padding: its length is the last byte */
		padding = data[size - 1];
		if (padding == 0 || size - header < padding)
			return FALSE;
	}
	packet->marker = (data[1] & 0x80) != 0;
	packet->payload_type = data[1] & 0x7f;
	packet->seq = (guint16)(data[2] << 8 | data[3]);
	packet->timestamp = (guint32)data[4] << 24 | (guint32)data[5] << 16 | (guint32)data[6] << 8 |
			    data[7];
	packet->ssrc = (guint32)data[8] << 24 | (guint32)data[9] << 16 | (guint32)data[10] << 8 |
		       data[11];
	packet->payload = data + header;
	packet->payload_size = size - header - padding;
	return TRUE;
}

NvrRtpDepay *
nvr_rtp_depay_new(NvrRtpDepayCodec codec)
{
	NvrRtpDepay *self = g_new0(NvrRtpDepay, 1);

	self->codec = codec;
	self->au = g_byte_array_sized_new(64 * 1024);
	self->sprop = g_byte_array_new();
	self->next_discont = TRUE; /* the first AU may begin mid-stream */
	return self;
}

void
nvr_rtp_depay_free(NvrRtpDepay *self)
{
	if (self == NULL)
		return;
	g_byte_array_unref(self->au);
	g_byte_array_unref(self->sprop);
	g_free(self);
}

guint64
nvr_rtp_depay_get_dropped(NvrRtpDepay *self)
{
	return self->dropped;
}

/* SPS for H.264; VPS or SPS for H.265 */
static gboolean
nvr_rtp_depay_is_params(NvrRtpDepay *self, const guint8 *nal)
{
	if (self->codec == NVR_RTP_DEPAY_H264)
		return (nal[0] & 0x1f) == 7;
	return ((nal[0] >> 1) & 0x3f) == 32 || ((nal[0] >> 1) & 0x3f) == 33;
}

static gboolean
nvr_rtp_depay_is_irap(NvrRtpDepay *self, const guint8 *nal)
{
	guint type;

	if (self->codec == NVR_RTP_DEPAY_H264)
		return (nal[0] & 0x1f) == 5;
	type = (nal[0] >> 1) & 0x3f;
	return type >= 16 && type <= 21;
}

/**
 * nvr_rtp_depay_set_sprop:
 * @base64_nal_units: NULL-terminated; H.264 sprop-parameter-sets, or
 *   H.265 sprop-vps, sprop-sps and sprop-pps, split at the commas
 *
 * Returns: how many parameter sets were usable
 */
guint
nvr_rtp_depay_set_sprop(NvrRtpDepay *self, const gchar *const *base64_nal_units)
{
	guint n = 0;

	g_byte_array_set_size(self->sprop, 0);
	for (guint i = 0; base64_nal_units != NULL && base64_nal_units[i] != NULL; i++) {
		gsize len = 0;
		g_autofree guint8 *nal = g_base64_decode(base64_nal_units[i], &len);

		if (nal == NULL || len < 2 || len > 64 * 1024)
			continue;
		g_byte_array_append(self->sprop, nvr_rtp_depay_start_code, 4);
		g_byte_array_append(self->sprop, nal, (guint)len);
		n++;
	}
	return n;
}

static void
nvr_rtp_depay_drop(NvrRtpDepay *self)
{
	self->dropped++;
	self->discont = TRUE;
}

/* the fragmented NAL unit in progress will never be whole: cut it off */
static void
nvr_rtp_depay_abandon_fu(NvrRtpDepay *self)
{
	if (!self->in_fu)
		return;
	g_byte_array_set_size(self->au, self->fu_start);
	self->in_fu = FALSE;
	nvr_rtp_depay_drop(self);
}

static gboolean
nvr_rtp_depay_room(NvrRtpDepay *self, gsize more)
{
	return self->au->len + more <= NVR_RTP_DEPAY_MAX_AU;
}

/* a start code and the first bytes of a NAL unit (its header included) */
static gboolean
nvr_rtp_depay_begin_nal(NvrRtpDepay *self, const guint8 *head, gsize len)
{
	if (!nvr_rtp_depay_room(self, 4 + len)) {
		nvr_rtp_depay_drop(self);
		return FALSE;
	}
	self->has_params |= nvr_rtp_depay_is_params(self, head);
	self->has_irap |= nvr_rtp_depay_is_irap(self, head);
	g_byte_array_append(self->au, nvr_rtp_depay_start_code, 4);
	g_byte_array_append(self->au, head, (guint)len);
	return TRUE;
}

static void
nvr_rtp_depay_whole_nal(NvrRtpDepay *self, const guint8 *nal, gsize len)
{
	if (len < (self->codec == NVR_RTP_DEPAY_H264 ? 1u : 2u)) {
		nvr_rtp_depay_drop(self);
		return;
	}
	nvr_rtp_depay_begin_nal(self, nal, len);
}

/* STAP-A (H.264, after its 1-byte header) and AP (H.265, after 2 bytes) */
static void
nvr_rtp_depay_aggregate(NvrRtpDepay *self, const guint8 *p, gsize len)
{
	while (len >= 2) {
		gsize n = (gsize)p[0] << 8 | p[1];

		p += 2;
		len -= 2;
		if (n == 0 || n > len) {
			nvr_rtp_depay_drop(self);
			return;
		}
		nvr_rtp_depay_whole_nal(self, p, n);
		p += n;
		len -= n;
	}
	if (len != 0)
		nvr_rtp_depay_drop(self);
}

/* @head: the rebuilt NAL header; @data: the fragment after the FU headers */
static void
nvr_rtp_depay_fragment(NvrRtpDepay *self,
		       const guint8 *head,
		       gsize head_len,
		       gboolean start,
		       gboolean end,
		       const guint8 *data,
		       gsize len)
{
	if (start) {
		nvr_rtp_depay_abandon_fu(self);
		self->fu_start = self->au->len;
		if (!nvr_rtp_depay_begin_nal(self, head, head_len))
			return;
		self->in_fu = TRUE;
	} else if (!self->in_fu) {
		nvr_rtp_depay_drop(self); /* its start was lost */
		return;
	}
	if (!nvr_rtp_depay_room(self, len)) {
		nvr_rtp_depay_abandon_fu(self);
		return;
	}
	g_byte_array_append(self->au, data, (guint)len);
	if (end)
		self->in_fu = FALSE;
}

static void
nvr_rtp_depay_h264(NvrRtpDepay *self, const guint8 *p, gsize len)
{
	guint type = p[0] & 0x1f;

	if (type >= 1 && type <= 23) {
		nvr_rtp_depay_whole_nal(self, p, len);
	} else if (type == 24) {
		nvr_rtp_depay_aggregate(self, p + 1, len - 1);
	} else if (type == 28 && len >= 3) {
		guint8 head = (guint8)((p[0] & 0xe0) | (p[1] & 0x1f));
		nvr_rtp_depay_fragment(self, &head, 1, (p[1] & 0x80) != 0, (p[1] & 0x40) != 0,
				       p + 2, len - 2);
	} else {
		nvr_rtp_depay_drop(self); /* STAP-B, MTAP, FU-B, reserved */
	}
}

static void
nvr_rtp_depay_h265(NvrRtpDepay *self, const guint8 *p, gsize len)
{
	guint type = (p[0] >> 1) & 0x3f;

	if (len < 2) {
		nvr_rtp_depay_drop(self);
	} else if (type < 48) {
		nvr_rtp_depay_whole_nal(self, p, len);
	} else if (type == 48) {
		nvr_rtp_depay_aggregate(self, p + 2, len - 2);
	} else if (type == 49 && len >= 4) {
		guint8 head[2] = {(guint8)((p[0] & 0x81) | ((p[2] & 0x3f) << 1)), p[1]};
		nvr_rtp_depay_fragment(self, head, 2, (p[2] & 0x80) != 0, (p[2] & 0x40) != 0,
				       p + 3, len - 3);
	} else {
		nvr_rtp_depay_drop(self); /* PACI, reserved */
	}
}

/* hands the AU out (whole NAL units only); Returns: FALSE when it was empty */
static gboolean
nvr_rtp_depay_finish(NvrRtpDepay *self, NvrRtpDepayAu *out)
{
	gboolean usable;

	nvr_rtp_depay_abandon_fu(self);
	usable = self->au->len > 0;
	if (usable && self->has_irap && !self->has_params && self->sprop->len > 0)
		g_byte_array_prepend(self->au, self->sprop->data, self->sprop->len);
	if (usable) {
		guint len = self->au->len;

		out->timestamp = self->timestamp;
		out->discont = self->discont;
		out->size = len;
		/* consumers may keep a GOP of these: give back what the growth left over */
		out->data = g_realloc(g_byte_array_steal(self->au, NULL), len);
		self->last_size = len;
		/* room for one like it, so that appending seldom reallocates */
		g_byte_array_set_size(self->au, MAX(self->last_size, 4096));
		g_byte_array_set_size(self->au, 0);
	} else {
		self->next_discont |= self->discont;
	}
	self->have_au = FALSE;
	self->has_params = FALSE;
	self->has_irap = FALSE;
	return usable;
}

/**
 * nvr_rtp_depay_push:
 * @payload: the RTP payload (after the RTP header, extensions and padding)
 * @discont: packets were lost before this one
 * @au: (out caller-allocates): up to two finished access units: the
 *   previous one when @timestamp begins a new one, and this one at @marker
 *
 * Returns: how many of @au were filled; their data is the caller's
 */
guint
nvr_rtp_depay_push(NvrRtpDepay *self,
		   const guint8 *payload,
		   gsize size,
		   guint32 timestamp,
		   gboolean marker,
		   gboolean discont,
		   NvrRtpDepayAu au[2])
{
	guint n = 0;

	if (discont) {
		nvr_rtp_depay_abandon_fu(self);
		if (self->have_au)
			self->discont = TRUE;
		if (!self->have_au || timestamp != self->timestamp)
			self->next_discont = TRUE;
	}
	if (self->have_au && timestamp != self->timestamp && nvr_rtp_depay_finish(self, &au[n]))
		n++;
	if (!self->have_au) {
		self->have_au = TRUE;
		self->timestamp = timestamp;
		self->discont = self->next_discont;
		self->next_discont = FALSE;
	}
	if (size == 0)
		nvr_rtp_depay_drop(self);
	else if (self->codec == NVR_RTP_DEPAY_H264)
		nvr_rtp_depay_h264(self, payload, size);
	else
		nvr_rtp_depay_h265(self, payload, size);
	if (marker && nvr_rtp_depay_finish(self, &au[n]))
		n++;
	return n;
}
