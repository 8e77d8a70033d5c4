#include "config.h"

#include <string.h>

#include "vendor/nvr-vendor-interpret.h"
#include "vendor/nvr-verdict.h"

static const gchar *const nvr_verdict_confidence_names[] = {"unknown", "possible", "likely",
							    "certain"};
static const gchar *const nvr_verdict_warning_names[] = {"none", "possible", "restricted"};

/* a list warrants the warning once, however many of its entries name the maker */
static gboolean
nvr_verdict_listing_seen(const NvrVerdict *self, guint upto, const NvrVerdictListing *l)
{
	for (guint i = 0; i < upto; i++) {
		if (g_strcmp0(((NvrVerdictListing *)g_ptr_array_index(self->listings, i))->list, l->list) == 0)
			return TRUE;
	}
	return FALSE;
}

/**
 * nvr_verdict_warning_to_text:
 *
 * The warning shown when a camera is added: who made it, the lists that
 * warrant a warning with what each means for a homeowner and its source,
 * and the advice. The evidence stays in nvr_verdict_to_text().
 *
 * Returns: (transfer full) (nullable): NULL when the verdict warrants no warning
 */
gchar *
nvr_verdict_warning_to_text(const NvrVerdict *self)
{
	GString *s;

	if (self->warning == NVR_VERDICT_WARNING_NONE)
		return NULL;
	s = g_string_new(NULL);
	if (self->warning == NVR_VERDICT_WARNING_RESTRICTED)
		g_string_append_printf(s, "WARNING: restricted vendor: %s (%s)\n",
				       self->vendor_name != NULL ? self->vendor_name : "unknown",
				       nvr_verdict_confidence_to_string(self->confidence));
	else
		g_string_append_printf(s, "WARNING: possibly made by a restricted vendor: %s\n",
				       self->possible_vendor_name != NULL ? self->possible_vendor_name
				       : self->vendor_name != NULL	  ? self->vendor_name
									  : "unknown");
	g_string_append_printf(s, "  %s\n", self->summary);
	for (guint i = 0; i < self->listings->len; i++) {
		const NvrVerdictListing *l = g_ptr_array_index(self->listings, i);
		if (!l->warn || nvr_verdict_listing_seen(self, i, l))
			continue;
		g_string_append_printf(s, "  list:     %s (since %s): %s\n", l->list_name, l->date, l->meaning);
		g_string_append_printf(s, "            source: %s%s\n", l->citation, l->verified ? "" : " [unverified]");
	}
	for (guint i = 0; self->advice != NULL && self->advice[i] != NULL; i++)
		g_string_append_printf(s, "  advice:   %s\n", self->advice[i]);
	return g_string_free(s, FALSE);
}

const gchar *
nvr_verdict_confidence_to_string(NvrVerdictConfidence confidence)
{
	return (guint)confidence < G_N_ELEMENTS(nvr_verdict_confidence_names)
		   ? nvr_verdict_confidence_names[confidence]
		   : "unknown";
}

gboolean
nvr_verdict_confidence_from_string(const gchar *text, NvrVerdictConfidence *confidence)
{
	for (guint i = 0; i < G_N_ELEMENTS(nvr_verdict_confidence_names); i++) {
		if (g_strcmp0(text, nvr_verdict_confidence_names[i]) == 0) {
			*confidence = (NvrVerdictConfidence)i;
			return TRUE;
		}
	}
	return FALSE;
}

const gchar *
nvr_verdict_warning_to_string(NvrVerdictWarning warning)
{
	return (guint)warning < G_N_ELEMENTS(nvr_verdict_warning_names)
		   ? nvr_verdict_warning_names[warning]
		   : "none";
}

static void
nvr_verdict_listing_free(NvrVerdictListing *l)
{
	g_free(l->list);
	g_free(l->list_name);
	g_free(l->legal_basis);
	g_free(l->meaning);
	g_free(l->date);
	g_free(l->citation);
	g_free(l->page_citation);
	g_free(l->note);
	g_free(l);
}

static void
nvr_verdict_conflict_free(NvrVerdictConflict *c)
{
	g_free(c->vendor);
	g_strfreev(c->keys);
	g_free(c);
}

