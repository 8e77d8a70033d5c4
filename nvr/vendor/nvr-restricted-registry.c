#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "vendor/nvr-evidence.h"
#include "vendor/nvr-restricted-registry.h"
#include "vendor/nvr-vendor-data.h"
#include "core/nvr-json.h"

struct _NvrRestrictedRegistry {
	GObject parent_instance;
	/* all immutable after construction */
	JsonNode *root; /* the validated document, served as is */
	gchar *version;
	gchar *updated;
	gchar *source;
	gchar *disclaimer;
	GPtrArray *lists;	  /* (element-type NvrRestrictedList) */
	GPtrArray *manufacturers; /* (element-type NvrRestrictedManufacturer) */
	GHashTable *related;	  /* key -> NvrRestrictedRelated (borrowed) */
	GHashTable *not_listed;	  /* key set */
	GHashTable *advice;	  /* kind -> GStrv */
};

G_DEFINE_TYPE(NvrRestrictedRegistry, nvr_restricted_registry, G_TYPE_OBJECT)

static const gchar *const nvr_restricted_relationships[] = {
	"subsidiary", "brand", "joint-venture", "oem", "former-subsidiary", NULL};
static const gchar *const nvr_restricted_confidences[] = {"high", "medium-high", "medium",
							  "medium-low", "low", NULL};
static const gchar *const nvr_restricted_kinds[] = {"camera", "telecom", "drone", NULL};

static void
nvr_restricted_list_free(NvrRestrictedList *l)
{
	g_free(l->id);
	g_free(l->name);
	g_free(l->legal_basis);
	g_free(l->effect);
	g_free(l->meaning);
	g_free(l);
}

static void
nvr_restricted_listing_free(NvrRestrictedListing *l)
{
	g_free(l->list);
	g_free(l->date);
	g_free(l->citation);
	g_free(l->page_citation);
	g_free(l->note);
	g_free(l);
}

static void
nvr_restricted_name_free(NvrRestrictedName *n)
{
	g_free(n->name);
	g_free(n->note);
	g_free(n);
}

static void
nvr_restricted_related_free(NvrRestrictedRelated *r)
{
	g_free(r->key);
	g_free(r->name);
	g_free(r->legal_name);
	g_free(r->relationship);
	g_free(r->confidence);
	g_strfreev(r->lists);
	g_free(r->note);
	g_free(r);
}

static void
nvr_restricted_manufacturer_free(NvrRestrictedManufacturer *m)
{
	g_free(m->key);
	g_free(m->name);
	g_free(m->kind);
	g_free(m->camera_note);
	g_free(m->history);
	g_ptr_array_unref(m->legal_names);
	g_ptr_array_unref(m->listings);
	g_ptr_array_unref(m->related);
	g_free(m);
}

static void
nvr_restricted_registry_finalize(GObject *obj)
{
	NvrRestrictedRegistry *self = NVR_RESTRICTED_REGISTRY(obj);

	g_clear_pointer(&self->root, json_node_unref);
	g_free(self->version);
	g_free(self->updated);
	g_free(self->source);
	g_free(self->disclaimer);
	g_ptr_array_unref(self->lists);
	g_ptr_array_unref(self->manufacturers);
	g_hash_table_unref(self->related);
	g_hash_table_unref(self->not_listed);
	g_hash_table_unref(self->advice);
	G_OBJECT_CLASS(nvr_restricted_registry_parent_class)->finalize(obj);
}

static void
nvr_restricted_registry_class_init(NvrRestrictedRegistryClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_restricted_registry_finalize;
}

static void
nvr_restricted_registry_init(NvrRestrictedRegistry *self)
{
	self->lists = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_restricted_list_free);
	self->manufacturers =
		g_ptr_array_new_with_free_func((GDestroyNotify)nvr_restricted_manufacturer_free);
	self->related = g_hash_table_new(g_str_hash, g_str_equal);
	self->not_listed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	self->advice = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					     (GDestroyNotify)g_strfreev);
}

/* ---- validation helpers: every failure names the path in the document ---- */

static gboolean
nvr_restricted_fail(GError **error, const gchar *where, const gchar *what)
{
	g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "%s: %s", where, what);
	return FALSE;
}

