/*
 * test-fakecam-unit.c: the parts of nvr-fakecam that need no sockets: mount
 * path normalisation, the SOAP parser and UsernameToken check, the
 * WS-Discovery matcher and the clip file format.
 */
#include "config.h"

#include <libxml/parser.h>
#include <string.h>

#include "core/nvr-error.h"
#include "fakecam/nvr-fakecam-clip.h"
#include "fakecam/nvr-fakecam-onvif.h"
#include "fakecam/nvr-fakecam-soap.h"
#include "fakecam/nvr-fakecam-vendor.h"
#include "fakecam/nvr-fakecam-wsd.h"
#include "nvr-test-common.h"

static NvrFakecamDevice *
make_device(NvrFakecamPersonaId id)
{
	NvrFakecamDevice *dev = nvr_fakecam_device_new(nvr_fakecam_persona_get(id), 1, 640, 360);

	dev->http_port = 8080;
	dev->rtsp_port = 8554;
	dev->user = g_strdup("user");
	dev->password = g_strdup("userpassword");
	return dev;
}

static void
test_normalize_path(void)
{
	struct {
		NvrFakecamPersonaId persona;
		const gchar *abspath;
		const gchar *query;
		const gchar *expect;
	} cases[] = {
	    {NVR_FAKECAM_PERSONA_HIKVISION, "/Streaming/Channels/101", NULL, "/Streaming/Channels/101"},
	    {NVR_FAKECAM_PERSONA_HIKVISION, "/Streaming/Channels/101",
	     "transportmode=unicast&profile=Profile_1", "/Streaming/Channels/101"},
	    {NVR_FAKECAM_PERSONA_HIKVISION, "/Streaming/Channels/101",
	     "transportmode=unicast/stream=0", "/Streaming/Channels/101/stream=0"},
	    {NVR_FAKECAM_PERSONA_DAHUA, "/cam/realmonitor", "channel=1&subtype=0",
	     "/cam/realmonitor?channel=1&subtype=0"},
	    {NVR_FAKECAM_PERSONA_DAHUA, "/cam/realmonitor",
	     "subtype=1&unicast=true&proto=Onvif&channel=1", "/cam/realmonitor?channel=1&subtype=1"},
	    {NVR_FAKECAM_PERSONA_DAHUA, "/cam/realmonitor", "channel=1&subtype=0/stream=0",
	     "/cam/realmonitor?channel=1&subtype=0/stream=0"},
	    {NVR_FAKECAM_PERSONA_DAHUA, "/cam/realmonitor", "channel=1&subtype=0/",
	     "/cam/realmonitor?channel=1&subtype=0"},
	    {NVR_FAKECAM_PERSONA_DAHUA, "/cam/realmonitor", "channel=2&subtype=0", "/cam/realmonitor"},
	    {NVR_FAKECAM_PERSONA_AXIS, "/axis-media/media.amp", "resolution=640x360",
	     "/axis-media/media.amp?resolution=640x360"},
	    {NVR_FAKECAM_PERSONA_AXIS, "/axis-media/media.amp", "resolution=640x360/stream=0",
	     "/axis-media/media.amp?resolution=640x360/stream=0"},
	    {NVR_FAKECAM_PERSONA_AXIS, "/axis-media/media.amp", "videocodec=h264&resolution=1920x1080",
	     "/axis-media/media.amp"},
	    {NVR_FAKECAM_PERSONA_GENERIC, "/stream1", "", "/stream1"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(NvrFakecamDevice) dev = make_device(cases[i].persona);
		g_autofree gchar *path =
		    nvr_fakecam_device_normalize_path(dev, cases[i].abspath, cases[i].query);
		g_assert_cmpstr(path, ==, cases[i].expect);
	}
}

static void
test_identity(void)
{
	for (guint id = 0; id < NVR_FAKECAM_PERSONA_LAST; id++) {
		g_autoptr(NvrFakecamDevice) dev = make_device(id);
		g_autoptr(NvrFakecamDevice) other = nvr_fakecam_device_new(dev->persona, 2, 640, 360);
		g_autofree gchar *scopes = nvr_fakecam_device_scopes(dev);

		g_assert_cmpstr(dev->mac_colon, !=, other->mac_colon);
		g_assert_cmpstr(dev->serial, !=, other->serial);
		g_assert_cmpstr(dev->uuid, !=, other->uuid);
		g_assert_nonnull(strstr(scopes, dev->mac_colon));
		if (dev->persona->oui == NULL) /* locally administered */
			g_assert_cmpuint(dev->mac[0] & 0x02, ==, 0x02);
	}
	{
		g_autoptr(NvrFakecamDevice) hik = make_device(NVR_FAKECAM_PERSONA_HIKVISION);
		g_autoptr(NvrFakecamDevice) axis = make_device(NVR_FAKECAM_PERSONA_AXIS);
		g_autofree gchar *mac = g_ascii_strdown(hik->mac_hex, -1);
		g_assert_true(g_str_has_suffix(hik->uuid, mac));
		g_assert_true(g_str_has_prefix(hik->serial, "DS-2CD2143G2-I"));
		g_assert_cmpstr(axis->serial, ==, axis->mac_hex);
	}
}

static gchar *
token_request(const gchar *password, const gchar *type, const gchar *nonce, const gchar *created)
{
	return g_strdup_printf(
	    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Header>"
	    "<Security><UsernameToken><Username>user</Username>"
	    "<Password Type=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-"
	    "token-profile-1.0#%s\">%s</Password><Nonce>%s</Nonce><Created>%s</Created>"
	    "</UsernameToken></Security></s:Header><s:Body><GetDeviceInformation "
	    "xmlns=\"http://www.onvif.org/ver10/device/wsdl\"/></s:Body></s:Envelope>",
	    type,
	    password,
	    nonce,
	    created);
}

/* the example of the ONVIF Application Programmer's Guide */
static void
test_soap_token(void)
{
	const gchar *nonce = "LKqI6G/AikKCQrN0zqZFlg==";
	const gchar *created = "2010-09-16T07:50:45Z";
	struct {
		const gchar *password;
		const gchar *type;
		gboolean ok;
	} cases[] = {
	    {"tuOSpGlFlIXsozq4HFNeeGeFLEI=", "PasswordDigest", TRUE},
	    {"tuOSpGlFlIXsozq4HFNeeGeFLEJ=", "PasswordDigest", FALSE},
	    {"userpassword", "PasswordText", TRUE},
	    {"userpassword", "PasswordDigest", FALSE},
	    {"tuOSpGlFlIXsozq4HFNeeGeFLEI=", "PasswordText", FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *xml = token_request(cases[i].password, cases[i].type, nonce, created);
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrFakecamSoapRequest) req = nvr_fakecam_soap_parse(xml, strlen(xml), &error);
		gboolean ok;

		g_assert_no_error(error);
		g_assert_cmpstr(req->action, ==, "GetDeviceInformation");
		g_assert_cmpstr(req->action_ns, ==, "http://www.onvif.org/ver10/device/wsdl");
		ok = nvr_fakecam_soap_check_token(req, "user", "userpassword", &error);
		g_assert_cmpint(ok, ==, cases[i].ok);
		if (!ok)
			g_assert_error(error, NVR_ERROR, NVR_ERROR_AUTH);
	}
}

static void
test_soap_parse_errors(void)
{
	g_autofree gchar *big = g_strnfill(NVR_FAKECAM_SOAP_MAX_REQUEST + 1, ' ');
	const gchar *bad[] = {
	    "",
	    "<a",
	    "<Envelope><Body><X/></Body></Envelope>", /* no namespace */
	    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"/>",
	    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body/></s:Envelope>",
	    "<!DOCTYPE s:Envelope SYSTEM \"http://example.com/x.dtd\"><s:Envelope "
	    "xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body><X/></s:Body></s:Envelope>",
	    big,
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrFakecamSoapRequest) req =
		    nvr_fakecam_soap_parse(bad[i], strlen(bad[i]), &error);
		g_assert_null(req);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
	}
}

