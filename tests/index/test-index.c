#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "core/nvr-error.h"
#include "index/nvr-index-all.h"
#include "index/nvr-index-private.h"
#include "nvr-test-common.h"

#define T0_US (G_GINT64_CONSTANT(1764338400) * G_USEC_PER_SEC) /* 2025-11-28T14:00:00Z */
#define MIN_US (G_GINT64_CONSTANT(60) * G_USEC_PER_SEC)
#define HOUR_US (60 * MIN_US)

/* the error first: a failure then prints its message */
#define ASSERT_OK(call)                                                                            \
	G_STMT_START                                                                               \
	{                                                                                          \
		gboolean ok_ = (call);                                                             \
		g_assert_no_error(error);                                                          \
		g_assert_true(ok_);                                                                \
	}                                                                                          \
	G_STMT_END

typedef struct {
	gchar *dir;
	gchar *path;
	NvrClock *clock;
	NvrIndex *index;
} IndexFixture;

static NvrIndex *
open_index(IndexFixture *fx)
{
	g_autoptr(GError) error = NULL;
	NvrIndex *index = nvr_index_open(fx->path, &error);

	g_assert_no_error(error);
	g_assert_nonnull(index);
	nvr_index_set_clock(index, fx->clock);
	return index;
}

static void
index_setup(IndexFixture *fx, gconstpointer data)
{
	fx->dir = nvr_test_mkdtemp();
	fx->path = g_build_filename(fx->dir, "nvr.db", NULL);
	fx->clock = nvr_clock_new_fake(T0_US, 1000 * G_USEC_PER_SEC);
	if (data == NULL)
		fx->index = open_index(fx);
	nvr_test_watchdog_start(60);
}

static void
index_teardown(IndexFixture *fx, gconstpointer data)
{
	nvr_test_watchdog_stop();
	g_clear_object(&fx->index);
	g_clear_object(&fx->clock);
	nvr_test_rm_rf(fx->dir);
	g_free(fx->path);
	g_free(fx->dir);
}

/* a second, raw connection: what another process (or a forensic look) sees */
static sqlite3 *
raw_open(const gchar *path)
{
	sqlite3 *db = NULL;

	g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static gint64
raw_int(sqlite3 *db, const gchar *sql)
{
	sqlite3_stmt *stmt = NULL;
	gint64 value;

	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
	value = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return value;
}

static void
raw_exec(sqlite3 *db, const gchar *sql)
{
	gchar *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		g_error("%s: %s", sql, msg);
}

static NvrIndexCamera *
camera_new(const gchar *name)
{
	NvrIndexCamera *camera = nvr_index_camera_new();

	camera->name = g_strdup(name);
	camera->main_url = g_strdup("rtsp://192.0.2.10:554/Streaming/Channels/101");
	return camera;
}

static NvrIndexCamera *
camera_add(NvrIndex *index, const gchar *name)
{
	g_autoptr(GError) error = NULL;
	NvrIndexCamera *camera = camera_new(name);

	ASSERT_OK(nvr_index_camera_insert(index, camera, &error));
	g_assert_cmpint(camera->id, >, 0);
	return camera;
}

static gint64
camera_generation(NvrIndex *index)
{
	g_autoptr(GError) error = NULL;
	gint64 generation = -1;

	ASSERT_OK(nvr_index_camera_get_generation(index, &generation, &error));
	return generation;
}

static guint
camera_count(NvrIndex *index)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) cameras = nvr_index_camera_list(index, FALSE, &error);

	g_assert_no_error(error);
	return cameras->len;
}

/* open, create, migrate */

static void
test_create(IndexFixture *fx, gconstpointer data)
{
	g_autofree gchar *wal = g_strconcat(fx->path, "-wal", NULL);
	sqlite3 *db = raw_open(fx->path);
	GStatBuf st;

	g_assert_cmpuint(nvr_index_get_schema_version(fx->index), ==, NVR_INDEX_SCHEMA_VERSION);
	g_assert_true(g_uuid_string_is_valid(nvr_index_get_database_uuid(fx->index)));
	g_assert_cmpstr(nvr_index_get_path(fx->index), ==, fx->path);
	g_assert_cmpint(raw_int(db, "PRAGMA user_version"), ==, NVR_INDEX_SCHEMA_VERSION);
	g_assert_cmpint(raw_int(db, "PRAGMA application_id"), ==, NVR_INDEX_APPLICATION_ID);
	g_assert_cmpint(raw_int(db, "SELECT count(*) FROM pragma_journal_mode WHERE "
				    "journal_mode = 'wal'"),
			==, 1);
	g_assert_cmpint(camera_generation(fx->index), ==, 0);
	sqlite3_close(db);
	/* sealed passwords and session hashes: no one else may read the files */
	g_assert_cmpint(g_stat(fx->path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpint(g_stat(wal, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
}

static void
test_reopen(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(NvrIndexCamera) camera = camera_add(fx->index, "porch");
	g_autofree gchar *uuid = g_strdup(nvr_index_get_database_uuid(fx->index));
	g_autoptr(NvrIndexCamera) again = NULL;
	g_autoptr(GError) error = NULL;

	g_clear_object(&fx->index);
	fx->index = open_index(fx);
	g_assert_cmpstr(nvr_index_get_database_uuid(fx->index), ==, uuid);
	again = nvr_index_camera_load_by_uuid(fx->index, camera->uuid, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(again->name, ==, "porch");
	g_assert_cmpint(camera_generation(fx->index), ==, 1);
}

/* a v1 database, made exactly as an nvr of schema v1 made it, with rows */
static void
test_migrate_v1(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndex) v1 = nvr_index_open_at_version(fx->path, 1, &error);
	g_autoptr(NvrIndexCamera) camera = NULL;
	g_autoptr(NvrIndexSegment) segment = NULL;
	g_autofree gchar *db_uuid = NULL;
	sqlite3 *db;

	g_assert_no_error(error);
	g_assert_cmpuint(nvr_index_get_schema_version(v1), ==, 1);
	camera = camera_add(v1, "garage");
	db_uuid = g_strdup(nvr_index_get_database_uuid(v1));
	g_clear_object(&v1);

	/* what a v1 recorder wrote: no tags digest yet, no device tables */
	db = raw_open(fx->path);
	g_assert_cmpint(raw_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'devices'"),
			==, 0);
	raw_exec(db, "INSERT INTO footage_dirs (path, uuid, added_us) VALUES "
		     "('/srv/nvr', '11111111-2222-3333-4444-555555555555', 1)");
	raw_exec(db, "INSERT INTO runs (camera_id, stream, start_us, media_anchor, wall_anchor_us) "
		     "VALUES (1, 0, 100, 0, 100)");
	raw_exec(db,
		 "INSERT INTO segments (camera_id, run_id, stream, status, start_us, end_us, "
		 "header_start_us, media_start, file_len, header_mac, last_tag, footage_dir_id, "
		 "created_us) VALUES (1, 1, 0, 'finalized', 100, 200, 100, 0, 4096, zeroblob(32), "
		 "zeroblob(16), 1, 1)");
	sqlite3_close(db);

	fx->index = open_index(fx);
	g_assert_cmpuint(nvr_index_get_schema_version(fx->index), ==, NVR_INDEX_SCHEMA_VERSION);
	g_assert_cmpstr(nvr_index_get_database_uuid(fx->index), ==, db_uuid);
	g_assert_cmpint(camera_generation(fx->index), ==, 1);
	g_assert_cmpint(camera_count(fx->index), ==, 1);
	segment = nvr_index_segment_load(fx->index, 1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(segment->status, ==, NVR_INDEX_SEGMENT_FINALIZED);
	g_assert_cmpint(segment->file_len, ==, 4096);
	g_assert_null(segment->tags_digest);
	/* rows kept, v2 columns and tables there */
	db = raw_open(fx->path);
	g_assert_cmpint(raw_int(db, "SELECT file_len FROM segments WHERE tags_digest IS NULL"), ==,
			4096);
	g_assert_cmpint(raw_int(db, "SELECT count(*) FROM devices"), ==, 0);
	sqlite3_close(db);
}

/* a step that fails leaves the database as it was: one transaction per step */
static void
test_migrate_step_atomic(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndex) v1 = nvr_index_open_at_version(fx->path, 1, &error);
	g_autoptr(NvrIndex) index = NULL;
	sqlite3 *db;

	g_assert_no_error(error);
	g_clear_object(&v1);
	/* something in the way of the v2 step, halfway through it */
	db = raw_open(fx->path);
	raw_exec(db, "CREATE TABLE evidence (x)");
	sqlite3_close(db);

	index = nvr_index_open(fx->path, &error);
	g_assert_null(index);
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "schema v2"));
	g_test_message("refused as expected: %s", error->message);
	db = raw_open(fx->path);
	g_assert_cmpint(raw_int(db, "PRAGMA user_version"), ==, 1);
	g_assert_cmpint(raw_int(db, "SELECT count(*) FROM pragma_table_info('segments') "
				    "WHERE name = 'tags_digest'"),
			==, 0);
	g_assert_cmpint(raw_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'devices'"),
			==, 0);
	sqlite3_close(db);
}

/*
 * a released step must never change: databases in the field were made by
 * exactly this text. If this fails, add a new step instead.
 */
static void
test_schema_steps_frozen(void)
{
	static const gchar *const sha256[] = {
		"429f0adee9af5fa4b4e60b0a00f6a6cbbad37a20543d1f3926ff532d51acb9ca",
		"2acaf7515eeaab75580773b32d6eef6053e3d7c8a32b39768d2b757681e9d859",
		"2ab0bfdd47fac2971d961aa33bcde65ccd5b3771c4b705c37c9e5deea3dc9469",
		"aedd47ff135578bd055db317529d4ca7155728e8c4e8eb84960302678d481d69",
	};
	guint n = 0;
	const NvrIndexMigration *m = nvr_index_schema_get_migrations(&n);

	g_assert_cmpuint(n, ==, G_N_ELEMENTS(sha256));
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *sum =
			g_compute_checksum_for_string(G_CHECKSUM_SHA256, m[i].sql, -1);

		g_assert_cmpuint(m[i].version, ==, i + 1);
		g_assert_cmpstr(sum, ==, sha256[i]);
	}
}

static void
test_newer_refused(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndex) index = NULL;
	sqlite3 *db;

	g_clear_object(&fx->index);
	db = raw_open(fx->path);
	raw_exec(db, "PRAGMA user_version = 99");
	sqlite3_close(db);

	index = nvr_index_open(fx->path, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_VERSION);
	g_assert_null(index);
	g_assert_nonnull(strstr(error->message, "99"));
	/* and left as it was */
	db = raw_open(fx->path);
	g_assert_cmpint(raw_int(db, "PRAGMA user_version"), ==, 99);
	sqlite3_close(db);
}

static void
test_foreign_file_refused(IndexFixture *fx, gconstpointer data)
{
	g_autofree gchar *other = g_build_filename(fx->dir, "other.db", NULL);
	g_autofree gchar *junk = g_build_filename(fx->dir, "junk.db", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndex) index = NULL;
	sqlite3 *db = raw_open(other);

	raw_exec(db, "CREATE TABLE photos (id INTEGER PRIMARY KEY)");
	sqlite3_close(db);
	index = nvr_index_open(other, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_CORRUPT);
	g_assert_null(index);
	g_clear_error(&error);

	g_assert_true(
		g_file_set_contents(junk, "this is not a database, not at all....", -1, NULL));
	index = nvr_index_open(junk, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_CORRUPT);
	g_assert_null(index);
}

typedef struct {
	const gchar *path;
	GError *error;
	gchar *uuid;
} OpenJob;

static gpointer
open_thread(gpointer data)
{
	OpenJob *job = data;
	g_autoptr(NvrIndex) index = nvr_index_open(job->path, &job->error);

	if (index != NULL)
		job->uuid = g_strdup(nvr_index_get_database_uuid(index));
	return NULL;
}

