/*
 * nvr-vendor-plugin.h: one loaded vendor plugin, host side. Loading checks
 * the module (STYLE.md appendix: the symbol, the ABI version, the
 * descriptor's size and fields, the name against the file name); every
 * callback runs through a runner (STYLE.md §16) that takes the plugin's
 * lock, skips absent callbacks, supplies a missing error, prefixes the
 * plugin's name, clamps and validates what comes back, and disables the
 * plugin after NVR_VENDOR_PLUGIN_MAX_FAILURES failures in a row.
 *
 * What a runner cannot catch: memory errors inside the plugin. Plugins run
 * in the daemon's process; only root-owned plugin directories are loaded.
 */
#pragma once

#include <glib-object.h>

#include "nvr/nvr-vendor-plugin.h"
#include "vendor/nvr-evidence.h"
#include "vendor/nvr-vendor-host.h"
#include "vendor/nvr-quirks.h"

G_BEGIN_DECLS

#define NVR_VENDOR_PLUGIN_MAX_FAILURES 3
#define NVR_VENDOR_PLUGIN_MAX_URLS 16
#define NVR_VENDOR_PLUGIN_PREFIX "nvr-vendor-"

/* the size of the 1.0 descriptor: anything smaller was not built against any 1.x header */
#define NVR_VENDOR_PLUGIN_DESC_SIZE_1_0 (G_STRUCT_OFFSET(NvrVendorPluginDesc, _reserved))

#define NVR_TYPE_VENDOR_PLUGIN (nvr_vendor_plugin_get_type())
G_DECLARE_FINAL_TYPE(NvrVendorPlugin, nvr_vendor_plugin, NVR, VENDOR_PLUGIN, GObject)

NvrVendorPlugin *nvr_vendor_plugin_new_from_module(const gchar *path,
						   GError **error) G_GNUC_WARN_UNUSED_RESULT;
NvrVendorPlugin *nvr_vendor_plugin_new_from_desc(const NvrVendorPluginDesc *desc,
						 const gchar *expected_name,
						 GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean nvr_vendor_plugin_check_desc(const NvrVendorPluginDesc *desc, const gchar *expected_name,
				      GError **error);
gchar *nvr_vendor_plugin_name_from_path(const gchar *path);
gboolean nvr_vendor_plugin_register_quirk_keys(NvrVendorPlugin *self, NvrQuirks *quirks,
					       GError **error);
gboolean nvr_vendor_plugin_start(NvrVendorPlugin *self, NvrVendorHostShared *shared,
				 GError **error);

const gchar *nvr_vendor_plugin_get_name(NvrVendorPlugin *self);
const gchar *nvr_vendor_plugin_get_version(NvrVendorPlugin *self);
const gchar *nvr_vendor_plugin_get_description(NvrVendorPlugin *self);
const gchar *nvr_vendor_plugin_get_path(NvrVendorPlugin *self);
gboolean nvr_vendor_plugin_is_disabled(NvrVendorPlugin *self);
const gchar *nvr_vendor_plugin_get_disabled_reason(NvrVendorPlugin *self);
guint nvr_vendor_plugin_get_failures(NvrVendorPlugin *self);
gboolean nvr_vendor_plugin_has_probe(NvrVendorPlugin *self);
JsonNode *nvr_vendor_plugin_to_json(NvrVendorPlugin *self);

gboolean nvr_vendor_plugin_run_probe(NvrVendorPlugin *self, NvrVendorCall *call,
				     const NvrVendorEvidence *evidence, GError **error);
gint nvr_vendor_plugin_run_identify(NvrVendorPlugin *self, const NvrVendorEvidence *evidence,
				    NvrVendorMatch *match, GError **error);
gboolean nvr_vendor_plugin_run_stream_urls(NvrVendorPlugin *self,
					   const NvrVendorEvidence *evidence,
					   const NvrVendorMatch *match, NvrStreamKind kind,
					   guint channel, GPtrArray *urls, GError **error);

void nvr_vendor_match_clear(NvrVendorMatch *match);
gboolean nvr_vendor_match_check(const NvrVendorMatch *match, GError **error);

G_END_DECLS
