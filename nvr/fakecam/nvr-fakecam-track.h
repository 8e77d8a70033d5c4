/*
 * nvr-fakecam-track.h: one encoded elementary stream held in memory, the
 * access units (AUs) of a clip (H.264 in AVC form, or raw AAC) that the
 * feeders loop without re-encoding. Immutable once built, so any number of
 * feeders in any thread may read it.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define NVR_TYPE_FAKECAM_TRACK (nvr_fakecam_track_get_type())
G_DECLARE_FINAL_TYPE(NvrFakecamTrack, nvr_fakecam_track, NVR, FAKECAM_TRACK, GObject)

typedef enum {
	NVR_FAKECAM_TRACK_VIDEO = 0, /* video/x-h264, stream-format=avc, alignment=au */
	NVR_FAKECAM_TRACK_AUDIO = 1, /* audio/mpeg, mpegversion=4, stream-format=raw */
} NvrFakecamTrackKind;

/* bounds for what a track may hold; a cache file claiming more is corrupt */
#define NVR_FAKECAM_TRACK_MAX_AUS    100000
#define NVR_FAKECAM_TRACK_MAX_AU     (8 * 1024 * 1024)
#define NVR_FAKECAM_TRACK_MAX_CAPS   (64 * 1024)

NvrFakecamTrack *
nvr_fakecam_track_new(GstCaps *caps, GPtrArray *aus, GError **error);
NvrFakecamTrackKind
nvr_fakecam_track_get_kind(NvrFakecamTrack *self);
GstCaps *
nvr_fakecam_track_get_caps(NvrFakecamTrack *self);
guint
nvr_fakecam_track_get_width(NvrFakecamTrack *self);
guint
nvr_fakecam_track_get_height(NvrFakecamTrack *self);
guint
nvr_fakecam_track_get_n_aus(NvrFakecamTrack *self);
GstClockTime
nvr_fakecam_track_get_duration(NvrFakecamTrack *self);
guint64
nvr_fakecam_track_get_bytes(NvrFakecamTrack *self);
GstBuffer *
nvr_fakecam_track_get_au(NvrFakecamTrack *self, guint idx);
GstClockTime
nvr_fakecam_track_get_au_duration(NvrFakecamTrack *self, guint idx);
gboolean
nvr_fakecam_track_is_key(NvrFakecamTrack *self, guint idx);
guint
nvr_fakecam_track_clock_rate(NvrFakecamTrack *track);

void
nvr_fakecam_track_serialize(NvrFakecamTrack *self, GByteArray *out);
NvrFakecamTrack *
nvr_fakecam_track_parse(GBytes *bytes, gsize *offset, GError **error);

G_END_DECLS
