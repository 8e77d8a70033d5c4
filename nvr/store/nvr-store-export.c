/*
 * nvr-store-export.c: decrypt the segments of a span and hand their
 * fragments to NvrMediaExport.
 *
 * Two passes: the first decrypts and chooses the fragments (so that mehd
 * can state the duration before any fragment is written), the second
 * writes. The plaintext of the span is held in memory meanwhile: a few MiB
 * per minute of footage.
 */
#include "config.h"

#include "core/nvr-error.h"
#include "media/nvr-media.h"
#include "nvr-store-export.h"
#include "nvr-store-hold.h"
#include "nvr-store.h"

typedef struct {
	GBytes *plain;
	NvrMediaSegmentLayout *layout;
	guint first; /* fragments [first, last) are written */
	guint last;
	guint64 gap_us; /* before this segment: 0 inside one run */
} ExportPart;

static void
export_part_free(ExportPart *part)
{
	g_clear_pointer(&part->plain, g_bytes_unref);
	g_clear_pointer(&part->layout, nvr_media_segment_layout_free);
	g_free(part);
}

/* media time of a wall time inside @s */
static guint64
export_media_at(const NvrIndexSegment *s, gint64 wall_us)
{
	gint64 t = s->media_start + (wall_us - s->start_us) * 9 / 100;

	return (guint64)MAX(t, 0);
}

static guint64
export_fragment_start(const NvrMediaSegmentLayout *layout, guint i)
{
	return g_array_index(layout->fragments, NvrMediaFragmentRange, i).info.trafs[0]
		.base_decode_time;
}

/* the key frame at or before @time: the GOP index when the row has one, else the layout */
static guint
export_first_fragment(const NvrIndexSegment *s, const NvrMediaSegmentLayout *layout, guint64 time)
{
	g_autoptr(NvrMediaGopIndex) gop = NULL;
	guint n = layout->fragments->len;
	gint found = -1;

	if (s->gop_index != NULL)
		gop = nvr_media_gop_index_decode(g_bytes_get_data(s->gop_index, NULL),
						 g_bytes_get_size(s->gop_index), NULL);
	if (gop != NULL && nvr_media_gop_index_get_count(gop) == n) {
		found = nvr_media_gop_index_lookup(gop, time);
		return found < 0 ? 0 : (guint)found;
	}
	for (guint i = 0; i < n; i++) {
		const NvrMediaFragmentRange *r =
			&g_array_index(layout->fragments, NvrMediaFragmentRange, i);

		if (r->info.trafs[0].base_decode_time > time)
			break;
		if (r->info.trafs[0].first_sync)
			found = (gint)i;
	}
	return found < 0 ? 0 : (guint)found;
}

static ExportPart *
export_plan_part(NvrIndex *index, const NvrIndexSegment *s, GPtrArray *keys,
		 const guint8 *device_pk, gint64 start_us, gint64 end_us, GError **error)
{
	g_autofree gchar *path = nvr_store_dup_segment_path(index, s, error);
	g_autoptr(NvrStoreHold) hold = NULL;
	g_autoptr(NvrNvreReader) reader = NULL;
	ExportPart *part;
	guint64 end_time;

	/* retention waits while the file is read; the plaintext then lives in memory */
	hold = path != NULL ? nvr_store_hold_new(s->id, path, error) : NULL;
	if (hold == NULL)
		return NULL;
	reader = nvr_store_open_reader(index, s, keys, device_pk, error);
	if (reader == NULL)
		return NULL;
	part = g_new0(ExportPart, 1);
	part->plain = nvr_store_read_all(reader, error);
	if (part->plain != NULL)
		part->layout = nvr_media_segment_layout_parse(
			g_bytes_get_data(part->plain, NULL), g_bytes_get_size(part->plain),
			s->status == NVR_INDEX_SEGMENT_INTERRUPTED, error);
	if (part->layout == NULL) {
		g_prefix_error(error, "segment %" G_GINT64_FORMAT ": ", s->id);
		export_part_free(part);
		return NULL;
	}
	part->first = start_us > s->start_us
			      ? export_first_fragment(s, part->layout,
						      export_media_at(s, start_us))
			      : 0;
	end_time = export_media_at(s, end_us);
	part->last = part->layout->fragments->len;
	while (part->last > part->first &&
	       export_fragment_start(part->layout, part->last - 1) >= end_time &&
	       end_us < s->end_us)
		part->last--;
	return part;
}

