/* fuzz-axis: the Axis plugin's VAPIX JSON and param.cgi parsers */
#include "config.h"

#include <stdint.h>

#include "nvr-axis-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(NvrAxisDeviceInfo) a = nvr_axis_parse_basic_device_info((const gchar *)data, size, NULL);
	g_autoptr(NvrAxisDeviceInfo) b = nvr_axis_parse_param_brand((const gchar *)data, size, NULL);

	if (a != NULL)
		(void)nvr_axis_serial_matches_mac(a->serial, "AC:CC:8E:3A:00:06");
	if (b != NULL)
		g_assert(g_utf8_validate(b->brand, -1, NULL));
	return 0;
}
