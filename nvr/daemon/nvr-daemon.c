/*
 * notes on the daemon
 *
 *   NEW --start--> RUNNING --stop--> STOPPED
 *   start: state dir usable and locked, footage dir usable, index open,
 *   HTTP listening; any failure is one line for the operator and nvrd exits.
 *
 * invariants
 *   (1) one nvrd per state dir: an flock on <state>/nvrd.lock, held for life
 *   (2) everything here runs on the main context; streaming threads never
 *       call into the daemon directly
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <string.h>
#include <unistd.h>

#include "core/nvr-error.h"
#include "core/nvr-file.h"
#include "http/nvr-http-server.h"
#include "index/nvr-index-all.h"
#include "nvr-daemon-devices.h"
#include "nvr-daemon.h"
#include "nvr-demo.h"
#include "core/nvr-clock.h"
#include "keys/nvr-keyring.h"
#include "keys/nvr-keys.h"
#include "recorder/nvr-recorder.h"
#include "retention/nvr-retention-reopen.h"
#include "retention/nvr-retention-runner.h"
#include "store/nvr-footage.h"
#include "store/nvr-store-writer.h"
#include "store/nvr-store.h"
#include "vendor/nvr-device-index.h"

struct _NvrDaemon {
	GObject parent_instance;
	NvrConfig *config;	 /* main context only; replaced on reload */
	gchar *config_path;	 /* immutable */
	gchar *state_dir;	 /* immutable after start */
	gchar *footage_dir;	 /* immutable after start */
	gboolean demo;		 /* immutable after start */
	gint lock_fd;		 /* held from start to finalize */
	gint64 started_us;	 /* monotonic */
	NvrHttpServer *http;	 /* main context only */
	NvrIndex *index;	 /* main context only (the store writer has its own lock) */
	NvrFootage *footage;	 /* immutable after start */
	GHashTable *cameras;	 /* camera id -> NvrDaemonCamera; main context only */
	gint64 cameras_generation;
	guint camera_poll_id;
	NvrDemo *demo_runner;
	gint64 footage_dir_id;
	NvrKeyring *keyring;	 /* NULL until nvrctl init: then nothing can be recorded */
	NvrStoreWriter *writer;
	NvrRetentionRunner *retention; /* with the writer: it needs the device key */
	NvrRetentionReopen *reopen;    /* with the writer: when a failed stream writes again */
	NvrClock *clock;
	NvrVendor *vendor;	   /* NULL if identification could not start */
	NvrDaemonDevices *devices; /* NULL with vendor */
	GHashTable *http_ports;	   /* camera name -> HTTP port nvr-fakecam announced (demo) */
};

/* what nvrd knows of one camera; the recorder will own the real work */
typedef struct {
	gint64 id;
	gchar *name;
	gchar *uuid;
	const gchar *state; /* static string, when no recorder says better */
	gboolean seen;	    /* mark and sweep while syncing with the index */
	gint64 updated_us;  /* of the row the recorders were made from */
	gint64 identified_us; /* of the row its device was last probed for */
	NvrRecorder *main;
	NvrRecorder *sub;
} NvrDaemonCamera;

static void
nvr_daemon_camera_stop(NvrDaemonCamera *cam)
{
	if (cam->main != NULL)
		nvr_recorder_stop(cam->main);
	if (cam->sub != NULL)
		nvr_recorder_stop(cam->sub);
	g_clear_object(&cam->main);
	g_clear_object(&cam->sub);
}

static const gchar *
nvr_daemon_camera_state(NvrDaemonCamera *cam)
{
	return cam->main != NULL ? nvr_recorder_get_state(cam->main) : cam->state;
}

static void
nvr_daemon_camera_free(NvrDaemonCamera *cam)
{
	nvr_daemon_camera_stop(cam);
	g_free(cam->name);
	g_free(cam->uuid);
	g_free(cam);
}

G_DEFINE_TYPE(NvrDaemon, nvr_daemon, G_TYPE_OBJECT)

