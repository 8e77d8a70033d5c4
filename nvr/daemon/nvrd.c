/*
 * nvrd: the recorder daemon. Options override the config file, which
 * overrides the built-in defaults of core/nvr-config.c.
 */
#include "config.h"

#include <glib-unix.h>
#include <gst/gst.h>
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>

#include "core/nvr-config.h"
#include "core/nvr-log.h"
#include "nvr-daemon.h"

typedef struct {
	GMainLoop *loop;
	NvrDaemon *daemon;
	gint exit_code;
} NvrdMain;

static gboolean
nvrd_stop_cb(gpointer user_data)
{
	NvrdMain *m = user_data;

	g_message("stopping: finalizing open segments");
	nvr_daemon_stop(m->daemon);
	g_main_loop_quit(m->loop);
	return G_SOURCE_CONTINUE;
}

/*
 * Every camera's streaming thread allocates its access units (tens to
 * hundreds of KiB each) in its own malloc arena, and the main loop and the
 * store writer free them. glibc keeps what was freed in each arena, so the
 * resident size grew by about 0.8 MB per 4 Mbit/s camera beyond what is in
 * use (tests/bench/README.md, bench-record). Giving the free pages back
 * every few seconds takes 5 to 17 ms of the main loop with 32 cameras.
 */
#define NVRD_TRIM_INTERVAL_S 5

static gboolean
nvrd_trim_cb(gpointer user_data)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
	return G_SOURCE_CONTINUE;
}

static gboolean
nvrd_reload_cb(gpointer user_data)
{
	NvrdMain *m = user_data;
	g_autoptr(GError) error = NULL;

	if (!nvr_daemon_reload(m->daemon, &error))
		g_warning("reload: %s", error->message);
	else
		g_message("configuration reloaded");
	return G_SOURCE_CONTINUE;
}

static gboolean
nvrd_apply_options(NvrConfig *config,
		   const gchar *config_path,
		   const gchar *const *overrides,
		   GError **error)
{
	if (config_path != NULL && !nvr_config_load_file(config, config_path, error))
		return FALSE;
	for (guint i = 0; overrides[i] != NULL; i += 2) {
		if (overrides[i + 1] != NULL && !nvr_config_set(config, overrides[i], overrides[i + 1], error))
			return FALSE;
	}
	return TRUE;
}

int
main(int argc, char **argv)
{
	g_autofree gchar *state_dir = NULL;
	g_autofree gchar *footage_dir = NULL;
	g_autofree gchar *listen = NULL;
	g_autofree gchar *config_path = NULL;
	gboolean demo = FALSE;
	gboolean verbose = FALSE;
	gboolean version = FALSE;
	const GOptionEntry entries[] = {
	    {"state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, "Database, keyring, TLS", "DIR"},
	    {"footage-dir", 0, 0, G_OPTION_ARG_FILENAME, &footage_dir, "Where footage goes", "DIR"},
	    {"listen", 0, 0, G_OPTION_ARG_STRING, &listen, "Web UI and API address", "ADDR:PORT"},
	    {"config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "FILE"},
	    {"demo", 0, 0, G_OPTION_ARG_NONE, &demo, "Add simulated cameras (nvr-fakecam)", NULL},
	    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log info and debug messages", NULL},
	    {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- nvr recorder daemon");
	g_autoptr(NvrConfig) config = nvr_config_new();
	g_autoptr(NvrDaemon) daemon = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GMainLoop) loop = NULL;
	g_autofree gchar *url = NULL;
	NvrdMain m = {0};

	setlocale(LC_ALL, "");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "nvrd: %s\n", error->message);
		return 2;
	}
	if (version) {
		printf("nvrd %s\n", NVR_VERSION_STRING);
		return 0;
	}
	nvr_log_install(verbose);
	if (!gst_init_check(NULL, NULL, &error)) {
		fprintf(stderr, "nvrd: GStreamer: %s\n", error->message);
		return 1;
	}
	{
		const gchar *overrides[] = {"state-dir",
					    state_dir,
					    "footage-dir",
					    footage_dir,
					    "listen",
					    listen,
					    "verbose",
					    verbose ? "true" : NULL,
					    NULL};
		if (!nvrd_apply_options(config, config_path, overrides, &error)) {
			fprintf(stderr, "nvrd: %s\n", error->message);
			return 2;
		}
	}
	daemon = nvr_daemon_new(config, config_path);
	nvr_daemon_set_demo(daemon, demo);
	if (!nvr_daemon_start(daemon, &error)) {
		fprintf(stderr, "nvrd: %s\n", error->message);
		return 1;
	}
	loop = g_main_loop_new(NULL, FALSE);
	m.loop = loop;
	m.daemon = daemon;
	/* before "listening": whoever waits for that line may stop us at once, and a
	 * SIGTERM then must be a clean stop, not the default action's kill */
	g_unix_signal_add(SIGINT, nvrd_stop_cb, &m);
	g_unix_signal_add(SIGTERM, nvrd_stop_cb, &m);
	g_unix_signal_add(SIGHUP, nvrd_reload_cb, &m);
	g_timeout_add_seconds(NVRD_TRIM_INTERVAL_S, nvrd_trim_cb, NULL);
	url = nvr_daemon_dup_url(daemon);
	printf("nvrd: listening on %s\n", url);
	fflush(stdout);
	g_main_loop_run(loop);
	g_message("stopped");
	return m.exit_code;
}
