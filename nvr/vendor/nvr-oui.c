#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "core/nvr-error.h"
#include "discovery/nvr-discovery-text.h"
#include "vendor/nvr-csv.h"
#include "vendor/nvr-evidence.h"
#include "vendor/nvr-oui.h"
#include "vendor/nvr-vendor-data.h"

struct _NvrOuiDb {
	GObject parent_instance;
	GStringChunk *strings; /* every string of every entry, deduplicated */
	GHashTable *entries;   /* prefix (in strings) -> NvrOuiEntry */
};

G_DEFINE_TYPE(NvrOuiDb, nvr_oui_db, G_TYPE_OBJECT)

/* the IEEE files of ieee-data, in the order of identification-signals.md §2 */
static const gchar *const nvr_oui_ieee_files[] = {"oui.csv", "mam.csv", "oui36.csv", "iab.csv"};

static void
nvr_oui_db_finalize(GObject *obj)
{
	NvrOuiDb *self = NVR_OUI_DB(obj);

	g_hash_table_unref(self->entries);
	g_string_chunk_free(self->strings);
	G_OBJECT_CLASS(nvr_oui_db_parent_class)->finalize(obj);
}

static void
nvr_oui_db_class_init(NvrOuiDbClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_oui_db_finalize;
}

static void
nvr_oui_db_init(NvrOuiDb *self)
{
	self->strings = g_string_chunk_new(64 * 1024);
	self->entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
}

NvrOuiDb *
nvr_oui_db_new(void)
{
	return g_object_new(NVR_TYPE_OUI_DB, NULL);
}

guint
nvr_oui_db_get_size(NvrOuiDb *self)
{
	g_return_val_if_fail(NVR_IS_OUI_DB(self), 0);
	return g_hash_table_size(self->entries);
}

/* "4419b6" -> "4419B6" if it is 6, 7 or 9 hex digits */
static gchar *
nvr_oui_prefix_normalize(const gchar *text)
{
	gsize len = text != NULL ? strlen(text) : 0;

	if (len != 6 && len != 7 && len != 9)
		return NULL;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isxdigit(text[i]))
			return NULL;
	}
	return g_ascii_strup(text, (gssize)len);
}

static NvrOuiEntry *
nvr_oui_db_ensure(NvrOuiDb *self, const gchar *prefix)
{
	NvrOuiEntry *entry = g_hash_table_lookup(self->entries, prefix);

	if (entry != NULL)
		return entry;
	entry = g_new0(NvrOuiEntry, 1);
	entry->prefix = g_string_chunk_insert_const(self->strings, prefix);
	entry->bits = (guint)strlen(prefix) * 4;
	g_hash_table_insert(self->entries, (gpointer)entry->prefix, entry);
	return entry;
}

static const gchar *
nvr_oui_db_intern(NvrOuiDb *self, const gchar *text, gsize max)
{
	g_autofree gchar *clean = nvr_discovery_text_clean(text, -1, max);

	return clean != NULL ? g_string_chunk_insert_const(self->strings, clean) : NULL;
}

typedef struct {
	NvrOuiDb *self;
	const gchar *source;
	gboolean header_seen;
} NvrOuiLoad;

/* Registry,Assignment,Organization Name,Organization Address */
static gboolean
nvr_oui_ieee_row_cb(guint line, GPtrArray *fields, gpointer user_data, GError **error)
{
	NvrOuiLoad *load = user_data;
	g_autofree gchar *prefix = NULL;
	NvrOuiEntry *entry;

	if (!load->header_seen) {
		load->header_seen = TRUE;
		if (fields->len >= 2 && g_strcmp0(g_ptr_array_index(fields, 1), "Assignment") == 0)
			return TRUE;
	}
	if (fields->len < 3) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "line %u: expected 4 fields", line);
		return FALSE;
	}
	prefix = nvr_oui_prefix_normalize(g_ptr_array_index(fields, 1));
	if (prefix == NULL) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "line %u: bad assignment", line);
		return FALSE;
	}
	entry = nvr_oui_db_ensure(load->self, prefix);
	entry->organization = nvr_oui_db_intern(load->self, g_ptr_array_index(fields, 2), 256);
	entry->source = load->source;
	return TRUE;
}

