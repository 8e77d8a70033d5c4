/*
 * test-rtsp-interleaved.c: the splitter of what an RTSP server sends after
 * PLAY, on whole items, on every way of cutting a stream into reads, and
 * on bytes that are neither data nor RTSP.
 */
#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "nvr-test-common.h"
#include "recorder/nvr-rtsp-interleaved.h"

static GByteArray *
frame(GByteArray *out, guint8 channel, gsize len)
{
	guint8 hdr[4] = {'$', channel, (guint8)(len >> 8), (guint8)len};

	g_byte_array_append(out, hdr, 4);
	for (gsize i = 0; i < len; i++) {
		guint8 b = (guint8)(i * 7 + channel);
		g_byte_array_append(out, &b, 1);
	}
	return out;
}

static GByteArray *
text(GByteArray *out, const gchar *s)
{
	return g_byte_array_append(out, (const guint8 *)s, strlen(s));
}

static NvrRtspItem
next_ok(const guint8 *data, gsize size)
{
	g_autoptr(GError) error = NULL;
	NvrRtspItem item;

	g_assert_true(nvr_rtsp_interleaved_next(data, size, &item, &error));
	g_assert_no_error(error);
	return item;
}

static void
next_fails(const gchar *s)
{
	g_autoptr(GError) error = NULL;
	NvrRtspItem item;

	g_assert_false(nvr_rtsp_interleaved_next((const guint8 *)s, strlen(s), &item, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_PARSE);
}

static void
test_interleaved_data(void)
{
	g_autoptr(GByteArray) b = frame(g_byte_array_new(), 3, 1400);
	NvrRtspItem item = next_ok(b->data, b->len);

	g_assert_cmpint(item.kind, ==, NVR_RTSP_ITEM_DATA);
	g_assert_cmpuint(item.channel, ==, 3);
	g_assert_cmpuint(item.offset, ==, 4);
	g_assert_cmpuint(item.length, ==, 1400);
	g_assert_cmpuint(item.size, ==, 1404);
	/* every shorter prefix: not complete yet, and not an error */
	for (gsize n = 0; n < b->len; n++)
		g_assert_cmpint(next_ok(b->data, n).kind, ==, NVR_RTSP_ITEM_INCOMPLETE);
	/* the largest a 16-bit length allows */
	g_byte_array_set_size(b, 0);
	frame(b, 0, 65535);
	g_assert_cmpuint(next_ok(b->data, b->len).size, ==, 65539);
}

static void
test_interleaved_messages(void)
{
	const gchar *reply = "RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: 42;timeout=60\r\n\r\n";
	const gchar *body = "RTSP/1.0 200 OK\r\nCSeq: 4\r\ncontent-LENGTH:  5\r\n\r\nhello$";
	const gchar *req = "SET_PARAMETER rtsp://cam/x RTSP/1.0\r\nCSeq: 1\r\n\r\n";
	const gchar *denied = "RTSP/1.0 454 Session Not Found\r\nCSeq: 5\r\n\r\n";
	NvrRtspItem item = next_ok((const guint8 *)reply, strlen(reply));

	g_assert_cmpint(item.kind, ==, NVR_RTSP_ITEM_MESSAGE);
	g_assert_cmpuint(item.size, ==, strlen(reply));
	g_assert_cmpuint(item.status, ==, 200);
	/* the body belongs to the message; the '$' after it does not */
	item = next_ok((const guint8 *)body, strlen(body));
	g_assert_cmpuint(item.size, ==, strlen(body) - 1);
	g_assert_cmpuint(item.offset, ==, strlen(body) - 6);
	g_assert_cmpuint(item.length, ==, 5);
	g_assert_cmpmem(body + item.offset, item.length, "hello", 5);
	g_assert_cmpint(next_ok((const guint8 *)body, strlen(body) - 3).kind, ==,
			NVR_RTSP_ITEM_INCOMPLETE);
	item = next_ok((const guint8 *)req, strlen(req));
	g_assert_cmpint(item.kind, ==, NVR_RTSP_ITEM_MESSAGE);
	g_assert_cmpuint(item.status, ==, 0);
	g_assert_cmpuint(next_ok((const guint8 *)denied, strlen(denied)).status, ==, 454);
	/* one CRLF too many between items is skipped */
	item = next_ok((const guint8 *)"\r\n\r\n$", 5);
	g_assert_cmpint(item.kind, ==, NVR_RTSP_ITEM_MESSAGE);
	g_assert_cmpuint(item.size, ==, 4);
}

static void
test_interleaved_bad(void)
{
	g_autofree gchar *long_line = g_strnfill(600, 'A');
	g_autoptr(GString) long_header = g_string_new("RTSP/1.0 200 OK\r\n");

	next_fails("hello world\r\n\r\n");
	next_fails("\x01\x02\x03 binary\r\n");
	next_fails("RTSP/1.0 OK\r\n\r\n");
	next_fails("RTSP/1.0 200 OK\r\nContent-Length: 65537\r\n\r\n");
	next_fails("RTSP/1.0 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n");
	next_fails("RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n");
	/* no end of line within a line's worth, no end of header within the limit */
	next_fails(long_line);
	while (long_header->len < NVR_RTSP_MAX_HEADER)
		g_string_append(long_header, "X-Padding: yes\r\n");
	next_fails(long_header->str);
}

/* a stream of items, cut into reads at random places, comes out whole */
static void
test_interleaved_any_cuts(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(11);
	g_autoptr(GByteArray) stream = g_byte_array_new();
	g_autoptr(GArray) sizes = g_array_new(FALSE, FALSE, sizeof(gsize));

	for (guint i = 0; i < 300; i++) {
		gsize before = stream->len, size;

		if (i % 17 == 5)
			text(stream, "RTSP/1.0 200 OK\r\nCSeq: 9\r\nContent-Length: 2\r\n\r\nok");
		else
			frame(stream, (guint8)(i % 4), (gsize)g_rand_int_range(rand, 0, 1500));
		size = stream->len - before;
		g_array_append_val(sizes, size);
	}
	for (guint round = 0; round < 50; round++) {
		g_autoptr(GByteArray) buf = g_byte_array_new();
		gsize fed = 0;
		guint found = 0;

		while (found < sizes->len) {
			gsize want = (gsize)g_rand_int_range(rand, 1, 5000); /* once: MIN() evaluates twice */
			gsize chunk = MIN(want, stream->len - fed);
			NvrRtspItem item;

			g_byte_array_append(buf, stream->data + fed, (guint)chunk);
			fed += chunk;
			while ((item = next_ok(buf->data, buf->len)).kind != NVR_RTSP_ITEM_INCOMPLETE) {
				g_assert_cmpuint(item.size, ==, g_array_index(sizes, gsize, found));
				g_byte_array_remove_range(buf, 0, (guint)item.size);
				found++;
			}
			g_assert_true(fed < stream->len || found == sizes->len);
		}
		g_assert_cmpuint(buf->len, ==, 0);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	nvr_test_watchdog_start(NVR_TEST_WATCHDOG_S);
	g_test_add_func("/nvr/rtsp-interleaved/data", test_interleaved_data);
	g_test_add_func("/nvr/rtsp-interleaved/messages", test_interleaved_messages);
	g_test_add_func("/nvr/rtsp-interleaved/bad", test_interleaved_bad);
	g_test_add_func("/nvr/rtsp-interleaved/any-cuts", test_interleaved_any_cuts);
	return g_test_run();
}
