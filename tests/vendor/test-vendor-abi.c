/*
 * test-vendor-abi.c: the plugin ABI (STYLE.md §21). The numbers below are
 * the ABI: changing one means NVR_VENDOR_ABI_MAJOR + 1. Then the loader
 * against broken plugins (newer ABI, no symbol, short descriptor, wrong
 * name, failing init) and the runners against a plugin that returns
 * garbage from every callback.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "core/nvr-error.h"
#include "nvr-test-common.h"
#include "vendor/nvr-vendor-replay.h"
#include "vendor/nvr-vendor.h"

#define P ((gsize)GLIB_SIZEOF_VOID_P)

static void
test_abi_versions(void)
{
	g_assert_cmpint(NVR_VENDOR_ABI_MAJOR, ==, 1);
	g_assert_cmpint(NVR_VENDOR_ABI_MINOR, ==, 0);
	g_assert_cmpstr(NVR_VENDOR_PLUGIN_SYMBOL, ==, "nvr_vendor_plugin_get_desc");
}

static void
test_abi_enums(void)
{
	g_assert_cmpint(NVR_STREAM_MAIN, ==, 0);
	g_assert_cmpint(NVR_STREAM_SUB, ==, 1);
	g_assert_cmpint(NVR_STREAM_SNAPSHOT, ==, 2);
	g_assert_cmpint(NVR_VENDOR_FLAG_ENTITY_LIST, ==, 1);
	g_assert_cmpint(NVR_VENDOR_FLAG_NO_SUBSTREAM, ==, 2);
	g_assert_cmpint(NVR_VENDOR_FLAG_DIGEST_AUTH, ==, 4);
	g_assert_cmpint(NVR_VENDOR_FLAG_COVERED_LIST, ==, 8);
	g_assert_cmpint(NVR_VENDOR_FLAG_NDAA_889, ==, 16);
	g_assert_cmpint(NVR_VENDOR_FLAG_NETWORK_GEAR, ==, 32);
	g_assert_cmpint(NVR_EVIDENCE_CLASS_VENDOR_API, ==, 0);
	g_assert_cmpint(NVR_EVIDENCE_CLASS_DISCOVERY_PROTOCOL, ==, 1);
	g_assert_cmpint(NVR_EVIDENCE_CLASS_ONVIF, ==, 2);
	g_assert_cmpint(NVR_EVIDENCE_CLASS_WSD, ==, 3);
	g_assert_cmpint(NVR_EVIDENCE_CLASS_TLS, ==, 4);
	g_assert_cmpint(NVR_EVIDENCE_CLASS_OUI, ==, 5);
	g_assert_cmpint(NVR_EVIDENCE_CLASS_HTTP_BANNER, ==, 6);
	g_assert_cmpint(NVR_EVIDENCE_CLASS_RTSP_BANNER, ==, 7);
	g_assert_cmpint(NVR_EVIDENCE_CLASS_PORT_PATTERN, ==, 8);
	g_assert_cmpint(NVR_EVIDENCE_STRENGTH_NONE, ==, 0);
	g_assert_cmpint(NVR_EVIDENCE_STRENGTH_WEAK, ==, 1);
	g_assert_cmpint(NVR_EVIDENCE_STRENGTH_MEDIUM, ==, 2);
	g_assert_cmpint(NVR_EVIDENCE_STRENGTH_STRONG, ==, 3);
	g_assert_cmpint(NVR_EVIDENCE_FLAG_FIRMWARE, ==, 1);
	g_assert_cmpint(NVR_VENDOR_HTTP_AUTH_NONE, ==, 0);
	g_assert_cmpint(NVR_VENDOR_HTTP_AUTH_DEVICE, ==, 1);
	g_assert_cmpint(NVR_VENDOR_HTTP_FLAG_CREDENTIALS, ==, 1);
}

static void
test_abi_desc(void)
{
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorPluginDesc, abi_major), ==, 0);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorPluginDesc, abi_minor), ==, 4);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorPluginDesc, struct_size), ==, 8);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorPluginDesc, name), ==, 16);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorPluginDesc, version), ==, 16 + P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorPluginDesc, description), ==, 16 + 2 * P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorPluginDesc, license), ==, 16 + 3 * P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorPluginDesc, quirk_keys), ==, 16 + 4 * P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorPluginDesc, init), ==, 16 + 5 * P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorPluginDesc, finalize), ==, 16 + 6 * P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorPluginDesc, probe), ==, 16 + 7 * P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorPluginDesc, identify), ==, 16 + 8 * P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorPluginDesc, build_stream_urls), ==, 16 + 9 * P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorPluginDesc, _reserved), ==, 16 + 10 * P);
	g_assert_cmpuint(sizeof(NvrVendorPluginDesc), ==, 16 + 18 * P);
}

static void
test_abi_host(void)
{
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorHost, abi_major), ==, 0);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorHost, abi_minor), ==, 4);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorHost, struct_size), ==, 8);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorHost, host_data), ==, 16);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorHost, log), ==, 16 + P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorHost, quirk_dup), ==, 16 + 2 * P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorHost, http_request), ==, 16 + 3 * P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorHost, evidence_add), ==, 16 + 4 * P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorHost, _reserved), ==, 16 + 5 * P);
	g_assert_cmpuint(sizeof(NvrVendorHost), ==, 16 + 13 * P);
}

static void
test_abi_evidence(void)
{
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorEvidence, struct_size), ==, 0);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorEvidence, n_items), ==, 4);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorEvidence, http_port), ==, 8);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorEvidence, rtsp_port), ==, 12);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorEvidence, host), ==, 16);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorEvidence, mac), ==, 16 + P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorEvidence, oui), ==, 16 + 2 * P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorEvidence, onvif_manufacturer), ==, 16 + 3 * P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorEvidence, onvif_serial), ==, 16 + 7 * P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorEvidence, http_server), ==, 16 + 8 * P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorEvidence, rtsp_server), ==, 16 + 12 * P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorEvidence, match_ids), ==, 16 + 13 * P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorEvidence, items), ==, 16 + 14 * P);
	g_assert_cmpuint(sizeof(NvrVendorEvidence), ==, 16 + 15 * P);

	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorEvidenceItem, klass), ==, 4);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorEvidenceItem, strength), ==, 8);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorEvidenceItem, flags), ==, 12);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorEvidenceItem, key), ==, 16);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorEvidenceItem, source), ==, 16 + 4 * P);
	g_assert_cmpuint(sizeof(NvrVendorEvidenceItem), ==, 16 + 5 * P);

	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorMatch, flags), ==, 4);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorMatch, confidence), ==, 8);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorMatch, vendor_id), ==, 16);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorMatch, firmware), ==, 16 + 3 * P);
	g_assert_cmpuint(sizeof(NvrVendorMatch), ==, 16 + 4 * P);
}

static void
test_abi_http(void)
{
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorHttpRequest, auth), ==, 4);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorHttpRequest, timeout_ms), ==, 8);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorHttpRequest, max_body), ==, 12);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorHttpRequest, flags), ==, 16);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorHttpRequest, method), ==, 24);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorHttpRequest, body_len), ==, 24 + 4 * P);
	g_assert_cmpuint(sizeof(NvrVendorHttpRequest), ==, 24 + 5 * P);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorHttpReply, status), ==, 4);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorHttpReply, body), ==, 8);
	g_assert_cmpuint(G_STRUCT_OFFSET(NvrVendorHttpReply, content_type), ==, 8 + 2 * P);
	g_assert_cmpuint(sizeof(NvrVendorHttpReply), ==, 8 + 3 * P);
}

/* ---- the loader ---- */