/* Returns: (transfer full) (nullable): a required non-empty string */
static gchar *
nvr_restricted_dup(JsonObject *obj, const gchar *name, gboolean required, const gchar *where,
		   GError **error)
{
	const gchar *s = nvr_json_get_string(obj, name);

	if (s == NULL || s[0] == '\0') {
		if (required) {
			g_autofree gchar *what = g_strdup_printf("missing \"%s\"", name);
			nvr_restricted_fail(error, where, what);
		}
		return NULL;
	}
	if (!g_utf8_validate(s, -1, NULL) || strlen(s) > 4096) {
		g_autofree gchar *what = g_strdup_printf("\"%s\" is not sane text", name);
		nvr_restricted_fail(error, where, what);
		return NULL;
	}
	return g_strdup(s);
}

/* "2019-10-09", "2022-10" or "2021" */
static gboolean
nvr_restricted_date_is_valid(const gchar *date)
{
	gsize len = date != NULL ? strlen(date) : 0;

	if (len != 4 && len != 7 && len != 10)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		gboolean dash = i == 4 || i == 7;
		if (dash ? date[i] != '-' : !g_ascii_isdigit(date[i]))
			return FALSE;
	}
	return TRUE;
}

/* "2026.02.1": dot-separated numbers */
static gboolean
nvr_restricted_version_is_valid(const gchar *version)
{
	g_auto(GStrv) parts = g_strsplit(version != NULL ? version : "", ".", -1);

	if (parts[0] == NULL || g_strv_length(parts) > 8)
		return FALSE;
	for (guint i = 0; parts[i] != NULL; i++) {
		if (!g_ascii_string_to_unsigned(parts[i], 10, 0, G_MAXUINT32, NULL, NULL))
			return FALSE;
	}
	return TRUE;
}

/* numeric, part by part; Returns: <0, 0, >0 */
gint
nvr_restricted_registry_version_compare(const gchar *a, const gchar *b)
{
	g_auto(GStrv) pa = g_strsplit(a != NULL ? a : "", ".", -1);
	g_auto(GStrv) pb = g_strsplit(b != NULL ? b : "", ".", -1);

	for (guint i = 0; pa[i] != NULL || pb[i] != NULL; i++) {
		guint64 x = 0, y = 0;
		if (pa[i] != NULL)
			g_ascii_string_to_unsigned(pa[i], 10, 0, G_MAXUINT32, &x, NULL);
		if (pb[i] != NULL)
			g_ascii_string_to_unsigned(pb[i], 10, 0, G_MAXUINT32, &y, NULL);
		if (x != y)
			return x < y ? -1 : 1;
		if (pa[i] == NULL || pb[i] == NULL)
			return pa[i] == NULL ? (pb[i] == NULL ? 0 : -1) : 1;
	}
	return 0;
}

static gboolean
nvr_restricted_parse_list(NvrRestrictedRegistry *self, JsonNode *node, guint i, GError **error)
{
	g_autofree gchar *where = g_strdup_printf("lists[%u]", i);
	NvrRestrictedList *l;
	JsonObject *obj;

	if (!JSON_NODE_HOLDS_OBJECT(node))
		return nvr_restricted_fail(error, where, "not an object");
	obj = json_node_get_object(node);
	l = g_new0(NvrRestrictedList, 1);
	g_ptr_array_add(self->lists, l);
	l->id = nvr_restricted_dup(obj, "id", TRUE, where, error);
	if (l->id == NULL)
		return FALSE;
	l->name = nvr_restricted_dup(obj, "name", TRUE, where, error);
	if (l->name == NULL)
		return FALSE;
	l->legal_basis = nvr_restricted_dup(obj, "legal_basis", TRUE, where, error);
	if (l->legal_basis == NULL)
		return FALSE;
	l->meaning = nvr_restricted_dup(obj, "meaning", TRUE, where, error);
	if (l->meaning == NULL)
		return FALSE;
	l->effect = nvr_restricted_dup(obj, "effect", FALSE, where, error);
	l->verified = nvr_json_get_bool(obj, "verified", FALSE);
	l->warn = nvr_json_get_bool(obj, "warn", FALSE);
	if (nvr_restricted_registry_lookup_list(self, l->id) != l)
		return nvr_restricted_fail(error, where, "duplicate list id");
	return TRUE;
}

