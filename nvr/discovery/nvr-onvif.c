#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "core/nvr-error.h"
#include "core/nvr-url.h"
#include "nvr-discovery-text.h"
#include "nvr-onvif.h"
#include "nvr-soap.h"

/* a device listing more than this is broken or hostile; the rest is ignored */
#define NVR_ONVIF_MAX_ITEMS 64

#define NVR_ONVIF_WSSE_NS                                                                          \
	"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
#define NVR_ONVIF_WSU_NS                                                                           \
	"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
#define NVR_ONVIF_DIGEST_TYPE                                                                      \
	"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"       \
	"#PasswordDigest"
#define NVR_ONVIF_BASE64_TYPE                                                                      \
	"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0"        \
	"#Base64Binary"

void
nvr_onvif_date_time_free(NvrOnvifDateTime *self)
{
	if (self == NULL)
		return;
	g_clear_pointer(&self->utc, g_date_time_unref);
	g_free(self->date_time_type);
	g_free(self->time_zone);
	g_free(self);
}

void
nvr_onvif_device_info_free(NvrOnvifDeviceInfo *self)
{
	if (self == NULL)
		return;
	g_free(self->manufacturer);
	g_free(self->model);
	g_free(self->firmware_version);
	g_free(self->serial_number);
	g_free(self->hardware_id);
	g_free(self);
}

void
nvr_onvif_network_interface_free(NvrOnvifNetworkInterface *self)
{
	if (self == NULL)
		return;
	g_free(self->token);
	g_free(self->name);
	g_free(self->mac);
	g_free(self->ipv4_address);
	g_free(self);
}

void
nvr_onvif_services_free(NvrOnvifServices *self)
{
	if (self == NULL)
		return;
	g_free(self->device_xaddr);
	g_free(self->media_xaddr);
	g_free(self->media2_xaddr);
	g_free(self);
}

void
nvr_onvif_profile_free(NvrOnvifProfile *self)
{
	if (self == NULL)
		return;
	g_free(self->token);
	g_free(self->name);
	g_free(self->video_source_token);
	g_free(self->encoding);
	g_free(self);
}

/**
 * nvr_onvif_password_digest:
 *
 * WS-Security UsernameToken profile 1.0:
 * PasswordDigest = Base64(SHA-1(nonce || created || password)).
 *
 * Returns: (transfer full): the Base64 digest
 */
gchar *
nvr_onvif_password_digest(const guint8 *nonce, gsize nonce_len, const gchar *created,
			  const gchar *password)
{
	g_autoptr(GChecksum) sha1 = g_checksum_new(G_CHECKSUM_SHA1);
	guint8 digest[20];
	gsize digest_len = sizeof(digest);
	gchar *b64;

	g_checksum_update(sha1, nonce, (gssize)nonce_len);
	g_checksum_update(sha1, (const guchar *)created, (gssize)strlen(created));
	g_checksum_update(sha1, (const guchar *)password, (gssize)strlen(password));
	g_checksum_get_digest(sha1, digest, &digest_len);
	b64 = g_base64_encode(digest, digest_len);
	memset(digest, 0, sizeof(digest));
	return b64;
}

static gchar *
nvr_onvif_security_header(const gchar *username, const gchar *password, const guint8 *nonce,
			  gsize nonce_len, const gchar *created)
{
	g_autofree gchar *digest = nvr_onvif_password_digest(nonce, nonce_len, created, password);
	g_autofree gchar *nonce_b64 = g_base64_encode(nonce, nonce_len);
	g_autofree gchar *user_xml = g_markup_escape_text(username, -1);
	g_autofree gchar *created_xml = g_markup_escape_text(created, -1);

	return g_strdup_printf(
		"<s:Header><wsse:Security s:mustUnderstand=\"1\" "
		"xmlns:wsse=\"" NVR_ONVIF_WSSE_NS "\" "
		"xmlns:wsu=\"" NVR_ONVIF_WSU_NS "\">"
		"<wsse:UsernameToken>"
		"<wsse:Username>%s</wsse:Username>"
		"<wsse:Password Type=\"" NVR_ONVIF_DIGEST_TYPE "\">%s</wsse:Password>"
		"<wsse:Nonce EncodingType=\"" NVR_ONVIF_BASE64_TYPE "\">%s</wsse:Nonce>"
		"<wsu:Created>%s</wsu:Created>"
		"</wsse:UsernameToken></wsse:Security></s:Header>",
		user_xml, digest, nonce_b64, created_xml);
}

