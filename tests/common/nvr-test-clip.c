/*
 * nvr-test-clip.c: see nvr-test-clip.h.
 */
#include "config.h"

#include "nvr-test-clip.h"

#include <gst/app/gstappsink.h>

GPtrArray *
nvr_test_clip_encode(const NvrTestClip *clip)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *rate = clip->kbps == 0 ? g_strdup("")
						  : g_strdup_printf("bitrate=%u pass=cbr "
								    "vbv-buf-capacity=1000 ",
								    clip->kbps);
	g_autofree gchar *desc = g_strdup_printf(
		"videotestsrc num-buffers=%u pattern=%s ! "
		"video/x-raw,format=I420,width=%u,height=%u,framerate=15/1 ! "
		"x264enc speed-preset=ultrafast key-int-max=%u bframes=0 threads=1 %s! h264parse ! "
		"video/x-h264,stream-format=avc,alignment=au ! appsink name=v sync=false",
		clip->frames, clip->pattern, clip->width, clip->height, clip->gop, rate);
	g_autoptr(GstElement) p = gst_parse_launch(desc, &error);
	g_autoptr(GstElement) sink = NULL;
	GPtrArray *samples = g_ptr_array_new_with_free_func((GDestroyNotify)gst_sample_unref);
	GstSample *s;

	g_assert_no_error(error);
	sink = gst_bin_get_by_name(GST_BIN(p), "v");
	gst_element_set_state(p, GST_STATE_PLAYING);
	while ((s = gst_app_sink_pull_sample(GST_APP_SINK(sink))) != NULL)
		g_ptr_array_add(samples, s);
	gst_element_set_state(p, GST_STATE_NULL);
	g_assert_cmpuint(samples->len, ==, clip->frames);
	return samples;
}
