/*
 * notes on the index
 *
 * One NvrIndex owns one sqlite3 connection, guarded by our own recursive
 * mutex (self->lock): SQLite's mutex (SQLITE_OPEN_FULLMUTEX, kept as a
 * safety net) makes single calls safe but not a transaction spanning
 * several calls, and the recorder's writer thread batches a second's worth
 * of row updates while the main thread answers the web UI.
 *
 *   IDLE --begin: BEGIN IMMEDIATE, lock kept--> IN TRANSACTION (depth 1)
 *   depth n --begin: SAVEPOINT--> depth n + 1
 *   depth n + 1 --commit: RELEASE / rollback: ROLLBACK TO--> depth n
 *   depth 1 --commit: COMMIT / rollback: ROLLBACK, lock released--> IDLE
 *
 * invariants
 *   (1) a transaction belongs to the thread that began it: begin takes the
 *       lock and keeps it until the matching commit or rollback, so other
 *       threads wait instead of having their writes swept into, or rolled
 *       back with, someone else's batch. Transactions are short: never hold
 *       one across a main loop iteration.
 *   (2) the outermost transaction is BEGIN IMMEDIATE. In WAL mode a
 *       deferred transaction that reads and then writes fails at once with
 *       SQLITE_BUSY if another process wrote meanwhile (its snapshot is
 *       stale, no busy handler can help); an immediate one waits up to
 *       NVR_INDEX_BUSY_TIMEOUT_MS for the other process's write lock.
 *   (3) synchronous=FULL. With WAL, NORMAL lets a power cut roll back the
 *       last commits: a 'finalized' row would be 'recording' again (startup
 *       recovery would trim a complete file and break its successor's
 *       prev_link) and a new file could lose its row. DESIGN.md §5 forbids
 *       both. Commits are batched about once a second, so FULL costs one
 *       WAL fsync a second.
 *   (4) a database with a newer user_version, or another application's
 *       SQLite file, is refused before anything is written to it. Each
 *       migration step is one transaction that re-reads user_version inside
 *       it, so two processes opening an old file at once migrate it once.
 *   (5) values reach SQL only through sqlite3_bind_*. The exceptions are
 *       PRAGMA user_version and application_id, which take no parameters;
 *       they are written from integer constants.
 *   (6) foreign keys are switched on for every connection (SQLite keeps
 *       that setting per connection, not in the file).
 *   (7) each connection counts what writing costs its caller: the time of
 *       every write statement (lock wait and commit fsync included) and of
 *       every wait for another connection's write lock (our own busy
 *       handler, which also keeps those waits short: it polls at most
 *       NVR_INDEX_BUSY_POLL_MAX_MS apart). nvrd shows the main loop's in
 *       /api/health.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>

#include "core/nvr-error.h"
#include "nvr-index-private.h"
#include "nvr-index.h"

struct _NvrIndex {
	GObject parent_instance;
	gchar *path;	      /* immutable */
	gchar *database_uuid; /* immutable after open */
	guint schema_version; /* immutable after open */
	GRecMutex lock;
	sqlite3 *db;	 /* protected by lock */
	guint depth;	 /* protected by lock: nesting of begin */
	NvrClock *clock; /* may be NULL: the system clock */
	gint64 wait_start_us; /* protected by lock: the current lock wait began */
	gint64 wait_mark_us;  /* protected by lock: its time accounted up to here */
	GMutex stats_lock;    /* read from other threads (nvrd's health) */
	NvrIndexStats stats;  /* protected by stats_lock */
};

/* SQLite's own busy_timeout sleeps up to 100 ms between tries */
#define NVR_INDEX_BUSY_POLL_MAX_MS 10

G_DEFINE_TYPE(NvrIndex, nvr_index, G_TYPE_OBJECT)

static void
nvr_index_finalize(GObject *object)
{
	NvrIndex *self = NVR_INDEX(object);

	if (self->depth > 0)
		g_critical("index closed inside a transaction: rolled back");
	if (self->db != NULL && sqlite3_close(self->db) != SQLITE_OK)
		g_warning("closing %s: %s", self->path, sqlite3_errmsg(self->db));
	g_clear_object(&self->clock);
	g_rec_mutex_clear(&self->lock);
	g_mutex_clear(&self->stats_lock);
	g_free(self->database_uuid);
	g_free(self->path);
	G_OBJECT_CLASS(nvr_index_parent_class)->finalize(object);
}

