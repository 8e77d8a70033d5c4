/*
 * notes on the inbox
 *
 *   streaming thread: queue push; if the doorbell is not scheduled, schedule
 *     it for the end of the current 20 ms slot (the only cross-thread wakeup)
 *   main context: the doorbell fires, unschedules itself, then calls every
 *     open inbox's ready function, which drains that inbox
 *
 * invariants
 *   (1) a sample pushed after the doorbell unscheduled itself schedules it
 *       again, so none waits longer than one slot past the next dispatch
 *   (2) the doorbell's list holds open inboxes only, and is touched on the
 *       main context only; streaming threads touch the queue and atomics
 *   (3) one doorbell per GMainContext, alive while an inbox refers to it
 */
#include "config.h"

#include "nvr-ingest-inbox.h"

typedef struct {
	GSource source;
	GMainContext *context; /* the key in the registry; not a reference */
	gint refs;	       /* protected by nvr_ingest_doorbells_lock */
	gint scheduled;	       /* atomic */
	GPtrArray *inboxes;    /* NvrIngestInbox, not references; main context only */
} NvrIngestDoorbell;

struct _NvrIngestInbox {
	gint refcount;
	NvrIngestDoorbell *doorbell; /* immutable; a reference */
	GAsyncQueue *queue;	     /* NvrIngestSample */
	NvrClock *clock;	     /* immutable */
	guint max_samples;	     /* immutable */
	gint overflowed;	     /* atomic: samples dropped because the queue was full */
	GSourceFunc ready;	     /* immutable */
	gpointer ready_data;	     /* immutable */
};

static GMutex nvr_ingest_doorbells_lock;
static GHashTable *nvr_ingest_doorbells; /* GMainContext -> NvrIngestDoorbell */

void
nvr_ingest_sample_free(NvrIngestSample *sample)
{
	if (sample == NULL)
		return;
	gst_sample_unref(sample->sample);
	g_free(sample);
}

static gboolean
nvr_ingest_doorbell_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	NvrIngestDoorbell *d = (NvrIngestDoorbell *)source;
	g_autoptr(GPtrArray) snapshot = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)nvr_ingest_inbox_unref);

	/* unscheduled first: what is pushed from here on rings again */
	g_source_set_ready_time(source, -1);
	g_atomic_int_set(&d->scheduled, 0);
	/* a ready function may close inboxes (an ingest stops): iterate a copy */
	for (guint i = 0; i < d->inboxes->len; i++)
		g_ptr_array_add(snapshot, nvr_ingest_inbox_ref(g_ptr_array_index(d->inboxes, i)));
	for (guint i = 0; i < snapshot->len; i++) {
		NvrIngestInbox *inbox = g_ptr_array_index(snapshot, i);
		if (g_ptr_array_find(d->inboxes, inbox, NULL))
			inbox->ready(inbox->ready_data);
	}
	return G_SOURCE_CONTINUE;
}

static void
nvr_ingest_doorbell_finalize(GSource *source)
{
	g_ptr_array_unref(((NvrIngestDoorbell *)source)->inboxes);
}

static GSourceFuncs nvr_ingest_doorbell_funcs = {
    .dispatch = nvr_ingest_doorbell_dispatch,
    .finalize = nvr_ingest_doorbell_finalize,
};

static NvrIngestDoorbell *
nvr_ingest_doorbell_get(GMainContext *context)
{
	NvrIngestDoorbell *d;

	g_mutex_lock(&nvr_ingest_doorbells_lock);
	if (nvr_ingest_doorbells == NULL)
		nvr_ingest_doorbells = g_hash_table_new(g_direct_hash, g_direct_equal);
	d = g_hash_table_lookup(nvr_ingest_doorbells, context);
	if (d == NULL) {
		d = (NvrIngestDoorbell *)g_source_new(&nvr_ingest_doorbell_funcs,
						      sizeof(NvrIngestDoorbell));
		d->context = context;
		d->inboxes = g_ptr_array_new();
		g_source_set_name(&d->source, "nvr-ingest-doorbell");
		g_source_attach(&d->source, context);
		g_hash_table_insert(nvr_ingest_doorbells, context, d);
	}
	d->refs++;
	g_mutex_unlock(&nvr_ingest_doorbells_lock);
	return d;
}