void
nvr_verdict_free(NvrVerdict *self)
{
	if (self == NULL)
		return;
	g_free(self->host);
	g_free(self->vendor);
	g_free(self->vendor_name);
	g_free(self->manufacturer);
	g_free(self->brand);
	g_free(self->brand_name);
	g_free(self->relationship);
	g_free(self->possible_vendor);
	g_free(self->possible_vendor_name);
	g_free(self->relationship_confidence);
	g_free(self->model);
	g_free(self->firmware);
	g_free(self->firmware_model);
	g_free(self->summary);
	g_ptr_array_unref(self->listings);
	g_ptr_array_unref(self->evidence);
	g_ptr_array_unref(self->conflicts);
	g_strfreev(self->advice);
	g_free(self->registry_version);
	g_free(self->registry_updated);
	g_free(self->plugin);
	g_free(self);
}

/* ---- tallying signals per firmware family ---- */

typedef struct {
	const gchar *family;
	NvrEvidenceStrength best[NVR_EVIDENCE_CLASS_LAST];
	gboolean firmware_level;
	GPtrArray *keys; /* borrowed evidence keys */
} NvrVerdictTally;

static void
nvr_verdict_tally_free(NvrVerdictTally *t)
{
	g_ptr_array_unref(t->keys);
	g_free(t);
}

static guint
nvr_verdict_tally_classes(const NvrVerdictTally *t, NvrEvidenceStrength at_least)
{
	guint n = 0;

	for (guint c = 0; c < NVR_EVIDENCE_CLASS_LAST; c++)
		n += t->best[c] >= at_least && t->best[c] > NVR_EVIDENCE_STRENGTH_NONE;
	return n;
}

static guint
nvr_verdict_tally_weight(const NvrVerdictTally *t)
{
	guint w = 0;

	for (guint c = 0; c < NVR_EVIDENCE_CLASS_LAST; c++)
		w += t->best[c];
	return w;
}

static NvrVerdictConfidence
nvr_verdict_tally_level(const NvrVerdictTally *t)
{
	guint n = nvr_verdict_tally_classes(t, NVR_EVIDENCE_STRENGTH_WEAK);

	if (n == 0)
		return NVR_VERDICT_UNKNOWN;
	if (n >= 2 && t->firmware_level)
		return NVR_VERDICT_CERTAIN;
	if (nvr_verdict_tally_classes(t, NVR_EVIDENCE_STRENGTH_STRONG) >= 1 ||
	    nvr_verdict_tally_classes(t, NVR_EVIDENCE_STRENGTH_MEDIUM) >= 2)
		return NVR_VERDICT_LIKELY;
	return NVR_VERDICT_POSSIBLE;
}

/* firmware evidence first, then the level, then the weight of the signals */
static gint
nvr_verdict_tally_cmp(const NvrVerdictTally *a, const NvrVerdictTally *b)
{
	if (a->firmware_level != b->firmware_level)
		return a->firmware_level ? 1 : -1;
	if (nvr_verdict_tally_level(a) != nvr_verdict_tally_level(b))
		return (gint)nvr_verdict_tally_level(a) - (gint)nvr_verdict_tally_level(b);
	return (gint)nvr_verdict_tally_weight(a) - (gint)nvr_verdict_tally_weight(b);
}

static GHashTable *
nvr_verdict_tally_all(GPtrArray *items, NvrRestrictedRegistry *registry)
{
	GHashTable *tallies = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
						    (GDestroyNotify)nvr_verdict_tally_free);

	for (guint i = 0; i < items->len; i++) {
		NvrEvidence *e = g_ptr_array_index(items, i);
		const gchar *family;
		NvrVerdictTally *t;
		if (e->vendor == NULL || e->strength == NVR_EVIDENCE_STRENGTH_NONE ||
		    e->klass >= NVR_EVIDENCE_CLASS_LAST)
			continue;
		family = nvr_vendor_family(registry, e->vendor);
		t = g_hash_table_lookup(tallies, family);
		if (t == NULL) {
			t = g_new0(NvrVerdictTally, 1);
			t->family = family;
			t->keys = g_ptr_array_new();
			g_hash_table_insert(tallies, (gpointer)family, t);
		}
		t->best[e->klass] = MAX(t->best[e->klass], e->strength);
		t->firmware_level |= nvr_evidence_is_firmware_level(e);
		g_ptr_array_add(t->keys, e->key);
	}
	return tallies;
}

