#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "vendor/nvr-device-index.h"

/* verdicts.vendor, brand, model and firmware hold at most this many characters */
#define NVR_DEVICE_INDEX_LABEL_MAX 256

/* ---- devices ---- */

/* Returns: (nullable): the set's MAC-48, when it has a well-formed one */
static gchar *
nvr_device_index_dup_mac(NvrEvidenceSet *set)
{
	g_autofree gchar *mac = nvr_evidence_set_dup_value(set, "mac.address");

	if (mac == NULL || strlen(mac) != 17)
		return NULL;
	for (guint i = 0; i < 17; i++) {
		if (i % 3 == 2 ? mac[i] != ':' && mac[i] != '-' : !g_ascii_isxdigit(mac[i]))
			return NULL;
	}
	return g_steal_pointer(&mac);
}

/* a MAC seen on two rows (a camera that moved to a new address) stays with the first */
static void
nvr_device_index_set_mac(NvrIndex *index, NvrIndexDevice *d, NvrEvidenceSet *set)
{
	g_autofree gchar *mac = nvr_device_index_dup_mac(set);
	g_autoptr(NvrIndexDevice) other = NULL;

	if (mac == NULL)
		return;
	other = nvr_index_device_load_by_mac(index, mac, NULL);
	if (other != NULL && other->id != d->id)
		return;
	g_free(d->mac);
	d->mac = g_steal_pointer(&mac);
}

/* a link to a camera that was removed since may be taken over */
static gboolean
nvr_device_index_camera_is_live(NvrIndex *index, gint64 camera_id)
{
	g_autoptr(NvrIndexCamera) c = camera_id != 0 ? nvr_index_camera_load(index, camera_id, NULL) : NULL;

	return c != NULL && c->removed_us == 0;
}

/* the camera's earlier device, if its URL now leads elsewhere, is no longer its device */
static gboolean
nvr_device_index_unlink_others(NvrIndex *index, gint64 camera_id, gint64 device_id, GError **error)
{
	g_autoptr(GPtrArray) all = nvr_index_device_list(index, error);

	if (all == NULL)
		return FALSE;
	for (guint i = 0; i < all->len; i++) {
		NvrIndexDevice *d = g_ptr_array_index(all, i);
		if (d->camera_id != camera_id || d->id == device_id)
			continue;
		d->camera_id = 0;
		if (!nvr_index_device_update(index, d, error))
			return FALSE;
	}
	return TRUE;
}

static gint64
nvr_device_index_link_unlocked(NvrIndex *index, gint64 camera_id, NvrEvidenceSet *set,
			       GError **error)
{
	const gchar *host = nvr_evidence_set_get_host(set);
	guint http_port = nvr_evidence_set_get_http_port(set);
	g_autoptr(GError) error_local = NULL;
	g_autoptr(NvrIndexDevice) d = nvr_index_device_load_by_host(index, host, http_port, &error_local);

	if (d == NULL && !g_error_matches(error_local, NVR_ERROR, NVR_ERROR_NOT_FOUND)) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return 0;
	}
	if (d == NULL) {
		d = g_new0(NvrIndexDevice, 1);
		d->host = g_strdup(host);
		d->http_port = http_port;
	}
	d->rtsp_port = nvr_evidence_set_get_rtsp_port(set);
	d->last_seen_us = 0; /* now */
	if (d->camera_id != camera_id && !nvr_device_index_camera_is_live(index, d->camera_id))
		d->camera_id = camera_id;
	nvr_device_index_set_mac(index, d, set);
	if (!(d->id == 0 ? nvr_index_device_insert(index, d, error)
			 : nvr_index_device_update(index, d, error)))
		return 0;
	if (camera_id != 0 && d->camera_id == camera_id &&
	    !nvr_device_index_unlink_others(index, camera_id, d->id, error))
		return 0;
	return d->id;
}

/**
 * nvr_device_index_link:
 * @camera_id: the camera whose URL led to the device (0: none)
 * @set: gives host, HTTP and RTSP port, MAC
 *
 * Finds the device row of @set's host and HTTP port, or adds one, updates
 * its ports, MAC and last-seen time and links it to @camera_id.
 *
 * Returns: the device id, 0 on error
 */
