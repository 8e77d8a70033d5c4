#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <string.h>

#include "nvr-test-common.h"

/* Returns: (transfer full): a fresh directory under $TMPDIR, mode 0700 */
gchar *
nvr_test_mkdtemp(void)
{
	g_autoptr(GError) error = NULL;
	gchar *dir = g_dir_make_tmp("nvr-test-XXXXXX", &error);

	g_assert_no_error(error);
	return dir;
}

/* Returns: (transfer full): the whole file; fails the test if it cannot be read */
GBytes *
nvr_test_read_bytes(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	gchar *data = NULL;
	gsize len = 0;

	g_file_get_contents(path, &data, &len, &error);
	g_assert_no_error(error);
	return g_bytes_new_take(data, len);
}

void
nvr_test_rm_rf(const gchar *path)
{
	g_autoptr(GFile) file = NULL;
	g_autoptr(GFileEnumerator) en = NULL;
	GFileInfo *info;

	if (path == NULL || !g_file_test(path, G_FILE_TEST_EXISTS))
		return;
	if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
		file = g_file_new_for_path(path);
		en = g_file_enumerate_children(file,
					       G_FILE_ATTRIBUTE_STANDARD_NAME,
					       G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
					       NULL,
					       NULL);
		while (en != NULL && (info = g_file_enumerator_next_file(en, NULL, NULL)) != NULL) {
			g_autofree gchar *child =
			    g_build_filename(path, g_file_info_get_name(info), NULL);
			nvr_test_rm_rf(child);
			g_object_unref(info);
		}
	}
	g_remove(path);
}

static guint nvr_test_watchdog_id = 0;

static gpointer
nvr_test_watchdog_thread(gpointer data)
{
	guint seconds = GPOINTER_TO_UINT(data);
	guint id = nvr_test_watchdog_id;

	for (guint i = 0; i < seconds * 10; i++) {
		g_usleep(100 * 1000);
		if (g_atomic_int_get(&nvr_test_watchdog_id) != (gint)id)
			return NULL;
	}
	g_printerr("watchdog: no progress after %u s\n", seconds);
	abort();
}

/* a thread, not a main-loop source: a test blocked outside a loop is caught too */
void
nvr_test_watchdog_start(guint seconds)
{
	GThread *t;

	g_atomic_int_inc(&nvr_test_watchdog_id);
	t = g_thread_new("watchdog", nvr_test_watchdog_thread, GUINT_TO_POINTER(seconds));
	g_thread_unref(t);
}

void
nvr_test_watchdog_stop(void)
{
	g_atomic_int_inc(&nvr_test_watchdog_id);
}

/* the path meson put in @env_var, or @fallback_relative below the build root */
const gchar *
nvr_test_build_path(const gchar *env_var, const gchar *fallback_relative)
{
	const gchar *v = g_getenv(env_var);
	static GHashTable *cache = NULL;
	const gchar *root;
	gchar *path;

	if (v != NULL)
		return v;
	if (cache == NULL)
		cache = g_hash_table_new(g_str_hash, g_str_equal);
	path = g_hash_table_lookup(cache, fallback_relative);
	if (path != NULL)
		return path;
	root = g_getenv("NVR_BUILD_ROOT");
	path = g_build_filename(root != NULL ? root : ".", fallback_relative, NULL);
	g_hash_table_insert(cache, (gpointer)fallback_relative, path);
	return path;
}

struct _NvrTestProc {
	GSubprocess *sp;
	GDataInputStream *out; /* stdout and stderr merged */
	GPtrArray *lines;
};

/**
 * nvr_test_proc_spawn:
 *
 * Starts @argv with stdout and stderr merged into one pipe that
 * nvr_test_proc_wait_line() reads.
 */
/* A test that fails aborts without its cleanup; the processes it started
 * (nvrd, nvr-fakecam) must not outlive it and keep recording for hours. */
static void
nvr_test_proc_die_with_parent(gpointer user_data)
{
	pid_t parent = GPOINTER_TO_INT(user_data);

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(127);
}

NvrTestProc *
nvr_test_proc_spawn(const gchar *const *argv, GError **error)
{
	return nvr_test_proc_spawn_with_env(argv, NULL, error);
}

/**
 * nvr_test_proc_spawn_with_env:
 * @env: (nullable): "VAR=value" strings added to the child's environment only
 *
 * As nvr_test_proc_spawn(); the test's own environment stays as it is
 * (setenv() is not thread-safe once GLib has started threads).
 */
