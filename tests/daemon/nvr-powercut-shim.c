/*
 * nvr-powercut-shim.c: an LD_PRELOAD library for test-powercut. Loaded into
 * nvrd, it watches every file and directory under the directories named in
 * NVR_POWERCUT_ROOTS (colon-separated) and keeps, in NVR_POWERCUT_SHADOW, a
 * copy of what a power cut at this instant would leave on the disk.
 *
 * What counts as durable (the POSIX worst case, which is also ext4 with
 * data=ordered but without the auto_da_alloc heuristics, and most flash
 * file systems: never rely on the file system being kinder than that):
 *   - A file's bytes and size become durable at fsync() or fdatasync() of
 *     any descriptor of that inode, or at each write() of a descriptor
 *     opened O_SYNC or O_DSYNC. fdatasync counts like fsync: it must write
 *     the size and whatever else is needed to read the data back (POSIX,
 *     Linux), which is everything this test looks at. Nothing else makes
 *     bytes durable: not close(), not rename(), and not sync_file_range(),
 *     which neither flushes the disk's cache nor writes metadata.
 *   - A directory entry (a create, a rename in or out, an unlink, a mkdir)
 *     becomes durable at fsync() of that directory, and then all of the
 *     directory's entries at that moment do. Until then the directory's last
 *     durable listing is what a power cut leaves: a new file without its
 *     directory fsync is gone, however often its data was synced; a renamed
 *     file still has its old name; an unlinked one is still there. A file
 *     whose entry is durable but whose data never was is empty.
 *   - sync() and syncfs() make everything durable (whole-tree copy).
 *   - The mtime a file keeps is the one it had at its last barrier.
 *   - SQLite's -shm file is never durable: SQLite rebuilds it after a
 *     crash, so test-powercut leaves it out.
 *   - A barrier interrupted by the kill (the shim copying, fsync not yet
 *     returned) may leave part of its bytes durable: a disk may persist
 *     unsynced writes, and nobody relied on that barrier yet.
 *
 * Shadow layout (keys are "<dev>-<ino>-<generation>": an inode number the
 * file system reuses for a new file gets a new generation):
 *   roots            "<key> <path>" per root, taken at load
 *   data/<key>       the durable bytes of a file (mtime: see above)
 *   dirs/<key>       the durable listing of a directory: "<key> <f|d> <mode> <name>"
 *   log              every mutation and barrier, in order: "<op> <key> <args> <path>";
 *                    W key off len, T key size (truncate), S key size (file
 *                    barrier), D key (directory barrier), C key (created),
 *                    N op path [path2] (namespace change), R key (sync_file_range)
 *   ops              "<ops> <matching>": how many operations (below) it counted
 *                    so far, and how many of them the cut rule names
 * At load every file and directory under the roots is taken as durable.
 *
 * Cut points (a clock-timed SIGKILL from outside never lands inside an
 * SQLite commit: it writes the WAL and fdatasyncs it back to back). With
 * NVR_POWERCUT_CUT_ON or NVR_POWERCUT_CUT_AT set, the shim counts the
 * operations on files and directories under the roots (a create, a write,
 * a truncation, a barrier, a namespace change: one per call, counted before
 * the call runs) whose path ends in one of the comma-separated suffixes of
 * NVR_POWERCUT_CUT_ON ("/" for every directory; every operation when it
 * is empty or unset; fallocate, sync_file_range and sync are not counted:
 * nvrd calls none of them), and whose name (open, pwrite64, fdatasync,
 * ftruncate, rename, mkdir, ...) is in the comma-separated
 * NVR_POWERCUT_CUT_OPS when that is set. At the NVR_POWERCUT_CUT_AT'th of
 * them the power goes: before the call runs, or right after it ran and was
 * recorded with NVR_POWERCUT_CUT_AFTER=1. The shim then keeps its lock, so
 * that nothing more is recorded, prints "nvr-powercut-shim: cut ..." with
 * the CLOCK_REALTIME microsecond on stderr, and raises SIGKILL.
 *
 * What nvrd actually calls (strace -f -e trace=file,desc on a short run,
 * SQLite 3.40.1 of Debian 12): pwrite64 on nvr.db and nvr.db-wal,
 * fdatasync of both (synchronous=FULL: one per commit), ftruncate of
 * nvr.db, and fdatasync of the state dir opened O_RDONLY|O_DIRECTORY when
 * SQLite creates the WAL; NVRE segments: open O_CREAT|O_EXCL, pwrite64,
 * fdatasync, fsync; the keyring and meta files: mkstemp, write, fsync,
 * rename; directories: open O_RDONLY|O_DIRECTORY and fsync. No mmap'd
 * writes outside the -shm file, no sync_file_range, no fallocate.
 *
 * Not modelled: writes through mmap, copy_file_range/sendfile, O_TMPFILE
 * and linkat into place, a descriptor duplicated and then used before any
 * open the shim saw (it is resolved through /proc on first use, so only a
 * path outside the roots would be missed); a torn cut keeps whole write()
 * calls, never part of one, and tears no directory.
 *
 * The shim uses libc only, never GLib: it runs inside nvrd's own calls,
 * GLib's included. It calls the real functions through dlsym(RTLD_NEXT),
 * and a thread that is already inside the shim passes straight through.
 */
/* the interposed symbols are the plain ones (open, pwrite, ...) and their
 * 64-bit twins, each defined once: no redirection of one onto the other */
#undef _FILE_OFFSET_BITS
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define SHIM_MAX_FDS 65536
#define SHIM_MAX_ROOTS 4
/* more pending extents than this on one file: copy the whole file at its next barrier */
#define SHIM_MAX_EXTENTS 4096
#define SHIM_COPY_BUF (256 * 1024)
#define SHIM_MAX_CUT_ON 8