static void
nvr_index_class_init(NvrIndexClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_index_finalize;
}

static void
nvr_index_init(NvrIndex *self)
{
	g_rec_mutex_init(&self->lock);
	g_mutex_init(&self->stats_lock);
}

GRecMutexLocker *
nvr_index_lock(NvrIndex *self)
{
	if (!NVR_IS_INDEX(self))
		return NULL;
	return g_rec_mutex_locker_new(&self->lock);
}

static gint
nvr_index_code_from_rc(gint rc)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return NVR_ERROR_EXISTS;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return NVR_ERROR_NOT_FOUND;
	default:
		break;
	}
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
	case SQLITE_TOOBIG:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
		return NVR_ERROR_INVALID_ARGUMENT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return NVR_ERROR_BUSY;
	case SQLITE_FULL:
		return NVR_ERROR_NO_SPACE;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return NVR_ERROR_CORRUPT;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		return NVR_ERROR_IO;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return NVR_ERROR_PERMISSION;
	default:
		return NVR_ERROR_FAILED;
	}
}

gboolean
nvr_index_set_error(NvrIndex *self, gint rc, const gchar *what, GError **error)
{
	/* SQLite's messages name tables and constraints, never bound values */
	g_set_error(error, NVR_ERROR, nvr_index_code_from_rc(rc), "%s: %s", what,
		    self->db != NULL ? sqlite3_errmsg(self->db) : sqlite3_errstr(rc));
	return FALSE;
}

sqlite3_stmt *
nvr_index_prepare(NvrIndex *self, const gchar *sql, GError **error)
{
	sqlite3_stmt *stmt = NULL;
	gint rc = sqlite3_prepare_v2(self->db, sql, -1, &stmt, NULL);

	if (rc != SQLITE_OK) {
		nvr_index_set_error(self, rc, "preparing a statement", error);
		return NULL;
	}
	return stmt;
}

static void
nvr_index_count_write(NvrIndex *self, gint64 start_us)
{
	gint64 us = g_get_monotonic_time() - start_us;

	g_mutex_lock(&self->stats_lock);
	self->stats.writes++;
	self->stats.write_us += us;
	self->stats.write_max_us = MAX(self->stats.write_max_us, us);
	g_mutex_unlock(&self->stats_lock);
}

gboolean
nvr_index_exec(NvrIndex *self, const gchar *sql, GError **error)
{
	gint64 start_us = g_get_monotonic_time();
	gint rc = sqlite3_exec(self->db, sql, NULL, NULL, NULL);

	/* BEGIN, COMMIT, ROLLBACK and pragmas: where write locks are taken and fsyncs done */
	nvr_index_count_write(self, start_us);
	if (rc != SQLITE_OK)
		return nvr_index_set_error(self, rc, "index", error);
	return TRUE;
}

gint
nvr_index_step_row(NvrIndex *self, sqlite3_stmt *stmt, GError **error)
{
	gint64 start_us = g_get_monotonic_time();
	gint rc = sqlite3_step(stmt);

	if (!sqlite3_stmt_readonly(stmt))
		nvr_index_count_write(self, start_us);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	nvr_index_set_error(self, rc, "index", error);
	return -1;
}

gboolean
nvr_index_step_done(NvrIndex *self, sqlite3_stmt *stmt, GError **error)
{
	return nvr_index_step_row(self, stmt, error) >= 0;
}

gboolean
nvr_index_step_changed(NvrIndex *self, sqlite3_stmt *stmt, const gchar *what, GError **error)
{
	if (!nvr_index_step_done(self, stmt, error))
		return FALSE;
	if (sqlite3_changes(self->db) == 0) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND, "%s: not found", what);
		return FALSE;
	}
	return TRUE;
}

gint64
nvr_index_last_insert_id(NvrIndex *self)
{
	return sqlite3_last_insert_rowid(self->db);
}

static gint
nvr_index_param(sqlite3_stmt *stmt, const gchar *name, GError **error)
{
	gint idx = sqlite3_bind_parameter_index(stmt, name);

	if (idx == 0) {
		g_critical("no parameter %s in: %s", name, sqlite3_sql(stmt));
		g_set_error(error, NVR_ERROR, NVR_ERROR_FAILED, "index: no parameter %s", name);
	}
	return idx;
}

