/*
 * notes on the vendor subsystem
 *
 *   facts (collectors, recorded devices) --> NvrEvidenceSet
 *        --probe: plugins ask the device's own API through the host--> more facts
 *        --interpret: match IDs -> quirks -> attributed items--> identify: plugins score
 *        --combine: identification-signals.md §1--> NvrVerdict (+ registry: listings, advice)
 *
 * Loading: plugins first (their quirk keys must be known before any quirk
 * file is parsed), then the quirk files (built-in set, /usr/share/nvr/
 * quirks.d, /etc/nvr/quirks.d), then the registry (highest version of the
 * built-in copy, the data dir's, /etc/nvr's and the state dir's). A reload
 * (SIGHUP in nvrd, or a watched file changing) builds new quirks and a new
 * registry, swaps them in and emits "changed": stored verdicts are then
 * evaluated again (NvrVerdictStore).
 *
 * invariants
 *   (1) an evidence set only grows; verdicts are computed from copies, so
 *       the same set evaluates again under new data
 *   (2) plugins never open sockets: every device request goes through a
 *       transport chosen by the host, with a deadline and a size cap
 *   (3) a plugin that fails or breaks its contract three times in a row is
 *       disabled with a warning naming it and the reason; nvr keeps going
 *   (4) quirks and registry are replaced whole, under lock; a probe on a
 *       worker thread keeps the references it started with
 *   (5) probing is polite: the plugins the passive evidence points to
 *       first, the others only while nothing proves the firmware family;
 *       each plugin once, at most 8 requests each, one time budget per device
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "core/nvr-error.h"
#include "vendor/nvr-vendor-host.h"
#include "vendor/nvr-url-template.h"
#include "vendor/nvr-vendor-interpret.h"
#include "vendor/nvr-vendor.h"

#define NVR_VENDOR_MAX_PROBES 8
#define NVR_VENDOR_WATCH_DELAY_MS 500
#define NVR_VENDOR_CLAIM_SCORE 20

struct _NvrVendor {
	GObject parent_instance;
	/* immutable after construction */
	gchar *state_dir;
	gchar **quirk_dirs; /* nullable: defaults */
	NvrOuiDb *oui;
	GPtrArray *plugins; /* (element-type NvrVendorPlugin): enabled or disabled, never removed */
	NvrVendorHostShared *host_shared;
	/* protected by lock */
	GMutex lock;
	NvrQuirks *quirks;
	NvrRestrictedRegistry *registry;
	GPtrArray *load_errors; /* (element-type utf8) */
	/* main context only */
	GPtrArray *monitors;
	guint reload_id;
};

G_DEFINE_TYPE(NvrVendor, nvr_vendor, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, SIGNAL_LAST };
static guint nvr_vendor_signals[SIGNAL_LAST];

void
nvr_vendor_stream_url_free(NvrVendorStreamUrl *self)
{
	if (self == NULL)
		return;
	g_free(self->url);
	g_free(self->source);
	g_free(self);
}

/* @urls: (element-type NvrVendorStreamUrl); Returns: (transfer full): [{url, source, guessed}] */
JsonNode *
nvr_vendor_stream_urls_to_json(GPtrArray *urls)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_array(b);
	for (guint i = 0; i < urls->len; i++) {
		const NvrVendorStreamUrl *u = g_ptr_array_index(urls, i);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "url");
		json_builder_add_string_value(b, u->url);
		json_builder_set_member_name(b, "source");
		json_builder_add_string_value(b, u->source);
		json_builder_set_member_name(b, "guessed");
		json_builder_add_boolean_value(b, u->guessed);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	return json_builder_get_root(b);
}

static void
nvr_vendor_finalize(GObject *obj)
{
	NvrVendor *self = NVR_VENDOR(obj);

	g_clear_handle_id(&self->reload_id, g_source_remove);
	g_ptr_array_unref(self->monitors);
	g_ptr_array_unref(self->plugins);
	nvr_vendor_host_shared_free(self->host_shared);
	g_clear_object(&self->oui);
	g_clear_object(&self->quirks);
	g_clear_object(&self->registry);
	g_ptr_array_unref(self->load_errors);
	g_free(self->state_dir);
	g_strfreev(self->quirk_dirs);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(nvr_vendor_parent_class)->finalize(obj);
}

static void
nvr_vendor_class_init(NvrVendorClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_vendor_finalize;
	/**
	 * NvrVendor::changed:
	 *
	 * Quirks or the registry were reloaded: evaluate stored verdicts again.
	 */
	nvr_vendor_signals[SIGNAL_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass),
							  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
							  G_TYPE_NONE, 0);
}

