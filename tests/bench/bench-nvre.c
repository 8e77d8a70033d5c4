/*
 * bench-nvre: what NVRE v1 encryption costs, each figure beside a baseline
 * measured in the same run on the same bytes:
 *
 *   write      NVRE writer (64 KiB chunks, fsync at the end) vs plain write()
 *   read       sequential reader vs plain read(), page cache warm for both
 *   random     188-byte reads at random offsets: mean, p50, p99
 *   header     per-segment cost of the header (K_file, crypto_box_seal per
 *              recipient, MAC, Ed25519 signature), one and two recipients
 *   stream     CPU (getrusage, not wall time) to encrypt a 4 Mbit/s stream,
 *              as % of one core, vs writing it in the clear
 *
 * usage: bench-nvre [--mib N] [--dir DIR] [--stream-seconds S]
 * Built with the tests, never run by meson test.
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "keys/nvr-keys.h"
#include "keys/nvr-nvre.h"

#define BENCH_BLOCK (64 * 1024)
#define BENCH_RANDOM_READS 20000
#define BENCH_HEADERS 500

typedef struct {
	gchar *dir;
	gsize size;
	guint stream_seconds;
	guint8 *data;
	NvrNvreKeyPair *household;
	NvrNvreKeyPair *recovery;
	NvrNvreSigningKey *device;
	NvrNvreContext ctx;
} Bench;

static gdouble
bench_now(void)
{
	return (gdouble)g_get_monotonic_time() / G_USEC_PER_SEC;
}

static gdouble
bench_cpu(void)
{
	struct rusage ru;

	g_assert(getrusage(RUSAGE_SELF, &ru) == 0);
	return (gdouble)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (gdouble)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void
bench_params(Bench *b, NvrNvreWriterParams *wp, guint n_recipients)
{
	memset(wp, 0, sizeof(*wp));
	wp->context = b->ctx;
	wp->recipients[0] = nvr_nvre_key_pair_get_public(b->household);
	wp->recipients[1] = nvr_nvre_key_pair_get_public(b->recovery);
	wp->n_recipients = n_recipients;
	wp->device_key = b->device;
}

static void
bench_write_plain(const gchar *path, const guint8 *data, gsize size)
{
	gint fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	g_assert(fd >= 0);
	for (gsize off = 0; off < size; off += BENCH_BLOCK)
		g_assert(write(fd, data + off, MIN(BENCH_BLOCK, size - off)) ==
			 (gssize)MIN(BENCH_BLOCK, size - off));
	g_assert(fsync(fd) == 0);
	close(fd);
}

static void
bench_write_nvre(Bench *b, const gchar *path, const guint8 *data, gsize size)
{
	g_autoptr(NvrNvreWriter) w = NULL;
	g_autoptr(GError) error = NULL;
	NvrNvreWriterParams wp;
	NvrNvreWriterResult res;

	bench_params(b, &wp, 2);
	w = nvr_nvre_writer_create(path, &wp, &error);
	g_assert_no_error(error);
	for (gsize off = 0; off < size; off += BENCH_BLOCK)
		g_assert(
			nvr_nvre_writer_write(w, data + off, MIN(BENCH_BLOCK, size - off), &error));
	g_assert(nvr_nvre_writer_finish(w, &res, &error));
}

static void
bench_read_plain(const gchar *path, guint8 *buf, gsize size)
{
	gint fd = open(path, O_RDONLY | O_CLOEXEC);

	g_assert(fd >= 0);
	for (gsize off = 0; off < size; off += BENCH_BLOCK)
		g_assert(read(fd, buf, BENCH_BLOCK) >= 0);
	close(fd);
}

static NvrNvreReader *
bench_open(Bench *b, const gchar *path)
{
	NvrNvreKeyPair *keys[] = {b->household};
	NvrNvreReadParams rp = {0};
	g_autoptr(GError) error = NULL;
	NvrNvreReader *r;

	rp.context = b->ctx;
	rp.keys = keys;
	rp.n_keys = 1;
	rp.device_pk = nvr_nvre_signing_key_get_public(b->device);
	rp.require_signature = TRUE;
	r = nvr_nvre_reader_open(path, &rp, &error);
	g_assert_no_error(error);
	return r;
}

static void
bench_read_nvre(Bench *b, const gchar *path, guint8 *buf, gsize size)
{
	g_autoptr(NvrNvreReader) r = bench_open(b, path);

	for (gsize off = 0; off < size; off += BENCH_BLOCK)
		g_assert(nvr_nvre_reader_read(r, off, buf, MIN(BENCH_BLOCK, size - off), NULL));
}

static void
bench_line(const gchar *what, gdouble t_nvre, gdouble t_plain, gsize size)
{
	gdouble mib = (gdouble)size / (1 << 20);

	printf("%-10s nvre %8.1f MiB/s   plain %8.1f MiB/s   nvre/plain time %.2fx\n", what,
	       mib / t_nvre, mib / t_plain, t_nvre / t_plain);
}

static void
bench_throughput(Bench *b)
{
	g_autofree gchar *plain = g_build_filename(b->dir, "plain.bin", NULL);
	g_autofree gchar *nvre = g_build_filename(b->dir, "seg.nvre", NULL);
	g_autofree guint8 *buf = g_malloc(BENCH_BLOCK);
	gdouble t0, t_plain, t_nvre;

	/* write: alternate the order so neither always meets a cold disk */
	t0 = bench_now();
	bench_write_plain(plain, b->data, b->size);
	t_plain = bench_now() - t0;
	t0 = bench_now();
	bench_write_nvre(b, nvre, b->data, b->size);
	t_nvre = bench_now() - t0;
	bench_line("write", t_nvre, t_plain, b->size);

	/* read: warm both, then time */
	bench_read_plain(plain, buf, b->size);
	bench_read_nvre(b, nvre, buf, b->size);
	t0 = bench_now();
	bench_read_plain(plain, buf, b->size);
	t_plain = bench_now() - t0;
	t0 = bench_now();
	bench_read_nvre(b, nvre, buf, b->size);
	t_nvre = bench_now() - t0;
	bench_line("read", t_nvre, t_plain, b->size);
	g_unlink(plain);
}

