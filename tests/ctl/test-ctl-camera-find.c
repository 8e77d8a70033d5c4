/*
 * nvrctl camera add NAME HOST against nvr-fakecam's personas on 127.0.0.1:
 * the stream URLs are found (ONVIF first; the vendor's templates when
 * ONVIF is out of reach), each DESCRIBEs with the credentials, the camera
 * lists with them, restricted personas print the warning, a wrong password
 * stores nothing, and no password reaches the output or the database.
 * camera add NAME URL stores the URL and then identifies its host: the
 * same warning, the verdict under --json, and an add that stands when the
 * device does not answer.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "core/nvr-error.h"
#include "discovery/nvr-rtsp-describe.h"
#include "nvr-test-common.h"

#define FIND_PASSWORD "fakecam-find-Secret"
#define FIND_WRONG "wrong-Secret-guess"

typedef struct {
	gchar *persona;
	gchar *rtsp; /* the main stream as fakecam prints it */
	gchar *sub;
	guint rtsp_port;
	guint http_port;
	guint wsd_port;
} FindCamera;

static struct {
	gchar *dir;
	gchar *state_dir;
	gchar *password_file;
	gchar *wrong_file;
	NvrTestProc *fakecam;
	FindCamera cams[6];
	guint n;
	guint closed_port; /* nothing listens: an ONVIF port that is wrong */
} fx;

static guint
find_port_of(const gchar *url)
{
	g_autoptr(GUri) uri = g_uri_parse(url, G_URI_FLAGS_ENCODED, NULL);

	g_assert_nonnull(uri);
	return (guint)g_uri_get_port(uri);
}

/* "camera N persona=P rtsp=URL sub=URL onvif=URL http=URL wsd=HOST:PORT control=URL" */
static void
find_parse_camera(const gchar *line)
{
	g_auto(GStrv) fields = g_strsplit(line, " ", -1);
	FindCamera *c = &fx.cams[fx.n++];

	for (guint i = 2; fields[i] != NULL; i++) {
		const gchar *v = strchr(fields[i], '=') != NULL ? strchr(fields[i], '=') + 1 : "";
		if (g_str_has_prefix(fields[i], "persona="))
			c->persona = g_strdup(v);
		else if (g_str_has_prefix(fields[i], "rtsp="))
			c->rtsp = g_strdup(v);
		else if (g_str_has_prefix(fields[i], "sub="))
			c->sub = g_strdup(v);
		else if (g_str_has_prefix(fields[i], "http="))
			c->http_port = find_port_of(v);
		else if (g_str_has_prefix(fields[i], "wsd="))
			c->wsd_port = (guint)g_ascii_strtoull(strrchr(v, ':') + 1, NULL, 10);
	}
	c->rtsp_port = find_port_of(c->rtsp);
}

static const FindCamera *
find_camera(const gchar *persona)
{
	for (guint i = 0; i < fx.n; i++) {
		if (g_strcmp0(fx.cams[i].persona, persona) == 0)
			return &fx.cams[i];
	}
	g_assert_not_reached();
}

static guint
find_closed_port(void)
{
	g_autoptr(GSocketListener) l = g_socket_listener_new();
	g_autoptr(GError) error = NULL;
	guint16 port = g_socket_listener_add_any_inet_port(l, NULL, &error);

	g_assert_no_error(error);
	g_socket_listener_close(l);
	return port;
}

/* runs nvrctl --state-dir S ARGS...; Returns: the exit status */
static gint
find_ctl(gchar **out, gchar **err, const gchar *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *o = NULL;
	g_autofree gchar *e = NULL;
	gint status = -1;

	g_ptr_array_add(argv, (gpointer)nvr_test_build_path("NVRCTL", "nvr/ctl/nvrctl"));
	g_ptr_array_add(argv, (gpointer) "--state-dir");
	g_ptr_array_add(argv, fx.state_dir);
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	g_assert_true(nvr_test_run((const gchar *const *)argv->pdata, &o, &e, &status, &error));
	g_assert_no_error(error);
	/* the camera's password never reaches the output, whatever happened */
	g_assert_null(strstr(o, "Secret"));
	g_assert_null(strstr(e, "Secret"));
	if (out != NULL)
		*out = g_steal_pointer(&o);
	if (err != NULL)
		*err = g_steal_pointer(&e);
	return status;
}

