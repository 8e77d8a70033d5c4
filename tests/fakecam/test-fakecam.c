/*
 * test-fakecam.c: nvr-fakecam as a process on 127.0.0.1, checked the way
 * the recorder and the identification code will use it: real rtspsrc
 * clients, real SOAP with WS-UsernameToken digests, real HTTP Digest, a
 * WS-Discovery Probe over UDP, and the fault controls.
 *
 * One simulator process serves every case (ten cameras, personas in turn);
 * the fault cases each use a camera of their own.
 */
#include "config.h"

#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>
#include <unistd.h>

#include "nvr-test-common.h"

#define FC_CAMERAS 10
#define FC_PASSWORD "s3cret-pw"
#define FC_FPS 15
#define FC_RTP_FRAME (90000 / FC_FPS)
#define FC_WATCHDOG_S 100

typedef struct {
	gchar *persona;
	gchar *rtsp;
	gchar *sub;
	gchar *onvif;
	gchar *http;
	gchar *wsd;
	gchar *control;
} FcCamera;

static struct {
	gchar *tmp;
	NvrTestProc *proc;
	FcCamera cams[FC_CAMERAS + 1]; /* 1-based */
	SoupSession *http;
} fc;

/* what the README promises per persona; checked independently of the code */
typedef struct {
	const gchar *persona;
	const gchar *manufacturer;
	const gchar *hardware_id;
	const gchar *mac_prefix;
	const gchar *rtsp_server;
	const gchar *http_server; /* NULL: no Server header */
	const gchar *main_path;
	const gchar *sub_path;
} FcExpect;

static const FcExpect fc_expect[] = {
    {"hikvision", "HIKVISION", "88", "44:19:b6", "Rtsp Server/3.0", "App-webs/",
     "/Streaming/Channels/101", "/Streaming/Channels/102"},
    {"dahua", "Dahua", "1.00", "3c:ef:8c", "Dahua Rtsp Server", NULL,
     "/cam/realmonitor?channel=1&subtype=0", "/cam/realmonitor?channel=1&subtype=1"},
    {"amcrest", "Amcrest", "1.00", "9c:8e:cd", "Dahua Rtsp Server", NULL,
     "/cam/realmonitor?channel=1&subtype=0", "/cam/realmonitor?channel=1&subtype=1"},
    {"axis", "AXIS", "757", "ac:cc:8e", "Rtsp Server/2.0", "Apache", "/axis-media/media.amp",
     "/axis-media/media.amp?resolution=640x360"},
    {"reolink", "Reolink", "IPC_523128M5MP", "ec:71:db", "Rtsp Server/2.0", "nginx",
     "/h264Preview_01_main", "/h264Preview_01_sub"},
    {"generic", "IPCAM", "IPC-1.0", "0a:fc:a3", "Rtsp Server/2.0", "lighttpd/1.4.59", "/stream1",
     "/stream2"},
};

static const FcExpect *
fc_expect_for(guint camera)
{
	return &fc_expect[(camera - 1) % G_N_ELEMENTS(fc_expect)];
}

/* ---- the simulator process ----------------------------------------------- */

static void
fc_parse_line(const gchar *line)
{
	g_auto(GStrv) tokens = g_strsplit(line, " ", -1);
	guint64 n = 0;
	FcCamera *cam;

	g_assert_cmpstr(tokens[0], ==, "camera");
	g_assert_true(g_ascii_string_to_unsigned(tokens[1], 10, 1, FC_CAMERAS, &n, NULL));
	cam = &fc.cams[n];
	for (guint i = 2; tokens[i] != NULL; i++) {
		gchar *eq = strchr(tokens[i], '=');
		gchar **field = NULL;
		g_assert_nonnull(eq);
		*eq = '\0';
		if (g_str_equal(tokens[i], "persona"))
			field = &cam->persona;
		else if (g_str_equal(tokens[i], "rtsp"))
			field = &cam->rtsp;
		else if (g_str_equal(tokens[i], "sub"))
			field = &cam->sub;
		else if (g_str_equal(tokens[i], "onvif"))
			field = &cam->onvif;
		else if (g_str_equal(tokens[i], "http"))
			field = &cam->http;
		else if (g_str_equal(tokens[i], "wsd"))
			field = &cam->wsd;
		else if (g_str_equal(tokens[i], "control"))
			field = &cam->control;
		g_assert_nonnull(field);
		*field = g_strdup(eq + 1);
	}
}

static void
fc_start(void)
{
	g_autofree gchar *pw = g_build_filename(fc.tmp, "password", NULL);
	g_autofree gchar *clip = g_build_filename(fc.tmp, "clip.nfc", NULL);
	g_autofree gchar *cameras = g_strdup_printf("%d", FC_CAMERAS);
	const gchar *argv[] = {nvr_test_build_path("NVR_FAKECAM", "nvr/fakecam/nvr-fakecam"),
			       "--persona",
			       "hikvision,dahua,amcrest,axis,reolink,generic",
			       "--cameras",
			       cameras,
			       "--clip-seconds",
			       "4",
			       "--clip",
			       clip,
			       "--password-file",
			       pw,
			       "--exit-with-parent",
			       NULL};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ready = NULL;
	GPtrArray *lines;

	g_assert_true(g_file_set_contents(pw, FC_PASSWORD "\n", -1, &error));
	fc.proc = nvr_test_proc_spawn(argv, &error);
	g_assert_no_error(error);
	ready = nvr_test_proc_wait_line(fc.proc, "ready", 60, &error);
	g_assert_no_error(error);
	lines = nvr_test_proc_get_lines(fc.proc);
	for (guint i = 0; i < lines->len; i++) {
		const gchar *line = g_ptr_array_index(lines, i);
		if (g_str_has_prefix(line, "camera "))
			fc_parse_line(line);
		else if (g_strrstr(line, "nvr-fakecam: clip") != NULL)
			g_test_message("%s", line);
	}
}

/* ---- HTTP helpers ---------------------------------------------------------- */

static gboolean
fc_authenticate_cb(SoupMessage *msg, SoupAuth *auth, gboolean retrying, gpointer user_data)
{
	if (!retrying)
		soup_auth_authenticate(auth, "admin", user_data);
	return !retrying;
}

/* libsoup 3.2 sends an empty body when it repeats a request after a 401:
 * give it the body again */
static void
fc_restarted_cb(SoupMessage *msg, gpointer user_data)
{
	const gchar *type = soup_message_headers_get_content_type(soup_message_get_request_headers(msg),
								  NULL);
	soup_message_set_request_body_from_bytes(msg, type, user_data);
}

/* Returns: the body; @status and @server (nullable) get the reply's */
static gchar *
fc_http(const gchar *method, const gchar *url, const gchar *password, const gchar *type,
	const gchar *body, guint *status, gchar **server)
{
	g_autoptr(SoupMessage) msg = soup_message_new(method, url);
	g_autoptr(GBytes) reply = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_nonnull(msg);
	if (body != NULL) {
		GBytes *b = g_bytes_new(body, strlen(body));
		soup_message_set_request_body_from_bytes(msg, type, b);
		g_signal_connect_data(msg,
				      "restarted",
				      G_CALLBACK(fc_restarted_cb),
				      b,
				      (GClosureNotify)(GCallback)g_bytes_unref,
				      0);
	}
	if (password != NULL)
		g_signal_connect(msg, "authenticate", G_CALLBACK(fc_authenticate_cb), (gpointer)password);
	reply = soup_session_send_and_read(fc.http, msg, NULL, &error);
	g_assert_no_error(error);
	*status = soup_message_get_status(msg);
	if (server != NULL)
		*server = g_strdup(
		    soup_message_headers_get_one(soup_message_get_response_headers(msg), "Server"));
	return g_strndup(g_bytes_get_data(reply, NULL), g_bytes_get_size(reply));
}

