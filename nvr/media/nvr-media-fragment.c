#include "config.h"

#include <string.h>

#include "core/nvr-error.h"

#include "nvr-media-bits.h"
#include "nvr-media-box.h"
#include "nvr-media-fragment.h"

/* ISO/IEC 14496-12 §8.8.3.1 sample flags */
#define NVR_MEDIA_FLAGS_SYNC 0x02000000	    /* depends on no other sample */
#define NVR_MEDIA_FLAGS_NON_SYNC 0x01010000 /* depends on others, is_non_sync_sample */
#define NVR_MEDIA_FLAG_IS_NON_SYNC 0x00010000

#define NVR_MEDIA_TFHD_BASE_DATA_OFFSET 0x000001
#define NVR_MEDIA_TFHD_SAMPLE_DESCRIPTION 0x000002
#define NVR_MEDIA_TFHD_DEFAULT_DURATION 0x000008
#define NVR_MEDIA_TFHD_DEFAULT_SIZE 0x000010
#define NVR_MEDIA_TFHD_DEFAULT_FLAGS 0x000020
#define NVR_MEDIA_TFHD_DEFAULT_BASE_IS_MOOF 0x020000

#define NVR_MEDIA_TRUN_DATA_OFFSET 0x000001
#define NVR_MEDIA_TRUN_FIRST_FLAGS 0x000004
#define NVR_MEDIA_TRUN_DURATION 0x000100
#define NVR_MEDIA_TRUN_SIZE 0x000200
#define NVR_MEDIA_TRUN_FLAGS 0x000400
#define NVR_MEDIA_TRUN_CTS 0x000800

static gboolean
nvr_media_traf_has_cts(const NvrMediaTrafSpec *t)
{
	for (guint i = 0; i < t->n_samples; i++) {
		if (t->samples[i].cts_offset != 0)
			return TRUE;
	}
	return FALSE;
}

/* Returns: the position of the data offset field, to fill in once moof is complete */
static guint
nvr_media_fragment_write_traf(NvrMediaBoxWriter *w, const NvrMediaTrafSpec *t)
{
	gboolean cts = nvr_media_traf_has_cts(t);
	guint32 flags = NVR_MEDIA_TRUN_DATA_OFFSET | NVR_MEDIA_TRUN_DURATION | NVR_MEDIA_TRUN_SIZE;
	guint data_offset_pos;

	if (t->sample_flags)
		flags |= NVR_MEDIA_TRUN_FLAGS;
	if (cts)
		flags |= NVR_MEDIA_TRUN_CTS;
	nvr_media_box_begin(w, "traf");
	nvr_media_box_begin_full(w, "tfhd", 0, NVR_MEDIA_TFHD_DEFAULT_BASE_IS_MOOF);
	nvr_media_box_u32(w, t->track_id);
	nvr_media_box_end(w);
	nvr_media_box_begin_full(w, "tfdt", 1, 0);
	nvr_media_box_u64(w, t->base_decode_time);
	nvr_media_box_end(w);
	nvr_media_box_begin_full(w, "trun", cts ? 1 : 0, flags);
	nvr_media_box_u32(w, t->n_samples);
	data_offset_pos = nvr_media_box_pos(w);
	nvr_media_box_u32(w, 0);
	for (guint i = 0; i < t->n_samples; i++) {
		const NvrMediaSample *s = &t->samples[i];

		nvr_media_box_u32(w, s->duration);
		nvr_media_box_u32(w, (guint32)g_bytes_get_size(s->data));
		if (t->sample_flags)
			nvr_media_box_u32(w, s->sync ? NVR_MEDIA_FLAGS_SYNC
						     : NVR_MEDIA_FLAGS_NON_SYNC);
		if (cts)
			nvr_media_box_u32(w, (guint32)s->cts_offset);
	}
	nvr_media_box_end(w);
	nvr_media_box_end(w);
	return data_offset_pos;
}

static gboolean
nvr_media_fragment_data_size(const NvrMediaTrafSpec *trafs, guint n_trafs, guint64 *sizes,
			     guint64 *total, GError **error)
{
	*total = 0;
	for (guint i = 0; i < n_trafs; i++) {
		sizes[i] = 0;
		for (guint j = 0; j < trafs[i].n_samples; j++)
			sizes[i] += g_bytes_get_size(trafs[i].samples[j].data);
		*total += sizes[i];
	}
	/* a 32-bit mdat and 32-bit trun data offsets; a GOP never comes near */
	if (*total > G_MAXINT32) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
			    "fragment of %" G_GUINT64_FORMAT " bytes is too large", *total);
		return FALSE;
	}
	return TRUE;
}

