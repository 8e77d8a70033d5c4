/*
 * nvr-fakecam: a camera simulator for tests and demos (DESIGN.md §11).
 * See README.md in this directory for the options, the output format and
 * the control interface.
 */
#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <ifaddrs.h>
#include <libxml/parser.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "core/nvr-error.h"
#include "core/nvr-log.h"
#include "fakecam/nvr-fakecam-camera.h"
#include "fakecam/nvr-fakecam-clip.h"
#include "fakecam/nvr-fakecam-control.h"
#include "fakecam/nvr-fakecam-wsd.h"

#define NVR_FAKECAM_DEFAULT_PASSWORD "fakecam" /* a simulator: documented, not secret */
#define NVR_FAKECAM_MAX_CAMERAS 256
/* for the whole shutdown; the RTSP threads of a camera end in milliseconds */
#define NVR_FAKECAM_SHUTDOWN_S 10

typedef struct {
	gchar *personas;
	gint cameras;
	gchar *bind;
	gint rtsp_port;
	gint http_port;
	gint control_port;
	gchar *user;
	gchar *password_file;
	gboolean no_auth;
	gchar *clip;
	gint clip_seconds;
	gchar *resolution;
	gchar *sub_resolution;
	gint fps;
	gint bitrate;
	gint sub_bitrate;
	gboolean audio;
	gint mtu;
	gboolean wsd_multicast;
	gboolean exit_with_parent;
	gboolean verbose;
} NvrFakecamOptions;

typedef struct {
	NvrFakecamOptions opt;
	NvrFakecamClipParams params;
	const NvrFakecamPersona *personas[NVR_FAKECAM_MAX_CAMERAS];
	guint n_personas;
	gchar *password; /* NULL: no authentication */
	NvrFakecamClip *clip;
	GBytes *jpeg;
	GMainContext *feeder_context;
	GMainLoop *feeder_loop;
	GThread *feeder_thread;
	GPtrArray *cameras;
	NvrFakecamControl *control;
	GSocket *multicast;
	GSource *multicast_source;
	GMainLoop *loop;
} NvrFakecam;

static gboolean
nvr_fakecam_parse_size(const gchar *value, guint *w, guint *h, GError **error)
{
	if (value == NULL)
		return TRUE;
	if (sscanf(value, "%ux%u", w, h) != 2) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "bad size '%s'", value);
		return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_fakecam_parse_personas(NvrFakecam *fc, GError **error)
{
	g_auto(GStrv) names = g_strsplit(fc->opt.personas, ",", -1);

	for (guint i = 0; names[i] != NULL; i++) {
		const NvrFakecamPersona *p = nvr_fakecam_persona_lookup(g_strstrip(names[i]));
		if (p == NULL || fc->n_personas >= NVR_FAKECAM_MAX_CAMERAS) {
			g_set_error(error,
				    NVR_ERROR,
				    NVR_ERROR_INVALID_ARGUMENT,
				    "unknown persona '%s' (hikvision, dahua, amcrest, axis, reolink, "
				    "generic)",
				    names[i]);
			return FALSE;
		}
		fc->personas[fc->n_personas++] = p;
	}
	if (fc->n_personas == 0) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "no persona");
		return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_fakecam_read_password(NvrFakecam *fc, GError **error)
{
	g_autofree gchar *data = NULL;
	gsize len = 0;

	if (fc->opt.no_auth)
		return TRUE;
	if (fc->opt.password_file == NULL) {
		fc->password = g_strdup(NVR_FAKECAM_DEFAULT_PASSWORD);
		return TRUE;
	}
	if (!g_file_get_contents(fc->opt.password_file, &data, &len, error))
		return FALSE;
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		data[--len] = '\0';
	if (len == 0 || len > 256 || strlen(data) != len || !g_utf8_validate(data, -1, NULL)) {
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_INVALID_ARGUMENT,
			    "%s: the password must be one line of 1..256 bytes of UTF-8",
			    fc->opt.password_file);
		return FALSE;
	}
	fc->password = g_steal_pointer(&data);
	return TRUE;
}

