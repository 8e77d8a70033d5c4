#include "config.h"

#include <string.h>

#include "nvr-dahua-parse.h"
#include "nvr-plugin-util.h"

#define NVR_DAHUA_LINES_MAX 256
#define NVR_DAHUA_FIELD_MAX 256

void
nvr_dahua_system_info_free(NvrDahuaSystemInfo *self)
{
	if (self == NULL)
		return;
	g_free(self->device_type);
	g_free(self->serial);
	g_free(self->update_serial);
	g_free(self->processor);
	g_free(self->hardware_version);
	g_free(self);
}

static gboolean
nvr_dahua_fail(GError **error, const gchar *what)
{
	g_set_error(error, NVR_PLUGIN_ERROR, NVR_PLUGIN_ERROR_PARSE, "magicBox: %s", what);
	return FALSE;
}

static gboolean
nvr_dahua_key_ok(const gchar *key)
{
	gsize len = strlen(key);

	if (len == 0 || len > 64)
		return FALSE;
	for (const gchar *p = key; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '.' && *p != '_' && *p != '[' && *p != ']')
			return FALSE;
	}
	return TRUE;
}

/**
 * nvr_dahua_parse_kv:
 *
 * "key=value" lines (CRLF or LF). An HTML page, an error text ("Error",
 * "Bad Request!") or any line that is not key=value is refused: the format
 * itself is the evidence, so it is checked strictly.
 *
 * Returns: (transfer full): key -> cleaned value
 */
GHashTable *
nvr_dahua_parse_kv(const gchar *data, gsize len, GError **error)
{
	g_autoptr(GHashTable) kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (data == NULL || len == 0 || len > NVR_DAHUA_REPLY_MAX || memchr(data, '\0', len) != NULL) {
		nvr_dahua_fail(error, "empty, larger than 64 KiB, or binary");
		return NULL;
	}
	/* Dahua's web server starts its replies with a UTF-8 BOM (identification-signals.md §3.2) */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	text = g_strndup(data, len);
	lines = g_strsplit(text, "\n", NVR_DAHUA_LINES_MAX + 1);
	for (guint i = 0; lines[i] != NULL; i++) {
		gchar *line = g_strstrip(lines[i]);
		gchar *eq = strchr(line, '=');
		if (i == NVR_DAHUA_LINES_MAX) {
			nvr_dahua_fail(error, "too many lines");
			return NULL;
		}
		if (line[0] == '\0')
			continue;
		if (eq == NULL) {
			nvr_dahua_fail(error, "a line is not key=value");
			return NULL;
		}
		*eq = '\0';
		if (!nvr_dahua_key_ok(line)) {
			nvr_dahua_fail(error, "a key is not a Dahua key");
			return NULL;
		}
		g_hash_table_replace(kv, g_strdup(line), nvr_plugin_text_clean(eq + 1, -1, NVR_DAHUA_FIELD_MAX));
	}
	if (g_hash_table_size(kv) == 0) {
		nvr_dahua_fail(error, "no key=value line");
		return NULL;
	}
	return g_steal_pointer(&kv);
}

/* Returns: (transfer full) (nullable): one key of a key=value reply ("vendor", "version") */
gchar *
nvr_dahua_parse_value(const gchar *data, gsize len, const gchar *key, GError **error)
{
	g_autoptr(GHashTable) kv = nvr_dahua_parse_kv(data, len, error);
	const gchar *value;

	if (kv == NULL)
		return NULL;
	value = g_hash_table_lookup(kv, key);
	if (value == NULL) {
		g_set_error(error, NVR_PLUGIN_ERROR, NVR_PLUGIN_ERROR_PARSE, "magicBox: no %s", key);
		return NULL;
	}
	return g_strdup(value);
}

/* getSystemInfo: needs deviceType or updateSerial */
NvrDahuaSystemInfo *
nvr_dahua_parse_system_info(const gchar *data, gsize len, GError **error)
{
	g_autoptr(GHashTable) kv = nvr_dahua_parse_kv(data, len, error);
	NvrDahuaSystemInfo *info;

	if (kv == NULL)
		return NULL;
	if (g_hash_table_lookup(kv, "deviceType") == NULL &&
	    g_hash_table_lookup(kv, "updateSerial") == NULL) {
		nvr_dahua_fail(error, "neither deviceType nor updateSerial");
		return NULL;
	}
	info = g_new0(NvrDahuaSystemInfo, 1);
	info->device_type = g_strdup(g_hash_table_lookup(kv, "deviceType"));
	info->serial = g_strdup(g_hash_table_lookup(kv, "serialNumber"));
	info->update_serial = g_strdup(g_hash_table_lookup(kv, "updateSerial"));
	info->processor = g_strdup(g_hash_table_lookup(kv, "processor"));
	info->hardware_version = g_strdup(g_hash_table_lookup(kv, "hardwareVersion"));
	return info;
}

/* "2.800.0000000.25.R, Build Date 2021-06-23", "V2.800.00AC003.0.R": dotted, ending ".R" or ".T" */
gboolean
nvr_dahua_firmware_format_matches(const gchar *firmware)
{
	g_autofree gchar *head = NULL;
	g_auto(GStrv) parts = NULL;
	const gchar *p = firmware;

	if (p == NULL)
		return FALSE;
	if (*p == 'V' || *p == 'v')
		p++;
	head = g_strndup(p, strcspn(p, ", "));
	parts = g_strsplit(head, ".", 8);
	if (g_strv_length(parts) != 5 || strlen(parts[0]) != 1 || strlen(parts[1]) != 3 ||
	    strlen(parts[2]) != 7)
		return FALSE;
	if (!g_ascii_isdigit(parts[0][0]) || !g_ascii_isdigit(parts[1][0]))
		return FALSE;
	return g_strcmp0(parts[4], "R") == 0 || g_strcmp0(parts[4], "T") == 0;
}
