/*
 * nvr-store-export.h: a span of one camera's recording as one standalone
 * fragmented MP4 (nvrctl export, DESIGN.md §10).
 */
#pragma once

#include <gio/gio.h>

#include "index/nvr-index-all.h"

G_BEGIN_DECLS

typedef struct {
	guint segments;
	guint fragments;
	guint64 frames;	     /* video samples written */
	guint64 duration_us; /* stated in mehd: media written plus gaps between runs */
} NvrStoreExportResult;

/*
 * Writes [@start_us, @end_us) of @camera_id's main stream to @out: from the
 * key frame at or before @start_us (found with the GOP index) up to the
 * last fragment that starts before @end_us, timestamps continuous across
 * segments, gaps between runs kept as gaps. Every segment is opened with
 * the context from the index and decrypted with @keys (element-type
 * NvrNvreKeyPair); a segment that does not verify fails the export. A
 * codec change inside the span is NVR_ERROR_NOT_SUPPORTED.
 */
gboolean
nvr_store_export(NvrIndex *index, gint64 camera_id, gint64 start_us, gint64 end_us,
		 GPtrArray *keys, const guint8 *device_pk, GOutputStream *out,
		 NvrStoreExportResult *result, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
