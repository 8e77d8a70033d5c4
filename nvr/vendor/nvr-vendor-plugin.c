#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "discovery/nvr-discovery-text.h"
#include "vendor/nvr-vendor-plugin.h"

struct _NvrVendorPlugin {
	GObject parent_instance;
	/* immutable after construction */
	GModule *module; /* nullable: descriptors linked in (tests) have none; resident */
	gchar *path;
	const NvrVendorPluginDesc *desc;
	NvrVendorHost *host;
	gpointer data; /* the plugin's own, from init() */
	/* protected by lock, which also serializes every callback */
	GMutex lock;
	gboolean started;
	guint failures; /* in a row */
	gboolean disabled;
	gchar *disabled_reason;
};

G_DEFINE_TYPE(NvrVendorPlugin, nvr_vendor_plugin, G_TYPE_OBJECT)

static void
nvr_vendor_plugin_finalize(GObject *obj)
{
	NvrVendorPlugin *self = NVR_VENDOR_PLUGIN(obj);

	if (self->started && self->desc->finalize != NULL)
		self->desc->finalize(self->data);
	/* the module stays resident: its function pointers may still be cached somewhere */
	g_free(self->path);
	g_free(self->disabled_reason);
	nvr_vendor_host_free(self->host);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(nvr_vendor_plugin_parent_class)->finalize(obj);
}

static void
nvr_vendor_plugin_class_init(NvrVendorPluginClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_vendor_plugin_finalize;
}

static void
nvr_vendor_plugin_init(NvrVendorPlugin *self)
{
	g_mutex_init(&self->lock);
}

/* "…/nvr-vendor-hikvision.so" -> "hikvision" */
gchar *
nvr_vendor_plugin_name_from_path(const gchar *path)
{
	g_autofree gchar *base = g_path_get_basename(path);
	const gchar *suffix = "." G_MODULE_SUFFIX;

	if (!g_str_has_prefix(base, NVR_VENDOR_PLUGIN_PREFIX) || !g_str_has_suffix(base, suffix))
		return NULL;
	return g_strndup(base + strlen(NVR_VENDOR_PLUGIN_PREFIX),
			 strlen(base) - strlen(NVR_VENDOR_PLUGIN_PREFIX) - strlen(suffix));
}

static gboolean
nvr_vendor_plugin_field_ok(const gchar *value, gsize max)
{
	return value != NULL && value[0] != '\0' && strlen(value) <= max &&
	       g_utf8_validate(value, -1, NULL);
}

static gboolean
nvr_vendor_plugin_name_ok(const gchar *name)
{
	if (!nvr_vendor_plugin_field_ok(name, 32))
		return FALSE;
	for (const gchar *p = name; *p != '\0'; p++) {
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '-')
			return FALSE;
	}
	return TRUE;
}

/**
 * nvr_vendor_plugin_check_desc:
 * @expected_name: (nullable): what the file or directory name says
 *
 * The loader's checks 3 and 4 (STYLE.md appendix).
 */
gboolean
nvr_vendor_plugin_check_desc(const NvrVendorPluginDesc *desc, const gchar *expected_name,
			     GError **error)
{
	if (desc == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PLUGIN, "returned no descriptor");
		return FALSE;
	}
	if (desc->abi_major != NVR_VENDOR_ABI_MAJOR || desc->abi_minor > NVR_VENDOR_ABI_MINOR) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_VERSION,
			    "plugin ABI %u.%u is not supported (host ABI %d.%d accepts %d.0 to %d.%d)",
			    desc->abi_major, desc->abi_minor, NVR_VENDOR_ABI_MAJOR, NVR_VENDOR_ABI_MINOR,
			    NVR_VENDOR_ABI_MAJOR, NVR_VENDOR_ABI_MAJOR, NVR_VENDOR_ABI_MINOR);
		return FALSE;
	}
	if (desc->struct_size < NVR_VENDOR_PLUGIN_DESC_SIZE_1_0) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_VERSION,
			    "descriptor struct_size %u is smaller than ABI 1.0's %u", desc->struct_size,
			    (guint)NVR_VENDOR_PLUGIN_DESC_SIZE_1_0);
		return FALSE;
	}
	if (!nvr_vendor_plugin_name_ok(desc->name) || !nvr_vendor_plugin_field_ok(desc->version, 64) ||
	    !nvr_vendor_plugin_field_ok(desc->license, 64)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PLUGIN,
				    "descriptor needs a name ([a-z0-9-]), a version and a license");
		return FALSE;
	}
	if (desc->description != NULL && (strlen(desc->description) > 256 ||
					  !g_utf8_validate(desc->description, -1, NULL))) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PLUGIN,
				    "description is not UTF-8 of at most 256 bytes");
		return FALSE;
	}
	if (expected_name != NULL && g_strcmp0(desc->name, expected_name) != 0) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PLUGIN, "calls itself '%s', expected '%s'",
			    desc->name, expected_name);
		return FALSE;
	}
	return TRUE;
}

