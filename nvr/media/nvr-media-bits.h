/*
 * nvr-media-bits.h: bounds-checked readers for untrusted bytes (boxes,
 * codec_data, parameter sets, GOP index blobs).
 *
 * Both readers are sticky: reading past the end sets @overrun and returns
 * zeros from then on, so a parser reads a whole structure and checks once.
 * Nothing here allocates from a length it read.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
	const guint8 *data;
	gsize size;
	gsize pos; /* bytes */
	gboolean overrun;
} NvrMediaBytes;

void nvr_media_bytes_init(NvrMediaBytes *r, const guint8 *data, gsize size);
gsize nvr_media_bytes_remaining(const NvrMediaBytes *r);
guint8 nvr_media_bytes_u8(NvrMediaBytes *r);
guint16 nvr_media_bytes_u16(NvrMediaBytes *r);
guint32 nvr_media_bytes_u24(NvrMediaBytes *r);
guint32 nvr_media_bytes_u32(NvrMediaBytes *r);
guint64 nvr_media_bytes_u64(NvrMediaBytes *r);
/* Returns: (transfer none): @n bytes inside the buffer, or NULL (and overrun) */
const guint8 *nvr_media_bytes_take(NvrMediaBytes *r, gsize n);
void nvr_media_bytes_skip(NvrMediaBytes *r, gsize n);
/* unsigned LEB128, at most 10 bytes, values above G_MAXINT64 are an overrun */
guint64 nvr_media_bytes_varint(NvrMediaBytes *r);

typedef struct {
	const guint8 *data;
	gsize size;  /* bytes */
	guint64 pos; /* bits */
	gboolean overrun;
} NvrMediaBits;

void nvr_media_bits_init(NvrMediaBits *b, const guint8 *data, gsize size);
/* @n <= 32 */
guint32 nvr_media_bits_read(NvrMediaBits *b, guint n);
void nvr_media_bits_skip(NvrMediaBits *b, guint64 n);
/* Exp-Golomb; more than 31 leading zeros is an overrun */
guint32 nvr_media_bits_ue(NvrMediaBits *b);
gint32 nvr_media_bits_se(NvrMediaBits *b);

/* removes emulation prevention bytes (00 00 03) from a NAL unit */
GByteArray *nvr_media_nal_unescape(const guint8 *nal, gsize size);

/* appends an unsigned LEB128 */
void nvr_media_put_varint(GByteArray *buf, guint64 value);

G_END_DECLS
