#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <math.h>
#include <string.h>

#include "core/nvr-error.h"
#include "fakecam/nvr-fakecam-camera.h"
#include "fakecam/nvr-fakecam-control.h"

#define NVR_FAKECAM_MAX_FAULT_S 3600.0
#define NVR_FAKECAM_MAX_JUMP_S 86400.0

struct _NvrFakecamControl {
	GObject parent_instance;
	GPtrArray *cameras;	     /* immutable: NvrFakecamCamera, camera n at n - 1 */
	NvrFakecamClipParams params; /* immutable: for encoding more renditions */
	GHashTable *renditions;	     /* main thread: "WxH@kbps" -> NvrFakecamTrack */
	guint encoding;		     /* main thread: encodes in worker threads now */
	SoupServer *server;
	gchar *url;
};

G_DEFINE_TYPE(NvrFakecamControl, nvr_fakecam_control, G_TYPE_OBJECT)

static void
nvr_fakecam_control_finalize(GObject *obj)
{
	NvrFakecamControl *self = NVR_FAKECAM_CONTROL(obj);

	if (self->server != NULL)
		soup_server_disconnect(self->server);
	g_clear_object(&self->server);
	g_ptr_array_unref(self->cameras);
	g_hash_table_unref(self->renditions);
	g_free(self->url);
	G_OBJECT_CLASS(nvr_fakecam_control_parent_class)->finalize(obj);
}

static void
nvr_fakecam_control_class_init(NvrFakecamControlClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_fakecam_control_finalize;
}

static void
nvr_fakecam_control_init(NvrFakecamControl *self)
{
	self->renditions = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
}

static gchar *
nvr_fakecam_rendition_key(guint w, guint h, guint kbps)
{
	return g_strdup_printf("%ux%u@%u", w, h, kbps);
}

static void
nvr_fakecam_control_respond(SoupServerMessage *msg, guint status, JsonBuilder *b)
{
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	gchar *text = json_to_string(root, TRUE);

	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(msg,
					 "application/json",
					 SOUP_MEMORY_TAKE,
					 text,
					 strlen(text));
}

static void
nvr_fakecam_control_fail(SoupServerMessage *msg, guint status, const gchar *message)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "error");
	json_builder_add_string_value(b, message);
	json_builder_end_object(b);
	nvr_fakecam_control_respond(msg, status, b);
}

static void
nvr_fakecam_control_ok(SoupServerMessage *msg, NvrFakecamCamera *camera)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "ok");
	json_builder_add_boolean_value(b, TRUE);
	nvr_fakecam_camera_add_stats(camera, b);
	json_builder_end_object(b);
	nvr_fakecam_control_respond(msg, 200, b);
}

/* @value as seconds within [@min, @max]; NULL means @fallback */
static gboolean
nvr_fakecam_control_seconds(const gchar *value, gdouble min, gdouble max, gdouble fallback,
			    gdouble *out)
{
	gchar *end = NULL;

	if (value == NULL) {
		*out = fallback;
		return TRUE;
	}
	*out = g_ascii_strtod(value, &end);
	return end != value && *end == '\0' && isfinite(*out) && *out >= min && *out <= max;
}

/* the streams named by stream=main|sub|all; @fallback when absent */
static gboolean
nvr_fakecam_control_streams(const gchar *value, const gchar *fallback, gboolean *which)
{
	const gchar *v = value != NULL ? value : fallback;

	which[0] = g_strcmp0(v, "main") == 0 || g_strcmp0(v, "all") == 0;
	which[1] = g_strcmp0(v, "sub") == 0 || g_strcmp0(v, "all") == 0;
	return which[0] || which[1];
}

typedef struct {
	NvrFakecamControl *control;
	NvrFakecamCamera *camera;
	SoupServerMessage *msg;
	guint stream;
	guint width;
	guint height;
	guint bitrate;
} NvrFakecamEncodeJob;

static void
nvr_fakecam_encode_job_free(NvrFakecamEncodeJob *job)
{
	g_object_unref(job->control);
	g_object_unref(job->camera);
	g_object_unref(job->msg);
	g_free(job);
}

static void
nvr_fakecam_control_encode_thread(GTask *task, gpointer source, gpointer data,
				  GCancellable *cancellable)
{
	NvrFakecamEncodeJob *job = data;
	GError *error = NULL;
	NvrFakecamTrack *track = nvr_fakecam_clip_encode_video(&job->control->params,
							       job->width,
							       job->height,
							       job->bitrate,
							       &error);

	if (track == NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, track, g_object_unref);
}

static void
nvr_fakecam_control_encoded_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	NvrFakecamEncodeJob *job = g_task_get_task_data(G_TASK(res));
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrFakecamTrack) track = g_task_propagate_pointer(G_TASK(res), &error);

	job->control->encoding--;
	if (track == NULL) {
		nvr_fakecam_control_fail(job->msg, 500, error->message);
	} else {
		g_hash_table_insert(job->control->renditions,
				    nvr_fakecam_rendition_key(job->width, job->height, job->bitrate),
				    g_object_ref(track));
		nvr_fakecam_camera_set_video(job->camera, job->stream, track);
		nvr_fakecam_control_ok(job->msg, job->camera);
	}
	soup_server_message_unpause(job->msg);
}

