#include "config.h"

#include "core/nvr-error.h"
#include "fakecam/nvr-fakecam-onvif.h"
#include "fakecam/nvr-fakecam-soap.h"

/*
 * notes on the ONVIF services
 *
 *   One handler serves the device and the media service on every /onvif/
 *   path, dispatching on the operation's local name, as most cameras do.
 *   Every operation but GetSystemDateAndTime needs a WS-UsernameToken when
 *   the camera has a password; a wrong or missing one gets ter:NotAuthorized
 *   with the persona's HTTP status (Hikvision 401, the others 400), so that
 *   clients meet both. A request that does not parse gets ter:WellFormed, an
 *   unknown operation ter:ActionNotSupported: never a crash, never silence.
 */

typedef gboolean (*NvrFakecamOnvifOp)(const NvrFakecamDevice *dev,
				      const NvrFakecamSoapRequest *req,
				      GDateTime *now,
				      GString *s,
				      GError **error);

static void
nvr_fakecam_append_escaped(GString *s, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

/* appends @format with every string argument XML-escaped */
static void
nvr_fakecam_append_escaped(GString *s, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *text = NULL;

	va_start(args, format);
	text = g_markup_vprintf_escaped(format, args);
	va_end(args);
	g_string_append(s, text);
}

static gboolean
nvr_fakecam_onvif_date_time(const NvrFakecamDevice *dev,
			    const NvrFakecamSoapRequest *req,
			    GDateTime *now,
			    GString *s,
			    GError **error)
{
	g_autoptr(GDateTime) utc = g_date_time_to_utc(now);

	g_string_append_printf(s,
			       "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
			       "<tt:DateTimeType>NTP</tt:DateTimeType>"
			       "<tt:DaylightSavings>false</tt:DaylightSavings>"
			       "<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone>"
			       "<tt:UTCDateTime><tt:Time><tt:Hour>%d</tt:Hour>"
			       "<tt:Minute>%d</tt:Minute><tt:Second>%d</tt:Second></tt:Time>"
			       "<tt:Date><tt:Year>%d</tt:Year><tt:Month>%d</tt:Month>"
			       "<tt:Day>%d</tt:Day></tt:Date></tt:UTCDateTime>"
			       "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>",
			       g_date_time_get_hour(utc),
			       g_date_time_get_minute(utc),
			       g_date_time_get_second(utc),
			       g_date_time_get_year(utc),
			       g_date_time_get_month(utc),
			       g_date_time_get_day_of_month(utc));
	return TRUE;
}

static gboolean
nvr_fakecam_onvif_device_info(const NvrFakecamDevice *dev,
			      const NvrFakecamSoapRequest *req,
			      GDateTime *now,
			      GString *s,
			      GError **error)
{
	nvr_fakecam_append_escaped(s,
				   "<tds:GetDeviceInformationResponse>"
				   "<tds:Manufacturer>%s</tds:Manufacturer><tds:Model>%s</tds:Model>"
				   "<tds:FirmwareVersion>%s</tds:FirmwareVersion>"
				   "<tds:SerialNumber>%s</tds:SerialNumber>"
				   "<tds:HardwareId>%s</tds:HardwareId>"
				   "</tds:GetDeviceInformationResponse>",
				   dev->persona->manufacturer,
				   dev->persona->model,
				   dev->persona->firmware,
				   dev->serial,
				   dev->persona->hardware_id);
	return TRUE;
}

static gboolean
nvr_fakecam_onvif_interfaces(const NvrFakecamDevice *dev,
			     const NvrFakecamSoapRequest *req,
			     GDateTime *now,
			     GString *s,
			     GError **error)
{
	nvr_fakecam_append_escaped(s,
				   "<tds:GetNetworkInterfacesResponse>"
				   "<tds:NetworkInterfaces token=\"eth0\"><tt:Enabled>true</tt:Enabled>"
				   "<tt:Info><tt:Name>eth0</tt:Name><tt:HwAddress>%s</tt:HwAddress>"
				   "<tt:MTU>1500</tt:MTU></tt:Info>"
				   "<tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config>"
				   "<tt:Manual><tt:Address>%s</tt:Address>"
				   "<tt:PrefixLength>24</tt:PrefixLength></tt:Manual>"
				   "<tt:DHCP>false</tt:DHCP></tt:Config></tt:IPv4>"
				   "</tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>",
				   dev->mac_colon,
				   dev->address);
	return TRUE;
}

static gboolean
nvr_fakecam_onvif_capabilities(const NvrFakecamDevice *dev,
			       const NvrFakecamSoapRequest *req,
			       GDateTime *now,
			       GString *s,
			       GError **error)
{
	g_autofree gchar *device = nvr_fakecam_device_http_url(dev, NVR_FAKECAM_ONVIF_DEVICE_PATH);
	g_autofree gchar *media = nvr_fakecam_device_http_url(dev, dev->persona->media_service);

	nvr_fakecam_append_escaped(s,
				   "<tds:GetCapabilitiesResponse><tds:Capabilities>"
				   "<tt:Device><tt:XAddr>%s</tt:XAddr></tt:Device>"
				   "<tt:Media><tt:XAddr>%s</tt:XAddr><tt:StreamingCapabilities>"
				   "<tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP>"
				   "<tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities>"
				   "</tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>",
				   device,
				   media);
	return TRUE;
}

static void
nvr_fakecam_onvif_append_service(GString *s, const gchar *ns, const gchar *xaddr)
{
	nvr_fakecam_append_escaped(s,
				   "<tds:Service><tds:Namespace>%s</tds:Namespace>"
				   "<tds:XAddr>%s</tds:XAddr><tds:Version><tt:Major>2</tt:Major>"
				   "<tt:Minor>60</tt:Minor></tds:Version></tds:Service>",
				   ns,
				   xaddr);
}

static gboolean
nvr_fakecam_onvif_services(const NvrFakecamDevice *dev,
			   const NvrFakecamSoapRequest *req,
			   GDateTime *now,
			   GString *s,
			   GError **error)
{
	g_autofree gchar *device = nvr_fakecam_device_http_url(dev, NVR_FAKECAM_ONVIF_DEVICE_PATH);
	g_autofree gchar *media = nvr_fakecam_device_http_url(dev, dev->persona->media_service);
	g_string_append(s, "<tds:GetServicesResponse>");
	nvr_fakecam_onvif_append_service(s, "http://www.onvif.org/ver10/device/wsdl", device);
	nvr_fakecam_onvif_append_service(s, "http://www.onvif.org/ver10/media/wsdl", media);
	g_string_append(s, "</tds:GetServicesResponse>");
	return TRUE;
}

static gboolean
nvr_fakecam_onvif_scopes(const NvrFakecamDevice *dev,
			 const NvrFakecamSoapRequest *req,
			 GDateTime *now,
			 GString *s,
			 GError **error)
{
	g_autofree gchar *scopes = nvr_fakecam_device_scopes(dev);
	g_auto(GStrv) items = g_strsplit(scopes, " ", -1);

	g_string_append(s, "<tds:GetScopesResponse>");
	for (guint i = 0; items[i] != NULL; i++) {
		if (items[i][0] == '\0')
			continue;
		nvr_fakecam_append_escaped(s,
					   "<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef>"
					   "<tt:ScopeItem>%s</tt:ScopeItem></tds:Scopes>",
					   items[i]);
	}
	g_string_append(s, "</tds:GetScopesResponse>");
	return TRUE;
}

static void
nvr_fakecam_onvif_append_profile(const NvrFakecamDevice *dev,
				 guint i,
				 const gchar *element,
				 GString *s)
{
	nvr_fakecam_append_escaped(
	    s,
	    "<trt:%s token=\"%s\" fixed=\"true\"><tt:Name>%s</tt:Name>"
	    "<tt:VideoSourceConfiguration token=\"VideoSourceConfig_1\">"
	    "<tt:Name>VideoSourceConfig_1</tt:Name><tt:UseCount>2</tt:UseCount>"
	    "<tt:SourceToken>VideoSource_1</tt:SourceToken>"
	    "<tt:Bounds x=\"0\" y=\"0\" width=\"%u\" height=\"%u\"></tt:Bounds>"
	    "</tt:VideoSourceConfiguration>"
	    "<tt:VideoEncoderConfiguration token=\"VideoEncoder_%u\">"
	    "<tt:Name>VideoEncoder_%u</tt:Name><tt:UseCount>1</tt:UseCount>"
	    "<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>%u</tt:Width>"
	    "<tt:Height>%u</tt:Height></tt:Resolution><tt:Quality>4</tt:Quality>"
	    "<tt:RateControl><tt:FrameRateLimit>%u</tt:FrameRateLimit>"
	    "<tt:EncodingInterval>1</tt:EncodingInterval>"
	    "<tt:BitrateLimit>%u</tt:BitrateLimit></tt:RateControl>"
	    "<tt:H264><tt:GovLength>%u</tt:GovLength><tt:H264Profile>Baseline</tt:H264Profile>"
	    "</tt:H264><tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type>"
	    "<tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>0</tt:Port>"
	    "<tt:TTL>0</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>"
	    "<tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration>"
	    "</trt:%s>",
	    element,
	    dev->persona->profile_tokens[i],
	    i == 0 ? "mainStream" : "subStream",
	    dev->width[0],
	    dev->height[0],
	    i + 1,
	    i + 1,
	    dev->width[i],
	    dev->height[i],
	    dev->fps,
	    dev->bitrate[i],
	    dev->fps * 2,
	    element);
}

static gboolean
nvr_fakecam_onvif_profiles(const NvrFakecamDevice *dev,
			   const NvrFakecamSoapRequest *req,
			   GDateTime *now,
			   GString *s,
			   GError **error)
{
	g_string_append(s, "<trt:GetProfilesResponse>");
	nvr_fakecam_onvif_append_profile(dev, 0, "Profiles", s);
	nvr_fakecam_onvif_append_profile(dev, 1, "Profiles", s);
	g_string_append(s, "</trt:GetProfilesResponse>");
	return TRUE;
}

/* Returns: 0 (main), 1 (sub), or -1 with @error for an unknown token */
static gint
nvr_fakecam_onvif_profile_index(const NvrFakecamDevice *dev,
				const NvrFakecamSoapRequest *req,
				GError **error)
{
	for (guint i = 0; i < 2; i++) {
		if (g_strcmp0(req->profile_token, dev->persona->profile_tokens[i]) == 0)
			return (gint)i;
	}
	g_set_error_literal(error, NVR_ERROR, NVR_ERROR_NOT_FOUND, "no such profile");
	return -1;
}

static gboolean
nvr_fakecam_onvif_profile(const NvrFakecamDevice *dev,
			  const NvrFakecamSoapRequest *req,
			  GDateTime *now,
			  GString *s,
			  GError **error)
{
	gint i = nvr_fakecam_onvif_profile_index(dev, req, error);

	if (i < 0)
		return FALSE;
	g_string_append(s, "<trt:GetProfileResponse>");
	nvr_fakecam_onvif_append_profile(dev, (guint)i, "Profile", s);
	g_string_append(s, "</trt:GetProfileResponse>");
	return TRUE;
}

static void
nvr_fakecam_onvif_media_uri(GString *s, const gchar *response, const gchar *uri)
{
	nvr_fakecam_append_escaped(s,
				   "<trt:%s><trt:MediaUri><tt:Uri>%s</tt:Uri>"
				   "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
				   "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>"
				   "<tt:Timeout>PT60S</tt:Timeout></trt:MediaUri></trt:%s>",
				   response,
				   uri,
				   response);
}

static gboolean
nvr_fakecam_onvif_stream_uri(const NvrFakecamDevice *dev,
			     const NvrFakecamSoapRequest *req,
			     GDateTime *now,
			     GString *s,
			     GError **error)
{
	gint i = nvr_fakecam_onvif_profile_index(dev, req, error);
	g_autofree gchar *uri = NULL;

	if (i < 0)
		return FALSE;
	uri = nvr_fakecam_device_onvif_stream_url(dev, (guint)i);
	nvr_fakecam_onvif_media_uri(s, "GetStreamUriResponse", uri);
	return TRUE;
}

static gboolean
nvr_fakecam_onvif_snapshot_uri(const NvrFakecamDevice *dev,
			       const NvrFakecamSoapRequest *req,
			       GDateTime *now,
			       GString *s,
			       GError **error)
{
	g_autofree gchar *uri = NULL;

	if (nvr_fakecam_onvif_profile_index(dev, req, error) < 0)
		return FALSE;
	uri = nvr_fakecam_device_http_url(dev, dev->persona->snapshot_path);
	nvr_fakecam_onvif_media_uri(s, "GetSnapshotUriResponse", uri);
	return TRUE;
}

static const struct {
	const gchar *name;
	gboolean pre_auth; /* answered without credentials */
	NvrFakecamOnvifOp op;
} nvr_fakecam_onvif_ops[] = {
    {"GetSystemDateAndTime", TRUE, nvr_fakecam_onvif_date_time},
    {"GetDeviceInformation", FALSE, nvr_fakecam_onvif_device_info},
    {"GetNetworkInterfaces", FALSE, nvr_fakecam_onvif_interfaces},
    {"GetCapabilities", FALSE, nvr_fakecam_onvif_capabilities},
    {"GetServices", FALSE, nvr_fakecam_onvif_services},
    {"GetScopes", FALSE, nvr_fakecam_onvif_scopes},
    {"GetProfiles", FALSE, nvr_fakecam_onvif_profiles},
    {"GetProfile", FALSE, nvr_fakecam_onvif_profile},
    {"GetStreamUri", FALSE, nvr_fakecam_onvif_stream_uri},
    {"GetSnapshotUri", FALSE, nvr_fakecam_onvif_snapshot_uri},
};

/**
 * nvr_fakecam_onvif_handle:
 * @body: the HTTP request body (untrusted)
 * @now: the camera's clock, for GetSystemDateAndTime
 * @status: (out): the HTTP status to answer with
 *
 * Returns: (transfer full): the SOAP response or fault
 */
gchar *
nvr_fakecam_onvif_handle(const NvrFakecamDevice *dev,
			 const gchar *body,
			 gsize len,
			 GDateTime *now,
			 guint *status)
{
	const NvrFakecamPersona *p = dev->persona;
	g_autoptr(NvrFakecamSoapRequest) req = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) s = NULL;

	req = nvr_fakecam_soap_parse(body, len, &error);
	if (req == NULL) {
		*status = 400;
		return nvr_fakecam_soap_fault(p, FALSE, TRUE, "ter:WellFormed", NULL, error->message);
	}
	for (guint i = 0; i < G_N_ELEMENTS(nvr_fakecam_onvif_ops); i++) {
		if (g_strcmp0(req->action, nvr_fakecam_onvif_ops[i].name) != 0)
			continue;
		if (!nvr_fakecam_onvif_ops[i].pre_auth && dev->password != NULL &&
		    !nvr_fakecam_soap_check_token(req, dev->user, dev->password, &error)) {
			*status = p->not_authorized_status;
			return nvr_fakecam_soap_fault(p,
						      req->soap11,
						      TRUE,
						      "ter:NotAuthorized",
						      NULL,
						      "Sender not Authorized");
		}
		s = g_string_new(NULL);
		nvr_fakecam_soap_open(s, p, req->soap11, NULL);
		if (!nvr_fakecam_onvif_ops[i].op(dev, req, now, s, &error)) {
			*status = 400;
			return nvr_fakecam_soap_fault(p,
						      req->soap11,
						      TRUE,
						      "ter:InvalidArgVal",
						      "ter:NoProfile",
						      error->message);
		}
		nvr_fakecam_soap_close(s);
		*status = 200;
		return g_string_free(g_steal_pointer(&s), FALSE);
	}
	*status = 500;
	return nvr_fakecam_soap_fault(p,
				      req->soap11,
				      FALSE,
				      "ter:ActionNotSupported",
				      NULL,
				      "the operation is not supported");
}
