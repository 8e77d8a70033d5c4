/*
 * nvr-stream-find.h: the stream URLs of a camera known only by its
 * address. The evidence collector (nvr-vendor-collect.h) asks the device,
 * ONVIF GetProfiles and GetStreamUri among it; the verdict names the
 * maker; nvr_vendor_stream_urls() turns both into candidates, ONVIF
 * first, then the identifying plugin's URLs and the quirk templates of the
 * brand and the maker. Each candidate is accepted only after an RTSP
 * DESCRIBE with the credentials offers video (nvr-rtsp-describe.h).
 *
 * Every URL here is without credentials; a candidate that carries any (in
 * its userinfo or its query) is dropped, not cleaned and kept.
 */
#pragma once

#include "vendor/nvr-vendor-collect.h"

G_BEGIN_DECLS

#define NVR_STREAM_FIND_CANDIDATES_MAX 8  /* per stream kind */
#define NVR_STREAM_FIND_BUDGET_MS 60000	  /* all DESCRIBEs together */

typedef struct {
	NvrVendorCollectOptions collect; /* host, ports, credentials, per-step timeout */
	guint channel;			 /* 1-based; 0: 1 */
	guint describe_timeout_ms;	 /* per DESCRIBE; 0: NVR_RTSP_DESCRIBE_TIMEOUT_MS */
	guint budget_ms;		 /* all DESCRIBEs; 0: NVR_STREAM_FIND_BUDGET_MS */
} NvrStreamFindOptions;

typedef struct {
	NvrStreamKind kind;
	gchar *url;	/* without credentials */
	gchar *method;	/* "onvif" (the device said it) or "template" (a plugin's or quirk's) */
	gchar *source;	/* "ONVIF GetStreamUri at ...", "plugin hikvision", "quirk template [...]" */
	gboolean ok;
	gboolean skipped; /* not sent: it carries credentials in its query */
	gint error_code; /* NvrError when not @ok */
	gchar *outcome;	 /* "H264 video, Digest auth" or why not */
} NvrStreamTry;

typedef struct {
	gchar *host;
	NvrEvidenceSet *set;
	NvrVerdict *verdict;
	GPtrArray *log;		/* (element-type utf8): the collection's steps */
	GError *onvif_error;	/* nullable: why ONVIF gave no stream URI */
	const NvrStreamTry *main; /* nullable: in @tried */
	const NvrStreamTry *sub;  /* nullable: in @tried */
	GPtrArray *tried;	/* (element-type NvrStreamTry): in order */
	gboolean with_credentials;
	gboolean over_budget; /* candidates were left untried */
} NvrStreamFind;

void nvr_stream_find_free(NvrStreamFind *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrStreamFind, nvr_stream_find_free)

void nvr_stream_find_async(NvrVendor *vendor, const NvrStreamFindOptions *options,
			   GCancellable *cancellable, GAsyncReadyCallback callback,
			   gpointer user_data);
NvrStreamFind *nvr_stream_find_finish(GAsyncResult *result,
				      GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean nvr_stream_find_check(const NvrStreamFind *self, GError **error);
JsonNode *nvr_stream_find_to_json(const NvrStreamFind *self);

G_END_DECLS
