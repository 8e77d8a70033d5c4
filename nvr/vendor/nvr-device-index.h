/*
 * nvr-device-index.h: known devices, their evidence and their verdicts in
 * the index (DESIGN.md §7), and the one JSON listing of them that
 * `nvrctl devices --json` and GET /api/devices both print.
 *
 * What goes where:
 *   devices   one row per (host, http_port); camera_id is the camera whose
 *             URL led to the device (a later camera on the same device
 *             leaves the first link alone)
 *   evidence  one row per collected item: source = its evidence class
 *             ("onvif", "vendor-api", "http-banner", ...), key, value, and
 *             strength none 0, weak 33, medium 67, strong 100
 *   verdicts  one row per registry version; verdict_json is
 *             nvr_verdict_to_json() plus "collected": the evidence set as
 *             collected (nvr_evidence_set_to_json()). A registry or quirk
 *             change evaluates "collected" again, never the rows above:
 *             those lose the plugins' attributions and firmware flags.
 */
#pragma once

#include "index/nvr-index-all.h"
#include "vendor/nvr-evidence.h"
#include "vendor/nvr-verdict.h"

G_BEGIN_DECLS

/* the member of verdict_json that holds the evidence set as collected */
#define NVR_DEVICE_INDEX_COLLECTED "collected"

gint64 nvr_device_index_link(NvrIndex *index, gint64 camera_id, NvrEvidenceSet *set,
			     GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean nvr_device_index_store(NvrIndex *index, gint64 device_id, NvrEvidenceSet *set,
				const NvrVerdict *verdict, gboolean with_evidence,
				GError **error) G_GNUC_WARN_UNUSED_RESULT;
NvrEvidenceSet *nvr_device_index_load_evidence(NvrIndex *index, gint64 device_id,
					       NvrIndexVerdict **latest,
					       GError **error) G_GNUC_WARN_UNUSED_RESULT;
JsonNode *nvr_device_index_list_json(NvrIndex *index, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
