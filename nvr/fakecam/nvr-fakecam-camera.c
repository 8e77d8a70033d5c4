#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "core/nvr-error.h"
#include "fakecam/nvr-fakecam-camera.h"
#include "fakecam/nvr-fakecam-media-factory.h"
#include "fakecam/nvr-fakecam-mount-points.h"
#include "fakecam/nvr-fakecam-onvif.h"
#include "fakecam/nvr-fakecam-rtsp-server.h"
#include "fakecam/nvr-fakecam-vendor.h"
#include "fakecam/nvr-fakecam-wsd.h"

/*
 * notes on a camera
 *
 *   Each camera is a device of its own: an RTSP port (GStreamer's server,
 *   whose listening socket we own so that a drop can refuse connections),
 *   an HTTP port (libsoup: banner, ONVIF, vendor API behind HTTP Digest) and
 *   a UDP port for WS-Discovery. Everything here runs on the main context;
 *   RTSP clients run in the server's thread pool and only read the device.
 *
 *     LISTENING --drop(S > 0)--> REFUSING --S elapsed--> LISTENING
 *     any --stop_rtsp, connections 0, end_sessions--> STOPPED
 *
 * invariants
 *   (1) the device is immutable after nvr_fakecam_camera_new() except the
 *       stream sizes, which only the main thread writes and reads
 *   (2) a drop closes every RTSP connection and session of this camera
 *   (3) the RTSP server's threads (clients, medias) read the device and the
 *       streams: the camera is freed only after they have all ended
 *       (nvr_fakecam_shutdown() in nvr-fakecam.c), never while one runs
 */

#define NVR_FAKECAM_SESSION_CLEANUP_S 2
#define NVR_FAKECAM_WSD_MAX_DATAGRAM 65536

struct _NvrFakecamCamera {
	GObject parent_instance;
	NvrFakecamDevice *dev;		/* see invariant (1) */
	NvrFakecamStream *streams[2];	/* immutable */
	GstRTSPServer *rtsp;		/* immutable */
	GSocket *rtsp_socket;		/* NULL while refusing */
	GSource *rtsp_source;
	guint relisten_id;
	guint cleanup_id;
	gint connections;		/* atomic: RTSP connections now */
	SoupServer *http;		/* immutable */
	NvrFakecamVendor *vendor;	/* immutable */
	GSocket *wsd;			/* immutable */
	GSource *wsd_source;
	guint wsd_port;
	guint wsd_messages;		/* AppSequence MessageNumber */
	gchar *wsd_buffer;
};

G_DEFINE_TYPE(NvrFakecamCamera, nvr_fakecam_camera, G_TYPE_OBJECT)

/* a client's connected socket, ours to shut down (see nvr_fakecam_camera_stop_rtsp()) */
static GQuark
nvr_fakecam_client_socket_quark(void)
{
	return g_quark_from_static_string("nvr-fakecam-client-socket");
}

static void
nvr_fakecam_camera_rtsp_unlisten(NvrFakecamCamera *self)
{
	if (self->rtsp_source != NULL) {
		g_source_destroy(self->rtsp_source);
		g_clear_pointer(&self->rtsp_source, g_source_unref);
	}
	if (self->rtsp_socket != NULL) {
		/* connections not yet accepted are reset, new ones refused */
		g_socket_close(self->rtsp_socket, NULL);
		g_clear_object(&self->rtsp_socket);
	}
}

static void
nvr_fakecam_camera_dispose(GObject *obj)
{
	NvrFakecamCamera *self = NVR_FAKECAM_CAMERA(obj);

	nvr_fakecam_camera_rtsp_unlisten(self);
	g_clear_handle_id(&self->relisten_id, g_source_remove);
	g_clear_handle_id(&self->cleanup_id, g_source_remove);
	if (self->wsd_source != NULL) {
		g_source_destroy(self->wsd_source);
		g_clear_pointer(&self->wsd_source, g_source_unref);
	}
	if (self->http != NULL)
		soup_server_disconnect(self->http);
	g_clear_object(&self->http);
	g_clear_object(&self->vendor);
	g_clear_object(&self->wsd);
	g_clear_object(&self->rtsp);
	g_clear_object(&self->streams[0]);
	g_clear_object(&self->streams[1]);
	G_OBJECT_CLASS(nvr_fakecam_camera_parent_class)->dispose(obj);
}

