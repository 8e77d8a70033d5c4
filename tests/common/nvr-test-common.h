/*
 * nvr-test-common.h: what every test binary shares: a private temporary
 * directory, a watchdog that fails instead of hanging, and child processes
 * (nvr-fakecam, nvrd, nvrctl) whose output lines can be waited for.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* seconds a single test may run before the watchdog fails it */
#define NVR_TEST_WATCHDOG_S 120

gchar *
nvr_test_mkdtemp(void);
GBytes *
nvr_test_read_bytes(const gchar *path);
void
nvr_test_rm_rf(const gchar *path);
void
nvr_test_watchdog_start(guint seconds);
void
nvr_test_watchdog_stop(void);
const gchar *
nvr_test_build_path(const gchar *env_var, const gchar *fallback_relative);

typedef struct _NvrTestProc NvrTestProc;

NvrTestProc *
nvr_test_proc_spawn(const gchar *const *argv, GError **error);
NvrTestProc *
nvr_test_proc_spawn_with_env(const gchar *const *argv, const gchar *const *env, GError **error);
gchar *
nvr_test_proc_wait_line(NvrTestProc *proc, const gchar *prefix, guint timeout_s, GError **error);
GPtrArray *
nvr_test_proc_get_lines(NvrTestProc *proc);
GPid
nvr_test_proc_get_pid(NvrTestProc *proc);
gint
nvr_test_proc_stop(NvrTestProc *proc, gint signum, guint timeout_s);
void
nvr_test_proc_free(NvrTestProc *proc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrTestProc, nvr_test_proc_free)

gchar *
nvr_test_line_field(const gchar *line, const gchar *key);

/* unshare(@clone_flags) (CLONE_NEWNS, CLONE_NEWNET), inside a user namespace
 * mapping us to root when not root; call first in main(), before any thread.
 * Returns: (nullable): why not (the tests that need it then skip) */
gchar *
nvr_test_enter_namespaces(gint clone_flags);

gboolean
nvr_test_run(const gchar *const *argv, gchar **out, gchar **err, gint *status, GError **error);

G_END_DECLS