/**
 * nvr_oui_db_load_ieee_csv:
 * @source: names the file in lookups' results
 *
 * Loads one IEEE registry CSV. Entries already known keep their vendor_key.
 */
gboolean
nvr_oui_db_load_ieee_csv(NvrOuiDb *self, const gchar *data, gsize len, const gchar *source,
			 GError **error)
{
	NvrOuiLoad load = {self, g_string_chunk_insert_const(self->strings, source), FALSE};

	g_return_val_if_fail(NVR_IS_OUI_DB(self), FALSE);
	if (!nvr_csv_parse(data, len, nvr_oui_ieee_row_cb, &load, error)) {
		g_prefix_error(error, "%s: ", source);
		return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_oui_db_load_file(NvrOuiDb *self, const gchar *path, GError **error)
{
	g_autoptr(GBytes) bytes = nvr_vendor_data_load_file(path, NVR_OUI_FILE_MAX_BYTES, error);
	g_autofree gchar *source = NULL;

	if (bytes == NULL)
		return FALSE;
	source = g_strdup_printf("IEEE registry %s", path);
	return nvr_oui_db_load_ieee_csv(self, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes),
					source, error);
}

/**
 * nvr_oui_db_load_ieee_dirs:
 * @dirs: (array zero-terminated=1): searched in order for each file
 *
 * For each of oui.csv, mam.csv, oui36.csv and iab.csv, loads the first
 * copy found. A missing registry is not an error (ieee-data is optional).
 */
gboolean
nvr_oui_db_load_ieee_dirs(NvrOuiDb *self, const gchar *const *dirs, GError **error)
{
	for (guint i = 0; i < G_N_ELEMENTS(nvr_oui_ieee_files); i++) {
		for (guint j = 0; dirs != NULL && dirs[j] != NULL; j++) {
			g_autofree gchar *path = g_build_filename(dirs[j], nvr_oui_ieee_files[i], NULL);
			if (!g_file_test(path, G_FILE_TEST_EXISTS))
				continue;
			if (!nvr_oui_db_load_file(self, path, error))
				return FALSE;
			break;
		}
	}
	return TRUE;
}

/* prefix, organization, vendor_key, source */
static gboolean
nvr_oui_curated_line(NvrOuiDb *self, const gchar *line, guint lineno, const gchar *source,
		     GError **error)
{
	g_auto(GStrv) cols = g_strsplit(line, "\t", 5);
	g_autofree gchar *prefix = NULL;
	g_autofree gchar *from = NULL;
	NvrOuiEntry *entry;

	if (g_strv_length(cols) != 4) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "%s:%u: expected 4 tab-separated columns",
			    source, lineno);
		return FALSE;
	}
	prefix = nvr_oui_prefix_normalize(cols[0]);
	if (prefix == NULL || !nvr_vendor_key_is_valid(cols[2])) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "%s:%u: bad prefix or vendor_key",
			    source, lineno);
		return FALSE;
	}
	entry = nvr_oui_db_ensure(self, prefix);
	if (entry->organization == NULL)
		entry->organization = nvr_oui_db_intern(self, cols[1], 256);
	entry->vendor_key = g_string_chunk_insert_const(self->strings, cols[2]);
	if (entry->source == NULL) {
		from = g_strdup_printf("curated table (%s)", g_strstrip(cols[3]));
		entry->source = nvr_oui_db_intern(self, from, 256);
	}
	return TRUE;
}