/* a restriction without a citation is refused, as in quirk files */
static gboolean
nvr_restricted_parse_listing(NvrRestrictedRegistry *self, NvrRestrictedManufacturer *m,
			     JsonNode *node, const gchar *where, GError **error)
{
	NvrRestrictedListing *l;
	JsonObject *obj;

	if (!JSON_NODE_HOLDS_OBJECT(node))
		return nvr_restricted_fail(error, where, "not an object");
	obj = json_node_get_object(node);
	l = g_new0(NvrRestrictedListing, 1);
	g_ptr_array_add(m->listings, l);
	l->list = nvr_restricted_dup(obj, "list", TRUE, where, error);
	if (l->list == NULL)
		return FALSE;
	if (nvr_restricted_registry_lookup_list(self, l->list) == NULL)
		return nvr_restricted_fail(error, where, "names an unknown list");
	l->citation = nvr_restricted_dup(obj, "citation", TRUE, where, error);
	if (l->citation == NULL)
		return FALSE;
	l->date = nvr_restricted_dup(obj, "date", TRUE, where, error);
	if (l->date == NULL)
		return FALSE;
	if (!nvr_restricted_date_is_valid(l->date))
		return nvr_restricted_fail(error, where, "date is not YYYY[-MM[-DD]]");
	if (!json_object_has_member(obj, "verified"))
		return nvr_restricted_fail(error, where, "missing \"verified\"");
	l->verified = nvr_json_get_bool(obj, "verified", FALSE);
	l->page_citation = nvr_restricted_dup(obj, "page_citation", FALSE, where, error);
	l->page_citation_verified = nvr_json_get_bool(obj, "page_citation_verified", FALSE);
	l->note = nvr_restricted_dup(obj, "note", FALSE, where, error);
	return TRUE;
}

static gboolean
nvr_restricted_parse_related(NvrRestrictedRegistry *self, NvrRestrictedManufacturer *m,
			     JsonNode *node, const gchar *where, GError **error)
{
	NvrRestrictedRelated *r;
	JsonObject *obj;
	JsonArray *lists;
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();

	if (!JSON_NODE_HOLDS_OBJECT(node))
		return nvr_restricted_fail(error, where, "not an object");
	obj = json_node_get_object(node);
	r = g_new0(NvrRestrictedRelated, 1);
	g_ptr_array_add(m->related, r);
	r->parent = m;
	r->key = nvr_restricted_dup(obj, "key", TRUE, where, error);
	r->name = nvr_restricted_dup(obj, "name", TRUE, where, error);
	r->relationship = nvr_restricted_dup(obj, "relationship", TRUE, where, error);
	r->confidence = nvr_restricted_dup(obj, "confidence", TRUE, where, error);
	if (r->key == NULL || r->name == NULL || r->relationship == NULL || r->confidence == NULL)
		return FALSE;
	if (!nvr_vendor_key_is_valid(r->key))
		return nvr_restricted_fail(error, where, "key is not a vendor key");
	if (!g_strv_contains(nvr_restricted_relationships, r->relationship))
		return nvr_restricted_fail(error, where, "unknown relationship");
	if (!g_strv_contains(nvr_restricted_confidences, r->confidence))
		return nvr_restricted_fail(error, where, "unknown confidence");
	if (g_hash_table_contains(self->related, r->key))
		return nvr_restricted_fail(error, where, "key related to two manufacturers");
	r->legal_name = nvr_restricted_dup(obj, "legal_name", FALSE, where, error);
	r->note = nvr_restricted_dup(obj, "note", FALSE, where, error);
	r->verified = nvr_json_get_bool(obj, "verified", FALSE);
	lists = nvr_json_get_array(obj, "lists");
	for (guint i = 0; lists != NULL && i < json_array_get_length(lists); i++) {
		const gchar *id = json_array_get_string_element(lists, i);
		if (id == NULL || nvr_restricted_registry_lookup_list(self, id) == NULL)
			return nvr_restricted_fail(error, where, "lists names an unknown list");
		g_strv_builder_add(b, id);
	}
	r->lists = g_strv_builder_end(b);
	g_hash_table_insert(self->related, r->key, r);
	return TRUE;
}