/* camera add NAME 127.0.0.1:HTTP --rtsp-port P --user admin --password-file F [EXTRA...] */
static gint
find_add(const FindCamera *c, const gchar *name, const gchar *password_file, gboolean json,
	 const gchar *onvif_url, gboolean wsd, gchar **out, gchar **err)
{
	g_autofree gchar *target = g_strdup_printf("127.0.0.1:%u", c->http_port);
	g_autofree gchar *rtsp = g_strdup_printf("%u", c->rtsp_port);
	g_autofree gchar *wsd_port = g_strdup_printf("%u", wsd ? c->wsd_port : 0);
	const gchar *args[16] = {"camera", "add", name, target, "--rtsp-port", rtsp, "--user", "admin",
				 "--password-file", password_file, "--wsd-port", wsd_port};
	guint n = 12;

	if (json)
		args[n++] = "--json";
	if (onvif_url != NULL) {
		args[n++] = "--onvif-url";
		args[n++] = onvif_url;
	}
	return find_ctl(out, err, args);
}

static JsonObject *
find_parse(const gchar *text, JsonNode **root)
{
	g_autoptr(GError) error = NULL;

	*root = json_from_string(text, &error);
	g_assert_no_error(error);
	return json_node_get_object(*root);
}

static void
find_done_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	*(GAsyncResult **)user_data = g_object_ref(res);
}

/* the URL DESCRIBEs with the camera's credentials: what the recorder will do */
static void
find_assert_describes(const gchar *url)
{
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrRtspDescribe) d = NULL;

	nvr_rtsp_describe_async(url, "admin", FIND_PASSWORD, 5000, NULL, find_done_cb, &res);
	while (res == NULL)
		g_main_context_iteration(NULL, TRUE);
	d = nvr_rtsp_describe_finish(res, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(d->n_video, ==, 1);
}

static JsonObject *
find_listed(const gchar *name, JsonNode **root)
{
	g_autofree gchar *out = NULL;
	const gchar *args[] = {"camera", "list", "--json", NULL};
	JsonArray *cams;

	g_assert_cmpint(find_ctl(&out, NULL, args), ==, 0);
	cams = json_node_get_array(*root = json_from_string(out, NULL));
	for (guint i = 0; i < json_array_get_length(cams); i++) {
		JsonObject *c = json_array_get_object_element(cams, i);
		if (g_strcmp0(json_object_get_string_member(c, "name"), name) == 0)
			return c;
	}
	return NULL;
}

static void
find_start(void)
{
	g_autofree gchar *clip = NULL;
	g_autofree gchar *pp = NULL;
	g_autofree gchar *rec = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ready = NULL;
	GPtrArray *lines;

	fx.dir = nvr_test_mkdtemp();
	fx.state_dir = g_build_filename(fx.dir, "state", NULL);
	fx.password_file = g_build_filename(fx.dir, "campw", NULL);
	fx.wrong_file = g_build_filename(fx.dir, "wrongpw", NULL);
	clip = g_build_filename(fx.dir, "clip.nfc", NULL);
	pp = g_build_filename(fx.dir, "passphrase", NULL);
	rec = g_build_filename(fx.dir, "recovery", NULL);
	g_assert_true(g_file_set_contents(fx.password_file, FIND_PASSWORD "\n", -1, NULL));
	g_assert_true(g_file_set_contents(fx.wrong_file, FIND_WRONG "\n", -1, NULL));
	g_assert_true(g_file_set_contents(pp, "correct horse battery staple\n", -1, NULL));
	{
		const gchar *argv[] = {nvr_test_build_path("NVR_FAKECAM", "nvr/fakecam/nvr-fakecam"),
				       "--persona", "hikvision,dahua,amcrest,axis,reolink,generic",
				       "--cameras", "6", "--clip-seconds", "2", "--resolution", "320x240",
				       "--sub-resolution", "160x120", "--clip", clip,
				       "--password-file", fx.password_file, "--exit-with-parent", NULL};
		fx.fakecam = nvr_test_proc_spawn(argv, &error);
		g_assert_no_error(error);
	}
	ready = nvr_test_proc_wait_line(fx.fakecam, "ready", 90, &error);
	g_assert_no_error(error);
	lines = nvr_test_proc_get_lines(fx.fakecam);
	for (guint i = 0; i < lines->len; i++) {
		const gchar *line = g_ptr_array_index(lines, i);
		if (g_str_has_prefix(line, "camera ") && fx.n < G_N_ELEMENTS(fx.cams))
			find_parse_camera(line);
	}
	g_assert_cmpuint(fx.n, ==, 6);
	fx.closed_port = find_closed_port();
	{
		const gchar *args[] = {"init", "--passphrase-file", pp, "--recovery-out", rec,
				       "--kdf-opslimit", "1", "--kdf-memlimit-mib", "8", NULL};
		g_assert_cmpint(find_ctl(NULL, NULL, args), ==, 0);
	}
}

