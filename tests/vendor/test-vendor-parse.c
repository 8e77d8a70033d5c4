/*
 * test-vendor-parse.c: the in-tree plugins' parsers of vendor answers,
 * directly: documented shapes, and the hostile ones (entities, a foreign
 * namespace, error texts, nesting, hostile strings).
 */
#include "config.h"

#include <string.h>

#include "nvr-axis-parse.h"
#include "nvr-dahua-parse.h"
#include "nvr-hikvision-parse.h"
#include "nvr-reolink-parse.h"

/* what older and OEM firmware sends: ISAPI 1.0 schemas, a namespace in another case */
static const struct {
	const gchar *xml;
	const gchar *ns_name;
} nvr_isapi_older[] = {
	{"<DeviceInfo version=\"1.0\" xmlns=\"http://www.hikvision.com/ver10/XMLSchema\">"
	 "<model>DS-2CD2032-I</model></DeviceInfo>", "hikvision.com/ver10"},
	{"<DeviceInfo version=\"1.0\" xmlns=\"http://www.std-cgi.com/ver10/XMLSchema\">"
	 "<model>DS-2CD2032-I</model></DeviceInfo>", "std-cgi.com/ver10"},
	{"<DeviceInfo xmlns=\"http://www.Hikvision.com/ver20/XMLSchema/\">"
	 "<model>DS-2CD2032-I</model></DeviceInfo>", "hikvision.com/ver20"},
	{"\xef\xbb\xbf\r\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<DeviceInfo "
	 "xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><model>DS-2CD2032-I</model></DeviceInfo>",
	 "hikvision.com/ver20"},
};

static void
test_isapi(void)
{
	const gchar *ok = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			  "<DeviceInfo version=\"2.0\" xmlns=\"http://www.isapi.org/ver20/XMLSchema\">"
			  "<model>DS-7608NI-K2</model><deviceType>NVR</deviceType>"
			  "<systemContact>\xe2\x80\xae" "STD-CGI</systemContact></DeviceInfo>";
	const gchar *bad[] = {
		"<DeviceInfo xmlns=\"http://www.example.com/ver20/XMLSchema\"><model>X</model></DeviceInfo>",
		"<DeviceInfo><model>X</model></DeviceInfo>",
		"<ResponseStatus xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><statusCode>4</statusCode></ResponseStatus>",
		("<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaa\">]><DeviceInfo "
		 "xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><model>&a;</model></DeviceInfo>"),
		"<DeviceInfo xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><model>",
		"<DeviceInfo xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"></DeviceInfo>",
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrHikvisionDeviceInfo) info = nvr_hikvision_parse_device_info(ok, strlen(ok), &error);

	g_assert_no_error(error);
	g_assert_cmpint(info->ns, ==, NVR_HIKVISION_NS_ISAPI);
	g_assert_cmpstr(info->model, ==, "DS-7608NI-K2");
	g_assert_cmpstr(info->system_contact, ==, "STD-CGI"); /* the bidi override is gone */
	g_assert_true(nvr_hikvision_device_info_is_oem(info));
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(NvrHikvisionDeviceInfo) b = nvr_hikvision_parse_device_info(bad[i], strlen(bad[i]), &error);
		g_assert_null(b);
		g_assert_nonnull(error);
		g_test_message("%u: %s", i, error->message);
		g_clear_error(&error);
	}
	for (guint i = 0; i < G_N_ELEMENTS(nvr_isapi_older); i++) {
		g_autoptr(NvrHikvisionDeviceInfo) o =
			nvr_hikvision_parse_device_info(nvr_isapi_older[i].xml, strlen(nvr_isapi_older[i].xml), &error);
		g_assert_no_error(error);
		g_assert_cmpstr(o->ns_name, ==, nvr_isapi_older[i].ns_name);
		g_assert_cmpstr(o->model, ==, "DS-2CD2032-I");
	}
	{ /* Latin-1 bytes in a reply that declares UTF-8 */
		const gchar *latin1 = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
				      "<DeviceInfo xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">"
				      "<deviceName>Cam\xe9ra</deviceName><model>DS-2CD2032-I</model></DeviceInfo>";
		g_autoptr(NvrHikvisionDeviceInfo) l = nvr_hikvision_parse_device_info(latin1, strlen(latin1), &error);
		g_assert_no_error(error);
		g_assert_cmpstr(l->device_name, ==, "Cam\xc3\xa9ra");
	}
	{
		g_autofree gchar *huge = g_strnfill(NVR_HIKVISION_DEVICE_INFO_MAX + 1, ' ');
		g_autoptr(NvrHikvisionDeviceInfo) b = nvr_hikvision_parse_device_info(huge, strlen(huge), &error);
		g_assert_null(b);
		g_assert_cmpstr(error->message, ==, "ISAPI deviceInfo: empty or larger than 256 KiB");
	}
}