static void
test_onvif_faults(void)
{
	g_autoptr(NvrFakecamDevice) dev = make_device(NVR_FAKECAM_PERSONA_DAHUA);
	g_autoptr(GDateTime) now = g_date_time_new_utc(2026, 11, 28, 14, 0, 0);
	g_autofree gchar *ok = token_request("userpassword", "PasswordText", "", "");
	guint status = 0;
	g_autofree gchar *reply = nvr_fakecam_onvif_handle(dev, ok, strlen(ok), now, &status);
	g_autofree gchar *bad = NULL;

	g_assert_cmpuint(status, ==, 200);
	g_assert_nonnull(strstr(reply, "<tds:Manufacturer>Dahua</tds:Manufacturer>"));
	/* Dahua's envelope prolog and soap-encoding namespace */
	g_assert_true(g_str_has_prefix(reply, "<?xml version=\"1.0\" encoding=\"utf-8\" standalone"));
	g_assert_nonnull(strstr(reply, "xmlns:sc=\"http://www.w3.org/2003/05/soap-encoding\""));
	bad = nvr_fakecam_onvif_handle(dev, "<x", 2, now, &status);
	g_assert_cmpuint(status, ==, 400);
	g_assert_nonnull(strstr(bad, "ter:WellFormed"));
}

