/*
 * Power cuts, end to end (DESIGN.md §1.2, §5): nvrd records four
 * nvr-fakecam cameras with nvr-powercut-shim preloaded, which keeps a copy
 * of only what nvrd made durable (its rules are in nvr-powercut-shim.c:
 * bytes at fsync/fdatasync of the file, names at fsync of their
 * directory). At a random moment nvrd is killed and its state and footage
 * dirs are replaced by that copy, as a power cut would leave them; every
 * other cut is "torn": each file also keeps a random prefix of the writes
 * it had not synced, as a disk may persist some of them. nvrd is then
 * started on it, and:
 *   - it starts, and startup recovery reports what the cut interrupted;
 *   - no index row points at bytes the footage does not hold: every
 *     segment's file exists with the length its row gives;
 *   - recovery left nothing 'recording', each camera lost at most the
 *     sync window plus one GOP (measured as test-crash does,
 *     nvr-test-loss.c);
 *   - nvrctl verify --deep is clean: every finalized segment decrypts
 *     whole, every chain links.
 * The shim checks itself too: every file whose writes all reached a
 * barrier must equal its durable copy, or the shim missed a write.
 *
 * nvrd runs under the shim only up to a cut: the recovery before the
 * checks and the checks run without it, and it is stopped before the next
 * start under the shim, because what another process (nvrctl) writes
 * meanwhile would be invisible to nvrd's shim. What the shim sees at
 * load is taken as durable.
 *
 * The second cut, and every third after it, comes again as soon as nvrd,
 * started under the shim, has recovered and listens: what recovery did
 * (trim, fsync, rows) must be durable by then.
 *
 * Retention deletes segments (tombstone, unlink, directory fsync, row) while
 * nvrd records under the shim once a camera holds more than its 3 MB
 * budget: from the third or fourth cut, when the cuts come late enough.
 *
 * Two layouts: the footage dir inside the state dir (7 cuts), and on a
 * disk of its own that nvrd creates (2 cuts). A third case cuts right
 * after nvrctl init. A fourth has the shim cut the power itself right
 * before or after the Nth call on the index's files or of the segment
 * writer (6 cuts; every second one again inside the startup recovery that
 * follows), which a clock never times inside an SQLite commit or
 * checkpoint. The cut points come from g_test_rand_*(): rerun a failure
 * with the seed the TAP output printed (--seed R02S...). The ASan build
 * runs 2 + 1 cuts (and init) and 2 at a call.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nvr-test-loss.h"

#define PC_CAMERAS 4
/* Longer than a GOP (2 s): a fragment then waits up to 0.5 s for its sync,
 * so that a cut finds unsynced writes to drop or tear (with a window under
 * a GOP the writer syncs each fragment as it writes it). */
#define PC_SYNC_WINDOW_MS 2500
/* long enough that a segment lost whole costs more than the bound */
#define PC_SEGMENT_S 8
/* retention deletes (tombstone, unlink, directory fsync, row) while nvrd records under the
 * shim, from the third cut or so: 3 MB is about 20 s of a camera, the cut run's newest 9 s stay */
#define PC_CONFIG                                                                                  \
	"segment-seconds = " G_STRINGIFY(PC_SEGMENT_S) "\nsync-window-ms = " G_STRINGIFY(          \
		PC_SYNC_WINDOW_MS) "\ncamera-budget-mb = 3\nretention-interval-s = 1\n"
/* as in test-crash.c: a fragment is in the file, and synced, a sync window after it was complete */
#define PC_DELIVERY_US (500 * 1000)
#define PC_LOSS_BOUND_US (PC_SYNC_WINDOW_MS * 1000 + NVR_TEST_LOSS_GOP_US + PC_DELIVERY_US)

static const gchar *const pc_fakecam_args[] = {
	"--persona", "generic",		 "--clip-seconds", "4",		"--resolution",
	"640x360",   "--sub-resolution", "320x180",	   "--bitrate", "1000",
	NULL};

/* ---- the durable state from the shim's shadow ---- */

typedef struct {
	gint64 off;
	gint64 len; /* -1: a truncation to @off */
} PcWrite;

typedef struct {
	gchar *shadow;
	GHashTable *pending; /* key -> GArray of PcWrite not yet synced, in order */
	GHashTable *newest;  /* "dev-ino" -> the key of its newest generation */
	GHashTable *killed;  /* "dev-ino" -> path in the killed tree */
	GHashTable *named;   /* keys the durable tree names */
	gboolean torn;
	guint64 unsynced_bytes; /* written, not synced */
	guint64 unsynced_nvre;	/* of which segment bytes */
	guint64 torn_bytes;	/* not synced, kept anyway */
	guint files;
	guint lost_names; /* segment files nvrd left that the durable tree does not name */
	guint unlinks;	  /* segment files retention deleted under the shim */
} PcRebuild;

static void
pc_rebuild_clear(PcRebuild *rb)
{
	g_clear_pointer(&rb->pending, g_hash_table_unref);
	g_clear_pointer(&rb->newest, g_hash_table_unref);
	g_clear_pointer(&rb->killed, g_hash_table_unref);
	g_clear_pointer(&rb->named, g_hash_table_unref);
}

/* "dev-ino-gen" without its generation */
static gchar *
pc_inode_of(const gchar *key)
{
	const gchar *dash = strrchr(key, '-');

	g_assert_nonnull(dash);
	return g_strndup(key, dash - key);
}

