/*
 * nvr-vendor-facts.h: what discovery's parsers return (ONVIF device
 * information and interfaces, WS-Discovery matches, HTTP and RTSP
 * banners, stream URIs), turned into evidence items with their sources.
 * The live collector and recorded devices share these, so a recording
 * identifies exactly as the device would.
 */
#pragma once

#include "discovery/nvr-http-banner.h"
#include "discovery/nvr-onvif.h"
#include "discovery/nvr-rtsp-banner.h"
#include "discovery/nvr-wsd.h"
#include "vendor/nvr-vendor.h"

G_BEGIN_DECLS

void nvr_vendor_facts_onvif_device_info(NvrEvidenceSet *set, const NvrOnvifDeviceInfo *info,
					const gchar *source);
void nvr_vendor_facts_onvif_interfaces(NvrVendor *vendor, NvrEvidenceSet *set, GPtrArray *ifaces,
				       const gchar *source);
void nvr_vendor_facts_wsd_match(NvrVendor *vendor, NvrEvidenceSet *set, const NvrWsdMatch *match,
				const gchar *source);
void nvr_vendor_facts_http_banner(NvrEvidenceSet *set, const NvrHttpBanner *banner,
				  const gchar *source);
void nvr_vendor_facts_rtsp_banner(NvrEvidenceSet *set, const NvrRtspBanner *banner,
				  const gchar *source);
void nvr_vendor_facts_stream_uri(NvrEvidenceSet *set, NvrStreamKind kind, const gchar *uri,
				 const gchar *source);
NvrHttpBanner *nvr_vendor_facts_parse_http_head(const gchar *data, gsize len,
						GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