NvrTestProc *
nvr_test_proc_spawn_with_env(const gchar *const *argv, const gchar *const *env, GError **error)
{
	NvrTestProc *proc;
	g_autoptr(GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
	GSubprocess *sp;

	for (guint i = 0; env != NULL && env[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(env[i], "=", 2);

		g_return_val_if_fail(g_strv_length(kv) == 2, NULL);
		g_subprocess_launcher_setenv(launcher, kv[0], kv[1], TRUE);
	}
	g_subprocess_launcher_set_child_setup(launcher, nvr_test_proc_die_with_parent,
					      GINT_TO_POINTER(getpid()), NULL);
	sp = g_subprocess_launcher_spawnv(launcher, argv, error);
	if (sp == NULL)
		return NULL;
	proc = g_new0(NvrTestProc, 1);
	proc->sp = sp;
	proc->out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(sp));
	proc->lines = g_ptr_array_new_with_free_func(g_free);
	return proc;
}

typedef struct {
	GMainLoop *loop;
	gchar *line;
	GError *error;
} NvrTestLineRead;

static void
nvr_test_line_read_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	NvrTestLineRead *r = user_data;

	r->line = g_data_input_stream_read_line_finish_utf8(G_DATA_INPUT_STREAM(source),
							    res,
							    NULL,
							    &r->error);
	if (r->line == NULL && r->error == NULL)
		r->error = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CLOSED, "process exited");
	g_main_loop_quit(r->loop);
}

static gboolean
nvr_test_line_timeout_cb(gpointer user_data)
{
	g_cancellable_cancel(G_CANCELLABLE(user_data));
	return G_SOURCE_REMOVE;
}

/**
 * nvr_test_proc_wait_line:
 * @prefix: the line wanted starts with this (or contains it, after "*")
 *
 * Reads output lines, keeping all of them, until one starts with @prefix.
 *
 * Returns: (transfer full): that line, or NULL with @error on exit or timeout
 */
gchar *
nvr_test_proc_wait_line(NvrTestProc *proc, const gchar *prefix, guint timeout_s, GError **error)
{
	g_autoptr(GMainContext) ctx = g_main_context_new();
	g_autoptr(GMainLoop) loop = g_main_loop_new(ctx, FALSE);
	g_autoptr(GCancellable) cancel = g_cancellable_new();
	g_autoptr(GSource) timeout = g_timeout_source_new_seconds(timeout_s);
	gboolean contains = prefix[0] == '*';

	g_main_context_push_thread_default(ctx);
	g_source_set_callback(timeout, nvr_test_line_timeout_cb, cancel, NULL);
	g_source_attach(timeout, ctx);
	for (;;) {
		NvrTestLineRead r = {.loop = loop};
		g_data_input_stream_read_line_async(proc->out,
						    G_PRIORITY_DEFAULT,
						    cancel,
						    nvr_test_line_read_cb,
						    &r);
		g_main_loop_run(loop);
		if (r.line == NULL) {
			g_propagate_prefixed_error(error,
						   r.error,
						   "waiting for '%s': ",
						   prefix);
			break;
		}
		g_ptr_array_add(proc->lines, g_strdup(r.line));
		if (g_getenv("NVR_TEST_ECHO") != NULL)
			g_printerr("| %s\n", r.line);
		if (contains ? strstr(r.line, prefix + 1) != NULL : g_str_has_prefix(r.line, prefix)) {
			g_source_destroy(timeout);
			g_main_context_pop_thread_default(ctx);
			return r.line;
		}
		g_free(r.line);
	}
	g_source_destroy(timeout);
	g_main_context_pop_thread_default(ctx);
	return NULL;
}

GPtrArray *
nvr_test_proc_get_lines(NvrTestProc *proc)
{
	return proc->lines;
}

GPid
nvr_test_proc_get_pid(NvrTestProc *proc)
{
	const gchar *id = g_subprocess_get_identifier(proc->sp);
	return id != NULL ? (GPid)g_ascii_strtoll(id, NULL, 10) : 0;
}

static void
nvr_test_proc_waited_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_subprocess_wait_finish(G_SUBPROCESS(source), res, NULL);
	g_main_loop_quit(user_data);
}

