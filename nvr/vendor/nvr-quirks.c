#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "discovery/nvr-discovery-text.h"
#include "vendor/nvr-evidence.h"
#include "vendor/nvr-quirks.h"
#include "vendor/nvr-url-template.h"
#include "vendor/nvr-vendor-data.h"

struct _NvrQuirks {
	GObject parent_instance;
	GHashTable *groups;	/* normalized match ID -> GHashTable(key -> value) */
	GHashTable *extra_keys; /* plugin key -> owner */
	guint n_files;
};

G_DEFINE_TYPE(NvrQuirks, nvr_quirks, G_TYPE_OBJECT)

typedef gboolean (*NvrQuirkCheckFunc)(const gchar *value, GError **error);

typedef struct {
	const gchar *key;
	NvrQuirkCheckFunc check;
	const gchar *doc; /* shown by plugins/SDK.md */
} NvrQuirkKey;

/* the match ID prefixes a group may use */
static const gchar *const nvr_quirks_prefixes[] = {"NET", "ONVIF", "HTTP", "RTSP",
						   "TLS", "WSD", "VENDOR", NULL};

static const struct {
	const gchar *name;
	guint32 flag;
} nvr_quirks_flag_names[] = {
	{"entity-list", NVR_VENDOR_FLAG_ENTITY_LIST},
	{"covered-list", NVR_VENDOR_FLAG_COVERED_LIST},
	{"ndaa-889", NVR_VENDOR_FLAG_NDAA_889},
	{"no-substream", NVR_VENDOR_FLAG_NO_SUBSTREAM},
	{"digest-auth", NVR_VENDOR_FLAG_DIGEST_AUTH},
	{"network-gear", NVR_VENDOR_FLAG_NETWORK_GEAR},
};

#define NVR_QUIRKS_RESTRICTION_FLAGS                                                      \
	(NVR_VENDOR_FLAG_ENTITY_LIST | NVR_VENDOR_FLAG_COVERED_LIST | NVR_VENDOR_FLAG_NDAA_889)

static void
nvr_quirks_finalize(GObject *obj)
{
	NvrQuirks *self = NVR_QUIRKS(obj);

	g_hash_table_unref(self->groups);
	g_hash_table_unref(self->extra_keys);
	G_OBJECT_CLASS(nvr_quirks_parent_class)->finalize(obj);
}

static void
nvr_quirks_class_init(NvrQuirksClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_quirks_finalize;
}

static GHashTable *
nvr_quirks_group_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static void
nvr_quirks_init(NvrQuirks *self)
{
	self->groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					     (GDestroyNotify)g_hash_table_unref);
	self->extra_keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

NvrQuirks *
nvr_quirks_new(void)
{
	return g_object_new(NVR_TYPE_QUIRKS, NULL);
}

/* ---- value checks ---- */

