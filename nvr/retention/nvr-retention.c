/*
 * notes on the retention executor
 *
 *   run:  complete --> measure --> walk --> plan --> delete --+
 *                        ^                                     |
 *                        +------ while a pass made progress ---+
 *
 *   measure  per camera: stored bytes (index totals), budget and age (its
 *            own, else the policy's), bytes in flight (each open segment
 *            is expected to grow to its predecessor's size); globally: free
 *            bytes (statvfs), bytes pending deletion (garbage rows whose
 *            files are still there), bytes in flight not yet on disk
 *   walk     oldest first over the stored rows (nvr_index_segment_foreach_
 *            oldest), keeping only rows some rule may take, and stopping
 *            as soon as no later row can be taken: a year of rows is never
 *            read to delete a few minutes of them. At most
 *            NVR_RETENTION_BATCH rows per pass; the next pass goes on.
 *   plan     nvr_retention_plan() on that window; a camera's bytes outside
 *            the window are passed as outside_bytes
 *   delete   the protocol of nvr-retention.h (MARK, UNLINK, SYNC, DELETE)
 *
 * invariants
 *   (1) a segment row leaves the index only after its tombstone was
 *       committed, its file unlinked and the directory fsynced
 *   (2) a tombstone is signed before it is written: there is no unsigned
 *       tombstone to excuse anything, even after a crash
 *   (3) a segment a reader holds is never unlinked; it stays stored (when
 *       the plan defers it) or garbage (when the hold came after MARK) and
 *       a later pass deletes it
 *   (4) recording rows are never touched: the open segments are the
 *       newest footage, and the newest footage wins
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "core/nvr-error.h"
#include "core/nvr-file.h"
#include "nvr-retention-plan.h"
#include "nvr-retention.h"
#include "store/nvr-store-hold.h"
#include "store/nvr-store-tombstone.h"
#include "store/nvr-store.h"

/* rows planned per pass: bounds the MARK transaction and the memory of one pass */
#define NVR_RETENTION_BATCH 512
/* passes per run: enough for any backlog of a policy change (BATCH rows each) */
#define NVR_RETENTION_MAX_PASSES 4096
/* tombstones pruned per statement, and statements per call: each holds the write lock
 * briefly (the writer commits once a second), and a year's backlog goes in minutes */
#define NVR_RETENTION_PRUNE_BATCH 1000
#define NVR_RETENTION_PRUNE_BATCHES 16

struct _NvrRetention {
	NvrIndex *index;
	NvrFootage *footage; /* nullable */
	NvrNvreSigningKey *device_key; /* nullable: complete() only */
	NvrRetentionPolicy policy;
	NvrRetentionSpaceFunc space_func;
	gpointer space_data;
	NvrRetentionStep stop_after; /* testing */
	GHashTable *held; /* segment ids found held during this run */
};

typedef struct {
	gint64 camera_id;
	guint64 budget;
	gint64 max_age_us;
	guint64 stored;
	guint64 inflight; /* expected final bytes of its open segments */
	guint64 over;	  /* stored bytes the budget wants gone (at most all stored) */
	guint64 walked;	  /* its bytes seen by the walk so far */
	guint64 window;	  /* its bytes kept in the window */
} RetCamera;

typedef struct {
	NvrRetention *self;
	GArray *cameras; /* RetCamera */
	GArray *rows;	 /* NvrRetentionSegment: the window */
	gint64 now_us;
	gint64 age_horizon_us; /* rows starting at or after this are too young for any age rule */
	guint64 need_free;     /* bytes the floor still wants freed */
	guint64 collected_free; /* bytes of unheld rows in the window */
	guint64 free_bytes;
	guint64 pending_bytes;
	guint64 inflight_disk; /* in flight and not yet on disk */
} RetWalk;

/* one segment on its way out */
typedef struct {
	NvrIndexSegment *row;
	gchar *path;
	NvrIndexTombstone *tombstone; /* NULL when completing a garbage row */
	gboolean unlinked;
} RetVictim;

