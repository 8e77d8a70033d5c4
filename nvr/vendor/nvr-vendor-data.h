/*
 * nvr-vendor-data.h: where the vendor layer's data files come from. Each
 * file is built into nvr (a GResource), so identification works with no
 * installed data at all, and is also installed to the data dir, where a
 * package update can replace it without a rebuild. Search order:
 * $NVR_VENDOR_DATA_DIR (tests), NVR_DATADIR, then the built-in copy.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NVR_VENDOR_DATA_MAX_BYTES (8 * 1024 * 1024)
#define NVR_VENDOR_RESOURCE_PREFIX "/org/nvr/vendor"

GBytes *nvr_vendor_data_load(const gchar *name, gchar **source,
			     GError **error) G_GNUC_WARN_UNUSED_RESULT;
GBytes *nvr_vendor_data_load_builtin(const gchar *name, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gchar **nvr_vendor_data_list_builtin(const gchar *dir);
GBytes *nvr_vendor_data_load_file(const gchar *path, gsize max_bytes,
				  GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