static gchar *
fc_url(const gchar *base, const gchar *path)
{
	return g_strconcat(base, path[0] == '/' ? path + 1 : path, NULL);
}

/* ---- ONVIF ---------------------------------------------------------------- */

/* a UsernameToken with PasswordDigest = Base64(SHA1(nonce + created + password)) */
static gchar *
fc_soap(const gchar *body, const gchar *password)
{
	g_autofree gchar *header = NULL;

	if (password != NULL) {
		guint8 nonce[16];
		g_autoptr(GDateTime) now = g_date_time_new_now_utc();
		g_autofree gchar *created = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
		g_autoptr(GChecksum) sha1 = g_checksum_new(G_CHECKSUM_SHA1);
		guint8 digest[20];
		gsize len = sizeof(digest);
		g_autofree gchar *nonce64 = NULL;
		g_autofree gchar *digest64 = NULL;

		for (guint i = 0; i < sizeof(nonce); i++)
			nonce[i] = (guint8)g_random_int();
		g_checksum_update(sha1, nonce, sizeof(nonce));
		g_checksum_update(sha1, (const guchar *)created, -1);
		g_checksum_update(sha1, (const guchar *)password, -1);
		g_checksum_get_digest(sha1, digest, &len);
		nonce64 = g_base64_encode(nonce, sizeof(nonce));
		digest64 = g_base64_encode(digest, len);
		header = g_strdup_printf(
		    "<s:Header><wsse:Security xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/"
		    "oasis-200401-wss-wssecurity-secext-1.0.xsd\" xmlns:wsu=\"http://docs.oasis-open.org/"
		    "wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd\"><wsse:UsernameToken>"
		    "<wsse:Username>admin</wsse:Username><wsse:Password Type=\"http://docs.oasis-open."
		    "org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest\">%s"
		    "</wsse:Password><wsse:Nonce EncodingType=\"http://docs.oasis-open.org/wss/2004/01/"
		    "oasis-200401-wss-soap-message-security-1.0#Base64Binary\">%s</wsse:Nonce>"
		    "<wsu:Created>%s</wsu:Created></wsse:UsernameToken></wsse:Security></s:Header>",
		    digest64,
		    nonce64,
		    created);
	}
	return g_strdup_printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
			       "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
			       "xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\" "
			       "xmlns:trt=\"http://www.onvif.org/ver10/media/wsdl\">%s<s:Body>%s"
			       "</s:Body></s:Envelope>",
			       header != NULL ? header : "",
			       body);
}

static gchar *
fc_onvif(guint camera, const gchar *body, const gchar *password, guint *status)
{
	g_autofree gchar *soap = fc_soap(body, password);

	return fc_http("POST",
		       fc.cams[camera].onvif,
		       NULL,
		       "application/soap+xml; charset=utf-8",
		       soap,
		       status,
		       NULL);
}

/* Returns: the text of the first element named @name (any prefix) */
static gchar *
fc_xml_value(const gchar *xml, const gchar *name)
{
	g_autofree gchar *pattern = g_strdup_printf("<(?:[A-Za-z0-9]+:)?%s(?: [^>]*)?>([^<]*)<", name);
	g_autoptr(GRegex) re = g_regex_new(pattern, 0, 0, NULL);
	g_autoptr(GMatchInfo) m = NULL;

	if (!g_regex_match(re, xml, 0, &m))
		return NULL;
	return g_match_info_fetch(m, 1);
}

static gchar *
fc_rtsp_host_port(const gchar *url)
{
	const gchar *start = url + strlen("rtsp://");
	return g_strndup(start, strcspn(start, "/"));
}

static void
test_output_lines(void)
{
	for (guint i = 1; i <= FC_CAMERAS; i++) {
		const FcCamera *cam = &fc.cams[i];
		const FcExpect *e = fc_expect_for(i);

		g_assert_cmpstr(cam->persona, ==, e->persona);
		g_assert_true(g_str_has_prefix(cam->rtsp, "rtsp://127.0.0.1:"));
		g_assert_true(g_str_has_suffix(cam->rtsp, e->main_path));
		g_assert_true(g_str_has_suffix(cam->sub, e->sub_path));
		g_assert_true(g_str_has_prefix(cam->onvif, "http://127.0.0.1:"));
		g_assert_true(g_str_has_suffix(cam->onvif, "/onvif/device_service"));
		g_assert_true(g_str_has_prefix(cam->http, "http://127.0.0.1:"));
		g_assert_true(g_str_has_prefix(cam->wsd, "127.0.0.1:"));
		g_assert_cmpstr(cam->control, ==, fc.cams[1].control);
		/* a device of its own: no port shared with another camera */
		for (guint j = 1; j < i; j++) {
			g_autofree gchar *a = fc_rtsp_host_port(cam->rtsp);
			g_autofree gchar *b = fc_rtsp_host_port(fc.cams[j].rtsp);
			g_assert_cmpstr(a, !=, b);
			g_assert_cmpstr(cam->http, !=, fc.cams[j].http);
			g_assert_cmpstr(cam->wsd, !=, fc.cams[j].wsd);
		}
	}
}

static void
test_onvif_device_information(void)
{
	for (guint i = 1; i <= G_N_ELEMENTS(fc_expect); i++) {
		const FcExpect *e = fc_expect_for(i);
		guint status = 0;
		g_autofree gchar *reply =
		    fc_onvif(i, "<tds:GetDeviceInformation/>", FC_PASSWORD, &status);
		g_autofree gchar *mfr = fc_xml_value(reply, "Manufacturer");
		g_autofree gchar *hwid = fc_xml_value(reply, "HardwareId");
		g_autofree gchar *wrong = fc_onvif(i, "<tds:GetDeviceInformation/>", "nope", &status);

		g_test_message("%s: %s", e->persona, reply);
		g_assert_cmpstr(mfr, ==, e->manufacturer);
		g_assert_cmpstr(hwid, ==, e->hardware_id);
		/* a wrong password is a NotAuthorized fault, as 400 or 401 */
		g_assert_true(status == 400 || status == 401);
		g_assert_nonnull(strstr(wrong, "ter:NotAuthorized"));
		g_assert_null(strstr(wrong, e->manufacturer));
		g_free(fc_onvif(i, "<tds:GetDeviceInformation/>", NULL, &status));
		g_assert_true(status == 400 || status == 401);
	}
}

