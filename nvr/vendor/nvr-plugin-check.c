/*
 * nvr-plugin-check: runs vendor plugins against recorded devices and prints
 * what they identified (plugins/SDK.md, "Testing a plugin").
 *
 *   nvr-plugin-check [--plugin FILE.so]... [--plugin-dir DIR] [--quirk-dir DIR]...
 *                    [--json] [--quiet] RECORDING...
 *
 * A RECORDING is a directory with device.json, or a directory of such
 * directories. For each: the passive evidence from the captures, the
 * plugins' probes against the recorded HTTP answers, the verdict, the
 * stream URLs, and, if device.json has "expect", PASS or FAIL with each
 * mismatch. Exit status: 0 all passed (or nothing was expected), 1 a
 * mismatch or a plugin disabled, 2 usage or unreadable input.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "core/nvr-log.h"
#include "vendor/nvr-vendor-replay.h"
#include "vendor/nvr-vendor.h"

typedef struct {
	gchar **plugins;
	gchar *plugin_dir;
	gchar **quirk_dirs;
	gboolean json;
	gboolean quiet;
	gboolean no_plugins;
} NvrCheckOptions;

static void
nvr_check_print_urls(GString *out, const gchar *what, GPtrArray *urls)
{
	for (guint i = 0; i < urls->len; i++) {
		const NvrVendorStreamUrl *u = g_ptr_array_index(urls, i);
		g_string_append_printf(out, "  %s %s  (%s%s)\n", what, u->url, u->source,
				       u->guessed ? ", guessed" : "");
	}
}

static JsonNode *
nvr_check_strings_json(GPtrArray *strings)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_array(b);
	for (guint i = 0; i < strings->len; i++)
		json_builder_add_string_value(b, g_ptr_array_index(strings, i));
	json_builder_end_array(b);
	return json_builder_get_root(b);
}

typedef struct {
	gchar *dir;
	NvrVerdict *verdict;
	GPtrArray *main_urls;
	GPtrArray *sub_urls;
	GPtrArray *requests;   /* borrowed from the replay */
	GPtrArray *mismatches; /* (element-type utf8) */
	gboolean expected;
	NvrVendorReplay *replay;
} NvrCheckResult;

static void
nvr_check_result_clear(NvrCheckResult *r)
{
	g_free(r->dir);
	g_clear_pointer(&r->verdict, nvr_verdict_free);
	g_clear_pointer(&r->main_urls, g_ptr_array_unref);
	g_clear_pointer(&r->sub_urls, g_ptr_array_unref);
	g_clear_pointer(&r->mismatches, g_ptr_array_unref);
	g_clear_object(&r->replay);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvrCheckResult, nvr_check_result_clear)

static gboolean
nvr_check_one(NvrVendor *vendor, const gchar *dir, NvrCheckResult *r, GError **error)
{
	g_autoptr(NvrEvidenceSet) set = NULL;

	r->dir = g_strdup(dir);
	r->replay = nvr_vendor_replay_new(dir, error);
	if (r->replay == NULL)
		return FALSE;
	set = nvr_vendor_replay_dup_evidence(r->replay, vendor, error);
	if (set == NULL)
		return FALSE;
	nvr_vendor_probe(vendor, set, NVR_VENDOR_TRANSPORT(r->replay), NULL);
	r->verdict = nvr_vendor_evaluate(vendor, set);
	r->main_urls = nvr_vendor_stream_urls(vendor, set, r->verdict, NVR_STREAM_MAIN, 1);
	r->sub_urls = nvr_vendor_stream_urls(vendor, set, r->verdict, NVR_STREAM_SUB, 1);
	r->requests = nvr_vendor_replay_get_log(r->replay);
	r->expected = nvr_vendor_replay_has_expectations(r->replay);
	r->mismatches = nvr_vendor_replay_check(r->replay, r->verdict, r->main_urls, r->sub_urls);
	return TRUE;
}

static void
nvr_check_print_text(const NvrCheckResult *r, gboolean quiet)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree gchar *text = nvr_verdict_to_text(r->verdict);
	const gchar *desc = nvr_vendor_replay_get_description(r->replay);

	g_string_append_printf(out, "== %s%s%s\n", r->dir, desc != NULL ? ": " : "", desc != NULL ? desc : "");
	if (!quiet) {
		for (guint i = 0; i < r->requests->len; i++)
			g_string_append_printf(out, "  request  %s\n", (const gchar *)g_ptr_array_index(r->requests, i));
		g_string_append(out, text);
		nvr_check_print_urls(out, "main", r->main_urls);
		nvr_check_print_urls(out, "sub ", r->sub_urls);
	}
	for (guint i = 0; i < r->mismatches->len; i++)
		g_string_append_printf(out, "  FAIL: %s\n", (const gchar *)g_ptr_array_index(r->mismatches, i));
	if (r->expected && r->mismatches->len == 0)
		g_string_append(out, "  PASS\n");
	fputs(out->str, stdout);
}

static JsonNode *
nvr_check_result_json(const NvrCheckResult *r)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "recording");
	json_builder_add_string_value(b, r->dir);
	json_builder_set_member_name(b, "requests");
	json_builder_add_value(b, nvr_check_strings_json(r->requests));
	json_builder_set_member_name(b, "verdict");
	json_builder_add_value(b, nvr_verdict_to_json(r->verdict));
	json_builder_set_member_name(b, "stream_main");
	json_builder_add_value(b, nvr_vendor_stream_urls_to_json(r->main_urls));
	json_builder_set_member_name(b, "stream_sub");
	json_builder_add_value(b, nvr_vendor_stream_urls_to_json(r->sub_urls));
	json_builder_set_member_name(b, "mismatches");
	json_builder_add_value(b, nvr_check_strings_json(r->mismatches));
	json_builder_set_member_name(b, "passed");
	json_builder_add_boolean_value(b, r->mismatches->len == 0);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static gint