/* moof and the mdat header into @buf; Returns: the size of the mdat payload, or -1 */
static gint64
nvr_media_fragment_write_header(GByteArray *buf, guint32 sequence, const NvrMediaTrafSpec *trafs,
				guint n_trafs, GError **error)
{
	guint64 sizes[NVR_MEDIA_MAX_TRACKS], total, offset;
	guint offset_pos[NVR_MEDIA_MAX_TRACKS];
	NvrMediaBoxWriter w;

	if (!nvr_media_fragment_data_size(trafs, n_trafs, sizes, &total, error))
		return -1;
	nvr_media_box_writer_init(&w, buf);
	nvr_media_box_begin(&w, "moof");
	nvr_media_box_begin_full(&w, "mfhd", 0, 0);
	nvr_media_box_u32(&w, sequence);
	nvr_media_box_end(&w);
	for (guint i = 0; i < n_trafs; i++)
		offset_pos[i] = nvr_media_fragment_write_traf(&w, &trafs[i]);
	nvr_media_box_end(&w);
	/* offsets count from the start of moof (default-base-is-moof) */
	offset = buf->len + 8;
	for (guint i = 0; i < n_trafs; i++) {
		nvr_media_box_patch_u32(&w, offset_pos[i], (guint32)offset);
		offset += sizes[i];
	}
	nvr_media_box_u32(&w, (guint32)(8 + total));
	nvr_media_box_fourcc(&w, "mdat");
	return (gint64)total;
}

GBytes *
nvr_media_fragment_write(guint32 sequence, const NvrMediaTrafSpec *trafs, guint n_trafs,
			 GError **error)
{
	g_autoptr(GByteArray) head = g_byte_array_sized_new(1024);
	g_autoptr(GByteArray) buf = NULL;
	gint64 total;

	g_return_val_if_fail(n_trafs > 0 && n_trafs <= NVR_MEDIA_MAX_TRACKS, NULL);
	total = nvr_media_fragment_write_header(head, sequence, trafs, n_trafs, error);
	if (total < 0)
		return NULL;
	buf = g_byte_array_sized_new(head->len + (guint)total);
	g_byte_array_append(buf, head->data, head->len);
	for (guint i = 0; i < n_trafs; i++) {
		for (guint j = 0; j < trafs[i].n_samples; j++) {
			gsize n;
			const guint8 *p = g_bytes_get_data(trafs[i].samples[j].data, &n);

			g_byte_array_append(buf, p, (guint)n);
		}
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&buf));
}

GPtrArray *
nvr_media_fragment_write_parts(guint32 sequence, const NvrMediaTrafSpec *trafs, guint n_trafs,
			       GError **error)
{
	g_autoptr(GByteArray) buf = g_byte_array_sized_new(1024);
	GPtrArray *parts;
	guint n = 1;

	g_return_val_if_fail(n_trafs > 0 && n_trafs <= NVR_MEDIA_MAX_TRACKS, NULL);
	if (nvr_media_fragment_write_header(buf, sequence, trafs, n_trafs, error) < 0)
		return NULL;
	for (guint i = 0; i < n_trafs; i++)
		n += trafs[i].n_samples;
	parts = g_ptr_array_new_full(n, (GDestroyNotify)g_bytes_unref);
	g_ptr_array_add(parts, g_byte_array_free_to_bytes(g_steal_pointer(&buf)));
	for (guint i = 0; i < n_trafs; i++) {
		for (guint j = 0; j < trafs[i].n_samples; j++)
			g_ptr_array_add(parts, g_bytes_ref(trafs[i].samples[j].data));
	}
	return parts;
}

/* reading */

typedef struct {
	guint32 flags;
	guint32 default_duration;
	guint32 default_size;
	guint32 default_flags;
	gboolean have_default_duration;
	gboolean have_default_size;
	gboolean have_default_flags;
	guint64 base;	  /* what trun data offsets count from */
	guint64 data_pos; /* where the next trun's samples start without a data offset */
	guint n_trafs;
	guint64 mdat_start, mdat_end;
} NvrMediaTrafState;

static gboolean
nvr_media_fragment_fail(GError **error, const gchar *what)
{
	g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "fragment: malformed %s", what);
	return FALSE;
}