static gboolean
nvr_fakecam_check_ports(NvrFakecam *fc, GError **error)
{
	gint ports[] = {fc->opt.rtsp_port, fc->opt.http_port, fc->opt.control_port};

	if (fc->opt.cameras < 1 || fc->opt.cameras > NVR_FAKECAM_MAX_CAMERAS) {
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_INVALID_ARGUMENT,
			    "--cameras must be 1..%d",
			    NVR_FAKECAM_MAX_CAMERAS);
		return FALSE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(ports); i++) {
		gint last = ports[i] + (i < 2 && ports[i] > 0 ? fc->opt.cameras - 1 : 0);
		if (ports[i] < 0 || last > 65535) {
			g_set_error_literal(error,
					    NVR_ERROR,
					    NVR_ERROR_INVALID_ARGUMENT,
					    "ports must be 0..65535 (camera i uses P+i-1)");
			return FALSE;
		}
	}
	if (fc->opt.mtu < 400 || fc->opt.mtu > 65000) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "--mtu must be 400..65000");
		return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_fakecam_parse_options(NvrFakecam *fc, gint *argc, gchar ***argv, GError **error)
{
	NvrFakecamOptions *o = &fc->opt;
	GOptionEntry entries[] = {
	    {"persona", 0, 0, G_OPTION_ARG_STRING, &o->personas,
	     "hikvision|dahua|amcrest|axis|reolink|generic, or a comma-separated list "
	     "given to the cameras in turn (default generic)", "LIST"},
	    {"cameras", 0, 0, G_OPTION_ARG_INT, &o->cameras, "number of cameras (default 1)", "N"},
	    {"bind", 0, 0, G_OPTION_ARG_STRING, &o->bind, "address to bind (default 127.0.0.1)", "ADDR"},
	    {"rtsp-port", 0, 0, G_OPTION_ARG_INT, &o->rtsp_port,
	     "RTSP port of camera 1, camera i gets P+i-1 (0: any free)", "P"},
	    {"http-port", 0, 0, G_OPTION_ARG_INT, &o->http_port,
	     "HTTP port of camera 1, camera i gets P+i-1 (0: any free)", "P"},
	    {"control-port", 0, 0, G_OPTION_ARG_INT, &o->control_port,
	     "port of the fault control interface (0: any free)", "P"},
	    {"user", 0, 0, G_OPTION_ARG_STRING, &o->user, "user name (default admin)", "USER"},
	    {"password-file", 0, 0, G_OPTION_ARG_FILENAME, &o->password_file,
	     "file holding the password (default password: " NVR_FAKECAM_DEFAULT_PASSWORD ")",
	     "FILE"},
	    {"no-auth", 0, 0, G_OPTION_ARG_NONE, &o->no_auth, "no authentication anywhere", NULL},
	    {"clip", 0, 0, G_OPTION_ARG_FILENAME, &o->clip,
	     "clip file to use if it exists, else to write (default: a cache file)", "FILE"},
	    {"clip-seconds", 0, 0, G_OPTION_ARG_INT, &o->clip_seconds,
	     "clip length, whole 2 s GOPs (default 10)", "S"},
	    {"resolution", 0, 0, G_OPTION_ARG_STRING, &o->resolution,
	     "main stream size (default 1920x1080)", "WxH"},
	    {"sub-resolution", 0, 0, G_OPTION_ARG_STRING, &o->sub_resolution,
	     "sub stream size (default 640x360)", "WxH"},
	    {"fps", 0, 0, G_OPTION_ARG_INT, &o->fps, "frame rate (default 15)", "N"},
	    {"bitrate", 0, 0, G_OPTION_ARG_INT, &o->bitrate, "main kbit/s (default 4000)", "KBPS"},
	    {"sub-bitrate", 0, 0, G_OPTION_ARG_INT, &o->sub_bitrate, "sub kbit/s (default 512)",
	     "KBPS"},
	    {"audio", 0, 0, G_OPTION_ARG_NONE, &o->audio, "add AAC audio to the main stream", NULL},
	    {"mtu", 0, 0, G_OPTION_ARG_INT, &o->mtu, "RTP packet size (default 1400)", "BYTES"},
	    {"wsd-multicast", 0, 0, G_OPTION_ARG_NONE, &o->wsd_multicast,
	     "also answer WS-Discovery on 239.255.255.250:3702 (network namespaces only)", NULL},
	    {"exit-with-parent", 0, 0, G_OPTION_ARG_NONE, &o->exit_with_parent,
	     "stop when the process that started it dies (for test harnesses)", NULL},
	    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &o->verbose, "log more", NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- simulated IP cameras");
	NvrFakecamClipParams defaults = NVR_FAKECAM_CLIP_PARAMS_DEFAULT;

	o->cameras = 1;
	o->fps = (gint)defaults.fps;
	o->bitrate = (gint)defaults.bitrate;
	o->sub_bitrate = (gint)defaults.sub_bitrate;
	o->clip_seconds = (gint)defaults.seconds;
	o->mtu = 1400;
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_add_group(ctx, gst_init_get_option_group());
	if (!g_option_context_parse(ctx, argc, argv, error))
		return FALSE;
	if (o->personas == NULL)
		o->personas = g_strdup("generic");
	if (o->bind == NULL)
		o->bind = g_strdup("127.0.0.1");
	if (o->user == NULL)
		o->user = g_strdup("admin");
	fc->params = defaults;
	fc->params.fps = (guint)MAX(o->fps, 0);
	fc->params.bitrate = (guint)MAX(o->bitrate, 0);
	fc->params.sub_bitrate = (guint)MAX(o->sub_bitrate, 0);
	fc->params.seconds = (guint)MAX(o->clip_seconds, 0);
	fc->params.audio = o->audio;
	return nvr_fakecam_parse_size(o->resolution, &fc->params.width, &fc->params.height, error) &&
	       nvr_fakecam_parse_size(o->sub_resolution,
				      &fc->params.sub_width,
				      &fc->params.sub_height,
				      error) &&
	       nvr_fakecam_clip_params_check(&fc->params, error) &&
	       nvr_fakecam_parse_personas(fc, error) && nvr_fakecam_check_ports(fc, error) &&
	       nvr_fakecam_read_password(fc, error);
}

/* a clip file decides what is sent: the parameters follow it */
static void
nvr_fakecam_params_from_clip(NvrFakecam *fc)
{
	NvrFakecamTrack *main = nvr_fakecam_clip_get_main(fc->clip);
	NvrFakecamTrack *sub = nvr_fakecam_clip_get_sub(fc->clip);
	GstStructure *s = gst_caps_get_structure(nvr_fakecam_track_get_caps(main), 0);
	gint num = 0, den = 0;

	fc->params.width = nvr_fakecam_track_get_width(main);
	fc->params.height = nvr_fakecam_track_get_height(main);
	fc->params.sub_width = nvr_fakecam_track_get_width(sub);
	fc->params.sub_height = nvr_fakecam_track_get_height(sub);
	fc->params.seconds = (guint)(nvr_fakecam_track_get_duration(main) / GST_SECOND);
	if (gst_structure_get_fraction(s, "framerate", &num, &den) && num > 0 && den == 1)
		fc->params.fps = (guint)num;
}

static gboolean
nvr_fakecam_open_clip(NvrFakecam *fc, GError **error)
{
	gint64 start = g_get_monotonic_time();
	gboolean encoded = FALSE;
	g_autofree gchar *where = fc->opt.clip != NULL ? g_strdup(fc->opt.clip)
						       : nvr_fakecam_clip_cache_path(&fc->params);

	fc->clip = nvr_fakecam_clip_open(&fc->params, fc->opt.clip, &encoded, error);
	if (fc->clip == NULL)
		return FALSE;
	nvr_fakecam_params_from_clip(fc);
	g_printerr("nvr-fakecam: clip %ux%u + %ux%u, %u s at %u fps, %s in %.2f s: %s\n",
		   fc->params.width,
		   fc->params.height,
		   fc->params.sub_width,
		   fc->params.sub_height,
		   fc->params.seconds,
		   fc->params.fps,
		   encoded ? "encoded" : "loaded",
		   (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC,
		   where);
	fc->jpeg = nvr_fakecam_clip_encode_jpeg(fc->params.sub_width, fc->params.sub_height, error);
	return fc->jpeg != NULL;
}

static gboolean
nvr_fakecam_feeder_quit_cb(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

static gpointer
nvr_fakecam_feeder_thread(gpointer data)
{
	NvrFakecam *fc = data;

	g_main_context_push_thread_default(fc->feeder_context);
	g_main_loop_run(fc->feeder_loop);
	g_main_context_pop_thread_default(fc->feeder_context);
	return NULL;
}

static gboolean
nvr_fakecam_start_cameras(NvrFakecam *fc, GError **error)
{
	for (guint i = 1; i <= (guint)fc->opt.cameras; i++) {
		NvrFakecamCameraConfig config = {
		    .persona = fc->personas[(i - 1) % fc->n_personas],
		    .index = i,
		    .address = fc->opt.bind,
		    .rtsp_port = fc->opt.rtsp_port > 0 ? (guint)fc->opt.rtsp_port + i - 1 : 0,
		    .http_port = fc->opt.http_port > 0 ? (guint)fc->opt.http_port + i - 1 : 0,
		    .user = fc->opt.user,
		    .password = fc->password,
		    .clip = fc->clip,
		    .jpeg = fc->jpeg,
		    .feeder_context = fc->feeder_context,
		    .mtu = (guint)fc->opt.mtu,
		    .fps = fc->params.fps,
		    .bitrate = {fc->params.bitrate, fc->params.sub_bitrate},
		};
		NvrFakecamCamera *camera = nvr_fakecam_camera_new(&config, error);
		if (camera == NULL)
			return FALSE;
		g_ptr_array_add(fc->cameras, camera);
	}
	fc->control = nvr_fakecam_control_new(fc->cameras, fc->clip, &fc->params);
	return nvr_fakecam_control_listen(fc->control,
					  fc->opt.bind,
					  (guint)fc->opt.control_port,
					  error);
}

/* Returns: (transfer full) (nullable): the name of the interface holding @address */
static gchar *
nvr_fakecam_iface_for(const gchar *address)
{
	g_autoptr(GInetAddress) want = g_inet_address_new_from_string(address);
	struct ifaddrs *list = NULL;
	gchar *name = NULL;

	if (want == NULL || g_inet_address_get_is_any(want) || getifaddrs(&list) != 0)
		return NULL;
	for (struct ifaddrs *i = list; i != NULL && name == NULL; i = i->ifa_next) {
		g_autoptr(GSocketAddress) sa = NULL;
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
			continue;
		sa = g_socket_address_new_from_native(i->ifa_addr, sizeof(struct sockaddr_in));
		if (sa != NULL &&
		    g_inet_address_equal(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(sa)),
					 want))
			name = g_strdup(i->ifa_name);
	}
	freeifaddrs(list);
	return name;
}

static gboolean
nvr_fakecam_multicast_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	NvrFakecam *fc = user_data;
	g_autoptr(GSocketAddress) from = NULL;
	g_autofree gchar *buf = g_malloc(65536);
	gssize n = g_socket_receive_from(socket, &from, buf, 65536, NULL, NULL);

	/* every camera answers for itself, from its own socket, as devices do */
	for (guint i = 0; n > 0 && from != NULL && i < fc->cameras->len; i++)
		nvr_fakecam_camera_answer_probe(g_ptr_array_index(fc->cameras, i), buf, (gsize)n, from);
	return G_SOURCE_CONTINUE;
}

/* joins 239.255.255.250:3702 on the interface of --bind (a test's namespace) */
static gboolean
nvr_fakecam_open_multicast(NvrFakecam *fc, GError **error)
{
	g_autoptr(GInetAddress) group = g_inet_address_new_from_string(NVR_FAKECAM_WSD_MULTICAST_GROUP);
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(group, NVR_FAKECAM_WSD_PORT);
	g_autofree gchar *iface = nvr_fakecam_iface_for(fc->opt.bind);

	fc->multicast = g_socket_new(G_SOCKET_FAMILY_IPV4,
				     G_SOCKET_TYPE_DATAGRAM,
				     G_SOCKET_PROTOCOL_UDP,
				     error);
	/* bound to the group address: unicast to 3702 is not ours to take */
	if (fc->multicast == NULL || !g_socket_bind(fc->multicast, addr, TRUE, error) ||
	    !g_socket_join_multicast_group(fc->multicast, group, FALSE, iface, error)) {
		g_prefix_error(error, "WS-Discovery multicast: ");
		return FALSE;
	}
	fc->multicast_source = g_socket_create_source(fc->multicast, G_IO_IN, NULL);
	g_source_set_callback(fc->multicast_source, G_SOURCE_FUNC(nvr_fakecam_multicast_cb), fc, NULL);
	g_source_attach(fc->multicast_source, NULL);
	return TRUE;
}

static gboolean
nvr_fakecam_quit_cb(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_CONTINUE;
}

static void
nvr_fakecam_print_ready(NvrFakecam *fc)
{
	for (guint i = 0; i < fc->cameras->len; i++) {
		g_autofree gchar *line =
		    nvr_fakecam_camera_describe(g_ptr_array_index(fc->cameras, i),
						nvr_fakecam_control_get_url(fc->control));
		g_print("%s\n", line);
	}
	g_print("ready\n");
	fflush(stdout);
}

static gboolean
nvr_fakecam_tick_cb(gpointer user_data)
{
	return G_SOURCE_REMOVE; /* only wakes the loop up */
}

/* a resolution being encoded in a worker thread ends first: that thread reads the clip */
static void
nvr_fakecam_wait_encodes(NvrFakecam *fc, gint64 deadline)
{
	while (fc->control != NULL && nvr_fakecam_control_is_encoding(fc->control) &&
	       g_get_monotonic_time() < deadline) {
		g_autoptr(GSource) tick = g_timeout_source_new(50);

		g_source_set_callback(tick, nvr_fakecam_tick_cb, NULL, NULL);
		g_source_attach(tick, NULL);
		g_main_context_iteration(NULL, TRUE);
		g_source_destroy(tick);
	}
}

/* a client's thread answering a request when its client was closed finishes it first */
static void
nvr_fakecam_wait_disconnected(NvrFakecam *fc, gint64 deadline)
{
	for (guint i = 0; i < fc->cameras->len; i++) {
		NvrFakecamCamera *camera = g_ptr_array_index(fc->cameras, i);

		while (nvr_fakecam_camera_get_connections(camera) > 0 &&
		       g_get_monotonic_time() < deadline)
			g_usleep(5000);
	}
}

static gpointer
nvr_fakecam_rtsp_join_thread(gpointer data)
{
	GAsyncQueue *done = data;

	gst_rtsp_thread_pool_cleanup(); /* returns when every pool thread has ended */
	g_async_queue_push(done, GINT_TO_POINTER(1));
	g_async_queue_unref(done);
	return NULL;
}

/* Returns: TRUE when every thread of the RTSP servers ended before @deadline */
static gboolean
nvr_fakecam_join_rtsp(gint64 deadline)
{
	g_autoptr(GAsyncQueue) done = g_async_queue_new();
	GThread *join = g_thread_new("rtsp-join", nvr_fakecam_rtsp_join_thread, g_async_queue_ref(done));
	gint64 left = MAX(deadline - g_get_monotonic_time(), 0);

	if (g_async_queue_timeout_pop(done, (guint64)left) == NULL) {
		g_thread_unref(join); /* stuck: it holds its own reference to @done */
		return FALSE;
	}
	g_thread_join(join);
	return TRUE;
}

/*
 * The RTSP servers run their clients and live medias in threads of their
 * own (GstRTSPThreadPool: one per camera for its clients, one per media),
 * which read the cameras' devices and streams and outlive the main loop.
 * Freeing a camera while one of them still answered a request was the
 * segfault seen at SIGTERM. So, in order: encodes finish; every camera
 * stops listening and closes its clients; once their last requests are
 * answered the sessions go, which stops the medias; the threads are
 * joined; only then may nvr_fakecam_clear() free the cameras.
 *
 * Returns: FALSE if the threads did not end by the deadline: the cameras
 * must then stay allocated
 */
static gboolean
nvr_fakecam_shutdown(NvrFakecam *fc, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + NVR_FAKECAM_SHUTDOWN_S * G_USEC_PER_SEC;

	nvr_fakecam_wait_encodes(fc, deadline);
	for (guint i = 0; i < fc->cameras->len; i++)
		nvr_fakecam_camera_stop_rtsp(g_ptr_array_index(fc->cameras, i));
	nvr_fakecam_wait_disconnected(fc, deadline);
	for (guint i = 0; i < fc->cameras->len; i++)
		nvr_fakecam_camera_end_sessions(g_ptr_array_index(fc->cameras, i));
	if (!nvr_fakecam_join_rtsp(deadline)) {
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_TIMEOUT,
			    "the RTSP server's threads did not end within %d s",
			    NVR_FAKECAM_SHUTDOWN_S);
		return FALSE;
	}
	return TRUE;
}