static void
pc_note_key(PcRebuild *rb, const gchar *key)
{
	g_autofree gchar *inode = pc_inode_of(key);
	const gchar *known = g_hash_table_lookup(rb->newest, inode);
	guint64 gen = g_ascii_strtoull(strrchr(key, '-') + 1, NULL, 10);

	if (known == NULL || g_ascii_strtoull(strrchr(known, '-') + 1, NULL, 10) < gen)
		g_hash_table_insert(rb->newest, g_steal_pointer(&inode), g_strdup(key));
}

static GArray *
pc_pending(PcRebuild *rb, const gchar *key)
{
	GArray *w = g_hash_table_lookup(rb->pending, key);

	if (w == NULL) {
		w = g_array_new(FALSE, FALSE, sizeof(PcWrite));
		g_hash_table_insert(rb->pending, g_strdup(key), w);
	}
	return w;
}

/* the shim's log: which writes each file had not synced at the cut */
static void
pc_read_log(PcRebuild *rb)
{
	g_autofree gchar *path = g_build_filename(rb->shadow, "log", NULL);
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GError) error = NULL;

	g_file_get_contents(path, &text, NULL, &error);
	g_assert_no_error(error);
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], " ", 5);
		PcWrite w = {0};

		if (g_strv_length(f) >= 3 && g_str_equal(f[0], "N") &&
		    g_str_equal(f[1], "unlink") && g_str_has_suffix(f[2], ".nvre"))
			rb->unlinks++;
		if (g_strv_length(f) < 2 || g_str_equal(f[0], "N") || g_str_equal(f[0], "L"))
			continue;
		if (g_str_equal(f[0], "Y")) {
			g_hash_table_remove_all(rb->pending);
			continue;
		}
		pc_note_key(rb, f[1]);
		if (g_str_equal(f[0], "S")) {
			g_hash_table_remove(rb->pending, f[1]);
		} else if (g_str_equal(f[0], "W")) {
			w.off = g_ascii_strtoll(f[2], NULL, 10);
			w.len = g_ascii_strtoll(f[3], NULL, 10);
			g_array_append_val(pc_pending(rb, f[1]), w);
		} else if (g_str_equal(f[0], "T")) {
			w.off = g_ascii_strtoll(f[2], NULL, 10);
			w.len = -1;
			g_array_append_val(pc_pending(rb, f[1]), w);
		}
	}
}

/* every file of the tree nvrd left at the kill, by inode */
static void
pc_scan_killed(PcRebuild *rb, const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;

	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *path = g_build_filename(dir, name, NULL);
		GStatBuf st;

		g_assert_cmpint(g_lstat(path, &st), ==, 0);
		if (S_ISDIR(st.st_mode))
			pc_scan_killed(rb, path);
		else if (S_ISREG(st.st_mode) && !g_str_has_suffix(name, "-shm"))
			g_hash_table_insert(
				rb->killed,
				g_strdup_printf("%lu-%lu", (gulong)st.st_dev, (gulong)st.st_ino),
				g_steal_pointer(&path));
	}
}

/* Returns: the killed tree's file for @key, if it is still that generation of its inode */
static const gchar *
pc_killed_path(PcRebuild *rb, const gchar *key)
{
	g_autofree gchar *inode = pc_inode_of(key);
	const gchar *newest = g_hash_table_lookup(rb->newest, inode);

	if (newest != NULL && !g_str_equal(newest, key))
		return NULL;
	return g_hash_table_lookup(rb->killed, inode);
}

/* the unsynced writes of @key: a random prefix of them kept when torn, the rest dropped */
static void
pc_tear(PcRebuild *rb, const gchar *key, gint fd)
{
	GArray *w = g_hash_table_lookup(rb->pending, key);
	const gchar *src = pc_killed_path(rb, key);
	g_autoptr(GBytes) real = NULL;
	guint keep = 0;

	if (w == NULL)
		return;
	if (rb->torn && src != NULL) {
		keep = (guint)g_test_rand_int_range(0, (gint32)w->len + 1);
		real = nvr_test_read_bytes(src);
	}
	for (guint i = 0; i < w->len; i++) {
		const PcWrite *p = &g_array_index(w, PcWrite, i);
		gsize size = real != NULL ? g_bytes_get_size(real) : 0;

		if (i >= keep)
			break;
		if (p->len < 0) {
			g_assert_cmpint(ftruncate(fd, p->off), ==, 0);
		} else if ((gsize)p->off < size) {
			/* the bytes the file holds now: a later write may have changed them */
			gsize n = MIN((gsize)p->len, size - (gsize)p->off);
			const guint8 *data = g_bytes_get_data(real, NULL);
			g_assert_cmpint(pwrite(fd, data + p->off, n, p->off), ==, (gssize)n);
			rb->torn_bytes += n;
		}
	}
}

/* file @key of the durable tree at @out: its durable bytes, mode and mtime */
static void
pc_build_file(PcRebuild *rb, const gchar *key, guint mode, const gchar *out)
{
	g_autofree gchar *data = g_build_filename(rb->shadow, "data", key, NULL);
	g_autoptr(GBytes) bytes = NULL;
	GStatBuf st;
	gint fd;

	rb->files++;
	g_hash_table_add(rb->named, g_strdup(key));
	fd = g_open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	g_assert_cmpint(fd, >=, 0);
	/* a name made durable before any of its bytes: an empty file */
	if (g_stat(data, &st) == 0) {
		bytes = nvr_test_read_bytes(data);
		g_assert_cmpint(write(fd, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes)),
				==, (gssize)g_bytes_get_size(bytes));
	}
	pc_tear(rb, key, fd);
	if (bytes != NULL) {
		struct timespec times[2] = {st.st_atim, st.st_mtim};
		g_assert_cmpint(futimens(fd, times), ==, 0);
	}
	g_assert_cmpint(close(fd), ==, 0);
}