static gboolean
nvr_restricted_parse_names(NvrRestrictedManufacturer *m, JsonArray *names, const gchar *where,
			   GError **error)
{
	for (guint i = 0; names != NULL && i < json_array_get_length(names); i++) {
		JsonNode *node = json_array_get_element(names, i);
		NvrRestrictedName *n;
		if (!JSON_NODE_HOLDS_OBJECT(node))
			return nvr_restricted_fail(error, where, "legal_names: not an object");
		n = g_new0(NvrRestrictedName, 1);
		g_ptr_array_add(m->legal_names, n);
		n->name = nvr_restricted_dup(json_node_get_object(node), "name", TRUE, where, error);
		if (n->name == NULL)
			return FALSE;
		n->verified = nvr_json_get_bool(json_node_get_object(node), "verified", FALSE);
		n->note = nvr_restricted_dup(json_node_get_object(node), "note", FALSE, where, error);
	}
	if (m->legal_names->len == 0)
		return nvr_restricted_fail(error, where, "no legal_names");
	return TRUE;
}

static gboolean
nvr_restricted_parse_each(NvrRestrictedRegistry *self, NvrRestrictedManufacturer *m,
			  JsonArray *arr, const gchar *what, const gchar *where, GError **error)
{
	for (guint i = 0; arr != NULL && i < json_array_get_length(arr); i++) {
		g_autofree gchar *at = g_strdup_printf("%s.%s[%u]", where, what, i);
		JsonNode *node = json_array_get_element(arr, i);
		gboolean ok = g_strcmp0(what, "listings") == 0
				  ? nvr_restricted_parse_listing(self, m, node, at, error)
				  : nvr_restricted_parse_related(self, m, node, at, error);
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_restricted_parse_manufacturer(NvrRestrictedRegistry *self, JsonNode *node, guint i,
				  GError **error)
{
	g_autofree gchar *where = g_strdup_printf("manufacturers[%u]", i);
	NvrRestrictedManufacturer *m;
	JsonObject *obj;

	if (!JSON_NODE_HOLDS_OBJECT(node))
		return nvr_restricted_fail(error, where, "not an object");
	obj = json_node_get_object(node);
	m = g_new0(NvrRestrictedManufacturer, 1);
	m->legal_names = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_restricted_name_free);
	m->listings = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_restricted_listing_free);
	m->related = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_restricted_related_free);
	g_ptr_array_add(self->manufacturers, m);
	m->key = nvr_restricted_dup(obj, "key", TRUE, where, error);
	m->name = nvr_restricted_dup(obj, "name", TRUE, where, error);
	m->kind = nvr_restricted_dup(obj, "kind", TRUE, where, error);
	if (m->key == NULL || m->name == NULL || m->kind == NULL)
		return FALSE;
	if (!nvr_vendor_key_is_valid(m->key))
		return nvr_restricted_fail(error, where, "key is not a vendor key");
	if (!g_strv_contains(nvr_restricted_kinds, m->kind))
		return nvr_restricted_fail(error, where, "kind is not camera, telecom or drone");
	if (nvr_restricted_registry_lookup_manufacturer(self, m->key) != m)
		return nvr_restricted_fail(error, where, "duplicate key");
	m->network_gear = nvr_json_get_bool(obj, "network_gear", FALSE);
	m->camera_note = nvr_restricted_dup(obj, "camera_note", FALSE, where, error);
	m->history = nvr_restricted_dup(obj, "history", FALSE, where, error);
	if (!nvr_restricted_parse_names(m, nvr_json_get_array(obj, "legal_names"), where,
					error))
		return FALSE;
	if (!nvr_restricted_parse_each(self, m, nvr_json_get_array(obj, "listings"),
				       "listings", where, error) ||
	    !nvr_restricted_parse_each(self, m, nvr_json_get_array(obj, "related"),
				       "related", where, error))
		return FALSE;
	if (m->listings->len == 0)
		return nvr_restricted_fail(error, where, "no listings: not a restricted manufacturer");
	return TRUE;
}

