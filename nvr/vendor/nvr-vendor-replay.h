/*
 * nvr-vendor-replay.h: a recorded device (fwupd's device emulation, for
 * cameras): a directory with device.json and the device's captured
 * answers. It gives the passive evidence (ONVIF replies, WS-Discovery
 * ProbeMatches, HTTP and RTSP heads, a MAC) and answers plugins' HTTP
 * requests from the recording, so a plugin can be tested, by nvr's tests
 * and by nvr-plugin-check, without the camera. plugins/SDK.md documents
 * the format; every file in it is untrusted input.
 */
#pragma once

#include "vendor/nvr-vendor-transport.h"
#include "vendor/nvr-vendor.h"

G_BEGIN_DECLS

#define NVR_VENDOR_REPLAY_MANIFEST "device.json"
#define NVR_VENDOR_REPLAY_FILE_MAX (4 * 1024 * 1024)

#define NVR_TYPE_VENDOR_REPLAY (nvr_vendor_replay_get_type())
G_DECLARE_FINAL_TYPE(NvrVendorReplay, nvr_vendor_replay, NVR, VENDOR_REPLAY, NvrVendorTransport)

NvrVendorReplay *nvr_vendor_replay_new(const gchar *dir, GError **error) G_GNUC_WARN_UNUSED_RESULT;
const gchar *nvr_vendor_replay_get_description(NvrVendorReplay *self);
NvrEvidenceSet *nvr_vendor_replay_dup_evidence(NvrVendorReplay *self, NvrVendor *vendor,
					       GError **error) G_GNUC_WARN_UNUSED_RESULT;
GPtrArray *nvr_vendor_replay_get_log(NvrVendorReplay *self);
gboolean nvr_vendor_replay_has_expectations(NvrVendorReplay *self);
GPtrArray *nvr_vendor_replay_check(NvrVendorReplay *self, const NvrVerdict *verdict,
				   GPtrArray *main_urls, GPtrArray *sub_urls);

G_END_DECLS