gint64
nvr_device_index_link(NvrIndex *index, gint64 camera_id, NvrEvidenceSet *set, GError **error)
{
	gint64 id;

	g_return_val_if_fail(NVR_IS_INDEX(index), 0);
	g_return_val_if_fail(NVR_IS_EVIDENCE_SET(set), 0);

	if (!nvr_index_begin(index, error))
		return 0;
	id = nvr_device_index_link_unlocked(index, camera_id, set, error);
	if (id == 0) {
		nvr_index_rollback(index);
		g_prefix_error(error, "device %s: ", nvr_evidence_set_get_host(set));
		return 0;
	}
	return nvr_index_commit(index, error) ? id : 0;
}

/* ---- evidence and verdicts ---- */

static gint
nvr_device_index_strength(NvrEvidenceStrength strength)
{
	switch (strength) {
	case NVR_EVIDENCE_STRENGTH_STRONG:
		return 100;
	case NVR_EVIDENCE_STRENGTH_MEDIUM:
		return 67;
	case NVR_EVIDENCE_STRENGTH_WEAK:
		return 33;
	default:
		return 0;
	}
}

/* every class is replaced, so a class the device no longer shows loses its old rows */
static gboolean
nvr_device_index_replace_evidence(NvrIndex *index, gint64 device_id, NvrEvidenceSet *set,
				  GError **error)
{
	g_autoptr(GPtrArray) items = nvr_evidence_set_dup_items(set);

	for (guint k = 0; k < NVR_EVIDENCE_CLASS_LAST; k++) {
		const gchar *source = nvr_evidence_class_to_string((NvrEvidenceClass)k);
		g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_index_evidence_free);

		for (guint i = 0; i < items->len; i++) {
			const NvrEvidence *e = g_ptr_array_index(items, i);
			if (e->klass == k)
				g_ptr_array_add(rows, nvr_index_evidence_new(source, e->key, e->value,
									     nvr_device_index_strength(e->strength)));
		}
		if (!nvr_index_evidence_replace(index, device_id, source, rows, error))
			return FALSE;
	}
	return TRUE;
}

static gchar *
nvr_device_index_label(const gchar *text)
{
	if (text == NULL || g_utf8_strlen(text, -1) <= NVR_DEVICE_INDEX_LABEL_MAX)
		return g_strdup(text);
	return g_utf8_substring(text, 0, NVR_DEVICE_INDEX_LABEL_MAX);
}

static NvrIndexConfidence
nvr_device_index_confidence(NvrVerdictConfidence confidence)
{
	switch (confidence) {
	case NVR_VERDICT_CERTAIN:
		return NVR_INDEX_CONFIDENCE_CERTAIN;
	case NVR_VERDICT_LIKELY:
		return NVR_INDEX_CONFIDENCE_LIKELY;
	case NVR_VERDICT_POSSIBLE:
		return NVR_INDEX_CONFIDENCE_POSSIBLE;
	default:
		return NVR_INDEX_CONFIDENCE_UNKNOWN;
	}
}

static NvrIndexVerdict *
nvr_device_index_verdict_row(gint64 device_id, NvrEvidenceSet *set, const NvrVerdict *v)
{
	g_autoptr(JsonNode) node = nvr_verdict_to_json(v);
	NvrIndexVerdict *row = g_new0(NvrIndexVerdict, 1);

	json_object_set_member(json_node_get_object(node), NVR_DEVICE_INDEX_COLLECTED,
			       nvr_evidence_set_to_json(set));
	row->device_id = device_id;
	row->registry_version = g_strdup(v->registry_version);
	row->vendor = nvr_device_index_label(v->vendor);
	row->brand = nvr_device_index_label(v->brand);
	row->model = nvr_device_index_label(v->model);
	row->firmware = nvr_device_index_label(v->firmware);
	row->confidence = nvr_device_index_confidence(v->confidence);
	row->restricted = v->restricted;
	row->verdict_json = json_to_string(node, FALSE);
	return row;
}

/**
 * nvr_device_index_store:
 * @with_evidence: also replace the device's evidence rows (a new
 *   collection); FALSE for a re-evaluation of stored evidence
 *
 * Stores @verdict (with @set as "collected") as the device's verdict under
 * its registry version, in one transaction with the evidence rows.
 */