static void
ret_victim_free(RetVictim *v)
{
	nvr_index_segment_free(v->row);
	g_free(v->path);
	nvr_index_tombstone_free(v->tombstone);
	g_free(v);
}

static guint64
ret_add(guint64 a, guint64 b)
{
	return a > G_MAXUINT64 - b ? G_MAXUINT64 : a + b;
}

NvrRetention *
nvr_retention_new(NvrIndex *index, NvrFootage *footage, NvrNvreSigningKey *device_key,
		  const NvrRetentionPolicy *policy)
{
	NvrRetention *self;

	g_return_val_if_fail(NVR_IS_INDEX(index), NULL);
	g_return_val_if_fail(policy != NULL, NULL);

	self = g_new0(NvrRetention, 1);
	self->index = g_object_ref(index);
	self->footage = footage != NULL ? g_object_ref(footage) : NULL;
	self->device_key = device_key != NULL ? nvr_nvre_signing_key_ref(device_key) : NULL;
	self->policy = *policy;
	self->held = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	return self;
}

void
nvr_retention_free(NvrRetention *self)
{
	if (self == NULL)
		return;
	g_object_unref(self->index);
	g_clear_object(&self->footage);
	g_clear_pointer(&self->device_key, nvr_nvre_signing_key_unref);
	g_hash_table_unref(self->held);
	g_free(self);
}

void
nvr_retention_set_policy(NvrRetention *self, const NvrRetentionPolicy *policy)
{
	g_return_if_fail(self != NULL && policy != NULL);
	self->policy = *policy;
}

void
nvr_retention_set_space_func(NvrRetention *self, NvrRetentionSpaceFunc func, gpointer user_data)
{
	g_return_if_fail(self != NULL);
	self->space_func = func;
	self->space_data = user_data;
}

void
nvr_retention_set_stop_after(NvrRetention *self, NvrRetentionStep step)
{
	g_return_if_fail(self != NULL);
	self->stop_after = step;
}

gboolean
nvr_retention_read_space(NvrRetention *self, guint64 *free_bytes, GError **error)
{
	g_return_val_if_fail(self != NULL && free_bytes != NULL, FALSE);

	if (self->space_func != NULL)
		return self->space_func(self->space_data, free_bytes, error);
	if (self->footage == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_NOT_FOUND, "no footage dir");
		return FALSE;
	}
	return nvr_footage_get_space(self->footage, free_bytes, NULL, error);
}

/* ---- the protocol ---- */

/* testing: pretend the process died right after @step */
static gboolean
ret_stopped(NvrRetention *self, NvrRetentionStep step, GError **error)
{
	if (self->stop_after != step)
		return FALSE;
	g_set_error(error, NVR_ERROR, NVR_ERROR_CANCELLED, "stopped after step %d (testing)",
		    (gint)step);
	return TRUE;
}

/*
 * Inside MARK's transaction, which holds the write lock: a row another
 * process began deleting since it was loaded (nvrctl delete beside nvrd's
 * retention) is that process's to finish, and its tombstone is written.
 */
static void
ret_drop_taken(NvrRetention *self, GPtrArray *victims, NvrRetentionResult *result)
{
	for (guint i = victims->len; i > 0; i--) {
		RetVictim *v = g_ptr_array_index(victims, i - 1);
		g_autoptr(NvrIndexSegment) now = nvr_index_segment_load(self->index, v->row->id,
									NULL);

		if (now != NULL && (now->status == NVR_INDEX_SEGMENT_FINALIZED ||
				    now->status == NVR_INDEX_SEGMENT_INTERRUPTED))
			continue;
		g_ptr_array_remove_index(victims, i - 1);
		result->gone++;
	}
}

