/*
 * test-vendor-verdict.c: verdicts, with the real plugins (built in this
 * tree) against recorded devices: every recording under plugins/<vendor>/
 * tests and tests/vendor/recordings must give what its "expect" says.
 * Then the rules themselves on hand-made evidence, the JSON, stream URL
 * order, and re-evaluation when the registry changes.
 */
#include "config.h"

#include <string.h>

#include "index/nvr-index-all.h"
#include "nvr-test-common.h"
#include "vendor/nvr-device-index.h"
#include "vendor/nvr-vendor-data.h"
#include "vendor/nvr-vendor-replay.h"
#include "vendor/nvr-verdict-store.h"

static NvrVendor *test_vendor; /* the real plugins, loaded once */

static NvrVendor *
test_vendor_new(const gchar *state_dir)
{
	NvrVendorOptions opts = {.plugin_dir = NVR_TEST_BUILT_PLUGINS, .state_dir = state_dir};
	g_autoptr(GError) error = NULL;
	NvrVendor *vendor = nvr_vendor_new(&opts, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(nvr_vendor_get_load_errors(vendor)->len, ==, 0);
	return vendor;
}

/* Returns: (transfer full): the evidence of a recording, probed by the plugins */
static NvrEvidenceSet *
test_recording_evidence(NvrVendor *vendor, const gchar *dir, NvrVendorReplay **replay_out)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrVendorReplay) replay = nvr_vendor_replay_new(dir, &error);
	g_autoptr(NvrEvidenceSet) set = NULL;

	g_assert_no_error(error);
	set = nvr_vendor_replay_dup_evidence(replay, vendor, &error);
	g_assert_no_error(error);
	nvr_vendor_probe(vendor, set, NVR_VENDOR_TRANSPORT(replay), NULL);
	if (replay_out != NULL)
		*replay_out = g_steal_pointer(&replay);
	return g_steal_pointer(&set);
}

static void
test_recording(gconstpointer data)
{
	const gchar *dir = data;
	g_autoptr(NvrVendorReplay) replay = NULL;
	g_autoptr(NvrEvidenceSet) set = test_recording_evidence(test_vendor, dir, &replay);
	g_autoptr(NvrVerdict) v = nvr_vendor_evaluate(test_vendor, set);
	g_autoptr(GPtrArray) main_urls = nvr_vendor_stream_urls(test_vendor, set, v, NVR_STREAM_MAIN, 1);
	g_autoptr(GPtrArray) sub_urls = nvr_vendor_stream_urls(test_vendor, set, v, NVR_STREAM_SUB, 1);
	g_autoptr(GPtrArray) mismatches = nvr_vendor_replay_check(replay, v, main_urls, sub_urls);
	GPtrArray *plugins = nvr_vendor_get_plugins(test_vendor);

	g_assert_true(nvr_vendor_replay_has_expectations(replay));
	for (guint i = 0; i < mismatches->len; i++)
		g_test_message("%s: %s", dir, (const gchar *)g_ptr_array_index(mismatches, i));
	g_assert_cmpuint(mismatches->len, ==, 0);
	/* recordings are hostile at times, the shipped plugins never break their contract */
	for (guint i = 0; i < plugins->len; i++)
		g_assert_false(nvr_vendor_plugin_is_disabled(g_ptr_array_index(plugins, i)));
	/* DESIGN.md §1.5: the wording */
	g_assert_null(strstr(v->summary, "illegal to own"));
	if (v->restricted)
		g_assert_nonnull(strstr(v->summary, "not illegal"));
	/* a restricted verdict always shows its legal sources */
	if (v->restricted) {
		g_assert_cmpuint(v->listings->len, >, 0);
		for (guint i = 0; i < v->listings->len; i++)
			g_assert_nonnull(((NvrVerdictListing *)g_ptr_array_index(v->listings, i))->citation);
		g_assert_nonnull(v->advice[0]);
	}
}