static void
nvr_vendor_init(NvrVendor *self)
{
	g_mutex_init(&self->lock);
	self->plugins = g_ptr_array_new_with_free_func(g_object_unref);
	self->monitors = g_ptr_array_new_with_free_func(g_object_unref);
	self->load_errors = g_ptr_array_new_with_free_func(g_free);
}

/* ---- plugins ---- */

static void
nvr_vendor_load_error(NvrVendor *self, const gchar *message)
{
	g_warning("vendor plugin refused: %s", message);
	g_ptr_array_add(self->load_errors, g_strdup(message));
}

static gint
nvr_vendor_strptr_cmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* plugin code runs as the daemon: only files nobody else can have changed */
static gboolean
nvr_vendor_plugin_file_trusted(const gchar *path, GError **error)
{
	GStatBuf st;

	if (g_stat(path, &st) != 0)
		return nvr_error_from_errno(error, errno, "%s", path);
	if ((st.st_uid != 0 && st.st_uid != getuid()) || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PERMISSION,
			    "%s: writable by others or owned by another user", path);
		return FALSE;
	}
	return TRUE;
}

static void
nvr_vendor_add_plugin(NvrVendor *self, NvrVendorPlugin *plugin)
{
	if (nvr_vendor_get_plugin(self, nvr_vendor_plugin_get_name(plugin)) != NULL) {
		g_autofree gchar *msg = g_strdup_printf("%s: a plugin of that name is already loaded",
							nvr_vendor_plugin_get_name(plugin));
		nvr_vendor_load_error(self, msg);
		return;
	}
	g_ptr_array_add(self->plugins, g_object_ref(plugin));
}

static void
nvr_vendor_load_plugin_file(NvrVendor *self, const gchar *path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrVendorPlugin) plugin = NULL;

	if (!nvr_vendor_plugin_file_trusted(path, &error)) {
		nvr_vendor_load_error(self, error->message);
		return;
	}
	plugin = nvr_vendor_plugin_new_from_module(path, &error);
	if (plugin == NULL) {
		nvr_vendor_load_error(self, error->message);
		return;
	}
	nvr_vendor_add_plugin(self, plugin);
}

/* @dir and its subdirectories (the build tree keeps each plugin in plugins/<name>/) */
static void
nvr_vendor_scan_plugin_dir(NvrVendor *self, const gchar *dir, guint depth)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, nvr_vendor_strptr_cmp);
	for (guint i = 0; i < names->len; i++) {
		const gchar *n = g_ptr_array_index(names, i);
		g_autofree gchar *path = g_build_filename(dir, n, NULL);
		if (g_str_has_prefix(n, NVR_VENDOR_PLUGIN_PREFIX) &&
		    g_str_has_suffix(n, "." G_MODULE_SUFFIX))
			nvr_vendor_load_plugin_file(self, path);
		else if (depth > 0 && g_file_test(path, G_FILE_TEST_IS_DIR) &&
			 !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
			nvr_vendor_scan_plugin_dir(self, path, depth - 1);
	}
}

/* $NVR_PLUGIN_DIR, the installed dir, or, for a program run from its build tree, the built plugins */
static gchar *
nvr_vendor_default_plugin_dir(void)
{
	g_autofree gchar *exe = g_file_read_link("/proc/self/exe", NULL);
	const gchar *env = g_getenv(NVR_VENDOR_PLUGIN_DIR_ENV);

	if (env != NULL)
		return g_strdup(env);
	if (g_file_test(NVR_PLUGINDIR, G_FILE_TEST_IS_DIR))
		return g_strdup(NVR_PLUGINDIR);
	if (exe != NULL && g_str_has_prefix(exe, NVR_VENDOR_BUILD_ROOT "/"))
		return g_build_filename(NVR_VENDOR_BUILD_ROOT, "plugins", NULL);
	return g_strdup(NVR_PLUGINDIR);
}

static void
nvr_vendor_load_plugins(NvrVendor *self, const NvrVendorOptions *options)
{
	g_autofree gchar *dir = NULL;

	for (guint i = 0; options->plugin_descs != NULL && options->plugin_descs[i] != NULL; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrVendorPlugin) plugin =
			nvr_vendor_plugin_new_from_desc(options->plugin_descs[i], NULL, &error);
		if (plugin == NULL)
			nvr_vendor_load_error(self, error->message);
		else
			nvr_vendor_add_plugin(self, plugin);
	}
	if (options->no_plugins)
		return;
	if (options->plugin_files != NULL) {
		for (guint i = 0; options->plugin_files[i] != NULL; i++)
			nvr_vendor_load_plugin_file(self, options->plugin_files[i]);
		return;
	}
	dir = options->plugin_dir != NULL ? g_strdup(options->plugin_dir)
					  : nvr_vendor_default_plugin_dir();
	nvr_vendor_scan_plugin_dir(self, dir, 1);
	g_debug("%u vendor plugins from %s", self->plugins->len, dir);
}

