/*
 * test-vendor.c: the vendor module without the network: CSV and OUI
 * tables, quirk files, the restricted-vendor registry, URL templates and
 * the evidence model. Plugins, verdicts and recorded devices are in
 * test-vendor-verdict.c; the ABI in test-vendor-abi.c.
 */
#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "nvr-test-common.h"
#include "vendor/nvr-csv.h"
#include "vendor/nvr-evidence.h"
#include "vendor/nvr-oui.h"
#include "vendor/nvr-quirks.h"
#include "vendor/nvr-restricted-registry.h"
#include "vendor/nvr-url-template.h"
#include "vendor/nvr-vendor-data.h"

/* ---- CSV ---- */

static gboolean
test_csv_collect_cb(guint line, GPtrArray *fields, gpointer user_data, GError **error)
{
	GString *out = user_data;

	g_string_append_printf(out, "%u:", line);
	for (guint i = 0; i < fields->len; i++)
		g_string_append_printf(out, "[%s]", (const gchar *)g_ptr_array_index(fields, i));
	g_string_append_c(out, '\n');
	return TRUE;
}

static void
test_csv_rfc4180(void)
{
	const gchar *in = "Registry,Assignment,Organization Name,Organization Address\r\n"
			  "MA-L,08EDED,\"Zhejiang Dahua Technology Co., Ltd.\",\"No.1199,Waterfront\"\r\n"
			  "\n"
			  "MA-S,70B3D5F2F,\"Say \"\"hi\"\"\",\"two\nlines\"\n"
			  "IAB,0050C27D5,plain,\n"
			  "x,y\"z,last";
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GError) error = NULL;

	g_assert_true(nvr_csv_parse(in, strlen(in), test_csv_collect_cb, out, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(out->str, ==,
			"1:[Registry][Assignment][Organization Name][Organization Address]\n"
			"2:[MA-L][08EDED][Zhejiang Dahua Technology Co., Ltd.][No.1199,Waterfront]\n"
			"4:[MA-S][70B3D5F2F][Say \"hi\"][two\nlines]\n"
			"6:[IAB][0050C27D5][plain][]\n"
			"7:[x][y\"z][last]\n");
}

static void
test_csv_errors(void)
{
	struct {
		const gchar *in;
		const gchar *msg;
	} cases[] = {
		{"a,b\n\"unterminated,x\n", "line 2: unterminated quoted field"},
		{"a,\"b\"c\n", "line 1: text after a closing quote"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GString) out = g_string_new(NULL);
		g_autoptr(GError) error = NULL;
		g_assert_false(nvr_csv_parse(cases[i].in, strlen(cases[i].in), test_csv_collect_cb, out,
					     &error));
		g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
		g_assert_cmpstr(error->message, ==, cases[i].msg);
	}
	/* a field longer than the cap, and a NUL byte */
	{
		g_autofree gchar *big = g_strnfill(NVR_CSV_FIELD_MAX + 10, 'a');
		g_autoptr(GString) out = g_string_new(NULL);
		g_autoptr(GError) error = NULL;
		g_assert_false(nvr_csv_parse(big, strlen(big), test_csv_collect_cb, out, &error));
		g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
	}
	{
		g_autoptr(GString) out = g_string_new(NULL);
		g_autoptr(GError) error = NULL;
		g_assert_false(nvr_csv_parse("a,b\0c\n", 6, test_csv_collect_cb, out, &error));
		g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
	}
}

/* ---- OUI ---- */

static NvrOuiDb *
test_oui_db_fixture(void)
{
	const gchar *oui = "Registry,Assignment,Organization Name,Organization Address\n"
			   "MA-L,4419B6,\"Hangzhou Hikvision Digital Technology Co.,Ltd.\",\"Hangzhou\"\n"
			   "MA-L,402C76,Unrelated Block Owner,x\n"
			   "MA-L,344663,Some Router Maker,x\n";
	const gchar *mam = "Registry,Assignment,Organization Name,Organization Address\n"
			   "MA-M,402C761,Shanghai Dahua Scale Factory,\"No.1013 Wangqiao Road\"\n";
	const gchar *curated = "prefix\torganization\tvendor_key\tsource\n"
			       "4419B6\tHangzhou Hikvision Digital Technology\thikvision\tieee-data:20220827\n"
			       "3446632\tAmcrest Technologies\tamcrest\tieee-registry:2026-02\n"
			       "E0CA3C\tHangzhou Hikvision Digital Technology\thikvision\tieee-registry:2026-02\n";
	g_autoptr(NvrOuiDb) db = nvr_oui_db_new();
	g_autoptr(GError) error = NULL;

	g_assert_true(nvr_oui_db_load_ieee_csv(db, oui, strlen(oui), "oui.csv", &error));
	g_assert_true(nvr_oui_db_load_ieee_csv(db, mam, strlen(mam), "mam.csv", &error));
	g_assert_true(nvr_oui_db_load_curated(db, curated, strlen(curated), "curated", &error));
	g_assert_no_error(error);
	return g_steal_pointer(&db);
}

static void
test_oui_lookup(void)
{
	g_autoptr(NvrOuiDb) db = test_oui_db_fixture();
	const NvrOuiEntry *e;

	e = nvr_oui_db_lookup(db, "44:19:b6:3a:00:01");
	g_assert_nonnull(e);
	g_assert_cmpstr(e->vendor_key, ==, "hikvision");
	g_assert_cmpstr(e->organization, ==, "Hangzhou Hikvision Digital Technology Co.,Ltd.");
	g_assert_cmpuint(e->bits, ==, 24);
	g_assert_cmpstr(e->source, ==, "oui.csv");

	/* longest prefix first: the 28-bit block inside 344663 is Amcrest's */
	e = nvr_oui_db_lookup(db, "34-46-63-2A-BB-CC");
	g_assert_nonnull(e);
	g_assert_cmpuint(e->bits, ==, 28);
	g_assert_cmpstr(e->vendor_key, ==, "amcrest");
	e = nvr_oui_db_lookup(db, "34:46:63:FA:BB:CC");
	g_assert_nonnull(e);
	g_assert_cmpuint(e->bits, ==, 24);
	g_assert_null(e->vendor_key);

	/* the trap: a registrant named "...Dahua..." is not Dahua without a curated prefix */
	e = nvr_oui_db_lookup(db, "40:2C:76:10:00:01");
	g_assert_nonnull(e);
	g_assert_cmpstr(e->organization, ==, "Shanghai Dahua Scale Factory");
	g_assert_null(e->vendor_key);

	/* curated only (newer than the system registry) */
	e = nvr_oui_db_lookup(db, "E0CA3C000001");
	g_assert_nonnull(e);
	g_assert_cmpstr(e->vendor_key, ==, "hikvision");
	g_assert_true(g_str_has_prefix(e->source, "curated table"));

	/* locally administered (0A: second-lowest bit set), multicast, junk, unknown */
	g_assert_true(nvr_mac_is_locally_administered("0A:FC:A3:3A:00:01"));
	g_assert_false(nvr_mac_is_locally_administered("44:19:B6:3A:00:01"));
	g_assert_null(nvr_oui_db_lookup(db, "46:19:B6:3A:00:01"));
	g_assert_null(nvr_oui_db_lookup(db, "45:19:B6:3A:00:01"));
	g_assert_null(nvr_oui_db_lookup(db, "not a mac"));
	g_assert_null(nvr_oui_db_lookup(db, "00:00:00:00:00:00"));
	g_assert_null(nvr_oui_db_lookup(db, "A8:00:00:00:00:01"));
}

static void
test_oui_curated_errors(void)
{
	const gchar *bad[] = {
		"4419B6\tOrg\tHikvision\tx\n", /* vendor_key must be lower case */
		"4419B\tOrg\thikvision\tx\n",  /* 5 digits is no block */
		"4419B6\tOrg\thikvision\n",    /* a missing column */
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(NvrOuiDb) db = nvr_oui_db_new();
		g_autoptr(GError) error = NULL;
		g_assert_false(nvr_oui_db_load_curated(db, bad[i], strlen(bad[i]), "t.tsv", &error));
		g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
		g_assert_true(g_str_has_prefix(error->message, "t.tsv:1: "));
	}
}

/* the shipped table and, when installed, Debian's ieee-data */
static void
test_oui_default(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrOuiDb) db = nvr_oui_db_new_default(&error);
	const NvrOuiEntry *e;
	gint64 start = g_get_monotonic_time();

	g_assert_no_error(error);
	g_assert_nonnull(db);
	g_assert_cmpuint(nvr_oui_db_get_size(db), >=, 2950);
	for (guint i = 0; i < 1000; i++)
		e = nvr_oui_db_lookup(db, "9C:8E:CD:3A:00:01");
	g_assert_cmpint(g_get_monotonic_time() - start, <, G_USEC_PER_SEC);
	g_assert_nonnull(e);
	g_assert_cmpstr(e->vendor_key, ==, "amcrest");
	e = nvr_oui_db_lookup(db, "3C:EF:8C:3A:00:01");
	g_assert_nonnull(e);
	g_assert_cmpstr(e->vendor_key, ==, "dahua");
	if (g_file_test(NVR_OUI_IEEE_DIR_SHARE "/oui.csv", G_FILE_TEST_EXISTS) &&
	    g_getenv("NVR_IEEE_DATA_DIR") == NULL) {
		/* a registrant only the system registry knows */
		g_assert_cmpuint(nvr_oui_db_get_size(db), >, 30000);
		e = nvr_oui_db_lookup(db, "40:2C:76:10:00:01");
		g_assert_nonnull(e);
		g_assert_null(e->vendor_key);
	}
}

