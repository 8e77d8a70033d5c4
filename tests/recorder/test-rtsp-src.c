/*
 * test-rtsp-src.c: nvrrtspsrc against hostile RTSP servers on 127.0.0.1.
 * Each server (a GThreadedSocketService of this test) reads the first
 * request and then misbehaves: a reply trickled a byte at a time, header
 * lines without end, a Content-Length of gigabytes, a body trickled, bytes
 * that are not RTSP, or nothing at all. The element must post an error by its
 * request deadline ("timeout": one limit for a whole request and reply,
 * not per read), and going to NULL must return within about a second,
 * after the error and while a read is blocked alike.
 */
#include "config.h"

#include <gio/gio.h>
#include <gst/gst.h>
#include <string.h>

#include "nvr-test-common.h"
#include "recorder/nvr-rtsp-src.h"

#define HS_TIMEOUT_US (1500 * 1000) /* the element's deadline per exchange */
#define HS_LONG_TIMEOUT_US (30 * G_USEC_PER_SEC)
#define HS_SLACK_US (1000 * 1000)
#define HS_STOP_US (1000 * 1000) /* going to NULL takes at most this */
#define HS_TRICKLE_US (50 * 1000)
#define HS_OPTIONS_REPLY "RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY\r\n\r\n"

typedef enum {
	HS_TRICKLE,	/* a reply one byte per 50 ms, never done */
	HS_ENDLESS,	/* header lines as fast as they go, never a blank line */
	HS_HUGE_LENGTH, /* Content-Length: 4000000000, then a byte per 50 ms */
	HS_SLOW_BODY,	/* a plausible Content-Length, the body a byte per 50 ms */
	HS_TRICKLE_DESCRIBE, /* OPTIONS answered, then DESCRIBE's reply trickled */
	HS_GARBAGE,	/* 4 KiB that are neither RTSP nor interleaved data */
	HS_SILENT,	/* accepts, reads, says nothing */
} HsKind;

typedef struct {
	HsKind kind;
	GSocketService *service;
	GThread *thread;
	GMainContext *context;
	GMainLoop *loop;
	guint16 port;
	gint stop;	 /* atomic */
	gint requests; /* atomic: requests read */
} HsServer;

/* reads one request, up to its blank line; Returns: FALSE if the peer went away */
static gboolean
hs_read_request(HsServer *s, GInputStream *in)
{
	gchar c;
	guint state = 0; /* how much of "\r\n\r\n" has been seen */

	while (state < 4) {
		gssize n = g_input_stream_read(in, &c, 1, NULL, NULL);
		if (n <= 0)
			return FALSE;
		state = c == "\r\n\r\n"[state] ? state + 1 : c == '\r' ? 1 : 0;
	}
	g_atomic_int_inc(&s->requests);
	return TRUE;
}

static gboolean
hs_write(GOutputStream *out, const gchar *data, gsize len)
{
	return g_output_stream_write_all(out, data, len, NULL, NULL, NULL);
}

/* one byte per HS_TRICKLE_US until the peer goes or the test ends */
static void
hs_trickle(HsServer *s, GOutputStream *out, const gchar *head, gchar fill)
{
	if (!hs_write(out, head, strlen(head)))
		return;
	while (!g_atomic_int_get(&s->stop) && hs_write(out, &fill, 1))
		g_usleep(HS_TRICKLE_US);
}

static void
hs_endless(HsServer *s, GOutputStream *out)
{
	static const gchar head[] = "RTSP/1.0 200 OK\r\nCSeq: 1\r\n";

	if (!hs_write(out, head, sizeof(head) - 1))
		return;
	for (guint i = 0; !g_atomic_int_get(&s->stop); i++) {
		g_autofree gchar *line = g_strdup_printf("X-Endless-%u: more to come\r\n", i);
		if (!hs_write(out, line, strlen(line)))
			return;
		if (i % 64 == 63)
			g_usleep(1000); /* fast, but leaves the CPU to the element */
	}
}

/* blocks until the peer closes: the socket has a timeout, the loop checks the stop */
static void
hs_silent(HsServer *s, GInputStream *in)
{
	guint8 b;

	while (!g_atomic_int_get(&s->stop)) {
		g_autoptr(GError) error = NULL;
		gssize n = g_input_stream_read(in, &b, 1, NULL, &error);
		if (n == 0 || (n < 0 && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)))
			return;
	}
}

