#include "config.h"

#include "core/nvr-error.h"

#include "nvr-media-bits.h"
#include "nvr-media-gop-index.h"

struct _NvrMediaGopIndex {
	GArray *entries; /* NvrMediaGopEntry */
};

NvrMediaGopIndex *
nvr_media_gop_index_new(void)
{
	NvrMediaGopIndex *index = g_new0(NvrMediaGopIndex, 1);

	index->entries = g_array_new(FALSE, FALSE, sizeof(NvrMediaGopEntry));
	return index;
}

void
nvr_media_gop_index_free(NvrMediaGopIndex *index)
{
	g_array_unref(index->entries);
	g_free(index);
}

guint
nvr_media_gop_index_get_count(const NvrMediaGopIndex *index)
{
	return index->entries->len;
}

const NvrMediaGopEntry *
nvr_media_gop_index_get(const NvrMediaGopIndex *index, guint i)
{
	g_return_val_if_fail(i < index->entries->len, NULL);
	return &g_array_index(index->entries, NvrMediaGopEntry, i);
}

static const NvrMediaGopEntry *
nvr_media_gop_index_last(const NvrMediaGopIndex *index)
{
	if (index->entries->len == 0)
		return NULL;
	return &g_array_index(index->entries, NvrMediaGopEntry, index->entries->len - 1);
}

guint64
nvr_media_gop_index_get_end_time(const NvrMediaGopIndex *index)
{
	const NvrMediaGopEntry *last = nvr_media_gop_index_last(index);

	return last != NULL ? last->start + last->duration : 0;
}

guint64
nvr_media_gop_index_get_end_offset(const NvrMediaGopIndex *index)
{
	const NvrMediaGopEntry *last = nvr_media_gop_index_last(index);

	return last != NULL ? last->offset + last->length : 0;
}

static gboolean
nvr_media_gop_index_fits(guint64 a, guint64 b)
{
	return a <= G_MAXINT64 && b <= G_MAXINT64 - a;
}

gboolean
nvr_media_gop_index_append(NvrMediaGopIndex *index, const NvrMediaGopEntry *entry, GError **error)
{
	const NvrMediaGopEntry *last = nvr_media_gop_index_last(index);

	if (last != NULL && (entry->start != last->start + last->duration ||
			     entry->offset != last->offset + last->length)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
			    "GOP index: fragment at %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
			    " does not follow the previous one",
			    entry->start, entry->offset);
		return FALSE;
	}
	if (!nvr_media_gop_index_fits(entry->start, entry->duration) ||
	    !nvr_media_gop_index_fits(entry->offset, entry->length) || entry->frames > G_MAXINT32) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "GOP index: value out of range");
		return FALSE;
	}
	g_array_append_vals(index->entries, entry, 1);
	return TRUE;
}

gint
nvr_media_gop_index_lookup(const NvrMediaGopIndex *index, guint64 time)
{
	guint lo = 0, hi = index->entries->len;
	gint found;

	/* binary search for the last entry with start <= time */
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;

		if (g_array_index(index->entries, NvrMediaGopEntry, mid).start <= time)
			lo = mid + 1;
		else
			hi = mid;
	}
	found = (gint)lo - 1;
	while (found >= 0 && !g_array_index(index->entries, NvrMediaGopEntry, found).keyframe)
		found--;
	return found;
}

GBytes *
nvr_media_gop_index_encode(const NvrMediaGopIndex *index)
{
	GByteArray *buf = g_byte_array_new();
	guint8 version = NVR_MEDIA_GOP_INDEX_VERSION;
	const NvrMediaGopEntry *first = NULL;

	if (index->entries->len > 0)
		first = &g_array_index(index->entries, NvrMediaGopEntry, 0);
	g_byte_array_append(buf, &version, 1);
	nvr_media_put_varint(buf, index->entries->len);
	nvr_media_put_varint(buf, first != NULL ? first->start : 0);
	nvr_media_put_varint(buf, first != NULL ? first->offset : 0);
	for (guint i = 0; i < index->entries->len; i++) {
		const NvrMediaGopEntry *e = &g_array_index(index->entries, NvrMediaGopEntry, i);

		nvr_media_put_varint(buf, e->duration);
		nvr_media_put_varint(buf, e->length);
		nvr_media_put_varint(buf, (guint64)e->frames << 1 | (e->keyframe ? 0 : 1));
	}
	return g_byte_array_free_to_bytes(buf);
}

static NvrMediaGopIndex *
nvr_media_gop_index_fail(GError **error, const gchar *what)
{
	g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT, "GOP index: %s", what);
	return NULL;
}

NvrMediaGopIndex *
nvr_media_gop_index_decode(const guint8 *data, gsize size, GError **error)
{
	g_autoptr(NvrMediaGopIndex) index = NULL;
	NvrMediaGopEntry e = {0};
	guint64 count;
	NvrMediaBytes r;
	guint8 version;

	nvr_media_bytes_init(&r, data, size);
	version = nvr_media_bytes_u8(&r);
	if (r.overrun)
		return nvr_media_gop_index_fail(error, "empty");
	if (version != NVR_MEDIA_GOP_INDEX_VERSION) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_VERSION, "GOP index: unknown version %u",
			    version);
		return NULL;
	}
	count = nvr_media_bytes_varint(&r);
	e.start = nvr_media_bytes_varint(&r);
	e.offset = nvr_media_bytes_varint(&r);
	if (r.overrun || count > nvr_media_bytes_remaining(&r) / 3)
		return nvr_media_gop_index_fail(error, "truncated header or impossible count");
	if (count == 0 && (e.start != 0 || e.offset != 0))
		return nvr_media_gop_index_fail(error, "an empty index has a start");
	index = nvr_media_gop_index_new();
	g_array_set_size(index->entries, 0);
	for (guint64 i = 0; i < count; i++) {
		guint64 frames;

		e.duration = nvr_media_bytes_varint(&r);
		e.length = nvr_media_bytes_varint(&r);
		frames = nvr_media_bytes_varint(&r);
		if (r.overrun || (frames >> 1) > G_MAXINT32)
			return nvr_media_gop_index_fail(error, "truncated or out-of-range entry");
		e.frames = (guint32)(frames >> 1);
		e.keyframe = (frames & 1) == 0;
		if (!nvr_media_gop_index_append(index, &e, NULL))
			return nvr_media_gop_index_fail(error, "time or offset overflows");
		e.start += e.duration;
		e.offset += e.length;
	}
	if (nvr_media_bytes_remaining(&r) != 0)
		return nvr_media_gop_index_fail(error, "trailing bytes");
	return g_steal_pointer(&index);
}