static gboolean
nvr_index_bind_check(gint rc, const gchar *name, GError **error)
{
	if (rc == SQLITE_OK)
		return TRUE;
	g_set_error(error, NVR_ERROR, nvr_index_code_from_rc(rc), "index: binding %s: %s", name,
		    sqlite3_errstr(rc));
	return FALSE;
}

gboolean
nvr_index_bind_text(sqlite3_stmt *stmt, const gchar *name, const gchar *value, GError **error)
{
	gint idx = nvr_index_param(stmt, name, error);

	if (idx == 0)
		return FALSE;
	if (value == NULL)
		return nvr_index_bind_check(sqlite3_bind_null(stmt, idx), name, error);
	/* every TEXT column is UTF-8: JSON output and the web UI rely on it */
	if (!g_utf8_validate(value, -1, NULL)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "%s: not valid UTF-8",
			    name + 1);
		return FALSE;
	}
	return nvr_index_bind_check(sqlite3_bind_text(stmt, idx, value, -1, SQLITE_TRANSIENT), name,
				    error);
}

gboolean
nvr_index_bind_bytes(sqlite3_stmt *stmt, const gchar *name, GBytes *value, GError **error)
{
	gint idx = nvr_index_param(stmt, name, error);
	gsize len = 0;
	gconstpointer data;

	if (idx == 0)
		return FALSE;
	if (value == NULL)
		return nvr_index_bind_check(sqlite3_bind_null(stmt, idx), name, error);
	data = g_bytes_get_data(value, &len);
	return nvr_index_bind_check(
		sqlite3_bind_blob64(stmt, idx, len > 0 ? data : "", len, SQLITE_TRANSIENT), name,
		error);
}

gboolean
nvr_index_bind_int64(sqlite3_stmt *stmt, const gchar *name, gint64 value, GError **error)
{
	gint idx = nvr_index_param(stmt, name, error);

	if (idx == 0)
		return FALSE;
	return nvr_index_bind_check(sqlite3_bind_int64(stmt, idx, value), name, error);
}

/* 0 stands for SQL NULL: ids start at 1 and optional limits are positive */
gboolean
nvr_index_bind_int64_or_null(sqlite3_stmt *stmt, const gchar *name, gint64 value, GError **error)
{
	gint idx = nvr_index_param(stmt, name, error);

	if (idx == 0)
		return FALSE;
	if (value == 0)
		return nvr_index_bind_check(sqlite3_bind_null(stmt, idx), name, error);
	return nvr_index_bind_check(sqlite3_bind_int64(stmt, idx, value), name, error);
}

gchar *
nvr_index_column_dup_text(sqlite3_stmt *stmt, gint col)
{
	const guchar *text = sqlite3_column_text(stmt, col);

	if (text == NULL)
		return NULL;
	return g_strndup((const gchar *)text, sqlite3_column_bytes(stmt, col));
}

GBytes *
nvr_index_column_dup_bytes(sqlite3_stmt *stmt, gint col)
{
	const void *blob;

	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return NULL;
	blob = sqlite3_column_blob(stmt, col);
	return g_bytes_new(blob, sqlite3_column_bytes(stmt, col));
}

GPtrArray *
nvr_index_collect_rows(NvrIndex *self, sqlite3_stmt *stmt, NvrIndexRowNewFunc row_new,
		       GDestroyNotify row_free, GError **error)
{
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func(row_free);
	gint rc;

	while ((rc = nvr_index_step_row(self, stmt, error)) == 1)
		g_ptr_array_add(rows, row_new(stmt));
	if (rc < 0)
		return NULL;
	return g_steal_pointer(&rows);
}

gpointer
nvr_index_collect_one(NvrIndex *self, sqlite3_stmt *stmt, NvrIndexRowNewFunc row_new,
		      const gchar *what, GError **error)
{
	gint rc = nvr_index_step_row(self, stmt, error);

	if (rc < 0)
		return NULL;
	if (rc == 0) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND, "%s: not found", what);
		return NULL;
	}
	return row_new(stmt);
}

gpointer
nvr_index_load_by_id(NvrIndex *self, const gchar *sql, gint64 id, NvrIndexRowNewFunc row_new,
		     const gchar *what, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = nvr_index_prepare(self, sql, error);

	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":id", id, error))
		return NULL;
	return nvr_index_collect_one(self, stmt, row_new, what, error);
}

