/*
 * nvr-media-segmenter.h: turns access units into init segments and
 * fragments, for storage (one fragment per GOP) and live (one per frame).
 * The notes at the top of nvr-media-segmenter.c describe the state machine.
 */
#pragma once

#include <glib-object.h>

#include "nvr-media-au.h"
#include "nvr-media-gop-index.h"
#include "nvr-media-init.h"

G_BEGIN_DECLS

typedef enum {
	NVR_MEDIA_MODE_STORAGE, /* one fragment per GOP, audio in its own traf */
	NVR_MEDIA_MODE_LIVE,	/* one fragment per access unit, as soon as it arrives */
} NvrMediaMode;

typedef enum {
	NVR_MEDIA_CHUNK_SEGMENT_START, /* bytes: the init segment; a new file begins */
	NVR_MEDIA_CHUNK_FRAGMENT,      /* bytes: moof + mdat, appended to the open segment */
	NVR_MEDIA_CHUNK_SEGMENT_END,   /* bytes: the GOP index blob of the segment that ended */
} NvrMediaChunkKind;

typedef enum {
	NVR_MEDIA_SEGMENT_REASON_RUN_START = 1, /* first key frame of a run */
	NVR_MEDIA_SEGMENT_REASON_CONFIG, /* SPS/PPS/VPS, resolution or audio format changed */
	NVR_MEDIA_SEGMENT_REASON_ROTATE, /* rotate-after elapsed, or a rotation was requested */
} NvrMediaSegmentReason;

typedef struct {
	guint track;  /* 0, or an audio track for live audio fragments */
	gint64 start; /* media time of its first sample, in that track's timescale */
	guint64 duration;
	guint frames;	   /* samples of that track */
	guint32 sequence;  /* mfhd */
	gboolean keyframe; /* starts with a key frame: a decoder can start here */
	guint64 offset;	   /* plaintext bytes from the start of the segment */
	guint64 length;
} NvrMediaFragmentInfo;

typedef struct {
	gint64 start; /* media time of the first key frame (primary timescale) */
	guint64 duration;
	guint64 bytes; /* init segment and all fragments */
	guint fragments;
	guint64 frames; /* primary-track samples */
} NvrMediaSegmentInfo;

typedef struct {
	NvrMediaChunkKind kind;
	GBytes *bytes; /* NULL for a FRAGMENT given as parts */
	GPtrArray *parts; /* FRAGMENT with set_fragment_parts: GBytes to write in order */
	NvrMediaSegmentReason reason;  /* SEGMENT_START */
	gchar *mime_type;	       /* SEGMENT_START: 'video/mp4; codecs="..."' */
	gchar *init_hash;	       /* SEGMENT_START: nvr_media_init_hash() */
	NvrMediaFragmentInfo fragment; /* FRAGMENT */
	NvrMediaSegmentInfo segment;   /* SEGMENT_END */
} NvrMediaChunk;

NvrMediaChunk *nvr_media_chunk_ref(NvrMediaChunk *chunk);
void nvr_media_chunk_unref(NvrMediaChunk *chunk);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrMediaChunk, nvr_media_chunk_unref)

#define NVR_MEDIA_TYPE_SEGMENTER (nvr_media_segmenter_get_type())
G_DECLARE_FINAL_TYPE(NvrMediaSegmenter, nvr_media_segmenter, NVR_MEDIA, SEGMENTER, GObject)

NvrMediaSegmenter *nvr_media_segmenter_new(NvrMediaMode mode);
/* track 0 is the (one) video track; tracks 1.. are audio */
gboolean nvr_media_segmenter_set_track(NvrMediaSegmenter *self, guint track,
				       NvrMediaTrackConfig *config, GError **error);
/* FALSE with NVR_MEDIA_ERROR_TIME_* when the run must be split (call finish),
 * with NVR_ERROR_PARSE when the access unit is malformed (dropped; video then
 * waits for the next key frame), NVR_ERROR_INVALID_ARGUMENT for an unset track */
gboolean nvr_media_segmenter_push(NvrMediaSegmenter *self, const NvrMediaAu *au, GError **error);
/* end of run: writes what is pending, ends the segment; the next key frame
 * starts a new run (new sequence numbers, any decode time) */
gboolean nvr_media_segmenter_finish(NvrMediaSegmenter *self, GError **error);
/* Returns: (transfer full) (nullable): the next chunk, in order */
NvrMediaChunk *nvr_media_segmenter_pop(NvrMediaSegmenter *self);

/* start a new segment at the next key frame */
void nvr_media_segmenter_request_rotate(NvrMediaSegmenter *self);
/* rotate at the first key frame @duration after the segment start (primary
 * timescale); 0: only on request */
void nvr_media_segmenter_set_rotate_after(NvrMediaSegmenter *self, guint64 duration);
/* @max_gap: largest decode time step on a track (primary timescale);
 * @max_fragment_duration, @max_fragment_bytes: a GOP longer than this is
 * cut at the next frame (the fragment after the cut does not start with a
 * key frame) */
void nvr_media_segmenter_set_limits(NvrMediaSegmenter *self, guint64 max_gap,
				    guint64 max_fragment_duration, guint64 max_fragment_bytes);
/* FRAGMENT chunks carry parts (moof + mdat header, then the samples' own
 * bytes) instead of one copy: a GOP is then in memory once, not twice */
void nvr_media_segmenter_set_fragment_parts(NvrMediaSegmenter *self, gboolean parts);
/* Returns: (transfer none) (nullable): the open segment's index (storage mode) */
const NvrMediaGopIndex *nvr_media_segmenter_get_gop_index(NvrMediaSegmenter *self);
/* access units dropped while waiting for a key frame or a segment */
guint64 nvr_media_segmenter_get_dropped(NvrMediaSegmenter *self);

G_END_DECLS