static const NvrVerdictTally *
nvr_verdict_tally_best(GHashTable *tallies)
{
	const NvrVerdictTally *best = NULL;
	GHashTableIter it;
	gpointer value;

	g_hash_table_iter_init(&it, tallies);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		const NvrVerdictTally *t = value;
		if (best == NULL || nvr_verdict_tally_cmp(t, best) > 0 ||
		    (nvr_verdict_tally_cmp(t, best) == 0 && g_strcmp0(t->family, best->family) < 0))
			best = t;
	}
	return best;
}

static void
nvr_verdict_add_conflicts(NvrVerdict *self, GHashTable *tallies, const NvrVerdictTally *best)
{
	GHashTableIter it;
	gpointer value;

	g_hash_table_iter_init(&it, tallies);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		const NvrVerdictTally *t = value;
		NvrVerdictConflict *c;
		if (t == best)
			continue;
		c = g_new0(NvrVerdictConflict, 1);
		c->vendor = g_strdup(t->family);
		g_ptr_array_add(t->keys, NULL);
		c->keys = g_strdupv((gchar **)t->keys->pdata);
		g_ptr_array_remove_index(t->keys, t->keys->len - 1);
		c->firmware_level = t->firmware_level;
		g_ptr_array_add(self->conflicts, c);
		/* two firmware families cannot both be right: neither is certain */
		if (c->firmware_level && self->confidence == NVR_VERDICT_CERTAIN)
			self->confidence = NVR_VERDICT_LIKELY;
		if (nvr_verdict_tally_cmp(t, best) == 0)
			self->confidence = MIN(self->confidence, NVR_VERDICT_POSSIBLE);
	}
}

/* ---- names, brand, model ---- */

static gchar *
nvr_verdict_display_name(NvrQuirks *quirks, NvrRestrictedRegistry *registry, const gchar *key)
{
	g_autofree gchar *group = g_strconcat("VENDOR\\", key, NULL);
	const gchar *name = nvr_quirks_lookup(quirks, group, NVR_QUIRK_NAME);
	const NvrRestrictedManufacturer *m = nvr_restricted_registry_lookup_manufacturer(registry, key);
	const NvrRestrictedRelated *r = nvr_restricted_registry_lookup_related(registry, key);

	if (m != NULL)
		return g_strdup(m->name);
	if (r != NULL)
		return g_strdup(r->name);
	return g_strdup(name != NULL ? name : key);
}

/* the brand on the label: an explicit brand, or a subsidiary's own key; strongest wins */
static gchar *
nvr_verdict_pick_brand(GPtrArray *items, NvrRestrictedRegistry *registry)
{
	const NvrEvidence *best = NULL;
	const gchar *best_key = NULL;

	for (guint i = 0; i < items->len; i++) {
		const NvrEvidence *e = g_ptr_array_index(items, i);
		const gchar *key = e->brand;
		if (key == NULL && e->vendor != NULL &&
		    g_strcmp0(nvr_vendor_family(registry, e->vendor), e->vendor) != 0)
			key = e->vendor;
		if (key == NULL)
			continue;
		if (best == NULL || e->strength > best->strength) {
			best = e;
			best_key = key;
		}
	}
	return g_strdup(best_key);
}

static const gchar *
nvr_verdict_item_value(GPtrArray *items, const gchar *key)
{
	for (guint i = 0; i < items->len; i++) {
		const NvrEvidence *e = g_ptr_array_index(items, i);
		if (g_strcmp0(e->key, key) == 0)
			return e->value;
	}
	return NULL;
}

