#include "config.h"

#include <libsoup/soup.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/nvr-error.h"
#include "discovery/nvr-discovery-text.h"
#include "discovery/nvr-http-banner.h"
#include "discovery/nvr-neighbour.h"
#include "discovery/nvr-onvif-client.h"
#include "discovery/nvr-onvif.h"
#include "discovery/nvr-rtsp-banner.h"
#include "discovery/nvr-rtsp-describe.h"
#include "discovery/nvr-soap.h"
#include "discovery/nvr-wsd.h"
#include "nvr-test-common.h"

/* Returns: (transfer full): a file under tests/discovery/data */
static gchar *
test_data_load(const gchar *rel, gsize *len)
{
	/* not g_test_build_filename(): the namespace children run without g_test_init() */
	g_autofree gchar *path =
		g_build_filename(g_getenv("G_TEST_SRCDIR"), "discovery", "data", rel, NULL);
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
		/* unprefixed children under the envelope's default namespace */
		{"onvif/hikvision/GetDeviceInformation-default-ns.xml", "Hikvision", "DS-2CD1043G0-I",
		 "V5.5.800 build 210628", "88"},
		/* a BOM and a line end before the XML declaration */
		{"onvif/hikvision/GetDeviceInformation-bom-newline.xml", "HIKVISION", "DS-2CD2143G2-I",
		 "V5.7.15 build 230315", "88"},
		/* no prefix anywhere: the response itself is in the envelope's namespace */
		{"onvif/hikvision/GetDeviceInformation-no-prefix.xml", "HIKVISION", "DS-2CD2T47G2-L",
		 "V5.7.0 build 220218", "88"},
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
test_onvif_parse_uri_rejects(void)
{
	const gchar *files[] = {"onvif/bad/stream-uri-http.xml",
				"onvif/bad/stream-uri-no-host.xml"};

	for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
		gsize len = 0;
		g_autofree gchar *data = test_data_load(files[i], &len);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *uri = nvr_onvif_parse_stream_uri(data, len, &error);

		g_assert_null(uri);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
		g_assert_true(g_str_has_prefix(error->message, "stream URI from device: "));
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
	/* Latin-1 bytes, declared or not: read as ISO-8859-1, converted to UTF-8 */
	for (guint i = 0; i < 2; i++) {
		g_autoptr(NvrSoapDoc) d = NULL;
		g_autofree gchar *text = NULL;
		g_free(latin1);
		latin1 = g_strdup_printf("%s<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">"
					 "<s:Body><x>Cam\xe9ra</x></s:Body></s:Envelope>",
					 i == 0 ? "" : "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>");
		d = nvr_soap_doc_parse(latin1, strlen(latin1), &error);
		g_assert_no_error(error);
		text = nvr_soap_node_dup_text(nvr_soap_node_child(nvr_soap_doc_get_body(d), "x", NVR_SOAP_NS_ANY), 64);
		g_assert_cmpstr(text, ==, "Cam\xc3\xa9ra");
	}
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

/* ---- async plumbing shared by the network tests ---- */

static void
test_result_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	*(GAsyncResult **)user_data = g_object_ref(res);
}

/* Returns: (transfer full): the result, once the main context delivered it */
static GAsyncResult *
test_wait(GAsyncResult **res)
{
	while (*res == NULL)
		g_main_context_iteration(NULL, TRUE);
	return g_steal_pointer(res);
}

/* spin the main context for a while (lets in-test servers and timers run) */
G_GNUC_UNUSED static void
test_spin_ms(guint ms)
{
	gint64 until = g_get_monotonic_time() + (gint64)ms * 1000;

	while (g_get_monotonic_time() < until)
		g_main_context_iteration(NULL, FALSE) || (g_usleep(1000), TRUE);
}

/* ---- a raw TCP server in a thread: for devices that misbehave below HTTP ---- */

typedef enum {
	RAW_REPLY,   /* read the request head, write the reply, close */
	RAW_SILENT,  /* read the request head, never answer */
	RAW_TRICKLE, /* write the reply one byte per trickle_ms */
} RawMode;

typedef struct {
	GSocket *listener;
	guint16 port;
	GThread *thread;
	GCancellable *stop;
	RawMode mode;
	GBytes *reply;
	guint trickle_ms;
	GMutex lock;
	GString *request; /* protected by lock: the first request head */
	guint n_conn;	  /* protected by lock */
} RawServer;

static void
raw_server_read_head(RawServer *srv, GSocket *conn)
{
	g_autoptr(GString) head = g_string_new(NULL);
	gchar buf[4096];

	while (head->len < 65536 && strstr(head->str, "\r\n\r\n") == NULL) {
		gssize n = g_socket_receive(conn, buf, sizeof(buf), srv->stop, NULL);
		if (n <= 0)
			break;
		g_string_append_len(head, buf, n);
	}
	g_mutex_lock(&srv->lock);
	if (srv->request->len == 0)
		g_string_append(srv->request, head->str);
	srv->n_conn++;
	g_mutex_unlock(&srv->lock);
}

static void
raw_server_serve(RawServer *srv, GSocket *conn)
{
	gsize len = 0;
	const gchar *data = srv->reply != NULL ? g_bytes_get_data(srv->reply, &len) : NULL;

	raw_server_read_head(srv, conn);
	if (srv->mode == RAW_SILENT) {
		gchar buf[4096];
		/* swallow whatever comes until the client gives up (closes) or the test ends */
		while (g_socket_receive(conn, buf, sizeof(buf), srv->stop, NULL) > 0)
			;
		return;
	}
	for (gsize off = 0; off < len && !g_cancellable_is_cancelled(srv->stop);) {
		gsize chunk = srv->mode == RAW_TRICKLE ? 1 : len - off;
		gssize n = g_socket_send(conn, data + off, chunk, srv->stop, NULL);
		if (n <= 0)
			break;
		off += (gsize)n;
		if (srv->mode == RAW_TRICKLE)
			g_usleep(srv->trickle_ms * 1000);
	}
}

static gpointer
raw_server_thread(gpointer user_data)
{
	RawServer *srv = user_data;

	while (!g_cancellable_is_cancelled(srv->stop)) {
		g_autoptr(GSocket) conn = g_socket_accept(srv->listener, srv->stop, NULL);
		if (conn == NULL)
			break;
		raw_server_serve(srv, conn);
		g_socket_shutdown(conn, FALSE, TRUE, NULL);
		g_socket_close(conn, NULL);
	}
	return NULL;
}

static RawServer *
raw_server_new(RawMode mode, const gchar *reply, gsize reply_len)
{
	RawServer *srv = g_new0(RawServer, 1);
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(GError) error = NULL;

	srv->mode = mode;
	srv->trickle_ms = 50;
	srv->reply = reply != NULL ? g_bytes_new(reply, reply_len) : NULL;
	srv->stop = g_cancellable_new();
	srv->request = g_string_new(NULL);
	g_mutex_init(&srv->lock);
	srv->listener = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
				     G_SOCKET_PROTOCOL_TCP, &error);
	g_assert_no_error(error);
	g_socket_bind(srv->listener, addr, TRUE, &error);
	g_assert_no_error(error);
	g_socket_listen(srv->listener, &error);
	g_assert_no_error(error);
	bound = g_socket_get_local_address(srv->listener, &error);
	g_assert_no_error(error);
	srv->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	srv->thread = g_thread_new("raw-server", raw_server_thread, srv);
	return srv;
}

static gchar *
raw_server_dup_request(RawServer *srv)
{
	gchar *copy;

	g_mutex_lock(&srv->lock);
	copy = g_strdup(srv->request->str);
	g_mutex_unlock(&srv->lock);
	return copy;
}

static void
raw_server_free(RawServer *srv)
{
	g_cancellable_cancel(srv->stop);
	g_thread_join(srv->thread);
	g_socket_close(srv->listener, NULL);
	g_object_unref(srv->listener);
	g_object_unref(srv->stop);
	g_clear_pointer(&srv->reply, g_bytes_unref);
	g_string_free(srv->request, TRUE);
	g_mutex_clear(&srv->lock);
	g_free(srv);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RawServer, raw_server_free)

/* ---- an ONVIF device written from the specification, in libsoup ---- */

#define TEST_USER "admin"
#define TEST_PASSWORD "Pa55-w0rd!secret"

typedef struct {
	SoupServer *server;
	gchar *device_url;
	const gchar *persona; /* data/onvif/<persona>/<Op>.xml, else generic/ */
	const gchar *user;    /* WS-Security required when set */
	const gchar *password;
	GTimeSpan skew;		   /* the device's clock minus ours */
	gboolean no_get_services;  /* answers GetServices with ActionNotSupported */
	gboolean http_digest;	   /* HTTP Digest instead of WS-Security */
	GBytes *override;	   /* served for GetDeviceInformation if set */
	gboolean override_chunked; /* ... without a Content-Length */
	guint n_signed_ok;
	GPtrArray *ops;	   /* "path Op" of every request */
	GPtrArray *bodies; /* every request body */
} OnvifServer;

/* the text of the first <prefix:@tag ...>text</prefix:@tag> in @xml */
static gchar *
test_xml_text(const gchar *xml, const gchar *tag)
{
	g_autofree gchar *pattern = g_strdup_printf("<[A-Za-z0-9]+:%s(?: [^>]*)?>([^<]*)<", tag);
	g_autoptr(GRegex) re = g_regex_new(pattern, 0, 0, NULL);
	g_autoptr(GMatchInfo) m = NULL;

	if (!g_regex_match(re, xml, 0, &m))
		return NULL;
	return g_match_info_fetch(m, 1);
}

/* the first element in the Body, by local name */
static gchar *
test_soap_operation(const gchar *xml)
{
	g_autoptr(GRegex) re =
		g_regex_new("<[A-Za-z0-9]+:Body><[A-Za-z0-9]+:([A-Za-z]+)", 0, 0, NULL);
	g_autoptr(GMatchInfo) m = NULL;

	if (!g_regex_match(re, xml, 0, &m))
		return g_strdup("?");
	return g_match_info_fetch(m, 1);
}

/* recomputes the PasswordDigest independently and checks Created against the device clock */
static gboolean
onvif_server_token_ok(OnvifServer *srv, const gchar *xml)
{
	g_autofree gchar *user = test_xml_text(xml, "Username");
	g_autofree gchar *digest = test_xml_text(xml, "Password");
	g_autofree gchar *nonce_b64 = test_xml_text(xml, "Nonce");
	g_autofree gchar *created = test_xml_text(xml, "Created");
	g_autofree guchar *nonce = NULL;
	g_autofree gchar *expect = NULL;
	g_autoptr(GChecksum) sha1 = g_checksum_new(G_CHECKSUM_SHA1);
	g_autoptr(GDateTime) when = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	guint8 raw[20];
	gsize raw_len = sizeof(raw), nonce_len = 0;

	if (user == NULL || digest == NULL || nonce_b64 == NULL || created == NULL)
		return FALSE;
	g_assert_nonnull(strstr(xml, "#PasswordDigest\""));
	nonce = g_base64_decode(nonce_b64, &nonce_len);
	g_assert_cmpuint(nonce_len, ==, 16);
	g_checksum_update(sha1, nonce, (gssize)nonce_len);
	g_checksum_update(sha1, (const guchar *)created, -1);
	g_checksum_update(sha1, (const guchar *)srv->password, -1);
	g_checksum_get_digest(sha1, raw, &raw_len);
	expect = g_base64_encode(raw, raw_len);
	when = g_date_time_new_from_iso8601(created, NULL);
	if (when == NULL)
		return FALSE;
	/* as a camera does: Created must be near its own clock, however wrong that is */
	if (ABS(g_date_time_difference(when, now) - srv->skew) > 10 * G_TIME_SPAN_SECOND)
		return FALSE;
	return g_strcmp0(user, srv->user) == 0 && g_strcmp0(digest, expect) == 0;
}

static void
onvif_server_reply(SoupServerMessage *msg, guint status, const gchar *data, gsize len)
{
	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(msg, "application/soap+xml; charset=utf-8",
					 SOUP_MEMORY_COPY, data, len);
}

static void
onvif_server_reply_file(OnvifServer *srv, SoupServerMessage *msg, guint status, const gchar *name)
{
	g_autofree gchar *rel = g_strdup_printf("onvif/%s/%s.xml", srv->persona, name);
	g_autofree gchar *path = g_test_build_filename(G_TEST_DIST, "discovery", "data", rel, NULL);
	g_autofree gchar *data = NULL;
	gsize len = 0;

	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_free(rel);
		rel = g_strdup_printf("onvif/generic/%s.xml", name);
	}
	data = test_data_load(rel, &len);
	onvif_server_reply(msg, status, data, len);
}

