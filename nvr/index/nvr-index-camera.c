#include "config.h"

#include "core/nvr-error.h"
#include "core/nvr-url.h"
#include "nvr-index-camera.h"
#include "nvr-index-private.h"

#define NVR_INDEX_CAMERA_COLUMNS                                                                   \
	"id, uuid, name, main_url, sub_url, username, password_sealed, record_main, record_sub, "  \
	"enabled, budget_bytes, max_age_us, vendor_hint, model_hint, created_us, updated_us, "     \
	"removed_us"

/* a new camera records its main stream unless told otherwise */
NvrIndexCamera *
nvr_index_camera_new(void)
{
	NvrIndexCamera *camera = g_new0(NvrIndexCamera, 1);

	camera->record_main = TRUE;
	camera->enabled = TRUE;
	return camera;
}

void
nvr_index_camera_free(NvrIndexCamera *camera)
{
	if (camera == NULL)
		return;
	g_free(camera->uuid);
	g_free(camera->name);
	g_free(camera->main_url);
	g_free(camera->sub_url);
	g_free(camera->username);
	g_clear_pointer(&camera->password_sealed, g_bytes_unref);
	g_free(camera->vendor_hint);
	g_free(camera->model_hint);
	g_free(camera);
}

static gpointer
nvr_index_camera_from_row(sqlite3_stmt *stmt)
{
	NvrIndexCamera *camera = g_new0(NvrIndexCamera, 1);

	camera->id = sqlite3_column_int64(stmt, 0);
	camera->uuid = nvr_index_column_dup_text(stmt, 1);
	camera->name = nvr_index_column_dup_text(stmt, 2);
	camera->main_url = nvr_index_column_dup_text(stmt, 3);
	camera->sub_url = nvr_index_column_dup_text(stmt, 4);
	camera->username = nvr_index_column_dup_text(stmt, 5);
	camera->password_sealed = nvr_index_column_dup_bytes(stmt, 6);
	camera->record_main = sqlite3_column_int(stmt, 7) != 0;
	camera->record_sub = sqlite3_column_int(stmt, 8) != 0;
	camera->enabled = sqlite3_column_int(stmt, 9) != 0;
	camera->budget_bytes = sqlite3_column_int64(stmt, 10);
	camera->max_age_us = sqlite3_column_int64(stmt, 11);
	camera->vendor_hint = nvr_index_column_dup_text(stmt, 12);
	camera->model_hint = nvr_index_column_dup_text(stmt, 13);
	camera->created_us = sqlite3_column_int64(stmt, 14);
	camera->updated_us = sqlite3_column_int64(stmt, 15);
	camera->removed_us = sqlite3_column_int64(stmt, 16);
	return camera;
}

/**
 * nvr_index_camera_validate_name:
 *
 * A name is what users type in `nvrctl camera remove NAME` and see in the
 * UI: 1 to 64 printable characters, no '/' (it may end up in a file name).
 */
gboolean
nvr_index_camera_validate_name(const gchar *name, GError **error)
{
	return nvr_index_validate_label("camera name", name, NVR_INDEX_CAMERA_NAME_MAX, error);
}

/* a stored URL never carries credentials: they live sealed in password_sealed */
static gboolean
nvr_index_camera_validate_url(const gchar *what, const gchar *url, GError **error)
{
	g_autoptr(NvrStreamUrl) parsed = nvr_stream_url_parse(url, error);

	if (parsed == NULL) {
		g_prefix_error(error, "%s: ", what);
		return FALSE;
	}
	if (parsed->user != NULL || parsed->password != NULL) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
			    "%s: credentials belong in the username and password, not the URL",
			    what);
		return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_index_camera_validate(const NvrIndexCamera *camera, GError **error)
{
	if (!nvr_index_camera_validate_name(camera->name, error))
		return FALSE;
	if (camera->uuid != NULL && !g_uuid_string_is_valid(camera->uuid)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "camera uuid: not a uuid");
		return FALSE;
	}
	if (camera->main_url == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "main URL: missing");
		return FALSE;
	}
	if (!nvr_index_camera_validate_url("main URL", camera->main_url, error))
		return FALSE;
	return camera->sub_url == NULL ||
	       nvr_index_camera_validate_url("sub URL", camera->sub_url, error);
}

/* SQL enforces it too; this is for a message a user understands */
static gboolean
nvr_index_camera_check_name_free(NvrIndex *self, const NvrIndexCamera *camera, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = nvr_index_prepare(
		self,
		"SELECT 1 FROM cameras WHERE name = :name AND removed_us IS NULL AND id != :id",
		error);
	gint rc;

	if (stmt == NULL || !nvr_index_bind_text(stmt, ":name", camera->name, error) ||
	    !nvr_index_bind_int64(stmt, ":id", camera->id, error))
		return FALSE;
	rc = nvr_index_step_row(self, stmt, error);
	if (rc == 1) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_EXISTS,
			    "a camera named '%s' already exists", camera->name);
	}
	return rc == 0;
}

