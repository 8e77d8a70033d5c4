/*
 * nvr-evidence.h: what is known about one device, item by item, each with
 * where it came from. Items are facts as collected (class, key, value,
 * source, strength) plus, when the collector knows it (a plugin, the OUI
 * table), the vendor or brand the fact points to. The verdict engine never
 * edits a set: it interprets copies, so a set can be stored and evaluated
 * again when the quirks or the restricted-vendor registry change.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "nvr/nvr-vendor-plugin.h"

G_BEGIN_DECLS

typedef struct {
	NvrEvidenceClass klass;
	NvrEvidenceStrength strength;
	guint32 flags; /* NvrEvidenceFlags */
	gchar *key;    /* "onvif.manufacturer" */
	gchar *value;  /* cleaned, at most NVR_VENDOR_STRING_MAX bytes */
	gchar *source; /* "ONVIF GetDeviceInformation at http://192.0.2.10/onvif/device_service" */
	gchar *vendor; /* nullable: vendor key of the maker it points to */
	gchar *brand;  /* nullable: brand key on the label */
	gchar *note;   /* nullable: what it means, e.g. "network interface registered to X" */
	gchar *match_id; /* nullable: the quirk group that attributed it */
	guint confidence; /* 0..100: how sure the attribution is (quirk Confidence) */
} NvrEvidence;

NvrEvidence *nvr_evidence_new(NvrEvidenceClass klass, NvrEvidenceStrength strength,
			      const gchar *key, const gchar *value, const gchar *source);
NvrEvidence *nvr_evidence_copy(const NvrEvidence *self);
void nvr_evidence_free(NvrEvidence *self);
gboolean nvr_evidence_is_firmware_level(const NvrEvidence *self);
JsonNode *nvr_evidence_to_json(const NvrEvidence *self);
NvrEvidence *nvr_evidence_from_json(JsonNode *node, GError **error) G_GNUC_WARN_UNUSED_RESULT;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrEvidence, nvr_evidence_free)

const gchar *nvr_evidence_class_to_string(NvrEvidenceClass klass);
gboolean nvr_evidence_class_from_string(const gchar *text, NvrEvidenceClass *klass);
NvrEvidenceStrength nvr_evidence_class_default_strength(NvrEvidenceClass klass);
const gchar *nvr_evidence_strength_to_string(NvrEvidenceStrength strength);
gboolean nvr_evidence_strength_from_string(const gchar *text, NvrEvidenceStrength *strength);
gboolean nvr_evidence_key_is_valid(const gchar *key);
gboolean nvr_vendor_key_is_valid(const gchar *key);

#define NVR_TYPE_EVIDENCE_SET (nvr_evidence_set_get_type())
G_DECLARE_FINAL_TYPE(NvrEvidenceSet, nvr_evidence_set, NVR, EVIDENCE_SET, GObject)

NvrEvidenceSet *nvr_evidence_set_new(const gchar *host);
const gchar *nvr_evidence_set_get_host(NvrEvidenceSet *self);
void nvr_evidence_set_set_ports(NvrEvidenceSet *self, guint http_port, guint rtsp_port);
guint nvr_evidence_set_get_http_port(NvrEvidenceSet *self);
guint nvr_evidence_set_get_rtsp_port(NvrEvidenceSet *self);
#define NVR_EVIDENCE_SET_MAX_ITEMS 256
gboolean nvr_evidence_set_add(NvrEvidenceSet *self, NvrEvidence *item, GError **error);
NvrEvidence *nvr_evidence_set_add_fact(NvrEvidenceSet *self, NvrEvidenceClass klass,
				       const gchar *key, const gchar *value,
				       const gchar *source);
guint nvr_evidence_set_get_size(NvrEvidenceSet *self);
GPtrArray *nvr_evidence_set_dup_items(NvrEvidenceSet *self);
gchar *nvr_evidence_set_dup_value(NvrEvidenceSet *self, const gchar *key);
gboolean nvr_evidence_set_is_camera(NvrEvidenceSet *self);
JsonNode *nvr_evidence_set_to_json(NvrEvidenceSet *self);
NvrEvidenceSet *nvr_evidence_set_from_json(JsonNode *node, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
