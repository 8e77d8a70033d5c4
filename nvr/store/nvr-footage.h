/*
 * nvr-footage.h: a footage directory (usually a USB disk) and the meta file
 * that binds it to one nvr database (DESIGN.md §5). Layout:
 *
 *   <dir>/nvr-footage.meta          format, footage uuid, database uuid
 *   <dir>/nvr-footage.lock          flock held by the nvrd recording here
 *   <dir>/<camera-uuid>/<segment-id>.nvre
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define NVR_FOOTAGE_META_NAME "nvr-footage.meta"
#define NVR_FOOTAGE_FORMAT 1

#define NVR_TYPE_FOOTAGE (nvr_footage_get_type())
G_DECLARE_FINAL_TYPE(NvrFootage, nvr_footage, NVR, FOOTAGE, GObject)

NvrFootage *
nvr_footage_open(const gchar *path,
		 const gchar *database_uuid,
		 const gchar *expected_footage_uuid,
		 GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_footage_lock(NvrFootage *self, GError **error) G_GNUC_WARN_UNUSED_RESULT;
const gchar *
nvr_footage_get_path(NvrFootage *self);
const gchar *
nvr_footage_get_uuid(NvrFootage *self);
gchar *
nvr_footage_dup_camera_dir(NvrFootage *self, const gchar *camera_uuid);
gchar *
nvr_footage_dup_segment_path(NvrFootage *self, const gchar *camera_uuid, gint64 segment_id);
gboolean
nvr_footage_ensure_camera_dir(NvrFootage *self, const gchar *camera_uuid, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_footage_parse_segment_name(const gchar *name, gint64 *segment_id);
gboolean
nvr_footage_get_space(NvrFootage *self, guint64 *free_bytes, guint64 *total_bytes, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
