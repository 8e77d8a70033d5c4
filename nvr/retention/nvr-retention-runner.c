/*
 * nvr-retention-runner.c: the retention thread of nvrd.
 *
 * design notes
 *   - The thread owns the executor and its index connection; callers only
 *     push wake-ups into a GAsyncQueue and read totals under a mutex.
 *   - Three clocks decide when to run: the interval (a full run), the
 *     free-space check (statvfs only, every NVR_RETENTION_CHECK_MS: a run
 *     when free space minus what open segments will still write is below
 *     the floor), and triggers. A run never starts within
 *     NVR_RETENTION_MIN_GAP_MS of the last one's end, so a burst of
 *     ENOSPC reports from several cameras costs one run.
 */
#include "config.h"

#include "core/nvr-error.h"
#include "nvr-retention-runner.h"

#define NVR_RETENTION_INTERVAL_MS_DEFAULT 10000
#define NVR_RETENTION_CHECK_MS 1000
#define NVR_RETENTION_MIN_GAP_MS 250

typedef enum {
	RUNNER_OP_WAKE = 1, /* a trigger or a new policy */
	RUNNER_OP_STOP,
} RunnerOp;

/* where reports go; shared with reports still queued on the main context, which may be
 * dispatched after the runner is gone (an atomic rc box; func is cleared at free) */
typedef struct {
	GMutex mutex;
	NvrRetentionRunnerFunc func; /* protected by mutex */
	gpointer func_data;	     /* protected by mutex */
} RunnerSink;

struct _NvrRetentionRunner {
	GAsyncQueue *queue; /* RunnerOp as pointers */
	GThread *thread;
	GMainContext *context; /* where the sink's func runs */
	RunnerSink *sink;      /* atomic rc box */
	GMutex mutex;
	NvrRetentionPolicy policy;	  /* protected by mutex */
	guint interval_ms;		  /* protected by mutex */
	gboolean triggered;		  /* protected by mutex */
	gboolean policy_changed;	  /* protected by mutex */
	NvrRetentionResult totals;	  /* protected by mutex */
	NvrRetentionRunnerTimes times;	  /* protected by mutex */

	/* runner thread only */
	NvrRetention *retention;
	guint64 last_inflight;
};

typedef struct {
	RunnerSink *sink; /* a reference */
	NvrRetentionResult result;
	GError *error;
} RunnerReport;

static void
runner_sink_clear(gpointer data)
{
	g_mutex_clear(&((RunnerSink *)data)->mutex);
}

static void
runner_report_free(gpointer data)
{
	RunnerReport *r = data;

	g_clear_error(&r->error);
	g_atomic_rc_box_release_full(r->sink, runner_sink_clear);
	g_free(r);
}

static gboolean
runner_report_dispatch(gpointer data)
{
	RunnerReport *r = data;
	NvrRetentionRunnerFunc func;
	gpointer user_data;

	g_mutex_lock(&r->sink->mutex);
	func = r->sink->func;
	user_data = r->sink->func_data;
	g_mutex_unlock(&r->sink->mutex);
	if (func != NULL)
		func(&r->result, r->error, user_data);
	return G_SOURCE_REMOVE;
}

static void
runner_add_totals(NvrRetentionResult *t, const NvrRetentionResult *r)
{
	t->deleted += r->deleted;
	t->deleted_bytes += r->deleted_bytes;
	for (guint i = 0; i < G_N_ELEMENTS(t->by_rule); i++)
		t->by_rule[i] += r->by_rule[i];
	t->deferred += r->deferred;
	t->completed += r->completed;
	t->passes += r->passes;
	t->pruned += r->pruned;
	/* states, not sums */
	t->pending = r->pending;
	t->pending_bytes = r->pending_bytes;
	t->free_bytes = r->free_bytes;
	t->inflight_bytes = r->inflight_bytes;
}