/**
 * nvr_onvif_envelope_build:
 * @body: the Body's content, already XML (our own text, never a device's)
 * @username: (nullable): no security header if NULL
 * @password: (nullable): sent only as a digest, never as text
 * @nonce: @nonce_len random bytes, fresh for every request
 * @created: the device's time, "YYYY-MM-DDTHH:MM:SSZ"
 *
 * Returns: (transfer full): a SOAP 1.2 envelope
 */
gchar *
nvr_onvif_envelope_build(const gchar *body, const gchar *username, const gchar *password,
			 const guint8 *nonce, gsize nonce_len, const gchar *created)
{
	g_autofree gchar *header = NULL;

	if (username != NULL)
		header = nvr_onvif_security_header(username, password != NULL ? password : "",
						   nonce, nonce_len, created);
	return g_strdup_printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			       "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
			       "xmlns:tds=\"" NVR_ONVIF_NS_DEVICE "\" "
			       "xmlns:trt=\"" NVR_ONVIF_NS_MEDIA "\" "
			       "xmlns:tt=\"" NVR_ONVIF_NS_SCHEMA "\">"
			       "%s<s:Body>%s</s:Body></s:Envelope>",
			       header != NULL ? header : "", body);
}

/* a profile token goes back to the device inside our XML: keep it plain */
gboolean
nvr_onvif_token_check(const gchar *token, GError **error)
{
	if (token == NULL || token[0] == '\0' || strlen(token) > NVR_ONVIF_TOKEN_MAX ||
	    !g_utf8_validate(token, -1, NULL)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
			    "profile token must be 1-%d bytes of UTF-8", NVR_ONVIF_TOKEN_MAX);
		return FALSE;
	}
	for (const gchar *p = token; *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f) {
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
					    "profile token contains control characters");
			return FALSE;
		}
	}
	return TRUE;
}

/* Returns: (transfer none): the response element, or NULL with an error */
static xmlNode *
nvr_onvif_response(NvrSoapDoc *doc, const gchar *name, GError **error)
{
	if (doc == NULL)
		return NULL;
	return nvr_soap_doc_get_body_child(doc, name, NVR_SOAP_NS_ONVIF, error);
}

static gchar *
nvr_onvif_text(xmlNode *parent, const gchar *name)
{
	return nvr_soap_node_dup_text(nvr_soap_node_child(parent, name, NVR_SOAP_NS_ONVIF),
				      NVR_DISCOVERY_TEXT_MAX);
}

static guint
nvr_onvif_uint_at(xmlNode *parent, guint max, const gchar *a, const gchar *b)
{
	guint value = 0;

	if (!nvr_soap_node_get_uint(nvr_soap_node_path(parent, NVR_SOAP_NS_ONVIF, a, b, NULL), max,
				    &value))
		return 0;
	return value;
}

static GDateTime *
nvr_onvif_parse_utc(xmlNode *utc)
{
	xmlNode *date = nvr_soap_node_child(utc, "Date", NVR_SOAP_NS_ONVIF);
	xmlNode *time = nvr_soap_node_child(utc, "Time", NVR_SOAP_NS_ONVIF);
	guint year, month, day, hour, minute, second;

	if (date == NULL || time == NULL)
		return NULL;
	year = nvr_onvif_uint_at(date, 9999, "Year", NULL);
	month = nvr_onvif_uint_at(date, 12, "Month", NULL);
	day = nvr_onvif_uint_at(date, 31, "Day", NULL);
	hour = nvr_onvif_uint_at(time, 23, "Hour", NULL);
	minute = nvr_onvif_uint_at(time, 59, "Minute", NULL);
	second = nvr_onvif_uint_at(time, 60, "Second", NULL);
	if (year < 1970 || month == 0 || day == 0)
		return NULL;
	/* g_date_time_new_utc() refuses 31 February and the like */
	return g_date_time_new_utc((gint)year, (gint)month, (gint)day, (gint)hour, (gint)minute,
				   MIN(second, 59));
}

/**
 * nvr_onvif_parse_date_time:
 *
 * Returns: (transfer full): GetSystemDateAndTimeResponse, with @utc NULL
 * if the device gave no usable UTC time
 */