/* what each persona's streams are called (nvr/fakecam/README.md) and who made it */
static const struct {
	const gchar *persona;
	const gchar *main_path; /* the ONVIF URI starts with it */
	const gchar *vendor;	/* NULL: unknown */
	gboolean restricted;
} find_expect[] = {
    {"hikvision", "/Streaming/Channels/101", "hikvision", TRUE},
    {"dahua", "/cam/realmonitor?channel=1&subtype=0", "dahua", TRUE},
    {"amcrest", "/cam/realmonitor?channel=1&subtype=0", "dahua", TRUE},
    {"axis", "/axis-media/media.amp", "axis", FALSE},
    {"reolink", "/h264Preview_01_main", "reolink", FALSE},
    {"generic", "/stream1", NULL, FALSE},
};

/* ONVIF answers: both streams from GetStreamUri, DESCRIBE-checked, stored, listed */
static void
test_find_personas(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(find_expect); i++) {
		const FindCamera *c = find_camera(find_expect[i].persona);
		g_autofree gchar *name = g_strdup_printf("onvif-%s", c->persona);
		g_autofree gchar *out = NULL;
		g_autofree gchar *prefix = g_strdup_printf("rtsp://127.0.0.1:%u%s", c->rtsp_port, find_expect[i].main_path);
		g_autoptr(JsonNode) root = NULL;
		g_autoptr(JsonNode) list_root = NULL;
		JsonObject *o, *main_s, *sub_s, *verdict, *listed;
		const gchar *vendor;

		g_assert_cmpint(find_add(c, name, fx.password_file, TRUE, NULL, TRUE, &out, NULL), ==, 0);
		o = find_parse(out, &root);
		main_s = json_object_get_object_member(json_object_get_object_member(o, "streams"), "main");
		sub_s = json_object_get_object_member(json_object_get_object_member(o, "streams"), "sub");
		verdict = json_object_get_object_member(o, "verdict");
		g_test_message("%s: %s + %s (%s) in %" G_GINT64_FORMAT " ms", c->persona,
			       json_object_get_string_member(main_s, "url"), json_object_get_string_member(sub_s, "url"),
			       json_object_get_string_member(main_s, "method"), json_object_get_int_member(o, "elapsed_ms"));
		g_assert_true(g_str_has_prefix(json_object_get_string_member(main_s, "url"), prefix));
		g_assert_cmpstr(json_object_get_string_member(main_s, "method"), ==, "onvif");
		g_assert_cmpstr(json_object_get_string_member(sub_s, "method"), ==, "onvif");
		g_assert_cmpstr(json_object_get_string_member(main_s, "url"), !=, json_object_get_string_member(sub_s, "url"));
		g_assert_cmpint(json_object_get_boolean_member(verdict, "restricted"), ==, find_expect[i].restricted);
		vendor = json_object_get_string_member_with_default(verdict, "vendor", NULL);
		g_assert_cmpstr(vendor, ==, find_expect[i].vendor);
		/* the camera lists with what was found, and that URL works */
		listed = find_listed(name, &list_root);
		g_assert_nonnull(listed);
		g_assert_cmpstr(json_object_get_string_member(listed, "main_url"), ==,
				json_object_get_string_member(main_s, "url"));
		g_assert_cmpstr(json_object_get_string_member(listed, "sub_url"), ==,
				json_object_get_string_member(sub_s, "url"));
		g_assert_true(json_object_get_boolean_member(listed, "has_password"));
		find_assert_describes(json_object_get_string_member(listed, "main_url"));
		find_assert_describes(json_object_get_string_member(listed, "sub_url"));
	}
}