/* directory @key of the durable tree at @out, as its last durable listing had it */
static void
pc_build_dir(PcRebuild *rb, const gchar *key, const gchar *out)
{
	g_autofree gchar *listing = g_build_filename(rb->shadow, "dirs", key, NULL);
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;

	g_assert_cmpint(g_mkdir(out, 0700), ==, 0);
	/* a directory made durable before any of its entries is empty */
	if (!g_file_get_contents(listing, &text, NULL, NULL))
		return;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], " ", 4);
		g_autofree gchar *path = NULL;
		guint mode;

		g_assert_cmpuint(g_strv_length(f), ==, 4);
		/* SQLite rebuilds its wal-index: a power cut leaves it whatever it likes */
		if (g_str_has_suffix(f[3], "-shm"))
			continue;
		path = g_build_filename(out, f[3], NULL);
		mode = (guint)g_ascii_strtoull(f[2], NULL, 8);
		if (g_str_equal(f[1], "d")) {
			pc_build_dir(rb, f[0], path);
			g_assert_cmpint(g_chmod(path, mode), ==, 0);
		} else {
			pc_build_file(rb, f[0], mode, path);
		}
	}
}

/* Returns: (transfer full): the key of the newest generation of "dev-ino" @inode */
static gchar *
pc_newest_key(PcRebuild *rb, const gchar *inode)
{
	const gchar *key = g_hash_table_lookup(rb->newest, inode);

	/* never in the log: the file was there when the shim loaded */
	return key != NULL ? g_strdup(key) : g_strconcat(inode, "-0", NULL);
}

/* the shim's own check: a file with no unsynced write equals its durable copy */
static void
pc_self_check(PcRebuild *rb)
{
	GHashTableIter it;
	gpointer inode, path;

	g_hash_table_iter_init(&it, rb->killed);
	while (g_hash_table_iter_next(&it, &inode, &path)) {
		g_autofree gchar *key = pc_newest_key(rb, inode);
		g_autofree gchar *data = NULL;
		g_autoptr(GBytes) real = nvr_test_read_bytes(path);
		GArray *w = g_hash_table_lookup(rb->pending, key);

		if (w != NULL && w->len > 0)
			continue;
		data = g_build_filename(rb->shadow, "data", key, NULL);
		if (!g_file_test(data, G_FILE_TEST_EXISTS)) {
			/* nothing written that the shim saw: nothing in it */
			if (g_bytes_get_size(real) != 0)
				g_test_message("shim missed the writes to %s", (const gchar *)path);
			g_assert_cmpuint(g_bytes_get_size(real), ==, 0);
		} else {
			g_autoptr(GBytes) durable = nvr_test_read_bytes(data);
			if (!g_bytes_equal(durable, real))
				g_test_message("shim: %s differs from its durable copy",
					       (const gchar *)path);
			g_assert_true(g_bytes_equal(durable, real));
		}
	}
}

/* what the cut dropped: unsynced writes, and segment files whose name was not durable */
static void
pc_count_losses(PcRebuild *rb)
{
	GHashTableIter it;
	gpointer key, value;

	g_hash_table_iter_init(&it, rb->pending);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		GArray *w = value;
		const gchar *src = pc_killed_path(rb, key);

		for (guint i = 0; i < w->len; i++) {
			gint64 len = MAX(g_array_index(w, PcWrite, i).len, 0);

			rb->unsynced_bytes += len;
			if (src != NULL && g_str_has_suffix(src, ".nvre"))
				rb->unsynced_nvre += len;
		}
	}
	g_hash_table_iter_init(&it, rb->killed);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		g_autofree gchar *newest = pc_newest_key(rb, key);

		if (g_str_has_suffix(value, ".nvre") && !g_hash_table_contains(rb->named, newest)) {
			g_test_message("lost with its name: %s", (const gchar *)value);
			rb->lost_names++;
		}
	}
}

/* each root becomes what a power cut now would leave of it; the trees nvrd left go
 * to @killed/0, @killed/1, ... */
static void
pc_rebuild(PcRebuild *rb, const gchar *killed)
{
	g_autofree gchar *roots_path = g_build_filename(rb->shadow, "roots", NULL);
	g_autofree gchar *text = NULL;
	g_auto(GStrv) roots = NULL;
	g_autoptr(GError) error = NULL;

	rb->pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					    (GDestroyNotify)g_array_unref);
	rb->newest = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	rb->killed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	rb->named = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_file_get_contents(roots_path, &text, NULL, &error);
	g_assert_no_error(error);
	roots = g_strsplit(g_strchomp(text), "\n", -1);
	pc_read_log(rb);
	g_assert_cmpint(g_mkdir(killed, 0700), ==, 0);
	for (guint i = 0; roots[i] != NULL; i++) {
		g_auto(GStrv) root = g_strsplit(roots[i], " ", 2);
		g_autofree gchar *name = g_strdup_printf("%u", i);
		g_autofree gchar *aside = g_build_filename(killed, name, NULL);

		g_assert_cmpuint(g_strv_length(root), ==, 2);
		g_assert_cmpint(g_rename(root[1], aside), ==, 0);
		pc_scan_killed(rb, aside);
	}
	pc_self_check(rb);
	for (guint i = 0; roots[i] != NULL; i++) {
		g_auto(GStrv) root = g_strsplit(roots[i], " ", 2);

		pc_build_dir(rb, root[0], root[1]);
	}
	pc_count_losses(rb);
}

/* ---- the test ---- */

