/*
 * nvr-store-writer.c: the writer thread of one footage dir.
 *
 * design notes
 *   - One thread per footage dir owns every open NVRE writer and its own
 *     index connection. Callers push operations into a GAsyncQueue and
 *     return; the thread alone does I/O, so a slow USB disk delays
 *     footage, never the main loop or a streaming thread.
 *   - Create order (DESIGN.md §5): insert the row 'recording' and COMMIT,
 *     then open(O_CREAT|O_EXCL): every file on disk has a committed row, so
 *     recovery never meets footage it cannot place.
 *   - Finalize: the NVRE writer writes the final chunk and fsyncs the file
 *     and its directory; only then is the row updated to 'finalized'. Those
 *     updates (and wall-time shifts) wait in memory, in order, and are
 *     applied together about once per commit interval (one commit a second
 *     for all cameras, not one per segment: the SD card holding the index
 *     wears per commit), or sooner with the next insert. A crash before the
 *     commit leaves a finalized file with a 'recording' row, which recovery
 *     treats as interrupted: nothing is lost but the final chunk's few
 *     bytes.
 *   - The index's write lock is held only while a batch is applied and
 *     committed (BEGIN IMMEDIATE ... COMMIT, milliseconds), never while
 *     a batch gathers: the main loop's run rows, retention and nvrctl
 *     would wait for it (they waited up to the whole commit interval when
 *     the batch was an open transaction). A queued change the index
 *     refuses for good (its row is gone) is dropped with a warning; after
 *     any other failure the batch stays queued and is tried again an
 *     interval later.
 *   - The chain tail of a stream may be a row whose update still waits in
 *     the queue: a new segment links to that one, not to the older tail the
 *     index still shows.
 *   - fdatasync once per sync window (flash wear versus what a power cut
 *     loses), not per fragment; the first one of a segment also fsyncs its
 *     directory (nvr_nvre_writer_sync()): until then a power cut loses the
 *     file's name, and with it the whole segment so far. NVRE writes
 *     whole chunks only, so the tail of the newest fragment would wait in
 *     memory until the next fragment fills its chunk, a GOP or more later,
 *     and a crash would lose that fragment whole. At each sync the chunk is therefore completed with a
 *     free box (ISO/IEC 14496-12 §8.1.2, which readers skip) and written:
 *     what a crash loses is the sync window and the GOP being gathered, not
 *     a fragment more. The GOP index counts the padding in the length of
 *     the fragment before it, so its fragments stay contiguous.
 *   - Chunk size, per segment (nvre-v1.md allows 4 KiB to 1 MiB per file):
 *     a sync pads C/2 on average (at most once per fragment), and each
 *     chunk costs a 16-byte tag, an AEAD call and a pwrite. C is the
 *     largest power of two up to 1/64 of what the stream writes in a sync
 *     window (from its previous segment's bytes and duration; a default
 *     rate for its first), 4 KiB to 64 KiB: padding stays under 1/128 of
 *     the stream above the 4 KiB floor, tags cost 0.4 % at the floor.
 *     Measured with a 5 s window (46 s segments): 4.9 Mbit/s gets 32 KiB,
 *     0.5 % padding (64 KiB: 0.9 %); 590 kbit/s 4 KiB, 0.3 % (64 KiB:
 *     4.7 %). With a 1 s window, 1.2 Mbit/s gets 4 KiB, 1 % (64 KiB:
 *     7.5 %). A 4 Mbit/s stream still writes 32 KiB at a time, as ffmpeg
 *     does. Readers take C from each file's header.
 *   - A failed write (ENOSPC) ends that segment only: the writer is dropped,
 *     the file trimmed to its whole chunks exactly as startup recovery
 *     would, the row marked interrupted, and the error reported. The
 *     recorder's next begin_segment starts afresh, after retention freed
 *     space. The first durable write of that stream after a failure (a
 *     sync or a finalize) is reported too, so that whoever decides when
 *     to try again (nvr-retention-reopen.h) knows it worked.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "core/nvr-error.h"
#include "nvr-store-writer.h"
#include "nvr-store.h"

/* chunks of 4 KiB to 64 KiB, about 1/64 of a sync window's bytes (see the notes) */
#define STORE_CHUNK_LOG2_MIN 12
#define STORE_CHUNK_LOG2_MAX 16
#define STORE_CHUNK_PER_SYNC 64
/* bytes a second assumed for a stream's first segment: too small costs a few tags, too large
 * a segment's padding */
#define STORE_RATE_MAIN_DEFAULT (2000000 / 8)
#define STORE_RATE_SUB_DEFAULT (256000 / 8)

typedef enum {
	STORE_OP_BEGIN,
	STORE_OP_FRAGMENT,
	STORE_OP_END,
	STORE_OP_FLUSH,
	STORE_OP_SHIFT_RUN,
	STORE_OP_STOP,
} StoreOpKind;

typedef struct {
	GMutex mutex;
	GCond cond;
	gboolean done;
} StoreFlush;

typedef struct {
	StoreOpKind kind;
	gint64 camera_id;
	NvrIndexStream stream;
	/* BEGIN */
	gchar *camera_uuid;
	gint64 run_id;
	gint64 start_us;
	gint64 media_start;
	gchar *codec;
	guint width;
	guint height;
	/* BEGIN: the init segment */
	GBytes *bytes;
	/* FRAGMENT: moof + mdat, as GBytes written in order */
	GPtrArray *parts;
	NvrMediaFragmentInfo info;
	gint64 end_us;
	gint64 offset_us; /* SHIFT_RUN */
	StoreFlush *flush;
} StoreOp;