/* the fields that insert and update both write */
static gboolean
nvr_index_camera_bind(sqlite3_stmt *stmt, const NvrIndexCamera *camera, GError **error)
{
	return nvr_index_bind_text(stmt, ":name", camera->name, error) &&
	       nvr_index_bind_text(stmt, ":main_url", camera->main_url, error) &&
	       nvr_index_bind_text(stmt, ":sub_url", camera->sub_url, error) &&
	       nvr_index_bind_text(stmt, ":username", camera->username, error) &&
	       nvr_index_bind_bytes(stmt, ":password_sealed", camera->password_sealed, error) &&
	       nvr_index_bind_int64(stmt, ":record_main", camera->record_main ? 1 : 0, error) &&
	       nvr_index_bind_int64(stmt, ":record_sub", camera->record_sub ? 1 : 0, error) &&
	       nvr_index_bind_int64(stmt, ":enabled", camera->enabled ? 1 : 0, error) &&
	       nvr_index_bind_int64_or_null(stmt, ":budget_bytes", camera->budget_bytes, error) &&
	       nvr_index_bind_int64_or_null(stmt, ":max_age_us", camera->max_age_us, error) &&
	       nvr_index_bind_text(stmt, ":vendor_hint", camera->vendor_hint, error) &&
	       nvr_index_bind_text(stmt, ":model_hint", camera->model_hint, error) &&
	       nvr_index_bind_int64(stmt, ":updated_us", camera->updated_us, error);
}

static gboolean
nvr_index_camera_insert_unlocked(NvrIndex *self, NvrIndexCamera *camera, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	if (!nvr_index_camera_validate(camera, error))
		return FALSE;
	camera->id = 0;
	if (!nvr_index_camera_check_name_free(self, camera, error))
		return FALSE;
	if (camera->uuid == NULL)
		camera->uuid = g_uuid_string_random();
	camera->created_us = camera->updated_us = nvr_index_now_us(self);
	camera->removed_us = 0;
	stmt = nvr_index_prepare(
		self,
		"INSERT INTO cameras (uuid, name, main_url, sub_url, username, password_sealed, "
		"record_main, record_sub, enabled, budget_bytes, max_age_us, vendor_hint, "
		"model_hint, "
		"created_us, updated_us) VALUES (:uuid, :name, :main_url, :sub_url, :username, "
		":password_sealed, :record_main, :record_sub, :enabled, :budget_bytes, "
		":max_age_us, "
		":vendor_hint, :model_hint, :created_us, :updated_us)",
		error);
	if (stmt == NULL || !nvr_index_camera_bind(stmt, camera, error) ||
	    !nvr_index_bind_text(stmt, ":uuid", camera->uuid, error) ||
	    !nvr_index_bind_int64(stmt, ":created_us", camera->created_us, error) ||
	    !nvr_index_step_done(self, stmt, error))
		return FALSE;
	camera->id = nvr_index_last_insert_id(self);
	return TRUE;
}

/**
 * nvr_index_camera_insert:
 * @camera: its id, created_us and updated_us are set, and uuid if it was NULL
 *
 * Returns: %FALSE with NVR_ERROR_EXISTS if a camera has that name or uuid,
 * NVR_ERROR_INVALID_ARGUMENT for a bad name or URL
 */
gboolean
nvr_index_camera_insert(NvrIndex *self, NvrIndexCamera *camera, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(camera != NULL, FALSE);

	if (!nvr_index_camera_insert_unlocked(self, camera, error)) {
		g_prefix_error(error, "adding camera: ");
		return FALSE;
	}
	return TRUE;
}

static NvrIndexCamera *
nvr_index_camera_load_where(NvrIndex *self, const gchar *sql, const gchar *param, const gchar *text,
			    GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = nvr_index_prepare(self, sql, error);

	if (stmt == NULL || !nvr_index_bind_text(stmt, param, text, error))
		return NULL;
	return nvr_index_collect_one(self, stmt, nvr_index_camera_from_row, "camera", error);
}

/* Returns: (transfer full): any camera, removed or not */
NvrIndexCamera *
nvr_index_camera_load(NvrIndex *self, gint64 id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	return nvr_index_load_by_id(
		self, "SELECT " NVR_INDEX_CAMERA_COLUMNS " FROM cameras WHERE id = :id", id,
		nvr_index_camera_from_row, "camera", error);
}

/* Returns: (transfer full): the camera of that name that is not removed */
NvrIndexCamera *
nvr_index_camera_load_by_name(NvrIndex *self, const gchar *name, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);
	g_return_val_if_fail(name != NULL, NULL);

	return nvr_index_camera_load_where(self,
					   "SELECT " NVR_INDEX_CAMERA_COLUMNS " FROM cameras "
					   "WHERE name = :name AND removed_us IS NULL",
					   ":name", name, error);
}