typedef struct {
	off_t off;
	off_t len;
} ShimExtent;

/* one inode under a root that the shim has seen */
typedef struct ShimInode {
	dev_t dev;
	ino_t ino;
	unsigned gen;
	ShimExtent *ext; /* written since its last barrier */
	size_t n_ext, cap_ext;
	int whole;	 /* too many extents: copy it whole */
	off_t min_trunc; /* smallest size it was truncated to since the barrier, -1: none */
	struct ShimInode *next;
} ShimInode;

enum { FD_UNKNOWN = 0, FD_IGNORED, FD_FILE, FD_DIR };

typedef struct {
	unsigned char kind;
	unsigned char sync_each; /* O_SYNC / O_DSYNC */
	ShimInode *inode;
} ShimFd;

static struct {
	int (*open)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*close)(int);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*pwrite)(int, const void *, size_t, off_t);
	ssize_t (*pwrite64)(int, const void *, size_t, off_t);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*pwritev)(int, const struct iovec *, int, off_t);
	ssize_t (*pwritev64)(int, const struct iovec *, int, off_t);
	ssize_t (*pwritev2)(int, const struct iovec *, int, off_t, int);
	int (*ftruncate)(int, off_t);
	int (*ftruncate64)(int, off_t);
	int (*truncate)(const char *, off_t);
	int (*fallocate)(int, int, off_t, off_t);
	int (*posix_fallocate)(int, off_t, off_t);
	int (*fsync)(int);
	int (*fdatasync)(int);
	int (*sync_file_range)(int, off_t, off_t, unsigned int);
	void (*sync)(void);
	int (*syncfs)(int);
	int (*rename)(const char *, const char *);
	int (*renameat)(int, const char *, int, const char *);
	int (*renameat2)(int, const char *, int, const char *, unsigned int);
	int (*unlink)(const char *);
	int (*unlinkat)(int, const char *, int);
	int (*mkdir)(const char *, mode_t);
	int (*mkdirat)(int, const char *, mode_t);
	int (*rmdir)(const char *);
	int (*link)(const char *, const char *);
	int (*linkat)(int, const char *, int, const char *, int);
} real;

static pthread_once_t shim_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t shim_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int shim_busy __attribute__((tls_model("initial-exec")));
static int shim_active;
static char shim_roots[SHIM_MAX_ROOTS][PATH_MAX];
static size_t shim_n_roots;
static char shim_shadow[PATH_MAX];
static int shim_log_fd = -1;
static ShimFd shim_fds[SHIM_MAX_FDS];
static ShimInode *shim_inodes[4096];
/* cut points, see the top */
static struct {
	int counting;
	char on[SHIM_MAX_CUT_ON][64];
	size_t n_on;
	char ops_list[256]; /* ",open,fsync,": the ops counted; "": all */
	unsigned long long at; /* 0: never */
	int after;
	unsigned long long ops, matching;
	int ops_fd;
	char path[PATH_MAX]; /* of the op to cut after */
} cut = {.ops_fd = -1};

#define SHIM_REAL(name) real.name = (__typeof__(real.name))dlsym(RTLD_NEXT, #name)

static void
shim_resolve(void)
{
	SHIM_REAL(open);
	SHIM_REAL(openat);
	SHIM_REAL(close);
	SHIM_REAL(write);
	SHIM_REAL(pwrite);
	SHIM_REAL(pwrite64);
	SHIM_REAL(writev);
	SHIM_REAL(pwritev);
	SHIM_REAL(pwritev64);
	SHIM_REAL(pwritev2);
	SHIM_REAL(ftruncate);
	SHIM_REAL(ftruncate64);
	SHIM_REAL(truncate);
	SHIM_REAL(fallocate);
	SHIM_REAL(posix_fallocate);
	SHIM_REAL(fsync);
	SHIM_REAL(fdatasync);
	SHIM_REAL(sync_file_range);
	SHIM_REAL(sync);
	SHIM_REAL(syncfs);
	SHIM_REAL(rename);
	SHIM_REAL(renameat);
	SHIM_REAL(renameat2);
	SHIM_REAL(unlink);
	SHIM_REAL(unlinkat);
	SHIM_REAL(mkdir);
	SHIM_REAL(mkdirat);
	SHIM_REAL(rmdir);
	SHIM_REAL(link);
	SHIM_REAL(linkat);
}

static void
shim_die(const char *what)
{
	char msg[PATH_MAX + 64];
	int n = snprintf(msg, sizeof(msg), "nvr-powercut-shim: %s: %s\n", what, strerror(errno));

	if (n < 0 || (size_t)n >= sizeof(msg))
		n = (int)sizeof(msg) - 1;
	if (real.write != NULL)
		(void)!real.write(2, msg, (size_t)n);
	abort();
}

/* ---- small helpers on the real functions ---- */

static void
shim_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = real.write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			shim_die("write to the shadow");
		p += n;
		len -= (size_t)n;
	}
}

static void __attribute__((format(printf, 1, 2)))
shim_log(const char *fmt, ...)
{
	char line[2 * PATH_MAX + 128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		shim_die("log line too long");
	shim_write_all(shim_log_fd, line, (size_t)n);
}

/* snprintf that refuses to truncate a path */
static void __attribute__((format(printf, 3, 4)))
shim_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		shim_die("path too long");
}

static int
shim_under_roots(const char *path)
{
	for (size_t i = 0; i < shim_n_roots; i++) {
		size_t len = strlen(shim_roots[i]);
		if (strncmp(path, shim_roots[i], len) == 0 &&
		    (path[len] == '\0' || path[len] == '/'))
			return 1;
	}
	return 0;
}