static void
test_wsd_match(void)
{
	g_autoptr(NvrFakecamDevice) dev = make_device(NVR_FAKECAM_PERSONA_AXIS);
	struct {
		const gchar *types;
		const gchar *scopes;
		gboolean match;
	} cases[] = {
	    {"", "", TRUE},
	    {"dn:NetworkVideoTransmitter", "", TRUE},
	    {"tds:Device dn:NetworkVideoTransmitter", "", TRUE},
	    {"dn:Printer", "", FALSE},
	    {"", "onvif://www.onvif.org/hardware/M3045-V", TRUE},
	    {"", "onvif://www.onvif.org/hardware", TRUE},
	    {"", "onvif://www.onvif.org/hard", FALSE},
	    {"", "onvif://www.onvif.org/name/Dahua", FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *probe = g_strdup_printf(
		    "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\"><e:Header>"
		    "<MessageID>urn:uuid:42</MessageID></e:Header><e:Body><Probe><Types>%s</Types>"
		    "<Scopes>%s</Scopes></Probe></e:Body></e:Envelope>",
		    cases[i].types,
		    cases[i].scopes);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *reply = nvr_fakecam_wsd_handle(dev, probe, strlen(probe), 7, &error);

		g_assert_cmpint(reply != NULL, ==, cases[i].match);
		if (reply != NULL) {
			g_assert_nonnull(strstr(reply, "<wsa:RelatesTo>urn:uuid:42</wsa:RelatesTo>"));
			g_assert_nonnull(strstr(reply, "MessageNumber=\"7\""));
			g_assert_nonnull(strstr(reply, "<d:XAddrs>http://127.0.0.1:8080/onvif/"
							"device_service</d:XAddrs>"));
		}
	}
}

static NvrFakecamTrack *
make_track(guint n, guint key_every, guint width)
{
	g_autoptr(GPtrArray) aus = g_ptr_array_new_with_free_func((GDestroyNotify)gst_buffer_unref);
	const guint8 avcc[] = {0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, 0x04, 0x67,
			       0x42, 0xc0, 0x1e, 0x01, 0x00, 0x02, 0x68, 0xce};
	g_autoptr(GstBuffer) codec_data = gst_buffer_new_memdup(avcc, sizeof(avcc));
	g_autoptr(GstCaps) caps = gst_caps_new_simple("video/x-h264",
						      "stream-format", G_TYPE_STRING, "avc",
						      "alignment", G_TYPE_STRING, "au",
						      "width", G_TYPE_INT, (gint)width,
						      "height", G_TYPE_INT, 64,
						      "framerate", GST_TYPE_FRACTION, 15, 1,
						      "codec_data", GST_TYPE_BUFFER, codec_data,
						      NULL);
	g_autoptr(GError) error = NULL;
	NvrFakecamTrack *track;

	for (guint i = 0; i < n; i++) {
		guint8 au[] = {0, 0, 0, 2, 0x65, (guint8)i};
		GstBuffer *b = gst_buffer_new_memdup(au, sizeof(au));
		GST_BUFFER_DURATION(b) = GST_SECOND / 15;
		if (i % key_every != 0)
			GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
		g_ptr_array_add(aus, b);
	}
	track = nvr_fakecam_track_new(caps, aus, &error);
	g_assert_no_error(error);
	return track;
}

static void
test_clip_file(void)
{
	g_autoptr(NvrFakecamTrack) main = make_track(60, 30, 128);
	g_autoptr(NvrFakecamTrack) sub = make_track(60, 30, 64);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrFakecamClip) clip = nvr_fakecam_clip_new(main, sub, NULL, &error);
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(NvrFakecamClip) back = NULL;
	gsize len = 0;
	const guint8 *data;

	g_assert_no_error(error);
	bytes = nvr_fakecam_clip_serialize(clip);
	back = nvr_fakecam_clip_parse(bytes, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(nvr_fakecam_track_get_n_aus(nvr_fakecam_clip_get_main(back)), ==, 60);
	g_assert_cmpuint(nvr_fakecam_track_get_width(nvr_fakecam_clip_get_sub(back)), ==, 64);
	g_assert_cmpuint(nvr_fakecam_track_get_duration(nvr_fakecam_clip_get_main(back)),
			 ==,
			 nvr_fakecam_track_get_duration(main));
	g_assert_true(nvr_fakecam_track_is_key(nvr_fakecam_clip_get_main(back), 30));
	g_assert_false(nvr_fakecam_track_is_key(nvr_fakecam_clip_get_main(back), 31));

	/* every truncation is an error, never a crash */
	data = g_bytes_get_data(bytes, &len);
	for (gsize cut = 0; cut < len; cut += 1 + cut / 16) {
		g_autoptr(GBytes) part = g_bytes_new(data, cut);
		g_autoptr(GError) e = NULL;
		g_autoptr(NvrFakecamClip) c = nvr_fakecam_clip_parse(part, &e);
		g_assert_null(c);
		g_assert_error(e, NVR_ERROR, NVR_ERROR_CORRUPT);
	}
	/* a count that claims more AUs than the bytes can hold */
	{
		g_autofree guint8 *copy = g_memdup2(data, len);
		g_autoptr(GBytes) evil = NULL;
		g_autoptr(NvrFakecamClip) c = NULL;
		g_autoptr(GError) e = NULL;
		const guint8 *caps_at = copy + 16 + 4;
		guint32 caps_len = GUINT32_FROM_BE(*(const guint32 *)caps_at);
		guint8 *count = copy + 16 + 8 + caps_len;

		memset(count, 0x7f, 4);
		evil = g_bytes_new_take(g_steal_pointer(&copy), len);
		c = nvr_fakecam_clip_parse(evil, &e);
		g_assert_null(c);
		g_assert_error(e, NVR_ERROR, NVR_ERROR_CORRUPT);
	}
	/* main and sub must line up */
	{
		g_autoptr(NvrFakecamTrack) shorter = make_track(30, 30, 64);
		g_autoptr(GError) e = NULL;
		g_autoptr(NvrFakecamClip) c = nvr_fakecam_clip_new(main, shorter, NULL, &e);
		g_assert_null(c);
		g_assert_error(e, NVR_ERROR, NVR_ERROR_CORRUPT);
	}
}

/* the same parameters give the same bytes: tests may compare what they record */
static void
test_encode_repeatable(void)
{
	NvrFakecamClipParams p = {160, 96, 15, 200, 64, 64, 64, 2, FALSE};
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrFakecamClip) a = nvr_fakecam_clip_encode(&p, &error);
	g_autoptr(NvrFakecamClip) b = NULL;
	g_autoptr(GBytes) bytes_a = NULL;
	g_autoptr(GBytes) bytes_b = NULL;
	NvrFakecamTrack *main;

	g_assert_no_error(error);
	b = nvr_fakecam_clip_encode(&p, &error);
	g_assert_no_error(error);
	main = nvr_fakecam_clip_get_main(a);
	g_assert_cmpuint(nvr_fakecam_track_get_n_aus(main), ==, 30);
	g_assert_cmpuint(nvr_fakecam_track_get_duration(main), ==, 2 * GST_SECOND);
	g_assert_cmpuint(nvr_fakecam_track_get_width(nvr_fakecam_clip_get_sub(a)), ==, 64);
	for (guint i = 0; i < 30; i++) /* a GOP of 2 s: key frames at 0 and 30 only */
		g_assert_cmpint(nvr_fakecam_track_is_key(main, i), ==, i == 0);
	bytes_a = nvr_fakecam_clip_serialize(a);
	bytes_b = nvr_fakecam_clip_serialize(b);
	g_assert_true(g_bytes_equal(bytes_a, bytes_b));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	xmlInitParser();
	g_test_add_func("/nvr/fakecam/unit/normalize-path", test_normalize_path);
	g_test_add_func("/nvr/fakecam/unit/identity", test_identity);
	g_test_add_func("/nvr/fakecam/unit/soap-token", test_soap_token);
	g_test_add_func("/nvr/fakecam/unit/soap-parse-errors", test_soap_parse_errors);
	g_test_add_func("/nvr/fakecam/unit/onvif-faults", test_onvif_faults);
	g_test_add_func("/nvr/fakecam/unit/wsd-match", test_wsd_match);
	g_test_add_func("/nvr/fakecam/unit/clip-file", test_clip_file);
	g_test_add_func("/nvr/fakecam/unit/encode-repeatable", test_encode_repeatable);
	return g_test_run();
}