/* the curated table: tab-separated, one header line (identification-signals.md §2) */
gboolean
nvr_oui_db_load_curated(NvrOuiDb *self, const gchar *data, gsize len, const gchar *source,
			GError **error)
{
	g_autofree gchar *text = g_strndup(data, len);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	g_return_val_if_fail(NVR_IS_OUI_DB(self), FALSE);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_strchomp(lines[i]);
		if (lines[i][0] == '\0' || lines[i][0] == '#' ||
		    (i == 0 && g_str_has_prefix(lines[i], "prefix\t")))
			continue;
		if (!nvr_oui_curated_line(self, lines[i], i + 1, source, error))
			return FALSE;
	}
	return TRUE;
}

/**
 * nvr_oui_db_new_default:
 *
 * The system registry (if installed) overlaid with the curated table (from
 * the data dir, or the copy built into nvr). $NVR_IEEE_DATA_DIR replaces
 * the system directories (tests).
 */
NvrOuiDb *
nvr_oui_db_new_default(GError **error)
{
	g_autoptr(NvrOuiDb) self = nvr_oui_db_new();
	g_autoptr(GBytes) curated = NULL;
	g_autofree gchar *source = NULL;
	const gchar *env = g_getenv("NVR_IEEE_DATA_DIR");
	const gchar *system_dirs[] = {NVR_OUI_IEEE_DIR_VAR, NVR_OUI_IEEE_DIR_SHARE, NULL};
	const gchar *env_dirs[] = {env, NULL};

	if (!nvr_oui_db_load_ieee_dirs(self, env != NULL ? env_dirs : system_dirs, error))
		return NULL;
	curated = nvr_vendor_data_load("oui-prefixes.tsv", &source, error);
	if (curated == NULL)
		return NULL;
	if (!nvr_oui_db_load_curated(self, g_bytes_get_data(curated, NULL), g_bytes_get_size(curated),
				     source, error))
		return NULL;
	return g_steal_pointer(&self);
}

/* "aa:bb:cc:dd:ee:ff" -> 12 upper-case hex digits, or FALSE */
static gboolean
nvr_mac_digits(const gchar *mac, gchar digits[13])
{
	g_autofree gchar *norm = nvr_discovery_mac_normalize(mac);
	guint n = 0;

	if (norm == NULL)
		return FALSE;
	for (const gchar *p = norm; *p != '\0'; p++) {
		if (*p != ':')
			digits[n++] = *p;
	}
	digits[12] = '\0';
	return n == 12;
}

/* the second-lowest bit of the first octet: randomised or assigned, never registered */
gboolean
nvr_mac_is_locally_administered(const gchar *mac)
{
	gchar digits[13];

	if (!nvr_mac_digits(mac, digits))
		return FALSE;
	return (g_ascii_xdigit_value(digits[1]) & 0x2) != 0;
}

gboolean
nvr_mac_is_multicast(const gchar *mac)
{
	gchar digits[13];

	if (!nvr_mac_digits(mac, digits))
		return FALSE;
	return (g_ascii_xdigit_value(digits[1]) & 0x1) != 0;
}

/**
 * nvr_oui_db_lookup:
 *
 * Returns: (transfer none) (nullable): the longest registered block holding
 * @mac; NULL for locally administered, multicast or unknown addresses
 */
const NvrOuiEntry *
nvr_oui_db_lookup(NvrOuiDb *self, const gchar *mac)
{
	static const guint lens[] = {9, 7, 6};
	gchar digits[13];

	g_return_val_if_fail(NVR_IS_OUI_DB(self), NULL);
	if (!nvr_mac_digits(mac, digits) || nvr_mac_is_locally_administered(mac) ||
	    nvr_mac_is_multicast(mac))
		return NULL;
	for (guint i = 0; i < G_N_ELEMENTS(lens); i++) {
		gchar prefix[10];
		NvrOuiEntry *entry;

		memcpy(prefix, digits, lens[i]);
		prefix[lens[i]] = '\0';
		entry = g_hash_table_lookup(self->entries, prefix);
		if (entry != NULL && entry->organization != NULL)
			return entry;
	}
	return NULL;
}
