#include "config.h"

#include <string.h>

#include "core/nvr-error.h"

#include "nvr-media-box.h"
#include "nvr-media-export.h"

/* times beyond this (800 000 years at 90 kHz) are hostile; with gaps below
 * NVR_MEDIA_MAX_GAP, every sum of times stays far from overflowing gint64 */
#define NVR_MEDIA_MAX_TIME ((guint64)1 << 61)
#define NVR_MEDIA_MAX_GAP ((guint64)1 << 60)

void
nvr_media_segment_layout_free(NvrMediaSegmentLayout *layout)
{
	g_clear_pointer(&layout->init, nvr_media_init_free);
	g_clear_pointer(&layout->fragments, g_array_unref);
	g_free(layout);
}

static gboolean
nvr_media_layout_check_tracks(const NvrMediaSegmentLayout *layout, const NvrMediaFragment *frag,
			      GError **error)
{
	for (guint i = 0; i < frag->n_trafs; i++) {
		if (nvr_media_init_find_track(layout->init, frag->trafs[i].track_id) < 0) {
			g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE,
				    "fragment %u refers to track %u, which the init lacks",
				    frag->sequence, frag->trafs[i].track_id);
			return FALSE;
		}
	}
	return TRUE;
}

/* top-level boxes after the init: moof + mdat pairs; free/skip/styp/sidx pass */
static gboolean
nvr_media_layout_read_fragments(NvrMediaSegmentLayout *layout, NvrMediaBoxReader *r, GError **error)
{
	NvrMediaBox box, mdat;

	while (!nvr_media_box_reader_at_end(r)) {
		NvrMediaFragmentRange range = {0};

		if (!nvr_media_box_reader_next(r, &box, error))
			return FALSE;
		if (box.type != NVR_MEDIA_FOURCC_STR("moof")) {
			if (box.type == NVR_MEDIA_FOURCC_STR("mdat")) {
				g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE,
					    "mdat without moof at offset %" G_GSIZE_FORMAT,
					    box.offset);
				return FALSE;
			}
			layout->end = box.offset + box.size;
			continue;
		}
		if (nvr_media_box_reader_at_end(r)) {
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE,
					    "moof without mdat at the end");
			return FALSE;
		}
		if (!nvr_media_box_reader_next(r, &mdat, error))
			return FALSE;
		range.offset = box.offset;
		if (!nvr_media_fragment_parse(r->data + (box.offset - r->base),
					      box.size + mdat.size, &range.info, error)) {
			g_prefix_error(error, "fragment at offset %" G_GSIZE_FORMAT ": ",
				       box.offset);
			return FALSE;
		}
		if (!nvr_media_layout_check_tracks(layout, &range.info, error))
			return FALSE;
		g_array_append_val(layout->fragments, range);
		layout->end = mdat.offset + mdat.size;
	}
	return TRUE;
}

NvrMediaSegmentLayout *
nvr_media_segment_layout_parse(const guint8 *data, gsize size, gboolean allow_truncated,
			       GError **error)
{
	g_autoptr(NvrMediaSegmentLayout) layout = g_new0(NvrMediaSegmentLayout, 1);
	g_autoptr(GError) error_local = NULL;
	NvrMediaBoxReader r;
	NvrMediaBox box;

	layout->fragments = g_array_new(FALSE, FALSE, sizeof(NvrMediaFragmentRange));
	/* the init ends with moov */
	nvr_media_box_reader_init(&r, data, size, 0);
	do {
		if (nvr_media_box_reader_at_end(&r)) {
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE,
					    "segment without moov");
			return NULL;
		}
		if (!nvr_media_box_reader_next(&r, &box, error))
			return NULL;
	} while (box.type != NVR_MEDIA_FOURCC_STR("moov"));
	layout->init_size = box.offset + box.size;
	layout->init = nvr_media_init_parse(data, layout->init_size, error);
	if (layout->init == NULL)
		return NULL;
	layout->end = layout->init_size;
	if (!nvr_media_layout_read_fragments(layout, &r, &error_local)) {
		if (!allow_truncated) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return NULL;
		}
		g_debug("segment truncated at %" G_GSIZE_FORMAT ": %s", layout->end,
			error_local->message);
		layout->truncated = TRUE;
	}
	return g_steal_pointer(&layout);
}