static void
onvif_server_reply_time(OnvifServer *srv, SoupServerMessage *msg)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autoptr(GDateTime) dev = g_date_time_add(now, srv->skew);
	g_autofree gchar *xml = g_strdup_printf(
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		"<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\" "
		"xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\" "
		"xmlns:tt=\"http://www.onvif.org/ver10/schema\"><env:Body>"
		"<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
		"<tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</"
		"tt:DaylightSavings>"
		"<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone><tt:UTCDateTime>"
		"<tt:Time><tt:Hour>%d</tt:Hour><tt:Minute>%d</tt:Minute><tt:Second>%d</tt:Second></"
		"tt:Time>"
		"<tt:Date><tt:Year>%d</tt:Year><tt:Month>%d</tt:Month><tt:Day>%d</tt:Day></tt:Date>"
		"</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
		"</env:Body></env:Envelope>",
		g_date_time_get_hour(dev), g_date_time_get_minute(dev), g_date_time_get_second(dev),
		g_date_time_get_year(dev), g_date_time_get_month(dev),
		g_date_time_get_day_of_month(dev));

	onvif_server_reply(msg, SOUP_STATUS_OK, xml, strlen(xml));
}

static void
onvif_server_reply_override(OnvifServer *srv, SoupServerMessage *msg)
{
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	if (srv->override_chunked)
		soup_message_headers_set_encoding(soup_server_message_get_response_headers(msg),
						  SOUP_ENCODING_CHUNKED);
	soup_message_body_append_bytes(soup_server_message_get_response_body(msg), srv->override);
}

static void
onvif_server_cb(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
		gpointer user_data)
{
	OnvifServer *srv = user_data;
	g_autoptr(GBytes) body =
		soup_message_body_flatten(soup_server_message_get_request_body(msg));
	g_autofree gchar *xml = g_strndup(g_bytes_get_data(body, NULL), g_bytes_get_size(body));
	g_autofree gchar *op = test_soap_operation(xml);

	g_ptr_array_add(srv->bodies, g_strdup(xml));
	g_ptr_array_add(srv->ops, g_strdup_printf("%s %s", path, op));
	if (g_strcmp0(op, "GetSystemDateAndTime") == 0) {
		onvif_server_reply_time(srv, msg);
		return;
	}
	if (srv->user != NULL && !srv->http_digest) {
		if (!onvif_server_token_ok(srv, xml)) {
			onvif_server_reply_file(srv, msg, SOUP_STATUS_BAD_REQUEST,
						"fault-not-authorized");
			return;
		}
		srv->n_signed_ok++;
	}
	if (g_strcmp0(op, "GetServices") == 0 && srv->no_get_services) {
		onvif_server_reply_file(srv, msg, SOUP_STATUS_BAD_REQUEST,
					"../dahua/fault-action-not-supported");
		return;
	}
	if (g_strcmp0(op, "GetDeviceInformation") == 0 && srv->override != NULL) {
		onvif_server_reply_override(srv, msg);
		return;
	}
	onvif_server_reply_file(srv, msg, SOUP_STATUS_OK, op);
}

static gchar *
onvif_server_digest_cb(SoupAuthDomain *domain, SoupServerMessage *msg, const char *username,
		       gpointer user_data)
{
	OnvifServer *srv = user_data;

	if (g_strcmp0(username, srv->user) != 0)
		return NULL;
	return soup_auth_domain_digest_encode_password(username, "onvif-test", srv->password);
}

static OnvifServer *
onvif_server_new(const gchar *persona, gboolean http_digest)
{
	OnvifServer *srv = g_new0(OnvifServer, 1);
	g_autoptr(GError) error = NULL;
	GSList *uris;

	srv->persona = persona;
	srv->user = TEST_USER;
	srv->password = TEST_PASSWORD;
	srv->http_digest = http_digest;
	srv->ops = g_ptr_array_new_with_free_func(g_free);
	srv->bodies = g_ptr_array_new_with_free_func(g_free);
	srv->server = soup_server_new(NULL, NULL);
	soup_server_add_handler(srv->server, NULL, onvif_server_cb, srv, NULL);
	if (http_digest) {
		g_autoptr(SoupAuthDomain) domain =
			soup_auth_domain_digest_new("realm", "onvif-test", NULL);
		soup_auth_domain_digest_set_auth_callback(domain, onvif_server_digest_cb, srv,
							  NULL);
		soup_auth_domain_add_path(domain, "/");
		soup_server_add_auth_domain(srv->server, domain);
	}
	soup_server_listen_local(srv->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
	g_assert_no_error(error);
	uris = soup_server_get_uris(srv->server);
	srv->device_url = g_strdup_printf("http://127.0.0.1:%d/onvif/device_service",
					  g_uri_get_port(uris->data));
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
	return srv;
}

static void
onvif_server_free(OnvifServer *srv)
{
	soup_server_disconnect(srv->server);
	g_object_unref(srv->server);
	g_free(srv->device_url);
	g_clear_pointer(&srv->override, g_bytes_unref);
	g_ptr_array_unref(srv->ops);
	g_ptr_array_unref(srv->bodies);
	g_free(srv);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OnvifServer, onvif_server_free)

/* no request ever carried the password, in any form but the digest */
static void
onvif_server_assert_no_password(OnvifServer *srv)
{
	for (guint i = 0; i < srv->bodies->len; i++) {
		g_assert_null(strstr(g_ptr_array_index(srv->bodies, i), TEST_PASSWORD));
		g_assert_null(strstr(g_ptr_array_index(srv->bodies, i), "PasswordText"));
	}
}

static NvrOnvifClient *
test_onvif_client(const gchar *url, const gchar *password)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrOnvifClient) client = nvr_onvif_client_new(url, &error);

	g_assert_no_error(error);
	if (password != NULL) {
		nvr_onvif_client_set_credentials(client, TEST_USER, password, &error);
		g_assert_no_error(error);
	}
	return g_steal_pointer(&client);
}

static NvrOnvifDeviceInfo *
test_onvif_device_info(NvrOnvifClient *client, GError **error)
{
	GAsyncResult *res = NULL;
	g_autoptr(GAsyncResult) done = NULL;

	nvr_onvif_client_get_device_information_async(client, NULL, test_result_cb, &res);
	done = test_wait(&res);
	return nvr_onvif_client_get_device_information_finish(client, done, error);
}

static void
test_net_onvif_personas(void)
{
	struct {
		const gchar *persona;
		const gchar *manufacturer;
		const gchar *hardware_id;
	} cases[] = {
		{"generic", "ExampleCam", "EC100HW"},
		{"hikvision", "HIKVISION", "88"},
		{"dahua", "Dahua", "1.00"},
		{"reolink", "Reolink", "IPC_523128M5MP"},
	};

	nvr_test_watchdog_start(60);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(OnvifServer) srv = onvif_server_new(cases[i].persona, FALSE);
		g_autoptr(NvrOnvifClient) client =
			test_onvif_client(srv->device_url, TEST_PASSWORD);
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrOnvifDeviceInfo) info = NULL;

		/* the device's clock is three days ahead: Created must follow it */
		srv->skew = 3 * G_TIME_SPAN_DAY + 17 * G_TIME_SPAN_SECOND;
		info = test_onvif_device_info(client, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(info->manufacturer, ==, cases[i].manufacturer);
		g_assert_cmpstr(info->hardware_id, ==, cases[i].hardware_id);
		g_assert_cmpuint(srv->n_signed_ok, ==, 1);
		g_assert_cmpuint(srv->ops->len, ==, 2);
		g_assert_cmpstr(g_ptr_array_index(srv->ops, 0), ==,
				"/onvif/device_service GetSystemDateAndTime");
		g_assert_null(strstr(g_ptr_array_index(srv->bodies, 0), "Security"));
		onvif_server_assert_no_password(srv);
	}
	nvr_test_watchdog_stop();
}

static void
test_net_onvif_clock_offset(void)
{
	g_autoptr(OnvifServer) srv = onvif_server_new("generic", FALSE);
	g_autoptr(NvrOnvifClient) client = test_onvif_client(srv->device_url, TEST_PASSWORD);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrOnvifDeviceInfo) info = NULL;
	g_autoptr(NvrOnvifDeviceInfo) again = NULL;
	GTimeSpan offset = 0;

	nvr_test_watchdog_start(60);
	srv->skew = -400 * G_TIME_SPAN_DAY;
	g_assert_false(nvr_onvif_client_get_clock_offset(client, &offset));
	info = test_onvif_device_info(client, &error);
	g_assert_no_error(error);
	g_assert_true(nvr_onvif_client_get_clock_offset(client, &offset));
	g_assert_cmpint(ABS(offset - srv->skew), <, 3 * G_TIME_SPAN_SECOND);
	/* the clock is read once per client */
	again = test_onvif_device_info(client, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(srv->ops->len, ==, 3);
	g_assert_cmpuint(srv->n_signed_ok, ==, 2);
	nvr_test_watchdog_stop();
}

static void
test_net_onvif_media_flow(void)
{
	g_autoptr(OnvifServer) srv = onvif_server_new("dahua", FALSE);
	g_autoptr(NvrOnvifClient) client = test_onvif_client(srv->device_url, TEST_PASSWORD);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) profiles = NULL;
	g_autoptr(GPtrArray) ifaces = NULL;
	g_autoptr(GAsyncResult) done = NULL;
	g_autofree gchar *stream = NULL;
	g_autofree gchar *snapshot = NULL;
	GAsyncResult *res = NULL;

	nvr_test_watchdog_start(60);
	nvr_onvif_client_get_profiles_async(client, NULL, test_result_cb, &res);
	done = test_wait(&res);
	profiles = nvr_onvif_client_get_profiles_finish(client, done, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(profiles->len, ==, 2);
	g_clear_object(&done);

	nvr_onvif_client_get_stream_uri_async(client, "Profile_1", NULL, test_result_cb, &res);
	done = test_wait(&res);
	stream = nvr_onvif_client_get_stream_uri_finish(client, done, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(stream, ==,
			"rtsp://192.0.2.108:554/cam/"
			"realmonitor?channel=1&subtype=0&unicast=true&proto=Onvif");
	g_clear_object(&done);

	nvr_onvif_client_get_snapshot_uri_async(client, "Profile_1", NULL, test_result_cb, &res);
	done = test_wait(&res);
	snapshot = nvr_onvif_client_get_snapshot_uri_finish(client, done, &error);
	g_assert_no_error(error);
	g_assert_true(g_str_has_prefix(snapshot, "http://192.0.2.108/onvifsnapshot/"));
	g_clear_object(&done);

	nvr_onvif_client_get_network_interfaces_async(client, NULL, test_result_cb, &res);
	done = test_wait(&res);
	ifaces = nvr_onvif_client_get_network_interfaces_finish(client, done, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(ifaces->len, ==, 2);

	/* the media XAddr named 192.0.2.64: its path was used, on the device we were given */
	g_assert_cmpuint(srv->ops->len, ==, 6);
	g_assert_cmpstr(g_ptr_array_index(srv->ops, 0), ==,
			"/onvif/device_service GetSystemDateAndTime");
	g_assert_cmpstr(g_ptr_array_index(srv->ops, 1), ==, "/onvif/device_service GetServices");
	g_assert_cmpstr(g_ptr_array_index(srv->ops, 2), ==, "/onvif/Media GetProfiles");
	g_assert_cmpstr(g_ptr_array_index(srv->ops, 3), ==, "/onvif/Media GetStreamUri");
	g_assert_cmpstr(g_ptr_array_index(srv->ops, 4), ==, "/onvif/Media GetSnapshotUri");
	g_assert_cmpstr(g_ptr_array_index(srv->ops, 5), ==,
			"/onvif/device_service GetNetworkInterfaces");
	g_assert_nonnull(
		strstr(g_ptr_array_index(srv->bodies, 3), "<tt:Stream>RTP-Unicast</tt:Stream>"));
	g_assert_nonnull(strstr(g_ptr_array_index(srv->bodies, 3),
				"<trt:ProfileToken>Profile_1</trt:ProfileToken>"));
	g_assert_cmpuint(srv->n_signed_ok, ==, 5);
	onvif_server_assert_no_password(srv);
	nvr_test_watchdog_stop();
}

static void
test_net_onvif_capabilities_fallback(void)
{
	g_autoptr(OnvifServer) srv = onvif_server_new("generic", FALSE);
	g_autoptr(NvrOnvifClient) client = test_onvif_client(srv->device_url, TEST_PASSWORD);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrOnvifServices) services = NULL;
	g_autoptr(GPtrArray) profiles = NULL;
	g_autoptr(GAsyncResult) done = NULL;
	GAsyncResult *res = NULL;

	nvr_test_watchdog_start(60);
	srv->no_get_services = TRUE;
	nvr_onvif_client_get_services_async(client, NULL, test_result_cb, &res);
	done = test_wait(&res);
	services = nvr_onvif_client_get_services_finish(client, done, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(services->media_xaddr, ==, "http://192.0.2.64/onvif/Media");
	g_clear_object(&done);
	nvr_onvif_client_get_profiles_async(client, NULL, test_result_cb, &res);
	done = test_wait(&res);
	profiles = nvr_onvif_client_get_profiles_finish(client, done, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(profiles->len, ==, 2);
	g_assert_cmpuint(srv->ops->len, ==, 4);
	g_assert_cmpstr(g_ptr_array_index(srv->ops, 1), ==, "/onvif/device_service GetServices");
	g_assert_cmpstr(g_ptr_array_index(srv->ops, 2), ==,
			"/onvif/device_service GetCapabilities");
	g_assert_cmpstr(g_ptr_array_index(srv->ops, 3), ==, "/onvif/Media GetProfiles");
	nvr_test_watchdog_stop();
}

static void
test_net_onvif_auth_refused(void)
{
	g_autoptr(OnvifServer) srv = onvif_server_new("hikvision", FALSE);
	g_autoptr(NvrOnvifClient) client =
		test_onvif_client(srv->device_url, "wrong-" TEST_PASSWORD);
	g_autoptr(NvrOnvifClient) anonymous = test_onvif_client(srv->device_url, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrOnvifDeviceInfo) info = NULL;

	nvr_test_watchdog_start(60);
	info = test_onvif_device_info(client, &error);
	g_assert_null(info);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_AUTH);
	g_assert_nonnull(strstr(error->message, "ter:NotAuthorized"));
	g_assert_nonnull(strstr(error->message, "GetDeviceInformation at http://127.0.0.1:"));
	g_assert_null(strstr(error->message, TEST_PASSWORD));
	g_clear_error(&error);
	info = test_onvif_device_info(anonymous, &error);
	g_assert_null(info);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_AUTH);
	g_assert_nonnull(strstr(error->message, "no credentials given"));
	nvr_test_watchdog_stop();
}

static void
test_net_onvif_http_digest(void)
{
	g_autoptr(OnvifServer) srv = onvif_server_new("generic", TRUE);
	g_autoptr(NvrOnvifClient) client = test_onvif_client(srv->device_url, TEST_PASSWORD);
	g_autoptr(NvrOnvifClient) anonymous = test_onvif_client(srv->device_url, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrOnvifDeviceInfo) info = NULL;

	nvr_test_watchdog_start(60);
	info = test_onvif_device_info(client, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(info->manufacturer, ==, "ExampleCam");
	g_clear_pointer(&info, nvr_onvif_device_info_free);
	info = test_onvif_device_info(anonymous, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_AUTH);
	g_assert_nonnull(strstr(error->message, "HTTP 401"));
	nvr_test_watchdog_stop();
}

static void
test_net_onvif_bad_replies(void)
{
	const gchar *files[] = {
		"onvif/bad/malformed.xml",
		"onvif/bad/wrong-namespace.xml",
		"onvif/bad/billion-laughs.xml",
		"onvif/bad/external-entity.xml",
	};

	nvr_test_watchdog_start(60);
	for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autoptr(OnvifServer) srv = onvif_server_new("generic", FALSE);
		g_autoptr(NvrOnvifClient) client =
			test_onvif_client(srv->device_url, TEST_PASSWORD);
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrOnvifDeviceInfo) info = NULL;
		gsize len = 0;
		gchar *data = test_data_load(files[i], &len);

		srv->override = g_bytes_new_take(data, len);
		info = test_onvif_device_info(client, &error);
		g_assert_null(info);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
	}
	nvr_test_watchdog_stop();
}

