/*
 * nvr-wsd.h: WS-Discovery (SOAP over UDP) for ONVIF devices: a Probe for
 * dn:NetworkVideoTransmitter, sent unicast to one host or multicast on one
 * interface, and the ProbeMatches that answer it within a time window.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NVR_WSD_PORT 3702
#define NVR_WSD_MULTICAST_ADDRESS "239.255.255.250"

/* one onvif://www.onvif.org/<key>/<value> scope */
typedef struct {
	gchar *key;   /* "name", "hardware", "location", "MAC", "type", "Profile", ... as sent */
	gchar *value; /* the rest, percent-decoded and cleaned: "HIKVISION DS-2CD2042WD-I",
			 "country/china"; nullable */
} NvrWsdScope;

/* one ProbeMatch; strings cleaned and bounded */
typedef struct {
	gchar *endpoint;	/* EndpointReference/Address, e.g. "urn:uuid:…"; the dedupe key */
	gchar **xaddrs;		/* checked http(s) URLs without userinfo; may be empty */
	gchar **types;		/* QNames as sent, e.g. "dn:NetworkVideoTransmitter" */
	gchar **scopes;		/* every scope URI as sent */
	GPtrArray *scope_items; /* (element-type NvrWsdScope): the onvif:// scopes, decoded */
	gchar *name;		/* first name/ scope, nullable */
	gchar *hardware;	/* first hardware/ scope, nullable */
	gchar *location;	/* first location/ scope, nullable */
	gchar *mac;		/* MAC/ scope as "AA:BB:CC:DD:EE:FF", nullable */
	guint metadata_version;
	gchar *sender; /* the datagram's source address ("192.0.2.10"); NULL from the parser */
} NvrWsdMatch;

void nvr_wsd_match_free(NvrWsdMatch *self);
const gchar *nvr_wsd_match_get_scope(const NvrWsdMatch *self, const gchar *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrWsdMatch, nvr_wsd_match_free)

gchar *nvr_wsd_probe_build(const gchar *message_id) G_GNUC_WARN_UNUSED_RESULT;
GPtrArray *nvr_wsd_parse_probe_matches(const gchar *data, gsize len, const gchar *message_id,
				       GError **error) G_GNUC_WARN_UNUSED_RESULT;

void nvr_wsd_probe_unicast_async(const gchar *address, guint16 port, guint timeout_ms,
				 GCancellable *cancellable, GAsyncReadyCallback callback,
				 gpointer user_data);
void nvr_wsd_probe_multicast_async(const gchar *interface_name, guint timeout_ms,
				   GCancellable *cancellable, GAsyncReadyCallback callback,
				   gpointer user_data);
GPtrArray *nvr_wsd_probe_finish(GAsyncResult *result, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