struct _NvrMediaConcat {
	guint n_tracks;
	guint32 track_ids[NVR_MEDIA_MAX_TRACKS];
	guint32 timescales[NVR_MEDIA_MAX_TRACKS]; /* [0] is the primary track's */
	guint64 ends[NVR_MEDIA_MAX_TRACKS];	  /* output, in each track's timescale */
	gboolean new_source;
	guint64 gap;   /* primary timescale */
	gint64 offset; /* primary timescale: output = input + offset */
	guint32 sequence;
};

NvrMediaConcat *
nvr_media_concat_new(const NvrMediaInit *init)
{
	NvrMediaConcat *self = g_new0(NvrMediaConcat, 1);

	self->n_tracks = init->n_tracks;
	for (guint i = 0; i < init->n_tracks; i++) {
		self->track_ids[i] = init->track_ids[i];
		self->timescales[i] = init->tracks[i]->timescale;
	}
	self->new_source = TRUE;
	return self;
}

void
nvr_media_concat_free(NvrMediaConcat *self)
{
	g_free(self);
}

void
nvr_media_concat_next_source(NvrMediaConcat *self, guint64 gap)
{
	self->new_source = TRUE;
	self->gap = MIN(gap, NVR_MEDIA_MAX_GAP);
}

guint64
nvr_media_concat_get_end(NvrMediaConcat *self)
{
	return self->ends[0];
}

/* |@v| * @num / @den, rounded up (@up) or to nearest, with @v's sign; hostile
 * timescales saturate (and fail the range checks later) instead of wrapping */
static gint64
nvr_media_concat_scale(gint64 v, guint32 num, guint32 den, gboolean up)
{
	guint64 mag = v < 0 ? (guint64)-v : (guint64)v; /* |v| <= 2^62 */
	guint64 r;

	/* rounding "up" means towards +infinity: down in magnitude when negative */
	if (up)
		r = v >= 0 ? gst_util_uint64_scale_ceil(mag, num, den)
			   : gst_util_uint64_scale(mag, num, den);
	else
		r = gst_util_uint64_scale_round(mag, num, den);
	r = MIN(r, NVR_MEDIA_MAX_TIME);
	return v < 0 ? -(gint64)r : (gint64)r;
}

/* @v (primary timescale) in track @t's timescale */
static gint64
nvr_media_concat_to_track(NvrMediaConcat *self, guint t, gint64 v, gboolean up)
{
	if (t == 0)
		return v;
	return nvr_media_concat_scale(v, self->timescales[t], self->timescales[0], up);
}

/* a primary-timescale offset whose conversion to track @t is at least @need */
static gint64
nvr_media_concat_from_track(NvrMediaConcat *self, guint t, gint64 need)
{
	if (t == 0)
		return need;
	return nvr_media_concat_scale(need, self->timescales[0], self->timescales[t], TRUE);
}

static gint
nvr_media_concat_track(NvrMediaConcat *self, guint32 track_id)
{
	for (guint i = 0; i < self->n_tracks; i++) {
		if (self->track_ids[i] == track_id)
			return (gint)i;
	}
	return -1;
}

/* a new source: every track present starts at or after its end so far */
static void
nvr_media_concat_start_source(NvrMediaConcat *self, const NvrMediaFragment *frag, const gint *idx)
{
	const NvrMediaTrafInfo *primary = nvr_media_fragment_find_traf(frag, self->track_ids[0]);
	gint64 offset = G_MININT64 / 2;

	if (primary != NULL)
		offset = (gint64)(self->ends[0] + self->gap) - (gint64)primary->base_decode_time;
	for (guint i = 0; i < frag->n_trafs; i++) {
		guint t = (guint)idx[i];
		gint64 need = (gint64)self->ends[t] - (gint64)frag->trafs[i].base_decode_time;

		if (t == 0)
			continue;
		if (primary == NULL)
			need += nvr_media_concat_to_track(self, t, (gint64)self->gap, TRUE);
		if (offset == G_MININT64 / 2 ||
		    nvr_media_concat_to_track(self, t, offset, FALSE) < need)
			offset = nvr_media_concat_from_track(self, t, need);
	}
	self->offset = offset;
	self->new_source = FALSE;
}

