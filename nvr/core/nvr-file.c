#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nvr-error.h"
#include "nvr-file.h"

/* a rename or unlink is durable only once its directory is synced */
gboolean
nvr_file_fsync_dir(const gchar *dir, GError **error)
{
	gint fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return nvr_error_from_errno(error, errno, "open %s", dir);
	if (fsync(fd) != 0) {
		gint errsv = errno;
		close(fd);
		return nvr_error_from_errno(error, errsv, "fsync %s", dir);
	}
	close(fd);
	return TRUE;
}

static gboolean
nvr_file_write_all(gint fd, const guint8 *data, gsize len, const gchar *path, GError **error)
{
	while (len > 0) {
		gssize n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nvr_error_from_errno(error, errno, "write %s", path);
		data += n;
		len -= (gsize)n;
	}
	return TRUE;
}

/**
 * nvr_file_write_atomic:
 * @mode: permission bits of the new file, e.g. 0600
 *
 * Writes a temporary file beside @path, fsyncs it, renames it over @path and
 * fsyncs the directory: after a power cut @path holds either the old or
 * the new bytes, never a mix.
 */
gboolean
nvr_file_write_atomic(const gchar *path, const guint8 *data, gsize len, gint mode, GError **error)
{
	g_autofree gchar *dir = g_path_get_dirname(path);
	g_autofree gchar *tmp = g_strdup_printf("%s.tmp-XXXXXX", path);
	gint fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, mode);

	if (fd < 0)
		return nvr_error_from_errno(error, errno, "create %s", tmp);
	/* mkstemp honours the umask; the mode must be exact for key material */
	if (fchmod(fd, mode) != 0 || !nvr_file_write_all(fd, data, len, tmp, error) ||
	    fsync(fd) != 0) {
		gint errsv = errno;
		close(fd);
		g_unlink(tmp);
		if (error != NULL && *error != NULL)
			return FALSE;
		return nvr_error_from_errno(error, errsv, "write %s", tmp);
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		gint errsv = errno;
		g_unlink(tmp);
		return nvr_error_from_errno(error, errsv, "rename %s", path);
	}
	return nvr_file_fsync_dir(dir, error);
}

/*
 * mkdir -p whose new directories survive a power cut: a new directory is
 * listed durably only once its parent is fsynced (DESIGN.md §5), and
 * nothing created inside it is worth anything before that. A footage dir
 * lost that way took its meta file along, and nvrd refused to start on a
 * "disk that is not mounted" until someone came.
 */
static gboolean
nvr_file_mkdir_durable(const gchar *dir, GError **error)
{
	g_autoptr(GPtrArray) created = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *p = g_strdup(dir);

	/* the directories this call creates, innermost first */
	while (!g_file_test(p, G_FILE_TEST_EXISTS)) {
		gchar *parent = g_path_get_dirname(p);

		g_ptr_array_add(created, g_steal_pointer(&p));
		p = parent;
		if (g_str_equal(p, created->pdata[created->len - 1]))
			break;
	}
	if (g_mkdir_with_parents(dir, 0700) != 0)
		return nvr_error_from_errno(error, errno, "cannot create %s", dir);
	for (guint i = created->len; i > 0; i--) {
		g_autofree gchar *parent = g_path_get_dirname(created->pdata[i - 1]);

		if (!nvr_file_fsync_dir(parent, error))
			return FALSE;
	}
	return TRUE;
}

/**
 * nvr_file_check_dir_usable:
 * @create: create @dir (mode 0700) when it does not exist, durably
 *
 * Fails with a one-line reason when @dir is not a directory we can write.
 */
gboolean
nvr_file_check_dir_usable(const gchar *dir, gboolean create, GError **error)
{
	g_autofree gchar *probe = NULL;
	GStatBuf st;
	gint fd;

	if (create && !nvr_file_mkdir_durable(dir, error))
		return FALSE;
	if (g_stat(dir, &st) != 0)
		return nvr_error_from_errno(error, errno, "%s", dir);
	if (!S_ISDIR(st.st_mode)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "%s: not a directory", dir);
		return FALSE;
	}
	probe = g_build_filename(dir, ".nvr-write-test-XXXXXX", NULL);
	fd = g_mkstemp_full(probe, O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return nvr_error_from_errno(error, errno, "%s is not writable", dir);
	close(fd);
	g_unlink(probe);
	return TRUE;
}