/* the text output: found URLs, how, and the warning for the restricted makers only */
static void
test_find_warning_text(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(find_expect); i++) {
		const FindCamera *c = find_camera(find_expect[i].persona);
		g_autofree gchar *name = g_strdup_printf("text-%s", c->persona);
		g_autofree gchar *out = NULL;

		g_assert_cmpint(find_add(c, name, fx.password_file, FALSE, NULL, FALSE, &out, NULL), ==, 0);
		g_assert_true(g_str_has_prefix(out, "main:    rtsp://127.0.0.1:"));
		g_assert_nonnull(strstr(out, "(onvif: ONVIF GetStreamUri"));
		g_assert_nonnull(strstr(out, "\nsub:     rtsp://"));
		g_assert_nonnull(strstr(out, "added camera text-"));
		if (!find_expect[i].restricted) {
			g_assert_null(strstr(out, "WARNING"));
			continue;
		}
		g_test_message("%s", out);
		g_assert_nonnull(strstr(out, "WARNING: restricted vendor: "));
		g_assert_nonnull(strstr(out, find_expect[i].vendor[0] == 'h' ? "Hikvision" : "Dahua"));
		g_assert_nonnull(strstr(out, "list:     BIS Entity List (since 2019-10-09)"));
		g_assert_nonnull(strstr(out, "list:     FCC Covered List"));
		g_assert_nonnull(strstr(out, "advice:   Owning or using this camera is not illegal."));
		g_assert_null(strstr(out, "illegal to own"));
	}
}

/* ONVIF out of reach (the wrong port): the identified vendor's templates, DESCRIBE-checked */
static void
test_find_templates(void)
{
	const struct {
		const gchar *persona, *main_path, *sub_path;
	} cases[] = {
	    {"hikvision", "/Streaming/Channels/101", "/Streaming/Channels/102"},
	    {"dahua", "/cam/realmonitor?channel=1&subtype=0", "/cam/realmonitor?channel=1&subtype=1"},
	    {"amcrest", "/cam/realmonitor?channel=1&subtype=0", "/cam/realmonitor?channel=1&subtype=1"},
	    {"axis", "/axis-media/media.amp?camera=1", "/axis-media/media.amp?camera=1&resolution=640x360"},
	    {"reolink", "/h264Preview_01_main", "/h264Preview_01_sub"},
	};
	g_autofree gchar *onvif = g_strdup_printf("http://127.0.0.1:%u/onvif/device_service", fx.closed_port);

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		const FindCamera *c = find_camera(cases[i].persona);
		g_autofree gchar *name = g_strdup_printf("tmpl-%s", c->persona);
		g_autofree gchar *out = NULL;
		g_autofree gchar *main_url = g_strdup_printf("rtsp://127.0.0.1:%u%s", c->rtsp_port, cases[i].main_path);
		g_autofree gchar *sub_url = g_strdup_printf("rtsp://127.0.0.1:%u%s", c->rtsp_port, cases[i].sub_path);
		g_autoptr(JsonNode) root = NULL;
		g_autoptr(JsonNode) list_root = NULL;
		JsonObject *o, *streams, *listed;

		g_assert_cmpint(find_add(c, name, fx.password_file, TRUE, onvif, FALSE, &out, NULL), ==, 0);
		o = find_parse(out, &root);
		streams = json_object_get_object_member(o, "streams");
		g_test_message("%s without ONVIF: %s in %" G_GINT64_FORMAT " ms", c->persona,
			       json_object_get_string_member(json_object_get_object_member(streams, "main"), "url"),
			       json_object_get_int_member(o, "elapsed_ms"));
		g_assert_nonnull(json_object_get_string_member(o, "onvif_error"));
		g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(streams, "main"), "url"), ==, main_url);
		g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(streams, "main"), "method"), ==, "template");
		g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(streams, "sub"), "url"), ==, sub_url);
		listed = find_listed(name, &list_root);
		g_assert_cmpstr(json_object_get_string_member(listed, "main_url"), ==, main_url);
		find_assert_describes(main_url);
	}
}

