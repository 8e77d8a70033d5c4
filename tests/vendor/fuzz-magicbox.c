/* fuzz-magicbox: the Dahua plugin's key=value parsers and its firmware-format tell */
#include "config.h"

#include <stdint.h>

#include "nvr-dahua-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(NvrDahuaSystemInfo) info = nvr_dahua_parse_system_info((const gchar *)data, size, NULL);
	g_autofree gchar *vendor = nvr_dahua_parse_value((const gchar *)data, size, "vendor", NULL);
	g_autofree gchar *text = g_strndup((const gchar *)data, MIN(size, 4096));

	(void)nvr_dahua_firmware_format_matches(text);
	if (vendor != NULL)
		g_assert(g_utf8_validate(vendor, -1, NULL));
	if (info != NULL && info->update_serial != NULL)
		g_assert(g_utf8_validate(info->update_serial, -1, NULL));
	return 0;
}