/**
 * nvr_vendor_plugin_new_from_module:
 * @path: "…/nvr-vendor-<name>.so"
 *
 * Opens the module and checks it (STYLE.md appendix, checks 1 to 4 and 6).
 * Errors carry the path.
 */
NvrVendorPlugin *
nvr_vendor_plugin_new_from_module(const gchar *path, GError **error)
{
	g_autoptr(NvrVendorPlugin) self = NULL;
	g_autofree gchar *expected = nvr_vendor_plugin_name_from_path(path);
	NvrVendorPluginGetDescFunc get_desc = NULL;
	GModule *module;

	if (expected == NULL) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PLUGIN, "%s: not named %s<name>.%s", path,
			    NVR_VENDOR_PLUGIN_PREFIX, G_MODULE_SUFFIX);
		return NULL;
	}
	module = g_module_open(path, G_MODULE_BIND_LOCAL | G_MODULE_BIND_LAZY);
	if (module == NULL) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PLUGIN, "%s: %s", path, g_module_error());
		return NULL;
	}
	if (!g_module_symbol(module, NVR_VENDOR_PLUGIN_SYMBOL, (gpointer *)&get_desc) ||
	    get_desc == NULL) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PLUGIN, "%s: not an NVR vendor plugin (no %s)",
			    path, NVR_VENDOR_PLUGIN_SYMBOL);
		g_module_close(module);
		return NULL;
	}
	self = nvr_vendor_plugin_new_from_desc(get_desc(), expected, error);
	if (self == NULL) {
		g_prefix_error(error, "%s: ", path);
		g_module_close(module);
		return NULL;
	}
	g_module_make_resident(module);
	self->module = module;
	self->path = g_strdup(path);
	return g_steal_pointer(&self);
}

/* a descriptor linked into the program (tests, and plugins built in) */
NvrVendorPlugin *
nvr_vendor_plugin_new_from_desc(const NvrVendorPluginDesc *desc, const gchar *expected_name,
				GError **error)
{
	NvrVendorPlugin *self;

	if (!nvr_vendor_plugin_check_desc(desc, expected_name, error))
		return NULL;
	self = g_object_new(NVR_TYPE_VENDOR_PLUGIN, NULL);
	self->desc = desc;
	return self;
}

/* check 5: its quirk keys are known before any quirk file is parsed */
gboolean
nvr_vendor_plugin_register_quirk_keys(NvrVendorPlugin *self, NvrQuirks *quirks, GError **error)
{
	if (self->desc->quirk_keys == NULL)
		return TRUE;
	for (guint i = 0; i < 64; i++) {
		const gchar *key = self->desc->quirk_keys[i];
		if (key == NULL)
			return TRUE;
		if (!nvr_quirks_register_key(quirks, key, self->desc->name, error)) {
			g_prefix_error(error, "plugin %s: ", self->desc->name);
			return FALSE;
		}
	}
	g_set_error(error, NVR_ERROR, NVR_ERROR_PLUGIN, "plugin %s: quirk_keys not NULL-terminated",
		    self->desc->name);
	return FALSE;
}

static void
nvr_vendor_plugin_disable_unlocked(NvrVendorPlugin *self, const gchar *reason)
{
	if (self->disabled)
		return;
	self->disabled = TRUE;
	self->disabled_reason = g_strdup(reason);
	g_warning("vendor plugin %s disabled: %s", self->desc->name, reason);
}