/* Returns: (transfer full): the environment that loads the shim, keeping the durable state
 * of @roots (colon-separated) in @shadow, which it creates */
static GStrv
pc_shim_env(const gchar *roots, const gchar *shadow)
{
	const gchar *shim =
		nvr_test_build_path("NVR_POWERCUT_SHIM", "tests/daemon/libnvr-powercut-shim.so");
	GStrv env = g_new0(gchar *, 4);

	env[0] = g_strconcat("LD_PRELOAD=", shim, NULL);
	env[1] = g_strconcat("NVR_POWERCUT_ROOTS=", roots, NULL);
	env[2] = g_strconcat("NVR_POWERCUT_SHADOW=", shadow, NULL);
	g_assert_cmpint(g_mkdir(shadow, 0700), ==, 0);
	return env;
}

/* nvrd under the shim (pc_shim_env()) */
static void
pc_start_shimmed(NvrTestNvrd *fx, const gchar *roots, const gchar *shadow)
{
	g_auto(GStrv) env = pc_shim_env(roots, shadow);

	nvr_test_nvrd_start_with_env(fx, (const gchar *const *)env);
}

/* nvrd on what the cut left, without the shim; Returns: its line about startup recovery
 * (none when no segment had begun: then recovery only ended the runs, which
 * nvr_test_loss_measure() checks) */
static const gchar *
pc_recover(NvrTestNvrd *fx)
{
	GPtrArray *lines;

	nvr_test_nvrd_start(fx);
	lines = nvr_test_proc_get_lines(fx->nvrd);
	for (guint i = 0; i < lines->len; i++) {
		const gchar *line = g_ptr_array_index(lines, i);
		if (strstr(line, "recovered after a crash") != NULL)
			return line;
	}
	return "no segment to recover";
}

/* no row from before the cut points at bytes the footage does not hold */
static void
pc_assert_rows_have_bytes(NvrTestNvrd *fx, gint64 cut_us)
{
	for (guint c = 1; c <= fx->n_cameras; c++) {
		g_autofree gchar *camera = g_strdup_printf("c%u", c);
		g_autoptr(GArray) segs = nvr_test_nvrd_segments(fx, camera);

		for (guint i = 0; i < segs->len; i++) {
			const NvrTestSegment *s = &g_array_index(segs, NvrTestSegment, i);
			g_autofree gchar *path = nvr_test_loss_segment_path(fx, s->id);
			GStatBuf st;

			if (s->start_us >= cut_us)
				continue;
			g_assert_cmpstr(s->status, !=, "recording");
			if (path == NULL)
				g_test_message("%s: segment %" G_GINT64_FORMAT " (%s) has no file",
					       camera, s->id, s->status);
			g_assert_nonnull(path);
			g_assert_cmpint(g_stat(path, &st), ==, 0);
			g_assert_cmpint(st.st_size, ==, s->file_len);
		}
	}
}

typedef struct {
	NvrTestLossStats loss;
	guint cuts;
	guint64 unsynced;
	guint64 torn;
	guint lost_names;
	guint unlinks;
	guint not_reached; /* cuts at an operation that never came */
} PcStats;

/* what the cut left (pc_rebuild()), into the messages and @stats */
static void
pc_rebuilt(PcRebuild *rb, guint cut, const gchar *again, PcStats *stats)
{
	g_test_message("cut %u%s%s: %u files durable, %u segment files lost with their name; "
		       "%" G_GUINT64_FORMAT " bytes written since their file's last sync (%"
		       G_GUINT64_FORMAT " of footage), %" G_GUINT64_FORMAT
		       " of them kept (torn); %u segments deleted",
		       cut, again, rb->torn ? " (torn)" : "", rb->files, rb->lost_names,
		       rb->unsynced_bytes, rb->unsynced_nvre, rb->torn_bytes, rb->unlinks);
	stats->unsynced += rb->unsynced_bytes;
	stats->torn += rb->torn_bytes;
	stats->lost_names += rb->lost_names;
	stats->unlinks += rb->unlinks;
	pc_rebuild_clear(rb);
}

/* nvrd recovers from cut @cut (at @cut_us): no row points at bytes the footage lacks, each
 * camera lost at most the bound (when @measure: every camera was recording at the cut),
 * verify --deep is clean, and nvrd stops cleanly */
static void
pc_check(NvrTestNvrd *fx, guint cut, gint64 cut_us, gboolean measure, PcStats *stats)
{
	g_test_message("cut %u: %s", cut, pc_recover(fx));
	pc_assert_rows_have_bytes(fx, cut_us);
	if (measure)
		nvr_test_loss_measure(fx, cut, cut_us, PC_LOSS_BOUND_US, &stats->loss);
	nvr_test_nvrd_assert_verify_deep(fx);
	g_assert_cmpint(nvr_test_nvrd_stop(fx, SIGTERM), ==, 0);
}

/* startup recovery is durable when nvrd listens: a second cut then keeps what it did */
static void
pc_cut_after_recovery(NvrTestNvrd *fx, const gchar *roots, guint cut)
{
	g_autofree gchar *shadow = g_strdup_printf("%s/shadow-%u-again", fx->dir, cut);
	g_autofree gchar *killed = g_strdup_printf("%s/killed-%u-again", fx->dir, cut);
	PcRebuild rb = {.shadow = shadow};
	const gchar *recovered = NULL;
	GPtrArray *lines;

	pc_start_shimmed(fx, roots, shadow);
	lines = nvr_test_proc_get_lines(fx->nvrd);
	for (guint i = 0; i < lines->len && recovered == NULL; i++) {
		if (strstr(g_ptr_array_index(lines, i), "recovered after a crash") != NULL)
			recovered = g_ptr_array_index(lines, i);
	}
	g_test_message("cut %u again, as soon as nvrd listens: %s", cut,
		       recovered != NULL ? recovered : "no segment to recover");
	g_assert_cmpint(nvr_test_nvrd_stop(fx, SIGKILL), ==, 128 + SIGKILL);
	pc_rebuild(&rb, killed);
	pc_rebuild_clear(&rb);
	nvr_test_rm_rf(killed);
	nvr_test_rm_rf(shadow);
}

