/* fuzz-onvif.c: every ONVIF reply parser (and so the SOAP reader and fault mapping) */
#include "config.h"

#include <stdint.h>

#include "discovery/nvr-onvif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const gchar *d = (const gchar *)data;
	GPtrArray *list;

	nvr_onvif_date_time_free(nvr_onvif_parse_date_time(d, size, NULL));
	nvr_onvif_device_info_free(nvr_onvif_parse_device_info(d, size, NULL));
	list = nvr_onvif_parse_network_interfaces(d, size, NULL);
	g_clear_pointer(&list, g_ptr_array_unref);
	nvr_onvif_services_free(nvr_onvif_parse_services(d, size, NULL));
	nvr_onvif_services_free(nvr_onvif_parse_capabilities(d, size, NULL));
	list = nvr_onvif_parse_profiles(d, size, NULL);
	g_clear_pointer(&list, g_ptr_array_unref);
	g_free(nvr_onvif_parse_stream_uri(d, size, NULL));
	g_free(nvr_onvif_parse_snapshot_uri(d, size, NULL));
	return 0;
}
