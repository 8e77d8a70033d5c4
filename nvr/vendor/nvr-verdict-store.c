#include "config.h"

#include "vendor/nvr-verdict-store.h"

struct _NvrVerdictStore {
	GObject parent_instance;
	NvrVendor *vendor;   /* immutable */
	GHashTable *devices; /* main context only: device id -> NvrVerdictStoreEntry */
	gulong changed_id;
};

typedef struct {
	NvrEvidenceSet *set;
	NvrVerdict *verdict;
} NvrVerdictStoreEntry;

G_DEFINE_TYPE(NvrVerdictStore, nvr_verdict_store, G_TYPE_OBJECT)

enum { SIGNAL_VERDICT_CHANGED, SIGNAL_LAST };
static guint nvr_verdict_store_signals[SIGNAL_LAST];

static void
nvr_verdict_store_entry_free(NvrVerdictStoreEntry *e)
{
	g_object_unref(e->set);
	nvr_verdict_free(e->verdict);
	g_free(e);
}

static void
nvr_verdict_store_dispose(GObject *obj)
{
	NvrVerdictStore *self = NVR_VERDICT_STORE(obj);

	if (self->vendor != NULL)
		g_clear_signal_handler(&self->changed_id, self->vendor);
	g_clear_object(&self->vendor);
	G_OBJECT_CLASS(nvr_verdict_store_parent_class)->dispose(obj);
}

static void
nvr_verdict_store_finalize(GObject *obj)
{
	NvrVerdictStore *self = NVR_VERDICT_STORE(obj);

	g_hash_table_unref(self->devices);
	G_OBJECT_CLASS(nvr_verdict_store_parent_class)->finalize(obj);
}

static void
nvr_verdict_store_class_init(NvrVerdictStoreClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = nvr_verdict_store_dispose;
	G_OBJECT_CLASS(klass)->finalize = nvr_verdict_store_finalize;
	/**
	 * NvrVerdictStore::verdict-changed:
	 * @device_id: whose verdict changed (maker, confidence, restriction or registry version)
	 *
	 * Warn again (DESIGN.md §7) and store the new verdict.
	 */
	nvr_verdict_store_signals[SIGNAL_VERDICT_CHANGED] =
		g_signal_new("verdict-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
			     NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
nvr_verdict_store_init(NvrVerdictStore *self)
{
	self->devices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					      (GDestroyNotify)nvr_verdict_store_entry_free);
}

static void
nvr_verdict_store_vendor_changed_cb(NvrVendor *vendor, gpointer user_data)
{
	guint n = nvr_verdict_store_reevaluate(NVR_VERDICT_STORE(user_data));

	g_debug("vendor data changed: %u verdicts changed", n);
}

/* re-evaluates every stored verdict whenever @vendor reloads its data */
NvrVerdictStore *
nvr_verdict_store_new(NvrVendor *vendor)
{
	NvrVerdictStore *self = g_object_new(NVR_TYPE_VERDICT_STORE, NULL);

	self->vendor = g_object_ref(vendor);
	self->changed_id = g_signal_connect(vendor, "changed",
					    G_CALLBACK(nvr_verdict_store_vendor_changed_cb), self);
	return self;
}

/**
 * nvr_verdict_store_put:
 * @set: (transfer none): kept (a reference)
 *
 * Returns: (transfer none): the new verdict, owned by @self
 */
const NvrVerdict *
nvr_verdict_store_put(NvrVerdictStore *self, const gchar *device_id, NvrEvidenceSet *set)
{
	NvrVerdictStoreEntry *e = g_new0(NvrVerdictStoreEntry, 1);

	g_return_val_if_fail(NVR_IS_VERDICT_STORE(self), NULL);
	e->set = g_object_ref(set);
	e->verdict = nvr_vendor_evaluate(self->vendor, set);
	g_hash_table_replace(self->devices, g_strdup(device_id), e);
	return e->verdict;
}

/* Returns: (transfer none) (nullable) */
const NvrVerdict *
nvr_verdict_store_get(NvrVerdictStore *self, const gchar *device_id)
{
	NvrVerdictStoreEntry *e = g_hash_table_lookup(self->devices, device_id);

	return e != NULL ? e->verdict : NULL;
}

/* Returns: (transfer none) (nullable) */
NvrEvidenceSet *
nvr_verdict_store_get_evidence(NvrVerdictStore *self, const gchar *device_id)
{
	NvrVerdictStoreEntry *e = g_hash_table_lookup(self->devices, device_id);

	return e != NULL ? e->set : NULL;
}

gboolean
nvr_verdict_store_remove(NvrVerdictStore *self, const gchar *device_id)
{
	return g_hash_table_remove(self->devices, device_id);
}

/* what a homeowner would notice: a different maker, confidence, warning or legal basis */
static gboolean
nvr_verdict_store_differs(const NvrVerdict *a, const NvrVerdict *b)
{
	return g_strcmp0(a->vendor, b->vendor) != 0 || g_strcmp0(a->brand, b->brand) != 0 ||
	       a->confidence != b->confidence || a->restricted != b->restricted ||
	       a->warning != b->warning || a->listings->len != b->listings->len ||
	       g_strcmp0(a->registry_version, b->registry_version) != 0;
}

/* Returns: how many verdicts changed ("verdict-changed" was emitted for each) */
guint
nvr_verdict_store_reevaluate(NvrVerdictStore *self)
{
	g_autoptr(GPtrArray) ids = nvr_verdict_store_list(self);
	guint n = 0;

	for (guint i = 0; i < ids->len; i++) {
		const gchar *id = g_ptr_array_index(ids, i);
		NvrVerdictStoreEntry *e = g_hash_table_lookup(self->devices, id);
		NvrVerdict *fresh = nvr_vendor_evaluate(self->vendor, e->set);
		gboolean changed = nvr_verdict_store_differs(e->verdict, fresh);
		nvr_verdict_free(e->verdict);
		e->verdict = fresh;
		if (changed) {
			n++;
			g_signal_emit(self, nvr_verdict_store_signals[SIGNAL_VERDICT_CHANGED], 0, id);
		}
	}
	return n;
}

static gint
nvr_verdict_store_strptr_cmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* Returns: (transfer container) (element-type utf8): device ids, sorted */
GPtrArray *
nvr_verdict_store_list(NvrVerdictStore *self)
{
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	gpointer key;

	g_hash_table_iter_init(&it, self->devices);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_ptr_array_add(ids, g_strdup(key));
	g_ptr_array_sort(ids, nvr_verdict_store_strptr_cmp);
	return ids;
}

/* Returns: (transfer full) (nullable): {"evidence": …, "verdict": …, "registry_version": …} */
JsonNode *
nvr_verdict_store_dup_json(NvrVerdictStore *self, const gchar *device_id)
{
	NvrVerdictStoreEntry *e = g_hash_table_lookup(self->devices, device_id);
	g_autoptr(JsonBuilder) b = NULL;

	if (e == NULL)
		return NULL;
	b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "evidence");
	json_builder_add_value(b, nvr_evidence_set_to_json(e->set));
	json_builder_set_member_name(b, "verdict");
	json_builder_add_value(b, nvr_verdict_to_json(e->verdict));
	json_builder_set_member_name(b, "registry_version");
	json_builder_add_string_value(b, e->verdict->registry_version);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