/* MARK: garbage and signed tombstones, all in one transaction */
static gboolean
ret_mark(NvrRetention *self, GPtrArray *victims, NvrRetentionResult *result, GError **error)
{
	g_autoptr(GArray) ids = g_array_sized_new(FALSE, FALSE, sizeof(gint64), victims->len);

	if (!nvr_index_begin(self->index, error))
		return FALSE;
	ret_drop_taken(self, victims, result);
	for (guint i = 0; i < victims->len; i++)
		g_array_append_val(ids, ((RetVictim *)g_ptr_array_index(victims, i))->row->id);
	if (!nvr_index_segment_mark_garbage(self->index, (const gint64 *)(gpointer)ids->data,
					    ids->len, error))
		goto fail;
	for (guint i = 0; i < victims->len; i++) {
		RetVictim *v = g_ptr_array_index(victims, i);

		if (!nvr_index_tombstone_insert(self->index, v->tombstone, error))
			goto fail;
	}
	return nvr_index_commit(self->index, error);
fail:
	nvr_index_rollback(self->index);
	return FALSE;
}

/* UNLINK: what a reader holds stays (garbage, pending) for a later pass */
static void
ret_unlink(GPtrArray *victims, NvrRetentionResult *result)
{
	for (guint i = 0; i < victims->len; i++) {
		RetVictim *v = g_ptr_array_index(victims, i);
		g_autoptr(GError) error = NULL;
		gboolean held = FALSE;

		if (!nvr_store_hold_unlink(v->row->id, v->path, &held, &error))
			g_warning("segment %" G_GINT64_FORMAT ": %s", v->row->id, error->message);
		v->unlinked = error == NULL && !held;
		if (!v->unlinked) {
			result->pending++;
			result->pending_bytes += (guint64)v->row->file_len;
		}
	}
}

/* SYNC: each directory once */
static gboolean
ret_sync_dirs(GPtrArray *victims, GError **error)
{
	g_autoptr(GHashTable) dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTableIter iter;
	gpointer dir;

	for (guint i = 0; i < victims->len; i++) {
		RetVictim *v = g_ptr_array_index(victims, i);

		if (v->unlinked)
			g_hash_table_add(dirs, g_path_get_dirname(v->path));
	}
	g_hash_table_iter_init(&iter, dirs);
	while (g_hash_table_iter_next(&iter, &dir, NULL)) {
		/* a camera directory that is gone took its files with it */
		if (g_file_test(dir, G_FILE_TEST_IS_DIR) && !nvr_file_fsync_dir(dir, error))
			return FALSE;
	}
	return TRUE;
}