static void
test_add_recordings(const gchar *root, GPtrArray *keep)
{
	g_autoptr(GDir) d = g_dir_open(root, 0, NULL);
	const gchar *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		gchar *dir = g_build_filename(root, name, NULL);
		g_autofree gchar *manifest = g_build_filename(dir, NVR_VENDOR_REPLAY_MANIFEST, NULL);
		g_autofree gchar *path = NULL;
		if (!g_file_test(manifest, G_FILE_TEST_EXISTS)) {
			g_free(dir);
			continue;
		}
		path = g_strdup_printf("/nvr/vendor/recording/%s", name);
		g_ptr_array_add(keep, dir);
		g_test_add_data_func(path, dir, test_recording);
	}
}

/* ---- the rules on hand-made evidence ---- */

static NvrEvidence *
test_item(NvrEvidenceClass klass, NvrEvidenceStrength strength, const gchar *key, const gchar *vendor)
{
	NvrEvidence *e = nvr_evidence_new(klass, strength, key, "x", "test");

	e->vendor = g_strdup(vendor);
	return e;
}

static void
test_rule_weak(void)
{
	g_autoptr(NvrEvidenceSet) set = nvr_evidence_set_new("192.0.2.1");
	g_autoptr(NvrVerdict) v = NULL;

	/* many weak signals of one class are still one signal */
	for (guint i = 0; i < 5; i++)
		g_assert_true(nvr_evidence_set_add(set, test_item(NVR_EVIDENCE_CLASS_PORT_PATTERN, NVR_EVIDENCE_STRENGTH_WEAK,
								  "port.open", "hikvision"), NULL));
	v = nvr_vendor_evaluate(test_vendor, set);
	g_assert_cmpstr(v->vendor, ==, "hikvision");
	g_assert_cmpint(v->confidence, ==, NVR_VERDICT_POSSIBLE);
	g_assert_cmpuint(v->independent, ==, 1);
	g_assert_false(v->restricted);
	g_assert_cmpint(v->warning, ==, NVR_VERDICT_WARNING_POSSIBLE);
	g_assert_cmpstr(v->advice[0], !=, NULL);
}

static void
test_rule_levels(void)
{
	struct {
		NvrEvidenceClass a;
		NvrEvidenceStrength sa;
		NvrEvidenceClass b;
		NvrEvidenceStrength sb;
		gboolean firmware;
		NvrVerdictConfidence want;
	} cases[] = {
		/* one strong: likely */
		{NVR_EVIDENCE_CLASS_VENDOR_API, NVR_EVIDENCE_STRENGTH_STRONG, NVR_EVIDENCE_CLASS_LAST, 0, FALSE, NVR_VERDICT_LIKELY},
		/* two medium: likely */
		{NVR_EVIDENCE_CLASS_OUI, NVR_EVIDENCE_STRENGTH_MEDIUM, NVR_EVIDENCE_CLASS_HTTP_BANNER, NVR_EVIDENCE_STRENGTH_MEDIUM, FALSE, NVR_VERDICT_LIKELY},
		/* one medium, one weak: possible */
		{NVR_EVIDENCE_CLASS_OUI, NVR_EVIDENCE_STRENGTH_MEDIUM, NVR_EVIDENCE_CLASS_PORT_PATTERN, NVR_EVIDENCE_STRENGTH_WEAK, FALSE, NVR_VERDICT_POSSIBLE},
		/* two independent, one firmware-level: certain */
		{NVR_EVIDENCE_CLASS_VENDOR_API, NVR_EVIDENCE_STRENGTH_STRONG, NVR_EVIDENCE_CLASS_OUI, NVR_EVIDENCE_STRENGTH_MEDIUM, FALSE, NVR_VERDICT_CERTAIN},
		/* an ONVIF firmware-format tell is firmware-level too */
		{NVR_EVIDENCE_CLASS_ONVIF, NVR_EVIDENCE_STRENGTH_MEDIUM, NVR_EVIDENCE_CLASS_RTSP_BANNER, NVR_EVIDENCE_STRENGTH_MEDIUM, TRUE, NVR_VERDICT_CERTAIN},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(NvrEvidenceSet) set = nvr_evidence_set_new("192.0.2.1");
		g_autoptr(NvrVerdict) v = NULL;
		NvrEvidence *a = test_item(cases[i].a, cases[i].sa, "a", "dahua");
		if (cases[i].firmware)
			a->flags |= NVR_EVIDENCE_FLAG_FIRMWARE;
		g_assert_true(nvr_evidence_set_add(set, a, NULL));
		if (cases[i].b != NVR_EVIDENCE_CLASS_LAST)
			g_assert_true(nvr_evidence_set_add(set, test_item(cases[i].b, cases[i].sb, "b", "dahua"), NULL));
		v = nvr_vendor_evaluate(test_vendor, set);
		g_test_message("case %u: %s", i, v->summary);
		g_assert_cmpint(v->confidence, ==, cases[i].want);
		g_assert_cmpint(v->restricted, ==, cases[i].want >= NVR_VERDICT_LIKELY);
	}
}