/* a row change waiting for the next commit, applied in the order queued */
typedef struct {
	NvrIndexSegment *row; /* an update to it (finalized, interrupted); NULL: a shift */
	gint64 run_id;	      /* shift: the segments of this run move by offset_us */
	gint64 offset_us;
} StoreChange;

/* one open segment, owned by the writer thread */
typedef struct {
	NvrIndexSegment *row;
	gchar *path;
	NvrNvreWriter *nvre;
	NvrMediaGopIndex *gop;
	gint64 last_sync_us;
	gboolean dirty;
	guint64 duration;
	gint64 frames;
	guint chunk_log2;	     /* this file's */
	guint64 padding;	     /* bytes of free boxes written so far */
	NvrMediaGopEntry last_entry; /* the newest fragment's, until padding or a successor */
	gboolean have_last_entry;
} StoreOpen;

/* Error reports are dispatched on the owner's main context, possibly after
 * the writer is freed; they hold the sink, not the writer, and the writer
 * clears the callback when it goes so that a late report does nothing. */
typedef struct {
	gatomicrefcount ref;
	GMutex mutex;
	NvrStoreWriterErrorFunc func;	      /* protected by mutex */
	gpointer data;			      /* protected by mutex */
	NvrStoreWriterResumedFunc resumed;    /* protected by mutex */
	gpointer resumed_data;		      /* protected by mutex */
} StoreErrorSink;

struct _NvrStoreWriter {
	GAsyncQueue *queue;
	GThread *thread;
	GMainContext *context; /* where the error callback runs */
	StoreErrorSink *sink;
	gint dropped;

	/* writer thread only */
	NvrIndex *index;
	NvrFootage *footage;
	gint64 footage_dir_id;
	NvrKeyring *keyring;
	NvrStoreWriterConfig config;
	GHashTable *open; /* gint64 key (camera_id * 2 + stream) -> StoreOpen */
	GHashTable *failed; /* keys that reported an error and wrote nothing durable since */
	GQueue *changes;	 /* StoreChange, for the next commit */
	gint64 changes_since_us; /* the oldest waits since then (or the last failed commit) */
};

typedef struct {
	gint64 camera_id;
	NvrIndexStream stream;
	gint64 segment_id;
	GError *error; /* NULL: the stream wrote durably again */
	StoreErrorSink *sink;
} StoreErrorReport;

static void
store_op_free(StoreOp *op)
{
	g_free(op->camera_uuid);
	g_free(op->codec);
	g_clear_pointer(&op->bytes, g_bytes_unref);
	g_clear_pointer(&op->parts, g_ptr_array_unref);
	g_free(op);
}

static void
store_open_free(StoreOpen *o)
{
	nvr_index_segment_free(o->row);
	g_free(o->path);
	g_clear_pointer(&o->nvre, nvr_nvre_writer_free);
	g_clear_pointer(&o->gop, nvr_media_gop_index_free);
	g_free(o);
}

static gint64
store_key(gint64 camera_id, NvrIndexStream stream)
{
	return camera_id * 2 + (gint64)stream;
}

/* ---- error reports, delivered on the caller's main context ---- */

static gboolean
store_error_dispatch(gpointer data)
{
	StoreErrorReport *r = data;
	NvrStoreWriterErrorFunc func;
	gpointer user_data;

	NvrStoreWriterResumedFunc resumed;
	gpointer resumed_data;

	g_mutex_lock(&r->sink->mutex);
	func = r->sink->func;
	user_data = r->sink->data;
	resumed = r->sink->resumed;
	resumed_data = r->sink->resumed_data;
	g_mutex_unlock(&r->sink->mutex);
	if (r->error == NULL && resumed != NULL)
		resumed(r->camera_id, r->stream, resumed_data);
	else if (r->error != NULL && func != NULL)
		func(r->camera_id, r->stream, r->segment_id, r->error, user_data);
	return G_SOURCE_REMOVE;
}

static StoreErrorSink *
store_error_sink_new(void)
{
	StoreErrorSink *sink = g_new0(StoreErrorSink, 1);

	g_atomic_ref_count_init(&sink->ref);
	g_mutex_init(&sink->mutex);
	return sink;
}

static StoreErrorSink *
store_error_sink_ref(StoreErrorSink *sink)
{
	g_atomic_ref_count_inc(&sink->ref);
	return sink;
}

static void
store_error_sink_unref(StoreErrorSink *sink)
{
	if (!g_atomic_ref_count_dec(&sink->ref))
		return;
	g_mutex_clear(&sink->mutex);
	g_free(sink);
}

static void
store_error_sink_set(StoreErrorSink *sink, NvrStoreWriterErrorFunc func, gpointer data)
{
	g_mutex_lock(&sink->mutex);
	sink->func = func;
	sink->data = data;
	g_mutex_unlock(&sink->mutex);
}

static void
store_error_report_free(gpointer data)
{
	StoreErrorReport *r = data;

	g_clear_error(&r->error);
	store_error_sink_unref(r->sink);
	g_free(r);
}