GPtrArray *
nvr_index_list_by_id(NvrIndex *self, const gchar *sql, gint64 id, NvrIndexRowNewFunc row_new,
		     GDestroyNotify row_free, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = nvr_index_prepare(self, sql, error);

	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":id", id, error))
		return NULL;
	return nvr_index_collect_rows(self, stmt, row_new, row_free, error);
}

/* a query for one number; no row gives 0 */
gboolean
nvr_index_query_int64(NvrIndex *self, const gchar *sql, gint64 id, gint64 *value, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = nvr_index_prepare(self, sql, error);
	gint rc;

	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":id", id, error))
		return FALSE;
	rc = nvr_index_step_row(self, stmt, error);
	if (rc < 0)
		return FALSE;
	*value = rc == 1 ? sqlite3_column_int64(stmt, 0) : 0;
	return TRUE;
}

/* a change to any number of rows, zero included */
gboolean
nvr_index_exec_by_id(NvrIndex *self, const gchar *sql, gint64 id, gint64 *n_changed, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = nvr_index_prepare(self, sql, error);

	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":id", id, error) ||
	    !nvr_index_step_done(self, stmt, error))
		return FALSE;
	if (n_changed != NULL)
		*n_changed = sqlite3_changes64(self->db);
	return TRUE;
}

/* a row that others still reference (ON DELETE NO ACTION) is busy, not missing */
gboolean
nvr_index_delete_by_id(NvrIndex *self, const gchar *sql, gint64 id, const gchar *what,
		       GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = nvr_index_prepare(self, sql, error);

	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":id", id, error))
		return FALSE;
	if (nvr_index_step_changed(self, stmt, what, error))
		return TRUE;
	if (sqlite3_extended_errcode(self->db) == SQLITE_CONSTRAINT_FOREIGNKEY && error != NULL &&
	    *error != NULL) {
		(*error)->code = NVR_ERROR_BUSY;
		g_prefix_error(error, "%s %" G_GINT64_FORMAT " is still in use: ", what, id);
	}
	return FALSE;
}

/* names users type and see: printable UTF-8, no '/', 1 to @max_chars characters */
gboolean
nvr_index_validate_label(const gchar *what, const gchar *text, glong max_chars, GError **error)
{
	glong n_chars;

	if (text == NULL || !g_utf8_validate(text, -1, NULL)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
			    "%s: missing or not UTF-8", what);
		return FALSE;
	}
	n_chars = g_utf8_strlen(text, -1);
	if (n_chars < 1 || n_chars > max_chars) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
			    "%s: must be 1 to %ld characters", what, max_chars);
		return FALSE;
	}
	for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		/* control and format characters (bidi overrides) would spoof what is shown */
		if (c == '/' || !g_unichar_isprint(c)) {
			g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "%s: only printable characters, no '/'", what);
			return FALSE;
		}
	}
	return TRUE;
}

/* transactions (invariants 1 and 2) */

gboolean
nvr_index_begin(NvrIndex *self, GError **error)
{
	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);

	g_rec_mutex_lock(&self->lock);
	if (!nvr_index_exec(self, self->depth == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT nvr_nested",
			    error)) {
		g_rec_mutex_unlock(&self->lock);
		return FALSE;
	}
	self->depth++;
	return TRUE;
}

/* ends the innermost level; called with the lock taken once more than begin took it */
static void
nvr_index_end_level(NvrIndex *self)
{
	self->depth--;
	g_rec_mutex_unlock(&self->lock);
	g_rec_mutex_unlock(&self->lock);
}

static void
nvr_index_rollback_unlocked(NvrIndex *self)
{
	g_autoptr(GError) error_local = NULL;

	if (self->depth > 1) {
		if (!nvr_index_exec(self, "ROLLBACK TO nvr_nested; RELEASE nvr_nested",
				    &error_local))
			g_warning("rolling back a nested transaction: %s", error_local->message);
		return;
	}
	/* some errors (SQLITE_FULL, IOERR) already rolled the transaction back */
	if (sqlite3_get_autocommit(self->db))
		return;
	if (!nvr_index_exec(self, "ROLLBACK", &error_local))
		g_warning("rolling back: %s", error_local->message);
}