static void
hs_garbage(HsServer *s, GOutputStream *out, GInputStream *in)
{
	guint8 junk[4096];
	guint32 x = 2463534242u;

	for (gsize i = 0; i < sizeof(junk); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		junk[i] = (guint8)(x | 0x80); /* never '$', 'R', CR or LF */
	}
	if (hs_write(out, (const gchar *)junk, sizeof(junk)))
		hs_silent(s, in);
}

static gboolean
hs_run_cb(GThreadedSocketService *service, GSocketConnection *conn, GObject *source,
	  gpointer user_data)
{
	HsServer *s = user_data;
	GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
	GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));

	g_socket_set_timeout(g_socket_connection_get_socket(conn), 1);
	if (!hs_read_request(s, in))
		return TRUE;
	switch (s->kind) {
	case HS_TRICKLE:
		hs_trickle(s, out, "RTSP/1.0 200 OK\r\nCSeq: 1\r\nX-Trickle: ", 'a');
		break;
	case HS_ENDLESS:
		hs_endless(s, out);
		break;
	case HS_HUGE_LENGTH:
		hs_trickle(s, out,
			   "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Type: application/sdp\r\n"
			   "Content-Length: 4000000000\r\n\r\nv=0\r\n",
			   'x');
		break;
	case HS_TRICKLE_DESCRIBE:
		if (hs_write(out, HS_OPTIONS_REPLY, strlen(HS_OPTIONS_REPLY)) && hs_read_request(s, in))
			hs_trickle(s, out, "RTSP/1.0 200 OK\r\nCSeq: 2\r\nX-Trickle: ", 'a');
		break;
	case HS_SLOW_BODY:
		hs_trickle(s, out,
			   "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Type: text/parameters\r\n"
			   "Content-Length: 60000\r\n\r\n",
			   'x');
		break;
	case HS_GARBAGE:
		hs_garbage(s, out, in);
		break;
	case HS_SILENT:
		hs_silent(s, in);
		break;
	}
	return TRUE;
}

static void
hs_server_clear(gpointer data)
{
	HsServer *s = data;

	g_main_loop_unref(s->loop);
	g_main_context_unref(s->context);
}

static void
hs_server_release(HsServer *s)
{
	g_atomic_rc_box_release_full(s, hs_server_clear);
}

static gpointer
hs_server_thread(gpointer data)
{
	HsServer *s = data;

	g_main_context_push_thread_default(s->context);
	g_main_loop_run(s->loop);
	g_main_context_pop_thread_default(s->context);
	return NULL;
}

/* the handlers' threads may outlive hs_server_free(): each holds the service,
 * whose "run" closure holds a reference to the server */