static guint64
export_part_duration(const ExportPart *part, guint64 *frames)
{
	guint64 duration = 0;

	for (guint i = part->first; i < part->last; i++) {
		const NvrMediaTrafInfo *t =
			&g_array_index(part->layout->fragments, NvrMediaFragmentRange, i).info.trafs[0];

		duration += t->duration;
		*frames += t->sample_count;
	}
	return duration * 1000 / 90; /* 90 kHz video to microseconds */
}

static gboolean
export_write(GPtrArray *parts, GOutputStream *out, NvrStoreExportResult *result, GError **error)
{
	g_autoptr(NvrMediaExport) export = NULL;

	for (guint p = 0; p < parts->len; p++) {
		ExportPart *part = g_ptr_array_index(parts, p);
		const guint8 *data = g_bytes_get_data(part->plain, NULL);
		g_autoptr(GBytes) init = g_bytes_new_from_bytes(part->plain, 0, part->layout->init_size);

		if (p == 0)
			export = nvr_media_export_new(out, init, result->duration_us, NULL, error);
		if (export == NULL ||
		    (p > 0 && !nvr_media_export_next_source(export, init, part->gap_us, error)))
			return FALSE;
		for (guint i = part->first; i < part->last; i++) {
			const NvrMediaFragmentRange *r =
				&g_array_index(part->layout->fragments, NvrMediaFragmentRange, i);

			if (!nvr_media_export_write_fragment(export, data + r->offset, r->info.size,
							     NULL, error))
				return FALSE;
			result->fragments++;
		}
	}
	return nvr_media_export_finish(export, NULL, error);
}

gboolean
nvr_store_export(NvrIndex *index, gint64 camera_id, gint64 start_us, gint64 end_us,
		 GPtrArray *keys, const guint8 *device_pk, GOutputStream *out,
		 NvrStoreExportResult *result, GError **error)
{
	g_autoptr(GPtrArray) rows = NULL;
	g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func((GDestroyNotify)export_part_free);
	const NvrIndexSegment *prev = NULL;

	memset(result, 0, sizeof(*result));
	rows = nvr_index_segment_list_span(index, camera_id, NVR_INDEX_STREAM_MAIN, start_us,
					   end_us, error);
	if (rows == NULL)
		return FALSE;
	for (guint i = 0; i < rows->len; i++) {
		const NvrIndexSegment *s = g_ptr_array_index(rows, i);
		ExportPart *part;

		if (s->status != NVR_INDEX_SEGMENT_FINALIZED &&
		    s->status != NVR_INDEX_SEGMENT_INTERRUPTED)
			continue; /* still recording: not part of an export yet */
		part = export_plan_part(index, s, keys, device_pk, start_us, end_us, error);
		if (part == NULL)
			return FALSE;
		if (prev != NULL && prev->run_id != s->run_id && s->start_us > prev->end_us)
			part->gap_us = (guint64)(s->start_us - prev->end_us);
		if (parts->len > 0)
			result->duration_us += part->gap_us;
		result->duration_us += export_part_duration(part, &result->frames);
		g_ptr_array_add(parts, part);
		prev = s;
	}
	if (parts->len == 0) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND,
			    "no recording of camera %" G_GINT64_FORMAT " in that span", camera_id);
		return FALSE;
	}
	result->segments = parts->len;
	return export_write(parts, out, result, error);
}