static gboolean
nvr_test_proc_wait_timeout_cb(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

/* A process that failed its stop may have said why after the last line read:
 * a sanitizer's report (a leak found at exit aborts it) goes to the test's
 * stderr, or else its last lines, so that the test's log shows the cause. */
static void
nvr_test_proc_print_report(NvrTestProc *proc)
{
	guint first = proc->lines->len, from;

	/* the rest of its output, up to EOF (a prefix no line has) */
	g_free(nvr_test_proc_wait_line(proc, "\n", 10, NULL));
	from = proc->lines->len > first + 20 ? proc->lines->len - 20 : first;
	for (guint i = first; i < proc->lines->len; i++) {
		const gchar *line = g_ptr_array_index(proc->lines, i);
		if (strstr(line, "Sanitizer") != NULL || strstr(line, "runtime error:") != NULL) {
			from = MIN(from, i > 0 ? i - 1 : 0);
			break;
		}
	}
	for (guint i = from; i < proc->lines->len; i++)
		g_printerr("| %s\n", (const gchar *)g_ptr_array_index(proc->lines, i));
}

/**
 * nvr_test_proc_stop:
 * @signum: SIGTERM for a clean stop, SIGKILL for a crash
 *
 * Returns: the exit status (0 for a clean exit), 128+signal if killed, or
 * -1 if it did not exit within @timeout_s (it is then killed)
 */
gint
nvr_test_proc_stop(NvrTestProc *proc, gint signum, guint timeout_s)
{
	g_autoptr(GMainContext) ctx = g_main_context_new();
	g_autoptr(GMainLoop) loop = g_main_loop_new(ctx, FALSE);
	g_autoptr(GSource) timeout = g_timeout_source_new_seconds(timeout_s);

	if (g_subprocess_get_identifier(proc->sp) != NULL) {
		g_main_context_push_thread_default(ctx);
		g_subprocess_send_signal(proc->sp, signum);
		g_source_set_callback(timeout, nvr_test_proc_wait_timeout_cb, loop, NULL);
		g_source_attach(timeout, ctx);
		g_subprocess_wait_async(proc->sp, NULL, nvr_test_proc_waited_cb, loop);
		g_main_loop_run(loop);
		g_source_destroy(timeout);
		g_main_context_pop_thread_default(ctx);
	}
	if (g_subprocess_get_identifier(proc->sp) != NULL) {
		g_subprocess_force_exit(proc->sp);
		g_subprocess_wait(proc->sp, NULL, NULL);
		return -1;
	}
	if (g_subprocess_get_if_signaled(proc->sp)) {
		if (g_subprocess_get_term_sig(proc->sp) != signum)
			nvr_test_proc_print_report(proc);
		return 128 + g_subprocess_get_term_sig(proc->sp);
	}
	if (g_subprocess_get_exit_status(proc->sp) != 0)
		nvr_test_proc_print_report(proc);
	return g_subprocess_get_exit_status(proc->sp);
}

void
nvr_test_proc_free(NvrTestProc *proc)
{
	if (proc == NULL)
		return;
	if (g_subprocess_get_identifier(proc->sp) != NULL) {
		g_subprocess_force_exit(proc->sp);
		g_subprocess_wait(proc->sp, NULL, NULL);
	}
	g_object_unref(proc->out);
	g_object_unref(proc->sp);
	g_ptr_array_unref(proc->lines);
	g_free(proc);
}

/**
 * nvr_test_line_field:
 *
 * Returns: the value of " @key=" in @line (as in nvr-fakecam's ready
 * lines), up to the next space; fails the test when it is missing
 */
gchar *
nvr_test_line_field(const gchar *line, const gchar *key)
{
	g_autofree gchar *k = g_strconcat(" ", key, "=", NULL);
	const gchar *p = strstr(line, k);

	g_assert_nonnull(p);
	p += strlen(k);
	return g_strndup(p, strcspn(p, " "));
}

/* runs @argv to completion; @status is the wait status as exit code */
gboolean
nvr_test_run(const gchar *const *argv, gchar **out, gchar **err, gint *status, GError **error)
{
	g_autoptr(GSubprocess) sp =
	    g_subprocess_newv(argv,
			      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
			      error);

	if (sp == NULL)
		return FALSE;
	if (!g_subprocess_communicate_utf8(sp, NULL, NULL, out, err, error))
		return FALSE;
	if (status != NULL)
		*status = g_subprocess_get_if_exited(sp) ? g_subprocess_get_exit_status(sp) : 128;
	return TRUE;
}

static gboolean
nvr_test_write_proc_file(const gchar *path, const gchar *text)
{
	gint fd = open(path, O_WRONLY | O_CLOEXEC);
	gssize n;

	if (fd < 0)
		return FALSE;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (gssize)strlen(text);
}

gchar *
nvr_test_enter_namespaces(gint clone_flags)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	g_autofree gchar *umap = g_strdup_printf("0 %u 1\n", (guint)uid);
	g_autofree gchar *gmap = g_strdup_printf("0 %u 1\n", (guint)gid);

	if (uid == 0)
		return unshare(clone_flags) == 0 ? NULL
						 : g_strdup_printf("unshare: %s", g_strerror(errno));
	if (unshare(CLONE_NEWUSER | clone_flags) != 0)
		return g_strdup_printf("no user namespace: %s", g_strerror(errno));
	if (!nvr_test_write_proc_file("/proc/self/setgroups", "deny") ||
	    !nvr_test_write_proc_file("/proc/self/uid_map", umap) ||
	    !nvr_test_write_proc_file("/proc/self/gid_map", gmap))
		return g_strdup("cannot map our user into the user namespace");
	return NULL;
}