static gboolean
nvr_quirks_check_vendor_key(const gchar *value, GError **error)
{
	if (!nvr_vendor_key_is_valid(value)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE,
			    "'%s' is not a vendor key ([a-z0-9_], at most 32)", value);
		return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_quirks_check_plugin_name(const gchar *value, GError **error)
{
	gsize len = strlen(value);

	for (const gchar *p = value; *p != '\0'; p++) {
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '-')
			len = 0;
	}
	if (len == 0 || len > 32) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "'%s' is not a plugin name ([a-z0-9-])",
			    value);
		return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_quirks_check_text(const gchar *value, GError **error)
{
	if (strlen(value) > 1024) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "longer than 1024 bytes");
		return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_quirks_check_kind(const gchar *value, GError **error)
{
	if (g_strcmp0(value, "manufacturer") != 0 && g_strcmp0(value, "subsidiary") != 0 &&
	    g_strcmp0(value, "brand") != 0) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE,
			    "Kind '%s' is not manufacturer, subsidiary or brand", value);
		return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_quirks_check_confidence(const gchar *value, GError **error)
{
	guint64 n = 0;

	if (!g_ascii_string_to_unsigned(value, 10, 0, 100, &n, NULL)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "Confidence '%s' is not 0..100", value);
		return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_quirks_check_strength(const gchar *value, GError **error)
{
	NvrEvidenceStrength strength;

	if (!nvr_evidence_strength_from_string(value, &strength)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE,
			    "Strength '%s' is not none, weak, medium or strong", value);
		return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_quirks_check_flags(const gchar *value, GError **error)
{
	guint32 flags;
	gboolean firmware;

	return nvr_quirks_flags_parse(value, &flags, &firmware, error);
}

static gboolean
nvr_quirks_check_template(const gchar *value, GError **error)
{
	return nvr_url_template_check(value, error);
}

static const NvrQuirkKey nvr_quirk_keys[] = {
	{NVR_QUIRK_VENDOR, nvr_quirks_check_vendor_key, "vendor key of the maker this match points to"},
	{NVR_QUIRK_BRAND, nvr_quirks_check_vendor_key, "vendor key of the brand on the label"},
	{NVR_QUIRK_NAME, nvr_quirks_check_text, "display name (VENDOR groups)"},
	{NVR_QUIRK_KIND, nvr_quirks_check_kind, "manufacturer, subsidiary or brand (VENDOR groups)"},
	{NVR_QUIRK_PLUGIN, nvr_quirks_check_plugin_name, "plugin that knows this vendor's API"},
	{NVR_QUIRK_CONFIDENCE, nvr_quirks_check_confidence, "0..100: how sure the match is"},
	{NVR_QUIRK_STRENGTH, nvr_quirks_check_strength, "overrides the signal class's strength"},
	{NVR_QUIRK_FLAGS, nvr_quirks_check_flags, "comma-separated flags"},
	{NVR_QUIRK_STREAM_MAIN, nvr_quirks_check_template, "main stream URL template"},
	{NVR_QUIRK_STREAM_SUB, nvr_quirks_check_template, "sub stream URL template"},
	{NVR_QUIRK_STREAM_MAIN_ALT, nvr_quirks_check_template, "older firmware's main stream"},
	{NVR_QUIRK_STREAM_SUB_ALT, nvr_quirks_check_template, "older firmware's sub stream"},
	{NVR_QUIRK_STREAM_SNAPSHOT, nvr_quirks_check_template, "snapshot URL template"},
	{NVR_QUIRK_CITATION, nvr_quirks_check_text, "legal source of a restriction flag"},
	{NVR_QUIRK_NOTE, nvr_quirks_check_text, "why; shown with the evidence"},
};

/**
 * nvr_quirks_flags_parse:
 * @firmware: (out): the pseudo-flag "firmware" (the match proves the firmware family)
 */
gboolean
nvr_quirks_flags_parse(const gchar *text, guint32 *flags, gboolean *firmware, GError **error)
{
	g_auto(GStrv) names = g_strsplit(text != NULL ? text : "", ",", -1);

	*flags = 0;
	*firmware = FALSE;
	for (guint i = 0; names[i] != NULL; i++) {
		const gchar *name = g_strstrip(names[i]);
		gboolean known = FALSE;
		if (name[0] == '\0')
			continue;
		if (g_strcmp0(name, "firmware") == 0) {
			*firmware = TRUE;
			continue;
		}
		for (guint j = 0; j < G_N_ELEMENTS(nvr_quirks_flag_names) && !known; j++) {
			if (g_strcmp0(name, nvr_quirks_flag_names[j].name) == 0) {
				*flags |= nvr_quirks_flag_names[j].flag;
				known = TRUE;
			}
		}
		if (!known) {
			g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "unknown flag '%s'", name);
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * nvr_quirks_register_key:
 * @owner: the plugin's name, for messages
 *
 * Plugins register their own keys before quirk files load, so that an
 * unknown key can be reported (fwupd: fu_context_add_quirk_key).
 */
gboolean
nvr_quirks_register_key(NvrQuirks *self, const gchar *key, const gchar *owner, GError **error)
{
	gsize len = key != NULL ? strlen(key) : 0;

	g_return_val_if_fail(NVR_IS_QUIRKS(self), FALSE);
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isalnum(key[i]))
			len = 0;
	}
	if (len == 0 || len > 64 || !g_ascii_isupper(key[0])) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
			    "quirk key must be CamelCase letters and digits");
		return FALSE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(nvr_quirk_keys); i++) {
		if (g_strcmp0(key, nvr_quirk_keys[i].key) == 0) {
			g_set_error(error, NVR_ERROR, NVR_ERROR_EXISTS, "quirk key %s is built in", key);
			return FALSE;
		}
	}
	g_hash_table_insert(self->extra_keys, g_strdup(key), g_strdup(owner));
	return TRUE;
}

