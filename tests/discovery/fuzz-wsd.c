/* fuzz-wsd.c: the WS-Discovery ProbeMatches parser, with and without a MessageID to match */
#include "config.h"

#include <stdint.h>

#include "discovery/nvr-wsd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const gchar *d = (const gchar *)data;
	GPtrArray *matches;

	matches = nvr_wsd_parse_probe_matches(d, size, NULL, NULL);
	g_clear_pointer(&matches, g_ptr_array_unref);
	/* the seed files carry this placeholder as their RelatesTo */
	matches = nvr_wsd_parse_probe_matches(d, size, "@RELATES_TO@", NULL);
	for (guint i = 0; matches != NULL && i < matches->len; i++)
		(void)nvr_wsd_match_get_scope(g_ptr_array_index(matches, i), "name");
	g_clear_pointer(&matches, g_ptr_array_unref);
	return 0;
}