/* DELETE: the rows of the unlinked files */
static gboolean
ret_delete_rows(NvrRetention *self, GPtrArray *victims, NvrRetentionResult *result,
		GError **error)
{
	if (!nvr_index_begin(self->index, error))
		return FALSE;
	for (guint i = 0; i < victims->len; i++) {
		RetVictim *v = g_ptr_array_index(victims, i);
		g_autoptr(GError) local = NULL;

		if (!v->unlinked)
			continue;
		/* another connection (the writer dropping a row) may have been first */
		if (!nvr_index_segment_delete(self->index, v->row->id, &local) &&
		    !g_error_matches(local, NVR_ERROR, NVR_ERROR_NOT_FOUND)) {
			nvr_index_rollback(self->index);
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
	}
	if (!nvr_index_commit(self->index, error))
		return FALSE;
	for (guint i = 0; i < victims->len; i++) {
		RetVictim *v = g_ptr_array_index(victims, i);

		if (!v->unlinked)
			continue;
		if (v->tombstone == NULL) {
			result->completed++;
			continue;
		}
		result->deleted++;
		result->deleted_bytes += (guint64)v->row->file_len;
		result->by_rule[v->tombstone->rule]++;
	}
	return TRUE;
}

/* steps 2-4; step 1 is done (or was done before a crash) */
static gboolean
ret_finish(NvrRetention *self, GPtrArray *victims, NvrRetentionResult *result, GError **error)
{
	ret_unlink(victims, result);
	if (ret_stopped(self, NVR_RETENTION_STEP_UNLINK, error))
		return FALSE;
	if (!ret_sync_dirs(victims, error))
		return FALSE;
	if (ret_stopped(self, NVR_RETENTION_STEP_SYNC, error))
		return FALSE;
	if (!ret_delete_rows(self, victims, result, error))
		return FALSE;
	return !ret_stopped(self, NVR_RETENTION_STEP_DELETE, error);
}

/*
 * The link a successor recorded for @row: exactly what verify compares. A
 * segment with no successor yet gets the link of its state on disk, for
 * the successor a crash might still give it.
 */
static GBytes *
ret_link(NvrRetention *self, const NvrIndexSegment *row, const gchar *path)
{
	g_autoptr(NvrIndexSegment) next = nvr_index_segment_load_successor(self->index, row->id,
									   NULL);
	NvrNvreChainState state;
	guint8 link[NVR_NVRE_LINK_SIZE];

	if (next != NULL && next->prev_link != NULL)
		return g_bytes_ref(next->prev_link);
	if (!nvr_store_segment_chain_state(row, path, &state, NULL) ||
	    !nvr_nvre_chain_state_link(&state, link, NULL))
		return NULL;
	return g_bytes_new(link, sizeof(link));
}

/*
 * Loads, links and signs. %NULL without an error when the row is no longer
 * stored: gone, or garbage (someone else is deleting it).
 */
static RetVictim *
ret_victim_new(NvrRetention *self, gint64 id, NvrIndexTombstoneReason reason,
	       NvrIndexTombstoneRule rule, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(NvrIndexSegment) row = nvr_index_segment_load(self->index, id, &local);
	g_autoptr(NvrIndexCamera) camera = NULL;
	g_autoptr(GBytes) link = NULL;
	RetVictim *v;

	if (row == NULL) {
		if (!g_error_matches(local, NVR_ERROR, NVR_ERROR_NOT_FOUND))
			g_propagate_error(error, g_steal_pointer(&local));
		return NULL;
	}
	if (row->status == NVR_INDEX_SEGMENT_GARBAGE)
		return NULL;
	if (row->status != NVR_INDEX_SEGMENT_FINALIZED &&
	    row->status != NVR_INDEX_SEGMENT_INTERRUPTED) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_BUSY,
			    "segment %" G_GINT64_FORMAT " is %s, not a stored segment", id,
			    nvr_index_segment_status_to_string(row->status));
		return NULL;
	}
	camera = nvr_index_camera_load(self->index, row->camera_id, error);
	if (camera == NULL)
		return NULL;
	v = g_new0(RetVictim, 1);
	v->path = nvr_store_dup_segment_path(self->index, row, error);
	if (v->path == NULL) {
		ret_victim_free(v);
		return NULL;
	}
	link = ret_link(self, row, v->path);
	v->tombstone = nvr_index_tombstone_new_for_segment(row, link, reason,
							   nvr_index_now_us(self->index));
	v->tombstone->rule = rule;
	v->row = g_steal_pointer(&row);
	if (!nvr_store_tombstone_sign(v->tombstone, camera->uuid, self->device_key, error)) {
		ret_victim_free(v);
		return NULL;
	}
	return v;
}

static gboolean
ret_delete_victims(NvrRetention *self, GPtrArray *victims, NvrRetentionResult *result,
		   GError **error)
{
	if (victims->len == 0)
		return TRUE;
	if (!ret_mark(self, victims, result, error)) {
		g_prefix_error(error, "marking %u segments garbage: ", victims->len);
		return FALSE;
	}
	if (ret_stopped(self, NVR_RETENTION_STEP_MARK, error))
		return FALSE;
	return ret_finish(self, victims, result, error);
}

gboolean
nvr_retention_delete(NvrRetention *self, const gint64 *segment_ids, guint n_ids,
		     NvrRetentionResult *result, GError **error)
{
	g_autoptr(GPtrArray) victims = g_ptr_array_new_with_free_func(
		(GDestroyNotify)ret_victim_free);

	g_return_val_if_fail(self != NULL && result != NULL, FALSE);
	g_return_val_if_fail(segment_ids != NULL || n_ids == 0, FALSE);

	if (self->device_key == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_NOT_FOUND,
				    "no device key to sign tombstones with");
		return FALSE;
	}
	for (guint i = 0; i < n_ids; i++) {
		g_autoptr(GError) local = NULL;
		RetVictim *v = ret_victim_new(self, segment_ids[i], NVR_INDEX_TOMBSTONE_USER,
					      NVR_INDEX_TOMBSTONE_RULE_NONE, &local);

		if (local != NULL) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		if (v == NULL) {
			result->gone++;
			continue;
		}
		g_ptr_array_add(victims, v);
	}
	return ret_delete_victims(self, victims, result, error);
}

