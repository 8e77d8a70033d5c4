/*
 * The key commands of nvrctl as a process (through test-nvrctl-keys, which
 * calls nvrctl_keys_run() as the dispatcher does): init, passwd, recovery,
 * decrypt, and their refusals.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

#include "keys/nvr-keyring.h"
#include "nvr-test-common.h"
#include "test-keys.h"

#define CTL_UUID "7d9f0c1e-2b3a-4c5d-8e6f-0a1b2c3d4e5f"

typedef struct {
	gchar *dir;
	gchar *state;
	gchar *exe;
	gchar *out;
	gchar *err;
} CtlFixture;

static void
ctl_setup(CtlFixture *fx, gconstpointer data)
{
	fx->dir = nvr_test_mkdtemp();
	fx->state = g_build_filename(fx->dir, "state", NULL);
	fx->exe = g_test_build_filename(G_TEST_BUILT, "keys", "test-nvrctl-keys", NULL);
	g_assert_true(g_file_test(fx->exe, G_FILE_TEST_IS_EXECUTABLE));
}

static void
ctl_teardown(CtlFixture *fx, gconstpointer data)
{
	nvr_test_rm_rf(fx->dir);
	g_free(fx->dir);
	g_free(fx->state);
	g_free(fx->exe);
	g_free(fx->out);
	g_free(fx->err);
}

static gchar *
ctl_file(CtlFixture *fx, const gchar *name, const gchar *contents)
{
	gchar *path = g_build_filename(fx->dir, name, NULL);

	test_keys_write_file(path, (const guint8 *)contents, strlen(contents));
	return path;
}

/* runs "test-nvrctl-keys --state-dir STATE ARGS... --kdf-opslimit 1 --kdf-memlimit-mib 8" */
static gint
ctl_run(CtlFixture *fx, const gchar *first, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	va_list args;
	gint status = -1;

	g_ptr_array_add(argv, fx->exe);
	g_ptr_array_add(argv, (gpointer) "--state-dir");
	g_ptr_array_add(argv, fx->state);
	va_start(args, first);
	for (const gchar *a = first; a != NULL; a = va_arg(args, const gchar *))
		g_ptr_array_add(argv, (gpointer)a);
	va_end(args);
	g_ptr_array_add(argv, NULL);
	g_clear_pointer(&fx->out, g_free);
	g_clear_pointer(&fx->err, g_free);
	g_assert_true(nvr_test_run((const gchar *const *)argv->pdata, &fx->out, &fx->err, &status,
				   &error));
	g_assert_no_error(error);
	return status;
}

static void
ctl_assert_error_line(CtlFixture *fx, const gchar *part)
{
	g_assert_true(g_str_has_prefix(fx->err, "nvrctl: "));
	g_assert_nonnull(strstr(fx->err, part));
	/* exactly one line */
	g_assert_true(strchr(fx->err, '\n') == fx->err + strlen(fx->err) - 1);
}

/* the recovery secret from init's human output: the line after the announcement */
static gchar *
ctl_recovery_from_output(const gchar *out)
{
	const gchar *at = strstr(out, "shown only this once");
	g_auto(GStrv) lines = NULL;

	g_assert_nonnull(at);
	lines = g_strsplit(strchr(at, '\n') + 1, "\n", 2);
	return g_strstrip(g_strdup(lines[0]));
}