/* two processes starting at once on a fresh file create it once */
static void
test_concurrent_open(IndexFixture *fx, gconstpointer data)
{
	OpenJob jobs[4] = {{fx->path}, {fx->path}, {fx->path}, {fx->path}};
	GThread *threads[G_N_ELEMENTS(jobs)];

	for (guint i = 0; i < G_N_ELEMENTS(jobs); i++)
		threads[i] = g_thread_new("open", open_thread, &jobs[i]);
	for (guint i = 0; i < G_N_ELEMENTS(jobs); i++) {
		g_thread_join(threads[i]);
		g_assert_no_error(jobs[i].error);
		g_assert_cmpstr(jobs[i].uuid, ==, jobs[0].uuid);
	}
	for (guint i = 0; i < G_N_ELEMENTS(jobs); i++)
		g_free(jobs[i].uuid);
}

typedef struct {
	NvrIndex *index;
	const gchar *name;
	gboolean ok;
	GError *error;
} InsertJob;

static gpointer
insert_thread(gpointer data)
{
	InsertJob *job = data;
	g_autoptr(NvrIndexCamera) camera = camera_new(job->name);

	job->ok = nvr_index_camera_insert(job->index, camera, &job->error);
	return NULL;
}

/* nvrctl writes while nvrd holds a write transaction: it waits, then succeeds */
static void
test_two_connections(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(NvrIndex) other = open_index(fx);
	g_autoptr(NvrIndexCamera) a = NULL;
	g_autoptr(GError) error = NULL;
	InsertJob job = {other, "from-nvrctl"};
	GThread *thread;

	g_assert_true(nvr_index_begin(fx->index, &error));
	a = camera_add(fx->index, "from-nvrd");
	/* snapshot isolation: the other connection does not see uncommitted rows */
	g_assert_cmpuint(camera_count(other), ==, 0);
	thread = g_thread_new("nvrctl", insert_thread, &job);
	g_usleep(100 * 1000); /* let it block on the write lock */
	ASSERT_OK(nvr_index_commit(fx->index, &error));
	g_thread_join(thread);
	g_assert_no_error(job.error);
	g_assert_true(job.ok);
	g_assert_cmpuint(camera_count(fx->index), ==, 2);
	g_assert_cmpuint(camera_count(other), ==, 2);
	g_assert_cmpint(camera_generation(other), ==, 2);
}

static void
test_transaction(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexCamera) a = NULL;
	g_autoptr(NvrIndexCamera) b = NULL;
	g_autoptr(NvrIndexCamera) c = NULL;
	g_autoptr(NvrIndexCamera) d = NULL;

	/* a batch that fails leaves nothing */
	g_assert_true(nvr_index_begin(fx->index, &error));
	a = camera_add(fx->index, "a");
	b = camera_add(fx->index, "b");
	nvr_index_rollback(fx->index);
	g_assert_cmpuint(camera_count(fx->index), ==, 0);

	/* nested: the inner level rolls back alone */
	g_assert_true(nvr_index_begin(fx->index, &error));
	c = camera_add(fx->index, "c");
	g_assert_true(nvr_index_begin(fx->index, &error));
	d = camera_add(fx->index, "d");
	nvr_index_rollback(fx->index);
	ASSERT_OK(nvr_index_commit(fx->index, &error));
	g_assert_cmpuint(camera_count(fx->index), ==, 1);
	g_clear_pointer(&c, nvr_index_camera_free);
	c = nvr_index_camera_load_by_name(fx->index, "c", &error);
	g_assert_no_error(error);
}

typedef struct {
	NvrIndex *index;
	guint seen;
} ListJob;

static gpointer
list_thread(gpointer data)
{
	ListJob *job = data;

	job->seen = camera_count(job->index);
	return NULL;
}

/* another thread of the same process waits for the batch instead of joining it */
static void
test_transaction_threads(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexCamera) a = NULL;
	ListJob job = {fx->index, G_MAXUINT};
	GThread *thread;

	g_assert_true(nvr_index_begin(fx->index, &error));
	thread = g_thread_new("main", list_thread, &job);
	a = camera_add(fx->index, "a");
	g_usleep(50 * 1000);
	g_assert_true(nvr_index_commit(fx->index, &error));
	g_thread_join(thread);
	g_assert_cmpuint(job.seen, ==, 1);
}

/* cameras */