/* Returns: (transfer full): any camera, removed or not */
NvrIndexCamera *
nvr_index_camera_load_by_uuid(NvrIndex *self, const gchar *uuid, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);
	g_return_val_if_fail(uuid != NULL, NULL);

	return nvr_index_camera_load_where(
		self, "SELECT " NVR_INDEX_CAMERA_COLUMNS " FROM cameras WHERE uuid = :uuid",
		":uuid", uuid, error);
}

/* Returns: (transfer full) (element-type NvrIndexCamera): by name */
GPtrArray *
nvr_index_camera_list(NvrIndex *self, gboolean include_removed, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	stmt = nvr_index_prepare(self,
				 "SELECT " NVR_INDEX_CAMERA_COLUMNS " FROM cameras "
				 "WHERE :all OR removed_us IS NULL ORDER BY name, id",
				 error);
	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":all", include_removed ? 1 : 0, error))
		return NULL;
	return nvr_index_collect_rows(self, stmt, nvr_index_camera_from_row,
				      (GDestroyNotify)nvr_index_camera_free, error);
}

/**
 * nvr_index_camera_update:
 * @camera: every field but id, uuid, created_us and removed_us is written;
 *   updated_us is set
 *
 * Returns: %FALSE with NVR_ERROR_NOT_FOUND if the camera is gone or removed
 */
gboolean
nvr_index_camera_update(NvrIndex *self, NvrIndexCamera *camera, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(camera != NULL, FALSE);

	if (!nvr_index_camera_validate(camera, error) ||
	    !nvr_index_camera_check_name_free(self, camera, error)) {
		g_prefix_error(error, "updating camera: ");
		return FALSE;
	}
	camera->updated_us = nvr_index_now_us(self);
	stmt = nvr_index_prepare(
		self,
		"UPDATE cameras SET name = :name, main_url = :main_url, sub_url = :sub_url, "
		"username = :username, password_sealed = :password_sealed, record_main = "
		":record_main, "
		"record_sub = :record_sub, enabled = :enabled, budget_bytes = :budget_bytes, "
		"max_age_us = :max_age_us, vendor_hint = :vendor_hint, model_hint = :model_hint, "
		"updated_us = :updated_us WHERE id = :id AND removed_us IS NULL",
		error);
	if (stmt == NULL || !nvr_index_camera_bind(stmt, camera, error) ||
	    !nvr_index_bind_int64(stmt, ":id", camera->id, error) ||
	    !nvr_index_step_changed(self, stmt, "camera", error)) {
		g_prefix_error(error, "updating camera: ");
		return FALSE;
	}
	return TRUE;
}

/**
 * nvr_index_camera_remove:
 *
 * Stops a camera for good while keeping its footage: the row stays (marked
 * removed, disabled) until its segments are gone; its name is free again.
 */
gboolean
nvr_index_camera_remove(NvrIndex *self, gint64 id, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);

	stmt = nvr_index_prepare(
		self,
		"UPDATE cameras SET removed_us = :now, updated_us = :now, enabled = 0 "
		"WHERE id = :id AND removed_us IS NULL",
		error);
	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":now", nvr_index_now_us(self), error) ||
	    !nvr_index_bind_int64(stmt, ":id", id, error))
		return FALSE;
	return nvr_index_step_changed(self, stmt, "camera", error);
}

/**
 * nvr_index_camera_delete:
 *
 * Drops the row, its runs, codec configs and tombstones. Refused with
 * NVR_ERROR_BUSY while any segment row of the camera exists: footage goes
 * through retention or a purge (garbage, tombstone, unlink) first.
 */
gboolean
nvr_index_camera_delete(NvrIndex *self, gint64 id, GError **error)
{
	NVR_INDEX_LOCKED(self);
	gint64 n_segments = 0;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);

	if (!nvr_index_query_int64(self, "SELECT count(*) FROM segments WHERE camera_id = :id", id,
				   &n_segments, error))
		return FALSE;
	if (n_segments > 0) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_BUSY,
			    "camera %" G_GINT64_FORMAT " still has %" G_GINT64_FORMAT
			    " segments: delete its footage first",
			    id, n_segments);
		return FALSE;
	}
	return nvr_index_delete_by_id(self, "DELETE FROM cameras WHERE id = :id", id, "camera",
				      error);
}

/* cheap enough to poll every second: one row of a WITHOUT ROWID table */
gboolean
nvr_index_camera_get_generation(NvrIndex *self, gint64 *generation, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(generation != NULL, FALSE);

	stmt = nvr_index_prepare(
		self, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'cameras_generation'",
		error);
	if (stmt == NULL || nvr_index_step_row(self, stmt, error) < 0)
		return FALSE;
	*generation = sqlite3_column_int64(stmt, 0);
	return TRUE;
}