NvrOnvifDateTime *
nvr_onvif_parse_date_time(const gchar *data, gsize len, GError **error)
{
	g_autoptr(NvrSoapDoc) doc = nvr_soap_doc_parse(data, len, error);
	xmlNode *resp = nvr_onvif_response(doc, "GetSystemDateAndTimeResponse", error);
	xmlNode *sdt;
	NvrOnvifDateTime *self;

	if (resp == NULL)
		return NULL;
	sdt = nvr_soap_node_child(resp, "SystemDateAndTime", NVR_SOAP_NS_ONVIF);
	if (sdt == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE,
				    "reply has no SystemDateAndTime");
		return NULL;
	}
	self = g_new0(NvrOnvifDateTime, 1);
	self->date_time_type = nvr_onvif_text(sdt, "DateTimeType");
	self->time_zone = nvr_soap_node_dup_text(
		nvr_soap_node_path(sdt, NVR_SOAP_NS_ONVIF, "TimeZone", "TZ", NULL),
		NVR_DISCOVERY_TEXT_MAX);
	nvr_soap_node_get_bool(nvr_soap_node_child(sdt, "DaylightSavings", NVR_SOAP_NS_ONVIF),
			       &self->daylight_savings);
	self->utc = nvr_onvif_parse_utc(nvr_soap_node_child(sdt, "UTCDateTime", NVR_SOAP_NS_ONVIF));
	return self;
}

/* Returns: (transfer full): GetDeviceInformationResponse */
NvrOnvifDeviceInfo *
nvr_onvif_parse_device_info(const gchar *data, gsize len, GError **error)
{
	g_autoptr(NvrSoapDoc) doc = nvr_soap_doc_parse(data, len, error);
	xmlNode *resp = nvr_onvif_response(doc, "GetDeviceInformationResponse", error);
	NvrOnvifDeviceInfo *self;

	if (resp == NULL)
		return NULL;
	self = g_new0(NvrOnvifDeviceInfo, 1);
	self->manufacturer = nvr_onvif_text(resp, "Manufacturer");
	self->model = nvr_onvif_text(resp, "Model");
	self->firmware_version = nvr_onvif_text(resp, "FirmwareVersion");
	self->serial_number = nvr_onvif_text(resp, "SerialNumber");
	self->hardware_id = nvr_onvif_text(resp, "HardwareId");
	return self;
}

static gchar *
nvr_onvif_ipv4_at(xmlNode *config, const gchar *kind)
{
	g_autofree gchar *text = nvr_soap_node_dup_raw(
		nvr_soap_node_path(config, NVR_SOAP_NS_ONVIF, kind, "Address", NULL), 64);
	g_autoptr(GInetAddress) addr = NULL;

	if (text == NULL)
		return NULL;
	addr = g_inet_address_new_from_string(text);
	if (addr == NULL || g_inet_address_get_family(addr) != G_SOCKET_FAMILY_IPV4)
		return NULL;
	return g_inet_address_to_string(addr);
}

static NvrOnvifNetworkInterface *
nvr_onvif_parse_interface(xmlNode *node)
{
	NvrOnvifNetworkInterface *self = g_new0(NvrOnvifNetworkInterface, 1);
	xmlNode *info = nvr_soap_node_child(node, "Info", NVR_SOAP_NS_ONVIF);
	xmlNode *config = nvr_soap_node_path(node, NVR_SOAP_NS_ONVIF, "IPv4", "Config", NULL);
	g_autofree gchar *hw = nvr_soap_node_dup_raw(
		nvr_soap_node_child(info, "HwAddress", NVR_SOAP_NS_ONVIF), 64);

	self->token = nvr_soap_node_dup_attr(node, "token", NVR_ONVIF_TOKEN_MAX);
	self->name = nvr_onvif_text(info, "Name");
	self->mac = nvr_discovery_mac_normalize(hw);
	self->enabled = TRUE;
	nvr_soap_node_get_bool(nvr_soap_node_child(node, "Enabled", NVR_SOAP_NS_ONVIF),
			       &self->enabled);
	self->ipv4_address = nvr_onvif_ipv4_at(config, "Manual");
	if (self->ipv4_address == NULL)
		self->ipv4_address = nvr_onvif_ipv4_at(config, "FromDHCP");
	return self;
}