static void
store_report(NvrStoreWriter *self, gint64 camera_id, NvrIndexStream stream, gint64 segment_id,
	     GError *error)
{
	StoreErrorReport *r = g_new0(StoreErrorReport, 1);

	r->sink = store_error_sink_ref(self->sink);
	r->camera_id = camera_id;
	r->stream = stream;
	r->segment_id = segment_id;
	r->error = error;
	g_main_context_invoke_full(self->context, G_PRIORITY_DEFAULT, store_error_dispatch, r,
				   store_error_report_free);
}

/* with an error func, logging is its business: nvrd warns once per state, not per retry */
static void
store_report_error(NvrStoreWriter *self, gint64 camera_id, NvrIndexStream stream,
		   gint64 segment_id, GError *error)
{
	gint64 key = store_key(camera_id, stream);
	gboolean listened;

	g_mutex_lock(&self->sink->mutex);
	listened = self->sink->func != NULL;
	g_mutex_unlock(&self->sink->mutex);
	if (listened)
		g_debug("camera %" G_GINT64_FORMAT " segment %" G_GINT64_FORMAT ": %s", camera_id,
			segment_id, error->message);
	else
		g_warning("camera %" G_GINT64_FORMAT " segment %" G_GINT64_FORMAT ": %s",
			  camera_id, segment_id, error->message);
	g_hash_table_add(self->failed, g_memdup2(&key, sizeof(key)));
	store_report(self, camera_id, stream, segment_id, error);
}

/* @row's bytes are durable: if its stream had failed, say that it writes again */
static void
store_report_durable(NvrStoreWriter *self, const NvrIndexSegment *row)
{
	gint64 key = store_key(row->camera_id, row->stream);

	if (g_hash_table_remove(self->failed, &key))
		store_report(self, row->camera_id, row->stream, row->id, NULL);
}

/* ---- batched commits ---- */

static void
store_change_free(gpointer data)
{
	StoreChange *c = data;

	nvr_index_segment_free(c->row);
	g_free(c);
}

static void
store_queue_change(NvrStoreWriter *self, StoreChange *c)
{
	if (g_queue_is_empty(self->changes))
		self->changes_since_us = g_get_monotonic_time();
	g_queue_push_tail(self->changes, c);
}

/* takes @row: its update is applied with the next commit */
static void
store_queue_update(NvrStoreWriter *self, NvrIndexSegment *row)
{
	StoreChange *c = g_new0(StoreChange, 1);

	c->row = row;
	store_queue_change(self, c);
}

static gboolean
store_change_apply(NvrStoreWriter *self, const StoreChange *c, GError **error)
{
	if (c->row != NULL)
		return nvr_index_segment_update(self->index, c->row, error);
	return nvr_index_run_shift_segments(self->index, c->run_id, c->offset_us, error);
}

/* a new segment's row, inserted with the commit that precedes its file */
typedef struct {
	const StoreOp *op;
	NvrIndexSegment *row;
} StoreInsert;

static gboolean
store_insert_apply(NvrStoreWriter *self, const StoreInsert *insert, GError **error)
{
	const StoreOp *op = insert->op;

	return nvr_index_codec_config_ensure(self->index, op->camera_id, op->codec, op->width,
					     op->height, op->bytes,
					     &insert->row->codec_config_id, error) &&
	       nvr_index_segment_insert(self->index, insert->row, error);
}

/* one short transaction: the queued changes in order, then @insert; @failed names the change
 * that failed (NULL: BEGIN, the insert or COMMIT did) */
static gboolean
store_commit_once(NvrStoreWriter *self, const StoreInsert *insert, StoreChange **failed,
		  GError **error)
{
	*failed = NULL;
	if (!nvr_index_begin(self->index, error))
		return FALSE;
	for (GList *l = self->changes->head; l != NULL; l = l->next) {
		if (!store_change_apply(self, l->data, error)) {
			*failed = l->data;
			nvr_index_rollback(self->index);
			return FALSE;
		}
	}
	if (insert != NULL && !store_insert_apply(self, insert, error)) {
		nvr_index_rollback(self->index);
		return FALSE;
	}
	return nvr_index_commit(self->index, error); /* rolls back when it fails */
}

