/*
 * nvr-media-gop-index.h: where each fragment of a segment starts, in media
 * time and in plaintext bytes, stored with the segment's index row.
 *
 * Blob format, version 1 (all varints unsigned LEB128, at most 10 bytes,
 * no value above 2^63 - 1):
 *
 *   u8      version            1
 *   varint  count              number of fragments, n
 *   varint  start              media time of fragment 0 (primary track
 *                              timescale: 90 kHz for video)
 *   varint  offset             plaintext byte offset of fragment 0 in the
 *                              segment (the init segment's length)
 *   n times:
 *     varint  duration         start[i+1] = start[i] + duration[i]
 *     varint  length           offset[i+1] = offset[i] + length[i]
 *     varint  frames << 1 | nonkey
 *                              frames: primary-track samples in the fragment;
 *                              nonkey: 1 when it does not start with a key frame
 *
 * An empty index (count 0) has start 0 and offset 0. Nothing may follow the
 * last entry. Fragments are contiguous by
 * construction, so the deltas are the durations and lengths: the blob alone
 * says where the segment ends. Decoding checks every varint, every sum
 * against overflow, and allocates only after the count is checked against
 * the bytes left (an entry takes at least 3 bytes).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NVR_MEDIA_GOP_INDEX_VERSION 1

typedef struct {
	guint64 start;	/* media time */
	guint64 offset; /* plaintext bytes from the segment start */
	guint64 duration;
	guint64 length;
	guint32 frames;
	gboolean keyframe; /* starts with a key frame */
} NvrMediaGopEntry;

typedef struct _NvrMediaGopIndex NvrMediaGopIndex;

NvrMediaGopIndex *nvr_media_gop_index_new(void);
void nvr_media_gop_index_free(NvrMediaGopIndex *index);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrMediaGopIndex, nvr_media_gop_index_free)

/* @entry must start where the previous one ended, in time and in bytes */
gboolean nvr_media_gop_index_append(NvrMediaGopIndex *index, const NvrMediaGopEntry *entry,
				    GError **error);
guint nvr_media_gop_index_get_count(const NvrMediaGopIndex *index);
/* Returns: (transfer none): valid until the next append */
const NvrMediaGopEntry *nvr_media_gop_index_get(const NvrMediaGopIndex *index, guint i);
/* the last fragment that starts at or before @time with a key frame; -1 if none */
gint nvr_media_gop_index_lookup(const NvrMediaGopIndex *index, guint64 time);
/* end time and end offset of the last fragment (start and offset when empty) */
guint64 nvr_media_gop_index_get_end_time(const NvrMediaGopIndex *index);
guint64 nvr_media_gop_index_get_end_offset(const NvrMediaGopIndex *index);

GBytes *nvr_media_gop_index_encode(const NvrMediaGopIndex *index);
NvrMediaGopIndex *nvr_media_gop_index_decode(const guint8 *data, gsize size, GError **error);

G_END_DECLS