static void
nvr_fakecam_clear(NvrFakecam *fc)
{
	if (fc->multicast_source != NULL) {
		g_source_destroy(fc->multicast_source);
		g_source_unref(fc->multicast_source);
	}
	g_clear_object(&fc->multicast);
	g_clear_object(&fc->control);
	g_clear_pointer(&fc->cameras, g_ptr_array_unref);
	if (fc->feeder_thread != NULL) {
		/* quit from inside the loop: it may not have started running yet */
		g_main_context_invoke(fc->feeder_context, nvr_fakecam_feeder_quit_cb, fc->feeder_loop);
		g_thread_join(fc->feeder_thread);
	}
	g_clear_pointer(&fc->feeder_loop, g_main_loop_unref);
	g_clear_pointer(&fc->feeder_context, g_main_context_unref);
	g_clear_pointer(&fc->loop, g_main_loop_unref);
	g_clear_object(&fc->clip);
	g_clear_pointer(&fc->jpeg, g_bytes_unref);
	g_free(fc->password);
	g_free(fc->opt.personas);
	g_free(fc->opt.bind);
	g_free(fc->opt.user);
	g_free(fc->opt.password_file);
	g_free(fc->opt.clip);
	g_free(fc->opt.resolution);
	g_free(fc->opt.sub_resolution);
}