static gboolean
nvr_daemon_lock_state_dir(NvrDaemon *self, GError **error)
{
	g_autofree gchar *path = g_build_filename(self->state_dir, "nvrd.lock", NULL);

	self->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (self->lock_fd < 0)
		return nvr_error_from_errno(error, errno, "state dir %s", self->state_dir);
	if (flock(self->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_BUSY,
			    "state dir %s is in use by another nvrd",
			    self->state_dir);
		return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_daemon_prepare_dirs(NvrDaemon *self, GError **error)
{
	const gchar *footage = nvr_config_get_string(self->config, "footage-dir");

	self->state_dir = g_strdup(nvr_config_get_string(self->config, "state-dir"));
	if (!nvr_file_check_dir_usable(self->state_dir, TRUE, error)) {
		g_prefix_error(error, "unusable state dir: ");
		return FALSE;
	}
	if (!nvr_daemon_lock_state_dir(self, error))
		return FALSE;
	self->footage_dir = footage != NULL ? g_strdup(footage)
					    : g_build_filename(self->state_dir, "footage", NULL);
	if (!nvr_file_check_dir_usable(self->footage_dir, TRUE, error)) {
		g_prefix_error(error, "unusable footage dir: ");
		return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_daemon_open_index(NvrDaemon *self, GError **error)
{
	g_autofree gchar *path = g_build_filename(self->state_dir, "nvr.db", NULL);

	self->index = nvr_index_open(path, error);
	if (self->index == NULL) {
		g_prefix_error(error, "index %s: ", path);
		return FALSE;
	}
	return TRUE;
}

/* binds the footage dir to this database on first use, refuses a wrong disk later */
static gboolean
nvr_daemon_open_footage(NvrDaemon *self, GError **error)
{
	g_autofree gchar *path = g_canonicalize_filename(self->footage_dir, NULL);
	g_autoptr(NvrIndexFootageDir) known = nvr_index_footage_dir_load_by_path(self->index, path, NULL);
	const gchar *db_uuid = nvr_index_get_database_uuid(self->index);

	self->footage = nvr_footage_open(path, db_uuid, known != NULL ? known->uuid : NULL, error);
	if (self->footage == NULL || !nvr_footage_lock(self->footage, error))
		return FALSE;
	if (known != NULL) {
		self->footage_dir_id = known->id;
		return TRUE;
	}
	return nvr_index_footage_dir_add(self->index, path, nvr_footage_get_uuid(self->footage),
					 &self->footage_dir_id, error);
}

static NvrRecorder *
nvr_daemon_recorder_new(NvrDaemon *self, NvrIndexCamera *c, NvrIndexStream stream, const gchar *password)
{
	g_autoptr(GError) error = NULL;
	NvrRecorder *rec = nvr_recorder_new(self->index, self->writer, c, stream, password, self->clock,
					    self->config, &error);

	if (rec == NULL) {
		g_warning("camera %s: %s", c->name, error->message);
		return NULL;
	}
	nvr_recorder_start(rec);
	return rec;
}

/* Returns: (nullable): the camera's password, to be wiped; NULL without error if it has none */
static gchar *
nvr_daemon_camera_password(NvrDaemon *self, NvrIndexCamera *c, GError **error)
{
	g_autofree gchar *sealed = NULL;

	if (c->password_sealed == NULL || self->keyring == NULL)
		return NULL;
	sealed = g_strndup(g_bytes_get_data(c->password_sealed, NULL), g_bytes_get_size(c->password_sealed));
	return nvr_keys_unseal_text(nvr_keyring_get_seal_key(self->keyring), sealed, error);
}

/* who made it, in the background: with the camera's credentials when they can be unsealed */
static void
nvr_daemon_camera_identify(NvrDaemon *self, NvrDaemonCamera *cam, NvrIndexCamera *c)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *password = NULL;

	if (self->devices == NULL || cam->identified_us == c->updated_us)
		return;
	cam->identified_us = c->updated_us;
	password = nvr_daemon_camera_password(self, c, &error);
	if (error != NULL)
		g_debug("camera %s: identified without its password: %s", c->name, error->message);
	nvr_daemon_devices_identify(self->devices, c, password,
				    GPOINTER_TO_UINT(g_hash_table_lookup(self->http_ports, c->name)));
	if (password != NULL)
		nvr_keys_memzero(password, strlen(password));
}

static void
nvr_daemon_camera_start(NvrDaemon *self, NvrDaemonCamera *cam, NvrIndexCamera *c)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *password = NULL;

	if (self->writer == NULL) {
		cam->state = "no-keyring";
		return;
	}
	password = nvr_daemon_camera_password(self, c, &error);
	if (error != NULL) {
		g_warning("camera %s: password: %s", c->name, error->message);
		cam->state = "credentials-unreadable";
		return;
	}
	if (c->record_main)
		cam->main = nvr_daemon_recorder_new(self, c, NVR_INDEX_STREAM_MAIN, password);
	if (c->record_sub && c->sub_url != NULL)
		cam->sub = nvr_daemon_recorder_new(self, c, NVR_INDEX_STREAM_SUB, password);
	if (password != NULL)
		nvr_keys_memzero(password, strlen(password));
	if (cam->main == NULL && cam->sub == NULL)
		cam->state = "error";
}

static void
nvr_daemon_sync_camera(NvrDaemon *self, NvrIndexCamera *c)
{
	NvrDaemonCamera *cam = g_hash_table_lookup(self->cameras, &c->id);

	if (cam == NULL) {
		cam = g_new0(NvrDaemonCamera, 1);
		cam->id = c->id;
		cam->uuid = g_strdup(c->uuid);
		cam->state = "starting";
		g_hash_table_insert(self->cameras, &cam->id, cam);
		g_message("camera %s added", c->name);
	}
	g_free(cam->name);
	cam->name = g_strdup(c->name);
	cam->seen = TRUE;
	if (cam->updated_us != c->updated_us || (cam->main == NULL && c->enabled)) {
		/* new, or its URLs or credentials changed: start afresh */
		nvr_daemon_camera_stop(cam);
		cam->updated_us = c->updated_us;
		cam->state = c->enabled ? "starting" : "disabled";
		if (c->enabled)
			nvr_daemon_camera_start(self, cam, c);
	}
	nvr_daemon_camera_identify(self, cam, c);
}

/* the index is the truth: start what is new, stop what went away */
static gboolean
nvr_daemon_sync_cameras(NvrDaemon *self, GError **error)
{
	g_autoptr(GPtrArray) cams = nvr_index_camera_list(self->index, FALSE, error);
	GHashTableIter iter;
	NvrDaemonCamera *cam;

	if (cams == NULL)
		return FALSE;
	g_hash_table_iter_init(&iter, self->cameras);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&cam))
		cam->seen = FALSE;
	for (guint i = 0; i < cams->len; i++)
		nvr_daemon_sync_camera(self, g_ptr_array_index(cams, i));
	g_hash_table_iter_init(&iter, self->cameras);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&cam)) {
		if (cam->seen)
			continue;
		g_message("camera %s removed", cam->name);
		if (self->devices != NULL)
			nvr_daemon_devices_forget(self->devices, cam->id);
		if (self->reopen != NULL)
			nvr_retention_reopen_forget(self->reopen, cam->id);
		g_hash_table_iter_remove(&iter);
	}
	return TRUE;
}

