/*
 * nvr-vendor-collect.h: evidence about one device, from the network, in
 * the order of identification-signals.md §1 (passive, then
 * unauthenticated, then authenticated):
 *
 *   1. HTTP GET / (Server, realm, title); HTTPS for the certificate subject
 *   2. RTSP OPTIONS (Server)
 *   3. WS-Discovery unicast Probe (scopes, MAC scope, XAddrs)
 *   4. ONVIF GetDeviceInformation, GetNetworkInterfaces, GetProfiles and
 *      GetStreamUri of the main and a sub profile (with the user's
 *      credentials, if any)
 *   5. the neighbour table (MAC), now that traffic has gone to the device
 *   6. the plugins' probes of vendor APIs (nvr_vendor_probe)
 *
 * Every step has its own timeout and none can fail the whole: a silent or
 * hostile device just gives less evidence. Each step's outcome is logged
 * in the result for the user to see.
 */
#pragma once

#include "discovery/nvr-wsd.h"
#include "vendor/nvr-vendor.h"

G_BEGIN_DECLS

#define NVR_VENDOR_COLLECT_TIMEOUT_MS 3000

typedef struct {
	const gchar *host;	 /* "192.0.2.10", "[2001:db8::10]" or a name */
	guint http_port;	 /* 0: 80 */
	guint https_port;	 /* 0: no HTTPS banner */
	guint rtsp_port;	 /* 0: 554 */
	guint wsd_port;		 /* 0: no WS-Discovery probe */
	const gchar *onvif_url;	 /* nullable: http://host:http_port/onvif/device_service */
	const gchar *username;	 /* nullable */
	const gchar *password;	 /* nullable; never logged */
	guint timeout_ms;	 /* per step; 0: NVR_VENDOR_COLLECT_TIMEOUT_MS */
	gboolean no_plugins;	 /* passive and ONVIF only (discovery lists) */
	const gchar *proc_arp;	 /* nullable: /proc/net/arp (tests) */
	const NvrWsdMatch *wsd_match; /* nullable: what discovery already heard (then no probe) */
} NvrVendorCollectOptions;

void nvr_vendor_collect_async(NvrVendor *vendor, const NvrVendorCollectOptions *options,
			      GCancellable *cancellable, GAsyncReadyCallback callback,
			      gpointer user_data);
NvrEvidenceSet *nvr_vendor_collect_finish(GAsyncResult *result, GPtrArray **log,
					  GError **error) G_GNUC_WARN_UNUSED_RESULT;
const GError *nvr_vendor_collect_get_onvif_error(GAsyncResult *result);
gboolean nvr_vendor_host_port_parse(const gchar *text, gchar **host, guint *port,
				    GError **error);

G_END_DECLS
