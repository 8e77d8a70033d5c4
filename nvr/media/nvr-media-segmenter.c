/*
 * notes on the media module and its segmenter
 *
 * We write ISO BMFF ourselves (DESIGN.md §3): one code path for storage,
 * live and export, tfdt continuous across the segments of a run, exact
 * plaintext offsets for the GOP index, and a file that is only appended to.
 *
 *   nvr-media-track   codec config from caps; avcC/hvcC/ASC checked
 *   nvr-media-init    ftyp+moov (write, parse back), MIME type, hash
 *   nvr-media-fragment moof+mdat (write, parse, rewrite times)
 *   nvr-media-gop-index the per-segment index blob
 *   nvr-media-segmenter this file: AUs in, chunks out
 *   nvr-media-export  reader side: layout of a segment, concatenation with
 *                     continuous times, a standalone fragmented MP4
 *
 * segmenter states (per run)
 *
 *   IDLE --video key frame--> IN_SEGMENT --key frame, config changed or
 *     ^                           |          rotation due--> IN_SEGMENT (new)
 *     +-------- finish() ---------+
 *
 *   IDLE drops every AU. A segment begins at a video key frame and ends
 *   with SEGMENT_END (GOP index, totals) before the next begins. Its
 *   SEGMENT_START chunk (the init segment) is queued just before its first
 *   fragment: a track whose first caps arrive during that first fragment
 *   (audio caps often come a little after video) joins the segment instead
 *   of forcing a new one.
 *   set_track() with a different config marks the change; the next key
 *   frame starts a new segment (SEGMENT_START reason CONFIG). Until then
 *   video deltas and that track's audio are dropped: they would not match
 *   the open segment's init.
 *
 * fragments
 *   storage: a video key frame closes the pending GOP into one fragment.
 *     Video sample durations are dts deltas; the last one's is the next
 *     key frame's dts minus its own, so fragment i+1 starts exactly where
 *     fragment i ends. Audio AUs go into a second traf by their time: the
 *     ones before the presentation time of the key frame that closes the
 *     GOP (audio arrives ahead of the video of the same instant, by the
 *     encoder's latency and B-frames; an export that begins at a key frame
 *     would otherwise lack that much audio), and of those never the
 *     newest, which waits for its successor so that its duration is a
 *     delta too; the rest are carried into the next fragment, even into the
 *     next segment when the audio config is unchanged.
 *     A GOP longer than max-fragment-duration/-bytes is cut before the
 *     next frame (known successor, so still contiguous; keyframe FALSE).
 *   live: each AU is a fragment as soon as it arrives; its duration is
 *     estimated (below). tfdt is the AU's own dts, so estimates never
 *     accumulate. No GOP index is kept.
 *   estimate, when no successor is known (live; the last AU of a run):
 *     video: the delta to the previous frame, else the buffer duration,
 *     else the caps frame rate, else 1/25 s; audio: the buffer duration,
 *     else the codec's frame length (AAC 1024/960 samples, G.711 one
 *     sample per byte and channel). Clamped to 1 .. max-gap.
 *
 * invariants
 *   (1) decode times strictly increase on each track, by at most max-gap;
 *       a violation is NVR_MEDIA_ERROR_TIME_* and changes no state, so the
 *       recorder can finish() the run and start another
 *   (2) the first fragment of a segment starts with a key frame; every
 *       fragment of a storage segment starts where the previous ended, in
 *       media time and in bytes (the GOP index relies on it)
 *   (3) mfhd sequence numbers increase by one per fragment within a run
 *   (4) an init segment is a function of the track configs only
 *   (5) a chunk's bytes are never modified after it is queued
 *
 * The segmenter is not thread-safe: one writer thread owns it.
 */
#include "config.h"

#include "core/nvr-error.h"

#include "nvr-media-codec.h"
#include "nvr-media-error.h"
#include "nvr-media-fragment.h"
#include "nvr-media-segmenter.h"