static void
test_onvif_media(void)
{
	for (guint i = 1; i <= G_N_ELEMENTS(fc_expect); i++) {
		const FcExpect *e = fc_expect_for(i);
		guint status = 0;
		g_autofree gchar *time = fc_onvif(i, "<tds:GetSystemDateAndTime/>", NULL, &status);
		g_autofree gchar *year = fc_xml_value(time, "Year");
		g_autofree gchar *ifs = fc_onvif(i, "<tds:GetNetworkInterfaces/>", FC_PASSWORD, &status);
		g_autofree gchar *mac = fc_xml_value(ifs, "HwAddress");
		g_autofree gchar *caps = fc_onvif(i, "<tds:GetCapabilities/>", FC_PASSWORD, &status);
		g_autofree gchar *profiles = fc_onvif(i, "<trt:GetProfiles/>", FC_PASSWORD, &status);
		g_autoptr(GRegex) re = g_regex_new("Profiles token=\"([^\"]+)\"", 0, 0, NULL);
		g_autoptr(GMatchInfo) m = NULL;
		g_autofree gchar *token = NULL;
		g_autofree gchar *req = NULL;
		g_autofree gchar *uri_reply = NULL;
		g_autofree gchar *uri = NULL;
		g_autofree gchar *snap = NULL;

		g_assert_nonnull(year); /* no credentials needed */
		g_assert_true(g_str_has_prefix(mac, e->mac_prefix));
		g_assert_nonnull(strstr(caps, "<tt:Media><tt:XAddr>http://127.0.0.1:"));
		g_assert_true(g_regex_match(re, profiles, 0, &m));
		token = g_match_info_fetch(m, 1);
		req = g_strdup_printf("<trt:GetStreamUri><trt:StreamSetup><tt:Stream xmlns:tt=\"http://"
				      "www.onvif.org/ver10/schema\">RTP-Unicast</tt:Stream>"
				      "</trt:StreamSetup><trt:ProfileToken>%s</trt:ProfileToken>"
				      "</trt:GetStreamUri>",
				      token);
		uri_reply = fc_onvif(i, req, FC_PASSWORD, &status);
		g_assert_cmpuint(status, ==, 200);
		uri = fc_xml_value(uri_reply, "Uri");
		g_assert_nonnull(uri);
		/* the camera's own RTSP URL, maybe in the vendor's longer ONVIF form */
		{
			g_autofree gchar *unescaped = g_strdup(uri);
			g_autoptr(GString) s = g_string_new(unescaped);
			g_string_replace(s, "&amp;", "&", 0);
			g_assert_true(g_str_has_prefix(s->str, fc.cams[i].rtsp));
		}
		g_free(req);
		req = g_strdup_printf("<trt:GetSnapshotUri><trt:ProfileToken>%s</trt:ProfileToken>"
				      "</trt:GetSnapshotUri>",
				      token);
		snap = fc_onvif(i, req, FC_PASSWORD, &status);
		g_assert_cmpuint(status, ==, 200);
		g_free(fc_onvif(i,
				"<trt:GetStreamUri><trt:ProfileToken>nope</trt:ProfileToken>"
				"</trt:GetStreamUri>",
				FC_PASSWORD,
				&status));
		g_assert_cmpuint(status, ==, 400);
	}
}

static void
test_onvif_malformed(void)
{
	const gchar *bad[] = {"<not-closed",
			      "<?xml version=\"1.0\"?><Envelope/>",
			      ("<!DOCTYPE x [<!ENTITY a \"aaaa\">]><s:Envelope xmlns:s=\"http://www.w3."
			       "org/2003/05/soap-envelope\"><s:Body>&a;</s:Body></s:Envelope>"),
			      "\xff\xfe\x00garbage"};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		guint status = 0;
		g_autofree gchar *reply = fc_http("POST",
						  fc.cams[1].onvif,
						  NULL,
						  "application/soap+xml",
						  bad[i],
						  &status,
						  NULL);
		g_assert_cmpuint(status, ==, 400);
		g_assert_nonnull(strstr(reply, "env:Fault"));
	}
	/* still serving */
	{
		guint status = 0;
		g_autofree gchar *reply = fc_onvif(1, "<tds:Bogus/>", FC_PASSWORD, &status);
		g_assert_cmpuint(status, ==, 500);
		g_assert_nonnull(strstr(reply, "ter:ActionNotSupported"));
	}
}

/* ---- vendor APIs and banners ----------------------------------------------- */

static gchar *
fc_vendor(guint camera, const gchar *method, const gchar *path, const gchar *body, guint *status,
	  gchar **server)
{
	g_autofree gchar *url = fc_url(fc.cams[camera].http, path);
	return fc_http(method, url, FC_PASSWORD, "application/json", body, status, server);
}

static void
test_vendor_hikvision(void)
{
	guint status = 0;
	g_autofree gchar *server = NULL;
	g_autofree gchar *xml = fc_vendor(1, "GET", "/ISAPI/System/deviceInfo", NULL, &status, &server);
	g_autofree gchar *serial = fc_xml_value(xml, "serialNumber");
	g_autofree gchar *mac = fc_xml_value(xml, "macAddress");
	g_autofree gchar *tele = fc_xml_value(xml, "telecontrolID");
	g_autofree gchar *url = fc_url(fc.cams[1].http, "/ISAPI/System/deviceInfo");
	g_autoptr(SoupMessage) msg = soup_message_new("GET", url);
	g_autoptr(SoupSession) fresh = soup_session_new();
	g_autoptr(GBytes) body = NULL;
	const gchar *challenge;

	g_assert_cmpuint(status, ==, 200);
	g_assert_cmpstr(server, ==, "App-webs/");
	g_assert_nonnull(strstr(xml, "xmlns=\"http://www.hikvision.com/ver20/XMLSchema\""));
	g_assert_true(g_str_has_prefix(serial, "DS-2CD2143G2-I"));
	g_assert_true(g_str_has_prefix(mac, "44:19:b6"));
	g_assert_cmpstr(tele, ==, "88");
	/* without credentials (a new session: the shared one remembers them), the
	 * realm gives the vendor away */
	body = soup_session_send_and_read(fresh, msg, NULL, NULL);
	g_assert_cmpuint(soup_message_get_status(msg), ==, 401);
	challenge = soup_message_headers_get_one(soup_message_get_response_headers(msg),
						 "WWW-Authenticate");
	g_assert_nonnull(strstr(challenge, "realm=\"hikvision\""));
}

static void
test_vendor_dahua(void)
{
	struct {
		guint camera;
		const gchar *device_type;
		const gchar *update_serial;
		const gchar *vendor;
	} cases[] = {{2, "IPC-HDW2431T-AS-S2", "IPC-HDW2431T-AS-S2", "Dahua"},
		     {3, "IP4M-1041B", "IPC-AW46WN-S2", "Amcrest"}};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		guint status = 0;
		g_autofree gchar *server = NULL;
		g_autofree gchar *info = fc_vendor(cases[i].camera,
						   "GET",
						   "/cgi-bin/magicBox.cgi?action=getSystemInfo",
						   NULL,
						   &status,
						   &server);
		g_autofree gchar *want_type = g_strdup_printf("deviceType=%s\r\n", cases[i].device_type);
		g_autofree gchar *want_serial =
		    g_strdup_printf("updateSerial=%s\r\n", cases[i].update_serial);
		g_autofree gchar *want_vendor = g_strdup_printf("vendor=%s\r\n", cases[i].vendor);
		g_autofree gchar *vendor = NULL;
		g_autofree gchar *version = NULL;

		g_assert_cmpuint(status, ==, 200);
		g_assert_null(server);
		g_assert_nonnull(strstr(info, want_type));
		g_assert_nonnull(strstr(info, want_serial));
		g_assert_nonnull(strstr(info, "serialNumber="));
		vendor = fc_vendor(cases[i].camera,
				   "GET",
				   "/cgi-bin/magicBox.cgi?action=getVendor",
				   NULL,
				   &status,
				   NULL);
		g_assert_cmpstr(vendor, ==, want_vendor);
		version = fc_vendor(cases[i].camera,
				    "GET",
				    "/cgi-bin/magicBox.cgi?action=getSoftwareVersion",
				    NULL,
				    &status,
				    NULL);
		g_assert_true(g_str_has_prefix(version, "version="));
		g_assert_nonnull(strstr(version, "2.800."));
	}
}