/* wrong password: a clear error, nothing stored, no password written anywhere */
static void
test_find_wrong_password(void)
{
	const FindCamera *c = find_camera("hikvision");
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *db = NULL;
	g_autofree gchar *dbpath = g_build_filename(fx.state_dir, "nvr.db", NULL);
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(JsonNode) list_root = NULL;
	JsonObject *o;

	g_assert_cmpint(find_add(c, "wrong-pw", fx.wrong_file, FALSE, NULL, FALSE, NULL, &err), ==, 1);
	g_test_message("%s", err);
	g_assert_true(g_str_has_prefix(err, "nvrctl: the camera at 127.0.0.1 refused the user name or password"));
	g_assert_nonnull(strstr(err, "NotAuthorized"));
	g_assert_nonnull(strstr(err, "tried: main rtsp://127.0.0.1:"));
	g_assert_null(find_listed("wrong-pw", &list_root));
	g_assert_cmpint(find_add(c, "wrong-pw", fx.wrong_file, TRUE, NULL, FALSE, &out, NULL), ==, 1);
	o = find_parse(out, &root);
	g_assert_cmpstr(json_object_get_string_member(o, "error"), ==, "auth");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
				 json_object_get_object_member(o, "search"), "tried")), >, 0);
	g_clear_pointer(&list_root, json_node_unref);
	g_assert_null(find_listed("wrong-pw", &list_root));
	g_assert_true(g_file_get_contents(dbpath, &db, NULL, NULL));
	g_assert_null(g_strstr_len(db, -1, FIND_WRONG));
	g_assert_null(g_strstr_len(db, -1, FIND_PASSWORD));
}

/* no ONVIF and no maker to take templates from: nothing to try, and it says so */
static void
test_find_nothing(void)
{
	const FindCamera *c = find_camera("generic");
	g_autofree gchar *onvif = g_strdup_printf("http://127.0.0.1:%u/onvif/device_service", fx.closed_port);
	g_autofree gchar *err = NULL;
	g_autoptr(JsonNode) list_root = NULL;

	g_assert_cmpint(find_add(c, "nothing", fx.password_file, FALSE, onvif, FALSE, NULL, &err), ==, 1);
	g_test_message("%s", err);
	g_assert_true(g_str_has_prefix(err, "nvrctl: no working stream found at 127.0.0.1"));
	g_assert_nonnull(strstr(err, "no stream URL templates for a device of unknown make"));
	g_assert_null(find_listed("nothing", &list_root));
}

/* ---- camera add NAME URL: stored as given, then the URL's host identified ---- */

/* camera add NAME URL --user admin --password-file F [EXTRA...] */
static gint
find_add_url(const gchar *name, const gchar *url, const gchar *const *extra, gchar **out, gchar **err)
{
	const gchar *args[24] = {"camera", "add", name, url, "--user", "admin", "--password-file",
				 fx.password_file};
	guint n = 8;

	for (guint i = 0; extra != NULL && extra[i] != NULL && n < G_N_ELEMENTS(args) - 1; i++)
		args[n++] = extra[i];
	return find_ctl(out, err, args);
}

/* what identify's steps need beyond the URL: the device's web and WS-Discovery ports */
static const gchar **
find_url_ports(const FindCamera *c, gchar **http, gchar **wsd, gboolean json)
{
	static const gchar *extra[8];
	guint n = 0;

	*http = g_strdup_printf("%u", c->http_port);
	*wsd = g_strdup_printf("%u", c->wsd_port);
	extra[n++] = "--http-port";
	extra[n++] = *http;
	extra[n++] = "--wsd-port";
	extra[n++] = *wsd;
	if (json)
		extra[n++] = "--json";
	extra[n] = NULL;
	return extra;
}

/* a restricted maker is warned about as with a HOST (the same text), the others not;
 * the camera is stored with the URL as given */