/* ten megabytes, with and without a Content-Length: an error, not ten megabytes of memory */
static void
test_net_onvif_huge_reply(void)
{
	nvr_test_watchdog_start(60);
	for (guint chunked = 0; chunked < 2; chunked++) {
		g_autoptr(OnvifServer) srv = onvif_server_new("generic", FALSE);
		g_autoptr(NvrOnvifClient) client =
			test_onvif_client(srv->device_url, TEST_PASSWORD);
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrOnvifDeviceInfo) info = NULL;
		gsize len = 10 * 1024 * 1024;
		gchar *data = g_malloc(len);

		memset(data, ' ', len);
		srv->override = g_bytes_new_take(data, len);
		srv->override_chunked = chunked;
		info = test_onvif_device_info(client, &error);
		g_assert_null(info);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
		g_assert_nonnull(strstr(error->message, "larger than"));
	}
	nvr_test_watchdog_stop();
}

/* accepts, reads, never answers; and answers one byte per 50 ms: both end at the deadline */
static void
test_net_onvif_stalls(void)
{
	const gchar *slow = "HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\n"
			    "Content-Length: 2000\r\n\r\n<?xml version=\"1.0\"?><s:Envelope>";

	nvr_test_watchdog_start(60);
	for (RawMode mode = RAW_SILENT; mode <= RAW_TRICKLE; mode++) {
		g_autoptr(RawServer) raw = raw_server_new(mode, slow, strlen(slow));
		g_autofree gchar *url =
			g_strdup_printf("http://127.0.0.1:%u/onvif/device_service", raw->port);
		/* with credentials: the clock step stalls first, and no second exchange follows */
		g_autoptr(NvrOnvifClient) client = test_onvif_client(url, TEST_PASSWORD);
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrOnvifDeviceInfo) info = NULL;
		gint64 start = g_get_monotonic_time();
		gint64 elapsed_ms;

		nvr_onvif_client_set_timeout(client, 700);
		info = test_onvif_device_info(client, &error);
		elapsed_ms = (g_get_monotonic_time() - start) / 1000;
		g_assert_null(info);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_TIMEOUT);
		g_assert_cmpint(elapsed_ms, >=, 650);
		g_assert_cmpint(elapsed_ms, <, 2500);
		g_test_message("mode %d: timed out after %" G_GINT64_FORMAT " ms", mode,
			       elapsed_ms);
	}
	nvr_test_watchdog_stop();
}

static gboolean
test_cancel_cb(gpointer user_data)
{
	g_cancellable_cancel(G_CANCELLABLE(user_data));
	return G_SOURCE_REMOVE;
}

static void
test_net_onvif_cancel(void)
{
	g_autoptr(RawServer) raw = raw_server_new(RAW_SILENT, NULL, 0);
	g_autofree gchar *url =
		g_strdup_printf("http://127.0.0.1:%u/onvif/device_service", raw->port);
	g_autoptr(NvrOnvifClient) client = test_onvif_client(url, NULL);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrOnvifDeviceInfo) info = NULL;
	g_autoptr(GAsyncResult) done = NULL;
	GAsyncResult *res = NULL;
	gint64 start = g_get_monotonic_time();

	nvr_test_watchdog_start(60);
	g_timeout_add(100, test_cancel_cb, cancellable);
	nvr_onvif_client_get_device_information_async(client, cancellable, test_result_cb, &res);
	done = test_wait(&res);
	info = nvr_onvif_client_get_device_information_finish(client, done, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_CANCELLED);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 2 * G_TIME_SPAN_SECOND);
	nvr_test_watchdog_stop();
}

/* a TCP port on 127.0.0.1 that was bound a moment ago and is closed now: nothing listens */
static guint16
test_closed_port(void)
{
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
					       G_SOCKET_PROTOCOL_TCP, &error);
	guint16 port;

	g_assert_no_error(error);
	g_socket_bind(sock, addr, FALSE, &error);
	g_assert_no_error(error);
	bound = g_socket_get_local_address(sock, &error);
	g_assert_no_error(error);
	port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	g_socket_close(sock, NULL);
	return port;
}

static void
test_net_onvif_refused(void)
{
	g_autofree gchar *url =
		g_strdup_printf("http://127.0.0.1:%u/onvif/device_service", test_closed_port());
	g_autoptr(NvrOnvifClient) client = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrOnvifDeviceInfo) info = NULL;

	nvr_test_watchdog_start(60);
	client = test_onvif_client(url, TEST_PASSWORD);
	info = test_onvif_device_info(client, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_IO);
	g_assert_null(strstr(error->message, TEST_PASSWORD));
	nvr_test_watchdog_stop();
}

