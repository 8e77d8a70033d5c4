/*
 * nvr-index-segment.h: segments, one row per NVRE file (DESIGN.md §5).
 *
 *   recording --finalize--> finalized --retention/user--> garbage --unlink--> (row deleted)
 *   recording --startup recovery--> interrupted --> garbage
 *
 * The id is the NVRE segment_id: AUTOINCREMENT makes it >= 1, strictly
 * increasing and never reused, even after the newest row was deleted. SQL
 * enforces the transitions above, that a finalized row carries its chain
 * state (file_len, header_mac, last_tag), and that only garbage rows are
 * deleted (after their tombstone was written, nvr-index-tombstone.h).
 *
 * Segments of one camera stream do not overlap in wall time; the span query
 * relies on it.
 */
#pragma once

#include "nvr-index.h"

G_BEGIN_DECLS

typedef enum {
	NVR_INDEX_SEGMENT_RECORDING = 1,
	NVR_INDEX_SEGMENT_FINALIZED,
	NVR_INDEX_SEGMENT_INTERRUPTED,
	NVR_INDEX_SEGMENT_GARBAGE,
} NvrIndexSegmentStatus;

typedef struct {
	gint64 id; /* the NVRE segment_id */
	gint64 camera_id;
	gint64 run_id;
	NvrIndexStream stream;
	NvrIndexSegmentStatus status;
	gint64 start_us;	/* wall, UTC; corrected with an unsynced run */
	gint64 end_us;		/* 0 while recording */
	gint64 header_start_us; /* start_us in the NVRE header, never corrected; 0 on insert:
				   start_us */
	gint64 media_start;	/* 90 kHz, the run's media time */
	gint64 media_duration;	/* 90 kHz */
	gint64 frames;
	gint64 plain_len;
	gint64 file_len;
	gint64 header_len;
	GBytes *header_mac;	 /* 32 bytes */
	GBytes *last_tag;	 /* 16 bytes */
	gint64 prev_segment_id;	 /* 0: first of its chain */
	GBytes *prev_link;	 /* 32 bytes */
	GBytes *tags_digest;	 /* 32 bytes: BLAKE2b of all chunk tags */
	GBytes *tags_digest_sig; /* 64 bytes: Ed25519 by the device key */
	gint64 codec_config_id;	 /* 0: none */
	GBytes *gop_index;	 /* opaque: varint deltas of time and offset per fragment */
	gint64 footage_dir_id;
	gint64 created_us;
} NvrIndexSegment;

/* one step of the oldest-first walk of retention */
typedef struct {
	gint64 segment_id;
	gint64 camera_id;
	NvrIndexStream stream;
	gint64 start_us;
	gint64 end_us;
	gint64 file_len;
	gint64 camera_bytes_through; /* this camera's bytes up to and including this row */
	gint64 total_bytes_through;  /* all cameras' bytes up to and including this row */
} NvrIndexRetentionRow;

/* Returns: %FALSE to stop the walk; must not write to the index */
typedef gboolean (*NvrIndexRetentionFunc)(const NvrIndexRetentionRow *row, gpointer user_data);

/* the bytes of one camera by status */
typedef struct {
	gint64 camera_id;
	gint64 n_segments;	/* not garbage */
	gint64 stored_bytes;	/* finalized and interrupted */
	gint64 recording_bytes; /* open files, as far as written */
	gint64 garbage_bytes;	/* awaiting unlink */
} NvrIndexSegmentTotals;

const gchar *
nvr_index_segment_status_to_string(NvrIndexSegmentStatus status);
gboolean
nvr_index_segment_status_from_string(const gchar *text, NvrIndexSegmentStatus *status);

NvrIndexSegment *
nvr_index_segment_new(void);
void
nvr_index_segment_free(NvrIndexSegment *segment);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrIndexSegment, nvr_index_segment_free)

gboolean
nvr_index_segment_insert(NvrIndex *self,
			 NvrIndexSegment *segment,
			 GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_index_segment_update(NvrIndex *self,
			 const NvrIndexSegment *segment,
			 GError **error) G_GNUC_WARN_UNUSED_RESULT;
NvrIndexSegment *
nvr_index_segment_load(NvrIndex *self, gint64 id, GError **error);
NvrIndexSegment *
nvr_index_segment_load_chain_tail(NvrIndex *self,
				  gint64 camera_id,
				  NvrIndexStream stream,
				  GError **error);
NvrIndexSegment *
nvr_index_segment_load_successor(NvrIndex *self, gint64 id, GError **error);
GPtrArray *
nvr_index_segment_list_span(NvrIndex *self,
			    gint64 camera_id,
			    NvrIndexStream stream,
			    gint64 start_us,
			    gint64 end_us,
			    GError **error);
GPtrArray *
nvr_index_segment_list_by_status(NvrIndex *self, NvrIndexSegmentStatus status, GError **error);
gboolean
nvr_index_segment_foreach_oldest(NvrIndex *self,
				 NvrIndexRetentionFunc func,
				 gpointer user_data,
				 GError **error) G_GNUC_WARN_UNUSED_RESULT;
GArray *
nvr_index_segment_list_totals(NvrIndex *self, GError **error);
gboolean
nvr_index_segment_get_extent(NvrIndex *self,
			     gint64 camera_id,
			     NvrIndexStream stream,
			     gint64 *start_us,
			     gint64 *end_us,
			     GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_index_segment_mark_garbage(NvrIndex *self, const gint64 *ids, guint n_ids, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_index_segment_delete(NvrIndex *self, gint64 id, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
