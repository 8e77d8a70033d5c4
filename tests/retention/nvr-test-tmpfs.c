/*
 * nvr-test-tmpfs.c: see nvr-test-tmpfs.h.
 */
#include "config.h"

#include "nvr-test-tmpfs.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "nvr-test-common.h"

static gboolean
tmpfs_write_file(const gchar *path, const gchar *text)
{
	gint fd = open(path, O_WRONLY | O_CLOEXEC);
	gssize n;

	if (fd < 0)
		return FALSE;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (gssize)strlen(text);
}

/*
 * Before any thread exists (user namespaces need that): a mount namespace
 * of our own, so the tmpfs is ours alone and vanishes with us. As root
 * that is one unshare(); otherwise a user namespace maps us to root in it.
 */
gchar *
nvr_test_tmpfs_enter_namespace(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (uid == 0) {
		if (unshare(CLONE_NEWNS) != 0)
			return g_strdup_printf("unshare(CLONE_NEWNS): %s", g_strerror(errno));
	} else {
		g_autofree gchar *umap = g_strdup_printf("0 %u 1\n", (guint)uid);
		g_autofree gchar *gmap = g_strdup_printf("0 %u 1\n", (guint)gid);

		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
			return g_strdup_printf("no user namespace to mount a small tmpfs in: %s",
					       g_strerror(errno));
		if (!tmpfs_write_file("/proc/self/setgroups", "deny") ||
		    !tmpfs_write_file("/proc/self/uid_map", umap) ||
		    !tmpfs_write_file("/proc/self/gid_map", gmap))
			return g_strdup("cannot map our user into the user namespace");
	}
	/* nothing mounted here may reach the parent namespace */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return g_strdup_printf("making / private: %s", g_strerror(errno));
	return NULL;
}

gchar *
nvr_test_tmpfs_mount(guint mib)
{
	gchar *dir = nvr_test_mkdtemp();
	g_autofree gchar *opts = g_strdup_printf("size=%um,mode=0700", mib);

	if (mount("nvr-test-footage", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) != 0) {
		g_test_message("mount tmpfs: %s", g_strerror(errno));
		nvr_test_rm_rf(dir);
		g_free(dir);
		return NULL;
	}
	return dir;
}

void
nvr_test_tmpfs_release(const gchar *dir)
{
	g_assert_cmpint(umount2(dir, MNT_DETACH), ==, 0);
	nvr_test_rm_rf(dir);
}
