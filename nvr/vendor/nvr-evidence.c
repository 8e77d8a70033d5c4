#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "discovery/nvr-discovery-text.h"
#include "vendor/nvr-evidence.h"
#include "core/nvr-json.h"

struct _NvrEvidenceSet {
	GObject parent_instance;
	gchar *host; /* immutable */
	GMutex lock;
	guint http_port;  /* protected by lock */
	guint rtsp_port;  /* protected by lock */
	GPtrArray *items; /* protected by lock; append only */
};

G_DEFINE_TYPE(NvrEvidenceSet, nvr_evidence_set, G_TYPE_OBJECT)

/* the names are the JSON form and appear in documentation: do not change them */
static const gchar *const nvr_evidence_class_names[] = {
	[NVR_EVIDENCE_CLASS_VENDOR_API] = "vendor-api",
	[NVR_EVIDENCE_CLASS_DISCOVERY_PROTOCOL] = "discovery-protocol",
	[NVR_EVIDENCE_CLASS_ONVIF] = "onvif",
	[NVR_EVIDENCE_CLASS_WSD] = "wsd",
	[NVR_EVIDENCE_CLASS_TLS] = "tls",
	[NVR_EVIDENCE_CLASS_OUI] = "oui",
	[NVR_EVIDENCE_CLASS_HTTP_BANNER] = "http-banner",
	[NVR_EVIDENCE_CLASS_RTSP_BANNER] = "rtsp-banner",
	[NVR_EVIDENCE_CLASS_PORT_PATTERN] = "port-pattern",
};

/* identification-signals.md §1, "typical strength" */
static const NvrEvidenceStrength nvr_evidence_class_strengths[] = {
	[NVR_EVIDENCE_CLASS_VENDOR_API] = NVR_EVIDENCE_STRENGTH_STRONG,
	[NVR_EVIDENCE_CLASS_DISCOVERY_PROTOCOL] = NVR_EVIDENCE_STRENGTH_STRONG,
	[NVR_EVIDENCE_CLASS_ONVIF] = NVR_EVIDENCE_STRENGTH_MEDIUM,
	[NVR_EVIDENCE_CLASS_WSD] = NVR_EVIDENCE_STRENGTH_MEDIUM,
	[NVR_EVIDENCE_CLASS_TLS] = NVR_EVIDENCE_STRENGTH_MEDIUM,
	[NVR_EVIDENCE_CLASS_OUI] = NVR_EVIDENCE_STRENGTH_MEDIUM,
	[NVR_EVIDENCE_CLASS_HTTP_BANNER] = NVR_EVIDENCE_STRENGTH_MEDIUM,
	[NVR_EVIDENCE_CLASS_RTSP_BANNER] = NVR_EVIDENCE_STRENGTH_MEDIUM,
	[NVR_EVIDENCE_CLASS_PORT_PATTERN] = NVR_EVIDENCE_STRENGTH_WEAK,
};

static const gchar *const nvr_evidence_strength_names[] = {
	[NVR_EVIDENCE_STRENGTH_NONE] = "none",
	[NVR_EVIDENCE_STRENGTH_WEAK] = "weak",
	[NVR_EVIDENCE_STRENGTH_MEDIUM] = "medium",
	[NVR_EVIDENCE_STRENGTH_STRONG] = "strong",
};

const gchar *
nvr_evidence_class_to_string(NvrEvidenceClass klass)
{
	if ((guint)klass >= G_N_ELEMENTS(nvr_evidence_class_names))
		return "unknown";
	return nvr_evidence_class_names[klass];
}

gboolean
nvr_evidence_class_from_string(const gchar *text, NvrEvidenceClass *klass)
{
	for (guint i = 0; i < G_N_ELEMENTS(nvr_evidence_class_names); i++) {
		if (g_strcmp0(text, nvr_evidence_class_names[i]) == 0) {
			*klass = (NvrEvidenceClass)i;
			return TRUE;
		}
	}
	return FALSE;
}

NvrEvidenceStrength
nvr_evidence_class_default_strength(NvrEvidenceClass klass)
{
	if ((guint)klass >= G_N_ELEMENTS(nvr_evidence_class_strengths))
		return NVR_EVIDENCE_STRENGTH_WEAK;
	return nvr_evidence_class_strengths[klass];
}