gboolean
nvr_device_index_store(NvrIndex *index, gint64 device_id, NvrEvidenceSet *set,
		       const NvrVerdict *verdict, gboolean with_evidence, GError **error)
{
	g_autoptr(NvrIndexVerdict) row = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(index), FALSE);
	g_return_val_if_fail(NVR_IS_EVIDENCE_SET(set) && verdict != NULL, FALSE);

	row = nvr_device_index_verdict_row(device_id, set, verdict);
	if (!nvr_index_begin(index, error))
		return FALSE;
	if ((with_evidence && !nvr_device_index_replace_evidence(index, device_id, set, error)) ||
	    !nvr_index_verdict_store(index, row, error)) {
		nvr_index_rollback(index);
		g_prefix_error(error, "device %" G_GINT64_FORMAT ": ", device_id);
		return FALSE;
	}
	return nvr_index_commit(index, error);
}

/* Returns: (transfer full) (nullable): the verdict's JSON object, NULL if it does not parse */
static JsonObject *
nvr_device_index_parse_verdict(const NvrIndexVerdict *row, GError **error)
{
	g_autoptr(JsonNode) node = json_from_string(row->verdict_json, error);

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
		if (node != NULL)
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_CORRUPT, "not a JSON object");
		g_prefix_error(error, "verdict %" G_GINT64_FORMAT ": ", row->id);
		return NULL;
	}
	return json_object_ref(json_node_get_object(node));
}

/**
 * nvr_device_index_load_evidence:
 * @latest: (out) (optional) (transfer full): the verdict row it came from
 *
 * Returns: (transfer full): the evidence set of the device's latest
 * verdict, as it was collected; NVR_ERROR_NOT_FOUND if it has none
 */
NvrEvidenceSet *
nvr_device_index_load_evidence(NvrIndex *index, gint64 device_id, NvrIndexVerdict **latest,
			       GError **error)
{
	g_autoptr(NvrIndexVerdict) row = nvr_index_verdict_load_latest(index, device_id, error);
	g_autoptr(JsonObject) obj = NULL;
	NvrEvidenceSet *set;

	if (row == NULL)
		return NULL;
	obj = nvr_device_index_parse_verdict(row, error);
	if (obj == NULL)
		return NULL;
	if (!json_object_has_member(obj, NVR_DEVICE_INDEX_COLLECTED)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND,
			    "verdict %" G_GINT64_FORMAT ": no collected evidence", row->id);
		return NULL;
	}
	set = nvr_evidence_set_from_json(json_object_get_member(obj, NVR_DEVICE_INDEX_COLLECTED),
					 error);
	if (set == NULL) {
		g_prefix_error(error, "verdict %" G_GINT64_FORMAT ": ", row->id);
		return NULL;
	}
	if (latest != NULL)
		*latest = g_steal_pointer(&row);
	return set;
}

/* ---- the listing (README.md, "nvrctl devices") ---- */

/* the verdict members a listing carries, in this order; null when not identified */
static const gchar *const nvr_device_index_verdict_members[] = {
	"vendor",     "vendor_name", "manufacturer", "brand",	 "brand_name",
	"oem",	      "model",	     "firmware",     "firmware_model", "confidence",
	"independent_signals",	     "restricted",   "warning",	 "summary",
	"listings",   "advice",	     "evidence",     "conflicts",
};

static JsonNode *
nvr_device_index_default_member(const gchar *name)
{
	JsonNode *node;

	if (g_strcmp0(name, "independent_signals") == 0) {
		node = json_node_new(JSON_NODE_VALUE);
		json_node_set_int(node, 0);
		return node;
	}
	if (g_strcmp0(name, "oem") == 0 || g_strcmp0(name, "restricted") == 0) {
		node = json_node_new(JSON_NODE_VALUE);
		json_node_set_boolean(node, FALSE);
		return node;
	}
	if (g_strcmp0(name, "confidence") == 0 || g_strcmp0(name, "warning") == 0) {
		node = json_node_new(JSON_NODE_VALUE);
		json_node_set_string(node, name[0] == 'c' ? "unknown" : "none");
		return node;
	}
	if (g_strcmp0(name, "listings") == 0 || g_strcmp0(name, "advice") == 0 ||
	    g_strcmp0(name, "evidence") == 0 || g_strcmp0(name, "conflicts") == 0) {
		node = json_node_new(JSON_NODE_ARRAY);
		json_node_take_array(node, json_array_new());
		return node;
	}
	return json_node_new(JSON_NODE_NULL);
}