#define NVR_MEDIA_DEFAULT_MAX_GAP (10 * NVR_MEDIA_VIDEO_TIMESCALE)
#define NVR_MEDIA_DEFAULT_MAX_FRAGMENT_DURATION (20 * NVR_MEDIA_VIDEO_TIMESCALE)
#define NVR_MEDIA_DEFAULT_MAX_FRAGMENT_BYTES (32 * 1024 * 1024)
/* one AU larger than this is not a camera frame */
#define NVR_MEDIA_MAX_AU_BYTES (16 * 1024 * 1024)

typedef struct {
	GBytes *data;
	gint64 dts;
	gint32 cts_offset;
	guint32 estimate; /* duration if no successor is known */
	gboolean keyframe;
} NvrMediaPending;

typedef struct {
	NvrMediaTrackConfig *config;	     /* latest, from set_track() */
	NvrMediaTrackConfig *segment_config; /* in the open segment's init, or NULL */
	guint32 track_id;		     /* in the open segment; 0: not in it */
	GArray *pending;		     /* NvrMediaPending, oldest first */
	guint64 pending_bytes;
	gboolean have_last;
	gint64 last_dts;
	guint32 last_delta;
} NvrMediaSegTrack;

struct _NvrMediaSegmenter {
	GObject parent_instance;
	NvrMediaMode mode; /* immutable */
	NvrMediaSegTrack tracks[NVR_MEDIA_MAX_TRACKS];
	gboolean in_segment;
	gboolean need_keyframe;	 /* a video AU was dropped or rejected */
	gboolean config_changed; /* the next key frame starts a new segment */
	gboolean rotate_requested;
	gboolean run_started;	      /* a segment was started in this run */
	gboolean init_pending;	      /* the open segment's SEGMENT_START is not queued yet */
	NvrMediaSegmentReason reason; /* of the open segment */
	guint64 rotate_after;
	guint64 max_gap;
	guint64 max_fragment_duration;
	guint64 max_fragment_bytes;
	guint32 sequence; /* of the last fragment in this run */
	gint64 segment_start;
	guint64 segment_bytes;
	guint segment_fragments;
	guint64 segment_frames;
	gint64 segment_end; /* end of the last video sample written */
	NvrMediaGopIndex *index;
	GQueue chunks; /* NvrMediaChunk, oldest first */
	gboolean fragment_parts;
	guint64 dropped;
};

G_DEFINE_TYPE(NvrMediaSegmenter, nvr_media_segmenter, G_TYPE_OBJECT)

static void nvr_media_segmenter_emit_init(NvrMediaSegmenter *self);

static void
nvr_media_chunk_clear(gpointer data)
{
	NvrMediaChunk *chunk = data;

	g_clear_pointer(&chunk->bytes, g_bytes_unref);
	g_clear_pointer(&chunk->parts, g_ptr_array_unref);
	g_clear_pointer(&chunk->mime_type, g_free);
	g_clear_pointer(&chunk->init_hash, g_free);
}

NvrMediaChunk *
nvr_media_chunk_ref(NvrMediaChunk *chunk)
{
	return g_atomic_rc_box_acquire(chunk);
}

void
nvr_media_chunk_unref(NvrMediaChunk *chunk)
{
	g_atomic_rc_box_release_full(chunk, nvr_media_chunk_clear);
}

static NvrMediaChunk *
nvr_media_chunk_new(NvrMediaChunkKind kind, GBytes *bytes)
{
	NvrMediaChunk *chunk = g_atomic_rc_box_new0(NvrMediaChunk);

	chunk->kind = kind;
	chunk->bytes = bytes; /* takes it */
	return chunk;
}

static void
nvr_media_pending_clear(gpointer data)
{
	NvrMediaPending *p = data;

	g_clear_pointer(&p->data, g_bytes_unref);
}

static void
nvr_media_segmenter_finalize(GObject *object)
{
	NvrMediaSegmenter *self = NVR_MEDIA_SEGMENTER(object);

	for (guint i = 0; i < NVR_MEDIA_MAX_TRACKS; i++) {
		NvrMediaSegTrack *t = &self->tracks[i];

		g_clear_pointer(&t->config, nvr_media_track_config_unref);
		g_clear_pointer(&t->segment_config, nvr_media_track_config_unref);
		g_array_unref(t->pending);
	}
	g_clear_pointer(&self->index, nvr_media_gop_index_free);
	g_queue_clear_full(&self->chunks, (GDestroyNotify)nvr_media_chunk_unref);
	G_OBJECT_CLASS(nvr_media_segmenter_parent_class)->finalize(object);
}

