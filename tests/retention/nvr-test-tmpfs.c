/*
 * nvr-test-tmpfs.c: see nvr-test-tmpfs.h.
 */
#include "config.h"

#include "nvr-test-tmpfs.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "nvr-test-common.h"

/*
 * Before any thread exists (user namespaces need that): a mount namespace
 * of our own, so the tmpfs is ours alone and vanishes with us. As root
 * that is one unshare(); otherwise a user namespace maps us to root in it.
 */
gchar *
nvr_test_tmpfs_enter_namespace(void)
{
	gchar *why_not = nvr_test_enter_namespaces(CLONE_NEWNS);

	if (why_not != NULL)
		return why_not;
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