static void
nvr_vendor_start_plugins(NvrVendor *self)
{
	for (guint i = 0; i < self->plugins->len; i++) {
		g_autoptr(GError) error = NULL;
		if (!nvr_vendor_plugin_start(g_ptr_array_index(self->plugins, i), self->host_shared, &error))
			g_ptr_array_add(self->load_errors, g_strdup(error->message));
	}
}

/* ---- data ---- */

static NvrQuirks *
nvr_vendor_load_quirks(NvrVendor *self, GPtrArray *errors)
{
	NvrQuirks *quirks = nvr_quirks_new();

	for (guint i = 0; i < self->plugins->len; i++) {
		g_autoptr(GError) error = NULL;
		if (!nvr_vendor_plugin_register_quirk_keys(g_ptr_array_index(self->plugins, i), quirks,
							   &error))
			g_ptr_array_add(errors, g_strdup(error->message));
	}
	nvr_quirks_load_default(quirks, (const gchar *const *)self->quirk_dirs, errors);
	return quirks;
}

/**
 * nvr_vendor_reload:
 *
 * Reads the quirk files and the registry again and swaps them in. A broken
 * quirk file or registry candidate is reported and skipped; only a
 * registry that cannot be loaded at all (not even the built-in copy) fails.
 */
gboolean
nvr_vendor_reload(NvrVendor *self, GError **error)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(NvrQuirks) quirks = nvr_vendor_load_quirks(self, errors);
	g_autoptr(NvrRestrictedRegistry) registry =
		nvr_restricted_registry_load_default(self->state_dir, errors, error);
	g_autofree gchar *old_version = NULL;

	if (registry == NULL)
		return FALSE;
	g_mutex_lock(&self->lock);
	if (self->registry != NULL)
		old_version = g_strdup(nvr_restricted_registry_get_version(self->registry));
	g_set_object(&self->quirks, quirks);
	g_set_object(&self->registry, registry);
	for (guint i = 0; i < errors->len; i++)
		g_ptr_array_add(self->load_errors, g_strdup(g_ptr_array_index(errors, i)));
	g_mutex_unlock(&self->lock);
	nvr_vendor_host_shared_set_quirks(self->host_shared, quirks);
	if (old_version != NULL &&
	    g_strcmp0(old_version, nvr_restricted_registry_get_version(registry)) != 0)
		g_message("restricted-vendor registry %s -> %s (%s)", old_version,
			  nvr_restricted_registry_get_version(registry),
			  nvr_restricted_registry_get_source(registry));
	if (old_version != NULL)
		g_signal_emit(self, nvr_vendor_signals[SIGNAL_CHANGED], 0);
	return TRUE;
}

/**
 * nvr_vendor_new:
 * @options: (nullable)
 *
 * Errors: only what stops identification altogether (no registry at all);
 * a broken plugin, quirk file or registry candidate is reported in
 * nvr_vendor_get_load_errors() and the log.
 */
NvrVendor *
nvr_vendor_new(const NvrVendorOptions *options, GError **error)
{
	NvrVendorOptions defaults = {0};
	g_autoptr(NvrVendor) self = g_object_new(NVR_TYPE_VENDOR, NULL);

	if (options == NULL)
		options = &defaults;
	self->state_dir = g_strdup(options->state_dir);
	self->quirk_dirs = g_strdupv((gchar **)options->quirk_dirs);
	self->oui = nvr_oui_db_new_default(error);
	if (self->oui == NULL)
		return NULL;
	self->host_shared = nvr_vendor_host_shared_new(NULL);
	nvr_vendor_load_plugins(self, options);
	if (!nvr_vendor_reload(self, error))
		return NULL;
	nvr_vendor_start_plugins(self);
	return g_steal_pointer(&self);
}

static gboolean
nvr_vendor_reload_cb(gpointer user_data)
{
	NvrVendor *self = NVR_VENDOR(user_data);
	g_autoptr(GError) error = NULL;

	self->reload_id = 0;
	if (!nvr_vendor_reload(self, &error))
		g_warning("vendor data not reloaded: %s", error->message);
	return G_SOURCE_REMOVE;
}

