#include "config.h"

#include <signal.h>
#include <string.h>

#include "core/nvr-error.h"
#include "nvr-demo.h"

/* the mix of the demo: two restricted makers, one OEM brand, three others */
#define NVR_DEMO_PERSONAS "hikvision,dahua,amcrest,axis,reolink,generic"
#define NVR_DEMO_CAMERAS "6"

struct _NvrDemo {
	GObject parent_instance;
	gchar *fakecam_path;		/* immutable */
	gchar *state_dir;		/* immutable */
	GSubprocess *fakecam;		/* main context only */
	GDataInputStream *out;
	GCancellable *cancellable;
	NvrDemoCameraFunc func;
	gpointer user_data;
};

G_DEFINE_TYPE(NvrDemo, nvr_demo, G_TYPE_OBJECT)

void
nvr_demo_camera_free(NvrDemoCamera *self)
{
	if (self == NULL)
		return;
	g_free(self->persona);
	g_free(self->rtsp_url);
	g_free(self->sub_url);
	g_free(self->onvif_url);
	g_free(self->http_url);
	g_free(self->control_url);
	g_free(self);
}

static void
nvr_demo_camera_set(NvrDemoCamera *cam, const gchar *key, const gchar *value)
{
	struct {
		const gchar *key;
		gchar **field;
	} fields[] = {
	    {"persona", &cam->persona},
	    {"rtsp", &cam->rtsp_url},
	    {"sub", &cam->sub_url},
	    {"onvif", &cam->onvif_url},
	    {"http", &cam->http_url},
	    {"control", &cam->control_url},
	};

	for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
		if (g_strcmp0(fields[i].key, key) == 0) {
			g_free(*fields[i].field);
			*fields[i].field = g_strdup(value);
		}
	}
}

/**
 * nvr_demo_camera_parse:
 * @line: "camera 1 persona=hikvision rtsp=rtsp://... sub=... onvif=... http=..."
 *
 * Unknown keys are ignored, so the simulator may say more than we use.
 */
NvrDemoCamera *
nvr_demo_camera_parse(const gchar *line, GError **error)
{
	g_auto(GStrv) words = g_strsplit(line, " ", -1);
	g_autoptr(NvrDemoCamera) cam = g_new0(NvrDemoCamera, 1);
	guint64 n = 0;

	if (g_strv_length(words) < 3 || g_strcmp0(words[0], "camera") != 0 ||
	    !g_ascii_string_to_unsigned(words[1], 10, 1, 10000, &n, NULL)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "not a camera line");
		return NULL;
	}
	cam->number = (guint)n;
	for (guint i = 2; words[i] != NULL; i++) {
		gchar *eq = strchr(words[i], '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		nvr_demo_camera_set(cam, words[i], eq + 1);
	}
	if (cam->persona == NULL || cam->rtsp_url == NULL) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "camera line without persona or rtsp");
		return NULL;
	}
	return g_steal_pointer(&cam);
}

static void nvr_demo_read_next(NvrDemo *self);

static void
nvr_demo_line_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	NvrDemo *self = NVR_DEMO(user_data);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *line =
	    g_data_input_stream_read_line_finish_utf8(G_DATA_INPUT_STREAM(source), res, NULL, &error);
	g_autoptr(NvrDemoCamera) cam = NULL;

	if (line == NULL) {
		if (error != NULL && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			g_warning("demo: nvr-fakecam output: %s", error->message);
		else if (error == NULL)
			g_warning("demo: nvr-fakecam exited");
		g_object_unref(self);
		return;
	}
	cam = nvr_demo_camera_parse(line, NULL);
	if (cam != NULL)
		self->func(cam, self->user_data);
	else
		g_debug("fakecam: %s", line);
	nvr_demo_read_next(self);
	g_object_unref(self);
}

static void
nvr_demo_read_next(NvrDemo *self)
{
	g_data_input_stream_read_line_async(self->out,
					    G_PRIORITY_DEFAULT,
					    self->cancellable,
					    nvr_demo_line_cb,
					    g_object_ref(self));
}

/**
 * nvr_demo_start:
 * @func: called on the main context for each simulated camera announced
 */
gboolean
nvr_demo_start(NvrDemo *self, NvrDemoCameraFunc func, gpointer user_data, GError **error)
{
	g_autofree gchar *clip = g_build_filename(self->state_dir, "demo-clip.mp4", NULL);
	const gchar *argv[] = {self->fakecam_path,
			       "--persona",
			       NVR_DEMO_PERSONAS,
			       "--cameras",
			       NVR_DEMO_CAMERAS,
			       "--rtsp-port",
			       "0",
			       "--http-port",
			       "0",
			       "--clip",
			       clip,
			       NULL};

	self->func = func;
	self->user_data = user_data;
	self->fakecam = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, error);
	if (self->fakecam == NULL) {
		g_prefix_error(error, "demo: cannot start %s: ", self->fakecam_path);
		return FALSE;
	}
	self->out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(self->fakecam));
	nvr_demo_read_next(self);
	return TRUE;
}

void
nvr_demo_stop(NvrDemo *self)
{
	g_cancellable_cancel(self->cancellable);
	if (self->fakecam != NULL)
		g_subprocess_send_signal(self->fakecam, SIGTERM);
}

/**
 * nvr_demo_find_fakecam:
 * @argv0: how nvrd was started
 *
 * Returns: (transfer full): nvr-fakecam beside nvrd in a build tree
 * (nvr/daemon/nvrd -> nvr/fakecam/nvr-fakecam), else from $PATH
 */
gchar *
nvr_demo_find_fakecam(const gchar *argv0)
{
	g_autofree gchar *self_path = g_file_read_link("/proc/self/exe", NULL);
	g_autofree gchar *dir = g_path_get_dirname(self_path != NULL ? self_path : argv0);
	g_autofree gchar *sibling = g_build_filename(dir, "..", "fakecam", "nvr-fakecam", NULL);
	g_autofree gchar *beside = g_build_filename(dir, "nvr-fakecam", NULL);

	if (g_file_test(sibling, G_FILE_TEST_IS_EXECUTABLE))
		return g_steal_pointer(&sibling);
	if (g_file_test(beside, G_FILE_TEST_IS_EXECUTABLE))
		return g_steal_pointer(&beside);
	return g_find_program_in_path("nvr-fakecam");
}

static void
nvr_demo_finalize(GObject *object)
{
	NvrDemo *self = NVR_DEMO(object);

	if (self->fakecam != NULL) {
		g_subprocess_force_exit(self->fakecam);
		g_object_unref(self->fakecam);
	}
	g_clear_object(&self->out);
	g_object_unref(self->cancellable);
	g_free(self->fakecam_path);
	g_free(self->state_dir);
	G_OBJECT_CLASS(nvr_demo_parent_class)->finalize(object);
}

static void
nvr_demo_class_init(NvrDemoClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_demo_finalize;
}

static void
nvr_demo_init(NvrDemo *self)
{
	self->cancellable = g_cancellable_new();
}

NvrDemo *
nvr_demo_new(const gchar *fakecam_path, const gchar *state_dir)
{
	NvrDemo *self = g_object_new(NVR_TYPE_DEMO, NULL);

	self->fakecam_path = g_strdup(fakecam_path);
	self->state_dir = g_strdup(state_dir);
	return self;
}