const gchar *
nvr_evidence_strength_to_string(NvrEvidenceStrength strength)
{
	if ((guint)strength >= G_N_ELEMENTS(nvr_evidence_strength_names))
		return "none";
	return nvr_evidence_strength_names[strength];
}

gboolean
nvr_evidence_strength_from_string(const gchar *text, NvrEvidenceStrength *strength)
{
	for (guint i = 0; i < G_N_ELEMENTS(nvr_evidence_strength_names); i++) {
		if (g_strcmp0(text, nvr_evidence_strength_names[i]) == 0) {
			*strength = (NvrEvidenceStrength)i;
			return TRUE;
		}
	}
	return FALSE;
}

static gboolean
nvr_evidence_token_is_valid(const gchar *text, const gchar *extra, gsize max)
{
	gsize len;

	if (text == NULL)
		return FALSE;
	len = strlen(text);
	if (len == 0 || len > max)
		return FALSE;
	for (const gchar *p = text; *p != '\0'; p++) {
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && strchr(extra, *p) == NULL)
			return FALSE;
	}
	return TRUE;
}

/* "isapi.model", "onvif.stream-uri.main" */
gboolean
nvr_evidence_key_is_valid(const gchar *key)
{
	return nvr_evidence_token_is_valid(key, "._-", 64);
}

/* "hikvision", "hikvision_prama", "autel_robotics" (the vendor_key of oui-prefixes.tsv) */
gboolean
nvr_vendor_key_is_valid(const gchar *key)
{
	return nvr_evidence_token_is_valid(key, "_", 32);
}

/**
 * nvr_evidence_new:
 * @value: (nullable): untrusted; cleaned and bounded here
 *
 * Returns: (transfer full): a fact that points at no vendor yet
 */
NvrEvidence *
nvr_evidence_new(NvrEvidenceClass klass, NvrEvidenceStrength strength, const gchar *key,
		 const gchar *value, const gchar *source)
{
	NvrEvidence *self = g_new0(NvrEvidence, 1);

	self->klass = klass;
	self->strength = strength;
	self->key = g_strdup(key);
	self->value = nvr_discovery_text_clean(value, -1, NVR_VENDOR_STRING_MAX);
	if (self->value == NULL)
		self->value = g_strdup("");
	self->source = nvr_discovery_text_clean(source, -1, NVR_DISCOVERY_URL_MAX);
	return self;
}

NvrEvidence *
nvr_evidence_copy(const NvrEvidence *self)
{
	NvrEvidence *copy = g_new0(NvrEvidence, 1);

	*copy = *self;
	copy->key = g_strdup(self->key);
	copy->value = g_strdup(self->value);
	copy->source = g_strdup(self->source);
	copy->vendor = g_strdup(self->vendor);
	copy->brand = g_strdup(self->brand);
	copy->note = g_strdup(self->note);
	copy->match_id = g_strdup(self->match_id);
	return copy;
}

void
nvr_evidence_free(NvrEvidence *self)
{
	if (self == NULL)
		return;
	g_free(self->key);
	g_free(self->value);
	g_free(self->source);
	g_free(self->vendor);
	g_free(self->brand);
	g_free(self->note);
	g_free(self->match_id);
	g_free(self);
}

/*
 * identification-signals.md §1: "firmware-level" is a vendor API, a vendor
 * discovery protocol, or an ONVIF HardwareId or firmware-format pattern
 * (which collectors and plugins mark with NVR_EVIDENCE_FLAG_FIRMWARE)
 */
gboolean
nvr_evidence_is_firmware_level(const NvrEvidence *self)
{
	if (self->strength == NVR_EVIDENCE_STRENGTH_NONE)
		return FALSE;
	if (self->klass == NVR_EVIDENCE_CLASS_VENDOR_API ||
	    self->klass == NVR_EVIDENCE_CLASS_DISCOVERY_PROTOCOL)
		return self->strength == NVR_EVIDENCE_STRENGTH_STRONG;
	return (self->flags & NVR_EVIDENCE_FLAG_FIRMWARE) != 0;
}