static void
test_onvif_client_arguments(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrOnvifClient) client = NULL;
	g_autoptr(GAsyncResult) done = NULL;
	g_autofree gchar *uri = NULL;
	GAsyncResult *res = NULL;

	g_assert_null(nvr_onvif_client_new("http://admin:hunter2@192.0.2.1/onvif/device_service",
					   &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_assert_null(strstr(error->message, "hunter2"));
	g_clear_error(&error);
	g_assert_null(nvr_onvif_client_new("rtsp://192.0.2.1/", &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	client = nvr_onvif_client_new("http://192.0.2.1", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(nvr_onvif_client_get_device_url(client), ==,
			"http://192.0.2.1/onvif/device_service");
	g_assert_false(nvr_onvif_client_set_credentials(client, "bad\nuser", "x", &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	/* a token that would break out of our XML never reaches the wire */
	nvr_onvif_client_get_stream_uri_async(client, "a\x01</trt:ProfileToken>", NULL,
					      test_result_cb, &res);
	done = test_wait(&res);
	uri = nvr_onvif_client_get_stream_uri_finish(client, done, &error);
	g_assert_null(uri);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
}

/* ---- HTTP and RTSP banners ---- */

static void
test_http_challenges(void)
{
	struct {
		const gchar *header;
		const gchar *expect; /* "scheme/realm|scheme/realm", realm "-" when absent */
	} cases[] = {
		{"Digest realm=\"hikvision\", nonce=\"abc\", qop=\"auth\"", "Digest/hikvision"},
		{"Basic realm=\"TP-LINK IP-Camera\"", "Basic/TP-LINK IP-Camera"},
		{"Digest realm=\"a, b\", nonce=\"x\", Basic realm=\"c\"", "Digest/a, b|Basic/c"},
		{"Negotiate abc123==, Basic realm=plain", "Negotiate/-|Basic/plain"},
		{"Bearer, Basic", "Bearer/-|Basic/-"},
		{"Digest realm=\"unterminated", "Digest/unterminated"},
		{"Digest realm=\"esc\\\"aped\"", "Digest/esc\"aped"},
		{"Digest REALM = \"upper\" , nonce=1", "Digest/upper"},
		{"Basic realm=\"\x01"
		 "ctl\x7f\"",
		 "Basic/ctl"},
		{"Digest realm=\"\"", "Digest/-"},
		{"Basic realm=\"Use 'live' as User Name\"", "Basic/Use 'live' as User Name"},
		{"=realm=\"x\" Basic", "realm/-|Basic/-"}, /* junk: stepped over, never fatal */
		{", , ,", ""},
		{"", ""},
		{"\"\"\"\"", ""},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GPtrArray) chs =
			g_ptr_array_new_with_free_func((GDestroyNotify)nvr_http_challenge_free);
		g_autoptr(GString) got = g_string_new(NULL);
		guint n = nvr_http_challenges_parse(cases[i].header, chs);

		g_assert_cmpuint(n, ==, chs->len);
		for (guint j = 0; j < chs->len; j++) {
			NvrHttpChallenge *ch = g_ptr_array_index(chs, j);
			g_string_append_printf(got, "%s%s/%s", j > 0 ? "|" : "", ch->scheme,
					       ch->realm != NULL ? ch->realm : "-");
		}
		if (g_strcmp0(got->str, cases[i].expect) != 0)
			g_error("case %u: '%s' gave '%s'", i, cases[i].header, got->str);
	}
}

static void
test_http_challenges_bounded(void)
{
	g_autoptr(GString) many = g_string_new(NULL);
	g_autoptr(GPtrArray) chs =
		g_ptr_array_new_with_free_func((GDestroyNotify)nvr_http_challenge_free);
	g_autoptr(GString) long_realm = g_string_new("Basic realm=\"");
	NvrHttpChallenge *ch;

	for (guint i = 0; i < 100000; i++)
		g_string_append(many, "Basic, ");
	g_assert_cmpuint(nvr_http_challenges_parse(many->str, chs), ==, 16);
	g_ptr_array_set_size(chs, 0);
	for (guint i = 0; i < 100000; i++)
		g_string_append_c(long_realm, 'r');
	g_assert_cmpuint(nvr_http_challenges_parse(long_realm->str, chs), ==, 1);
	ch = g_ptr_array_index(chs, 0);
	g_assert_cmpuint(strlen(ch->realm), ==, NVR_DISCOVERY_TEXT_MAX);
}

static void
test_http_title(void)
{
	struct {
		const gchar *body;
		gssize len;
		const gchar *title;
	} cases[] = {
		{"<html><head><TITLE>  Hanwha &amp; Techwin&#33;&#x3f; </TITLE></head>", -1,
		 "Hanwha & Techwin!?"},
		{"<title id=\"t\">AXIS</title>", -1, "AXIS"},
		{"<title>a&bogus;b&#0;c&#xffffffff;d</title>", -1, "a&bogus;b&#0;c&#xffffffff;d"},
		{"<title>line\none\r\n\ttwo</title>", -1, "line one two"},
		{"<title>caf\xe9</title>", -1, "caf\xef\xbf\xbd"},
		{"<title>no end", -1, "no end"},
		{"<titlefoo>x</titlefoo>", -1, NULL},
		{"<html>no title</html>", -1, NULL},
		{"<title>", -1, NULL},
		{"xx<title", -1, NULL},
		{"<title>cut here</title>", 13, "cut he"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		gsize len = cases[i].len < 0 ? strlen(cases[i].body) : (gsize)cases[i].len;
		/* a copy of exactly len bytes, so ASan sees any read past the end */
		g_autofree gchar *copy = g_memdup2(cases[i].body, len);
		g_autofree gchar *title = nvr_http_title_parse(copy, len);
		g_assert_cmpstr(title, ==, cases[i].title);
	}
}

static NvrRtspBanner *
test_rtsp_parse_file(const gchar *name, GError **error)
{
	g_autofree gchar *rel = g_strdup_printf("rtsp/%s.txt", name);
	gsize len = 0;
	g_autofree gchar *data = test_data_load(rel, &len);

	return nvr_rtsp_banner_parse(data, len, error);
}

static void
test_rtsp_parse(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrRtspBanner) dahua = test_rtsp_parse_file("dahua", &error);
	g_autoptr(NvrRtspBanner) unauth = NULL;
	g_autoptr(NvrRtspBanner) folded = NULL;
	g_autoptr(NvrRtspBanner) bare = NULL;
	g_autoptr(NvrRtspBanner) hostile = NULL;
	NvrHttpChallenge *ch;

	g_assert_no_error(error);
	g_assert_cmpuint(dahua->status, ==, 200);
	g_assert_cmpstr(dahua->reason, ==, "OK");
	g_assert_cmpstr(dahua->server, ==, "Dahua Rtsp Server");
	g_assert_cmpuint(g_strv_length(dahua->public_methods), ==, 9);
	g_assert_cmpstr(dahua->public_methods[1], ==, "DESCRIBE");
	g_assert_cmpuint(dahua->cseq, ==, 1);

	unauth = test_rtsp_parse_file("unauthorized", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(unauth->status, ==, 401);
	g_assert_null(unauth->server);
	g_assert_cmpuint(unauth->challenges->len, ==, 2);
	ch = g_ptr_array_index(unauth->challenges, 0);
	g_assert_cmpstr(ch->scheme, ==, "Digest");
	g_assert_cmpstr(ch->realm, ==, "IP Camera(C2358)");
	g_assert_cmpuint(g_strv_length(unauth->public_methods), ==, 0);

	folded = test_rtsp_parse_file("folded", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(folded->status, ==, 501);
	g_assert_cmpstr(folded->server, ==, "GStreamer RTSP server (folded continuation)");

	bare = test_rtsp_parse_file("bare-newlines", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(bare->server, ==, "bare-newlines");
	g_assert_cmpuint(g_strv_length(bare->public_methods), ==, 0); /* after the blank line */

	hostile = test_rtsp_parse_file("hostile", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(hostile->server, ==, "[31mEvil"); /* the NUL ends what is read */
	g_assert_cmpuint(hostile->cseq, ==, 0);
}

static void
test_rtsp_parse_rejects(void)
{
	const gchar *cases[] = {"",
				"RTSP/1.0",
				"RTSP/1.0 20 OK\r\n\r\n",
				"RTSP/2.0 200 OK\r\n\r\n",
				"SSH-2.0-OpenSSH_9.2\r\n",
				"RTSP/1.0 2000 OK\r\n\r\n"};
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrRtspBanner) http = test_rtsp_parse_file("http-reply", &error);
	g_autofree gchar *huge = g_malloc0(NVR_RTSP_BANNER_MAX + 1);

	g_assert_null(http);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
	g_clear_error(&error);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(NvrRtspBanner) b =
			nvr_rtsp_banner_parse(cases[i], strlen(cases[i]), &error);
		g_assert_null(b);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
		g_clear_error(&error);
	}
	memset(huge, 'A', NVR_RTSP_BANNER_MAX + 1);
	g_assert_null(nvr_rtsp_banner_parse(huge, NVR_RTSP_BANNER_MAX + 1, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
}

/* ---- neighbour table ---- */

static void
test_neighbour_proc_arp(void)
{
	gsize len = 0;
	g_autofree gchar *data = test_data_load("neighbour/proc-arp.txt", &len);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) table = nvr_neighbour_parse_proc_arp(data, len, &error);
	const NvrNeighbour *n;

	g_assert_no_error(error);
	g_assert_cmpuint(table->len, ==, 4); /* header, junk and short lines skipped */
	n = nvr_neighbour_table_lookup(table, "192.0.2.64");
	g_assert_cmpstr(n->mac, ==, "44:19:B6:01:02:03");
	g_assert_cmpstr(n->device, ==, "eth0");
	n = nvr_neighbour_table_lookup(table, "192.0.2.200");
	g_assert_nonnull(n);
	g_assert_null(n->mac); /* incomplete */
	n = nvr_neighbour_table_lookup(table, "192.0.2.201");
	g_assert_cmpstr(n->mac, ==, "EC:71:DB:00:00:01");
	g_assert_cmpstr(n->device, ==, "wlan0");
	g_assert_null(nvr_neighbour_table_lookup(table, "192.0.2.202"));
	g_assert_null(nvr_neighbour_table_lookup(table, "not an address"));
}

static void
test_neighbour_ip_neigh(void)
{
	gsize len = 0;
	g_autofree gchar *data = test_data_load("neighbour/ip-neigh.txt", &len);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) table = nvr_neighbour_parse_ip_neigh(data, len, &error);
	const NvrNeighbour *n;

	g_assert_no_error(error);
	g_assert_cmpuint(table->len, ==, 6);
	g_assert_cmpstr(nvr_neighbour_table_lookup(table, "192.0.2.1")->mac, ==,
			"00:11:22:33:44:55");
	g_assert_null(nvr_neighbour_table_lookup(table, "192.0.2.99")->mac);
	g_assert_null(nvr_neighbour_table_lookup(table, "192.0.2.98")->mac);
	n = nvr_neighbour_table_lookup(table, "FE80::4619:B6FF:FE01:0203");
	g_assert_cmpstr(n->mac, ==, "44:19:B6:01:02:03");
	n = nvr_neighbour_table_lookup(table, "2001:db8::64");
	g_assert_cmpstr(n->address, ==, "2001:db8::64");
	g_assert_cmpstr(n->mac, ==, "44:19:B6:01:02:03");
}

static void
test_neighbour_lookup_file(void)
{
	g_autofree gchar *path = g_test_build_filename(G_TEST_DIST, "discovery", "data",
						       "neighbour", "proc-arp.txt", NULL);
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autofree gchar *big = g_build_filename(dir, "arp", NULL);
	g_autofree gchar *junk = g_malloc(NVR_NEIGHBOUR_MAX_BYTES + 10);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *mac = nvr_neighbour_lookup_mac(path, "192.0.2.108", &error);

	g_assert_no_error(error);
	g_assert_cmpstr(mac, ==, "90:02:A9:AA:BB:CC");
	g_assert_null(nvr_neighbour_lookup_mac(path, "192.0.2.200", &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_null(nvr_neighbour_lookup_mac("/nonexistent/arp", "192.0.2.1", &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_clear_error(&error);
	memset(junk, 'x', NVR_NEIGHBOUR_MAX_BYTES + 10);
	g_file_set_contents(big, junk, NVR_NEIGHBOUR_MAX_BYTES + 10, &error);
	g_assert_no_error(error);
	g_assert_null(nvr_neighbour_lookup_mac(big, "192.0.2.1", &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
	/* the real table reads without error (its content is the host's) */
	g_clear_error(&error);
	g_free(nvr_neighbour_lookup_mac(NULL, "127.0.0.1", &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	nvr_test_rm_rf(dir);
}

/* ---- banners over the network ---- */

static void
banner_server_cb(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
		 gpointer user_data)
{
	SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
	const gchar *page =
		"<!DOCTYPE html><html><head><title>Hikvision &amp; Co</title></head></html>";

	soup_message_headers_replace(h, "Server", "App-webs/");
	if (g_strcmp0(path, "/moved") == 0) {
		soup_server_message_set_redirect(msg, SOUP_STATUS_FOUND, "/doc/page/login.asp");
		return;
	}
	soup_message_headers_append(h, "WWW-Authenticate",
				    "Digest realm=\"DS-2CD2042WD-I\", nonce=\"n\"");
	soup_message_headers_append(h, "WWW-Authenticate", "Basic realm=\"DS-2CD2042WD-I\"");
	soup_server_message_set_status(msg, SOUP_STATUS_UNAUTHORIZED, NULL);
	soup_server_message_set_response(msg, "text/html", SOUP_MEMORY_STATIC, page, strlen(page));
}

static NvrHttpBanner *
test_http_banner(const gchar *url, const gchar *method, guint timeout_ms, GError **error)
{
	GAsyncResult *res = NULL;
	g_autoptr(GAsyncResult) done = NULL;

	nvr_http_banner_probe_async(url, method, timeout_ms, NULL, test_result_cb, &res);
	done = test_wait(&res);
	return nvr_http_banner_probe_finish(done, error);
}

static SoupServer *
banner_server_new(GTlsCertificate *cert, guint16 *port)
{
	SoupServer *server = soup_server_new("tls-certificate", cert, NULL);
	g_autoptr(GError) error = NULL;
	GSList *uris;

	soup_server_add_handler(server, NULL, banner_server_cb, NULL, NULL);
	soup_server_listen_local(server, 0,
				 SOUP_SERVER_LISTEN_IPV4_ONLY |
					 (cert != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0),
				 &error);
	g_assert_no_error(error);
	uris = soup_server_get_uris(server);
	*port = (guint16)g_uri_get_port(uris->data);
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
	return server;
}

static void
test_net_http_banner(void)
{
	guint16 port = 0;
	g_autoptr(SoupServer) server = banner_server_new(NULL, &port);
	g_autofree gchar *url = g_strdup_printf("http://127.0.0.1:%u/", port);
	g_autofree gchar *moved = g_strdup_printf("http://127.0.0.1:%u/moved", port);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrHttpBanner) b = NULL;
	NvrHttpChallenge *ch;

	nvr_test_watchdog_start(60);
	g_assert_true(SOUP_IS_SERVER(server)); /* serves until freed at the end */
	b = test_http_banner(url, NULL, 2000, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(b->status, ==, 401);
	g_assert_cmpstr(b->server, ==, "App-webs/");
	g_assert_cmpstr(b->title, ==, "Hikvision & Co");
	g_assert_cmpuint(b->challenges->len, ==, 2);
	ch = g_ptr_array_index(b->challenges, 0);
	g_assert_cmpstr(ch->scheme, ==, "Digest");
	g_assert_cmpstr(ch->realm, ==, "DS-2CD2042WD-I");
	ch = g_ptr_array_index(b->challenges, 1);
	g_assert_cmpstr(ch->scheme, ==, "Basic");
	g_assert_null(b->tls_subject);
	g_clear_pointer(&b, nvr_http_banner_free);

	b = test_http_banner(url, "HEAD", 2000, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(b->status, ==, 401);
	g_assert_cmpstr(b->server, ==, "App-webs/");
	g_assert_null(b->title);
	g_clear_pointer(&b, nvr_http_banner_free);

	/* a redirect is reported, not followed */
	b = test_http_banner(moved, NULL, 2000, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(b->status, ==, 302);
	g_assert_true(g_str_has_suffix(b->location, "/doc/page/login.asp"));
	g_clear_pointer(&b, nvr_http_banner_free);

	b = test_http_banner("http://admin:pw@127.0.0.1/", NULL, 2000, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	nvr_test_watchdog_stop();
}

/* Returns: (transfer full) (nullable): a throwaway self-signed certificate with a camera's subject
 */
static GTlsCertificate *
test_tls_certificate(const gchar *dir)
{
	g_autofree gchar *key = g_build_filename(dir, "key.pem", NULL);
	g_autofree gchar *crt = g_build_filename(dir, "crt.pem", NULL);
	const gchar *argv[] = {
		"openssl",
		"req",
		"-x509",
		"-newkey",
		"ec",
		"-pkeyopt",
		"ec_paramgen_curve:prime256v1",
		"-nodes",
		"-days",
		"1",
		"-subj",
		"/C=CN/ST=ZheJiang/L=HangZhou/O=HIKVISION/OU=DVRNVR/CN=www.hikvision.com",
		"-keyout",
		key,
		"-out",
		crt,
		NULL};
	gint status = -1;

	if (!nvr_test_run(argv, NULL, NULL, &status, NULL) || status != 0)
		return NULL;
	return g_tls_certificate_new_from_files(crt, key, NULL);
}

static void
test_net_https_banner(void)
{
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autoptr(GTlsCertificate) cert = NULL;
	g_autoptr(SoupServer) server = NULL;
	g_autofree gchar *url = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrHttpBanner) b = NULL;
	guint16 port = 0;

	if (!g_tls_backend_supports_tls(g_tls_backend_get_default())) {
		g_test_skip("no TLS backend (glib-networking)");
		return;
	}
	cert = test_tls_certificate(dir);
	if (cert == NULL) {
		g_test_skip("openssl cannot make a test certificate");
		nvr_test_rm_rf(dir);
		return;
	}
	nvr_test_watchdog_start(60);
	server = banner_server_new(cert, &port);
	url = g_strdup_printf("https://127.0.0.1:%u/", port);
	/* generous: a TLS handshake under valgrind takes seconds */
	b = test_http_banner(url, NULL, 15000, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(b->status, ==, 401);
	g_assert_cmpstr(b->server, ==, "App-webs/");
	g_assert_nonnull(b->tls_subject);
	g_test_message("subject: %s; issuer: %s", b->tls_subject, b->tls_issuer);
	g_assert_nonnull(strstr(b->tls_subject, "CN=www.hikvision.com"));
	g_assert_nonnull(strstr(b->tls_subject, "O=HIKVISION"));
	g_assert_nonnull(strstr(b->tls_issuer, "OU=DVRNVR")); /* self-signed: issuer = subject */
	nvr_test_rm_rf(dir);
	nvr_test_watchdog_stop();
}

static NvrHttpBanner *
test_raw_http_banner(RawMode mode, const gchar *reply, gsize len, guint timeout_ms, GError **error)
{
	g_autoptr(RawServer) raw = raw_server_new(mode, reply, len);
	g_autofree gchar *url = g_strdup_printf("http://127.0.0.1:%u/", raw->port);

	return test_http_banner(url, NULL, timeout_ms, error);
}

static void
test_net_http_banner_hostile(void)
{
	const gchar evil[] = "HTTP/1.1 200 OK\r\n"
			     "Server: Evil\x01\x1b[31m\xff\xfeWebs\r\n"
			     "WWW-Authenticate: Basic realm=\"\xc3\x28"
			     "bad\"\r\n"
			     "Content-Length: 28\r\n\r\n"
			     "<title>\xff\xfe\x01"
			     "t\x00tle</title>xxxxx";
	g_autoptr(GString) huge_header = g_string_new("HTTP/1.1 200 OK\r\nServer: ");
	g_autoptr(GString) huge_body = g_string_new("HTTP/1.1 200 OK\r\nServer: big\r\n\r\n");
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrHttpBanner) b = NULL;

	nvr_test_watchdog_start(60);
	b = test_raw_http_banner(RAW_REPLY, evil, sizeof(evil) - 1, 2000, &error);
	g_assert_no_error(error);
	g_test_message("server: %s", b->server);
	g_assert_true(g_utf8_validate(b->server, -1, NULL));
	g_assert_true(g_str_has_prefix(b->server, "Evil [31m"));
	g_assert_true(g_str_has_suffix(b->server, "Webs"));
	g_assert_cmpuint(b->challenges->len, ==, 1);
	g_assert_true(g_utf8_validate(
		((NvrHttpChallenge *)g_ptr_array_index(b->challenges, 0))->realm, -1, NULL));
	g_assert_true(g_utf8_validate(b->title, -1, NULL));
	g_clear_pointer(&b, nvr_http_banner_free);

	/* a megabyte Server header: an error or a bounded banner, never a megabyte kept */
	for (guint i = 0; i < 1024 * 1024; i++)
		g_string_append_c(huge_header, 'A');
	g_string_append(huge_header, "\r\n\r\n");
	b = test_raw_http_banner(RAW_REPLY, huge_header->str, huge_header->len, 3000, &error);
	if (b != NULL)
		g_assert_cmpuint(strlen(b->server), <=, NVR_DISCOVERY_TEXT_MAX);
	else
		g_test_message("megabyte header: %s", error->message);
	g_clear_pointer(&b, nvr_http_banner_free);
	g_clear_error(&error);

	/* a body with no end and the title past what is read: cut at NVR_HTTP_BANNER_BODY_MAX */
	for (guint i = 0; i < 2 * NVR_HTTP_BANNER_BODY_MAX; i++)
		g_string_append_c(huge_body, ' ');
	g_string_append(huge_body, "<title>too far</title>");
	b = test_raw_http_banner(RAW_REPLY, huge_body->str, huge_body->len, 3000, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(b->server, ==, "big");
	g_assert_null(b->title);
	g_clear_pointer(&b, nvr_http_banner_free);

	/* not HTTP at all */
	b = test_raw_http_banner(RAW_REPLY, "SSH-2.0-OpenSSH_9.2\r\n", 21, 2000, &error);
	g_assert_null(b);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_IO);
	g_clear_error(&error);

	/* silent, and a byte every 50 ms: both end at the deadline */
	for (RawMode mode = RAW_SILENT; mode <= RAW_TRICKLE; mode++) {
		gint64 start = g_get_monotonic_time();
		b = test_raw_http_banner(mode, "HTTP/1.1 200 OK\r\nServer: slow\r\n\r\n", 34, 500,
					 &error);
		g_assert_null(b);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_TIMEOUT);
		g_assert_cmpint(g_get_monotonic_time() - start, <, 2 * G_TIME_SPAN_SECOND);
		g_clear_error(&error);
	}
	nvr_test_watchdog_stop();
}

static NvrRtspBanner *
test_rtsp_probe(guint16 port, guint timeout_ms, GError **error)
{
	GAsyncResult *res = NULL;
	g_autoptr(GAsyncResult) done = NULL;

	nvr_rtsp_banner_probe_async("127.0.0.1", port, timeout_ms, NULL, test_result_cb, &res);
	done = test_wait(&res);
	return nvr_rtsp_banner_probe_finish(done, error);
}

static void
test_net_rtsp_options(void)
{
	gsize len = 0;
	g_autofree gchar *reply = test_data_load("rtsp/dahua.txt", &len);
	g_autoptr(RawServer) raw = raw_server_new(RAW_REPLY, reply, len);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrRtspBanner) b = NULL;
	g_autofree gchar *request = NULL;
	g_autofree gchar *expect = NULL;

	nvr_test_watchdog_start(60);
	b = test_rtsp_probe(raw->port, 2000, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(b->status, ==, 200);
	g_assert_cmpstr(b->server, ==, "Dahua Rtsp Server");
	g_assert_cmpstr(b->public_methods[0], ==, "OPTIONS");
	request = raw_server_dup_request(raw);
	expect = g_strdup_printf("OPTIONS rtsp://127.0.0.1:%u/ RTSP/1.0\r\nCSeq: 1\r\n"
				 "User-Agent: nvr\r\n\r\n",
				 raw->port);
	g_assert_cmpstr(request, ==, expect);
	nvr_test_watchdog_stop();
}

static void
test_net_rtsp_hostile(void)
{
	g_autoptr(GString) endless = g_string_new("RTSP/1.0 200 OK\r\nServer: ");
	g_autoptr(GError) error = NULL;

	nvr_test_watchdog_start(60);
	for (guint i = 0; i < 1024 * 1024; i++)
		g_string_append_c(endless, 'A');
	{
		g_autoptr(RawServer) raw = raw_server_new(RAW_REPLY, endless->str, endless->len);
		g_autoptr(NvrRtspBanner) b = test_rtsp_probe(raw->port, 3000, &error);
		g_assert_null(b);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
		g_assert_nonnull(strstr(error->message, "longer than"));
		g_clear_error(&error);
	}
	{
		const gchar *http = "HTTP/1.1 400 Bad Request\r\n\r\n";
		g_autoptr(RawServer) raw = raw_server_new(RAW_REPLY, http, strlen(http));
		g_autoptr(NvrRtspBanner) b = test_rtsp_probe(raw->port, 2000, &error);
		g_assert_null(b);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
		g_clear_error(&error);
	}
	{
		/* closes without a word */
		g_autoptr(RawServer) raw = raw_server_new(RAW_REPLY, NULL, 0);
		g_autoptr(NvrRtspBanner) b = test_rtsp_probe(raw->port, 2000, &error);
		g_assert_null(b);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
		g_clear_error(&error);
	}
	for (RawMode mode = RAW_SILENT; mode <= RAW_TRICKLE; mode++) {
		const gchar *slow = "RTSP/1.0 200 OK\r\nServer: slow\r\n\r\n";
		g_autoptr(RawServer) raw = raw_server_new(mode, slow, strlen(slow));
		gint64 start = g_get_monotonic_time();
		g_autoptr(NvrRtspBanner) b = test_rtsp_probe(raw->port, 500, &error);
		g_assert_null(b);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_TIMEOUT);
		g_assert_cmpint(g_get_monotonic_time() - start, <, 2 * G_TIME_SPAN_SECOND);
		g_clear_error(&error);
	}
	{
		GAsyncResult *res = NULL;
		g_autoptr(GAsyncResult) done = NULL;
		g_autoptr(NvrRtspBanner) b = NULL;
		nvr_rtsp_banner_probe_async("127.0.0.1\r\nX: y", 554, 500, NULL, test_result_cb,
					    &res);
		done = test_wait(&res);
		b = nvr_rtsp_banner_probe_finish(done, &error);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	}
	nvr_test_watchdog_stop();
}

/* ---- RTSP DESCRIBE ---- */

static NvrRtspDescribe *
test_rtsp_describe(const gchar *url, const gchar *user, const gchar *password, guint timeout_ms,
		   GError **error)
{
	GAsyncResult *res = NULL;
	g_autoptr(GAsyncResult) done = NULL;

	nvr_rtsp_describe_async(url, user, password, timeout_ms, NULL, test_result_cb, &res);
	done = test_wait(&res);
	return nvr_rtsp_describe_finish(done, error);
}

#define TEST_SDP "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=cam\r\nt=0 0\r\n" \
		 "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:track1\r\n" \
		 "m=audio 0 RTP/AVP 0\r\na=control:track2\r\n"

/* replies of a camera that answers at once, without asking for credentials */
static void
test_net_rtsp_describe_replies(void)
{
	struct {
		const gchar *reply;
		GQuark domain;
		gint code;
	} cases[] = {
	    {"RTSP/1.0 404 Not Found\r\nCSeq: 1\r\n\r\n", NVR_ERROR, NVR_ERROR_NOT_FOUND},
	    {"RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Basic realm=\"x\"\r\n\r\n",
	     NVR_ERROR, NVR_ERROR_AUTH},
	    {"RTSP/1.0 403 Forbidden\r\nCSeq: 1\r\n\r\n", NVR_ERROR, NVR_ERROR_AUTH},
	    {"RTSP/1.0 500 Internal Server Error\r\nCSeq: 1\r\n\r\n", NVR_ERROR, NVR_ERROR_FAILED},
	    {"RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n", NVR_ERROR, NVR_ERROR_PARSE},
	    /* 38 bytes of SDP: audio only */
	    {"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Type: application/sdp\r\nContent-Length: 38\r\n\r\n"
	     "v=0\r\ns=x\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n",
	     NVR_ERROR, NVR_ERROR_NOT_SUPPORTED},
	};
	g_autoptr(GError) error = NULL;

	nvr_test_watchdog_start(60);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(RawServer) raw = raw_server_new(RAW_REPLY, cases[i].reply, strlen(cases[i].reply));
		g_autofree gchar *url = g_strdup_printf("rtsp://127.0.0.1:%u/live", raw->port);
		g_autoptr(NvrRtspDescribe) d = test_rtsp_describe(url, TEST_USER, TEST_PASSWORD, 2000, &error);
		g_autofree gchar *request = raw_server_dup_request(raw);

		g_assert_null(d);
		g_assert_error(error, cases[i].domain, cases[i].code);
		g_assert_null(strstr(error->message, TEST_PASSWORD));
		g_test_message("%s", error->message);
		g_assert_true(g_str_has_prefix(request, "DESCRIBE rtsp://127.0.0.1:"));
		/* credentials only ever in answer to a challenge */
		g_assert_null(strstr(request, "Authorization"));
		g_clear_error(&error);
	}
	{
		g_autoptr(GString) ok = g_string_new(NULL);
		g_autoptr(RawServer) raw = NULL;
		g_autofree gchar *url = NULL;
		g_autoptr(NvrRtspDescribe) d = NULL;

		g_string_printf(ok, "RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: Rtsp Server/2.0\r\n"
				    "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
				strlen(TEST_SDP), TEST_SDP);
		raw = raw_server_new(RAW_REPLY, ok->str, ok->len);
		url = g_strdup_printf("rtsp://127.0.0.1:%u/live", raw->port);
		d = test_rtsp_describe(url, NULL, NULL, 2000, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(d->status, ==, 200);
		g_assert_cmpuint(d->n_video, ==, 1);
		g_assert_cmpuint(d->n_audio, ==, 1);
		g_assert_cmpstr(d->video_encoding, ==, "H264");
		g_assert_cmpstr(d->server, ==, "Rtsp Server/2.0");
		g_assert_null(d->auth);
	}
	nvr_test_watchdog_stop();
}

/* silence, a trickle, a closed port, a URL with credentials in it */
static void
test_net_rtsp_describe_hostile(void)
{
	g_autoptr(GError) error = NULL;

	nvr_test_watchdog_start(60);
	for (RawMode mode = RAW_SILENT; mode <= RAW_TRICKLE; mode++) {
		const gchar *slow = "RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: slow\r\n\r\n";
		g_autoptr(RawServer) raw = raw_server_new(mode, slow, strlen(slow));
		g_autofree gchar *url = g_strdup_printf("rtsp://127.0.0.1:%u/live", raw->port);
		gint64 start = g_get_monotonic_time();
		g_autoptr(NvrRtspDescribe) d = NULL;

		raw->trickle_ms = 100;
		d = test_rtsp_describe(url, TEST_USER, TEST_PASSWORD, 500, &error);
		g_assert_null(d);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_TIMEOUT);
		g_assert_cmpint(g_get_monotonic_time() - start, <, 2 * G_TIME_SPAN_SECOND);
		g_clear_error(&error);
	}
	{
		g_autofree gchar *url = g_strdup_printf("rtsp://127.0.0.1:%u/live", test_closed_port());
		g_autoptr(NvrRtspDescribe) d = test_rtsp_describe(url, NULL, NULL, 2000, &error);
		g_assert_null(d);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_IO);
		g_clear_error(&error);
	}
	{
		g_autoptr(NvrRtspDescribe) d =
			test_rtsp_describe("rtsp://admin:" TEST_PASSWORD "@127.0.0.1:1/live", NULL, NULL, 500, &error);
		g_assert_null(d);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
		g_assert_null(strstr(error->message, TEST_PASSWORD));
		g_clear_error(&error);
	}
	nvr_test_watchdog_stop();
}

static void
test_net_rtsp_describe_cancel(void)
{
	const gchar *slow = "RTSP/1.0 200 OK\r\n\r\n";
	g_autoptr(RawServer) raw = raw_server_new(RAW_SILENT, slow, strlen(slow));
	g_autofree gchar *url = g_strdup_printf("rtsp://127.0.0.1:%u/live", raw->port);
	g_autoptr(GCancellable) cancel = g_cancellable_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GAsyncResult) done = NULL;
	g_autoptr(NvrRtspDescribe) d = NULL;
	GAsyncResult *res = NULL;
	gint64 start = g_get_monotonic_time();

	nvr_test_watchdog_start(60);
	nvr_rtsp_describe_async(url, NULL, NULL, 10000, cancel, test_result_cb, &res);
	g_timeout_add_once(100, (GSourceOnceFunc)g_cancellable_cancel, cancel);
	done = test_wait(&res);
	d = nvr_rtsp_describe_finish(done, &error);
	g_assert_null(d);
	g_assert_true(g_error_matches(error, NVR_ERROR, NVR_ERROR_CANCELLED) ||
		      g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
	g_assert_cmpint(g_get_monotonic_time() - start, <, 2 * G_TIME_SPAN_SECOND);
	nvr_test_watchdog_stop();
}

static void
test_net_neighbour_ip_neigh(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) table = NULL;
	g_autoptr(GAsyncResult) done = NULL;
	g_autofree gchar *ip = g_find_program_in_path("ip");
	GAsyncResult *res = NULL;

	if (ip == NULL && !g_file_test("/usr/sbin/ip", G_FILE_TEST_EXISTS)) {
		g_test_skip("no ip(8)");
		return;
	}
	nvr_test_watchdog_start(60);
	/* the host's own table, read-only: whatever it holds, it parses */
	nvr_neighbour_ip_neigh_async(3000, NULL, test_result_cb, &res);
	done = test_wait(&res);
	table = nvr_neighbour_ip_neigh_finish(done, &error);
	g_assert_no_error(error);
	g_assert_nonnull(table);
	nvr_test_watchdog_stop();
}

/* ---- WS-Discovery ---- */

#define TEST_WSD_ID "urn:uuid:0b7e1a52-7d0e-4c53-9b0a-6f1d2e3c4b5a"

/* Returns: (transfer full): data/wsd/@name.xml with RelatesTo set to @relates_to */
static gchar *
test_wsd_reply(const gchar *name, const gchar *relates_to)
{
	g_autofree gchar *rel = g_strdup_printf("wsd/%s.xml", name);
	g_autofree gchar *data = test_data_load(rel, NULL);
	g_auto(GStrv) parts = g_strsplit(data, "@RELATES_TO@", -1);

	return g_strjoinv(relates_to, parts);
}

static GPtrArray *
test_wsd_parse(const gchar *name, const gchar *relates_to, GError **error)
{
	g_autofree gchar *xml = test_wsd_reply(name, relates_to);

	return nvr_wsd_parse_probe_matches(xml, strlen(xml), TEST_WSD_ID, error);
}

static void
test_wsd_probe_message(void)
{
	g_autofree gchar *probe = nvr_wsd_probe_build(TEST_WSD_ID);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrSoapDoc) doc = nvr_soap_doc_parse(probe, strlen(probe), &error);
	g_autofree gchar *id = NULL;
	g_autofree gchar *types = NULL;
	xmlNode *p;

	g_assert_no_error(error);
	id = nvr_soap_node_dup_raw(nvr_soap_node_child(nvr_soap_doc_get_header(doc), "MessageID",
						       NVR_SOAP_NS_ADDRESSING),
				   128);
	g_assert_cmpstr(id, ==, TEST_WSD_ID);
	p = nvr_soap_doc_get_body_child(doc, "Probe", NVR_SOAP_NS_DISCOVERY, &error);
	g_assert_no_error(error);
	types = nvr_soap_node_dup_raw(nvr_soap_node_child(p, "Types", NVR_SOAP_NS_DISCOVERY), 128);
	g_assert_cmpstr(types, ==, "dn:NetworkVideoTransmitter");
	g_assert_nonnull(strstr(probe, "xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\""));
}

static void
test_wsd_parse_hikvision(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) matches = test_wsd_parse("hikvision", TEST_WSD_ID, &error);
	NvrWsdMatch *m;

	g_assert_no_error(error);
	g_assert_cmpuint(matches->len, ==, 1);
	m = g_ptr_array_index(matches, 0);
	g_assert_cmpstr(m->endpoint, ==, "urn:uuid:11223344-5566-7788-99aa-4419b6010203");
	g_assert_cmpuint(g_strv_length(m->types), ==, 2);
	g_assert_cmpstr(m->types[0], ==, "dn:NetworkVideoTransmitter");
	g_assert_cmpuint(g_strv_length(m->xaddrs), ==, 2);
	g_assert_cmpstr(m->xaddrs[0], ==, "http://192.0.2.64/onvif/device_service");
	g_assert_cmpstr(m->xaddrs[1], ==, "http://[2001:db8::64]/onvif/device_service");
	g_assert_cmpuint(g_strv_length(m->scopes), ==, 6);
	g_assert_cmpstr(m->name, ==, "HIKVISION DS-2CD2042WD-I");
	g_assert_cmpstr(m->hardware, ==, "DS-2CD2042WD-I");
	g_assert_cmpstr(m->location, ==, "city/hangzhou");
	g_assert_cmpstr(m->mac, ==, "44:19:B6:01:02:03");
	g_assert_cmpstr(nvr_wsd_match_get_scope(m, "type"), ==, "video_encoder");
	g_assert_cmpstr(nvr_wsd_match_get_scope(m, "profile"), ==, "Streaming");
	g_assert_cmpuint(m->metadata_version, ==, 10);
	g_assert_null(m->sender);
}

static void
test_wsd_parse_dahua(void)
{
	g_autoptr(GError) error = NULL;
	/* Dahua answers "uuid:X" to our "urn:uuid:X", in upper case here: the same message */
	g_autofree gchar *relates = g_ascii_strup(&TEST_WSD_ID[4], -1);
	g_autoptr(GPtrArray) matches = test_wsd_parse("dahua", relates, &error);
	NvrWsdMatch *m;

	g_assert_no_error(error);
	g_assert_cmpuint(matches->len, ==, 1);
	m = g_ptr_array_index(matches, 0);
	g_assert_cmpstr(m->endpoint, ==, "uuid:5f5a69c2-e0ae-504f-829b-00000000a108");
	g_assert_cmpstr(m->name, ==, "Dahua");
	g_assert_cmpstr(m->hardware, ==, "IPC-HDW4431C-A");
	g_assert_cmpstr(m->location, ==, "country/china");
	g_assert_null(m->mac);
	g_assert_cmpstr(nvr_wsd_match_get_scope(m, "extension"), ==, "unique_identifier");
	g_assert_cmpstr(m->xaddrs[0], ==, "http://192.0.2.108/onvif/device_service");
}

static void
test_wsd_parse_hostile(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) matches = test_wsd_parse("hostile", TEST_WSD_ID, &error);
	NvrWsdMatch *m;

	g_assert_no_error(error);
	g_assert_cmpuint(matches->len, ==,
			 2); /* the one with neither endpoint nor XAddr is dropped */
	m = g_ptr_array_index(matches, 0);
	/* only the usable XAddrs, without credentials */
	g_assert_cmpuint(g_strv_length(m->xaddrs), ==, 2);
	g_assert_cmpstr(m->xaddrs[0], ==, "http://192.0.2.1:8080/onvif/device_service");
	g_assert_cmpstr(m->xaddrs[1], ==, "https://192.0.2.1/ok");
	g_assert_cmpuint(g_strv_length(m->scopes), ==, 7);
	g_assert_cmpstr(m->name, ==, "Bad%zzEscape");	/* a broken escape is kept as sent */
	g_assert_cmpstr(m->hardware, ==, "spoof line"); /* no bidi override, no newline */
	g_assert_null(m->mac);
	g_assert_cmpuint(m->metadata_version, ==, 0);
	m = g_ptr_array_index(matches, 1);
	g_assert_cmpstr(m->endpoint, ==, "http://192.0.2.2/onvif/device_service");
}

static void
test_wsd_parse_not_ours(void)
{
	struct {
		const gchar *name;
		const gchar *relates_to;
	} cases[] = {
		{"hikvision", "urn:uuid:00000000-0000-0000-0000-000000000000"},
		{"hikvision", ""},
		{"hello", TEST_WSD_ID},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) matches =
			test_wsd_parse(cases[i].name, cases[i].relates_to, &error);
		g_assert_null(matches);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
	}
}

/* a WS-Discovery responder on 127.0.0.1 that also sends junk */
typedef struct {
	GSocket *socket;
	guint16 port;
	GSource *source;
	guint n_probes;
	gchar *first_id;
	gboolean ids_equal; /* every probe carried the first probe's MessageID */
} WsdResponder;

static void
wsd_responder_send(WsdResponder *r, GSocketAddress *to, const gchar *data, gsize len)
{
	g_autoptr(GError) error = NULL;

	g_socket_send_to(r->socket, to, data, len, NULL, &error);
	g_assert_no_error(error);
}

static void
wsd_responder_answer(WsdResponder *r, GSocketAddress *to, const gchar *id)
{
	g_autofree gchar *hik = test_wsd_reply("hikvision", id);
	g_autofree gchar *dahua = test_wsd_reply("dahua", id + 4); /* "uuid:…" */
	g_autofree gchar *stranger = test_wsd_reply("hikvision", "urn:uuid:not-yours");
	g_autofree gchar *hello = test_wsd_reply("hello", id);
	const gchar junk[] = "\x00\xff junk \x01";

	wsd_responder_send(r, to, junk, sizeof(junk));
	wsd_responder_send(r, to, "<s:Envelope", 11);
	wsd_responder_send(r, to, stranger, strlen(stranger));
	wsd_responder_send(r, to, hello, strlen(hello));
	wsd_responder_send(r, to, hik, strlen(hik));
	wsd_responder_send(r, to, dahua, strlen(dahua));
	wsd_responder_send(r, to, hik, strlen(hik)); /* the same device twice */
}

static gboolean
wsd_responder_cb(GSocket *socket, GIOCondition cond, gpointer user_data)
{
	WsdResponder *r = user_data;
	g_autoptr(GSocketAddress) from = NULL;
	g_autofree gchar *id = NULL;
	gchar buf[65536];
	gssize n = g_socket_receive_from(socket, &from, buf, sizeof(buf) - 1, NULL, NULL);

	if (n <= 0)
		return G_SOURCE_CONTINUE;
	buf[n] = '\0';
	id = test_xml_text(buf, "MessageID");
	g_assert_nonnull(id);
	g_assert_nonnull(strstr(buf, "dn:NetworkVideoTransmitter"));
	if (r->n_probes++ == 0) {
		r->first_id = g_strdup(id);
		r->ids_equal = TRUE;
	} else {
		r->ids_equal &= g_strcmp0(id, r->first_id) == 0;
	}
	wsd_responder_answer(r, from, id);
	return G_SOURCE_CONTINUE;
}

static WsdResponder *
wsd_responder_new(void)
{
	WsdResponder *r = g_new0(WsdResponder, 1);
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(GError) error = NULL;

	r->socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
				 G_SOCKET_PROTOCOL_UDP, &error);
	g_assert_no_error(error);
	g_socket_bind(r->socket, addr, FALSE, &error);
	g_assert_no_error(error);
	bound = g_socket_get_local_address(r->socket, &error);
	g_assert_no_error(error);
	r->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	g_socket_set_blocking(r->socket, FALSE);
	r->source = g_socket_create_source(r->socket, G_IO_IN, NULL);
	g_source_set_callback(r->source, G_SOURCE_FUNC(wsd_responder_cb), r, NULL);
	g_source_attach(r->source, NULL);
	return r;
}

static void
wsd_responder_free(WsdResponder *r)
{
	g_source_destroy(r->source);
	g_source_unref(r->source);
	g_socket_close(r->socket, NULL);
	g_object_unref(r->socket);
	g_free(r->first_id);
	g_free(r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WsdResponder, wsd_responder_free)

static GPtrArray *
test_wsd_unicast(guint16 port, guint timeout_ms, GCancellable *cancellable, GError **error)
{
	GAsyncResult *res = NULL;
	g_autoptr(GAsyncResult) done = NULL;

	nvr_wsd_probe_unicast_async("127.0.0.1", port, timeout_ms, cancellable, test_result_cb,
				    &res);
	done = test_wait(&res);
	return nvr_wsd_probe_finish(done, error);
}

static void
test_net_wsd_unicast(void)
{
	g_autoptr(WsdResponder) r = wsd_responder_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) matches = NULL;
	gint64 start = g_get_monotonic_time();
	gint64 elapsed_ms;
	NvrWsdMatch *hik, *dahua;

	nvr_test_watchdog_start(60);
	matches = test_wsd_unicast(r->port, 800, NULL, &error);
	elapsed_ms = (g_get_monotonic_time() - start) / 1000;
	g_assert_no_error(error);
	/* the probe went out twice (UDP may drop one), with one MessageID */
	g_assert_cmpuint(r->n_probes, ==, 2);
	g_assert_true(r->ids_equal);
	g_assert_true(g_str_has_prefix(r->first_id, "urn:uuid:"));
	/* junk, a stranger's reply and a Hello ignored; the repeated device counted once */
	g_assert_cmpuint(matches->len, ==, 2);
	hik = g_ptr_array_index(matches, 0);
	dahua = g_ptr_array_index(matches, 1);
	g_assert_cmpstr(hik->name, ==, "HIKVISION DS-2CD2042WD-I");
	g_assert_cmpstr(hik->sender, ==, "127.0.0.1");
	g_assert_cmpstr(dahua->name, ==, "Dahua");
	g_assert_cmpint(elapsed_ms, >=, 750);
	g_assert_cmpint(elapsed_ms, <, 2000);
	nvr_test_watchdog_stop();
}

static void
test_net_wsd_silent(void)
{
	g_autoptr(WsdResponder) r = wsd_responder_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) matches = NULL;
	guint16 port = r->port;

	nvr_test_watchdog_start(60);
	/* nobody on that port any more: ICMP unreachable, then silence, then an empty list */
	g_clear_pointer(&r, wsd_responder_free);
	matches = test_wsd_unicast(port, 300, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(matches->len, ==, 0);
	nvr_test_watchdog_stop();
}

static void
test_net_wsd_cancel(void)
{
	g_autoptr(WsdResponder) r = wsd_responder_new();
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) matches = NULL;
	gint64 start = g_get_monotonic_time();

	nvr_test_watchdog_start(60);
	g_timeout_add(100, test_cancel_cb, cancellable);
	matches = test_wsd_unicast(r->port, 10000, cancellable, &error);
	g_assert_null(matches);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_CANCELLED);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 2 * G_TIME_SPAN_SECOND);
	g_clear_error(&error);
	/* bad arguments are reported through the callback like any other error */
	matches = test_wsd_unicast(0, 100, NULL, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	nvr_test_watchdog_stop();
}

/* ---- WS-Discovery multicast, only inside network namespaces this test creates ---- */

#define TEST_NETNS_SUBNET "10.231.77."

/* child mode, in namespace B: answer probes to the group on @iface, naming the TTL they came with
 */
static int
wsd_netns_responder(const gchar *iface)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
					       G_SOCKET_PROTOCOL_UDP, &error);
	g_autoptr(GInetAddress) any = g_inet_address_new_any(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GInetAddress) group = g_inet_address_new_from_string(NVR_WSD_MULTICAST_ADDRESS);
	g_autoptr(GSocketAddress) local = g_inet_socket_address_new(any, NVR_WSD_PORT);
	int one = 1;

	alarm(30); /* never outlive the test */
	if (sock == NULL || !g_socket_bind(sock, local, TRUE, &error) ||
	    !g_socket_join_multicast_group(sock, group, FALSE, iface, &error)) {
		g_print("error %s\n", error->message);
		return 1;
	}
	setsockopt(g_socket_get_fd(sock), IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
	g_print("ready\n");
	for (;;) {
		gchar buf[65536];
		union {
			struct cmsghdr align;
			gchar data[CMSG_SPACE(sizeof(int))];
		} control;
		struct sockaddr_in from;
		struct iovec iov = {buf, sizeof(buf) - 1};
		struct msghdr msg = {&from,	   sizeof(from),    &iov, 1,
				     control.data, sizeof(control), 0};
		g_autofree gchar *id = NULL;
		g_autofree gchar *reply = NULL;
		g_autofree gchar *named = NULL;
		int ttl = -1;
		ssize_t n = recvmsg(g_socket_get_fd(sock), &msg, 0);

		if (n <= 0)
			continue;
		buf[n] = '\0';
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL)
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
		}
		id = test_xml_text(buf, "MessageID");
		if (id == NULL)
			continue;
		reply = test_wsd_reply("hikvision", id);
		named = g_strdup_printf("onvif://www.onvif.org/name/ttl-%d ", ttl);
		{
			g_autoptr(GString) r = g_string_new(reply);
			g_string_replace(r, "onvif://www.onvif.org/type/video_encoder ", named, 1);
			sendto(g_socket_get_fd(sock), r->str, r->len, 0, (struct sockaddr *)&from,
			       sizeof(from));
		}
	}
	return 0;
}

/* child mode, in namespace A: one multicast probe on @iface; one line per match */
static int
wsd_netns_prober(const gchar *iface)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) matches = NULL;
	g_autoptr(GAsyncResult) done = NULL;
	GAsyncResult *res = NULL;

	alarm(30);
	nvr_wsd_probe_multicast_async(iface, 1500, NULL, test_result_cb, &res);
	done = test_wait(&res);
	matches = nvr_wsd_probe_finish(done, &error);
	if (matches == NULL) {
		g_print("error %s\n", error->message);
		return 1;
	}
	for (guint i = 0; i < matches->len; i++) {
		NvrWsdMatch *m = g_ptr_array_index(matches, i);
		g_print("match %s %s %s\n", m->endpoint, m->sender, m->name);
	}
	g_print("done %u\n", matches->len);
	return 0;
}