static void
nvr_media_segmenter_class_init(NvrMediaSegmenterClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_media_segmenter_finalize;
}

static void
nvr_media_segmenter_init(NvrMediaSegmenter *self)
{
	for (guint i = 0; i < NVR_MEDIA_MAX_TRACKS; i++) {
		self->tracks[i].pending = g_array_new(FALSE, FALSE, sizeof(NvrMediaPending));
		g_array_set_clear_func(self->tracks[i].pending, nvr_media_pending_clear);
	}
	self->max_gap = NVR_MEDIA_DEFAULT_MAX_GAP;
	self->max_fragment_duration = NVR_MEDIA_DEFAULT_MAX_FRAGMENT_DURATION;
	self->max_fragment_bytes = NVR_MEDIA_DEFAULT_MAX_FRAGMENT_BYTES;
	g_queue_init(&self->chunks);
}

NvrMediaSegmenter *
nvr_media_segmenter_new(NvrMediaMode mode)
{
	NvrMediaSegmenter *self = g_object_new(NVR_MEDIA_TYPE_SEGMENTER, NULL);

	self->mode = mode;
	return self;
}

void
nvr_media_segmenter_request_rotate(NvrMediaSegmenter *self)
{
	g_return_if_fail(NVR_MEDIA_IS_SEGMENTER(self));
	self->rotate_requested = TRUE;
}

void
nvr_media_segmenter_set_rotate_after(NvrMediaSegmenter *self, guint64 duration)
{
	g_return_if_fail(NVR_MEDIA_IS_SEGMENTER(self));
	self->rotate_after = duration;
}

void
nvr_media_segmenter_set_fragment_parts(NvrMediaSegmenter *self, gboolean parts)
{
	g_return_if_fail(NVR_MEDIA_IS_SEGMENTER(self));
	self->fragment_parts = parts;
}

void
nvr_media_segmenter_set_limits(NvrMediaSegmenter *self, guint64 max_gap,
			       guint64 max_fragment_duration, guint64 max_fragment_bytes)
{
	g_return_if_fail(NVR_MEDIA_IS_SEGMENTER(self));
	g_return_if_fail(max_gap > 0 && max_gap <= G_MAXUINT32);
	self->max_gap = max_gap;
	self->max_fragment_duration = max_fragment_duration;
	self->max_fragment_bytes = max_fragment_bytes;
}

const NvrMediaGopIndex *
nvr_media_segmenter_get_gop_index(NvrMediaSegmenter *self)
{
	g_return_val_if_fail(NVR_MEDIA_IS_SEGMENTER(self), NULL);
	if (self->mode != NVR_MEDIA_MODE_STORAGE || !self->in_segment)
		return NULL;
	return self->index;
}

guint64
nvr_media_segmenter_get_dropped(NvrMediaSegmenter *self)
{
	g_return_val_if_fail(NVR_MEDIA_IS_SEGMENTER(self), 0);
	return self->dropped;
}

NvrMediaChunk *
nvr_media_segmenter_pop(NvrMediaSegmenter *self)
{
	g_return_val_if_fail(NVR_MEDIA_IS_SEGMENTER(self), NULL);
	return g_queue_pop_head(&self->chunks);
}

gboolean
nvr_media_segmenter_set_track(NvrMediaSegmenter *self, guint track, NvrMediaTrackConfig *config,
			      GError **error)
{
	NvrMediaSegTrack *t;

	g_return_val_if_fail(NVR_MEDIA_IS_SEGMENTER(self), FALSE);
	g_return_val_if_fail(config != NULL, FALSE);
	if (track >= NVR_MEDIA_MAX_TRACKS ||
	    (track == 0) != nvr_media_track_config_is_video(config)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED,
			    "track %u cannot be %s: track 0 is the one video track", track,
			    nvr_media_codec_to_string(config->codec));
		return FALSE;
	}
	t = &self->tracks[track];
	if (nvr_media_track_config_equal(t->config, config))
		return TRUE;
	g_clear_pointer(&t->config, nvr_media_track_config_unref);
	t->config = nvr_media_track_config_ref(config);
	if (self->in_segment && self->init_pending && t->segment_config == NULL) {
		t->segment_config = nvr_media_track_config_ref(config); /* joins */
		return TRUE;
	}
	self->config_changed = TRUE;
	if (track == 0)
		self->need_keyframe = TRUE;
	return TRUE;
}

