/* fuzz-http-banner.c: WWW-Authenticate challenges, page titles and header text cleaning */
#include "config.h"

#include <stdint.h>

#include "discovery/nvr-discovery-text.h"
#include "discovery/nvr-http-banner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree gchar *header =
		g_strndup((const gchar *)data, size); /* a header is a C string */
	g_autoptr(GPtrArray) challenges =
		g_ptr_array_new_with_free_func((GDestroyNotify)nvr_http_challenge_free);

	nvr_http_challenges_parse(header, challenges);
	g_free(nvr_http_title_parse((const gchar *)data, size));
	g_free(nvr_discovery_text_clean((const gchar *)data, (gssize)size, NVR_DISCOVERY_TEXT_MAX));
	g_free(nvr_discovery_mac_normalize(header));
	g_free(nvr_discovery_http_url_check(header, NULL));
	return 0;
}
