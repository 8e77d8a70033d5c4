#include "config.h"

#include <string.h>

#include "vendor/nvr-vendor-interpret.h"

/* the item with @key in @items, or NULL */
static const NvrEvidence *
nvr_vendor_items_find(GPtrArray *items, const gchar *key)
{
	for (guint i = 0; items != NULL && i < items->len; i++) {
		const NvrEvidence *e = g_ptr_array_index(items, i);
		if (g_strcmp0(e->key, key) == 0)
			return e;
	}
	return NULL;
}

static void
nvr_vendor_ids_add_raw(GPtrArray *ids, gchar *id)
{
	for (guint i = 0; i < ids->len; i++) {
		if (g_strcmp0(g_ptr_array_index(ids, i), id) == 0) {
			g_free(id);
			return;
		}
	}
	g_ptr_array_add(ids, id);
}

static void
nvr_vendor_ids_add(GPtrArray *ids, const gchar *prefix, const gchar *value)
{
	g_autofree gchar *v = nvr_quirks_match_value(value, 200);

	if (v != NULL)
		nvr_vendor_ids_add_raw(ids, g_strconcat(prefix, v, NULL));
}

/* "App-webs/3.0" -> "App-webs"; "AXIS_ACCC8E…" -> "AXIS"; "HIKVISION DS-2CD…" -> "HIKVISION" */
static gchar *
nvr_vendor_first_token(const gchar *value, const gchar *separators)
{
	gsize n = strcspn(value, separators);

	return n > 0 ? g_strndup(value, n) : NULL;
}

/*
 * The value of @rdn in "CN=www.hikvision.com,O=HIKVISION" (RFC 4514, as GLib
 * gives it), "subject=C = CN, O = HIKVISION" (openssl x509 -subject, which
 * is how a recording's tls_subject is usually copied) or "/C=CN/O=HIKVISION"
 * (OpenSSL's legacy form): spaces around '=' and the form used to hide the
 * certificate's organisation.
 */
