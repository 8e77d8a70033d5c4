/*
 * nvr-verdict-store.h: the evidence and verdict of each known device, kept
 * so that a registry or quirk update re-evaluates them all (DESIGN.md §7:
 * warnings are shown when a camera is added, discovered, or the registry
 * changes). Persistence is the caller's: nvr_verdict_store_dup_json()
 * gives what to store (evidence, verdict, registry version) and
 * nvr_verdict_store_put() takes stored evidence back.
 */
#pragma once

#include "vendor/nvr-vendor.h"

G_BEGIN_DECLS

#define NVR_TYPE_VERDICT_STORE (nvr_verdict_store_get_type())
G_DECLARE_FINAL_TYPE(NvrVerdictStore, nvr_verdict_store, NVR, VERDICT_STORE, GObject)

NvrVerdictStore *nvr_verdict_store_new(NvrVendor *vendor);
const NvrVerdict *nvr_verdict_store_put(NvrVerdictStore *self, const gchar *device_id,
					NvrEvidenceSet *set);
const NvrVerdict *nvr_verdict_store_get(NvrVerdictStore *self, const gchar *device_id);
NvrEvidenceSet *nvr_verdict_store_get_evidence(NvrVerdictStore *self, const gchar *device_id);
gboolean nvr_verdict_store_remove(NvrVerdictStore *self, const gchar *device_id);
guint nvr_verdict_store_reevaluate(NvrVerdictStore *self);
GPtrArray *nvr_verdict_store_list(NvrVerdictStore *self);
JsonNode *nvr_verdict_store_dup_json(NvrVerdictStore *self, const gchar *device_id);

G_END_DECLS