static void
nvr_evidence_json_add_string(JsonBuilder *b, const gchar *name, const gchar *value)
{
	if (value == NULL)
		return;
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, value);
}

/* Returns: (transfer full): the stable JSON form, documented in plugins/SDK.md */
JsonNode *
nvr_evidence_to_json(const NvrEvidence *self)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	nvr_evidence_json_add_string(b, "class", nvr_evidence_class_to_string(self->klass));
	nvr_evidence_json_add_string(b, "strength", nvr_evidence_strength_to_string(self->strength));
	json_builder_set_member_name(b, "firmware_level");
	json_builder_add_boolean_value(b, nvr_evidence_is_firmware_level(self));
	nvr_evidence_json_add_string(b, "key", self->key);
	nvr_evidence_json_add_string(b, "value", self->value);
	nvr_evidence_json_add_string(b, "source", self->source);
	nvr_evidence_json_add_string(b, "vendor", self->vendor);
	nvr_evidence_json_add_string(b, "brand", self->brand);
	nvr_evidence_json_add_string(b, "note", self->note);
	nvr_evidence_json_add_string(b, "match_id", self->match_id);
	if (self->confidence > 0) {
		json_builder_set_member_name(b, "confidence");
		json_builder_add_int_value(b, self->confidence);
	}
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static gboolean
nvr_evidence_json_fail(GError **error, const gchar *what)
{
	g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "evidence item: %s", what);
	return FALSE;
}

static gchar *
nvr_evidence_json_dup(JsonObject *obj, const gchar *name, gsize max)
{
	JsonNode *node = json_object_get_member(obj, name);

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING)
		return NULL;
	return nvr_discovery_text_clean(json_node_get_string(node), -1, max);
}

static gboolean
nvr_evidence_json_read_kinds(JsonObject *obj, NvrEvidenceClass *klass,
			     NvrEvidenceStrength *strength, GError **error)
{
	g_autofree gchar *klass_text = nvr_evidence_json_dup(obj, "class", 64);
	g_autofree gchar *strength_text = nvr_evidence_json_dup(obj, "strength", 64);

	if (!nvr_evidence_class_from_string(klass_text, klass))
		return nvr_evidence_json_fail(error, "unknown class");
	if (strength_text == NULL)
		*strength = nvr_evidence_class_default_strength(*klass);
	else if (!nvr_evidence_strength_from_string(strength_text, strength))
		return nvr_evidence_json_fail(error, "unknown strength");
	return TRUE;
}

/* the inverse of nvr_evidence_to_json(), for stored and recorded evidence (untrusted) */
NvrEvidence *
nvr_evidence_from_json(JsonNode *node, GError **error)
{
	g_autoptr(NvrEvidence) self = NULL;
	g_autofree gchar *key = NULL;
	g_autofree gchar *value = NULL;
	g_autofree gchar *source = NULL;
	NvrEvidenceClass klass;
	NvrEvidenceStrength strength;
	JsonObject *obj;

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
		nvr_evidence_json_fail(error, "not an object");
		return NULL;
	}
	obj = json_node_get_object(node);
	if (!nvr_evidence_json_read_kinds(obj, &klass, &strength, error))
		return NULL;
	key = nvr_evidence_json_dup(obj, "key", 64);
	if (!nvr_evidence_key_is_valid(key)) {
		nvr_evidence_json_fail(error, "missing or invalid key");
		return NULL;
	}
	value = nvr_evidence_json_dup(obj, "value", NVR_VENDOR_STRING_MAX);
	source = nvr_evidence_json_dup(obj, "source", NVR_DISCOVERY_URL_MAX);
	self = nvr_evidence_new(klass, strength, key, value, source != NULL ? source : "recorded");
	self->vendor = nvr_evidence_json_dup(obj, "vendor", 32);
	self->brand = nvr_evidence_json_dup(obj, "brand", 32);
	if ((self->vendor != NULL && !nvr_vendor_key_is_valid(self->vendor)) ||
	    (self->brand != NULL && !nvr_vendor_key_is_valid(self->brand))) {
		nvr_evidence_json_fail(error, "invalid vendor or brand key");
		return NULL;
	}
	self->note = nvr_evidence_json_dup(obj, "note", NVR_VENDOR_STRING_MAX);
	if (nvr_json_get_bool(obj, "firmware_level", FALSE))
		self->flags |= NVR_EVIDENCE_FLAG_FIRMWARE;
	self->confidence =
		(guint)CLAMP(nvr_json_get_int(obj, "confidence", 0), 0, 100);
	return g_steal_pointer(&self);
}

