#include "config.h"

#include <string.h>

#include "nvr-config.h"
#include "nvr-error.h"

/* the table: every configuration key of nvrd, once */
static const NvrConfigKey nvr_config_keys[] = {
    {"listen", NVR_CONFIG_TYPE_STRING, "127.0.0.1:8080", 0, 0, NVR_CONFIG_RESTART,
     "address:port of the web UI and API; plain HTTP only on loopback"},
    {"state-dir", NVR_CONFIG_TYPE_STRING, "/var/lib/nvr", 0, 0, NVR_CONFIG_RESTART,
     "database, keyring and TLS material (SD card)"},
    {"footage-dir", NVR_CONFIG_TYPE_STRING, NULL, 0, 0, NVR_CONFIG_RESTART,
     "where segments are written (USB disk); unset: <state-dir>/footage"},
    {"segment-seconds", NVR_CONFIG_TYPE_UINT, "60", 2, 3600, NVR_CONFIG_NONE,
     "rotate to a new segment at the first key frame after this many seconds"},
    {"sync-window-ms", NVR_CONFIG_TYPE_UINT, "5000", 100, 600000, NVR_CONFIG_NONE,
     "write out (padding the chunk being filled, sized to about 1/64 of what the stream "
     "writes in this time, 4 to 64 KiB) and fdatasync open segments this often: footage at "
     "risk on a crash or power loss versus flash wear and space"},
    {"commit-interval-ms", NVR_CONFIG_TYPE_UINT, "1000", 50, 60000, NVR_CONFIG_NONE,
     "batch index commits of all cameras this often"},
    {"watchdog-seconds", NVR_CONFIG_TYPE_UINT, "10", 2, 600, NVR_CONFIG_NONE,
     "reconnect a camera that sent no frame for this long"},
    {"rtsp-transport", NVR_CONFIG_TYPE_STRING, "tcp", 0, 0, NVR_CONFIG_NONE,
     "tcp or udp; tcp survives Wi-Fi loss better"},
    {"retention-max-age-days", NVR_CONFIG_TYPE_UINT, "0", 0, 36500, NVR_CONFIG_NONE,
     "delete footage older than this; 0 keeps it until space runs out"},
    {"retention-free-floor-mb", NVR_CONFIG_TYPE_UINT, "1024", 0, G_MAXUINT32, NVR_CONFIG_NONE,
     "keep at least this much free on the footage disk, deleting the oldest first"},
    {"camera-budget-mb", NVR_CONFIG_TYPE_UINT, "0", 0, G_MAXUINT32, NVR_CONFIG_NONE,
     "default per-camera byte budget; 0 means only the free-space floor applies"},
    {"retention-interval-s", NVR_CONFIG_TYPE_UINT, "10", 1, 3600, NVR_CONFIG_NONE,
     "run retention this often; it also runs at once when free space drops below the floor "
     "or a write fails for lack of space"},
    {"tombstone-keep-days", NVR_CONFIG_TYPE_UINT, "30", 0, 36500, NVR_CONFIG_NONE,
     "prune tombstones of deleted segments after this many days, except those verify still "
     "needs for the chain of a remaining segment; 0 keeps them all"},
    {"camera-poll-ms", NVR_CONFIG_TYPE_UINT, "2000", 100, 60000, NVR_CONFIG_NONE,
     "how often nvrd looks for cameras added or removed by nvrctl"},
    {"identify-http-ports", NVR_CONFIG_TYPE_STRING, "80,8080,88,81", 0, 0, NVR_CONFIG_RESTART,
     "HTTP ports tried in turn for a camera's web and ONVIF service when WS-Discovery names none"},
    {"identify-wsd-port", NVR_CONFIG_TYPE_UINT, "3702", 0, 65535, NVR_CONFIG_RESTART,
     "WS-Discovery port asked for a camera's ONVIF address; 0 asks nothing"},
    {"identify-step-timeout-ms", NVR_CONFIG_TYPE_UINT, "3000", 200, 60000, NVR_CONFIG_RESTART,
     "how long each step of identifying a camera waits for its answer"},
    {"tls-passphrase", NVR_CONFIG_TYPE_STRING, NULL, 0, 0,
     NVR_CONFIG_SECRET | NVR_CONFIG_RESTART, "passphrase of an encrypted TLS key, if any"},
    {"verbose", NVR_CONFIG_TYPE_BOOL, "false", 0, 0, NVR_CONFIG_NONE,
     "log info and debug messages"},
};

