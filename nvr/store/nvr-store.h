/*
 * nvr-store.h: segment files as the index describes them (DESIGN.md §5):
 * where a row's file is, the chain state it leaves its successor, a reader
 * opened with the context the index expects, and keyless startup recovery.
 * The writer is nvr-store-writer.h, verification nvr-store-verify.h.
 */
#pragma once

#include <glib.h>

#include "index/nvr-index-all.h"
#include "keys/nvr-keyring.h"

G_BEGIN_DECLS

/* <footage dir of the row>/<camera uuid>/<id>.nvre */
gchar *
nvr_store_dup_segment_path(NvrIndex *index, const NvrIndexSegment *segment, GError **error);

/* the expected context of a row: its camera's uuid, its id and header_start_us (never the
 * corrected start_us) */
gboolean
nvr_store_segment_context(NvrIndex *index, const NvrIndexSegment *segment,
			  NvrNvreContext *context, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/*
 * The state a successor links to: FIXED′ read keylessly from @path, and
 * file_len, last_tag and status from the row, so that the link vouches for
 * what the index recorded rather than for whatever the file holds now.
 */
/* an index blob (a MAC, tag or link) against @data, in constant time; NULL never matches */
gboolean
nvr_store_bytes_equal(GBytes *bytes, const guint8 *data, gsize len);
gboolean
nvr_store_segment_chain_state(const NvrIndexSegment *segment, const gchar *path,
			      NvrNvreChainState *state, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/*
 * Opens a finalized or interrupted row for playback and export: context from
 * the index, signature required and pinned to @device_pk, interrupted mode
 * only for interrupted rows, and then only in the state its successor's
 * prev_link (or, for the newest, its own row) recorded: else NVR_NVRE_ERROR_LINK.
 * @keys: (element-type NvrNvreKeyPair).
 */
NvrNvreReader *
nvr_store_open_reader(NvrIndex *index, const NvrIndexSegment *segment, GPtrArray *keys,
		      const guint8 *device_pk, GError **error);

/* Returns: (transfer full): the whole plaintext of an opened segment */
GBytes *
nvr_store_read_all(NvrNvreReader *reader, GError **error);

typedef struct {
	guint interrupted; /* rows that were recording, now interrupted */
	guint discarded;   /* rows whose file never got a whole header: garbage, then deleted */
	guint orphans;	   /* files without a row: logged, left alone */
	gint64 runs_closed; /* runs a crash left open: ended where their footage ends */
} NvrStoreRecoveryReport;

/*
 * Startup recovery, keyless, before any writer runs on @index. Every row
 * still 'recording' is trimmed to its last whole chunk (nvre-v1.md §10) and
 * marked 'interrupted' with that state, which its successor's prev_link then
 * vouches for. A row whose file is missing or holds no whole header never
 * held footage and nothing links to it: it is marked garbage and deleted
 * (a file with a broken header is first renamed to <id>.nvre.broken, never
 * deleted). Files without a row are logged and left where they are: they
 * may be another database's, and nvrctl verify lists them. Runs left open
 * end where their segments end, with end reason "crash".
 */
gboolean
nvr_store_recover(NvrIndex *index, NvrStoreRecoveryReport *report, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