/* two firmware families: neither is certain, both are shown */
static void
test_rule_firmware_conflict(void)
{
	g_autoptr(NvrEvidenceSet) set = nvr_evidence_set_new("192.0.2.1");
	g_autoptr(NvrVerdict) v = NULL;
	g_autoptr(JsonNode) node = NULL;
	g_autofree gchar *json = NULL;

	g_assert_true(nvr_evidence_set_add(set, test_item(NVR_EVIDENCE_CLASS_VENDOR_API, NVR_EVIDENCE_STRENGTH_STRONG, "magicbox.update-serial", "dahua"), NULL));
	g_assert_true(nvr_evidence_set_add(set, test_item(NVR_EVIDENCE_CLASS_OUI, NVR_EVIDENCE_STRENGTH_MEDIUM, "mac.oui", "dahua"), NULL));
	g_assert_true(nvr_evidence_set_add(set, test_item(NVR_EVIDENCE_CLASS_VENDOR_API, NVR_EVIDENCE_STRENGTH_STRONG, "isapi.namespace", "hikvision"), NULL));
	v = nvr_vendor_evaluate(test_vendor, set);
	g_assert_cmpstr(v->vendor, ==, "dahua");
	g_assert_cmpint(v->confidence, ==, NVR_VERDICT_LIKELY);
	g_assert_cmpuint(v->conflicts->len, ==, 1);
	g_assert_cmpstr(((NvrVerdictConflict *)g_ptr_array_index(v->conflicts, 0))->vendor, ==, "hikvision");
	node = nvr_verdict_to_json(v);
	json = json_to_string(node, FALSE);
	g_assert_nonnull(strstr(json, "\"conflicts\":[{\"vendor\":\"hikvision\",\"firmware_level\":true"));
}

/* ---- JSON, stream URLs ---- */

static gchar *
test_recording_dir(const gchar *plugin, const gchar *name)
{
	return g_build_filename(g_getenv("NVR_SOURCE_ROOT"), "plugins", plugin, "tests", name, NULL);
}

static void
test_verdict_json(void)
{
	g_autofree gchar *dir = test_recording_dir("dahua", "amcrest-ip4m-1041b");
	g_autoptr(NvrEvidenceSet) set = test_recording_evidence(test_vendor, dir, NULL);
	g_autoptr(NvrVerdict) v = nvr_vendor_evaluate(test_vendor, set);
	g_autoptr(JsonNode) node = nvr_verdict_to_json(v);
	JsonObject *o = json_node_get_object(node);
	JsonArray *listings = json_object_get_array_member(o, "listings");
	JsonObject *first = json_array_get_object_element(listings, 0);

	g_assert_true(JSON_NODE_HOLDS_VALUE(json_object_get_member(o, "restricted")));
	g_assert_true(json_object_get_boolean_member(o, "restricted"));
	g_assert_cmpstr(json_object_get_string_member(o, "vendor"), ==, "dahua");
	g_assert_cmpstr(json_object_get_string_member(o, "vendor_name"), ==, "Dahua");
	g_assert_cmpstr(json_object_get_string_member(o, "manufacturer"), ==, "Zhejiang Dahua Technology Co., Ltd.");
	g_assert_cmpstr(json_object_get_string_member(o, "brand"), ==, "amcrest");
	g_assert_cmpstr(json_object_get_string_member(o, "relationship"), ==, "oem");
	g_assert_cmpstr(json_object_get_string_member(o, "firmware_model"), ==, "IPC-AW46WN-S2");
	g_assert_cmpstr(json_object_get_string_member(o, "confidence"), ==, "certain");
	g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(o, "registry"), "version"), ==, "2026.02.1");
	g_assert_cmpstr(json_object_get_string_member(first, "list"), ==, "bis-entity-list");
	g_assert_nonnull(json_object_get_string_member(first, "citation"));
	g_assert_nonnull(json_object_get_string_member(first, "meaning"));
	g_assert_true(json_object_has_member(first, "verified"));
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "evidence")), >=, 5);
}