/* invariant (1) */
static gboolean
nvr_media_segmenter_check_time(NvrMediaSegmenter *self, const NvrMediaSegTrack *t,
			       const NvrMediaAu *au, GError **error)
{
	guint64 max_gap = gst_util_uint64_scale(self->max_gap, t->config->timescale,
						NVR_MEDIA_VIDEO_TIMESCALE);

	if (au->dts < 0) {
		g_set_error(error, NVR_MEDIA_ERROR, NVR_MEDIA_ERROR_TIME_BACKWARDS,
			    "track %u: negative decode time %" G_GINT64_FORMAT, au->track, au->dts);
		return FALSE;
	}
	if (!t->have_last)
		return TRUE;
	if (au->dts <= t->last_dts) {
		g_set_error(error, NVR_MEDIA_ERROR, NVR_MEDIA_ERROR_TIME_BACKWARDS,
			    "track %u: decode time %" G_GINT64_FORMAT " after %" G_GINT64_FORMAT,
			    au->track, au->dts, t->last_dts);
		return FALSE;
	}
	if ((guint64)(au->dts - t->last_dts) > max_gap) {
		g_set_error(error, NVR_MEDIA_ERROR, NVR_MEDIA_ERROR_TIME_JUMP,
			    "track %u: decode time jumped by %" G_GINT64_FORMAT " (%u Hz)",
			    au->track, au->dts - t->last_dts, t->config->timescale);
		return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_media_segmenter_check_data(const NvrMediaSegTrack *t, const NvrMediaAu *au, GError **error)
{
	gsize size = g_bytes_get_size(au->data);

	if (size == 0 || size > NVR_MEDIA_MAX_AU_BYTES) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE,
			    "track %u: access unit of %" G_GSIZE_FORMAT " bytes", au->track, size);
		return FALSE;
	}
	if (!nvr_media_track_config_is_video(t->config))
		return TRUE;
	if (!nvr_media_nal_units_check(g_bytes_get_data(au->data, NULL), size,
				       t->config->nal_length_size, error)) {
		g_prefix_error(error, "track %u: ", au->track);
		return FALSE;
	}
	return TRUE;
}

static guint32
nvr_media_segmenter_clamp_duration(NvrMediaSegmenter *self, const NvrMediaSegTrack *t, guint64 d)
{
	guint64 max = gst_util_uint64_scale(self->max_gap, t->config->timescale,
					    NVR_MEDIA_VIDEO_TIMESCALE);

	return (guint32)CLAMP(d, 1, MAX(max, 1));
}

/* the duration of an AU if no successor is known (see the notes) */
static guint32
nvr_media_segmenter_estimate(NvrMediaSegmenter *self, const NvrMediaSegTrack *t,
			     const NvrMediaAu *au)
{
	gsize size = g_bytes_get_size(au->data);
	guint64 d;

	if (nvr_media_track_config_is_video(t->config)) {
		d = t->have_last ? t->last_delta : 0;
		if (d == 0)
			d = au->duration;
	} else {
		d = au->duration;
	}
	if (d == 0)
		d = nvr_media_track_config_nominal_duration(t->config, size);
	return nvr_media_segmenter_clamp_duration(self, t, d);
}

static void
nvr_media_segmenter_append(NvrMediaSegTrack *t, const NvrMediaAu *au, guint32 estimate)
{
	NvrMediaPending p = {.data = g_bytes_ref(au->data),
			     .dts = au->dts,
			     .cts_offset = au->cts_offset,
			     .estimate = estimate,
			     .keyframe = au->keyframe};

	g_array_append_val(t->pending, p);
	t->pending_bytes += g_bytes_get_size(au->data);
}