static gboolean
test_ip(const gchar *args)
{
	g_auto(GStrv) argv = g_strsplit(args, " ", -1);
	g_autofree gchar *err = NULL;
	g_autoptr(GError) error = NULL;
	gint status = -1;

	if (!nvr_test_run((const gchar *const *)argv, NULL, &err, &status, &error) || status != 0) {
		g_test_message("%s: %s", args, error != NULL ? error->message : err);
		return FALSE;
	}
	return TRUE;
}

/* two namespaces joined by a veth pair: the probe leaves A on va, the responder listens in B */
static gboolean
test_netns_setup(const gchar *a, const gchar *b)
{
	gchar *cmds[] = {
		g_strdup_printf("ip netns add %s", a),
		g_strdup_printf("ip netns add %s", b),
		g_strdup_printf("ip -n %s link add va type veth peer name vb netns %s", a, b),
		g_strdup_printf("ip -n %s addr add " TEST_NETNS_SUBNET "1/24 dev va", a),
		g_strdup_printf("ip -n %s addr add " TEST_NETNS_SUBNET "2/24 dev vb", b),
		g_strdup_printf("ip -n %s link set va up", a),
		g_strdup_printf("ip -n %s link set vb up", b),
	};
	gboolean ok = TRUE;

	for (guint i = 0; i < G_N_ELEMENTS(cmds) && ok; i++)
		ok = test_ip(cmds[i]);
	for (guint i = 0; i < G_N_ELEMENTS(cmds); i++)
		g_free(cmds[i]);
	return ok;
}