static gint
bench_cmp_double(gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;

	return x < y ? -1 : x > y;
}

static void
bench_random_reads(Bench *b)
{
	g_autofree gchar *nvre = g_build_filename(b->dir, "seg.nvre", NULL);
	g_autoptr(NvrNvreReader) r = bench_open(b, nvre);
	g_autoptr(GRand) rand = g_rand_new_with_seed(1);
	g_autofree gdouble *lat = g_new(gdouble, BENCH_RANDOM_READS);
	gdouble sum = 0;
	guint8 buf[188];

	for (guint i = 0; i < BENCH_RANDOM_READS; i++) {
		guint64 off =
			(guint64)g_rand_double_range(rand, 0, (gdouble)(b->size - sizeof(buf)));
		gdouble t0 = bench_now();
		g_assert(nvr_nvre_reader_read(r, off, buf, sizeof(buf), NULL));
		lat[i] = (bench_now() - t0) * 1e6;
		sum += lat[i];
	}
	qsort(lat, BENCH_RANDOM_READS, sizeof(gdouble), bench_cmp_double);
	printf("random     188-byte reads (page cache warm, each decrypts a 64 KiB chunk): "
	       "mean %.1f us, p50 %.1f us, p99 %.1f us (%u reads)\n",
	       sum / BENCH_RANDOM_READS, lat[BENCH_RANDOM_READS / 2],
	       lat[BENCH_RANDOM_READS * 99 / 100], BENCH_RANDOM_READS);
	g_unlink(nvre);
}

/* header cost without the disk: writers on a memfd, never finished */
static gdouble
bench_header_us(Bench *b, guint n_recipients)
{
	NvrNvreWriterParams wp;
	gint fd = memfd_create("bench-nvre", MFD_CLOEXEC);
	gdouble t0, total = 0;

	g_assert(fd >= 0);
	bench_params(b, &wp, n_recipients);
	for (guint i = 0; i < BENCH_HEADERS; i++) {
		g_autoptr(GError) error = NULL;
		NvrNvreWriter *w;
		g_assert(ftruncate(fd, 0) == 0);
		t0 = bench_now();
		w = nvr_nvre_writer_new_for_fd(fd, &wp, &error);
		total += bench_now() - t0;
		g_assert_no_error(error);
		nvr_nvre_writer_free(w);
	}
	close(fd);
	return total / BENCH_HEADERS * 1e6;
}

static void
bench_headers(Bench *b)
{
	gdouble one = bench_header_us(b, 1);
	gdouble two = bench_header_us(b, 2);

	printf("header     per segment: %.1f us with 1 recipient, %.1f us with 2 "
	       "(one crypto_box_seal ~ %.1f us; the rest is K_file, MAC, Ed25519 signature, locked "
	       "memory)\n",
	       one, two, two - one);
}