static gchar *
test_plugin_path(const gchar *name)
{
	return g_strdup_printf("%s/nvr-vendor-%s.%s", NVR_TEST_PLUGIN_DIR, name, G_MODULE_SUFFIX);
}

static void
test_loader_refuses(void)
{
	struct {
		const gchar *name;
		gint code;
		const gchar *msg;
	} cases[] = {
		{"newer-minor", NVR_ERROR_VERSION, "plugin ABI 1.1 is not supported (host ABI 1.0 accepts 1.0 to 1.0)"},
		{"newer-major", NVR_ERROR_VERSION, "plugin ABI 2.0 is not supported (host ABI 1.0 accepts 1.0 to 1.0)"},
		{"short-size", NVR_ERROR_VERSION, "descriptor struct_size 16 is smaller than ABI 1.0's"},
		{"no-symbol", NVR_ERROR_PLUGIN, "not an NVR vendor plugin (no nvr_vendor_plugin_get_desc)"},
		{"misnamed", NVR_ERROR_PLUGIN, "calls itself 'impostor', expected 'misnamed'"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *path = test_plugin_path(cases[i].name);
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrVendorPlugin) p = nvr_vendor_plugin_new_from_module(path, &error);
		g_assert_null(p);
		g_assert_error(error, NVR_ERROR, cases[i].code);
		g_test_message("%s", error->message);
		/* the path comes first, so the log line says which file */
		g_assert_true(g_str_has_prefix(error->message, path));
		g_assert_nonnull(strstr(error->message, cases[i].msg));
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrVendorPlugin) p = nvr_vendor_plugin_new_from_module("/nonexistent/nvr-vendor-x.so", &error);
		g_assert_null(p);
		g_assert_error(error, NVR_ERROR, NVR_ERROR_PLUGIN);
	}
}

