/*
 * nvr-plugin-util.h: small helpers shared by the in-tree plugins. Not part
 * of the ABI: each plugin links its own copy, and uses only GLib and the
 * host services of nvr-vendor-plugin.h. (plugins/example shows a plugin
 * written without them, against the installed header alone.)
 */
#pragma once

#include <nvr/nvr-vendor-plugin.h>

G_BEGIN_DECLS

#define NVR_PLUGIN_ERROR (nvr_plugin_error_quark())
#define NVR_PLUGIN_ERROR_PARSE 1 /* a device's answer did not parse */

GQuark nvr_plugin_error_quark(void);

/* what every in-tree plugin keeps: the host's services, valid until finalize */
typedef struct {
	const NvrVendorHost *host;
} NvrPluginData;

gboolean nvr_plugin_data_init(const NvrVendorHost *host, gpointer *plugin_data, GError **error);
void nvr_plugin_data_finalize(gpointer plugin_data);

/* device strings shown to people: valid UTF-8, no control characters, trimmed, bounded */
gchar *nvr_plugin_text_clean(const gchar *raw, gssize len, gsize max) G_GNUC_WARN_UNUSED_RESULT;
gchar *nvr_plugin_vendor_key(const gchar *name) G_GNUC_WARN_UNUSED_RESULT;
gchar *nvr_plugin_brand_key(const NvrVendorHost *host, const gchar *label) G_GNUC_WARN_UNUSED_RESULT;
gboolean nvr_plugin_json_depth_ok(const gchar *data, gsize len, guint max_depth);

void nvr_plugin_log(const NvrVendorHost *host, GLogLevelFlags level, const gchar *format, ...)
    G_GNUC_PRINTF(3, 4);
gboolean nvr_plugin_http(const NvrVendorHost *host, NvrVendorCall *call, const gchar *method,
			 const gchar *path, const gchar *content_type, const gchar *body,
			 guint32 flags, NvrVendorHttpReply *reply, GError **error);
gboolean nvr_plugin_evidence_add(const NvrVendorHost *host, NvrVendorCall *call, guint32 klass,
				 guint32 strength, guint32 flags, const gchar *key,
				 const gchar *value, const gchar *vendor, const gchar *brand,
				 const gchar *source);
const NvrVendorEvidenceItem *nvr_plugin_evidence_find(const NvrVendorEvidence *ev,
						      const gchar *key);
gboolean nvr_plugin_evidence_points_to(const NvrVendorEvidence *ev, const gchar *vendor,
				       guint32 klass);
gint nvr_plugin_score_passive(const NvrVendorEvidence *ev, const gchar *vendor);
gint nvr_plugin_match_fill(NvrVendorMatch *match, const gchar *vendor, gint score,
			  const NvrVendorEvidenceItem *model, const NvrVendorEvidenceItem *firmware);
gchar *nvr_plugin_rtsp_url(const NvrVendorEvidence *ev, const gchar *path) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