static void
nvr_fakecam_camera_finalize(GObject *obj)
{
	NvrFakecamCamera *self = NVR_FAKECAM_CAMERA(obj);

	nvr_fakecam_device_free(self->dev);
	g_free(self->wsd_buffer);
	G_OBJECT_CLASS(nvr_fakecam_camera_parent_class)->finalize(obj);
}

static void
nvr_fakecam_camera_class_init(NvrFakecamCameraClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = nvr_fakecam_camera_dispose;
	object_class->finalize = nvr_fakecam_camera_finalize;
}

static void
nvr_fakecam_camera_init(NvrFakecamCamera *self)
{
}

/* ---- RTSP --------------------------------------------------------------- */

static gboolean
nvr_fakecam_camera_rtsp_listen(NvrFakecamCamera *self, GError **error)
{
	g_autoptr(GSocket) socket = gst_rtsp_server_create_socket(self->rtsp, NULL, error);
	g_autoptr(GSocketAddress) local = NULL;
	g_autofree gchar *service = NULL;

	if (socket == NULL)
		return FALSE;
	local = g_socket_get_local_address(socket, error);
	if (local == NULL)
		return FALSE;
	self->dev->rtsp_port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
	/* listening again after a drop takes the same port */
	service = g_strdup_printf("%u", self->dev->rtsp_port);
	gst_rtsp_server_set_service(self->rtsp, service);
	self->rtsp_socket = g_steal_pointer(&socket);
	self->rtsp_source = g_socket_create_source(self->rtsp_socket, G_IO_IN, NULL);
	g_source_set_callback(self->rtsp_source,
			      G_SOURCE_FUNC(gst_rtsp_server_io_func),
			      g_object_ref(self->rtsp),
			      g_object_unref);
	g_source_attach(self->rtsp_source, NULL);
	return TRUE;
}

static gboolean
nvr_fakecam_camera_relisten_cb(gpointer user_data)
{
	NvrFakecamCamera *self = user_data;
	g_autoptr(GError) error = NULL;

	self->relisten_id = 0;
	if (!nvr_fakecam_camera_rtsp_listen(self, &error)) {
		g_warning("camera %u: cannot listen again, retrying: %s",
			  self->dev->index,
			  error->message);
		self->relisten_id = g_timeout_add_seconds(1, nvr_fakecam_camera_relisten_cb, self);
	}
	return G_SOURCE_REMOVE;
}

static gboolean
nvr_fakecam_camera_cleanup_cb(gpointer user_data)
{
	NvrFakecamCamera *self = user_data;
	g_autoptr(GstRTSPSessionPool) pool = gst_rtsp_server_get_session_pool(self->rtsp);

	gst_rtsp_session_pool_cleanup(pool); /* sessions of clients that vanished */
	return G_SOURCE_CONTINUE;
}

static void
nvr_fakecam_camera_client_closed_cb(GstRTSPClient *client, gpointer user_data)
{
	g_atomic_int_dec_and_test(&NVR_FAKECAM_CAMERA(user_data)->connections);
}

static void
nvr_fakecam_camera_client_connected_cb(GstRTSPServer *server, GstRTSPClient *client,
				       gpointer user_data)
{
	NvrFakecamCamera *self = user_data;
	GstRTSPConnection *conn = gst_rtsp_client_get_connection(client);
	GSocket *socket = conn != NULL ? gst_rtsp_connection_get_read_socket(conn) : NULL;

	g_atomic_int_inc(&self->connections);
	if (socket != NULL)
		g_object_set_qdata_full(G_OBJECT(client),
					nvr_fakecam_client_socket_quark(),
					g_object_ref(socket),
					g_object_unref);
	g_signal_connect_object(client,
				"closed",
				G_CALLBACK(nvr_fakecam_camera_client_closed_cb),
				self,
				0);
}