static gboolean
nvr_media_fragment_read_tfhd(const NvrMediaBox *box, NvrMediaTrafInfo *info, NvrMediaTrafState *st,
			     GError **error)
{
	NvrMediaBytes r;

	nvr_media_bytes_init(&r, box->payload, box->payload_size);
	st->flags = nvr_media_bytes_u32(&r) & 0xffffff;
	info->track_id = nvr_media_bytes_u32(&r);
	if (st->flags & NVR_MEDIA_TFHD_BASE_DATA_OFFSET) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED,
				    "fragment: tfhd with an explicit base data offset");
		return FALSE;
	}
	if (st->flags & NVR_MEDIA_TFHD_SAMPLE_DESCRIPTION)
		nvr_media_bytes_skip(&r, 4);
	st->have_default_duration = (st->flags & NVR_MEDIA_TFHD_DEFAULT_DURATION) != 0;
	if (st->have_default_duration)
		st->default_duration = nvr_media_bytes_u32(&r);
	st->have_default_size = (st->flags & NVR_MEDIA_TFHD_DEFAULT_SIZE) != 0;
	if (st->have_default_size)
		st->default_size = nvr_media_bytes_u32(&r);
	st->have_default_flags = (st->flags & NVR_MEDIA_TFHD_DEFAULT_FLAGS) != 0;
	if (st->have_default_flags)
		st->default_flags = nvr_media_bytes_u32(&r);
	if (r.overrun || info->track_id == 0)
		return nvr_media_fragment_fail(error, "tfhd");
	return TRUE;
}

static gboolean
nvr_media_fragment_read_tfdt(const NvrMediaBox *box, NvrMediaTrafInfo *info, GError **error)
{
	NvrMediaBytes r;

	nvr_media_bytes_init(&r, box->payload, box->payload_size);
	info->tfdt_version = nvr_media_bytes_u8(&r);
	nvr_media_bytes_skip(&r, 3);
	info->tfdt_pos = box->offset + (box->size - box->payload_size) + 4;
	if (info->tfdt_version == 1)
		info->base_decode_time = nvr_media_bytes_u64(&r);
	else
		info->base_decode_time = nvr_media_bytes_u32(&r);
	if (r.overrun || info->tfdt_version > 1)
		return nvr_media_fragment_fail(error, "tfdt");
	return TRUE;
}

static guint
nvr_media_trun_entry_size(guint32 flags)
{
	guint n = 0;

	for (guint32 bit = NVR_MEDIA_TRUN_DURATION; bit <= NVR_MEDIA_TRUN_CTS; bit <<= 1)
		n += (flags & bit) ? 4 : 0;
	return n;
}

/* sums durations and sizes of a trun's samples, per sample or from the defaults */
static gboolean
nvr_media_fragment_trun_totals(NvrMediaBytes *r, guint32 flags, guint32 count,
			       NvrMediaTrafState *st, guint64 *duration, guint64 *size)
{
	if (!(flags & NVR_MEDIA_TRUN_DURATION) && !st->have_default_duration)
		return FALSE; /* the duration would be trex's: not for our fragments */
	if (!(flags & NVR_MEDIA_TRUN_SIZE) && !st->have_default_size)
		return FALSE;
	if (nvr_media_trun_entry_size(flags) == 0) {
		*duration = (guint64)count * st->default_duration;
		*size = (guint64)count * st->default_size;
		return TRUE;
	}
	/* each sample takes at least 4 bytes: a count beyond the box fails before the loop */
	if ((guint64)count * nvr_media_trun_entry_size(flags) > nvr_media_bytes_remaining(r))
		return FALSE;
	*duration = *size = 0;
	for (guint32 i = 0; i < count; i++) {
		*duration += (flags & NVR_MEDIA_TRUN_DURATION) ? nvr_media_bytes_u32(r)
							       : st->default_duration;
		*size += (flags & NVR_MEDIA_TRUN_SIZE) ? nvr_media_bytes_u32(r) : st->default_size;
		nvr_media_bytes_skip(r, ((flags & NVR_MEDIA_TRUN_FLAGS) ? 4 : 0) +
						((flags & NVR_MEDIA_TRUN_CTS) ? 4 : 0));
	}
	return !r->overrun;
}