nvr_check_strptr_cmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* a recording, or a directory of recordings (sorted) */
static void
nvr_check_collect(const gchar *path, GPtrArray *dirs)
{
	g_autofree gchar *manifest = g_build_filename(path, NVR_VENDOR_REPLAY_MANIFEST, NULL);
	g_autoptr(GDir) d = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;

	if (g_file_test(manifest, G_FILE_TEST_EXISTS) || !g_file_test(path, G_FILE_TEST_IS_DIR)) {
		g_ptr_array_add(dirs, g_strdup(path));
		return;
	}
	d = g_dir_open(path, 0, NULL);
	while (d != NULL && (name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_build_filename(path, name, NULL));
	g_ptr_array_sort(names, nvr_check_strptr_cmp);
	for (guint i = 0; i < names->len; i++) {
		g_autofree gchar *m = g_build_filename(g_ptr_array_index(names, i), NVR_VENDOR_REPLAY_MANIFEST, NULL);
		if (g_file_test(m, G_FILE_TEST_EXISTS))
			g_ptr_array_add(dirs, g_strdup(g_ptr_array_index(names, i)));
	}
}

static gint
nvr_check_report_plugins(NvrVendor *vendor, gboolean quiet)
{
	GPtrArray *plugins = nvr_vendor_get_plugins(vendor);
	GPtrArray *errors = nvr_vendor_get_load_errors(vendor);
	gint status = 0;

	for (guint i = 0; i < errors->len; i++) {
		g_printerr("nvr-plugin-check: %s\n", (const gchar *)g_ptr_array_index(errors, i));
		status = 1;
	}
	for (guint i = 0; i < plugins->len; i++) {
		NvrVendorPlugin *p = g_ptr_array_index(plugins, i);
		if (nvr_vendor_plugin_is_disabled(p)) {
			g_printerr("nvr-plugin-check: plugin %s disabled: %s\n", nvr_vendor_plugin_get_name(p),
				   nvr_vendor_plugin_get_disabled_reason(p));
			status = 1;
		} else if (!quiet) {
			g_printerr("nvr-plugin-check: plugin %s %s\n", nvr_vendor_plugin_get_name(p),
				   nvr_vendor_plugin_get_version(p));
		}
	}
	return status;
}

static gint
nvr_check_run(NvrVendor *vendor, const NvrCheckOptions *opts, gchar **paths)
{
	g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(JsonBuilder) b = json_builder_new();
	gint status = 0;
	gint plugins_status;

	for (guint i = 0; paths[i] != NULL; i++)
		nvr_check_collect(paths[i], dirs);
	json_builder_begin_array(b);
	for (guint i = 0; i < dirs->len; i++) {
		g_auto(NvrCheckResult) r = {NULL};
		g_autoptr(GError) error = NULL;
		if (!nvr_check_one(vendor, g_ptr_array_index(dirs, i), &r, &error)) {
			g_printerr("nvr-plugin-check: %s\n", error->message);
			return 2;
		}
		if (r.mismatches->len > 0)
			status = 1;
		if (opts->json)
			json_builder_add_value(b, nvr_check_result_json(&r));
		else
			nvr_check_print_text(&r, opts->quiet);
	}
	json_builder_end_array(b);
	if (opts->json) {
		g_autoptr(JsonNode) root = json_builder_get_root(b);
		g_autofree gchar *text = json_to_string(root, TRUE);
		g_print("%s\n", text);
	}
	plugins_status = nvr_check_report_plugins(vendor, opts->quiet);
	return MAX(status, plugins_status);
}

int
main(int argc, char **argv)
{
	NvrCheckOptions opts = {NULL};
	g_auto(GStrv) paths = NULL;
	const GOptionEntry entries[] = {
		{"plugin", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opts.plugins, "load this plugin module (repeatable); no others", "FILE.so"},
		{"plugin-dir", 0, 0, G_OPTION_ARG_FILENAME, &opts.plugin_dir, "load the plugins in DIR", "DIR"},
		{"no-plugins", 0, 0, G_OPTION_ARG_NONE, &opts.no_plugins, "quirk data only", NULL},
		{"quirk-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opts.quirk_dirs, "load DIR/*.quirk after the built-in set, instead of the system quirk dirs (repeatable)", "DIR"},
		{"json", 0, 0, G_OPTION_ARG_NONE, &opts.json, "print JSON", NULL},
		{"quiet", 'q', 0, G_OPTION_ARG_NONE, &opts.quiet, "only PASS and FAIL lines", NULL},
		{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &paths, NULL, "RECORDING..."},
		{NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("RECORDING... - run vendor plugins on recorded devices");
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrVendor) vendor = NULL;
	NvrVendorOptions vopts = {0};
	gint status;

	setlocale(LC_ALL, "");
	nvr_log_install(FALSE);
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || paths == NULL) {
		g_printerr("nvr-plugin-check: %s\n", error != NULL ? error->message : "no recording given");
		return 2;
	}
	vopts.plugin_files = (const gchar *const *)opts.plugins;
	vopts.plugin_dir = opts.plugin_dir;
	vopts.no_plugins = opts.no_plugins;
	vopts.quirk_dirs = (const gchar *const *)opts.quirk_dirs;
	vendor = nvr_vendor_new(&vopts, &error);
	if (vendor == NULL) {
		g_printerr("nvr-plugin-check: %s\n", error->message);
		return 2;
	}
	status = nvr_check_run(vendor, &opts, paths);
	g_strfreev(opts.plugins);
	g_free(opts.plugin_dir);
	g_strfreev(opts.quirk_dirs);
	return status;
}
