/*
 * nvr-store-hold.c: reader holds on segment files.
 *
 * design notes
 *   - The table (segment id -> count) answers for this process without any
 *     I/O; the shared flock answers for other processes. flock locks belong
 *     to open file descriptions, so an exclusive attempt on a fresh
 *     descriptor also fails while this process holds the file.
 *   - A hold checks the link count after locking: a file unlinked between
 *     open() and flock() is refused, never held as a ghost.
 *   - Unlinking happens with the table locked and the exclusive flock
 *     taken, so no hold can start half way through.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/nvr-error.h"
#include "nvr-store-hold.h"

struct _NvrStoreHold {
	gint64 segment_id;
	gint fd; /* holds LOCK_SH */
};

static GMutex nvr_store_hold_lock;
static GHashTable *nvr_store_holds; /* gint64 segment id -> count; protected by the lock */

static guint
nvr_store_hold_count_unlocked(gint64 segment_id)
{
	if (nvr_store_holds == NULL)
		return 0;
	return GPOINTER_TO_UINT(g_hash_table_lookup(nvr_store_holds, &segment_id));
}

static void
nvr_store_hold_add_unlocked(gint64 segment_id, gint delta)
{
	guint count = nvr_store_hold_count_unlocked(segment_id) + delta;

	if (nvr_store_holds == NULL)
		nvr_store_holds = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	if (count == 0)
		g_hash_table_remove(nvr_store_holds, &segment_id);
	else
		g_hash_table_insert(nvr_store_holds, g_memdup2(&segment_id, sizeof(segment_id)),
				    GUINT_TO_POINTER(count));
}

static gboolean
nvr_store_hold_gone(GError **error, gint64 segment_id)
{
	g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND,
		    "segment %" G_GINT64_FORMAT " was deleted", segment_id);
	return FALSE;
}

NvrStoreHold *
nvr_store_hold_new(gint64 segment_id, const gchar *path, GError **error)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&nvr_store_hold_lock);
	NvrStoreHold *hold;
	struct stat st;
	gint fd;

	g_return_val_if_fail(path != NULL, NULL);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			nvr_store_hold_gone(error, segment_id);
		else
			nvr_error_from_errno(error, errno, "open %s", path);
		return NULL;
	}
	/* another process deleting holds LOCK_EX only for one unlink(): waiting is brief */
	while (flock(fd, LOCK_SH) != 0) {
		if (errno != EINTR) {
			nvr_error_from_errno(error, errno, "flock %s", path);
			close(fd);
			return NULL;
		}
	}
	if (fstat(fd, &st) != 0 || st.st_nlink == 0) {
		close(fd);
		nvr_store_hold_gone(error, segment_id);
		return NULL;
	}
	hold = g_new0(NvrStoreHold, 1);
	hold->segment_id = segment_id;
	hold->fd = fd;
	nvr_store_hold_add_unlocked(segment_id, 1);
	return hold;
}

void
nvr_store_hold_release(NvrStoreHold *hold)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = NULL;

	if (hold == NULL)
		return;
	locker = g_mutex_locker_new(&nvr_store_hold_lock);
	nvr_store_hold_add_unlocked(hold->segment_id, -1);
	close(hold->fd); /* drops the flock */
	g_free(hold);
}

guint
nvr_store_hold_count(gint64 segment_id)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&nvr_store_hold_lock);

	return nvr_store_hold_count_unlocked(segment_id);
}

/* Returns: an fd holding LOCK_EX, -1 if the file is gone or unopenable, -2 if it is held */
static gint
nvr_store_hold_lock_exclusive(const gchar *path)
{
	gint fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		gint errsv = errno;

		close(fd);
		/* a file system without flock cannot tell: not held */
		return errsv == EWOULDBLOCK ? -2 : -1;
	}
	return fd;
}

gboolean
nvr_store_hold_is_held(gint64 segment_id, const gchar *path)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&nvr_store_hold_lock);
	gint fd;

	if (nvr_store_hold_count_unlocked(segment_id) > 0)
		return TRUE;
	fd = nvr_store_hold_lock_exclusive(path);
	if (fd >= 0)
		close(fd);
	return fd == -2;
}

gboolean
nvr_store_hold_unlink(gint64 segment_id, const gchar *path, gboolean *held, GError **error)
{
	g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&nvr_store_hold_lock);
	gint fd;
	gint rc;

	g_return_val_if_fail(held != NULL, FALSE);

	*held = nvr_store_hold_count_unlocked(segment_id) > 0;
	if (*held)
		return TRUE;
	fd = nvr_store_hold_lock_exclusive(path);
	if (fd == -2) {
		*held = TRUE;
		return TRUE;
	}
	rc = unlink(path);
	if (rc != 0 && errno != ENOENT) {
		nvr_error_from_errno(error, errno, "unlink %s", path);
		if (fd >= 0)
			close(fd);
		return FALSE;
	}
	if (fd >= 0)
		close(fd);
	return TRUE;
}