struct _NvrConfig {
	GObject parent_instance;
	GHashTable *values; /* name -> gchar*, only keys of the table */
};

G_DEFINE_TYPE(NvrConfig, nvr_config, G_TYPE_OBJECT)

const NvrConfigKey *
nvr_config_get_keys(guint *n_keys)
{
	if (n_keys != NULL)
		*n_keys = G_N_ELEMENTS(nvr_config_keys);
	return nvr_config_keys;
}

const NvrConfigKey *
nvr_config_lookup_key(const gchar *name)
{
	for (guint i = 0; i < G_N_ELEMENTS(nvr_config_keys); i++) {
		if (g_strcmp0(nvr_config_keys[i].name, name) == 0)
			return &nvr_config_keys[i];
	}
	return NULL;
}

static gboolean
nvr_config_parse_bool(const gchar *value, gboolean *out)
{
	if (g_strcmp0(value, "true") == 0 || g_strcmp0(value, "yes") == 0 ||
	    g_strcmp0(value, "1") == 0) {
		*out = TRUE;
		return TRUE;
	}
	if (g_strcmp0(value, "false") == 0 || g_strcmp0(value, "no") == 0 ||
	    g_strcmp0(value, "0") == 0) {
		*out = FALSE;
		return TRUE;
	}
	return FALSE;
}

static gboolean
nvr_config_validate(const NvrConfigKey *key, const gchar *value, GError **error)
{
	guint64 v = 0;
	gboolean b;

	switch (key->type) {
	case NVR_CONFIG_TYPE_UINT:
		if (!g_ascii_string_to_unsigned(value, 10, key->min, key->max, &v, NULL)) {
			g_set_error(error,
				    NVR_ERROR,
				    NVR_ERROR_INVALID_ARGUMENT,
				    "%s: expected a whole number from %" G_GUINT64_FORMAT
				    " to %" G_GUINT64_FORMAT,
				    key->name,
				    key->min,
				    key->max);
			return FALSE;
		}
		return TRUE;
	case NVR_CONFIG_TYPE_BOOL:
		if (!nvr_config_parse_bool(value, &b)) {
			g_set_error(error,
				    NVR_ERROR,
				    NVR_ERROR_INVALID_ARGUMENT,
				    "%s: expected true or false",
				    key->name);
			return FALSE;
		}
		return TRUE;
	case NVR_CONFIG_TYPE_STRING:
	default:
		if (g_strcmp0(key->name, "rtsp-transport") == 0 && g_strcmp0(value, "tcp") != 0 &&
		    g_strcmp0(value, "udp") != 0) {
			g_set_error(error,
				    NVR_ERROR,
				    NVR_ERROR_INVALID_ARGUMENT,
				    "%s: expected tcp or udp",
				    key->name);
			return FALSE;
		}
		return TRUE;
	}
}

gboolean
nvr_config_set(NvrConfig *self, const gchar *name, const gchar *value, GError **error)
{
	const NvrConfigKey *key;

	g_return_val_if_fail(NVR_IS_CONFIG(self), FALSE);
	key = nvr_config_lookup_key(name);
	if (key == NULL) {
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_INVALID_ARGUMENT,
			    "unknown key '%s'",
			    name);
		return FALSE;
	}
	if (!nvr_config_validate(key, value, error))
		return FALSE;
	g_hash_table_replace(self->values, g_strdup(key->name), g_strdup(value));
	return TRUE;
}

static gboolean
nvr_config_load_line(NvrConfig *self, const gchar *line, GError **error)
{
	g_autofree gchar *copy = g_strstrip(g_strdup(line));
	gchar *eq;

	if (copy[0] == '\0' || copy[0] == '#')
		return TRUE;
	eq = strchr(copy, '=');
	if (eq == NULL) {
		g_set_error_literal(error,
				    NVR_ERROR,
				    NVR_ERROR_PARSE,
				    "expected 'key = value'");
		return FALSE;
	}
	*eq = '\0';
	return nvr_config_set(self, g_strstrip(copy), g_strstrip(eq + 1), error);
}

/**
 * nvr_config_load_data:
 * @origin: a file name for error messages
 *
 * Applies every line of @data on top of the current values. On error
 * nothing of @data is applied.
 */