/* ---- match IDs ---- */

/**
 * nvr_quirks_match_value:
 *
 * A device string as it appears in a match ID: printable ASCII only (other
 * characters become '?'), spaces collapsed, upper case, bounded.
 *
 * Returns: (transfer full) (nullable)
 */
gchar *
nvr_quirks_match_value(const gchar *value, gsize max)
{
	g_autofree gchar *clean = nvr_discovery_text_clean(value, -1, max);
	GString *out;

	if (clean == NULL)
		return NULL;
	out = g_string_sized_new(strlen(clean));
	for (const gchar *p = clean; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (c == ']' || c == '[' || c == '\\' || c > 0x7e)
			g_string_append_c(out, '?');
		else
			g_string_append_c(out, g_ascii_toupper((gchar)c));
	}
	return g_string_free(out, FALSE);
}

/* Returns: (transfer full) (nullable): the canonical form, NULL if malformed */
gchar *
nvr_quirks_match_id_normalize(const gchar *match_id)
{
	const gchar *sep;
	g_autofree gchar *prefix = NULL;
	gsize len;

	if (match_id == NULL)
		return NULL;
	len = strlen(match_id);
	sep = strchr(match_id, '\\');
	if (sep == NULL || len > 256 || sep[1] == '\0')
		return NULL;
	prefix = g_ascii_strup(match_id, (gssize)(sep - match_id));
	if (!g_strv_contains(nvr_quirks_prefixes, prefix))
		return NULL;
	for (const gchar *p = match_id; *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || (guchar)*p > 0x7e || *p == '[' || *p == ']')
			return NULL;
	}
	if (strchr(sep + 1, '\\') != NULL)
		return NULL;
	return g_ascii_strup(match_id, (gssize)len);
}

/* stricter rules for the IDs whose form we know */
static gboolean
nvr_quirks_group_check(const gchar *norm, GError **error)
{
	const gchar *id = strchr(norm, '\\') + 1;

	if (g_str_has_prefix(norm, "NET\\")) {
		gsize n = strlen(id) - strlen("OUI_");
		if (!g_str_has_prefix(id, "OUI_") || (n != 6 && n != 7 && n != 9))
			goto bad;
		for (const gchar *p = id + 4; *p != '\0'; p++) {
			if (!g_ascii_isxdigit(*p))
				goto bad;
		}
		return TRUE;
	}
	if (g_str_has_prefix(norm, "VENDOR\\")) {
		g_autofree gchar *lower = g_ascii_strdown(id, -1);
		if (!nvr_vendor_key_is_valid(lower))
			goto bad;
		return TRUE;
	}
	/* TYPE_value with an upper-case type, e.g. MFR_, SERVER_, REALM_ */
	for (const gchar *p = id; *p != '_'; p++) {
		if (!g_ascii_isupper(*p))
			goto bad;
	}
	if (strchr(id, '_')[1] == '\0')
		goto bad;
	return TRUE;
bad:
	g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "malformed group [%s]", norm);
	return FALSE;
}

static gint
nvr_quirks_strptr_cmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* ---- the parser ---- */

typedef struct {
	NvrQuirks *self;
	const gchar *filename;
	guint line;
	GHashTable *groups; /* what this file defines, merged only if the whole file is valid */
	GHashTable *group;  /* borrowed: the current group */
	gchar *group_name;
	guint group_line;
} NvrQuirksParse;

static gboolean
nvr_quirks_fail(NvrQuirksParse *ps, guint line, GError **error, const gchar *format, ...)
    G_GNUC_PRINTF(4, 5);

static gboolean
nvr_quirks_fail(NvrQuirksParse *ps, guint line, GError **error, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *msg = NULL;

	va_start(args, format);
	msg = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "%s:%u: %s", ps->filename, line, msg);
	return FALSE;
}