/* whole, finished, and inside: a segment straddling a boundary is not the user's to cut */
static gboolean
ret_inside(const NvrIndexSegment *s, gint64 start_us, gint64 end_us)
{
	return (s->status == NVR_INDEX_SEGMENT_FINALIZED ||
		s->status == NVR_INDEX_SEGMENT_INTERRUPTED) &&
	       s->start_us >= start_us && s->end_us <= end_us;
}

gboolean
nvr_retention_delete_span(NvrRetention *self, gint64 camera_id, gint64 start_us, gint64 end_us,
			  NvrRetentionResult *result, GPtrArray **kept, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)nvr_index_segment_free);
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	const NvrIndexStream streams[] = {NVR_INDEX_STREAM_MAIN, NVR_INDEX_STREAM_SUB};

	g_return_val_if_fail(self != NULL && result != NULL, FALSE);

	for (guint i = 0; i < G_N_ELEMENTS(streams); i++) {
		g_autoptr(GPtrArray) rows = nvr_index_segment_list_span(self->index, camera_id,
									streams[i], start_us,
									end_us, error);

		if (rows == NULL)
			return FALSE;
		for (guint j = 0; j < rows->len; j++) {
			NvrIndexSegment *s = g_ptr_array_index(rows, j);

			if (ret_inside(s, start_us, end_us))
				g_array_append_val(ids, s->id);
			else
				g_ptr_array_add(out, g_steal_pointer(&g_ptr_array_index(rows, j)));
		}
	}
	/* batches bound each MARK transaction, which holds the write lock nvrd's writer needs */
	for (guint i = 0; i < ids->len; i += NVR_RETENTION_BATCH) {
		if (!nvr_retention_delete(self, &g_array_index(ids, gint64, i),
					  MIN(NVR_RETENTION_BATCH, ids->len - i), result, error))
			return FALSE;
	}
	if (kept != NULL)
		*kept = g_steal_pointer(&out);
	return TRUE;
}

gboolean
nvr_retention_complete(NvrRetention *self, NvrRetentionResult *result, GError **error)
{
	g_autoptr(GPtrArray) rows = NULL;
	g_autoptr(GPtrArray) victims = g_ptr_array_new_with_free_func(
		(GDestroyNotify)ret_victim_free);

	g_return_val_if_fail(self != NULL && result != NULL, FALSE);

	rows = nvr_index_segment_list_by_status(self->index, NVR_INDEX_SEGMENT_GARBAGE, error);
	if (rows == NULL)
		return FALSE;
	for (guint i = 0; i < rows->len; i++) {
		RetVictim *v = g_new0(RetVictim, 1);

		v->row = g_steal_pointer(&g_ptr_array_index(rows, i));
		g_ptr_array_add(victims, v);
		v->path = nvr_store_dup_segment_path(self->index, v->row, error);
		if (v->path == NULL)
			return FALSE;
	}
	if (victims->len > 0)
		g_debug("completing %u garbage rows", victims->len);
	return victims->len == 0 || ret_finish(self, victims, result, error);
}

/* ---- measuring ---- */

static RetCamera *
ret_camera_find(GArray *cameras, gint64 camera_id)
{
	for (guint i = 0; i < cameras->len; i++) {
		RetCamera *c = &g_array_index(cameras, RetCamera, i);

		if (c->camera_id == camera_id)
			return c;
	}
	return NULL;
}

