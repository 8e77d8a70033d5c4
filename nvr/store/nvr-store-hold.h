/*
 * nvr-store-hold.h: a reader's hold on a segment file. DESIGN.md §5: "a
 * segment that a reader holds open is deleted after the reader releases
 * it". Export and playback take a hold on each segment they read;
 * retention asks before it deletes and defers a held segment to a later
 * pass.
 *
 * A hold is counted per segment id in this process and is also a shared
 * flock(2) on the file, so that a reader in another process (nvrctl export
 * while nvrd records) defers nvrd's retention too. Deleting takes the
 * exclusive lock without waiting: held means "not now", never a wait.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _NvrStoreHold NvrStoreHold;

/* NVR_ERROR_NOT_FOUND when the file is gone (deleted before the hold was taken) */
NvrStoreHold *
nvr_store_hold_new(gint64 segment_id, const gchar *path, GError **error);
void
nvr_store_hold_release(NvrStoreHold *hold);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrStoreHold, nvr_store_hold_release)

/* holds of @segment_id in this process */
guint
nvr_store_hold_count(gint64 segment_id);
/* held in this process, or locked by a reader in another one */
gboolean
nvr_store_hold_is_held(gint64 segment_id, const gchar *path);
/*
 * Unlinks @path unless it is held; a file already gone is no error. Atomic
 * with nvr_store_hold_new() in this process: a hold is either taken before
 * (and the file stays) or fails with NOT_FOUND.
 */
gboolean
nvr_store_hold_unlink(gint64 segment_id, const gchar *path, gboolean *held, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
