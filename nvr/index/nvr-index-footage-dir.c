#include "config.h"

#include "core/nvr-error.h"
#include "nvr-index-footage-dir.h"
#include "nvr-index-private.h"

#define NVR_INDEX_FOOTAGE_DIR_SELECT "SELECT id, path, uuid, added_us FROM footage_dirs "

void
nvr_index_footage_dir_free(NvrIndexFootageDir *dir)
{
	if (dir == NULL)
		return;
	g_free(dir->path);
	g_free(dir->uuid);
	g_free(dir);
}

static gpointer
nvr_index_footage_dir_from_row(sqlite3_stmt *stmt)
{
	NvrIndexFootageDir *dir = g_new0(NvrIndexFootageDir, 1);

	dir->id = sqlite3_column_int64(stmt, 0);
	dir->path = nvr_index_column_dup_text(stmt, 1);
	dir->uuid = nvr_index_column_dup_text(stmt, 2);
	dir->added_us = sqlite3_column_int64(stmt, 3);
	return dir;
}

/**
 * nvr_index_footage_dir_add:
 * @id: (out) (optional): the new row's id
 *
 * Returns: %FALSE with NVR_ERROR_EXISTS if the path or uuid is known
 */
gboolean
nvr_index_footage_dir_add(NvrIndex *self, const gchar *path, const gchar *uuid, gint64 *id,
			  GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(path != NULL && uuid != NULL, FALSE);

	if (!g_path_is_absolute(path) || !g_uuid_string_is_valid(uuid)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "footage dir: needs an absolute path and a uuid");
		return FALSE;
	}
	stmt = nvr_index_prepare(self,
				 "INSERT INTO footage_dirs (path, uuid, added_us) "
				 "VALUES (:path, :uuid, :added_us)",
				 error);
	if (stmt == NULL || !nvr_index_bind_text(stmt, ":path", path, error) ||
	    !nvr_index_bind_text(stmt, ":uuid", uuid, error) ||
	    !nvr_index_bind_int64(stmt, ":added_us", nvr_index_now_us(self), error) ||
	    !nvr_index_step_done(self, stmt, error)) {
		g_prefix_error(error, "footage dir %s: ", path);
		return FALSE;
	}
	if (id != NULL)
		*id = nvr_index_last_insert_id(self);
	return TRUE;
}

NvrIndexFootageDir *
nvr_index_footage_dir_load(NvrIndex *self, gint64 id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	return nvr_index_load_by_id(self, NVR_INDEX_FOOTAGE_DIR_SELECT "WHERE id = :id", id,
				    nvr_index_footage_dir_from_row, "footage dir", error);
}

NvrIndexFootageDir *
nvr_index_footage_dir_load_by_path(NvrIndex *self, const gchar *path, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);
	g_return_val_if_fail(path != NULL, NULL);

	stmt = nvr_index_prepare(self, NVR_INDEX_FOOTAGE_DIR_SELECT "WHERE path = :path", error);
	if (stmt == NULL || !nvr_index_bind_text(stmt, ":path", path, error))
		return NULL;
	return nvr_index_collect_one(self, stmt, nvr_index_footage_dir_from_row, "footage dir",
				     error);
}

/* Returns: (transfer full) (element-type NvrIndexFootageDir): in the order added */
GPtrArray *
nvr_index_footage_dir_list(NvrIndex *self, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	/* ids start at 1: "id > 0" is every row */
	return nvr_index_list_by_id(self, NVR_INDEX_FOOTAGE_DIR_SELECT "WHERE id > :id ORDER BY id",
				    0, nvr_index_footage_dir_from_row,
				    (GDestroyNotify)nvr_index_footage_dir_free, error);
}

/* refused with NVR_ERROR_BUSY while segment rows point into the directory */
gboolean
nvr_index_footage_dir_delete(NvrIndex *self, gint64 id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);

	return nvr_index_delete_by_id(self, "DELETE FROM footage_dirs WHERE id = :id", id,
				      "footage dir", error);
}