/* ---- the set ---- */

static void
nvr_evidence_set_finalize(GObject *obj)
{
	NvrEvidenceSet *self = NVR_EVIDENCE_SET(obj);

	g_free(self->host);
	g_ptr_array_unref(self->items);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(nvr_evidence_set_parent_class)->finalize(obj);
}

static void
nvr_evidence_set_class_init(NvrEvidenceSetClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_evidence_set_finalize;
}

static void
nvr_evidence_set_init(NvrEvidenceSet *self)
{
	g_mutex_init(&self->lock);
	self->items = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_evidence_free);
}

/* @host: (nullable): the device's address as the user or discovery gave it */
NvrEvidenceSet *
nvr_evidence_set_new(const gchar *host)
{
	NvrEvidenceSet *self = g_object_new(NVR_TYPE_EVIDENCE_SET, NULL);

	self->host = nvr_discovery_text_clean(host, -1, NVR_VENDOR_STRING_MAX);
	return self;
}

const gchar *
nvr_evidence_set_get_host(NvrEvidenceSet *self)
{
	g_return_val_if_fail(NVR_IS_EVIDENCE_SET(self), NULL);
	return self->host;
}

void
nvr_evidence_set_set_ports(NvrEvidenceSet *self, guint http_port, guint rtsp_port)
{
	g_return_if_fail(NVR_IS_EVIDENCE_SET(self));
	g_mutex_lock(&self->lock);
	self->http_port = MIN(http_port, 65535u);
	self->rtsp_port = MIN(rtsp_port, 65535u);
	g_mutex_unlock(&self->lock);
}

guint
nvr_evidence_set_get_http_port(NvrEvidenceSet *self)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&self->lock);
	return self->http_port;
}

guint
nvr_evidence_set_get_rtsp_port(NvrEvidenceSet *self)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&self->lock);
	return self->rtsp_port;
}

/**
 * nvr_evidence_set_add:
 * @item: (transfer full): freed if refused
 *
 * A set holds at most NVR_EVIDENCE_SET_MAX_ITEMS: a plugin or device that
 * produces more is refused, not obeyed. Thread-safe.
 */
gboolean
nvr_evidence_set_add(NvrEvidenceSet *self, NvrEvidence *item, GError **error)
{
	g_autoptr(NvrEvidence) owned = item;
	g_autoptr(GMutexLocker) locker = NULL;

	g_return_val_if_fail(NVR_IS_EVIDENCE_SET(self), FALSE);
	g_return_val_if_fail(item != NULL, FALSE);
	locker = g_mutex_locker_new(&self->lock);
	if (self->items->len >= NVR_EVIDENCE_SET_MAX_ITEMS) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_NO_SPACE,
			    "more than %d evidence items for one device", NVR_EVIDENCE_SET_MAX_ITEMS);
		return FALSE;
	}
	g_ptr_array_add(self->items, g_steal_pointer(&owned));
	return TRUE;
}

/**
 * nvr_evidence_set_add_fact:
 * @value: (nullable): untrusted; nothing is added if it cleans to nothing
 *
 * Adds an item of the class's default strength that points nowhere yet.
 *
 * Returns: (transfer none) (nullable): the item, owned by @self, to refine
 * before anyone else sees the set
 */
NvrEvidence *
nvr_evidence_set_add_fact(NvrEvidenceSet *self, NvrEvidenceClass klass, const gchar *key,
			  const gchar *value, const gchar *source)
{
	NvrEvidence *item;

	if (value == NULL)
		return NULL;
	item = nvr_evidence_new(klass, nvr_evidence_class_default_strength(klass), key, value,
				source);
	if (item->value[0] == '\0') {
		nvr_evidence_free(item);
		return NULL;
	}
	if (!nvr_evidence_set_add(self, item, NULL))
		return NULL;
	return item;
}

