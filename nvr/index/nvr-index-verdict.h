/*
 * nvr-index-verdict.h: the vendor verdict of each device, one per registry
 * version (DESIGN.md §7), and the acknowledgements of its warning. A
 * restricted-vendor warning shows until a user acknowledged it for the
 * registry version the verdict was made with: a registry update that
 * changes the facts brings the warning back.
 */
#pragma once

#include "nvr-index.h"

G_BEGIN_DECLS

typedef enum {
	NVR_INDEX_CONFIDENCE_UNKNOWN = 0,
	NVR_INDEX_CONFIDENCE_POSSIBLE,
	NVR_INDEX_CONFIDENCE_LIKELY,
	NVR_INDEX_CONFIDENCE_CERTAIN,
} NvrIndexConfidence;

typedef struct {
	gint64 id;
	gint64 device_id;
	gchar *registry_version;
	gchar *vendor;	 /* nullable */
	gchar *brand;	 /* nullable */
	gchar *model;	 /* nullable */
	gchar *firmware; /* nullable */
	NvrIndexConfidence confidence;
	gboolean restricted;
	gchar *verdict_json; /* the whole verdict with evidence and citations; valid JSON */
	gint64 evaluated_us;
} NvrIndexVerdict;

const gchar *
nvr_index_confidence_to_string(NvrIndexConfidence confidence);
gboolean
nvr_index_confidence_from_string(const gchar *text, NvrIndexConfidence *confidence);

void
nvr_index_verdict_free(NvrIndexVerdict *verdict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrIndexVerdict, nvr_index_verdict_free)

gboolean
nvr_index_verdict_store(NvrIndex *self,
			NvrIndexVerdict *verdict,
			GError **error) G_GNUC_WARN_UNUSED_RESULT;
NvrIndexVerdict *
nvr_index_verdict_load_latest(NvrIndex *self, gint64 device_id, GError **error);
GPtrArray *
nvr_index_verdict_list(NvrIndex *self, gint64 device_id, GError **error);

gboolean
nvr_index_acknowledgement_add(NvrIndex *self,
			      gint64 device_id,
			      gint64 user_id,
			      const gchar *registry_version,
			      GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_index_acknowledgement_exists(NvrIndex *self,
				 gint64 device_id,
				 const gchar *registry_version,
				 gint64 user_id,
				 gboolean *acknowledged,
				 GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
