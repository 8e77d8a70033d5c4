#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "core/nvr-error.h"
#include "index/nvr-index-all.h"
#include "index/nvr-index-private.h"
#include "nvr-test-common.h"

#define T0_US (G_GINT64_CONSTANT(1764338400) * G_USEC_PER_SEC) /* 2025-11-28T14:00:00Z */
#define MIN_US (G_GINT64_CONSTANT(60) * G_USEC_PER_SEC)

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

	g_assert_true(nvr_index_camera_insert(index, camera, &error));
	g_assert_no_error(error);
	g_assert_cmpint(camera->id, >, 0);
	return camera;
}

static gint64
camera_generation(NvrIndex *index)
{
	g_autoptr(GError) error = NULL;
	gint64 generation = -1;

	g_assert_true(nvr_index_camera_get_generation(index, &generation, &error));
	g_assert_no_error(error);
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
	sqlite3 *db = raw_open(fx->path);

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
	g_autofree gchar *db_uuid = NULL;
	sqlite3 *db;

	g_assert_no_error(error);
	g_assert_cmpuint(nvr_index_get_schema_version(v1), ==, 1);
	camera = camera_add(v1, "garage");
	db_uuid = g_strdup(nvr_index_get_database_uuid(v1));
	g_clear_object(&v1);

	/* what a v1 recorder wrote: no tags digest yet, no device tables */
	db = raw_open(fx->path);
	g_assert_cmpint(raw_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'devices'"), ==, 0);
	raw_exec(db, "INSERT INTO footage_dirs (path, uuid, added_us) VALUES "
		     "('/srv/nvr', '11111111-2222-3333-4444-555555555555', 1)");
	raw_exec(db, "INSERT INTO runs (camera_id, stream, start_us, media_anchor, wall_anchor_us) "
		     "VALUES (1, 0, 100, 0, 100)");
	raw_exec(db, "INSERT INTO segments (camera_id, run_id, stream, status, start_us, end_us, "
		     "media_start, file_len, header_mac, last_tag, footage_dir_id, created_us) "
		     "VALUES (1, 1, 0, 'finalized', 100, 200, 0, 4096, zeroblob(32), zeroblob(16), 1, 1)");
	sqlite3_close(db);

	fx->index = open_index(fx);
	g_assert_cmpuint(nvr_index_get_schema_version(fx->index), ==, 2);
	g_assert_cmpstr(nvr_index_get_database_uuid(fx->index), ==, db_uuid);
	g_assert_cmpint(camera_generation(fx->index), ==, 1);
	g_assert_cmpint(camera_count(fx->index), ==, 1);
	/* rows kept, v2 columns and tables there */
	db = raw_open(fx->path);
	g_assert_cmpint(raw_int(db, "SELECT file_len FROM segments WHERE tags_digest IS NULL"), ==, 4096);
	g_assert_cmpint(raw_int(db, "SELECT count(*) FROM devices"), ==, 0);
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
	    "",
	    "",
	};
	guint n = 0;
	const NvrIndexMigration *m = nvr_index_schema_get_migrations(&n);

	g_assert_cmpuint(n, ==, G_N_ELEMENTS(sha256));
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, m[i].sql, -1);

		g_assert_cmpuint(m[i].version, ==, i + 1);
		g_test_message("schema v%u: %s", m[i].version, sum);
		if (sha256[i][0] != '\0')
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

	g_assert_true(g_file_set_contents(junk, "this is not a database, not at all....", -1, NULL));
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
	g_assert_true(nvr_index_commit(fx->index, &error));
	g_assert_no_error(error);
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
	g_assert_true(nvr_index_commit(fx->index, &error));
	g_assert_no_error(error);
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
	camera->max_age_us = G_GINT64_CONSTANT(30) * 24 * 3600 * G_USEC_PER_SEC;
	camera->vendor_hint = g_strdup("hikvision");
	g_assert_true(nvr_index_camera_insert(fx->index, camera, &error));
	g_assert_no_error(error);
	g_assert_true(g_uuid_string_is_valid(camera->uuid));
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
	g_assert_true(nvr_index_camera_update(fx->index, by_id, &error));
	g_assert_no_error(error);
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

	g_assert_true(nvr_index_camera_remove(fx->index, old->id, &error));
	g_assert_no_error(error);
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

	g_assert_true(nvr_index_camera_delete(fx->index, old->id, &error));
	g_assert_no_error(error);
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
	const gchar *bad_names[] = {"", "a/b", "tab\there", "bell\a", "\xff\xfe", "\u202eevil",
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
	camera->name = g_strdup("ü-64-" "01234567890123456789012345678901234567890123456789012345678");
	g_assert_cmpint(g_utf8_strlen(camera->name, -1), ==, 64);
	g_clear_pointer(&camera->uuid, g_free);
	g_assert_true(nvr_index_camera_insert(fx->index, camera, NULL));

	g_free(camera->name);
	camera->name = g_strdup("other");
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
	g_assert_true(nvr_index_camera_delete(nvrctl, camera->id, &error));
	g_assert_no_error(error);
	g_assert_cmpint(camera_generation(fx->index), ==, g0 + 4);
	/* a failed change is no change */
	g_assert_false(nvr_index_camera_delete(nvrctl, camera->id, NULL));
	g_assert_cmpint(camera_generation(fx->index), ==, g0 + 4);
}

/* values are bound, never spliced: quotes and SQL in names are just names */
static void
test_hostile_values(IndexFixture *fx, gconstpointer data)
{
	const gchar *names[] = {"Robert'); DROP TABLE cameras;--", "\"quoted\" 'single'",
				"x' OR '1'='1", "%s%n%x", "?1 :name @p $v", "Ünïcødé ☃"};
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

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

#define ADD(path, fn) g_test_add("/nvr/index/" path, IndexFixture, NULL, index_setup, fn, index_teardown)
#define ADD_UNOPENED(path, fn)                                                                     \
	g_test_add("/nvr/index/" path, IndexFixture, "unopened", index_setup, fn, index_teardown)
	ADD("create", test_create);
	ADD("reopen", test_reopen);
	ADD_UNOPENED("migrate-v1", test_migrate_v1);
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
	return g_test_run();
}