static void
nvr_vendor_monitor_cb(GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event,
		      gpointer user_data)
{
	NvrVendor *self = NVR_VENDOR(user_data);

	if (event != G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT && event != G_FILE_MONITOR_EVENT_DELETED &&
	    event != G_FILE_MONITOR_EVENT_CREATED && event != G_FILE_MONITOR_EVENT_MOVED_IN &&
	    event != G_FILE_MONITOR_EVENT_RENAMED)
		return;
	/* an editor writes in steps: reload once things settle */
	g_clear_handle_id(&self->reload_id, g_source_remove);
	self->reload_id = g_timeout_add(NVR_VENDOR_WATCH_DELAY_MS, nvr_vendor_reload_cb, self);
}

static void
nvr_vendor_watch_path(NvrVendor *self, const gchar *path, gboolean dir)
{
	g_autoptr(GFile) file = g_file_new_for_path(path);
	GFileMonitor *monitor = dir ? g_file_monitor_directory(file, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL)
				    : g_file_monitor_file(file, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);

	if (monitor == NULL)
		return;
	g_signal_connect_object(monitor, "changed", G_CALLBACK(nvr_vendor_monitor_cb), self, 0);
	g_ptr_array_add(self->monitors, monitor);
}

/**
 * nvr_vendor_watch:
 *
 * Reloads (on the thread-default main context) when a registry candidate
 * or a quirk directory changes. nvrd also calls nvr_vendor_reload() on SIGHUP.
 */
void
nvr_vendor_watch(NvrVendor *self)
{
	g_auto(GStrv) paths = nvr_restricted_registry_get_candidate_paths(self->state_dir);
	const gchar *const *dirs = self->quirk_dirs != NULL ? (const gchar *const *)self->quirk_dirs
							    : nvr_quirks_get_default_dirs();

	g_return_if_fail(self->monitors->len == 0);
	for (guint i = 0; paths[i] != NULL; i++)
		nvr_vendor_watch_path(self, paths[i], FALSE);
	for (guint i = 0; dirs[i] != NULL; i++)
		nvr_vendor_watch_path(self, dirs[i], TRUE);
}

/* Returns: (transfer full) */
NvrQuirks *
nvr_vendor_dup_quirks(NvrVendor *self)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&self->lock);
	return g_object_ref(self->quirks);
}

/* Returns: (transfer full) */
NvrRestrictedRegistry *
nvr_vendor_dup_registry(NvrVendor *self)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&self->lock);
	return g_object_ref(self->registry);
}

NvrOuiDb *
nvr_vendor_get_oui(NvrVendor *self)
{
	return self->oui;
}

/* Returns: (transfer none) (element-type NvrVendorPlugin) */
GPtrArray *
nvr_vendor_get_plugins(NvrVendor *self)
{
	return self->plugins;
}

NvrVendorPlugin *
nvr_vendor_get_plugin(NvrVendor *self, const gchar *name)
{
	for (guint i = 0; name != NULL && i < self->plugins->len; i++) {
		NvrVendorPlugin *p = g_ptr_array_index(self->plugins, i);
		if (g_strcmp0(nvr_vendor_plugin_get_name(p), name) == 0)
			return p;
	}
	return NULL;
}

/* Returns: (transfer none) (element-type utf8): refused plugins, quirk files, registry copies */
GPtrArray *
nvr_vendor_get_load_errors(NvrVendor *self)
{
	return self->load_errors;
}

/* for the system status page: plugins, registry, load errors */
JsonNode *
nvr_vendor_status_to_json(NvrVendor *self)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(NvrRestrictedRegistry) reg = nvr_vendor_dup_registry(self);
	g_autoptr(NvrQuirks) quirks = nvr_vendor_dup_quirks(self);
	g_autoptr(GMutexLocker) locker = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "plugins");
	json_builder_begin_array(b);
	for (guint i = 0; i < self->plugins->len; i++)
		json_builder_add_value(b, nvr_vendor_plugin_to_json(g_ptr_array_index(self->plugins, i)));
	json_builder_end_array(b);
	json_builder_set_member_name(b, "registry");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "version");
	json_builder_add_string_value(b, nvr_restricted_registry_get_version(reg));
	json_builder_set_member_name(b, "updated");
	json_builder_add_string_value(b, nvr_restricted_registry_get_updated(reg));
	json_builder_set_member_name(b, "source");
	json_builder_add_string_value(b, nvr_restricted_registry_get_source(reg));
	json_builder_end_object(b);
	json_builder_set_member_name(b, "quirk_files");
	json_builder_add_int_value(b, nvr_quirks_get_n_files(quirks));
	json_builder_set_member_name(b, "oui_blocks");
	json_builder_add_int_value(b, nvr_oui_db_get_size(self->oui));
	json_builder_set_member_name(b, "load_errors");
	json_builder_begin_array(b);
	locker = g_mutex_locker_new(&self->lock);
	for (guint i = 0; i < self->load_errors->len; i++)
		json_builder_add_string_value(b, g_ptr_array_index(self->load_errors, i));
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

