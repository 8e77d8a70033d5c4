/*
 * nvr-ingest-inbox.h: samples from streaming threads to the main context
 * (private to nvr/recorder). Each NvrIngest has an inbox (a GAsyncQueue);
 * all inboxes of one GMainContext share one doorbell, a GSource rung at
 * most once per 20 ms slot: waking a thread costs more than the work of a
 * frame, so the main context wakes about 50 times a second however many
 * streams there are. A frame waits at most 20 ms for it.
 */
#pragma once

#include <gst/gst.h>

#include "core/nvr-clock.h"
#include "recorder/nvr-ingest.h"

G_BEGIN_DECLS

#define NVR_INGEST_INBOX_SLOT_US (20 * 1000)

typedef struct {
	guint connection; /* which pipeline it came from */
	NvrIngestTrack track;
	GstSample *sample;
	gint64 arrival_us; /* boottime, read on the streaming thread */
} NvrIngestSample;

void
nvr_ingest_sample_free(NvrIngestSample *sample);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrIngestSample, nvr_ingest_sample_free)

/* reference counted; push from any thread, everything else on the main context */
typedef struct _NvrIngestInbox NvrIngestInbox;

/* @ready: called on @context when samples may be waiting; pops them all */
NvrIngestInbox *
nvr_ingest_inbox_new(GMainContext *context,
		     NvrClock *clock,
		     guint max_samples,
		     GSourceFunc ready,
		     gpointer user_data);
NvrIngestInbox *
nvr_ingest_inbox_ref(NvrIngestInbox *inbox);
void
nvr_ingest_inbox_unref(NvrIngestInbox *inbox);
void
nvr_ingest_inbox_close(NvrIngestInbox *inbox);
void
nvr_ingest_inbox_push(NvrIngestInbox *inbox, NvrIngestSample *sample);
NvrIngestSample *
nvr_ingest_inbox_pop(NvrIngestInbox *inbox);
gint64
nvr_ingest_inbox_now_us(NvrIngestInbox *inbox);
guint
nvr_ingest_inbox_get_overflowed(NvrIngestInbox *inbox);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrIngestInbox, nvr_ingest_inbox_unref)

G_END_DECLS
