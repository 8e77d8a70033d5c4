#include "config.h"

#include <string.h>

#include "fakecam/nvr-fakecam-rtsp-client.h"
#include "fakecam/nvr-fakecam-stream.h"

struct _NvrFakecamRtspClient {
	GstRTSPClient parent_instance;
	const NvrFakecamDevice *dev; /* immutable; the camera outlives its clients */
};

G_DEFINE_TYPE(NvrFakecamRtspClient, nvr_fakecam_rtsp_client, GST_TYPE_RTSP_CLIENT)

static gchar *
nvr_fakecam_rtsp_client_make_path_from_uri(GstRTSPClient *client, const GstRTSPUrl *uri)
{
	NvrFakecamRtspClient *self = NVR_FAKECAM_RTSP_CLIENT(client);
	const gchar *abspath = uri->abspath != NULL && uri->abspath[0] != '\0' ? uri->abspath : "/";

	return nvr_fakecam_device_normalize_path(self->dev, abspath, uri->query);
}

/*
 * A URL with a query ("/cam/realmonitor?channel=1&subtype=0") cannot be the
 * base of a relative control URL: RFC 3986 resolution drops the last path
 * segment and the query ("/cam/stream=0"), and rtspsrc resolves that way. So
 * for such mounts each stream's control URL is made absolute.
 */
static GstSDPMessage *
nvr_fakecam_rtsp_client_create_sdp(GstRTSPClient *client, GstRTSPMedia *media)
{
	GstSDPMessage *sdp =
	    GST_RTSP_CLIENT_CLASS(nvr_fakecam_rtsp_client_parent_class)->create_sdp(client, media);
	GstRTSPContext *ctx = gst_rtsp_context_get_current();
	g_autofree gchar *base = NULL;

	if (sdp == NULL || ctx == NULL || ctx->uri == NULL || ctx->uri->query == NULL)
		return sdp;
	base = gst_rtsp_url_get_request_uri(ctx->uri);
	for (guint i = 0; i < gst_sdp_message_medias_len(sdp); i++) {
		GstSDPMedia *m = (GstSDPMedia *)gst_sdp_message_get_media(sdp, i);
		for (guint j = 0; j < gst_sdp_media_attributes_len(m); j++) {
			const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, j);
			GstSDPAttribute abs;
			g_autofree gchar *url = NULL;

			if (g_strcmp0(a->key, "control") != 0 || a->value == NULL ||
			    g_str_has_prefix(a->value, "rtsp"))
				continue;
			url = g_strdup_printf("%s%s%s",
					      base,
					      g_str_has_suffix(base, "/") ? "" : "/",
					      a->value);
			gst_sdp_attribute_set(&abs, "control", url);
			gst_sdp_media_replace_attribute(m, j, &abs);
		}
	}
	return sdp;
}

/* the class handler of "send-message" runs after the server set its own Server header */
static void
nvr_fakecam_rtsp_client_send_message(GstRTSPClient *client, GstRTSPContext *ctx,
				     GstRTSPMessage *response)
{
	NvrFakecamRtspClient *self = NVR_FAKECAM_RTSP_CLIENT(client);

	gst_rtsp_message_remove_header(response, GST_RTSP_HDR_SERVER, -1);
	gst_rtsp_message_add_header(response, GST_RTSP_HDR_SERVER, self->dev->persona->rtsp_server);
}

/* every PLAY turns the server's rate control back on unless told otherwise;
 * the feeders pace the media (see nvr-fakecam-stream.c) */
static GstRTSPStatusCode
nvr_fakecam_rtsp_client_adjust_play_mode(GstRTSPClient *client,
					 GstRTSPContext *ctx,
					 GstRTSPTimeRange **range,
					 GstSeekFlags *flags,
					 gdouble *rate,
					 GstClockTime *trickmode_interval,
					 gboolean *enable_rate_control)
{
	GstRTSPClientClass *parent = GST_RTSP_CLIENT_CLASS(nvr_fakecam_rtsp_client_parent_class);
	GstRTSPStatusCode code = GST_RTSP_STS_OK;

	if (parent->adjust_play_mode != NULL)
		code = parent->adjust_play_mode(client,
						ctx,
						range,
						flags,
						rate,
						trickmode_interval,
						enable_rate_control);
	*enable_rate_control = FALSE;
	return code;
}

