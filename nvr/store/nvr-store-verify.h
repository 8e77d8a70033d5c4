/*
 * nvr-store-verify.h: nvrctl verify (DESIGN.md §5, §6). Keyless checks of
 * every stored segment against its row and its chain; deep verification
 * decrypts every chunk with the household keys.
 */
#pragma once

#include <glib.h>

#include "index/nvr-index-all.h"
#include "keys/nvr-keyring.h"

G_BEGIN_DECLS

typedef enum {
	NVR_STORE_PROBLEM_NONE = 0,
	NVR_STORE_PROBLEM_DELETED,     /* row without file, or a predecessor gone without tombstone */
	NVR_STORE_PROBLEM_ORPHAN,      /* file without row */
	NVR_STORE_PROBLEM_TRUNCATED,   /* shorter than the index says */
	NVR_STORE_PROBLEM_LENGTH,      /* longer than the index says */
	NVR_STORE_PROBLEM_STRUCTURE,   /* header syntax */
	NVR_STORE_PROBLEM_SWAPPED,     /* the file holds another segment (camera, id or start) */
	NVR_STORE_PROBLEM_BIT_FLIPPED, /* header MAC, header fields or tags digest differ */
	NVR_STORE_PROBLEM_SIGNATURE,   /* device signature of header or tags digest fails */
	NVR_STORE_PROBLEM_CHAIN,       /* prev_link does not match the predecessor's state */
	NVR_STORE_PROBLEM_DECRYPT,     /* deep: a chunk or the header does not open */
} NvrStoreProblem;

const gchar *
nvr_store_problem_to_string(NvrStoreProblem problem);

typedef struct {
	gint64 segment_id;
	gchar *camera_uuid;
	gchar *path;
	/* the row's status, "none" for an orphan; for a segment gone with a valid signed
	 * tombstone "deleted-by-retention" or "deleted-by-user" (not a problem), and
	 * "pending-deletion" while its garbage row and file still wait for the unlink */
	gchar *status;
	NvrStoreProblem problem; /* NONE: checked and clean */
	gchar *detail;		 /* nullable */
} NvrStoreVerifyItem;

/* the segments of one camera deleted by one rule (or by users), with a valid tombstone */
typedef struct {
	gchar *camera_uuid;
	const gchar *rule; /* "age", "budget", "free-space", "user" (or "retention": no rule) */
	guint segments;
	guint64 bytes;
	gint64 start_us;	 /* the earliest start among them */
	gint64 end_us;		 /* the latest end */
	gint64 first_deleted_us; /* when the first of them was deleted */
	gint64 last_deleted_us;
} NvrStoreVerifyDeletions;

typedef struct {
	GPtrArray *items; /* NvrStoreVerifyItem, one per file checked and per problem found */
	GPtrArray *deletions; /* NvrStoreVerifyDeletions: the deleted items summed up, by camera
			       * (as the index lists them) and rule */
	guint n_segments;
	guint n_problems;
	guint n_deleted; /* gone, excused by a valid signed tombstone */
	guint n_pending; /* tombstoned, file not yet unlinked */
	gboolean deep;
} NvrStoreVerifyReport;

void
nvr_store_verify_report_free(NvrStoreVerifyReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrStoreVerifyReport, nvr_store_verify_report_free)

/*
 * @device_pk: the device public key (nvr_keyring_get_device_key): headers
 *   and tags digests must be signed by it
 * @keys: (nullable) (element-type NvrNvreKeyPair): household keys for a deep
 *   verification, which also opens and decrypts every segment
 */
NvrStoreVerifyReport *
nvr_store_verify(NvrIndex *index, const guint8 *device_pk, GPtrArray *keys, GError **error);

G_END_DECLS