static gboolean
nvr_media_fragment_first_sync(const NvrMediaBox *box, guint32 flags, NvrMediaTrafState *st,
			      guint32 first_flags)
{
	guint32 f;
	gsize pos = 8 + ((flags & NVR_MEDIA_TRUN_DATA_OFFSET) ? 4 : 0) +
		    ((flags & NVR_MEDIA_TRUN_FIRST_FLAGS) ? 4 : 0) +
		    ((flags & NVR_MEDIA_TRUN_DURATION) ? 4 : 0) +
		    ((flags & NVR_MEDIA_TRUN_SIZE) ? 4 : 0);

	if (flags & NVR_MEDIA_TRUN_FIRST_FLAGS)
		f = first_flags;
	else if ((flags & NVR_MEDIA_TRUN_FLAGS) && pos + 4 <= box->payload_size)
		f = (guint32)box->payload[pos] << 24 | (guint32)box->payload[pos + 1] << 16 |
		    (guint32)box->payload[pos + 2] << 8 | box->payload[pos + 3];
	else if (st->have_default_flags)
		f = st->default_flags;
	else
		return TRUE; /* trex decides; ours says nothing, so a sync sample */
	return (f & NVR_MEDIA_FLAG_IS_NON_SYNC) == 0;
}

static gboolean
nvr_media_fragment_read_trun(const NvrMediaBox *box, NvrMediaTrafInfo *info, NvrMediaTrafState *st,
			     GError **error)
{
	guint64 duration = 0, size = 0, start;
	guint32 flags, count, first_flags = 0;
	gint32 data_offset = 0;
	NvrMediaBytes r;

	nvr_media_bytes_init(&r, box->payload, box->payload_size);
	flags = nvr_media_bytes_u32(&r) & 0xffffff;
	count = nvr_media_bytes_u32(&r);
	if (flags & NVR_MEDIA_TRUN_DATA_OFFSET)
		data_offset = (gint32)nvr_media_bytes_u32(&r);
	if (flags & NVR_MEDIA_TRUN_FIRST_FLAGS)
		first_flags = nvr_media_bytes_u32(&r);
	if (r.overrun || count > NVR_MEDIA_MAX_SAMPLES)
		return nvr_media_fragment_fail(error, "trun");
	if (!nvr_media_fragment_trun_totals(&r, flags, count, st, &duration, &size))
		return nvr_media_fragment_fail(error, "trun samples");
	if (info->sample_count == 0 && count > 0)
		info->first_sync = nvr_media_fragment_first_sync(box, flags, st, first_flags);
	/* the fragment starts with moof: moof-relative offsets are fragment offsets */
	if (flags & NVR_MEDIA_TRUN_DATA_OFFSET) {
		if (data_offset < 0 && (guint64) - (gint64)data_offset > st->base)
			return nvr_media_fragment_fail(error, "trun data offset");
		start = st->base + data_offset;
	} else {
		start = st->data_pos;
	}
	if (start < st->mdat_start || size > st->mdat_end || start > st->mdat_end - size)
		return nvr_media_fragment_fail(error, "trun (samples outside mdat)");
	st->data_pos = start + size;
	if (info->sample_count + (guint64)count > NVR_MEDIA_MAX_SAMPLES)
		return nvr_media_fragment_fail(error, "traf (too many samples)");
	info->sample_count += count;
	info->duration += duration;
	info->data_size += size;
	return TRUE;
}

static gboolean
nvr_media_fragment_read_traf(const NvrMediaBox *traf, NvrMediaTrafInfo *info, NvrMediaTrafState *st,
			     GError **error)
{
	gboolean have_tfhd = FALSE, have_tfdt = FALSE;
	NvrMediaBoxReader r;
	NvrMediaBox box;

	nvr_media_box_reader_init_children(&r, traf, 0);
	while (!nvr_media_box_reader_at_end(&r)) {
		if (!nvr_media_box_reader_next(&r, &box, error))
			return FALSE;
		if (box.type == NVR_MEDIA_FOURCC_STR("tfhd") && !have_tfhd) {
			have_tfhd = TRUE;
			if (!nvr_media_fragment_read_tfhd(&box, info, st, error))
				return FALSE;
			/* without default-base-is-moof, a traf's data follows the previous one's */
			if ((st->flags & NVR_MEDIA_TFHD_DEFAULT_BASE_IS_MOOF) || st->n_trafs == 0)
				st->base = 0;
			else
				st->base = st->data_pos;
			st->data_pos = st->base;
			st->n_trafs++;
		} else if (box.type == NVR_MEDIA_FOURCC_STR("tfdt") && have_tfhd && !have_tfdt) {
			have_tfdt = TRUE;
			if (!nvr_media_fragment_read_tfdt(&box, info, error))
				return FALSE;
		} else if (box.type == NVR_MEDIA_FOURCC_STR("trun") && have_tfdt) {
			if (!nvr_media_fragment_read_trun(&box, info, st, error))
				return FALSE;
		}
	}
	if (!have_tfhd || !have_tfdt)
		return nvr_media_fragment_fail(error, "traf (needs tfhd and tfdt)");
	return TRUE;
}