/* ---- URL templates ---- */

static void
test_url_template(void)
{
	NvrUrlTemplateVars vars = {"192.0.2.10", 8554, 0, 3};
	NvrUrlTemplateVars v6 = {"[2001:db8::10]", 0, 0, 0};
	const gchar *bad[] = {
		"rtsp://user:pw@{host}/x", "rtsp://{host}@evil/x", "ftp://{host}/x",
		"rtsp://{host}/{channel}", "rtsp://{host}/a b",	   "rtsp://example.com/x",
		"rtsp://{host}/x}",
	};
	g_autofree gchar *a = nvr_url_template_expand("rtsp://{host}:{port}/Streaming/Channels/{ch}01",
						      &vars, NULL);
	g_autofree gchar *b = nvr_url_template_expand("rtsp://{host}:{port}/h264Preview_{ch:02}_sub",
						      &vars, NULL);
	g_autofree gchar *c =
		nvr_url_template_expand("rtsp://{host}:{port}/cam/realmonitor?channel={ch}&subtype=0",
					&v6, NULL);
	g_autofree gchar *d = nvr_url_template_expand("http://{host}:{http_port}/x?c={ch0}", &vars, NULL);

	g_assert_cmpstr(a, ==, "rtsp://192.0.2.10:8554/Streaming/Channels/301");
	g_assert_cmpstr(b, ==, "rtsp://192.0.2.10:8554/h264Preview_03_sub");
	g_assert_cmpstr(c, ==, "rtsp://[2001:db8::10]:554/cam/realmonitor?channel=1&subtype=0");
	g_assert_cmpstr(d, ==, "http://192.0.2.10:80/x?c=2");
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_assert_false(nvr_url_template_check(bad[i], &error));
		g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
	}
	{
		NvrUrlTemplateVars evil = {"x@y", 0, 0, 1};
		g_autoptr(GError) error = NULL;
		g_assert_null(nvr_url_template_expand("rtsp://{host}/", &evil, &error));
		g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	}
}