/* keyless and independent of the run: old tombstones go even while no key signs */
static void
runner_prune(NvrRetentionRunner *self, NvrRetentionResult *result)
{
	g_autoptr(GError) error = NULL;
	gint64 start = g_get_monotonic_time();

	if (!nvr_retention_prune_tombstones(self->retention, result, &error))
		g_warning("retention: %s", error->message);
	else if (result->pruned > 0)
		g_message("retention: %u tombstones past their keep period pruned, %.0f ms",
			  result->pruned, (g_get_monotonic_time() - start) / 1000.0);
}

static void
runner_run(NvrRetentionRunner *self)
{
	RunnerReport *r = g_new0(RunnerReport, 1);
	gint64 start = g_get_monotonic_time();
	gint64 took;

	g_mutex_lock(&self->mutex);
	if (self->policy_changed)
		nvr_retention_set_policy(self->retention, &self->policy);
	self->policy_changed = FALSE;
	self->triggered = FALSE;
	g_mutex_unlock(&self->mutex);

	r->sink = g_atomic_rc_box_acquire(self->sink);
	runner_prune(self, &r->result);
	if (!nvr_retention_run(self->retention, &r->result, &r->error))
		g_warning("retention: %s", r->error->message);
	else if (r->result.deleted + r->result.completed > 0)
		g_message("retention: %u segments deleted (%" G_GUINT64_FORMAT
			  " bytes; age %u, budget %u, free space %u), %u deferred, %" G_GUINT64_FORMAT
			  " bytes free, %.0f ms",
			  r->result.deleted + r->result.completed, r->result.deleted_bytes,
			  r->result.by_rule[NVR_INDEX_TOMBSTONE_RULE_AGE],
			  r->result.by_rule[NVR_INDEX_TOMBSTONE_RULE_BUDGET],
			  r->result.by_rule[NVR_INDEX_TOMBSTONE_RULE_FREE_SPACE], r->result.deferred,
			  r->result.free_bytes, (g_get_monotonic_time() - start) / 1000.0);
	self->last_inflight = r->result.inflight_bytes;
	took = g_get_monotonic_time() - start;
	g_mutex_lock(&self->mutex);
	runner_add_totals(&self->totals, &r->result);
	self->times.runs++;
	self->times.run_us += took;
	self->times.run_max_us = MAX(self->times.run_max_us, took);
	g_mutex_unlock(&self->mutex);
	g_main_context_invoke_full(self->context, G_PRIORITY_DEFAULT, runner_report_dispatch, r,
				   runner_report_free);
}

/* cheap: one statvfs; below the floor (minus what open segments still write) runs now */
static gboolean
runner_space_low(NvrRetentionRunner *self)
{
	g_autoptr(GError) error = NULL;
	guint64 free_bytes = 0;
	guint64 floor_bytes;

	g_mutex_lock(&self->mutex);
	floor_bytes = self->policy.floor_bytes;
	g_mutex_unlock(&self->mutex);
	if (!nvr_retention_read_space(self->retention, &free_bytes, &error)) {
		g_debug("retention: %s", error->message);
		return FALSE;
	}
	return free_bytes < floor_bytes + self->last_inflight;
}

static gpointer
runner_thread(gpointer data)
{
	NvrRetentionRunner *self = data;
	gint64 next_run = g_get_monotonic_time(); /* once at start */
	gint64 next_check = next_run + NVR_RETENTION_CHECK_MS * 1000;
	gint64 last_end = G_MININT64 / 2;

	for (;;) {
		gint64 now = g_get_monotonic_time();
		gpointer op = g_async_queue_timeout_pop(self->queue,
							MAX(MIN(next_run, next_check) - now, 0));
		gboolean triggered;
		guint interval_ms;

		if (GPOINTER_TO_INT(op) == RUNNER_OP_STOP)
			break;
		now = g_get_monotonic_time();
		g_mutex_lock(&self->mutex);
		triggered = self->triggered;
		interval_ms = self->interval_ms;
		g_mutex_unlock(&self->mutex);
		if (triggered)
			next_run = MIN(next_run, last_end + NVR_RETENTION_MIN_GAP_MS * 1000);
		if (now >= next_check) {
			next_check = now + NVR_RETENTION_CHECK_MS * 1000;
			if (runner_space_low(self))
				next_run = MIN(next_run, last_end + NVR_RETENTION_MIN_GAP_MS * 1000);
		}
		if (now < next_run)
			continue;
		runner_run(self);
		last_end = g_get_monotonic_time();
		next_run = last_end + (gint64)interval_ms * 1000;
	}
	return NULL;
}