/* records under the shim until a random moment, cuts the power, recovers and checks;
 * the second cut (and every third after it) comes again right after the recovery that
 * follows it */
static void
pc_cut(NvrTestNvrd *fx, const gchar *roots, PcStats *stats)
{
	guint cut = ++stats->cuts;
	g_autofree gchar *shadow = g_strdup_printf("%s/shadow-%u", fx->dir, cut);
	g_autofree gchar *killed = g_strdup_printf("%s/killed-%u", fx->dir, cut);
	/* around a rotation (8 s), a commit (1 s), a sync, a run's first fragment */
	gdouble delay = g_test_rand_double_range(0.3, PC_SEGMENT_S + 1.0);
	PcRebuild rb = {.shadow = shadow, .torn = cut % 2 == 0};
	gint64 cut_us;

	pc_start_shimmed(fx, roots, shadow);
	nvr_test_nvrd_wait_recording(fx, 60);
	g_usleep((gulong)(delay * G_USEC_PER_SEC));
	cut_us = g_get_real_time();
	g_assert_cmpint(nvr_test_nvrd_stop(fx, SIGKILL), ==, 128 + SIGKILL);
	pc_rebuild(&rb, killed);
	g_test_message("cut %u: %.2f s after every camera was recording", cut, delay);
	pc_rebuilt(&rb, cut, "", stats);
	if (cut % 3 == 2)
		pc_cut_after_recovery(fx, roots, cut);
	pc_check(fx, cut, cut_us, TRUE, stats);
	nvr_test_rm_rf(killed);
	nvr_test_rm_rf(shadow);
}

/* ---- cuts at one of nvrd's operations (the shim's NVR_POWERCUT_CUT_AT) ---- */

/* what the index's commits and checkpoints write */
#define PC_INDEX_FILES "nvr.db,nvr.db-wal"
/* the segment writer's steps: a segment's create, its barriers, its directory's fsync (the
 * writes between them are a cut before the next barrier; they outnumber it by far) */
#define PC_FOOTAGE_FILES ".nvre,/"
#define PC_FOOTAGE_OPS "open,fsync,fdatasync,rename,unlink,mkdir"
/* nvrd records this long, then is stopped (finalize, checkpoint at close): the reference
 * run, and each cut run whose operation has not come by then */
#define PC_OP_RECORD_S 4
/* the shim's line at a cut, and nvr_test_proc_wait_line()'s pattern for it */
#define PC_CUT_TEXT "nvr-powercut-shim: cut "
#define PC_CUT_LINE "*" PC_CUT_TEXT

typedef struct {
	guint64 ops;
	guint64 matching; /* of them on the files NVR_POWERCUT_CUT_ON names */
} PcOps;

/* the shim's operation counts so far */
static PcOps
pc_read_ops(const gchar *shadow)
{
	g_autofree gchar *path = g_build_filename(shadow, "ops", NULL);
	g_autofree gchar *text = NULL;
	gchar *end = NULL;
	PcOps n;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	n.ops = g_ascii_strtoull(text, &end, 10);
	n.matching = g_ascii_strtoull(end, NULL, 10);
	return n;
}

/* which operation the power goes at */
typedef struct {
	const gchar *on;  /* NVR_POWERCUT_CUT_ON: path suffixes, "/" for directories */
	const gchar *ops; /* NVR_POWERCUT_CUT_OPS: the calls counted, "": all */
	guint64 at;	 /* the at'th such operation, 0: none (only count) */
	gboolean after;	 /* after it ran, else before */
} PcRule;

/* Returns: the environment of nvrd under the shim with the cut @rule, its counts in @shadow */
static GPtrArray *
pc_rule_env(NvrTestNvrd *fx, const gchar *shadow, const PcRule *rule)
{
	g_auto(GStrv) shim = pc_shim_env(fx->state, shadow);
	GPtrArray *env = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; shim[i] != NULL; i++)
		g_ptr_array_add(env, g_strdup(shim[i]));
	g_ptr_array_add(env, g_strconcat("NVR_POWERCUT_CUT_ON=", rule->on, NULL));
	g_ptr_array_add(env, g_strconcat("NVR_POWERCUT_CUT_OPS=", rule->ops, NULL));
	g_ptr_array_add(env, g_strdup_printf("NVR_POWERCUT_CUT_AT=%" G_GUINT64_FORMAT, rule->at));
	g_ptr_array_add(env, g_strdup_printf("NVR_POWERCUT_CUT_AFTER=%d", rule->after ? 1 : 0));
	g_ptr_array_add(env, NULL);
	return env;
}

/* nvrd under the shim with the cut @rule, started: it listens */
static void
pc_start_rule(NvrTestNvrd *fx, const gchar *shadow, const PcRule *rule)
{
	g_autoptr(GPtrArray) env = pc_rule_env(fx, shadow, rule);

	nvr_test_nvrd_start_with_env(fx, (const gchar *const *)env->pdata);
}

/* a reference run: how many operations @count counts until all cameras record (@recording),
 * and until nvrd has stopped cleanly PC_OP_RECORD_S s later (@stopped) */