/* ---- evidence ---- */

/**
 * nvr_vendor_add_mac:
 * @source: how the MAC was learnt ("neighbour table", "ONVIF GetNetworkInterfaces at …")
 *
 * Adds the MAC (a fact) and, for a registered block, the OUI (medium):
 * "network interface registered to X". Locally administered addresses are
 * randomised or assigned, never registered: no OUI item for those.
 *
 * Returns: (transfer none) (nullable): the OUI item
 */
NvrEvidence *
nvr_vendor_add_mac(NvrVendor *self, NvrEvidenceSet *set, const gchar *mac, const gchar *source)
{
	g_autofree gchar *existing = nvr_evidence_set_dup_value(set, "mac.address");
	g_autofree gchar *oui = nvr_evidence_set_dup_value(set, "mac.oui");
	const NvrOuiEntry *entry;
	NvrEvidence *item;

	if (existing == NULL) {
		item = nvr_evidence_set_add_fact(set, NVR_EVIDENCE_CLASS_OUI, "mac.address", mac, source);
		if (item == NULL)
			return NULL;
		item->strength = NVR_EVIDENCE_STRENGTH_NONE;
		if (nvr_mac_is_locally_administered(mac))
			item->note = g_strdup("locally administered (randomised or assigned): no registered maker");
	}
	if (oui != NULL)
		return NULL; /* one OUI item per device: the class counts once anyway */
	entry = nvr_oui_db_lookup(self->oui, mac);
	if (entry == NULL)
		return NULL;
	item = nvr_evidence_set_add_fact(set, NVR_EVIDENCE_CLASS_OUI, "mac.oui", entry->prefix, source);
	if (item == NULL)
		return NULL;
	item->vendor = g_strdup(entry->vendor_key);
	item->note = g_strdup_printf("network interface registered to %s (%s, /%u)",
				     entry->organization, entry->source, entry->bits);
	return item;
}

/* ---- what the evidence says ---- */

typedef struct {
	GPtrArray *items;     /* (element-type NvrEvidence): interpreted copies */
	GPtrArray *match_ids; /* (element-type utf8) */
	NvrVendorEvidenceView *view;
} NvrVendorPicture;

