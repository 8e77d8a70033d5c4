/*
 * nvr-oui.h: who registered a MAC address block. Two sources, unioned:
 * the system's IEEE registry (Debian's ieee-data: /var/lib/ieee-data first,
 * refreshed by update-ieee-data, then /usr/share/ieee-data) and the curated
 * table shipped with nvr (oui-prefixes.tsv), which adds newer assignments
 * and is the only source of the vendor_key: a registrant is never mapped
 * to a vendor by its name ("Shanghai Dahua Scale Factory" is not Dahua).
 * Lookups try the longest block first: 36, 28, then 24 bits.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define NVR_OUI_IEEE_DIR_VAR "/var/lib/ieee-data"
#define NVR_OUI_IEEE_DIR_SHARE "/usr/share/ieee-data"
#define NVR_OUI_FILE_MAX_BYTES (32 * 1024 * 1024)

typedef struct {
	const gchar *prefix;	   /* "4419B6", "3446632", "70B3D5F2F" */
	guint bits;		   /* 24, 28 or 36 */
	const gchar *organization; /* the registrant as recorded */
	const gchar *vendor_key;   /* nullable: from the curated table only */
	const gchar *source;	   /* "ieee-data oui.csv", "curated ieee-registry:2026-02" */
} NvrOuiEntry;

#define NVR_TYPE_OUI_DB (nvr_oui_db_get_type())
G_DECLARE_FINAL_TYPE(NvrOuiDb, nvr_oui_db, NVR, OUI_DB, GObject)

NvrOuiDb *nvr_oui_db_new(void);
gboolean nvr_oui_db_load_ieee_csv(NvrOuiDb *self, const gchar *data, gsize len,
				  const gchar *source, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean nvr_oui_db_load_ieee_dirs(NvrOuiDb *self, const gchar *const *dirs,
				   GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean nvr_oui_db_load_curated(NvrOuiDb *self, const gchar *data, gsize len,
				 const gchar *source, GError **error) G_GNUC_WARN_UNUSED_RESULT;
NvrOuiDb *nvr_oui_db_new_default(GError **error) G_GNUC_WARN_UNUSED_RESULT;
guint nvr_oui_db_get_size(NvrOuiDb *self);
const NvrOuiEntry *nvr_oui_db_lookup(NvrOuiDb *self, const gchar *mac);

gboolean nvr_mac_is_locally_administered(const gchar *mac);
gboolean nvr_mac_is_multicast(const gchar *mac);

G_END_DECLS