/* ---- quirks ---- */

static void
test_quirks_parse(void)
{
	const gchar *a = "# comment\n"
			 "[NET\\OUI_4419B6]\nVendor = hikvision\nConfidence = 40\n\n"
			 "[ONVIF\\MFR_HIKVISION]\nVendor = hikvision\nConfidence = 90\n"
			 "[HTTP\\SERVER_App-webs]\r\nVendor = hikvision\r\nStrength = weak\r\n"
			 "[VENDOR\\hikvision]\nName = Hikvision\nPlugin = hikvision\n"
			 "StreamMain = rtsp://{host}:{port}/Streaming/Channels/{ch}01\n"
			 "Flags = entity-list, digest-auth\nCitation = FR Doc 2019-22210\n";
	const gchar *b = "[ONVIF\\MFR_HIKVISION]\nConfidence = 95\n"
			 "[RTSP\\SERVER_Dahua Rtsp Server]\nVendor = dahua\n";
	g_autoptr(NvrQuirks) q = nvr_quirks_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) vendors = NULL;

	g_assert_true(nvr_quirks_load_data(q, a, strlen(a), "a.quirk", &error));
	g_assert_no_error(error);
	g_assert_true(nvr_quirks_load_data(q, b, strlen(b), "b.quirk", &error));
	g_assert_no_error(error);
	/* match IDs compare case-insensitively; a later file wins key by key */
	g_assert_cmpstr(nvr_quirks_lookup(q, "ONVIF\\MFR_Hikvision", "Confidence"), ==, "95");
	g_assert_cmpstr(nvr_quirks_lookup(q, "ONVIF\\MFR_HIKVISION", "Vendor"), ==, "hikvision");
	g_assert_cmpstr(nvr_quirks_lookup(q, "HTTP\\SERVER_APP-WEBS", "Strength"), ==, "weak");
	g_assert_cmpstr(nvr_quirks_lookup(q, "rtsp\\server_dahua rtsp server", "Vendor"), ==, "dahua");
	g_assert_cmpstr(nvr_quirks_lookup(q, "VENDOR\\hikvision", "Plugin"), ==, "hikvision");
	g_assert_cmpuint(nvr_quirks_lookup_flags(q, "VENDOR\\hikvision"), ==,
			 NVR_VENDOR_FLAG_ENTITY_LIST | NVR_VENDOR_FLAG_DIGEST_AUTH);
	g_assert_null(nvr_quirks_lookup(q, "ONVIF\\MFR_AXIS", "Vendor"));
	g_assert_null(nvr_quirks_lookup(q, "garbage", "Vendor"));
	vendors = nvr_quirks_list_groups(q, "VENDOR\\");
	g_assert_cmpuint(vendors->len, ==, 1);
	g_assert_cmpuint(nvr_quirks_get_n_files(q), ==, 2);
}

