/*
 * nvr-ingest-pipeline.h: one connection of an NvrIngest (private to
 * nvr/recorder): rtspsrc ! depay ! parse ! appsink per track, whose
 * streaming threads put samples into an inbox that the ingest's main
 * context drains. Nothing here touches NvrIngest.
 */
#pragma once

#include <gst/gst.h>

#include "recorder/nvr-ingest.h"

G_BEGIN_DECLS

typedef struct {
	guint connection; /* which pipeline it came from */
	NvrIngestTrack track;
	GstSample *sample;
	gint64 arrival_us; /* boottime, read on the streaming thread */
} NvrIngestSample;

void
nvr_ingest_sample_free(NvrIngestSample *sample);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrIngestSample, nvr_ingest_sample_free)

/* streaming threads -> main context; reference counted, any thread */
typedef struct _NvrIngestInbox NvrIngestInbox;

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
NvrIngestSample *
nvr_ingest_inbox_pop(NvrIngestInbox *inbox);
guint
nvr_ingest_inbox_get_overflowed(NvrIngestInbox *inbox);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrIngestInbox, nvr_ingest_inbox_unref)

typedef struct {
	const gchar *name;     /* for element names and logs */
	const gchar *url;      /* no credentials */
	const gchar *user;     /* nullable */
	const gchar *password; /* nullable */
	NvrIngestTransport transport;
	guint connection;
} NvrIngestPipelineConfig;

/* on the main context: the connection ended (EOS or an error) */
typedef void (*NvrIngestPipelineEndFunc)(gpointer user_data,
					 guint connection,
					 gboolean eos,
					 const GError *error);

typedef struct _NvrIngestPipeline NvrIngestPipeline;

NvrIngestPipeline *
nvr_ingest_pipeline_new(const NvrIngestPipelineConfig *config, NvrIngestInbox *inbox, GError **error);
gboolean
nvr_ingest_pipeline_start(NvrIngestPipeline *self,
			  GMainContext *context,
			  NvrIngestPipelineEndFunc func,
			  gpointer user_data,
			  GError **error);
void
nvr_ingest_pipeline_free(NvrIngestPipeline *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrIngestPipeline, nvr_ingest_pipeline_free)

G_END_DECLS