/* a directory with every kind of broken plugin: each refused with a clear line, the good one works */
static void
test_loader_directory(void)
{
	NvrVendorOptions opts = {.plugin_dir = NVR_TEST_PLUGIN_DIR};
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrVendor) vendor = NULL;
	GPtrArray *errors;
	NvrVendorPlugin *p;

	g_test_expect_message("nvr-vendor", G_LOG_LEVEL_WARNING, "vendor plugin refused: *nvr-vendor-misnamed.so: calls itself 'impostor'*");
	g_test_expect_message("nvr-vendor", G_LOG_LEVEL_WARNING, "vendor plugin refused: *nvr-vendor-newer-major.so: plugin ABI 2.0*");
	g_test_expect_message("nvr-vendor", G_LOG_LEVEL_WARNING, "vendor plugin refused: *nvr-vendor-newer-minor.so: plugin ABI 1.1*");
	g_test_expect_message("nvr-vendor", G_LOG_LEVEL_WARNING, "vendor plugin refused: *nvr-vendor-no-symbol.so: not an NVR vendor plugin*");
	g_test_expect_message("nvr-vendor", G_LOG_LEVEL_WARNING, "vendor plugin refused: *nvr-vendor-short-size.so: descriptor struct_size 16*");
	g_test_expect_message("nvr-vendor", G_LOG_LEVEL_WARNING, "vendor plugin init-fails disabled: init failed: firmware table missing");
	vendor = nvr_vendor_new(&opts, &error);
	g_test_assert_expected_messages();
	g_assert_no_error(error);
	errors = nvr_vendor_get_load_errors(vendor);
	g_assert_cmpuint(errors->len, ==, 6);
	g_assert_cmpuint(nvr_vendor_get_plugins(vendor)->len, ==, 3);
	p = nvr_vendor_get_plugin(vendor, "good");
	g_assert_nonnull(p);
	g_assert_false(nvr_vendor_plugin_is_disabled(p));
	p = nvr_vendor_get_plugin(vendor, "init-fails");
	g_assert_true(nvr_vendor_plugin_is_disabled(p));
	g_assert_cmpstr(nvr_vendor_plugin_get_disabled_reason(p), ==, "init failed: firmware table missing");
	g_assert_null(nvr_vendor_get_plugin(vendor, "newer-minor"));
}

/* a plugin file others can write is never loaded: it would run as the daemon */
static void
test_loader_untrusted(void)
{
	g_autofree gchar *tmp = nvr_test_mkdtemp();
	g_autofree gchar *src = test_plugin_path("good");
	g_autofree gchar *dst = g_build_filename(tmp, "nvr-vendor-good." G_MODULE_SUFFIX, NULL);
	g_autofree gchar *data = NULL;
	gsize len = 0;
	NvrVendorOptions opts = {.plugin_dir = tmp};
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrVendor) vendor = NULL;

	g_assert_true(g_file_get_contents(src, &data, &len, &error));
	g_assert_true(g_file_set_contents(dst, data, (gssize)len, &error));
	g_assert_cmpint(g_chmod(dst, 0666), ==, 0);
	g_test_expect_message("nvr-vendor", G_LOG_LEVEL_WARNING, "vendor plugin refused: *writable by others*");
	vendor = nvr_vendor_new(&opts, &error);
	g_test_assert_expected_messages();
	g_assert_no_error(error);
	g_assert_cmpuint(nvr_vendor_get_plugins(vendor)->len, ==, 0);
	nvr_test_rm_rf(tmp);
}

/* ---- the runners ---- */

static NvrEvidenceSet *
test_garbage_evidence(NvrVendor *vendor, NvrVendorReplay **replay)
{
	g_autofree gchar *dir = g_build_filename(g_getenv("G_TEST_SRCDIR"), "vendor", "recordings",
						 "single-weak", NULL);
	g_autoptr(GError) error = NULL;
	NvrEvidenceSet *set;

	*replay = nvr_vendor_replay_new(dir, &error);
	g_assert_no_error(error);
	set = nvr_vendor_replay_dup_evidence(*replay, vendor, &error);
	g_assert_no_error(error);
	return set;
}

