/*
 * notes on the recorder
 *
 *   per ingest run:  run_started  -> index run row (open)
 *                    caps_changed -> segmenter track config
 *                    access_unit  -> segmenter -> chunks -> store writer
 *                    run_ended    -> segmenter finish (ends the segment), run row closed
 *
 * A SEGMENT_START chunk is held until its first fragment arrives, because
 * the store needs the segment's wall start time, which is the wall time of
 * that fragment's first key frame.
 *
 * invariants
 *   (1) every fragment handed to the writer belongs to a segment begun with
 *       the init segment that describes it
 *   (2) a run row exists before any segment row that names it
 *   (3) wall times come from the timeline (NvrIngestAu.wall_us); media time
 *       is the run's continuous 90 kHz time
 *   (4) a wall-time correction moves the run row here, at once, and its
 *       segments through the store writer, in order with their begins and
 *       ends (a segment still queued or open moves too); an anchor correction
 *       leaves the run unsynced, only the clock's sync makes it synced
 */
#include "config.h"

#include "core/nvr-error.h"
#include "media/nvr-media.h"
#include "nvr-ingest.h"
#include "nvr-recorder.h"

/* wall times of recent key frames, to date a segment by its first fragment */
#define NVR_RECORDER_KEYFRAMES 8

typedef struct {
	gint64 dts;
	gint64 wall_us;
} NvrRecorderKeyframe;

struct _NvrRecorder {
	GObject parent_instance;
	NvrIndex *index;	  /* main context only */
	NvrStoreWriter *writer;	  /* borrowed; thread-safe */
	gint64 camera_id;	  /* immutable */
	gchar *camera_uuid;	  /* immutable */
	gchar *name;		  /* immutable */
	NvrIndexStream stream;	  /* immutable */
	NvrIngest *ingest;
	NvrMediaSegmenter *segmenter;
	NvrMediaTrackConfig *video; /* current video config of the run */
	gint64 run_id;		  /* index run row of the open run; 0 if none */
	guint64 ingest_run;	  /* the ingest's id of that run */
	GHashTable *runs;	  /* ingest run id -> index run id: runs a correction may still move */
	gint64 last_wall_us;
	NvrMediaChunk *pending_start; /* SEGMENT_START awaiting its first fragment */
	gboolean segment_open;
	gboolean hold;		  /* begin no segment: writing failed (nvr_recorder_hold_segments) */
	NvrRecorderKeyframe keyframes[NVR_RECORDER_KEYFRAMES];
	guint n_keyframes;
	guint64 segment_ticks; /* rotate after this much media time */
	NvrRecorderStats stats;
};

G_DEFINE_TYPE(NvrRecorder, nvr_recorder, G_TYPE_OBJECT)

static void
nvr_recorder_remember_keyframe(NvrRecorder *self, gint64 dts, gint64 wall_us)
{
	guint i = self->n_keyframes++ % NVR_RECORDER_KEYFRAMES;

	self->keyframes[i].dts = dts;
	self->keyframes[i].wall_us = wall_us;
}

/* the wall time of the key frame at @dts, else the newest one's plus the media gap */
static gint64
nvr_recorder_wall_of(NvrRecorder *self, gint64 dts)
{
	guint n = MIN(self->n_keyframes, NVR_RECORDER_KEYFRAMES);
	const NvrRecorderKeyframe *best = NULL;

	for (guint i = 0; i < n; i++) {
		if (self->keyframes[i].dts == dts)
			return self->keyframes[i].wall_us;
		if (best == NULL || self->keyframes[i].dts > best->dts)
			best = &self->keyframes[i];
	}
	if (best == NULL)
		return self->last_wall_us;
	return best->wall_us + (dts - best->dts) * G_USEC_PER_SEC / 90000;
}

static void
nvr_recorder_begin_segment(NvrRecorder *self, const NvrMediaFragmentInfo *first)
{
	g_autoptr(NvrMediaChunk) start = g_steal_pointer(&self->pending_start);
	NvrStoreSegmentParams p = {
	    .camera_id = self->camera_id,
	    .camera_uuid = self->camera_uuid,
	    .stream = self->stream,
	    .run_id = self->run_id,
	    .start_us = nvr_recorder_wall_of(self, first->start),
	    .media_start = first->start,
	    .init_segment = start->bytes,
	    .codec = self->video != NULL ? self->video->codec_string : "unknown",
	    .width = self->video != NULL ? self->video->width : 0,
	    .height = self->video != NULL ? self->video->height : 0,
	};

	nvr_store_writer_begin_segment(self->writer, &p);
	self->segment_open = TRUE;
	self->stats.segments++;
}

