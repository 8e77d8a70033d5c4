/*
 * The keyring: create, load, unlock, wrong passphrase, passwd touching only
 * one slot (footage byte-identical), recovery, rotation, a damaged or hostile
 * file, and process hardening.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "core/nvr-error.h"
#include "keys/nvr-keyring.h"
#include "keys/nvr-keys.h"
#include "nvr-test-common.h"
#include "test-keys.h"

/* the cheapest Argon2id the format allows: tests stay fast */
#define KR_OPS 1
#define KR_MEM (G_GUINT64_CONSTANT(8) << 20)
#define KR_PASS ((const guint8 *)"correct horse")
#define KR_PASS_LEN 13

typedef struct {
	gchar *dir;
	NvrKeyring *keyring;
	gchar *recovery;
} KrFixture;

static void
kr_setup(KrFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	fx->dir = nvr_test_mkdtemp();
	fx->keyring = nvr_keyring_create(fx->dir, "owner", KR_PASS, KR_PASS_LEN, KR_OPS, KR_MEM,
					 &fx->recovery, &error);
	g_assert_no_error(error);
	g_assert_nonnull(fx->keyring);
}

static void
kr_teardown(KrFixture *fx, gconstpointer data)
{
	nvr_keyring_free(fx->keyring);
	g_free(fx->recovery);
	nvr_test_rm_rf(fx->dir);
	g_free(fx->dir);
}

static gchar *
kr_path(KrFixture *fx)
{
	return g_build_filename(fx->dir, NVR_KEYRING_FILE_NAME, NULL);
}

static void
test_keyring_create_load(KrFixture *fx, gconstpointer data)
{
	g_autofree gchar *path = kr_path(fx);
	g_autoptr(NvrKeyring) loaded = NULL;
	g_autoptr(NvrKeyring) again = NULL;
	g_autoptr(GPtrArray) pairs = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) users = NULL;
	g_autofree gchar *rec2 = NULL;
	struct stat st;

	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 0777, ==, 0600);
	/* 14 groups of 4 */
	g_assert_cmpuint(strlen(fx->recovery), ==, 14 * 4 + 13);
	loaded = nvr_keyring_load(fx->dir, &error);
	g_assert_no_error(error);
	users = nvr_keyring_list_users(loaded);
	g_assert_cmpuint(g_strv_length(users), ==, 1);
	g_assert_cmpstr(users[0], ==, "owner");
	g_assert_cmpmem(nvr_keyring_get_household_public(loaded), 32,
			nvr_keyring_get_household_public(fx->keyring), 32);
	g_assert_cmpmem(nvr_nvre_signing_key_get_public(nvr_keyring_get_device_key(loaded)), 32,
			nvr_nvre_signing_key_get_public(nvr_keyring_get_device_key(fx->keyring)),
			32);
	g_assert_true(nvr_secret_equal(nvr_keyring_get_seal_key(loaded),
				       nvr_keyring_get_seal_key(fx->keyring)));
	pairs = nvr_keyring_unlock(loaded, "owner", KR_PASS, KR_PASS_LEN, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(pairs->len, ==, 1);
	g_assert_cmpmem(nvr_nvre_key_pair_get_public(g_ptr_array_index(pairs, 0)), 32,
			nvr_keyring_get_household_public(loaded), 32);
	/* a second init refuses and leaves the keyring alone */
	again = nvr_keyring_create(fx->dir, "owner", KR_PASS, KR_PASS_LEN, KR_OPS, KR_MEM, &rec2,
				   &error);
	g_assert_null(again);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_EXISTS);
	g_assert_null(rec2);
}