static void
pc_count_ops(NvrTestNvrd *fx, const PcRule *count, PcOps *recording, PcOps *stopped)
{
	g_autofree gchar *shadow = g_strdup_printf("%s/shadow-reference", fx->dir);

	pc_start_rule(fx, shadow, count);
	nvr_test_nvrd_wait_recording(fx, 60);
	*recording = pc_read_ops(shadow);
	g_usleep(PC_OP_RECORD_S * G_USEC_PER_SEC);
	g_assert_cmpint(nvr_test_nvrd_stop(fx, SIGTERM), ==, 0);
	*stopped = pc_read_ops(shadow);
	g_test_message("reference run: %" G_GUINT64_FORMAT " operations (%" G_GUINT64_FORMAT
		       " of them %s on %s) until every camera recorded, %" G_GUINT64_FORMAT
		       " (%" G_GUINT64_FORMAT ") once stopped %d s later",
		       recording->ops, recording->matching,
		       count->ops[0] != '\0' ? count->ops : "any", count->on, stopped->ops,
		       stopped->matching, PC_OP_RECORD_S);
	g_assert_cmpuint(stopped->matching, >, recording->matching);
	nvr_test_rm_rf(shadow);
}

/* Returns: CLOCK_REALTIME of the shim's cut, from its line (whose rest goes to @what), or 0 */
static gint64
pc_cut_line(NvrTestProc *proc, gchar **what)
{
	GPtrArray *lines = nvr_test_proc_get_lines(proc);

	for (guint i = 0; i < lines->len; i++) {
		const gchar *line = strstr(g_ptr_array_index(lines, i), PC_CUT_TEXT);
		const gchar *at = line != NULL ? strstr(line, " at ") : NULL;

		if (at != NULL) {
			*what = g_strdup(line + strlen(PC_CUT_TEXT));
			return g_ascii_strtoll(at + 4, NULL, 10);
		}
	}
	return 0;
}

/* nvrd under the shim with @rule: it records, then is stopped, until the power goes at the
 * rule's operation; Returns: when it went (0: the rule was never met), and whether every
 * camera was recording then (@recording) */
static gint64
pc_run_to_cut(NvrTestNvrd *fx, const gchar *shadow, const PcRule *rule, gboolean *recording,
	      gchar **what)
{
	gint64 cut_us;
	gint status;

	pc_start_rule(fx, shadow, rule);
	*recording = nvr_test_nvrd_try_wait_recording(fx, 60);
	if (*recording)
		g_free(nvr_test_nvrd_wait_line(fx, PC_CUT_LINE, PC_OP_RECORD_S));
	cut_us = pc_cut_line(fx->nvrd, what);
	if (cut_us != 0) {
		status = nvr_test_proc_stop(fx->nvrd, SIGKILL, 60);
	} else {
		/* the clean stop: segments finalized, the index checkpointed at its close */
		*recording = FALSE;
		status = nvr_test_proc_stop(fx->nvrd, SIGTERM, 60);
		g_free(nvr_test_nvrd_wait_line(fx, PC_CUT_LINE, 10));
		cut_us = pc_cut_line(fx->nvrd, what);
	}
	g_clear_pointer(&fx->nvrd, nvr_test_proc_free);
	g_assert_cmpint(status, ==, cut_us != 0 ? 128 + SIGKILL : 0);
	return cut_us;
}

static void
pc_copy_tree(const gchar *from, const gchar *to)
{
	g_assert_cmpint(nvr_test_nvrd_run(NULL, NULL, "cp", "-a", from, to, NULL), ==, 0);
}

/* Returns: whether nvrd said it listens */
static gboolean
pc_listened(NvrTestProc *proc)
{
	GPtrArray *lines = nvr_test_proc_get_lines(proc);

	for (guint i = 0; i < lines->len; i++) {
		if (g_str_has_prefix(g_ptr_array_index(lines, i), "nvrd: listening on "))
			return TRUE;
	}
	return FALSE;
}

/* Startup recovery cut short: on what cut @cut left, nvrd starts under the shim and the power
 * goes right before or after a call drawn from those it makes until it listens (counted by a
 * start on the same state, which is then put back); Returns: whether the power went before
 * nvrd listened (no camera began a new run) */
static gboolean
pc_cut_in_recovery(NvrTestNvrd *fx, guint cut, PcStats *stats)
{
	g_autofree gchar *copy = g_strdup_printf("%s/crashed-%u", fx->dir, cut);
	g_autofree gchar *shadow = g_strdup_printf("%s/shadow-%u-recovery", fx->dir, cut);
	g_autofree gchar *killed = g_strdup_printf("%s/killed-%u-recovery", fx->dir, cut);
	g_autofree gchar *what = NULL;
	g_autoptr(GPtrArray) env = NULL;
	PcRule rule = {.on = "", .ops = "", .after = g_test_rand_bit()};
	PcRebuild rb = {.shadow = shadow, .torn = g_test_rand_bit()};
	gboolean listened;
	PcOps until;

	pc_copy_tree(fx->state, copy);
	pc_start_rule(fx, shadow, &rule);
	until = pc_read_ops(shadow);
	g_assert_cmpint(nvr_test_nvrd_stop(fx, SIGKILL), ==, 128 + SIGKILL);
	nvr_test_rm_rf(shadow);
	nvr_test_rm_rf(fx->state);
	pc_copy_tree(copy, fx->state);
	nvr_test_rm_rf(copy);
	g_assert_cmpuint(until.matching, >, 0);
	rule.at = 1 + (guint64)g_test_rand_int_range(0, (gint32)until.matching);
	env = pc_rule_env(fx, shadow, &rule);
	nvr_test_nvrd_spawn_with_env(fx, (const gchar *const *)env->pdata);
	g_free(nvr_test_nvrd_wait_line(fx, PC_CUT_LINE, 5));
	pc_cut_line(fx->nvrd, &what);
	listened = pc_listened(fx->nvrd);
	g_assert_cmpint(nvr_test_nvrd_stop(fx, SIGKILL), ==, 128 + SIGKILL);
	g_test_message("cut %u again, in startup recovery, %s the call %" G_GUINT64_FORMAT
		       " of the %" G_GUINT64_FORMAT " nvrd makes until it listens: %s",
		       cut, rule.after ? "after" : "before", rule.at, until.matching,
		       what != NULL ? what : "never came");
	pc_rebuild(&rb, killed);
	pc_rebuilt(&rb, cut, " again", stats);
	nvr_test_rm_rf(killed);
	return !listened;
}

