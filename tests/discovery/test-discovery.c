#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "discovery/nvr-discovery-text.h"
#include "discovery/nvr-onvif.h"
#include "discovery/nvr-soap.h"
#include "nvr-test-common.h"

/* Returns: (transfer full): a file under tests/discovery/data */
static gchar *
test_data_load(const gchar *rel, gsize *len)
{
	g_autofree gchar *path = g_test_build_filename(G_TEST_DIST, "discovery", "data", rel, NULL);
	g_autoptr(GError) error = NULL;
	gchar *data = NULL;

	g_file_get_contents(path, &data, len, &error);
	g_assert_no_error(error);
	return data;
}

/* ---- text ---- */

static void
test_text_clean(void)
{
	struct {
		const gchar *in;
		gssize len;
		gsize max;
		const gchar *out;
	} cases[] = {
		{"  App-webs/  ", -1, 256, "App-webs/"},
		{"a\tb\r\n\x1b[31mc", -1, 256, "a b [31mc"},
		{"ab\xff\xfe", 4, 256, "ab\xef\xbf\xbd\xef\xbf\xbd"},
		{"x\0y", 3, 256, "x\xef\xbf\xbdy"},
		{"\xe2\x80\xae"
		 "evil",
		 -1, 256, "evil"},
		{"abcdef", -1, 3, "abc"},
		{"\xc3\xa9\xc3\xa9", -1, 3, "\xc3\xa9"}, /* never half a character */
		{" \t\n", -1, 256, NULL},
		{"", -1, 256, NULL},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *out =
			nvr_discovery_text_clean(cases[i].in, cases[i].len, cases[i].max);
		g_assert_cmpstr(out, ==, cases[i].out);
		if (out != NULL)
			g_assert_true(g_utf8_validate(out, -1, NULL));
	}
}

static void
test_text_clean_huge(void)
{
	gsize len = 4 * 1024 * 1024;
	g_autofree gchar *big = g_malloc(len);
	g_autofree gchar *out = NULL;

	memset(big, 'A', len);
	out = nvr_discovery_text_clean(big, (gssize)len, NVR_DISCOVERY_TEXT_MAX);
	g_assert_cmpuint(strlen(out), ==, NVR_DISCOVERY_TEXT_MAX);
}

static void
test_text_mac(void)
{
	struct {
		const gchar *in;
		const gchar *out;
	} cases[] = {
		{"44:19:b6:01:02:03", "44:19:B6:01:02:03"},
		{"44-19-B6-01-02-03", "44:19:B6:01:02:03"},
		{"4419b6010203", "44:19:B6:01:02:03"},
		{"4419.b601.0203", "44:19:B6:01:02:03"},
		{"00:00:00:00:00:00", NULL},
		{"44:19:b6:01:02", NULL},
		{"44:19:b6:01:02:03:04", NULL},
		{"44:19:b6:01:02:0g", NULL},
		{"not-a-mac", NULL},
		{"", NULL},
		{NULL, NULL},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *out = nvr_discovery_mac_normalize(cases[i].in);
		g_assert_cmpstr(out, ==, cases[i].out);
	}
}

static void
test_text_http_url(void)
{
	struct {
		const gchar *in;
		const gchar *out;
	} cases[] = {
		{"http://192.0.2.1/onvif/device_service", "http://192.0.2.1/onvif/device_service"},
		{"https://[2001:db8::1]:8443/x?y=1", "https://[2001:db8::1]:8443/x?y=1"},
		{"http://admin:pw@192.0.2.1/snap#frag", "http://192.0.2.1/snap"},
		{"rtsp://192.0.2.1/", NULL},
		{"http:///nohost", NULL},
		{"http://192.0.2.1/a b", NULL},
		{"http://192.0.2.1/\xc3\xa9", NULL},
		{"http://192.0.2.1:0/", NULL},
		{"", NULL},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *out = nvr_discovery_http_url_check(cases[i].in, &error);
		g_assert_cmpstr(out, ==, cases[i].out);
		if (out == NULL) {
			g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
			g_assert_null(strstr(error->message, "pw"));
		}
	}
}