static void
test_vendor_axis(void)
{
	guint status = 0;
	g_autofree gchar *server = NULL;
	g_autofree gchar *json = fc_vendor(4,
					   "POST",
					   "/axis-cgi/basicdeviceinfo.cgi",
					   "{\"apiVersion\":\"1.0\",\"method\":\"getAllProperties\"}",
					   &status,
					   &server);
	g_autoptr(JsonNode) root = json_from_string(json, NULL);
	JsonObject *props;
	g_autofree gchar *mac_hex = NULL;
	g_autofree gchar *mac_colon = NULL;
	guint s2 = 0;
	g_autofree gchar *ifs = fc_onvif(4, "<tds:GetNetworkInterfaces/>", FC_PASSWORD, &s2);

	g_assert_cmpuint(status, ==, 200);
	g_assert_cmpstr(server, ==, "Apache");
	g_assert_nonnull(root);
	props = json_object_get_object_member(
	    json_object_get_object_member(json_node_get_object(root), "data"),
	    "propertyList");
	g_assert_cmpstr(json_object_get_string_member(props, "Brand"), ==, "AXIS");
	g_assert_cmpstr(json_object_get_string_member(props, "ProdNbr"), ==, "M3045-V");
	/* the serial number is the MAC */
	mac_colon = fc_xml_value(ifs, "HwAddress");
	{
		g_autoptr(GString) s = g_string_new(mac_colon);
		g_string_replace(s, ":", "", 0);
		mac_hex = g_ascii_strup(s->str, -1);
	}
	g_assert_cmpstr(json_object_get_string_member(props, "SerialNumber"), ==, mac_hex);
	g_free(json);
	json = fc_vendor(4, "POST", "/axis-cgi/basicdeviceinfo.cgi", "{[", &status, NULL);
	g_assert_nonnull(strstr(json, "\"error\""));
}

static void
test_vendor_reolink(void)
{
	guint status = 0;
	g_autofree gchar *server = NULL;
	g_autofree gchar *login =
	    fc_vendor(5,
		      "POST",
		      "/api.cgi?cmd=Login",
		      "[{\"cmd\":\"Login\",\"param\":{\"User\":{\"userName\":\"admin\","
		      "\"password\":\"" FC_PASSWORD "\"}}}]",
		      &status,
		      &server);
	g_autoptr(JsonNode) root = json_from_string(login, NULL);
	JsonObject *first = json_array_get_object_element(json_node_get_array(root), 0);
	const gchar *token = json_object_get_string_member(
	    json_object_get_object_member(json_object_get_object_member(first, "value"), "Token"),
	    "name");
	g_autofree gchar *path = g_strdup_printf("/api.cgi?cmd=GetDevInfo&token=%s", token);
	g_autofree gchar *info = fc_vendor(5,
					   "POST",
					   path,
					   "[{\"cmd\":\"GetDevInfo\",\"action\":0,\"param\":{}}]",
					   &status,
					   NULL);
	g_autofree gchar *denied = fc_vendor(5, "POST", "/api.cgi?cmd=GetDevInfo&token=x", NULL,
					     &status, NULL);
	g_autofree gchar *bad_login =
	    fc_vendor(5,
		      "POST",
		      "/api.cgi?cmd=Login",
		      "[{\"cmd\":\"Login\",\"param\":{\"User\":{\"userName\":\"admin\","
		      "\"password\":\"wrong\"}}}]",
		      &status,
		      NULL);

	g_assert_cmpstr(server, ==, "nginx");
	g_assert_cmpint(json_object_get_int_member(first, "code"), ==, 0);
	g_assert_nonnull(strstr(info, "\"model\":\"RLC-510A\""));
	g_assert_nonnull(strstr(info, "\"hardVer\":\"IPC_523128M5MP\""));
	g_assert_nonnull(strstr(denied, "please login first"));
	g_assert_nonnull(strstr(bad_login, "login failed"));
}

static void
test_vendor_generic_and_404(void)
{
	guint status = 0;
	g_autofree gchar *server = NULL;

	g_free(fc_vendor(6, "GET", "/ISAPI/System/deviceInfo", NULL, &status, &server));
	g_assert_cmpuint(status, ==, 404);
	g_assert_cmpstr(server, ==, "lighttpd/1.4.59");
	g_free(fc_vendor(1, "GET", "/no/such/page", NULL, &status, NULL));
	g_assert_cmpuint(status, ==, 404);
	g_free(fc_vendor(2, "GET", "/", NULL, &status, NULL));
	g_assert_cmpuint(status, ==, 200);
}

/* ---- RTSP OPTIONS, WS-Discovery ------------------------------------------- */

static gchar *
fc_tcp_exchange(const gchar *host_port, const gchar *request)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) reply = g_string_new(NULL);
	gchar buf[4096];
	gssize n;

	g_socket_client_set_timeout(client, 10);
	conn = g_socket_client_connect_to_host(client, host_port, 0, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)),
						request,
						strlen(request),
						NULL,
						NULL,
						&error));
	while (strstr(reply->str, "\r\n\r\n") == NULL &&
	       (n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn)),
					buf,
					sizeof(buf),
					NULL,
					&error)) > 0)
		g_string_append_len(reply, buf, n);
	return g_string_free(g_steal_pointer(&reply), FALSE);
}

static void
test_rtsp_server_header(void)
{
	for (guint i = 1; i <= G_N_ELEMENTS(fc_expect); i++) {
		g_autofree gchar *hp = fc_rtsp_host_port(fc.cams[i].rtsp);
		g_autofree gchar *options =
		    g_strdup_printf("OPTIONS %s RTSP/1.0\r\nCSeq: 1\r\n\r\n", fc.cams[i].rtsp);
		g_autofree gchar *describe =
		    g_strdup_printf("DESCRIBE %s RTSP/1.0\r\nCSeq: 2\r\n\r\n", fc.cams[i].rtsp);
		g_autofree gchar *reply = fc_tcp_exchange(hp, options);
		g_autofree gchar *want = g_strdup_printf("\r\nServer: %s\r\n", fc_expect_for(i)->rtsp_server);
		g_autofree gchar *denied = fc_tcp_exchange(hp, describe);

		g_assert_true(g_str_has_prefix(reply, "RTSP/1.0 200 OK\r\n"));
		g_assert_nonnull(strstr(reply, want));
		g_assert_true(g_str_has_prefix(denied, "RTSP/1.0 401"));
		g_assert_nonnull(strstr(denied, "WWW-Authenticate: Digest"));
	}
}

static gchar *
fc_probe_xml(const gchar *types, const gchar *msg_id)
{
	return g_strdup_printf(
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\" "
	    "xmlns:w=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
	    "xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\" "
	    "xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\"><e:Header>"
	    "<w:MessageID>%s</w:MessageID><w:To e:mustUnderstand=\"true\">"
	    "urn:schemas-xmlsoap-org:ws:2005:04:discovery</w:To>"
	    "<w:Action e:mustUnderstand=\"true\">"
	    "http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</w:Action></e:Header>"
	    "<e:Body><d:Probe><d:Types>%s</d:Types></d:Probe></e:Body></e:Envelope>",
	    msg_id,
	    types);
}

static gchar *
fc_probe(guint camera, const gchar *types, const gchar *msg_id)
{
	g_autoptr(GSocket) sock = g_socket_new(G_SOCKET_FAMILY_IPV4,
					       G_SOCKET_TYPE_DATAGRAM,
					       G_SOCKET_PROTOCOL_UDP,
					       NULL);
	g_auto(GStrv) hp = g_strsplit(fc.cams[camera].wsd, ":", 2);
	g_autoptr(GSocketAddress) to =
	    g_inet_socket_address_new_from_string(hp[0], (guint)g_ascii_strtoull(hp[1], NULL, 10));
	g_autofree gchar *probe = fc_probe_xml(types, msg_id);
	gchar *buf = g_malloc0(65536);
	gssize n;

	g_assert_nonnull(sock);
	g_socket_set_timeout(sock, 1);
	g_assert_cmpint(g_socket_send_to(sock, to, probe, strlen(probe), NULL, NULL), >, 0);
	n = g_socket_receive(sock, buf, 65535, NULL, NULL);
	if (n <= 0)
		g_clear_pointer(&buf, g_free);
	return buf;
}