/* restrictions need a citation: checked when a group ends */
static gboolean
nvr_quirks_group_end(NvrQuirksParse *ps, GError **error)
{
	const gchar *flags_text;
	guint32 flags = 0;
	gboolean firmware = FALSE;

	if (ps->group == NULL)
		return TRUE;
	flags_text = g_hash_table_lookup(ps->group, NVR_QUIRK_FLAGS);
	if (flags_text != NULL && nvr_quirks_flags_parse(flags_text, &flags, &firmware, NULL) &&
	    (flags & NVR_QUIRKS_RESTRICTION_FLAGS) != 0 &&
	    g_hash_table_lookup(ps->group, NVR_QUIRK_CITATION) == NULL)
		return nvr_quirks_fail(ps, ps->group_line, error,
				       "[%s] has a restriction flag but no Citation", ps->group_name);
	if (g_hash_table_size(ps->group) == 0)
		return nvr_quirks_fail(ps, ps->group_line, error, "[%s] is empty", ps->group_name);
	return TRUE;
}

static gboolean
nvr_quirks_parse_group(NvrQuirksParse *ps, const gchar *line, GError **error)
{
	gsize len = strlen(line);
	g_autofree gchar *name = NULL;
	g_autofree gchar *norm = NULL;
	g_autoptr(GError) error_local = NULL;

	if (!nvr_quirks_group_end(ps, error))
		return FALSE;
	if (len < 3 || line[len - 1] != ']')
		return nvr_quirks_fail(ps, ps->line, error, "malformed group line");
	name = g_strndup(line + 1, len - 2);
	norm = nvr_quirks_match_id_normalize(name);
	if (norm == NULL)
		return nvr_quirks_fail(ps, ps->line, error,
				       "malformed group [%s]: expected PREFIX\\ID with PREFIX one of "
				       "NET, ONVIF, HTTP, RTSP, TLS, WSD, VENDOR",
				       name);
	if (!nvr_quirks_group_check(norm, &error_local))
		return nvr_quirks_fail(ps, ps->line, error, "%s", error_local->message);
	ps->group = g_hash_table_lookup(ps->groups, norm);
	if (ps->group == NULL) {
		ps->group = nvr_quirks_group_new();
		g_hash_table_insert(ps->groups, g_strdup(norm), ps->group);
	}
	g_free(ps->group_name);
	ps->group_name = g_steal_pointer(&name);
	ps->group_line = ps->line;
	return TRUE;
}

static const NvrQuirkKey *
nvr_quirks_find_key(const gchar *key)
{
	for (guint i = 0; i < G_N_ELEMENTS(nvr_quirk_keys); i++) {
		if (g_strcmp0(key, nvr_quirk_keys[i].key) == 0)
			return &nvr_quirk_keys[i];
	}
	return NULL;
}

static gboolean
nvr_quirks_parse_key(NvrQuirksParse *ps, const gchar *line, GError **error)
{
	const gchar *eq = strchr(line, '=');
	g_autofree gchar *key = NULL;
	g_autofree gchar *value = NULL;
	g_autoptr(GError) error_local = NULL;
	const NvrQuirkKey *known;

	if (ps->group == NULL)
		return nvr_quirks_fail(ps, ps->line, error, "key outside a group");
	if (eq == NULL)
		return nvr_quirks_fail(ps, ps->line, error, "expected Key = Value");
	key = g_strstrip(g_strndup(line, (gsize)(eq - line)));
	value = g_strstrip(g_strdup(eq + 1));
	known = nvr_quirks_find_key(key);
	if (known == NULL && !g_hash_table_contains(ps->self->extra_keys, key))
		return nvr_quirks_fail(ps, ps->line, error, "unknown key '%s'", key);
	if (value[0] == '\0')
		return nvr_quirks_fail(ps, ps->line, error, "%s has no value", key);
	if (g_hash_table_contains(ps->group, key))
		return nvr_quirks_fail(ps, ps->line, error, "%s given twice in [%s]", key,
				       ps->group_name);
	if (known != NULL && !known->check(value, &error_local))
		return nvr_quirks_fail(ps, ps->line, error, "%s: %s", key, error_local->message);
	g_hash_table_insert(ps->group, g_steal_pointer(&key), g_steal_pointer(&value));
	return TRUE;
}