static void
test_ctl_init(CtlFixture *fx, gconstpointer data)
{
	g_autofree gchar *pw = ctl_file(fx, "pw", "s3cret passphrase\n");
	g_autofree gchar *rec = NULL;
	g_autofree gchar *keyring = NULL;
	g_autoptr(NvrNvreKeyPair) rpair = NULL;
	g_autoptr(NvrKeyring) k = NULL;
	g_autoptr(GPtrArray) pairs = NULL;
	g_autoptr(GError) error = NULL;
	struct stat st;

	g_assert_cmpint(ctl_run(fx, "init", "--passphrase-file", pw, "--kdf-opslimit", "1",
				"--kdf-memlimit-mib", "8", NULL),
			==, 0);
	rec = ctl_recovery_from_output(fx->out);
	rpair = nvr_keyring_parse_recovery_secret(rec, &error);
	g_assert_no_error(error);
	keyring = g_build_filename(fx->state, "keyring", NULL);
	g_assert_cmpint(g_stat(keyring, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 0777, ==, 0600);
	/* the newline was stripped, nothing else: the passphrase is the 17 bytes before it */
	k = nvr_keyring_load(fx->state, &error);
	pairs = nvr_keyring_unlock(k, "owner", (const guint8 *)"s3cret passphrase", 17, &error);
	g_assert_no_error(error);
	g_assert_cmpmem(nvr_keyring_get_recovery_public(k), 32, nvr_nvre_key_pair_get_public(rpair),
			32);

	/* never twice */
	g_assert_cmpint(ctl_run(fx, "init", "--passphrase-file", pw, NULL), ==, 1);
	ctl_assert_error_line(fx, "initialised already");
}

static void
test_ctl_init_json_recovery_out(CtlFixture *fx, gconstpointer data)
{
	g_autofree gchar *pw = ctl_file(fx, "pw", "pw");
	g_autofree gchar *rec_path = g_build_filename(fx->dir, "recovery.txt", NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *rec = NULL;
	JsonObject *o;
	struct stat st;

	g_assert_cmpint(ctl_run(fx, "--json", "init", "--passphrase-file", pw, "--user", "ann",
				"--recovery-out", rec_path, "--kdf-opslimit", "1",
				"--kdf-memlimit-mib", "8", NULL),
			==, 0);
	g_assert_true(json_parser_load_from_data(parser, fx->out, -1, &error));
	o = json_node_get_object(json_parser_get_root(parser));
	g_assert_cmpstr(json_object_get_string_member(o, "user"), ==, "ann");
	g_assert_cmpstr(json_object_get_string_member(o, "recovery_file"), ==, rec_path);
	g_assert_false(json_object_has_member(o, "recovery_secret"));
	g_assert_cmpuint(strlen(json_object_get_string_member(o, "device_public_key")), ==, 64);
	g_assert_cmpint(g_stat(rec_path, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 0777, ==, 0600);
	g_assert_true(g_file_get_contents(rec_path, &rec, NULL, NULL));
	/* not printed when it went to a file */
	g_assert_null(strstr(fx->out, g_strstrip(rec)));
}

static void
test_ctl_refusals(CtlFixture *fx, gconstpointer data)
{
	g_autofree gchar *empty = ctl_file(fx, "empty", "\n");
	g_autofree gchar *pw = ctl_file(fx, "pw", "pw\n");

	g_assert_cmpint(ctl_run(fx, "init", "--passphrase-file", empty, NULL), ==, 1);
	ctl_assert_error_line(fx, "empty");
	{
		g_autofree gchar *keyring = g_build_filename(fx->state, "keyring", NULL);
		g_assert_false(g_file_test(keyring, G_FILE_TEST_EXISTS));
	}
	g_assert_cmpint(ctl_run(fx, "init", NULL), ==, 2);
	ctl_assert_error_line(fx, "--passphrase-file");
	g_assert_cmpint(ctl_run(fx, "init", "--passphrase-file", pw, "--bogus", NULL), ==, 2);
	g_assert_cmpint(ctl_run(fx, "init", "--passphrase-file", pw, "-o", "x", NULL), ==, 2);
	g_assert_cmpint(ctl_run(fx, "init", "--passphrase-file", pw, "stray", NULL), ==, 2);
	ctl_assert_error_line(fx, "unexpected argument 'stray'");
	g_assert_cmpint(ctl_run(fx, "init", "--passphrase-file", pw, "--kdf-opslimit", "99",
				"--kdf-memlimit-mib", "8", NULL),
			==, 2);
	g_assert_cmpint(
		ctl_run(fx, "passwd", "--passphrase-file", pw, "--new-passphrase-file", pw, NULL),
		==, 1);
	ctl_assert_error_line(fx, "no keyring");
}

static void
test_ctl_passwd_recovery(CtlFixture *fx, gconstpointer data)
{
	g_autofree gchar *pw = ctl_file(fx, "pw", "first\n");
	g_autofree gchar *pw2 = ctl_file(fx, "pw2", "second\n");
	g_autofree gchar *pw3 = ctl_file(fx, "pw3", "third\n");
	g_autofree gchar *rec = NULL;
	g_autofree gchar *rec_file = NULL;
	g_autofree gchar *bad_rec_file = NULL;

	g_assert_cmpint(ctl_run(fx, "init", "--passphrase-file", pw, "--kdf-opslimit", "1",
				"--kdf-memlimit-mib", "8", NULL),
			==, 0);
	rec = ctl_recovery_from_output(fx->out);
	/* a wrong old passphrase changes nothing */
	g_assert_cmpint(
		ctl_run(fx, "passwd", "--passphrase-file", pw2, "--new-passphrase-file", pw3, NULL),
		==, 1);
	ctl_assert_error_line(fx, "wrong passphrase");
	g_assert_cmpint(
		ctl_run(fx, "passwd", "--passphrase-file", pw, "--new-passphrase-file", pw2, NULL),
		==, 0);
	g_assert_nonnull(strstr(fx->out, "no footage was touched"));
	g_assert_cmpint(
		ctl_run(fx, "passwd", "--passphrase-file", pw, "--new-passphrase-file", pw3, NULL),
		==, 1);
	ctl_assert_error_line(fx, "wrong passphrase");
	/* recovery: written in lower case with spaces, as a human might type it */
	{
		g_autofree gchar *messy = g_ascii_strdown(rec, -1);
		g_strdelimit(messy, "-", ' ');
		rec_file = ctl_file(fx, "rec", messy);
		messy[3] = messy[3] == 'a' ? 'b' : 'a';
		bad_rec_file = ctl_file(fx, "badrec", messy);
	}
	g_assert_cmpint(ctl_run(fx, "recovery", "--recovery-file", bad_rec_file,
				"--new-passphrase-file", pw3, NULL),
			==, 1);
	ctl_assert_error_line(fx, "checksum");
	g_assert_cmpint(ctl_run(fx, "--json", "recovery", "--recovery-file", rec_file,
				"--new-passphrase-file", pw3, NULL),
			==, 0);
	g_assert_nonnull(strstr(fx->out, "\"recovery\""));
	g_assert_cmpint(
		ctl_run(fx, "passwd", "--passphrase-file", pw3, "--new-passphrase-file", pw, NULL),
		==, 0);
}

/* a segment written for the keyring's recipients, as the recorder would */
static guint8 *
ctl_write_segment(CtlFixture *fx, const gchar *path, gsize len)
{
	g_autoptr(NvrKeyring) k = NULL;
	g_autoptr(NvrNvreWriter) w = NULL;
	g_autoptr(GError) error = NULL;
	NvrNvreWriterParams wp = {0};
	NvrNvreWriterResult res;
	guint8 *plain = g_malloc(len);

	for (gsize i = 0; i < len; i++)
		plain[i] = (guint8)(i * 13);
	k = nvr_keyring_load(fx->state, &error);
	g_assert_no_error(error);
	g_assert_true(nvr_nvre_context_set_camera_uuid(&wp.context, CTL_UUID, NULL));
	wp.context.segment_id = 42;
	wp.context.start_us = -5; /* signed, on purpose */
	wp.context.content_type = NVR_NVRE_CONTENT_FMP4;
	nvr_keyring_fill_writer_params(k, &wp);
	w = nvr_nvre_writer_create(path, &wp, &error);
	g_assert_no_error(error);
	g_assert_true(nvr_nvre_writer_write(w, plain, len, &error));
	g_assert_true(nvr_nvre_writer_finish(w, &res, &error));
	return plain;
}

static void
test_ctl_decrypt(CtlFixture *fx, gconstpointer data)
{
	g_autofree gchar *pw = ctl_file(fx, "pw", "pw\n");
	g_autofree gchar *seg = g_build_filename(fx->dir, "42.nvre", NULL);
	g_autofree gchar *out = g_build_filename(fx->dir, "out.mp4", NULL);
	g_autofree gchar *out2 = g_build_filename(fx->dir, "out2.mp4", NULL);
	g_autofree gchar *rec_file = NULL;
	g_autofree gchar *got = NULL;
	g_autofree guint8 *plain = NULL;
	g_autoptr(GBytes) file = NULL;
	gsize got_len = 0;
	const gsize len = 200000;

	g_assert_cmpint(ctl_run(fx, "init", "--passphrase-file", pw, "--kdf-opslimit", "1",
				"--kdf-memlimit-mib", "8", NULL),
			==, 0);
	{
		g_autofree gchar *rec = ctl_recovery_from_output(fx->out);
		rec_file = ctl_file(fx, "rec", rec);
	}
	plain = ctl_write_segment(fx, seg, len);
	g_assert_cmpint(ctl_run(fx, "decrypt", seg, "-o", out, "--passphrase-file", pw,
				"--camera-id", CTL_UUID, "--segment-id", "42", "--start-us", "-5",
				"--content-type", "1", NULL),
			==, 0);
	g_assert_true(g_file_get_contents(out, &got, &got_len, NULL));
	g_assert_cmpmem(got, got_len, plain, len);
	/* OUT is never overwritten */
	g_assert_cmpint(ctl_run(fx, "decrypt", seg, "-o", out, "--passphrase-file", pw,
				"--camera-id", CTL_UUID, "--segment-id", "42", "--start-us", "-5",
				"--content-type", "1", NULL),
			==, 1);
	/* the recovery secret decrypts without any passphrase */
	g_assert_cmpint(ctl_run(fx, "--json", "decrypt", seg, "-o", out2, "--recovery-file",
				rec_file, "--camera-id", CTL_UUID, "--segment-id", "42",
				"--start-us", "-5", "--content-type", "1", NULL),
			==, 0);
	g_assert_nonnull(strstr(fx->out, "\"plain_len\" : 200000"));
	g_unlink(out2);
	/* the index's context, not the file's: another segment id is refused */
	g_assert_cmpint(ctl_run(fx, "decrypt", seg, "-o", out2, "--passphrase-file", pw,
				"--camera-id", CTL_UUID, "--segment-id", "43", "--start-us", "-5",
				"--content-type", "1", NULL),
			==, 1);
	ctl_assert_error_line(fx, "context");
	g_assert_false(g_file_test(out2, G_FILE_TEST_EXISTS));
	/* a chunk tampered in the middle: an error and no partial output */
	file = nvr_test_read_bytes(seg);
	{
		g_autofree guint8 *bad =
			g_memdup2(g_bytes_get_data(file, NULL), g_bytes_get_size(file));
		bad[512 + 65552 + 100] ^= 0x40;
		test_keys_write_file(seg, bad, g_bytes_get_size(file));
	}
	g_assert_cmpint(ctl_run(fx, "decrypt", seg, "-o", out2, "--passphrase-file", pw,
				"--camera-id", CTL_UUID, "--segment-id", "42", "--start-us", "-5",
				"--content-type", "1", NULL),
			==, 1);
	ctl_assert_error_line(fx, "chunk 1 does not authenticate");
	g_assert_false(g_file_test(out2, G_FILE_TEST_EXISTS));
	/* usage */
	g_assert_cmpint(ctl_run(fx, "decrypt", seg, "-o", out2, "--passphrase-file", pw, NULL), ==,
			2);
	/* the signature policy is the keyring's; raw keys are 64 hex digits */
	g_assert_cmpint(ctl_run(fx, "decrypt", seg, "-o", out2, "--passphrase-file", pw,
				"--allow-unsigned", "--camera-id", CTL_UUID, "--segment-id", "42",
				"--start-us", "-5", "--content-type", "1", NULL),
			==, 2);
	g_assert_cmpint(ctl_run(fx, "decrypt", seg, "-o", out2, "--key-file", pw, "--camera-id",
				CTL_UUID, "--segment-id", "42", "--start-us", "-5", "--content-type",
				"1", NULL),
			==, 1);
	ctl_assert_error_line(fx, "does not hold 64 hex digits");
	g_assert_false(g_file_test(out2, G_FILE_TEST_EXISTS));
}

void
test_keys_ctl_register(void)
{
	g_test_add("/nvr/keys/ctl/init", CtlFixture, NULL, ctl_setup, test_ctl_init, ctl_teardown);
	g_test_add("/nvr/keys/ctl/init-json", CtlFixture, NULL, ctl_setup,
		   test_ctl_init_json_recovery_out, ctl_teardown);
	g_test_add("/nvr/keys/ctl/refusals", CtlFixture, NULL, ctl_setup, test_ctl_refusals,
		   ctl_teardown);
	g_test_add("/nvr/keys/ctl/passwd-recovery", CtlFixture, NULL, ctl_setup,
		   test_ctl_passwd_recovery, ctl_teardown);
	g_test_add("/nvr/keys/ctl/decrypt", CtlFixture, NULL, ctl_setup, test_ctl_decrypt,
		   ctl_teardown);
}