static void
test_wsd_probe(void)
{
	for (guint i = 1; i <= G_N_ELEMENTS(fc_expect); i++) {
		g_autofree gchar *uuid = g_uuid_string_random();
		g_autofree gchar *id = g_strdup_printf("urn:uuid:%s", uuid);
		g_autofree gchar *reply = fc_probe(i, "dn:NetworkVideoTransmitter", id);
		g_autofree gchar *xaddrs = NULL;
		g_autofree gchar *relates = NULL;
		g_autofree gchar *scopes = NULL;
		g_autofree gchar *mac_scope = NULL;

		g_assert_nonnull(reply);
		xaddrs = fc_xml_value(reply, "XAddrs");
		relates = fc_xml_value(reply, "RelatesTo");
		scopes = fc_xml_value(reply, "Scopes");
		g_assert_nonnull(strstr(reply, "ProbeMatch"));
		g_assert_cmpstr(xaddrs, ==, fc.cams[i].onvif);
		g_assert_cmpstr(relates, ==, id);
		mac_scope = g_strdup_printf("onvif://www.onvif.org/MAC/%s", fc_expect_for(i)->mac_prefix);
		g_assert_nonnull(strstr(scopes, mac_scope));
		g_assert_nonnull(strstr(scopes, "onvif://www.onvif.org/name/"));
		g_assert_nonnull(strstr(scopes, "onvif://www.onvif.org/hardware/"));
	}
	/* Hikvision's endpoint reference ends with its MAC */
	{
		g_autofree gchar *reply = fc_probe(1, "", "urn:uuid:1");
		g_autofree gchar *address = fc_xml_value(reply, "Address");
		g_assert_nonnull(address);
		g_assert_true(g_str_has_prefix(address, "urn:uuid:"));
		g_assert_true(g_str_has_suffix(address, "4419b63a0001"));
	}
	/* a Probe for something else gets no answer at all */
	g_assert_null(fc_probe(1, "dn:Printer", "urn:uuid:2"));
}

/* ---- RTSP clients ------------------------------------------------------------ */

typedef struct {
	GstElement *pipeline;
	GMutex lock;
	GCond cond;
	GArray *pts;	 /* GstClockTime at the appsink, one per frame */
	GArray *rtp;	 /* gint64: extended RTP timestamp of each frame */
	GArray *arrival; /* gint64: monotonic us of each frame */
	guint width;	 /* of the latest caps */
	guint height;
	guint frames_at_size; /* since the size last changed */
	guint audio_buffers;
	gboolean eos;
	gboolean error;
	guint32 last_rtp;
	gboolean have_rtp;
} FcClient;

static GstFlowReturn
fc_client_sample_cb(GstAppSink *sink, gpointer user_data)
{
	FcClient *c = user_data;
	g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
	GstStructure *s;
	gint w = 0, h = 0;
	GstClockTime pts;
	gint64 now = g_get_monotonic_time();

	if (sample == NULL)
		return GST_FLOW_EOS;
	s = gst_caps_get_structure(gst_sample_get_caps(sample), 0);
	gst_structure_get_int(s, "width", &w);
	gst_structure_get_int(s, "height", &h);
	pts = GST_BUFFER_PTS(gst_sample_get_buffer(sample));
	g_mutex_lock(&c->lock);
	if ((guint)w != c->width || (guint)h != c->height)
		c->frames_at_size = 0;
	c->width = (guint)w;
	c->height = (guint)h;
	c->frames_at_size++;
	g_array_append_val(c->pts, pts);
	g_array_append_val(c->arrival, now);
	g_cond_broadcast(&c->cond);
	g_mutex_unlock(&c->lock);
	return GST_FLOW_OK;
}

/* the RTP timestamp of every new frame, as it comes off the wire */
static void
fc_client_rtp_buffer(FcClient *c, GstBuffer *buf)
{
	GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
	guint32 ts;

	if (!gst_rtp_buffer_map(buf, GST_MAP_READ, &rtp))
		return;
	ts = gst_rtp_buffer_get_timestamp(&rtp);
	gst_rtp_buffer_unmap(&rtp);
	g_mutex_lock(&c->lock);
	if (!c->have_rtp || ts != c->last_rtp) {
		gint64 ext = c->rtp->len == 0 ? ts
					      : g_array_index(c->rtp, gint64, c->rtp->len - 1) +
						    (gint32)(ts - c->last_rtp);
		g_array_append_val(c->rtp, ext);
		c->last_rtp = ts;
		c->have_rtp = TRUE;
	}
	g_mutex_unlock(&c->lock);
}

static gboolean
fc_client_rtp_list_cb(GstBuffer **buf, guint idx, gpointer user_data)
{
	fc_client_rtp_buffer(user_data, *buf);
	return TRUE;
}

static GstPadProbeReturn
fc_client_rtp_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
		fc_client_rtp_buffer(user_data, GST_PAD_PROBE_INFO_BUFFER(info));
	else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
		gst_buffer_list_foreach(GST_PAD_PROBE_INFO_BUFFER_LIST(info),
					fc_client_rtp_list_cb,
					user_data);
	return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
fc_client_audio_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	FcClient *c = user_data;

	g_mutex_lock(&c->lock);
	c->audio_buffers++;
	g_cond_broadcast(&c->cond);
	g_mutex_unlock(&c->lock);
	return GST_PAD_PROBE_OK;
}

static void
fc_client_pad_added_cb(GstElement *src, GstPad *pad, gpointer user_data)
{
	FcClient *c = user_data;
	g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
	GstStructure *s = gst_caps_get_structure(caps, 0);
	const gchar *media = gst_structure_get_string(s, "media");

	if (g_strcmp0(media, "video") == 0) {
		g_autoptr(GstElement) depay = gst_bin_get_by_name(GST_BIN(c->pipeline), "depay");
		g_autoptr(GstPad) sink = gst_element_get_static_pad(depay, "sink");
		g_assert_cmpint(gst_pad_link(pad, sink), ==, GST_PAD_LINK_OK);
	} else {
		GstElement *fake = gst_element_factory_make("fakesink", NULL);
		g_autoptr(GstPad) sink = gst_element_get_static_pad(fake, "sink");
		g_object_set(fake, "sync", FALSE, "async", FALSE, NULL);
		gst_bin_add(GST_BIN(c->pipeline), fake);
		gst_element_sync_state_with_parent(fake);
		gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_BUFFER, fc_client_audio_probe, c, NULL);
		g_assert_cmpint(gst_pad_link(pad, sink), ==, GST_PAD_LINK_OK);
	}
}

/* RTP timestamps as they arrive, before the jitter buffer re-times them */
static void
fc_client_new_jitterbuffer_cb(GstElement *rtpbin, GstElement *jitterbuffer, guint session,
			      guint ssrc, gpointer user_data)
{
	g_autoptr(GstPad) sink = NULL;

	if (session != 0) /* the video stream is the first */
		return;
	sink = gst_element_get_static_pad(jitterbuffer, "sink");
	gst_pad_add_probe(sink,
			  GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
			  fc_client_rtp_probe,
			  user_data,
			  NULL);
}

static void
fc_client_new_manager_cb(GstElement *src, GstElement *manager, gpointer user_data)
{
	g_signal_connect(manager,
			 "new-jitterbuffer",
			 G_CALLBACK(fc_client_new_jitterbuffer_cb),
			 user_data);
}

static GstBusSyncReply
fc_client_bus_cb(GstBus *bus, GstMessage *msg, gpointer user_data)
{
	FcClient *c = user_data;

	if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS || GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
		g_mutex_lock(&c->lock);
		if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS)
			c->eos = TRUE;
		else
			c->error = TRUE;
		g_cond_broadcast(&c->cond);
		g_mutex_unlock(&c->lock);
	}
	return GST_BUS_DROP;
}