static gboolean
nvr_media_fragment_read_moof(const NvrMediaBox *moof, NvrMediaFragment *frag,
			     const NvrMediaBox *mdat, GError **error)
{
	NvrMediaTrafState st = {0};
	gboolean have_mfhd = FALSE;
	NvrMediaBoxReader r;
	NvrMediaBox box;

	st.mdat_start = mdat->offset + (mdat->size - mdat->payload_size);
	st.mdat_end = mdat->offset + mdat->size;
	nvr_media_box_reader_init_children(&r, moof, 0);
	while (!nvr_media_box_reader_at_end(&r)) {
		if (!nvr_media_box_reader_next(&r, &box, error))
			return FALSE;
		if (box.type == NVR_MEDIA_FOURCC_STR("mfhd")) {
			NvrMediaBytes b;

			nvr_media_bytes_init(&b, box.payload, box.payload_size);
			nvr_media_bytes_skip(&b, 4);
			frag->sequence = nvr_media_bytes_u32(&b);
			frag->sequence_pos = box.offset + (box.size - box.payload_size) + 4;
			have_mfhd = !b.overrun;
		} else if (box.type == NVR_MEDIA_FOURCC_STR("traf")) {
			NvrMediaTrafInfo *info;

			if (frag->n_trafs == NVR_MEDIA_MAX_TRACKS)
				return nvr_media_fragment_fail(error, "moof (too many trafs)");
			info = &frag->trafs[frag->n_trafs++];
			if (!nvr_media_fragment_read_traf(&box, info, &st, error))
				return FALSE;
		}
	}
	if (!have_mfhd || frag->n_trafs == 0)
		return nvr_media_fragment_fail(error, "moof (needs mfhd and a traf)");
	return TRUE;
}

gboolean
nvr_media_fragment_parse(const guint8 *data, gsize size, NvrMediaFragment *frag, GError **error)
{
	NvrMediaBoxReader r;
	NvrMediaBox moof, mdat;

	memset(frag, 0, sizeof(*frag));
	nvr_media_box_reader_init(&r, data, size, 0);
	if (!nvr_media_box_reader_next(&r, &moof, error))
		return FALSE;
	if (moof.type != NVR_MEDIA_FOURCC_STR("moof"))
		return nvr_media_fragment_fail(error, "fragment (does not start with moof)");
	if (nvr_media_box_reader_at_end(&r) || !nvr_media_box_reader_next(&r, &mdat, NULL) ||
	    mdat.type != NVR_MEDIA_FOURCC_STR("mdat") || !nvr_media_box_reader_at_end(&r))
		return nvr_media_fragment_fail(error,
					       "fragment (moof must be followed by one mdat)");
	frag->moof_size = moof.size;
	frag->size = moof.size + mdat.size;
	return nvr_media_fragment_read_moof(&moof, frag, &mdat, error);
}

const NvrMediaTrafInfo *
nvr_media_fragment_find_traf(const NvrMediaFragment *frag, guint32 track_id)
{
	for (guint i = 0; i < frag->n_trafs; i++) {
		if (frag->trafs[i].track_id == track_id)
			return &frag->trafs[i];
	}
	return NULL;
}

static void
nvr_media_fragment_put_be(guint8 *p, guint64 v, guint n)
{
	for (guint i = 0; i < n; i++)
		p[i] = (guint8)(v >> (8 * (n - 1 - i)));
}

gboolean
nvr_media_fragment_set_times(guint8 *data, NvrMediaFragment *frag, guint32 sequence,
			     const guint64 *base_times, GError **error)
{
	for (guint i = 0; i < frag->n_trafs; i++) {
		if (frag->trafs[i].tfdt_version == 0 && base_times[i] > G_MAXUINT32) {
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED,
					    "fragment: time does not fit a version 0 tfdt");
			return FALSE;
		}
	}
	nvr_media_fragment_put_be(data + frag->sequence_pos, sequence, 4);
	frag->sequence = sequence;
	for (guint i = 0; i < frag->n_trafs; i++) {
		NvrMediaTrafInfo *t = &frag->trafs[i];

		nvr_media_fragment_put_be(data + t->tfdt_pos, base_times[i],
					  t->tfdt_version == 1 ? 8 : 4);
		t->base_decode_time = base_times[i];
	}
	return TRUE;
}
