#include "config.h"

#include <string.h>

#include "core/nvr-error.h"

#include "nvr-media-box.h"

void
nvr_media_box_writer_init(NvrMediaBoxWriter *w, GByteArray *buf)
{
	w->buf = buf;
	w->depth = 0;
}

static void
nvr_media_box_put(NvrMediaBoxWriter *w, guint64 v, guint n)
{
	guint8 b[8];

	for (guint i = 0; i < n; i++)
		b[i] = (guint8)(v >> (8 * (n - 1 - i)));
	g_byte_array_append(w->buf, b, n);
}

void
nvr_media_box_u8(NvrMediaBoxWriter *w, guint8 v)
{
	nvr_media_box_put(w, v, 1);
}

void
nvr_media_box_u16(NvrMediaBoxWriter *w, guint16 v)
{
	nvr_media_box_put(w, v, 2);
}

void
nvr_media_box_u24(NvrMediaBoxWriter *w, guint32 v)
{
	nvr_media_box_put(w, v, 3);
}

void
nvr_media_box_u32(NvrMediaBoxWriter *w, guint32 v)
{
	nvr_media_box_put(w, v, 4);
}

void
nvr_media_box_u64(NvrMediaBoxWriter *w, guint64 v)
{
	nvr_media_box_put(w, v, 8);
}

void
nvr_media_box_fourcc(NvrMediaBoxWriter *w, const gchar *fourcc)
{
	g_byte_array_append(w->buf, (const guint8 *)fourcc, 4);
}

void
nvr_media_box_zeros(NvrMediaBoxWriter *w, gsize n)
{
	guint old = w->buf->len;

	g_byte_array_set_size(w->buf, old + n);
	memset(w->buf->data + old, 0, n);
}

void
nvr_media_box_bytes(NvrMediaBoxWriter *w, const guint8 *data, gsize size)
{
	g_byte_array_append(w->buf, data, size);
}

void
nvr_media_box_matrix(NvrMediaBoxWriter *w)
{
	static const guint32 unity[9] = {0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000};

	for (guint i = 0; i < G_N_ELEMENTS(unity); i++)
		nvr_media_box_u32(w, unity[i]);
}

guint
nvr_media_box_pos(const NvrMediaBoxWriter *w)
{
	return w->buf->len;
}

void
nvr_media_box_patch_u32(NvrMediaBoxWriter *w, guint pos, guint32 v)
{
	g_return_if_fail(pos + 4 <= w->buf->len);
	for (guint i = 0; i < 4; i++)
		w->buf->data[pos + i] = (guint8)(v >> (8 * (3 - i)));
}

void
nvr_media_box_begin(NvrMediaBoxWriter *w, const gchar *type)
{
	g_return_if_fail(w->depth < NVR_MEDIA_BOX_MAX_DEPTH);
	w->starts[w->depth++] = w->buf->len;
	nvr_media_box_u32(w, 0); /* size, filled in by nvr_media_box_end() */
	nvr_media_box_fourcc(w, type);
}

void
nvr_media_box_begin_full(NvrMediaBoxWriter *w, const gchar *type, guint8 version, guint32 flags)
{
	nvr_media_box_begin(w, type);
	nvr_media_box_u8(w, version);
	nvr_media_box_u24(w, flags);
}

void
nvr_media_box_end(NvrMediaBoxWriter *w)
{
	guint start;

	g_return_if_fail(w->depth > 0);
	start = w->starts[--w->depth];
	nvr_media_box_patch_u32(w, start, w->buf->len - start);
}

void
nvr_media_box_reader_init(NvrMediaBoxReader *r, const guint8 *data, gsize size, gsize base)
{
	r->data = data;
	r->size = data != NULL ? size : 0;
	r->pos = 0;
	r->base = base;
}

void
nvr_media_box_reader_init_children(NvrMediaBoxReader *r, const NvrMediaBox *parent, gsize skip)
{
	gsize header = parent->size - parent->payload_size;

	if (skip > parent->payload_size)
		skip = parent->payload_size;
	nvr_media_box_reader_init(r, parent->payload + skip, parent->payload_size - skip,
				  parent->offset + header + skip);
}

gboolean
nvr_media_box_reader_at_end(const NvrMediaBoxReader *r)
{
	return r->pos >= r->size;
}

const gchar *
nvr_media_box_type_to_string(guint32 type, gchar *buf)
{
	for (guint i = 0; i < 4; i++) {
		gchar c = (gchar)(type >> (8 * (3 - i)));

		buf[i] = g_ascii_isprint(c) ? c : '?';
	}
	buf[4] = '\0';
	return buf;
}

static guint64
nvr_media_box_read_be(const guint8 *p, guint n)
{
	guint64 v = 0;

	for (guint i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

gboolean
nvr_media_box_reader_next(NvrMediaBoxReader *r, NvrMediaBox *box, GError **error)
{
	const guint8 *p = r->data + r->pos;
	gsize left = r->size - r->pos;
	guint64 size;
	gsize header = 8;
	gchar name[5];

	if (r->pos >= r->size || left < 8) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE,
			    "truncated box header at offset %" G_GSIZE_FORMAT, r->base + r->pos);
		return FALSE;
	}
	size = nvr_media_box_read_be(p, 4);
	box->type = (guint32)nvr_media_box_read_be(p + 4, 4);
	if (size == 1) { /* 64-bit largesize follows */
		if (left < 16) {
			g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE,
				    "truncated box header at offset %" G_GSIZE_FORMAT,
				    r->base + r->pos);
			return FALSE;
		}
		size = nvr_media_box_read_be(p + 8, 8);
		header = 16;
	} else if (size == 0) { /* extends to the end of its container */
		size = left;
	}
	if (size < header || size > left) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE,
			    "box '%s' at offset %" G_GSIZE_FORMAT " has size %" G_GUINT64_FORMAT
			    " but %" G_GSIZE_FORMAT " bytes are left",
			    nvr_media_box_type_to_string(box->type, name), r->base + r->pos, size,
			    left);
		return FALSE;
	}
	box->offset = r->base + r->pos;
	box->size = (gsize)size;
	box->payload = p + header;
	box->payload_size = (gsize)size - header;
	r->pos += (gsize)size;
	return TRUE;
}

gboolean
nvr_media_box_find_child(const NvrMediaBox *parent, gsize skip, const gchar *type,
			 NvrMediaBox *child, GError **error)
{
	NvrMediaBoxReader r;
	gchar name[5];

	nvr_media_box_reader_init_children(&r, parent, skip);
	while (!nvr_media_box_reader_at_end(&r)) {
		if (!nvr_media_box_reader_next(&r, child, error))
			return FALSE;
		if (child->type == NVR_MEDIA_FOURCC_STR(type))
			return TRUE;
	}
	g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "box '%s' has no '%s'",
		    nvr_media_box_type_to_string(parent->type, name), type);
	return FALSE;
}
