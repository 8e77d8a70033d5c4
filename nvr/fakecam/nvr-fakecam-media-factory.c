#include "config.h"

#include <gst/app/gstappsrc.h>

#include "fakecam/nvr-fakecam-media-factory.h"

#define NVR_FAKECAM_APPSRC_MAX_BYTES (8 * 1024 * 1024)

struct _NvrFakecamMediaFactory {
	GstRTSPMediaFactory parent_instance;
	NvrFakecamStream *stream; /* immutable */
	guint mtu;		  /* immutable */
};

G_DEFINE_TYPE(NvrFakecamMediaFactory, nvr_fakecam_media_factory, GST_TYPE_RTSP_MEDIA_FACTORY)

static GstElement *
nvr_fakecam_media_factory_make_src(const gchar *name, GstCaps *caps)
{
	GstElement *src = gst_element_factory_make("appsrc", name);

	/* live: the server prerolls it in PLAYING, and PAUSE does not stop the
	 * camera for the other clients of the shared media */
	g_object_set(src,
		     "caps", caps,
		     "is-live", TRUE,
		     "format", GST_FORMAT_TIME,
		     "max-bytes", (guint64)NVR_FAKECAM_APPSRC_MAX_BYTES,
		     NULL);
	/* a pipeline that cannot keep up drops old AUs instead of growing */
	gst_app_src_set_leaky_type(GST_APP_SRC(src), GST_APP_LEAKY_TYPE_DOWNSTREAM);
	return src;
}

static gboolean
nvr_fakecam_media_factory_add_branch(GstBin *bin,
				     const gchar *src_name,
				     GstCaps *caps,
				     const gchar *pay_factory,
				     const gchar *pay_name,
				     guint pt,
				     guint mtu)
{
	GstElement *src = nvr_fakecam_media_factory_make_src(src_name, caps);
	GstElement *pay = gst_element_factory_make(pay_factory, pay_name);

	if (src == NULL || pay == NULL) {
		g_warning("cannot make %s", pay_factory);
		gst_clear_object(&src);
		gst_clear_object(&pay);
		return FALSE;
	}
	g_object_set(pay, "pt", pt, "mtu", mtu, NULL);
	gst_bin_add_many(bin, src, pay, NULL);
	return gst_element_link(src, pay);
}

/* appsrc name=vsrc ! rtph264pay name=pay0 [appsrc name=asrc ! rtpmp4gpay name=pay1] */
static GstElement *
nvr_fakecam_media_factory_create_element(GstRTSPMediaFactory *factory, const GstRTSPUrl *url)
{
	NvrFakecamMediaFactory *self = NVR_FAKECAM_MEDIA_FACTORY(factory);
	g_autoptr(NvrFakecamTrack) video = nvr_fakecam_stream_dup_video(self->stream);
	NvrFakecamTrack *audio = nvr_fakecam_stream_get_audio(self->stream);
	GstElement *bin = gst_bin_new(NULL);
	g_autoptr(GstElement) pay = NULL;

	if (!nvr_fakecam_media_factory_add_branch(GST_BIN(bin),
						  "vsrc",
						  nvr_fakecam_track_get_caps(video),
						  "rtph264pay",
						  "pay0",
						  96,
						  self->mtu) ||
	    (audio != NULL &&
	     !nvr_fakecam_media_factory_add_branch(GST_BIN(bin),
						   "asrc",
						   nvr_fakecam_track_get_caps(audio),
						   "rtpmp4gpay",
						   "pay1",
						   97,
						   self->mtu))) {
		gst_object_unref(bin);
		return NULL;
	}
	/* SPS and PPS in-band before every IDR, as cameras do; also what makes a
	 * resolution change reach clients that only read the SDP once */
	pay = gst_bin_get_by_name(GST_BIN(bin), "pay0");
	g_object_set(pay, "config-interval", -1, NULL);
	return bin;
}

static void
nvr_fakecam_media_factory_configure(GstRTSPMediaFactory *factory, GstRTSPMedia *media)
{
	NvrFakecamMediaFactory *self = NVR_FAKECAM_MEDIA_FACTORY(factory);

	GST_RTSP_MEDIA_FACTORY_CLASS(nvr_fakecam_media_factory_parent_class)
	    ->configure(factory, media);
	/* the feeders pace the stream; see the notes in nvr-fakecam-stream.c */
	gst_rtsp_media_set_rate_control(media, FALSE);
	nvr_fakecam_stream_attach_media(self->stream, media);
}

static void
nvr_fakecam_media_factory_finalize(GObject *obj)
{
	NvrFakecamMediaFactory *self = NVR_FAKECAM_MEDIA_FACTORY(obj);

	g_clear_object(&self->stream);
	G_OBJECT_CLASS(nvr_fakecam_media_factory_parent_class)->finalize(obj);
}

static void
nvr_fakecam_media_factory_class_init(NvrFakecamMediaFactoryClass *klass)
{
	GstRTSPMediaFactoryClass *factory_class = GST_RTSP_MEDIA_FACTORY_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = nvr_fakecam_media_factory_finalize;
	factory_class->create_element = nvr_fakecam_media_factory_create_element;
	factory_class->configure = nvr_fakecam_media_factory_configure;
}

static void
nvr_fakecam_media_factory_init(NvrFakecamMediaFactory *self)
{
}

/**
 * nvr_fakecam_media_factory_new:
 * @mtu: RTP packet size; cameras use about 1400 even over TCP, and the
 *   recorder's cost is per packet, so the default stays realistic
 */
NvrFakecamMediaFactory *
nvr_fakecam_media_factory_new(NvrFakecamStream *stream, guint mtu)
{
	NvrFakecamMediaFactory *self = g_object_new(NVR_TYPE_FAKECAM_MEDIA_FACTORY, NULL);
	GstRTSPMediaFactory *factory = GST_RTSP_MEDIA_FACTORY(self);

	self->stream = g_object_ref(stream);
	self->mtu = mtu;
	/* one pipeline per mount, like one encoder per camera stream */
	gst_rtsp_media_factory_set_shared(factory, TRUE);
	gst_rtsp_media_factory_set_protocols(factory,
					     GST_RTSP_LOWER_TRANS_TCP | GST_RTSP_LOWER_TRANS_UDP);
	gst_rtsp_media_factory_set_suspend_mode(factory, GST_RTSP_SUSPEND_MODE_NONE);
	return self;
}

/* Returns: (transfer none) */
NvrFakecamStream *
nvr_fakecam_media_factory_get_stream(NvrFakecamMediaFactory *self)
{
	return self->stream;
}