/* cheap: one meta row; a full sync only when nvrctl or the API changed something */
static gboolean
nvr_daemon_camera_poll_cb(gpointer user_data)
{
	NvrDaemon *self = NVR_DAEMON(user_data);
	g_autoptr(GError) error = NULL;
	gint64 generation = 0;

	if (!nvr_index_camera_get_generation(self->index, &generation, &error)) {
		g_warning("camera poll: %s", error->message);
		return G_SOURCE_CONTINUE;
	}
	if (generation == self->cameras_generation)
		return G_SOURCE_CONTINUE;
	if (!nvr_daemon_sync_cameras(self, &error)) {
		g_warning("camera sync: %s", error->message);
		return G_SOURCE_CONTINUE;
	}
	self->cameras_generation = generation;
	return G_SOURCE_CONTINUE;
}

/* what retention did since nvrd started */
static void
nvr_daemon_add_retention(NvrDaemon *self, JsonBuilder *b)
{
	NvrRetentionResult t;
	NvrRetentionRunnerTimes times;

	nvr_retention_runner_get_totals(self->retention, &t);
	json_builder_set_member_name(b, "retention");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "deleted");
	json_builder_add_int_value(b, t.deleted + t.completed);
	json_builder_set_member_name(b, "deleted_bytes");
	json_builder_add_int_value(b, (gint64)t.deleted_bytes);
	json_builder_set_member_name(b, "deferred");
	json_builder_add_int_value(b, t.deferred);
	json_builder_set_member_name(b, "pending");
	json_builder_add_int_value(b, t.pending);
	nvr_retention_runner_get_times(self->retention, &times);
	json_builder_set_member_name(b, "runs");
	json_builder_add_int_value(b, times.runs);
	json_builder_set_member_name(b, "run_ms_max");
	json_builder_add_double_value(b, times.run_max_us / 1000.0);
	json_builder_set_member_name(b, "run_ms_mean");
	json_builder_add_double_value(b, times.runs > 0 ? times.run_us / 1000.0 / times.runs : 0);
	json_builder_end_object(b);
}