gboolean
nvr_index_commit(NvrIndex *self, GError **error)
{
	gboolean ok;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);

	g_rec_mutex_lock(&self->lock);
	if (self->depth == 0) {
		g_rec_mutex_unlock(&self->lock);
		g_critical("nvr_index_commit() without nvr_index_begin()");
		return FALSE;
	}
	ok = nvr_index_exec(self, self->depth == 1 ? "COMMIT" : "RELEASE nvr_nested", error);
	if (!ok) {
		g_prefix_error(error, "commit: ");
		nvr_index_rollback_unlocked(self);
	}
	nvr_index_end_level(self);
	return ok;
}

void
nvr_index_rollback(NvrIndex *self)
{
	g_return_if_fail(NVR_IS_INDEX(self));

	g_rec_mutex_lock(&self->lock);
	if (self->depth == 0) {
		g_rec_mutex_unlock(&self->lock);
		g_critical("nvr_index_rollback() without nvr_index_begin()");
		return;
	}
	nvr_index_rollback_unlocked(self);
	nvr_index_end_level(self);
}

/* pragmas and migrations (invariants 4 and 5) */

static gboolean
nvr_index_read_pragma_int(NvrIndex *self, const gchar *sql, gint64 *value, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = nvr_index_prepare(self, sql, error);

	if (stmt == NULL || nvr_index_step_row(self, stmt, error) < 0)
		return FALSE;
	*value = sqlite3_column_int64(stmt, 0);
	return TRUE;
}

static gboolean
nvr_index_read_user_version(NvrIndex *self, guint *version, GError **error)
{
	gint64 value = 0;

	if (!nvr_index_read_pragma_int(self, "PRAGMA user_version", &value, error))
		return FALSE;
	*version = (guint)CLAMP(value, 0, G_MAXUINT);
	return TRUE;
}

static gboolean
nvr_index_write_pragma_int(NvrIndex *self, const gchar *pragma, guint32 value, GError **error)
{
	g_autofree gchar *sql = g_strdup_printf("PRAGMA %s = %" G_GUINT32_FORMAT, pragma, value);

	return nvr_index_exec(self, sql, error);
}

static gboolean
nvr_index_check_newer(guint version, GError **error)
{
	if (version <= NVR_INDEX_SCHEMA_VERSION)
		return TRUE;
	g_set_error(error, NVR_ERROR, NVR_ERROR_VERSION,
		    "the index has schema version %u, newer than this nvr knows (%u): "
		    "upgrade nvr, or restore a backup made for this version",
		    version, (guint)NVR_INDEX_SCHEMA_VERSION);
	return FALSE;
}

/* another program's SQLite file must never be "migrated" into ours */
static gboolean
nvr_index_check_ours(NvrIndex *self, guint version, GError **error)
{
	gint64 app_id = 0;
	gint64 n_tables = 0;

	if (!nvr_index_read_pragma_int(self, "PRAGMA application_id", &app_id, error))
		return FALSE;
	if (version > 0 && app_id == NVR_INDEX_APPLICATION_ID)
		return TRUE;
	if (!nvr_index_read_pragma_int(self, "SELECT count(*) FROM sqlite_schema", &n_tables,
				       error))
		return FALSE;
	if (version == 0 && app_id == 0 && n_tables == 0)
		return TRUE;
	g_set_error_literal(error, NVR_ERROR, NVR_ERROR_CORRUPT,
			    "not an nvr index (another application's SQLite database)");
	return FALSE;
}

static gboolean
nvr_index_seed(NvrIndex *self, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autofree gchar *uuid = g_uuid_string_random();

	if (!nvr_index_write_pragma_int(self, "application_id", NVR_INDEX_APPLICATION_ID, error))
		return FALSE;
	stmt = nvr_index_prepare(
		self, "INSERT INTO meta (key, value) VALUES ('database_uuid', :uuid)", error);
	if (stmt == NULL || !nvr_index_bind_text(stmt, ":uuid", uuid, error))
		return FALSE;
	return nvr_index_step_done(self, stmt, error);
}

static gboolean
nvr_index_migrate_step_unlocked(NvrIndex *self, const NvrIndexMigration *m, GError **error)
{
	guint current = 0;

	if (!nvr_index_read_user_version(self, &current, error))
		return FALSE;
	if (current >= m->version) /* another process got there first */
		return TRUE;
	if (!nvr_index_exec(self, m->sql, error))
		return FALSE;
	if (m->version == 1 && !nvr_index_seed(self, error))
		return FALSE;
	return nvr_index_write_pragma_int(self, "user_version", m->version, error);
}