static gboolean
nvr_media_concat_times(NvrMediaConcat *self, NvrMediaFragment *frag, gint *idx, guint64 *times,
		       GError **error)
{
	for (guint i = 0; i < frag->n_trafs; i++) {
		gint t = nvr_media_concat_track(self, frag->trafs[i].track_id);

		if (t < 0 || frag->trafs[i].base_decode_time > NVR_MEDIA_MAX_TIME ||
		    frag->trafs[i].duration > NVR_MEDIA_MAX_TIME) {
			g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE,
				    "fragment %u: unknown track or time out of range",
				    frag->sequence);
			return FALSE;
		}
		idx[i] = t;
	}
	if (self->new_source)
		nvr_media_concat_start_source(self, frag, idx);
	for (guint i = 0; i < frag->n_trafs; i++) {
		gint64 out = (gint64)frag->trafs[i].base_decode_time +
			     nvr_media_concat_to_track(self, (guint)idx[i], self->offset, FALSE);

		if (out < 0 || (guint64)out > NVR_MEDIA_MAX_TIME) {
			g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "fragment %u starts before its source", frag->sequence);
			return FALSE;
		}
		times[i] = (guint64)out;
	}
	return TRUE;
}

GBytes *
nvr_media_concat_push(NvrMediaConcat *self, const guint8 *data, gsize size, NvrMediaFragment *info,
		      GError **error)
{
	NvrMediaFragment frag;
	guint64 times[NVR_MEDIA_MAX_TRACKS];
	gint idx[NVR_MEDIA_MAX_TRACKS];
	g_autofree guint8 *copy = NULL;

	if (!nvr_media_fragment_parse(data, size, &frag, error))
		return NULL;
	if (!nvr_media_concat_times(self, &frag, idx, times, error))
		return NULL;
	copy = g_memdup2(data, size);
	if (!nvr_media_fragment_set_times(copy, &frag, self->sequence + 1, times, error))
		return NULL;
	self->sequence++;
	for (guint i = 0; i < frag.n_trafs; i++) {
		guint64 end = times[i] + frag.trafs[i].duration;

		self->ends[idx[i]] = MAX(self->ends[idx[i]], end);
	}
	if (info != NULL)
		*info = frag;
	return g_bytes_new_take(g_steal_pointer(&copy), size);
}

typedef struct {
	guint64 time;
	guint64 moof_offset;
	guint8 traf_number;
} NvrMediaTfraEntry;

struct _NvrMediaExport {
	GOutputStream *out;
	NvrMediaInit *init;
	NvrMediaConcat *concat;
	GArray *tfra; /* NvrMediaTfraEntry */
	guint64 written;
};

void
nvr_media_export_free(NvrMediaExport *self)
{
	g_clear_object(&self->out);
	g_clear_pointer(&self->init, nvr_media_init_free);
	g_clear_pointer(&self->concat, nvr_media_concat_free);
	g_clear_pointer(&self->tfra, g_array_unref);
	g_free(self);
}

static gboolean
nvr_media_export_write(NvrMediaExport *self, const guint8 *data, gsize size,
		       GCancellable *cancellable, GError **error)
{
	g_autoptr(GError) error_local = NULL;

	if (!g_output_stream_write_all(self->out, data, size, NULL, cancellable, &error_local)) {
		g_set_error(error, NVR_ERROR,
			    g_error_matches(error_local, G_IO_ERROR, G_IO_ERROR_CANCELLED)
				    ? NVR_ERROR_CANCELLED
				    : NVR_ERROR_IO,
			    "export: %s", error_local->message);
		return FALSE;
	}
	self->written += size;
	return TRUE;
}

static NvrMediaInit *
nvr_media_export_parse_init(GBytes *init, GError **error)
{
	g_autoptr(NvrMediaInit) parsed = NULL;

	parsed = nvr_media_init_parse(g_bytes_get_data(init, NULL), g_bytes_get_size(init), error);
	if (parsed == NULL)
		return NULL;
	/* the export's init numbers tracks 1..n: the fragments must agree */
	for (guint i = 0; i < parsed->n_tracks; i++) {
		if (parsed->track_ids[i] != i + 1) {
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED,
					    "export: track IDs are not 1..n");
			return NULL;
		}
	}
	return g_steal_pointer(&parsed);
}