static void
nvr_recorder_handle_chunk(NvrRecorder *self, NvrMediaChunk *chunk)
{
	switch (chunk->kind) {
	case NVR_MEDIA_CHUNK_SEGMENT_START:
		g_clear_pointer(&self->pending_start, nvr_media_chunk_unref);
		if (!self->hold)
			self->pending_start = nvr_media_chunk_ref(chunk);
		break;
	case NVR_MEDIA_CHUNK_FRAGMENT:
		if (self->pending_start != NULL)
			nvr_recorder_begin_segment(self, &chunk->fragment);
		if (!self->segment_open)
			break;
		nvr_store_writer_append_parts(self->writer, self->camera_id, self->stream,
					      chunk->parts, &chunk->fragment);
		if (chunk->fragment.track == 0)
			self->stats.frames_stored += chunk->fragment.frames;
		break;
	case NVR_MEDIA_CHUNK_SEGMENT_END:
		if (self->segment_open)
			nvr_store_writer_end_segment(self->writer, self->camera_id, self->stream, 0);
		self->segment_open = FALSE;
		g_clear_pointer(&self->pending_start, nvr_media_chunk_unref);
		break;
	}
}

static void
nvr_recorder_drain(NvrRecorder *self)
{
	NvrMediaChunk *chunk;

	while ((chunk = nvr_media_segmenter_pop(self->segmenter)) != NULL) {
		nvr_recorder_handle_chunk(self, chunk);
		nvr_media_chunk_unref(chunk);
	}
}

static void
nvr_recorder_finish_run(NvrRecorder *self)
{
	g_autoptr(GError) error = NULL;

	if (!nvr_media_segmenter_finish(self->segmenter, &error))
		g_warning("%s: ending segment: %s", self->name, error->message);
	nvr_recorder_drain(self);
}

static void
nvr_recorder_run_started_cb(NvrIngest *ingest, const NvrIngestRun *run, gpointer user_data)
{
	NvrRecorder *self = NVR_RECORDER(user_data);
	g_autoptr(NvrIndexRun) row = g_new0(NvrIndexRun, 1);
	g_autoptr(GError) error = NULL;

	row->camera_id = self->camera_id;
	row->stream = self->stream;
	row->start_us = run->wall_start_us;
	row->wall_anchor_us = run->wall_start_us;
	row->unsynced = run->unsynced;
	if (!nvr_index_run_insert(self->index, row, &error)) {
		g_warning("%s: run: %s", self->name, error->message);
		self->run_id = 0;
		return;
	}
	self->run_id = row->id;
	self->ingest_run = run->id;
	g_hash_table_insert(self->runs, g_memdup2(&run->id, sizeof(guint64)),
			    g_memdup2(&row->id, sizeof(gint64)));
	self->n_keyframes = 0;
	self->stats.runs++;
	g_message("%s: recording (run %" G_GINT64_FORMAT ")", self->name, self->run_id);
}

static void
nvr_recorder_caps_changed_cb(NvrIngest *ingest, const NvrIngestCaps *caps, gpointer user_data)
{
	NvrRecorder *self = NVR_RECORDER(user_data);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrMediaTrackConfig) config = nvr_media_track_config_from_caps(caps->caps, &error);

	if (config == NULL) {
		g_warning("%s: track %u not recorded: %s", self->name, caps->track, error->message);
		return;
	}
	if (!nvr_media_segmenter_set_track(self->segmenter, caps->track, config, &error)) {
		g_warning("%s: track %u: %s", self->name, caps->track, error->message);
		return;
	}
	if (caps->track == NVR_INGEST_TRACK_VIDEO) {
		g_clear_pointer(&self->video, nvr_media_track_config_unref);
		self->video = nvr_media_track_config_ref(config);
	}
	nvr_recorder_drain(self);
}

typedef struct {
	GstBuffer *buffer;
	GstMapInfo map;
} NvrRecorderMapping;

static void
nvr_recorder_bytes_unmap(gpointer data)
{
	NvrRecorderMapping *m = data;

	gst_buffer_unmap(m->buffer, &m->map);
	gst_buffer_unref(m->buffer);
	g_free(m);
}

/* the buffer's bytes without a copy; the GBytes keeps the buffer alive */
static GBytes *
nvr_recorder_buffer_bytes(GstBuffer *buffer)
{
	NvrRecorderMapping *m = g_new0(NvrRecorderMapping, 1);

	if (!gst_buffer_map(buffer, &m->map, GST_MAP_READ)) {
		g_free(m);
		return NULL;
	}
	m->buffer = gst_buffer_ref(buffer);
	return g_bytes_new_with_free_func(m->map.data, m->map.size, nvr_recorder_bytes_unmap, m);
}

