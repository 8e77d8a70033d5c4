/*
 * nvr-verdict.h: who made a device, how sure nvr is, and what it means.
 * The engine combines independent signals exactly as
 * identification-signals.md §1 says:
 *
 *   certain   at least two independent signal classes, one firmware-level
 *             (a vendor API, a vendor discovery protocol, or an ONVIF
 *             HardwareId or firmware-format pattern)
 *   likely    one strong signal, or two medium ones
 *   possible  anything less: a single medium or weak signal
 *   unknown   nothing points anywhere
 *
 * Signals vote for a firmware family (a subsidiary or own brand votes for
 * its parent). A brand is a label: ONVIF Manufacturer=Amcrest plus a Dahua
 * magicBox answer is "manufacturer Dahua (firmware), brand Amcrest", the
 * normal OEM case. Other families with votes are conflicts: recorded,
 * shown, and a firmware-level conflict caps the verdict at "likely".
 *
 * restricted is TRUE only for a likely or certain maker on a list that
 * warrants a warning; a possible one gets warning "possible". The wording
 * is "made by / associated with a company on list X, which means Y",
 * never "illegal to own" (DESIGN.md §1.5).
 */
#pragma once

#include <json-glib/json-glib.h>

#include "vendor/nvr-evidence.h"
#include "vendor/nvr-quirks.h"
#include "vendor/nvr-restricted-registry.h"

G_BEGIN_DECLS

typedef enum {
	NVR_VERDICT_UNKNOWN = 0,
	NVR_VERDICT_POSSIBLE = 1,
	NVR_VERDICT_LIKELY = 2,
	NVR_VERDICT_CERTAIN = 3,
} NvrVerdictConfidence;

typedef enum {
	NVR_VERDICT_WARNING_NONE = 0,
	NVR_VERDICT_WARNING_POSSIBLE = 1,
	NVR_VERDICT_WARNING_RESTRICTED = 2,
} NvrVerdictWarning;

typedef struct {
	gchar *list;	    /* "bis-entity-list" */
	gchar *list_name;   /* "BIS Entity List" */
	gchar *legal_basis;
	gchar *meaning;	    /* what it means for a homeowner */
	gboolean warn;	    /* FALSE: informational only */
	gchar *date;
	gchar *citation;
	gboolean verified;
	gchar *page_citation; /* nullable */
	gboolean page_citation_verified;
	gchar *note; /* nullable */
} NvrVerdictListing;

typedef struct {
	gchar *vendor;	/* the other family */
	gchar **keys;	/* the evidence keys that point to it */
	gboolean firmware_level;
} NvrVerdictConflict;

typedef struct {
	gchar *host;
	gchar *vendor;	     /* nullable: family key of the maker ("dahua") */
	gchar *vendor_name;  /* "Dahua" */
	gchar *manufacturer; /* first legal name when listed, else the display name */
	gchar *brand;	     /* nullable: brand key on the label ("amcrest") */
	gchar *brand_name;
	gchar *relationship;	/* nullable: brand to maker, from the registry ("oem") */
	gchar *possible_vendor; /* nullable: a brand's usual maker when the firmware said nothing */
	gchar *possible_vendor_name;
	gchar *relationship_confidence; /* nullable: the registry's confidence in @relationship */
	gchar *model;
	gchar *firmware;
	gchar *firmware_model; /* nullable: the maker's model when the label's differs */
	NvrVerdictConfidence confidence;
	guint score;	       /* 0..100, an ordering aid; the confidence label decides */
	guint independent;     /* independent signal classes behind the vendor */
	gboolean firmware_level;
	gboolean oem;
	gboolean restricted;
	gboolean not_listed; /* the registry says it was looked for and not found */
	NvrVerdictWarning warning;
	gchar *summary;
	GPtrArray *listings;  /* (element-type NvrVerdictListing) */
	GPtrArray *evidence;  /* (element-type NvrEvidence): interpreted */
	GPtrArray *conflicts; /* (element-type NvrVerdictConflict) */
	gchar **advice;
	gchar *registry_version;
	gchar *registry_updated;
	gchar *plugin; /* nullable: the plugin whose identify() scored best */
	gint plugin_score;
} NvrVerdict;

typedef struct {
	const gchar *host;
	GPtrArray *items; /* (element-type NvrEvidence): interpreted by nvr_vendor_interpret() */
	NvrQuirks *quirks;
	NvrRestrictedRegistry *registry;
	const gchar *plugin;	     /* nullable */
	gint plugin_score;
	const gchar *plugin_vendor;  /* nullable: the plugin match's vendor */
	const gchar *plugin_model;   /* nullable */
	const gchar *plugin_firmware; /* nullable */
} NvrVerdictInput;

NvrVerdict *nvr_verdict_evaluate(const NvrVerdictInput *in);
void nvr_verdict_free(NvrVerdict *self);
JsonNode *nvr_verdict_to_json(const NvrVerdict *self);
gchar *nvr_verdict_to_text(const NvrVerdict *self);
gchar *nvr_verdict_warning_to_text(const NvrVerdict *self);
const gchar *nvr_verdict_confidence_to_string(NvrVerdictConfidence confidence);
gboolean nvr_verdict_confidence_from_string(const gchar *text, NvrVerdictConfidence *confidence);
const gchar *nvr_verdict_warning_to_string(NvrVerdictWarning warning);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrVerdict, nvr_verdict_free)

G_END_DECLS