/* a 4 Mbit/s stream for @seconds, in 1500-byte pieces as access units arrive */
static void
bench_stream(Bench *b)
{
	const gsize rate = 4000000 / 8;
	const gsize total = rate * b->stream_seconds;
	g_autofree gchar *plain = g_build_filename(b->dir, "stream.bin", NULL);
	g_autofree gchar *nvre = g_build_filename(b->dir, "stream.nvre", NULL);
	g_autoptr(NvrNvreWriter) w = NULL;
	g_autoptr(GError) error = NULL;
	NvrNvreWriterParams wp;
	NvrNvreWriterResult res;
	gdouble c0, cpu_nvre, cpu_plain;
	gint fd;

	bench_params(b, &wp, 2);
	c0 = bench_cpu();
	w = nvr_nvre_writer_create(nvre, &wp, &error);
	g_assert_no_error(error);
	for (gsize off = 0; off < total; off += 1500)
		g_assert(nvr_nvre_writer_write(w, b->data + off % (b->size - 1500),
					       MIN(1500, total - off), &error));
	g_assert(nvr_nvre_writer_finish(w, &res, &error));
	cpu_nvre = bench_cpu() - c0;

	c0 = bench_cpu();
	fd = open(plain, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	g_assert(fd >= 0);
	/* the same bytes in the clear, buffered the same way (64 KiB writes) */
	for (gsize off = 0; off < total; off += BENCH_BLOCK)
		g_assert(write(fd, b->data + off % (b->size - BENCH_BLOCK),
			       MIN(BENCH_BLOCK, total - off)) > 0);
	g_assert(fsync(fd) == 0);
	close(fd);
	cpu_plain = bench_cpu() - c0;
	printf("stream     4 Mbit/s for %u s of media: nvre %.3f s CPU = %.3f %% of one core; "
	       "plain %.3f s CPU = %.3f %%\n",
	       b->stream_seconds, cpu_nvre, 100 * cpu_nvre / b->stream_seconds, cpu_plain,
	       100 * cpu_plain / b->stream_seconds);
	g_unlink(plain);
	g_unlink(nvre);
}

int
main(int argc, char **argv)
{
	gint mib = 256;
	gint stream_seconds = 600;
	g_autofree gchar *dir = NULL;
	const GOptionEntry entries[] = {{"mib", 0, 0, G_OPTION_ARG_INT, &mib,
					 "Size of the throughput file (default 256)", "N"},
					{"dir", 0, 0, G_OPTION_ARG_FILENAME, &dir,
					 "Where to write (default: a new temp dir)", "DIR"},
					{"stream-seconds", 0, 0, G_OPTION_ARG_INT, &stream_seconds,
					 "Media seconds of the 4 Mbit/s stream (default 600)", "S"},
					{NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- NVRE v1 cost against plain I/O");
	g_autoptr(GError) error = NULL;
	gboolean own_dir = dir == NULL;
	Bench b = {0};

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || mib < 1 || stream_seconds < 1) {
		g_printerr("bench-nvre: %s\n", error != NULL ? error->message : "bad sizes");
		return 2;
	}
	g_assert(nvr_keys_init(NULL));
	own_dir = dir == NULL;
	b.dir = own_dir ? g_dir_make_tmp("bench-nvre-XXXXXX", NULL) : g_strdup(dir);
	b.size = (gsize)mib << 20;
	b.stream_seconds = (guint)stream_seconds;
	b.data = g_malloc(b.size);
	nvr_keys_random_bytes(b.data, b.size);
	b.household = nvr_nvre_key_pair_generate(NULL);
	b.recovery = nvr_nvre_key_pair_generate(NULL);
	b.device = nvr_nvre_signing_key_generate(NULL);
	g_assert(nvr_nvre_context_set_camera_uuid(&b.ctx, "11111111-2222-4333-8444-555555555555",
						  NULL));
	b.ctx.segment_id = 1;
	b.ctx.content_type = NVR_NVRE_CONTENT_FMP4;

	printf("bench-nvre: %d MiB in %s, chunk 64 KiB, 2 recipients, signed\n", mib, b.dir);
	bench_throughput(&b);
	bench_random_reads(&b);
	bench_headers(&b);
	bench_stream(&b);

	if (own_dir)
		g_rmdir(b.dir);
	g_free(b.dir);
	g_free(b.data);
	nvr_nvre_key_pair_unref(b.household);
	nvr_nvre_key_pair_unref(b.recovery);
	nvr_nvre_signing_key_unref(b.device);
	return 0;
}
