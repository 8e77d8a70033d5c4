/*
 * nvr-index-footage-dir.h: the footage directories this database records
 * to. The uuid is the one in the directory's meta file (store/nvr-footage.h):
 * it is how a re-mounted disk is recognised and a wrong one refused.
 */
#pragma once

#include "nvr-index.h"

G_BEGIN_DECLS

typedef struct {
	gint64 id;
	gchar *path; /* absolute */
	gchar *uuid; /* the meta file's footage-uuid */
	gint64 added_us;
} NvrIndexFootageDir;

void
nvr_index_footage_dir_free(NvrIndexFootageDir *dir);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrIndexFootageDir, nvr_index_footage_dir_free)

gboolean
nvr_index_footage_dir_add(NvrIndex *self,
			  const gchar *path,
			  const gchar *uuid,
			  gint64 *id,
			  GError **error) G_GNUC_WARN_UNUSED_RESULT;
NvrIndexFootageDir *
nvr_index_footage_dir_load(NvrIndex *self, gint64 id, GError **error);
NvrIndexFootageDir *
nvr_index_footage_dir_load_by_path(NvrIndex *self, const gchar *path, GError **error);
GPtrArray *
nvr_index_footage_dir_list(NvrIndex *self, GError **error);
gboolean
nvr_index_footage_dir_delete(NvrIndex *self, gint64 id, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
