/*
 * fuzz-media-boxes.c: a decrypted segment is untrusted if the file was
 * tampered with: the box walker, init parser, fragment parser and the
 * concatenation rewriter must never read out of bounds.
 */
#include "config.h"

#include <stdint.h>

#include "media/nvr-media.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(NvrMediaSegmentLayout) layout =
		nvr_media_segment_layout_parse(data, size, TRUE, NULL);
	g_autoptr(NvrMediaConcat) concat = NULL;
	g_autofree gchar *mime = NULL;

	if (layout == NULL)
		return 0;
	mime = nvr_media_init_dup_mime_type(layout->init);
	concat = nvr_media_concat_new(layout->init);
	for (guint i = 0; i < layout->fragments->len; i++) {
		const NvrMediaFragmentRange *r =
			&g_array_index(layout->fragments, NvrMediaFragmentRange, i);
		g_autoptr(GBytes) out = NULL;

		if (i == 1)
			nvr_media_concat_next_source(concat, 3000);
		out = nvr_media_concat_push(concat, data + r->offset, r->info.size, NULL, NULL);
		if (out != NULL)
			g_assert(g_bytes_get_size(out) == r->info.size);
	}
	return 0;
}
