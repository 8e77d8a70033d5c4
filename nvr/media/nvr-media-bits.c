#include "config.h"

#include "nvr-media-bits.h"

void
nvr_media_bytes_init(NvrMediaBytes *r, const guint8 *data, gsize size)
{
	r->data = data;
	r->size = data != NULL ? size : 0;
	r->pos = 0;
	r->overrun = FALSE;
}

gsize
nvr_media_bytes_remaining(const NvrMediaBytes *r)
{
	return r->overrun ? 0 : r->size - r->pos;
}

const guint8 *
nvr_media_bytes_take(NvrMediaBytes *r, gsize n)
{
	const guint8 *p;

	if (r->overrun || n > r->size - r->pos) {
		r->overrun = TRUE;
		return NULL;
	}
	p = r->data + r->pos;
	r->pos += n;
	return p;
}

void
nvr_media_bytes_skip(NvrMediaBytes *r, gsize n)
{
	(void)nvr_media_bytes_take(r, n);
}

static guint64
nvr_media_bytes_be(NvrMediaBytes *r, guint n)
{
	const guint8 *p = nvr_media_bytes_take(r, n);
	guint64 v = 0;

	if (p == NULL)
		return 0;
	for (guint i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

guint8
nvr_media_bytes_u8(NvrMediaBytes *r)
{
	return (guint8)nvr_media_bytes_be(r, 1);
}

guint16
nvr_media_bytes_u16(NvrMediaBytes *r)
{
	return (guint16)nvr_media_bytes_be(r, 2);
}

guint32
nvr_media_bytes_u24(NvrMediaBytes *r)
{
	return (guint32)nvr_media_bytes_be(r, 3);
}

guint32
nvr_media_bytes_u32(NvrMediaBytes *r)
{
	return (guint32)nvr_media_bytes_be(r, 4);
}

guint64
nvr_media_bytes_u64(NvrMediaBytes *r)
{
	return nvr_media_bytes_be(r, 8);
}

guint64
nvr_media_bytes_varint(NvrMediaBytes *r)
{
	guint64 v = 0;

	for (guint shift = 0; shift < 64; shift += 7) {
		guint8 b = nvr_media_bytes_u8(r);

		if (r->overrun)
			return 0;
		v |= (guint64)(b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			/* the 10th byte may carry one bit; anything above int64 is hostile */
			if ((shift == 63 && b > 1) || v > G_MAXINT64)
				break;
			return v;
		}
	}
	r->overrun = TRUE;
	return 0;
}

void
nvr_media_put_varint(GByteArray *buf, guint64 value)
{
	guint8 b;

	do {
		b = value & 0x7f;
		value >>= 7;
		if (value != 0)
			b |= 0x80;
		g_byte_array_append(buf, &b, 1);
	} while (value != 0);
}

void
nvr_media_bits_init(NvrMediaBits *b, const guint8 *data, gsize size)
{
	b->data = data;
	b->size = data != NULL ? size : 0;
	b->pos = 0;
	b->overrun = FALSE;
}

guint32
nvr_media_bits_read(NvrMediaBits *b, guint n)
{
	guint32 v = 0;

	g_return_val_if_fail(n <= 32, 0);
	if (b->overrun || b->pos + n > (guint64)b->size * 8) {
		b->overrun = TRUE;
		return 0;
	}
	for (guint i = 0; i < n; i++, b->pos++)
		v = v << 1 | ((b->data[b->pos / 8] >> (7 - b->pos % 8)) & 1);
	return v;
}

void
nvr_media_bits_skip(NvrMediaBits *b, guint64 n)
{
	if (b->overrun || n > (guint64)b->size * 8 - b->pos) {
		b->overrun = TRUE;
		return;
	}
	b->pos += n;
}

guint32
nvr_media_bits_ue(NvrMediaBits *b)
{
	guint zeros = 0;

	while (nvr_media_bits_read(b, 1) == 0) {
		if (b->overrun || ++zeros > 31) {
			b->overrun = TRUE;
			return 0;
		}
	}
	if (zeros == 0)
		return 0;
	return (guint32)(((guint64)1 << zeros) - 1 + nvr_media_bits_read(b, zeros));
}

gint32
nvr_media_bits_se(NvrMediaBits *b)
{
	guint32 k = nvr_media_bits_ue(b);

	/* k <= 2^32 - 2, so (k + 1) / 2 fits */
	return (k & 1) ? (gint32)((k + 1) / 2) : -(gint32)(k / 2);
}

GByteArray *
nvr_media_nal_unescape(const guint8 *nal, gsize size)
{
	GByteArray *out = g_byte_array_sized_new(size);
	guint zeros = 0;

	for (gsize i = 0; i < size; i++) {
		if (zeros >= 2 && nal[i] == 0x03) {
			zeros = 0;
			continue;
		}
		zeros = nal[i] == 0 ? zeros + 1 : 0;
		g_byte_array_append(out, &nal[i], 1);
	}
	return out;
}
