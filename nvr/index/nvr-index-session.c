#include "config.h"

#include "core/nvr-error.h"
#include "nvr-index-private.h"
#include "nvr-index-session.h"

void
nvr_index_session_free(NvrIndexSession *session)
{
	if (session == NULL)
		return;
	g_clear_pointer(&session->token_hash, g_bytes_unref);
	g_clear_pointer(&session->csrf_token_hash, g_bytes_unref);
	g_free(session);
}

static gpointer
nvr_index_session_from_row(sqlite3_stmt *stmt)
{
	NvrIndexSession *session = g_new0(NvrIndexSession, 1);

	session->id = sqlite3_column_int64(stmt, 0);
	session->token_hash = nvr_index_column_dup_bytes(stmt, 1);
	session->user_id = sqlite3_column_int64(stmt, 2);
	session->csrf_token_hash = nvr_index_column_dup_bytes(stmt, 3);
	session->created_us = sqlite3_column_int64(stmt, 4);
	session->expires_us = sqlite3_column_int64(stmt, 5);
	session->last_seen_us = sqlite3_column_int64(stmt, 6);
	return session;
}

/* @session: its id is set, and created_us and last_seen_us to now if 0 */
gboolean
nvr_index_session_insert(NvrIndex *self, NvrIndexSession *session, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(session != NULL, FALSE);

	if (session->created_us == 0)
		session->created_us = nvr_index_now_us(self);
	if (session->last_seen_us == 0)
		session->last_seen_us = session->created_us;
	stmt = nvr_index_prepare(
		self,
		"INSERT INTO sessions (token_hash, user_id, csrf_token_hash, "
		"created_us, expires_us, last_seen_us) VALUES (:token_hash, "
		":user_id, :csrf_token_hash, :created_us, :expires_us, :last_seen_us)",
		error);
	if (stmt == NULL ||
	    !nvr_index_bind_bytes(stmt, ":token_hash", session->token_hash, error) ||
	    !nvr_index_bind_int64(stmt, ":user_id", session->user_id, error) ||
	    !nvr_index_bind_bytes(stmt, ":csrf_token_hash", session->csrf_token_hash, error) ||
	    !nvr_index_bind_int64(stmt, ":created_us", session->created_us, error) ||
	    !nvr_index_bind_int64(stmt, ":expires_us", session->expires_us, error) ||
	    !nvr_index_bind_int64(stmt, ":last_seen_us", session->last_seen_us, error) ||
	    !nvr_index_step_done(self, stmt, error)) {
		g_prefix_error(error, "adding session: ");
		return FALSE;
	}
	session->id = nvr_index_last_insert_id(self);
	return TRUE;
}

/**
 * nvr_index_session_load_valid:
 *
 * Returns: (transfer full): the session with @token_hash if it has not
 *   expired at @now_us and its user is enabled; otherwise %NULL with
 *   NVR_ERROR_NOT_FOUND, whichever the reason
 */
NvrIndexSession *
nvr_index_session_load_valid(NvrIndex *self, GBytes *token_hash, gint64 now_us, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);
	g_return_val_if_fail(token_hash != NULL, NULL);

	stmt = nvr_index_prepare(
		self,
		"SELECT s.id, s.token_hash, s.user_id, s.csrf_token_hash, s.created_us, "
		"s.expires_us, "
		"s.last_seen_us FROM sessions s JOIN users u ON u.id = s.user_id "
		"WHERE s.token_hash = :token_hash AND s.expires_us > :now AND u.disabled = 0",
		error);
	if (stmt == NULL || !nvr_index_bind_bytes(stmt, ":token_hash", token_hash, error) ||
	    !nvr_index_bind_int64(stmt, ":now", now_us, error))
		return NULL;
	return nvr_index_collect_one(self, stmt, nvr_index_session_from_row, "session", error);
}

/* a request arrived: sliding expiry */
gboolean
nvr_index_session_touch(NvrIndex *self, gint64 id, gint64 last_seen_us, gint64 expires_us,
			GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);

	stmt = nvr_index_prepare(self,
				 "UPDATE sessions SET last_seen_us = :last_seen_us, "
				 "expires_us = :expires_us WHERE id = :id",
				 error);
	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":last_seen_us", last_seen_us, error) ||
	    !nvr_index_bind_int64(stmt, ":expires_us", expires_us, error) ||
	    !nvr_index_bind_int64(stmt, ":id", id, error))
		return FALSE;
	return nvr_index_step_changed(self, stmt, "session", error);
}

/* logout */
gboolean
nvr_index_session_delete(NvrIndex *self, gint64 id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);

	return nvr_index_delete_by_id(self, "DELETE FROM sessions WHERE id = :id", id, "session",
				      error);
}

/* a password change or a disabled user ends every session of the user */
gboolean
nvr_index_session_delete_for_user(NvrIndex *self, gint64 user_id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);

	return nvr_index_exec_by_id(self, "DELETE FROM sessions WHERE user_id = :id", user_id, NULL,
				    error);
}

gboolean
nvr_index_session_delete_expired(NvrIndex *self, gint64 now_us, gint64 *n_deleted, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);

	/* :id is the time here: the helper's one parameter */
	return nvr_index_exec_by_id(self, "DELETE FROM sessions WHERE expires_us <= :id", now_us,
				    n_deleted, error);
}