/* SQLite rebuilds its wal-index after a crash: it never needs to be durable */
static int
shim_is_shm(const char *path)
{
	size_t len = strlen(path);

	return len > 4 && strcmp(path + len - 4, "-shm") == 0;
}

static ShimInode *
shim_inode_find(dev_t dev, ino_t ino)
{
	for (ShimInode *n = shim_inodes[ino % 4096]; n != NULL; n = n->next)
		if (n->dev == dev && n->ino == ino)
			return n;
	return NULL;
}

static ShimInode *
shim_inode_get(dev_t dev, ino_t ino)
{
	ShimInode *n = shim_inode_find(dev, ino);

	if (n != NULL)
		return n;
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		shim_die("calloc");
	n->dev = dev;
	n->ino = ino;
	n->min_trunc = -1;
	n->next = shim_inodes[ino % 4096];
	shim_inodes[ino % 4096] = n;
	return n;
}

/* a file that did not exist before: an inode number seen before is a new generation */
static ShimInode *
shim_inode_new(dev_t dev, ino_t ino)
{
	ShimInode *n = shim_inode_find(dev, ino);

	if (n == NULL)
		return shim_inode_get(dev, ino);
	n->gen++;
	n->n_ext = 0;
	n->whole = 0;
	n->min_trunc = -1;
	return n;
}

static void
shim_key(const ShimInode *n, char *key, size_t size)
{
	shim_fmt(key, size, "%lu-%lu-%u", (unsigned long)n->dev, (unsigned long)n->ino, n->gen);
}

static void
shim_shadow_path(const char *sub, const ShimInode *n, char *path, size_t size)
{
	char key[64];

	shim_key(n, key, sizeof(key));
	shim_fmt(path, size, "%s/%s/%s", shim_shadow, sub, key);
}

static void
shim_extent_add(ShimInode *n, off_t off, off_t len)
{
	ShimExtent *last = n->n_ext > 0 ? &n->ext[n->n_ext - 1] : NULL;

	if (len <= 0 || n->whole)
		return;
	/* appends and rewrites of the same range are the common case */
	if (last != NULL && off >= last->off && off <= last->off + last->len) {
		if (off + len > last->off + last->len)
			last->len = off + len - last->off;
		return;
	}
	if (n->n_ext == SHIM_MAX_EXTENTS) {
		n->whole = 1;
		return;
	}
	if (n->n_ext == n->cap_ext) {
		size_t cap = n->cap_ext == 0 ? 16 : 2 * n->cap_ext;
		ShimExtent *ext = realloc(n->ext, cap * sizeof(*ext));
		if (ext == NULL)
			shim_die("realloc");
		n->ext = ext;
		n->cap_ext = cap;
	}
	n->ext[n->n_ext].off = off;
	n->ext[n->n_ext].len = len;
	n->n_ext++;
}