static gboolean
nvr_restricted_parse_advice(NvrRestrictedRegistry *self, JsonObject *advice, GError **error)
{
	static const gchar *const kinds[] = {"camera", "telecom", "drone", "possible", NULL};

	for (guint i = 0; kinds[i] != NULL; i++) {
		JsonArray *arr = nvr_json_get_array(advice, kinds[i]);
		g_autoptr(GStrvBuilder) b = g_strv_builder_new();
		if (arr == NULL || json_array_get_length(arr) == 0)
			return nvr_restricted_fail(error, "advice", "needs camera, telecom, drone and possible");
		for (guint j = 0; j < json_array_get_length(arr); j++) {
			const gchar *s = json_array_get_string_element(arr, j);
			if (s == NULL || !g_utf8_validate(s, -1, NULL))
				return nvr_restricted_fail(error, "advice", "not a list of strings");
			g_strv_builder_add(b, s);
		}
		g_hash_table_insert(self->advice, g_strdup(kinds[i]), g_strv_builder_end(b));
	}
	return TRUE;
}

static gboolean
nvr_restricted_parse_header(NvrRestrictedRegistry *self, JsonObject *root, GError **error)
{
	if (nvr_json_get_int(root, "format", 0) != NVR_RESTRICTED_REGISTRY_FORMAT) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_VERSION, "format is not %d",
			    NVR_RESTRICTED_REGISTRY_FORMAT);
		return FALSE;
	}
	self->version = nvr_restricted_dup(root, "version", TRUE, "registry", error);
	if (self->version == NULL)
		return FALSE;
	if (!nvr_restricted_version_is_valid(self->version))
		return nvr_restricted_fail(error, "version", "not dot-separated numbers");
	self->updated = nvr_restricted_dup(root, "updated", TRUE, "registry", error);
	if (self->updated == NULL)
		return FALSE;
	if (!nvr_restricted_date_is_valid(self->updated) || strlen(self->updated) != 10)
		return nvr_restricted_fail(error, "updated", "not YYYY-MM-DD");
	self->disclaimer = nvr_restricted_dup(root, "disclaimer", TRUE, "registry", error);
	return self->disclaimer != NULL;
}

static gboolean
nvr_restricted_parse_root(NvrRestrictedRegistry *self, JsonObject *root, GError **error)
{
	JsonArray *arr;

	if (!nvr_restricted_parse_header(self, root, error))
		return FALSE;
	arr = nvr_json_get_array(root, "lists");
	for (guint i = 0; arr != NULL && i < json_array_get_length(arr); i++) {
		if (!nvr_restricted_parse_list(self, json_array_get_element(arr, i), i, error))
			return FALSE;
	}
	arr = nvr_json_get_array(root, "manufacturers");
	if (arr == NULL || json_array_get_length(arr) == 0)
		return nvr_restricted_fail(error, "registry", "no manufacturers");
	for (guint i = 0; i < json_array_get_length(arr); i++) {
		if (!nvr_restricted_parse_manufacturer(self, json_array_get_element(arr, i), i, error))
			return FALSE;
	}
	arr = nvr_json_get_array(root, "not_listed");
	for (guint i = 0; arr != NULL && i < json_array_get_length(arr); i++) {
		JsonNode *n = json_array_get_element(arr, i);
		const gchar *key = JSON_NODE_HOLDS_OBJECT(n)
				       ? nvr_json_get_string(json_node_get_object(n), "key")
				       : NULL;
		if (!nvr_vendor_key_is_valid(key))
			return nvr_restricted_fail(error, "not_listed", "entry without a vendor key");
		g_hash_table_add(self->not_listed, g_strdup(key));
	}
	return nvr_restricted_parse_advice(self, nvr_json_get_object(root, "advice"), error);
}

/**
 * nvr_restricted_registry_new_from_data:
 * @source: where the bytes came from, for messages and the API
 *
 * Returns: (transfer full): a validated registry
 */
