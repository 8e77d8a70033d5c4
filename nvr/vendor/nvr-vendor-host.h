/*
 * nvr-vendor-host.h: the services nvr passes to plugins (NvrVendorHost of
 * the ABI): logging under the plugin's name, quirk lookups, HTTP through a
 * transport, and evidence. Each plugin gets its own NvrVendorHost, so that
 * what it logs and adds is attributed to it. A call (NvrVendorCall) binds
 * one callback to one device: its evidence set, its transport, a request
 * budget, and a record of the plugin's contract violations.
 */
#pragma once

#include <gio/gio.h>

#include "nvr/nvr-vendor-plugin.h"
#include "vendor/nvr-evidence.h"
#include "vendor/nvr-quirks.h"
#include "vendor/nvr-vendor-transport.h"

G_BEGIN_DECLS

#define NVR_VENDOR_CALL_MAX_REQUESTS 8
#define NVR_VENDOR_CALL_MAX_ITEMS 32
#define NVR_VENDOR_LOG_MAX 1024

typedef struct _NvrVendorHostShared NvrVendorHostShared;

NvrVendorHostShared *nvr_vendor_host_shared_new(NvrQuirks *quirks);
void nvr_vendor_host_shared_set_quirks(NvrVendorHostShared *shared, NvrQuirks *quirks);
void nvr_vendor_host_shared_free(NvrVendorHostShared *shared);

NvrVendorHost *nvr_vendor_host_new(NvrVendorHostShared *shared, const gchar *plugin_name);
void nvr_vendor_host_free(NvrVendorHost *host);

NvrVendorCall *nvr_vendor_call_new(const gchar *plugin_name, NvrEvidenceSet *set,
				   NvrVendorTransport *transport, GCancellable *cancellable);
void nvr_vendor_call_free(NvrVendorCall *call);
guint nvr_vendor_call_get_n_violations(NvrVendorCall *call);
const gchar *nvr_vendor_call_get_first_violation(NvrVendorCall *call);
guint nvr_vendor_call_get_n_requests(NvrVendorCall *call);
void nvr_vendor_call_set_deadline(NvrVendorCall *call, gint64 deadline_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrVendorHostShared, nvr_vendor_host_shared_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrVendorCall, nvr_vendor_call_free)

G_END_DECLS
