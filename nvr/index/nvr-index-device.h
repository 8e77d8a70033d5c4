/*
 * nvr-index-device.h: cameras as network devices (discovered or known) and
 * the evidence collected about each (DESIGN.md §7): what was seen, where it
 * came from, and how strongly it points at a vendor. Verdicts built from
 * the evidence are in nvr-index-verdict.h.
 */
#pragma once

#include "nvr-index.h"

G_BEGIN_DECLS

typedef struct {
	gint64 id;
	gchar *host;	  /* address or name, as reached */
	guint http_port;  /* 0: none */
	guint rtsp_port;  /* 0: none */
	gchar *mac;	  /* nullable; "AA:BB:CC:DD:EE:FF" (stored upper case) */
	gint64 camera_id; /* 0: not (yet) a camera */
	gint64 first_seen_us;
	gint64 last_seen_us;
} NvrIndexDevice;

typedef struct {
	gint64 id;
	gint64 device_id;
	gchar *source; /* "onvif", "oui", "http-server", "rtsp-server", "vendor-api", "wsd" ... */
	gchar *key;    /* e.g. "manufacturer" */
	gchar *value;  /* as the device said it, at most 4096 bytes */
	gint strength; /* 0..100 */
	gint64 collected_us;
} NvrIndexEvidence;

void
nvr_index_device_free(NvrIndexDevice *device);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrIndexDevice, nvr_index_device_free)
NvrIndexEvidence *
nvr_index_evidence_new(const gchar *source, const gchar *key, const gchar *value, gint strength);
void
nvr_index_evidence_free(NvrIndexEvidence *evidence);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrIndexEvidence, nvr_index_evidence_free)

gboolean
nvr_index_device_insert(NvrIndex *self,
			NvrIndexDevice *device,
			GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_index_device_update(NvrIndex *self,
			NvrIndexDevice *device,
			GError **error) G_GNUC_WARN_UNUSED_RESULT;
NvrIndexDevice *
nvr_index_device_load(NvrIndex *self, gint64 id, GError **error);
NvrIndexDevice *
nvr_index_device_load_by_mac(NvrIndex *self, const gchar *mac, GError **error);
NvrIndexDevice *
nvr_index_device_load_by_host(NvrIndex *self, const gchar *host, guint http_port, GError **error);
GPtrArray *
nvr_index_device_list(NvrIndex *self, GError **error);
gboolean
nvr_index_device_delete(NvrIndex *self, gint64 id, GError **error) G_GNUC_WARN_UNUSED_RESULT;

gboolean
nvr_index_evidence_replace(NvrIndex *self,
			   gint64 device_id,
			   const gchar *source,
			   GPtrArray *evidence,
			   GError **error) G_GNUC_WARN_UNUSED_RESULT;
GPtrArray *
nvr_index_evidence_list(NvrIndex *self, gint64 device_id, GError **error);

G_END_DECLS