static void
nvr_vendor_picture_clear(NvrVendorPicture *pic)
{
	g_clear_pointer(&pic->items, g_ptr_array_unref);
	g_clear_pointer(&pic->match_ids, g_ptr_array_unref);
	g_clear_pointer(&pic->view, nvr_vendor_evidence_view_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvrVendorPicture, nvr_vendor_picture_clear)

static void
nvr_vendor_picture_take(NvrVendorPicture *pic, NvrEvidenceSet *set, NvrQuirks *quirks,
			NvrRestrictedRegistry *registry)
{
	nvr_vendor_picture_clear(pic);
	pic->items = nvr_evidence_set_dup_items(set);
	pic->match_ids = nvr_vendor_interpret(pic->items, quirks, registry,
					      nvr_evidence_set_is_camera(set));
	pic->view = nvr_vendor_evidence_view_new(set, pic->items, pic->match_ids);
}

/* the plugins the passive evidence names: Plugin = of each VENDOR group it points to */
static void
nvr_vendor_named_plugins(NvrVendor *self, NvrQuirks *quirks, GPtrArray *match_ids, GPtrArray *out)
{
	for (guint i = 0; i < match_ids->len; i++) {
		const gchar *id = g_ptr_array_index(match_ids, i);
		NvrVendorPlugin *p;
		if (!g_str_has_prefix(id, "VENDOR\\"))
			continue;
		p = nvr_vendor_get_plugin(self, nvr_quirks_lookup(quirks, id, NVR_QUIRK_PLUGIN));
		if (p != NULL && !g_ptr_array_find(out, p, NULL))
			g_ptr_array_add(out, p);
	}
}

/* pre-fill a match from the quirk data of the vendor that names @plugin */
static void
nvr_vendor_match_prefill(NvrVendorMatch *match, NvrVendorPlugin *plugin, NvrQuirks *quirks,
			 NvrVendorPicture *pic)
{
	const NvrVendorEvidence *ev = nvr_vendor_evidence_view_get(pic->view);

	memset(match, 0, sizeof(*match));
	match->struct_size = sizeof(NvrVendorMatch);
	match->model = g_strdup(ev->onvif_model);
	match->firmware = g_strdup(ev->onvif_firmware);
	for (guint i = 0; i < pic->match_ids->len; i++) {
		const gchar *id = g_ptr_array_index(pic->match_ids, i);
		if (!g_str_has_prefix(id, "VENDOR\\") ||
		    g_strcmp0(nvr_quirks_lookup(quirks, id, NVR_QUIRK_PLUGIN),
			      nvr_vendor_plugin_get_name(plugin)) != 0)
			continue;
		match->vendor_id = g_ascii_strdown(id + strlen("VENDOR\\"), -1);
		match->flags = nvr_quirks_lookup_flags(quirks, id);
		return;
	}
}

typedef struct {
	NvrVendorPlugin *plugin;
	gint score;
	NvrVendorMatch match;
} NvrVendorIdentified;

/* every enabled plugin's identify(); Returns: the best, score 0 if none claims the device */
static NvrVendorIdentified
nvr_vendor_identify_all(NvrVendor *self, NvrQuirks *quirks, NvrVendorPicture *pic,
			GPtrArray *scored)
{
	NvrVendorIdentified best = {NULL, 0, {sizeof(NvrVendorMatch)}};

	for (guint i = 0; i < self->plugins->len; i++) {
		NvrVendorPlugin *p = g_ptr_array_index(self->plugins, i);
		g_autoptr(GError) error = NULL;
		NvrVendorMatch match;
		gint score;
		nvr_vendor_match_prefill(&match, p, quirks, pic);
		score = nvr_vendor_plugin_run_identify(p, nvr_vendor_evidence_view_get(pic->view), &match,
						       &error);
		/* a low claim (generic-onvif's) does not stop the others from being asked */
		if (score >= NVR_VENDOR_CLAIM_SCORE && scored != NULL)
			g_ptr_array_add(scored, p);
		if (score > best.score) {
			nvr_vendor_match_clear(&best.match);
			best.plugin = p;
			best.score = score;
			best.match = match;
		} else {
			nvr_vendor_match_clear(&match);
		}
	}
	return best;
}

static gboolean
nvr_vendor_has_firmware_evidence(NvrEvidenceSet *set)
{
	g_autoptr(GPtrArray) items = nvr_evidence_set_dup_items(set);

	for (guint i = 0; i < items->len; i++) {
		if (nvr_evidence_is_firmware_level(g_ptr_array_index(items, i)))
			return TRUE;
	}
	return FALSE;
}

/*
 * invariant (5): the plugins the evidence points to first; every other one
 * after them, only if those did not prove the firmware family (generic
 * firmware imitates Hikvision's markers; an OEM label hides Dahua's)
 */
static GPtrArray *
nvr_vendor_probe_candidates(NvrVendor *self, NvrQuirks *quirks, NvrVendorPicture *pic)
{
	GPtrArray *out = g_ptr_array_new();
	NvrVendorIdentified best;

	best = nvr_vendor_identify_all(self, quirks, pic, out);
	nvr_vendor_match_clear(&best.match);
	nvr_vendor_named_plugins(self, quirks, pic->match_ids, out);
	for (guint i = 0; i < self->plugins->len; i++) {
		NvrVendorPlugin *p = g_ptr_array_index(self->plugins, i);
		if (!g_ptr_array_find(out, p, NULL))
			g_ptr_array_add(out, p);
	}
	return out;
}

/**
 * nvr_vendor_probe:
 * @transport: (nullable): the device; without one, plugins only analyse what is known
 *
 * Runs the probe of each candidate plugin in turn (blocking: call it on a
 * worker thread, or use nvr_vendor_probe_async()) until one proves the
 * firmware family, within one time budget. A failing plugin is logged and
 * counted, never fatal.
 *
 * Returns: the number of evidence items added
 */
guint
nvr_vendor_probe(NvrVendor *self, NvrEvidenceSet *set, NvrVendorTransport *transport,
		 GCancellable *cancellable)
{
	g_autoptr(NvrQuirks) quirks = nvr_vendor_dup_quirks(self);
	g_autoptr(NvrRestrictedRegistry) registry = nvr_vendor_dup_registry(self);
	g_autoptr(GPtrArray) candidates = NULL;
	g_auto(NvrVendorPicture) pic = {NULL};
	guint before = nvr_evidence_set_get_size(set);
	gint64 deadline = g_get_monotonic_time() + NVR_VENDOR_PROBE_BUDGET_MS * 1000;

	nvr_vendor_picture_take(&pic, set, quirks, registry);
	candidates = nvr_vendor_probe_candidates(self, quirks, &pic);
	for (guint i = 0, n = 0; i < candidates->len && n < NVR_VENDOR_MAX_PROBES; i++) {
		NvrVendorPlugin *p = g_ptr_array_index(candidates, i);
		g_autoptr(NvrVendorCall) call = NULL;
		g_autoptr(GError) error = NULL;
		if (!nvr_vendor_plugin_has_probe(p) || nvr_vendor_plugin_is_disabled(p))
			continue;
		if (g_cancellable_is_cancelled(cancellable) || g_get_monotonic_time() >= deadline)
			break;
		n++;
		call = nvr_vendor_call_new(nvr_vendor_plugin_get_name(p), set, transport, cancellable);
		nvr_vendor_call_set_deadline(call, deadline);
		if (!nvr_vendor_plugin_run_probe(p, call, nvr_vendor_evidence_view_get(pic.view), &error))
			g_debug("%s", error->message);
		if (nvr_vendor_has_firmware_evidence(set))
			break;
		nvr_vendor_picture_take(&pic, set, quirks, registry);
	}
	return nvr_evidence_set_get_size(set) - before;
}

typedef struct {
	NvrEvidenceSet *set;
	NvrVendorTransport *transport;
} NvrVendorProbeData;

static void
nvr_vendor_probe_data_free(NvrVendorProbeData *data)
{
	g_object_unref(data->set);
	g_clear_object(&data->transport);
	g_free(data);
}

static void
nvr_vendor_probe_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	NvrVendorProbeData *data = task_data;
	guint n = nvr_vendor_probe(NVR_VENDOR(source), data->set, data->transport, cancellable);

	g_task_return_int(task, n);
}