static void
nvr_verdict_pick_model(NvrVerdict *self, const NvrVerdictInput *in)
{
	gboolean plugin_agrees =
		in->plugin != NULL && in->plugin_score > 0 &&
		(in->plugin_vendor == NULL ||
		 g_strcmp0(nvr_vendor_family(in->registry, in->plugin_vendor), self->vendor) == 0);
	const gchar *fw_model = nvr_verdict_item_value(in->items, "firmware.model");

	self->model = g_strdup(plugin_agrees && in->plugin_model != NULL
				       ? in->plugin_model
				       : nvr_verdict_item_value(in->items, "onvif.model"));
	self->firmware = g_strdup(plugin_agrees && in->plugin_firmware != NULL
					  ? in->plugin_firmware
					  : nvr_verdict_item_value(in->items, "onvif.firmware"));
	if (fw_model != NULL && g_strcmp0(fw_model, self->model) != 0)
		self->firmware_model = g_strdup(fw_model);
}

/* ---- listings ---- */

static NvrVerdictListing *
nvr_verdict_listing_new(NvrRestrictedRegistry *registry, const gchar *list_id)
{
	const NvrRestrictedList *list = nvr_restricted_registry_lookup_list(registry, list_id);
	NvrVerdictListing *l = g_new0(NvrVerdictListing, 1);

	l->list = g_strdup(list_id);
	l->list_name = g_strdup(list != NULL ? list->name : list_id);
	l->legal_basis = g_strdup(list != NULL ? list->legal_basis : NULL);
	l->meaning = g_strdup(list != NULL ? list->meaning : NULL);
	l->warn = list != NULL ? list->warn : TRUE;
	return l;
}

static void
nvr_verdict_add_registry_listings(NvrVerdict *self, NvrRestrictedRegistry *registry,
				  const NvrRestrictedManufacturer *m)
{
	for (guint i = 0; i < m->listings->len; i++) {
		const NvrRestrictedListing *src = g_ptr_array_index(m->listings, i);
		NvrVerdictListing *l = nvr_verdict_listing_new(registry, src->list);
		l->date = g_strdup(src->date);
		l->citation = g_strdup(src->citation);
		l->verified = src->verified;
		l->page_citation = g_strdup(src->page_citation);
		l->page_citation_verified = src->page_citation_verified;
		l->note = g_strdup(src->note);
		g_ptr_array_add(self->listings, l);
	}
}

/* a vendor whose restriction is known only from a quirk file (with its citation) */
static void
nvr_verdict_add_quirk_listings(NvrVerdict *self, NvrQuirks *quirks, NvrRestrictedRegistry *registry)
{
	static const struct {
		guint32 flag;
		const gchar *list;
	} map[] = {
		{NVR_VENDOR_FLAG_ENTITY_LIST, "bis-entity-list"},
		{NVR_VENDOR_FLAG_COVERED_LIST, "fcc-covered-list"},
		{NVR_VENDOR_FLAG_NDAA_889, "ndaa-889"},
	};
	g_autofree gchar *group = g_strconcat("VENDOR\\", self->vendor, NULL);
	guint32 flags = nvr_quirks_lookup_flags(quirks, group);

	for (guint i = 0; i < G_N_ELEMENTS(map); i++) {
		NvrVerdictListing *l;
		if ((flags & map[i].flag) == 0)
			continue;
		l = nvr_verdict_listing_new(registry, map[i].list);
		l->citation = g_strdup(nvr_quirks_lookup(quirks, group, NVR_QUIRK_CITATION));
		l->note = g_strdup("from a quirk file, not from the restricted-vendor registry");
		g_ptr_array_add(self->listings, l);
	}
}

static gboolean
nvr_verdict_has_warning_listing(const NvrVerdict *self)
{
	for (guint i = 0; i < self->listings->len; i++) {
		if (((NvrVerdictListing *)g_ptr_array_index(self->listings, i))->warn)
			return TRUE;
	}
	return FALSE;
}

