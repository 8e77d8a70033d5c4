/*
 * test-http: nvrd's HTTP layer in-process, driven by a real libsoup client
 * over TCP: routing (404, 405), JSON replies, and that resources needing a
 * session are served only to loopback peers until sign-in exists. The
 * non-loopback peer is real: an address outside 127.0.0.0/8 in a network
 * namespace the test creates for itself.
 */
#include "config.h"

#include <sched.h>
#include <string.h>

#include "core/nvr-error.h"
#include "http/nvr-http-server.h"
#include "nvr-test-common.h"

typedef struct {
	GMainLoop *loop;
	guint status;
	GBytes *body;
} HttpReply;

static JsonNode *
health_cb(gpointer user_data)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "version");
	json_builder_add_string_value(b, "test");
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static JsonNode *
devices_cb(gpointer user_data)
{
	return json_from_string("{\"devices\": [{\"host\": \"192.0.2.7\"}]}", NULL);
}

static void
http_get_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	HttpReply *reply = user_data;
	SoupSession *session = SOUP_SESSION(source);
	g_autoptr(GError) error = NULL;

	reply->body = soup_session_send_and_read_finish(session, res, &error);
	g_assert_no_error(error);
	reply->status = soup_message_get_status(soup_session_get_async_result_message(session, res));
	g_main_loop_quit(reply->loop);
}

/* Returns: the HTTP status; @body_out (nullable) gets the body */
static guint
http_request(const gchar *method, const gchar *base, const gchar *path, gchar **body_out)
{
	g_autoptr(SoupSession) session = soup_session_new();
	g_autofree gchar *url = g_strconcat(base, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new(method, url);
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	HttpReply reply = {.loop = loop};

	soup_session_send_and_read_async(session, msg, G_PRIORITY_DEFAULT, NULL, http_get_done, &reply);
	g_main_loop_run(loop);
	if (body_out != NULL)
		*body_out = g_strndup(g_bytes_get_data(reply.body, NULL), g_bytes_get_size(reply.body));
	g_bytes_unref(reply.body);
	return reply.status;
}

static NvrHttpServer *
server_new(void)
{
	NvrHttpProviders providers = {.health = health_cb, .devices = devices_cb};

	return nvr_http_server_new(&providers);
}

static void
test_http_routes(void)
{
	g_autoptr(NvrHttpServer) server = server_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *body = NULL;
	g_autofree gchar *devices = NULL;
	g_autofree gchar *missing = NULL;

	g_assert_true(nvr_http_server_listen(server, "127.0.0.1:0", &error));
	g_assert_no_error(error);
	url = nvr_http_server_dup_url(server);
	g_assert_cmpuint(http_request("GET", url, "api/health", &body), ==, 200);
	g_assert_nonnull(strstr(body, "\"version\""));
	g_assert_cmpuint(http_request("GET", url, "api/devices", &devices), ==, 200);
	g_assert_nonnull(strstr(devices, "192.0.2.7"));
	g_assert_cmpuint(http_request("GET", url, "api/nothing-here", &missing), ==, 404);
	g_assert_nonnull(strstr(missing, "\"not-found\""));
	g_assert_cmpuint(http_request("POST", url, "api/health", NULL), ==, 405);
	g_assert_cmpuint(http_request("GET", url, "api/health/extra", NULL), ==, 404);
}

static void
test_http_listen_refuses_plain_lan(void)
{
	g_autoptr(NvrHttpServer) server = server_new();
	g_autoptr(GError) error = NULL;

	g_assert_false(nvr_http_server_listen(server, "192.0.2.1:0", &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED);
}

static gboolean
run_ip(const gchar *args)
{
	g_autofree gchar *cmd = g_strconcat("ip ", args, NULL);
	g_autoptr(GError) error = NULL;
	gint status = 0;

	if (!g_spawn_command_line_sync(cmd, NULL, NULL, &status, &error) ||
	    !g_spawn_check_wait_status(status, NULL)) {
		g_printerr("# %s failed: %s\n", cmd, error != NULL ? error->message : "non-zero exit");
		return FALSE;
	}
	return TRUE;
}

static gchar *netns_skip_reason;

/* 10.77.0.1 on our namespace's own lo (no module needed, unlike a dummy
 * link): connecting to it gives the server a peer outside 127.0.0.0/8 */
static void
test_http_session_routes_local_only(void)
{
	g_autoptr(NvrHttpServer) server = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *body = NULL;
	g_autofree gchar *health = NULL;

	if (netns_skip_reason != NULL) {
		g_test_skip_printf("no network namespace: %s", netns_skip_reason);
		return;
	}
	g_assert_true(run_ip("addr add 10.77.0.1/32 dev lo"));
	g_setenv("NVR_ALLOW_PLAIN_HTTP", "1", TRUE);
	server = server_new();
	g_assert_true(nvr_http_server_listen(server, "10.77.0.1:0", &error));
	g_assert_no_error(error);
	g_unsetenv("NVR_ALLOW_PLAIN_HTTP");
	url = nvr_http_server_dup_url(server);
	g_assert_nonnull(strstr(url, "10.77.0.1"));
	g_assert_cmpuint(http_request("GET", url, "api/devices", &body), ==, 403);
	g_assert_nonnull(strstr(body, "\"local-only\""));
	g_assert_null(strstr(body, "192.0.2.7"));
	g_assert_cmpuint(http_request("GET", url, "api/health", &health), ==, 200);
}

int
main(int argc, char **argv)
{
	/* before g_test_init(): no thread may exist when a user namespace is made */
	netns_skip_reason = nvr_test_enter_namespaces(CLONE_NEWNET);
	g_test_init(&argc, &argv, NULL);
	if (netns_skip_reason == NULL && !run_ip("link set lo up"))
		netns_skip_reason = g_strdup("ip link set lo up failed");
	g_test_add_func("/nvr/http/routes", test_http_routes);
	g_test_add_func("/nvr/http/listen-refuses-plain-lan", test_http_listen_refuses_plain_lan);
	g_test_add_func("/nvr/http/session-routes-local-only", test_http_session_routes_local_only);
	return g_test_run();
}