static void
test_runner_garbage(void)
{
	g_autofree gchar *path = test_plugin_path("garbage");
	const gchar *files[] = {path, NULL};
	NvrVendorOptions opts = {.plugin_files = files};
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrVendor) vendor = nvr_vendor_new(&opts, &error);
	g_autoptr(NvrVendorReplay) replay = NULL;
	g_autoptr(NvrEvidenceSet) set = NULL;
	g_autoptr(NvrVerdict) verdict = NULL;
	g_autoptr(GPtrArray) urls = NULL;
	NvrVendorPlugin *p;

	g_assert_no_error(error);
	p = nvr_vendor_get_plugin(vendor, "garbage");
	g_assert_nonnull(p);
	set = test_garbage_evidence(vendor, &replay);
	/* 1, 2: identify's score of 1000 (choosing whom to probe), then a probe that fails
	 * without an error after refused evidence and a refused request */
	g_test_expect_message("nvr-vendor", G_LOG_LEVEL_WARNING, "plugin garbage: [2J an ERROR from a plugin is only a warning");
	nvr_vendor_probe(vendor, set, NVR_VENDOR_TRANSPORT(replay), NULL);
	g_test_assert_expected_messages();
	g_assert_cmpuint(nvr_vendor_plugin_get_failures(p), ==, 2);
	g_assert_null(nvr_evidence_set_dup_value(set, "BAD KEY"));
	/* 3: identify again: disabled, with a clear line; its score and its non-UTF-8 model never
	 * reach the verdict */
	g_test_expect_message("nvr-vendor", G_LOG_LEVEL_WARNING,
			      "vendor plugin garbage disabled: 3 failures in a row, the last: identify returned score 1000");
	verdict = nvr_vendor_evaluate(vendor, set);
	g_test_assert_expected_messages();
	g_assert_true(nvr_vendor_plugin_is_disabled(p));
	g_assert_null(verdict->plugin);
	g_assert_true(verdict->model == NULL || g_utf8_validate(verdict->model, -1, NULL));
	/* disabled: no more calls, and the rest keeps working */
	urls = nvr_vendor_stream_urls(vendor, set, verdict, NVR_STREAM_MAIN, 1);
	g_assert_cmpuint(urls->len, >, 0);
	for (guint i = 0; i < urls->len; i++)
		g_assert_null(strstr(((NvrVendorStreamUrl *)g_ptr_array_index(urls, i))->url, "secret"));
	g_assert_cmpuint(nvr_vendor_plugin_get_failures(p), ==, 3);
	g_assert_cmpstr(verdict->vendor, ==, "hikvision");
}

/* the runner's checks one by one, on descriptors linked into the test */
static gint test_identify_score;
static gint
test_identify_cb(gpointer data, const NvrVendorEvidence *ev, NvrVendorMatch *match, GError **error)
{
	g_free(match->model);
	match->model = g_strdup("refined");
	return test_identify_score;
}

static void
test_runner_identify(void)
{
	static const NvrVendorPluginDesc desc = {
		.abi_major = NVR_VENDOR_ABI_MAJOR,
		.abi_minor = NVR_VENDOR_ABI_MINOR,
		.struct_size = sizeof(NvrVendorPluginDesc),
		.name = "linked",
		.version = "1",
		.license = "CC0-1.0",
		.identify = test_identify_cb,
	};
	g_autoptr(NvrVendorHostShared) shared = nvr_vendor_host_shared_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrVendorPlugin) p = nvr_vendor_plugin_new_from_desc(&desc, "linked", &error);
	NvrVendorEvidence ev = {sizeof(NvrVendorEvidence)};
	NvrVendorMatch match = {sizeof(NvrVendorMatch)};

	g_assert_no_error(error);
	g_assert_true(nvr_vendor_plugin_start(p, shared, &error));
	match.model = g_strdup("original");
	test_identify_score = 42;
	g_assert_cmpint(nvr_vendor_plugin_run_identify(p, &ev, &match, &error), ==, 42);
	g_assert_cmpstr(match.model, ==, "refined");
	g_free(match.model);
	match.model = g_strdup("original");
	test_identify_score = 101;
	g_assert_cmpint(nvr_vendor_plugin_run_identify(p, &ev, &match, &error), ==, -1);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_PLUGIN);
	g_assert_cmpstr(error->message, ==, "plugin linked: identify returned score 101");
	g_clear_error(&error);
	g_assert_cmpstr(match.model, ==, "original"); /* the broken refinement never got through */
	test_identify_score = -1;
	g_assert_cmpint(nvr_vendor_plugin_run_identify(p, &ev, &match, &error), ==, -1);
	g_assert_cmpstr(error->message, ==, "plugin linked: identify: failed, no error set");
	g_clear_error(&error);
	g_assert_false(nvr_vendor_plugin_is_disabled(p));
	g_test_expect_message("nvr-vendor", G_LOG_LEVEL_WARNING,
			      "vendor plugin linked disabled: 3 failures in a row, the last: identify: failed, no error set");
	g_assert_cmpint(nvr_vendor_plugin_run_identify(p, &ev, &match, &error), ==, -1);
	g_test_assert_expected_messages();
	g_clear_error(&error);
	g_assert_true(nvr_vendor_plugin_is_disabled(p));
	g_assert_cmpint(nvr_vendor_plugin_run_identify(p, &ev, &match, &error), ==, 0);
	nvr_vendor_match_clear(&match);
}

