/*
 * nvr-onvif.h: ONVIF messages without the network: request envelopes with
 * a WS-UsernameToken, and parsers for the replies of the device and media
 * services. Parsers take untrusted bytes and return plain structs; a SOAP
 * fault in a reply becomes the GError (NVR_ERROR_AUTH when the device
 * refused our credentials). NvrOnvifClient puts these on the wire.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NVR_ONVIF_NS_DEVICE "http://www.onvif.org/ver10/device/wsdl"
#define NVR_ONVIF_NS_MEDIA "http://www.onvif.org/ver10/media/wsdl"
#define NVR_ONVIF_NS_MEDIA2 "http://www.onvif.org/ver20/media/wsdl"
#define NVR_ONVIF_NS_SCHEMA "http://www.onvif.org/ver10/schema"

/* ONVIF ReferenceToken: at most 64 characters */
#define NVR_ONVIF_TOKEN_MAX 64
/* bytes of the WS-Security nonce we send */
#define NVR_ONVIF_NONCE_LEN 16

/* GetSystemDateAndTime */
typedef struct {
	GDateTime *utc;	       /* nullable: the device's UTC clock when it answered */
	gchar *date_time_type; /* "NTP" or "Manual", nullable */
	gchar *time_zone;      /* POSIX TZ, e.g. "CST-8", nullable */
	gboolean daylight_savings;
} NvrOnvifDateTime;

/* GetDeviceInformation; every field nullable, cleaned, at most NVR_DISCOVERY_TEXT_MAX bytes */
typedef struct {
	gchar *manufacturer;
	gchar *model;
	gchar *firmware_version;
	gchar *serial_number;
	gchar *hardware_id;
} NvrOnvifDeviceInfo;

/* GetNetworkInterfaces, one per interface */
typedef struct {
	gchar *token;	     /* the interface token, e.g. "eth0" */
	gchar *name;	     /* Info/Name, nullable */
	gchar *mac;	     /* "AA:BB:CC:DD:EE:FF", nullable if missing or malformed */
	gchar *ipv4_address; /* manual or DHCP address, nullable */
	gboolean enabled;
} NvrOnvifNetworkInterface;

/* GetServices or GetCapabilities: service addresses (validated http/https, no userinfo) */
typedef struct {
	gchar *device_xaddr; /* nullable */
	gchar *media_xaddr;  /* nullable: media service ver10, what we use */
	gchar *media2_xaddr; /* nullable: media service ver20, GetServices only */
} NvrOnvifServices;

/* GetProfiles, one per media profile */
typedef struct {
	gchar *token;		   /* ReferenceToken, exact, at most NVR_ONVIF_TOKEN_MAX bytes */
	gchar *name;		   /* nullable */
	gchar *video_source_token; /* nullable: profiles of one channel share it */
	gchar *encoding;	   /* "H264", "H265", "JPEG", "MPEG4"; nullable */
	guint width;		   /* 0 if unknown */
	guint height;
	guint frame_rate_limit;
	guint bitrate_limit_kbps;
} NvrOnvifProfile;

void nvr_onvif_date_time_free(NvrOnvifDateTime *self);
void nvr_onvif_device_info_free(NvrOnvifDeviceInfo *self);
void nvr_onvif_network_interface_free(NvrOnvifNetworkInterface *self);
void nvr_onvif_services_free(NvrOnvifServices *self);
void nvr_onvif_profile_free(NvrOnvifProfile *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrOnvifDateTime, nvr_onvif_date_time_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrOnvifDeviceInfo, nvr_onvif_device_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrOnvifNetworkInterface, nvr_onvif_network_interface_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrOnvifServices, nvr_onvif_services_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrOnvifProfile, nvr_onvif_profile_free)

/* requests */
gchar *nvr_onvif_password_digest(const guint8 *nonce, gsize nonce_len, const gchar *created,
				 const gchar *password) G_GNUC_WARN_UNUSED_RESULT;
gchar *nvr_onvif_envelope_build(const gchar *body, const gchar *username, const gchar *password,
				const guint8 *nonce, gsize nonce_len,
				const gchar *created) G_GNUC_WARN_UNUSED_RESULT;
gboolean nvr_onvif_token_check(const gchar *token, GError **error);

/* replies: each takes the raw HTTP body */
NvrOnvifDateTime *nvr_onvif_parse_date_time(const gchar *data, gsize len,
					    GError **error) G_GNUC_WARN_UNUSED_RESULT;
NvrOnvifDeviceInfo *nvr_onvif_parse_device_info(const gchar *data, gsize len,
						GError **error) G_GNUC_WARN_UNUSED_RESULT;
GPtrArray *nvr_onvif_parse_network_interfaces(const gchar *data, gsize len,
					      GError **error) G_GNUC_WARN_UNUSED_RESULT;
NvrOnvifServices *nvr_onvif_parse_services(const gchar *data, gsize len,
					   GError **error) G_GNUC_WARN_UNUSED_RESULT;
NvrOnvifServices *nvr_onvif_parse_capabilities(const gchar *data, gsize len,
					       GError **error) G_GNUC_WARN_UNUSED_RESULT;
GPtrArray *nvr_onvif_parse_profiles(const gchar *data, gsize len,
				    GError **error) G_GNUC_WARN_UNUSED_RESULT;
gchar *nvr_onvif_parse_stream_uri(const gchar *data, gsize len,
				  GError **error) G_GNUC_WARN_UNUSED_RESULT;
gchar *nvr_onvif_parse_snapshot_uri(const gchar *data, gsize len,
				    GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
