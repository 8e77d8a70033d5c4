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
#include <unistd.h>

#include "core/nvr-error.h"
#include "core/nvr-file.h"
#include "http/nvr-http-server.h"
#include "index/nvr-index-all.h"
#include "nvr-daemon.h"
#include "nvr-demo.h"
#include "store/nvr-footage.h"

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
};

/* what nvrd knows of one camera; the recorder will own the real work */
typedef struct {
	gint64 id;
	gchar *name;
	gchar *uuid;
	const gchar *state; /* static string: see nvr_daemon_camera_state() */
	gboolean seen;	    /* mark and sweep while syncing with the index */
} NvrDaemonCamera;

static void
nvr_daemon_camera_free(NvrDaemonCamera *cam)
{
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
	if (known == NULL &&
	    !nvr_index_footage_dir_add(self->index, path, nvr_footage_get_uuid(self->footage), NULL, error))
		return FALSE;
	return TRUE;
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
	cam->state = c->enabled ? cam->state : "disabled";
	cam->seen = TRUE;
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
	json_builder_end_object(b);
}

static gint
nvr_daemon_camera_cmp(gconstpointer a, gconstpointer b)
{
	const NvrDaemonCamera *x = *(NvrDaemonCamera *const *)a;
	const NvrDaemonCamera *y = *(NvrDaemonCamera *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
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
		json_builder_add_string_value(b, cam->state);
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
	json_builder_end_object(b);
	return json_builder_get_root(b);
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

gboolean
nvr_daemon_start(NvrDaemon *self, GError **error)
{
	NvrHttpProviders providers = {.health = nvr_daemon_health_cb, .user_data = self};

	g_return_val_if_fail(NVR_IS_DAEMON(self), FALSE);
	self->started_us = g_get_monotonic_time();
	if (!nvr_daemon_prepare_dirs(self, error))
		return FALSE;
	if (!nvr_daemon_open_index(self, error) || !nvr_daemon_open_footage(self, error))
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
}

/* SIGHUP: re-read the config file; keys that need a restart are reported */
gboolean
nvr_daemon_reload(NvrDaemon *self, GError **error)
{
	g_autoptr(NvrConfig) fresh = nvr_config_new();
	g_autoptr(GPtrArray) restart = NULL;

	g_return_val_if_fail(NVR_IS_DAEMON(self), FALSE);
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
	g_clear_object(&self->index);
	g_hash_table_unref(self->cameras);
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