static GArray *
ret_measure_cameras(NvrRetention *self, guint64 *pending_bytes, GError **error)
{
	g_autoptr(GPtrArray) cams = nvr_index_camera_list(self->index, TRUE, error);
	g_autoptr(GArray) totals = NULL;
	g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(RetCamera));

	if (cams == NULL)
		return NULL;
	totals = nvr_index_segment_list_totals(self->index, error);
	if (totals == NULL)
		return NULL;
	for (guint i = 0; i < cams->len; i++) {
		NvrIndexCamera *cam = g_ptr_array_index(cams, i);
		RetCamera c = {.camera_id = cam->id};

		c.budget = cam->budget_bytes > 0 ? (guint64)cam->budget_bytes
						 : self->policy.camera_budget_bytes;
		c.max_age_us = cam->max_age_us > 0 ? cam->max_age_us : self->policy.max_age_us;
		g_array_append_val(out, c);
	}
	*pending_bytes = 0;
	for (guint i = 0; i < totals->len; i++) {
		NvrIndexSegmentTotals *t = &g_array_index(totals, NvrIndexSegmentTotals, i);
		RetCamera *c = ret_camera_find(out, t->camera_id);

		*pending_bytes += (guint64)t->garbage_bytes;
		if (c != NULL)
			c->stored = (guint64)t->stored_bytes;
	}
	return g_steal_pointer(&out);
}

/*
 * Bytes in flight: an open segment is expected to grow to its predecessor's
 * size (the camera's bitrate over one rotation); what it has written so far
 * is on disk already, the rest is not yet.
 */
static gboolean
ret_measure_inflight(NvrRetention *self, GArray *cameras, guint64 *not_on_disk, GError **error)
{
	g_autoptr(GPtrArray) open = nvr_index_segment_list_by_status(
		self->index, NVR_INDEX_SEGMENT_RECORDING, error);

	if (open == NULL)
		return FALSE;
	*not_on_disk = 0;
	for (guint i = 0; i < open->len; i++) {
		NvrIndexSegment *s = g_ptr_array_index(open, i);
		g_autofree gchar *path = nvr_store_dup_segment_path(self->index, s, NULL);
		g_autoptr(NvrIndexSegment) prev = NULL;
		RetCamera *c = ret_camera_find(cameras, s->camera_id);
		guint64 now = 0, expected;
		GStatBuf st;

		if (path != NULL && g_stat(path, &st) == 0)
			now = (guint64)st.st_size;
		if (s->prev_segment_id > 0)
			prev = nvr_index_segment_load(self->index, s->prev_segment_id, NULL);
		expected = MAX(now, prev != NULL ? (guint64)prev->file_len : 0);
		*not_on_disk = ret_add(*not_on_disk, expected - now);
		if (c != NULL)
			c->inflight = ret_add(c->inflight, expected);
	}
	for (guint i = 0; i < cameras->len; i++) {
		RetCamera *c = &g_array_index(cameras, RetCamera, i);
		guint64 used = ret_add(c->stored, c->inflight);

		c->over = c->budget > 0 && used > c->budget ? MIN(used - c->budget, c->stored) : 0;
	}
	return TRUE;
}

/* ---- the walk ---- */

/* no later row can be taken by any rule: later rows are younger and come after in bytes */
static gboolean
ret_walk_done(RetWalk *w, const NvrIndexRetentionRow *row)
{
	if (w->rows->len >= NVR_RETENTION_BATCH)
		return TRUE;
	if (w->collected_free < w->need_free)
		return FALSE;
	for (guint i = 0; i < w->cameras->len; i++) {
		RetCamera *c = &g_array_index(w->cameras, RetCamera, i);

		if (c->walked < c->over)
			return FALSE;
	}
	return row->start_us >= w->age_horizon_us;
}