/* the index will never take this change: its row is gone or the change contradicts it */
static gboolean
store_error_is_final(const GError *error)
{
	return g_error_matches(error, NVR_ERROR, NVR_ERROR_NOT_FOUND) ||
	       g_error_matches(error, NVR_ERROR, NVR_ERROR_EXISTS) ||
	       g_error_matches(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
}

/* applies every queued change, and @insert (nullable), in one transaction (see the notes) */
static gboolean
store_commit(NvrStoreWriter *self, const StoreInsert *insert, GError **error)
{
	for (;;) {
		g_autoptr(GError) local = NULL;
		StoreChange *failed = NULL;

		if (g_queue_is_empty(self->changes) && insert == NULL)
			return TRUE;
		if (store_commit_once(self, insert, &failed, &local)) {
			g_queue_clear_full(self->changes, store_change_free);
			return TRUE;
		}
		if (failed == NULL || !store_error_is_final(local)) {
			/* kept for the next try, an interval from now */
			self->changes_since_us = g_get_monotonic_time();
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		g_warning("a queued index change is dropped: %s", local->message);
		g_queue_remove(self->changes, failed);
		store_change_free(failed);
	}
}

static void
store_commit_or_warn(NvrStoreWriter *self)
{
	g_autoptr(GError) error = NULL;

	if (!store_commit(self, NULL, &error))
		g_warning("committing segment rows: %s", error->message);
}

/* removes @o (the open segment of @key, or not yet in the table) from the table, and frees it */
static void
store_open_forget(NvrStoreWriter *self, gint64 key, StoreOpen *o)
{
	if (g_hash_table_lookup(self->open, &key) == o)
		g_hash_table_remove(self->open, &key);
	else
		store_open_free(o);
}

/* ---- a segment fails: trim it as recovery would and keep what is whole ---- */

static void
store_open_fail(NvrStoreWriter *self, StoreOpen *o, GError *cause)
{
	g_autoptr(GError) error = NULL;
	NvrNvreChainState state;
	NvrIndexSegment *row = o->row;
	gint64 camera_id = row->camera_id, segment_id = row->id;
	NvrIndexStream stream = row->stream;
	gint64 key = store_key(camera_id, stream);

	g_clear_pointer(&o->nvre, nvr_nvre_writer_free);
	if (!nvr_nvre_recover(o->path, &state, &error)) {
		/* left 'recording': startup recovery tries again */
		g_warning("segment %" G_GINT64_FORMAT ": recovery after a write error failed: %s",
			  row->id, error->message);
	} else {
		guint chunk_log2 = state.fixed_prime[10];
		guint64 whole;

		row->status = NVR_INDEX_SEGMENT_INTERRUPTED;
		row->file_len = (gint64)state.file_len;
		row->header_len = ((gint64)state.fixed_prime[12] << 8) | state.fixed_prime[13];
		whole = (state.file_len - (guint64)row->header_len) /
			((G_GUINT64_CONSTANT(1) << chunk_log2) + NVR_NVRE_TAG_SIZE);
		row->plain_len = (gint64)(whole << chunk_log2);
		row->end_us = row->start_us + (gint64)(o->duration * 1000 / 90);
		row->frames = o->frames;
		row->media_duration = (gint64)o->duration;
		g_clear_pointer(&row->last_tag, g_bytes_unref);
		row->last_tag = g_bytes_new(state.last_tag, NVR_NVRE_TAG_SIZE);
		/* now, not with the batch: retention, triggered by the report, counts it stored */
		o->row = NULL;
		store_queue_update(self, row);
		if (!store_commit(self, NULL, &error))
			g_warning("segment %" G_GINT64_FORMAT ": marking it interrupted: %s",
				  segment_id, error->message);
	}
	store_report_error(self, camera_id, stream, segment_id, cause);
	store_open_forget(self, key, o);
}

/* ---- begin ---- */

/* the newest queued update of the stream: that segment ended after every one the index
 * holds as finalized or interrupted (each insert commits the queue), so it is the tail */
static const NvrIndexSegment *
store_queued_tail(NvrStoreWriter *self, gint64 camera_id, NvrIndexStream stream)
{
	for (GList *l = self->changes->tail; l != NULL; l = l->prev) {
		const StoreChange *c = l->data;

		if (c->row != NULL && c->row->camera_id == camera_id && c->row->stream == stream)
			return c->row;
	}
	return NULL;
}

/* the stream's chain tail (queued or in the index), NULL when its next segment starts a
 * chain; @stored: (out) (transfer full): the tail when it came from the index */
static const NvrIndexSegment *
store_chain_tail(NvrStoreWriter *self, const StoreOp *op, NvrIndexSegment **stored)
{
	const NvrIndexSegment *queued = store_queued_tail(self, op->camera_id, op->stream);
	g_autoptr(GError) error = NULL;

	if (queued != NULL)
		return queued;
	*stored = nvr_index_segment_load_chain_tail(self->index, op->camera_id, op->stream, &error);
	if (*stored == NULL && !g_error_matches(error, NVR_ERROR, NVR_ERROR_NOT_FOUND))
		g_warning("camera %" G_GINT64_FORMAT ": chain tail: %s", op->camera_id,
			  error->message);
	return *stored;
}

/* @tail's state, or %FALSE (no error) when this segment starts a chain */
static gboolean
store_predecessor(NvrStoreWriter *self, const NvrIndexSegment *tail, NvrNvreChainState *state)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = NULL;

	if (tail == NULL)
		return FALSE;
	path = nvr_store_dup_segment_path(self->index, tail, &error);
	if (path == NULL || !nvr_store_segment_chain_state(tail, path, state, &error)) {
		/* a chain restarts rather than vouch for a state it cannot read; verify shows it */
		g_warning("segment %" G_GINT64_FORMAT ": cannot link to it, a new chain starts: %s",
			  tail->id, error->message);
		return FALSE;
	}
	return TRUE;
}

/* bytes a second of @tail, else @fallback */
static guint64
store_rate_of(const NvrIndexSegment *tail, guint64 fallback)
{
	/* startup recovery knows no media duration, only the wall times */
	gint64 us = tail->media_duration > 0 ? tail->media_duration * 1000 / 90
					      : tail->end_us - tail->start_us;

	/* a fraction of a GOP (a run cut short) says little about the rate */
	if (tail->plain_len <= 0 || us < G_USEC_PER_SEC)
		return fallback;
	return (guint64)tail->plain_len * G_USEC_PER_SEC / (guint64)us;
}

/* the chunk size of a new segment (see the notes); @tail: (nullable): the stream's last one */
static guint
store_chunk_log2(NvrStoreWriter *self, NvrIndexStream stream, const NvrIndexSegment *tail)
{
	guint64 rate = stream == NVR_INDEX_STREAM_SUB ? STORE_RATE_SUB_DEFAULT
						      : STORE_RATE_MAIN_DEFAULT;
	guint64 per_chunk;
	guint log2 = STORE_CHUNK_LOG2_MIN;

	if (self->config.chunk_log2 != 0)
		return self->config.chunk_log2;
	if (tail != NULL)
		rate = store_rate_of(tail, rate);
	per_chunk = rate * self->config.sync_window_ms / 1000 / STORE_CHUNK_PER_SYNC;
	while (log2 < STORE_CHUNK_LOG2_MAX && (G_GUINT64_CONSTANT(1) << (log2 + 1)) <= per_chunk)
		log2++;
	return log2;
}

static NvrIndexSegment *
store_insert_row(NvrStoreWriter *self, const StoreOp *op, const NvrNvreChainState *pred,
		 gint64 prev_id, GError **error)
{
	g_autoptr(NvrIndexSegment) row = nvr_index_segment_new();
	guint8 link[NVR_NVRE_LINK_SIZE];

	row->camera_id = op->camera_id;
	row->run_id = op->run_id;
	row->stream = op->stream;
	row->status = NVR_INDEX_SEGMENT_RECORDING;
	row->start_us = op->start_us;
	row->media_start = op->media_start;
	row->footage_dir_id = self->footage_dir_id;
	if (pred != NULL) {
		if (!nvr_nvre_chain_state_link(pred, link, error))
			return NULL;
		row->prev_segment_id = prev_id;
		row->prev_link = g_bytes_new(link, sizeof(link));
	}
	/* committed before the file exists (DESIGN.md §5), with whatever else is queued */
	if (!store_commit(self, &(StoreInsert){.op = op, .row = row}, error))
		return NULL;
	return g_steal_pointer(&row);
}

/* Returns: (transfer full): the new segment's row, committed, or %NULL; and what its file
 * takes from the stream's previous segment: the chunk size and the chain state */
static NvrIndexSegment *
store_begin_row(NvrStoreWriter *self, const StoreOp *op, guint *chunk_log2,
		NvrNvreChainState *pred, gboolean *has_pred, GError **error)
{
	g_autoptr(NvrIndexSegment) stored = NULL;
	const NvrIndexSegment *tail = store_chain_tail(self, op, &stored);
	gint64 prev_id = tail != NULL ? tail->id : 0;

	*has_pred = store_predecessor(self, tail, pred);
	*chunk_log2 = store_chunk_log2(self, op->stream, tail);
	/* a queued @tail is freed by the insert's commit */
	return store_insert_row(self, op, *has_pred ? pred : NULL, prev_id, error);
}

static void store_end(NvrStoreWriter *self, gint64 camera_id, NvrIndexStream stream,
		      gint64 end_us);

static void
store_drop_row(NvrStoreWriter *self, NvrIndexSegment *row)
{
	g_autoptr(GError) error = NULL;

	/* no file was left (the NVRE writer removes a file whose header failed): nothing links
	 * to this row and it holds no footage */
	if (!nvr_index_segment_mark_garbage(self->index, &row->id, 1, &error) ||
	    !nvr_index_segment_delete(self->index, row->id, &error))
		g_warning("segment %" G_GINT64_FORMAT ": dropping its row: %s", row->id,
			  error->message);
}

static void
store_begin(NvrStoreWriter *self, const StoreOp *op)
{
	NvrNvreWriterParams params = {0};
	NvrNvreChainState pred;
	gboolean has_pred;
	GError *error = NULL;
	StoreOpen *o;

	store_end(self, op->camera_id, op->stream, op->start_us);
	if (!nvr_footage_ensure_camera_dir(self->footage, op->camera_uuid, &error)) {
		store_report_error(self, op->camera_id, op->stream, 0, error);
		return;
	}
	o = g_new0(StoreOpen, 1);
	o->row = store_begin_row(self, op, &o->chunk_log2, &pred, &has_pred, &error);
	if (o->row == NULL) {
		store_open_free(o);
		store_report_error(self, op->camera_id, op->stream, 0, error);
		return;
	}
	o->path = nvr_footage_dup_segment_path(self->footage, op->camera_uuid, o->row->id);
	nvr_keyring_fill_writer_params(self->keyring, &params);
	params.chunk_log2 = o->chunk_log2;
	params.predecessor = has_pred ? &pred : NULL;
	if (!nvr_nvre_context_set_camera_uuid(&params.context, op->camera_uuid, &error))
		goto fail_no_file;
	params.context.segment_id = (guint64)o->row->id;
	params.context.start_us = o->row->header_start_us;
	params.context.content_type = NVR_NVRE_CONTENT_FMP4;
	o->nvre = nvr_nvre_writer_create(o->path, &params, &error);
	if (o->nvre == NULL)
		goto fail_no_file;
	o->gop = nvr_media_gop_index_new();
	o->last_sync_us = g_get_monotonic_time();
	g_hash_table_insert(self->open, g_memdup2(&(gint64){store_key(op->camera_id, op->stream)},
						  sizeof(gint64)),
			    o);
	if (!nvr_nvre_writer_write(o->nvre, g_bytes_get_data(op->bytes, NULL),
				   g_bytes_get_size(op->bytes), &error)) {
		store_open_fail(self, o, error);
		return;
	}
	o->dirty = TRUE;
	return;

fail_no_file:
	store_drop_row(self, o->row);
	store_report_error(self, op->camera_id, op->stream, o->row->id, error);
	store_open_free(o);
}

/* ---- append ---- */

static StoreOpen *
store_lookup(NvrStoreWriter *self, gint64 camera_id, NvrIndexStream stream)
{
	gint64 key = store_key(camera_id, stream);

	return g_hash_table_lookup(self->open, &key);
}

/* a GOP index the segmenter's infos do not fit is the recorder's bug: the footage itself is
 * still good, so say so and keep recording */
static void
store_flush_entry(StoreOpen *o)
{
	g_autoptr(GError) error = NULL;

	if (!o->have_last_entry)
		return;
	o->have_last_entry = FALSE;
	if (!nvr_media_gop_index_append(o->gop, &o->last_entry, &error))
		g_warning("segment %" G_GINT64_FORMAT ": GOP index: %s", o->row->id, error->message);
}

static void
store_fragment(NvrStoreWriter *self, const StoreOp *op)
{
	StoreOpen *o = store_lookup(self, op->camera_id, op->stream);
	GError *error = NULL;

	if (o == NULL) {
		g_atomic_int_inc(&self->dropped);
		return;
	}
	for (guint i = 0; i < op->parts->len; i++) {
		GBytes *part = g_ptr_array_index(op->parts, i);

		if (!nvr_nvre_writer_write(o->nvre, g_bytes_get_data(part, NULL),
					   g_bytes_get_size(part), &error)) {
			store_open_fail(self, o, error);
			return;
		}
	}
	o->dirty = TRUE;
	store_flush_entry(o);
	o->last_entry.start = (guint64)op->info.start;
	o->last_entry.offset = op->info.offset + o->padding;
	o->last_entry.duration = op->info.duration;
	o->last_entry.length = op->info.length;
	o->last_entry.frames = op->info.frames;
	o->last_entry.keyframe = op->info.keyframe;
	o->have_last_entry = TRUE;
	o->duration += op->info.duration;
	o->frames += op->info.frames;
}

/* completes the chunk being filled with a free box, so that it is written now (see the notes) */
static gboolean
store_pad_chunk(NvrStoreWriter *self, StoreOpen *o, GError **error)
{
	guint64 chunk = G_GUINT64_CONSTANT(1) << o->chunk_log2;
	guint64 fill = nvr_nvre_writer_get_plain_len(o->nvre) % chunk;
	g_autofree guint8 *box = NULL;
	guint64 len;

	if (fill == 0)
		return TRUE;
	len = chunk - fill;
	if (len < 8) /* a box is at least its size and type */
		len += chunk;
	box = g_malloc0(len);
	box[0] = (guint8)(len >> 24);
	box[1] = (guint8)(len >> 16);
	box[2] = (guint8)(len >> 8);
	box[3] = (guint8)len;
	memcpy(box + 4, "free", 4);
	if (!nvr_nvre_writer_write(o->nvre, box, len, error))
		return FALSE;
	o->padding += len;
	if (o->have_last_entry)
		o->last_entry.length += len;
	return TRUE;
}

/* ---- finalize ---- */

static gboolean
store_finalize_row(NvrStoreWriter *self, StoreOpen *o, const NvrNvreWriterResult *result,
		   gint64 end_us, GError **error)
{
	NvrIndexSegment *row = o->row;
	guint8 sig[NVR_NVRE_SIG_SIZE];

	if (!nvr_nvre_tags_digest_sign(nvr_keyring_get_device_key(self->keyring),
				       result->tags_digest, sig, error))
		return FALSE;
	row->status = NVR_INDEX_SEGMENT_FINALIZED;
	row->end_us = end_us > 0 ? end_us : row->start_us + (gint64)(o->duration * 1000 / 90);
	row->end_us = MAX(row->end_us, row->start_us);
	row->media_duration = (gint64)o->duration;
	row->frames = o->frames;
	row->plain_len = (gint64)result->plain_len;
	row->file_len = (gint64)result->file_len;
	row->header_len = NVR_NVRE_HEADER_LEN_DEFAULT;
	row->header_mac = g_bytes_new(result->header_mac, NVR_NVRE_MAC_SIZE);
	row->last_tag = g_bytes_new(result->last_tag, NVR_NVRE_TAG_SIZE);
	row->tags_digest = g_bytes_new(result->tags_digest, NVR_NVRE_TAGS_DIGEST_SIZE);
	row->tags_digest_sig = g_bytes_new(sig, sizeof(sig));
	store_flush_entry(o);
	row->gop_index = nvr_media_gop_index_encode(o->gop);
	return TRUE;
}

static void
store_end(NvrStoreWriter *self, gint64 camera_id, NvrIndexStream stream, gint64 end_us)
{
	StoreOpen *o = store_lookup(self, camera_id, stream);
	NvrNvreWriterResult result;
	GError *error = NULL;
	gint64 key = store_key(camera_id, stream);

	if (o == NULL)
		return;
	if (!nvr_nvre_writer_finish(o->nvre, &result, &error)) {
		store_open_fail(self, o, error);
		return;
	}
	g_clear_pointer(&o->nvre, nvr_nvre_writer_free);
	if (!store_finalize_row(self, o, &result, end_us, &error)) {
		/* the file is whole; the row stays 'recording' and recovery keeps the file */
		store_report_error(self, camera_id, stream, o->row->id, error);
	} else {
		store_report_durable(self, o->row);
		/* after the file's fsyncs: the row says 'finalized' with the next commit */
		store_queue_update(self, g_steal_pointer(&o->row));
	}
	g_hash_table_remove(self->open, &key);
}

/* ---- wall-time corrections ---- */

/* in order with the begins and ends: a row queued before the correction exists by now */
static void
store_shift_run(NvrStoreWriter *self, const StoreOp *op)
{
	StoreOpen *o = store_lookup(self, op->camera_id, op->stream);
	StoreChange *c = g_new0(StoreChange, 1);

	/* finalizing writes its end from its start: the start must move here too */
	if (o != NULL && o->row->run_id == op->run_id)
		o->row->start_us += op->offset_us;
	/* after the updates queued before it, before those queued after: as they were written */
	c->run_id = op->run_id;
	c->offset_us = op->offset_us;
	store_queue_change(self, c);
}

/* ---- the thread ---- */

static void
store_sync_due(NvrStoreWriter *self, gint64 now)
{
	gint64 window = (gint64)self->config.sync_window_ms * 1000;
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, self->open);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		StoreOpen *o = value;
		GError *error = NULL;

		if (!o->dirty || now - o->last_sync_us < window)
			continue;
		o->last_sync_us = now;
		o->dirty = FALSE;
		if (!store_pad_chunk(self, o, &error) || !nvr_nvre_writer_sync(o->nvre, &error)) {
			store_open_fail(self, o, error);
			return; /* the table changed: the rest waits for the next wake-up */
		}
		store_report_durable(self, o->row);
	}
}