/* ---- SOAP and ONVIF parsers ---- */

/* the worked example of the ONVIF Application Programmer's Guide */
static void
test_onvif_digest_vector(void)
{
	gsize nonce_len = 0;
	g_autofree guchar *nonce = g_base64_decode("LKqI6G/AikKCQrN0zqZFlg==", &nonce_len);
	g_autofree gchar *digest =
		nvr_onvif_password_digest(nonce, nonce_len, "2010-09-16T07:50:45Z", "userpassword");

	g_assert_cmpstr(digest, ==, "tuOSpGlFlIXsozq4HFNeeGeFLEI=");
}

static void
test_onvif_envelope(void)
{
	const guint8 nonce[4] = {1, 2, 3, 4};
	g_autofree gchar *env = nvr_onvif_envelope_build("<tds:GetDeviceInformation/>", "ad<min>&",
							 "secret-password", nonce, sizeof(nonce),
							 "2024-01-02T03:04:05Z");
	g_autofree gchar *plain =
		nvr_onvif_envelope_build("<tds:GetSystemDateAndTime/>", NULL, NULL, NULL, 0, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrSoapDoc) doc = nvr_soap_doc_parse(env, strlen(env), &error);
	xmlNode *token;
	g_autofree gchar *user = NULL;

	g_assert_no_error(error);
	g_assert_null(strstr(env, "secret-password"));
	g_assert_nonnull(strstr(env, "#PasswordDigest"));
	token = nvr_soap_node_path(nvr_soap_doc_get_header(doc), NVR_SOAP_NS_ANY, "Security",
				   "UsernameToken", NULL);
	user = nvr_soap_node_dup_raw(nvr_soap_node_child(token, "Username", NVR_SOAP_NS_ANY), 64);
	g_assert_cmpstr(user, ==, "ad<min>&");
	g_assert_nonnull(nvr_soap_doc_get_body_child(doc, "GetDeviceInformation", NVR_SOAP_NS_ONVIF,
						     &error));
	g_assert_null(strstr(plain, "Security"));
	g_assert_nonnull(strstr(plain, "<s:Body><tds:GetSystemDateAndTime/></s:Body>"));
}

static void
test_onvif_parse_date_time(void)
{
	gsize len = 0;
	g_autofree gchar *data = test_data_load("onvif/generic/GetSystemDateAndTime.xml", &len);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrOnvifDateTime) dt = nvr_onvif_parse_date_time(data, len, &error);
	g_autofree gchar *iso = NULL;

	g_assert_no_error(error);
	g_assert_nonnull(dt->utc);
	iso = g_date_time_format_iso8601(dt->utc);
	g_assert_cmpstr(iso, ==, "2010-09-16T07:50:45Z");
	g_assert_cmpstr(dt->date_time_type, ==, "NTP");
	g_assert_cmpstr(dt->time_zone, ==, "CST-8");
	g_assert_false(dt->daylight_savings);
}

static void
test_onvif_parse_device_info(void)
{
	struct {
		const gchar *file;
		const gchar *manufacturer;
		const gchar *model;
		const gchar *firmware;
		const gchar *hardware_id;
	} cases[] = {
		{"onvif/generic/GetDeviceInformation.xml", "ExampleCam", "EC-100", "1.2.3",
		 "EC100HW"},
		{"onvif/hikvision/GetDeviceInformation.xml", "HIKVISION", "DS-2CD2042WD-I",
		 "V5.4.5 build 170124", "88"},
		{"onvif/dahua/GetDeviceInformation.xml", "Dahua", "IPC-HDW4431C-A",
		 "2.800.0000000.0.R, Build Date 2019-11-28", "1.00"},
		/* undeclared tds: prefix: matched by local name */
		{"onvif/reolink/GetDeviceInformation.xml", "Reolink", "RLC-510A",
		 "v3.0.0.136_20121102", "IPC_523128M5MP"},
		{"onvif/bad/control-chars.xml", "Evil Corp xoBevil", "M 1", NULL, NULL},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		gsize len = 0;
		g_autofree gchar *data = test_data_load(cases[i].file, &len);
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrOnvifDeviceInfo) info = nvr_onvif_parse_device_info(data, len, &error);

		g_assert_no_error(error);
		g_assert_cmpstr(info->manufacturer, ==, cases[i].manufacturer);
		g_assert_cmpstr(info->model, ==, cases[i].model);
		g_assert_cmpstr(info->firmware_version, ==, cases[i].firmware);
		g_assert_cmpstr(info->hardware_id, ==, cases[i].hardware_id);
	}
}

