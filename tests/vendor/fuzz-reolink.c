/* fuzz-reolink: the Reolink plugin's GetDevInfo and Login parsers */
#include "config.h"

#include <stdint.h>

#include "nvr-reolink-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gint rsp = 0;
	g_autoptr(NvrReolinkDevInfo) info = nvr_reolink_parse_dev_info((const gchar *)data, size, &rsp, NULL);
	g_autofree gchar *token = nvr_reolink_parse_login_token((const gchar *)data, size, &rsp, NULL);

	/* it goes into a request line */
	for (const gchar *p = token; p != NULL && *p != '\0'; p++)
		g_assert(g_ascii_isalnum(*p));

	if (info != NULL)
		g_assert(g_utf8_validate(info->model, -1, NULL));
	return 0;
}
