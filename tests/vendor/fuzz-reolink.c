/* fuzz-reolink: the Reolink plugin's GetDevInfo parser */
#include "config.h"

#include <stdint.h>

#include "nvr-reolink-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gint rsp = 0;
	g_autoptr(NvrReolinkDevInfo) info = nvr_reolink_parse_dev_info((const gchar *)data, size, &rsp, NULL);

	if (info != NULL)
		g_assert(g_utf8_validate(info->model, -1, NULL));
	return 0;
}
