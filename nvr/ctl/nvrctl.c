/*
 * nvrctl: the command line (DESIGN.md §10). This file only dispatches:
 *   nvrctl --state-dir DIR [--json] COMMAND [ARGS...]
 * Each command group lives in its own nvrctl-<group>.c with the contract
 *   gint nvrctl_<group>_run(state_dir, command, argc, argv, json)
 * returning the exit status: 0 success, 1 a problem was found or the
 * operation failed, 2 usage error.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "core/nvr-log.h"
#include "nvrctl-camera.h"
#include "nvrctl-delete.h"
#include "nvrctl-store.h"
#include "nvrctl-users.h"
#ifdef NVRCTL_HAVE_KEYS
#include "nvrctl-keys.h"
#endif
#ifdef NVRCTL_HAVE_VENDOR
#include "nvrctl-vendor.h"
#endif

typedef gint (*NvrctlRunFunc)(const gchar *state_dir,
			      const gchar *command,
			      gint argc,
			      gchar **argv,
			      gboolean json);

typedef struct {
	const gchar *command;
	NvrctlRunFunc run;
	gboolean needs_state_dir;
	const gchar *usage;
} NvrctlCommand;

static const NvrctlCommand nvrctl_commands[] = {
#ifdef NVRCTL_HAVE_KEYS
    {"init", nvrctl_users_init_run, TRUE, "init --passphrase-file F [--user NAME] [--recovery-out F]"},
    {"passwd", nvrctl_keys_run, TRUE, "passwd [--user NAME] --passphrase-file OLD --new-passphrase-file NEW"},
    {"recovery", nvrctl_keys_run, TRUE, "recovery --recovery-file F --new-passphrase-file NEW [--user NAME]"},
    {"decrypt", nvrctl_keys_run, FALSE, "decrypt FILE -o OUT (--passphrase-file F | --key-file F ...) ..."},
#endif
    {"camera", nvrctl_camera_run, TRUE, "camera add NAME URL [--sub-url URL] [--user U --password-file F]\n"
					"  camera add NAME HOST[:HTTP_PORT] [--rtsp-port P] [--user U --password-file F]\n"
					"  camera list | camera remove NAME"},
    {"recordings", nvrctl_store_run, TRUE, "recordings NAME [--start T] [--end T]"},
    {"export", nvrctl_store_run, TRUE, "export NAME --start T --end T -o OUT.mp4 --passphrase-file F"},
    {"delete", nvrctl_delete_run, TRUE, "delete NAME --start T --end T"},
    {"verify", nvrctl_store_run, TRUE, "verify [--deep --passphrase-file F] [--verbose]"},
#ifdef NVRCTL_HAVE_VENDOR
    {"identify", nvrctl_vendor_run, FALSE, "identify HOST[:HTTP_PORT] [--rtsp-port P] [--user U --password-file F]"},
    {"discover", nvrctl_vendor_run, FALSE, "discover [--timeout S] [--interface IF]"},
    {"devices", nvrctl_vendor_run, TRUE, "devices"},
#endif
};

static void
nvrctl_print_usage(FILE *out)
{
	fprintf(out, "usage: nvrctl --state-dir DIR [--json] COMMAND [ARGS...]\n\ncommands:\n");
	for (guint i = 0; i < G_N_ELEMENTS(nvrctl_commands); i++)
		fprintf(out, "  %s\n", nvrctl_commands[i].usage);
}

/* --json and --state-dir may also follow the command (DESIGN.md §10 puts --json last) */
static void
nvrctl_take_global_options(gint *argc, gchar **argv, gboolean *json, gchar **state_dir)
{
	gint out = 1;

	for (gint i = 1; i < *argc; i++) {
		if (g_strcmp0(argv[i], "--json") == 0) {
			*json = TRUE;
			continue;
		}
		if (g_strcmp0(argv[i], "--state-dir") == 0 && i + 1 < *argc) {
			g_free(*state_dir);
			*state_dir = g_strdup(argv[++i]);
			continue;
		}
		if (g_str_has_prefix(argv[i], "--state-dir=")) {
			g_free(*state_dir);
			*state_dir = g_strdup(argv[i] + strlen("--state-dir="));
			continue;
		}
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	*argc = out;
}

static const NvrctlCommand *
nvrctl_find_command(const gchar *name)
{
	for (guint i = 0; i < G_N_ELEMENTS(nvrctl_commands); i++) {
		if (g_strcmp0(nvrctl_commands[i].command, name) == 0)
			return &nvrctl_commands[i];
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	g_autofree gchar *state_dir = NULL;
	gboolean json = FALSE;
	gboolean verbose = FALSE;
	gboolean version = FALSE;
	const GOptionEntry entries[] = {
	    {"state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, "nvrd's state directory", "DIR"},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &json, "Machine-readable output", NULL},
	    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log info and debug messages", NULL},
	    {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND [ARGS...]");
	g_autoptr(GError) error = NULL;
	const NvrctlCommand *cmd;

	setlocale(LC_ALL, "");
	g_option_context_add_main_entries(ctx, entries, NULL);
	/* options after the command belong to the command */
	g_option_context_set_strict_posix(ctx, TRUE);
	g_option_context_set_help_enabled(ctx, TRUE);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "nvrctl: %s\n", error->message);
		return 2;
	}
	if (version) {
		printf("nvrctl %s\n", NVR_VERSION_STRING);
		return 0;
	}
	nvr_log_install(verbose);
	nvrctl_take_global_options(&argc, argv, &json, &state_dir);
	if (argc < 2) {
		nvrctl_print_usage(stderr);
		return 2;
	}
	cmd = nvrctl_find_command(argv[1]);
	if (cmd == NULL) {
		fprintf(stderr, "nvrctl: unknown command '%s'\n", argv[1]);
		nvrctl_print_usage(stderr);
		return 2;
	}
	if (cmd->needs_state_dir && state_dir == NULL)
		state_dir = g_strdup(g_getenv("NVR_STATE_DIR"));
	if (cmd->needs_state_dir && state_dir == NULL) {
		fprintf(stderr, "nvrctl: %s needs --state-dir DIR (or NVR_STATE_DIR)\n", cmd->command);
		return 2;
	}
	return cmd->run(state_dir, cmd->command, argc - 1, argv + 1, json);
}
