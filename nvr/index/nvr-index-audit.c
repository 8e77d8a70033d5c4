#include "config.h"

#include "core/nvr-error.h"
#include "core/nvr-log.h"
#include "nvr-index-audit.h"
#include "nvr-index-private.h"

void
nvr_index_audit_entry_free(NvrIndexAuditEntry *entry)
{
	if (entry == NULL)
		return;
	g_free(entry->action);
	g_free(entry->detail);
	g_free(entry->client);
	g_free(entry);
}

static gpointer
nvr_index_audit_entry_from_row(sqlite3_stmt *stmt)
{
	NvrIndexAuditEntry *entry = g_new0(NvrIndexAuditEntry, 1);

	entry->id = sqlite3_column_int64(stmt, 0);
	entry->ts_us = sqlite3_column_int64(stmt, 1);
	entry->user_id = sqlite3_column_int64(stmt, 2);
	entry->action = nvr_index_column_dup_text(stmt, 3);
	entry->detail = nvr_index_column_dup_text(stmt, 4);
	entry->client = nvr_index_column_dup_text(stmt, 5);
	return entry;
}

/* @user_id: 0 for none */
gboolean
nvr_index_audit_add(NvrIndex *self, gint64 user_id, const gchar *action, const gchar *detail,
		    const gchar *client, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autofree gchar *scrubbed = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(action != NULL, FALSE);

	if (detail != NULL)
		scrubbed = nvr_log_scrub(detail);
	stmt = nvr_index_prepare(self,
				 "INSERT INTO audit_log (ts_us, user_id, action, detail, client) "
				 "VALUES (:ts_us, :user_id, :action, :detail, :client)",
				 error);
	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":ts_us", nvr_index_now_us(self), error) ||
	    !nvr_index_bind_int64_or_null(stmt, ":user_id", user_id, error) ||
	    !nvr_index_bind_text(stmt, ":action", action, error) ||
	    !nvr_index_bind_text(stmt, ":detail", scrubbed, error) ||
	    !nvr_index_bind_text(stmt, ":client", client, error) ||
	    !nvr_index_step_done(self, stmt, error)) {
		g_prefix_error(error, "audit log: ");
		return FALSE;
	}
	return TRUE;
}

/**
 * nvr_index_audit_list:
 * @before_id: 0 for the newest entries, else entries older than this id (paging)
 * @limit: at most this many
 *
 * Returns: (transfer full) (element-type NvrIndexAuditEntry): newest first
 */
GPtrArray *
nvr_index_audit_list(NvrIndex *self, gint64 before_id, guint limit, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	stmt = nvr_index_prepare(
		self,
		"SELECT id, ts_us, user_id, action, detail, client FROM audit_log "
		"WHERE :before_id = 0 OR id < :before_id ORDER BY id DESC LIMIT :limit",
		error);
	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":before_id", before_id, error) ||
	    !nvr_index_bind_int64(stmt, ":limit", limit, error))
		return NULL;
	return nvr_index_collect_rows(self, stmt, nvr_index_audit_entry_from_row,
				      (GDestroyNotify)nvr_index_audit_entry_free, error);
}

/* entries older than @before_us go */
gboolean
nvr_index_audit_prune(NvrIndex *self, gint64 before_us, gint64 *n_deleted, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);

	/* :id is the time here: the helper's one parameter */
	return nvr_index_exec_by_id(self, "DELETE FROM audit_log WHERE ts_us < :id", before_us,
				    n_deleted, error);
}