static gboolean
nvr_index_migrate(NvrIndex *self, guint from, guint to, GError **error)
{
	guint n_migrations = 0;
	const NvrIndexMigration *migrations = nvr_index_schema_get_migrations(&n_migrations);

	for (guint i = 0; i < n_migrations; i++) {
		const NvrIndexMigration *m = &migrations[i];

		if (m->version <= from || m->version > to)
			continue;
		if (!nvr_index_begin(self, error))
			return FALSE;
		if (!nvr_index_migrate_step_unlocked(self, m, error)) {
			nvr_index_rollback(self);
			g_prefix_error(error, "migrating the index to schema v%u: ", m->version);
			return FALSE;
		}
		if (!nvr_index_commit(self, error))
			return FALSE;
		g_debug("%s: schema v%u", self->path, m->version);
	}
	return TRUE;
}

static gboolean
nvr_index_configure(NvrIndex *self, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	const gchar *mode;

	/* WAL lets nvrctl read while nvrd writes; it is a property of the file */
	stmt = nvr_index_prepare(self, "PRAGMA journal_mode = WAL", error);
	if (stmt == NULL || nvr_index_step_row(self, stmt, error) < 0)
		return FALSE;
	mode = (const gchar *)sqlite3_column_text(stmt, 0);
	if (g_strcmp0(mode, "wal") != 0) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED,
			    "the file system refuses WAL mode (journal mode is %s)",
			    mode != NULL ? mode : "unknown");
		return FALSE;
	}
	return nvr_index_exec(self, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", error);
}

/*
 * sealed camera passwords and session hashes live here: the file is made
 * 0600 before SQLite creates it (SQLite gives -wal and -shm the mode of the
 * database file)
 */
static gboolean
nvr_index_create_private(const gchar *path, GError **error)
{
	gint fd = g_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	gint errsv = errno;

	if (fd < 0 && errsv != EEXIST)
		return nvr_error_from_errno(error, errsv, "creating %s", path);
	if (fd >= 0)
		g_close(fd, NULL);
	return TRUE;
}

/*
 * SQLite calls this while the write lock (or, rarely, a read lock) is another
 * connection's: @count is 0 at the first call of each wait. Returns: 0 to
 * give up with SQLITE_BUSY, else it slept and SQLite tries again.
 */
static gint
nvr_index_busy_cb(gpointer data, gint count)
{
	NvrIndex *self = data;
	gint64 now = g_get_monotonic_time();
	gint64 sleep_us = MIN(1 << MIN(count / 2, 8), NVR_INDEX_BUSY_POLL_MAX_MS) * 1000;

	if (count == 0) {
		self->wait_start_us = self->wait_mark_us = now;
		g_mutex_lock(&self->stats_lock);
		self->stats.lock_waits++;
		g_mutex_unlock(&self->stats_lock);
	}
	if (now - self->wait_start_us >= NVR_INDEX_BUSY_TIMEOUT_MS * 1000)
		return 0;
	g_usleep((gulong)sleep_us);
	now = g_get_monotonic_time();
	g_mutex_lock(&self->stats_lock);
	self->stats.lock_wait_us += now - self->wait_mark_us;
	self->stats.lock_wait_max_us = MAX(self->stats.lock_wait_max_us, now - self->wait_start_us);
	g_mutex_unlock(&self->stats_lock);
	self->wait_mark_us = now;
	return 1;
}

static gboolean
nvr_index_open_db(NvrIndex *self, GError **error)
{
	gint rc;

	if (!nvr_index_create_private(self->path, error))
		return FALSE;
	rc = sqlite3_open_v2(self->path, &self->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
			     NULL);

	if (rc != SQLITE_OK)
		return nvr_index_set_error(self, rc, "opening", error);
	sqlite3_extended_result_codes(self->db, 1);
	sqlite3_busy_handler(self->db, nvr_index_busy_cb, self);
	return TRUE;
}

