/*
 * test-rtp-depay.c: the H.264/H.265 depayloader of nvrrtspsrc, on packets
 * built by hand (every packetization, losses, parameter sets from the SDP)
 * and on what GStreamer's own payloaders make of x264/x265 output: the
 * access units must come back NAL unit for NAL unit.
 */
#include "config.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <string.h>

#include "nvr-test-common.h"
#include "recorder/nvr-rtp-depay.h"

/* ---- hand-built packets ---- */

static GByteArray *
rtp_packet(guint16 seq, guint32 ts, gboolean marker, const guint8 *payload, gsize len)
{
	GByteArray *p = g_byte_array_new();
	guint8 hdr[12] = {0x80, (guint8)((marker ? 0x80 : 0) | 96), (guint8)(seq >> 8), (guint8)seq,
			  (guint8)(ts >> 24), (guint8)(ts >> 16), (guint8)(ts >> 8), (guint8)ts,
			  0x12, 0x34, 0x56, 0x78};

	g_byte_array_append(p, hdr, 12);
	g_byte_array_append(p, payload, (guint)len);
	return p;
}

/* pushes a payload (no RTP header); Returns: the number of finished AUs */
static guint
push(NvrRtpDepay *d, const guint8 *payload, gsize len, guint32 ts, gboolean marker,
     gboolean discont, NvrRtpDepayAu au[2])
{
	return nvr_rtp_depay_push(d, payload, len, ts, marker, discont, au);
}

static void
au_clear(NvrRtpDepayAu *au, guint n)
{
	for (guint i = 0; i < n; i++)
		g_free(au[i].data);
}

static void
assert_bytes(const guint8 *got, gsize got_len, const guint8 *want, gsize want_len)
{
	g_assert_cmpuint(got_len, ==, want_len);
	g_assert_cmpmem(got, got_len, want, want_len);
}

static void
test_depay_packet_parse(void)
{
	static const guint8 payload[] = {0x65, 1, 2, 3};
	g_autoptr(GByteArray) p = rtp_packet(7, 900, TRUE, payload, sizeof(payload));
	NvrRtpPacket pkt;

	g_assert_true(nvr_rtp_packet_parse(p->data, p->len, &pkt));
	g_assert_cmpuint(pkt.seq, ==, 7);
	g_assert_cmpuint(pkt.timestamp, ==, 900);
	g_assert_true(pkt.marker);
	g_assert_cmpuint(pkt.payload_type, ==, 96);
	g_assert_cmpuint(pkt.ssrc, ==, 0x12345678);
	assert_bytes(pkt.payload, pkt.payload_size, payload, sizeof(payload));

	/* two CSRCs, a one-word extension, three bytes of padding */
	{
		guint8 raw[12 + 8 + 8 + 4 + 3] = {0xb2, 96, 0, 1, 0, 0, 0, 9, 0, 0, 0, 1};
		raw[20] = 0xbe, raw[21] = 0xde, raw[22] = 0, raw[23] = 1;
		memcpy(raw + 28, payload, 4);
		raw[sizeof(raw) - 1] = 3;
		g_assert_true(nvr_rtp_packet_parse(raw, sizeof(raw), &pkt));
		assert_bytes(pkt.payload, pkt.payload_size, payload, sizeof(payload));
		/* padding longer than the packet, extension beyond it, CSRCs beyond it */
		raw[sizeof(raw) - 1] = 200;
		g_assert_false(nvr_rtp_packet_parse(raw, sizeof(raw), &pkt));
		raw[sizeof(raw) - 1] = 3;
		raw[23] = 50;
		g_assert_false(nvr_rtp_packet_parse(raw, sizeof(raw), &pkt));
		raw[0] = 0x8f;
		g_assert_false(nvr_rtp_packet_parse(raw, 40, &pkt));
	}
	p->data[0] = 0x40; /* version 1 */
	g_assert_false(nvr_rtp_packet_parse(p->data, p->len, &pkt));
	g_assert_false(nvr_rtp_packet_parse(p->data, 11, &pkt));
}