static void
test_onvif_parse_interfaces(void)
{
	gsize len = 0;
	g_autofree gchar *data = test_data_load("onvif/generic/GetNetworkInterfaces.xml", &len);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) ifaces = nvr_onvif_parse_network_interfaces(data, len, &error);
	NvrOnvifNetworkInterface *eth0, *wlan0;

	g_assert_no_error(error);
	g_assert_cmpuint(ifaces->len, ==, 2);
	eth0 = g_ptr_array_index(ifaces, 0);
	wlan0 = g_ptr_array_index(ifaces, 1);
	g_assert_cmpstr(eth0->token, ==, "eth0");
	g_assert_cmpstr(eth0->name, ==, "eth0");
	g_assert_cmpstr(eth0->mac, ==, "44:19:B6:01:02:03");
	g_assert_cmpstr(eth0->ipv4_address, ==, "192.0.2.64");
	g_assert_true(eth0->enabled);
	g_assert_cmpstr(wlan0->mac, ==, NULL);
	g_assert_cmpstr(wlan0->ipv4_address, ==, "198.51.100.7");
	g_assert_false(wlan0->enabled);
}

static void
test_onvif_parse_services(void)
{
	gsize len = 0, len2 = 0;
	g_autofree gchar *data = test_data_load("onvif/generic/GetServices.xml", &len);
	g_autofree gchar *caps = test_data_load("onvif/generic/GetCapabilities.xml", &len2);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrOnvifServices) s1 = nvr_onvif_parse_services(data, len, &error);
	g_autoptr(NvrOnvifServices) s2 = NULL;

	g_assert_no_error(error);
	g_assert_cmpstr(s1->device_xaddr, ==, "http://192.0.2.64/onvif/device_service");
	g_assert_cmpstr(s1->media_xaddr, ==, "http://192.0.2.64/onvif/Media");
	g_assert_cmpstr(s1->media2_xaddr, ==, "http://192.0.2.64/onvif/Media2");
	s2 = nvr_onvif_parse_capabilities(caps, len2, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(s2->device_xaddr, ==, "http://192.0.2.64/onvif/device_service");
	g_assert_cmpstr(s2->media_xaddr, ==, "http://192.0.2.64/onvif/Media");
	g_assert_null(s2->media2_xaddr);
}

static void
test_onvif_parse_profiles(void)
{
	gsize len = 0;
	g_autofree gchar *data = test_data_load("onvif/generic/GetProfiles.xml", &len);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) profiles = nvr_onvif_parse_profiles(data, len, &error);
	NvrOnvifProfile *p;

	g_assert_no_error(error);
	g_assert_cmpuint(profiles->len, ==, 2); /* the third has no token */
	p = g_ptr_array_index(profiles, 0);
	g_assert_cmpstr(p->token, ==, "Profile_1");
	g_assert_cmpstr(p->name, ==, "mainStream");
	g_assert_cmpstr(p->video_source_token, ==, "VideoSource_1");
	g_assert_cmpstr(p->encoding, ==, "H264");
	g_assert_cmpuint(p->width, ==, 1920);
	g_assert_cmpuint(p->height, ==, 1080);
	g_assert_cmpuint(p->frame_rate_limit, ==, 25);
	g_assert_cmpuint(p->bitrate_limit_kbps, ==, 4096);
	p = g_ptr_array_index(profiles, 1);
	g_assert_cmpstr(p->token, ==, "Profile_2");
	g_assert_cmpuint(p->width, ==, 640);
}