/* @from's bytes [off, off+len) into @to */
static void
shim_copy_range(int from, int to, off_t off, off_t len)
{
	static char buf[SHIM_COPY_BUF]; /* under shim_lock */

	while (len > 0) {
		ssize_t n =
			pread(from, buf, (size_t)(len < SHIM_COPY_BUF ? len : SHIM_COPY_BUF), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			shim_die("read for the shadow");
		if (n == 0)
			return;
		for (ssize_t done = 0; done < n;) {
			ssize_t w = real.pwrite(to, buf + done, (size_t)(n - done), off + done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				shim_die("write to the shadow");
			done += w;
		}
		off += n;
		len -= n;
	}
}

/* the durable copy of @n takes what @src (a readable descriptor of it) holds now */
static void
shim_file_barrier(ShimInode *n, int src)
{
	char path[PATH_MAX];
	struct stat st;
	struct timespec times[2];
	int dst;

	if (fstat(src, &st) != 0)
		shim_die("fstat");
	shim_shadow_path("data", n, path, sizeof(path));
	dst = real.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (dst < 0)
		shim_die(path);
	/* bytes past a truncation were zeros in the file, whatever the old copy held there */
	if (n->min_trunc >= 0 && real.ftruncate(dst, n->min_trunc) != 0)
		shim_die("truncate the shadow");
	if (real.ftruncate(dst, st.st_size) != 0)
		shim_die("size the shadow");
	if (n->whole)
		shim_copy_range(src, dst, 0, st.st_size);
	for (size_t i = 0; !n->whole && i < n->n_ext; i++)
		shim_copy_range(src, dst, n->ext[i].off, n->ext[i].len);
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	(void)futimens(dst, times);
	real.close(dst);
	n->n_ext = 0;
	n->whole = 0;
	n->min_trunc = -1;
}

/* the durable listing of directory @n at @path becomes what it holds now */
static void
shim_dir_barrier(ShimInode *n, const char *path)
{
	char out[PATH_MAX], tmp[PATH_MAX + 8], line[PATH_MAX + 128], key[64];
	DIR *dir = opendir(path);
	struct dirent *e;
	int fd;

	if (dir == NULL)
		shim_die(path);
	shim_shadow_path("dirs", n, out, sizeof(out));
	shim_fmt(tmp, sizeof(tmp), "%s.tmp", out);
	fd = real.open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		shim_die(tmp);
	while ((e = readdir(dir)) != NULL) {
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue; /* gone meanwhile */
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
			continue;
		shim_key(shim_inode_get(st.st_dev, st.st_ino), key, sizeof(key));
		shim_fmt(line, sizeof(line), "%s %c %o %s\n", key, S_ISDIR(st.st_mode) ? 'd' : 'f',
			 (unsigned)(st.st_mode & 07777), e->d_name);
		shim_write_all(fd, line, strlen(line));
	}
	closedir(dir);
	real.close(fd);
	if (real.rename(tmp, out) != 0)
		shim_die(out);
}

/* everything under @path is durable now (load, sync, syncfs) */
static void
shim_tree_barrier(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	struct stat st;

	if (dir == NULL || fstat(dirfd(dir), &st) != 0)
		shim_die(path);
	shim_dir_barrier(shim_inode_get(st.st_dev, st.st_ino), path);
	while ((e = readdir(dir)) != NULL) {
		char child[PATH_MAX];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		shim_fmt(child, sizeof(child), "%s/%s", path, e->d_name);
		if (lstat(child, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			shim_tree_barrier(child);
		} else if (S_ISREG(st.st_mode) && !shim_is_shm(child)) {
			ShimInode *n = shim_inode_get(st.st_dev, st.st_ino);
			int src = real.open(child, O_RDONLY | O_CLOEXEC);
			if (src < 0)
				continue;
			n->whole = 1;
			shim_file_barrier(n, src);
			real.close(src);
		}
	}
	closedir(dir);
}

/* ---- descriptors ---- */

static ShimFd *
shim_fd(int fd)
{
	return fd >= 0 && fd < SHIM_MAX_FDS ? &shim_fds[fd] : NULL;
}

/* what @fd is, looked up once per open (and lazily for descriptors the shim did not see open) */
static ShimFd *
shim_fd_resolve(int fd, char *path_out, size_t size)
{
	ShimFd *f = shim_fd(fd);
	char link[64], path[PATH_MAX];
	struct stat st;
	ssize_t len;

	if (f == NULL)
		return NULL;
	if (f->kind != FD_UNKNOWN && path_out == NULL)
		return f->kind == FD_IGNORED ? NULL : f;
	shim_fmt(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, path, sizeof(path) - 1);
	if (len < 0 || fstat(fd, &st) != 0) {
		f->kind = FD_IGNORED;
		return NULL;
	}
	path[len] = '\0';
	if (!shim_under_roots(path) || shim_is_shm(path) ||
	    (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))) {
		f->kind = FD_IGNORED;
		return NULL;
	}
	f->kind = S_ISDIR(st.st_mode) ? FD_DIR : FD_FILE;
	f->inode = shim_inode_get(st.st_dev, st.st_ino);
	if (path_out != NULL)
		shim_fmt(path_out, size, "%s", path);
	return f;
}

static void
shim_barrier_fd(int fd, const char *why)
{
	char path[PATH_MAX], key[64];
	ShimFd *f = shim_fd_resolve(fd, path, sizeof(path));

	if (f == NULL)
		return;
	shim_key(f->inode, key, sizeof(key));
	if (f->kind == FD_DIR) {
		shim_dir_barrier(f->inode, path);
		shim_log("D %s %s %s\n", key, why, path);
	} else {
		char link[64];
		/* the descriptor may be write-only: read through a second one */
		int src;
		struct stat st;

		shim_fmt(link, sizeof(link), "/proc/self/fd/%d", fd);
		src = real.open(link, O_RDONLY | O_CLOEXEC);
		if (src < 0)
			shim_die(link);
		shim_file_barrier(f->inode, src);
		if (fstat(src, &st) != 0)
			shim_die("fstat");
		real.close(src);
		shim_log("S %s %lld %s %s\n", key, (long long)st.st_size, why, path);
	}
}

static void
shim_opened(int fd, int flags, int existed)
{
	char path[PATH_MAX], key[64];
	ShimFd *f;
	struct stat st;

	if (fd < 0)
		return;
	shim_fds[fd].kind = FD_UNKNOWN;
	f = shim_fd_resolve(fd, path, sizeof(path));
	if (f == NULL)
		return;
	if (fstat(fd, &st) != 0)
		shim_die("fstat");
	if ((flags & O_CREAT) && !existed)
		f->inode = shim_inode_new(st.st_dev, st.st_ino);
	f->sync_each = (flags & (O_SYNC | O_DSYNC)) != 0;
	shim_key(f->inode, key, sizeof(key));
	if ((flags & O_CREAT) && !existed)
		shim_log("C %s %s\n", key, path);
	if ((flags & O_TRUNC) && existed && f->kind == FD_FILE) {
		f->inode->min_trunc = 0;
		shim_log("T %s 0 %s\n", key, path);
	}
}

static void
shim_written(int fd, off_t off, ssize_t n)
{
	ShimFd *f;
	char key[64];
	struct stat st;

	if (n <= 0 || (f = shim_fd_resolve(fd, NULL, 0)) == NULL || f->kind != FD_FILE)
		return;
	/* a descriptor closed behind the shim's back (inside libc) and reused */
	if (fstat(fd, &st) != 0 || st.st_ino != f->inode->ino || st.st_dev != f->inode->dev) {
		f->kind = FD_UNKNOWN;
		if ((f = shim_fd_resolve(fd, NULL, 0)) == NULL || f->kind != FD_FILE)
			return;
	}
	if (off < 0)
		off = lseek(fd, 0, SEEK_CUR) - n;
	shim_extent_add(f->inode, off, n);
	shim_key(f->inode, key, sizeof(key));
	shim_log("W %s %lld %lld\n", key, (long long)off, (long long)n);
	if (f->sync_each)
		shim_barrier_fd(fd, "o_sync");
}

static void
shim_truncated(int fd, off_t len)
{
	ShimFd *f = shim_fd_resolve(fd, NULL, 0);
	char key[64];

	if (f == NULL || f->kind != FD_FILE)
		return;
	if (f->inode->min_trunc < 0 || len < f->inode->min_trunc)
		f->inode->min_trunc = len;
	shim_key(f->inode, key, sizeof(key));
	shim_log("T %s %lld\n", key, (long long)len);
}

/* @p relative to directory descriptor @d, as an absolute path in @out (PATH_MAX); "" for NULL */
static void
shim_abs_path(int d, const char *p, char *out)
{
	char link[64], dir[PATH_MAX];
	ssize_t len;

	out[0] = '\0';
	if (p == NULL)
		return;
	if (p[0] == '/' || d == -1) {
		shim_fmt(out, PATH_MAX, "%s", p);
		return;
	}
	if (d == AT_FDCWD)
		shim_fmt(link, sizeof(link), "/proc/self/cwd");
	else
		shim_fmt(link, sizeof(link), "/proc/self/fd/%d", d);
	len = readlink(link, dir, sizeof(dir) - 1);
	dir[len < 0 ? 0 : len] = '\0';
	shim_fmt(out, PATH_MAX, "%s/%s", dir, p);
}

/* a namespace change: durable only with its directory's fsync, logged for the reader */
static void
shim_namespace(const char *op, int d1, const char *path, int d2, const char *path2)
{
	char abs[PATH_MAX], abs2[PATH_MAX];

	shim_abs_path(d1, path, abs);
	shim_abs_path(d2, path2, abs2);
	if (shim_under_roots(abs) || (abs2[0] != '\0' && shim_under_roots(abs2)))
		shim_log("N %s %s %s\n", op, abs, abs2);
}

/* ---- load ---- */

/* the cut rule (NVR_POWERCUT_CUT_*, see the top) */
static void
shim_cut_load(void)
{
	const char *on = getenv("NVR_POWERCUT_CUT_ON");
	const char *at = getenv("NVR_POWERCUT_CUT_AT");
	const char *after = getenv("NVR_POWERCUT_CUT_AFTER");
	const char *ops = getenv("NVR_POWERCUT_CUT_OPS");
	char path[PATH_MAX + 16], *list, *save = NULL;

	if (on == NULL && at == NULL)
		return;
	cut.counting = 1;
	cut.at = at != NULL ? strtoull(at, NULL, 10) : 0;
	cut.after = after != NULL && strcmp(after, "1") == 0;
	list = strdup(on != NULL ? on : "");
	for (char *r = strtok_r(list, ",", &save); r != NULL; r = strtok_r(NULL, ",", &save)) {
		if (cut.n_on == SHIM_MAX_CUT_ON)
			shim_die("too many NVR_POWERCUT_CUT_ON suffixes");
		shim_fmt(cut.on[cut.n_on++], sizeof(cut.on[0]), "%s", r);
	}
	free(list);
	if (ops != NULL && ops[0] != '\0')
		shim_fmt(cut.ops_list, sizeof(cut.ops_list), ",%s,", ops);
	shim_fmt(path, sizeof(path), "%s/ops", shim_shadow);
	cut.ops_fd = real.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (cut.ops_fd < 0)
		shim_die(path);
}

static void
shim_load(void)
{
	const char *roots = getenv("NVR_POWERCUT_ROOTS");
	const char *shadow = getenv("NVR_POWERCUT_SHADOW");
	char path[PATH_MAX + 16], *list, *save = NULL;
	int fd;

	shim_resolve();
	if (roots == NULL || shadow == NULL)
		return;
	if (realpath(shadow, shim_shadow) == NULL)
		shim_die(shadow);
	list = strdup(roots);
	for (char *r = strtok_r(list, ":", &save); r != NULL; r = strtok_r(NULL, ":", &save)) {
		if (shim_n_roots == SHIM_MAX_ROOTS)
			shim_die("too many roots");
		if (realpath(r, shim_roots[shim_n_roots]) == NULL)
			shim_die(r);
		shim_n_roots++;
	}
	free(list);
	for (int i = 0; i < 2; i++) {
		shim_fmt(path, sizeof(path), "%s/%s", shim_shadow, i == 0 ? "data" : "dirs");
		if (real.mkdir(path, 0700) != 0 && errno != EEXIST)
			shim_die(path);
	}
	shim_fmt(path, sizeof(path), "%s/log", shim_shadow);
	shim_log_fd = real.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	shim_fmt(path, sizeof(path), "%s/roots", shim_shadow);
	fd = real.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (shim_log_fd < 0 || fd < 0)
		shim_die(path);
	for (size_t i = 0; i < shim_n_roots; i++) {
		char line[PATH_MAX + 80], key[64];
		struct stat st;

		if (stat(shim_roots[i], &st) != 0)
			shim_die(shim_roots[i]);
		shim_key(shim_inode_get(st.st_dev, st.st_ino), key, sizeof(key));
		shim_fmt(line, sizeof(line), "%s %s\n", key, shim_roots[i]);
		shim_write_all(fd, line, strlen(line));
		shim_tree_barrier(shim_roots[i]);
	}
	real.close(fd);
	shim_cut_load();
	shim_log("L loaded\n");
	shim_active = 1;
}

__attribute__((constructor)) static void
shim_constructor(void)
{
	pthread_once(&shim_once, shim_load);
}

/* enter: Returns: 1 when this call is to be recorded (the caller then holds shim_lock) */
static int
shim_enter(void)
{
	pthread_once(&shim_once, shim_load);
	if (!shim_active || shim_busy)
		return 0;
	shim_busy = 1;
	pthread_mutex_lock(&shim_lock);
	return 1;
}

static void
shim_leave(void)
{
	pthread_mutex_unlock(&shim_lock);
	shim_busy = 0;
}

/* sockets, pipes and eventfds are most of nvrd's writes: they pass without the lock */
static int
shim_enter_fd(int fd)
{
	ShimFd *f = shim_fd(fd);

	if (f != NULL && __atomic_load_n(&f->kind, __ATOMIC_RELAXED) == FD_IGNORED)
		return 0;
	return shim_enter();
}

/* ---- cut points ---- */

/* the suffix "/" stands for every directory */
static int
shim_cut_matches(const char *op, const char *path, int is_dir)
{
	size_t len = strlen(path);
	char name[64];

	shim_fmt(name, sizeof(name), ",%s,", op);
	if (cut.ops_list[0] != '\0' && strstr(cut.ops_list, name) == NULL)
		return 0;
	if (cut.n_on == 0)
		return 1;
	for (size_t i = 0; i < cut.n_on; i++) {
		size_t n = strlen(cut.on[i]);
		if (strcmp(cut.on[i], "/") == 0 ? is_dir
						 : len >= n && strcmp(path + len - n, cut.on[i]) == 0)
			return 1;
	}
	return 0;
}

/* The power goes now. The caller holds shim_lock and never gives it back: no
 * other thread records anything more, so the shadow is what the disk keeps. */
static void __attribute__((noreturn))
shim_cut_now(const char *when, const char *op, const char *path)
{
	char msg[PATH_MAX + 160];
	struct timespec now;
	int n;

	clock_gettime(CLOCK_REALTIME, &now);
	n = snprintf(msg, sizeof(msg), "nvr-powercut-shim: cut %s op %llu of %llu: %s %s at %lld us\n",
		     when, cut.matching, cut.ops, op, path,
		     (long long)now.tv_sec * 1000000 + now.tv_nsec / 1000);
	if (n > 0)
		(void)!real.write(2, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
	raise(SIGKILL);
	for (;;)
		pause();
}

/* counts @op on @path (absolute, under the roots) before it runs (under shim_lock);
 * Returns: 1 when the power is to go right after it */
static int
shim_cut_count(const char *op, const char *path, int is_dir)
{
	char line[64];
	int matching = shim_cut_matches(op, path, is_dir);

	cut.ops++;
	cut.matching += (unsigned long long)matching;
	/* fixed width: each count overwrites the last in place */
	shim_fmt(line, sizeof(line), "%20llu %20llu\n", cut.ops, cut.matching);
	if (real.pwrite(cut.ops_fd, line, strlen(line), 0) < 0)
		shim_die("write the op count");
	if (!matching || cut.matching != cut.at)
		return 0;
	if (!cut.after)
		shim_cut_now("before", op, path);
	shim_fmt(cut.path, sizeof(cut.path), "%s", path);
	return 1;
}

/* before @op on descriptor @fd; Returns: 1 to call shim_cut_after() once it ran */
static int
shim_cut_before_fd(int fd, const char *op)
{
	char path[PATH_MAX];
	ShimFd *f;
	int after = 0;

	if (!cut.counting || !shim_enter_fd(fd))
		return 0;
	if ((f = shim_fd_resolve(fd, path, sizeof(path))) != NULL)
		after = shim_cut_count(op, path, f->kind == FD_DIR);
	shim_leave();
	return after;
}

/* before @op on @path relative to directory descriptor @d; Returns: as shim_cut_before_fd() */
static int
shim_cut_before_path(int d, const char *path, const char *op)
{
	char abs[PATH_MAX];
	int after = 0;

	if (!cut.counting || !shim_enter())
		return 0;
	shim_abs_path(d, path, abs);
	if (shim_under_roots(abs) && !shim_is_shm(abs))
		after = shim_cut_count(op, abs, strcmp(op, "mkdir") == 0);
	shim_leave();
	return after;
}

static void
shim_cut_after(int due, const char *op)
{
	if (due && shim_enter())
		shim_cut_now("after", op, cut.path);
}

/* ---- the interposed functions ---- */

static int
shim_existed(int d, const char *path, int flags)
{
	struct stat st;

	if (!(flags & O_CREAT) || (flags & O_EXCL))
		return !(flags & O_EXCL);
	return fstatat(d, path, &st, 0) == 0;
}

/* Every call but a barrier runs first and is recorded after, under the lock: a
 * real call may block (a pipe, a FIFO), and nothing may wait for the lock
 * meanwhile. A write recorded after a barrier that raced with it stays
 * pending: a power cut may lose it, which is the conservative side. */
static int
shim_openat_common(int d, const char *path, int flags, mode_t mode, int at)
{
	int existed = shim_existed(d, path, flags);
	/* a create or a truncation is an operation, a plain open is not */
	int mutates = ((flags & O_CREAT) && !existed) || ((flags & O_TRUNC) && existed);
	int due = mutates ? shim_cut_before_path(d, path, "open") : 0;
	int fd = at ? real.openat(d, path, flags, mode) : real.open(path, flags, mode);
	int errsv = errno;

	if (fd >= 0 && fd < SHIM_MAX_FDS && shim_enter()) {
		shim_opened(fd, flags, existed);
		shim_leave();
	}
	shim_cut_after(due, "open");
	errno = errsv;
	return fd;
}

#define SHIM_MODE(flags, mode)                                                                     \
	do {                                                                                       \
		if ((flags) & (O_CREAT | __O_TMPFILE)) {                                           \
			va_list ap;                                                                \
			va_start(ap, flags);                                                       \
			mode = va_arg(ap, mode_t);                                                 \
			va_end(ap);                                                                \
		}                                                                                  \
	} while (0)

int
open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	SHIM_MODE(flags, mode);
	return shim_openat_common(AT_FDCWD, path, flags, mode, 0);
}

int
open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	SHIM_MODE(flags, mode);
	return shim_openat_common(AT_FDCWD, path, flags, mode, 0);
}

int
openat(int d, const char *path, int flags, ...)
{
	mode_t mode = 0;

	SHIM_MODE(flags, mode);
	return shim_openat_common(d, path, flags, mode, 1);
}

int
openat64(int d, const char *path, int flags, ...)
{
	mode_t mode = 0;

	SHIM_MODE(flags, mode);
	return shim_openat_common(d, path, flags, mode, 1);
}

/* _FORTIFY_SOURCE's open() without a mode (declared by <fcntl.h> only under fortify) */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int d, const char *path, int flags);