static gint64
store_next_deadline(NvrStoreWriter *self)
{
	gint64 next = G_MAXINT64;
	GHashTableIter iter;
	gpointer value;

	if (!g_queue_is_empty(self->changes))
		next = self->changes_since_us + (gint64)self->config.commit_interval_ms * 1000;
	g_hash_table_iter_init(&iter, self->open);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		StoreOpen *o = value;

		if (o->dirty)
			next = MIN(next, o->last_sync_us + (gint64)self->config.sync_window_ms * 1000);
	}
	return next;
}

static void
store_finish_all(NvrStoreWriter *self)
{
	GList *keys = g_hash_table_get_keys(self->open);

	for (GList *l = keys; l != NULL; l = l->next) {
		gint64 key = *(gint64 *)l->data;

		store_end(self, key / 2, (NvrIndexStream)(key % 2), 0);
	}
	g_list_free(keys);
	store_commit_or_warn(self);
}

static void
store_flush_signal(StoreFlush *flush)
{
	g_mutex_lock(&flush->mutex);
	flush->done = TRUE;
	g_cond_signal(&flush->cond);
	g_mutex_unlock(&flush->mutex);
}

/* Returns: %FALSE on STOP */
static gboolean
store_handle(NvrStoreWriter *self, StoreOp *op)
{
	switch (op->kind) {
	case STORE_OP_BEGIN:
		store_begin(self, op);
		break;
	case STORE_OP_FRAGMENT:
		store_fragment(self, op);
		break;
	case STORE_OP_END:
		store_end(self, op->camera_id, op->stream, op->end_us);
		break;
	case STORE_OP_SHIFT_RUN:
		store_shift_run(self, op);
		break;
	case STORE_OP_FLUSH:
		store_sync_due(self, G_MAXINT64 / 2);
		store_commit_or_warn(self);
		store_flush_signal(op->flush);
		break;
	case STORE_OP_STOP:
		store_finish_all(self);
		return FALSE;
	}
	return TRUE;
}