/* rtspsrc protocols=tcp user-id user-pw ! rtph264depay ! h264parse ! appsink */
static FcClient *
fc_client_new(const gchar *url, const gchar *password)
{
	FcClient *c = g_new0(FcClient, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GstBus) bus = NULL;
	g_autoptr(GstElement) src = NULL;
	g_autoptr(GstElement) sink = NULL;
	GstAppSinkCallbacks cb = {.new_sample = fc_client_sample_cb};

	g_mutex_init(&c->lock);
	g_cond_init(&c->cond);
	c->pts = g_array_new(FALSE, FALSE, sizeof(GstClockTime));
	c->rtp = g_array_new(FALSE, FALSE, sizeof(gint64));
	c->arrival = g_array_new(FALSE, FALSE, sizeof(gint64));
	/* rtspsrc is linked by hand, in pad-added, to see every stream it has */
	c->pipeline = gst_parse_launch("rtspsrc name=src protocols=tcp latency=100 "
				       "user-id=admin rtph264depay name=depay ! h264parse ! "
				       "video/x-h264,stream-format=avc,alignment=au ! "
				       "appsink name=sink sync=false",
				       &error);
	g_assert_no_error(error);
	src = gst_bin_get_by_name(GST_BIN(c->pipeline), "src");
	sink = gst_bin_get_by_name(GST_BIN(c->pipeline), "sink");
	g_object_set(src, "location", url, "user-pw", password, NULL);
	g_signal_connect(src, "pad-added", G_CALLBACK(fc_client_pad_added_cb), c);
	g_signal_connect(src, "new-manager", G_CALLBACK(fc_client_new_manager_cb), c);
	gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, c, NULL);
	bus = gst_element_get_bus(c->pipeline);
	gst_bus_set_sync_handler(bus, fc_client_bus_cb, c, NULL);
	g_assert_cmpint(gst_element_set_state(c->pipeline, GST_STATE_PLAYING),
			!=,
			GST_STATE_CHANGE_FAILURE);
	return c;
}

static void
fc_client_free(FcClient *c)
{
	gst_element_set_state(c->pipeline, GST_STATE_NULL);
	gst_object_unref(c->pipeline);
	g_array_unref(c->pts);
	g_array_unref(c->rtp);
	g_array_unref(c->arrival);
	g_mutex_clear(&c->lock);
	g_cond_clear(&c->cond);
	g_free(c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FcClient, fc_client_free)

typedef gboolean (*FcClientPredicate)(FcClient *c, gconstpointer data);

/* waits, with the lock held while testing, until @pred holds; FALSE on timeout */
static gboolean
fc_client_wait(FcClient *c, FcClientPredicate pred, gconstpointer data, guint timeout_s)
{
	gint64 deadline = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;
	gboolean ok;

	g_mutex_lock(&c->lock);
	while (!(ok = pred(c, data)) && g_cond_wait_until(&c->cond, &c->lock, deadline))
		;
	g_mutex_unlock(&c->lock);
	return ok;
}

static gboolean
fc_has_frames(FcClient *c, gconstpointer n)
{
	return c->pts->len >= GPOINTER_TO_UINT(n);
}

static gboolean
fc_has_ended(FcClient *c, gconstpointer unused)
{
	return c->eos || c->error;
}

static guint
fc_client_frames(FcClient *c)
{
	guint n;

	g_mutex_lock(&c->lock);
	n = c->pts->len;
	g_mutex_unlock(&c->lock);
	return n;
}

/* every PTS after the previous; every RTP timestamp one frame after the previous */
static void
fc_client_check_continuous(FcClient *c)
{
	g_mutex_lock(&c->lock);
	for (guint i = 1; i < c->pts->len; i++)
		g_assert_cmpuint(g_array_index(c->pts, GstClockTime, i),
				 >,
				 g_array_index(c->pts, GstClockTime, i - 1));
	g_assert_cmpuint(c->rtp->len, >=, 2);
	for (guint i = 1; i < c->rtp->len; i++) {
		gint64 delta = g_array_index(c->rtp, gint64, i) - g_array_index(c->rtp, gint64, i - 1);
		g_assert_cmpint(delta, >=, FC_RTP_FRAME - 1);
		g_assert_cmpint(delta, <=, FC_RTP_FRAME + 1);
	}
	g_mutex_unlock(&c->lock);
}

static gint64
fc_stats_int(guint camera, const gchar *stream, const gchar *member)
{
	g_autofree gchar *url = g_strdup_printf("%scameras/%u/stats", fc.cams[camera].control, camera);
	guint status = 0;
	g_autofree gchar *json = fc_http("GET", url, NULL, NULL, NULL, &status, NULL);
	g_autoptr(JsonNode) root = json_from_string(json, NULL);
	JsonObject *o = json_node_get_object(root);

	g_assert_cmpuint(status, ==, 200);
	if (stream != NULL)
		o = json_object_get_object_member(json_object_get_object_member(o, "streams"), stream);
	return json_object_get_int_member(o, member);
}

/* polls a camera's top-level stats member until it equals @value */
static void
fc_wait_stats_int(guint camera, const gchar *member, gint64 value, guint timeout_s)
{
	gint64 deadline = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;

	while (fc_stats_int(camera, NULL, member) != value) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(100 * 1000);
	}
}

static void
test_rtsp_four_mounts(void)
{
	FcClient *clients[4];
	const gchar *urls[4] = {fc.cams[1].rtsp, fc.cams[2].rtsp, fc.cams[3].sub, fc.cams[4].rtsp};
	gint64 loops_before[4];

	for (guint i = 0; i < 4; i++) {
		loops_before[i] = fc_stats_int(i + 1, i == 2 ? "sub" : "main", "loops");
		clients[i] = fc_client_new(urls[i], FC_PASSWORD);
	}
	/* 60 frames at 15 fps is 4 s: the 4 s clip loops at least once meanwhile */
	for (guint i = 0; i < 4; i++) {
		g_assert_true(fc_client_wait(clients[i], fc_has_frames, GUINT_TO_POINTER(65), 30));
		g_assert_false(clients[i]->error);
	}
	for (guint i = 0; i < 4; i++) {
		fc_client_check_continuous(clients[i]);
		g_assert_cmpint(fc_stats_int(i + 1, i == 2 ? "sub" : "main", "loops"),
				>,
				loops_before[i]);
		fc_client_free(clients[i]);
	}
}

static gboolean
fc_has_size(FcClient *c, gconstpointer size)
{
	const guint *wh = size;
	return c->width == wh[0] && c->height == wh[1] && c->frames_at_size >= 10;
}

static void
fc_control(guint camera, const gchar *action, guint expect_status)
{
	g_autofree gchar *url = g_strdup_printf("%scameras/%u/%s", fc.cams[camera].control, camera,
						action);
	guint status = 0;

	g_free(fc_http("POST", url, NULL, "text/plain", "", &status, NULL));
	g_assert_cmpuint(status, ==, expect_status);
}

static void
test_fault_drop(void)
{
	g_autoptr(FcClient) c = fc_client_new(fc.cams[7].rtsp, FC_PASSWORD);
	g_autoptr(FcClient) again = NULL;
	g_autofree gchar *hp = fc_rtsp_host_port(fc.cams[7].rtsp);
	g_autoptr(GSocketClient) sc = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(fc_client_wait(c, fc_has_frames, GUINT_TO_POINTER(5), 20));
	fc_control(7, "drop?seconds=2", 200);
	/* the client sees the connection go */
	g_assert_true(fc_client_wait(c, fc_has_ended, NULL, 10));
	/* and the camera refuses new ones for a while */
	conn = g_socket_client_connect_to_host(sc, hp, 0, NULL, &error);
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
	g_assert_cmpint(fc_stats_int(7, NULL, "refusing"), ==, 1);
	/* after which a client connects and plays again */
	fc_wait_stats_int(7, "refusing", 0, 10);
	again = fc_client_new(fc.cams[7].rtsp, FC_PASSWORD);
	g_assert_true(fc_client_wait(again, fc_has_frames, GUINT_TO_POINTER(10), 30));
}

