/*
 * fuzz-rtsp-interleaved.c: what a camera sends after PLAY, through the
 * splitter NvrRtspSrc uses, item by item as the source does.
 */
#include "config.h"

#include <stdint.h>

#include "recorder/nvr-rtsp-interleaved.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gsize off = 0;

	while (off < size) {
		g_autoptr(GError) error = NULL;
		NvrRtspItem item;

		if (!nvr_rtsp_interleaved_next(data + off, size - off, &item, &error)) {
			g_assert(error != NULL);
			break;
		}
		if (item.kind == NVR_RTSP_ITEM_INCOMPLETE)
			break;
		/* every item lies inside what was given, and moves forward */
		g_assert(item.size > 0 && item.size <= size - off);
		if (item.kind == NVR_RTSP_ITEM_DATA)
			g_assert(item.offset + item.length == item.size);
		off += item.size;
	}
	return 0;
}
