/*
 * nvr-ingest-pipeline.h: one connection of an NvrIngest (private to
 * nvr/recorder): a source ! depay ! parse ! appsink per track, whose
 * streaming threads put samples into an inbox (nvr-ingest-inbox.h) that the
 * ingest's main context drains. Nothing here touches NvrIngest.
 */
#pragma once

#include <gst/gst.h>

#include "recorder/nvr-ingest-inbox.h"
#include "recorder/nvr-ingest.h"

G_BEGIN_DECLS

typedef struct {
	const gchar *name;     /* for element names and logs */
	const gchar *url;      /* no credentials */
	const gchar *user;     /* nullable */
	const gchar *password; /* nullable */
	NvrIngestTransport transport;
	gboolean use_rtspsrc; /* GStreamer's rtspsrc even for rtsp:// over TCP */
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
