/*
 * nvr-test-clip.h: a short H.264 clip encoded in-test (videotestsrc and
 * x264enc), as the GstSamples of its access units (avc, one AU each), for
 * tests that feed real video to the segmenter and the store writer.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct {
	const gchar *pattern; /* videotestsrc's: "ball", "snow" (noise spends the bit rate) */
	guint width;
	guint height;
	guint frames; /* at 15 fps */
	guint gop;    /* frames from one key frame to the next */
	guint kbps;   /* 0: x264enc's default rate control; else constant bit rate */
} NvrTestClip;

/* Returns: (element-type GstSample) (transfer full): @clip->frames samples */
GPtrArray *
nvr_test_clip_encode(const NvrTestClip *clip);

G_END_DECLS