static void
nvr_device_index_add_verdict(JsonObject *out, const NvrIndexVerdict *row, JsonObject *verdict)
{
	for (guint i = 0; i < G_N_ELEMENTS(nvr_device_index_verdict_members); i++) {
		const gchar *name = nvr_device_index_verdict_members[i];
		JsonNode *node = verdict != NULL ? json_object_get_member(verdict, name) : NULL;
		json_object_set_member(out, name, node != NULL ? json_node_copy(node)
							       : nvr_device_index_default_member(name));
	}
	if (row != NULL && verdict != NULL) {
		json_object_set_string_member(out, "registry_version", row->registry_version);
		json_object_set_int_member(out, "evaluated_us", row->evaluated_us);
	} else {
		json_object_set_null_member(out, "registry_version");
		json_object_set_null_member(out, "evaluated_us");
	}
}

static JsonNode *
nvr_device_index_camera_json(GPtrArray *cameras, gint64 camera_id)
{
	for (guint i = 0; camera_id != 0 && i < cameras->len; i++) {
		const NvrIndexCamera *c = g_ptr_array_index(cameras, i);
		JsonObject *o;
		JsonNode *node;
		if (c->id != camera_id)
			continue;
		o = json_object_new();
		json_object_set_int_member(o, "id", c->id);
		json_object_set_string_member(o, "name", c->name);
		json_object_set_boolean_member(o, "removed", c->removed_us != 0);
		node = json_node_new(JSON_NODE_OBJECT);
		json_node_take_object(node, o);
		return node;
	}
	return json_node_new(JSON_NODE_NULL);
}

static JsonNode *
nvr_device_index_device_json(NvrIndex *index, const NvrIndexDevice *d, GPtrArray *cameras,
			     GError **error)
{
	g_autoptr(GPtrArray) evidence = nvr_index_evidence_list(index, d->id, error);
	g_autoptr(GError) error_local = NULL;
	g_autoptr(NvrIndexVerdict) row = NULL;
	g_autoptr(JsonObject) verdict = NULL;
	JsonObject *o = json_object_new();
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);

	json_node_take_object(node, o);
	if (evidence == NULL) {
		json_node_unref(node);
		return NULL;
	}
	row = nvr_index_verdict_load_latest(index, d->id, &error_local);
	if (row != NULL)
		verdict = nvr_device_index_parse_verdict(row, NULL);
	json_object_set_int_member(o, "id", d->id);
	json_object_set_string_member(o, "host", d->host);
	json_object_set_int_member(o, "http_port", d->http_port);
	json_object_set_int_member(o, "rtsp_port", d->rtsp_port);
	if (d->mac != NULL)
		json_object_set_string_member(o, "mac", d->mac);
	else
		json_object_set_null_member(o, "mac");
	json_object_set_member(o, "camera", nvr_device_index_camera_json(cameras, d->camera_id));
	json_object_set_int_member(o, "first_seen_us", d->first_seen_us);
	json_object_set_int_member(o, "last_seen_us", d->last_seen_us);
	json_object_set_int_member(o, "evidence_count", evidence->len);
	json_object_set_boolean_member(o, "identified", verdict != NULL);
	nvr_device_index_add_verdict(o, row, verdict);
	return node;
}

/**
 * nvr_device_index_list_json:
 *
 * Returns: (transfer full): {"devices": [...]}, by device id; the format
 * is stable and documented in README.md ("nvrctl devices")
 */
JsonNode *
nvr_device_index_list_json(NvrIndex *index, GError **error)
{
	g_autoptr(GPtrArray) devices = nvr_index_device_list(index, error);
	g_autoptr(GPtrArray) cameras = NULL;
	JsonArray *list = json_array_new();
	JsonObject *root = json_object_new();
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);

	json_object_set_array_member(root, "devices", list);
	json_node_take_object(node, root);
	if (devices != NULL)
		cameras = nvr_index_camera_list(index, TRUE, error);
	for (guint i = 0; cameras != NULL && i < devices->len; i++) {
		JsonNode *dev = nvr_device_index_device_json(index, g_ptr_array_index(devices, i),
							    cameras, error);
		if (dev == NULL) {
			g_clear_pointer(&cameras, g_ptr_array_unref);
			break;
		}
		json_array_add_element(list, dev);
	}
	if (cameras == NULL) {
		json_node_unref(node);
		return NULL;
	}
	return node;
}