/* the last step of loading; a plugin whose init fails is disabled, and nvr keeps going */
gboolean
nvr_vendor_plugin_start(NvrVendorPlugin *self, NvrVendorHostShared *shared, GError **error)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&self->lock);
	g_autoptr(GError) error_local = NULL;
	gboolean ok = TRUE;

	g_return_val_if_fail(!self->started, FALSE);
	self->host = nvr_vendor_host_new(shared, self->desc->name);
	if (self->desc->init != NULL)
		ok = self->desc->init(self->host, &self->data, &error_local);
	if (!ok) {
		g_autofree gchar *reason = g_strdup_printf(
			"init failed: %s", error_local != NULL ? error_local->message : "no error set");
		nvr_vendor_plugin_disable_unlocked(self, reason);
		g_set_error(error, NVR_ERROR, NVR_ERROR_PLUGIN, "plugin %s: %s", self->desc->name, reason);
		return FALSE;
	}
	self->started = TRUE;
	return TRUE;
}

/* ---- runners ---- */

static void
nvr_vendor_plugin_count_failure_unlocked(NvrVendorPlugin *self, const gchar *what)
{
	self->failures++;
	g_debug("vendor plugin %s failed (%u in a row): %s", self->desc->name, self->failures, what);
	if (self->failures >= NVR_VENDOR_PLUGIN_MAX_FAILURES) {
		g_autofree gchar *reason =
			g_strdup_printf("%u failures in a row, the last: %s", self->failures, what);
		nvr_vendor_plugin_disable_unlocked(self, reason);
	}
}

/* Returns: FALSE with @error set (prefixed with the plugin's name) */
static gboolean
nvr_vendor_plugin_fail_unlocked(NvrVendorPlugin *self, GError **error, GError *error_plugin,
				const gchar *what)
{
	g_autofree gchar *msg = error_plugin != NULL ? g_strdup_printf("%s: %s", what, error_plugin->message)
						     : g_strdup(what);

	nvr_vendor_plugin_count_failure_unlocked(self, msg);
	g_set_error(error, NVR_ERROR, NVR_ERROR_PLUGIN, "plugin %s: %s", self->desc->name, msg);
	return FALSE;
}

static gboolean
nvr_vendor_plugin_usable_unlocked(NvrVendorPlugin *self)
{
	return self->started && !self->disabled;
}

/* the contract has two sides: an error without failure, or failure without error, are both broken */
static gboolean
nvr_vendor_plugin_check_outcome_unlocked(NvrVendorPlugin *self, gboolean ok, GError **error_plugin,
					 GError **error, const gchar *what)
{
	if (ok && *error_plugin != NULL) {
		g_autofree gchar *msg = g_strdup_printf("%s returned success and set an error (%s)", what,
							(*error_plugin)->message);
		g_clear_error(error_plugin);
		return nvr_vendor_plugin_fail_unlocked(self, error, NULL, msg);
	}
	if (!ok && *error_plugin == NULL) {
		g_autofree gchar *msg = g_strdup_printf("%s: failed, no error set", what);
		return nvr_vendor_plugin_fail_unlocked(self, error, NULL, msg);
	}
	if (!ok)
		return nvr_vendor_plugin_fail_unlocked(self, error, *error_plugin, what);
	return TRUE;
}

/**
 * nvr_vendor_plugin_run_probe:
 *
 * Returns: FALSE if the plugin failed or broke its contract (its evidence,
 * if any, stays: each item was checked as it came in)
 */
gboolean
nvr_vendor_plugin_run_probe(NvrVendorPlugin *self, NvrVendorCall *call,
			    const NvrVendorEvidence *evidence, GError **error)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&self->lock);
	g_autoptr(GError) error_plugin = NULL;
	gboolean ok;

	if (!nvr_vendor_plugin_usable_unlocked(self) || self->desc->probe == NULL)
		return TRUE;
	ok = self->desc->probe(self->data, call, evidence, &error_plugin);
	if (!nvr_vendor_plugin_check_outcome_unlocked(self, ok, &error_plugin, error, "probe"))
		return FALSE;
	if (nvr_vendor_call_get_n_violations(call) > 0)
		return nvr_vendor_plugin_fail_unlocked(self, error, NULL,
						       nvr_vendor_call_get_first_violation(call));
	self->failures = 0;
	return TRUE;
}