/* what the main loop's index connection cost it: writes and waits for the write lock */
static void
nvr_daemon_add_index(NvrDaemon *self, JsonBuilder *b)
{
	NvrIndexStats st;

	nvr_index_get_stats(self->index, &st);
	json_builder_set_member_name(b, "index");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "writes");
	json_builder_add_int_value(b, (gint64)st.writes);
	json_builder_set_member_name(b, "write_ms_max");
	json_builder_add_double_value(b, st.write_max_us / 1000.0);
	json_builder_set_member_name(b, "write_ms_mean");
	json_builder_add_double_value(b, st.writes > 0 ? st.write_us / 1000.0 / st.writes : 0);
	json_builder_set_member_name(b, "lock_waits");
	json_builder_add_int_value(b, (gint64)st.lock_waits);
	json_builder_set_member_name(b, "lock_wait_ms_max");
	json_builder_add_double_value(b, st.lock_wait_max_us / 1000.0);
	json_builder_set_member_name(b, "lock_wait_ms_mean");
	json_builder_add_double_value(b, st.lock_waits > 0 ? st.lock_wait_us / 1000.0 / st.lock_waits
							  : 0);
	json_builder_end_object(b);
}

static void
nvr_daemon_add_storage(NvrDaemon *self, JsonBuilder *b)
{
	struct statvfs st;

	json_builder_set_member_name(b, "storage");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "footage_dir");
	json_builder_add_string_value(b, self->footage_dir);
	if (statvfs(self->footage_dir, &st) == 0) {
		json_builder_set_member_name(b, "free_bytes");
		json_builder_add_int_value(b, (gint64)st.f_bavail * (gint64)st.f_frsize);
		json_builder_set_member_name(b, "total_bytes");
		json_builder_add_int_value(b, (gint64)st.f_blocks * (gint64)st.f_frsize);
	}
	if (self->retention != NULL)
		nvr_daemon_add_retention(self, b);
	json_builder_set_member_name(b, "disk_full");
	json_builder_add_boolean_value(b, self->reopen != NULL &&
					      nvr_retention_reopen_get_disk_full(self->reopen));
	json_builder_end_object(b);
}