/* Returns: (transfer full) (element-type NvrOnvifNetworkInterface): GetNetworkInterfacesResponse */
GPtrArray *
nvr_onvif_parse_network_interfaces(const gchar *data, gsize len, GError **error)
{
	g_autoptr(NvrSoapDoc) doc = nvr_soap_doc_parse(data, len, error);
	xmlNode *resp = nvr_onvif_response(doc, "GetNetworkInterfacesResponse", error);
	GPtrArray *ifaces;

	if (resp == NULL)
		return NULL;
	ifaces = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_onvif_network_interface_free);
	for (xmlNode *n = nvr_soap_node_child(resp, "NetworkInterfaces", NVR_SOAP_NS_ONVIF);
	     n != NULL && ifaces->len < NVR_ONVIF_MAX_ITEMS;
	     n = nvr_soap_node_next(n, "NetworkInterfaces", NVR_SOAP_NS_ONVIF))
		g_ptr_array_add(ifaces, nvr_onvif_parse_interface(n));
	return ifaces;
}

/* Returns: (transfer full) (nullable): a checked XAddr, or NULL if absent or unusable */
static gchar *
nvr_onvif_xaddr(xmlNode *node)
{
	g_autofree gchar *raw = nvr_soap_node_dup_raw(node, NVR_DISCOVERY_URL_MAX);

	if (raw == NULL)
		return NULL;
	return nvr_discovery_http_url_check(raw, NULL);
}

/* Returns: (transfer full): GetServicesResponse */
NvrOnvifServices *
nvr_onvif_parse_services(const gchar *data, gsize len, GError **error)
{
	g_autoptr(NvrSoapDoc) doc = nvr_soap_doc_parse(data, len, error);
	xmlNode *resp = nvr_onvif_response(doc, "GetServicesResponse", error);
	NvrOnvifServices *self;
	guint n_seen = 0;

	if (resp == NULL)
		return NULL;
	self = g_new0(NvrOnvifServices, 1);
	for (xmlNode *n = nvr_soap_node_child(resp, "Service", NVR_SOAP_NS_ONVIF);
	     n != NULL && n_seen++ < NVR_ONVIF_MAX_ITEMS;
	     n = nvr_soap_node_next(n, "Service", NVR_SOAP_NS_ONVIF)) {
		g_autofree gchar *ns = nvr_soap_node_dup_raw(
			nvr_soap_node_child(n, "Namespace", NVR_SOAP_NS_ONVIF),
			NVR_DISCOVERY_URL_MAX);
		gchar **slot = NULL;

		if (g_strcmp0(ns, NVR_ONVIF_NS_DEVICE) == 0)
			slot = &self->device_xaddr;
		else if (g_strcmp0(ns, NVR_ONVIF_NS_MEDIA) == 0)
			slot = &self->media_xaddr;
		else if (g_strcmp0(ns, NVR_ONVIF_NS_MEDIA2) == 0)
			slot = &self->media2_xaddr;
		if (slot != NULL && *slot == NULL)
			*slot = nvr_onvif_xaddr(nvr_soap_node_child(n, "XAddr", NVR_SOAP_NS_ONVIF));
	}
	return self;
}

/* Returns: (transfer full): GetCapabilitiesResponse, for devices without GetServices */
NvrOnvifServices *
nvr_onvif_parse_capabilities(const gchar *data, gsize len, GError **error)
{
	g_autoptr(NvrSoapDoc) doc = nvr_soap_doc_parse(data, len, error);
	xmlNode *resp = nvr_onvif_response(doc, "GetCapabilitiesResponse", error);
	xmlNode *caps;
	NvrOnvifServices *self;

	if (resp == NULL)
		return NULL;
	caps = nvr_soap_node_child(resp, "Capabilities", NVR_SOAP_NS_ONVIF);
	if (caps == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "reply has no Capabilities");
		return NULL;
	}
	self = g_new0(NvrOnvifServices, 1);
	self->device_xaddr = nvr_onvif_xaddr(
		nvr_soap_node_path(caps, NVR_SOAP_NS_ONVIF, "Device", "XAddr", NULL));
	self->media_xaddr = nvr_onvif_xaddr(
		nvr_soap_node_path(caps, NVR_SOAP_NS_ONVIF, "Media", "XAddr", NULL));
	return self;
}

