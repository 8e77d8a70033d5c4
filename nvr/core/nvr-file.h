/*
 * nvr-file.h: durable file helpers shared by the keyring, the footage meta
 * file and the config writer.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean
nvr_file_fsync_dir(const gchar *dir, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_file_write_atomic(const gchar *path, const guint8 *data, gsize len, gint mode, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_file_check_dir_usable(const gchar *dir, gboolean create, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