static gboolean
nvr_vendor_match_string_ok(const gchar *s, gboolean key)
{
	if (s == NULL)
		return TRUE;
	if (key)
		return nvr_vendor_key_is_valid(s);
	return strlen(s) <= NVR_VENDOR_STRING_MAX && g_utf8_validate(s, -1, NULL);
}

/* what a plugin returns is checked like what a device sends */
gboolean
nvr_vendor_match_check(const NvrVendorMatch *match, GError **error)
{
	if (match->struct_size != sizeof(NvrVendorMatch) || match->confidence > 100 ||
	    !nvr_vendor_match_string_ok(match->vendor_id, TRUE) ||
	    !nvr_vendor_match_string_ok(match->brand, TRUE) ||
	    !nvr_vendor_match_string_ok(match->model, FALSE) ||
	    !nvr_vendor_match_string_ok(match->firmware, FALSE)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PLUGIN,
				    "identify returned a malformed match (struct_size, confidence, "
				    "vendor keys, or strings that are not short UTF-8)");
		return FALSE;
	}
	return TRUE;
}

void
nvr_vendor_match_clear(NvrVendorMatch *match)
{
	g_clear_pointer(&match->vendor_id, g_free);
	g_clear_pointer(&match->brand, g_free);
	g_clear_pointer(&match->model, g_free);
	g_clear_pointer(&match->firmware, g_free);
}

static void
nvr_vendor_match_clean(NvrVendorMatch *match)
{
	gchar *model = nvr_discovery_text_clean(match->model, -1, NVR_VENDOR_STRING_MAX);
	gchar *firmware = nvr_discovery_text_clean(match->firmware, -1, NVR_VENDOR_STRING_MAX);

	g_free(match->model);
	g_free(match->firmware);
	match->model = model;
	match->firmware = firmware;
}

/**
 * nvr_vendor_plugin_run_identify:
 * @match: (inout): pre-filled; on success holds the plugin's refinement,
 * otherwise it is left as it was
 *
 * Returns: 0..100, or -1 with @error set
 */
gint
nvr_vendor_plugin_run_identify(NvrVendorPlugin *self, const NvrVendorEvidence *evidence,
			       NvrVendorMatch *match, GError **error)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&self->lock);
	g_autoptr(GError) error_plugin = NULL;
	NvrVendorMatch work = *match;
	gint score;

	if (!nvr_vendor_plugin_usable_unlocked(self) || self->desc->identify == NULL)
		return 0;
	/* the plugin works on copies: a broken refinement never reaches @match */
	work.vendor_id = g_strdup(match->vendor_id);
	work.brand = g_strdup(match->brand);
	work.model = g_strdup(match->model);
	work.firmware = g_strdup(match->firmware);
	score = self->desc->identify(self->data, evidence, &work, &error_plugin);
	if (score < 0 || error_plugin != NULL) {
		nvr_vendor_match_clear(&work);
		nvr_vendor_plugin_check_outcome_unlocked(self, score >= 0, &error_plugin, error, "identify");
		return -1;
	}
	if (score > 100 || !nvr_vendor_match_check(&work, &error_plugin)) {
		g_autofree gchar *what = g_strdup_printf("identify returned score %d", score);
		nvr_vendor_match_clear(&work);
		nvr_vendor_plugin_fail_unlocked(self, error, error_plugin, score > 100 ? what : "identify");
		return -1;
	}
	nvr_vendor_match_clean(&work);
	nvr_vendor_match_clear(match);
	*match = work;
	self->failures = 0;
	return score;
}