/* what the device said first, then the plugin's, then the templates; each marked */
static void
test_stream_urls(void)
{
	g_autofree gchar *dir = test_recording_dir("dahua", "ipc-hdw2431t-as-s2");
	g_autoptr(NvrEvidenceSet) set = test_recording_evidence(test_vendor, dir, NULL);
	g_autoptr(GPtrArray) main_urls = nvr_vendor_stream_urls(test_vendor, set, NULL, NVR_STREAM_MAIN, 1);
	g_autoptr(GPtrArray) ch2 = nvr_vendor_stream_urls(test_vendor, set, NULL, NVR_STREAM_MAIN, 2);
	const NvrVendorStreamUrl *u;

	g_assert_cmpuint(main_urls->len, ==, 2);
	u = g_ptr_array_index(main_urls, 0);
	g_assert_false(u->guessed);
	g_assert_true(g_str_has_prefix(u->source, "ONVIF GetStreamUri"));
	u = g_ptr_array_index(main_urls, 1);
	g_assert_true(u->guessed);
	g_assert_cmpstr(u->url, ==, "rtsp://192.0.2.20:554/cam/realmonitor?channel=1&subtype=0");
	/* channel 2: ONVIF's URI is channel 1's, so only the template */
	g_assert_cmpuint(ch2->len, ==, 1);
	g_assert_cmpstr(((NvrVendorStreamUrl *)g_ptr_array_index(ch2, 0))->url, ==,
			"rtsp://192.0.2.20:554/cam/realmonitor?channel=2&subtype=0");
}

/* stored evidence evaluates to the same verdict */
static void
test_evidence_roundtrip(void)
{
	g_autofree gchar *dir = test_recording_dir("hikvision", "ds-2cd2143g2-i");
	g_autoptr(NvrEvidenceSet) set = test_recording_evidence(test_vendor, dir, NULL);
	g_autoptr(JsonNode) node = nvr_evidence_set_to_json(set);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrEvidenceSet) back = nvr_evidence_set_from_json(node, &error);
	g_autoptr(NvrVerdict) a = nvr_vendor_evaluate(test_vendor, set);
	g_autoptr(NvrVerdict) b = NULL;
	g_autoptr(JsonNode) ja = NULL;
	g_autoptr(JsonNode) jb = NULL;

	g_assert_no_error(error);
	b = nvr_vendor_evaluate(test_vendor, back);
	ja = nvr_verdict_to_json(a);
	jb = nvr_verdict_to_json(b);
	g_assert_true(json_node_equal(ja, jb));
}

/* ---- the registry changes ---- */

/* the built-in registry with a new version and, for the test, Axis made a listed company */
static gchar *
test_registry_with_axis(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = nvr_vendor_data_load_builtin(NVR_RESTRICTED_REGISTRY_FILE, &error);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonNode) axis = json_from_string(
		"{\"key\":\"axis\",\"name\":\"Axis (test)\",\"kind\":\"camera\","
		"\"legal_names\":[{\"name\":\"Axis Communications AB (test)\",\"verified\":false}],"
		"\"listings\":[{\"list\":\"bis-entity-list\",\"date\":\"2030-01-01\",\"citation\":\"test\","
		"\"verified\":false}],\"related\":[]}",
		&error);
	JsonObject *root;

	g_assert_no_error(error);
	g_assert_true(json_parser_load_from_data(parser, g_bytes_get_data(bytes, NULL), (gssize)g_bytes_get_size(bytes), &error));
	root = json_node_get_object(json_parser_get_root(parser));
	json_object_set_string_member(root, "version", "2026.03.0");
	json_array_add_element(json_object_get_array_member(root, "manufacturers"), g_steal_pointer(&axis));
	return json_to_string(json_parser_get_root(parser), TRUE);
}