/* samples of one track for the next fragment; @n: how many pending AUs go in */
static NvrMediaSample *
nvr_media_segmenter_samples(NvrMediaSegmenter *self, NvrMediaSegTrack *t, guint n, gint64 next_dts,
			    guint64 *duration)
{
	NvrMediaSample *samples = g_new0(NvrMediaSample, n);

	*duration = 0;
	for (guint i = 0; i < n; i++) {
		NvrMediaPending *p = &g_array_index(t->pending, NvrMediaPending, i);
		gint64 next = i + 1 < t->pending->len
				      ? g_array_index(t->pending, NvrMediaPending, i + 1).dts
				      : next_dts;

		samples[i].data = p->data;
		samples[i].duration = next > p->dts ? nvr_media_segmenter_clamp_duration(
							      self, t, (guint64)(next - p->dts))
						    : p->estimate;
		samples[i].cts_offset = p->cts_offset;
		samples[i].sync = nvr_media_track_config_is_video(t->config) ? p->keyframe : TRUE;
		*duration += samples[i].duration;
	}
	return samples;
}

static void
nvr_media_segmenter_consume(NvrMediaSegTrack *t, guint n)
{
	for (guint i = 0; i < n; i++)
		t->pending_bytes -=
			g_bytes_get_size(g_array_index(t->pending, NvrMediaPending, i).data);
	g_array_remove_range(t->pending, 0, n);
}

/* how many of a track's pending AUs the next fragment takes; @split: the
 * presentation time (90 kHz) of the video that begins the next fragment,
 * or -1 */
static guint
nvr_media_segmenter_take_count(NvrMediaSegmenter *self, NvrMediaSegTrack *t, guint track,
			       gboolean final, gint64 split)
{
	guint n = t->pending->len;

	if (track == 0 || n == 0 || final || self->mode != NVR_MEDIA_MODE_STORAGE ||
	    !nvr_media_track_config_equal(t->config, t->segment_config))
		return n;
	/* audio comes ahead of the video of the same instant (encoder latency,
	 * B-frames): what is heard from the next video on goes with it */
	if (split >= 0) {
		n = 0;
		while (n < t->pending->len &&
		       (gint64)gst_util_uint64_scale(
			   (guint64)g_array_index(t->pending, NvrMediaPending, n).dts,
			   NVR_MEDIA_VIDEO_TIMESCALE, t->config->timescale) < split)
			n++;
	}
	/* and keeps its newest AU until its successor tells its duration */
	return n == t->pending->len ? n - 1 : n;
}

static gboolean
nvr_media_segmenter_index_fragment(NvrMediaSegmenter *self, const NvrMediaFragmentInfo *info,
				   GError **error)
{
	NvrMediaGopEntry e = {.start = (guint64)info->start,
			      .offset = info->offset,
			      .duration = info->duration,
			      .length = info->length,
			      .frames = info->frames,
			      .keyframe = info->keyframe};

	if (self->mode != NVR_MEDIA_MODE_STORAGE)
		return TRUE;
	if (info->track != 0) { /* no video in it: a zero-length step in time */
		e.start = nvr_media_gop_index_get_end_time(self->index);
		e.duration = 0;
		e.keyframe = FALSE;
		if (nvr_media_gop_index_get_count(self->index) == 0)
			e.start = (guint64)self->segment_start;
	}
	return nvr_media_gop_index_append(self->index, &e, error);
}

static void
nvr_media_segmenter_fragment_info(NvrMediaFragmentInfo *info, guint track,
				  const NvrMediaSegTrack *t, guint n, guint64 duration)
{
	const NvrMediaPending *first = &g_array_index(t->pending, NvrMediaPending, 0);

	info->track = track;
	info->start = first->dts;
	info->duration = duration;
	info->frames = n;
	info->keyframe = track == 0 ? first->keyframe : TRUE;
}

static guint64
nvr_media_parts_size(GPtrArray *parts)
{
	guint64 size = 0;

	for (guint i = 0; i < parts->len; i++)
		size += g_bytes_get_size(g_ptr_array_index(parts, i));
	return size;
}

