/*
 * nvr-fuzz-main.c: runs a libFuzzer entry point over files and directories
 * given on the command line, so every fuzz target's seed corpus also runs
 * as an ordinary test in builds without libFuzzer (-Dfuzzing=false).
 */
#include "config.h"

#include <glib.h>
#include <stdint.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static guint
nvr_fuzz_run_path(const gchar *path)
{
	g_autoptr(GDir) dir = NULL;
	g_autofree gchar *data = NULL;
	gsize len = 0;
	const gchar *name;
	guint n = 0;

	if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
		if (!g_file_get_contents(path, &data, &len, NULL)) {
			g_printerr("cannot read %s\n", path);
			exit(2);
		}
		LLVMFuzzerTestOneInput((const uint8_t *)data, len);
		return 1;
	}
	dir = g_dir_open(path, 0, NULL);
	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);
		n += nvr_fuzz_run_path(child);
	}
	return n;
}

int
main(int argc, char **argv)
{
	guint n = 0;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-') /* libFuzzer flags are meaningless here */
			continue;
		n += nvr_fuzz_run_path(argv[i]);
	}
	/* the empty input and a few degenerate ones, always */
	LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
	LLVMFuzzerTestOneInput((const uint8_t *)"\0", 1);
	LLVMFuzzerTestOneInput((const uint8_t *)"\xff\xff\xff\xff", 4);
	g_print("ran %u corpus inputs\n", n);
	if (n == 0) {
		g_printerr("no corpus inputs: a fuzz test that runs nothing cannot fail\n");
		return 1;
	}
	return 0;
}
