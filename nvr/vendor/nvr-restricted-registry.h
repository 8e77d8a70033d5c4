/*
 * nvr-restricted-registry.h: which manufacturers are on a US restriction
 * list, with legal names, each listing's date and citation, what the list
 * means for a homeowner, and the brands related to each (subsidiaries, own
 * brands, OEMs) with a confidence. The facts and their verified/unverified
 * status come from restricted-vendors.md; the data is a versioned JSON
 * file (data/restricted-vendors.json), so an update needs no rebuild.
 *
 * Candidates, highest "version" wins (a tie goes to the later one):
 *   1. the copy built into nvr
 *   2. NVR_DATADIR/restricted-vendors.json (the package's)
 *   3. NVR_SYSCONFDIR/restricted-vendors.json (the admin's)
 *   4. <state dir>/restricted-vendors.json (a registry-refresh job's)
 * A candidate that does not validate is reported and skipped.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define NVR_RESTRICTED_REGISTRY_FILE "restricted-vendors.json"
#define NVR_RESTRICTED_REGISTRY_FORMAT 1
#define NVR_RESTRICTED_REGISTRY_MAX_BYTES (1024 * 1024)

typedef struct {
	gchar *id; /* "bis-entity-list", "fcc-covered-list", "ndaa-889", ... */
	gchar *name;
	gchar *legal_basis;
	gchar *effect;
	gchar *meaning; /* what it means for a homeowner */
	gboolean verified;
	gboolean warn; /* FALSE: informational only, never a reason to warn */
} NvrRestrictedList;

typedef struct {
	gchar *list; /* a NvrRestrictedList id */
	gchar *date; /* "2019-10-09", "2022-10" or "2021" */
	gchar *citation;
	gboolean verified;
	gchar *page_citation; /* nullable */
	gboolean page_citation_verified;
	gchar *note; /* nullable */
} NvrRestrictedListing;

typedef struct {
	gchar *name;
	gboolean verified;
	gchar *note; /* nullable */
} NvrRestrictedName;

typedef struct _NvrRestrictedManufacturer NvrRestrictedManufacturer;

typedef struct {
	gchar *key;  /* vendor key, e.g. "ezviz", "amcrest" */
	gchar *name; /* "EZVIZ" */
	gchar *legal_name;   /* nullable */
	gchar *relationship; /* subsidiary, brand, joint-venture, oem, former-subsidiary */
	gchar *confidence;   /* high, medium-high, medium, medium-low, low */
	gboolean verified;
	gchar **lists; /* list ids that extend to it (subsidiaries and affiliates); may be empty */
	gchar *note;
	const NvrRestrictedManufacturer *parent; /* borrowed */
} NvrRestrictedRelated;

struct _NvrRestrictedManufacturer {
	gchar *key;  /* "hikvision" */
	gchar *name; /* "Hikvision" */
	gchar *kind; /* camera, telecom, drone: chooses the advice */
	gboolean network_gear; /* its OUIs are mostly phones and routers */
	gchar *camera_note;    /* nullable */
	gchar *history;	       /* nullable */
	GPtrArray *legal_names; /* (element-type NvrRestrictedName) */
	GPtrArray *listings;	/* (element-type NvrRestrictedListing) */
	GPtrArray *related;	/* (element-type NvrRestrictedRelated) */
};

#define NVR_TYPE_RESTRICTED_REGISTRY (nvr_restricted_registry_get_type())
G_DECLARE_FINAL_TYPE(NvrRestrictedRegistry, nvr_restricted_registry, NVR, RESTRICTED_REGISTRY,
		     GObject)

NvrRestrictedRegistry *nvr_restricted_registry_new_from_data(const gchar *data, gsize len,
							     const gchar *source,
							     GError **error) G_GNUC_WARN_UNUSED_RESULT;
NvrRestrictedRegistry *nvr_restricted_registry_load_default(const gchar *state_dir,
							    GPtrArray *errors,
							    GError **error) G_GNUC_WARN_UNUSED_RESULT;
gchar **nvr_restricted_registry_get_candidate_paths(const gchar *state_dir);

const gchar *nvr_restricted_registry_get_version(NvrRestrictedRegistry *self);
const gchar *nvr_restricted_registry_get_updated(NvrRestrictedRegistry *self);
const gchar *nvr_restricted_registry_get_source(NvrRestrictedRegistry *self);
const gchar *nvr_restricted_registry_get_disclaimer(NvrRestrictedRegistry *self);
const NvrRestrictedList *nvr_restricted_registry_lookup_list(NvrRestrictedRegistry *self,
							     const gchar *id);
const NvrRestrictedManufacturer *
nvr_restricted_registry_lookup_manufacturer(NvrRestrictedRegistry *self, const gchar *key);
const NvrRestrictedRelated *nvr_restricted_registry_lookup_related(NvrRestrictedRegistry *self,
								   const gchar *key);
gboolean nvr_restricted_registry_is_not_listed(NvrRestrictedRegistry *self, const gchar *key);
const gchar *const *nvr_restricted_registry_get_advice(NvrRestrictedRegistry *self,
						       const gchar *kind);
gboolean nvr_restricted_manufacturer_is_restricted(NvrRestrictedRegistry *self,
						   const NvrRestrictedManufacturer *m);
JsonNode *nvr_restricted_registry_to_json(NvrRestrictedRegistry *self);
gint nvr_restricted_registry_version_compare(const gchar *a, const gchar *b);

G_END_DECLS
