/*
 * fuzz-media-codec-data.c: codec_data and parameter sets come from the
 * camera. The first byte picks the parser: 0 avcC, 1 hvcC, 2
 * AudioSpecificConfig, 3 H.264 SPS, 4 H.265 SPS, 5 length-prefixed NAL
 * units (4-byte lengths), 6 an avcC in a track config and init segment
 * written and parsed back.
 */
#include "config.h"

#include <stdint.h>

#include "media/nvr-media.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
nvr_fuzz_init_round_trip(const uint8_t *data, size_t size)
{
	g_autoptr(GBytes) blob = g_bytes_new(data, size);
	g_autoptr(NvrMediaTrackConfig) config = nvr_media_track_config_new_h264(blob, 0, 0, NULL);
	g_autoptr(GBytes) init = NULL;
	g_autoptr(NvrMediaInit) parsed = NULL;

	if (config == NULL)
		return;
	init = nvr_media_init_write(&config, 1, 0);
	parsed = nvr_media_init_parse(g_bytes_get_data(init, NULL), g_bytes_get_size(init), NULL);
	g_assert(parsed != NULL && nvr_media_track_config_equal(parsed->tracks[0], config));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	NvrMediaAvcc avcc;
	NvrMediaHvcc hvcc;
	NvrMediaAacConfig aac;
	NvrMediaH264Sps sps264;
	NvrMediaH265Sps sps265;

	if (size < 1)
		return 0;
	switch (data[0]) {
	case 0:
		if (nvr_media_avcc_parse(data + 1, size - 1, &avcc, NULL))
			g_free(nvr_media_avcc_codec_string(&avcc));
		break;
	case 1:
		if (nvr_media_hvcc_parse(data + 1, size - 1, &hvcc, NULL))
			g_free(nvr_media_hvcc_codec_string(&hvcc));
		break;
	case 2:
		if (nvr_media_aac_config_parse(data + 1, size - 1, &aac, NULL))
			g_free(nvr_media_aac_codec_string(&aac));
		break;
	case 3:
		(void)nvr_media_h264_sps_parse(data + 1, size - 1, &sps264, NULL);
		break;
	case 4:
		(void)nvr_media_h265_sps_parse(data + 1, size - 1, &sps265, NULL);
		break;
	case 5:
		(void)nvr_media_nal_units_check(data + 1, size - 1, 4, NULL);
		break;
	case 6:
		nvr_fuzz_init_round_trip(data + 1, size - 1);
		break;
	default:
		break;
	}
	return 0;
}
