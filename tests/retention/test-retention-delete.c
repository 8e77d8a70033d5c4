/*
 * A user's deletion while nvrd records: nvr-fakecam's camera over RTSP on
 * 127.0.0.1, nvrd writing 2 s segments, and nvrctl delete in another
 * process on the same index, with this process holding one of the files
 * as a reader in a third would (a shared flock, as nvrctl export takes).
 *
 * Checked: only whole segments inside the span go, the two straddling its
 * ends stay and are named, the held one is deferred (gone from the index at
 * once, its file when released, by nvrd's retention), recording never
 * stops, the open segment is never touched, nvrctl verify (--deep, after a
 * clean stop) is clean and sums the deletions up by rule, with each one
 * under --verbose; usage errors exit 2 and an unknown camera 1.
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "nvr-test-nvrd.h"

static gchar *
del_find_file(const gchar *dir, const gchar *name)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *entry;

	while (d != NULL && (entry = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *path = g_build_filename(dir, entry, NULL);
		gchar *found;

		if (g_str_equal(entry, name))
			return g_steal_pointer(&path);
		if (g_file_test(path, G_FILE_TEST_IS_DIR) && (found = del_find_file(path, name)))
			return found;
	}
	return NULL;
}

/* the segment file of @id, or NULL when it is gone */
static gchar *
del_segment_file(NvrTestNvrd *fx, gint64 id)
{
	g_autofree gchar *footage = g_build_filename(fx->state, "footage", NULL);
	g_autofree gchar *name = g_strdup_printf("%" G_GINT64_FORMAT ".nvre", id);

	return del_find_file(footage, name);
}

/* nvrctl ARGS...: its exit status and stdout */
static gint
del_ctl(NvrTestNvrd *fx, gchar **out, const gchar *a1, const gchar *a2, const gchar *a3,
	const gchar *a4, const gchar *a5, const gchar *a6, const gchar *a7)
{
	return nvr_test_nvrd_run(out, NULL, nvr_test_nvrd_ctl_path(), "--state-dir", fx->state, a1,
				 a2, a3, a4, a5, a6, a7, NULL);
}

static gint64
del_member(JsonObject *o, const gchar *name)
{
	return json_object_get_int_member(o, name);
}

static gboolean
del_has_segment(GArray *segs, gint64 id)
{
	for (guint i = 0; i < segs->len; i++) {
		if (g_array_index(segs, NvrTestSegment, i).id == id)
			return TRUE;
	}
	return FALSE;
}

static void
del_check_kept(JsonObject *reply, gint64 first_id, gint64 last_id)
{
	JsonArray *kept = json_object_get_array_member(reply, "kept");
	JsonObject *a, *b;

	g_assert_cmpuint(json_array_get_length(kept), ==, 2);
	a = json_array_get_object_element(kept, 0);
	b = json_array_get_object_element(kept, 1);
	g_assert_cmpint(del_member(a, "id"), ==, first_id);
	g_assert_cmpstr(json_object_get_string_member(a, "reason"), ==, "straddles-start");
	g_assert_cmpstr(json_object_get_string_member(a, "stream"), ==, "main");
	g_assert_cmpint(del_member(b, "id"), ==, last_id);
	g_assert_cmpstr(json_object_get_string_member(b, "reason"), ==, "straddles-end");
}

/* up to @timeout_s for nvrd's retention to remove a released file */
static gboolean
del_wait_gone(NvrTestNvrd *fx, gint64 id, guint timeout_s)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;

	while (g_get_monotonic_time() < deadline) {
		g_autofree gchar *path = del_segment_file(fx, id);

		if (path == NULL)
			return TRUE;
		g_free(nvr_test_nvrd_wait_line(fx, "\x01never", 1));
	}
	return FALSE;
}

