#include "config.h"

#include <string.h>

#include "core/nvr-error.h"

#include "nvr-media-au.h"

typedef struct {
	GstBuffer *buffer;
	GstMapInfo map;
} NvrMediaAuMapping;

static void
nvr_media_au_mapping_free(gpointer data)
{
	NvrMediaAuMapping *m = data;

	gst_buffer_unmap(m->buffer, &m->map);
	gst_buffer_unref(m->buffer);
	g_free(m);
}

static GBytes *
nvr_media_au_bytes_from_buffer(GstBuffer *buffer, GError **error)
{
	NvrMediaAuMapping *m = g_new0(NvrMediaAuMapping, 1);

	m->buffer = gst_buffer_ref(buffer);
	if (!gst_buffer_map(m->buffer, &m->map, GST_MAP_READ)) {
		gst_buffer_unref(m->buffer);
		g_free(m);
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_FAILED, "cannot map buffer");
		return NULL;
	}
	return g_bytes_new_with_free_func(m->map.data, m->map.size, nvr_media_au_mapping_free, m);
}

gboolean
nvr_media_au_init_from_buffer(NvrMediaAu *au, GstBuffer *buffer, guint track, guint32 timescale,
			      GstClockTime base_ns, GError **error)
{
	GstClockTime dts = GST_BUFFER_DTS_OR_PTS(buffer);
	GstClockTime pts = GST_BUFFER_PTS(buffer);
	GstClockTime dur = GST_BUFFER_DURATION(buffer);
	gint64 dts_ts, pts_ts;

	g_return_val_if_fail(timescale > 0, FALSE);
	memset(au, 0, sizeof(*au));
	if (!GST_CLOCK_TIME_IS_VALID(dts) || dts < base_ns) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
			    "buffer without a time at or after %" GST_TIME_FORMAT,
			    GST_TIME_ARGS(base_ns));
		return FALSE;
	}
	dts_ts = (gint64)gst_util_uint64_scale_round(dts - base_ns, timescale, GST_SECOND);
	au->track = track;
	au->dts = dts_ts;
	if (GST_CLOCK_TIME_IS_VALID(pts) && pts >= base_ns) {
		pts_ts = (gint64)gst_util_uint64_scale_round(pts - base_ns, timescale, GST_SECOND);
		au->cts_offset = (gint32)CLAMP(pts_ts - dts_ts, G_MININT32, G_MAXINT32);
	}
	if (GST_CLOCK_TIME_IS_VALID(dur))
		au->duration = (guint32)MIN(gst_util_uint64_scale_round(dur, timescale, GST_SECOND),
					    G_MAXUINT32);
	au->keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
	au->data = nvr_media_au_bytes_from_buffer(buffer, error);
	return au->data != NULL;
}

void
nvr_media_au_clear(NvrMediaAu *au)
{
	g_clear_pointer(&au->data, g_bytes_unref);
}