static void
test_netns_teardown(const gchar *a, const gchar *b)
{
	g_autofree gchar *del_a = g_strdup_printf("ip netns del %s", a);
	g_autofree gchar *del_b = g_strdup_printf("ip netns del %s", b);

	test_ip(del_a); /* the veth pair goes with its namespaces */
	test_ip(del_b);
}

static void
test_net_wsd_multicast_netns(void)
{
	g_autofree gchar *a = g_strdup_printf("nvrtest-wsd-a-%d", (int)getpid());
	g_autofree gchar *b = g_strdup_printf("nvrtest-wsd-b-%d", (int)getpid());
	g_autofree gchar *self = g_file_read_link("/proc/self/exe", NULL);
	g_autoptr(NvrTestProc) responder = NULL;
	g_autoptr(NvrTestProc) prober = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ready = NULL;
	g_autofree gchar *done = NULL;
	g_autofree gchar *match = NULL;

	if (getuid() != 0 || !g_file_test("/usr/sbin/ip", G_FILE_TEST_IS_EXECUTABLE)) {
		g_test_skip("needs root and ip(8) to make network namespaces");
		return;
	}
	nvr_test_watchdog_start(60);
	if (!test_netns_setup(a, b)) {
		test_netns_teardown(a, b);
		g_test_skip("cannot make network namespaces here");
		return;
	}
	{
		const gchar *argv_r[] = {"ip", "netns",		  "exec", b,
					 self, "--wsd-responder", "vb",	  NULL};
		const gchar *argv_p[] = {"ip", "netns",	       "exec", a,
					 self, "--wsd-prober", "va",   NULL};
		responder = nvr_test_proc_spawn(argv_r, &error);
		if (responder != NULL)
			ready = nvr_test_proc_wait_line(responder, "ready", 10, &error);
		if (ready != NULL)
			prober = nvr_test_proc_spawn(argv_p, &error);
		if (prober != NULL)
			match = nvr_test_proc_wait_line(prober, "match ", 10, &error);
		if (match != NULL)
			done = nvr_test_proc_wait_line(prober, "done ", 10, &error);
	}
	g_clear_pointer(&prober, nvr_test_proc_free);
	if (responder != NULL)
		nvr_test_proc_stop(responder, SIGTERM, 5);
	test_netns_teardown(a, b);
	/* asserted after cleanup, so a failure leaves no namespace behind */
	g_assert_no_error(error);
	/* from B's address, and the probe arrived with TTL 1 (the responder names it so) */
	g_assert_cmpstr(match, ==,
			"match urn:uuid:11223344-5566-7788-99aa-4419b6010203 " TEST_NETNS_SUBNET
			"2 ttl-1");
	g_assert_cmpstr(done, ==, "done 1");
	nvr_test_watchdog_stop();
}