static GstRTSPAuth *
nvr_fakecam_camera_rtsp_auth(NvrFakecamCamera *self)
{
	GstRTSPAuth *auth = gst_rtsp_auth_new();
	g_autoptr(GstRTSPToken) token =
	    gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, "user", NULL);
	g_autofree gchar *basic = gst_rtsp_auth_make_basic(self->dev->user, self->dev->password);

	gst_rtsp_auth_add_basic(auth, basic, token);
	gst_rtsp_auth_add_digest(auth, self->dev->user, self->dev->password, token);
	gst_rtsp_auth_set_supported_methods(auth, GST_RTSP_AUTH_DIGEST | GST_RTSP_AUTH_BASIC);
	gst_rtsp_auth_set_realm(auth, self->dev->rtsp_realm);
	return auth;
}

static gboolean
nvr_fakecam_camera_setup_rtsp(NvrFakecamCamera *self, const NvrFakecamCameraConfig *config,
			      GError **error)
{
	g_autoptr(GstRTSPMountPoints) mounts = NULL;
	g_autofree gchar *service = g_strdup_printf("%u", config->rtsp_port);
	const gchar *paths[2] = {self->dev->main_path, self->dev->sub_path};

	self->rtsp = GST_RTSP_SERVER(nvr_fakecam_rtsp_server_new(self->dev));
	gst_rtsp_server_set_address(self->rtsp, config->address);
	gst_rtsp_server_set_service(self->rtsp, service);
	mounts = GST_RTSP_MOUNT_POINTS(nvr_fakecam_mount_points_new(self->dev));
	gst_rtsp_server_set_mount_points(self->rtsp, mounts);
	for (guint i = 0; i < 2; i++) {
		GstRTSPMediaFactory *factory =
		    GST_RTSP_MEDIA_FACTORY(nvr_fakecam_media_factory_new(self->streams[i], config->mtu));
		if (self->dev->password != NULL)
			gst_rtsp_media_factory_add_role(factory,
							"user",
							GST_RTSP_PERM_MEDIA_FACTORY_ACCESS,
							G_TYPE_BOOLEAN,
							TRUE,
							GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
							G_TYPE_BOOLEAN,
							TRUE,
							NULL);
		gst_rtsp_mount_points_add_factory(mounts, paths[i], factory);
	}
	if (self->dev->password != NULL) {
		g_autoptr(GstRTSPAuth) auth = nvr_fakecam_camera_rtsp_auth(self);
		gst_rtsp_server_set_auth(self->rtsp, auth);
	}
	g_signal_connect(self->rtsp,
			 "client-connected",
			 G_CALLBACK(nvr_fakecam_camera_client_connected_cb),
			 self);
	self->cleanup_id = g_timeout_add_seconds(NVR_FAKECAM_SESSION_CLEANUP_S,
						 nvr_fakecam_camera_cleanup_cb,
						 self);
	if (!nvr_fakecam_camera_rtsp_listen(self, error)) {
		g_prefix_error(error, "RTSP on %s port %u: ", config->address, config->rtsp_port);
		return FALSE;
	}
	return TRUE;
}

/* ---- HTTP: index page, ONVIF, vendor API -------------------------------- */

static void
nvr_fakecam_camera_respond(SoupServerMessage *msg, guint status, const gchar *type, GBytes *body)
{
	soup_server_message_set_status(msg, status, NULL);
	soup_message_headers_set_content_type(soup_server_message_get_response_headers(msg),
					      type,
					      NULL);
	soup_message_body_append_bytes(soup_server_message_get_response_body(msg), body);
}

static void
nvr_fakecam_camera_respond_text(SoupServerMessage *msg, guint status, const gchar *type,
				gchar *text)
{
	g_autoptr(GBytes) body = g_bytes_new_take(text, strlen(text));
	nvr_fakecam_camera_respond(msg, status, type, body);
}

static gchar *
nvr_fakecam_camera_index_page(NvrFakecamCamera *self)
{
	const NvrFakecamPersona *p = self->dev->persona;

	if (p->dahua_soap) /* Dahua's web server: UTF-8 BOM and XHTML Strict */
		return g_strdup_printf("\xEF\xBB\xBF<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 "
				       "Strict//EN\" \"http://www.w3.org/TR/xhtml1/DTD/"
				       "xhtml1-strict.dtd\">\n<html xmlns=\"http://www.w3.org/1999/"
				       "xhtml\"><head><title>%s</title></head><body></body></html>\n",
				       p->title);
	return g_strdup_printf("<!DOCTYPE html>\n<html><head><title>%s</title></head>"
			       "<body></body></html>\n",
			       p->title);
}

