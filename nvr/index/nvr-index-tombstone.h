/*
 * nvr-index-tombstone.h: tombstones. When retention or a user deletes a
 * segment, a signed tombstone keeps the facts its successor's chain check
 * needs (nvre-v1.md §8.4: "the application may excuse [a deleted
 * predecessor] if a signed retention tombstone in the index covers it"):
 * the successor's prev_segment_id names the tombstone's segment_id, and
 * its prev_link equals the tombstone's link.
 *
 * Write the tombstones in the same transaction that marks the segments
 * garbage, before unlinking (DESIGN.md §5).
 */
#pragma once

#include "nvr-index-segment.h"

G_BEGIN_DECLS

typedef enum {
	NVR_INDEX_TOMBSTONE_RETENTION = 1,
	NVR_INDEX_TOMBSTONE_USER,
} NvrIndexTombstoneReason;

/* which retention rule deleted the segment; values are signed */
typedef enum {
	NVR_INDEX_TOMBSTONE_RULE_NONE = 0, /* a user's deletion */
	NVR_INDEX_TOMBSTONE_RULE_AGE,
	NVR_INDEX_TOMBSTONE_RULE_BUDGET,
	NVR_INDEX_TOMBSTONE_RULE_FREE_SPACE,
} NvrIndexTombstoneRule;

typedef struct {
	gint64 id;
	gint64 camera_id;
	gint64 segment_id;
	NvrIndexStream stream;
	gint64 start_us;
	gint64 end_us;
	gint64 file_len;
	GBytes *last_tag;	      /* 16 bytes */
	NvrIndexSegmentStatus status; /* finalized or interrupted */
	gint64 prev_segment_id;
	GBytes *link; /* 32 bytes: link(state) of the deleted segment; nullable */
	gint64 deleted_us;
	NvrIndexTombstoneReason reason;
	GBytes *signature; /* 64 bytes: Ed25519 by the device key over the message */
	NvrIndexTombstoneRule rule; /* since schema v3 */
	GBytes *header_mac;	    /* 32 bytes; nullable (an interrupted segment may have none) */
} NvrIndexTombstone;

/*
 * the version prefix of the signed message. v1 (without rule and header
 * MAC) was never written outside tests: tombstones came with the retention
 * executor, which writes v2 only.
 */
#define NVR_INDEX_TOMBSTONE_CONTEXT "NVR-tombstone-v2"

const gchar *
nvr_index_tombstone_reason_to_string(NvrIndexTombstoneReason reason);
/* Returns: "age", "budget", "free-space", or %NULL for RULE_NONE and unknown values */
const gchar *
nvr_index_tombstone_rule_to_string(NvrIndexTombstoneRule rule);

NvrIndexTombstone *
nvr_index_tombstone_new_for_segment(const NvrIndexSegment *segment,
				    GBytes *link,
				    NvrIndexTombstoneReason reason,
				    gint64 deleted_us);
void
nvr_index_tombstone_free(NvrIndexTombstone *tombstone);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrIndexTombstone, nvr_index_tombstone_free)

GBytes *
nvr_index_tombstone_dup_message(const NvrIndexTombstone *tombstone, const gchar *camera_uuid);

gboolean
nvr_index_tombstone_insert(NvrIndex *self,
			   NvrIndexTombstone *tombstone,
			   GError **error) G_GNUC_WARN_UNUSED_RESULT;
NvrIndexTombstone *
nvr_index_tombstone_load_by_segment(NvrIndex *self, gint64 segment_id, GError **error);
GPtrArray *
nvr_index_tombstone_list(NvrIndex *self, gint64 camera_id, GError **error);
/* old tombstones that no remaining segment needs for verify; oldest first, at most @limit */
gboolean
nvr_index_tombstone_prune(NvrIndex *self, gint64 before_us, guint limit, guint *n_pruned,
			  GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