/* ---- against nvr-fakecam's personas (another module's simulator, as a process) ---- */

typedef struct {
	gchar *persona;
	gchar *rtsp;  /* main stream URL */
	gchar *onvif; /* device service URL */
	gchar *http;
	gchar *wsd; /* "127.0.0.1:PORT" */
} FakecamCamera;

static void
fakecam_camera_free(FakecamCamera *c)
{
	g_free(c->persona);
	g_free(c->rtsp);
	g_free(c->onvif);
	g_free(c->http);
	g_free(c->wsd);
	g_free(c);
}

/* "camera N persona=P rtsp=URL sub=URL onvif=URL http=URL wsd=HOST:PORT control=URL" */
static FakecamCamera *
fakecam_camera_parse(const gchar *line)
{
	g_auto(GStrv) fields = g_strsplit(line, " ", -1);
	FakecamCamera *c;

	if (!g_str_has_prefix(line, "camera "))
		return NULL;
	c = g_new0(FakecamCamera, 1);
	for (guint i = 2; fields[i] != NULL; i++) {
		gchar **slot = g_str_has_prefix(fields[i], "persona=") ? &c->persona
			       : g_str_has_prefix(fields[i], "rtsp=")  ? &c->rtsp
			       : g_str_has_prefix(fields[i], "onvif=") ? &c->onvif
			       : g_str_has_prefix(fields[i], "http=")  ? &c->http
			       : g_str_has_prefix(fields[i], "wsd=")   ? &c->wsd
								       : NULL;
		if (slot != NULL)
			*slot = g_strdup(strchr(fields[i], '=') + 1);
	}
	return c;
}