NvrMediaExport *
nvr_media_export_new(GOutputStream *out, GBytes *init, guint64 duration_us,
		     GCancellable *cancellable, GError **error)
{
	g_autoptr(NvrMediaExport) self = g_new0(NvrMediaExport, 1);
	g_autoptr(GBytes) bytes = NULL;
	guint64 duration_ms = (duration_us + 500) / 1000;

	g_return_val_if_fail(G_IS_OUTPUT_STREAM(out), NULL);
	self->out = g_object_ref(out);
	self->tfra = g_array_new(FALSE, FALSE, sizeof(NvrMediaTfraEntry));
	self->init = nvr_media_export_parse_init(init, error);
	if (self->init == NULL)
		return NULL;
	self->concat = nvr_media_concat_new(self->init);
	bytes = nvr_media_init_write(self->init->tracks, self->init->n_tracks, duration_ms);
	if (!nvr_media_export_write(self, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes),
				    cancellable, error))
		return NULL;
	return g_steal_pointer(&self);
}

static gboolean
nvr_media_export_same_tracks(const NvrMediaInit *a, const NvrMediaInit *b)
{
	if (a->n_tracks != b->n_tracks)
		return FALSE;
	for (guint i = 0; i < a->n_tracks; i++) {
		if (!nvr_media_track_config_equal(a->tracks[i], b->tracks[i]))
			return FALSE;
	}
	return TRUE;
}

gboolean
nvr_media_export_next_source(NvrMediaExport *self, GBytes *init, guint64 gap_us, GError **error)
{
	g_autoptr(NvrMediaInit) parsed = nvr_media_export_parse_init(init, error);
	guint32 timescale;

	if (parsed == NULL)
		return FALSE;
	if (!nvr_media_export_same_tracks(parsed, self->init)) {
		g_set_error_literal(
			error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED,
			"export: the codec configuration changes here; it needs a new file");
		return FALSE;
	}
	timescale = self->init->tracks[0]->timescale;
	nvr_media_concat_next_source(
		self->concat, gst_util_uint64_scale_round(gap_us, timescale, G_USEC_PER_SEC));
	return TRUE;
}

gboolean
nvr_media_export_write_fragment(NvrMediaExport *self, const guint8 *data, gsize size,
				GCancellable *cancellable, GError **error)
{
	g_autoptr(GBytes) bytes = NULL;
	NvrMediaFragment frag;

	bytes = nvr_media_concat_push(self->concat, data, size, &frag, error);
	if (bytes == NULL)
		return FALSE;
	for (guint i = 0; i < frag.n_trafs; i++) {
		NvrMediaTfraEntry e = {.time = frag.trafs[i].base_decode_time,
				       .moof_offset = self->written,
				       .traf_number = (guint8)(i + 1)};

		if (frag.trafs[i].track_id == 1 && frag.trafs[i].first_sync)
			g_array_append_val(self->tfra, e);
	}
	return nvr_media_export_write(self, g_bytes_get_data(bytes, NULL), size, cancellable,
				      error);
}

gboolean
nvr_media_export_finish(NvrMediaExport *self, GCancellable *cancellable, GError **error)
{
	g_autoptr(GByteArray) buf = g_byte_array_new();
	NvrMediaBoxWriter w;

	nvr_media_box_writer_init(&w, buf);
	nvr_media_box_begin(&w, "mfra");
	nvr_media_box_begin_full(&w, "tfra", 1, 0);
	nvr_media_box_u32(&w, 1); /* the primary track */
	nvr_media_box_u32(&w, 0); /* traf, trun and sample numbers take one byte each */
	nvr_media_box_u32(&w, self->tfra->len);
	for (guint i = 0; i < self->tfra->len; i++) {
		const NvrMediaTfraEntry *e = &g_array_index(self->tfra, NvrMediaTfraEntry, i);

		nvr_media_box_u64(&w, e->time);
		nvr_media_box_u64(&w, e->moof_offset);
		nvr_media_box_u8(&w, e->traf_number);
		nvr_media_box_u8(&w, 1); /* trun */
		nvr_media_box_u8(&w, 1); /* sample */
	}
	nvr_media_box_end(&w);
	nvr_media_box_begin_full(&w, "mfro", 0, 0);
	nvr_media_box_u32(&w, buf->len + 16);
	nvr_media_box_end(&w);
	nvr_media_box_end(&w);
	if (!nvr_media_export_write(self, buf->data, buf->len, cancellable, error))
		return FALSE;
	if (!g_output_stream_flush(self->out, cancellable, error))
		return FALSE;
	return TRUE;
}

guint64
nvr_media_export_get_bytes_written(NvrMediaExport *self)
{
	return self->written;
}
