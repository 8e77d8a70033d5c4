/*
 * nvr-media-box.h: ISO BMFF boxes. The writer builds boxes in memory and
 * fills in each size when the box ends (the file itself is only ever
 * appended to); the reader walks boxes of untrusted bytes, checking every
 * size against its parent.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NVR_MEDIA_FOURCC(a, b, c, d)                                                               \
	((guint32)(guint8)(a) << 24 | (guint32)(guint8)(b) << 16 | (guint32)(guint8)(c) << 8 |     \
	 (guint32)(guint8)(d))
#define NVR_MEDIA_FOURCC_STR(s) NVR_MEDIA_FOURCC((s)[0], (s)[1], (s)[2], (s)[3])

/* deeper than the deepest box we write (moov/trak/mdia/minf/stbl/stsd/avc1/avcC) */
#define NVR_MEDIA_BOX_MAX_DEPTH 12

typedef struct {
	GByteArray *buf; /* borrowed */
	guint depth;
	guint starts[NVR_MEDIA_BOX_MAX_DEPTH];
} NvrMediaBoxWriter;

void nvr_media_box_writer_init(NvrMediaBoxWriter *w, GByteArray *buf);
void nvr_media_box_begin(NvrMediaBoxWriter *w, const gchar *type);
void nvr_media_box_begin_full(NvrMediaBoxWriter *w, const gchar *type, guint8 version,
			      guint32 flags);
void nvr_media_box_end(NvrMediaBoxWriter *w);
void nvr_media_box_u8(NvrMediaBoxWriter *w, guint8 v);
void nvr_media_box_u16(NvrMediaBoxWriter *w, guint16 v);
void nvr_media_box_u24(NvrMediaBoxWriter *w, guint32 v);
void nvr_media_box_u32(NvrMediaBoxWriter *w, guint32 v);
void nvr_media_box_u64(NvrMediaBoxWriter *w, guint64 v);
void nvr_media_box_fourcc(NvrMediaBoxWriter *w, const gchar *fourcc);
void nvr_media_box_zeros(NvrMediaBoxWriter *w, gsize n);
void nvr_media_box_bytes(NvrMediaBoxWriter *w, const guint8 *data, gsize size);
/* the unity matrix of mvhd and tkhd */
void nvr_media_box_matrix(NvrMediaBoxWriter *w);
/* position of the next byte, to patch a field later */
guint nvr_media_box_pos(const NvrMediaBoxWriter *w);
void nvr_media_box_patch_u32(NvrMediaBoxWriter *w, guint pos, guint32 v);

typedef struct {
	guint32 type;
	gsize offset;	       /* of the box header, from the start of the outermost buffer */
	gsize size;	       /* header included */
	const guint8 *payload; /* after the header (and after version/flags: not parsed here) */
	gsize payload_size;
} NvrMediaBox;

typedef struct {
	const guint8 *data;
	gsize size;
	gsize pos;
	gsize base; /* offset of data[0] in the outermost buffer */
} NvrMediaBoxReader;

void nvr_media_box_reader_init(NvrMediaBoxReader *r, const guint8 *data, gsize size, gsize base);
/* children of @parent */
void nvr_media_box_reader_init_children(NvrMediaBoxReader *r, const NvrMediaBox *parent,
					gsize skip);
gboolean nvr_media_box_reader_at_end(const NvrMediaBoxReader *r);
gboolean nvr_media_box_reader_next(NvrMediaBoxReader *r, NvrMediaBox *box, GError **error);
/* the first child of @parent of @type (after skipping @skip payload bytes) */
gboolean nvr_media_box_find_child(const NvrMediaBox *parent, gsize skip, const gchar *type,
				  NvrMediaBox *child, GError **error);
/* "moov" for error messages; @buf holds at least 5 bytes */
const gchar *nvr_media_box_type_to_string(guint32 type, gchar *buf);

G_END_DECLS