/* writes pending AUs as one fragment; @next: the successor of the last
 * video AU, or NULL when unknown; @final: flush audio completely */
static gboolean
nvr_media_segmenter_close_fragment(NvrMediaSegmenter *self, const NvrMediaAu *next, gboolean final,
				   GError **error)
{
	gint64 video_next_dts = next != NULL ? next->dts : -1;
	gint64 split = next != NULL ? next->dts + next->cts_offset : -1;
	NvrMediaSample *samples[NVR_MEDIA_MAX_TRACKS] = {NULL};
	NvrMediaTrafSpec trafs[NVR_MEDIA_MAX_TRACKS];
	guint counts[NVR_MEDIA_MAX_TRACKS] = {0}, n_trafs = 0;
	NvrMediaFragmentInfo info = {0};
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GPtrArray) parts = NULL;
	NvrMediaChunk *chunk;

	for (guint i = 0; i < NVR_MEDIA_MAX_TRACKS; i++) {
		NvrMediaSegTrack *t = &self->tracks[i];
		guint64 duration;

		if (t->segment_config == NULL)
			continue;
		counts[i] = nvr_media_segmenter_take_count(self, t, i, final, split);
		if (counts[i] == 0)
			continue;
		samples[i] = nvr_media_segmenter_samples(self, t, counts[i],
							 i == 0 ? video_next_dts : -1, &duration);
		if (n_trafs == 0)
			nvr_media_segmenter_fragment_info(&info, i, t, counts[i], duration);
		trafs[n_trafs++] = (NvrMediaTrafSpec){
			.track_id = i, /* our index until the init numbers the tracks */
			.sample_flags = i == 0,
			.base_decode_time =
				(guint64)g_array_index(t->pending, NvrMediaPending, 0).dts,
			.samples = samples[i],
			.n_samples = counts[i]};
	}
	if (n_trafs == 0)
		return TRUE;
	if (self->init_pending)
		nvr_media_segmenter_emit_init(self);
	for (guint i = 0; i < n_trafs; i++)
		trafs[i].track_id = self->tracks[trafs[i].track_id].track_id;
	if (self->fragment_parts)
		parts = nvr_media_fragment_write_parts(self->sequence + 1, trafs, n_trafs, error);
	else
		bytes = nvr_media_fragment_write(self->sequence + 1, trafs, n_trafs, error);
	for (guint i = 0; i < NVR_MEDIA_MAX_TRACKS; i++) {
		g_clear_pointer(&samples[i], g_free);
		if (bytes != NULL || parts != NULL)
			nvr_media_segmenter_consume(&self->tracks[i], counts[i]);
	}
	if (bytes == NULL && parts == NULL)
		return FALSE;
	info.sequence = ++self->sequence;
	info.offset = self->segment_bytes;
	info.length = bytes != NULL ? g_bytes_get_size(bytes) : nvr_media_parts_size(parts);
	if (!nvr_media_segmenter_index_fragment(self, &info, error))
		return FALSE;
	self->segment_bytes += info.length;
	self->segment_fragments++;
	if (info.track == 0) {
		self->segment_frames += info.frames;
		self->segment_end = info.start + (gint64)info.duration;
	}
	chunk = nvr_media_chunk_new(NVR_MEDIA_CHUNK_FRAGMENT, g_steal_pointer(&bytes));
	chunk->parts = g_steal_pointer(&parts);
	chunk->fragment = info;
	g_queue_push_tail(&self->chunks, chunk);
	return TRUE;
}

static void
nvr_media_segmenter_end_segment(NvrMediaSegmenter *self)
{
	NvrMediaChunk *chunk;

	if (self->init_pending)
		nvr_media_segmenter_emit_init(self);
	chunk = nvr_media_chunk_new(NVR_MEDIA_CHUNK_SEGMENT_END,
				    nvr_media_gop_index_encode(self->index));
	chunk->segment.start = self->segment_start;
	chunk->segment.duration = (guint64)(self->segment_end - self->segment_start);
	chunk->segment.bytes = self->segment_bytes;
	chunk->segment.fragments = self->segment_fragments;
	chunk->segment.frames = self->segment_frames;
	g_queue_push_tail(&self->chunks, chunk);
	self->in_segment = FALSE;
	for (guint i = 0; i < NVR_MEDIA_MAX_TRACKS; i++) {
		NvrMediaSegTrack *t = &self->tracks[i];

		g_clear_pointer(&t->segment_config, nvr_media_track_config_unref);
		t->track_id = 0;
	}
}