static void
del_check_verify(NvrTestNvrd *fx, guint n_deleted)
{
	g_autofree gchar *text = NULL;
	g_autofree gchar *verbose = NULL;
	g_autofree gchar *json = NULL;
	g_autofree gchar *line = g_strdup_printf("deleted      c1 by user: %u segments, ", n_deleted);
	g_autoptr(JsonObject) o = NULL;
	JsonObject *sum;
	guint listed = 0;

	nvr_test_nvrd_assert_verify_deep(fx);
	g_assert_cmpint(del_ctl(fx, &text, "verify", NULL, NULL, NULL, NULL, NULL, NULL), ==, 0);
	g_test_message("%s", text);
	g_assert_nonnull(strstr(text, line));
	g_assert_null(strstr(text, "deleted-by-user"));
	g_assert_cmpint(del_ctl(fx, &verbose, "verify", "--verbose", NULL, NULL, NULL, NULL, NULL),
			==, 0);
	for (const gchar *p = verbose; (p = strstr(p, "deleted-by-user")) != NULL; p++)
		listed++;
	g_assert_cmpuint(listed, ==, n_deleted);
	g_assert_cmpint(del_ctl(fx, &json, "verify", "--json", NULL, NULL, NULL, NULL, NULL), ==, 0);
	o = nvr_test_nvrd_parse_object(json);
	g_assert_cmpint(del_member(o, "problems"), ==, 0);
	g_assert_cmpint(del_member(o, "deleted"), ==, n_deleted);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "deletions")), ==, 1);
	sum = json_array_get_object_element(json_object_get_array_member(o, "deletions"), 0);
	g_assert_cmpstr(json_object_get_string_member(sum, "rule"), ==, "user");
	g_assert_cmpint(del_member(sum, "segments"), ==, n_deleted);
}

static void
del_usage_errors(NvrTestNvrd *fx, const gchar *start, const gchar *end)
{
	g_autofree gchar *out = NULL;

	g_assert_cmpint(del_ctl(fx, NULL, "delete", "c1", "--start", end, "--end", start, NULL), ==,
			2);
	g_assert_cmpint(del_ctl(fx, NULL, "delete", "c1", "--start", start, NULL, NULL, NULL), ==, 2);
	g_assert_cmpint(del_ctl(fx, NULL, "delete", "c1", "--start", "yesterday", "--end", end,
				NULL),
			==, 2);
	g_assert_cmpint(del_ctl(fx, &out, "delete", "nosuch", "--start", start, "--end", end,
				"--json"),
			==, 1);
	g_assert_nonnull(strstr(out, "\"not-found\""));
}

/*
 * A span over the open segment: it is kept and named. Its row appears with
 * its first fragment, a GOP after the previous segment ended, so a moment
 * may have none: try a few times.
 */
static void
del_open_segment_kept(NvrTestNvrd *fx)
{
	gboolean named = FALSE;

	for (guint i = 0; i < 10 && !named; i++) {
		g_autoptr(GArray) now = nvr_test_nvrd_segments(fx, "c1");
		const NvrTestSegment *last = &g_array_index(now, NvrTestSegment, now->len - 1);
		g_autofree gchar *from = nvr_test_nvrd_iso(last->start_us + 1);
		g_autofree gchar *to = nvr_test_nvrd_iso(g_get_real_time() + 60 * G_USEC_PER_SEC);
		g_autofree gchar *text = NULL;

		g_assert_cmpint(del_ctl(fx, &text, "delete", "c1", "--start", from, "--end", to,
					NULL),
				==, 0);
		g_assert_true(g_str_has_prefix(text, "deleted  0 segments of c1 "));
		named = strstr(text, ": recording\n") != NULL;
		if (named)
			g_test_message("%s", text);
		else
			g_free(nvr_test_nvrd_wait_line(fx, "\x01never", 1));
	}
	g_assert_true(named);
}