/* a cut at @rule's operation (every second time again in the startup recovery that follows),
 * then the checks of pc_cut() */
static void
pc_cut_at_op(NvrTestNvrd *fx, const PcRule *rule, PcStats *stats)
{
	guint cut = ++stats->cuts;
	g_autofree gchar *shadow = g_strdup_printf("%s/shadow-%u", fx->dir, cut);
	g_autofree gchar *killed = g_strdup_printf("%s/killed-%u", fx->dir, cut);
	g_autofree gchar *what = NULL;
	PcRebuild rb = {.shadow = shadow, .torn = g_test_rand_bit()};
	gboolean recording = FALSE;
	gint64 cut_us = pc_run_to_cut(fx, shadow, rule, &recording, &what);

	g_test_message("cut %u, %s the operation %" G_GUINT64_FORMAT " (%s) on %s: %s", cut,
		       rule->after ? "after" : "before", rule->at,
		       rule->ops[0] != '\0' ? rule->ops : "any", rule->on,
		       what != NULL ? what : "never came: nvrd stopped cleanly first");
	if (cut_us == 0) {
		stats->not_reached++;
		cut_us = g_get_real_time();
	}
	pc_rebuild(&rb, killed);
	pc_rebuilt(&rb, cut, "", stats);
	if (cut % 2 == 0 && !pc_cut_in_recovery(fx, cut, stats))
		recording = FALSE; /* new runs began: the loss is not the first cut's alone */
	pc_check(fx, cut, cut_us, recording, stats);
	nvr_test_rm_rf(killed);
	nvr_test_rm_rf(shadow);
}

static void
pc_report(const PcStats *stats, gint64 started)
{
	g_autofree gchar *summary = nvr_test_loss_describe(&stats->loss);

	g_test_message(
		"%u power cuts: %s (bound %.2f s = sync window %.1f s + GOP %.1f s + delivery "
		"%.2f s); %" G_GUINT64_FORMAT " bytes unsynced at the cuts, %" G_GUINT64_FORMAT
		" of them kept (torn); %u segment files lost with their name; %u segments deleted "
		"by "
		"retention under the shim; %.0f s",
		stats->cuts, summary, PC_LOSS_BOUND_US / 1e6, PC_SYNC_WINDOW_MS / 1e3,
		NVR_TEST_LOSS_GOP_US / 1e6, PC_DELIVERY_US / 1e6, stats->unsynced, stats->torn,
		stats->lost_names, stats->unlinks, (g_get_monotonic_time() - started) / 1e6);
}

/* the default layout: the footage dir inside the state dir */
static void
test_powercut_state_dir(void)
{
	const guint cuts = NVR_TEST_SANITIZED ? 2 : 7;
	g_autoptr(NvrTestNvrd) fx = NULL;
	PcStats stats = {0};
	gint64 started = g_get_monotonic_time();

	nvr_test_watchdog_start(NVR_TEST_SANITIZED ? 400 : 240);
	fx = nvr_test_nvrd_new(PC_CAMERAS, PC_CONFIG, pc_fakecam_args);
	for (guint cut = 1; cut <= cuts; cut++)
		pc_cut(fx, fx->state, &stats);
	pc_report(&stats, started);
	nvr_test_watchdog_stop();
}

/*
 * The footage dir on a disk of its own (DESIGN.md §5: a USB disk), which
 * nvrd creates at its first start: the first cut comes before anything
 * else made that directory durable, the second after a restart on it.
 */
static void
test_powercut_footage_disk(void)
{
	g_autoptr(NvrTestNvrd) fx = NULL;
	g_autofree gchar *disk = NULL;
	g_autofree gchar *config = NULL;
	g_autofree gchar *roots = NULL;
	g_autoptr(GError) error = NULL;
	PcStats stats = {0};
	gint64 started = g_get_monotonic_time();

	nvr_test_watchdog_start(NVR_TEST_SANITIZED ? 300 : 120);
	fx = nvr_test_nvrd_new(PC_CAMERAS, PC_CONFIG, pc_fakecam_args);
	disk = g_build_filename(fx->dir, "disk", NULL);
	g_assert_cmpint(g_mkdir(disk, 0700), ==, 0);
	config = g_strdup_printf(PC_CONFIG "footage-dir = %s/footage\n", disk);
	g_file_set_contents(fx->conf, config, -1, &error);
	g_assert_no_error(error);
	roots = g_strconcat(fx->state, ":", disk, NULL);
	pc_cut(fx, roots, &stats);
	if (!NVR_TEST_SANITIZED)
		pc_cut(fx, roots, &stats);
	pc_report(&stats, started);
	nvr_test_watchdog_stop();
}