static gboolean
nvr_quirks_parse_line(NvrQuirksParse *ps, gchar *line, GError **error)
{
	g_strstrip(line);
	if (strlen(line) > NVR_QUIRKS_LINE_MAX)
		return nvr_quirks_fail(ps, ps->line, error, "line longer than %d bytes",
				       NVR_QUIRKS_LINE_MAX);
	if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
		return TRUE;
	if (line[0] == '[')
		return nvr_quirks_parse_group(ps, line, error);
	return nvr_quirks_parse_key(ps, line, error);
}

static void
nvr_quirks_merge(NvrQuirks *self, GHashTable *groups)
{
	GHashTableIter it;
	gpointer name, group;

	g_hash_table_iter_init(&it, groups);
	while (g_hash_table_iter_next(&it, &name, &group)) {
		GHashTable *into = g_hash_table_lookup(self->groups, name);
		GHashTableIter kit;
		gpointer k, v;
		if (into == NULL) {
			into = nvr_quirks_group_new();
			g_hash_table_insert(self->groups, g_strdup(name), into);
		}
		g_hash_table_iter_init(&kit, group);
		while (g_hash_table_iter_next(&kit, &k, &v))
			g_hash_table_replace(into, g_strdup(k), g_strdup(v));
	}
	self->n_files++;
}

static gboolean
nvr_quirks_parse_all(NvrQuirksParse *ps, const gchar *data, gsize len, GError **error)
{
	g_auto(GStrv) lines = NULL;
	g_autofree gchar *text = NULL;

	if (len > NVR_QUIRKS_FILE_MAX_BYTES)
		return nvr_quirks_fail(ps, 0, error, "larger than %d bytes", NVR_QUIRKS_FILE_MAX_BYTES);
	if (memchr(data, '\0', len) != NULL || !g_utf8_validate(data, (gssize)len, NULL))
		return nvr_quirks_fail(ps, 0, error, "not UTF-8 text");
	text = g_strndup(data, len);
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		ps->line = i + 1;
		if (!nvr_quirks_parse_line(ps, lines[i], error))
			return FALSE;
	}
	return nvr_quirks_group_end(ps, error);
}

/**
 * nvr_quirks_load_data:
 * @filename: shown in errors as "filename:line: ..."
 *
 * Loads one quirk file: all or nothing.
 */
gboolean
nvr_quirks_load_data(NvrQuirks *self, const gchar *data, gsize len, const gchar *filename,
		     GError **error)
{
	g_autoptr(GHashTable) groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
							     (GDestroyNotify)g_hash_table_unref);
	NvrQuirksParse ps = {.self = self, .filename = filename, .groups = groups};
	gboolean ok;

	g_return_val_if_fail(NVR_IS_QUIRKS(self), FALSE);
	ok = nvr_quirks_parse_all(&ps, data, len, error);
	g_free(ps.group_name);
	if (ok)
		nvr_quirks_merge(self, groups);
	return ok;
}

gboolean
nvr_quirks_load_file(NvrQuirks *self, const gchar *path, GError **error)
{
	g_autoptr(GBytes) bytes = nvr_vendor_data_load_file(path, NVR_QUIRKS_FILE_MAX_BYTES, error);

	if (bytes == NULL)
		return FALSE;
	return nvr_quirks_load_data(self, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes),
				    path, error);
}

static void
nvr_quirks_report(GPtrArray *errors, GError *error)
{
	g_warning("quirks: %s", error->message);
	if (errors != NULL)
		g_ptr_array_add(errors, g_strdup(error->message));
}

/**
 * nvr_quirks_load_dir:
 * @errors: (element-type utf8) (nullable): gets one message per refused file
 *
 * Loads every *.quirk in @dir, sorted by name. A missing dir is no error.
 *
 * Returns: the number of files loaded
 */
guint
nvr_quirks_load_dir(NvrQuirks *self, const gchar *dir, GPtrArray *errors)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;
	guint n = 0;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		if (g_str_has_suffix(name, ".quirk"))
			g_ptr_array_add(names, g_strdup(name));
	}
	g_ptr_array_sort(names, nvr_quirks_strptr_cmp);
	for (guint i = 0; i < names->len; i++) {
		g_autofree gchar *path = g_build_filename(dir, g_ptr_array_index(names, i), NULL);
		g_autoptr(GError) error = NULL;
		if (nvr_quirks_load_file(self, path, &error))
			n++;
		else
			nvr_quirks_report(errors, error);
	}
	return n;
}

