/*
 * nvr-media-fragment.h: one movie fragment, moof + mdat.
 *
 * Layout written (ISO/IEC 14496-12 §8.8):
 *   moof
 *     mfhd  sequence_number (per run, from 1)
 *     traf  one per track that has samples, in track order
 *       tfhd  default-base-is-moof, track_ID
 *       tfdt  version 1: baseMediaDecodeTime, the run's media time
 *       trun  data offset, per sample duration and size; video adds per
 *             sample flags (sync / non-sync) and, when any is non-zero,
 *             composition offsets (version 1, signed)
 *   mdat    the samples of the first traf, then of the second, ...
 *
 * The parser checks every trun against the mdat that follows. Rewriting
 * times (nvr_media_fragment_set_times) never changes a fragment's size.
 */
#pragma once

#include "nvr-media-init.h"

G_BEGIN_DECLS

/* more samples than this in one trun is a hostile fragment */
#define NVR_MEDIA_MAX_SAMPLES (1u << 20)

typedef struct {
	GBytes *data; /* borrowed */
	guint32 duration;
	gint32 cts_offset;
	gboolean sync;
} NvrMediaSample;

typedef struct {
	guint32 track_id;
	gboolean sample_flags; /* video: per-sample flags; audio: every sample is a sync sample */
	guint64 base_decode_time;
	const NvrMediaSample *samples;
	guint n_samples;
} NvrMediaTrafSpec;

GBytes *nvr_media_fragment_write(guint32 sequence, const NvrMediaTrafSpec *trafs, guint n_trafs,
				 GError **error);
/* the same fragment without copying the samples: moof and the mdat header in
 * one GBytes, then a reference to each sample's data, in file order */
GPtrArray *nvr_media_fragment_write_parts(guint32 sequence, const NvrMediaTrafSpec *trafs,
					  guint n_trafs, GError **error);

typedef struct {
	guint32 track_id;
	guint64 base_decode_time;
	guint8 tfdt_version;
	gsize tfdt_pos; /* where the tfdt value is, from the start of the fragment */
	guint32 sample_count;
	guint64 duration; /* of all samples */
	gboolean first_sync;
	guint64 data_size;
} NvrMediaTrafInfo;

typedef struct {
	guint32 sequence;
	gsize sequence_pos;
	guint n_trafs;
	NvrMediaTrafInfo trafs[NVR_MEDIA_MAX_TRACKS];
	gsize moof_size;
	gsize size; /* moof + mdat */
} NvrMediaFragment;

/* @data holds exactly one moof followed by its mdat */
gboolean nvr_media_fragment_parse(const guint8 *data, gsize size, NvrMediaFragment *frag,
				  GError **error);
/* the traf of @track_id, or NULL */
const NvrMediaTrafInfo *nvr_media_fragment_find_traf(const NvrMediaFragment *frag,
						     guint32 track_id);
/* rewrites in place the sequence number and each traf's tfdt (@base_times, one per traf) */
gboolean nvr_media_fragment_set_times(guint8 *data, NvrMediaFragment *frag, guint32 sequence,
				      const guint64 *base_times, GError **error);

G_END_DECLS