static HsServer *
hs_server_new(HsKind kind)
{
	HsServer *s = g_atomic_rc_box_new0(HsServer);
	g_autoptr(GError) error = NULL;
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;

	s->kind = kind;
	s->context = g_main_context_new();
	s->loop = g_main_loop_new(s->context, FALSE);
	/* the accept source goes to the context that is thread-default here */
	g_main_context_push_thread_default(s->context);
	s->service = g_threaded_socket_service_new(8);
	g_socket_listener_add_address(G_SOCKET_LISTENER(s->service), addr, G_SOCKET_TYPE_STREAM,
				      G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
	g_assert_no_error(error);
	s->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	g_signal_connect_data(s->service, "run", G_CALLBACK(hs_run_cb), g_atomic_rc_box_acquire(s),
			      (GClosureNotify)(GCallback)hs_server_release, 0);
	g_socket_service_start(s->service);
	g_main_context_pop_thread_default(s->context);
	s->thread = g_thread_new("hostile-server", hs_server_thread, s);
	return s;
}

/* in the server's thread: cancelling the pending accept from another thread
 * while its GCancellableSource is dispatched there can leak that source (GLib
 * 2.74's cancelled-during-dispose path) */
static gboolean
hs_server_stop_cb(gpointer data)
{
	HsServer *s = data;

	g_socket_service_stop(s->service);
	g_socket_listener_close(G_SOCKET_LISTENER(s->service));
	g_main_loop_quit(s->loop);
	return G_SOURCE_REMOVE;
}

static void
hs_server_free(HsServer *s)
{
	g_atomic_int_set(&s->stop, 1);
	g_main_context_invoke(s->context, hs_server_stop_cb, s);
	g_thread_join(s->thread);
	g_object_unref(s->service);
	hs_server_release(s);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HsServer, hs_server_free)

/* ---- the element ----------------------------------------------------------------- */

static GstElement *
hs_pipeline_new(HsServer *s, guint64 timeout_us)
{
	GstElement *pipeline = gst_pipeline_new(NULL);
	GstElement *src = g_object_new(NVR_TYPE_RTSP_SRC, NULL);
	g_autofree gchar *url = g_strdup_printf("rtsp://127.0.0.1:%u/stream", s->port);

	g_object_set(src, "location", url, "timeout", timeout_us, "user-id", "admin", "user-pw",
		     "hostile-pw", NULL);
	gst_bin_add(GST_BIN(pipeline), src);
	g_assert_cmpint(gst_element_set_state(pipeline, GST_STATE_PLAYING), !=,
			GST_STATE_CHANGE_FAILURE);
	return pipeline;
}

typedef struct {
	GstElement *pipeline;
	gint done; /* atomic */
	GstStateChangeReturn ret;
} HsStop;

static gpointer
hs_stop_thread(gpointer data)
{
	HsStop *stop = data;

	stop->ret = gst_element_set_state(stop->pipeline, GST_STATE_NULL);
	g_atomic_int_set(&stop->done, 1);
	return NULL;
}

/* Returns: the microseconds gst_element_set_state(NULL) took; fails the
 * test, rather than hang it, if that is more than a few seconds */
static gint64
hs_pipeline_stop(GstElement *pipeline)
{
	HsStop stop = {.pipeline = pipeline};
	gint64 start = g_get_monotonic_time();
	GThread *t = g_thread_new("stop", hs_stop_thread, &stop);
	gint64 took;

	while (!g_atomic_int_get(&stop.done) && g_get_monotonic_time() - start < 5 * G_USEC_PER_SEC)
		g_usleep(1000);
	took = g_get_monotonic_time() - start;
	if (!g_atomic_int_get(&stop.done))
		g_error("the pipeline did not reach NULL within 5 s");
	g_thread_join(t);
	g_assert_cmpint(stop.ret, ==, GST_STATE_CHANGE_SUCCESS);
	gst_object_unref(pipeline);
	return took;
}

/* Returns: (transfer full): the first error within @wait_us, or NULL */
static GError *
hs_wait_error(GstElement *pipeline, gint64 wait_us)
{
	g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
	g_autoptr(GstMessage) msg =
	    gst_bus_timed_pop_filtered(bus, (GstClockTime)wait_us * GST_USECOND, GST_MESSAGE_ERROR);
	GError *error = NULL;

	if (msg != NULL)
		gst_message_parse_error(msg, &error, NULL);
	return error;
}

/*
 * The server misbehaves after the first request (OPTIONS): an error by the
 * deadline, never later, with @reason in its message; NULL at once after.
 * A server that keeps sending must not be cut short before the deadline
 * either (@min_us), nor a parse error wait for it.
 */
static void
hs_expect_error(HsKind kind, const gchar *reason, gint64 min_us, gint64 max_us)
{
	g_autoptr(HsServer) s = hs_server_new(kind);
	gint64 start = g_get_monotonic_time();
	GstElement *pipeline = hs_pipeline_new(s, HS_TIMEOUT_US);
	g_autoptr(GError) error = hs_wait_error(pipeline, HS_TIMEOUT_US + 5 * HS_SLACK_US);
	gint64 took = g_get_monotonic_time() - start;
	gint64 stop_us;

	g_test_message("error after %.2f s: %s", took / 1e6,
		       error != NULL ? error->message : "(none)");
	stop_us = hs_pipeline_stop(pipeline);
	g_test_message("to NULL in %.3f s", stop_us / 1e6);
	g_assert_nonnull(error);
	g_assert_true(error->domain == GST_RESOURCE_ERROR);
	g_assert_nonnull(strstr(error->message, reason));
	g_assert_cmpint(g_atomic_int_get(&s->requests), >=, 1);
	g_assert_cmpint(took, >=, min_us);
	g_assert_cmpint(took, <=, max_us);
	g_assert_cmpint(stop_us, <=, HS_STOP_US);
}

static void
test_hostile_trickle(void)
{
	hs_expect_error(HS_TRICKLE, "no complete reply within", HS_TIMEOUT_US - 100 * 1000,
			HS_TIMEOUT_US + HS_SLACK_US);
}

static void
test_hostile_silent(void)
{
	hs_expect_error(HS_SILENT, "no complete reply within", HS_TIMEOUT_US - 100 * 1000,
			HS_TIMEOUT_US + HS_SLACK_US);
}

/* the deadline is per exchange: a good first one does not lengthen the second */
static void
test_hostile_trickle_describe(void)
{
	hs_expect_error(HS_TRICKLE_DESCRIBE, "DESCRIBE: no complete reply within",
			HS_TIMEOUT_US - 100 * 1000, HS_TIMEOUT_US + HS_SLACK_US);
}

static void
test_hostile_slow_body(void)
{
	hs_expect_error(HS_SLOW_BODY, "no complete reply within", HS_TIMEOUT_US - 100 * 1000,
			HS_TIMEOUT_US + HS_SLACK_US);
}

static void
test_hostile_endless_headers(void)
{
	hs_expect_error(HS_ENDLESS, "header too long", 0, HS_TIMEOUT_US);
}

static void
test_hostile_huge_length(void)
{
	hs_expect_error(HS_HUGE_LENGTH, "body too large", 0, HS_TIMEOUT_US);
}

static void
test_hostile_garbage(void)
{
	hs_expect_error(HS_GARBAGE, "neither interleaved data nor an RTSP message", 0, HS_TIMEOUT_US);
}

/* going to NULL while a read is blocked, well before the deadline: at once, and no error */
static void
hs_expect_prompt_stop(HsKind kind)
{
	g_autoptr(HsServer) s = hs_server_new(kind);
	GstElement *pipeline = hs_pipeline_new(s, HS_LONG_TIMEOUT_US);
	g_autoptr(GError) error = NULL;
	gint64 stop_us;

	/* the reply has begun (or the server is silent) when we stop */
	while (g_atomic_int_get(&s->requests) == 0)
		g_usleep(10 * 1000);
	error = hs_wait_error(pipeline, 400 * 1000);
	g_assert_no_error(error);
	stop_us = hs_pipeline_stop(pipeline);
	g_test_message("to NULL in %.3f s", stop_us / 1e6);
	g_assert_cmpint(stop_us, <=, HS_STOP_US);
}

static void
test_stop_trickle(void)
{
	hs_expect_prompt_stop(HS_TRICKLE);
}

static void
test_stop_slow_body(void)
{
	hs_expect_prompt_stop(HS_SLOW_BODY);
}

static void
test_stop_silent(void)
{
	hs_expect_prompt_stop(HS_SILENT);
}

int
main(int argc, char **argv)
{
	int ret;

	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	nvr_test_watchdog_start(NVR_TEST_WATCHDOG_S);
	g_test_add_func("/nvr/rtsp-src/hostile/trickle", test_hostile_trickle);
	g_test_add_func("/nvr/rtsp-src/hostile/silent", test_hostile_silent);
	g_test_add_func("/nvr/rtsp-src/hostile/trickle-describe", test_hostile_trickle_describe);
	g_test_add_func("/nvr/rtsp-src/hostile/slow-body", test_hostile_slow_body);
	g_test_add_func("/nvr/rtsp-src/hostile/endless-headers", test_hostile_endless_headers);
	g_test_add_func("/nvr/rtsp-src/hostile/huge-content-length", test_hostile_huge_length);
	g_test_add_func("/nvr/rtsp-src/hostile/garbage", test_hostile_garbage);
	g_test_add_func("/nvr/rtsp-src/stop-while-blocked/trickle", test_stop_trickle);
	g_test_add_func("/nvr/rtsp-src/stop-while-blocked/slow-body", test_stop_slow_body);
	g_test_add_func("/nvr/rtsp-src/stop-while-blocked/silent", test_stop_silent);
	ret = g_test_run();
	nvr_test_watchdog_stop();
	return ret;
}
