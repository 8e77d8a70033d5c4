/*
 * nvr-test-tmpfs.h: a small tmpfs of the test's own, so that footage meets
 * a real full disk (ENOSPC) without touching the machine's disks. The test
 * process enters a mount namespace (in a user namespace when not root)
 * before any thread exists; the tmpfs then vanishes with it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* call first in main(), before g_test_init() starts any thread;
 * Returns: (nullable): why no tmpfs can be mounted (the tests then skip) */
gchar *
nvr_test_tmpfs_enter_namespace(void);
/* Returns: (nullable): the mount point of a fresh tmpfs of @mib MiB */
gchar *
nvr_test_tmpfs_mount(guint mib);
/* unmounts and removes @dir */
void
nvr_test_tmpfs_release(const gchar *dir);

G_END_DECLS
