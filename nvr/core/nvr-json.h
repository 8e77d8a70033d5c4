/*
 * nvr-json.h: untrusted JSON (devices, data files, HTTP bodies), parsed with bounds:
 * a size cap and a nesting-depth cap checked before json-glib (which
 * recurses once per level) sees the bytes.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define NVR_JSON_MAX_DEPTH 32

gboolean nvr_json_depth_ok(const gchar *data, gsize len, guint max_depth);
JsonNode *nvr_json_parse(const gchar *data, gsize len, gsize max_bytes,
				GError **error) G_GNUC_WARN_UNUSED_RESULT;
const gchar *nvr_json_get_string(JsonObject *obj, const gchar *name);
gboolean nvr_json_get_bool(JsonObject *obj, const gchar *name, gboolean fallback);
gint64 nvr_json_get_int(JsonObject *obj, const gchar *name, gint64 fallback);
JsonArray *nvr_json_get_array(JsonObject *obj, const gchar *name);
JsonObject *nvr_json_get_object(JsonObject *obj, const gchar *name);

G_END_DECLS
