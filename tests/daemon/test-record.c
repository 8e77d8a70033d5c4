/*
 * End to end: nvr-fakecam cameras added with nvrctl, recorded by nvrd into
 * encrypted segments, then nvrctl verify --deep, recordings and export
 * checked against each other and against ffprobe.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "nvr-test-common.h"

typedef struct {
	gchar *dir;
	gchar *state;
	gchar *pass;
} Rec;

static gint
run(gchar **out, const gchar *first, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *err = NULL;
	const gchar *a;
	gint status = -1;
	va_list ap;

	g_ptr_array_add(argv, (gpointer)first);
	va_start(ap, first);
	while ((a = va_arg(ap, const gchar *)) != NULL)
		g_ptr_array_add(argv, (gpointer)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	g_assert_true(nvr_test_run((const gchar *const *)argv->pdata, out, &err, &status, &error));
	g_assert_no_error(error);
	if (status != 0)
		g_test_message("%s: %s", first, err);
	return status;
}

static const gchar *
nvrctl(void)
{
	return nvr_test_build_path("NVRCTL", "nvr/ctl/nvrctl");
}

static JsonObject *
parse_object(const gchar *text)
{
	g_autoptr(JsonParser) p = json_parser_new();
	g_autoptr(GError) error = NULL;

	g_assert_true(json_parser_load_from_data(p, text, -1, &error));
	g_assert_no_error(error);
	return json_object_ref(json_node_get_object(json_parser_get_root(p)));
}

static void
test_record_verify_export(void)
{
	Rec r = {0};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *conf = NULL, *pw = NULL, *cam1 = NULL, *cam2 = NULL, *ready = NULL;
	g_autofree gchar *l1 = NULL, *l2 = NULL, *line = NULL, *out = NULL, *mp4 = NULL;
	g_autofree gchar *start = NULL, *end = NULL, *probe = NULL;
	g_autoptr(NvrTestProc) fakecam = NULL;
	g_autoptr(NvrTestProc) nvrd = NULL;
	g_autoptr(JsonObject) rec = NULL;
	JsonArray *segs;
	gint64 frames = 0, first_us = G_MAXINT64, last_us = 0;
	guint finalized = 0;

	nvr_test_watchdog_start(150);
	r.dir = nvr_test_mkdtemp();
	r.state = g_build_filename(r.dir, "state", NULL);
	r.pass = g_build_filename(r.dir, "pass", NULL);
	pw = g_build_filename(r.dir, "campw", NULL);
	conf = g_build_filename(r.dir, "nvr.conf", NULL);
	g_assert_true(g_file_set_contents(r.pass, "owner passphrase\n", -1, NULL));
	g_assert_true(g_file_set_contents(pw, "fakecam\n", -1, NULL));
	g_assert_true(g_file_set_contents(conf, "segment-seconds = 6\nsync-window-ms = 1000\n", -1, NULL));
	{
		const gchar *argv[] = {nvr_test_build_path("NVR_FAKECAM", "nvr/fakecam/nvr-fakecam"),
				       "--persona", "hikvision,dahua", "--cameras", "2", "--rtsp-port", "0",
				       "--http-port", "0", "--clip-seconds", "4", "--exit-with-parent", NULL};
		fakecam = nvr_test_proc_spawn(argv, &error);
		g_assert_no_error(error);
	}
	l1 = nvr_test_proc_wait_line(fakecam, "camera 1 ", 90, &error);
	g_assert_no_error(error);
	l2 = nvr_test_proc_wait_line(fakecam, "camera 2 ", 30, &error);
	g_assert_no_error(error);
	ready = nvr_test_proc_wait_line(fakecam, "ready", 30, &error);
	g_assert_no_error(error);
	cam1 = nvr_test_line_field(l1, "rtsp");
	cam2 = nvr_test_line_field(l2, "rtsp");

	g_assert_cmpint(run(NULL, nvrctl(), "--state-dir", r.state, "init", "--passphrase-file", r.pass,
			    "--recovery-out", conf, "--kdf-opslimit", "1", "--kdf-memlimit-mib", "8", NULL),
			!=, 0); /* --recovery-out never overwrites a file */
	g_free(conf);
	conf = g_build_filename(r.dir, "nvr2.conf", NULL);
	g_assert_true(g_file_set_contents(conf, "segment-seconds = 6\nsync-window-ms = 1000\n", -1, NULL));
	{
		g_autofree gchar *recov = g_build_filename(r.dir, "recovery", NULL);
		g_assert_cmpint(run(NULL, nvrctl(), "--state-dir", r.state, "init", "--passphrase-file", r.pass,
				    "--recovery-out", recov, "--kdf-opslimit", "1", "--kdf-memlimit-mib", "8", NULL),
				==, 0);
	}
	/* nvrd identifies them; nvrctl need not (--no-identify) */
	g_assert_cmpint(run(NULL, nvrctl(), "--state-dir", r.state, "camera", "add", "hik", cam1, "--user",
			    "admin", "--password-file", pw, "--no-identify", NULL), ==, 0);
	g_assert_cmpint(run(NULL, nvrctl(), "--state-dir", r.state, "camera", "add", "dahua", cam2, "--user",
			    "admin", "--password-file", pw, "--no-identify", NULL), ==, 0);
	{
		g_autofree gchar *c = g_strconcat("--config=", conf, NULL);
		const gchar *argv[] = {nvr_test_build_path("NVRD", "nvr/daemon/nvrd"), "--state-dir", r.state,
				       "--listen", "127.0.0.1:0", c, NULL};
		nvrd = nvr_test_proc_spawn(argv, &error);
		g_assert_no_error(error);
	}
	line = nvr_test_proc_wait_line(nvrd, "nvrd: listening on ", 30, &error);
	g_assert_no_error(error);
	g_usleep(20 * G_USEC_PER_SEC);
	g_assert_cmpint(nvr_test_proc_stop(nvrd, SIGTERM, 30), ==, 0);

	g_assert_cmpint(run(&out, nvrctl(), "--state-dir", r.state, "verify", "--deep", "--passphrase-file",
			    r.pass, NULL), ==, 0);
	g_test_message("%s", out);
	g_free(out);
	g_assert_cmpint(run(&out, nvrctl(), "--state-dir", r.state, "recordings", "hik", "--json", NULL), ==, 0);
	rec = parse_object(out);
	segs = json_object_get_array_member(rec, "segments");
	for (guint i = 0; i < json_array_get_length(segs); i++) {
		JsonObject *s = json_array_get_object_element(segs, i);
		if (g_strcmp0(json_object_get_string_member(s, "status"), "finalized") == 0)
			finalized++;
		frames += json_object_get_int_member(s, "frames");
		first_us = MIN(first_us, json_object_get_int_member(s, "start_us"));
		last_us = MAX(last_us, json_object_get_int_member(s, "end_us"));
	}
	/* about 20 s at 15 fps in 6 s segments: rotation worked and nothing is left open */
	g_assert_cmpuint(finalized, >=, 2);
	g_assert_cmpuint(finalized, ==, json_array_get_length(segs));
	g_assert_cmpint(frames, >, 150);

	mp4 = g_build_filename(r.dir, "out.mp4", NULL);
	start = g_strdup_printf("%" G_GINT64_FORMAT, first_us / G_USEC_PER_SEC);
	end = g_strdup_printf("%" G_GINT64_FORMAT, last_us / G_USEC_PER_SEC + 2);
	g_assert_cmpint(run(NULL, nvrctl(), "--state-dir", r.state, "export", "hik", "--start", start, "--end",
			    end, "-o", mp4, "--passphrase-file", r.pass, NULL), ==, 0);
	g_assert_cmpint(run(&probe, "ffprobe", "-v", "warning", "-count_frames", "-select_streams", "v:0",
			    "-show_entries", "stream=nb_read_frames", "-of", "default=nw=1:nk=1", mp4, NULL),
			==, 0);
	/* every frame the index counts is in the export, and ffprobe had nothing to warn about */
	g_assert_cmpint(g_ascii_strtoll(probe, NULL, 10), ==, frames);

	nvr_test_rm_rf(r.dir);
	g_free(r.dir);
	g_free(r.state);
	g_free(r.pass);
	nvr_test_watchdog_stop();
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/nvr/daemon/record-verify-export", test_record_verify_export);
	return g_test_run();
}
