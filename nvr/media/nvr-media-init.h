/*
 * nvr-media-init.h: the init segment (ftyp + moov) of a fragmented MP4.
 *
 * The writer is a pure function of the track configs (no clock, no
 * counters): identical configs give identical bytes, so the index can key
 * codec configurations by nvr_media_init_hash(). Track i gets track_ID i + 1.
 * The parser reads our own init segments and well-behaved foreign ones
 * back into track configs, for export and for the live MIME type.
 */
#pragma once

#include "nvr-media-track.h"

G_BEGIN_DECLS

#define NVR_MEDIA_MAX_TRACKS 4

/* mvhd and mehd count in milliseconds */
#define NVR_MEDIA_MOVIE_TIMESCALE 1000

typedef struct {
	guint n_tracks;
	guint32 track_ids[NVR_MEDIA_MAX_TRACKS];
	NvrMediaTrackConfig *tracks[NVR_MEDIA_MAX_TRACKS];
	guint64 duration; /* mehd, in NVR_MEDIA_MOVIE_TIMESCALE units; 0: not stated */
} NvrMediaInit;

/* @duration_ms: written as mehd (export); 0 for recording and live */
GBytes *nvr_media_init_write(NvrMediaTrackConfig *const *tracks, guint n_tracks,
			     guint64 duration_ms);
NvrMediaInit *nvr_media_init_parse(const guint8 *data, gsize size, GError **error);
void nvr_media_init_free(NvrMediaInit *init);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrMediaInit, nvr_media_init_free)

/* index into init->tracks, or -1 */
gint nvr_media_init_find_track(const NvrMediaInit *init, guint32 track_id);
/* 'video/mp4; codecs="avc1.640028,mp4a.40.2"', for MSE */
gchar *nvr_media_init_dup_mime_type(const NvrMediaInit *init);
/* lower-case hex SHA-256 of the init segment bytes */
gchar *nvr_media_init_hash(GBytes *init);

G_END_DECLS