static gboolean
ret_walk_cb(const NvrIndexRetentionRow *row, gpointer user_data)
{
	RetWalk *w = user_data;
	RetCamera *c = ret_camera_find(w->cameras, row->camera_id);
	gboolean held = g_hash_table_contains(w->self->held, &row->segment_id);
	gboolean take = w->collected_free < w->need_free;

	if (c != NULL) {
		take = take || c->walked < c->over;
		take = take || (c->max_age_us > 0 && row->end_us < w->now_us - c->max_age_us);
		c->walked += (guint64)row->file_len;
	}
	if (take) {
		NvrRetentionSegment s = {.segment_id = row->segment_id,
					 .camera_id = row->camera_id,
					 .start_us = row->start_us,
					 .end_us = row->end_us,
					 .bytes = (guint64)row->file_len,
					 .in_use = held};

		g_array_append_val(w->rows, s);
		if (c != NULL)
			c->window += s.bytes;
		if (!held)
			w->collected_free += s.bytes;
	}
	return !ret_walk_done(w, row);
}

static gboolean
ret_walk_prepare(NvrRetention *self, RetWalk *w, NvrRetentionResult *result, GError **error)
{
	guint64 have;

	w->self = self;
	w->now_us = nvr_index_now_us(self->index);
	w->cameras = ret_measure_cameras(self, &w->pending_bytes, error);
	if (w->cameras == NULL || !ret_measure_inflight(self, w->cameras, &w->inflight_disk, error) ||
	    !nvr_retention_read_space(self, &w->free_bytes, error))
		return FALSE;
	w->rows = g_array_new(FALSE, TRUE, sizeof(NvrRetentionSegment));
	w->age_horizon_us = G_MININT64;
	for (guint i = 0; i < w->cameras->len; i++) {
		RetCamera *c = &g_array_index(w->cameras, RetCamera, i);

		if (c->max_age_us > 0)
			w->age_horizon_us = MAX(w->age_horizon_us, w->now_us - c->max_age_us);
	}
	have = ret_add(w->free_bytes, w->pending_bytes);
	have = have > w->inflight_disk ? have - w->inflight_disk : 0;
	w->need_free = self->policy.floor_bytes > have ? self->policy.floor_bytes - have : 0;
	result->free_bytes = w->free_bytes;
	result->inflight_bytes = w->inflight_disk;
	return TRUE;
}

static void
ret_walk_clear(RetWalk *w)
{
	g_clear_pointer(&w->cameras, g_array_unref);
	g_clear_pointer(&w->rows, g_array_unref);
}

/* ---- a pass ---- */

static NvrIndexTombstoneRule
ret_rule_of(NvrRetentionReason reason)
{
	switch (reason) {
	case NVR_RETENTION_REASON_AGE:
		return NVR_INDEX_TOMBSTONE_RULE_AGE;
	case NVR_RETENTION_REASON_BUDGET:
		return NVR_INDEX_TOMBSTONE_RULE_BUDGET;
	case NVR_RETENTION_REASON_FREE_SPACE:
	default:
		return NVR_INDEX_TOMBSTONE_RULE_FREE_SPACE;
	}
}

/* a reader may have taken a hold since the walk: ask the store for each row of the window */
static void
ret_check_holds(NvrRetention *self, GArray *rows)
{
	for (guint i = 0; i < rows->len; i++) {
		NvrRetentionSegment *s = &g_array_index(rows, NvrRetentionSegment, i);
		g_autoptr(NvrIndexSegment) row = NULL;
		g_autofree gchar *path = NULL;

		if (s->in_use)
			continue;
		row = nvr_index_segment_load(self->index, s->segment_id, NULL);
		path = row != NULL ? nvr_store_dup_segment_path(self->index, row, NULL) : NULL;
		s->in_use = path != NULL && nvr_store_hold_is_held(s->segment_id, path);
	}
}

static GArray *
ret_plan(RetWalk *w)
{
	g_autoptr(GArray) cams = g_array_new(FALSE, TRUE, sizeof(NvrRetentionCamera));
	NvrRetentionDisk disk = {.now_us = w->now_us,
				 .free_bytes = w->free_bytes,
				 .floor_bytes = w->self->policy.floor_bytes,
				 .pending_delete_bytes = w->pending_bytes,
				 .inflight_bytes = w->inflight_disk};

	for (guint i = 0; i < w->cameras->len; i++) {
		RetCamera *c = &g_array_index(w->cameras, RetCamera, i);
		NvrRetentionCamera rc = {.camera_id = c->camera_id,
					 .budget_bytes = c->budget,
					 .max_age_us = c->max_age_us,
					 .inflight_bytes = c->inflight,
					 .outside_bytes = c->stored > c->window ? c->stored - c->window
										: 0};

		g_array_append_val(cams, rc);
	}
	return nvr_retention_plan((const NvrRetentionSegment *)(gpointer)w->rows->data,
				  w->rows->len, (const NvrRetentionCamera *)(gpointer)cams->data,
				  cams->len, &disk);
}