int
__open_2(const char *path, int flags)
{
	return shim_openat_common(AT_FDCWD, path, flags, 0, 0);
}

int
__open64_2(const char *path, int flags)
{
	return shim_openat_common(AT_FDCWD, path, flags, 0, 0);
}

int
__openat_2(int d, const char *path, int flags)
{
	return shim_openat_common(d, path, flags, 0, 1);
}

int
creat(const char *path, mode_t mode)
{
	return shim_openat_common(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, 0);
}

int
creat64(const char *path, mode_t mode)
{
	return shim_openat_common(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, 0);
}

int
close(int fd)
{
	ShimFd *f = shim_fd(fd);
	int rc;

	if (real.close == NULL)
		pthread_once(&shim_once, shim_load);
	rc = real.close(fd);
	/* a descriptor reused meanwhile is caught by shim_written()'s inode check */
	if (f != NULL)
		__atomic_store_n(&f->kind, FD_UNKNOWN, __ATOMIC_RELAXED);
	return rc;
}

#define SHIM_WRITE(call, off, op)                                                                  \
	ssize_t n;                                                                                 \
	int errsv, due;                                                                            \
	pthread_once(&shim_once, shim_load);                                                       \
	due = shim_cut_before_fd(fd, op);                                                          \
	n = call;                                                                                  \
	errsv = errno;                                                                             \
	if (n > 0 && shim_enter_fd(fd)) {                                                          \
		shim_written(fd, off, n);                                                          \
		shim_leave();                                                                      \
	}                                                                                          \
	shim_cut_after(due, op);                                                                   \
	errno = errsv;                                                                             \
	return n

