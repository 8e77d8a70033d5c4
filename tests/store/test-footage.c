#include "config.h"

#include <glib/gstdio.h>

#include "core/nvr-error.h"
#include "nvr-test-common.h"
#include "store/nvr-footage.h"

#define DB_UUID "0b7f6c1e-8b4d-4e0f-9a71-5c2d8e6b1f04"

static void
test_footage_first_use_and_reopen(void)
{
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrFootage) f1 = nvr_footage_open(dir, DB_UUID, NULL, &error);
	g_autoptr(NvrFootage) f2 = NULL;
	g_autofree gchar *seg = NULL;

	g_assert_no_error(error);
	g_assert_true(g_uuid_string_is_valid(nvr_footage_get_uuid(f1)));
	f2 = nvr_footage_open(dir, DB_UUID, nvr_footage_get_uuid(f1), &error);
	g_assert_no_error(error);
	g_assert_cmpstr(nvr_footage_get_uuid(f1), ==, nvr_footage_get_uuid(f2));
	g_assert_true(nvr_footage_ensure_camera_dir(f2, "cam-uuid", &error));
	g_assert_no_error(error);
	seg = nvr_footage_dup_segment_path(f2, "cam-uuid", 42);
	g_assert_true(g_str_has_suffix(seg, "/cam-uuid/42.nvre"));
	nvr_test_rm_rf(dir);
}

static void
test_footage_unmounted_disk_refused(void)
{
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrFootage) f = NULL;
	g_autofree gchar *meta = NULL;

	/* the index knows a uuid, but the mount point is empty: never start afresh */
	f = nvr_footage_open(dir, DB_UUID, "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d", &error);
	g_assert_null(f);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "is the disk mounted?"));
	meta = g_build_filename(dir, NVR_FOOTAGE_META_NAME, NULL);
	g_assert_false(g_file_test(meta, G_FILE_TEST_EXISTS));
	nvr_test_rm_rf(dir);
}

static void
test_footage_foreign_and_dirty_refused(void)
{
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autofree gchar *junk_dir = nvr_test_mkdtemp();
	g_autofree gchar *junk = g_build_filename(junk_dir, "holiday.jpg", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrFootage) f = nvr_footage_open(dir, DB_UUID, NULL, &error);
	g_autoptr(NvrFootage) other = NULL;

	g_assert_no_error(error);
	g_assert_nonnull(f);
	other = nvr_footage_open(dir, "11111111-2222-4333-8444-555555555555", NULL, &error);
	g_assert_null(other);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_PERMISSION);
	g_clear_error(&error);
	other = nvr_footage_open(dir, DB_UUID, "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d", &error);
	g_assert_null(other);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_PERMISSION);
	g_clear_error(&error);

	/* a disk with someone's files and no meta is not ours to fill */
	g_assert_true(g_file_set_contents(junk, "x", 1, NULL));
	other = nvr_footage_open(junk_dir, DB_UUID, NULL, &error);
	g_assert_null(other);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_EXISTS);
	g_clear_error(&error);
	other = nvr_footage_open("/nonexistent/footage", DB_UUID, NULL, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	nvr_test_rm_rf(dir);
	nvr_test_rm_rf(junk_dir);
}

static void
test_footage_corrupt_meta(void)
{
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autofree gchar *meta = g_build_filename(dir, NVR_FOOTAGE_META_NAME, NULL);
	const gchar *bad[] = {
	    "garbage\x01\x02",
	    "[nvr-footage]\nformat=1\n",
	    "[nvr-footage]\nformat=2\nfootage-uuid=9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d\n"
	    "database-uuid=" DB_UUID "\n",
	    "[nvr-footage]\nformat=1\nfootage-uuid=not-a-uuid\ndatabase-uuid=" DB_UUID "\n",
	};
	const gint codes[] = {NVR_ERROR_CORRUPT, NVR_ERROR_CORRUPT, NVR_ERROR_VERSION, NVR_ERROR_CORRUPT};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrFootage) f = NULL;

		g_assert_true(g_file_set_contents(meta, bad[i], -1, NULL));
		f = nvr_footage_open(dir, DB_UUID, NULL, &error);
		g_assert_null(f);
		g_assert_error(error, NVR_ERROR, codes[i]);
	}
	nvr_test_rm_rf(dir);
}

static void
test_footage_lock(void)
{
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrFootage) a = nvr_footage_open(dir, DB_UUID, NULL, &error);
	g_autoptr(NvrFootage) b = NULL;

	g_assert_no_error(error);
	b = nvr_footage_open(dir, DB_UUID, nvr_footage_get_uuid(a), &error);
	g_assert_no_error(error);
	g_assert_true(nvr_footage_lock(a, &error));
	g_assert_no_error(error);
	g_assert_false(nvr_footage_lock(b, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_BUSY);
	nvr_test_rm_rf(dir);
}

static void
test_footage_segment_names(void)
{
	gint64 id = 0;

	g_assert_true(nvr_footage_parse_segment_name("17.nvre", &id));
	g_assert_cmpint(id, ==, 17);
	g_assert_false(nvr_footage_parse_segment_name("0.nvre", &id));
	g_assert_false(nvr_footage_parse_segment_name("-3.nvre", &id));
	g_assert_false(nvr_footage_parse_segment_name("17.nvre.tmp", &id));
	g_assert_false(nvr_footage_parse_segment_name(".nvre", &id));
	g_assert_false(nvr_footage_parse_segment_name("99999999999999999999.nvre", &id));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/nvr/store/footage/first-use-and-reopen", test_footage_first_use_and_reopen);
	g_test_add_func("/nvr/store/footage/unmounted-disk-refused", test_footage_unmounted_disk_refused);
	g_test_add_func("/nvr/store/footage/foreign-and-dirty-refused",
			test_footage_foreign_and_dirty_refused);
	g_test_add_func("/nvr/store/footage/corrupt-meta", test_footage_corrupt_meta);
	g_test_add_func("/nvr/store/footage/lock", test_footage_lock);
	g_test_add_func("/nvr/store/footage/segment-names", test_footage_segment_names);
	return g_test_run();
}