static gpointer
store_thread(gpointer data)
{
	NvrStoreWriter *self = data;
	gboolean running = TRUE;

	while (running) {
		gint64 now = g_get_monotonic_time();
		gint64 deadline = store_next_deadline(self);
		StoreOp *op;

		if (deadline == G_MAXINT64)
			op = g_async_queue_pop(self->queue);
		else
			op = g_async_queue_timeout_pop(self->queue, MAX(deadline - now, 0));
		if (op != NULL) {
			running = store_handle(self, op);
			store_op_free(op);
		}
		now = g_get_monotonic_time();
		if (running)
			store_sync_due(self, now);
		if (!g_queue_is_empty(self->changes) &&
		    now - self->changes_since_us >= (gint64)self->config.commit_interval_ms * 1000)
			store_commit_or_warn(self);
	}
	return NULL;
}

/* ---- the public side ---- */

NvrStoreWriter *
nvr_store_writer_new(NvrIndex *index, NvrFootage *footage, gint64 footage_dir_id,
		     NvrKeyring *keyring, const NvrStoreWriterConfig *config, GError **error)
{
	NvrStoreWriter *self;
	NvrIndex *own = nvr_index_open(nvr_index_get_path(index), error);

	if (own == NULL)
		return NULL;
	self = g_new0(NvrStoreWriter, 1);
	self->index = own;
	self->footage = g_object_ref(footage);
	self->footage_dir_id = footage_dir_id;
	self->keyring = keyring;
	if (config != NULL)
		self->config = *config;
	if (self->config.sync_window_ms == 0)
		self->config.sync_window_ms = NVR_STORE_SYNC_WINDOW_MS_DEFAULT;
	if (self->config.commit_interval_ms == 0)
		self->config.commit_interval_ms = NVR_STORE_COMMIT_INTERVAL_MS_DEFAULT;
	self->open = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
					   (GDestroyNotify)store_open_free);
	self->failed = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	self->changes = g_queue_new();
	self->context = g_main_context_ref_thread_default();
	self->sink = store_error_sink_new();
	self->queue = g_async_queue_new_full((GDestroyNotify)store_op_free);
	self->thread = g_thread_new("nvr-store", store_thread, self);
	return self;
}