static NvrOnvifProfile *
nvr_onvif_parse_profile(xmlNode *node)
{
	xmlNode *vec = nvr_soap_node_child(node, "VideoEncoderConfiguration", NVR_SOAP_NS_ONVIF);
	xmlNode *vsc = nvr_soap_node_child(node, "VideoSourceConfiguration", NVR_SOAP_NS_ONVIF);
	g_autofree gchar *token = nvr_soap_node_dup_attr(node, "token", NVR_ONVIF_TOKEN_MAX);
	NvrOnvifProfile *self;

	/* without a usable token the profile cannot be asked for a stream */
	if (!nvr_onvif_token_check(token, NULL))
		return NULL;
	self = g_new0(NvrOnvifProfile, 1);
	self->token = g_steal_pointer(&token);
	self->name = nvr_onvif_text(node, "Name");
	self->video_source_token = nvr_onvif_text(vsc, "SourceToken");
	self->encoding = nvr_onvif_text(vec, "Encoding");
	self->width = nvr_onvif_uint_at(vec, 65535, "Resolution", "Width");
	self->height = nvr_onvif_uint_at(vec, 65535, "Resolution", "Height");
	self->frame_rate_limit = nvr_onvif_uint_at(vec, 1000, "RateControl", "FrameRateLimit");
	self->bitrate_limit_kbps = nvr_onvif_uint_at(vec, 10000000, "RateControl", "BitrateLimit");
	return self;
}

/* Returns: (transfer full) (element-type NvrOnvifProfile): GetProfilesResponse */
GPtrArray *
nvr_onvif_parse_profiles(const gchar *data, gsize len, GError **error)
{
	g_autoptr(NvrSoapDoc) doc = nvr_soap_doc_parse(data, len, error);
	xmlNode *resp = nvr_onvif_response(doc, "GetProfilesResponse", error);
	GPtrArray *profiles;
	guint n_seen = 0;

	if (resp == NULL)
		return NULL;
	profiles = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_onvif_profile_free);
	for (xmlNode *n = nvr_soap_node_child(resp, "Profiles", NVR_SOAP_NS_ONVIF);
	     n != NULL && n_seen++ < NVR_ONVIF_MAX_ITEMS;
	     n = nvr_soap_node_next(n, "Profiles", NVR_SOAP_NS_ONVIF)) {
		NvrOnvifProfile *profile = nvr_onvif_parse_profile(n);
		if (profile != NULL)
			g_ptr_array_add(profiles, profile);
	}
	return profiles;
}

/* Returns: (transfer full): MediaUri/Uri of a Get*UriResponse, untrimmed of nothing but space */
static gchar *
nvr_onvif_parse_media_uri(const gchar *data, gsize len, const gchar *response, GError **error)
{
	g_autoptr(NvrSoapDoc) doc = nvr_soap_doc_parse(data, len, error);
	xmlNode *resp = nvr_onvif_response(doc, response, error);
	gchar *uri;

	if (resp == NULL)
		return NULL;
	uri = nvr_soap_node_dup_raw(
		nvr_soap_node_path(resp, NVR_SOAP_NS_ONVIF, "MediaUri", "Uri", NULL),
		NVR_DISCOVERY_URL_MAX);
	if (uri == NULL)
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE,
			    "%s has no MediaUri/Uri (or one longer than %d bytes)", response,
			    NVR_DISCOVERY_URL_MAX);
	return uri;
}

/**
 * nvr_onvif_parse_stream_uri:
 *
 * Some firmware puts the camera's credentials into the URI it returns;
 * they are dropped here, so the result can be stored and logged.
 *
 * Returns: (transfer full): a checked rtsp:// or rtsps:// URL without userinfo
 */
gchar *
nvr_onvif_parse_stream_uri(const gchar *data, gsize len, GError **error)
{
	g_autofree gchar *raw = nvr_onvif_parse_media_uri(data, len, "GetStreamUriResponse", error);
	g_autoptr(NvrStreamUrl) url = NULL;

	if (raw == NULL)
		return NULL;
	url = nvr_stream_url_parse(raw, error);
	if (url == NULL) {
		g_prefix_error(error, "stream URI from device: ");
		if (error != NULL && *error != NULL)
			(*error)->code = NVR_ERROR_PARSE;
		return NULL;
	}
	return g_steal_pointer(&url->url);
}

/* Returns: (transfer full): a checked http:// or https:// URL without userinfo */
gchar *
nvr_onvif_parse_snapshot_uri(const gchar *data, gsize len, GError **error)
{
	g_autofree gchar *raw =
		nvr_onvif_parse_media_uri(data, len, "GetSnapshotUriResponse", error);
	gchar *url;

	if (raw == NULL)
		return NULL;
	url = nvr_discovery_http_url_check(raw, error);
	if (url == NULL)
		g_prefix_error(error, "snapshot URI from device: ");
	return url;
}