static gchar *
nvr_vendor_dn_get(const gchar *dn, const gchar *rdn)
{
	g_auto(GStrv) parts = NULL;

	while (*dn == ' ')
		dn++;
	if (g_ascii_strncasecmp(dn, "subject=", 8) == 0)
		dn += 8;
	while (*dn == ' ')
		dn++;
	parts = g_strsplit(dn, *dn == '/' ? "/" : ",", 32);
	for (guint i = 0; parts[i] != NULL; i++) {
		gchar *eq = strchr(parts[i], '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		if (g_ascii_strcasecmp(g_strstrip(parts[i]), rdn) == 0 && *g_strstrip(eq + 1) != '\0')
			return g_strdup(eq + 1);
	}
	return NULL;
}

static void
nvr_vendor_ids_two(GPtrArray *ids, const gchar *prefix, const gchar *value, const gchar *separators)
{
	g_autofree gchar *first = nvr_vendor_first_token(value, separators);

	nvr_vendor_ids_add(ids, prefix, first);
	nvr_vendor_ids_add(ids, prefix, value);
}

static void
nvr_vendor_ids_onvif(GPtrArray *ids, const NvrEvidence *item, GPtrArray *items)
{
	const NvrEvidence *model = nvr_vendor_items_find(items, "onvif.model");
	const NvrEvidence *hwid = nvr_vendor_items_find(items, "onvif.hardware-id");
	g_autofree gchar *mfr = NULL;

	if (g_strcmp0(item->key, "onvif.hardware-id") == 0) {
		nvr_vendor_ids_add(ids, "ONVIF\\HWID_", item->value);
		return;
	}
	if (g_strcmp0(item->key, "onvif.manufacturer") != 0)
		return;
	nvr_vendor_ids_add(ids, "ONVIF\\MFR_", item->value);
	mfr = nvr_quirks_match_value(item->value, 100);
	if (mfr == NULL)
		return;
	if (hwid != NULL) {
		g_autofree gchar *p = g_strdup_printf("ONVIF\\MFR_%s&HWID_", mfr);
		nvr_vendor_ids_add(ids, p, hwid->value);
	}
	if (model != NULL) {
		g_autofree gchar *p = g_strdup_printf("ONVIF\\MFR_%s&MODEL_", mfr);
		nvr_vendor_ids_add(ids, p, model->value);
	}
}

/**
 * nvr_vendor_match_ids_for_item:
 * @items: (element-type NvrEvidence): the other items (ONVIF IDs combine several)
 *
 * Returns: (transfer container) (element-type utf8): generic to specific
 */
GPtrArray *
nvr_vendor_match_ids_for_item(const NvrEvidence *item, GPtrArray *items)
{
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	const gchar *k = item->key;

	if (g_strcmp0(k, "mac.oui") == 0) {
		nvr_vendor_ids_add(ids, "NET\\OUI_", item->value);
	} else if (g_str_has_prefix(k, "onvif.")) {
		nvr_vendor_ids_onvif(ids, item, items);
	} else if (g_strcmp0(k, "wsd.name") == 0) {
		nvr_vendor_ids_two(ids, "WSD\\NAME_", item->value, " ");
	} else if (g_strcmp0(k, "http.server") == 0) {
		nvr_vendor_ids_two(ids, "HTTP\\SERVER_", item->value, "/ ");
	} else if (g_strcmp0(k, "http.realm") == 0) {
		nvr_vendor_ids_two(ids, "HTTP\\REALM_", item->value, " _");
	} else if (g_strcmp0(k, "http.title") == 0) {
		nvr_vendor_ids_add(ids, "HTTP\\TITLE_", item->value);
	} else if (g_strcmp0(k, "rtsp.server") == 0) {
		nvr_vendor_ids_two(ids, "RTSP\\SERVER_", item->value, "/");
	} else if (g_strcmp0(k, "tls.subject") == 0) {
		g_autofree gchar *o = nvr_vendor_dn_get(item->value, "O");
		g_autofree gchar *cn = nvr_vendor_dn_get(item->value, "CN");
		nvr_vendor_ids_add(ids, "TLS\\O_", o);
		nvr_vendor_ids_add(ids, "TLS\\CN_", cn);
	}
	return ids;
}

/* the quirk keys that attribute an item; specific IDs override generic ones key by key */
static const gchar *const nvr_vendor_item_keys[] = {
	NVR_QUIRK_VENDOR, NVR_QUIRK_BRAND, NVR_QUIRK_STRENGTH, NVR_QUIRK_CONFIDENCE,
	NVR_QUIRK_FLAGS,  NVR_QUIRK_NOTE,  NULL};

static void
nvr_vendor_apply_quirks(NvrEvidence *item, GPtrArray *ids, NvrQuirks *quirks)
{
	const gchar *merged[G_N_ELEMENTS(nvr_vendor_item_keys)] = {NULL};
	const gchar *matched = NULL;
	NvrEvidenceStrength strength;
	guint32 flags = 0;
	gboolean firmware = FALSE;

	for (guint i = 0; i < ids->len; i++) {
		const gchar *id = g_ptr_array_index(ids, i);
		for (guint k = 0; nvr_vendor_item_keys[k] != NULL; k++) {
			const gchar *v = nvr_quirks_lookup(quirks, id, nvr_vendor_item_keys[k]);
			if (v != NULL) {
				merged[k] = v;
				matched = id;
			}
		}
	}
	if (matched == NULL)
		return;
	g_free(item->match_id);
	item->match_id = g_strdup(matched);
	/* a collector's or plugin's attribution stands; quirks fill what it left open */
	if (item->vendor == NULL && item->brand == NULL) {
		item->vendor = g_strdup(merged[0]);
		item->brand = g_strdup(merged[1]);
	} else if (merged[0] != NULL && item->klass == NVR_EVIDENCE_CLASS_OUI) {
		/* [NET\OUI_…] may correct the curated table */
		g_free(item->vendor);
		item->vendor = g_strdup(merged[0]);
	}
	if (merged[2] != NULL && nvr_evidence_strength_from_string(merged[2], &strength))
		item->strength = strength;
	if (merged[3] != NULL)
		item->confidence = (guint)g_ascii_strtoull(merged[3], NULL, 10);
	if (merged[4] != NULL && nvr_quirks_flags_parse(merged[4], &flags, &firmware, NULL) && firmware)
		item->flags |= NVR_EVIDENCE_FLAG_FIRMWARE;
	if (merged[5] != NULL && item->note == NULL)
		item->note = g_strdup(merged[5]);
}

/* subsidiaries, own brands and joint ventures share the parent's firmware family */
const gchar *
nvr_vendor_family(NvrRestrictedRegistry *registry, const gchar *vendor)
{
	const NvrRestrictedRelated *r = nvr_restricted_registry_lookup_related(registry, vendor);

	if (r != NULL && (g_strcmp0(r->relationship, "subsidiary") == 0 ||
			  g_strcmp0(r->relationship, "brand") == 0 ||
			  g_strcmp0(r->relationship, "joint-venture") == 0))
		return r->parent->key;
	return vendor;
}

/* a label, not a maker: Kind = brand in its quirk group, or an OEM of a listed company */
gboolean
nvr_vendor_is_brand(NvrQuirks *quirks, NvrRestrictedRegistry *registry, const gchar *vendor)
{
	g_autofree gchar *group = g_strconcat("VENDOR\\", vendor, NULL);
	const NvrRestrictedRelated *r = nvr_restricted_registry_lookup_related(registry, vendor);

	if (r != NULL && (g_strcmp0(r->relationship, "oem") == 0 ||
			  g_strcmp0(r->relationship, "former-subsidiary") == 0))
		return TRUE;
	return g_strcmp0(nvr_quirks_lookup(quirks, group, NVR_QUIRK_KIND), "brand") == 0;
}

static gboolean
nvr_vendor_is_network_gear(NvrQuirks *quirks, NvrRestrictedRegistry *registry, const gchar *vendor)
{
	g_autofree gchar *group = g_strconcat("VENDOR\\", vendor, NULL);
	const NvrRestrictedManufacturer *m =
		nvr_restricted_registry_lookup_manufacturer(registry, vendor);

	return (m != NULL && m->network_gear) ||
	       (nvr_quirks_lookup_flags(quirks, group) & NVR_VENDOR_FLAG_NETWORK_GEAR) != 0;
}

static void
nvr_vendor_classify(NvrEvidence *item, NvrQuirks *quirks, NvrRestrictedRegistry *registry,
		    gboolean is_camera)
{
	if (item->vendor == NULL)
		return;
	if (nvr_vendor_is_brand(quirks, registry, item->vendor)) {
		if (item->brand == NULL)
			item->brand = g_strdup(item->vendor);
		g_clear_pointer(&item->vendor, g_free);
		return;
	}
	if (item->klass == NVR_EVIDENCE_CLASS_OUI && !is_camera &&
	    nvr_vendor_is_network_gear(quirks, registry, item->vendor)) {
		g_autofree gchar *note = g_strdup_printf(
			"%s%snot counted: %s makes mostly phones and routers, and nothing shows this "
			"device is a camera",
			item->note != NULL ? item->note : "", item->note != NULL ? "; " : "", item->vendor);
		g_free(item->note);
		item->note = g_steal_pointer(&note);
		g_clear_pointer(&item->vendor, g_free);
	}
}

/**
 * nvr_vendor_interpret:
 * @items: (element-type NvrEvidence): copies, attributed in place
 *
 * Returns: (transfer container) (element-type utf8): every match ID of
 * every item, generic to specific, for plugins
 */
GPtrArray *
nvr_vendor_interpret(GPtrArray *items, NvrQuirks *quirks, NvrRestrictedRegistry *registry,
		     gboolean is_camera)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < items->len; i++) {
		NvrEvidence *item = g_ptr_array_index(items, i);
		g_autoptr(GPtrArray) ids = nvr_vendor_match_ids_for_item(item, items);
		nvr_vendor_apply_quirks(item, ids, quirks);
		nvr_vendor_classify(item, quirks, registry, is_camera);
		for (guint j = 0; j < ids->len; j++)
			g_ptr_array_add(all, g_strdup(g_ptr_array_index(ids, j)));
	}
	for (guint i = 0; i < items->len; i++) {
		NvrEvidence *item = g_ptr_array_index(items, i);
		if (item->vendor != NULL)
			nvr_vendor_ids_add_raw(all, g_strconcat("VENDOR\\", item->vendor, NULL));
		if (item->brand != NULL)
			nvr_vendor_ids_add_raw(all, g_strconcat("VENDOR\\", item->brand, NULL));
	}
	return all;
}