static void
test_fault_stall(void)
{
	g_autoptr(FcClient) c = fc_client_new(fc.cams[8].rtsp, FC_PASSWORD);
	gint64 largest = 0;
	guint before;

	g_assert_true(fc_client_wait(c, fc_has_frames, GUINT_TO_POINTER(10), 20));
	fc_control(8, "stall?seconds=2", 200);
	before = fc_client_frames(c);
	/* frames stop for the stall (and up to a GOP more, to resume at a key frame) */
	g_assert_true(fc_client_wait(c, fc_has_frames, GUINT_TO_POINTER(before + 20), 20));
	g_assert_false(c->eos || c->error);
	g_mutex_lock(&c->lock);
	for (guint i = 1; i < c->arrival->len; i++)
		largest = MAX(largest,
			      g_array_index(c->arrival, gint64, i) -
				  g_array_index(c->arrival, gint64, i - 1));
	g_mutex_unlock(&c->lock);
	g_test_message("longest gap between frames: %" G_GINT64_FORMAT " ms", largest / 1000);
	g_assert_cmpint(largest, >=, 1800 * 1000);
	g_assert_cmpint(largest, <=, 4500 * 1000);
}

static void
test_fault_resolution(void)
{
	g_autoptr(FcClient) c = fc_client_new(fc.cams[9].rtsp, FC_PASSWORD);
	const guint full[2] = {1920, 1080};
	const guint small[2] = {1280, 720};
	guint status = 0;

	g_assert_true(fc_client_wait(c, fc_has_size, full, 20));
	fc_control(9, "resolution?size=1280x720", 200);
	/* new SPS in-band: the caps change, and frames keep coming */
	g_assert_true(fc_client_wait(c, fc_has_size, small, 20));
	g_assert_false(c->eos || c->error);
	{
		g_autofree gchar *url = g_strdup_printf("%scameras/9/stats", fc.cams[9].control);
		g_autofree gchar *json = fc_http("GET", url, NULL, NULL, NULL, &status, NULL);
		g_assert_nonnull(strstr(json, "\"resolution\" : \"1280x720\""));
	}
	fc_control(9, "resolution?size=1920x1080", 200);
	g_assert_true(fc_client_wait(c, fc_has_size, full, 20));
}

static gboolean
fc_has_rtp(FcClient *c, gconstpointer n)
{
	return c->rtp->len >= GPOINTER_TO_UINT(n);
}

/* the largest step between consecutive frames' RTP timestamps from @from on */
static gint64
fc_client_rtp_step(FcClient *c, guint from, gboolean largest)
{
	gint64 step = largest ? G_MININT64 : G_MAXINT64;

	g_mutex_lock(&c->lock);
	for (guint i = MAX(from, 1); i < c->rtp->len; i++) {
		gint64 d = g_array_index(c->rtp, gint64, i) - g_array_index(c->rtp, gint64, i - 1);
		step = largest ? MAX(step, d) : MIN(step, d);
	}
	g_mutex_unlock(&c->lock);
	return step;
}

static void
test_fault_jump(void)
{
	g_autoptr(FcClient) c = fc_client_new(fc.cams[10].rtsp, FC_PASSWORD);
	g_autoptr(FcClient) late = NULL;
	guint mark;
	gint64 step;

	g_assert_true(fc_client_wait(c, fc_has_rtp, GUINT_TO_POINTER(10), 20));
	mark = c->rtp->len;
	fc_control(10, "jump?seconds=5", 200);
	g_assert_true(fc_client_wait(c, fc_has_rtp, GUINT_TO_POINTER(mark + 10), 20));
	step = fc_client_rtp_step(c, mark, TRUE);
	g_assert_cmpint(step, >=, 5 * 90000);
	g_assert_cmpint(step, <=, 5 * 90000 + 2 * FC_RTP_FRAME);

	/* back further than the stream has run: RTP time has no floor */
	mark = c->rtp->len;
	fc_control(10, "jump?seconds=-30.5", 200);
	g_assert_true(fc_client_wait(c, fc_has_rtp, GUINT_TO_POINTER(mark + 10), 20));
	step = fc_client_rtp_step(c, mark, FALSE);
	g_assert_cmpint(step, <=, -30 * 90000 - 45000 + FC_RTP_FRAME + 1);
	g_assert_cmpint(step, >=, -30 * 90000 - 45000);
	g_assert_false(c->eos || c->error);
	g_assert_cmpint(fc_stats_int(10, "main", "jump_ms"), ==, -25500);
	/* a client joining now plays on: RTP-Info tells it the jumped clock */
	late = fc_client_new(fc.cams[10].rtsp, FC_PASSWORD);
	g_assert_true(fc_client_wait(late, fc_has_frames, GUINT_TO_POINTER(10), 20));
	fc_client_check_continuous(late);
}

static void
test_control_errors(void)
{
	g_autofree gchar *url = g_strdup_printf("%scameras/99/drop", fc.cams[1].control);
	guint status = 0;

	g_free(fc_http("POST", url, NULL, "text/plain", "", &status, NULL));
	g_assert_cmpuint(status, ==, 404);
	fc_control(1, "stall?seconds=forever", 400);
	fc_control(1, "stall", 400);
	fc_control(1, "jump?seconds=1e999", 400);
	fc_control(1, "resolution?size=huge", 400);
	fc_control(1, "resolution?size=1280x720&stream=both", 400);
	fc_control(1, "reboot", 404);
	g_assert_cmpint(fc_stats_int(1, NULL, "camera"), ==, 1);
}

/* a second process: the clip file is read back, not encoded again; audio */
static void
test_clip_file_and_audio(void)
{
	g_autofree gchar *clip = g_build_filename(fc.tmp, "clip.nfc", NULL);
	g_autofree gchar *audio_clip = g_build_filename(fc.tmp, "audio.nfc", NULL);
	const gchar *argv[] = {nvr_test_build_path("NVR_FAKECAM", "nvr/fakecam/nvr-fakecam"),
			       "--clip", clip, "--no-auth", "--exit-with-parent", NULL};
	const gchar *argv_audio[] = {nvr_test_build_path("NVR_FAKECAM", "nvr/fakecam/nvr-fakecam"),
				     "--clip", audio_clip, "--clip-seconds", "2", "--audio",
				     "--no-auth", "--persona", "reolink", "--exit-with-parent", NULL};
	g_autoptr(NvrTestProc) proc = nvr_test_proc_spawn(argv, NULL);
	g_autoptr(NvrTestProc) proc_audio = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *loaded = nvr_test_proc_wait_line(proc, "*clip", 30, &error);
	g_autofree gchar *line = NULL;
	g_autoptr(FcClient) c = NULL;
	const gchar *url;

	g_assert_no_error(error);
	g_assert_nonnull(strstr(loaded, "loaded"));
	g_free(nvr_test_proc_wait_line(proc, "ready", 30, &error));
	g_assert_no_error(error);
	g_assert_cmpint(nvr_test_proc_stop(proc, SIGTERM, 10), ==, 0);

	proc_audio = nvr_test_proc_spawn(argv_audio, &error);
	g_assert_no_error(error);
	line = nvr_test_proc_wait_line(proc_audio, "camera 1 ", 60, &error);
	g_assert_no_error(error);
	url = strstr(line, "rtsp=") + 5;
	*strchr(url, ' ') = '\0';
	c = fc_client_new(url, "");
	g_assert_true(fc_client_wait(c, fc_has_frames, GUINT_TO_POINTER(20), 30));
	g_mutex_lock(&c->lock);
	g_assert_cmpuint(c->audio_buffers, >, 10);
	g_mutex_unlock(&c->lock);
	fc_client_check_continuous(c);
}