static void
nvr_fakecam_camera_onvif(NvrFakecamCamera *self, SoupServerMessage *msg, GBytes *body)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	gsize len = 0;
	const gchar *data = g_bytes_get_data(body, &len);
	guint status = 500;
	gchar *response;

	if (g_strcmp0(soup_server_message_get_method(msg), "POST") != 0) {
		nvr_fakecam_camera_respond_text(msg, 405, "text/plain", g_strdup("POST only\n"));
		return;
	}
	response = nvr_fakecam_onvif_handle(self->dev, data, len, now, &status);
	nvr_fakecam_camera_respond_text(msg,
					status,
					"application/soap+xml; charset=utf-8",
					response);
}

static void
nvr_fakecam_camera_http_cb(SoupServer *server,
			   SoupServerMessage *msg,
			   const char *path,
			   GHashTable *query,
			   gpointer user_data)
{
	NvrFakecamCamera *self = user_data;
	g_autoptr(GBytes) body = soup_message_body_flatten(soup_server_message_get_request_body(msg));
	GUri *uri = soup_server_message_get_uri(msg);
	NvrFakecamReply reply = {0};
	gsize len = 0;
	const gchar *data = g_bytes_get_data(body, &len);

	if (g_str_has_prefix(path, "/onvif/")) {
		nvr_fakecam_camera_onvif(self, msg, body);
	} else if (len <= NVR_FAKECAM_VENDOR_MAX_BODY &&
		   nvr_fakecam_vendor_handle(self->vendor,
					     soup_server_message_get_method(msg),
					     path,
					     g_uri_get_query(uri),
					     data,
					     len,
					     &reply)) {
		nvr_fakecam_camera_respond(msg, reply.status, reply.content_type, reply.body);
		nvr_fakecam_reply_clear(&reply);
	} else if (g_strcmp0(path, "/") == 0) {
		nvr_fakecam_camera_respond_text(msg,
						200,
						"text/html",
						nvr_fakecam_camera_index_page(self));
	} else {
		nvr_fakecam_camera_respond_text(msg,
						404,
						"text/html",
						g_strdup("<html><head><title>404 Not Found</title></head>"
							 "<body><h1>Not Found</h1></body></html>\n"));
	}
}

static gchar *
nvr_fakecam_camera_digest_cb(SoupAuthDomain *domain,
			     SoupServerMessage *msg,
			     const char *username,
			     gpointer user_data)
{
	NvrFakecamCamera *self = user_data;

	if (!nvr_fakecam_str_equal_ct(username, self->dev->user))
		return NULL;
	return soup_auth_domain_digest_encode_password(username,
						       self->dev->http_realm,
						       self->dev->password);
}

/**
 * nvr_fakecam_soup_listen:
 * @port: 0 for any free port
 *
 * Returns: the bound port, or 0 with @error
 */
guint
nvr_fakecam_soup_listen(SoupServer *server, const gchar *address, guint port, GError **error)
{
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new_from_string(address, port);
	g_autoptr(GSocketAddress) local = NULL;
	GSList *listeners;

	if (addr == NULL) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "not an IP address: %s", address);
		return 0;
	}
	if (!soup_server_listen(server, addr, 0, error)) {
		g_prefix_error(error, "HTTP on %s port %u: ", address, port);
		return 0;
	}
	listeners = soup_server_get_listeners(server);
	local = listeners != NULL ? g_socket_get_local_address(listeners->data, error) : NULL;
	g_slist_free(listeners);
	if (local == NULL)
		return 0;
	return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
}

static gboolean
nvr_fakecam_camera_setup_http(NvrFakecamCamera *self, const NvrFakecamCameraConfig *config,
			      GError **error)
{
	const gchar *const *paths = nvr_fakecam_vendor_digest_paths(self->dev->persona);

	self->http = soup_server_new("server-header", self->dev->persona->http_server, NULL);
	if (self->dev->password != NULL && paths[0] != NULL) {
		g_autoptr(SoupAuthDomain) domain =
		    soup_auth_domain_digest_new("realm", self->dev->http_realm, NULL);
		soup_auth_domain_digest_set_auth_callback(domain,
							  nvr_fakecam_camera_digest_cb,
							  self,
							  NULL);
		for (guint i = 0; paths[i] != NULL; i++)
			soup_auth_domain_add_path(domain, paths[i]);
		soup_server_add_auth_domain(self->http, domain);
	}
	soup_server_add_handler(self->http, NULL, nvr_fakecam_camera_http_cb, self, NULL);
	self->dev->http_port = nvr_fakecam_soup_listen(self->http, config->address, config->http_port, error);
	return self->dev->http_port != 0;
}