static void
test_delete_while_recording(void)
{
	const gchar *const fakecam_args[] = {"--persona", "generic", "--clip-seconds", "4",
					     "--resolution", "320x180", NULL};
	g_autoptr(NvrTestNvrd) fx = nvr_test_nvrd_new(
		1, "segment-seconds = 2\nretention-interval-s = 1\nretention-free-floor-mb = 0\n",
		fakecam_args);
	g_autoptr(GArray) segs = NULL;
	g_autoptr(GArray) after = NULL;
	g_autoptr(JsonObject) reply = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *start = NULL;
	g_autofree gchar *end = NULL;
	g_autofree gchar *held = NULL;
	const NvrTestSegment *s;
	gint64 t0, elapsed_us, deleted_id[2];
	gint fd;

	nvr_test_watchdog_start(NVR_TEST_WATCHDOG_S + 60);
	nvr_test_nvrd_start(fx);
	nvr_test_nvrd_wait_recording(fx, 60);
	/* enough finished segments: the span's first and last straddle, three lie inside */
	for (guint i = 0; i < 30; i++) {
		g_clear_pointer(&segs, g_array_unref);
		segs = nvr_test_nvrd_segments(fx, "c1");
		if (segs->len >= 8)
			break;
		g_free(nvr_test_nvrd_wait_line(fx, "\x01never", 1));
	}
	g_assert_cmpuint(segs->len, >=, 8);
	s = &g_array_index(segs, NvrTestSegment, 0);
	start = nvr_test_nvrd_iso((s[1].start_us + s[1].end_us) / 2);
	end = nvr_test_nvrd_iso((s[5].start_us + s[5].end_us) / 2);
	deleted_id[0] = s[2].id;
	deleted_id[1] = s[4].id;

	/* a reader in another process holds the middle one */
	held = del_segment_file(fx, s[3].id);
	g_assert_nonnull(held);
	fd = open(held, O_RDONLY | O_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(flock(fd, LOCK_SH), ==, 0);

	t0 = g_get_monotonic_time();
	g_assert_cmpint(del_ctl(fx, &out, "delete", "c1", "--start", start, "--end", end, "--json"),
			==, 0);
	elapsed_us = g_get_monotonic_time() - t0;
	reply = nvr_test_nvrd_parse_object(out);
	g_assert_cmpint(del_member(reply, "deleted"), ==, 2);
	g_assert_cmpint(del_member(reply, "deferred"), ==, 1);
	g_assert_cmpint(del_member(reply, "gone"), ==, 0);
	g_assert_cmpint(del_member(reply, "deleted_bytes"), ==, s[2].file_len + s[4].file_len);
	del_check_kept(reply, s[1].id, s[5].id);
	g_test_message("figures: nvrctl delete of 3 segments beside a recording nvrd: %.0f ms",
		       elapsed_us / 1000.0);

	/* gone from the index at once; the held file stays until released */
	after = nvr_test_nvrd_segments(fx, "c1");
	g_assert_false(del_has_segment(after, s[2].id) || del_has_segment(after, s[3].id) ||
		       del_has_segment(after, s[4].id));
	g_assert_true(del_has_segment(after, s[1].id) && del_has_segment(after, s[5].id));
	for (guint i = 0; i < G_N_ELEMENTS(deleted_id); i++) {
		g_autofree gchar *gone = del_segment_file(fx, deleted_id[i]);

		g_assert_null(gone);
	}
	g_assert_true(g_file_test(held, G_FILE_TEST_EXISTS));
	g_free(nvr_test_nvrd_wait_line(fx, "\x01never", 2));
	g_assert_true(g_file_test(held, G_FILE_TEST_EXISTS));
	close(fd);
	g_assert_true(del_wait_gone(fx, s[3].id, 10));

	del_open_segment_kept(fx);
	del_usage_errors(fx, start, end);
	g_free(nvr_test_nvrd_wait_line(fx, "\x01never", 4));
	g_clear_pointer(&after, g_array_unref);
	after = nvr_test_nvrd_segments(fx, "c1");
	g_assert_cmpint(g_array_index(after, NvrTestSegment, after->len - 1).start_us, >,
			s[7].start_us);
	g_assert_cmpint(nvr_test_nvrd_stop(fx, SIGTERM), ==, 0);
	del_check_verify(fx, 3);
	nvr_test_watchdog_stop();
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/nvr/retention/delete-while-recording", test_delete_while_recording);
	return g_test_run();
}