/* @progress: set when the pass changed what a next pass would see (deleted, or found held) */
static gboolean
ret_pass(NvrRetention *self, NvrRetentionResult *result, gboolean *progress, GError **error)
{
	RetWalk w = {0};
	g_autoptr(GArray) plan = NULL;
	g_autoptr(GPtrArray) victims = g_ptr_array_new_with_free_func(
		(GDestroyNotify)ret_victim_free);
	guint deleted = result->deleted;
	gboolean ok;

	*progress = FALSE;
	if (!ret_walk_prepare(self, &w, result, error) ||
	    !nvr_index_segment_foreach_oldest(self->index, ret_walk_cb, &w, error)) {
		ret_walk_clear(&w);
		return FALSE;
	}
	ret_check_holds(self, w.rows);
	plan = ret_plan(&w);
	ret_walk_clear(&w);
	result->passes++;
	for (guint i = 0; i < plan->len; i++) {
		NvrRetentionAction *a = &g_array_index(plan, NvrRetentionAction, i);
		g_autoptr(GError) local = NULL;
		RetVictim *v;

		if (a->deferred) {
			/* the next walk looks past it; counted once per run */
			if (g_hash_table_add(self->held, g_memdup2(&a->segment_id, sizeof(gint64)))) {
				*progress = TRUE;
				result->deferred++;
			}
			continue;
		}
		v = ret_victim_new(self, a->segment_id, NVR_INDEX_TOMBSTONE_RETENTION,
				   ret_rule_of(a->reason), &local);
		if (v == NULL) {
			/* the writer or a user changed it meanwhile: the next pass sees */
			g_debug("segment %" G_GINT64_FORMAT ": %s", a->segment_id,
				local != NULL ? local->message : "no longer stored");
			continue;
		}
		g_ptr_array_add(victims, v);
	}
	ok = ret_delete_victims(self, victims, result, error);
	*progress |= result->deleted > deleted;
	return ok;
}

gboolean
nvr_retention_prune_tombstones(NvrRetention *self, NvrRetentionResult *result, GError **error)
{
	gint64 before;

	g_return_val_if_fail(self != NULL && result != NULL, FALSE);

	if (self->policy.tombstone_keep_us <= 0)
		return TRUE;
	before = nvr_index_now_us(self->index) - self->policy.tombstone_keep_us;
	for (guint i = 0; i < NVR_RETENTION_PRUNE_BATCHES; i++) {
		guint n = 0;

		if (!nvr_index_tombstone_prune(self->index, before, NVR_RETENTION_PRUNE_BATCH, &n,
					       error))
			return FALSE;
		result->pruned += n;
		if (n < NVR_RETENTION_PRUNE_BATCH)
			break;
	}
	return TRUE;
}

gboolean
nvr_retention_run(NvrRetention *self, NvrRetentionResult *result, GError **error)
{
	gboolean progress = TRUE;

	g_return_val_if_fail(self != NULL && result != NULL, FALSE);

	g_hash_table_remove_all(self->held);
	if (!nvr_retention_complete(self, result, error))
		return FALSE;
	if (self->device_key == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_NOT_FOUND,
				    "no device key to sign tombstones with");
		return FALSE;
	}
	for (guint i = 0; progress && i < NVR_RETENTION_MAX_PASSES; i++) {
		if (!ret_pass(self, result, &progress, error))
			return FALSE;
	}
	/* what the next caller sees: the disk after the deletions */
	return nvr_retention_read_space(self, &result->free_bytes, error);
}