static void
test_magicbox(void)
{
	const gchar *sys = "deviceType=31\r\nserialNumber=5L00000LB000001\r\nupdateSerial=DHI-NVR4108HS-8P-4KS2\r\n";
	const gchar *bad[] = {"Error\r\nBad Request!\r\n", "<html><body>401</body></html>", "a=b\n",
			      "\n\n", "a b=c\n"};
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrDahuaSystemInfo) info = nvr_dahua_parse_system_info(sys, strlen(sys), &error);
	g_autofree gchar *vendor = nvr_dahua_parse_value("vendor=Amcrest\r\n", 16, "vendor", &error);

	g_assert_no_error(error);
	g_assert_cmpstr(info->device_type, ==, "31");
	g_assert_cmpstr(info->update_serial, ==, "DHI-NVR4108HS-8P-4KS2");
	g_assert_cmpstr(vendor, ==, "Amcrest");
	{ /* a BOM first, trailing spaces */
		const gchar *bom = "\xef\xbb\xbf" "deviceType=IPC-HDW2431T-AS-S2  \r\nupdateSerial=IPC-HDW2431T-AS-S2 \r\n";
		g_autoptr(NvrDahuaSystemInfo) b = nvr_dahua_parse_system_info(bom, strlen(bom), &error);
		g_assert_no_error(error);
		g_assert_cmpstr(b->device_type, ==, "IPC-HDW2431T-AS-S2");
		g_assert_cmpstr(b->update_serial, ==, "IPC-HDW2431T-AS-S2");
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(NvrDahuaSystemInfo) b = nvr_dahua_parse_system_info(bad[i], strlen(bad[i]), &error);
		g_assert_null(b);
		g_assert_nonnull(error);
		g_clear_error(&error);
	}
	g_assert_true(nvr_dahua_firmware_format_matches("2.800.0000000.25.R, Build Date 2021-06-23"));
	g_assert_true(nvr_dahua_firmware_format_matches("V2.800.00AC003.0.R, Build Date 2020-12-14"));
	g_assert_true(nvr_dahua_firmware_format_matches("2.622.0000000.31.R"));
	g_assert_false(nvr_dahua_firmware_format_matches("V5.7.3 build 220112"));
	g_assert_false(nvr_dahua_firmware_format_matches("v3.1.0.1162_22083001"));
	g_assert_false(nvr_dahua_firmware_format_matches("10.12.114"));
	g_assert_false(nvr_dahua_firmware_format_matches(NULL));
}

static void
test_axis(void)
{
	const gchar *json = "{\"apiVersion\":\"1.3\",\"data\":{\"propertyList\":{\"Brand\":\"AXIS\","
			    "\"ProdNbr\":\"M3045-V\",\"SerialNumber\":\"ACCC8E3A0006\",\"Version\":10}}}";
	const gchar *deep = "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}";
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrAxisDeviceInfo) info = nvr_axis_parse_basic_device_info(json, strlen(json), &error);
	g_autoptr(NvrAxisDeviceInfo) deep_info = NULL;

	g_assert_no_error(error);
	g_assert_cmpstr(info->brand, ==, "AXIS");
	g_assert_null(info->version); /* a number where a string belongs is no value */
	g_assert_true(nvr_axis_serial_matches_mac(info->serial, "ac:cc:8e:3a:00:06"));
	g_assert_false(nvr_axis_serial_matches_mac(info->serial, "00:40:8c:3a:00:06"));
	deep_info = nvr_axis_parse_basic_device_info(deep, strlen(deep), &error);
	g_assert_null(deep_info);
	g_assert_cmpstr(error->message, ==, "VAPIX: empty, larger than 64 KiB, or nested too deep");
}

static void
test_reolink(void)
{
	const gchar *err = "[{\"cmd\":\"GetDevInfo\",\"code\":1,\"error\":{\"detail\":\"please login first\",\"rspCode\":-6}}]";
	const gchar *ok = "[{\"cmd\":\"GetDevInfo\",\"code\":0,\"value\":{\"DevInfo\":{\"model\":\"RLC-510A\","
			  "\"hardVer\":\"IPC_523128M5MP\",\"channelNum\":1}}}]";
	g_autoptr(GError) error = NULL;
	gint rsp = 0;
	g_autoptr(NvrReolinkDevInfo) info = nvr_reolink_parse_dev_info(ok, strlen(ok), &rsp, &error);
	g_autoptr(NvrReolinkDevInfo) none = NULL;

	g_assert_no_error(error);
	g_assert_cmpstr(info->model, ==, "RLC-510A");
	g_assert_cmpint(info->channels, ==, 1);
	none = nvr_reolink_parse_dev_info(err, strlen(err), &rsp, &error);
	g_assert_null(none);
	g_assert_cmpint(rsp, ==, -6);
	g_assert_cmpstr(error->message, ==, "GetDevInfo: the device answered with an error");
	g_clear_error(&error);
	{ /* Login: a token of letters and digits only, since it goes into a request line */
		const gchar *login = "[{\"cmd\":\"Login\",\"code\":0,\"value\":{\"Token\":{\"leaseTime\":3600,"
				     "\"name\":\"8f2a3c4d5e6f7081\"}}}]";
		const gchar *bad = "[{\"cmd\":\"Login\",\"code\":0,\"value\":{\"Token\":{\"name\":\"a&cmd=Reboot\"}}}]";
		const gchar *refused = "[{\"cmd\":\"Login\",\"code\":1,\"error\":{\"rspCode\":-7}}]";
		g_autofree gchar *token = nvr_reolink_parse_login_token(login, strlen(login), &rsp, &error);
		g_autofree gchar *none1 = nvr_reolink_parse_login_token(bad, strlen(bad), &rsp, NULL);
		g_autofree gchar *none2 = nvr_reolink_parse_login_token(refused, strlen(refused), &rsp, NULL);
		g_assert_no_error(error);
		g_assert_cmpstr(token, ==, "8f2a3c4d5e6f7081");
		g_assert_null(none1);
		g_assert_null(none2);
		g_assert_cmpint(rsp, ==, -7);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/nvr/vendor/parse/isapi", test_isapi);
	g_test_add_func("/nvr/vendor/parse/magicbox", test_magicbox);
	g_test_add_func("/nvr/vendor/parse/axis", test_axis);
	g_test_add_func("/nvr/vendor/parse/reolink", test_reolink);
	return g_test_run();
}