void
nvr_store_writer_set_error_func(NvrStoreWriter *self, NvrStoreWriterErrorFunc func,
				gpointer user_data)
{
	store_error_sink_set(self->sink, func, user_data);
}

void
nvr_store_writer_set_resumed_func(NvrStoreWriter *self, NvrStoreWriterResumedFunc func,
				  gpointer user_data)
{
	g_mutex_lock(&self->sink->mutex);
	self->sink->resumed = func;
	self->sink->resumed_data = user_data;
	g_mutex_unlock(&self->sink->mutex);
}

static StoreOp *
store_op_new(StoreOpKind kind, gint64 camera_id, NvrIndexStream stream)
{
	StoreOp *op = g_new0(StoreOp, 1);

	op->kind = kind;
	op->camera_id = camera_id;
	op->stream = stream;
	return op;
}

void
nvr_store_writer_begin_segment(NvrStoreWriter *self, const NvrStoreSegmentParams *params)
{
	StoreOp *op = store_op_new(STORE_OP_BEGIN, params->camera_id, params->stream);

	op->camera_uuid = g_strdup(params->camera_uuid);
	op->run_id = params->run_id;
	op->start_us = params->start_us;
	op->media_start = params->media_start;
	op->bytes = g_bytes_ref(params->init_segment);
	op->codec = g_strdup(params->codec);
	op->width = params->width;
	op->height = params->height;
	g_async_queue_push(self->queue, op);
}