/* helper mode, run inside a namespace: one multicast Probe, then the answers */
static int
fc_multicast_prober(const gchar *address)
{
	g_autoptr(GSocket) sock =
	    g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
	g_autoptr(GSocketAddress) local = g_inet_socket_address_new_from_string(address, 0);
	g_autoptr(GSocketAddress) group = g_inet_socket_address_new_from_string("239.255.255.250", 3702);
	g_autofree gchar *probe = fc_probe_xml("dn:NetworkVideoTransmitter", "urn:uuid:77");
	g_autofree gchar *buf = g_malloc0(65536);
	guint n = 0;
	gssize len;

	if (sock == NULL || !g_socket_bind(sock, local, TRUE, NULL))
		return 1;
	g_socket_set_multicast_ttl(sock, 1);
	g_socket_set_timeout(sock, 2);
	if (g_socket_send_to(sock, group, probe, strlen(probe), NULL, NULL) < 0)
		return 1;
	while ((len = g_socket_receive(sock, buf, 65535, NULL, NULL)) > 0) {
		g_autofree gchar *xaddrs = NULL;
		buf[len] = '\0';
		xaddrs = fc_xml_value(buf, "XAddrs");
		g_print("match %s\n", xaddrs != NULL ? xaddrs : "?");
		n++;
	}
	g_print("done %u\n", n);
	return 0;
}

static gboolean
fc_ip(const gchar *cmdline)
{
	g_auto(GStrv) argv = g_strsplit(cmdline, " ", -1);
	gint status = -1;

	return nvr_test_run((const gchar *const *)argv, NULL, NULL, &status, NULL) && status == 0;
}

/* --wsd-multicast in a namespace of ours: a multicast Probe from a second one
 * gets a ProbeMatches from every camera; nothing reaches a real LAN */
static void
test_wsd_multicast_netns(void)
{
	g_autofree gchar *a = g_strdup_printf("nvrfc-a-%d", (int)getpid());
	g_autofree gchar *b = g_strdup_printf("nvrfc-b-%d", (int)getpid());
	g_autofree gchar *self = g_file_read_link("/proc/self/exe", NULL);
	g_autofree gchar *clip = g_build_filename(fc.tmp, "clip.nfc", NULL);
	gchar *setup[] = {
	    g_strdup_printf("ip netns add %s", a),
	    g_strdup_printf("ip netns add %s", b),
	    g_strdup_printf("ip -n %s link add fca type veth peer name fcb netns %s", a, b),
	    g_strdup_printf("ip -n %s addr add 10.213.7.1/24 dev fca", a),
	    g_strdup_printf("ip -n %s addr add 10.213.7.2/24 dev fcb", b),
	    g_strdup_printf("ip -n %s link set fca up", a),
	    g_strdup_printf("ip -n %s link set fcb up", b),
	    g_strdup_printf("ip -n %s route add 224.0.0.0/4 dev fcb", b),
	};
	g_autofree gchar *del_a = g_strdup_printf("ip netns del %s", a);
	g_autofree gchar *del_b = g_strdup_printf("ip netns del %s", b);
	const gchar *argv_cam[] = {"ip", "netns", "exec", a,
				   nvr_test_build_path("NVR_FAKECAM", "nvr/fakecam/nvr-fakecam"),
				   "--bind", "10.213.7.1", "--persona", "hikvision,axis", "--cameras",
				   "2", "--clip", clip, "--wsd-multicast", "--exit-with-parent", NULL};
	const gchar *argv_probe[] = {"ip", "netns", "exec", b, self, "--multicast-prober",
				     "10.213.7.2", NULL};
	g_autoptr(NvrTestProc) cams = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ready = NULL;
	g_autofree gchar *out = NULL;
	gboolean ok = TRUE;
	gint status = -1;

	if (getuid() != 0 || !g_file_test("/usr/sbin/ip", G_FILE_TEST_IS_EXECUTABLE)) {
		g_test_skip("needs root and ip(8) to make network namespaces");
		return;
	}
	for (guint i = 0; i < G_N_ELEMENTS(setup); i++) {
		ok = ok && fc_ip(setup[i]);
		g_free(setup[i]);
	}
	if (ok) {
		cams = nvr_test_proc_spawn(argv_cam, &error);
		if (cams != NULL)
			ready = nvr_test_proc_wait_line(cams, "ready", 30, &error);
		if (ready != NULL)
			nvr_test_run(argv_probe, &out, NULL, &status, &error);
		if (cams != NULL)
			nvr_test_proc_stop(cams, SIGTERM, 10);
	}
	fc_ip(del_a); /* the veth pair goes with its namespaces */
	fc_ip(del_b);
	if (!ok) {
		g_test_skip("cannot make network namespaces here");
		return;
	}
	/* asserted after the cleanup, so a failure leaves no namespace behind */
	g_assert_no_error(error);
	g_test_message("%s", out);
	g_assert_cmpint(status, ==, 0);
	g_assert_nonnull(strstr(out, "done 2\n"));
	g_assert_nonnull(strstr(out, "match http://10.213.7.1:"));
}

int
main(int argc, char **argv)
{
	int ret;

	if (argc == 3 && g_str_equal(argv[1], "--multicast-prober"))
		return fc_multicast_prober(argv[2]);
	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	nvr_test_watchdog_start(FC_WATCHDOG_S);
	fc.tmp = nvr_test_mkdtemp();
	fc.http = soup_session_new_with_options("timeout", 30, NULL);
	fc_start();

	g_test_add_func("/nvr/fakecam/output-lines", test_output_lines);
	g_test_add_func("/nvr/fakecam/onvif-device-information", test_onvif_device_information);
	g_test_add_func("/nvr/fakecam/onvif-media", test_onvif_media);
	g_test_add_func("/nvr/fakecam/onvif-malformed", test_onvif_malformed);
	g_test_add_func("/nvr/fakecam/vendor-hikvision", test_vendor_hikvision);
	g_test_add_func("/nvr/fakecam/vendor-dahua-amcrest", test_vendor_dahua);
	g_test_add_func("/nvr/fakecam/vendor-axis", test_vendor_axis);
	g_test_add_func("/nvr/fakecam/vendor-reolink", test_vendor_reolink);
	g_test_add_func("/nvr/fakecam/vendor-generic-404", test_vendor_generic_and_404);
	g_test_add_func("/nvr/fakecam/rtsp-server-header", test_rtsp_server_header);
	g_test_add_func("/nvr/fakecam/wsd-probe", test_wsd_probe);
	g_test_add_func("/nvr/fakecam/wsd-multicast-netns", test_wsd_multicast_netns);
	g_test_add_func("/nvr/fakecam/rtsp-four-mounts", test_rtsp_four_mounts);
	g_test_add_func("/nvr/fakecam/fault-drop", test_fault_drop);
	g_test_add_func("/nvr/fakecam/fault-stall", test_fault_stall);
	g_test_add_func("/nvr/fakecam/fault-resolution", test_fault_resolution);
	g_test_add_func("/nvr/fakecam/fault-jump", test_fault_jump);
	g_test_add_func("/nvr/fakecam/control-errors", test_control_errors);
	g_test_add_func("/nvr/fakecam/clip-file-and-audio", test_clip_file_and_audio);
	ret = g_test_run();

	g_assert_cmpint(nvr_test_proc_stop(fc.proc, SIGTERM, 10), ==, 0);
	nvr_test_proc_free(fc.proc);
	g_object_unref(fc.http);
	nvr_test_rm_rf(fc.tmp);
	g_free(fc.tmp);
	nvr_test_watchdog_stop();
	return ret;
}