static gboolean
nvr_index_setup(NvrIndex *self, guint target_version, GError **error)
{
	guint version = 0;

	if (!nvr_index_open_db(self, error))
		return FALSE;
	if (!nvr_index_read_user_version(self, &version, error))
		return FALSE;
	if (!nvr_index_check_newer(version, error) || !nvr_index_check_ours(self, version, error))
		return FALSE;
	if (!nvr_index_configure(self, error) ||
	    !nvr_index_migrate(self, version, target_version, error))
		return FALSE;
	/* a newer nvr may have migrated it past us while we waited */
	if (!nvr_index_read_user_version(self, &version, error) ||
	    !nvr_index_check_newer(version, error))
		return FALSE;
	self->schema_version = version;
	self->database_uuid = nvr_index_meta_get(self, "database_uuid", error);
	return self->database_uuid != NULL;
}

/**
 * nvr_index_open:
 * @path: the database file; created with the current schema if missing
 *
 * Opens, configures (WAL, synchronous=FULL, foreign keys, busy timeout) and
 * migrates the index step by step to NVR_INDEX_SCHEMA_VERSION.
 *
 * Returns: (transfer full): the index, or %NULL with NVR_ERROR_VERSION for a
 * newer schema, NVR_ERROR_CORRUPT for a file that is not an nvr index
 */
NvrIndex *
nvr_index_open(const gchar *path, GError **error)
{
	return nvr_index_open_at_version(path, NVR_INDEX_SCHEMA_VERSION, error);
}

/* for tests: an index migrated no further than @target_version, as an older nvr left it */
NvrIndex *
nvr_index_open_at_version(const gchar *path, guint target_version, GError **error)
{
	g_autoptr(NvrIndex) self = g_object_new(NVR_TYPE_INDEX, NULL);

	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(target_version <= NVR_INDEX_SCHEMA_VERSION, NULL);

	self->path = g_strdup(path);
	if (!nvr_index_setup(self, target_version, error)) {
		g_prefix_error(error, "index %s: ", path);
		return NULL;
	}
	return g_steal_pointer(&self);
}

guint
nvr_index_get_schema_version(NvrIndex *self)
{
	g_return_val_if_fail(NVR_IS_INDEX(self), 0);
	return self->schema_version;
}

const gchar *
nvr_index_get_path(NvrIndex *self)
{
	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);
	return self->path;
}

/* bound by the footage dir's meta file (store/nvr-footage.h) */
const gchar *
nvr_index_get_database_uuid(NvrIndex *self)
{
	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);
	return self->database_uuid;
}

/* thread-safe: what writing has cost this connection's callers so far (invariant 7) */
void
nvr_index_get_stats(NvrIndex *self, NvrIndexStats *stats)
{
	g_return_if_fail(NVR_IS_INDEX(self) && stats != NULL);

	g_mutex_lock(&self->stats_lock);
	*stats = self->stats;
	g_mutex_unlock(&self->stats_lock);
}

/* created_us, updated_us and the like come from @clock (tests use a fake one) */
void
nvr_index_set_clock(NvrIndex *self, NvrClock *clock)
{
	NVR_INDEX_LOCKED(self);

	g_return_if_fail(NVR_IS_INDEX(self));

	g_set_object(&self->clock, clock);
}

gint64
nvr_index_now_us(NvrIndex *self)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), 0);

	if (self->clock != NULL)
		return nvr_clock_get_realtime_us(self->clock);
	return g_get_real_time();
}

gchar *
nvr_index_meta_get(NvrIndex *self, const gchar *key, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;
	gint rc;

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);
	g_return_val_if_fail(key != NULL, NULL);

	stmt = nvr_index_prepare(self, "SELECT value FROM meta WHERE key = :key", error);
	if (stmt == NULL || !nvr_index_bind_text(stmt, ":key", key, error))
		return NULL;
	rc = nvr_index_step_row(self, stmt, error);
	if (rc < 0)
		return NULL;
	if (rc == 0) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND, "meta key %s: not found", key);
		return NULL;
	}
	return nvr_index_column_dup_text(stmt, 0);
}

gboolean
nvr_index_meta_set(NvrIndex *self, const gchar *key, const gchar *value, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(key != NULL && value != NULL, FALSE);

	stmt = nvr_index_prepare(self,
				 "INSERT INTO meta (key, value) VALUES (:key, :value) "
				 "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
				 error);
	if (stmt == NULL || !nvr_index_bind_text(stmt, ":key", key, error) ||
	    !nvr_index_bind_text(stmt, ":value", value, error))
		return FALSE;
	return nvr_index_step_done(self, stmt, error);
}