NvrRestrictedRegistry *
nvr_restricted_registry_new_from_data(const gchar *data, gsize len, const gchar *source,
				      GError **error)
{
	g_autoptr(NvrRestrictedRegistry) self = g_object_new(NVR_TYPE_RESTRICTED_REGISTRY, NULL);

	self->source = g_strdup(source);
	self->root = nvr_json_parse(data, len, NVR_RESTRICTED_REGISTRY_MAX_BYTES, error);
	if (self->root == NULL || !JSON_NODE_HOLDS_OBJECT(self->root)) {
		if (self->root != NULL)
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "not a JSON object");
		g_prefix_error(error, "%s: ", source);
		return NULL;
	}
	if (!nvr_restricted_parse_root(self, json_node_get_object(self->root), error)) {
		g_prefix_error(error, "%s: ", source);
		return NULL;
	}
	return g_steal_pointer(&self);
}

/* Returns: (transfer full): the file candidates, in order (the built-in copy comes first) */
gchar **
nvr_restricted_registry_get_candidate_paths(const gchar *state_dir)
{
	GPtrArray *paths = g_ptr_array_new();
	const gchar *env = g_getenv("NVR_VENDOR_DATA_DIR");

	if (env != NULL)
		g_ptr_array_add(paths, g_build_filename(env, NVR_RESTRICTED_REGISTRY_FILE, NULL));
	g_ptr_array_add(paths, g_build_filename(NVR_DATADIR, NVR_RESTRICTED_REGISTRY_FILE, NULL));
	g_ptr_array_add(paths, g_build_filename(NVR_SYSCONFDIR, NVR_RESTRICTED_REGISTRY_FILE, NULL));
	if (state_dir != NULL)
		g_ptr_array_add(paths, g_build_filename(state_dir, NVR_RESTRICTED_REGISTRY_FILE, NULL));
	g_ptr_array_add(paths, NULL);
	return (gchar **)g_ptr_array_free(paths, FALSE);
}

static void
nvr_restricted_registry_consider(NvrRestrictedRegistry **best, NvrRestrictedRegistry *cand)
{
	if (*best == NULL ||
	    nvr_restricted_registry_version_compare(cand->version, (*best)->version) >= 0) {
		g_clear_object(best);
		*best = g_object_ref(cand);
	}
}

/**
 * nvr_restricted_registry_load_default:
 * @state_dir: (nullable): also look for a registry-refresh job's copy there
 * @errors: (element-type utf8) (nullable): one message per refused candidate
 *
 * Returns: (transfer full): the candidate with the highest version
 */
NvrRestrictedRegistry *
nvr_restricted_registry_load_default(const gchar *state_dir, GPtrArray *errors, GError **error)
{
	g_autoptr(NvrRestrictedRegistry) best = NULL;
	g_autoptr(GBytes) builtin = nvr_vendor_data_load_builtin(NVR_RESTRICTED_REGISTRY_FILE, error);
	g_auto(GStrv) paths = nvr_restricted_registry_get_candidate_paths(state_dir);

	if (builtin == NULL)
		return NULL;
	best = nvr_restricted_registry_new_from_data(g_bytes_get_data(builtin, NULL),
						     g_bytes_get_size(builtin),
						     "built-in " NVR_RESTRICTED_REGISTRY_FILE, error);
	if (best == NULL)
		return NULL; /* a build that ships a broken registry is a bug the tests catch */
	for (guint i = 0; paths[i] != NULL; i++) {
		g_autoptr(GError) error_local = NULL;
		g_autoptr(GBytes) bytes = NULL;
		g_autoptr(NvrRestrictedRegistry) cand = NULL;
		if (!g_file_test(paths[i], G_FILE_TEST_EXISTS))
			continue;
		bytes = nvr_vendor_data_load_file(paths[i], NVR_RESTRICTED_REGISTRY_MAX_BYTES,
						  &error_local);
		if (bytes != NULL)
			cand = nvr_restricted_registry_new_from_data(g_bytes_get_data(bytes, NULL),
								     g_bytes_get_size(bytes), paths[i],
								     &error_local);
		if (cand == NULL) {
			g_warning("restricted-vendor registry skipped: %s", error_local->message);
			if (errors != NULL)
				g_ptr_array_add(errors, g_strdup(error_local->message));
			continue;
		}
		nvr_restricted_registry_consider(&best, cand);
	}
	return g_steal_pointer(&best);
}