/* queues SEGMENT_START for the tracks in the open segment, numbering them */
static void
nvr_media_segmenter_emit_init(NvrMediaSegmenter *self)
{
	NvrMediaTrackConfig *configs[NVR_MEDIA_MAX_TRACKS];
	g_autoptr(NvrMediaInit) init = g_new0(NvrMediaInit, 1);
	NvrMediaChunk *chunk;
	guint n = 0;

	for (guint i = 0; i < NVR_MEDIA_MAX_TRACKS; i++) {
		NvrMediaSegTrack *t = &self->tracks[i];

		if (t->segment_config == NULL)
			continue;
		t->track_id = n + 1;
		init->track_ids[n] = t->track_id;
		init->tracks[n] = nvr_media_track_config_ref(t->segment_config);
		configs[n++] = t->segment_config;
	}
	init->n_tracks = n;
	chunk = nvr_media_chunk_new(NVR_MEDIA_CHUNK_SEGMENT_START,
				    nvr_media_init_write(configs, n, 0));
	chunk->reason = self->reason;
	chunk->mime_type = nvr_media_init_dup_mime_type(init);
	chunk->init_hash = nvr_media_init_hash(chunk->bytes);
	g_queue_push_tail(&self->chunks, chunk);
	self->segment_bytes = g_bytes_get_size(chunk->bytes);
	self->init_pending = FALSE;
}

static void
nvr_media_segmenter_start_segment(NvrMediaSegmenter *self, NvrMediaSegmentReason reason,
				  gint64 start)
{
	for (guint i = 0; i < NVR_MEDIA_MAX_TRACKS; i++) {
		NvrMediaSegTrack *t = &self->tracks[i];

		if (t->config != NULL)
			t->segment_config = nvr_media_track_config_ref(t->config);
	}
	g_clear_pointer(&self->index, nvr_media_gop_index_free);
	self->index = nvr_media_gop_index_new();
	self->reason = reason;
	self->in_segment = TRUE;
	self->init_pending = TRUE;
	self->run_started = TRUE;
	self->config_changed = FALSE;
	self->rotate_requested = FALSE;
	self->segment_start = start;
	self->segment_end = start;
	self->segment_bytes = 0;
	self->segment_fragments = 0;
	self->segment_frames = 0;
}

static gboolean
nvr_media_segmenter_rotation_due(NvrMediaSegmenter *self, gint64 dts)
{
	return self->rotate_requested ||
	       (self->rotate_after > 0 &&
		(guint64)(dts - self->segment_start) >= self->rotate_after);
}

static gboolean
nvr_media_segmenter_push_keyframe(NvrMediaSegmenter *self, const NvrMediaAu *au, GError **error)
{
	NvrMediaSegmentReason reason = NVR_MEDIA_SEGMENT_REASON_ROTATE;

	if (self->in_segment && !nvr_media_segmenter_close_fragment(self, au, FALSE, error))
		return FALSE;
	if (!self->run_started)
		reason = NVR_MEDIA_SEGMENT_REASON_RUN_START;
	else if (self->config_changed)
		reason = NVR_MEDIA_SEGMENT_REASON_CONFIG;
	if (!self->in_segment || self->config_changed ||
	    nvr_media_segmenter_rotation_due(self, au->dts)) {
		if (self->in_segment)
			nvr_media_segmenter_end_segment(self);
		nvr_media_segmenter_start_segment(self, reason, au->dts);
	}
	self->need_keyframe = FALSE;
	return TRUE;
}