static void
nvr_ingest_doorbell_release(NvrIngestDoorbell *d)
{
	gboolean last;

	g_mutex_lock(&nvr_ingest_doorbells_lock);
	last = --d->refs == 0;
	if (last)
		g_hash_table_remove(nvr_ingest_doorbells, d->context);
	g_mutex_unlock(&nvr_ingest_doorbells_lock);
	if (last) {
		g_source_destroy(&d->source);
		g_source_unref(&d->source);
	}
}

/* streaming thread: at most one wakeup per slot for all streams of the context */
static void
nvr_ingest_doorbell_ring(NvrIngestDoorbell *d)
{
	gint64 now;

	if (!g_atomic_int_compare_and_exchange(&d->scheduled, 0, 1))
		return;
	now = g_get_monotonic_time();
	g_source_set_ready_time(&d->source,
				(now / NVR_INGEST_INBOX_SLOT_US + 1) * NVR_INGEST_INBOX_SLOT_US);
}

/**
 * nvr_ingest_inbox_new:
 *
 * Returns: (transfer full): an open inbox whose @ready runs on @context
 */
NvrIngestInbox *
nvr_ingest_inbox_new(GMainContext *context,
		     NvrClock *clock,
		     guint max_samples,
		     GSourceFunc ready,
		     gpointer user_data)
{
	NvrIngestInbox *inbox = g_new0(NvrIngestInbox, 1);

	inbox->refcount = 1;
	inbox->clock = g_object_ref(clock);
	inbox->max_samples = max_samples;
	inbox->queue = g_async_queue_new_full((GDestroyNotify)nvr_ingest_sample_free);
	inbox->ready = ready;
	inbox->ready_data = user_data;
	inbox->doorbell = nvr_ingest_doorbell_get(context);
	g_ptr_array_add(inbox->doorbell->inboxes, inbox);
	return inbox;
}

NvrIngestInbox *
nvr_ingest_inbox_ref(NvrIngestInbox *inbox)
{
	g_atomic_int_inc(&inbox->refcount);
	return inbox;
}

void
nvr_ingest_inbox_unref(NvrIngestInbox *inbox)
{
	if (inbox == NULL || !g_atomic_int_dec_and_test(&inbox->refcount))
		return;
	g_async_queue_unref(inbox->queue);
	g_object_unref(inbox->clock);
	nvr_ingest_doorbell_release(inbox->doorbell);
	g_free(inbox);
}

/* main context: the owner goes away; pipelines may still push, unheard */
void
nvr_ingest_inbox_close(NvrIngestInbox *inbox)
{
	g_ptr_array_remove(inbox->doorbell->inboxes, inbox);
}

/* streaming thread */
void
nvr_ingest_inbox_push(NvrIngestInbox *inbox, NvrIngestSample *sample)
{
	/* a main context that stopped draining must not take the memory with it */
	if ((guint)g_async_queue_length(inbox->queue) >= inbox->max_samples) {
		g_atomic_int_inc(&inbox->overflowed);
		nvr_ingest_sample_free(sample);
		return;
	}
	g_async_queue_push(inbox->queue, sample);
	nvr_ingest_doorbell_ring(inbox->doorbell);
}

/* Returns: (transfer full) (nullable): the oldest sample */
NvrIngestSample *
nvr_ingest_inbox_pop(NvrIngestInbox *inbox)
{
	return g_async_queue_try_pop(inbox->queue);
}

/* boottime, for arrival times */
gint64
nvr_ingest_inbox_now_us(NvrIngestInbox *inbox)
{
	return nvr_clock_get_boottime_us(inbox->clock);
}

guint
nvr_ingest_inbox_get_overflowed(NvrIngestInbox *inbox)
{
	return (guint)g_atomic_int_get(&inbox->overflowed);
}