ssize_t
write(int fd, const void *buf, size_t len)
{
	SHIM_WRITE(real.write(fd, buf, len), -1, "write");
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	SHIM_WRITE(real.pwrite(fd, buf, len, off), off, "pwrite");
}

ssize_t
pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	SHIM_WRITE(real.pwrite64(fd, buf, len, off), off, "pwrite64");
}

ssize_t
writev(int fd, const struct iovec *iov, int iovcnt)
{
	SHIM_WRITE(real.writev(fd, iov, iovcnt), -1, "writev");
}

ssize_t
pwritev(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	SHIM_WRITE(real.pwritev(fd, iov, iovcnt, off), off, "pwritev");
}

ssize_t
pwritev64(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	SHIM_WRITE(real.pwritev64(fd, iov, iovcnt, off), off, "pwritev64");
}

ssize_t
pwritev2(int fd, const struct iovec *iov, int iovcnt, off_t off, int flags)
{
	/* RWF_SYNC / RWF_DSYNC make this one write durable */
	ssize_t n, errsv;
	int due;

	pthread_once(&shim_once, shim_load);
	due = shim_cut_before_fd(fd, "pwritev2");
	n = real.pwritev2(fd, iov, iovcnt, off, flags);
	errsv = errno;
	if (n > 0 && shim_enter_fd(fd)) {
		shim_written(fd, off, n);
		if (n > 0 && (flags & (RWF_SYNC | RWF_DSYNC)))
			shim_barrier_fd(fd, "rwf_sync");
		shim_leave();
	}
	shim_cut_after(due, "pwritev2");
	errno = (int)errsv;
	return n;
}