/* ---- the view plugins get ---- */

struct _NvrVendorEvidenceView {
	NvrVendorEvidence ev;
	GPtrArray *items;	 /* (element-type NvrEvidence): owned */
	GPtrArray *structs;	 /* NvrVendorEvidenceItem, pointing into items */
	GPtrArray *ptrs;	 /* NULL-terminated pointers to structs */
	GPtrArray *match_ids;	 /* NULL-terminated strings */
	gchar *oui;
	gchar *host;
};

static const gchar *
nvr_vendor_view_value(NvrVendorEvidenceView *view, const gchar *key)
{
	const NvrEvidence *e = nvr_vendor_items_find(view->items, key);

	return e != NULL ? e->value : NULL;
}

static void
nvr_vendor_view_fill(NvrVendorEvidenceView *view)
{
	NvrVendorEvidence *ev = &view->ev;

	ev->struct_size = sizeof(NvrVendorEvidence);
	ev->mac = nvr_vendor_view_value(view, "mac.address");
	ev->oui = nvr_vendor_view_value(view, "mac.oui");
	ev->onvif_manufacturer = nvr_vendor_view_value(view, "onvif.manufacturer");
	ev->onvif_model = nvr_vendor_view_value(view, "onvif.model");
	ev->onvif_firmware = nvr_vendor_view_value(view, "onvif.firmware");
	ev->onvif_hardware_id = nvr_vendor_view_value(view, "onvif.hardware-id");
	ev->onvif_serial = nvr_vendor_view_value(view, "onvif.serial");
	ev->http_server = nvr_vendor_view_value(view, "http.server");
	ev->http_realm = nvr_vendor_view_value(view, "http.realm");
	ev->http_title = nvr_vendor_view_value(view, "http.title");
	ev->tls_subject = nvr_vendor_view_value(view, "tls.subject");
	ev->rtsp_server = nvr_vendor_view_value(view, "rtsp.server");
}

