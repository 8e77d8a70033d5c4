/*
 * fuzz-rtp-depay.c: RTP packets from a camera through the H.264/H.265
 * depayloader of nvrrtspsrc. The first byte picks the codec; then each
 * packet is a 16-bit length and that many bytes; the low bit of the
 * length's high byte says whether a packet was lost before it.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "recorder/nvr-rtp-depay.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(NvrRtpDepay) d = NULL;
	gsize off = 1;

	if (size < 1)
		return 0;
	d = nvr_rtp_depay_new((data[0] & 1) ? NVR_RTP_DEPAY_H265 : NVR_RTP_DEPAY_H264);
	while (off + 2 <= size) {
		gsize len = (gsize)(data[off] & 0x7f) << 8 | data[off + 1];
		gboolean lost = (data[off] & 0x80) != 0;
		NvrRtpPacket pkt;
		NvrRtpDepayAu au[2];
		guint n;

		off += 2;
		if (len > size - off)
			len = size - off;
		if (nvr_rtp_packet_parse(data + off, len, &pkt)) {
			g_assert(pkt.payload >= data + off);
			g_assert(pkt.payload + pkt.payload_size <= data + off + len);
			n = nvr_rtp_depay_push(d, pkt.payload, pkt.payload_size, pkt.timestamp,
					       pkt.marker, lost, au);
			for (guint i = 0; i < n; i++) {
				/* whole NAL units, each after a start code */
				g_assert(au[i].size >= 5 && au[i].size <= NVR_RTP_DEPAY_MAX_AU);
				g_assert(memcmp(au[i].data, "\0\0\0\1", 4) == 0);
				g_free(au[i].data);
			}
		}
		off += len;
	}
	return 0;
}