static void
test_keyring_wrong_passphrase(KrFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) pairs = NULL;

	pairs = nvr_keyring_unlock(fx->keyring, "owner", (const guint8 *)"correct horsE", 13,
				   &error);
	g_assert_null(pairs);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_AUTH);
	g_clear_error(&error);
	pairs = nvr_keyring_unlock(fx->keyring, "nobody", KR_PASS, KR_PASS_LEN, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	g_clear_error(&error);
	pairs = nvr_keyring_unlock(fx->keyring, "owner", (const guint8 *)"", 0, &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
}

/* writes a segment to every recipient the keyring names; Returns: its SHA-256 */
static gchar *
kr_write_segment(KrFixture *fx, const gchar *path, guint64 segment_id)
{
	g_autoptr(NvrNvreWriter) w = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) b = NULL;
	NvrNvreWriterParams wp = {0};
	NvrNvreWriterResult res;
	guint8 data[10000];

	memset(data, (gint)segment_id, sizeof(data));
	g_assert_true(nvr_nvre_context_set_camera_uuid(
		&wp.context, "00000000-0000-4000-8000-000000000001", NULL));
	wp.context.segment_id = segment_id;
	wp.context.content_type = NVR_NVRE_CONTENT_FMP4;
	wp.chunk_log2 = 12;
	nvr_keyring_fill_writer_params(fx->keyring, &wp);
	w = nvr_nvre_writer_create(path, &wp, &error);
	g_assert_no_error(error);
	g_assert_true(nvr_nvre_writer_write(w, data, sizeof(data), &error));
	g_assert_true(nvr_nvre_writer_finish(w, &res, &error));
	b = nvr_test_read_bytes(path);
	return test_keys_sha256_hex(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
}

static void
kr_assert_opens(const gchar *path, guint64 segment_id, GPtrArray *pairs, NvrKeyring *keyring)
{
	g_autoptr(NvrNvreReader) r = NULL;
	g_autoptr(GError) error = NULL;
	NvrNvreReadParams rp = {0};

	g_assert_true(nvr_nvre_context_set_camera_uuid(
		&rp.context, "00000000-0000-4000-8000-000000000001", NULL));
	rp.context.segment_id = segment_id;
	rp.context.content_type = NVR_NVRE_CONTENT_FMP4;
	rp.keys = (NvrNvreKeyPair *const *)pairs->pdata;
	rp.n_keys = pairs->len;
	rp.device_pk = nvr_nvre_signing_key_get_public(nvr_keyring_get_device_key(keyring));
	rp.require_signature = TRUE;
	r = nvr_nvre_reader_open(path, &rp, &error);
	g_assert_no_error(error);
	g_assert_true(nvr_nvre_reader_verify_all(r, &error));
	g_assert_cmpuint(nvr_nvre_reader_get_plain_len(r), ==, 10000);
}

/* the lines of the keyring file, without the one of @user and the checksum */
static gchar *
kr_lines_except(KrFixture *fx, const gchar *user)
{
	g_autofree gchar *path = kr_path(fx);
	g_autoptr(GBytes) b = nvr_test_read_bytes(path);
	g_autofree gchar *text = g_strndup(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autofree gchar *skip = g_strdup_printf("user %s ", user);
	GString *out = g_string_new(NULL);

	for (guint i = 0; lines[i] != NULL; i++) {
		if (!g_str_has_prefix(lines[i], skip) && !g_str_has_prefix(lines[i], "checksum "))
			g_string_append_printf(out, "%s\n", lines[i]);
	}
	return g_string_free(out, FALSE);
}

/* passwd rewrites one slot: every footage byte and every other keyring line stay */
static void
test_keyring_passwd(KrFixture *fx, gconstpointer data)
{
	g_autofree gchar *seg1 = g_build_filename(fx->dir, "1.nvre", NULL);
	g_autofree gchar *seg2 = g_build_filename(fx->dir, "2.nvre", NULL);
	g_autofree gchar *sha1 = kr_write_segment(fx, seg1, 1);
	g_autofree gchar *sha2 = kr_write_segment(fx, seg2, 2);
	g_autofree gchar *others_before = NULL;
	g_autofree gchar *others_after = NULL;
	g_autofree gchar *sha1_after = NULL;
	g_autofree gchar *sha2_after = NULL;
	g_autoptr(NvrKeyring) loaded = NULL;
	g_autoptr(GPtrArray) pairs = NULL;
	g_autoptr(GPtrArray) pairs2 = NULL;
	g_autoptr(GError) error = NULL;

	pairs = nvr_keyring_unlock(fx->keyring, "owner", KR_PASS, KR_PASS_LEN, &error);
	g_assert_no_error(error);
	g_assert_true(nvr_keyring_set_user(fx->keyring, "alice", g_ptr_array_index(pairs, 0),
					   (const guint8 *)"alice pw", 8, KR_OPS, KR_MEM, &error));
	/* a slot may hold an empty passphrase (nvre-v1.md §14); the keyring does not make one */
	g_assert_false(nvr_keyring_set_user(fx->keyring, "bob", g_ptr_array_index(pairs, 0),
					    (const guint8 *)"", 0, KR_OPS, KR_MEM, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_true(nvr_keyring_save(fx->keyring, &error));
	others_before = kr_lines_except(fx, "owner");

	g_assert_true(nvr_keyring_set_user(fx->keyring, "owner", g_ptr_array_index(pairs, 0),
					   (const guint8 *)"new pass", 8, 0, 0, &error));
	g_assert_no_error(error);
	g_assert_true(nvr_keyring_save(fx->keyring, &error));
	others_after = kr_lines_except(fx, "owner");
	g_assert_cmpstr(others_before, ==, others_after);
	{
		g_autoptr(GBytes) b1 = nvr_test_read_bytes(seg1);
		g_autoptr(GBytes) b2 = nvr_test_read_bytes(seg2);
		sha1_after = test_keys_sha256_hex(g_bytes_get_data(b1, NULL), g_bytes_get_size(b1));
		sha2_after = test_keys_sha256_hex(g_bytes_get_data(b2, NULL), g_bytes_get_size(b2));
	}
	g_assert_cmpstr(sha1, ==, sha1_after);
	g_assert_cmpstr(sha2, ==, sha2_after);

	loaded = nvr_keyring_load(fx->dir, &error);
	g_assert_no_error(error);
	g_assert_null(nvr_keyring_unlock(loaded, "owner", KR_PASS, KR_PASS_LEN, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_AUTH);
	g_clear_error(&error);
	pairs2 = nvr_keyring_unlock(loaded, "owner", (const guint8 *)"new pass", 8, &error);
	g_assert_no_error(error);
	kr_assert_opens(seg1, 1, pairs2, loaded);
	kr_assert_opens(seg2, 2, pairs2, loaded);
	g_clear_pointer(&pairs2, g_ptr_array_unref);
	pairs2 = nvr_keyring_unlock(loaded, "alice", (const guint8 *)"alice pw", 8, &error);
	g_assert_no_error(error);
	kr_assert_opens(seg1, 1, pairs2, loaded);
	/* removing users: never the last one */
	g_assert_true(nvr_keyring_remove_user(loaded, "alice", &error));
	g_assert_false(nvr_keyring_remove_user(loaded, "owner", &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
}

static void
test_keyring_recovery(KrFixture *fx, gconstpointer data)
{
	g_autofree gchar *seg = g_build_filename(fx->dir, "1.nvre", NULL);
	g_autofree gchar *messy = g_ascii_strdown(fx->recovery, -1);
	g_autoptr(GPtrArray) pairs = NULL;
	g_autoptr(GPtrArray) direct =
		g_ptr_array_new_with_free_func((GDestroyNotify)nvr_nvre_key_pair_unref);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *typo = g_strdup(fx->recovery);
	g_autofree gchar *other_dir = nvr_test_mkdtemp();
	g_autofree gchar *other_rec = NULL;
	g_autoptr(NvrKeyring) other = NULL;
	NvrNvreKeyPair *rpair;

	g_free(kr_write_segment(fx, seg, 1));
	/* lower case, dashes as spaces */
	g_strdelimit(messy, "-", ' ');
	pairs = nvr_keyring_unlock_recovery(fx->keyring, messy, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(pairs->len, ==, 1);
	kr_assert_opens(seg, 1, pairs, fx->keyring);
	/* the recovery key is also a recipient of every segment */
	rpair = nvr_keyring_parse_recovery_secret(fx->recovery, &error);
	g_assert_no_error(error);
	g_assert_cmpmem(nvr_nvre_key_pair_get_public(rpair), 32,
			nvr_keyring_get_recovery_public(fx->keyring), 32);
	g_ptr_array_add(direct, rpair);
	kr_assert_opens(seg, 1, direct, fx->keyring);
	/* a new slot from the recovered key */
	g_assert_true(nvr_keyring_set_user(fx->keyring, "owner", g_ptr_array_index(pairs, 0),
					   (const guint8 *)"fresh start", 11, KR_OPS, KR_MEM,
					   &error));
	g_assert_true(nvr_keyring_save(fx->keyring, &error));
	g_clear_pointer(&pairs, g_ptr_array_unref);
	pairs = nvr_keyring_unlock(fx->keyring, "owner", (const guint8 *)"fresh start", 11, &error);
	g_assert_no_error(error);

	/* one wrong digit is caught by the checksum; a stranger's secret does not fit */
	typo[5] = typo[5] == 'A' ? 'B' : 'A';
	g_assert_null(nvr_keyring_unlock_recovery(fx->keyring, typo, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_null(nvr_keyring_unlock_recovery(fx->keyring, "ABCD", &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	other = nvr_keyring_create(other_dir, "owner", KR_PASS, KR_PASS_LEN, KR_OPS, KR_MEM,
				   &other_rec, &error);
	g_assert_no_error(error);
	g_assert_null(nvr_keyring_unlock_recovery(fx->keyring, other_rec, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_AUTH);
	nvr_test_rm_rf(other_dir);
}

static void
test_keyring_rotation(KrFixture *fx, gconstpointer data)
{
	g_autofree gchar *old_seg = g_build_filename(fx->dir, "1.nvre", NULL);
	g_autofree gchar *new_seg = g_build_filename(fx->dir, "2.nvre", NULL);
	g_autoptr(GPtrArray) pairs = NULL;
	g_autoptr(NvrNvreKeyPair) next = NULL;
	g_autoptr(NvrKeyring) loaded = NULL;
	g_autoptr(GError) error = NULL;

	g_free(kr_write_segment(fx, old_seg, 1));
	pairs = nvr_keyring_unlock(fx->keyring, "owner", KR_PASS, KR_PASS_LEN, &error);
	g_assert_true(nvr_keyring_set_user(fx->keyring, "bob", g_ptr_array_index(pairs, 0),
					   (const guint8 *)"bob pw", 6, KR_OPS, KR_MEM, &error));
	next = nvr_keyring_rotate_household(fx->keyring, g_ptr_array_index(pairs, 0), &error);
	g_assert_no_error(error);
	g_assert_true(nvr_keyring_set_user(fx->keyring, "owner", next, KR_PASS, KR_PASS_LEN, KR_OPS,
					   KR_MEM, &error));
	g_assert_true(nvr_keyring_save(fx->keyring, &error));
	g_free(kr_write_segment(fx, new_seg, 2));

	loaded = nvr_keyring_load(fx->dir, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(nvr_keyring_get_n_generations(loaded), ==, 2);
	g_clear_pointer(&pairs, g_ptr_array_unref);
	/* the owner reaches both generations */
	pairs = nvr_keyring_unlock(loaded, "owner", KR_PASS, KR_PASS_LEN, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(pairs->len, ==, 2);
	kr_assert_opens(old_seg, 1, pairs, loaded);
	kr_assert_opens(new_seg, 2, pairs, loaded);
	/* bob still sits on the old generation: forward-only revocation */
	g_clear_pointer(&pairs, g_ptr_array_unref);
	pairs = nvr_keyring_unlock(loaded, "bob", (const guint8 *)"bob pw", 6, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(pairs->len, ==, 1);
	kr_assert_opens(old_seg, 1, pairs, loaded);
	/* recovery reaches every generation */
	g_clear_pointer(&pairs, g_ptr_array_unref);
	pairs = nvr_keyring_unlock_recovery(loaded, fx->recovery, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(pairs->len, ==, 2);
	kr_assert_opens(new_seg, 2, pairs, loaded);
}

static void
test_keyring_seal_key(KrFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrKeyring) loaded = NULL;
	g_autofree gchar *sealed =
		nvr_keys_seal_text(nvr_keyring_get_seal_key(fx->keyring), "cam-pw", &error);
	g_autofree gchar *opened = NULL;

	g_assert_no_error(error);
	loaded = nvr_keyring_load(fx->dir, &error);
	opened = nvr_keys_unseal_text(nvr_keyring_get_seal_key(loaded), sealed, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(opened, ==, "cam-pw");
}

/* @body without its checksum line -> a complete file with a valid checksum */
static GBytes *
kr_with_checksum(const gchar *body)
{
	guint8 sum[32];
	g_autofree gchar *hex = NULL;

	g_assert_true(nvr_keys_blake2b(NULL, (const guint8 *)body, strlen(body), sum));
	hex = test_keys_hex(sum, 32);
	return g_bytes_new_take(g_strdup_printf("%schecksum %s\n", body, hex),
				strlen(body) + 9 + 64 + 1);
}

static gchar *
kr_body(KrFixture *fx)
{
	g_autofree gchar *path = kr_path(fx);
	g_autoptr(GBytes) b = nvr_test_read_bytes(path);
	gchar *text = g_strndup(g_bytes_get_data(b, NULL), g_bytes_get_size(b));

	*strstr(text, "checksum ") = '\0';
	return text;
}

static void
kr_assert_rejected(GBytes *file, gint code, const gchar *message_part)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrKeyring) k =
		nvr_keyring_parse(g_bytes_get_data(file, NULL), g_bytes_get_size(file), &error);

	g_assert_null(k);
	g_assert_error(error, NVR_ERROR, code);
	if (strstr(error->message, message_part) == NULL)
		g_test_fail_printf("'%s' does not mention '%s'", error->message, message_part);
}

/* replaces the first occurrence of @from in @body */
static gchar *
kr_replace(const gchar *body, const gchar *from, const gchar *to)
{
	const gchar *at = strstr(body, from);

	g_assert_nonnull(at);
	return g_strdup_printf("%.*s%s%s", (gint)(at - body), body, to, at + strlen(from));
}

static void
test_keyring_corrupt(KrFixture *fx, gconstpointer data)
{
	g_autofree gchar *path = kr_path(fx);
	g_autoptr(GBytes) good = nvr_test_read_bytes(path);
	g_autofree gchar *body = kr_body(fx);
	gsize len = g_bytes_get_size(good);
	g_autofree guint8 *bad = g_memdup2(g_bytes_get_data(good, NULL), len);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrKeyring) k = NULL;
	const gchar *user_line = strstr(body, "\nuser owner ") + 1;
	const gchar *key_id = user_line + strlen("user owner ");
	const gchar *slot = key_id + 17;

	/* damage anywhere fails the checksum, loading from disk names the file */
	bad[len / 2] ^= 0x01;
	test_keys_write_file(path, bad, len);
	k = nvr_keyring_load(fx->dir, &error);
	g_assert_null(k);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_CORRUPT);
	g_assert_nonnull(strstr(error->message, "checksum mismatch"));
	g_assert_nonnull(strstr(error->message, path));
	g_clear_error(&error);

	{
		g_autoptr(GBytes) trunc = g_bytes_new(g_bytes_get_data(good, NULL), len - 10);
		g_autoptr(GBytes) empty = g_bytes_new("", 0);
		g_autoptr(GBytes) binary = g_bytes_new("nvr-keyring 1\n\x01\n", 16);
		g_autofree gchar *v2 = kr_replace(body, "nvr-keyring 1\n", "nvr-keyring 2\n");
		g_autoptr(GBytes) newer = kr_with_checksum(v2);
		g_autofree gchar *no_seal_body = g_strdup(body);
		g_autoptr(GBytes) no_seal = NULL;
		g_autofree gchar *dup = g_strdup_printf(
			"%s%.*s", body, (gint)(strchr(user_line, '\n') - user_line + 1), user_line);
		g_autoptr(GBytes) dup_user = kr_with_checksum(dup);
		g_autofree gchar *unknown_id = g_strdup(body);
		g_autoptr(GBytes) unknown = NULL;
		g_autofree gchar *bomb_body = NULL;
		g_autoptr(GBytes) bomb = NULL;
		g_autofree gchar *junk_body = g_strdup_printf("%sfrobnicate 1\n", body);
		g_autoptr(GBytes) junk = kr_with_checksum(junk_body);
		g_autofree gchar *bad_name_body = kr_replace(body, "user owner ", "user own/er ");
		g_autoptr(GBytes) bad_name = kr_with_checksum(bad_name_body);
		gchar *p;

		kr_assert_rejected(trunc, NVR_ERROR_CORRUPT, "");
		kr_assert_rejected(empty, NVR_ERROR_CORRUPT, "empty");
		kr_assert_rejected(binary, NVR_ERROR_CORRUPT, "non-text");
		kr_assert_rejected(newer, NVR_ERROR_VERSION, "newer nvr");
		/* a missing record */
		p = strstr(no_seal_body, "seal ");
		memmove(p, strchr(p, '\n') + 1, strlen(strchr(p, '\n') + 1) + 1);
		no_seal = kr_with_checksum(no_seal_body);
		kr_assert_rejected(no_seal, NVR_ERROR_CORRUPT, "incomplete");
		kr_assert_rejected(dup_user, NVR_ERROR_CORRUPT, "listed twice");
		/* a user bound to a household key the keyring does not have */
		p = strstr(unknown_id, "user owner ") + (key_id - user_line);
		memcpy(p, "0000000000000000", 16);
		unknown = kr_with_checksum(unknown_id);
		kr_assert_rejected(unknown, NVR_ERROR_CORRUPT, "unknown household key");
		/* a slot whose memlimit is 2^62: refused when parsed, long before Argon2id */
		bomb_body = g_strdup(body);
		p = strstr(bomb_body, "user owner ") + (slot - user_line) + 2 * 24;
		memcpy(p, "4000000000000000", 16);
		bomb = kr_with_checksum(bomb_body);
		kr_assert_rejected(bomb, NVR_ERROR_CORRUPT, "memlimit");
		kr_assert_rejected(junk, NVR_ERROR_CORRUPT, "unknown record");
		kr_assert_rejected(bad_name, NVR_ERROR_CORRUPT, "bad user name");
	}
	/* and the good bytes, written back, load again */
	test_keys_write_file(path, g_bytes_get_data(good, NULL), len);
	k = nvr_keyring_load(fx->dir, &error);
	g_assert_no_error(error);
}

static void
test_keyring_missing(void)
{
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrKeyring) k = nvr_keyring_load(dir, &error);

	g_assert_null(k);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND);
	nvr_test_rm_rf(dir);
}

static void
test_keyring_serialize_round_trip(KrFixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) a = nvr_keyring_serialize(fx->keyring, &error);
	g_autoptr(NvrKeyring) k = NULL;
	g_autoptr(GBytes) b = NULL;

	g_assert_no_error(error);
	k = nvr_keyring_parse(g_bytes_get_data(a, NULL), g_bytes_get_size(a), &error);
	g_assert_no_error(error);
	b = nvr_keyring_serialize(k, &error);
	g_assert_true(g_bytes_equal(a, b));
	/* a keyring parsed from memory has no file to save to */
	g_assert_false(nvr_keyring_save(k, &error));
	g_assert_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT);
}

static void
test_keyring_calibrate(void)
{
	guint64 ops = 0, mem = 0;

	nvr_keyring_calibrate_kdf(30, &ops, &mem);
	g_assert_cmpuint(ops, >=, NVR_NVRE_SLOT_OPSLIMIT_MIN);
	g_assert_cmpuint(ops, <=, NVR_NVRE_SLOT_OPSLIMIT_MAX);
	g_assert_cmpuint(mem, >=, NVR_NVRE_SLOT_MEMLIMIT_MIN);
	g_assert_cmpuint(mem, <=, NVR_NVRE_SLOT_MEMLIMIT_MAX);
}

static void
test_keyring_core_dumps(void)
{
	if (g_test_subprocess()) {
		struct rlimit rl;
		g_assert_true(nvr_keys_disable_core_dumps(NULL));
		g_assert_cmpint(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 0);
		g_assert_cmpint(getrlimit(RLIMIT_CORE, &rl), ==, 0);
		g_assert_cmpuint(rl.rlim_cur, ==, 0);
		return;
	}
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_passed();
}

void
test_keys_keyring_register(void)
{
	g_test_add("/nvr/keys/keyring/create-load", KrFixture, NULL, kr_setup,
		   test_keyring_create_load, kr_teardown);
	g_test_add("/nvr/keys/keyring/wrong-passphrase", KrFixture, NULL, kr_setup,
		   test_keyring_wrong_passphrase, kr_teardown);
	g_test_add("/nvr/keys/keyring/passwd", KrFixture, NULL, kr_setup, test_keyring_passwd,
		   kr_teardown);
	g_test_add("/nvr/keys/keyring/recovery", KrFixture, NULL, kr_setup, test_keyring_recovery,
		   kr_teardown);
	g_test_add("/nvr/keys/keyring/rotation", KrFixture, NULL, kr_setup, test_keyring_rotation,
		   kr_teardown);
	g_test_add("/nvr/keys/keyring/seal-key", KrFixture, NULL, kr_setup, test_keyring_seal_key,
		   kr_teardown);
	g_test_add("/nvr/keys/keyring/corrupt", KrFixture, NULL, kr_setup, test_keyring_corrupt,
		   kr_teardown);
	g_test_add("/nvr/keys/keyring/serialize", KrFixture, NULL, kr_setup,
		   test_keyring_serialize_round_trip, kr_teardown);
	g_test_add_func("/nvr/keys/keyring/missing", test_keyring_missing);
	g_test_add_func("/nvr/keys/keyring/calibrate", test_keyring_calibrate);
	g_test_add_func("/nvr/keys/keyring/core-dumps", test_keyring_core_dumps);
}
