/*
 * test-nvrctl-keys: the key commands of nvrctl without the rest of nvrctl,
 * so tests/keys can run them as a process before nvr/ctl builds them in:
 *   test-nvrctl-keys --state-dir DIR [--json] COMMAND [ARGS...]
 * It hands over exactly as the dispatcher (nvr/ctl/nvrctl.c) does.
 */
#include "config.h"

#include <glib.h>

#include "ctl/nvrctl-keys.h"

int
main(int argc, char **argv)
{
	const gchar *state_dir = NULL;
	gboolean json = FALSE;
	gint i = 1;

	for (; i < argc; i++) {
		if (g_strcmp0(argv[i], "--state-dir") == 0 && i + 1 < argc)
			state_dir = argv[++i];
		else if (g_strcmp0(argv[i], "--json") == 0)
			json = TRUE;
		else
			break;
	}
	if (i >= argc) {
		g_printerr("usage: test-nvrctl-keys --state-dir DIR [--json] COMMAND [ARGS...]\n");
		return 2;
	}
	return nvrctl_keys_run(state_dir, argv[i], argc - i, argv + i, json);
}