static void
test_find_url_identify(void)
{
	const gchar *personas[] = {"hikvision", "axis"};

	for (guint i = 0; i < G_N_ELEMENTS(personas); i++) {
		const FindCamera *c = find_camera(personas[i]);
		gboolean restricted = g_str_equal(personas[i], "hikvision");
		g_autofree gchar *name = g_strdup_printf("url-%s", c->persona);
		g_autofree gchar *http = NULL;
		g_autofree gchar *wsd = NULL;
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;
		g_autoptr(JsonNode) list_root = NULL;
		JsonObject *listed;

		g_assert_cmpint(find_add_url(name, c->rtsp, find_url_ports(c, &http, &wsd, FALSE), &out, &err),
				==, 0);
		g_test_message("%s", out);
		g_assert_true(g_str_has_prefix(out, "added camera url-"));
		g_assert_nonnull(strstr(out, restricted ? "\nvendor:  Hikvision" : "\nvendor:  Axis"));
		if (restricted) {
			g_assert_nonnull(strstr(out, "WARNING: restricted vendor: Hikvision"));
			g_assert_nonnull(strstr(out, "list:     BIS Entity List (since 2019-10-09)"));
			g_assert_nonnull(strstr(out, "list:     FCC Covered List"));
			g_assert_nonnull(strstr(out, "advice:   Owning or using this camera is not illegal."));
		} else {
			g_assert_null(strstr(out, "WARNING"));
		}
		g_assert_cmpstr(err, ==, "");
		listed = find_listed(name, &list_root);
		g_assert_nonnull(listed);
		g_assert_cmpstr(json_object_get_string_member(listed, "main_url"), ==, c->rtsp);
		g_assert_true(json_object_get_boolean_member(listed, "has_password"));
	}
}

/* --json: the camera as camera list shows it, and the verdict as identify gives it */
static void
test_find_url_identify_json(void)
{
	const struct {
		const gchar *persona, *vendor;
		gboolean restricted;
	} cases[] = {{"hikvision", "hikvision", TRUE}, {"axis", "axis", FALSE}, {"dahua", "dahua", TRUE}};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		const FindCamera *c = find_camera(cases[i].persona);
		g_autofree gchar *name = g_strdup_printf("url-json-%s", c->persona);
		g_autofree gchar *http = NULL;
		g_autofree gchar *wsd = NULL;
		g_autofree gchar *out = NULL;
		g_autoptr(JsonNode) root = NULL;
		JsonObject *o, *v;

		g_assert_cmpint(find_add_url(name, c->rtsp, find_url_ports(c, &http, &wsd, TRUE), &out, NULL),
				==, 0);
		o = find_parse(out, &root);
		g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, name);
		g_assert_cmpstr(json_object_get_string_member(o, "main_url"), ==, c->rtsp);
		v = json_object_get_object_member(o, "identification");
		g_assert_nonnull(v);
		g_assert_cmpstr(json_object_get_string_member_with_default(v, "vendor", NULL), ==,
				cases[i].vendor);
		g_assert_cmpint(json_object_get_boolean_member(v, "restricted"), ==, cases[i].restricted);
		g_assert_cmpuint(json_array_get_length(json_object_get_array_member(v, "collection")), >, 0);
	}
}

/* --no-identify: stored, and nothing asked or said about the maker */
static void
test_find_url_no_identify(void)
{
	const FindCamera *c = find_camera("hikvision");
	const gchar *text[] = {"--no-identify", NULL};
	const gchar *json[] = {"--no-identify", "--json", NULL};
	g_autofree gchar *out = NULL;
	g_autofree gchar *out_json = NULL;
	g_autoptr(JsonNode) root = NULL;
	JsonObject *o;

	g_assert_cmpint(find_add_url("url-quiet", c->rtsp, text, &out, NULL), ==, 0);
	g_assert_true(g_str_has_prefix(out, "added camera url-quiet"));
	g_assert_null(strstr(out, "vendor:"));
	g_assert_null(strstr(out, "WARNING"));
	g_assert_cmpint(find_add_url("url-quiet-json", c->rtsp, json, &out_json, NULL), ==, 0);
	o = find_parse(out_json, &root);
	g_assert_true(json_object_has_member(o, "identification"));
	g_assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(o, "identification")));
}

/* a device that accepts connections and never answers: the add stands, after the
 * whole identification's bound (four --timeout), and stderr says why */
