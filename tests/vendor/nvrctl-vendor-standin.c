/*
 * nvrctl-vendor-standin: nvrctl's identify and discover, built here from
 * nvr/ctl/nvrctl-vendor.c until nvrctl dispatches to them (nvrctl.c has
 * the NVRCTL_HAVE_VENDOR hook). The integration tests use $NVRCTL when it
 * knows "identify", and this otherwise. Arguments as nvrctl's:
 *   [--json] [--state-dir DIR] identify|discover ARGS...
 */
#include "config.h"

#include <locale.h>

#include "core/nvr-log.h"
#include "nvrctl-vendor.h"

int
main(int argc, char **argv)
{
	g_autofree gchar *state_dir = NULL;
	gboolean json = FALSE;
	gint i = 1;

	setlocale(LC_ALL, "");
	nvr_log_install(FALSE);
	for (; i < argc; i++) {
		if (g_strcmp0(argv[i], "--json") == 0)
			json = TRUE;
		else if (g_strcmp0(argv[i], "--state-dir") == 0 && i + 1 < argc)
			state_dir = g_strdup(argv[++i]);
		else
			break;
	}
	if (i >= argc)
		return 2;
	return nvrctl_vendor_run(state_dir, argv[i], argc - i, argv + i, json);
}