/* nvr_vendor_probe() on a worker thread; finishes on the caller's thread-default context */
void
nvr_vendor_probe_async(NvrVendor *self, NvrEvidenceSet *set, NvrVendorTransport *transport,
		       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);
	NvrVendorProbeData *data = g_new0(NvrVendorProbeData, 1);

	data->set = g_object_ref(set);
	data->transport = transport != NULL ? g_object_ref(transport) : NULL;
	g_task_set_task_data(task, data, (GDestroyNotify)nvr_vendor_probe_data_free);
	g_task_set_return_on_cancel(task, FALSE);
	g_task_run_in_thread(task, nvr_vendor_probe_thread);
}

guint
nvr_vendor_probe_finish(NvrVendor *self, GAsyncResult *result, GError **error)
{
	gssize n = g_task_propagate_int(G_TASK(result), error);

	return n < 0 ? 0 : (guint)n;
}

/**
 * nvr_vendor_evaluate:
 *
 * Interprets a copy of @set with the current quirks and registry, lets
 * every plugin score it, and combines the signals (nvr-verdict.h).
 *
 * Returns: (transfer full)
 */
NvrVerdict *
nvr_vendor_evaluate(NvrVendor *self, NvrEvidenceSet *set)
{
	g_autoptr(NvrQuirks) quirks = nvr_vendor_dup_quirks(self);
	g_autoptr(NvrRestrictedRegistry) registry = nvr_vendor_dup_registry(self);
	g_auto(NvrVendorPicture) pic = {NULL};
	NvrVendorIdentified best;
	NvrVerdictInput in = {0};
	NvrVerdict *verdict;

	nvr_vendor_picture_take(&pic, set, quirks, registry);
	best = nvr_vendor_identify_all(self, quirks, &pic, NULL);
	in.host = nvr_evidence_set_get_host(set);
	in.items = pic.items;
	in.quirks = quirks;
	in.registry = registry;
	if (best.plugin != NULL) {
		in.plugin = nvr_vendor_plugin_get_name(best.plugin);
		in.plugin_score = best.score;
		in.plugin_vendor = best.match.vendor_id;
		in.plugin_model = best.match.model;
		in.plugin_firmware = best.match.firmware;
	}
	verdict = nvr_verdict_evaluate(&in);
	nvr_vendor_match_clear(&best.match);
	return verdict;
}

/* ---- stream URLs ---- */

static void
nvr_vendor_urls_add(GPtrArray *out, const gchar *url, const gchar *source, gboolean guessed)
{
	NvrVendorStreamUrl *u;

	for (guint i = 0; i < out->len; i++) {
		if (g_strcmp0(((NvrVendorStreamUrl *)g_ptr_array_index(out, i))->url, url) == 0)
			return;
	}
	u = g_new0(NvrVendorStreamUrl, 1);
	u->url = g_strdup(url);
	u->source = g_strdup(source);
	u->guessed = guessed;
	g_ptr_array_add(out, u);
}

/* what the device itself said (ONVIF GetStreamUri), channel 1 only */
static void
nvr_vendor_urls_onvif(GPtrArray *out, GPtrArray *items, NvrStreamKind kind, guint channel)
{
	const gchar *key = kind == NVR_STREAM_MAIN  ? "onvif.stream-uri.main"
			   : kind == NVR_STREAM_SUB ? "onvif.stream-uri.sub"
						    : "onvif.snapshot-uri";

	for (guint i = 0; channel <= 1 && i < items->len; i++) {
		const NvrEvidence *e = g_ptr_array_index(items, i);
		if (g_strcmp0(e->key, key) == 0)
			nvr_vendor_urls_add(out, e->value, e->source, FALSE);
	}
}