/**
 * nvr_vendor_evidence_view_new:
 * @items: (element-type NvrEvidence) (transfer none): copied
 * @match_ids: (element-type utf8) (nullable) (transfer none): copied
 */
NvrVendorEvidenceView *
nvr_vendor_evidence_view_new(NvrEvidenceSet *set, GPtrArray *items, GPtrArray *match_ids)
{
	NvrVendorEvidenceView *view = g_new0(NvrVendorEvidenceView, 1);

	view->items = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_evidence_free);
	view->structs = g_ptr_array_new_with_free_func(g_free);
	view->ptrs = g_ptr_array_new();
	view->match_ids = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < items->len; i++) {
		NvrEvidence *e = nvr_evidence_copy(g_ptr_array_index(items, i));
		NvrVendorEvidenceItem *s = g_new0(NvrVendorEvidenceItem, 1);
		s->struct_size = sizeof(NvrVendorEvidenceItem);
		s->klass = e->klass;
		s->strength = e->strength;
		s->flags = e->flags;
		s->key = e->key;
		s->value = e->value;
		s->vendor = e->vendor;
		s->brand = e->brand;
		s->source = e->source;
		g_ptr_array_add(view->items, e);
		g_ptr_array_add(view->structs, s);
		g_ptr_array_add(view->ptrs, s);
	}
	g_ptr_array_add(view->ptrs, NULL);
	for (guint i = 0; match_ids != NULL && i < match_ids->len; i++)
		g_ptr_array_add(view->match_ids, g_strdup(g_ptr_array_index(match_ids, i)));
	g_ptr_array_add(view->match_ids, NULL);
	view->host = g_strdup(nvr_evidence_set_get_host(set));
	view->ev.host = view->host;
	view->ev.http_port = nvr_evidence_set_get_http_port(set);
	view->ev.rtsp_port = nvr_evidence_set_get_rtsp_port(set);
	view->ev.n_items = items->len;
	view->ev.items = (const NvrVendorEvidenceItem *const *)view->ptrs->pdata;
	view->ev.match_ids = (const gchar *const *)view->match_ids->pdata;
	nvr_vendor_view_fill(view);
	return view;
}

const NvrVendorEvidence *
nvr_vendor_evidence_view_get(NvrVendorEvidenceView *view)
{
	return &view->ev;
}

void
nvr_vendor_evidence_view_free(NvrVendorEvidenceView *view)
{
	if (view == NULL)
		return;
	g_ptr_array_unref(view->items);
	g_ptr_array_unref(view->structs);
	g_ptr_array_unref(view->ptrs);
	g_ptr_array_unref(view->match_ids);
	g_free(view->oui);
	g_free(view->host);
	g_free(view);
}
