/*
 * fuzz-fakecam-clip.c: nvr-fakecam's clip file (the encode cache, or a
 * --clip file) is read back from disk; a broken one must give an error.
 */
#include "config.h"

#include <stdint.h>

#include "fakecam/nvr-fakecam-clip.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static gboolean ready = FALSE;
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(NvrFakecamClip) clip = NULL;
	g_autoptr(GError) error = NULL;

	if (!ready) {
		gst_init(NULL, NULL);
		ready = TRUE;
	}
	bytes = g_bytes_new(data, size);
	clip = nvr_fakecam_clip_parse(bytes, &error);
	g_assert_true((clip == NULL) == (error != NULL));
	if (clip != NULL) { /* what was accepted is written back readable */
		g_autoptr(GBytes) again = nvr_fakecam_clip_serialize(clip);
		g_autoptr(NvrFakecamClip) back = nvr_fakecam_clip_parse(again, NULL);
		g_assert_nonnull(back);
	}
	return 0;
}