/* ---- WS-Discovery -------------------------------------------------------- */

/**
 * nvr_fakecam_camera_answer_probe:
 * @from: where the datagram came from; the answer goes there, unicast
 *
 * Answers a WS-Discovery Probe that matches this camera, from its own
 * socket; anything else is ignored, as the protocol wants.
 */
void
nvr_fakecam_camera_answer_probe(NvrFakecamCamera *self,
				const gchar *data,
				gsize len,
				GSocketAddress *from)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *reply =
	    nvr_fakecam_wsd_handle(self->dev, data, len, ++self->wsd_messages, &error);

	if (reply == NULL) {
		g_debug("camera %u: WS-Discovery: %s", self->dev->index, error->message);
		return;
	}
	if (g_socket_send_to(self->wsd, from, reply, strlen(reply), NULL, &error) < 0)
		g_debug("camera %u: WS-Discovery reply: %s", self->dev->index, error->message);
}

static gboolean
nvr_fakecam_camera_wsd_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	NvrFakecamCamera *self = user_data;
	g_autoptr(GSocketAddress) from = NULL;
	gssize n = g_socket_receive_from(socket,
					 &from,
					 self->wsd_buffer,
					 NVR_FAKECAM_WSD_MAX_DATAGRAM,
					 NULL,
					 NULL);

	if (n > 0 && from != NULL)
		nvr_fakecam_camera_answer_probe(self, self->wsd_buffer, (gsize)n, from);
	return G_SOURCE_CONTINUE;
}

static gboolean
nvr_fakecam_camera_setup_wsd(NvrFakecamCamera *self, const NvrFakecamCameraConfig *config,
			     GError **error)
{
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new_from_string(config->address, 0);
	g_autoptr(GSocketAddress) local = NULL;

	if (addr == NULL) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "bad address %s", config->address);
		return FALSE;
	}
	self->wsd = g_socket_new(g_socket_address_get_family(addr),
				 G_SOCKET_TYPE_DATAGRAM,
				 G_SOCKET_PROTOCOL_UDP,
				 error);
	if (self->wsd == NULL || !g_socket_bind(self->wsd, addr, TRUE, error))
		return FALSE;
	local = g_socket_get_local_address(self->wsd, error);
	if (local == NULL)
		return FALSE;
	self->wsd_port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
	self->wsd_buffer = g_malloc(NVR_FAKECAM_WSD_MAX_DATAGRAM);
	self->wsd_source = g_socket_create_source(self->wsd, G_IO_IN, NULL);
	g_source_set_callback(self->wsd_source,
			      G_SOURCE_FUNC(nvr_fakecam_camera_wsd_cb),
			      self,
			      NULL);
	g_source_attach(self->wsd_source, NULL);
	return TRUE;
}

/* ---- the camera ---------------------------------------------------------- */

static gchar *
nvr_fakecam_camera_url_host(const gchar *address)
{
	if (g_strcmp0(address, "0.0.0.0") == 0)
		return g_strdup("127.0.0.1");
	if (g_strcmp0(address, "::") == 0)
		return g_strdup("[::1]");
	if (strchr(address, ':') != NULL)
		return g_strdup_printf("[%s]", address);
	return g_strdup(address);
}