static gboolean
nvr_fakecam_control_parse_size(const gchar *value, guint *w, guint *h)
{
	guint64 a, b;
	gchar *end = NULL;

	if (value == NULL)
		return FALSE;
	a = g_ascii_strtoull(value, &end, 10);
	if (end == value || (*end != 'x' && *end != 'X'))
		return FALSE;
	value = end + 1;
	b = g_ascii_strtoull(value, &end, 10);
	if (end == value || *end != '\0' || a > 8192 || b > 8192)
		return FALSE;
	*w = (guint)a;
	*h = (guint)b;
	return TRUE;
}

/* the bitrate of a new rendition: the stream's, scaled by the picture area */
static guint
nvr_fakecam_control_bitrate(NvrFakecamControl *self, guint stream, guint w, guint h)
{
	guint base_w = stream == 0 ? self->params.width : self->params.sub_width;
	guint base_h = stream == 0 ? self->params.height : self->params.sub_height;
	guint base = stream == 0 ? self->params.bitrate : self->params.sub_bitrate;
	guint64 kbps = (guint64)base * w * h / ((guint64)base_w * base_h);

	return (guint)CLAMP(kbps, 64, 100000);
}

static void
nvr_fakecam_control_resolution(NvrFakecamControl *self,
			       NvrFakecamCamera *camera,
			       SoupServerMessage *msg,
			       GHashTable *query)
{
	NvrFakecamEncodeJob *job;
	g_autofree gchar *key = NULL;
	gboolean which[2];
	NvrFakecamTrack *track;
	guint w = 0, h = 0, stream, kbps;
	GTask *task;

	if (!nvr_fakecam_control_parse_size(g_hash_table_lookup(query, "size"), &w, &h)) {
		nvr_fakecam_control_fail(msg, 400, "size=WxH is required");
		return;
	}
	if (!nvr_fakecam_control_streams(g_hash_table_lookup(query, "stream"), "main", which) ||
	    (which[0] && which[1])) {
		nvr_fakecam_control_fail(msg, 400, "stream must be main or sub");
		return;
	}
	stream = which[0] ? 0 : 1;
	kbps = nvr_fakecam_control_bitrate(self, stream, w, h);
	key = nvr_fakecam_rendition_key(w, h, kbps);
	track = g_hash_table_lookup(self->renditions, key);
	if (track != NULL) {
		nvr_fakecam_camera_set_video(camera, stream, track);
		nvr_fakecam_control_ok(msg, camera);
		return;
	}
	/* a new size is encoded once, off the main loop; the reply waits for it */
	job = g_new0(NvrFakecamEncodeJob, 1);
	job->control = g_object_ref(self);
	job->camera = g_object_ref(camera);
	job->msg = g_object_ref(msg);
	job->stream = stream;
	job->width = w;
	job->height = h;
	job->bitrate = kbps;
	task = g_task_new(self, NULL, nvr_fakecam_control_encoded_cb, NULL);
	g_task_set_task_data(task, job, (GDestroyNotify)nvr_fakecam_encode_job_free);
	g_task_run_in_thread(task, nvr_fakecam_control_encode_thread);
	g_object_unref(task);
	self->encoding++;
	soup_server_message_pause(msg);
}

static void
nvr_fakecam_control_action(NvrFakecamControl *self,
			   NvrFakecamCamera *camera,
			   const gchar *action,
			   SoupServerMessage *msg,
			   GHashTable *query)
{
	const gchar *seconds = g_hash_table_lookup(query, "seconds");
	const gchar *stream = g_hash_table_lookup(query, "stream");
	gboolean which[2];
	gdouble s = 0;

	if (g_strcmp0(action, "drop") == 0) {
		if (!nvr_fakecam_control_seconds(seconds, 0, NVR_FAKECAM_MAX_FAULT_S, 0, &s)) {
			nvr_fakecam_control_fail(msg, 400, "seconds must be 0..3600");
			return;
		}
		nvr_fakecam_camera_drop(camera, (guint)(s * 1000));
	} else if (g_strcmp0(action, "stall") == 0) {
		if (!nvr_fakecam_control_seconds(seconds, 0, NVR_FAKECAM_MAX_FAULT_S, -1, &s) ||
		    s < 0 || !nvr_fakecam_control_streams(stream, "all", which)) {
			nvr_fakecam_control_fail(msg, 400, "seconds=0..3600 is required");
			return;
		}
		for (guint i = 0; i < 2; i++) {
			if (which[i])
				nvr_fakecam_stream_stall(nvr_fakecam_camera_get_stream(camera, i),
							 (guint64)(s * G_USEC_PER_SEC));
		}
	} else if (g_strcmp0(action, "jump") == 0) {
		if (seconds == NULL ||
		    !nvr_fakecam_control_seconds(seconds,
						 -NVR_FAKECAM_MAX_JUMP_S,
						 NVR_FAKECAM_MAX_JUMP_S,
						 0,
						 &s) ||
		    !nvr_fakecam_control_streams(stream, "all", which)) {
			nvr_fakecam_control_fail(msg, 400, "seconds=-86400..86400 is required");
			return;
		}
		for (guint i = 0; i < 2; i++) {
			if (which[i])
				nvr_fakecam_stream_jump(nvr_fakecam_camera_get_stream(camera, i),
							(gint64)llround(s * 1000));
		}
	} else if (g_strcmp0(action, "resolution") == 0) {
		nvr_fakecam_control_resolution(self, camera, msg, query);
		return;
	} else {
		nvr_fakecam_control_fail(msg, 404, "no such action");
		return;
	}
	nvr_fakecam_control_ok(msg, camera);
}