#define SHIM_TRUNCATE(call)                                                                        \
	int rc, errsv, due;                                                                        \
	pthread_once(&shim_once, shim_load);                                                       \
	due = shim_cut_before_fd(fd, "ftruncate");                                                 \
	rc = call;                                                                                 \
	errsv = errno;                                                                             \
	if (rc == 0 && shim_enter()) {                                                             \
		shim_truncated(fd, len);                                                           \
		shim_leave();                                                                      \
	}                                                                                          \
	shim_cut_after(due, "ftruncate");                                                          \
	errno = errsv;                                                                             \
	return rc

int
ftruncate(int fd, off_t len)
{
	SHIM_TRUNCATE(real.ftruncate(fd, len));
}

int
ftruncate64(int fd, off_t len)
{
	SHIM_TRUNCATE(real.ftruncate64(fd, len));
}

int
truncate(const char *path, off_t len)
{
	/* through a descriptor, so that the same bookkeeping applies */
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc, errsv;

	if (fd < 0)
		return -1;
	rc = ftruncate(fd, len);
	errsv = errno;
	close(fd);
	errno = errsv;
	return rc;
}

int
fallocate(int fd, int mode, off_t off, off_t len)
{
	int rc, errsv;

	pthread_once(&shim_once, shim_load);
	rc = real.fallocate(fd, mode, off, len);
	errsv = errno;
	/* allocated space reads as zeros: like a write of zeros, unless the size stays */
	if (rc == 0 && !(mode & FALLOC_FL_KEEP_SIZE) && shim_enter()) {
		shim_written(fd, off, len);
		shim_leave();
	}
	errno = errsv;
	return rc;
}

int
fallocate64(int fd, int mode, off_t off, off_t len)
{
	return fallocate(fd, mode, off, len);
}

int
posix_fallocate(int fd, off_t off, off_t len)
{
	int rc;

	pthread_once(&shim_once, shim_load);
	rc = real.posix_fallocate(fd, off, len);
	if (rc == 0 && shim_enter()) {
		shim_written(fd, off, len);
		shim_leave();
	}
	return rc;
}