/* the quirk files of plugins/<vendor>/, built into nvr */
guint
nvr_quirks_load_builtin(NvrQuirks *self, GPtrArray *errors)
{
	g_auto(GStrv) names = nvr_vendor_data_list_builtin("quirks");
	guint n = 0;

	for (guint i = 0; names != NULL && names[i] != NULL; i++) {
		g_autofree gchar *rel = g_strdup_printf("quirks/%s", names[i]);
		g_autofree gchar *label = g_strdup_printf("built-in %s", names[i]);
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) bytes = nvr_vendor_data_load_builtin(rel, &error);
		if (bytes != NULL &&
		    nvr_quirks_load_data(self, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes),
					 label, &error))
			n++;
		else
			nvr_quirks_report(errors, error);
	}
	return n;
}

/* /usr/share/nvr/quirks.d, then /etc/nvr/quirks.d (the admin's, last, wins) */
const gchar *const *
nvr_quirks_get_default_dirs(void)
{
	static const gchar *const dirs[] = {NVR_QUIRKS_SYSTEM_DIR, NVR_QUIRKS_ADMIN_DIR, NULL};
	return dirs;
}

/**
 * nvr_quirks_load_default:
 * @dirs: (nullable) (array zero-terminated=1): NULL for the default dirs
 *
 * The built-in set, then each of @dirs.
 *
 * Returns: the number of files loaded
 */
guint
nvr_quirks_load_default(NvrQuirks *self, const gchar *const *dirs, GPtrArray *errors)
{
	guint n = nvr_quirks_load_builtin(self, errors);

	if (dirs == NULL)
		dirs = nvr_quirks_get_default_dirs();
	for (guint i = 0; dirs[i] != NULL; i++)
		n += nvr_quirks_load_dir(self, dirs[i], errors);
	return n;
}

guint
nvr_quirks_get_n_files(NvrQuirks *self)
{
	return self->n_files;
}

/* ---- lookups ---- */

static GHashTable *
nvr_quirks_get_group(NvrQuirks *self, const gchar *match_id)
{
	g_autofree gchar *norm = nvr_quirks_match_id_normalize(match_id);

	return norm != NULL ? g_hash_table_lookup(self->groups, norm) : NULL;
}

/* Returns: (transfer none) (nullable): valid until @self is finalized */
const gchar *
nvr_quirks_lookup(NvrQuirks *self, const gchar *match_id, const gchar *key)
{
	GHashTable *group;

	g_return_val_if_fail(NVR_IS_QUIRKS(self), NULL);
	group = nvr_quirks_get_group(self, match_id);
	return group != NULL ? g_hash_table_lookup(group, key) : NULL;
}

gboolean
nvr_quirks_has_group(NvrQuirks *self, const gchar *match_id)
{
	g_return_val_if_fail(NVR_IS_QUIRKS(self), FALSE);
	return nvr_quirks_get_group(self, match_id) != NULL;
}

guint32
nvr_quirks_lookup_flags(NvrQuirks *self, const gchar *match_id)
{
	guint32 flags = 0;
	gboolean firmware = FALSE;

	if (!nvr_quirks_flags_parse(nvr_quirks_lookup(self, match_id, NVR_QUIRK_FLAGS), &flags,
				    &firmware, NULL))
		return 0;
	return flags;
}

/* Returns: (transfer container) (element-type utf8): normalized group names with @prefix, sorted */
GPtrArray *
nvr_quirks_list_groups(NvrQuirks *self, const gchar *prefix)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *up = g_ascii_strup(prefix != NULL ? prefix : "", -1);
	GHashTableIter it;
	gpointer name;

	g_hash_table_iter_init(&it, self->groups);
	while (g_hash_table_iter_next(&it, &name, NULL)) {
		if (g_str_has_prefix(name, up))
			g_ptr_array_add(out, g_strdup(name));
	}
	g_ptr_array_sort(out, nvr_quirks_strptr_cmp);
	return out;
}