/* "url=…/stream=N;seq=S;rtptime=T" with T moved by the stream's jump */
static gchar *
nvr_fakecam_rtsp_client_jump_rtp_info(NvrFakecamStream *stream, const gchar *entry)
{
	NvrFakecamTrack *audio = nvr_fakecam_stream_get_audio(stream);
	const gchar *rtptime = strstr(entry, "rtptime=");
	const gchar *url_end = strchr(entry, ';');
	guint rate = 90000;
	guint64 t;
	gchar *end = NULL;

	if (rtptime == NULL)
		return g_strdup(entry);
	/* stream=0 is the video, stream=1 the audio (nvr-fakecam-media-factory.c) */
	if (url_end != NULL && url_end - entry >= 1 && url_end[-1] == '1' && audio != NULL)
		rate = nvr_fakecam_track_clock_rate(audio);
	t = g_ascii_strtoull(rtptime + 8, &end, 10);
	return g_strdup_printf("%.*s%u%s",
			       (gint)(rtptime + 8 - entry),
			       entry,
			       (guint32)(t + nvr_fakecam_stream_rtp_offset(stream, rate)),
			       end);
}

/*
 * RTP-Info's rtptime comes from the payloader, before the jump probe (see
 * nvr-fakecam-stream.c): a client joining after a jump must get the
 * timestamps it will see.
 */
static GstRTSPStatusCode
nvr_fakecam_rtsp_client_adjust_play_response(GstRTSPClient *client, GstRTSPContext *ctx)
{
	GstRTSPClientClass *parent = GST_RTSP_CLIENT_CLASS(nvr_fakecam_rtsp_client_parent_class);
	GstRTSPStatusCode code = GST_RTSP_STS_OK;
	NvrFakecamStream *stream = ctx->media != NULL ? nvr_fakecam_stream_from_media(ctx->media)
						      : NULL;
	g_auto(GStrv) entries = NULL;
	g_autoptr(GPtrArray) fixed = g_ptr_array_new_with_free_func(g_free);
	gchar *info = NULL;

	if (parent->adjust_play_response != NULL)
		code = parent->adjust_play_response(client, ctx);
	if (stream == NULL || nvr_fakecam_stream_rtp_offset(stream, 90000) == 0 ||
	    gst_rtsp_message_get_header(ctx->response, GST_RTSP_HDR_RTP_INFO, &info, 0) !=
		GST_RTSP_OK)
		return code;
	entries = g_strsplit(info, ",", -1);
	for (guint i = 0; entries[i] != NULL; i++)
		g_ptr_array_add(fixed, nvr_fakecam_rtsp_client_jump_rtp_info(stream, entries[i]));
	g_ptr_array_add(fixed, NULL);
	gst_rtsp_message_remove_header(ctx->response, GST_RTSP_HDR_RTP_INFO, -1);
	gst_rtsp_message_take_header(ctx->response,
				     GST_RTSP_HDR_RTP_INFO,
				     g_strjoinv(",", (gchar **)fixed->pdata));
	return code;
}

static void
nvr_fakecam_rtsp_client_class_init(NvrFakecamRtspClientClass *klass)
{
	GstRTSPClientClass *client_class = GST_RTSP_CLIENT_CLASS(klass);

	client_class->create_sdp = nvr_fakecam_rtsp_client_create_sdp;
	client_class->adjust_play_mode = nvr_fakecam_rtsp_client_adjust_play_mode;
	client_class->adjust_play_response = nvr_fakecam_rtsp_client_adjust_play_response;
	client_class->make_path_from_uri = nvr_fakecam_rtsp_client_make_path_from_uri;
	client_class->send_message = nvr_fakecam_rtsp_client_send_message;
}

static void
nvr_fakecam_rtsp_client_init(NvrFakecamRtspClient *self)
{
}

NvrFakecamRtspClient *
nvr_fakecam_rtsp_client_new(const NvrFakecamDevice *dev)
{
	NvrFakecamRtspClient *self = g_object_new(NVR_TYPE_FAKECAM_RTSP_CLIENT, NULL);

	self->dev = dev;
	return self;
}