int
posix_fallocate64(int fd, off_t off, off_t len)
{
	return posix_fallocate(fd, off, len);
}

/* the copy is taken before the real call, which runs without the lock: a write that
 * races with the barrier is not in the copy (the caller cannot rely on it either) */
#define SHIM_BARRIER(call, why)                                                                    \
	int due = shim_cut_before_fd(fd, why);                                                     \
	int rec = shim_enter();                                                                    \
	int rc, errsv;                                                                             \
	if (rec) {                                                                                 \
		shim_barrier_fd(fd, why);                                                          \
		shim_leave();                                                                      \
	}                                                                                          \
	rc = call;                                                                                 \
	errsv = errno;                                                                             \
	shim_cut_after(due, why);                                                                  \
	errno = errsv;                                                                             \
	return rc

int
fsync(int fd)
{
	SHIM_BARRIER(real.fsync(fd), "fsync");
}

int
fdatasync(int fd)
{
	SHIM_BARRIER(real.fdatasync(fd), "fdatasync");
}

/* not a barrier: it starts writeback of data pages only, no metadata, no cache flush */
int
sync_file_range(int fd, off_t off, off_t len, unsigned int flags)
{
	int rc, errsv;

	pthread_once(&shim_once, shim_load);
	rc = real.sync_file_range(fd, off, len, flags);
	errsv = errno;
	if (shim_enter()) {
		ShimFd *f = shim_fd_resolve(fd, NULL, 0);
		char key[64];
		if (f != NULL) {
			shim_key(f->inode, key, sizeof(key));
			shim_log("R %s\n", key);
		}
		shim_leave();
	}
	errno = errsv;
	return rc;
}

static void
shim_sync_all(const char *why)
{
	for (size_t i = 0; i < shim_n_roots; i++)
		shim_tree_barrier(shim_roots[i]);
	shim_log("Y all %s\n", why);
}

void
sync(void)
{
	if (shim_enter()) {
		shim_sync_all("sync");
		shim_leave();
	}
	real.sync();
}

int
syncfs(int fd)
{
	if (shim_enter()) {
		shim_sync_all("syncfs");
		shim_leave();
	}
	return real.syncfs(fd);
}

#define SHIM_NAMESPACE(call, op, d1, p1, d2, p2)                                                   \
	int rc, errsv, due;                                                                        \
	pthread_once(&shim_once, shim_load);                                                       \
	due = shim_cut_before_path(d1, p1, op);                                                    \
	rc = call;                                                                                 \
	errsv = errno;                                                                             \
	if (rc == 0 && shim_enter()) {                                                             \
		shim_namespace(op, d1, p1, d2, p2);                                                \
		shim_leave();                                                                      \
	}                                                                                          \
	shim_cut_after(due, op);                                                                   \
	errno = errsv;                                                                             \
	return rc

int
rename(const char *from, const char *to)
{
	SHIM_NAMESPACE(real.rename(from, to), "rename", AT_FDCWD, from, AT_FDCWD, to);
}

int
renameat(int d1, const char *from, int d2, const char *to)
{
	SHIM_NAMESPACE(real.renameat(d1, from, d2, to), "rename", d1, from, d2, to);
}

int
renameat2(int d1, const char *from, int d2, const char *to, unsigned int flags)
{
	SHIM_NAMESPACE(real.renameat2(d1, from, d2, to, flags), "rename", d1, from, d2, to);
}

int
unlink(const char *path)
{
	SHIM_NAMESPACE(real.unlink(path), "unlink", AT_FDCWD, path, -1, NULL);
}

int
unlinkat(int d, const char *path, int flags)
{
	SHIM_NAMESPACE(real.unlinkat(d, path, flags), "unlink", d, path, -1, NULL);
}

int
rmdir(const char *path)
{
	SHIM_NAMESPACE(real.rmdir(path), "rmdir", AT_FDCWD, path, -1, NULL);
}

int
link(const char *from, const char *to)
{
	SHIM_NAMESPACE(real.link(from, to), "link", AT_FDCWD, from, AT_FDCWD, to);
}

int
linkat(int d1, const char *from, int d2, const char *to, int flags)
{
	SHIM_NAMESPACE(real.linkat(d1, from, d2, to, flags), "link", d1, from, d2, to);
}

/* a new directory is a new inode: a reused number gets a new generation */
static void
shim_mkdir_done(int d, const char *path)
{
	struct stat st;

	if (fstatat(d, path, &st, 0) == 0)
		shim_inode_new(st.st_dev, st.st_ino);
	shim_namespace("mkdir", d, path, -1, NULL);
}

int
mkdir(const char *path, mode_t mode)
{
	int rc, errsv, due;

	pthread_once(&shim_once, shim_load);
	due = shim_cut_before_path(AT_FDCWD, path, "mkdir");
	rc = real.mkdir(path, mode);
	errsv = errno;
	if (rc == 0 && shim_enter()) {
		shim_mkdir_done(AT_FDCWD, path);
		shim_leave();
	}
	shim_cut_after(due, "mkdir");
	errno = errsv;
	return rc;
}

int
mkdirat(int d, const char *path, mode_t mode)
{
	int rc, errsv, due;

	pthread_once(&shim_once, shim_load);
	due = shim_cut_before_path(d, path, "mkdir");
	rc = real.mkdirat(d, path, mode);
	errsv = errno;
	if (rc == 0 && shim_enter()) {
		shim_mkdir_done(d, path);
		shim_leave();
	}
	shim_cut_after(due, "mkdir");
	errno = errsv;
	return rc;
}