static const gchar *
nvr_vendor_stream_url_problem(const gchar *url)
{
	g_autoptr(GUri) uri = NULL;
	const gchar *scheme;

	if (url == NULL || strlen(url) > NVR_VENDOR_URL_MAX || !g_utf8_validate(url, -1, NULL))
		return "a stream URL is missing, too long or not UTF-8";
	for (const gchar *p = url; *p != '\0'; p++) {
		if ((guchar)*p <= 0x20 || (guchar)*p == 0x7f)
			return "a stream URL contains spaces or control characters";
	}
	uri = g_uri_parse(url, G_URI_FLAGS_ENCODED, NULL);
	if (uri == NULL || g_uri_get_host(uri) == NULL)
		return "a stream URL does not parse";
	scheme = g_uri_get_scheme(uri);
	if (g_strcmp0(scheme, "rtsp") != 0 && g_strcmp0(scheme, "rtsps") != 0 &&
	    g_strcmp0(scheme, "http") != 0 && g_strcmp0(scheme, "https") != 0)
		return "a stream URL is not rtsp, rtsps, http or https";
	if (g_uri_get_userinfo(uri) != NULL)
		return "a stream URL carries credentials";
	return NULL;
}

/**
 * nvr_vendor_plugin_run_stream_urls:
 * @urls: (element-type utf8): checked URLs are appended (transfer full)
 */
gboolean
nvr_vendor_plugin_run_stream_urls(NvrVendorPlugin *self, const NvrVendorEvidence *evidence,
				  const NvrVendorMatch *match, NvrStreamKind kind, guint channel,
				  GPtrArray *urls, GError **error)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&self->lock);
	g_autoptr(GError) error_plugin = NULL;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
	const gchar *problem = NULL;
	gboolean ok;

	if (!nvr_vendor_plugin_usable_unlocked(self) || self->desc->build_stream_urls == NULL)
		return TRUE;
	ok = self->desc->build_stream_urls(self->data, evidence, match, kind, channel, out,
					   &error_plugin);
	if (!nvr_vendor_plugin_check_outcome_unlocked(self, ok, &error_plugin, error,
						      "build_stream_urls"))
		return FALSE;
	if (out->len > NVR_VENDOR_PLUGIN_MAX_URLS)
		problem = "build_stream_urls returned more than 16 URLs";
	for (guint i = 0; problem == NULL && i < out->len; i++)
		problem = nvr_vendor_stream_url_problem(g_ptr_array_index(out, i));
	if (problem != NULL)
		return nvr_vendor_plugin_fail_unlocked(self, error, NULL, problem);
	for (guint i = 0; i < out->len; i++)
		g_ptr_array_add(urls, g_strdup(g_ptr_array_index(out, i)));
	self->failures = 0;
	return TRUE;
}

/* ---- properties ---- */

const gchar *
nvr_vendor_plugin_get_name(NvrVendorPlugin *self)
{
	return self->desc->name;
}

const gchar *
nvr_vendor_plugin_get_version(NvrVendorPlugin *self)
{
	return self->desc->version;
}

const gchar *
nvr_vendor_plugin_get_description(NvrVendorPlugin *self)
{
	return self->desc->description;
}

const gchar *
nvr_vendor_plugin_get_path(NvrVendorPlugin *self)
{
	return self->path;
}

gboolean
nvr_vendor_plugin_is_disabled(NvrVendorPlugin *self)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&self->lock);
	return self->disabled;
}

/* Returns: (nullable): valid while @self lives (set once) */
const gchar *
nvr_vendor_plugin_get_disabled_reason(NvrVendorPlugin *self)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&self->lock);
	return self->disabled_reason;
}

guint
nvr_vendor_plugin_get_failures(NvrVendorPlugin *self)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&self->lock);
	return self->failures;
}

gboolean
nvr_vendor_plugin_has_probe(NvrVendorPlugin *self)
{
	return self->desc->probe != NULL;
}

/* for /api/v1/system and nvr-plugin-check */
JsonNode *
nvr_vendor_plugin_to_json(NvrVendorPlugin *self)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&self->lock);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, self->desc->name);
	json_builder_set_member_name(b, "version");
	json_builder_add_string_value(b, self->desc->version);
	g_autofree gchar *abi = g_strdup_printf("%u.%u", self->desc->abi_major, self->desc->abi_minor);

	json_builder_set_member_name(b, "abi");
	json_builder_add_string_value(b, abi);
	json_builder_set_member_name(b, "enabled");
	json_builder_add_boolean_value(b, self->started && !self->disabled);
	if (self->disabled_reason != NULL) {
		json_builder_set_member_name(b, "disabled_reason");
		json_builder_add_string_value(b, self->disabled_reason);
	}
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