static void
nvr_verdict_decide_restriction(NvrVerdict *self, const NvrVerdictInput *in)
{
	const NvrRestrictedManufacturer *m =
		nvr_restricted_registry_lookup_manufacturer(in->registry, self->vendor);
	const gchar *kind = m != NULL ? m->kind : "camera";

	if (m != NULL) {
		nvr_verdict_add_registry_listings(self, in->registry, m);
		g_free(self->manufacturer);
		self->manufacturer = g_strdup(((NvrRestrictedName *)g_ptr_array_index(m->legal_names, 0))->name);
	} else if (self->vendor != NULL) {
		nvr_verdict_add_quirk_listings(self, in->quirks, in->registry);
	}
	if (!nvr_verdict_has_warning_listing(self))
		return;
	if (self->confidence >= NVR_VERDICT_LIKELY) {
		self->restricted = TRUE;
		self->warning = NVR_VERDICT_WARNING_RESTRICTED;
		self->advice = g_strdupv((gchar **)nvr_restricted_registry_get_advice(in->registry, kind));
	} else {
		self->warning = NVR_VERDICT_WARNING_POSSIBLE;
		self->advice = g_strdupv((gchar **)nvr_restricted_registry_get_advice(in->registry, "possible"));
	}
}

/* the brand is known, the maker is not: the registry's OEM relationship is a hint, no more */
static void
nvr_verdict_brand_hint(NvrVerdict *self, const NvrVerdictInput *in)
{
	const NvrRestrictedRelated *r = nvr_restricted_registry_lookup_related(in->registry, self->brand);

	if (r == NULL)
		return;
	self->possible_vendor = g_strdup(r->parent->key);
	self->possible_vendor_name = g_strdup(r->parent->name);
	self->relationship = g_strdup(r->relationship);
	self->relationship_confidence = g_strdup(r->confidence);
	if (nvr_restricted_manufacturer_is_restricted(in->registry, r->parent)) {
		self->warning = NVR_VERDICT_WARNING_POSSIBLE;
		self->advice = g_strdupv((gchar **)nvr_restricted_registry_get_advice(in->registry, "possible"));
	}
}

/* ---- the summary sentence ---- */

static void
nvr_verdict_append_lists(GString *s, const NvrVerdict *self)
{
	g_autoptr(GPtrArray) seen = g_ptr_array_new();

	for (guint i = 0; i < self->listings->len; i++) {
		const NvrVerdictListing *l = g_ptr_array_index(self->listings, i);
		gboolean dup = FALSE;
		for (guint j = 0; j < seen->len; j++)
			dup |= g_strcmp0(g_ptr_array_index(seen, j), l->list) == 0;
		if (!l->warn || dup)
			continue;
		g_ptr_array_add(seen, l->list);
	}
	for (guint i = 0; i < seen->len; i++) {
		for (guint j = 0; j < self->listings->len; j++) {
			const NvrVerdictListing *l = g_ptr_array_index(self->listings, j);
			if (g_strcmp0(l->list, g_ptr_array_index(seen, i)) != 0)
				continue;
			g_string_append_printf(s, "%sthe %s (since %s)",
					       i == 0 ? "" : i + 1 == seen->len ? " and " : ", ",
					       l->list_name, l->date);
			break;
		}
	}
}

/* " It is not on the lists nvr checks (the BIS Entity List, …; registry 2026.02.1)." */
static void
nvr_verdict_append_not_listed(GString *s, const NvrVerdict *self, NvrRestrictedRegistry *registry)
{
	static const gchar *const lists[] = {"bis-entity-list", "fcc-covered-list", "ndaa-889"};

	g_string_append_printf(s, " %s was not found on the lists nvr checks (", self->vendor_name);
	for (guint i = 0; i < G_N_ELEMENTS(lists); i++) {
		const NvrRestrictedList *l = nvr_restricted_registry_lookup_list(registry, lists[i]);
		g_string_append_printf(s, "%s%s", i == 0 ? "" : i + 1 == G_N_ELEMENTS(lists) ? " or " : ", ",
				       l != NULL ? l->name : lists[i]);
	}
	g_string_append_printf(s, "; registry %s).", self->registry_version);
}