const gchar *
nvr_restricted_registry_get_version(NvrRestrictedRegistry *self)
{
	g_return_val_if_fail(NVR_IS_RESTRICTED_REGISTRY(self), NULL);
	return self->version;
}

const gchar *
nvr_restricted_registry_get_updated(NvrRestrictedRegistry *self)
{
	g_return_val_if_fail(NVR_IS_RESTRICTED_REGISTRY(self), NULL);
	return self->updated;
}

const gchar *
nvr_restricted_registry_get_source(NvrRestrictedRegistry *self)
{
	g_return_val_if_fail(NVR_IS_RESTRICTED_REGISTRY(self), NULL);
	return self->source;
}

const gchar *
nvr_restricted_registry_get_disclaimer(NvrRestrictedRegistry *self)
{
	g_return_val_if_fail(NVR_IS_RESTRICTED_REGISTRY(self), NULL);
	return self->disclaimer;
}

const NvrRestrictedList *
nvr_restricted_registry_lookup_list(NvrRestrictedRegistry *self, const gchar *id)
{
	for (guint i = 0; i < self->lists->len; i++) {
		NvrRestrictedList *l = g_ptr_array_index(self->lists, i);
		if (g_strcmp0(l->id, id) == 0)
			return l;
	}
	return NULL;
}

const NvrRestrictedManufacturer *
nvr_restricted_registry_lookup_manufacturer(NvrRestrictedRegistry *self, const gchar *key)
{
	g_return_val_if_fail(NVR_IS_RESTRICTED_REGISTRY(self), NULL);
	for (guint i = 0; key != NULL && i < self->manufacturers->len; i++) {
		NvrRestrictedManufacturer *m = g_ptr_array_index(self->manufacturers, i);
		if (g_strcmp0(m->key, key) == 0)
			return m;
	}
	return NULL;
}

/* Returns: (transfer none) (nullable): the brand or company related to a listed manufacturer */
const NvrRestrictedRelated *
nvr_restricted_registry_lookup_related(NvrRestrictedRegistry *self, const gchar *key)
{
	g_return_val_if_fail(NVR_IS_RESTRICTED_REGISTRY(self), NULL);
	return key != NULL ? g_hash_table_lookup(self->related, key) : NULL;
}

gboolean
nvr_restricted_registry_is_not_listed(NvrRestrictedRegistry *self, const gchar *key)
{
	return key != NULL && g_hash_table_contains(self->not_listed, key);
}

/* @kind: camera, telecom, drone or possible; Returns: (transfer none) */
const gchar *const *
nvr_restricted_registry_get_advice(NvrRestrictedRegistry *self, const gchar *kind)
{
	const gchar *const *advice = g_hash_table_lookup(self->advice, kind);

	return advice != NULL ? advice : g_hash_table_lookup(self->advice, "camera");
}

/* TRUE if one of its listings is on a list that warrants a warning (not informational ones) */
gboolean
nvr_restricted_manufacturer_is_restricted(NvrRestrictedRegistry *self,
					  const NvrRestrictedManufacturer *m)
{
	for (guint i = 0; m != NULL && i < m->listings->len; i++) {
		const NvrRestrictedListing *l = g_ptr_array_index(m->listings, i);
		const NvrRestrictedList *list = nvr_restricted_registry_lookup_list(self, l->list);
		if (list != NULL && list->warn)
			return TRUE;
	}
	return FALSE;
}

/* Returns: (transfer full): the document as loaded, plus where it came from */
JsonNode *
nvr_restricted_registry_to_json(NvrRestrictedRegistry *self)
{
	JsonObject *root = json_node_get_object(self->root);
	g_autoptr(JsonObject) out = json_object_new();
	g_autoptr(GList) names = json_object_get_members(root);
	JsonNode *node = json_node_alloc();

	/* the parsed document is sealed: a new object shares its (immutable) members */
	for (GList *l = names; l != NULL; l = l->next)
		json_object_set_member(out, l->data, json_node_ref(json_object_get_member(root, l->data)));
	json_object_set_string_member(out, "source", self->source);
	return json_node_init_object(node, out);
}