static gboolean
test_urls_cb(gpointer data, const NvrVendorEvidence *ev, const NvrVendorMatch *match, NvrStreamKind kind,
	     guint channel, GPtrArray *urls, GError **error)
{
	g_ptr_array_add(urls, g_strdup("rtsp://192.0.2.10/ok"));
	g_ptr_array_add(urls, g_strdup(kind == NVR_STREAM_MAIN ? "rtsp://admin:secret@192.0.2.10/live"
							       : "rtsp://192.0.2.10/bad\x1b[0m path"));
	return TRUE;
}

/* every URL a plugin returns is checked; one bad URL refuses the whole answer */
static void
test_runner_urls(void)
{
	static const NvrVendorPluginDesc desc = {
		.abi_major = NVR_VENDOR_ABI_MAJOR,
		.abi_minor = NVR_VENDOR_ABI_MINOR,
		.struct_size = sizeof(NvrVendorPluginDesc),
		.name = "urls",
		.version = "1",
		.license = "CC0-1.0",
		.build_stream_urls = test_urls_cb,
	};
	g_autoptr(NvrVendorHostShared) shared = nvr_vendor_host_shared_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrVendorPlugin) p = nvr_vendor_plugin_new_from_desc(&desc, "urls", &error);
	g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func(g_free);
	NvrVendorEvidence ev = {sizeof(NvrVendorEvidence)};
	NvrVendorMatch match = {sizeof(NvrVendorMatch)};

	g_assert_true(nvr_vendor_plugin_start(p, shared, &error));
	g_assert_false(nvr_vendor_plugin_run_stream_urls(p, &ev, &match, NVR_STREAM_MAIN, 1, urls, &error));
	g_assert_cmpstr(error->message, ==, "plugin urls: a stream URL carries credentials");
	g_clear_error(&error);
	g_assert_false(nvr_vendor_plugin_run_stream_urls(p, &ev, &match, NVR_STREAM_SUB, 1, urls, &error));
	g_assert_cmpstr(error->message, ==, "plugin urls: a stream URL contains spaces or control characters");
	g_assert_cmpuint(urls->len, ==, 0);
	g_assert_cmpuint(nvr_vendor_plugin_get_failures(p), ==, 2);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/nvr/vendor/abi/versions", test_abi_versions);
	g_test_add_func("/nvr/vendor/abi/enums", test_abi_enums);
	g_test_add_func("/nvr/vendor/abi/desc", test_abi_desc);
	g_test_add_func("/nvr/vendor/abi/host", test_abi_host);
	g_test_add_func("/nvr/vendor/abi/evidence", test_abi_evidence);
	g_test_add_func("/nvr/vendor/abi/http", test_abi_http);
	g_test_add_func("/nvr/vendor/loader/refuses", test_loader_refuses);
	g_test_add_func("/nvr/vendor/loader/directory", test_loader_directory);
	g_test_add_func("/nvr/vendor/loader/untrusted", test_loader_untrusted);
	g_test_add_func("/nvr/vendor/runner/garbage", test_runner_garbage);
	g_test_add_func("/nvr/vendor/runner/identify", test_runner_identify);
	g_test_add_func("/nvr/vendor/runner/urls", test_runner_urls);
	return g_test_run();
}