static void
nvr_recorder_access_unit_cb(NvrIngest *ingest, const NvrIngestAu *iau, gpointer user_data)
{
	NvrRecorder *self = NVR_RECORDER(user_data);
	g_autoptr(GError) error = NULL;
	NvrMediaAu au = {.track = iau->track,
			 .dts = iau->dts,
			 .cts_offset = iau->cts_offset,
			 .duration = iau->duration,
			 .keyframe = iau->keyframe};

	au.data = nvr_recorder_buffer_bytes(iau->buffer);
	if (au.data == NULL)
		return;
	if (iau->track == NVR_INGEST_TRACK_VIDEO) {
		self->stats.frames_received++;
		self->last_wall_us = iau->wall_us;
		if (iau->keyframe)
			nvr_recorder_remember_keyframe(self, iau->dts, iau->wall_us);
	}
	if (!nvr_media_segmenter_push(self->segmenter, &au, &error)) {
		/* the ingest splits runs on time jumps itself; this is a last line of defence */
		g_debug("%s: %s", self->name, error->message);
		if (g_error_matches(error, NVR_MEDIA_ERROR, NVR_MEDIA_ERROR_TIME_BACKWARDS) ||
		    g_error_matches(error, NVR_MEDIA_ERROR, NVR_MEDIA_ERROR_TIME_JUMP))
			nvr_recorder_finish_run(self);
	}
	g_bytes_unref(au.data);
	nvr_recorder_drain(self);
}

/* the timeline remembers so many unsynced runs; older ones are never corrected */
static void
nvr_recorder_forget_old_runs(NvrRecorder *self)
{
	while (g_hash_table_size(self->runs) > NVR_TIMELINE_MAX_UNSYNCED_RUNS) {
		GHashTableIter iter;
		gpointer key;
		guint64 oldest = G_MAXUINT64;

		g_hash_table_iter_init(&iter, self->runs);
		while (g_hash_table_iter_next(&iter, &key, NULL))
			oldest = MIN(oldest, *(guint64 *)key);
		g_hash_table_remove(self->runs, &oldest);
	}
}

static void
nvr_recorder_run_ended_cb(NvrIngest *ingest,
			  const NvrIngestRun *run,
			  NvrIngestEndReason reason,
			  const GError *error,
			  gpointer user_data)
{
	NvrRecorder *self = NVR_RECORDER(user_data);
	g_autoptr(GError) error_local = NULL;

	nvr_recorder_finish_run(self);
	if (self->run_id == 0)
		return;
	if (!nvr_index_run_finish(self->index,
				  self->run_id,
				  MAX(self->last_wall_us, run->wall_start_us),
				  nvr_ingest_end_reason_to_string(reason),
				  (gint64)run->frames,
				  &error_local))
		g_warning("%s: run: %s", self->name, error_local->message);
	/* an unsynced run still awaits the clock's sync */
	if (!run->unsynced)
		g_hash_table_remove(self->runs, &run->id);
	nvr_recorder_forget_old_runs(self);
	g_message("%s: run ended (%s%s%s)",
		  self->name,
		  nvr_ingest_end_reason_to_string(reason),
		  error != NULL ? ": " : "",
		  error != NULL ? error->message : "");
	self->run_id = 0;
}

static void
nvr_recorder_wall_corrected_cb(NvrIngest *ingest,
			       guint64 run,
			       gint64 delta_us,
			       NvrTimelineCorrectionReason reason,
			       gpointer user_data)
{
	NvrRecorder *self = NVR_RECORDER(user_data);
	g_autoptr(GError) error = NULL;
	gboolean sync = reason == NVR_TIMELINE_CORRECTION_SYNC;
	const gint64 *id = g_hash_table_lookup(self->runs, &run);

	if (run == self->ingest_run && self->run_id != 0) {
		for (guint i = 0; i < MIN(self->n_keyframes, NVR_RECORDER_KEYFRAMES); i++)
			self->keyframes[i].wall_us += delta_us;
	}
	if (id == NULL) /* no row: nothing stored to move */
		return;
	if (!nvr_index_run_shift_wall(self->index, *id, delta_us, sync, &error)) {
		g_warning("%s: wall correction: %s", self->name, error->message);
		return;
	}
	nvr_store_writer_shift_run(self->writer, self->camera_id, self->stream, *id, delta_us);
	if (sync && run != self->ingest_run)
		g_hash_table_remove(self->runs, &run);
}

static const NvrIngestConsumer nvr_recorder_consumer = {
    .run_started = nvr_recorder_run_started_cb,
    .caps_changed = nvr_recorder_caps_changed_cb,
    .access_unit = nvr_recorder_access_unit_cb,
    .run_ended = nvr_recorder_run_ended_cb,
    .wall_corrected = nvr_recorder_wall_corrected_cb,
};

void
nvr_recorder_start(NvrRecorder *self)
{
	nvr_ingest_start(self->ingest);
}

