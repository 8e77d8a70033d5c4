/*
 * nvr-retention.h: the retention executor (DESIGN.md §5). It measures
 * (index totals, statvfs, open segments), plans with nvr-retention-plan.h
 * and deletes by the delete protocol:
 *
 *   1. MARK    one transaction: the rows become 'garbage' and each gets a
 *              tombstone signed with the device key
 *   2. UNLINK  the files (a file held by a reader stays, see nvr-store-hold.h)
 *   3. SYNC    fsync of each directory touched
 *   4. DELETE  the rows
 *
 * A crash between the steps leaves garbage rows; nvr_retention_complete()
 * finishes them (unlink if still there, fsync, delete rows) and nvrd calls
 * it at startup. Everything is keyless: the device key signs, no user key
 * is needed, and only public bytes of the files are read.
 *
 * One NvrRetention is used by one thread at a time; give it an NvrIndex of
 * its own (nvr-retention-runner.h runs one on a thread for nvrd).
 */
#pragma once

#include <glib.h>

#include "index/nvr-index-all.h"
#include "keys/nvr-nvre.h"
#include "store/nvr-footage.h"

G_BEGIN_DECLS

typedef struct {
	guint64 camera_budget_bytes; /* for cameras without their own budget; 0: none */
	gint64 max_age_us;	     /* for cameras without their own limit; 0: none */
	guint64 floor_bytes;	     /* keep at least this much free on the footage disk */
	gint64 tombstone_keep_us;    /* prune tombstones older than this verify no longer
				      * needs (nvr_retention_prune_tombstones); 0: keep all */
} NvrRetentionPolicy;

/* the free bytes of the footage file system (statvfs by default; tests inject) */
typedef gboolean (*NvrRetentionSpaceFunc)(gpointer user_data, guint64 *free_bytes,
					  GError **error);

/* the steps of the delete protocol, in order */
typedef enum {
	NVR_RETENTION_STEP_NONE = 0,
	NVR_RETENTION_STEP_MARK,
	NVR_RETENTION_STEP_UNLINK,
	NVR_RETENTION_STEP_SYNC,
	NVR_RETENTION_STEP_DELETE,
} NvrRetentionStep;

typedef struct {
	guint deleted;		/* segments deleted (rows gone) by this call */
	guint64 deleted_bytes;
	guint by_rule[4];	/* deleted, by NvrIndexTombstoneRule (NONE: a user's) */
	guint deferred;		/* planned, but a reader holds them: a later pass */
	guint completed;	/* garbage rows of an earlier pass or a crash, finished */
	guint pending;		/* garbage rows still there (held, or a failed unlink) */
	guint64 pending_bytes;
	guint64 free_bytes;	/* the last reading */
	guint64 inflight_bytes; /* open segments will still write about this much */
	guint passes;		/* plans made */
	guint pruned;		/* old tombstones pruned */
	guint gone;		/* no longer stored when their turn came: another process
				 * (nvrd's retention, nvrctl delete) deleted them first */
} NvrRetentionResult;

typedef struct _NvrRetention NvrRetention;

/*
 * @device_key: (nullable): signs tombstones; without it only
 *   nvr_retention_complete() works (no new deletions can be vouched for)
 */
NvrRetention *
nvr_retention_new(NvrIndex *index, NvrFootage *footage, NvrNvreSigningKey *device_key,
		  const NvrRetentionPolicy *policy);
void
nvr_retention_free(NvrRetention *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrRetention, nvr_retention_free)

void
nvr_retention_set_policy(NvrRetention *self, const NvrRetentionPolicy *policy);
void
nvr_retention_set_space_func(NvrRetention *self, NvrRetentionSpaceFunc func, gpointer user_data);
/* testing: stop a deletion right after @step, as a crash there would */
void
nvr_retention_set_stop_after(NvrRetention *self, NvrRetentionStep step);

/* finishes garbage rows left by an earlier pass or a crash */
gboolean
nvr_retention_complete(NvrRetention *self, NvrRetentionResult *result, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* one run: complete, then plan and delete until the limits hold or nothing more can go */
gboolean
nvr_retention_run(NvrRetention *self, NvrRetentionResult *result, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/*
 * A user's deletion of finished segments, by the same protocol (tombstone
 * reason user). A segment a reader holds is marked and tombstoned at once
 * (playback no longer lists it) and counted pending: its file goes when
 * the reader lets go (the next nvr_retention_complete(), which nvrd's
 * runner does every run). Segments no longer stored are counted gone; one
 * still recording is an error (NVR_ERROR_BUSY), and nothing is deleted.
 */
gboolean
nvr_retention_delete(NvrRetention *self, const gint64 *segment_ids, guint n_ids,
		     NvrRetentionResult *result, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/*
 * A user's deletion of a span: every finished segment of @camera_id (main
 * and sub stream) that lies wholly inside [@start_us, @end_us], in batches.
 * Segments that overlap the span but straddle a boundary, or are still
 * recording, are kept and returned in @kept (element-type NvrIndexSegment).
 */
gboolean
nvr_retention_delete_span(NvrRetention *self, gint64 camera_id, gint64 start_us, gint64 end_us,
			  NvrRetentionResult *result, GPtrArray **kept, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/*
 * Deletes tombstones older than the policy's tombstone_keep_us, except
 * those verify still needs to vouch for a remaining segment's chain
 * (nvr_index_tombstone_prune()). Keyless; a bounded number of short
 * transactions per call, so a backlog goes over several calls.
 */
gboolean
nvr_retention_prune_tombstones(NvrRetention *self, NvrRetentionResult *result, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* the free bytes of the footage file system, as the space function reads them */
gboolean
nvr_retention_read_space(NvrRetention *self, guint64 *free_bytes, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