/* STAP-A (SPS, PPS), then an IDR in three FU-A fragments */
static void
test_depay_h264_packetizations(void)
{
	static const guint8 stap[] = {0x18, 0, 3, 0x67, 0xaa, 0xbb, 0, 2, 0x68, 0xcc};
	static const guint8 fu1[] = {0x7c, 0x85, 1, 2, 3};
	static const guint8 fu2[] = {0x7c, 0x05, 4, 5};
	static const guint8 fu3[] = {0x7c, 0x45, 6};
	static const guint8 want[] = {0, 0, 0, 1, 0x67, 0xaa, 0xbb, 0, 0, 0, 1, 0x68, 0xcc,
				      0, 0, 0, 1, 0x65, 1, 2, 3, 4, 5, 6};
	g_autoptr(NvrRtpDepay) d = nvr_rtp_depay_new(NVR_RTP_DEPAY_H264);
	NvrRtpDepayAu au[2];

	g_assert_cmpuint(push(d, stap, sizeof(stap), 3000, FALSE, FALSE, au), ==, 0);
	g_assert_cmpuint(push(d, fu1, sizeof(fu1), 3000, FALSE, FALSE, au), ==, 0);
	g_assert_cmpuint(push(d, fu2, sizeof(fu2), 3000, FALSE, FALSE, au), ==, 0);
	g_assert_cmpuint(push(d, fu3, sizeof(fu3), 3000, TRUE, FALSE, au), ==, 1);
	assert_bytes(au[0].data, au[0].size, want, sizeof(want));
	g_assert_cmpuint(au[0].timestamp, ==, 3000);
	g_assert_true(au[0].discont); /* the first AU: nothing is known before it */
	au_clear(au, 1);
	g_assert_cmpuint(nvr_rtp_depay_get_dropped(d), ==, 0);
}

/* without the marker an AU ends when the timestamp changes; with it too */
static void
test_depay_no_marker(void)
{
	static const guint8 p_slice[] = {0x41, 9, 9};
	g_autoptr(NvrRtpDepay) d = nvr_rtp_depay_new(NVR_RTP_DEPAY_H264);
	NvrRtpDepayAu au[2];

	g_assert_cmpuint(push(d, p_slice, 3, 100, FALSE, FALSE, au), ==, 0);
	/* the next frame has one packet, with the marker: both come out */
	g_assert_cmpuint(push(d, p_slice, 3, 200, TRUE, FALSE, au), ==, 2);
	g_assert_cmpuint(au[0].timestamp, ==, 100);
	g_assert_cmpuint(au[1].timestamp, ==, 200);
	g_assert_false(au[1].discont);
	au_clear(au, 2);
	g_assert_cmpuint(push(d, p_slice, 3, 300, FALSE, FALSE, au), ==, 0);
	g_assert_cmpuint(push(d, p_slice, 3, 400, FALSE, FALSE, au), ==, 1);
	g_assert_cmpuint(au[0].timestamp, ==, 300);
	g_assert_cmpuint(au[0].size, ==, 7);
	au_clear(au, 1);
}

/* a lost fragment drops its NAL unit, not the others; the AU says so */
static void
test_depay_loss(void)
{
	static const guint8 sei[] = {0x06, 5, 5};
	static const guint8 fu1[] = {0x7c, 0x85, 1, 2};
	static const guint8 fu3[] = {0x7c, 0x45, 6};
	static const guint8 p_slice[] = {0x41, 7};
	static const guint8 want[] = {0, 0, 0, 1, 0x06, 5, 5};
	g_autoptr(NvrRtpDepay) d = nvr_rtp_depay_new(NVR_RTP_DEPAY_H264);
	NvrRtpDepayAu au[2];

	push(d, p_slice, 2, 0, TRUE, FALSE, au);
	au_clear(au, 1);
	push(d, sei, 3, 10, FALSE, FALSE, au);
	push(d, fu1, 4, 10, FALSE, FALSE, au);
	/* fu2 lost */
	g_assert_cmpuint(push(d, fu3, 3, 10, TRUE, TRUE, au), ==, 1);
	assert_bytes(au[0].data, au[0].size, want, sizeof(want));
	g_assert_true(au[0].discont);
	au_clear(au, 1);
	g_assert_cmpuint(nvr_rtp_depay_get_dropped(d), ==, 2);
	/* a fragment whose start never came is dropped too; the next AU is clean */
	g_assert_cmpuint(push(d, fu3, 3, 20, FALSE, FALSE, au), ==, 0);
	g_assert_cmpuint(push(d, p_slice, 2, 30, TRUE, FALSE, au), ==, 1);
	g_assert_cmpuint(au[0].timestamp, ==, 30);
	g_assert_true(au[0].discont); /* the AU at 20 had nothing whole: the loss carries over */
	au_clear(au, 1);
	g_assert_cmpuint(push(d, p_slice, 2, 40, TRUE, FALSE, au), ==, 1);
	g_assert_false(au[0].discont);
	au_clear(au, 1);
}