static void
nvr_fakecam_camera_init_device(NvrFakecamCamera *self, const NvrFakecamCameraConfig *config)
{
	NvrFakecamTrack *sub = nvr_fakecam_clip_get_sub(config->clip);
	NvrFakecamTrack *main = nvr_fakecam_clip_get_main(config->clip);
	NvrFakecamDevice *dev = nvr_fakecam_device_new(config->persona,
						       config->index,
						       nvr_fakecam_track_get_width(sub),
						       nvr_fakecam_track_get_height(sub));

	g_free(dev->address);
	g_free(dev->host);
	dev->address = g_strdup(config->address);
	dev->host = nvr_fakecam_camera_url_host(config->address);
	dev->user = g_strdup(config->user);
	dev->password = g_strdup(config->password);
	dev->width[0] = nvr_fakecam_track_get_width(main);
	dev->height[0] = nvr_fakecam_track_get_height(main);
	dev->width[1] = nvr_fakecam_track_get_width(sub);
	dev->height[1] = nvr_fakecam_track_get_height(sub);
	dev->fps = config->fps;
	dev->bitrate[0] = config->bitrate[0];
	dev->bitrate[1] = config->bitrate[1];
	self->dev = dev;
}

/**
 * nvr_fakecam_camera_new:
 *
 * Builds the camera and binds all its ports (0: chosen free, read back
 * into the device).
 *
 * Returns: (transfer full): the camera, or NULL with @error
 */
NvrFakecamCamera *
nvr_fakecam_camera_new(const NvrFakecamCameraConfig *config, GError **error)
{
	g_autoptr(NvrFakecamCamera) self = g_object_new(NVR_TYPE_FAKECAM_CAMERA, NULL);

	nvr_fakecam_camera_init_device(self, config);
	self->streams[0] = nvr_fakecam_stream_new("main",
						  nvr_fakecam_clip_get_main(config->clip),
						  nvr_fakecam_clip_get_audio(config->clip),
						  config->feeder_context);
	self->streams[1] = nvr_fakecam_stream_new("sub",
						  nvr_fakecam_clip_get_sub(config->clip),
						  NULL,
						  config->feeder_context);
	self->vendor = nvr_fakecam_vendor_new(self->dev, config->jpeg);
	if (!nvr_fakecam_camera_setup_rtsp(self, config, error) ||
	    !nvr_fakecam_camera_setup_http(self, config, error) ||
	    !nvr_fakecam_camera_setup_wsd(self, config, error)) {
		g_prefix_error(error, "camera %u: ", config->index);
		return NULL;
	}
	return g_steal_pointer(&self);
}

const NvrFakecamDevice *
nvr_fakecam_camera_get_device(NvrFakecamCamera *self)
{
	return self->dev;
}

/* Returns: (transfer none): NVR_FAKECAM_MAIN or NVR_FAKECAM_SUB */
NvrFakecamStream *
nvr_fakecam_camera_get_stream(NvrFakecamCamera *self, guint stream)
{
	g_return_val_if_fail(stream < 2, NULL);
	return self->streams[stream];
}

guint
nvr_fakecam_camera_get_wsd_port(NvrFakecamCamera *self)
{
	return self->wsd_port;
}

/**
 * nvr_fakecam_camera_describe:
 *
 * Returns: (transfer full): the camera's line of the ready output (see
 * README.md: the format is stable)
 */
gchar *
nvr_fakecam_camera_describe(NvrFakecamCamera *self, const gchar *control_url)
{
	const NvrFakecamDevice *dev = self->dev;
	g_autofree gchar *rtsp = nvr_fakecam_device_rtsp_url(dev, NVR_FAKECAM_MAIN);
	g_autofree gchar *sub = nvr_fakecam_device_rtsp_url(dev, NVR_FAKECAM_SUB);
	g_autofree gchar *onvif = nvr_fakecam_device_http_url(dev, NVR_FAKECAM_ONVIF_DEVICE_PATH);
	g_autofree gchar *http = nvr_fakecam_device_http_url(dev, "/");

	return g_strdup_printf("camera %u persona=%s rtsp=%s sub=%s onvif=%s http=%s wsd=%s:%u "
			       "control=%s",
			       dev->index,
			       dev->persona->name,
			       rtsp,
			       sub,
			       onvif,
			       http,
			       dev->host,
			       self->wsd_port,
			       control_url);
}

static GstRTSPFilterResult
nvr_fakecam_camera_remove_session_cb(GstRTSPSessionPool *pool, GstRTSPSession *session,
				     gpointer data)
{
	return GST_RTSP_FILTER_REMOVE;
}