/* Reolink: no namespace declared at all, even on the envelope and on attributes */
static void
test_onvif_parse_undeclared_prefixes(void)
{
	gsize len = 0;
	g_autofree gchar *data = test_data_load("onvif/reolink/GetProfiles.xml", &len);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) profiles = nvr_onvif_parse_profiles(data, len, &error);
	NvrOnvifProfile *p;

	g_assert_no_error(error);
	g_assert_cmpuint(profiles->len, ==, 2);
	p = g_ptr_array_index(profiles, 0);
	g_assert_cmpstr(p->token, ==, "000");
	g_assert_cmpuint(p->width, ==, 2560);
	g_assert_cmpuint(p->height, ==, 1920);
	p = g_ptr_array_index(profiles, 1);
	g_assert_cmpstr(p->token, ==, "001");
	g_assert_cmpuint(p->width, ==, 640);
}

static void
test_onvif_parse_uris(void)
{
	struct {
		const gchar *file;
		gboolean stream;
		const gchar *uri;
	} cases[] = {
		{"onvif/generic/GetStreamUri.xml", TRUE,
		 "rtsp://192.0.2.64:554/Streaming/Channels/"
		 "101?transportmode=unicast&profile=Profile_1"},
		{"onvif/dahua/GetStreamUri.xml", TRUE,
		 "rtsp://192.0.2.108:554/cam/"
		 "realmonitor?channel=1&subtype=0&unicast=true&proto=Onvif"},
		{"onvif/bad/stream-uri-credentials.xml", TRUE, "rtsp://192.0.2.1:554/live"},
		{"onvif/generic/GetSnapshotUri.xml", FALSE,
		 "http://192.0.2.64/onvif-http/snapshot?Profile_1"},
		{"onvif/dahua/GetSnapshotUri.xml", FALSE,
		 "http://192.0.2.108/onvifsnapshot/media_service/snapshot?channel=1&subtype=1"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		gsize len = 0;
		g_autofree gchar *data = test_data_load(cases[i].file, &len);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *uri = cases[i].stream
						? nvr_onvif_parse_stream_uri(data, len, &error)
						: nvr_onvif_parse_snapshot_uri(data, len, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(uri, ==, cases[i].uri);
	}
}

static void
test_onvif_parse_faults(void)
{
	struct {
		const gchar *file;
		gint code;
		const gchar *message;
	} cases[] = {
		{"onvif/hikvision/fault-not-authorized.xml", NVR_ERROR_AUTH,
		 "SOAP fault env:Sender ter:NotAuthorized: The action requested requires "
		 "authorization and the sender is not authorized"},
		{"onvif/dahua/fault-not-authorized.xml", NVR_ERROR_AUTH,
		 "SOAP fault s:Sender ter:NotAuthorized: Sender not Authorized"},
		{"onvif/dahua/fault-action-not-supported.xml", NVR_ERROR_NOT_SUPPORTED,
		 "SOAP fault s:Receiver ter:ActionNotSupported ter:NoSuchService: Optional Action "
		 "Not "
		 "Implemented"},
		{"onvif/generic/fault-soap11.xml", NVR_ERROR_FAILED,
		 "SOAP fault SOAP-ENV:Client: Method not implemented"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		gsize len = 0;
		g_autofree gchar *data = test_data_load(cases[i].file, &len);
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrOnvifDeviceInfo) info = nvr_onvif_parse_device_info(data, len, &error);

		g_assert_null(info);
		g_assert_error(error, NVR_ERROR, cases[i].code);
		g_assert_cmpstr(error->message, ==, cases[i].message);
	}
}

static void
test_onvif_parse_rejects(void)
{
	struct {
		const gchar *file;
		const gchar *message;
	} cases[] = {
		{"onvif/bad/wrong-namespace.xml", "reply has no GetDeviceInformationResponse"},
		{"onvif/bad/wrong-envelope-namespace.xml", "reply is not a SOAP envelope"},
		{"onvif/bad/billion-laughs.xml", "reply has a document type declaration"},
		{"onvif/bad/external-entity.xml", "reply has a document type declaration"},
		{"onvif/bad/undefined-entity.xml", "malformed XML"},
		{"onvif/bad/malformed.xml", "malformed XML"},
		{"onvif/generic/GetProfiles.xml", "reply has no GetDeviceInformationResponse"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		gsize len = 0;
		g_autofree gchar *data = test_data_load(cases[i].file, &len);
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrOnvifDeviceInfo) info = nvr_onvif_parse_device_info(data, len, &error);

		g_assert_null(info);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
		if (!g_str_has_prefix(error->message, cases[i].message))
			g_error("%s: got '%s'", cases[i].file, error->message);
	}
}

static void
test_onvif_parse_rejects_bytes(void)
{
	const gchar *ok = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">"
			  "<s:Body><x/></s:Body></s:Envelope>";
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrSoapDoc) doc = nvr_soap_doc_parse(ok, strlen(ok), &error);
	g_autofree gchar *latin1 = g_strdup(ok);
	g_autofree gchar *huge = g_malloc0(NVR_SOAP_MAX_BYTES + 1);

	g_assert_no_error(error);
	g_assert_nonnull(doc);
	/* a NUL in the middle */
	g_assert_null(nvr_soap_doc_parse(ok, strlen(ok) + 1, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
	g_clear_error(&error);
	/* Latin-1 bytes; also when the declaration claims that encoding */
	latin1[strlen(latin1) - 20] = (gchar)0xe9;
	g_assert_null(nvr_soap_doc_parse(latin1, strlen(latin1), &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
	g_assert_cmpstr(error->message, ==, "reply is not valid UTF-8");
	g_clear_error(&error);
	/* over the cap: refused before libxml2 sees it */
	memset(huge, ' ', NVR_SOAP_MAX_BYTES + 1);
	g_assert_null(nvr_soap_doc_parse(huge, NVR_SOAP_MAX_BYTES + 1, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
	g_assert_nonnull(strstr(error->message, "larger than"));
	g_clear_error(&error);
	g_assert_null(nvr_soap_doc_parse("", 0, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
}

/* deep nesting is refused by libxml2's depth limit, not by our stack */
static void
test_onvif_parse_deep(void)
{
	g_autoptr(GString) s = g_string_new(
		"<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>");
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrOnvifDeviceInfo) info = NULL;

	for (guint i = 0; i < 20000; i++)
		g_string_append(s, "<a>");
	info = nvr_onvif_parse_device_info(s->str, s->len, &error);
	g_assert_null(info);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/nvr/discovery/text/clean", test_text_clean);
	g_test_add_func("/nvr/discovery/text/clean-huge", test_text_clean_huge);
	g_test_add_func("/nvr/discovery/text/mac", test_text_mac);
	g_test_add_func("/nvr/discovery/text/http-url", test_text_http_url);
	g_test_add_func("/nvr/discovery/onvif/digest-vector", test_onvif_digest_vector);
	g_test_add_func("/nvr/discovery/onvif/envelope", test_onvif_envelope);
	g_test_add_func("/nvr/discovery/onvif/parse/date-time", test_onvif_parse_date_time);
	g_test_add_func("/nvr/discovery/onvif/parse/device-info", test_onvif_parse_device_info);
	g_test_add_func("/nvr/discovery/onvif/parse/interfaces", test_onvif_parse_interfaces);
	g_test_add_func("/nvr/discovery/onvif/parse/services", test_onvif_parse_services);
	g_test_add_func("/nvr/discovery/onvif/parse/profiles", test_onvif_parse_profiles);
	g_test_add_func("/nvr/discovery/onvif/parse/undeclared-prefixes",
			test_onvif_parse_undeclared_prefixes);
	g_test_add_func("/nvr/discovery/onvif/parse/uris", test_onvif_parse_uris);
	g_test_add_func("/nvr/discovery/onvif/parse/faults", test_onvif_parse_faults);
	g_test_add_func("/nvr/discovery/onvif/parse/rejects", test_onvif_parse_rejects);
	g_test_add_func("/nvr/discovery/onvif/parse/rejects-bytes", test_onvif_parse_rejects_bytes);
	g_test_add_func("/nvr/discovery/onvif/parse/deep", test_onvif_parse_deep);
	return g_test_run();
}