static void
test_changed_cb(NvrVerdictStore *store, const gchar *id, gpointer user_data)
{
	g_ptr_array_add(user_data, g_strdup(id));
}

static gboolean
test_flag_cb(gpointer flag)
{
	*(gboolean *)flag = TRUE;
	return G_SOURCE_REMOVE;
}

static void
test_store_reevaluate(void)
{
	g_autofree gchar *tmp = nvr_test_mkdtemp();
	g_autofree gchar *path = g_build_filename(tmp, NVR_RESTRICTED_REGISTRY_FILE, NULL);
	g_autofree gchar *text = test_registry_with_axis();
	g_autofree gchar *axis_dir = test_recording_dir("axis", "m3045-v");
	g_autofree gchar *hik_dir = test_recording_dir("hikvision", "ds-2cd2143g2-i");
	g_autoptr(NvrVendor) vendor = test_vendor_new(tmp);
	g_autoptr(NvrVerdictStore) store = nvr_verdict_store_new(vendor);
	g_autoptr(NvrEvidenceSet) axis = test_recording_evidence(vendor, axis_dir, NULL);
	g_autoptr(NvrEvidenceSet) hik = test_recording_evidence(vendor, hik_dir, NULL);
	g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) stored = NULL;
	gboolean timed_out = FALSE;
	guint timeout;

	g_signal_connect(store, "verdict-changed", G_CALLBACK(test_changed_cb), changed);
	g_assert_false(nvr_verdict_store_put(store, "cam-axis", axis)->restricted);
	g_assert_true(nvr_verdict_store_put(store, "cam-hik", hik)->restricted);
	/* a registry-refresh job writes a newer file into the state dir; the watch reloads */
	nvr_vendor_watch(vendor);
	g_assert_true(g_file_set_contents(path, text, -1, &error));
	timeout = g_timeout_add_seconds(10, test_flag_cb, &timed_out);
	while (changed->len < 2 && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (!timed_out)
		g_source_remove(timeout);
	if (changed->len < 2) /* no inotify here: the explicit reload (SIGHUP) does the same */
		g_assert_true(nvr_vendor_reload(vendor, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(changed->len, ==, 2);
	g_assert_true(nvr_verdict_store_get(store, "cam-axis")->restricted);
	g_assert_cmpstr(nvr_verdict_store_get(store, "cam-axis")->registry_version, ==, "2026.03.0");
	g_assert_true(nvr_verdict_store_get(store, "cam-hik")->restricted);
	stored = nvr_verdict_store_dup_json(store, "cam-axis");
	g_assert_cmpstr(json_object_get_string_member(json_node_get_object(stored), "registry_version"), ==, "2026.03.0");
	/* nothing changes: no signal */
	g_assert_cmpuint(nvr_verdict_store_reevaluate(store), ==, 0);
	nvr_test_rm_rf(tmp);
}

/* ---- devices in the index (nvr-device-index.h) ---- */

static gint64
test_camera_add(NvrIndex *index, const gchar *name)
{
	g_autoptr(NvrIndexCamera) c = nvr_index_camera_new();
	g_autoptr(GError) error = NULL;

	c->name = g_strdup(name);
	c->main_url = g_strdup("rtsp://192.0.2.10/stream1");
	c->record_main = TRUE;
	c->enabled = TRUE;
	g_assert_true(nvr_index_camera_insert(index, c, &error));
	g_assert_no_error(error);
	return c->id;
}

static JsonObject *
test_listed_device(JsonNode *root, guint i)
{
	JsonArray *devices = json_object_get_array_member(json_node_get_object(root), "devices");

	g_assert_cmpuint(json_array_get_length(devices), >, i);
	return json_array_get_object_element(devices, i);
}

/* stored evidence evaluates to the stored verdict: plugins' attributions and firmware flags survive */
static void
test_device_index_roundtrip(void)
{
	g_autofree gchar *tmp = nvr_test_mkdtemp();
	g_autofree gchar *db = g_build_filename(tmp, "nvr.db", NULL);
	g_autofree gchar *dir = test_recording_dir("dahua", "amcrest-ip4m-1041b");
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndex) index = nvr_index_open(db, &error);
	g_autoptr(NvrEvidenceSet) set = test_recording_evidence(test_vendor, dir, NULL);
	g_autoptr(NvrVerdict) v = nvr_vendor_evaluate(test_vendor, set);
	g_autoptr(NvrEvidenceSet) loaded = NULL;
	g_autoptr(NvrVerdict) again = NULL;
	g_autoptr(NvrIndexVerdict) row = NULL;
	g_autoptr(GPtrArray) rows = NULL;
	g_autoptr(JsonNode) list = NULL;
	gint64 cam = 0, id;
	JsonObject *d;

	g_assert_no_error(error);
	cam = test_camera_add(index, "porch");
	id = nvr_device_index_link(index, cam, set, &error);
	g_assert_no_error(error);
	g_assert_cmpint(id, >, 0);
	g_assert_true(nvr_device_index_store(index, id, set, v, TRUE, &error));
	g_assert_no_error(error);
	/* one row per item, the class as its source */
	rows = nvr_index_evidence_list(index, id, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(rows->len, ==, nvr_evidence_set_get_size(set));
	for (guint i = 0; i < rows->len; i++) {
		NvrEvidenceClass klass;
		g_assert_true(nvr_evidence_class_from_string(((NvrIndexEvidence *)g_ptr_array_index(rows, i))->source, &klass));
	}
	loaded = nvr_device_index_load_evidence(index, id, &row, &error);
	g_assert_no_error(error);
	g_assert_true(row->restricted);
	g_assert_cmpstr(row->vendor, ==, "dahua");
	g_assert_cmpstr(row->brand, ==, "amcrest");
	again = nvr_vendor_evaluate(test_vendor, loaded);
	g_assert_cmpstr(again->vendor, ==, v->vendor);
	g_assert_cmpint(again->confidence, ==, v->confidence);
	g_assert_cmpuint(again->independent, ==, v->independent);
	g_assert_cmpint(again->restricted, ==, v->restricted);
	g_assert_cmpint(again->oem, ==, v->oem);
	/* the listing */
	list = nvr_device_index_list_json(index, &error);
	g_assert_no_error(error);
	d = test_listed_device(list, 0);
	g_assert_cmpint(json_object_get_int_member(d, "id"), ==, id);
	g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(d, "camera"), "name"), ==, "porch");
	g_assert_true(json_object_get_boolean_member(d, "identified"));
	g_assert_true(json_object_get_boolean_member(d, "restricted"));
	g_assert_true(json_object_get_boolean_member(d, "oem"));
	g_assert_cmpint(json_object_get_int_member(d, "evidence_count"), ==, rows->len);
	g_assert_cmpstr(json_object_get_string_member(d, "registry_version"), ==, v->registry_version);
	g_assert_false(json_object_has_member(d, NVR_DEVICE_INDEX_COLLECTED));
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(d, "listings")), >, 0);
	nvr_test_rm_rf(tmp);
}