guint
nvr_evidence_set_get_size(NvrEvidenceSet *self)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&self->lock);
	return self->items->len;
}

/* Returns: (transfer container) (element-type NvrEvidence): copies of every item */
GPtrArray *
nvr_evidence_set_dup_items(NvrEvidenceSet *self)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&self->lock);
	GPtrArray *copy = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_evidence_free);

	for (guint i = 0; i < self->items->len; i++)
		g_ptr_array_add(copy, nvr_evidence_copy(g_ptr_array_index(self->items, i)));
	return copy;
}

/* Returns: (transfer full) (nullable): the value of the first item with @key */
gchar *
nvr_evidence_set_dup_value(NvrEvidenceSet *self, const gchar *key)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&self->lock);

	for (guint i = 0; i < self->items->len; i++) {
		NvrEvidence *item = g_ptr_array_index(self->items, i);
		if (g_strcmp0(item->key, key) == 0)
			return g_strdup(item->value);
	}
	return NULL;
}

/*
 * A device that speaks ONVIF, WS-Discovery, RTSP or a vendor camera API is a
 * camera or recorder; only then may a Huawei, ZTE or TP-Link OUI name its
 * maker (identification-signals.md §1: never flag a phone or a router)
 */
gboolean
nvr_evidence_set_is_camera(NvrEvidenceSet *self)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&self->lock);

	for (guint i = 0; i < self->items->len; i++) {
		NvrEvidence *item = g_ptr_array_index(self->items, i);
		switch (item->klass) {
		case NVR_EVIDENCE_CLASS_VENDOR_API:
		case NVR_EVIDENCE_CLASS_DISCOVERY_PROTOCOL:
		case NVR_EVIDENCE_CLASS_ONVIF:
		case NVR_EVIDENCE_CLASS_WSD:
		case NVR_EVIDENCE_CLASS_RTSP_BANNER:
			return TRUE;
		default:
			break;
		}
	}
	return FALSE;
}

JsonNode *
nvr_evidence_set_to_json(NvrEvidenceSet *self)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&self->lock);

	json_builder_begin_object(b);
	nvr_evidence_json_add_string(b, "host", self->host);
	json_builder_set_member_name(b, "http_port");
	json_builder_add_int_value(b, self->http_port);
	json_builder_set_member_name(b, "rtsp_port");
	json_builder_add_int_value(b, self->rtsp_port);
	json_builder_set_member_name(b, "items");
	json_builder_begin_array(b);
	for (guint i = 0; i < self->items->len; i++)
		json_builder_add_value(b, nvr_evidence_to_json(g_ptr_array_index(self->items, i)));
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

NvrEvidenceSet *
nvr_evidence_set_from_json(JsonNode *node, GError **error)
{
	g_autoptr(NvrEvidenceSet) self = NULL;
	JsonObject *obj;
	JsonNode *items;

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "evidence: not an object");
		return NULL;
	}
	obj = json_node_get_object(node);
	self = nvr_evidence_set_new(nvr_json_get_string(obj, "host"));
	nvr_evidence_set_set_ports(
		self, (guint)CLAMP(nvr_json_get_int(obj, "http_port", 0), 0, 65535),
		(guint)CLAMP(nvr_json_get_int(obj, "rtsp_port", 0), 0, 65535));
	items = json_object_get_member(obj, "items");
	if (items == NULL)
		return g_steal_pointer(&self);
	if (!JSON_NODE_HOLDS_ARRAY(items)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "evidence: items is not an array");
		return NULL;
	}
	for (guint i = 0; i < json_array_get_length(json_node_get_array(items)); i++) {
		NvrEvidence *item =
			nvr_evidence_from_json(json_array_get_element(json_node_get_array(items), i), error);
		if (item == NULL || !nvr_evidence_set_add(self, item, error)) {
			g_prefix_error(error, "evidence item %u: ", i);
			return NULL;
		}
	}
	return g_steal_pointer(&self);
}
