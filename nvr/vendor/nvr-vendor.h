/*
 * nvr-vendor.h: the vendor subsystem (DESIGN.md §7): the OUI table, the
 * quirk database, the restricted-vendor registry and the plugins, and what
 * they do together: probe a device through its plugins, evaluate its
 * evidence into a verdict, and find its stream URLs.
 */
#pragma once

#include <gio/gio.h>

#include "nvr/nvr-vendor-plugin.h"
#include "vendor/nvr-evidence.h"
#include "vendor/nvr-oui.h"
#include "vendor/nvr-quirks.h"
#include "vendor/nvr-restricted-registry.h"
#include "vendor/nvr-vendor-plugin.h"
#include "vendor/nvr-vendor-transport.h"
#include "vendor/nvr-verdict.h"

G_BEGIN_DECLS

/* a probe of all candidate plugins together never takes longer than this */
#define NVR_VENDOR_PROBE_BUDGET_MS 20000
#define NVR_VENDOR_PLUGIN_DIR_ENV "NVR_PLUGIN_DIR"

typedef struct {
	const gchar *state_dir;		/* nullable: where a registry refresh may put a newer copy */
	const gchar *const *quirk_dirs; /* nullable: the default ones */
	const gchar *plugin_dir;	/* nullable: $NVR_PLUGIN_DIR, NVR_PLUGINDIR, or the build tree */
	const gchar *const *plugin_files; /* nullable: load exactly these modules, no directory */
	gboolean no_plugins;		/* load none (tests, and checks of the data alone) */
	const NvrVendorPluginDesc *const *plugin_descs; /* nullable, NULL-terminated: linked in */
} NvrVendorOptions;

typedef struct {
	gchar *url;
	gchar *source;	  /* "ONVIF GetStreamUri", "plugin hikvision", "quirk VENDOR\hikvision" */
	gboolean guessed; /* a template, not what the device said */
} NvrVendorStreamUrl;

void nvr_vendor_stream_url_free(NvrVendorStreamUrl *self);
JsonNode *nvr_vendor_stream_urls_to_json(GPtrArray *urls);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrVendorStreamUrl, nvr_vendor_stream_url_free)

#define NVR_TYPE_VENDOR (nvr_vendor_get_type())
G_DECLARE_FINAL_TYPE(NvrVendor, nvr_vendor, NVR, VENDOR, GObject)

NvrVendor *nvr_vendor_new(const NvrVendorOptions *options, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean nvr_vendor_reload(NvrVendor *self, GError **error);
void nvr_vendor_watch(NvrVendor *self);

NvrQuirks *nvr_vendor_dup_quirks(NvrVendor *self);
NvrRestrictedRegistry *nvr_vendor_dup_registry(NvrVendor *self);
NvrOuiDb *nvr_vendor_get_oui(NvrVendor *self);
GPtrArray *nvr_vendor_get_plugins(NvrVendor *self);
NvrVendorPlugin *nvr_vendor_get_plugin(NvrVendor *self, const gchar *name);
GPtrArray *nvr_vendor_get_load_errors(NvrVendor *self);
JsonNode *nvr_vendor_status_to_json(NvrVendor *self);

NvrEvidence *nvr_vendor_add_mac(NvrVendor *self, NvrEvidenceSet *set, const gchar *mac,
				const gchar *source);
guint nvr_vendor_probe(NvrVendor *self, NvrEvidenceSet *set, NvrVendorTransport *transport,
		       GCancellable *cancellable);
void nvr_vendor_probe_async(NvrVendor *self, NvrEvidenceSet *set, NvrVendorTransport *transport,
			    GCancellable *cancellable, GAsyncReadyCallback callback,
			    gpointer user_data);
guint nvr_vendor_probe_finish(NvrVendor *self, GAsyncResult *result, GError **error);
NvrVerdict *nvr_vendor_evaluate(NvrVendor *self, NvrEvidenceSet *set);
GPtrArray *nvr_vendor_stream_urls(NvrVendor *self, NvrEvidenceSet *set, const NvrVerdict *verdict,
				  NvrStreamKind kind, guint channel);

G_END_DECLS