static gint
nvr_daemon_camera_cmp(gconstpointer a, gconstpointer b)
{
	const NvrDaemonCamera *x = *(NvrDaemonCamera *const *)a;
	const NvrDaemonCamera *y = *(NvrDaemonCamera *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* counters of the main stream: tests and benchmarks compare them with what the camera sent */
static void
nvr_daemon_add_main_stats(NvrDaemonCamera *cam, JsonBuilder *b)
{
	NvrRecorderStats st = {0};

	if (cam->main != NULL)
		nvr_recorder_get_stats(cam->main, &st);
	json_builder_set_member_name(b, "frames_received");
	json_builder_add_int_value(b, (gint64)st.frames_received);
	json_builder_set_member_name(b, "frames_stored");
	json_builder_add_int_value(b, (gint64)st.frames_stored);
	json_builder_set_member_name(b, "runs");
	json_builder_add_int_value(b, st.runs);
}

static void
nvr_daemon_add_cameras(NvrDaemon *self, JsonBuilder *b)
{
	g_autoptr(GPtrArray) cams = g_ptr_array_new();
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, self->cameras);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		g_ptr_array_add(cams, value);

	g_ptr_array_sort(cams, nvr_daemon_camera_cmp);
	json_builder_begin_array(b);
	for (guint i = 0; i < cams->len; i++) {
		NvrDaemonCamera *cam = g_ptr_array_index(cams, i);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "id");
		json_builder_add_int_value(b, cam->id);
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, cam->name);
		json_builder_set_member_name(b, "uuid");
		json_builder_add_string_value(b, cam->uuid);
		json_builder_set_member_name(b, "state");
		json_builder_add_string_value(b, nvr_daemon_camera_state(cam));
		nvr_daemon_add_main_stats(cam, b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static JsonNode *
nvr_daemon_health_cb(gpointer user_data)
{
	NvrDaemon *self = NVR_DAEMON(user_data);
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "status");
	json_builder_add_string_value(b, "ok");
	json_builder_set_member_name(b, "version");
	json_builder_add_string_value(b, NVR_VERSION_STRING);
	json_builder_set_member_name(b, "uptime_s");
	json_builder_add_int_value(b, (g_get_monotonic_time() - self->started_us) / G_USEC_PER_SEC);
	json_builder_set_member_name(b, "demo");
	json_builder_add_boolean_value(b, self->demo);
	json_builder_set_member_name(b, "cameras");
	nvr_daemon_add_cameras(self, b);
	nvr_daemon_add_storage(self, b);
	nvr_daemon_add_index(self, b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

/* GET /api/devices: what 'nvrctl devices --json' prints (README.md) */
static JsonNode *
nvr_daemon_device_list_cb(gpointer user_data)
{
	NvrDaemon *self = NVR_DAEMON(user_data);
	g_autoptr(GError) error = NULL;
	JsonNode *node = nvr_device_index_list_json(self->index, &error);

	if (node == NULL)
		g_warning("device list: %s", error->message);
	return node;
}

static void
nvr_daemon_retention_policy(NvrDaemon *self, NvrRetentionPolicy *policy)
{
	const guint64 mib = 1024 * 1024;

	policy->camera_budget_bytes = nvr_config_get_uint(self->config, "camera-budget-mb") * mib;
	policy->max_age_us = (gint64)nvr_config_get_uint(self->config, "retention-max-age-days") *
			     24 * 3600 * G_USEC_PER_SEC;
	policy->floor_bytes = nvr_config_get_uint(self->config, "retention-free-floor-mb") * mib;
	policy->tombstone_keep_us = (gint64)nvr_config_get_uint(self->config,
								"tombstone-keep-days") *
				    24 * 3600 * G_USEC_PER_SEC;
}

/* deletions a crash cut short between their steps end before anything records (keyless) */
static void
nvr_daemon_complete_deletions(NvrDaemon *self)
{
	g_autoptr(NvrRetention) retention = NULL;
	g_autoptr(GError) error = NULL;
	NvrRetentionPolicy policy;
	NvrRetentionResult result = {0};

	nvr_daemon_retention_policy(self, &policy);
	retention = nvr_retention_new(self->index, self->footage, NULL, &policy);
	/* not fatal: the footage is safe either way, and every retention run tries again */
	if (!nvr_retention_complete(retention, &result, &error))
		g_warning("completing deletions: %s", error->message);
	else if (result.completed > 0)
		g_message("completed %u deletions a crash had cut short", result.completed);
}

/* after any retention run: streams whose segment a write error ended may begin a new one */
static void
nvr_daemon_retention_done_cb(const NvrRetentionResult *result, const GError *error,
			     gpointer user_data)
{
	NvrDaemon *self = NVR_DAEMON(user_data);

	if (self->reopen != NULL)
		nvr_retention_reopen_ran(self->reopen, result, error);
}

/* nvr-retention-reopen.h decides when a failed stream tries again */
static void
nvr_daemon_reopen_cb(gint64 camera_id, NvrIndexStream stream, gboolean hold, gpointer user_data)
{
	NvrDaemon *self = NVR_DAEMON(user_data);
	NvrDaemonCamera *cam = g_hash_table_lookup(self->cameras, &camera_id);
	NvrRecorder *rec = cam == NULL ? NULL : stream == NVR_INDEX_STREAM_SUB ? cam->sub : cam->main;

	if (rec != NULL)
		nvr_recorder_hold_segments(rec, hold);
}

/*
 * A write failed, a full disk above all: the writer kept what was durable
 * and ended that segment. Other cameras are not touched; this one waits
 * for retention to make room, and backs off while it cannot.
 */
static void
nvr_daemon_store_error_cb(gint64 camera_id, NvrIndexStream stream, gint64 segment_id,
			  const GError *error, gpointer user_data)
{
	NvrDaemon *self = NVR_DAEMON(user_data);
	NvrDaemonCamera *cam = g_hash_table_lookup(self->cameras, &camera_id);

	if (self->reopen != NULL)
		nvr_retention_reopen_failed(self->reopen, camera_id, stream,
					    cam != NULL ? cam->name : NULL, error);
	if (self->retention != NULL)
		nvr_retention_runner_trigger(self->retention);
}

static void
nvr_daemon_store_resumed_cb(gint64 camera_id, NvrIndexStream stream, gpointer user_data)
{
	NvrDaemon *self = NVR_DAEMON(user_data);

	if (self->reopen != NULL)
		nvr_retention_reopen_resumed(self->reopen, camera_id, stream);
}

static gboolean
nvr_daemon_start_retention(NvrDaemon *self, GError **error)
{
	NvrRetentionPolicy policy;

	nvr_daemon_retention_policy(self, &policy);
	self->retention = nvr_retention_runner_new(
		self->index, self->footage, nvr_keyring_get_device_key(self->keyring), &policy,
		(guint)nvr_config_get_uint(self->config, "retention-interval-s") * 1000, error);
	if (self->retention == NULL) {
		g_prefix_error(error, "retention: ");
		return FALSE;
	}
	self->reopen = nvr_retention_reopen_new(NVR_RETENTION_REOPEN_MIN_MS,
						NVR_RETENTION_REOPEN_MAX_MS, nvr_daemon_reopen_cb,
						self);
	nvr_retention_runner_set_func(self->retention, nvr_daemon_retention_done_cb, self);
	nvr_store_writer_set_error_func(self->writer, nvr_daemon_store_error_cb, self);
	nvr_store_writer_set_resumed_func(self->writer, nvr_daemon_store_resumed_cb, self);
	return TRUE;
}

static gboolean
nvr_daemon_recover(NvrDaemon *self, GError **error)
{
	NvrStoreRecoveryReport report = {0};

	if (!nvr_store_recover(self->index, &report, error)) {
		g_prefix_error(error, "startup recovery: ");
		return FALSE;
	}
	if (report.interrupted + report.discarded + report.orphans > 0)
		g_message("recovered after a crash: %u segments interrupted, %u empty discarded, %u orphan files",
			  report.interrupted, report.discarded, report.orphans);
	nvr_daemon_complete_deletions(self);
	return TRUE;
}

/* the demo has no human to type a passphrase: make one and keep it beside the keyring */
static NvrKeyring *
nvr_daemon_create_demo_keyring(NvrDaemon *self, GError **error)
{
	g_autofree gchar *pass = nvr_keys_random_token_hex(16);
	g_autofree gchar *path = g_build_filename(self->state_dir, "demo-passphrase", NULL);
	g_autofree gchar *recovery = NULL;
	g_autoptr(NvrIndexUser) user = g_new0(NvrIndexUser, 1);
	NvrKeyring *keyring;

	if (!nvr_file_write_atomic(path, (const guint8 *)pass, strlen(pass), 0600, error))
		return NULL;
	keyring = nvr_keyring_create(self->state_dir, "owner", (const guint8 *)pass, strlen(pass), 2,
				     64 * 1024 * 1024, &recovery, error);
	if (keyring == NULL)
		return NULL;
	user->name = g_strdup("owner");
	user->role = NVR_INDEX_ROLE_OWNER;
	user->password_hash = nvr_keys_password_hash(pass, error);
	if (user->password_hash == NULL || !nvr_index_user_insert(self->index, user, error)) {
		nvr_keyring_free(keyring);
		return NULL;
	}
	g_message("demo: owner passphrase is in %s", path);
	return keyring;
}

static gboolean
nvr_daemon_open_keyring(NvrDaemon *self, GError **error)
{
	g_autofree gchar *path = g_build_filename(self->state_dir, "keyring", NULL);
	NvrStoreWriterConfig wc = {
	    .sync_window_ms = (guint)nvr_config_get_uint(self->config, "sync-window-ms"),
	    .commit_interval_ms = (guint)nvr_config_get_uint(self->config, "commit-interval-ms"),
	};

	if (!g_file_test(path, G_FILE_TEST_EXISTS) && !self->demo) {
		g_warning("no keyring in %s: run 'nvrctl init'; cameras are not recorded until then",
			  self->state_dir);
		return TRUE;
	}
	self->keyring = g_file_test(path, G_FILE_TEST_EXISTS)
			    ? nvr_keyring_load(self->state_dir, error)
			    : nvr_daemon_create_demo_keyring(self, error);
	if (self->keyring == NULL) {
		g_prefix_error(error, "keyring: ");
		return FALSE;
	}
	self->writer = nvr_store_writer_new(self->index, self->footage, self->footage_dir_id,
					    self->keyring, &wc, error);
	return self->writer != NULL && nvr_daemon_start_retention(self, error);
}

static GBytes *
nvr_daemon_seal(NvrDaemon *self, const gchar *password)
{
	g_autoptr(GError) error = NULL;
	gchar *text;

	if (self->keyring == NULL)
		return NULL;
	text = nvr_keys_seal_text(nvr_keyring_get_seal_key(self->keyring), password, &error);
	if (text == NULL) {
		g_warning("demo: %s", error->message);
		return NULL;
	}
	return g_bytes_new_take(text, strlen(text));
}

/* a simulated camera announced by nvr-fakecam: add it once, by a stable name */
static void
nvr_daemon_demo_camera_cb(NvrDemoCamera *dc, gpointer user_data)
{
	NvrDaemon *self = NVR_DAEMON(user_data);
	g_autofree gchar *name = g_strdup_printf("demo-%u-%s", dc->number, dc->persona);
	g_autoptr(NvrIndexCamera) known = nvr_index_camera_load_by_name(self->index, name, NULL);
	g_autoptr(NvrIndexCamera) cam = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GUri) http = dc->http_url != NULL ? g_uri_parse(dc->http_url, G_URI_FLAGS_NONE, NULL) : NULL;

	/* its web and ONVIF port is no default one: identification is told, not left to guess */
	if (http != NULL && g_uri_get_port(http) > 0)
		g_hash_table_insert(self->http_ports, g_strdup(name), GUINT_TO_POINTER(g_uri_get_port(http)));
	if (known != NULL) {
		/* ports change from run to run */
		g_free(known->main_url);
		known->main_url = g_strdup(dc->rtsp_url);
		g_free(known->sub_url);
		known->sub_url = g_strdup(dc->sub_url);
		if (!nvr_index_camera_update(self->index, known, &error))
			g_warning("demo: %s: %s", name, error->message);
		return;
	}
	cam = nvr_index_camera_new();
	cam->name = g_steal_pointer(&name);
	cam->main_url = g_strdup(dc->rtsp_url);
	cam->sub_url = g_strdup(dc->sub_url);
	cam->username = g_strdup("admin");
	/* nvr-fakecam's documented default password: a simulator's, no secret */
	cam->password_sealed = nvr_daemon_seal(self, "fakecam");
	cam->vendor_hint = g_strdup(dc->persona);
	cam->record_main = TRUE;
	cam->enabled = TRUE;
	if (!nvr_index_camera_insert(self->index, cam, &error))
		g_warning("demo: %s: %s", cam->name, error->message);
}

static gboolean
nvr_daemon_start_demo(NvrDaemon *self, GError **error)
{
	g_autofree gchar *fakecam = nvr_demo_find_fakecam("nvrd");

	if (fakecam == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_NOT_FOUND, "demo: nvr-fakecam not found");
		return FALSE;
	}
	self->demo_runner = nvr_demo_new(fakecam, self->state_dir);
	return nvr_demo_start(self->demo_runner, nvr_daemon_demo_camera_cb, self, error);
}

/* identification is an extra: without vendor data nvrd still records, and says why */
static gboolean
nvr_daemon_start_identification(NvrDaemon *self, GError **error)
{
	NvrVendorOptions opts = {.state_dir = self->state_dir};
	g_autoptr(GError) error_local = NULL;

	self->vendor = nvr_vendor_new(&opts, &error_local);
	if (self->vendor == NULL) {
		g_warning("cameras are not identified: %s", error_local->message);
		return TRUE;
	}
	self->devices = nvr_daemon_devices_new(self->index, self->vendor, self->config, error);
	if (self->devices == NULL)
		return FALSE;
	if (!nvr_daemon_devices_load(self->devices, &error_local))
		g_warning("stored verdicts: %s", error_local->message);
	/* a registry or quirk file that changes is read again; SIGHUP does the same */
	nvr_vendor_watch(self->vendor);
	return TRUE;
}

gboolean
nvr_daemon_start(NvrDaemon *self, GError **error)
{
	NvrHttpProviders providers = {.health = nvr_daemon_health_cb,
				      .devices = nvr_daemon_device_list_cb,
				      .user_data = self};
	g_autofree gchar *host = NULL;
	guint16 port = 0;

	g_return_val_if_fail(NVR_IS_DAEMON(self), FALSE);
	self->started_us = g_get_monotonic_time();
	/* a typo in --listen is refused before anything is opened or recovered */
	if (!nvr_http_parse_listen_address(nvr_config_get_string(self->config, "listen"),
					   &host, &port, error))
		return FALSE;
	if (!nvr_daemon_prepare_dirs(self, error))
		return FALSE;
	if (!nvr_daemon_open_index(self, error) || !nvr_daemon_open_footage(self, error))
		return FALSE;
	if (!nvr_daemon_recover(self, error) || !nvr_daemon_open_keyring(self, error))
		return FALSE;
	if (!nvr_daemon_start_identification(self, error))
		return FALSE;
	if (!nvr_daemon_sync_cameras(self, error) ||
	    !nvr_index_camera_get_generation(self->index, &self->cameras_generation, error))
		return FALSE;
	self->camera_poll_id =
	    g_timeout_add((guint)nvr_config_get_uint(self->config, "camera-poll-ms"),
			  nvr_daemon_camera_poll_cb,
			  self);
	if (self->demo && !nvr_daemon_start_demo(self, error))
		return FALSE;
	self->http = nvr_http_server_new(&providers);
	if (!nvr_http_server_listen(self->http, nvr_config_get_string(self->config, "listen"), error))
		return FALSE;
	g_message("state dir %s, footage dir %s", self->state_dir, self->footage_dir);
	return TRUE;
}

void
nvr_daemon_stop(NvrDaemon *self)
{
	g_return_if_fail(NVR_IS_DAEMON(self));
	g_clear_handle_id(&self->camera_poll_id, g_source_remove);
	if (self->demo_runner != NULL)
		nvr_demo_stop(self->demo_runner);
	if (self->devices != NULL)
		nvr_daemon_devices_stop(self->devices);
	/* ending every run finalizes every open segment; then the writer commits */
	g_hash_table_remove_all(self->cameras);
	g_clear_pointer(&self->writer, nvr_store_writer_free);
	g_clear_pointer(&self->retention, nvr_retention_runner_free);
	g_clear_pointer(&self->reopen, nvr_retention_reopen_free);
}

/* SIGHUP: re-read the config file; keys that need a restart are reported */
gboolean
nvr_daemon_reload(NvrDaemon *self, GError **error)
{
	g_autoptr(NvrConfig) fresh = nvr_config_new();
	g_autoptr(GPtrArray) restart = NULL;

	g_return_val_if_fail(NVR_IS_DAEMON(self), FALSE);
	/* the restricted-vendor registry and the quirks too; stored verdicts follow */
	if (self->devices != NULL && !nvr_daemon_devices_reload(self->devices, error))
		return FALSE;
	if (self->config_path == NULL)
		return TRUE;
	if (!nvr_config_load_file(fresh, self->config_path, error))
		return FALSE;
	restart = nvr_config_diff_restart_keys(self->config, fresh);
	for (guint i = 0; i < restart->len; i++)
		g_warning("%s changed: takes effect after a restart",
			  (const gchar *)g_ptr_array_index(restart, i));
	/* keep the values that need a restart as they are */
	for (guint i = 0; i < restart->len; i++) {
		const gchar *k = g_ptr_array_index(restart, i);
		const gchar *v = nvr_config_get_string(self->config, k);
		if (v != NULL && !nvr_config_set(fresh, k, v, error))
			return FALSE;
	}
	g_set_object(&self->config, fresh);
	if (self->retention != NULL) {
		NvrRetentionPolicy policy;

		nvr_daemon_retention_policy(self, &policy);
		nvr_retention_runner_set_policy(
			self->retention, &policy,
			(guint)nvr_config_get_uint(self->config, "retention-interval-s") * 1000);
	}
	return TRUE;
}

gchar *
nvr_daemon_dup_url(NvrDaemon *self)
{
	return nvr_http_server_dup_url(self->http);
}

void
nvr_daemon_set_demo(NvrDaemon *self, gboolean demo)
{
	self->demo = demo;
}

static void
nvr_daemon_finalize(GObject *object)
{
	NvrDaemon *self = NVR_DAEMON(object);

	g_clear_handle_id(&self->camera_poll_id, g_source_remove);
	g_clear_object(&self->demo_runner);
	g_clear_object(&self->http);
	g_clear_object(&self->footage);
	g_clear_object(&self->devices);
	g_clear_object(&self->vendor);
	g_hash_table_unref(self->http_ports);
	g_clear_object(&self->index);
	g_hash_table_unref(self->cameras);
	g_clear_pointer(&self->writer, nvr_store_writer_free);
	g_clear_pointer(&self->retention, nvr_retention_runner_free);
	g_clear_pointer(&self->reopen, nvr_retention_reopen_free);
	g_clear_pointer(&self->keyring, nvr_keyring_free);
	g_clear_object(&self->clock);
	g_clear_object(&self->config);
	if (self->lock_fd >= 0)
		close(self->lock_fd);
	g_free(self->config_path);
	g_free(self->state_dir);
	g_free(self->footage_dir);
	G_OBJECT_CLASS(nvr_daemon_parent_class)->finalize(object);
}

static void
nvr_daemon_class_init(NvrDaemonClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_daemon_finalize;
}

static void
nvr_daemon_init(NvrDaemon *self)
{
	self->lock_fd = -1;
	self->clock = nvr_clock_new_system();
	self->http_ports = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	self->cameras = g_hash_table_new_full(g_int64_hash,
					      g_int64_equal,
					      NULL,
					      (GDestroyNotify)nvr_daemon_camera_free);
}

NvrDaemon *
nvr_daemon_new(NvrConfig *config, const gchar *config_path)
{
	NvrDaemon *self = g_object_new(NVR_TYPE_DAEMON, NULL);

	self->config = g_object_ref(config);
	self->config_path = g_strdup(config_path);
	return self;
}