/* ends the open run, which finalizes the open segment through the writer */
void
nvr_recorder_stop(NvrRecorder *self)
{
	nvr_ingest_stop(self->ingest);
	if (self->run_id != 0) {
		NvrIngestRun run = {.wall_start_us = self->last_wall_us};
		nvr_recorder_run_ended_cb(self->ingest, &run, NVR_INGEST_END_STOPPED, NULL, self);
	}
}

const gchar *
nvr_recorder_get_state(NvrRecorder *self)
{
	switch (nvr_ingest_get_state(self->ingest)) {
	case NVR_INGEST_STATE_CONNECTING:
		return "connecting";
	case NVR_INGEST_STATE_RECORDING:
		return "recording";
	case NVR_INGEST_STATE_WAITING:
		return "reconnecting";
	case NVR_INGEST_STATE_IDLE:
	default:
		return "stopped";
	}
}

void
nvr_recorder_get_stats(NvrRecorder *self, NvrRecorderStats *stats)
{
	*stats = self->stats;
}

/*
 * After the store writer ended this stream's segment on a write error (a
 * full disk), fragments go nowhere until a new segment begins. While held,
 * none begins, not even at a rotation (every attempt would fail the same
 * way); released, one begins at the next key frame rather than at the next
 * rotation.
 */
void
nvr_recorder_hold_segments(NvrRecorder *self, gboolean hold)
{
	g_return_if_fail(NVR_IS_RECORDER(self));

	self->hold = hold;
	if (hold) {
		self->segment_open = FALSE;
		g_clear_pointer(&self->pending_start, nvr_media_chunk_unref);
		return;
	}
	nvr_media_segmenter_request_rotate(self->segmenter);
}

static void
nvr_recorder_finalize(GObject *object)
{
	NvrRecorder *self = NVR_RECORDER(object);

	g_clear_object(&self->ingest);
	g_clear_object(&self->segmenter);
	g_clear_object(&self->index);
	g_clear_pointer(&self->video, nvr_media_track_config_unref);
	g_clear_pointer(&self->pending_start, nvr_media_chunk_unref);
	g_hash_table_unref(self->runs);
	g_free(self->camera_uuid);
	g_free(self->name);
	G_OBJECT_CLASS(nvr_recorder_parent_class)->finalize(object);
}

static void
nvr_recorder_class_init(NvrRecorderClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_recorder_finalize;
}

static void
nvr_recorder_init(NvrRecorder *self)
{
	self->runs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
}

/* rotation staggered between cameras so they do not all finalize at once */
static guint64
nvr_recorder_rotate_ticks(gint64 camera_id, NvrIndexStream stream, guint64 segment_s)
{
	guint64 spread = MAX(segment_s / 4, 1);
	guint64 offset = ((guint64)camera_id * 7 + (guint64)stream * 3) % spread;

	return (segment_s - offset) * 90000;
}

/**
 * nvr_recorder_new:
 * @password: (nullable): the camera password, unsealed; not kept in any log
 */
NvrRecorder *
nvr_recorder_new(NvrIndex *index,
		 NvrStoreWriter *writer,
		 const NvrIndexCamera *camera,
		 NvrIndexStream stream,
		 const gchar *password,
		 NvrClock *clock,
		 NvrConfig *config,
		 GError **error)
{
	g_autoptr(NvrRecorder) self = g_object_new(NVR_TYPE_RECORDER, NULL);
	const gchar *url = stream == NVR_INDEX_STREAM_SUB ? camera->sub_url : camera->main_url;

	self->index = g_object_ref(index);
	self->writer = writer;
	self->camera_id = camera->id;
	self->camera_uuid = g_strdup(camera->uuid);
	self->stream = stream;
	self->name = g_strdup_printf("%s%s", camera->name, stream == NVR_INDEX_STREAM_SUB ? "/sub" : "");
	self->ingest = nvr_ingest_new(self->name, url, clock, error);
	if (self->ingest == NULL)
		return NULL;
	if (camera->username != NULL)
		nvr_ingest_set_credentials(self->ingest, camera->username, password);
	if (!nvr_ingest_apply_config(self->ingest, config, error))
		return NULL;
	nvr_ingest_add_consumer(self->ingest, &nvr_recorder_consumer, self, NULL);
	self->segmenter = nvr_media_segmenter_new(NVR_MEDIA_MODE_STORAGE);
	/* the writer gets the access units themselves, not a copy of each GOP */
	nvr_media_segmenter_set_fragment_parts(self->segmenter, TRUE);
	self->segment_ticks = nvr_recorder_rotate_ticks(camera->id,
							stream,
							nvr_config_get_uint(config, "segment-seconds"));
	nvr_media_segmenter_set_rotate_after(self->segmenter, self->segment_ticks);
	return g_steal_pointer(&self);
}