void
nvr_store_writer_append(NvrStoreWriter *self, gint64 camera_id, NvrIndexStream stream,
			GBytes *fragment, const NvrMediaFragmentInfo *info)
{
	g_autoptr(GPtrArray) parts = g_ptr_array_new_full(1, (GDestroyNotify)g_bytes_unref);

	g_ptr_array_add(parts, g_bytes_ref(fragment));
	nvr_store_writer_append_parts(self, camera_id, stream, parts, info);
}

void
nvr_store_writer_append_parts(NvrStoreWriter *self, gint64 camera_id, NvrIndexStream stream,
			      GPtrArray *parts, const NvrMediaFragmentInfo *info)
{
	StoreOp *op = store_op_new(STORE_OP_FRAGMENT, camera_id, stream);

	op->parts = g_ptr_array_ref(parts);
	op->info = *info;
	g_async_queue_push(self->queue, op);
}

void
nvr_store_writer_end_segment(NvrStoreWriter *self, gint64 camera_id, NvrIndexStream stream,
			     gint64 end_us)
{
	StoreOp *op = store_op_new(STORE_OP_END, camera_id, stream);

	op->end_us = end_us;
	g_async_queue_push(self->queue, op);
}

/**
 * nvr_store_writer_shift_run:
 *
 * Moves the wall times of every segment of run @run_id, those written and
 * those still queued or open, by @offset_us (a timeline correction).
 */
void
nvr_store_writer_shift_run(NvrStoreWriter *self, gint64 camera_id, NvrIndexStream stream,
			   gint64 run_id, gint64 offset_us)
{
	StoreOp *op = store_op_new(STORE_OP_SHIFT_RUN, camera_id, stream);

	op->run_id = run_id;
	op->offset_us = offset_us;
	g_async_queue_push(self->queue, op);
}

void
nvr_store_writer_flush(NvrStoreWriter *self)
{
	StoreFlush flush = {0};
	StoreOp *op = store_op_new(STORE_OP_FLUSH, 0, 0);

	g_mutex_init(&flush.mutex);
	g_cond_init(&flush.cond);
	op->flush = &flush;
	g_async_queue_push(self->queue, op);
	g_mutex_lock(&flush.mutex);
	while (!flush.done)
		g_cond_wait(&flush.cond, &flush.mutex);
	g_mutex_unlock(&flush.mutex);
	g_mutex_clear(&flush.mutex);
	g_cond_clear(&flush.cond);
}

void
nvr_store_writer_free(NvrStoreWriter *self)
{
	if (self == NULL)
		return;
	g_async_queue_push(self->queue, store_op_new(STORE_OP_STOP, 0, 0));
	g_thread_join(self->thread);
	g_async_queue_unref(self->queue);
	g_hash_table_unref(self->open);
	g_hash_table_unref(self->failed);
	/* what a failing index refused until the end: recovery makes those rows interrupted */
	if (!g_queue_is_empty(self->changes))
		g_warning("%u index changes could not be committed", self->changes->length);
	g_queue_free_full(self->changes, store_change_free);
	g_object_unref(self->index);
	g_object_unref(self->footage);
	g_main_context_unref(self->context);
	store_error_sink_set(self->sink, NULL, NULL);
	nvr_store_writer_set_resumed_func(self, NULL, NULL);
	store_error_sink_unref(self->sink);
	g_free(self);
}

guint64
nvr_store_writer_get_dropped(NvrStoreWriter *self)
{
	return (guint64)g_atomic_int_get(&self->dropped);
}
