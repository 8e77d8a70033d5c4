/* fuzz-neighbour.c: /proc/net/arp and `ip neigh` parsers, and lookups in what they return */
#include "config.h"

#include <stdint.h>

#include "discovery/nvr-neighbour.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const gchar *d = (const gchar *)data;
	GPtrArray *table = nvr_neighbour_parse_proc_arp(d, size, NULL);

	if (table != NULL)
		(void)nvr_neighbour_table_lookup(table, "192.0.2.64");
	g_clear_pointer(&table, g_ptr_array_unref);
	table = nvr_neighbour_parse_ip_neigh(d, size, NULL);
	if (table != NULL)
		(void)nvr_neighbour_table_lookup(table, "fe80::1");
	g_clear_pointer(&table, g_ptr_array_unref);
	return 0;
}
