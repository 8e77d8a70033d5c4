/*
 * nvr-vendor-interpret.h: from facts to attributed evidence. Each item gets
 * its match IDs (fwupd's instance-ID ladder, generic to specific), the quirk
 * groups of those IDs are merged (the specific one wins key by key), and
 * the result attributes the item: Vendor, Brand, Strength, Confidence, the
 * "firmware" flag and a Note. Then the rules of identification-signals.md:
 * a brand is a label, not a maker (Kind = brand, or an OEM in the
 * registry); a network-gear OUI names the maker only of a device that is
 * already known to be a camera.
 *
 * The interpreted items also make the read-only view plugins get
 * (NvrVendorEvidence of the ABI).
 */
#pragma once

#include "nvr/nvr-vendor-plugin.h"
#include "vendor/nvr-evidence.h"
#include "vendor/nvr-quirks.h"
#include "vendor/nvr-restricted-registry.h"

G_BEGIN_DECLS

GPtrArray *nvr_vendor_match_ids_for_item(const NvrEvidence *item, GPtrArray *items);
GPtrArray *nvr_vendor_interpret(GPtrArray *items, NvrQuirks *quirks, NvrRestrictedRegistry *registry,
				gboolean is_camera);
const gchar *nvr_vendor_family(NvrRestrictedRegistry *registry, const gchar *vendor);
gboolean nvr_vendor_is_brand(NvrQuirks *quirks, NvrRestrictedRegistry *registry,
			     const gchar *vendor);

typedef struct _NvrVendorEvidenceView NvrVendorEvidenceView;

NvrVendorEvidenceView *nvr_vendor_evidence_view_new(NvrEvidenceSet *set, GPtrArray *items,
						    GPtrArray *match_ids);
const NvrVendorEvidence *nvr_vendor_evidence_view_get(NvrVendorEvidenceView *view);
void nvr_vendor_evidence_view_free(NvrVendorEvidenceView *view);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrVendorEvidenceView, nvr_vendor_evidence_view_free)

G_END_DECLS