/* one row per host and port; the first camera keeps it until it is removed */
static void
test_device_index_link(void)
{
	g_autofree gchar *tmp = nvr_test_mkdtemp();
	g_autofree gchar *db = g_build_filename(tmp, "nvr.db", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndex) index = nvr_index_open(db, &error);
	g_autoptr(NvrEvidenceSet) a = nvr_evidence_set_new("192.0.2.10");
	g_autoptr(NvrEvidenceSet) moved = nvr_evidence_set_new("192.0.2.11");
	g_autoptr(NvrIndexDevice) d = NULL;
	g_autoptr(JsonNode) list = NULL;
	gint64 cam1, cam2, id, id2;
	JsonObject *o;

	g_assert_no_error(error);
	cam1 = test_camera_add(index, "one");
	cam2 = test_camera_add(index, "two");
	nvr_evidence_set_set_ports(a, 80, 554);
	nvr_evidence_set_set_ports(moved, 80, 554);
	nvr_evidence_set_add_fact(a, NVR_EVIDENCE_CLASS_OUI, "mac.address", "44:19:b6:00:00:01", "test");
	nvr_evidence_set_add_fact(moved, NVR_EVIDENCE_CLASS_OUI, "mac.address", "44:19:b6:00:00:01", "test");
	id = nvr_device_index_link(index, cam1, a, &error);
	g_assert_no_error(error);
	/* a second channel of the same device */
	g_assert_cmpint(nvr_device_index_link(index, cam2, a, &error), ==, id);
	d = nvr_index_device_load(index, id, &error);
	g_assert_no_error(error);
	g_assert_cmpint(d->camera_id, ==, cam1);
	g_assert_cmpstr(d->mac, ==, "44:19:B6:00:00:01");
	g_clear_pointer(&d, nvr_index_device_free);
	/* camera one moves to a new address: a new device, the MAC stays with the first row */
	id2 = nvr_device_index_link(index, cam1, moved, &error);
	g_assert_no_error(error);
	g_assert_cmpint(id2, !=, id);
	d = nvr_index_device_load(index, id2, &error);
	g_assert_null(d->mac);
	g_assert_cmpint(d->camera_id, ==, cam1);
	g_clear_pointer(&d, nvr_index_device_free);
	d = nvr_index_device_load(index, id, &error);
	g_assert_cmpint(d->camera_id, ==, 0);
	g_clear_pointer(&d, nvr_index_device_free);
	/* neither has a verdict yet: every member is there all the same */
	list = nvr_device_index_list_json(index, &error);
	g_assert_no_error(error);
	o = test_listed_device(list, 0);
	g_assert_false(json_object_get_boolean_member(o, "identified"));
	g_assert_true(json_object_get_null_member(o, "camera"));
	g_assert_true(json_object_get_null_member(o, "vendor"));
	g_assert_cmpstr(json_object_get_string_member(o, "confidence"), ==, "unknown");
	g_assert_cmpstr(json_object_get_string_member(o, "warning"), ==, "none");
	g_assert_false(json_object_get_boolean_member(o, "restricted"));
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "advice")), ==, 0);
	g_assert_true(json_object_get_null_member(o, "registry_version"));
	o = test_listed_device(list, 1);
	g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(o, "camera"), "name"), ==, "one");
	/* once camera one is removed, camera two takes the first device over */
	g_assert_true(nvr_index_camera_remove(index, cam1, &error));
	g_assert_cmpint(nvr_device_index_link(index, cam2, a, &error), ==, id);
	g_assert_no_error(error);
	d = nvr_index_device_load(index, id, &error);
	g_assert_cmpint(d->camera_id, ==, cam2);
	nvr_test_rm_rf(tmp);
}

