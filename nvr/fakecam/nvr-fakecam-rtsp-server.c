#include "config.h"

#include "fakecam/nvr-fakecam-rtsp-client.h"
#include "fakecam/nvr-fakecam-rtsp-server.h"

struct _NvrFakecamRtspServer {
	GstRTSPServer parent_instance;
	const NvrFakecamDevice *dev; /* immutable; owned by the camera */
};

G_DEFINE_TYPE(NvrFakecamRtspServer, nvr_fakecam_rtsp_server, GST_TYPE_RTSP_SERVER)

/* what GStreamer's default create_client does, with our client class */
static GstRTSPClient *
nvr_fakecam_rtsp_server_create_client(GstRTSPServer *server)
{
	NvrFakecamRtspServer *self = NVR_FAKECAM_RTSP_SERVER(server);
	GstRTSPClient *client = GST_RTSP_CLIENT(nvr_fakecam_rtsp_client_new(self->dev));
	g_autoptr(GstRTSPSessionPool) pool = gst_rtsp_server_get_session_pool(server);
	g_autoptr(GstRTSPMountPoints) mounts = gst_rtsp_server_get_mount_points(server);
	g_autoptr(GstRTSPAuth) auth = gst_rtsp_server_get_auth(server);
	g_autoptr(GstRTSPThreadPool) threads = gst_rtsp_server_get_thread_pool(server);

	gst_rtsp_client_set_session_pool(client, pool);
	gst_rtsp_client_set_mount_points(client, mounts);
	gst_rtsp_client_set_auth(client, auth);
	gst_rtsp_client_set_thread_pool(client, threads);
	gst_rtsp_client_set_content_length_limit(client,
						 gst_rtsp_server_get_content_length_limit(server));
	return client;
}

static void
nvr_fakecam_rtsp_server_class_init(NvrFakecamRtspServerClass *klass)
{
	GST_RTSP_SERVER_CLASS(klass)->create_client = nvr_fakecam_rtsp_server_create_client;
}

static void
nvr_fakecam_rtsp_server_init(NvrFakecamRtspServer *self)
{
}

NvrFakecamRtspServer *
nvr_fakecam_rtsp_server_new(const NvrFakecamDevice *dev)
{
	NvrFakecamRtspServer *self = g_object_new(NVR_TYPE_FAKECAM_RTSP_SERVER, NULL);

	self->dev = dev;
	return self;
}
