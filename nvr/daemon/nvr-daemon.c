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
#include "nvr-daemon.h"

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
};

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
	json_builder_begin_array(b);
	json_builder_end_array(b);
	nvr_daemon_add_storage(self, b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

gboolean
nvr_daemon_start(NvrDaemon *self, GError **error)
{
	NvrHttpProviders providers = {.health = nvr_daemon_health_cb, .user_data = self};

	g_return_val_if_fail(NVR_IS_DAEMON(self), FALSE);
	self->started_us = g_get_monotonic_time();
	if (!nvr_daemon_prepare_dirs(self, error))
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

	g_clear_object(&self->http);
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
}

NvrDaemon *
nvr_daemon_new(NvrConfig *config, const gchar *config_path)
{
	NvrDaemon *self = g_object_new(NVR_TYPE_DAEMON, NULL);

	self->config = g_object_ref(config);
	self->config_path = g_strdup(config_path);
	return self;
}