static void
nvr_vendor_urls_plugin(NvrVendor *self, GPtrArray *out, NvrVendorPicture *pic, NvrQuirks *quirks,
		       const gchar *name, NvrStreamKind kind, guint channel)
{
	NvrVendorPlugin *p = nvr_vendor_get_plugin(self, name);
	g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *source = NULL;
	NvrVendorMatch match;

	if (p == NULL)
		return;
	nvr_vendor_match_prefill(&match, p, quirks, pic);
	/* the plugin's own refinement (firmware, model) is what it builds URLs from */
	if (nvr_vendor_plugin_run_identify(p, nvr_vendor_evidence_view_get(pic->view), &match, &error) < 0) {
		g_debug("%s", error->message);
		g_clear_error(&error);
	}
	if (!nvr_vendor_plugin_run_stream_urls(p, nvr_vendor_evidence_view_get(pic->view), &match, kind,
					       channel, urls, &error))
		g_debug("%s", error->message);
	nvr_vendor_match_clear(&match);
	source = g_strdup_printf("plugin %s", name);
	for (guint i = 0; i < urls->len; i++)
		nvr_vendor_urls_add(out, g_ptr_array_index(urls, i), source, TRUE);
}

static void
nvr_vendor_urls_quirks(GPtrArray *out, NvrQuirks *quirks, NvrEvidenceSet *set, const gchar *key,
		       NvrStreamKind kind, guint channel)
{
	g_autofree gchar *group = g_strconcat("VENDOR\\", key, NULL);
	g_autofree gchar *source = g_strdup_printf("quirk template [%s]", group);
	NvrUrlTemplateVars vars = {nvr_evidence_set_get_host(set), nvr_evidence_set_get_rtsp_port(set),
				   nvr_evidence_set_get_http_port(set), channel};
	const gchar *keys[2] = {NULL, NULL};

	if (kind == NVR_STREAM_MAIN) {
		keys[0] = NVR_QUIRK_STREAM_MAIN;
		keys[1] = NVR_QUIRK_STREAM_MAIN_ALT;
	} else if (kind == NVR_STREAM_SUB) {
		keys[0] = NVR_QUIRK_STREAM_SUB;
		keys[1] = NVR_QUIRK_STREAM_SUB_ALT;
	} else {
		keys[0] = NVR_QUIRK_STREAM_SNAPSHOT;
	}
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		const gchar *tmpl = keys[i] != NULL ? nvr_quirks_lookup(quirks, group, keys[i]) : NULL;
		g_autofree gchar *url = tmpl != NULL ? nvr_url_template_expand(tmpl, &vars, NULL) : NULL;
		if (url != NULL)
			nvr_vendor_urls_add(out, url, source, TRUE);
	}
}

/**
 * nvr_vendor_stream_urls:
 * @verdict: (nullable): from nvr_vendor_evaluate(); evaluated here if NULL
 * @channel: 1-based
 *
 * ONVIF first (what the device said), then the identifying plugin's URLs,
 * then the quirk templates of the brand and of the maker. Guessed URLs
 * are marked: the caller should check one works before relying on it.
 *
 * Returns: (transfer container) (element-type NvrVendorStreamUrl): best first
 */
GPtrArray *
nvr_vendor_stream_urls(NvrVendor *self, NvrEvidenceSet *set, const NvrVerdict *verdict,
		       NvrStreamKind kind, guint channel)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_vendor_stream_url_free);
	g_autoptr(NvrQuirks) quirks = nvr_vendor_dup_quirks(self);
	g_autoptr(NvrRestrictedRegistry) registry = nvr_vendor_dup_registry(self);
	g_autoptr(NvrVerdict) own = NULL;
	g_auto(NvrVendorPicture) pic = {NULL};
	const gchar *keys[2];

	if (verdict == NULL)
		verdict = own = nvr_vendor_evaluate(self, set);
	nvr_vendor_picture_take(&pic, set, quirks, registry);
	nvr_vendor_urls_onvif(out, pic.items, kind, channel);
	if (verdict->plugin != NULL)
		nvr_vendor_urls_plugin(self, out, &pic, quirks, verdict->plugin, kind, channel);
	keys[0] = verdict->brand;
	keys[1] = verdict->vendor;
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		if (keys[i] != NULL && (i == 0 || g_strcmp0(keys[0], keys[1]) != 0))
			nvr_vendor_urls_quirks(out, quirks, set, keys[i], kind, channel);
	}
	return out;
}