/*
 * As if the peer hung up: the client's own thread reads the end of its
 * connection and closes it there. gst_rtsp_client_close() from this thread
 * races with that thread reading a request (GstRTSPConnection is not
 * thread-safe): it can leave the thread spinning on a closed connection.
 */
static GstRTSPFilterResult
nvr_fakecam_camera_hang_up_cb(GstRTSPServer *server, GstRTSPClient *client, gpointer data)
{
	GSocket *socket = g_object_get_qdata(G_OBJECT(client), nvr_fakecam_client_socket_quark());

	if (socket != NULL)
		g_socket_shutdown(socket, TRUE, TRUE, NULL);
	return GST_RTSP_FILTER_KEEP;
}

static void
nvr_fakecam_camera_hang_up_all(NvrFakecamCamera *self)
{
	GList *kept = gst_rtsp_server_client_filter(self->rtsp, nvr_fakecam_camera_hang_up_cb, NULL);

	g_list_free_full(kept, g_object_unref);
}

/* their medias are unprepared as the last session of each goes */
static void
nvr_fakecam_camera_remove_sessions(NvrFakecamCamera *self)
{
	g_autoptr(GstRTSPSessionPool) pool = gst_rtsp_server_get_session_pool(self->rtsp);
	GList *kept = gst_rtsp_session_pool_filter(pool, nvr_fakecam_camera_remove_session_cb, NULL);

	g_list_free_full(kept, g_object_unref);
}

/**
 * nvr_fakecam_camera_drop:
 * @refuse_ms: how long to refuse new connections afterwards (0: accept at once)
 *
 * Closes every RTSP connection and session, as a camera that reboots or
 * loses its network does.
 */
void
nvr_fakecam_camera_drop(NvrFakecamCamera *self, guint refuse_ms)
{
	if (refuse_ms > 0) {
		nvr_fakecam_camera_rtsp_unlisten(self);
		g_clear_handle_id(&self->relisten_id, g_source_remove);
		self->relisten_id = g_timeout_add(refuse_ms, nvr_fakecam_camera_relisten_cb, self);
	}
	nvr_fakecam_camera_hang_up_all(self);
	nvr_fakecam_camera_remove_sessions(self);
}

/**
 * nvr_fakecam_camera_stop_rtsp:
 *
 * The first half of a shutdown: no new connections, every client's
 * connection ended. A request a client's thread is answering goes on to
 * its end, and may still make a session; the caller waits until
 * nvr_fakecam_camera_get_connections() is 0, then calls
 * nvr_fakecam_camera_end_sessions().
 */
void
nvr_fakecam_camera_stop_rtsp(NvrFakecamCamera *self)
{
	nvr_fakecam_camera_rtsp_unlisten(self);
	g_clear_handle_id(&self->relisten_id, g_source_remove);
	g_clear_handle_id(&self->cleanup_id, g_source_remove);
	nvr_fakecam_camera_hang_up_all(self);
}

/* the second half: every session gone, so every media stops and lets go of its thread */
void
nvr_fakecam_camera_end_sessions(NvrFakecamCamera *self)
{
	nvr_fakecam_camera_remove_sessions(self);
}

/* RTSP connections open now; any thread */
guint
nvr_fakecam_camera_get_connections(NvrFakecamCamera *self)
{
	return (guint)MAX(g_atomic_int_get(&self->connections), 0);
}

/* @track replaces the stream's picture at its next key frame */
void
nvr_fakecam_camera_set_video(NvrFakecamCamera *self, guint stream, NvrFakecamTrack *track)
{
	g_return_if_fail(stream < 2);
	nvr_fakecam_stream_set_video(self->streams[stream], track);
	/* ONVIF profiles describe what is sent */
	self->dev->width[stream] = nvr_fakecam_track_get_width(track);
	self->dev->height[stream] = nvr_fakecam_track_get_height(track);
}

typedef struct {
	NvrFakecamCamera *camera;
	guint clients[2];
} NvrFakecamClientCount;

static GstRTSPFilterResult
nvr_fakecam_camera_count_media_cb(GstRTSPSession *session, GstRTSPSessionMedia *sm, gpointer data)
{
	NvrFakecamClientCount *count = data;
	GstRTSPMedia *media = gst_rtsp_session_media_get_media(sm);

	for (guint i = 0; i < 2; i++) {
		if (nvr_fakecam_stream_has_media(count->camera->streams[i], media))
			count->clients[i]++;
	}
	return GST_RTSP_FILTER_KEEP;
}