static gboolean
nvr_media_segmenter_gop_too_long(NvrMediaSegmenter *self, const NvrMediaAu *au)
{
	NvrMediaSegTrack *t = &self->tracks[0];

	if (self->mode != NVR_MEDIA_MODE_STORAGE || t->pending->len == 0)
		return FALSE;
	return (guint64)(au->dts - g_array_index(t->pending, NvrMediaPending, 0).dts) >=
		       self->max_fragment_duration ||
	       t->pending_bytes + g_bytes_get_size(au->data) > self->max_fragment_bytes;
}

static gboolean
nvr_media_segmenter_push_video(NvrMediaSegmenter *self, const NvrMediaAu *au, guint32 estimate,
			       GError **error)
{
	if (au->keyframe) {
		if (!nvr_media_segmenter_push_keyframe(self, au, error))
			return FALSE;
	} else if (!self->in_segment || self->need_keyframe) {
		self->dropped++;
		return TRUE;
	} else if (nvr_media_segmenter_gop_too_long(self, au) &&
		   !nvr_media_segmenter_close_fragment(self, au, FALSE, error)) {
		return FALSE;
	}
	nvr_media_segmenter_append(&self->tracks[0], au, estimate);
	if (self->mode == NVR_MEDIA_MODE_LIVE)
		return nvr_media_segmenter_close_fragment(self, NULL, TRUE, error);
	return TRUE;
}

static gboolean
nvr_media_segmenter_push_audio(NvrMediaSegmenter *self, const NvrMediaAu *au, guint32 estimate,
			       GError **error)
{
	NvrMediaSegTrack *t = &self->tracks[au->track];

	/* not in the open segment's init, or in it with another format */
	if (!self->in_segment || t->segment_config == NULL ||
	    !nvr_media_track_config_equal(t->config, t->segment_config)) {
		self->dropped++;
		return TRUE;
	}
	nvr_media_segmenter_append(t, au, estimate);
	if (self->mode == NVR_MEDIA_MODE_LIVE)
		return nvr_media_segmenter_close_fragment(self, NULL, TRUE, error);
	return TRUE;
}

gboolean
nvr_media_segmenter_push(NvrMediaSegmenter *self, const NvrMediaAu *au, GError **error)
{
	NvrMediaSegTrack *t;
	guint32 estimate;

	g_return_val_if_fail(NVR_MEDIA_IS_SEGMENTER(self), FALSE);
	g_return_val_if_fail(au != NULL && au->data != NULL, FALSE);
	if (au->track >= NVR_MEDIA_MAX_TRACKS || self->tracks[au->track].config == NULL) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
			    "access unit for unconfigured track %u", au->track);
		return FALSE;
	}
	t = &self->tracks[au->track];
	if (!nvr_media_segmenter_check_time(self, t, au, error))
		return FALSE;
	if (!nvr_media_segmenter_check_data(t, au, error)) {
		if (au->track == 0)
			self->need_keyframe = TRUE;
		return FALSE;
	}
	t->last_delta = t->have_last ? (guint32)(au->dts - t->last_dts) : 0;
	t->last_dts = au->dts;
	t->have_last = TRUE;
	estimate = nvr_media_segmenter_estimate(self, t, au);
	if (au->track == 0)
		return nvr_media_segmenter_push_video(self, au, estimate, error);
	return nvr_media_segmenter_push_audio(self, au, estimate, error);
}

gboolean
nvr_media_segmenter_finish(NvrMediaSegmenter *self, GError **error)
{
	gboolean ok = TRUE;

	g_return_val_if_fail(NVR_MEDIA_IS_SEGMENTER(self), FALSE);
	if (self->in_segment) {
		ok = nvr_media_segmenter_close_fragment(self, NULL, TRUE, error);
		nvr_media_segmenter_end_segment(self);
	}
	for (guint i = 0; i < NVR_MEDIA_MAX_TRACKS; i++) {
		NvrMediaSegTrack *t = &self->tracks[i];

		g_array_set_size(t->pending, 0);
		t->pending_bytes = 0;
		t->have_last = FALSE;
	}
	self->sequence = 0;
	self->run_started = FALSE;
	self->need_keyframe = FALSE;
	self->config_changed = FALSE;
	self->rotate_requested = FALSE;
	return ok;
}