static void
test_find_url_identify_fails(void)
{
	g_autoptr(GSocketListener) silent = g_socket_listener_new();
	g_autoptr(GError) error = NULL;
	guint16 port = g_socket_listener_add_any_inet_port(silent, NULL, &error); /* never accepts */
	g_autofree gchar *url = g_strdup_printf("rtsp://127.0.0.1:%u/Streaming/Channels/101", port);
	g_autofree gchar *http = g_strdup_printf("%u", port);
	const gchar *extra[] = {"--http-port", http, "--wsd-port", "0", "--timeout", "1", "--json", NULL};
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(JsonNode) list_root = NULL;
	gint64 start = g_get_monotonic_time();
	gint64 took;
	JsonObject *o, *ident;

	g_assert_no_error(error);
	g_assert_cmpint(find_add_url("url-silent", url, extra, &out, &err), ==, 0);
	took = g_get_monotonic_time() - start;
	g_test_message("%s(after %.1f s)", err, took / 1e6);
	g_assert_true(g_str_has_prefix(err, "nvrctl: camera url-silent is added, but identifying 127.0.0.1 failed: "));
	g_assert_nonnull(strstr(err, "not done within 4 s"));
	g_assert_cmpint(took, <, 4 * G_USEC_PER_SEC + 3 * G_USEC_PER_SEC);
	o = find_parse(out, &root);
	ident = json_object_get_object_member(o, "identification");
	g_assert_cmpstr(json_object_get_string_member(ident, "error"), ==, "timeout");
	g_assert_nonnull(find_listed("url-silent", &list_root));
}

static void
test_find_usage(void)
{
	const FindCamera *c = find_camera("axis");
	g_autofree gchar *target = g_strdup_printf("127.0.0.1:%u", c->http_port);
	const gchar *sub[] = {"camera", "add", "u1", target, "--sub-url", "rtsp://127.0.0.1/x", NULL};
	const gchar *bad_host[] = {"camera", "add", "u2", "127.0.0.1:99999", NULL};
	const gchar *url_port[] = {"camera", "add", "u3", "rtsp://127.0.0.1/x", "--rtsp-port", "554", NULL};
	const gchar *timeout[] = {"camera", "add", "u4", target, "--timeout", "0", NULL};
	const gchar *host_http[] = {"camera", "add", "u5", target, "--http-port", "80", NULL};
	const gchar *url_timeout[] = {"camera", "add", "u6", "rtsp://127.0.0.1/x", "--timeout", "0", NULL};
	g_autoptr(JsonNode) list_root = NULL;
	g_autofree gchar *err = NULL;

	g_assert_cmpint(find_ctl(NULL, NULL, sub), ==, 2);
	g_assert_cmpint(find_ctl(NULL, &err, bad_host), ==, 2);
	g_assert_nonnull(strstr(err, "is not HOST[:PORT]"));
	g_assert_cmpint(find_ctl(NULL, NULL, url_port), ==, 2);
	g_assert_cmpint(find_ctl(NULL, NULL, timeout), ==, 2);
	g_assert_cmpint(find_ctl(NULL, NULL, host_http), ==, 2);
	/* a bad option for the identification refuses the add: nothing stored */
	g_assert_cmpint(find_ctl(NULL, NULL, url_timeout), ==, 2);
	g_assert_null(find_listed("u6", &list_root));
	/* a name in use: refused before the camera is asked anything */
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(find_add(c, "onvif-axis", fx.password_file, FALSE, NULL, FALSE, NULL, &err), ==, 1);
	g_assert_nonnull(strstr(err, "exists"));
}

int
main(int argc, char **argv)
{
	gint status;

	g_test_init(&argc, &argv, NULL);
	nvr_test_watchdog_start(NVR_TEST_WATCHDOG_S);
	find_start();
	g_test_add_func("/nvr/ctl/camera-find/personas", test_find_personas);
	g_test_add_func("/nvr/ctl/camera-find/warning-text", test_find_warning_text);
	g_test_add_func("/nvr/ctl/camera-find/templates", test_find_templates);
	g_test_add_func("/nvr/ctl/camera-find/wrong-password", test_find_wrong_password);
	g_test_add_func("/nvr/ctl/camera-find/nothing", test_find_nothing);
	g_test_add_func("/nvr/ctl/camera-find/url-identify", test_find_url_identify);
	g_test_add_func("/nvr/ctl/camera-find/url-identify-json", test_find_url_identify_json);
	g_test_add_func("/nvr/ctl/camera-find/url-no-identify", test_find_url_no_identify);
	g_test_add_func("/nvr/ctl/camera-find/url-identify-fails", test_find_url_identify_fails);
	g_test_add_func("/nvr/ctl/camera-find/usage", test_find_usage);
	status = g_test_run();
	nvr_test_proc_stop(fx.fakecam, SIGTERM, 10);
	nvr_test_proc_free(fx.fakecam);
	nvr_test_rm_rf(fx.dir);
	return status;
}