static void
test_camera_crud(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexCamera) camera = camera_new("porch");
	g_autoptr(NvrIndexCamera) by_id = NULL;
	g_autoptr(NvrIndexCamera) by_name = NULL;
	g_autoptr(NvrIndexCamera) by_uuid = NULL;
	g_autoptr(NvrIndexCamera) other = camera_add(fx->index, "attic");
	g_autoptr(GPtrArray) list = NULL;
	const guint8 sealed[] = {0x00, 0x01, 0xfe, 0xff, 0x00};

	camera->sub_url = g_strdup("rtsp://192.0.2.10/sub");
	camera->username = g_strdup("admin");
	camera->password_sealed = g_bytes_new(sealed, sizeof(sealed));
	camera->record_sub = TRUE;
	camera->budget_bytes = 10 * 1000 * 1000 * 1000LL;
	camera->max_age_us = G_GINT64_CONSTANT(30) * 24 * HOUR_US;
	camera->vendor_hint = g_strdup("hikvision");
	ASSERT_OK(nvr_index_camera_insert(fx->index, camera, &error));
	g_assert_true(g_uuid_string_is_valid(camera->uuid));
	g_assert_cmpstr(camera->uuid, !=, other->uuid);
	g_assert_cmpint(camera->created_us, ==, T0_US);

	by_id = nvr_index_camera_load(fx->index, camera->id, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(by_id->uuid, ==, camera->uuid);
	g_assert_cmpstr(by_id->sub_url, ==, "rtsp://192.0.2.10/sub");
	g_assert_cmpstr(by_id->username, ==, "admin");
	g_assert_true(g_bytes_equal(by_id->password_sealed, camera->password_sealed));
	g_assert_true(by_id->record_main && by_id->record_sub && by_id->enabled);
	g_assert_cmpint(by_id->budget_bytes, ==, camera->budget_bytes);
	g_assert_cmpint(by_id->max_age_us, ==, camera->max_age_us);
	g_assert_cmpstr(by_id->vendor_hint, ==, "hikvision");
	g_assert_null(by_id->model_hint);
	g_assert_cmpint(by_id->removed_us, ==, 0);
	by_name = nvr_index_camera_load_by_name(fx->index, "porch", &error);
	g_assert_no_error(error);
	g_assert_cmpint(by_name->id, ==, camera->id);
	by_uuid = nvr_index_camera_load_by_uuid(fx->index, camera->uuid, &error);
	g_assert_no_error(error);
	g_assert_cmpint(by_uuid->id, ==, camera->id);

	/* update: what changes, and updated_us */
	nvr_clock_fake_advance(fx->clock, G_USEC_PER_SEC);
	g_free(by_id->name);
	by_id->name = g_strdup("front porch");
	g_clear_pointer(&by_id->sub_url, g_free);
	g_clear_pointer(&by_id->password_sealed, g_bytes_unref);
	by_id->budget_bytes = 0;
	by_id->enabled = FALSE;
	ASSERT_OK(nvr_index_camera_update(fx->index, by_id, &error));
	g_clear_pointer(&by_name, nvr_index_camera_free);
	by_name = nvr_index_camera_load_by_name(fx->index, "front porch", &error);
	g_assert_no_error(error);
	g_assert_null(by_name->sub_url);
	g_assert_null(by_name->password_sealed);
	g_assert_cmpint(by_name->budget_bytes, ==, 0);
	g_assert_false(by_name->enabled);
	g_assert_cmpint(by_name->updated_us, ==, T0_US + G_USEC_PER_SEC);
	g_assert_cmpint(by_name->created_us, ==, T0_US);

	list = nvr_index_camera_list(fx->index, FALSE, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(list->len, ==, 2);
	g_assert_cmpstr(((NvrIndexCamera *)list->pdata[0])->name, ==, "attic");
	g_assert_cmpstr(((NvrIndexCamera *)list->pdata[1])->name, ==, "front porch");

	/* not found */
	g_clear_pointer(&by_uuid, nvr_index_camera_free);
	by_uuid = nvr_index_camera_load(fx->index, 999, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_assert_null(by_uuid);
	g_clear_error(&error);
	by_name->id = 999;
	g_free(by_name->name);
	by_name->name = g_strdup("nobody");
	g_assert_false(nvr_index_camera_update(fx->index, by_name, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
}

/* removing keeps the row (and so the footage); the name is free again */
static void
test_camera_remove_delete(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexCamera) old = camera_add(fx->index, "yard");
	g_autoptr(NvrIndexCamera) fresh = NULL;
	g_autoptr(NvrIndexCamera) loaded = NULL;
	g_autoptr(GPtrArray) all = NULL;

	ASSERT_OK(nvr_index_camera_remove(fx->index, old->id, &error));
	g_assert_false(nvr_index_camera_remove(fx->index, old->id, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_clear_error(&error);
	loaded = nvr_index_camera_load_by_name(fx->index, "yard", &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_clear_error(&error);
	loaded = nvr_index_camera_load(fx->index, old->id, &error);
	g_assert_no_error(error);
	g_assert_cmpint(loaded->removed_us, ==, T0_US);
	g_assert_false(loaded->enabled);
	g_assert_false(nvr_index_camera_update(fx->index, loaded, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_clear_error(&error);

	fresh = camera_add(fx->index, "yard");
	g_assert_cmpstr(fresh->uuid, !=, old->uuid);
	g_assert_cmpuint(camera_count(fx->index), ==, 1);
	all = nvr_index_camera_list(fx->index, TRUE, &error);
	g_assert_cmpuint(all->len, ==, 2);

	ASSERT_OK(nvr_index_camera_delete(fx->index, old->id, &error));
	g_assert_false(nvr_index_camera_delete(fx->index, old->id, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
}

static void
assert_insert_fails(NvrIndex *index, NvrIndexCamera *camera, gint code)
{
	g_autoptr(GError) error = NULL;

	g_assert_false(nvr_index_camera_insert(index, camera, &error));
	g_assert_error(error, NVR_ERROR, code);
	g_test_message("refused as expected: %s", error->message);
}

static void
test_camera_constraints(IndexFixture *fx, gconstpointer data)
{
	const gchar *bad_names[] = {
		"",
		"a/b",
		"tab\there",
		"bell\a",
		"\xff\xfe",
		"\u202eevil",
		"0123456789012345678901234567890123456789012345678901234567890123X"};
	g_autoptr(NvrIndexCamera) first = camera_add(fx->index, "kitchen");
	g_autoptr(NvrIndexCamera) camera = camera_new("kitchen");

	assert_insert_fails(fx->index, camera, NVR_ERROR_EXISTS);
	for (guint i = 0; i < G_N_ELEMENTS(bad_names); i++) {
		g_free(camera->name);
		camera->name = g_strdup(bad_names[i]);
		assert_insert_fails(fx->index, camera, NVR_ERROR_INVALID_ARGUMENT);
	}
	g_free(camera->name);
	camera->name = g_strdup("ü-64-"
				"01234567890123456789012345678901234567890123456789012345678");
	g_assert_cmpint(g_utf8_strlen(camera->name, -1), ==, 64);
	g_clear_pointer(&camera->uuid, g_free);
	g_assert_true(nvr_index_camera_insert(fx->index, camera, NULL));

	g_free(camera->name);
	camera->name = g_strdup("other");
	g_free(camera->uuid);
	camera->uuid = g_strdup(first->uuid);
	assert_insert_fails(fx->index, camera, NVR_ERROR_EXISTS);
	g_free(camera->uuid);
	camera->uuid = g_strdup("not-a-uuid");
	assert_insert_fails(fx->index, camera, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_pointer(&camera->uuid, g_free);

	g_free(camera->main_url);
	camera->main_url = g_strdup("rtsp://admin:secret@192.0.2.1/");
	assert_insert_fails(fx->index, camera, NVR_ERROR_INVALID_ARGUMENT);
	g_free(camera->main_url);
	camera->main_url = g_strdup("http://192.0.2.1/");
	assert_insert_fails(fx->index, camera, NVR_ERROR_INVALID_ARGUMENT);
	g_free(camera->main_url);
	camera->main_url = g_strdup("rtsp://192.0.2.1/");
	camera->budget_bytes = -5;
	assert_insert_fails(fx->index, camera, NVR_ERROR_INVALID_ARGUMENT);
	g_assert_cmpuint(camera_count(fx->index), ==, 2);
}

/* how nvrd notices a camera added by nvrctl: the counter moves on every change */
static void
test_camera_generation(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(NvrIndex) nvrctl = open_index(fx);
	g_autoptr(NvrIndexCamera) camera = NULL;
	g_autoptr(GError) error = NULL;
	gint64 g0 = camera_generation(fx->index);

	camera = camera_add(nvrctl, "new");
	g_assert_cmpint(camera_generation(fx->index), ==, g0 + 1);
	camera->record_sub = TRUE;
	g_assert_true(nvr_index_camera_update(nvrctl, camera, &error));
	g_assert_cmpint(camera_generation(fx->index), ==, g0 + 2);
	g_assert_true(nvr_index_camera_remove(nvrctl, camera->id, &error));
	g_assert_cmpint(camera_generation(fx->index), ==, g0 + 3);
	ASSERT_OK(nvr_index_camera_delete(nvrctl, camera->id, &error));
	g_assert_cmpint(camera_generation(fx->index), ==, g0 + 4);
	/* a failed change is no change */
	g_assert_false(nvr_index_camera_delete(nvrctl, camera->id, NULL));
	g_assert_cmpint(camera_generation(fx->index), ==, g0 + 4);
}

/* values are bound, never spliced: quotes and SQL in names are just names */
static void
test_hostile_values(IndexFixture *fx, gconstpointer data)
{
	const gchar *names[] = {"Robert'); DROP TABLE cameras;--",
				"\"quoted\" 'single'",
				"x' OR '1'='1",
				"%s%n%x",
				"?1 :name @p $v",
				"Ünïcødé ☃"};
	g_autoptr(GError) error = NULL;
	guint8 blob[256];

	for (guint i = 0; i < sizeof(blob); i++)
		blob[i] = (guint8)(255 - i);
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autoptr(NvrIndexCamera) camera = camera_new(names[i]);
		g_autoptr(NvrIndexCamera) loaded = NULL;

		camera->username = g_strdup(names[i]);
		camera->password_sealed = g_bytes_new(blob, sizeof(blob));
		g_assert_true(nvr_index_camera_insert(fx->index, camera, &error));
		g_assert_no_error(error);
		loaded = nvr_index_camera_load_by_name(fx->index, names[i], &error);
		g_assert_no_error(error);
		g_assert_cmpstr(loaded->username, ==, names[i]);
		g_assert_true(g_bytes_equal(loaded->password_sealed, camera->password_sealed));
	}
	g_assert_cmpuint(camera_count(fx->index), ==, G_N_ELEMENTS(names));
}

/* meta */

static void
test_meta(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *value = nvr_index_meta_get(fx->index, "footage_uuid", &error);

	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_assert_null(value);
	g_clear_error(&error);
	g_assert_true(nvr_index_meta_set(fx->index, "footage_uuid", "a'b\"c", &error));
	ASSERT_OK(nvr_index_meta_set(fx->index, "footage_uuid", "second", &error));
	value = nvr_index_meta_get(fx->index, "footage_uuid", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(value, ==, "second");
}

/* what a recording needs: a camera, a footage dir, a run */
typedef struct {
	gint64 camera;
	gint64 dir;
	gint64 run;
} Rec;

static gint64
run_add(NvrIndex *index, gint64 camera, NvrIndexStream stream, gint64 start_us, gboolean unsynced)
{
	g_autoptr(GError) error = NULL;
	NvrIndexRun run = {.camera_id = camera,
			   .stream = stream,
			   .start_us = start_us,
			   .media_anchor = 90000,
			   .wall_anchor_us = start_us,
			   .unsynced = unsynced};

	ASSERT_OK(nvr_index_run_insert(index, &run, &error));
	return run.id;
}

static void
rec_setup(IndexFixture *fx, Rec *rec, const gchar *name)
{
	g_autoptr(NvrIndexCamera) camera = camera_add(fx->index, name);
	g_autoptr(NvrIndexFootageDir) dir =
		nvr_index_footage_dir_load_by_path(fx->index, "/srv/nvr", NULL);
	g_autoptr(GError) error = NULL;

	rec->camera = camera->id;
	if (dir != NULL) {
		rec->dir = dir->id;
	} else {
		g_autofree gchar *uuid = g_uuid_string_random();

		g_assert_true(
			nvr_index_footage_dir_add(fx->index, "/srv/nvr", uuid, &rec->dir, &error));
		g_assert_no_error(error);
	}
	rec->run = run_add(fx->index, rec->camera, NVR_INDEX_STREAM_MAIN, T0_US, FALSE);
}

static GBytes *
bytes_filled(guint8 value, gsize len)
{
	guint8 *data = g_malloc(len);

	memset(data, value, len);
	return g_bytes_new_take(data, len);
}

/* the recorder's way: insert 'recording', then finish it with @status */
static NvrIndexSegment *
segment_add(NvrIndex *index, const Rec *rec, NvrIndexStream stream, gint64 start_us,
	    gint64 file_len, NvrIndexSegmentStatus status)
{
	g_autoptr(GError) error = NULL;
	NvrIndexSegment *s = nvr_index_segment_new();

	s->camera_id = rec->camera;
	s->run_id = rec->run;
	s->stream = stream;
	s->start_us = start_us;
	s->media_start = (start_us - T0_US) * 9 / 100;
	s->footage_dir_id = rec->dir;
	ASSERT_OK(nvr_index_segment_insert(index, s, &error));
	if (status == NVR_INDEX_SEGMENT_RECORDING)
		return s;
	s->status = status;
	s->end_us = start_us + MIN_US;
	s->media_duration = 60 * 90000;
	s->frames = 1500;
	s->file_len = file_len;
	s->plain_len = file_len / 2;
	s->header_len = 160;
	s->header_mac = bytes_filled(0xaa, 32);
	s->last_tag = bytes_filled(0xbb, 16);
	ASSERT_OK(nvr_index_segment_update(index, s, &error));
	return s;
}

static void
retire(NvrIndex *index, gint64 id)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(nvr_index_segment_mark_garbage(index, &id, 1, &error));
	ASSERT_OK(nvr_index_segment_delete(index, id, &error));
}

/* footage dirs */

static void
test_footage_dir(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *uuid = g_uuid_string_random();
	g_autoptr(NvrIndexFootageDir) dir = NULL;
	g_autoptr(NvrIndexSegment) s = NULL;
	g_autoptr(GPtrArray) list = NULL;
	gint64 id = 0;
	Rec rec;

	ASSERT_OK(nvr_index_footage_dir_add(fx->index, "/mnt/usb", uuid, &id, &error));
	dir = nvr_index_footage_dir_load(fx->index, id, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(dir->path, ==, "/mnt/usb");
	g_assert_cmpstr(dir->uuid, ==, uuid);
	g_assert_cmpint(dir->added_us, ==, T0_US);
	g_clear_pointer(&dir, nvr_index_footage_dir_free);
	dir = nvr_index_footage_dir_load_by_path(fx->index, "/mnt/usb", &error);
	g_assert_no_error(error);
	g_assert_cmpint(dir->id, ==, id);

	g_assert_false(nvr_index_footage_dir_add(
		fx->index, "/mnt/usb", "11111111-2222-3333-4444-555555555555", NULL, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_EXISTS);
	g_clear_error(&error);
	g_assert_false(nvr_index_footage_dir_add(fx->index, "relative", uuid, NULL, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	rec_setup(fx, &rec, "cam");
	list = nvr_index_footage_dir_list(fx->index, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(list->len, ==, 2);
	/* a directory with footage rows stays */
	s = segment_add(fx->index, &rec, NVR_INDEX_STREAM_MAIN, T0_US, 1000,
			NVR_INDEX_SEGMENT_FINALIZED);
	g_assert_false(nvr_index_footage_dir_delete(fx->index, rec.dir, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_BUSY);
	g_clear_error(&error);
	retire(fx->index, s->id);
	g_assert_true(nvr_index_footage_dir_delete(fx->index, rec.dir, &error));
	ASSERT_OK(nvr_index_footage_dir_delete(fx->index, id, &error));
	g_assert_false(nvr_index_footage_dir_delete(fx->index, id, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
}

/* codec configs */

static void
test_codec_config(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexCamera) a = camera_add(fx->index, "a");
	g_autoptr(NvrIndexCamera) b = camera_add(fx->index, "b");
	g_autoptr(GBytes) init1 = bytes_filled(0x11, 700);
	g_autoptr(GBytes) init2 = bytes_filled(0x22, 700);
	g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
	g_autoptr(NvrIndexCodecConfig) config = NULL;
	g_autofree gchar *sum = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, init1);
	gint64 id1 = 0, again = 0, id2 = 0, other_camera = 0;

	g_assert_true(nvr_index_codec_config_ensure(fx->index, a->id, "avc1.640028", 1920, 1080,
						    init1, &id1, &error));
	g_assert_true(nvr_index_codec_config_ensure(fx->index, a->id, "avc1.640028", 1920, 1080,
						    init1, &again, &error));
	g_assert_true(nvr_index_codec_config_ensure(fx->index, a->id, "avc1.4d401f", 1280, 720,
						    init2, &id2, &error));
	ASSERT_OK(nvr_index_codec_config_ensure(fx->index, b->id, "avc1.640028", 1920, 1080, init1,
						&other_camera, &error));
	g_assert_cmpint(id1, ==, again);
	g_assert_cmpint(id1, !=, id2);
	g_assert_cmpint(id1, !=, other_camera);

	config = nvr_index_codec_config_load(fx->index, id1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(config->camera_id, ==, a->id);
	g_assert_cmpstr(config->codec, ==, "avc1.640028");
	g_assert_cmpuint(config->width, ==, 1920);
	g_assert_cmpuint(config->height, ==, 1080);
	g_assert_true(g_bytes_equal(config->init_segment, init1));
	g_assert_cmpuint(g_bytes_get_size(config->sha256), ==, 32);
	{
		g_autoptr(GString) hex = g_string_new(NULL);
		const guint8 *d = g_bytes_get_data(config->sha256, NULL);

		for (guint i = 0; i < 32; i++)
			g_string_append_printf(hex, "%02x", d[i]);
		g_assert_cmpstr(hex->str, ==, sum);
	}

	g_assert_false(nvr_index_codec_config_ensure(fx->index, a->id, "avc1", 0, 1080, init2, &id2,
						     &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_false(nvr_index_codec_config_ensure(fx->index, a->id, "avc1", 10, 10, empty, &id2,
						     &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_false(
		nvr_index_codec_config_ensure(fx->index, 999, "avc1", 10, 10, init2, &id2, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
}

/* runs */

static void
test_run(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexCamera) camera = camera_add(fx->index, "cam");
	g_autoptr(NvrIndexRun) run = NULL;
	g_autoptr(GPtrArray) span = NULL;
	gint64 r1 = run_add(fx->index, camera->id, NVR_INDEX_STREAM_MAIN, T0_US, FALSE);
	gint64 r2 = run_add(fx->index, camera->id, NVR_INDEX_STREAM_SUB, T0_US + 5 * MIN_US, FALSE);
	gint64 r3 =
		run_add(fx->index, camera->id, NVR_INDEX_STREAM_MAIN, T0_US + 20 * MIN_US, FALSE);
	NvrIndexRun bad = {.camera_id = camera->id, .stream = 2, .start_us = T0_US};

	g_assert_true(
		nvr_index_run_finish(fx->index, r1, T0_US + 10 * MIN_US, "eos", 15000, &error));
	ASSERT_OK(nvr_index_run_finish(fx->index, r2, T0_US + 6 * MIN_US, "watchdog", 900, &error));
	g_assert_false(nvr_index_run_finish(fx->index, r1, T0_US + 11 * MIN_US, "eos", 1, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_clear_error(&error);

	run = nvr_index_run_load(fx->index, r1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(run->camera_id, ==, camera->id);
	g_assert_cmpint(run->stream, ==, NVR_INDEX_STREAM_MAIN);
	g_assert_cmpint(run->end_us, ==, T0_US + 10 * MIN_US);
	g_assert_cmpstr(run->end_reason, ==, "eos");
	g_assert_cmpint(run->frames, ==, 15000);
	g_assert_cmpint(run->media_anchor, ==, 90000);
	g_assert_false(run->unsynced);

	/* [7, 25) min: r1 ends at 10, r2 ended at 6, r3 is open from 20 */
	span = nvr_index_run_list_span(fx->index, camera->id, T0_US + 7 * MIN_US,
				       T0_US + 25 * MIN_US, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(span->len, ==, 2);
	g_assert_cmpint(((NvrIndexRun *)span->pdata[0])->id, ==, r1);
	g_assert_cmpint(((NvrIndexRun *)span->pdata[1])->id, ==, r3);
	g_assert_cmpint(((NvrIndexRun *)span->pdata[1])->end_us, ==, 0);

	g_assert_false(nvr_index_run_insert(fx->index, &bad, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
}

/* a crash leaves runs open: they end with their last segment */
static void
test_run_close_open_and_prune(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexSegment) s1 = NULL;
	g_autoptr(NvrIndexSegment) s2 = NULL;
	g_autoptr(NvrIndexRun) run = NULL;
	g_autoptr(NvrIndexRun) empty = NULL;
	gint64 empty_id, n = -1;
	Rec rec;

	rec_setup(fx, &rec, "cam");
	s1 = segment_add(fx->index, &rec, NVR_INDEX_STREAM_MAIN, T0_US, 1000,
			 NVR_INDEX_SEGMENT_FINALIZED);
	s2 = segment_add(fx->index, &rec, NVR_INDEX_STREAM_MAIN, T0_US + MIN_US, 1000,
			 NVR_INDEX_SEGMENT_INTERRUPTED);
	empty_id = run_add(fx->index, rec.camera, NVR_INDEX_STREAM_SUB, T0_US + 3 * MIN_US, FALSE);

	ASSERT_OK(nvr_index_run_close_open(fx->index, "crash", &n, &error));
	g_assert_cmpint(n, ==, 2);
	run = nvr_index_run_load(fx->index, rec.run, &error);
	g_assert_cmpint(run->end_us, ==, T0_US + 2 * MIN_US);
	g_assert_cmpint(run->frames, ==, 3000);
	g_assert_cmpstr(run->end_reason, ==, "crash");
	empty = nvr_index_run_load(fx->index, empty_id, &error);
	g_assert_cmpint(empty->end_us, ==, empty->start_us);

	/* the empty run goes; the one with segments stays until they are gone */
	g_assert_true(nvr_index_run_prune(fx->index, &n, &error));
	g_assert_cmpint(n, ==, 1);
	retire(fx->index, s1->id);
	retire(fx->index, s2->id);
	ASSERT_OK(nvr_index_run_prune(fx->index, &n, &error));
	g_assert_cmpint(n, ==, 1);
	g_clear_pointer(&run, nvr_index_run_free);
	run = nvr_index_run_load(fx->index, rec.run, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
}

/* NTP arrives: an unsynced run and its segments move by the step; headers do not */
static void
test_run_correct_wall(IndexFixture *fx, gconstpointer data)
{
	const gint64 step = 3 * HOUR_US + 17;
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexSegment) s1 = NULL;
	g_autoptr(NvrIndexSegment) s2 = NULL;
	g_autoptr(NvrIndexSegment) loaded = NULL;
	g_autoptr(NvrIndexRun) run = NULL;
	g_autoptr(GPtrArray) unsynced = NULL;
	gint64 synced;
	Rec rec;

	rec_setup(fx, &rec, "cam");
	rec.run = run_add(fx->index, rec.camera, NVR_INDEX_STREAM_MAIN, T0_US, TRUE);
	synced = run_add(fx->index, rec.camera, NVR_INDEX_STREAM_SUB, T0_US, FALSE);
	s1 = segment_add(fx->index, &rec, NVR_INDEX_STREAM_MAIN, T0_US, 1000,
			 NVR_INDEX_SEGMENT_FINALIZED);
	s2 = segment_add(fx->index, &rec, NVR_INDEX_STREAM_MAIN, T0_US + MIN_US, 0,
			 NVR_INDEX_SEGMENT_RECORDING);

	unsynced = nvr_index_run_list_unsynced(fx->index, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(unsynced->len, ==, 1);
	g_assert_cmpint(((NvrIndexRun *)unsynced->pdata[0])->id, ==, rec.run);

	ASSERT_OK(nvr_index_run_correct_wall(fx->index, rec.run, step, &error));
	run = nvr_index_run_load(fx->index, rec.run, &error);
	g_assert_cmpint(run->start_us, ==, T0_US + step);
	g_assert_cmpint(run->wall_anchor_us, ==, T0_US + step);
	g_assert_cmpint(run->end_us, ==, 0);
	g_assert_false(run->unsynced);
	loaded = nvr_index_segment_load(fx->index, s1->id, &error);
	g_assert_cmpint(loaded->start_us, ==, T0_US + step);
	g_assert_cmpint(loaded->end_us, ==, T0_US + MIN_US + step);
	g_assert_cmpint(loaded->header_start_us, ==, T0_US);
	g_clear_pointer(&loaded, nvr_index_segment_free);
	loaded = nvr_index_segment_load(fx->index, s2->id, &error);
	g_assert_cmpint(loaded->start_us, ==, T0_US + MIN_US + step);
	g_assert_cmpint(loaded->end_us, ==, 0);

	/* only once, and never a synced run */
	g_assert_false(nvr_index_run_correct_wall(fx->index, rec.run, step, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(nvr_index_run_correct_wall(fx->index, synced, step, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
}

/* the anchor correction of a run's first seconds moves it, but only the clock's sync syncs it */
static void
test_run_shift_wall(IndexFixture *fx, gconstpointer data)
{
	const gint64 anchor = -47000;
	const gint64 step = 3 * HOUR_US;
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexSegment) s1 = NULL;
	g_autoptr(NvrIndexSegment) loaded = NULL;
	g_autoptr(NvrIndexRun) run = NULL;
	gint64 synced;
	Rec rec;

	rec_setup(fx, &rec, "cam");
	rec.run = run_add(fx->index, rec.camera, NVR_INDEX_STREAM_MAIN, T0_US, TRUE);
	synced = run_add(fx->index, rec.camera, NVR_INDEX_STREAM_SUB, T0_US, FALSE);
	s1 = segment_add(fx->index, &rec, NVR_INDEX_STREAM_MAIN, T0_US, 1000,
			 NVR_INDEX_SEGMENT_FINALIZED);

	ASSERT_OK(nvr_index_run_shift_wall(fx->index, rec.run, anchor, FALSE, &error));
	ASSERT_OK(nvr_index_run_shift_segments(fx->index, rec.run, anchor, &error));
	run = nvr_index_run_load(fx->index, rec.run, &error);
	g_assert_cmpint(run->start_us, ==, T0_US + anchor);
	g_assert_cmpint(run->wall_anchor_us, ==, T0_US + anchor);
	g_assert_true(run->unsynced);
	loaded = nvr_index_segment_load(fx->index, s1->id, &error);
	g_assert_cmpint(loaded->start_us, ==, T0_US + anchor);
	g_assert_cmpint(loaded->end_us, ==, T0_US + MIN_US + anchor);
	g_assert_cmpint(loaded->header_start_us, ==, T0_US);

	/* a synced run moves too, and stays synced */
	ASSERT_OK(nvr_index_run_shift_wall(fx->index, synced, anchor, FALSE, &error));
	/* the sync still comes after the anchor, once */
	ASSERT_OK(nvr_index_run_shift_wall(fx->index, rec.run, step, TRUE, &error));
	g_clear_pointer(&run, nvr_index_run_free);
	run = nvr_index_run_load(fx->index, rec.run, &error);
	g_assert_cmpint(run->start_us, ==, T0_US + anchor + step);
	g_assert_false(run->unsynced);
	g_assert_false(nvr_index_run_shift_wall(fx->index, rec.run, step, TRUE, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
}

/* segments */

static void
test_segment_lifecycle(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexSegment) s = NULL;
	g_autoptr(NvrIndexSegment) loaded = NULL;
	g_autoptr(GBytes) init = bytes_filled(0x33, 100);
	const guint8 gop[] = {0x00, 0x81, 0x01, 0x00, 0xff, 0x7f};
	gint64 config = 0;
	Rec rec;

	rec_setup(fx, &rec, "cam");
	g_assert_true(nvr_index_codec_config_ensure(fx->index, rec.camera, "avc1.640028", 640, 360,
						    init, &config, &error));
	s = segment_add(fx->index, &rec, NVR_INDEX_STREAM_MAIN, T0_US, 0,
			NVR_INDEX_SEGMENT_RECORDING);
	g_assert_cmpint(s->id, >=, 1);
	g_assert_cmpint(s->header_start_us, ==, T0_US);
	g_assert_cmpint(s->created_us, ==, T0_US);

	/* a finalized row must carry its chain state */
	s->status = NVR_INDEX_SEGMENT_FINALIZED;
	s->end_us = T0_US + MIN_US;
	s->file_len = 123456;
	g_assert_false(nvr_index_segment_update(fx->index, s, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	s->header_mac = bytes_filled(0x01, 32);
	s->last_tag = bytes_filled(0x02, 16);
	s->prev_link = bytes_filled(0x00, 32);
	s->tags_digest = bytes_filled(0x03, 32);
	s->tags_digest_sig = bytes_filled(0x04, 64);
	s->gop_index = g_bytes_new(gop, sizeof(gop));
	s->codec_config_id = config;
	s->media_duration = 5400000;
	s->frames = 1500;
	s->plain_len = 123000;
	s->header_len = 160;
	ASSERT_OK(nvr_index_segment_update(fx->index, s, &error));

	loaded = nvr_index_segment_load(fx->index, s->id, &error);
	g_assert_no_error(error);
	g_assert_cmpint(loaded->status, ==, NVR_INDEX_SEGMENT_FINALIZED);
	g_assert_cmpint(loaded->camera_id, ==, rec.camera);
	g_assert_cmpint(loaded->run_id, ==, rec.run);
	g_assert_cmpint(loaded->footage_dir_id, ==, rec.dir);
	g_assert_cmpint(loaded->end_us, ==, T0_US + MIN_US);
	g_assert_cmpint(loaded->media_duration, ==, 5400000);
	g_assert_cmpint(loaded->frames, ==, 1500);
	g_assert_cmpint(loaded->plain_len, ==, 123000);
	g_assert_cmpint(loaded->file_len, ==, 123456);
	g_assert_cmpint(loaded->header_len, ==, 160);
	g_assert_cmpint(loaded->codec_config_id, ==, config);
	g_assert_true(g_bytes_equal(loaded->header_mac, s->header_mac));
	g_assert_true(g_bytes_equal(loaded->last_tag, s->last_tag));
	g_assert_true(g_bytes_equal(loaded->prev_link, s->prev_link));
	g_assert_true(g_bytes_equal(loaded->tags_digest, s->tags_digest));
	g_assert_true(g_bytes_equal(loaded->tags_digest_sig, s->tags_digest_sig));
	g_assert_true(g_bytes_equal(loaded->gop_index, s->gop_index));

	/* no way back, and no deleting footage that is not garbage */
	loaded->status = NVR_INDEX_SEGMENT_RECORDING;
	g_assert_false(nvr_index_segment_update(fx->index, loaded, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	loaded->status = NVR_INDEX_SEGMENT_INTERRUPTED;
	g_assert_false(nvr_index_segment_update(fx->index, loaded, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_false(nvr_index_segment_delete(fx->index, s->id, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	loaded->status = NVR_INDEX_SEGMENT_GARBAGE;
	g_assert_true(nvr_index_segment_update(fx->index, loaded, &error));
	loaded->status = NVR_INDEX_SEGMENT_FINALIZED;
	g_assert_false(nvr_index_segment_update(fx->index, loaded, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	ASSERT_OK(nvr_index_segment_delete(fx->index, s->id, &error));
	g_clear_pointer(&loaded, nvr_index_segment_free);
	loaded = nvr_index_segment_load(fx->index, s->id, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
}

static void
assert_segment_insert_fails(NvrIndex *index, NvrIndexSegment *s, gint code)
{
	g_autoptr(GError) error = NULL;

	g_assert_false(nvr_index_segment_insert(index, s, &error));
	g_assert_error(error, NVR_ERROR, code);
	g_test_message("refused as expected: %s", error->message);
}

static void
test_segment_constraints(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(NvrIndexSegment) s = nvr_index_segment_new();
	Rec rec;

	rec_setup(fx, &rec, "cam");
	s->camera_id = rec.camera;
	s->run_id = rec.run;
	s->footage_dir_id = rec.dir;
	s->start_us = T0_US;
	s->status = 17;
	assert_segment_insert_fails(fx->index, s, NVR_ERROR_INVALID_ARGUMENT);
	s->status = NVR_INDEX_SEGMENT_RECORDING;
	s->stream = 2;
	assert_segment_insert_fails(fx->index, s, NVR_ERROR_INVALID_ARGUMENT);
	s->stream = NVR_INDEX_STREAM_SUB;
	s->header_mac = bytes_filled(0, 31);
	assert_segment_insert_fails(fx->index, s, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_pointer(&s->header_mac, g_bytes_unref);
	s->end_us = T0_US - 1;
	assert_segment_insert_fails(fx->index, s, NVR_ERROR_INVALID_ARGUMENT);
	s->end_us = 0;
	s->prev_segment_id = 1000; /* a chain only points backwards */
	assert_segment_insert_fails(fx->index, s, NVR_ERROR_INVALID_ARGUMENT);
	s->prev_segment_id = 0;
	s->run_id = 999;
	assert_segment_insert_fails(fx->index, s, NVR_ERROR_NOT_FOUND);
	s->run_id = rec.run;
	s->frames = -1;
	assert_segment_insert_fails(fx->index, s, NVR_ERROR_INVALID_ARGUMENT);
}

/* NVRE segment ids: >= 1, strictly increasing, never reused, even across reopen */
static void
test_segment_ids_monotonic(IndexFixture *fx, gconstpointer data)
{
	gint64 last = 0;
	Rec rec;

	rec_setup(fx, &rec, "cam");
	for (guint round = 0; round < 3; round++) {
		for (guint i = 0; i < 3; i++) {
			g_autoptr(NvrIndexSegment) s = segment_add(
				fx->index, &rec, NVR_INDEX_STREAM_MAIN,
				T0_US + (round * 3 + i) * MIN_US, 100, NVR_INDEX_SEGMENT_FINALIZED);

			g_assert_cmpint(s->id, >, last);
			last = s->id;
		}
		/* delete the newest rows: plain rowids would hand their ids out again */
		retire(fx->index, last);
		retire(fx->index, last - 1);
		g_clear_object(&fx->index);
		fx->index = open_index(fx);
	}
	g_assert_cmpint(last, ==, 9);
}

static gint64
seg_id(GPtrArray *list, guint i)
{
	return ((NvrIndexSegment *)g_ptr_array_index(list, i))->id;
}

static void
test_segment_span(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) segs =
		g_ptr_array_new_with_free_func((GDestroyNotify)nvr_index_segment_free);
	g_autoptr(GPtrArray) span = NULL;
	gint64 garbage;
	Rec rec;

	rec_setup(fx, &rec, "cam");
	/* minutes 0..9 on main, and one on sub; minute 10 still recording */
	for (guint i = 0; i < 10; i++)
		g_ptr_array_add(segs,
				segment_add(fx->index, &rec, NVR_INDEX_STREAM_MAIN,
					    T0_US + i * MIN_US, 100, NVR_INDEX_SEGMENT_FINALIZED));
	g_ptr_array_add(segs, segment_add(fx->index, &rec, NVR_INDEX_STREAM_SUB, T0_US + 3 * MIN_US,
					  100, NVR_INDEX_SEGMENT_FINALIZED));
	g_ptr_array_add(segs, segment_add(fx->index, &rec, NVR_INDEX_STREAM_MAIN,
					  T0_US + 10 * MIN_US, 0, NVR_INDEX_SEGMENT_RECORDING));
	garbage = seg_id(segs, 5);
	g_assert_true(nvr_index_segment_mark_garbage(fx->index, &garbage, 1, &error));

	/* [3.5, 7) min: minute 3 overlaps from before, 4 and 6, not the garbage 5 */
	span = nvr_index_segment_list_span(fx->index, rec.camera, NVR_INDEX_STREAM_MAIN,
					   T0_US + 7 * MIN_US / 2, T0_US + 7 * MIN_US, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(span->len, ==, 3);
	g_assert_cmpint(seg_id(span, 0), ==, seg_id(segs, 3));
	g_assert_cmpint(seg_id(span, 1), ==, seg_id(segs, 4));
	g_assert_cmpint(seg_id(span, 2), ==, seg_id(segs, 6));
	g_clear_pointer(&span, g_ptr_array_unref);

	/* a span starting exactly at a boundary does not take the segment before */
	span = nvr_index_segment_list_span(fx->index, rec.camera, NVR_INDEX_STREAM_MAIN,
					   T0_US + 2 * MIN_US, T0_US + 3 * MIN_US, &error);
	g_assert_cmpuint(span->len, ==, 1);
	g_assert_cmpint(seg_id(span, 0), ==, seg_id(segs, 2));
	g_clear_pointer(&span, g_ptr_array_unref);

	/* the open segment counts from its start on */
	span = nvr_index_segment_list_span(fx->index, rec.camera, NVR_INDEX_STREAM_MAIN,
					   T0_US + 10 * MIN_US + 5, T0_US + 20 * MIN_US, &error);
	g_assert_cmpuint(span->len, ==, 1);
	g_assert_cmpint(seg_id(span, 0), ==, seg_id(segs, 11));
	g_clear_pointer(&span, g_ptr_array_unref);

	span = nvr_index_segment_list_span(fx->index, rec.camera, NVR_INDEX_STREAM_SUB, T0_US,
					   T0_US + 60 * MIN_US, &error);
	g_assert_cmpuint(span->len, ==, 1);
	g_assert_cmpint(seg_id(span, 0), ==, seg_id(segs, 10));
	g_clear_pointer(&span, g_ptr_array_unref);

	span = nvr_index_segment_list_span(fx->index, rec.camera, NVR_INDEX_STREAM_MAIN,
					   T0_US - 60 * MIN_US, T0_US, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(span->len, ==, 0);
}

static void
test_segment_chain_and_status(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexSegment) tail = NULL;
	g_autoptr(NvrIndexSegment) a = NULL;
	g_autoptr(NvrIndexSegment) b = NULL;
	g_autoptr(NvrIndexSegment) c = NULL;
	g_autoptr(NvrIndexSegment) sub = NULL;
	g_autoptr(NvrIndexSegment) succ = NULL;
	g_autoptr(GPtrArray) recording = NULL;
	Rec rec;

	rec_setup(fx, &rec, "cam");
	tail = nvr_index_segment_load_chain_tail(fx->index, rec.camera, NVR_INDEX_STREAM_MAIN,
						 &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_assert_null(tail);
	g_clear_error(&error);

	a = segment_add(fx->index, &rec, NVR_INDEX_STREAM_MAIN, T0_US, 100,
			NVR_INDEX_SEGMENT_FINALIZED);
	b = segment_add(fx->index, &rec, NVR_INDEX_STREAM_MAIN, T0_US + MIN_US, 100,
			NVR_INDEX_SEGMENT_INTERRUPTED);
	sub = segment_add(fx->index, &rec, NVR_INDEX_STREAM_SUB, T0_US + MIN_US, 100,
			  NVR_INDEX_SEGMENT_FINALIZED);
	c = segment_add(fx->index, &rec, NVR_INDEX_STREAM_MAIN, T0_US + 2 * MIN_US, 0,
			NVR_INDEX_SEGMENT_RECORDING);
	c->prev_segment_id = b->id;
	c->prev_link = bytes_filled(0x5c, 32);
	g_assert_true(nvr_index_segment_update(fx->index, c, &error));

	tail = nvr_index_segment_load_chain_tail(fx->index, rec.camera, NVR_INDEX_STREAM_MAIN,
						 &error);
	g_assert_no_error(error);
	g_assert_cmpint(tail->id, ==, b->id);
	g_assert_cmpint(tail->status, ==, NVR_INDEX_SEGMENT_INTERRUPTED);
	succ = nvr_index_segment_load_successor(fx->index, b->id, &error);
	g_assert_no_error(error);
	g_assert_cmpint(succ->id, ==, c->id);
	g_assert_true(g_bytes_equal(succ->prev_link, c->prev_link));
	g_clear_pointer(&succ, nvr_index_segment_free);
	succ = nvr_index_segment_load_successor(fx->index, a->id, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_clear_error(&error);

	recording =
		nvr_index_segment_list_by_status(fx->index, NVR_INDEX_SEGMENT_RECORDING, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(recording->len, ==, 1);
	g_assert_cmpint(seg_id(recording, 0), ==, c->id);
	g_assert_cmpstr(nvr_index_segment_status_to_string(NVR_INDEX_SEGMENT_INTERRUPTED), ==,
			"interrupted");
	g_assert_null(nvr_index_segment_status_to_string(0));
}

typedef struct {
	GArray *rows;
	guint stop_after;
} Walk;

static gboolean
walk_cb(const NvrIndexRetentionRow *row, gpointer user_data)
{
	Walk *walk = user_data;

	g_array_append_val(walk->rows, *row);
	return walk->rows->len < walk->stop_after;
}

static NvrIndexRetentionRow *
walk_row(Walk *walk, guint i)
{
	return &g_array_index(walk->rows, NvrIndexRetentionRow, i);
}

/* oldest first across cameras, with running totals; open and garbage rows are not stored bytes */
static void
test_segment_retention_walk(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) rows = g_array_new(FALSE, FALSE, sizeof(NvrIndexRetentionRow));
	g_autoptr(GArray) totals = NULL;
	g_autoptr(NvrIndexSegment) a0 = NULL, a1 = NULL, a2 = NULL, b0 = NULL, b1 = NULL, bg = NULL;
	Walk walk = {rows, G_MAXUINT};
	NvrIndexSegmentTotals *ta, *tb;
	gint64 start = 0, end = 0;
	Rec a, b;

	rec_setup(fx, &a, "a");
	rec_setup(fx, &b, "b");
	/* inserted out of time order on purpose */
	a2 = segment_add(fx->index, &a, NVR_INDEX_STREAM_MAIN, T0_US + 4 * MIN_US, 400,
			 NVR_INDEX_SEGMENT_FINALIZED);
	b0 = segment_add(fx->index, &b, NVR_INDEX_STREAM_MAIN, T0_US + 1 * MIN_US, 1000,
			 NVR_INDEX_SEGMENT_FINALIZED);
	a0 = segment_add(fx->index, &a, NVR_INDEX_STREAM_MAIN, T0_US, 100,
			 NVR_INDEX_SEGMENT_FINALIZED);
	a1 = segment_add(fx->index, &a, NVR_INDEX_STREAM_SUB, T0_US + 2 * MIN_US, 200,
			 NVR_INDEX_SEGMENT_INTERRUPTED);
	b1 = segment_add(fx->index, &b, NVR_INDEX_STREAM_MAIN, T0_US + 3 * MIN_US, 0,
			 NVR_INDEX_SEGMENT_RECORDING);
	bg = segment_add(fx->index, &b, NVR_INDEX_STREAM_SUB, T0_US - MIN_US, 5000,
			 NVR_INDEX_SEGMENT_FINALIZED);
	g_assert_true(nvr_index_segment_mark_garbage(fx->index, &bg->id, 1, &error));
	b1->file_len = 777;
	g_assert_true(nvr_index_segment_update(fx->index, b1, &error));

	ASSERT_OK(nvr_index_segment_foreach_oldest(fx->index, walk_cb, &walk, &error));
	g_assert_cmpuint(rows->len, ==, 4);
	g_assert_cmpint(walk_row(&walk, 0)->segment_id, ==, a0->id);
	g_assert_cmpint(walk_row(&walk, 1)->segment_id, ==, b0->id);
	g_assert_cmpint(walk_row(&walk, 2)->segment_id, ==, a1->id);
	g_assert_cmpint(walk_row(&walk, 3)->segment_id, ==, a2->id);
	g_assert_cmpint(walk_row(&walk, 0)->camera_bytes_through, ==, 100);
	g_assert_cmpint(walk_row(&walk, 1)->camera_bytes_through, ==, 1000);
	g_assert_cmpint(walk_row(&walk, 2)->camera_bytes_through, ==, 300);
	g_assert_cmpint(walk_row(&walk, 3)->camera_bytes_through, ==, 700);
	g_assert_cmpint(walk_row(&walk, 1)->total_bytes_through, ==, 1100);
	g_assert_cmpint(walk_row(&walk, 3)->total_bytes_through, ==, 1700);
	g_assert_cmpint(walk_row(&walk, 2)->stream, ==, NVR_INDEX_STREAM_SUB);
	g_assert_cmpint(walk_row(&walk, 3)->file_len, ==, 400);
	g_assert_cmpint(walk_row(&walk, 3)->end_us, ==, T0_US + 5 * MIN_US);

	/* the walk stops when told */
	g_array_set_size(rows, 0);
	walk.stop_after = 2;
	g_assert_true(nvr_index_segment_foreach_oldest(fx->index, walk_cb, &walk, &error));
	g_assert_cmpuint(rows->len, ==, 2);

	totals = nvr_index_segment_list_totals(fx->index, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(totals->len, ==, 2);
	ta = &g_array_index(totals, NvrIndexSegmentTotals, 0);
	tb = &g_array_index(totals, NvrIndexSegmentTotals, 1);
	g_assert_cmpint(ta->camera_id, ==, a.camera);
	g_assert_cmpint(ta->n_segments, ==, 3);
	g_assert_cmpint(ta->stored_bytes, ==, 700);
	g_assert_cmpint(tb->n_segments, ==, 2);
	g_assert_cmpint(tb->stored_bytes, ==, 1000);
	g_assert_cmpint(tb->recording_bytes, ==, 777);
	g_assert_cmpint(tb->garbage_bytes, ==, 5000);

	/* the stored extent of one stream: open and garbage rows are not stored */
	ASSERT_OK(nvr_index_segment_get_extent(fx->index, a.camera, NVR_INDEX_STREAM_MAIN, &start,
					       &end, &error));
	g_assert_cmpint(start, ==, T0_US);
	g_assert_cmpint(end, ==, T0_US + 5 * MIN_US);
	ASSERT_OK(nvr_index_segment_get_extent(fx->index, b.camera, NVR_INDEX_STREAM_MAIN, &start,
					       &end, &error));
	g_assert_cmpint(start, ==, T0_US + MIN_US);
	g_assert_cmpint(end, ==, T0_US + 2 * MIN_US);
	g_assert_false(nvr_index_segment_get_extent(fx->index, b.camera, NVR_INDEX_STREAM_SUB,
						    &start, &end, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
}

/* all or none */
static void
test_segment_mark_garbage_atomic(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexSegment) a = NULL;
	g_autoptr(NvrIndexSegment) b = NULL;
	g_autoptr(GPtrArray) garbage = NULL;
	gint64 ids[3];
	Rec rec;

	rec_setup(fx, &rec, "cam");
	a = segment_add(fx->index, &rec, NVR_INDEX_STREAM_MAIN, T0_US, 100,
			NVR_INDEX_SEGMENT_FINALIZED);
	b = segment_add(fx->index, &rec, NVR_INDEX_STREAM_MAIN, T0_US + MIN_US, 100,
			NVR_INDEX_SEGMENT_FINALIZED);
	ids[0] = a->id;
	ids[1] = 4242;
	ids[2] = b->id;
	g_assert_false(nvr_index_segment_mark_garbage(fx->index, ids, 3, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_clear_error(&error);
	garbage = nvr_index_segment_list_by_status(fx->index, NVR_INDEX_SEGMENT_GARBAGE, &error);
	g_assert_cmpuint(garbage->len, ==, 0);
	g_clear_pointer(&garbage, g_ptr_array_unref);

	ids[1] = b->id;
	ASSERT_OK(nvr_index_segment_mark_garbage(fx->index, ids, 2, &error));
	garbage = nvr_index_segment_list_by_status(fx->index, NVR_INDEX_SEGMENT_GARBAGE, &error);
	g_assert_cmpuint(garbage->len, ==, 2);
}

/* tombstones */

static void
test_tombstone(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexCamera) camera = NULL;
	g_autoptr(NvrIndexSegment) p = NULL;
	g_autoptr(NvrIndexSegment) s = NULL;
	g_autoptr(NvrIndexTombstone) t = NULL;
	g_autoptr(NvrIndexTombstone) dup = NULL;
	g_autoptr(NvrIndexTombstone) loaded = NULL;
	g_autoptr(GBytes) msg = NULL;
	g_autoptr(GBytes) msg2 = NULL;
	g_autoptr(GPtrArray) list = NULL;
	Rec rec;

	rec_setup(fx, &rec, "cam");
	camera = nvr_index_camera_load(fx->index, rec.camera, &error);
	p = segment_add(fx->index, &rec, NVR_INDEX_STREAM_MAIN, T0_US, 4096,
			NVR_INDEX_SEGMENT_FINALIZED);
	s = segment_add(fx->index, &rec, NVR_INDEX_STREAM_MAIN, T0_US + MIN_US, 0,
			NVR_INDEX_SEGMENT_RECORDING);
	s->prev_segment_id = p->id;
	s->prev_link = bytes_filled(0x77, 32);
	g_assert_true(nvr_index_segment_update(fx->index, s, &error));

	/* retention: garbage and tombstone in one transaction, then unlink, then delete */
	t = nvr_index_tombstone_new_for_segment(p, s->prev_link, NVR_INDEX_TOMBSTONE_RETENTION,
						T0_US + 99);
	t->rule = NVR_INDEX_TOMBSTONE_RULE_BUDGET;
	msg = nvr_index_tombstone_dup_message(t, camera->uuid);
	g_assert_cmpuint(g_bytes_get_size(msg), ==,
			 16 + 36 + 8 + 1 + 8 * 3 + 16 + 1 + 8 + 32 + 8 + 1 + 32 + 1);
	g_assert_true(g_str_has_prefix(g_bytes_get_data(msg, NULL), NVR_INDEX_TOMBSTONE_CONTEXT));
	t->signature = bytes_filled(0x5e, 64);
	g_assert_true(nvr_index_begin(fx->index, &error));
	g_assert_true(nvr_index_segment_mark_garbage(fx->index, &p->id, 1, &error));
	g_assert_true(nvr_index_tombstone_insert(fx->index, t, &error));
	ASSERT_OK(nvr_index_commit(fx->index, &error));
	g_assert_true(nvr_index_segment_delete(fx->index, p->id, &error));

	loaded = nvr_index_tombstone_load_by_segment(fx->index, p->id, &error);
	g_assert_no_error(error);
	g_assert_cmpint(loaded->camera_id, ==, rec.camera);
	g_assert_cmpint(loaded->stream, ==, NVR_INDEX_STREAM_MAIN);
	g_assert_cmpint(loaded->start_us, ==, T0_US);
	g_assert_cmpint(loaded->end_us, ==, T0_US + MIN_US);
	g_assert_cmpint(loaded->file_len, ==, 4096);
	g_assert_cmpint(loaded->status, ==, NVR_INDEX_SEGMENT_FINALIZED);
	g_assert_cmpint(loaded->reason, ==, NVR_INDEX_TOMBSTONE_RETENTION);
	g_assert_cmpint(loaded->deleted_us, ==, T0_US + 99);
	g_assert_true(g_bytes_equal(loaded->last_tag, p->last_tag));
	g_assert_true(g_bytes_equal(loaded->link, s->prev_link));
	g_assert_true(g_bytes_equal(loaded->signature, t->signature));
	g_assert_true(g_bytes_equal(loaded->header_mac, p->header_mac));
	g_assert_cmpint(loaded->rule, ==, NVR_INDEX_TOMBSTONE_RULE_BUDGET);
	/* what was signed can be rebuilt from the row, and any change changes it */
	msg2 = nvr_index_tombstone_dup_message(loaded, camera->uuid);
	g_assert_true(g_bytes_equal(msg, msg2));
	g_clear_pointer(&msg2, g_bytes_unref);
	loaded->rule = NVR_INDEX_TOMBSTONE_RULE_AGE;
	msg2 = nvr_index_tombstone_dup_message(loaded, camera->uuid);
	g_assert_false(g_bytes_equal(msg, msg2));
	g_clear_pointer(&msg2, g_bytes_unref);
	loaded->rule = NVR_INDEX_TOMBSTONE_RULE_BUDGET;
	loaded->file_len--;
	msg2 = nvr_index_tombstone_dup_message(loaded, camera->uuid);
	g_assert_false(g_bytes_equal(msg, msg2));

	list = nvr_index_tombstone_list(fx->index, rec.camera, &error);
	g_assert_cmpuint(list->len, ==, 1);
	/* one per segment, signed, of a finished segment */
	dup = nvr_index_tombstone_new_for_segment(p, NULL, NVR_INDEX_TOMBSTONE_USER, T0_US);
	g_assert_false(nvr_index_tombstone_insert(fx->index, dup, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT); /* unsigned */
	g_clear_error(&error);
	dup->signature = bytes_filled(1, 64);
	g_assert_false(nvr_index_tombstone_insert(fx->index, dup, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_EXISTS);
	g_clear_error(&error);
	dup->segment_id = s->id;
	dup->status = NVR_INDEX_SEGMENT_RECORDING;
	g_assert_false(nvr_index_tombstone_insert(fx->index, dup, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
}

/* a camera goes only without footage; its runs, configs and tombstones go with it */
static void
test_camera_delete_with_footage(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexSegment) s = NULL;
	g_autoptr(NvrIndexTombstone) t = NULL;
	g_autoptr(GBytes) init = bytes_filled(9, 10);
	g_autoptr(NvrIndexCodecConfig) config = NULL;
	NvrIndexDevice device = {.host = (gchar *)"192.0.2.7", .http_port = 80};
	gint64 config_id = 0;
	Rec rec;

	rec_setup(fx, &rec, "cam");
	g_assert_true(nvr_index_codec_config_ensure(fx->index, rec.camera, "avc1", 2, 2, init,
						    &config_id, &error));
	device.camera_id = rec.camera;
	g_assert_true(nvr_index_device_insert(fx->index, &device, &error));
	s = segment_add(fx->index, &rec, NVR_INDEX_STREAM_MAIN, T0_US, 100,
			NVR_INDEX_SEGMENT_FINALIZED);
	g_assert_true(nvr_index_camera_remove(fx->index, rec.camera, &error));
	g_assert_false(nvr_index_camera_delete(fx->index, rec.camera, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_BUSY);
	g_clear_error(&error);

	t = nvr_index_tombstone_new_for_segment(s, NULL, NVR_INDEX_TOMBSTONE_USER, T0_US);
	t->signature = bytes_filled(2, 64);
	g_assert_true(nvr_index_tombstone_insert(fx->index, t, &error));
	retire(fx->index, s->id);
	ASSERT_OK(nvr_index_camera_delete(fx->index, rec.camera, &error));
	config = nvr_index_codec_config_load(fx->index, config_id, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_null(nvr_index_tombstone_load_by_segment(fx->index, s->id, NULL));
	g_assert_null(nvr_index_run_load(fx->index, rec.run, NULL));
	{
		g_autoptr(NvrIndexDevice) d = nvr_index_device_load(fx->index, device.id, &error);

		g_assert_no_error(error);
		g_assert_cmpint(d->camera_id, ==, 0);
	}
}

/* devices, evidence, verdicts, acknowledgements */

static gint64
device_add(NvrIndex *index, const gchar *host, const gchar *mac)
{
	g_autoptr(GError) error = NULL;
	NvrIndexDevice device = {
		.host = g_strdup(host), .http_port = 80, .rtsp_port = 554, .mac = g_strdup(mac)};

	ASSERT_OK(nvr_index_device_insert(index, &device, &error));
	g_free(device.host);
	g_free(device.mac);
	return device.id;
}

static void
test_device(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexDevice) d = NULL;
	g_autoptr(NvrIndexDevice) by_mac = NULL;
	g_autoptr(NvrIndexDevice) by_host = NULL;
	g_autoptr(GPtrArray) list = NULL;
	gint64 id = device_add(fx->index, "192.0.2.10", "44:19:b6:01:02:0a");
	/* fields are owned: insert replaces the MAC by its normal form */
	NvrIndexDevice bad = {
		.host = g_strdup("192.0.2.11"), .http_port = 80, .mac = g_strdup("44:19:b6:01:02")};

	d = nvr_index_device_load(fx->index, id, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(d->mac, ==, "44:19:B6:01:02:0A");
	g_assert_cmpint(d->first_seen_us, ==, T0_US);
	g_assert_cmpint(d->last_seen_us, ==, T0_US);
	g_assert_cmpuint(d->rtsp_port, ==, 554);
	by_mac = nvr_index_device_load_by_mac(fx->index, "44-19-B6-01-02-0a", &error);
	g_assert_no_error(error);
	g_assert_cmpint(by_mac->id, ==, id);

	/* DHCP moved it */
	nvr_clock_fake_advance(fx->clock, 5 * G_USEC_PER_SEC);
	g_free(d->host);
	d->host = g_strdup("192.0.2.99");
	d->last_seen_us = 0;
	ASSERT_OK(nvr_index_device_update(fx->index, d, &error));
	by_host = nvr_index_device_load_by_host(fx->index, "192.0.2.99", 80, &error);
	g_assert_no_error(error);
	g_assert_cmpint(by_host->id, ==, id);
	g_assert_cmpint(by_host->last_seen_us, ==, T0_US + 5 * G_USEC_PER_SEC);
	g_assert_cmpint(by_host->first_seen_us, ==, T0_US);

	g_assert_false(nvr_index_device_insert(fx->index, &bad, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_free(bad.mac);
	bad.mac = g_strdup("44:19:b6:01:02:0a");
	g_assert_false(nvr_index_device_insert(fx->index, &bad, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_EXISTS);
	g_clear_error(&error);
	g_clear_pointer(&bad.mac, g_free);
	bad.http_port = 70000;
	g_assert_false(nvr_index_device_insert(fx->index, &bad, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_free(bad.host);

	device_add(fx->index, "192.0.2.12", NULL);
	list = nvr_index_device_list(fx->index, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(list->len, ==, 2);
	g_assert_true(nvr_index_device_delete(fx->index, id, &error));
	g_assert_false(nvr_index_device_delete(fx->index, id, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
}

static GPtrArray *
evidence_of(const gchar *source, const gchar *key, const gchar *value, gint strength)
{
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_index_evidence_free);

	g_ptr_array_add(items, nvr_index_evidence_new(source, key, value, strength));
	return items;
}

static void
test_evidence(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gint64 device = device_add(fx->index, "192.0.2.10", NULL);
	g_autoptr(GPtrArray) onvif = evidence_of("onvif", "manufacturer", "HIKVISION", 90);
	g_autoptr(GPtrArray) onvif2 = evidence_of("onvif", "model", "DS-2CD2143G2-I", 60);
	g_autoptr(GPtrArray) http = evidence_of("http-server", "server", "App-webs/", 40);
	g_autoptr(GPtrArray) mixed = evidence_of("onvif", "x", "y", 1);
	g_autoptr(GPtrArray) bad_source = evidence_of("ONVIF!", "x", "y", 1);
	g_autoptr(GPtrArray) bad_strength = evidence_of("oui", "oui", "4419B6", 101);
	g_autoptr(GPtrArray) list = NULL;
	NvrIndexEvidence *e;

	g_ptr_array_add(onvif,
			nvr_index_evidence_new("onvif", "firmware", "V5.7.3 build 220112", 30));
	g_assert_true(nvr_index_evidence_replace(fx->index, device, "onvif", onvif, &error));
	ASSERT_OK(nvr_index_evidence_replace(fx->index, device, "http-server", http, &error));
	list = nvr_index_evidence_list(fx->index, device, &error);
	g_assert_cmpuint(list->len, ==, 3);
	e = g_ptr_array_index(list, 0);
	g_assert_cmpstr(e->source, ==, "http-server");
	e = g_ptr_array_index(list, 2);
	g_assert_cmpstr(e->key, ==, "manufacturer");
	g_assert_cmpstr(e->value, ==, "HIKVISION");
	g_assert_cmpint(e->strength, ==, 90);
	g_assert_cmpint(e->collected_us, ==, T0_US);
	g_assert_cmpint(e->device_id, ==, device);
	g_clear_pointer(&list, g_ptr_array_unref);

	/* a new ONVIF probe replaces ONVIF's word only */
	g_assert_true(nvr_index_evidence_replace(fx->index, device, "onvif", onvif2, &error));
	list = nvr_index_evidence_list(fx->index, device, &error);
	g_assert_cmpuint(list->len, ==, 2);
	g_clear_pointer(&list, g_ptr_array_unref);

	/* failures change nothing */
	g_ptr_array_add(mixed, nvr_index_evidence_new("wsd", "scope", "z", 1));
	g_assert_false(nvr_index_evidence_replace(fx->index, device, "onvif", mixed, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_false(nvr_index_evidence_replace(fx->index, device, "ONVIF!", bad_source, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_false(nvr_index_evidence_replace(fx->index, device, "oui", bad_strength, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	list = nvr_index_evidence_list(fx->index, device, &error);
	g_assert_cmpuint(list->len, ==, 2);
	g_assert_cmpstr(((NvrIndexEvidence *)list->pdata[1])->value, ==, "DS-2CD2143G2-I");
}

static NvrIndexVerdict *
verdict_new(gint64 device, const gchar *registry, NvrIndexConfidence confidence)
{
	NvrIndexVerdict *v = g_new0(NvrIndexVerdict, 1);

	v->device_id = device;
	v->registry_version = g_strdup(registry);
	v->vendor = g_strdup("hikvision");
	v->model = g_strdup("DS-2CD2143G2-I");
	v->confidence = confidence;
	v->restricted = TRUE;
	v->verdict_json = g_strdup("{\"vendor\": \"hikvision\", \"evidence\": [1, 2]}");
	return v;
}

static void
test_verdict(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gint64 device = device_add(fx->index, "192.0.2.10", NULL);
	g_autoptr(NvrIndexVerdict) v1 = verdict_new(device, "2025.1", NVR_INDEX_CONFIDENCE_LIKELY);
	g_autoptr(NvrIndexVerdict) v1b =
		verdict_new(device, "2025.1", NVR_INDEX_CONFIDENCE_CERTAIN);
	g_autoptr(NvrIndexVerdict) v2 =
		verdict_new(device, "2025.2", NVR_INDEX_CONFIDENCE_POSSIBLE);
	g_autoptr(NvrIndexVerdict) bad =
		verdict_new(device, "2025.3", NVR_INDEX_CONFIDENCE_POSSIBLE);
	g_autoptr(NvrIndexVerdict) latest = NULL;
	g_autoptr(GPtrArray) list = NULL;

	ASSERT_OK(nvr_index_verdict_store(fx->index, v1, &error));
	g_assert_cmpint(v1->evaluated_us, ==, T0_US);
	nvr_clock_fake_advance(fx->clock, 10);
	g_assert_true(nvr_index_verdict_store(fx->index, v1b, &error));
	g_assert_cmpint(v1b->id, ==, v1->id);
	nvr_clock_fake_advance(fx->clock, 10);
	ASSERT_OK(nvr_index_verdict_store(fx->index, v2, &error));
	g_assert_cmpint(v2->id, !=, v1->id);

	latest = nvr_index_verdict_load_latest(fx->index, device, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(latest->registry_version, ==, "2025.2");
	g_assert_cmpint(latest->confidence, ==, NVR_INDEX_CONFIDENCE_POSSIBLE);
	g_assert_true(latest->restricted);
	g_assert_cmpstr(latest->vendor, ==, "hikvision");
	g_assert_null(latest->brand);
	g_assert_cmpstr(latest->verdict_json, ==, v2->verdict_json);
	list = nvr_index_verdict_list(fx->index, device, &error);
	g_assert_cmpuint(list->len, ==, 2);
	g_assert_cmpint(((NvrIndexVerdict *)list->pdata[1])->confidence, ==,
			NVR_INDEX_CONFIDENCE_CERTAIN);

	g_free(bad->verdict_json);
	bad->verdict_json = g_strdup("{not json");
	g_assert_false(nvr_index_verdict_store(fx->index, bad, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_free(bad->verdict_json);
	bad->verdict_json = g_strdup("{}");
	bad->confidence = 9;
	g_assert_false(nvr_index_verdict_store(fx->index, bad, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_clear_pointer(&latest, nvr_index_verdict_free);
	latest = nvr_index_verdict_load_latest(fx->index, 999, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
}

static gint64
user_add(NvrIndex *index, const gchar *name, NvrIndexRole role)
{
	g_autoptr(GError) error = NULL;
	NvrIndexUser user = {.name = (gchar *)name,
			     .role = role,
			     .password_hash =
				     (gchar *)"$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA"};

	ASSERT_OK(nvr_index_user_insert(index, &user, &error));
	return user.id;
}

static gboolean
acknowledged(NvrIndex *index, gint64 device, const gchar *registry, gint64 user)
{
	g_autoptr(GError) error = NULL;
	gboolean ack = -1;

	ASSERT_OK(nvr_index_acknowledgement_exists(index, device, registry, user, &ack, &error));
	return ack;
}

static void
test_acknowledgement(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gint64 device = device_add(fx->index, "192.0.2.10", NULL);
	gint64 alice = user_add(fx->index, "alice", NVR_INDEX_ROLE_OWNER);
	gint64 bob = user_add(fx->index, "bob", NVR_INDEX_ROLE_VIEWER);

	g_assert_false(acknowledged(fx->index, device, "2025.1", 0));
	g_assert_true(nvr_index_acknowledgement_add(fx->index, device, alice, "2025.1", &error));
	ASSERT_OK(nvr_index_acknowledgement_add(fx->index, device, alice, "2025.1", &error));
	g_assert_true(acknowledged(fx->index, device, "2025.1", 0));
	g_assert_true(acknowledged(fx->index, device, "2025.1", alice));
	g_assert_false(acknowledged(fx->index, device, "2025.1", bob));
	/* a new registry version brings the warning back */
	g_assert_false(acknowledged(fx->index, device, "2025.2", 0));
	g_assert_false(nvr_index_acknowledgement_add(fx->index, 999, alice, "2025.1", &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_clear_error(&error);
	/* the device's warnings go with it */
	g_assert_true(nvr_index_device_delete(fx->index, device, &error));
	g_assert_false(acknowledged(fx->index, device, "2025.1", 0));
}

/* users, sessions, audit */

static void
test_user(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gint64 owner = user_add(fx->index, "owner", NVR_INDEX_ROLE_OWNER);
	gint64 viewer = user_add(fx->index, "O'Brien \"viewer\"", NVR_INDEX_ROLE_VIEWER);
	g_autoptr(NvrIndexUser) user = NULL;
	g_autoptr(NvrIndexUser) by_name = NULL;
	g_autoptr(GPtrArray) list = NULL;
	NvrIndexUser dup = {.name = (gchar *)"owner",
			    .role = NVR_INDEX_ROLE_VIEWER,
			    .password_hash = (gchar *)"x"};
	gint64 n = -1;

	user = nvr_index_user_load(fx->index, owner, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(user->name, ==, "owner");
	g_assert_cmpint(user->role, ==, NVR_INDEX_ROLE_OWNER);
	g_assert_true(g_str_has_prefix(user->password_hash, "$argon2id$"));
	g_assert_cmpint(user->created_us, ==, T0_US);
	g_assert_false(user->disabled);
	by_name = nvr_index_user_load_by_name(fx->index, "O'Brien \"viewer\"", &error);
	g_assert_no_error(error);
	g_assert_cmpint(by_name->id, ==, viewer);

	g_assert_false(nvr_index_user_insert(fx->index, &dup, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_EXISTS);
	g_clear_error(&error);
	dup.name = (gchar *)"carol";
	dup.role = 3;
	g_assert_false(nvr_index_user_insert(fx->index, &dup, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	dup.role = NVR_INDEX_ROLE_VIEWER;
	dup.name = (gchar *)"a/b";
	g_assert_false(nvr_index_user_insert(fx->index, &dup, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	dup.name = (gchar *)"carol";
	dup.password_hash = NULL;
	g_assert_false(nvr_index_user_insert(fx->index, &dup, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	g_assert_true(nvr_index_user_count_enabled(fx->index, NVR_INDEX_ROLE_OWNER, &n, &error));
	g_assert_cmpint(n, ==, 1);
	g_free(by_name->password_hash);
	by_name->password_hash = g_strdup("$argon2id$new");
	by_name->role = NVR_INDEX_ROLE_OWNER;
	by_name->disabled = TRUE;
	ASSERT_OK(nvr_index_user_update(fx->index, by_name, &error));
	g_clear_pointer(&user, nvr_index_user_free);
	user = nvr_index_user_load(fx->index, viewer, &error);
	g_assert_cmpstr(user->password_hash, ==, "$argon2id$new");
	g_assert_true(user->disabled);
	g_assert_true(nvr_index_user_count_enabled(fx->index, NVR_INDEX_ROLE_OWNER, &n, &error));
	g_assert_cmpint(n, ==, 1);

	list = nvr_index_user_list(fx->index, &error);
	g_assert_cmpuint(list->len, ==, 2);
	g_assert_cmpstr(((NvrIndexUser *)list->pdata[0])->name, ==, "O'Brien \"viewer\"");
	g_assert_true(nvr_index_user_delete(fx->index, viewer, &error));
	g_assert_false(nvr_index_user_update(fx->index, by_name, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_assert_cmpstr(nvr_index_role_to_string(NVR_INDEX_ROLE_VIEWER), ==, "viewer");
}

static NvrIndexSession *
session_add(NvrIndex *index, gint64 user, guint8 token, gint64 expires_us)
{
	g_autoptr(GError) error = NULL;
	NvrIndexSession *session = g_new0(NvrIndexSession, 1);

	session->token_hash = bytes_filled(token, 32);
	session->csrf_token_hash = bytes_filled(token ^ 0xff, 32);
	session->user_id = user;
	session->expires_us = expires_us;
	ASSERT_OK(nvr_index_session_insert(index, session, &error));
	return session;
}

static void
test_session(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gint64 alice = user_add(fx->index, "alice", NVR_INDEX_ROLE_OWNER);
	gint64 bob = user_add(fx->index, "bob", NVR_INDEX_ROLE_VIEWER);
	g_autoptr(NvrIndexSession) a1 = session_add(fx->index, alice, 1, T0_US + HOUR_US);
	g_autoptr(NvrIndexSession) a2 = session_add(fx->index, alice, 2, T0_US + 10);
	g_autoptr(NvrIndexSession) b1 = session_add(fx->index, bob, 3, T0_US + HOUR_US);
	g_autoptr(NvrIndexSession) found = NULL;
	g_autoptr(NvrIndexUser) bob_row = NULL;
	g_autoptr(GBytes) short_hash = bytes_filled(7, 31);
	NvrIndexSession dup = {.token_hash = a1->token_hash,
			       .csrf_token_hash = a1->csrf_token_hash,
			       .user_id = alice,
			       .expires_us = T0_US + 1};
	gint64 n = -1;

	found = nvr_index_session_load_valid(fx->index, a1->token_hash, T0_US + 5, &error);
	g_assert_no_error(error);
	g_assert_cmpint(found->id, ==, a1->id);
	g_assert_cmpint(found->user_id, ==, alice);
	g_assert_true(g_bytes_equal(found->csrf_token_hash, a1->csrf_token_hash));
	g_assert_cmpint(found->created_us, ==, T0_US);
	g_clear_pointer(&found, nvr_index_session_free);
	/* expired */
	found = nvr_index_session_load_valid(fx->index, a2->token_hash, T0_US + 10, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_clear_error(&error);
	/* sliding expiry */
	g_assert_true(nvr_index_session_touch(fx->index, a2->id, T0_US + 9, T0_US + 100, &error));
	found = nvr_index_session_load_valid(fx->index, a2->token_hash, T0_US + 10, &error);
	g_assert_no_error(error);
	g_assert_cmpint(found->last_seen_us, ==, T0_US + 9);
	g_clear_pointer(&found, nvr_index_session_free);
	/* a disabled user's sessions stop at once */
	bob_row = nvr_index_user_load(fx->index, bob, &error);
	bob_row->disabled = TRUE;
	g_assert_true(nvr_index_user_update(fx->index, bob_row, &error));
	found = nvr_index_session_load_valid(fx->index, b1->token_hash, T0_US, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_clear_error(&error);

	g_assert_false(nvr_index_session_insert(fx->index, &dup, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_EXISTS);
	g_clear_error(&error);
	dup.token_hash = short_hash;
	g_assert_false(nvr_index_session_insert(fx->index, &dup, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	g_assert_true(nvr_index_session_delete_expired(fx->index, T0_US + 100, &n, &error));
	g_assert_cmpint(n, ==, 1);
	g_assert_true(nvr_index_session_delete(fx->index, a1->id, &error));
	g_assert_false(nvr_index_session_delete(fx->index, a1->id, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_true(nvr_index_session_delete_for_user(fx->index, bob, &error));
	g_assert_true(nvr_index_session_delete_expired(fx->index, G_MAXINT64, &n, &error));
	g_assert_cmpint(n, ==, 0);
	/* deleting a user ends its sessions */
	g_clear_pointer(&a1, nvr_index_session_free);
	a1 = session_add(fx->index, alice, 9, T0_US + HOUR_US);
	g_assert_true(nvr_index_user_delete(fx->index, alice, &error));
	found = nvr_index_session_load_valid(fx->index, a1->token_hash, T0_US, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
}

static void
test_audit(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gint64 alice = user_add(fx->index, "alice", NVR_INDEX_ROLE_OWNER);
	g_autoptr(GPtrArray) page1 = NULL;
	g_autoptr(GPtrArray) page2 = NULL;
	NvrIndexAuditEntry *e;
	gint64 n = -1;

	g_assert_true(nvr_index_audit_add(fx->index, alice, "login", NULL, "192.0.2.50", &error));
	nvr_clock_fake_advance(fx->clock, G_USEC_PER_SEC);
	g_assert_true(nvr_index_audit_add(fx->index, alice, "camera.add",
					  "porch rtsp://admin:hunter2@192.0.2.9/ password=hunter2",
					  "192.0.2.50", &error));
	nvr_clock_fake_advance(fx->clock, G_USEC_PER_SEC);
	ASSERT_OK(
		nvr_index_audit_add(fx->index, 0, "retention", "deleted 3 segments", NULL, &error));
	g_assert_false(nvr_index_audit_add(fx->index, 0, "", NULL, NULL, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	page1 = nvr_index_audit_list(fx->index, 0, 2, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(page1->len, ==, 2);
	e = g_ptr_array_index(page1, 0);
	g_assert_cmpstr(e->action, ==, "retention");
	g_assert_cmpint(e->user_id, ==, 0);
	g_assert_null(e->client);
	e = g_ptr_array_index(page1, 1);
	g_assert_cmpstr(e->action, ==, "camera.add");
	g_assert_null(strstr(e->detail, "hunter2"));
	g_assert_cmpint(e->ts_us, ==, T0_US + G_USEC_PER_SEC);
	page2 = nvr_index_audit_list(fx->index, e->id, 10, &error);
	g_assert_cmpuint(page2->len, ==, 1);
	g_assert_cmpstr(((NvrIndexAuditEntry *)page2->pdata[0])->client, ==, "192.0.2.50");

	/* entries outlive their user */
	g_assert_true(nvr_index_user_delete(fx->index, alice, &error));
	g_clear_pointer(&page2, g_ptr_array_unref);
	page2 = nvr_index_audit_list(fx->index, 0, 10, &error);
	g_assert_cmpuint(page2->len, ==, 3);
	g_assert_cmpint(((NvrIndexAuditEntry *)page2->pdata[2])->user_id, ==, 0);
	ASSERT_OK(nvr_index_audit_prune(fx->index, T0_US + G_USEC_PER_SEC, &n, &error));
	g_assert_cmpint(n, ==, 1);
}

/* the names stored for enums, both ways */
static void
test_enum_names(IndexFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	NvrIndexSegmentStatus status = 0;
	NvrIndexConfidence confidence = 0;
	NvrIndexRole role = 0;

	for (NvrIndexSegmentStatus i = NVR_INDEX_SEGMENT_RECORDING; i <= NVR_INDEX_SEGMENT_GARBAGE;
	     i++) {
		g_assert_true(nvr_index_segment_status_from_string(
			nvr_index_segment_status_to_string(i), &status));
		g_assert_cmpint(status, ==, i);
	}
	g_assert_false(nvr_index_segment_status_from_string("deleted", &status));
	for (NvrIndexConfidence i = NVR_INDEX_CONFIDENCE_UNKNOWN; i <= NVR_INDEX_CONFIDENCE_CERTAIN;
	     i++) {
		g_assert_true(nvr_index_confidence_from_string(nvr_index_confidence_to_string(i),
							       &confidence));
		g_assert_cmpint(confidence, ==, i);
	}
	g_assert_cmpstr(nvr_index_confidence_to_string(NVR_INDEX_CONFIDENCE_CERTAIN), ==,
			"certain");
	g_assert_null(nvr_index_confidence_to_string(4));
	g_assert_false(nvr_index_confidence_from_string(NULL, &confidence));
	g_assert_true(nvr_index_role_from_string("owner", &role));
	g_assert_cmpint(role, ==, NVR_INDEX_ROLE_OWNER);
	g_assert_false(nvr_index_role_from_string("admin", &role));
	g_assert_cmpstr(nvr_index_tombstone_reason_to_string(NVR_INDEX_TOMBSTONE_USER), ==, "user");
	g_assert_null(nvr_index_tombstone_reason_to_string(0));
	g_assert_cmpstr(nvr_index_tombstone_rule_to_string(NVR_INDEX_TOMBSTONE_RULE_FREE_SPACE), ==,
			"free-space");
	g_assert_null(nvr_index_tombstone_rule_to_string(NVR_INDEX_TOMBSTONE_RULE_NONE));
	g_assert_null(nvr_index_tombstone_rule_to_string(99));

	g_assert_true(nvr_index_camera_validate_name("Front door (east)", &error));
	g_assert_no_error(error);
	g_assert_false(nvr_index_camera_validate_name("../etc", &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_assert_cmpint(nvr_index_now_us(fx->index), ==, T0_US);
	nvr_clock_fake_advance(fx->clock, 5);
	g_assert_cmpint(nvr_index_now_us(fx->index), ==, T0_US + 5);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

#define ADD(path, fn)                                                                              \
	g_test_add("/nvr/index/" path, IndexFixture, NULL, index_setup, fn, index_teardown)
#define ADD_UNOPENED(path, fn)                                                                     \
	g_test_add("/nvr/index/" path, IndexFixture, "unopened", index_setup, fn, index_teardown)
	ADD("create", test_create);
	ADD("reopen", test_reopen);
	ADD_UNOPENED("migrate-v1", test_migrate_v1);
	ADD_UNOPENED("migrate-step-atomic", test_migrate_step_atomic);
	g_test_add_func("/nvr/index/schema-steps-frozen", test_schema_steps_frozen);
	ADD("newer-refused", test_newer_refused);
	ADD_UNOPENED("foreign-file-refused", test_foreign_file_refused);
	ADD_UNOPENED("concurrent-open", test_concurrent_open);
	ADD("two-connections", test_two_connections);
	ADD("transaction", test_transaction);
	ADD("transaction-threads", test_transaction_threads);
	ADD("camera/crud", test_camera_crud);
	ADD("camera/remove-delete", test_camera_remove_delete);
	ADD("camera/constraints", test_camera_constraints);
	ADD("camera/generation", test_camera_generation);
	ADD("camera/hostile-values", test_hostile_values);
	ADD("camera/delete-with-footage", test_camera_delete_with_footage);
	ADD("meta", test_meta);
	ADD("enum-names", test_enum_names);
	ADD("footage-dir", test_footage_dir);
	ADD("codec-config", test_codec_config);
	ADD("run/crud", test_run);
	ADD("run/close-open-and-prune", test_run_close_open_and_prune);
	ADD("run/correct-wall", test_run_correct_wall);
	ADD("run/shift-wall", test_run_shift_wall);
	ADD("segment/lifecycle", test_segment_lifecycle);
	ADD("segment/constraints", test_segment_constraints);
	ADD("segment/ids-monotonic", test_segment_ids_monotonic);
	ADD("segment/span", test_segment_span);
	ADD("segment/chain-and-status", test_segment_chain_and_status);
	ADD("segment/retention-walk", test_segment_retention_walk);
	ADD("segment/mark-garbage-atomic", test_segment_mark_garbage_atomic);
	ADD("tombstone", test_tombstone);
	ADD("device", test_device);
	ADD("evidence", test_evidence);
	ADD("verdict", test_verdict);
	ADD("acknowledgement", test_acknowledgement);
	ADD("user", test_user);
	ADD("session", test_session);
	ADD("audit", test_audit);
	return g_test_run();
}