static gchar *
nvr_verdict_summary(const NvrVerdict *self, NvrRestrictedRegistry *registry)
{
	GString *s = g_string_new(NULL);
	const gchar *conf = nvr_verdict_confidence_to_string(self->confidence);

	if (self->vendor == NULL && self->brand != NULL && self->possible_vendor != NULL) {
		g_string_append_printf(s, "Sold under the %s brand, which is associated with %s (%s, "
					  "%s confidence); the manufacturer of this device is not "
					  "determined.",
				       self->brand_name, self->possible_vendor_name, self->relationship,
				       self->relationship_confidence);
	} else if (self->vendor == NULL) {
		g_string_append(s, "The manufacturer could not be determined.");
		if (self->brand != NULL)
			g_string_append_printf(s, " Brand: %s.", self->brand_name);
	} else if (self->confidence == NVR_VERDICT_POSSIBLE) {
		g_string_append_printf(s, "This device may be made by %s, but the evidence is weak "
					  "(%u signal class%s): not enough to be sure.",
				       self->manufacturer, self->independent,
				       self->independent == 1 ? "" : "es");
	} else {
		g_string_append_printf(s, "This device appears to be made by %s (%s, %u independent "
					  "signal%s).",
				       self->manufacturer, conf, self->independent,
				       self->independent == 1 ? "" : "s");
	}
	if (self->vendor != NULL && self->oem && self->brand_name != NULL)
		g_string_append_printf(s, " It is sold under the %s brand, but its firmware is %s's.",
				       self->brand_name, self->vendor_name);
	if (self->restricted) {
		g_string_append_printf(s, " %s is on ", self->vendor_name);
		nvr_verdict_append_lists(s, self);
		g_string_append(s, ". Owning or using this device is not illegal.");
	} else if (self->not_listed && self->confidence >= NVR_VERDICT_LIKELY) {
		nvr_verdict_append_not_listed(s, self, registry);
	}
	return g_string_free(s, FALSE);
}

/**
 * nvr_verdict_evaluate:
 *
 * Returns: (transfer full): the verdict; never NULL
 */
NvrVerdict *
nvr_verdict_evaluate(const NvrVerdictInput *in)
{
	NvrVerdict *self = g_new0(NvrVerdict, 1);
	g_autoptr(GHashTable) tallies = nvr_verdict_tally_all(in->items, in->registry);
	const NvrVerdictTally *best = nvr_verdict_tally_best(tallies);

	self->host = g_strdup(in->host);
	self->listings = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_verdict_listing_free);
	self->conflicts = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_verdict_conflict_free);
	self->evidence = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_evidence_free);
	for (guint i = 0; i < in->items->len; i++)
		g_ptr_array_add(self->evidence, nvr_evidence_copy(g_ptr_array_index(in->items, i)));
	self->registry_version = g_strdup(nvr_restricted_registry_get_version(in->registry));
	self->registry_updated = g_strdup(nvr_restricted_registry_get_updated(in->registry));
	self->plugin = g_strdup(in->plugin);
	self->plugin_score = in->plugin_score;
	self->brand = nvr_verdict_pick_brand(in->items, in->registry);
	if (best != NULL) {
		self->vendor = g_strdup(best->family);
		self->confidence = nvr_verdict_tally_level(best);
		self->independent = nvr_verdict_tally_classes(best, NVR_EVIDENCE_STRENGTH_WEAK);
		self->firmware_level = best->firmware_level;
		self->score = MIN(100u, nvr_verdict_tally_weight(best) * 12 + (best->firmware_level ? 20 : 0));
		nvr_verdict_add_conflicts(self, tallies, best);
		self->vendor_name = nvr_verdict_display_name(in->quirks, in->registry, self->vendor);
		self->manufacturer = g_strdup(self->vendor_name);
		if (self->brand == NULL)
			self->brand = g_strdup(self->vendor);
		self->oem = g_strcmp0(nvr_vendor_family(in->registry, self->brand), self->vendor) != 0;
	}
	if (self->brand != NULL)
		self->brand_name = nvr_verdict_display_name(in->quirks, in->registry, self->brand);
	if (self->vendor != NULL && self->brand != NULL && g_strcmp0(self->vendor, self->brand) != 0) {
		const NvrRestrictedRelated *r =
			nvr_restricted_registry_lookup_related(in->registry, self->brand);
		if (r != NULL && g_strcmp0(r->parent->key, self->vendor) == 0) {
			self->relationship = g_strdup(r->relationship);
			self->relationship_confidence = g_strdup(r->confidence);
		}
	}
	nvr_verdict_pick_model(self, in);
	if (self->vendor != NULL)
		nvr_verdict_decide_restriction(self, in);
	else if (self->brand != NULL)
		nvr_verdict_brand_hint(self, in);
	self->not_listed = self->vendor != NULL && self->listings->len == 0 &&
			   nvr_restricted_registry_is_not_listed(in->registry, self->vendor);
	if (self->advice == NULL)
		self->advice = g_new0(gchar *, 1);
	self->summary = nvr_verdict_summary(self, in->registry);
	return self;
}