static gboolean
nvr_fakecam_run(NvrFakecam *fc, gint *argc, gchar ***argv, GError **error)
{
	if (!nvr_fakecam_parse_options(fc, argc, argv, error))
		return FALSE;
	nvr_log_install(fc->opt.verbose);
	/* a test that aborts must not leave its cameras running */
	if (fc->opt.exit_with_parent &&
	    (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() == 1)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_FAILED, "the parent is already gone");
		return FALSE;
	}
	/* from the start: a stop asked for during the encode is honoured once ready */
	fc->loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGTERM, nvr_fakecam_quit_cb, fc->loop);
	g_unix_signal_add(SIGINT, nvr_fakecam_quit_cb, fc->loop);
	gst_init(NULL, NULL);
	xmlInitParser();
	if (!nvr_fakecam_open_clip(fc, error))
		return FALSE;
	fc->feeder_context = g_main_context_new();
	fc->feeder_loop = g_main_loop_new(fc->feeder_context, FALSE);
	fc->feeder_thread = g_thread_new("feeder", nvr_fakecam_feeder_thread, fc);
	fc->cameras = g_ptr_array_new_with_free_func(g_object_unref);
	if (!nvr_fakecam_start_cameras(fc, error))
		return FALSE;
	if (fc->opt.wsd_multicast && !nvr_fakecam_open_multicast(fc, error))
		return FALSE;
	nvr_fakecam_print_ready(fc);
	g_main_loop_run(fc->loop);
	return TRUE;
}

int
main(int argc, char **argv)
{
	NvrFakecam fc = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) error_stop = NULL;
	gboolean ok = nvr_fakecam_run(&fc, &argc, &argv, &error);

	if (!ok)
		g_printerr("nvr-fakecam: %s\n", error->message);
	if (fc.cameras != NULL && !nvr_fakecam_shutdown(&fc, &error_stop)) {
		/* freeing what those threads read would crash: exit with it all */
		g_printerr("nvr-fakecam: %s\n", error_stop->message);
		return 1;
	}
	nvr_fakecam_clear(&fc);
	return ok ? 0 : 1;
}