/* a key frame without its SPS gets the SDP's parameter sets in front */
static void
test_depay_sprop(void)
{
	static const guint8 idr[] = {0x65, 1};
	static const guint8 sps_in_band[] = {0x18, 0, 2, 0x67, 0x42, 0, 2, 0x68, 0xce};
	const gchar *sprop[] = {"Z0LAHg==", "aM4=", "", NULL}; /* 67 42 c0 1e, 68 ce */
	static const guint8 want[] = {0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0, 0, 0, 1, 0x68, 0xce,
				      0, 0, 0, 1, 0x65, 1};
	g_autoptr(NvrRtpDepay) d = nvr_rtp_depay_new(NVR_RTP_DEPAY_H264);
	NvrRtpDepayAu au[2];

	g_assert_cmpuint(nvr_rtp_depay_set_sprop(d, sprop), ==, 2);
	g_assert_cmpuint(push(d, idr, 2, 0, TRUE, FALSE, au), ==, 1);
	assert_bytes(au[0].data, au[0].size, want, sizeof(want));
	au_clear(au, 1);
	/* parameter sets in band: nothing added */
	push(d, sps_in_band, sizeof(sps_in_band), 10, FALSE, FALSE, au);
	g_assert_cmpuint(push(d, idr, 2, 10, TRUE, FALSE, au), ==, 1);
	g_assert_cmpuint(au[0].size, ==, 4 + 2 + 4 + 2 + 4 + 2);
	au_clear(au, 1);
}

/* H.265: an aggregation packet (VPS, SPS, PPS) and a fragmented IDR */
static void
test_depay_h265_packetizations(void)
{
	static const guint8 ap[] = {0x60, 0x01, 0, 3, 0x40, 0x01, 0xa, 0, 3, 0x42, 0x01, 0xb,
				    0, 3, 0x44, 0x01, 0xc};
	/* FU of an IDR_W_RADL (type 19): payload header type 49, FU header S|19 */
	static const guint8 fu1[] = {0x62, 0x01, 0x93, 1, 2};
	static const guint8 fu2[] = {0x62, 0x01, 0x53, 3};
	static const guint8 want[] = {0, 0, 0, 1, 0x40, 0x01, 0xa, 0, 0, 0, 1, 0x42, 0x01, 0xb,
				      0, 0, 0, 1, 0x44, 0x01, 0xc, 0, 0, 0, 1, 0x26, 0x01, 1, 2, 3};
	g_autoptr(NvrRtpDepay) d = nvr_rtp_depay_new(NVR_RTP_DEPAY_H265);
	NvrRtpDepayAu au[2];

	push(d, ap, sizeof(ap), 5, FALSE, FALSE, au);
	push(d, fu1, sizeof(fu1), 5, FALSE, FALSE, au);
	g_assert_cmpuint(push(d, fu2, sizeof(fu2), 5, TRUE, FALSE, au), ==, 1);
	assert_bytes(au[0].data, au[0].size, want, sizeof(want));
	au_clear(au, 1);
	g_assert_cmpuint(nvr_rtp_depay_get_dropped(d), ==, 0);
}

/* ---- against GStreamer's payloaders ---- */

static gboolean
is_aud(NvrRtpDepayCodec codec, const guint8 *nal)
{
	return codec == NVR_RTP_DEPAY_H264 ? (nal[0] & 0x1f) == 9 : ((nal[0] >> 1) & 0x3f) == 35;
}

static void
add_nal(GPtrArray *nals, NvrRtpDepayCodec codec, const guint8 *nal, gsize len)
{
	/* payloaders leave access unit delimiters out: they say nothing RTP does not */
	if (len > 0 && !is_aud(codec, nal))
		g_ptr_array_add(nals, g_bytes_new(nal, len));
}

/* the NAL units of an Annex B buffer, whatever its start codes */
static GPtrArray *
split_nal_units(NvrRtpDepayCodec codec, const guint8 *data, gsize size)
{
	GPtrArray *nals = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	gsize i = 0, start = G_MAXSIZE;

	while (i + 3 <= size) {
		if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
			if (start != G_MAXSIZE) {
				gsize end = i;
				while (end > start && data[end - 1] == 0)
					end--;
				add_nal(nals, codec, data + start, end - start);
			}
			i += 3;
			start = i;
			continue;
		}
		i++;
	}
	if (start != G_MAXSIZE)
		add_nal(nals, codec, data + start, size - start);
	return nals;
}

static GPtrArray *
pull_all(GstElement *pipeline, const gchar *name)
{
	g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline), name);
	GPtrArray *buffers = g_ptr_array_new_with_free_func((GDestroyNotify)gst_buffer_unref);
	GstSample *sample;

	while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink))) != NULL) {
		g_ptr_array_add(buffers, gst_buffer_ref(gst_sample_get_buffer(sample)));
		gst_sample_unref(sample);
	}
	return buffers;
}

/* encodes frames once, keeps the encoder's access units and the payloader's
 * packets of them, and checks that depayloading gives the same NAL units */