static void
test_quirks_errors(void)
{
	struct {
		const gchar *in;
		const gchar *msg;
	} cases[] = {
		{"[VENDOR\\x]\nName = X\nColour = red\n", "t.quirk:3: unknown key 'Colour'"},
		{"\n[NET\\OUI_44]\nVendor = x\n", "t.quirk:2: malformed group [NET\\OUI_44]"},
		{"[FOO\\BAR_X]\nVendor = x\n", "t.quirk:1: malformed group [FOO\\BAR_X]: expected "
					      "PREFIX\\ID with PREFIX one of NET, ONVIF, HTTP, "
					      "RTSP, TLS, WSD, VENDOR"},
		{"[ONVIF\\MFR_X\nVendor = x\n", "t.quirk:1: malformed group line"},
		{"Vendor = x\n", "t.quirk:1: key outside a group"},
		{"[VENDOR\\x]\nName\n", "t.quirk:2: expected Key = Value"},
		{"[VENDOR\\x]\nVendor = Hik Vision\n",
		 "t.quirk:2: Vendor: 'Hik Vision' is not a vendor key ([a-z0-9_], at most 32)"},
		{"[VENDOR\\x]\nConfidence = 101\n", "t.quirk:2: Confidence: Confidence '101' is not 0..100"},
		{"[VENDOR\\x]\nFlags = entity-list\n\n[VENDOR\\y]\nName = Y\n",
		 "t.quirk:1: [VENDOR\\x] has a restriction flag but no Citation"},
		{"[VENDOR\\x]\nFlags = shiny\n", "t.quirk:2: Flags: unknown flag 'shiny'"},
		{"[VENDOR\\x]\nStreamMain = rtsp://admin:pw@{host}/\n",
		 "t.quirk:2: StreamMain: URL template 'rtsp://admin:pw@{host}/': must start with "
		 "rtsp://{host}, rtsps://, http:// or https://"},
		{"[VENDOR\\x]\nName = a\nName = b\n", "t.quirk:3: Name given twice in [VENDOR\\x]"},
		{"[VENDOR\\x]\n", "t.quirk:1: [VENDOR\\x] is empty"},
		{"[VENDOR\\x]\nName =\n", "t.quirk:2: Name has no value"},
		{"[VENDOR\\x]\nName = \xff\n", "t.quirk:0: not UTF-8 text"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(NvrQuirks) q = nvr_quirks_new();
		g_autoptr(GError) error = NULL;
		g_assert_false(nvr_quirks_load_data(q, cases[i].in, strlen(cases[i].in), "t.quirk", &error));
		g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
		g_assert_cmpstr(error->message, ==, cases[i].msg);
		/* all or nothing: a refused file leaves no group behind */
		g_assert_false(nvr_quirks_has_group(q, "VENDOR\\x"));
	}
}

static void
test_quirks_plugin_keys(void)
{
	const gchar *in = "[VENDOR\\acme]\nAcmeCgiPath = /cgi-bin/info\n";
	g_autoptr(NvrQuirks) q = nvr_quirks_new();
	g_autoptr(GError) error = NULL;

	g_assert_false(nvr_quirks_load_data(q, in, strlen(in), "acme.quirk", &error));
	g_assert_cmpstr(error->message, ==, "acme.quirk:2: unknown key 'AcmeCgiPath'");
	g_clear_error(&error);
	g_assert_true(nvr_quirks_register_key(q, "AcmeCgiPath", "acme", &error));
	g_assert_no_error(error);
	g_assert_true(nvr_quirks_load_data(q, in, strlen(in), "acme.quirk", &error));
	g_assert_cmpstr(nvr_quirks_lookup(q, "VENDOR\\acme", "AcmeCgiPath"), ==, "/cgi-bin/info");
	g_assert_false(nvr_quirks_register_key(q, "Vendor", "acme", &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_EXISTS);
	g_clear_error(&error);
	g_assert_false(nvr_quirks_register_key(q, "bad key", "acme", &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
}

/* built-in set, then /usr/share-like, then /etc-like: the later directory wins */
static void
test_quirks_dirs(void)
{
	g_autofree gchar *tmp = nvr_test_mkdtemp();
	g_autofree gchar *share = g_build_filename(tmp, "share", NULL);
	g_autofree gchar *etc = g_build_filename(tmp, "etc", NULL);
	g_autofree gchar *f1 = g_build_filename(share, "10-x.quirk", NULL);
	g_autofree gchar *f2 = g_build_filename(etc, "local.quirk", NULL);
	g_autofree gchar *f3 = g_build_filename(etc, "broken.quirk", NULL);
	g_autofree gchar *f4 = g_build_filename(etc, "ignored.txt", NULL);
	const gchar *dirs[] = {share, etc, NULL};
	g_autoptr(NvrQuirks) q = nvr_quirks_new();
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	guint n;

	g_assert_cmpint(g_mkdir_with_parents(share, 0700), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(etc, 0700), ==, 0);
	g_assert_true(g_file_set_contents(f1, "[VENDOR\\hikvision]\nNote = from share\n", -1, &error));
	g_assert_true(g_file_set_contents(f2, "[VENDOR\\hikvision]\nNote = from etc\n", -1, &error));
	g_assert_true(g_file_set_contents(f3, "[VENDOR\\zz]\nBogus = 1\n", -1, &error));
	g_assert_true(g_file_set_contents(f4, "not a quirk file", -1, &error));
	g_test_expect_message("nvr-vendor", G_LOG_LEVEL_WARNING, "*broken.quirk:2: unknown key 'Bogus'");
	n = nvr_quirks_load_default(q, dirs, errors);
	g_test_assert_expected_messages();
	g_assert_cmpuint(errors->len, ==, 1);
	g_assert_true(g_str_has_suffix(g_ptr_array_index(errors, 0), "broken.quirk:2: unknown key 'Bogus'"));
	g_assert_cmpuint(n, >=, 3); /* the built-in set, plus two */
	g_assert_cmpstr(nvr_quirks_lookup(q, "VENDOR\\hikvision", "Note"), ==, "from etc");
	/* the built-in set is there underneath */
	g_assert_cmpstr(nvr_quirks_lookup(q, "VENDOR\\hikvision", "Plugin"), ==, "hikvision");
	g_assert_false(nvr_quirks_has_group(q, "VENDOR\\zz"));
	nvr_test_rm_rf(tmp);
}

/* every shipped quirk file loads; every restriction flag is backed by the registry */
static void
test_quirks_builtin(void)
{
	g_autoptr(NvrQuirks) q = nvr_quirks_new();
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) vendors = NULL;
	g_autoptr(NvrRestrictedRegistry) reg = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) names = nvr_vendor_data_list_builtin("quirks");
	guint n;

	n = nvr_quirks_load_builtin(q, errors);
	for (guint i = 0; i < errors->len; i++)
		g_test_message("%s", (const gchar *)g_ptr_array_index(errors, i));
	g_assert_cmpuint(errors->len, ==, 0);
	g_assert_nonnull(names);
	g_assert_cmpuint(n, ==, g_strv_length(names));
	g_assert_cmpuint(n, >=, 10);
	reg = nvr_restricted_registry_load_default(NULL, NULL, &error);
	g_assert_no_error(error);
	vendors = nvr_quirks_list_groups(q, "VENDOR\\");
	for (guint i = 0; i < vendors->len; i++) {
		const gchar *group = g_ptr_array_index(vendors, i);
		g_autofree gchar *key = g_ascii_strdown(group + strlen("VENDOR\\"), -1);
		guint32 flags = nvr_quirks_lookup_flags(q, group);
		const NvrRestrictedManufacturer *m =
			nvr_restricted_registry_lookup_manufacturer(reg, key);
		g_assert_nonnull(nvr_quirks_lookup(q, group, NVR_QUIRK_NAME));
		if ((flags & NVR_VENDOR_FLAG_ENTITY_LIST) != 0) {
			g_test_message("%s: entity-list in quirks", key);
			g_assert_nonnull(m);
		}
		if (m != NULL && nvr_restricted_manufacturer_is_restricted(reg, m))
			g_assert_cmpuint(flags & (NVR_VENDOR_FLAG_ENTITY_LIST | NVR_VENDOR_FLAG_COVERED_LIST |
						  NVR_VENDOR_FLAG_NDAA_889),
					 !=, 0);
	}
}

/* ---- restricted-vendor registry ---- */

static void
test_registry_builtin(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrRestrictedRegistry) reg = nvr_restricted_registry_load_default(NULL, NULL, &error);
	const NvrRestrictedManufacturer *hik, *dahua, *zte;
	const NvrRestrictedRelated *r;
	const NvrRestrictedListing *l;

	g_assert_no_error(error);
	g_assert_nonnull(reg);
	g_assert_nonnull(nvr_restricted_registry_get_version(reg));
	g_assert_cmpstr(nvr_restricted_registry_get_updated(reg), ==, "2026-02-28");
	hik = nvr_restricted_registry_lookup_manufacturer(reg, "hikvision");
	g_assert_nonnull(hik);
	g_assert_true(nvr_restricted_manufacturer_is_restricted(reg, hik));
	g_assert_cmpstr(((NvrRestrictedName *)g_ptr_array_index(hik->legal_names, 0))->name, ==,
			"Hangzhou Hikvision Digital Technology Co., Ltd.");
	l = g_ptr_array_index(hik->listings, 0);
	g_assert_cmpstr(l->list, ==, "bis-entity-list");
	g_assert_cmpstr(l->date, ==, "2019-10-09");
	g_assert_true(l->verified);
	g_assert_cmpstr(l->page_citation, ==, "84 FR 54002");
	g_assert_false(l->page_citation_verified); /* the sheet's [unverified] mark is kept */
	dahua = nvr_restricted_registry_lookup_manufacturer(reg, "dahua");
	g_assert_nonnull(dahua);
	r = nvr_restricted_registry_lookup_related(reg, "amcrest");
	g_assert_nonnull(r);
	g_assert_true(r->parent == dahua);
	g_assert_cmpstr(r->relationship, ==, "oem");
	g_assert_cmpstr(r->confidence, ==, "high");
	r = nvr_restricted_registry_lookup_related(reg, "ezviz");
	g_assert_nonnull(r);
	g_assert_true(r->parent == hik);
	g_assert_true(g_strv_contains((const gchar *const *)r->lists, "fcc-covered-list"));
	g_assert_false(g_strv_contains((const gchar *const *)r->lists, "bis-entity-list"));
	/* ZTE: removed from the Entity List in 2017; Covered List and §889 remain */
	zte = nvr_restricted_registry_lookup_manufacturer(reg, "zte");
	g_assert_nonnull(zte);
	for (guint i = 0; i < zte->listings->len; i++)
		g_assert_cmpstr(((NvrRestrictedListing *)g_ptr_array_index(zte->listings, i))->list, !=,
				"bis-entity-list");
	g_assert_true(zte->network_gear);
	g_assert_null(nvr_restricted_registry_lookup_manufacturer(reg, "uniview"));
	g_assert_null(nvr_restricted_registry_lookup_manufacturer(reg, "reolink"));
	g_assert_true(nvr_restricted_registry_is_not_listed(reg, "reolink"));
	g_assert_false(nvr_restricted_registry_lookup_list(reg, "ns-cmic")->warn);
	g_assert_nonnull(nvr_restricted_registry_get_advice(reg, "camera"));
}

static gchar *
test_registry_variant(const gchar *version, const gchar *from, const gchar *to)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = nvr_vendor_data_load_builtin(NVR_RESTRICTED_REGISTRY_FILE, &error);
	g_autofree gchar *text = g_strndup(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
	g_autoptr(GString) s = g_string_new(text);

	g_assert_no_error(error);
	g_string_replace(s, "\"version\": \"2026.02.1\"", version, 1);
	if (from != NULL)
		g_assert_cmpuint(g_string_replace(s, from, to, 1), ==, 1);
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static void
test_registry_errors(void)
{
	struct {
		const gchar *from;
		const gchar *to;
		const gchar *msg;
	} cases[] = {
		{"\"format\": 1", "\"format\": 2", "t.json: format is not 1"},
		{"\"list\": \"ndaa-889\",\n          \"date\": \"2018-08-13\",\n          \"citation\": "
		 "\"Pub. L. 115-232 §889 (enacted 13 Aug 2018)\",",
		 "\"list\": \"ndaa-889\",\n          \"date\": \"2018-08-13\",",
		 "t.json: manufacturers[0].listings[3]: missing \"citation\""},
		{"\"list\": \"fcc-covered-list\"", "\"list\": \"fcc-uncovered\"",
		 "t.json: manufacturers[0].listings[2]: names an unknown list"},
		{"\"date\": \"2019-10-09\"", "\"date\": \"9 Oct 2019\"",
		 "t.json: manufacturers[0].listings[0]: date is not YYYY[-MM[-DD]]"},
		{"\"relationship\": \"oem\"", "\"relationship\": \"cousin\"",
		 "t.json: manufacturers[0].related[6]: unknown relationship"},
		{"\"updated\": \"2026-02-28\"", "\"updated\": \"yesterday\"", "t.json: updated: not YYYY-MM-DD"},
		{"{\n  \"format\"", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[{\n  \"format\"",
		 "t.json: JSON nested deeper than 32"},
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrRestrictedRegistry) bad_version = NULL;
	g_autofree gchar *v = test_registry_variant("\"version\": \"2026-02\"", NULL, NULL);

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *text = test_registry_variant("\"version\": \"2026.02.1\"",
							       cases[i].from, cases[i].to);
		g_autoptr(NvrRestrictedRegistry) reg =
			nvr_restricted_registry_new_from_data(text, strlen(text), "t.json", &error);
		g_assert_null(reg);
		g_assert_nonnull(error);
		g_assert_cmpstr(error->message, ==, cases[i].msg);
		g_clear_error(&error);
	}
	bad_version = nvr_restricted_registry_new_from_data(v, strlen(v), "t.json", &error);
	g_assert_null(bad_version);
	g_assert_cmpstr(error->message, ==, "t.json: version: not dot-separated numbers");
}

/* a newer file in the state dir wins, an older or broken one does not */
static void
test_registry_candidates(void)
{
	g_autofree gchar *tmp = nvr_test_mkdtemp();
	g_autofree gchar *path = g_build_filename(tmp, NVR_RESTRICTED_REGISTRY_FILE, NULL);
	g_autofree gchar *newer = test_registry_variant("\"version\": \"2026.03.0\"", NULL, NULL);
	g_autofree gchar *older = test_registry_variant("\"version\": \"2025.12.7\"", NULL, NULL);
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	NvrRestrictedRegistry *reg;

	g_assert_cmpint(nvr_restricted_registry_version_compare("2026.02.1", "2026.2.1"), ==, 0);
	g_assert_cmpint(nvr_restricted_registry_version_compare("2026.10", "2026.9.9"), >, 0);
	g_assert_cmpint(nvr_restricted_registry_version_compare("2026.02", "2026.02.1"), <, 0);

	g_assert_true(g_file_set_contents(path, newer, -1, &error));
	reg = nvr_restricted_registry_load_default(tmp, errors, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(nvr_restricted_registry_get_version(reg), ==, "2026.03.0");
	g_assert_cmpstr(nvr_restricted_registry_get_source(reg), ==, path);
	g_object_unref(reg);

	g_assert_true(g_file_set_contents(path, older, -1, &error));
	reg = nvr_restricted_registry_load_default(tmp, errors, &error);
	g_assert_cmpstr(nvr_restricted_registry_get_version(reg), ==, "2026.02.1");
	g_object_unref(reg);

	g_assert_true(g_file_set_contents(path, "{\"format\": 1}", -1, &error));
	g_test_expect_message("nvr-vendor", G_LOG_LEVEL_WARNING, "*registry skipped*");
	reg = nvr_restricted_registry_load_default(tmp, errors, &error);
	g_test_assert_expected_messages();
	g_assert_no_error(error);
	g_assert_cmpstr(nvr_restricted_registry_get_version(reg), ==, "2026.02.1");
	g_assert_cmpuint(errors->len, ==, 1);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(errors, 0), path));
	g_object_unref(reg);
	nvr_test_rm_rf(tmp);
}

/* ---- evidence ---- */

static void
test_evidence_json(void)
{
	g_autoptr(NvrEvidenceSet) set = nvr_evidence_set_new("192.0.2.10");
	g_autoptr(NvrEvidenceSet) back = NULL;
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) items = NULL;
	g_autofree gchar *json = NULL;
	NvrEvidence *item;

	nvr_evidence_set_set_ports(set, 8080, 8554);
	g_assert_false(nvr_evidence_set_is_camera(set));
	item = nvr_evidence_set_add_fact(set, NVR_EVIDENCE_CLASS_OUI, "mac.oui", "44:19:B6:3A:00:01",
					 "neighbour table");
	item->vendor = g_strdup("hikvision");
	item->note = g_strdup("network interface registered to Hangzhou Hikvision");
	g_assert_false(nvr_evidence_set_is_camera(set));
	/* hostile text is cleaned: terminal escapes and bidi overrides go, length is bounded */
	item = nvr_evidence_set_add_fact(set, NVR_EVIDENCE_CLASS_HTTP_BANNER, "http.server",
					 "\x1b]0;pwned\x07\xe2\x80\xae" "App-webs/", "GET /");
	g_assert_cmpstr(item->value, ==, "]0;pwned App-webs/");
	g_assert_null(nvr_evidence_set_add_fact(set, NVR_EVIDENCE_CLASS_HTTP_BANNER, "http.title",
						" \t ", "GET /"));
	item = nvr_evidence_set_add_fact(set, NVR_EVIDENCE_CLASS_VENDOR_API, "isapi.model",
					 "DS-2CD2143G2-I", "ISAPI");
	g_assert_true(nvr_evidence_is_firmware_level(item));
	g_assert_true(nvr_evidence_set_is_camera(set));

	node = nvr_evidence_set_to_json(set);
	json = json_to_string(node, FALSE);
	g_assert_nonnull(strstr(json, "\"class\":\"oui\""));
	g_assert_nonnull(strstr(json, "\"strength\":\"medium\""));
	back = nvr_evidence_set_from_json(node, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(nvr_evidence_set_get_host(back), ==, "192.0.2.10");
	g_assert_cmpuint(nvr_evidence_set_get_rtsp_port(back), ==, 8554);
	items = nvr_evidence_set_dup_items(back);
	g_assert_cmpuint(items->len, ==, 3);
	item = g_ptr_array_index(items, 0);
	g_assert_cmpstr(item->vendor, ==, "hikvision");
	g_assert_cmpint(item->klass, ==, NVR_EVIDENCE_CLASS_OUI);
	g_assert_true(nvr_evidence_is_firmware_level(g_ptr_array_index(items, 2)));
}

static void
test_evidence_limits(void)
{
	g_autoptr(NvrEvidenceSet) set = nvr_evidence_set_new("h");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *huge = g_strnfill(100000, 'x');
	NvrEvidence *item;

	item = nvr_evidence_set_add_fact(set, NVR_EVIDENCE_CLASS_ONVIF, "onvif.model", huge, "x");
	g_assert_cmpuint(strlen(item->value), ==, NVR_VENDOR_STRING_MAX);
	for (guint i = 1; i < NVR_EVIDENCE_SET_MAX_ITEMS; i++)
		g_assert_true(nvr_evidence_set_add(set, nvr_evidence_new(NVR_EVIDENCE_CLASS_WSD,
									 NVR_EVIDENCE_STRENGTH_WEAK, "wsd.scope",
									 "x", "y"),
						   &error));
	g_assert_false(nvr_evidence_set_add(set, nvr_evidence_new(NVR_EVIDENCE_CLASS_WSD,
								  NVR_EVIDENCE_STRENGTH_WEAK, "wsd.scope", "x", "y"),
					    &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NO_SPACE);
	g_clear_error(&error);
	{
		const gchar *bad = "{\"items\":[{\"class\":\"telepathy\",\"key\":\"a\"}]}";
		g_autoptr(JsonNode) node = json_from_string(bad, NULL);
		g_autoptr(NvrEvidenceSet) back = nvr_evidence_set_from_json(node, &error);
		g_assert_null(back);
		g_assert_cmpstr(error->message, ==, "evidence item 0: evidence item: unknown class");
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/nvr/vendor/csv/rfc4180", test_csv_rfc4180);
	g_test_add_func("/nvr/vendor/csv/errors", test_csv_errors);
	g_test_add_func("/nvr/vendor/oui/lookup", test_oui_lookup);
	g_test_add_func("/nvr/vendor/oui/curated-errors", test_oui_curated_errors);
	g_test_add_func("/nvr/vendor/oui/default", test_oui_default);
	g_test_add_func("/nvr/vendor/url-template", test_url_template);
	g_test_add_func("/nvr/vendor/quirks/parse", test_quirks_parse);
	g_test_add_func("/nvr/vendor/quirks/errors", test_quirks_errors);
	g_test_add_func("/nvr/vendor/quirks/plugin-keys", test_quirks_plugin_keys);
	g_test_add_func("/nvr/vendor/quirks/dirs", test_quirks_dirs);
	g_test_add_func("/nvr/vendor/quirks/builtin", test_quirks_builtin);
	g_test_add_func("/nvr/vendor/registry/builtin", test_registry_builtin);
	g_test_add_func("/nvr/vendor/registry/errors", test_registry_errors);
	g_test_add_func("/nvr/vendor/registry/candidates", test_registry_candidates);
	g_test_add_func("/nvr/vendor/evidence/json", test_evidence_json);
	g_test_add_func("/nvr/vendor/evidence/limits", test_evidence_limits);
	return g_test_run();
}