/* ---- JSON ---- */

static void
nvr_verdict_json_string(JsonBuilder *b, const gchar *name, const gchar *value)
{
	json_builder_set_member_name(b, name);
	if (value != NULL)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

static void
nvr_verdict_json_bool(JsonBuilder *b, const gchar *name, gboolean value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_boolean_value(b, value);
}

static void
nvr_verdict_json_listings(JsonBuilder *b, const NvrVerdict *self)
{
	json_builder_set_member_name(b, "listings");
	json_builder_begin_array(b);
	for (guint i = 0; i < self->listings->len; i++) {
		const NvrVerdictListing *l = g_ptr_array_index(self->listings, i);
		json_builder_begin_object(b);
		nvr_verdict_json_string(b, "list", l->list);
		nvr_verdict_json_string(b, "name", l->list_name);
		nvr_verdict_json_string(b, "legal_basis", l->legal_basis);
		nvr_verdict_json_string(b, "meaning", l->meaning);
		nvr_verdict_json_bool(b, "warn", l->warn);
		nvr_verdict_json_string(b, "date", l->date);
		nvr_verdict_json_string(b, "citation", l->citation);
		nvr_verdict_json_bool(b, "verified", l->verified);
		nvr_verdict_json_string(b, "page_citation", l->page_citation);
		nvr_verdict_json_bool(b, "page_citation_verified", l->page_citation_verified);
		nvr_verdict_json_string(b, "note", l->note);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void
nvr_verdict_json_conflicts(JsonBuilder *b, const NvrVerdict *self)
{
	json_builder_set_member_name(b, "conflicts");
	json_builder_begin_array(b);
	for (guint i = 0; i < self->conflicts->len; i++) {
		const NvrVerdictConflict *c = g_ptr_array_index(self->conflicts, i);
		json_builder_begin_object(b);
		nvr_verdict_json_string(b, "vendor", c->vendor);
		nvr_verdict_json_bool(b, "firmware_level", c->firmware_level);
		json_builder_set_member_name(b, "keys");
		json_builder_begin_array(b);
		for (guint j = 0; c->keys[j] != NULL; j++)
			json_builder_add_string_value(b, c->keys[j]);
		json_builder_end_array(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void
nvr_verdict_json_identity(JsonBuilder *b, const NvrVerdict *self)
{
	nvr_verdict_json_string(b, "host", self->host);
	nvr_verdict_json_string(b, "vendor", self->vendor);
	nvr_verdict_json_string(b, "vendor_name", self->vendor_name);
	nvr_verdict_json_string(b, "manufacturer", self->manufacturer);
	nvr_verdict_json_string(b, "brand", self->brand);
	nvr_verdict_json_string(b, "brand_name", self->brand_name);
	nvr_verdict_json_string(b, "relationship", self->relationship);
	nvr_verdict_json_string(b, "possible_vendor", self->possible_vendor);
	nvr_verdict_json_string(b, "relationship_confidence", self->relationship_confidence);
	nvr_verdict_json_string(b, "model", self->model);
	nvr_verdict_json_string(b, "firmware", self->firmware);
	nvr_verdict_json_string(b, "firmware_model", self->firmware_model);
	nvr_verdict_json_bool(b, "oem", self->oem);
}

/* Returns: (transfer full): the stable JSON form (plugins/SDK.md documents it) */
JsonNode *
nvr_verdict_to_json(const NvrVerdict *self)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	nvr_verdict_json_identity(b, self);
	nvr_verdict_json_string(b, "confidence", nvr_verdict_confidence_to_string(self->confidence));
	json_builder_set_member_name(b, "score");
	json_builder_add_int_value(b, self->score);
	json_builder_set_member_name(b, "independent_signals");
	json_builder_add_int_value(b, self->independent);
	nvr_verdict_json_bool(b, "firmware_level", self->firmware_level);
	nvr_verdict_json_bool(b, "restricted", self->restricted);
	nvr_verdict_json_bool(b, "not_listed", self->not_listed);
	nvr_verdict_json_string(b, "warning", nvr_verdict_warning_to_string(self->warning));
	nvr_verdict_json_string(b, "summary", self->summary);
	nvr_verdict_json_listings(b, self);
	json_builder_set_member_name(b, "advice");
	json_builder_begin_array(b);
	for (guint i = 0; self->advice[i] != NULL; i++)
		json_builder_add_string_value(b, self->advice[i]);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "evidence");
	json_builder_begin_array(b);
	for (guint i = 0; i < self->evidence->len; i++)
		json_builder_add_value(b, nvr_evidence_to_json(g_ptr_array_index(self->evidence, i)));
	json_builder_end_array(b);
	nvr_verdict_json_conflicts(b, self);
	nvr_verdict_json_string(b, "plugin", self->plugin);
	json_builder_set_member_name(b, "registry");
	json_builder_begin_object(b);
	nvr_verdict_json_string(b, "version", self->registry_version);
	nvr_verdict_json_string(b, "updated", self->registry_updated);
	json_builder_end_object(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

/* Returns: (transfer full): the verdict for a terminal, evidence and citations included */
gchar *
nvr_verdict_to_text(const NvrVerdict *self)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "%s\n", self->summary);
	g_string_append_printf(s, "  vendor:     %s\n", self->vendor_name != NULL ? self->vendor_name : "unknown");
	if (self->brand_name != NULL)
		g_string_append_printf(s, "  brand:      %s%s\n", self->brand_name, self->oem ? " (OEM)" : "");
	if (self->model != NULL)
		g_string_append_printf(s, "  model:      %s%s%s%s\n", self->model,
				       self->firmware_model != NULL ? " (firmware model " : "",
				       self->firmware_model != NULL ? self->firmware_model : "",
				       self->firmware_model != NULL ? ")" : "");
	if (self->firmware != NULL)
		g_string_append_printf(s, "  firmware:   %s\n", self->firmware);
	g_string_append_printf(s, "  confidence: %s\n  restricted: %s\n",
			       nvr_verdict_confidence_to_string(self->confidence),
			       self->restricted ? "yes" : self->warning == NVR_VERDICT_WARNING_POSSIBLE ? "possibly" : "no");
	for (guint i = 0; i < self->listings->len; i++) {
		const NvrVerdictListing *l = g_ptr_array_index(self->listings, i);
		g_string_append_printf(s, "  listed:     %s since %s: %s%s%s%s\n", l->list_name, l->date,
				       l->citation, l->verified ? "" : " [unverified]",
				       l->page_citation != NULL ? "; " : "",
				       l->page_citation != NULL ? l->page_citation : "");
	}
	g_string_append(s, "  evidence:\n");
	for (guint i = 0; i < self->evidence->len; i++) {
		const NvrEvidence *e = g_ptr_array_index(self->evidence, i);
		g_string_append_printf(s, "    [%s, %s] %s = %s%s%s (from %s)\n",
				       nvr_evidence_class_to_string(e->klass),
				       nvr_evidence_strength_to_string(e->strength), e->key, e->value,
				       e->vendor != NULL ? " -> " : "", e->vendor != NULL ? e->vendor : "",
				       e->source);
	}
	for (guint i = 0; i < self->conflicts->len; i++)
		g_string_append_printf(s, "  conflict:   also points to %s\n",
				       ((NvrVerdictConflict *)g_ptr_array_index(self->conflicts, i))->vendor);
	for (guint i = 0; self->advice[i] != NULL; i++)
		g_string_append_printf(s, "  advice:     %s\n", self->advice[i]);
	g_string_append_printf(s, "  registry:   %s (%s)\n", self->registry_version, self->registry_updated);
	return g_string_free(s, FALSE);
}