int
main(int argc, char **argv)
{
	g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func(g_free);
	const gchar *plugins[] = {"hikvision", "dahua", "axis", "reolink", "generic-onvif"};
	g_autofree gchar *engine = NULL;
	gint status;

	g_test_init(&argc, &argv, NULL);
	test_vendor = test_vendor_new(NULL);
	for (guint i = 0; i < G_N_ELEMENTS(plugins); i++) {
		g_autofree gchar *root = g_build_filename(g_getenv("NVR_SOURCE_ROOT"), "plugins", plugins[i], "tests", NULL);
		test_add_recordings(root, dirs);
	}
	engine = g_build_filename(g_getenv("G_TEST_SRCDIR"), "vendor", "recordings", NULL);
	test_add_recordings(engine, dirs);
	g_test_add_func("/nvr/vendor/rule/weak", test_rule_weak);
	g_test_add_func("/nvr/vendor/rule/levels", test_rule_levels);
	g_test_add_func("/nvr/vendor/rule/firmware-conflict", test_rule_firmware_conflict);
	g_test_add_func("/nvr/vendor/verdict/json", test_verdict_json);
	g_test_add_func("/nvr/vendor/stream-urls", test_stream_urls);
	g_test_add_func("/nvr/vendor/evidence/roundtrip", test_evidence_roundtrip);
	g_test_add_func("/nvr/vendor/store/reevaluate", test_store_reevaluate);
	g_test_add_func("/nvr/vendor/device-index/roundtrip", test_device_index_roundtrip);
	g_test_add_func("/nvr/vendor/device-index/link", test_device_index_link);
	status = g_test_run();
	g_clear_object(&test_vendor);
	return status;
}
