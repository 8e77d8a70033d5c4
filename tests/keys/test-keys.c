/*
 * test-keys: the keys module with real libsodium: NVRE v1 conformance
 * vectors, round trips (write, crash, recover, re-wrap, chain), exhaustive
 * bit flips and a mutation fuzz, key slots, the keyring and the key
 * commands of nvrctl.
 */
#include "config.h"

#include <string.h>

#include "keys/nvr-keys.h"
#include "nvr-test-common.h"
#include "test-keys.h"

GBytes *
test_keys_unhex(const gchar *hex)
{
	gsize len = strlen(hex);
	guint8 *out;

	g_assert_cmpuint(len % 2, ==, 0);
	out = g_malloc(len / 2 + 1);
	test_keys_unhex_into(hex, out, len / 2);
	return g_bytes_new_take(out, len / 2);
}

void
test_keys_unhex_into(const gchar *hex, guint8 *out, gsize len)
{
	g_assert_cmpuint(strlen(hex), ==, 2 * len);
	for (gsize i = 0; i < len; i++) {
		gint hi = g_ascii_xdigit_value(hex[2 * i]);
		gint lo = g_ascii_xdigit_value(hex[2 * i + 1]);
		g_assert_true(hi >= 0 && lo >= 0);
		out[i] = (guint8)(hi << 4 | lo);
	}
}

gchar *
test_keys_hex(const guint8 *data, gsize len)
{
	GString *s = g_string_sized_new(2 * len + 1);

	for (gsize i = 0; i < len; i++)
		g_string_append_printf(s, "%02x", data[i]);
	return g_string_free(s, FALSE);
}

gchar *
test_keys_sha256_hex(const guint8 *data, gsize len)
{
	guint8 digest[NVR_KEYS_SHA256_SIZE];

	g_assert_true(nvr_keys_sha256(data, len, digest));
	return test_keys_hex(digest, sizeof(digest));
}

const gchar *
test_keys_vectors_dir(void)
{
	static gchar *dir = NULL;

	if (dir == NULL)
		dir = g_test_build_filename(G_TEST_DIST, "data", "nvre-v1", NULL);
	return dir;
}

void
test_keys_write_file(const gchar *path, const guint8 *data, gsize len)
{
	g_autoptr(GError) error = NULL;

	/* 0600 like the keyring: a wider mode draws a (fatal in tests) warning */
	g_file_set_contents_full(path, (const gchar *)data, (gssize)len,
				 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
	g_assert_no_error(error);
}

const gchar *
test_keys_outcome(const GError *error)
{
	if (error == NULL)
		return "ok";
	if (error->domain != NVR_NVRE_ERROR)
		return "foreign-domain";
	return nvr_nvre_error_class_name(error->code);
}

static void
test_keys_error_classes(void)
{
	const gchar *names[] = {NULL,	   "io",    "short",   "magic", "version", "param",
				"context", "nokey", "hdr_mac", "sig",	"torn",	   "unfinalized",
				"final",   "chunk", "range",   "link"};

	/* the numbers of spec §15 are the codes */
	for (gint i = 1; i <= 15; i++)
		g_assert_cmpstr(nvr_nvre_error_class_name(i), ==, names[i]);
	g_assert_cmpint(NVR_NVRE_ERROR_IO, ==, 1);
	g_assert_cmpint(NVR_NVRE_ERROR_HDR_MAC, ==, 8);
	g_assert_cmpint(NVR_NVRE_ERROR_LINK, ==, 15);
	g_assert_cmpint(NVR_NVRE_ERROR_INVALID_ARGUMENT, >, 15);
	g_assert_cmpint(NVR_NVRE_ERROR_KDF, >, 15);
	g_assert_cmpstr(nvr_nvre_error_class_name(0), ==, "unknown");
	g_assert_cmpstr(nvr_nvre_error_class_name(99), ==, "unknown");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_assert_true(nvr_keys_init(NULL));
	nvr_test_watchdog_start(NVR_TEST_WATCHDOG_S);
	g_test_add_func("/nvr/keys/error-classes", test_keys_error_classes);
	test_keys_vectors_register();
	test_keys_nvre_register();
	test_keys_mutation_register();
	test_keys_rules_register();
	test_keys_keyring_register();
	test_keys_ctl_register();
	return g_test_run();
}