static void
run_roundtrip(const gchar *encoder, const gchar *caps, const gchar *payloader, NvrRtpDepayCodec codec)
{
	g_autofree gchar *desc = g_strdup_printf(
	    "videotestsrc num-buffers=20 pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 "
	    "! %s ! %s ! tee name=t "
	    "t. ! queue ! appsink name=aus sync=false "
	    "t. ! queue ! %s mtu=300 ! appsink name=rtp sync=false",
	    encoder, caps, payloader);
	g_autoptr(GError) error = NULL;
	g_autoptr(GstElement) pipeline = gst_parse_launch(desc, &error);
	g_autoptr(GPtrArray) aus = NULL;
	g_autoptr(GPtrArray) packets = NULL;
	g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) got_sizes = g_array_new(FALSE, FALSE, sizeof(gsize));
	g_autoptr(NvrRtpDepay) d = nvr_rtp_depay_new(codec);
	guint fragments = 0;

	g_assert_no_error(error);
	gst_element_set_state(pipeline, GST_STATE_PLAYING);
	aus = pull_all(pipeline, "aus");
	packets = pull_all(pipeline, "rtp");
	gst_element_set_state(pipeline, GST_STATE_NULL);
	g_assert_cmpuint(aus->len, ==, 20);
	for (guint i = 0; i < packets->len; i++) {
		GstMapInfo map;
		NvrRtpPacket pkt;
		NvrRtpDepayAu au[2];
		guint n;

		g_assert_true(gst_buffer_map(packets->pdata[i], &map, GST_MAP_READ));
		g_assert_true(nvr_rtp_packet_parse(map.data, map.size, &pkt));
		fragments += codec == NVR_RTP_DEPAY_H264 ? (pkt.payload[0] & 0x1f) == 28
							 : ((pkt.payload[0] >> 1) & 0x3f) == 49;
		n = nvr_rtp_depay_push(d, pkt.payload, pkt.payload_size, pkt.timestamp, pkt.marker,
				       FALSE, au);
		for (guint j = 0; j < n; j++) {
			g_ptr_array_add(got, au[j].data);
			g_array_append_val(got_sizes, au[j].size);
		}
		gst_buffer_unmap(packets->pdata[i], &map);
	}
	g_assert_cmpuint(fragments, >, 0); /* the MTU made it fragment */
	g_assert_cmpuint(got->len, ==, aus->len);
	g_assert_cmpuint(nvr_rtp_depay_get_dropped(d), ==, 0);
	for (guint i = 0; i < aus->len; i++) {
		GstMapInfo map;
		g_autoptr(GPtrArray) want = NULL;
		g_autoptr(GPtrArray) have = split_nal_units(codec, got->pdata[i],
							    g_array_index(got_sizes, gsize, i));

		g_assert_true(gst_buffer_map(aus->pdata[i], &map, GST_MAP_READ));
		want = split_nal_units(codec, map.data, map.size);
		gst_buffer_unmap(aus->pdata[i], &map);
		g_assert_cmpuint(have->len, ==, want->len);
		for (guint j = 0; j < want->len; j++)
			g_assert_true(g_bytes_equal(have->pdata[j], want->pdata[j]));
	}
}

static void
test_depay_h264_gstreamer(void)
{
	run_roundtrip("x264enc speed-preset=ultrafast tune=zerolatency key-int-max=10 bitrate=2000",
		      "video/x-h264,stream-format=byte-stream,alignment=au", "rtph264pay",
		      NVR_RTP_DEPAY_H264);
}

static void
test_depay_h265_gstreamer(void)
{
	run_roundtrip("x265enc speed-preset=ultrafast tune=zerolatency key-int-max=10 bitrate=2000",
		      "video/x-h265,stream-format=byte-stream,alignment=au", "rtph265pay",
		      NVR_RTP_DEPAY_H265);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	nvr_test_watchdog_start(NVR_TEST_WATCHDOG_S);
	g_test_add_func("/nvr/rtp-depay/packet-parse", test_depay_packet_parse);
	g_test_add_func("/nvr/rtp-depay/h264-packetizations", test_depay_h264_packetizations);
	g_test_add_func("/nvr/rtp-depay/no-marker", test_depay_no_marker);
	g_test_add_func("/nvr/rtp-depay/loss", test_depay_loss);
	g_test_add_func("/nvr/rtp-depay/sprop", test_depay_sprop);
	g_test_add_func("/nvr/rtp-depay/h265-packetizations", test_depay_h265_packetizations);
	g_test_add_func("/nvr/rtp-depay/h264-gstreamer", test_depay_h264_gstreamer);
	g_test_add_func("/nvr/rtp-depay/h265-gstreamer", test_depay_h265_gstreamer);
	return g_test_run();
}