static GstRTSPFilterResult
nvr_fakecam_camera_count_session_cb(GstRTSPSessionPool *pool, GstRTSPSession *session,
				    gpointer data)
{
	GList *kept = gst_rtsp_session_filter(session, nvr_fakecam_camera_count_media_cb, data);

	g_list_free_full(kept, g_object_unref);
	return GST_RTSP_FILTER_KEEP;
}

static void
nvr_fakecam_camera_add_stream_stats(JsonBuilder *b, const NvrFakecamStreamStats *st,
				    guint clients)
{
	g_autofree gchar *size = g_strdup_printf("%ux%u", st->width, st->height);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "clients");
	json_builder_add_int_value(b, clients);
	json_builder_set_member_name(b, "medias");
	json_builder_add_int_value(b, st->medias);
	json_builder_set_member_name(b, "frames_sent");
	json_builder_add_int_value(b, (gint64)st->frames_sent);
	json_builder_set_member_name(b, "bytes_sent");
	json_builder_add_int_value(b, (gint64)st->bytes_sent);
	json_builder_set_member_name(b, "audio_frames_sent");
	json_builder_add_int_value(b, (gint64)st->audio_frames_sent);
	json_builder_set_member_name(b, "frames_skipped");
	json_builder_add_int_value(b, (gint64)st->frames_skipped);
	json_builder_set_member_name(b, "loops");
	json_builder_add_int_value(b, (gint64)st->loops);
	json_builder_set_member_name(b, "resolution");
	json_builder_add_string_value(b, size);
	json_builder_set_member_name(b, "stalled");
	json_builder_add_boolean_value(b, st->stalled);
	json_builder_set_member_name(b, "jump_ms");
	json_builder_add_int_value(b, st->jump_ms);
	json_builder_end_object(b);
}

/* adds the members of the camera's stats object (see README.md) to @b */
void
nvr_fakecam_camera_add_stats(NvrFakecamCamera *self, JsonBuilder *b)
{
	g_autoptr(GstRTSPSessionPool) pool = gst_rtsp_server_get_session_pool(self->rtsp);
	NvrFakecamClientCount count = {.camera = self};
	NvrFakecamStreamStats st[2];
	g_autofree gchar *size = NULL;
	GList *kept;

	kept = gst_rtsp_session_pool_filter(pool, nvr_fakecam_camera_count_session_cb, &count);
	g_list_free_full(kept, g_object_unref);
	for (guint i = 0; i < 2; i++)
		nvr_fakecam_stream_get_stats(self->streams[i], &st[i]);
	size = g_strdup_printf("%ux%u", st[0].width, st[0].height);

	json_builder_set_member_name(b, "camera");
	json_builder_add_int_value(b, self->dev->index);
	json_builder_set_member_name(b, "persona");
	json_builder_add_string_value(b, self->dev->persona->name);
	json_builder_set_member_name(b, "connections");
	json_builder_add_int_value(b, g_atomic_int_get(&self->connections));
	json_builder_set_member_name(b, "refusing");
	json_builder_add_boolean_value(b, self->rtsp_socket == NULL);
	/* totals and the main stream's size at the top, for quick use */
	json_builder_set_member_name(b, "clients");
	json_builder_add_int_value(b, count.clients[0] + count.clients[1]);
	json_builder_set_member_name(b, "frames_sent");
	json_builder_add_int_value(b, (gint64)(st[0].frames_sent + st[1].frames_sent));
	json_builder_set_member_name(b, "bytes_sent");
	json_builder_add_int_value(b, (gint64)(st[0].bytes_sent + st[1].bytes_sent));
	json_builder_set_member_name(b, "resolution");
	json_builder_add_string_value(b, size);
	json_builder_set_member_name(b, "streams");
	json_builder_begin_object(b);
	for (guint i = 0; i < 2; i++) {
		json_builder_set_member_name(b, nvr_fakecam_stream_get_name(self->streams[i]));
		nvr_fakecam_camera_add_stream_stats(b, &st[i], count.clients[i]);
	}
	json_builder_end_object(b);
}