static void
fakecam_check_onvif(FakecamCamera *c, const gchar *manufacturer)
{
	g_autoptr(NvrOnvifClient) client = test_onvif_client(c->onvif, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrOnvifDeviceInfo) info = NULL;
	g_autoptr(GPtrArray) profiles = NULL;
	g_autoptr(GAsyncResult) done = NULL;
	g_autofree gchar *uri = NULL;
	g_autoptr(GUri) rtsp = g_uri_parse(c->rtsp, G_URI_FLAGS_ENCODED, NULL);
	g_autofree gchar *origin = NULL;
	GAsyncResult *res = NULL;

	nvr_onvif_client_set_credentials(client, TEST_USER, TEST_PASSWORD, &error);
	g_assert_no_error(error);
	info = test_onvif_device_info(client, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(info->manufacturer, ==, manufacturer);
	g_assert_nonnull(info->model);
	g_assert_nonnull(info->firmware_version);

	nvr_onvif_client_get_profiles_async(client, NULL, test_result_cb, &res);
	done = test_wait(&res);
	profiles = nvr_onvif_client_get_profiles_finish(client, done, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(profiles->len, >=, 1);
	g_clear_object(&done);
	nvr_onvif_client_get_stream_uri_async(
		client, ((NvrOnvifProfile *)g_ptr_array_index(profiles, 0))->token, NULL,
		test_result_cb, &res);
	done = test_wait(&res);
	uri = nvr_onvif_client_get_stream_uri_finish(client, done, &error);
	g_assert_no_error(error);
	/* the main stream of this very camera, in the vendor's ONVIF form */
	origin = g_strdup_printf("rtsp://127.0.0.1:%d%s", g_uri_get_port(rtsp),
				 g_uri_get_path(rtsp));
	if (!g_str_has_prefix(uri, origin))
		g_error("%s: GetStreamUri gave %s, expected %s...", c->persona, uri, origin);
}

static void
fakecam_check_wsd(FakecamCamera *c)
{
	const gchar *colon = strrchr(c->wsd, ':');
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) matches = NULL;
	NvrWsdMatch *m;

	matches = test_wsd_unicast((guint16)atoi(colon + 1), 500, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(matches->len, ==, 1);
	m = g_ptr_array_index(matches, 0);
	g_assert_cmpstr(m->xaddrs[0], ==, c->onvif);
	g_assert_nonnull(m->name);
}

static void
fakecam_check_banners(FakecamCamera *c, const gchar *rtsp_server, const gchar *http_server)
{
	g_autoptr(GUri) rtsp = g_uri_parse(c->rtsp, G_URI_FLAGS_ENCODED, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrRtspBanner) rb = test_rtsp_probe((guint16)g_uri_get_port(rtsp), 2000, &error);
	g_autoptr(NvrHttpBanner) hb = NULL;

	g_assert_no_error(error);
	g_assert_cmpuint(rb->status, ==, 200);
	if (rtsp_server != NULL)
		g_assert_cmpstr(rb->server, ==, rtsp_server);
	hb = test_http_banner(c->http, NULL, 2000, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(hb->status, !=, 0);
	if (http_server != NULL)
		g_assert_cmpstr(hb->server, ==, http_server);
}

/* the main stream DESCRIBEs with the password (the persona asks for Digest), not without */
static void
fakecam_check_describe(FakecamCamera *c)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrRtspDescribe) d = test_rtsp_describe(c->rtsp, TEST_USER, TEST_PASSWORD, 3000, &error);
	g_autoptr(NvrRtspDescribe) wrong = NULL;
	g_autoptr(NvrRtspDescribe) none = NULL;

	g_assert_no_error(error);
	g_assert_cmpuint(d->n_video, ==, 1);
	g_assert_cmpstr(d->video_encoding, ==, "H264");
	g_assert_nonnull(d->auth);
	wrong = test_rtsp_describe(c->rtsp, TEST_USER, "not-" TEST_PASSWORD, 3000, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_AUTH);
	g_assert_nonnull(strstr(error->message, "refused"));
	g_clear_error(&error);
	none = test_rtsp_describe(c->rtsp, NULL, NULL, 3000, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_AUTH);
	g_assert_nonnull(strstr(error->message, "wants a user name"));
}

static void
test_net_fakecam_personas(void)
{
	const gchar *fakecam = nvr_test_build_path("NVR_FAKECAM", "nvr/fakecam/nvr-fakecam");
	/* the values the reference sheet documents, which the personas reproduce */
	struct {
		const gchar *persona;
		const gchar *manufacturer;
		const gchar *rtsp_server;
		const gchar *http_server;
	} expect[] = {
		{"hikvision", "HIKVISION", NULL, "App-webs/"},
		{"dahua", "Dahua", "Dahua Rtsp Server", NULL},
		{"amcrest", "Amcrest", "Dahua Rtsp Server", NULL},
		{"axis", "AXIS", NULL, NULL},
		{"reolink", "Reolink", NULL, NULL},
		{"generic", "IPCAM", NULL, NULL},
	};
	g_autofree gchar *dir = NULL;
	g_autofree gchar *pw = NULL;
	g_autoptr(NvrTestProc) proc = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ready = NULL;
	g_autoptr(GPtrArray) cams =
		g_ptr_array_new_with_free_func((GDestroyNotify)fakecam_camera_free);
	GPtrArray *lines;

	if (!g_file_test(fakecam, G_FILE_TEST_IS_EXECUTABLE)) {
		g_test_skip("nvr-fakecam is not built");
		return;
	}
	nvr_test_watchdog_start(120);
	dir = nvr_test_mkdtemp();
	pw = g_build_filename(dir, "password", NULL);
	g_file_set_contents(pw, TEST_PASSWORD "\n", -1, &error);
	g_assert_no_error(error);
	g_setenv("XDG_CACHE_HOME", dir, TRUE); /* its clip cache stays in our temp dir */
	{
		const gchar *argv[] = {fakecam,
				       "--persona",
				       "hikvision,dahua,amcrest,axis,reolink,generic",
				       "--cameras",
				       "6",
				       "--user",
				       TEST_USER,
				       "--password-file",
				       pw,
				       "--clip-seconds",
				       "2",
				       "--resolution",
				       "320x240",
				       "--sub-resolution",
				       "160x120",
				       NULL};
		proc = nvr_test_proc_spawn(argv, &error);
		g_assert_no_error(error);
	}
	ready = nvr_test_proc_wait_line(proc, "ready", 90, &error);
	g_assert_no_error(error);
	lines = nvr_test_proc_get_lines(proc);
	for (guint i = 0; i < lines->len; i++) {
		FakecamCamera *c = fakecam_camera_parse(g_ptr_array_index(lines, i));
		if (c != NULL)
			g_ptr_array_add(cams, c);
	}
	g_assert_cmpuint(cams->len, ==, G_N_ELEMENTS(expect));
	for (guint i = 0; i < cams->len; i++) {
		FakecamCamera *c = g_ptr_array_index(cams, i);
		g_assert_cmpstr(c->persona, ==, expect[i].persona);
		g_test_message("%s: %s", c->persona, c->onvif);
		fakecam_check_onvif(c, expect[i].manufacturer);
		fakecam_check_wsd(c);
		fakecam_check_banners(c, expect[i].rtsp_server, expect[i].http_server);
		fakecam_check_describe(c);
	}
	g_assert_cmpint(nvr_test_proc_stop(proc, SIGTERM, 10), ==, 0);
	nvr_test_rm_rf(dir);
	nvr_test_watchdog_stop();
}

static void
test_add_unit_cases(void)
{
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
	g_test_add_func("/nvr/discovery/onvif/parse/uri-rejects", test_onvif_parse_uri_rejects);
	g_test_add_func("/nvr/discovery/onvif/parse/faults", test_onvif_parse_faults);
	g_test_add_func("/nvr/discovery/onvif/parse/rejects", test_onvif_parse_rejects);
	g_test_add_func("/nvr/discovery/onvif/parse/rejects-bytes", test_onvif_parse_rejects_bytes);
	g_test_add_func("/nvr/discovery/onvif/parse/deep", test_onvif_parse_deep);
	g_test_add_func("/nvr/discovery/onvif/client-arguments", test_onvif_client_arguments);
	g_test_add_func("/nvr/discovery/wsd/probe-message", test_wsd_probe_message);
	g_test_add_func("/nvr/discovery/wsd/parse/hikvision", test_wsd_parse_hikvision);
	g_test_add_func("/nvr/discovery/wsd/parse/dahua", test_wsd_parse_dahua);
	g_test_add_func("/nvr/discovery/wsd/parse/hostile", test_wsd_parse_hostile);
	g_test_add_func("/nvr/discovery/wsd/parse/not-ours", test_wsd_parse_not_ours);
	g_test_add_func("/nvr/discovery/http/challenges", test_http_challenges);
	g_test_add_func("/nvr/discovery/http/challenges-bounded", test_http_challenges_bounded);
	g_test_add_func("/nvr/discovery/http/title", test_http_title);
	g_test_add_func("/nvr/discovery/rtsp/parse", test_rtsp_parse);
	g_test_add_func("/nvr/discovery/rtsp/parse-rejects", test_rtsp_parse_rejects);
	g_test_add_func("/nvr/discovery/neighbour/proc-arp", test_neighbour_proc_arp);
	g_test_add_func("/nvr/discovery/neighbour/ip-neigh", test_neighbour_ip_neigh);
	g_test_add_func("/nvr/discovery/neighbour/lookup-file", test_neighbour_lookup_file);
}

static void
test_add_net_cases(void)
{
	g_test_add_func("/nvr/discovery/net/onvif/personas", test_net_onvif_personas);
	g_test_add_func("/nvr/discovery/net/onvif/clock-offset", test_net_onvif_clock_offset);
	g_test_add_func("/nvr/discovery/net/onvif/media-flow", test_net_onvif_media_flow);
	g_test_add_func("/nvr/discovery/net/onvif/capabilities-fallback",
			test_net_onvif_capabilities_fallback);
	g_test_add_func("/nvr/discovery/net/onvif/auth-refused", test_net_onvif_auth_refused);
	g_test_add_func("/nvr/discovery/net/onvif/http-digest", test_net_onvif_http_digest);
	g_test_add_func("/nvr/discovery/net/onvif/bad-replies", test_net_onvif_bad_replies);
	g_test_add_func("/nvr/discovery/net/onvif/huge-reply", test_net_onvif_huge_reply);
	g_test_add_func("/nvr/discovery/net/onvif/stalls", test_net_onvif_stalls);
	g_test_add_func("/nvr/discovery/net/onvif/cancel", test_net_onvif_cancel);
	g_test_add_func("/nvr/discovery/net/onvif/refused", test_net_onvif_refused);
	g_test_add_func("/nvr/discovery/net/wsd/unicast", test_net_wsd_unicast);
	g_test_add_func("/nvr/discovery/net/wsd/silent", test_net_wsd_silent);
	g_test_add_func("/nvr/discovery/net/wsd/cancel", test_net_wsd_cancel);
	g_test_add_func("/nvr/discovery/net/wsd/multicast-netns", test_net_wsd_multicast_netns);
	g_test_add_func("/nvr/discovery/net/http/banner", test_net_http_banner);
	g_test_add_func("/nvr/discovery/net/http/https-banner", test_net_https_banner);
	g_test_add_func("/nvr/discovery/net/http/hostile", test_net_http_banner_hostile);
	g_test_add_func("/nvr/discovery/net/rtsp/options", test_net_rtsp_options);
	g_test_add_func("/nvr/discovery/net/rtsp/hostile", test_net_rtsp_hostile);
	g_test_add_func("/nvr/discovery/net/rtsp/describe-replies", test_net_rtsp_describe_replies);
	g_test_add_func("/nvr/discovery/net/rtsp/describe-hostile", test_net_rtsp_describe_hostile);
	g_test_add_func("/nvr/discovery/net/rtsp/describe-cancel", test_net_rtsp_describe_cancel);
	g_test_add_func("/nvr/discovery/net/neighbour/ip-neigh", test_net_neighbour_ip_neigh);
	g_test_add_func("/nvr/discovery/net/fakecam/personas", test_net_fakecam_personas);
}

/*
 * --unit registers only the parser cases, --net only the network ones (GLib's
 * -p does not select a nested suite such as /nvr/discovery/net reliably)
 */
static gboolean
test_take_flag(int *argc, char **argv, const gchar *flag)
{
	for (int i = 1; i < *argc; i++) {
		if (g_strcmp0(argv[i], flag) == 0) {
			memmove(&argv[i], &argv[i + 1], (gsize)(*argc - i) * sizeof(char *));
			(*argc)--;
			return TRUE;
		}
	}
	return FALSE;
}

int
main(int argc, char **argv)
{
	gboolean unit_only = test_take_flag(&argc, argv, "--unit");
	gboolean net_only = test_take_flag(&argc, argv, "--net");

	/* child processes of the multicast test, run inside its namespaces */
	if (argc == 3 && g_strcmp0(argv[1], "--wsd-responder") == 0)
		return wsd_netns_responder(argv[2]);
	if (argc == 3 && g_strcmp0(argv[1], "--wsd-prober") == 0)
		return wsd_netns_prober(argv[2]);

	g_test_init(&argc, &argv, NULL);
	if (!net_only)
		test_add_unit_cases();
	if (!unit_only)
		test_add_net_cases();
	return g_test_run();
}