/*
 * Cuts at one of nvrd's own operations, not at a moment of the clock's,
 * which never lands inside an SQLite commit (the WAL written and
 * fdatasynced back to back): the shim cuts the power right before, or right
 * after, the Nth operation (create, write, truncation, barrier, rename,
 * unlink) on the index's files (nvr.db, nvr.db-wal: a commit's WAL frames and
 * their fdatasync; the checkpoint at close: nvr.db's pages, its fdatasync,
 * the WAL's reset), or on the footage's (segment files and directories: the
 * writer's chunks and their fdatasync, a segment's create and its
 * directory's fsync; at the stop its finalize: header rewrite, fsync,
 * directory fsync, before the row's commit). N is drawn (g_test_rand_*)
 * from between the counts of a reference run when all cameras record and
 * once it has recorded PC_OP_RECORD_S s and stopped cleanly (the footage's:
 * every operation not on the index); a cut run records as long, then stops
 * cleanly, so the Nth operation comes while recording or while stopping.
 * Every second cut, nvrd then starts under the shim on what it left and the
 * power goes again right before or after one of the calls it makes until it
 * listens: startup recovery's trims, fsyncs and commits (N from a start on
 * the same state, which is put back after it). Same checks as the clock's
 * cuts; the loss bound only when the power went while every camera recorded
 * and no new run began before the second cut. 6 cuts, 2 under ASan (the
 * index's only).
 */
static void
test_powercut_operations(void)
{
	const guint cuts = NVR_TEST_SANITIZED ? 2 : 6;
	/* a reference run takes 20 s under ASan: there only the index's */
	const guint n_rules = NVR_TEST_SANITIZED ? 1 : 2;
	g_autoptr(NvrTestNvrd) fx = NULL;
	PcStats stats = {0};
	gint64 started = g_get_monotonic_time();
	/* the index's commits and checkpoints, every call; the segment writer's steps */
	PcRule rules[2] = {{.on = PC_INDEX_FILES, .ops = ""},
			   {.on = PC_FOOTAGE_FILES, .ops = PC_FOOTAGE_OPS}};
	PcOps recording[2], stopped[2];

	nvr_test_watchdog_start(NVR_TEST_SANITIZED ? 300 : 180);
	fx = nvr_test_nvrd_new(PC_CAMERAS, PC_CONFIG, pc_fakecam_args);
	for (guint r = 0; r < n_rules; r++)
		pc_count_ops(fx, &rules[r], &recording[r], &stopped[r]);
	for (guint i = 0; i < cuts; i++) {
		/* index before, footage after, index after, footage before, index before, ... */
		guint r = i % n_rules;
		guint64 lo = recording[r].matching, hi = stopped[r].matching;
		PcRule rule = rules[r];

		rule.after = (i + i / 2) % 2 == 1;
		rule.at = lo + 1 + (guint64)g_test_rand_int_range(0, (gint32)(hi - lo));
		pc_cut_at_op(fx, &rule, &stats);
	}
	pc_report(&stats, started);
	g_test_message("%u of %u cuts at an operation never came", stats.not_reached, cuts);
	nvr_test_watchdog_stop();
}

/*
 * nvrctl init under the shim, then a power cut as soon as it returned: the
 * state dir, its keyring and index, and the recovery key file it wrote
 * must all be there, and the keyring must open with the passphrase.
 */
static void
test_powercut_init(void)
{
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autofree gchar *root = g_build_filename(dir, "root", NULL);
	g_autofree gchar *state = g_build_filename(root, "state", NULL);
	g_autofree gchar *recovery = g_build_filename(root, "recovery", NULL);
	g_autofree gchar *shadow = g_build_filename(dir, "shadow", NULL);
	g_autofree gchar *killed = g_build_filename(dir, "killed", NULL);
	g_autofree gchar *pass = g_build_filename(dir, "pass", NULL);
	g_auto(GStrv) env = NULL;
	g_autofree gchar *key = NULL;
	g_autoptr(GError) error = NULL;
	PcRebuild rb = {.shadow = shadow};

	g_file_set_contents(pass, "owner passphrase\n", -1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(g_mkdir(root, 0700), ==, 0);
	env = pc_shim_env(root, shadow);
	g_assert_cmpint(nvr_test_nvrd_run(NULL, NULL, "env", env[0], env[1], env[2],
					  nvr_test_nvrd_ctl_path(), "--state-dir", state, "init",
					  "--passphrase-file", pass, "--recovery-out", recovery,
					  "--kdf-opslimit", "1", "--kdf-memlimit-mib", "8", NULL),
			==, 0);
	pc_rebuild(&rb, killed);
	g_test_message("after nvrctl init: %u files durable", rb.files);
	pc_rebuild_clear(&rb);
	g_assert_true(g_file_get_contents(recovery, &key, NULL, NULL));
	g_assert_cmpuint(strlen(key), >, 1);
	/* the keyring opens with the passphrase, the index is there and consistent */
	g_assert_cmpint(nvr_test_nvrd_run(NULL, NULL, nvr_test_nvrd_ctl_path(), "--state-dir",
					  state, "verify", "--deep", "--passphrase-file", pass,
					  NULL),
			==, 0);
	nvr_test_rm_rf(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/nvr/daemon/powercut/state-dir", test_powercut_state_dir);
	g_test_add_func("/nvr/daemon/powercut/footage-disk", test_powercut_footage_disk);
	g_test_add_func("/nvr/daemon/powercut/init", test_powercut_init);
	g_test_add_func("/nvr/daemon/powercut/operations", test_powercut_operations);
	return g_test_run();
}
