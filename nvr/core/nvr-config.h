/*
 * nvr-config.h: configuration as one table (nvr-config.c). Each key appears
 * once with its type, default, bounds, flags and documentation; parsing,
 * validation, the sample file and redacted dumps all read that table.
 *
 * File format: "key = value" lines, '#' comments, blank lines. Unknown keys
 * and bad values are errors naming file and line.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
	NVR_CONFIG_NONE = 0,
	NVR_CONFIG_SECRET = 1 << 0,  /* never printed, never logged */
	NVR_CONFIG_RESTART = 1 << 1, /* a change needs a restart, not a SIGHUP reload */
} NvrConfigFlags;

typedef enum {
	NVR_CONFIG_TYPE_STRING,
	NVR_CONFIG_TYPE_UINT,
	NVR_CONFIG_TYPE_BOOL,
} NvrConfigType;

typedef struct {
	const gchar *name;
	NvrConfigType type;
	const gchar *default_value; /* NULL: unset */
	guint64 min;		    /* UINT only */
	guint64 max;		    /* UINT only */
	NvrConfigFlags flags;
	const gchar *doc;
} NvrConfigKey;

#define NVR_TYPE_CONFIG (nvr_config_get_type())
G_DECLARE_FINAL_TYPE(NvrConfig, nvr_config, NVR, CONFIG, GObject)

NvrConfig *
nvr_config_new(void);
const NvrConfigKey *
nvr_config_get_keys(guint *n_keys);
const NvrConfigKey *
nvr_config_lookup_key(const gchar *name);

gboolean
nvr_config_load_file(NvrConfig *self, const gchar *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_config_load_data(NvrConfig *self, const gchar *data, const gchar *origin, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_config_set(NvrConfig *self, const gchar *name, const gchar *value, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

const gchar *
nvr_config_get_string(NvrConfig *self, const gchar *name);
guint64
nvr_config_get_uint(NvrConfig *self, const gchar *name);
gboolean
nvr_config_get_bool(NvrConfig *self, const gchar *name);

gchar *
nvr_config_to_string(NvrConfig *self, gboolean with_docs);
GPtrArray *
nvr_config_diff_restart_keys(NvrConfig *self, NvrConfig *other);

G_END_DECLS