gboolean
nvr_config_load_data(NvrConfig *self, const gchar *data, const gchar *origin, GError **error)
{
	g_autoptr(NvrConfig) scratch = nvr_config_new();
	g_auto(GStrv) lines = NULL;
	GHashTableIter iter;
	gpointer k, v;

	g_return_val_if_fail(NVR_IS_CONFIG(self), FALSE);
	if (!g_utf8_validate(data, -1, NULL)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "%s: not UTF-8", origin);
		return FALSE;
	}
	lines = g_strsplit(data, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (!nvr_config_load_line(scratch, lines[i], error)) {
			g_prefix_error(error, "%s:%u: ", origin, i + 1);
			return FALSE;
		}
	}
	g_hash_table_iter_init(&iter, scratch->values);
	while (g_hash_table_iter_next(&iter, &k, &v))
		g_hash_table_replace(self->values, g_strdup(k), g_strdup(v));
	return TRUE;
}

gboolean
nvr_config_load_file(NvrConfig *self, const gchar *path, GError **error)
{
	g_autofree gchar *data = NULL;
	g_autoptr(GError) error_local = NULL;

	if (!g_file_get_contents(path, &data, NULL, &error_local)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND, "%s", error_local->message);
		return FALSE;
	}
	return nvr_config_load_data(self, data, path, error);
}

const gchar *
nvr_config_get_string(NvrConfig *self, const gchar *name)
{
	const NvrConfigKey *key = nvr_config_lookup_key(name);
	const gchar *v;

	g_return_val_if_fail(NVR_IS_CONFIG(self), NULL);
	g_return_val_if_fail(key != NULL, NULL);
	v = g_hash_table_lookup(self->values, name);
	return v != NULL ? v : key->default_value;
}

guint64
nvr_config_get_uint(NvrConfig *self, const gchar *name)
{
	const gchar *v = nvr_config_get_string(self, name);

	g_return_val_if_fail(nvr_config_lookup_key(name)->type == NVR_CONFIG_TYPE_UINT, 0);
	return v != NULL ? g_ascii_strtoull(v, NULL, 10) : 0;
}

gboolean
nvr_config_get_bool(NvrConfig *self, const gchar *name)
{
	const gchar *v = nvr_config_get_string(self, name);
	gboolean b = FALSE;

	g_return_val_if_fail(nvr_config_lookup_key(name)->type == NVR_CONFIG_TYPE_BOOL, FALSE);
	return v != NULL && nvr_config_parse_bool(v, &b) && b;
}

/**
 * nvr_config_to_string:
 * @with_docs: precede each key by its documentation, as in a sample file
 *
 * Returns: (transfer full): the effective configuration in file syntax;
 * secret values are shown as "***"
 */
gchar *
nvr_config_to_string(NvrConfig *self, gboolean with_docs)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < G_N_ELEMENTS(nvr_config_keys); i++) {
		const NvrConfigKey *key = &nvr_config_keys[i];
		const gchar *v = nvr_config_get_string(self, key->name);

		if (with_docs)
			g_string_append_printf(s,
					       "# %s%s\n",
					       key->doc,
					       key->flags & NVR_CONFIG_RESTART ? " (restart)" : "");
		if (v == NULL)
			g_string_append_printf(s, "#%s =\n", key->name);
		else
			g_string_append_printf(s,
					       "%s = %s\n",
					       key->name,
					       key->flags & NVR_CONFIG_SECRET ? "***" : v);
	}
	return g_string_free(s, FALSE);
}

/**
 * nvr_config_diff_restart_keys:
 *
 * Returns: (transfer full) (element-type utf8): names of restart-only keys
 * whose values differ between @self and @other (what a SIGHUP cannot apply)
 */
GPtrArray *
nvr_config_diff_restart_keys(NvrConfig *self, NvrConfig *other)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < G_N_ELEMENTS(nvr_config_keys); i++) {
		const NvrConfigKey *key = &nvr_config_keys[i];
		if ((key->flags & NVR_CONFIG_RESTART) == 0)
			continue;
		if (g_strcmp0(nvr_config_get_string(self, key->name),
			      nvr_config_get_string(other, key->name)) != 0)
			g_ptr_array_add(names, g_strdup(key->name));
	}
	return names;
}

static void
nvr_config_finalize(GObject *object)
{
	NvrConfig *self = NVR_CONFIG(object);

	g_hash_table_unref(self->values);
	G_OBJECT_CLASS(nvr_config_parent_class)->finalize(object);
}

static void
nvr_config_class_init(NvrConfigClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_config_finalize;
}

static void
nvr_config_init(NvrConfig *self)
{
	self->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

NvrConfig *
nvr_config_new(void)
{
	return g_object_new(NVR_TYPE_CONFIG, NULL);
}