static void
nvr_fakecam_control_list(NvrFakecamControl *self, SoupServerMessage *msg)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_array(b);
	for (guint i = 0; i < self->cameras->len; i++) {
		json_builder_begin_object(b);
		nvr_fakecam_camera_add_stats(g_ptr_array_index(self->cameras, i), b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	nvr_fakecam_control_respond(msg, 200, b);
}

/* GET /cameras, GET /cameras/<n>/stats, POST /cameras/<n>/<fault>?... */
static void
nvr_fakecam_control_cb(SoupServer *server,
		       SoupServerMessage *msg,
		       const char *path,
		       GHashTable *query,
		       gpointer user_data)
{
	NvrFakecamControl *self = user_data;
	const gchar *method = soup_server_message_get_method(msg);
	g_autoptr(GHashTable) empty = g_hash_table_new(g_str_hash, g_str_equal);
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	guint64 n = 0;

	if (query == NULL)
		query = empty;
	if (g_strcmp0(path, "/cameras") == 0 || g_strcmp0(path, "/cameras/") == 0) {
		nvr_fakecam_control_list(self, msg);
		return;
	}
	/* "", "cameras", "<n>", "<action>" */
	if (g_strv_length(parts) != 4 ||
	    !g_ascii_string_to_unsigned(parts[2], 10, 1, self->cameras->len, &n, NULL)) {
		nvr_fakecam_control_fail(msg, 404, "no such camera");
		return;
	}
	if (g_strcmp0(parts[3], "stats") == 0) {
		nvr_fakecam_control_ok(msg, g_ptr_array_index(self->cameras, n - 1));
		return;
	}
	if (g_strcmp0(method, "POST") != 0) {
		nvr_fakecam_control_fail(msg, 405, "faults are injected with POST");
		return;
	}
	nvr_fakecam_control_action(self, g_ptr_array_index(self->cameras, n - 1), parts[3], msg,
				   query);
}

/**
 * nvr_fakecam_control_new:
 * @cameras: (element-type NvrFakecamCamera): camera n at index n - 1
 * @clip: whose tracks are the first renditions
 * @params: how to encode more renditions
 */
NvrFakecamControl *
nvr_fakecam_control_new(GPtrArray *cameras, NvrFakecamClip *clip, const NvrFakecamClipParams *params)
{
	NvrFakecamControl *self = g_object_new(NVR_TYPE_FAKECAM_CONTROL, NULL);
	NvrFakecamTrack *main = nvr_fakecam_clip_get_main(clip);
	NvrFakecamTrack *sub = nvr_fakecam_clip_get_sub(clip);

	self->cameras = g_ptr_array_ref(cameras);
	self->params = *params;
	g_hash_table_insert(self->renditions,
			    nvr_fakecam_rendition_key(params->width, params->height, params->bitrate),
			    g_object_ref(main));
	g_hash_table_insert(self->renditions,
			    nvr_fakecam_rendition_key(params->sub_width,
						      params->sub_height,
						      params->sub_bitrate),
			    g_object_ref(sub));
	self->server = soup_server_new("server-header", "nvr-fakecam-control", NULL);
	soup_server_add_handler(self->server, "/cameras", nvr_fakecam_control_cb, self, NULL);
	return self;
}

gboolean
nvr_fakecam_control_listen(NvrFakecamControl *self,
			   const gchar *address,
			   guint port,
			   GError **error)
{
	g_autoptr(GInetAddress) inet = g_inet_address_new_from_string(address);
	guint bound = nvr_fakecam_soup_listen(self->server, address, port, error);
	const gchar *host = address;

	if (bound == 0)
		return FALSE;
	if (g_inet_address_get_is_any(inet))
		host = g_inet_address_get_family(inet) == G_SOCKET_FAMILY_IPV6 ? "::1" : "127.0.0.1";
	self->url = g_strdup_printf(strchr(host, ':') != NULL ? "http://[%s]:%u/" : "http://%s:%u/",
				    host,
				    bound);
	return TRUE;
}

/* an encode runs in a worker thread that a shutdown must wait for (main thread) */
gboolean
nvr_fakecam_control_is_encoding(NvrFakecamControl *self)
{
	return self->encoding > 0;
}

/* Returns: the control interface's root URL, e.g. "http://127.0.0.1:PORT/" */
const gchar *
nvr_fakecam_control_get_url(NvrFakecamControl *self)
{
	return self->url;
}
