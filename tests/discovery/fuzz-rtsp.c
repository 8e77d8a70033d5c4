/* fuzz-rtsp.c: the RTSP reply parser behind the OPTIONS banner */
#include "config.h"

#include <stdint.h>

#include "discovery/nvr-rtsp-banner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nvr_rtsp_banner_free(nvr_rtsp_banner_parse((const gchar *)data, size, NULL));
	return 0;
}
