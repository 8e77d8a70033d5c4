#include "config.h"

#include "core/nvr-error.h"
#include "nvr-index-private.h"
#include "nvr-index-user.h"

#define NVR_INDEX_USER_SELECT                                                                      \
	"SELECT id, name, role, password_hash, created_us, disabled FROM users "

const gchar *
nvr_index_role_to_string(NvrIndexRole role)
{
	switch (role) {
	case NVR_INDEX_ROLE_VIEWER:
		return "viewer";
	case NVR_INDEX_ROLE_OWNER:
		return "owner";
	default:
		return NULL;
	}
}

gboolean
nvr_index_role_from_string(const gchar *text, NvrIndexRole *role)
{
	if (g_strcmp0(text, "viewer") == 0)
		*role = NVR_INDEX_ROLE_VIEWER;
	else if (g_strcmp0(text, "owner") == 0)
		*role = NVR_INDEX_ROLE_OWNER;
	else
		return FALSE;
	return TRUE;
}

void
nvr_index_user_free(NvrIndexUser *user)
{
	if (user == NULL)
		return;
	g_free(user->name);
	g_free(user->password_hash);
	g_free(user);
}

static gpointer
nvr_index_user_from_row(sqlite3_stmt *stmt)
{
	NvrIndexUser *user = g_new0(NvrIndexUser, 1);

	user->id = sqlite3_column_int64(stmt, 0);
	user->name = nvr_index_column_dup_text(stmt, 1);
	nvr_index_role_from_string((const gchar *)sqlite3_column_text(stmt, 2), &user->role);
	user->password_hash = nvr_index_column_dup_text(stmt, 3);
	user->created_us = sqlite3_column_int64(stmt, 4);
	user->disabled = sqlite3_column_int(stmt, 5) != 0;
	return user;
}

/* an unknown role binds as NULL, which NOT NULL refuses */
static gboolean
nvr_index_user_bind(sqlite3_stmt *stmt, const NvrIndexUser *user, GError **error)
{
	return nvr_index_bind_text(stmt, ":name", user->name, error) &&
	       nvr_index_bind_text(stmt, ":role", nvr_index_role_to_string(user->role), error) &&
	       nvr_index_bind_text(stmt, ":password_hash", user->password_hash, error) &&
	       nvr_index_bind_int64(stmt, ":disabled", user->disabled ? 1 : 0, error);
}

/* @user: its id and created_us are set. NVR_ERROR_EXISTS for a taken name */
gboolean
nvr_index_user_insert(NvrIndex *self, NvrIndexUser *user, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(user != NULL, FALSE);

	user->created_us = nvr_index_now_us(self);
	if (!nvr_index_validate_label("user name", user->name, NVR_INDEX_USER_NAME_MAX, error))
		return FALSE;
	stmt = nvr_index_prepare(
		self,
		"INSERT INTO users (name, role, password_hash, created_us, disabled) "
		"VALUES (:name, :role, :password_hash, :created_us, :disabled)",
		error);
	if (stmt == NULL || !nvr_index_user_bind(stmt, user, error) ||
	    !nvr_index_bind_int64(stmt, ":created_us", user->created_us, error) ||
	    !nvr_index_step_done(self, stmt, error)) {
		g_prefix_error(error, "adding user: ");
		return FALSE;
	}
	user->id = nvr_index_last_insert_id(self);
	return TRUE;
}

/* writes name, role, password hash and disabled */
gboolean
nvr_index_user_update(NvrIndex *self, const NvrIndexUser *user, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(user != NULL, FALSE);

	if (!nvr_index_validate_label("user name", user->name, NVR_INDEX_USER_NAME_MAX, error))
		return FALSE;
	stmt = nvr_index_prepare(
		self,
		"UPDATE users SET name = :name, role = :role, "
		"password_hash = :password_hash, disabled = :disabled WHERE id = :id",
		error);
	if (stmt == NULL || !nvr_index_user_bind(stmt, user, error) ||
	    !nvr_index_bind_int64(stmt, ":id", user->id, error) ||
	    !nvr_index_step_changed(self, stmt, "user", error)) {
		g_prefix_error(error, "updating user %" G_GINT64_FORMAT ": ", user->id);
		return FALSE;
	}
	return TRUE;
}

NvrIndexUser *
nvr_index_user_load(NvrIndex *self, gint64 id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	return nvr_index_load_by_id(self, NVR_INDEX_USER_SELECT "WHERE id = :id", id,
				    nvr_index_user_from_row, "user", error);
}

NvrIndexUser *
nvr_index_user_load_by_name(NvrIndex *self, const gchar *name, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);
	g_return_val_if_fail(name != NULL, NULL);

	stmt = nvr_index_prepare(self, NVR_INDEX_USER_SELECT "WHERE name = :name", error);
	if (stmt == NULL || !nvr_index_bind_text(stmt, ":name", name, error))
		return NULL;
	return nvr_index_collect_one(self, stmt, nvr_index_user_from_row, "user", error);
}

/* Returns: (transfer full) (element-type NvrIndexUser): by name */
GPtrArray *
nvr_index_user_list(NvrIndex *self, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	return nvr_index_list_by_id(self, NVR_INDEX_USER_SELECT "WHERE id > :id ORDER BY name", 0,
				    nvr_index_user_from_row, (GDestroyNotify)nvr_index_user_free,
				    error);
}

/* e.g. to refuse disabling or deleting the last enabled owner */
gboolean
nvr_index_user_count_enabled(NvrIndex *self, NvrIndexRole role, gint64 *count, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(count != NULL, FALSE);

	stmt = nvr_index_prepare(
		self, "SELECT count(*) FROM users WHERE role = :role AND disabled = 0", error);
	if (stmt == NULL ||
	    !nvr_index_bind_text(stmt, ":role", nvr_index_role_to_string(role), error) ||
	    nvr_index_step_row(self, stmt, error) < 0)
		return FALSE;
	*count = sqlite3_column_int64(stmt, 0);
	return TRUE;
}

/* sessions and acknowledgements go with the user; audit entries keep a NULL user */
gboolean
nvr_index_user_delete(NvrIndex *self, gint64 id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);

	return nvr_index_delete_by_id(self, "DELETE FROM users WHERE id = :id", id, "user", error);
}
