/*
 * nvr-index.h: the SQLite index, authoritative for playback, export and
 * retention (DESIGN.md §1.4, §5). One NvrIndex is one connection to one
 * database file; nvrd and nvrctl may have the same file open at once.
 *
 * The rows of each table have their own header (nvr-index-camera.h,
 * nvr-index-segment.h, ...); nvr-index-all.h includes them all.
 */
#pragma once

#include <glib-object.h>

#include "core/nvr-clock.h"

G_BEGIN_DECLS

/* the schema this binary writes; a database with a higher user_version is refused */
#define NVR_INDEX_SCHEMA_VERSION 4

/* PRAGMA application_id: "NVR1", so a foreign SQLite file is never migrated */
#define NVR_INDEX_APPLICATION_ID 0x4E565231

/* how long a statement waits for another process's write lock */
#define NVR_INDEX_BUSY_TIMEOUT_MS 5000

/* the two streams of a camera; values are stored */
typedef enum {
	NVR_INDEX_STREAM_MAIN = 0, /* recorded */
	NVR_INDEX_STREAM_SUB = 1,  /* live grid, optionally recorded */
} NvrIndexStream;

/* what writing cost the callers of one connection (monotonic microseconds) */
typedef struct {
	guint64 writes;		  /* write statements, BEGIN and COMMIT included */
	gint64 write_us;	  /* their total time: lock waits and fsyncs included */
	gint64 write_max_us;	  /* the slowest one */
	guint64 lock_waits;	  /* times another connection held the lock we needed */
	gint64 lock_wait_us;	  /* the total of those waits */
	gint64 lock_wait_max_us;  /* the longest one */
} NvrIndexStats;

#define NVR_TYPE_INDEX (nvr_index_get_type())
G_DECLARE_FINAL_TYPE(NvrIndex, nvr_index, NVR, INDEX, GObject)

NvrIndex *
nvr_index_open(const gchar *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;
guint
nvr_index_get_schema_version(NvrIndex *self);
const gchar *
nvr_index_get_path(NvrIndex *self);
const gchar *
nvr_index_get_database_uuid(NvrIndex *self);
void
nvr_index_set_clock(NvrIndex *self, NvrClock *clock);
gint64
nvr_index_now_us(NvrIndex *self);

void
nvr_index_get_stats(NvrIndex *self, NvrIndexStats *stats);

gboolean
nvr_index_begin(NvrIndex *self, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_index_commit(NvrIndex *self, GError **error) G_GNUC_WARN_UNUSED_RESULT;
void
nvr_index_rollback(NvrIndex *self);

gchar *
nvr_index_meta_get(NvrIndex *self, const gchar *key, GError **error);
gboolean
nvr_index_meta_set(NvrIndex *self, const gchar *key, const gchar *value, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