NvrRetentionRunner *
nvr_retention_runner_new(NvrIndex *index, NvrFootage *footage, NvrNvreSigningKey *device_key,
			 const NvrRetentionPolicy *policy, guint interval_ms, GError **error)
{
	g_autoptr(NvrIndex) own = NULL;
	NvrRetentionRunner *self;

	g_return_val_if_fail(NVR_IS_INDEX(index), NULL);
	g_return_val_if_fail(policy != NULL, NULL);

	own = nvr_index_open(nvr_index_get_path(index), error);
	if (own == NULL)
		return NULL;
	self = g_new0(NvrRetentionRunner, 1);
	self->retention = nvr_retention_new(own, footage, device_key, policy);
	self->policy = *policy;
	self->interval_ms = interval_ms > 0 ? interval_ms : NVR_RETENTION_INTERVAL_MS_DEFAULT;
	self->context = g_main_context_ref_thread_default();
	self->sink = g_atomic_rc_box_new0(RunnerSink);
	g_mutex_init(&self->sink->mutex);
	g_mutex_init(&self->mutex);
	self->queue = g_async_queue_new();
	self->thread = g_thread_new("nvr-retention", runner_thread, self);
	return self;
}

void
nvr_retention_runner_set_func(NvrRetentionRunner *self, NvrRetentionRunnerFunc func,
			      gpointer user_data)
{
	g_return_if_fail(self != NULL);
	g_mutex_lock(&self->sink->mutex);
	self->sink->func = func;
	self->sink->func_data = user_data;
	g_mutex_unlock(&self->sink->mutex);
}

void
nvr_retention_runner_trigger(NvrRetentionRunner *self)
{
	g_return_if_fail(self != NULL);
	g_mutex_lock(&self->mutex);
	self->triggered = TRUE;
	g_mutex_unlock(&self->mutex);
	g_async_queue_push(self->queue, GINT_TO_POINTER(RUNNER_OP_WAKE));
}

void
nvr_retention_runner_set_policy(NvrRetentionRunner *self, const NvrRetentionPolicy *policy,
				guint interval_ms)
{
	g_return_if_fail(self != NULL && policy != NULL);
	g_mutex_lock(&self->mutex);
	self->policy = *policy;
	self->policy_changed = TRUE;
	self->interval_ms = interval_ms > 0 ? interval_ms : NVR_RETENTION_INTERVAL_MS_DEFAULT;
	self->triggered = TRUE; /* a stricter policy applies now, not after an interval */
	g_mutex_unlock(&self->mutex);
	g_async_queue_push(self->queue, GINT_TO_POINTER(RUNNER_OP_WAKE));
}

void
nvr_retention_runner_get_totals(NvrRetentionRunner *self, NvrRetentionResult *totals)
{
	g_return_if_fail(self != NULL && totals != NULL);
	g_mutex_lock(&self->mutex);
	*totals = self->totals;
	g_mutex_unlock(&self->mutex);
}

void
nvr_retention_runner_get_times(NvrRetentionRunner *self, NvrRetentionRunnerTimes *times)
{
	g_return_if_fail(self != NULL && times != NULL);
	g_mutex_lock(&self->mutex);
	*times = self->times;
	g_mutex_unlock(&self->mutex);
}

void
nvr_retention_runner_free(NvrRetentionRunner *self)
{
	if (self == NULL)
		return;
	g_async_queue_push(self->queue, GINT_TO_POINTER(RUNNER_OP_STOP));
	g_thread_join(self->thread);
	/* reports still queued find no func */
	nvr_retention_runner_set_func(self, NULL, NULL);
	g_atomic_rc_box_release_full(self->sink, runner_sink_clear);
	g_async_queue_unref(self->queue);
	nvr_retention_free(self->retention);
	g_main_context_unref(self->context);
	g_mutex_clear(&self->mutex);
	g_free(self);
}
