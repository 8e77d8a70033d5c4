/* fuzz-isapi: the Hikvision plugin's ISAPI deviceInfo parser (libxml2, no DTD, no network) */
#include "config.h"

#include <stdint.h>

#include "nvr-hikvision-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(NvrHikvisionDeviceInfo) info =
		nvr_hikvision_parse_device_info((const gchar *)data, size, NULL);

	if (info != NULL) {
		g_assert(g_utf8_validate(info->model, -1, NULL));
		(void)nvr_hikvision_device_info_is_oem(info);
	}
	return 0;
}
