/*
 * nvr-index-private.h: what the per-table files of nvr/index share: the
 * lock, statement helpers and the mapping of SQLite errors to NVR_ERROR.
 * Not for use outside nvr/index.
 */
#pragma once

#include <sqlite3.h>

#include "nvr-index.h"

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

/*
 * every public entry point holds the lock for its whole duration. Write it
 * as the first declaration, before any g_autoptr(sqlite3_stmt), so that
 * statements are finalized before the lock is released; @self may be
 * invalid (the locker is then NULL and a precondition check follows).
 */
#define NVR_INDEX_LOCKED(self)                                                                     \
	g_autoptr(GRecMutexLocker) nvr_index_locker G_GNUC_UNUSED = nvr_index_lock(self)

GRecMutexLocker *
nvr_index_lock(NvrIndex *self);

/* schema (nvr-index-schema.c) */
typedef struct {
	guint version;
	const gchar *sql;
} NvrIndexMigration;

const NvrIndexMigration *
nvr_index_schema_get_migrations(guint *n_migrations);
NvrIndex *
nvr_index_open_at_version(const gchar *path, guint target_version, GError **error);

/* statements; callers hold the lock */
gboolean
nvr_index_set_error(NvrIndex *self, gint rc, const gchar *what, GError **error);
sqlite3_stmt *
nvr_index_prepare(NvrIndex *self, const gchar *sql, GError **error);
gboolean
nvr_index_exec(NvrIndex *self, const gchar *sql, GError **error);
gboolean
nvr_index_step_done(NvrIndex *self, sqlite3_stmt *stmt, GError **error);
gint
nvr_index_step_row(NvrIndex *self, sqlite3_stmt *stmt, GError **error);
gboolean
nvr_index_step_changed(NvrIndex *self, sqlite3_stmt *stmt, const gchar *what, GError **error);
gint64
nvr_index_last_insert_id(NvrIndex *self);

gboolean
nvr_index_bind_text(sqlite3_stmt *stmt, const gchar *name, const gchar *value, GError **error);
gboolean
nvr_index_bind_bytes(sqlite3_stmt *stmt, const gchar *name, GBytes *value, GError **error);
gboolean
nvr_index_bind_int64(sqlite3_stmt *stmt, const gchar *name, gint64 value, GError **error);
gboolean
nvr_index_bind_int64_or_null(sqlite3_stmt *stmt, const gchar *name, gint64 value, GError **error);

gchar *
nvr_index_column_dup_text(sqlite3_stmt *stmt, gint col);
GBytes *
nvr_index_column_dup_bytes(sqlite3_stmt *stmt, gint col);

/* a list query: @row_new turns the current row into a newly allocated item */
typedef gpointer (*NvrIndexRowNewFunc)(sqlite3_stmt *stmt);
GPtrArray *
nvr_index_collect_rows(NvrIndex *self,
		       sqlite3_stmt *stmt,
		       NvrIndexRowNewFunc row_new,
		       GDestroyNotify row_free,
		       GError **error);
gpointer
nvr_index_collect_one(NvrIndex *self,
		      sqlite3_stmt *stmt,
		      NvrIndexRowNewFunc row_new,
		      const gchar *what,
		      GError **error);

/* the common shapes: @sql has one parameter, :id */
gpointer
nvr_index_load_by_id(NvrIndex *self,
		     const gchar *sql,
		     gint64 id,
		     NvrIndexRowNewFunc row_new,
		     const gchar *what,
		     GError **error);
GPtrArray *
nvr_index_list_by_id(NvrIndex *self,
		     const gchar *sql,
		     gint64 id,
		     NvrIndexRowNewFunc row_new,
		     GDestroyNotify row_free,
		     GError **error);
gboolean
nvr_index_query_int64(NvrIndex *self, const gchar *sql, gint64 id, gint64 *value, GError **error);
gboolean
nvr_index_exec_by_id(
	NvrIndex *self, const gchar *sql, gint64 id, gint64 *n_changed, GError **error);
gboolean
nvr_index_delete_by_id(
	NvrIndex *self, const gchar *sql, gint64 id, const gchar *what, GError **error);

gboolean
nvr_index_validate_label(const gchar *what, const gchar *text, glong max_chars, GError **error);

G_END_DECLS
