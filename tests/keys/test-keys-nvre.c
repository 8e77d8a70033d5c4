/*
 * NVRE v1 round trips the vectors cannot express (nvre-v1.md §16): write then
 * read, O_EXCL, crash then keyless recovery and a vouching successor, re-wrap
 * with an identical payload, the tags digest, and the helpers around them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/nvr-error.h"
#include "keys/nvr-keys.h"
#include "nvr-test-common.h"
#include "test-keys.h"

typedef struct {
	gchar *dir;
	NvrNvreKeyPair *household;
	NvrNvreKeyPair *recovery;
	NvrNvreSigningKey *device;
	NvrNvreContext ctx;
} NvreFixture;

static void
nvre_setup(NvreFixture *fx, gconstpointer data)
{
	fx->dir = nvr_test_mkdtemp();
	fx->household = nvr_nvre_key_pair_generate(NULL);
	fx->recovery = nvr_nvre_key_pair_generate(NULL);
	fx->device = nvr_nvre_signing_key_generate(NULL);
	g_assert_nonnull(fx->household);
	g_assert_nonnull(fx->recovery);
	g_assert_nonnull(fx->device);
	g_assert_true(nvr_nvre_context_set_camera_uuid(
		&fx->ctx, "3f2a6c1e-8b4d-4e0f-9a71-5c2d8e6b1f04", NULL));
	fx->ctx.segment_id = 7;
	fx->ctx.start_us = G_GINT64_CONSTANT(1767225600000000);
	fx->ctx.content_type = NVR_NVRE_CONTENT_FMP4;
}

static void
nvre_teardown(NvreFixture *fx, gconstpointer data)
{
	nvr_test_rm_rf(fx->dir);
	g_free(fx->dir);
	nvr_nvre_key_pair_unref(fx->household);
	nvr_nvre_key_pair_unref(fx->recovery);
	nvr_nvre_signing_key_unref(fx->device);
}

static guint8 *
nvre_pattern(gsize len, guint32 seed)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
	guint8 *p = g_malloc(len + 1);

	for (gsize i = 0; i < len; i++)
		p[i] = (guint8)g_rand_int(rand);
	return p;
}

static void
nvre_writer_params(NvreFixture *fx, NvrNvreWriterParams *wp, const NvrNvreContext *ctx,
		   const NvrNvreChainState *pred)
{
	memset(wp, 0, sizeof(*wp));
	wp->context = *ctx;
	wp->chunk_log2 = 12;
	wp->recipients[0] = nvr_nvre_key_pair_get_public(fx->household);
	wp->recipients[1] = nvr_nvre_key_pair_get_public(fx->recovery);
	wp->n_recipients = 2;
	wp->device_key = fx->device;
	wp->predecessor = pred;
}

/* writes @len bytes of pattern @seed as one segment; Returns: the plaintext */
static guint8 *
nvre_write(NvreFixture *fx, const gchar *path, const NvrNvreContext *ctx, gsize len, guint32 seed,
	   const NvrNvreChainState *pred, NvrNvreWriterResult *result)
{
	g_autoptr(NvrNvreWriter) w = NULL;
	g_autoptr(GError) error = NULL;
	NvrNvreWriterParams wp;
	guint8 *plain = nvre_pattern(len, seed);

	nvre_writer_params(fx, &wp, ctx, pred);
	w = nvr_nvre_writer_create(path, &wp, &error);
	g_assert_no_error(error);
	for (gsize off = 0; off < len;) {
		gsize n = MIN(len - off, 1 + (off * 7919 + seed) % 9000);
		g_assert_true(nvr_nvre_writer_write(w, plain + off, n, &error));
		off += n;
	}
	g_assert_cmpuint(nvr_nvre_writer_get_plain_len(w), ==, len);
	g_assert_true(nvr_nvre_writer_finish(w, result, &error));
	g_assert_no_error(error);
	return plain;
}

static NvrNvreReader *
nvre_open(NvreFixture *fx, const gchar *path, const NvrNvreContext *ctx, NvrNvreKeyPair *key,
	  NvrNvreMode mode, GError **error)
{
	NvrNvreKeyPair *keys[] = {key};
	NvrNvreReadParams rp = {0};

	rp.context = *ctx;
	rp.keys = keys;
	rp.n_keys = 1;
	rp.device_pk = nvr_nvre_signing_key_get_public(fx->device);
	rp.require_signature = TRUE;
	rp.mode = mode;
	return nvr_nvre_reader_open(path, &rp, error);
}

static void
nvre_assert_plain(NvrNvreReader *r, const guint8 *plain, gsize len)
{
	g_autofree guint8 *buf = g_malloc(len + 1);
	g_autoptr(GError) error = NULL;

	g_assert_cmpuint(nvr_nvre_reader_get_plain_len(r), ==, len);
	g_assert_true(nvr_nvre_reader_verify_all(r, &error));
	g_assert_no_error(error);
	g_assert_true(nvr_nvre_reader_read(r, 0, buf, len, &error));
	g_assert_no_error(error);
	g_assert_cmpmem(buf, len, plain, len);
}

static void
nvre_assert_class(const GError *error, NvrNvreError code)
{
	g_assert_nonnull(error);
	g_assert_cmpstr(test_keys_outcome(error), ==, nvr_nvre_error_class_name(code));
}

/* every chunk-size boundary, each read back whole and in random slices */
static void
test_nvre_round_trip(NvreFixture *fx, gconstpointer data)
{
	const gsize sizes[] = {0, 1, 4095, 4096, 4097, 3 * 4096, 3 * 4096 + 1000, 50000};
	g_autoptr(GRand) rand = g_rand_new_with_seed(42);

	for (guint i = 0; i < G_N_ELEMENTS(sizes); i++) {
		g_autofree gchar *path = g_strdup_printf("%s/rt-%u.nvre", fx->dir, i);
		g_autoptr(NvrNvreReader) r = NULL;
		g_autoptr(GError) error = NULL;
		g_autofree guint8 *plain = NULL;
		NvrNvreWriterResult res;
		NvrNvreChainState state;
		struct stat st;

		plain = nvre_write(fx, path, &fx->ctx, sizes[i], i, NULL, &res);
		g_assert_cmpint(g_stat(path, &st), ==, 0);
		g_assert_cmpuint(res.file_len, ==, (guint64)st.st_size);
		/* L = hl + ⌊N/C⌋·CT + (N mod C) + 16 (§7.1) */
		g_assert_cmpuint(res.file_len, ==,
				 512 + sizes[i] / 4096 * 4112 + sizes[i] % 4096 + 16);
		g_assert_cmpuint(st.st_mode & 0777, ==, 0600);
		r = nvre_open(fx, path, &fx->ctx, fx->household, NVR_NVRE_MODE_STRICT, &error);
		g_assert_no_error(error);
		nvre_assert_plain(r, plain, sizes[i]);
		g_assert_cmpint(nvr_nvre_reader_get_status(r), ==, NVR_NVRE_STATUS_FINALIZED);
		g_assert_true(nvr_nvre_reader_is_signed(r));
		g_assert_cmpmem(nvr_nvre_reader_get_header_mac(r), 32, res.header_mac, 32);
		nvr_nvre_reader_get_chain_state(r, &state);
		g_assert_cmpmem(&state, sizeof(state), &res.state, sizeof(state));
		g_assert_true(nvr_nvre_reader_check_chain(r, NULL, NULL));
		for (guint j = 0; j < 50 && sizes[i] > 0; j++) {
			guint64 off = (guint64)g_rand_int_range(rand, 0, (gint32)sizes[i]);
			gsize want =
				(gsize)g_rand_int_range(rand, 0, 9000); /* MIN() evaluates twice */
			gsize len = MIN(want, sizes[i] - off);
			guint8 buf[9000];
			g_assert_true(nvr_nvre_reader_read(r, off, buf, len, &error));
			g_assert_cmpmem(buf, len, plain + off, len);
		}
		/* the recovery key opens it too; the household's stanza is first */
		{
			g_autoptr(NvrNvreReader) r2 = nvre_open(fx, path, &fx->ctx, fx->recovery,
								NVR_NVRE_MODE_STRICT, &error);
			g_assert_no_error(error);
			nvre_assert_plain(r2, plain, sizes[i]);
		}
	}
}

static void
test_nvre_excl(NvreFixture *fx, gconstpointer data)
{
	g_autofree gchar *path = g_build_filename(fx->dir, "x.nvre", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrNvreWriter) w = NULL;
	g_autofree guint8 *plain = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	NvrNvreWriterParams wp;
	NvrNvreWriterResult res;
	gsize len = 0;

	plain = nvre_write(fx, path, &fx->ctx, 5000, 1, NULL, &res);
	g_assert_true(g_file_get_contents(path, &before, &len, NULL));
	nvre_writer_params(fx, &wp, &fx->ctx, NULL);
	w = nvr_nvre_writer_create(path, &wp, &error);
	g_assert_null(w);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_EXISTS);
	g_assert_true(g_file_get_contents(path, &after, NULL, NULL));
	g_assert_cmpmem(before, len, after, len);
}

static void
test_nvre_writer_refuses(NvreFixture *fx, gconstpointer data)
{
	g_autofree gchar *path = g_build_filename(fx->dir, "bad.nvre", NULL);
	NvrNvreWriterParams wp;

	for (guint i = 0; i < 7; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrNvreWriter) w = NULL;

		nvre_writer_params(fx, &wp, &fx->ctx, NULL);
		switch (i) {
		case 0:
			wp.context.content_type = 4;
			break; /* reserved: writers MUST NOT use it */
		case 1:
			wp.context.segment_id = 0;
			break;
		case 2:
			wp.chunk_log2 = 11;
			break;
		case 3:
			wp.chunk_log2 = 21;
			break;
		case 4:
			wp.header_len = 320;
			break; /* 2 stanzas need 384 */
		case 5:
			wp.header_len = 500;
			break;
		case 6:
			wp.n_recipients = 0;
			break;
		}
		w = nvr_nvre_writer_create(path, &wp, &error);
		g_assert_null(w);
		g_assert_error(error, NVR_NVRE_ERROR, NVR_NVRE_ERROR_INVALID_ARGUMENT);
		/* checked before the file is created: nothing is left behind */
		g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	}
}

/* the fd variant: an empty file the caller opened; a used writer refuses more */
static void
test_nvre_writer_fd(NvreFixture *fx, gconstpointer data)
{
	g_autofree gchar *path = g_build_filename(fx->dir, "fd.nvre", NULL);
	g_autoptr(NvrNvreWriter) w = NULL;
	g_autoptr(NvrNvreReader) r = NULL;
	g_autoptr(GError) error = NULL;
	NvrNvreWriterParams wp;
	NvrNvreWriterResult res;
	const guint8 payload[] = "hello";
	gint fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	g_assert_cmpint(fd, >=, 0);
	nvre_writer_params(fx, &wp, &fx->ctx, NULL);
	wp.chunk_log2 = 0; /* defaults: 16 and 512 */
	w = nvr_nvre_writer_new_for_fd(fd, &wp, &error);
	g_assert_no_error(error);
	g_assert_true(nvr_nvre_writer_write(w, payload, 5, &error));
	g_assert_true(nvr_nvre_writer_sync(w, &error));
	g_assert_true(nvr_nvre_writer_finish(w, &res, &error));
	g_assert_false(nvr_nvre_writer_write(w, payload, 5, &error));
	g_assert_error(error, NVR_NVRE_ERROR, NVR_NVRE_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	/* a file that is not empty is refused */
	g_clear_pointer(&w, nvr_nvre_writer_free);
	w = nvr_nvre_writer_new_for_fd(fd, &wp, &error);
	g_assert_null(w);
	g_assert_error(error, NVR_NVRE_ERROR, NVR_NVRE_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	close(fd);
	r = nvre_open(fx, path, &fx->ctx, fx->household, NVR_NVRE_MODE_STRICT, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(nvr_nvre_reader_get_chunk_size(r), ==, 65536);
	g_assert_cmpuint(nvr_nvre_reader_get_header_len(r), ==, 512);
	nvre_assert_plain(r, payload, 5);
}

static void
test_nvre_signature_policy(NvreFixture *fx, gconstpointer data)
{
	g_autofree gchar *path = g_build_filename(fx->dir, "s.nvre", NULL);
	g_autofree gchar *upath = g_build_filename(fx->dir, "u.nvre", NULL);
	g_autoptr(NvrNvreSigningKey) other = nvr_nvre_signing_key_generate(NULL);
	g_autoptr(NvrNvreWriter) w = NULL;
	g_autofree guint8 *plain = NULL;
	NvrNvreKeyPair *keys[] = {fx->household};
	NvrNvreReadParams rp = {0};
	NvrNvreWriterParams wp;
	NvrNvreWriterResult res;

	plain = nvre_write(fx, path, &fx->ctx, 100, 3, NULL, &res);
	nvre_writer_params(fx, &wp, &fx->ctx, NULL);
	wp.device_key = NULL;
	w = nvr_nvre_writer_create(upath, &wp, NULL);
	g_assert_true(nvr_nvre_writer_finish(w, &res, NULL));
	rp.context = fx->ctx;
	rp.keys = keys;
	rp.n_keys = 1;
	rp.require_signature = TRUE;
	/* another device's key, no key at all, unsigned under a signing policy: all sig */
	for (guint i = 0; i < 4; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrNvreReader) r = NULL;
		rp.device_pk = i == 0	? nvr_nvre_signing_key_get_public(other)
			       : i == 1 ? NULL
					: nvr_nvre_signing_key_get_public(fx->device);
		rp.require_signature = i != 1;
		r = nvr_nvre_reader_open(i < 2 ? path : upath, &rp, &error);
		if (i < 3) {
			g_assert_null(r);
			nvre_assert_class(error, NVR_NVRE_ERROR_SIG);
		} else {
			rp.require_signature = FALSE;
			g_clear_error(&error);
			g_clear_pointer(&r, nvr_nvre_reader_free);
			r = nvr_nvre_reader_open(upath, &rp, &error);
			g_assert_no_error(error);
			g_assert_false(nvr_nvre_reader_is_signed(r));
		}
	}
}

/* truncates a copy of @src to @len bytes at @dst */
static void
nvre_copy_truncated(const gchar *src, const gchar *dst, gsize len)
{
	g_autoptr(GBytes) b = nvr_test_read_bytes(src);

	g_assert_cmpuint(len, <=, g_bytes_get_size(b));
	test_keys_write_file(dst, g_bytes_get_data(b, NULL), len);
}

/* §10 + §8: a writer stops at random points; recovery, a successor that vouches, and tamper */
static void
test_nvre_crash_recovery(NvreFixture *fx, gconstpointer data)
{
	g_autofree gchar *full = g_build_filename(fx->dir, "full.nvre", NULL);
	g_autoptr(GRand) rand = g_rand_new_with_seed(7);
	g_autofree guint8 *plain = NULL;
	NvrNvreWriterResult res;
	const gsize len = 5 * 4096 + 777;
	NvrNvreContext succ_ctx = fx->ctx;

	plain = nvre_write(fx, full, &fx->ctx, len, 9, NULL, &res);
	succ_ctx.segment_id = fx->ctx.segment_id + 1;
	succ_ctx.start_us += 60000000;
	for (guint round = 0; round < 12; round++) {
		g_autofree gchar *crashed = g_strdup_printf("%s/crash-%u.nvre", fx->dir, round);
		g_autofree gchar *succ = g_strdup_printf("%s/succ-%u.nvre", fx->dir, round);
		/* anywhere from the bare header to one byte short of finished */
		gsize cut = 512 + (round == 0	? 0
				   : round == 1 ? 7
						: (gsize)g_rand_int_range(
							  rand, 0, (gint32)(res.file_len - 512)));
		g_autoptr(GError) error = NULL;
		g_autoptr(NvrNvreReader) pr = NULL;
		g_autoptr(NvrNvreReader) sr = NULL;
		g_autofree guint8 *succ_plain = NULL;
		NvrNvreChainState state, state2, seen;
		NvrNvreWriterResult sres;
		guint64 k = (cut - 512) / 4112;
		struct stat st;

		nvre_copy_truncated(full, crashed, cut);
		g_assert_true(nvr_nvre_recover(crashed, &state, &error));
		g_assert_no_error(error);
		g_assert_cmpint(g_stat(crashed, &st), ==, 0);
		g_assert_cmpuint((guint64)st.st_size, ==, 512 + k * 4112);
		g_assert_cmpuint(state.file_len, ==, 512 + k * 4112);
		g_assert_cmpint(state.status, ==, NVR_NVRE_STATUS_INTERRUPTED);
		/* recovery is idempotent, and the keyless state of the file agrees */
		g_assert_true(nvr_nvre_recover(crashed, &state2, NULL));
		g_assert_cmpmem(&state, sizeof(state), &state2, sizeof(state2));
		g_assert_true(nvr_nvre_read_chain_state(crashed, NVR_NVRE_STATUS_INTERRUPTED,
							&state2, NULL));
		g_assert_cmpmem(&state, sizeof(state), &state2, sizeof(state2));

		succ_plain = nvre_write(fx, succ, &succ_ctx, 100, round, &state, &sres);
		sr = nvre_open(fx, succ, &succ_ctx, fx->household, NVR_NVRE_MODE_STRICT, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(nvr_nvre_reader_get_prev_segment_id(sr), ==, fx->ctx.segment_id);
		pr = nvre_open(fx, crashed, &fx->ctx, fx->household, NVR_NVRE_MODE_INTERRUPTED,
			       &error);
		if (k == 0) {
			/* a header-only file holds no footage; its successor still links to it */
			nvre_assert_class(error, NVR_NVRE_ERROR_UNFINALIZED);
			g_assert_true(nvr_nvre_reader_check_chain(sr, &state2, NULL));
			continue;
		}
		g_assert_no_error(error);
		nvre_assert_plain(pr, plain, k * 4096);
		nvr_nvre_reader_get_chain_state(pr, &seen);
		g_assert_true(nvr_nvre_reader_check_chain(sr, &seen, &error));
		g_assert_no_error(error);
		/* strict mode never accepts it */
		g_clear_pointer(&pr, nvr_nvre_reader_free);
		pr = nvre_open(fx, crashed, &fx->ctx, fx->household, NVR_NVRE_MODE_STRICT, &error);
		nvre_assert_class(error, NVR_NVRE_ERROR_UNFINALIZED);
		g_clear_error(&error);
		/* tampered: one more whole chunk cut off still opens interrupted, but fails the
		 * link */
		nvre_copy_truncated(crashed, crashed, 512 + (k - 1) * 4112);
		pr = nvre_open(fx, crashed, &fx->ctx, fx->household, NVR_NVRE_MODE_INTERRUPTED,
			       &error);
		if (k == 1) {
			nvre_assert_class(error, NVR_NVRE_ERROR_UNFINALIZED);
			continue;
		}
		g_assert_no_error(error);
		nvr_nvre_reader_get_chain_state(pr, &seen);
		g_assert_false(nvr_nvre_reader_check_chain(sr, &seen, &error));
		nvre_assert_class(error, NVR_NVRE_ERROR_LINK);
	}
	/* interrupted mode opens a finalized file normally (§17.7) */
	{
		g_autoptr(NvrNvreReader) r = nvre_open(fx, full, &fx->ctx, fx->household,
						       NVR_NVRE_MODE_INTERRUPTED, NULL);
		g_assert_nonnull(r);
		g_assert_cmpint(nvr_nvre_reader_get_status(r), ==, NVR_NVRE_STATUS_FINALIZED);
		nvre_assert_plain(r, plain, len);
	}
}

/* a writer freed without finish() leaves whole chunks only: recovery keeps them all */
static void
test_nvre_abandoned_writer(NvreFixture *fx, gconstpointer data)
{
	g_autofree gchar *path = g_build_filename(fx->dir, "a.nvre", NULL);
	g_autofree guint8 *plain = nvre_pattern(3 * 4096 + 5, 4);
	g_autoptr(NvrNvreReader) r = NULL;
	g_autoptr(GError) error = NULL;
	NvrNvreWriterParams wp;
	NvrNvreWriter *w;
	NvrNvreChainState state;

	nvre_writer_params(fx, &wp, &fx->ctx, NULL);
	w = nvr_nvre_writer_create(path, &wp, &error);
	g_assert_true(nvr_nvre_writer_write(w, plain, 3 * 4096 + 5, &error));
	g_assert_true(nvr_nvre_writer_sync(w, &error));
	g_assert_cmpuint(nvr_nvre_writer_get_file_len(w), ==, 512 + 3 * 4112);
	nvr_nvre_writer_free(w);
	g_assert_true(nvr_nvre_recover(path, &state, &error));
	g_assert_cmpuint(state.file_len, ==, 512 + 3 * 4112);
	r = nvre_open(fx, path, &fx->ctx, fx->household, NVR_NVRE_MODE_INTERRUPTED, &error);
	g_assert_no_error(error);
	nvre_assert_plain(r, plain, 3 * 4096);
}

static void
test_nvre_recover_refuses(NvreFixture *fx, gconstpointer data)
{
	g_autofree gchar *path = g_build_filename(fx->dir, "junk.nvre", NULL);
	g_autoptr(GError) error = NULL;
	NvrNvreChainState state;
	guint8 junk[600] = {0};

	/* not NVRE: recovery stops with param and leaves the bytes alone */
	test_keys_write_file(path, junk, sizeof(junk));
	g_assert_false(nvr_nvre_recover(path, &state, &error));
	nvre_assert_class(error, NVR_NVRE_ERROR_PARAM);
	g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
	{
		g_autoptr(GBytes) b = nvr_test_read_bytes(path);
		g_assert_cmpuint(g_bytes_get_size(b), ==, sizeof(junk));
	}
}

/* §13: new recipients, identical payload, the successor's link still holds */
static void
test_nvre_rewrap(NvreFixture *fx, gconstpointer data)
{
	g_autofree gchar *path = g_build_filename(fx->dir, "p.nvre", NULL);
	g_autofree gchar *succ = g_build_filename(fx->dir, "s.nvre", NULL);
	g_autoptr(NvrNvreKeyPair) next = nvr_nvre_key_pair_generate(NULL);
	g_autoptr(GBytes) before = NULL;
	g_autoptr(GBytes) after = NULL;
	g_autoptr(NvrNvreReader) r = NULL;
	g_autoptr(NvrNvreReader) sr = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *plain = NULL;
	g_autofree guint8 *splain = NULL;
	NvrNvreKeyPair *old_keys[] = {fx->household};
	NvrNvreRewrapParams rw = {0};
	NvrNvreContext sctx = fx->ctx;
	NvrNvreWriterResult res, sres;
	NvrNvreChainState state;

	plain = nvre_write(fx, path, &fx->ctx, 9000, 5, NULL, &res);
	sctx.segment_id++;
	splain = nvre_write(fx, succ, &sctx, 10, 6, &res.state, &sres);
	before = nvr_test_read_bytes(path);

	rw.keys = old_keys;
	rw.n_keys = 1;
	rw.device_pk = nvr_nvre_signing_key_get_public(fx->device);
	rw.recipients[0] = nvr_nvre_key_pair_get_public(next);
	rw.recipients[1] = nvr_nvre_key_pair_get_public(fx->recovery);
	rw.recipients[2] = nvr_nvre_key_pair_get_public(fx->recovery);
	rw.n_recipients = 3;
	rw.device_key = fx->device;
	g_assert_true(nvr_nvre_rewrap(path, &fx->ctx, &rw, &error));
	g_assert_no_error(error);
	after = nvr_test_read_bytes(path);
	g_assert_cmpuint(g_bytes_get_size(before), ==, g_bytes_get_size(after));
	g_assert_cmpmem((const guint8 *)g_bytes_get_data(before, NULL) + 512,
			g_bytes_get_size(before) - 512,
			(const guint8 *)g_bytes_get_data(after, NULL) + 512,
			g_bytes_get_size(after) - 512);
	g_assert_false(memcmp(g_bytes_get_data(before, NULL), g_bytes_get_data(after, NULL), 512) ==
		       0);

	/* the old household key is gone from the file; the new one and recovery open it */
	r = nvre_open(fx, path, &fx->ctx, fx->household, NVR_NVRE_MODE_STRICT, &error);
	nvre_assert_class(error, NVR_NVRE_ERROR_NOKEY);
	g_clear_error(&error);
	r = nvre_open(fx, path, &fx->ctx, next, NVR_NVRE_MODE_STRICT, &error);
	g_assert_no_error(error);
	nvre_assert_plain(r, plain, 9000);
	nvr_nvre_reader_get_chain_state(r, &state);
	g_assert_cmpmem(&state, sizeof(state), &res.state, sizeof(state));
	sr = nvre_open(fx, succ, &sctx, fx->household, NVR_NVRE_MODE_STRICT, &error);
	g_assert_no_error(error);
	g_assert_true(nvr_nvre_reader_check_chain(sr, &state, &error));
	g_assert_no_error(error);

	/* nine recipients never fit; the wrong context is refused as a reader would */
	rw.keys = (NvrNvreKeyPair *[]){next};
	rw.n_recipients = 4; /* 112 + 4·88 + 96 = 560 > 512 */
	rw.recipients[3] = rw.recipients[0];
	g_assert_false(nvr_nvre_rewrap(path, &fx->ctx, &rw, &error));
	g_assert_error(error, NVR_NVRE_ERROR, NVR_NVRE_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	rw.n_recipients = 1;
	g_assert_false(nvr_nvre_rewrap(path, &sctx, &rw, &error));
	nvre_assert_class(error, NVR_NVRE_ERROR_CONTEXT);
}

static void
test_nvre_tags_digest(NvreFixture *fx, gconstpointer data)
{
	g_autofree gchar *path = g_build_filename(fx->dir, "t.nvre", NULL);
	g_autofree guint8 *plain = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) b = NULL;
	NvrNvreWriterResult res;
	guint8 digest[32], sig[64];
	guint8 *copy;

	plain = nvre_write(fx, path, &fx->ctx, 3 * 4096 + 10, 8, NULL, &res);
	g_assert_true(nvr_nvre_tags_digest(path, NVR_NVRE_STATUS_FINALIZED, digest, &error));
	g_assert_no_error(error);
	g_assert_cmpmem(digest, 32, res.tags_digest, 32);
	g_assert_true(nvr_nvre_tags_digest_sign(fx->device, digest, sig, &error));
	g_assert_true(nvr_nvre_tags_digest_verify(nvr_nvre_signing_key_get_public(fx->device),
						  digest, sig, &error));
	g_assert_no_error(error);

	/* a changed tag (here of chunk 1) changes the digest: the signature no longer holds */
	b = nvr_test_read_bytes(path);
	copy = g_memdup2(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
	copy[512 + 2 * 4112 - 1] ^= 0x01;
	test_keys_write_file(path, copy, g_bytes_get_size(b));
	g_free(copy);
	g_assert_true(nvr_nvre_tags_digest(path, NVR_NVRE_STATUS_FINALIZED, digest, &error));
	g_assert_false(memcmp(digest, res.tags_digest, 32) == 0);
	g_assert_false(nvr_nvre_tags_digest_verify(nvr_nvre_signing_key_get_public(fx->device),
						   digest, sig, &error));
	nvre_assert_class(error, NVR_NVRE_ERROR_SIG);
}

/* reads from several threads at once share one reader */
static gpointer
nvre_reader_thread(gpointer data)
{
	gpointer *args = data;
	NvrNvreReader *r = args[0];
	const guint8 *plain = args[1];
	g_autoptr(GRand) rand = g_rand_new();

	for (guint i = 0; i < 300; i++) {
		guint64 off = (guint64)g_rand_int_range(rand, 0, 40000 - 188);
		guint8 buf[188];
		if (!nvr_nvre_reader_read(r, off, buf, sizeof(buf), NULL) ||
		    memcmp(buf, plain + off, 188) != 0)
			return GINT_TO_POINTER(1);
	}
	return NULL;
}

static void
test_nvre_threads(NvreFixture *fx, gconstpointer data)
{
	g_autofree gchar *path = g_build_filename(fx->dir, "th.nvre", NULL);
	g_autofree guint8 *plain = NULL;
	g_autoptr(NvrNvreReader) r = NULL;
	NvrNvreWriterResult res;
	GThread *threads[3];
	gpointer args[2];

	plain = nvre_write(fx, path, &fx->ctx, 40000, 11, NULL, &res);
	r = nvre_open(fx, path, &fx->ctx, fx->household, NVR_NVRE_MODE_STRICT, NULL);
	g_assert_nonnull(r);
	args[0] = r;
	args[1] = plain;
	for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
		threads[i] = g_thread_new("reader", nvre_reader_thread, args);
	for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
		g_assert_null(g_thread_join(threads[i]));
}

static void
test_nvre_range(NvreFixture *fx, gconstpointer data)
{
	g_autofree gchar *path = g_build_filename(fx->dir, "r.nvre", NULL);
	g_autofree guint8 *plain = NULL;
	g_autoptr(NvrNvreReader) r = NULL;
	NvrNvreWriterResult res;
	guint8 buf[16];
	const struct {
		guint64 off;
		gsize len;
		gboolean ok;
	} cases[] = {{0, 0, TRUE},	    {100, 0, TRUE},
		     {99, 1, TRUE},	    {101, 0, FALSE},
		     {100, 1, FALSE},	    {G_MAXUINT64, 1, FALSE},
		     {1, G_MAXSIZE, FALSE}, {G_MAXUINT64, G_MAXSIZE, FALSE}};

	plain = nvre_write(fx, path, &fx->ctx, 100, 2, NULL, &res);
	r = nvre_open(fx, path, &fx->ctx, fx->household, NVR_NVRE_MODE_STRICT, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		/* the range check comes first, so the huge lengths never touch @buf */
		gboolean ok = nvr_nvre_reader_read(r, cases[i].off, buf, cases[i].len, &error);
		g_assert_cmpint(ok, ==, cases[i].ok);
		if (!ok)
			nvre_assert_class(error, NVR_NVRE_ERROR_RANGE);
	}
}

static void
test_nvre_keys(void)
{
	g_autoptr(NvrNvreKeyPair) a = nvr_nvre_key_pair_generate(NULL);
	g_autoptr(NvrNvreKeyPair) b = NULL;
	g_autoptr(NvrNvreSigningKey) s = nvr_nvre_signing_key_generate(NULL);
	g_autoptr(NvrNvreSigningKey) s2 = NULL;
	g_autoptr(NvrSecret) seed = NULL;
	g_autoptr(GError) error = NULL;
	const guint8 msg[] = "retention tombstone";
	guint8 sig[64];
	const guint8 *sk;

	/* the secret rebuilds the public key */
	sk = nvr_secret_acquire(nvr_nvre_key_pair_get_secret(a), NULL);
	b = nvr_nvre_key_pair_new_from_secret(sk, &error);
	nvr_secret_release(nvr_nvre_key_pair_get_secret(a));
	g_assert_no_error(error);
	g_assert_cmpmem(nvr_nvre_key_pair_get_public(a), 32, nvr_nvre_key_pair_get_public(b), 32);
	g_assert_true(
		nvr_secret_equal(nvr_nvre_key_pair_get_secret(a), nvr_nvre_key_pair_get_secret(b)));

	seed = nvr_nvre_signing_key_dup_seed(s, &error);
	sk = nvr_secret_acquire(seed, NULL);
	s2 = nvr_nvre_signing_key_new_from_seed(sk, &error);
	nvr_secret_release(seed);
	g_assert_cmpmem(nvr_nvre_signing_key_get_public(s), 32, nvr_nvre_signing_key_get_public(s2),
			32);
	g_assert_true(nvr_nvre_signing_key_sign(s2, msg, sizeof(msg), sig, &error));
	g_assert_true(nvr_nvre_verify_signature(nvr_nvre_signing_key_get_public(s), msg,
						sizeof(msg), sig, &error));
	g_assert_no_error(error);
	g_assert_false(nvr_nvre_verify_signature(nvr_nvre_signing_key_get_public(s), msg,
						 sizeof(msg) - 1, sig, &error));
	nvre_assert_class(error, NVR_NVRE_ERROR_SIG);
}

static void
test_nvre_context_uuid(void)
{
	NvrNvreContext c = {0};
	const gchar *bad[] = {"",
			      "3f2a6c1e",
			      "3f2a6c1e-8b4d-4e0f-9a71-5c2d8e6b1f0",
			      "3f2a6c1e-8b4d-4e0f-9a71-5c2d8e6b1f045",
			      "3f2a6c1e8b4d-4e0f-9a71-5c2d8e6b1f04",
			      "3f2a6c1e-8b4d-4e0f-9a71-5c2d8e6b1fzz"};

	g_assert_true(
		nvr_nvre_context_set_camera_uuid(&c, "3F2A6C1E8B4D4E0F9A715C2D8E6B1F04", NULL));
	g_assert_cmpint(c.camera_id[0], ==, 0x3f);
	g_assert_cmpint(c.camera_id[15], ==, 0x04);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_assert_false(nvr_nvre_context_set_camera_uuid(&c, bad[i], &error));
		g_assert_error(error, NVR_NVRE_ERROR, NVR_NVRE_ERROR_INVALID_ARGUMENT);
	}
}

static void
test_nvre_slot_round_trip(void)
{
	g_autoptr(NvrNvreKeyPair) hh = nvr_nvre_key_pair_generate(NULL);
	g_autoptr(NvrNvreKeyPair) other = nvr_nvre_key_pair_generate(NULL);
	g_autoptr(NvrNvreKeyPair) out = NULL;
	g_autoptr(GError) error = NULL;
	const guint8 pass[] = "hunter2 hunter2";
	guint8 slot[104], slot2[104];

	g_assert_true(nvr_nvre_slot_wrap(hh, pass, sizeof(pass) - 1, 1, 8 << 20, slot, &error));
	g_assert_no_error(error);
	/* fresh salt and nonce every time */
	g_assert_true(nvr_nvre_slot_wrap(hh, pass, sizeof(pass) - 1, 1, 8 << 20, slot2, &error));
	g_assert_false(memcmp(slot, slot2, 104) == 0);
	out = nvr_nvre_slot_unwrap(slot, 104, pass, sizeof(pass) - 1,
				   nvr_nvre_key_pair_get_public(hh), &error);
	g_assert_no_error(error);
	g_assert_true(nvr_secret_equal(nvr_nvre_key_pair_get_secret(out),
				       nvr_nvre_key_pair_get_secret(hh)));
	g_clear_pointer(&out, nvr_nvre_key_pair_unref);
	out = nvr_nvre_slot_unwrap(slot, 104, pass, sizeof(pass) - 2,
				   nvr_nvre_key_pair_get_public(hh), &error);
	nvre_assert_class(error, NVR_NVRE_ERROR_NOKEY);
	g_clear_error(&error);
	out = nvr_nvre_slot_unwrap(slot, 104, pass, sizeof(pass) - 1,
				   nvr_nvre_key_pair_get_public(other), &error);
	nvre_assert_class(error, NVR_NVRE_ERROR_NOKEY);
	g_clear_error(&error);
	out = nvr_nvre_slot_unwrap(slot, 103, pass, sizeof(pass) - 1,
				   nvr_nvre_key_pair_get_public(hh), &error);
	nvre_assert_class(error, NVR_NVRE_ERROR_PARAM);
	g_clear_error(&error);
	/* NUL inside the passphrase, and costs outside the bounds, are refused before hashing */
	g_assert_false(nvr_nvre_slot_wrap(hh, (const guint8 *)"a\0b", 3, 1, 8 << 20, slot, &error));
	g_assert_error(error, NVR_NVRE_ERROR, NVR_NVRE_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_false(nvr_nvre_slot_wrap(hh, pass, 4, 17, 8 << 20, slot, &error));
	nvre_assert_class(error, NVR_NVRE_ERROR_PARAM);
	g_clear_error(&error);
	g_assert_false(nvr_nvre_slot_wrap(hh, pass, 4, 1, (G_GUINT64_CONSTANT(1) << 30) + 1, slot,
					  &error));
	nvre_assert_class(error, NVR_NVRE_ERROR_PARAM);
}

static void
test_keys_helpers(void)
{
	g_autoptr(NvrSecret) key = nvr_secret_new_random(32, NULL);
	g_autoptr(NvrSecret) key2 = nvr_secret_new_random(32, NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *t1 = nvr_keys_random_token_hex(32);
	g_autofree gchar *t2 = nvr_keys_random_token_hex(32);
	g_autofree gchar *hash = NULL;
	g_autofree gchar *sealed = NULL;
	g_autofree gchar *opened = NULL;
	guint8 d1[32], d2[32];

	g_assert_cmpuint(strlen(t1), ==, 64);
	g_assert_cmpstr(t1, !=, t2);
	g_assert_true(nvr_keys_equal((const guint8 *)"abc", (const guint8 *)"abc", 3));
	g_assert_false(nvr_keys_equal((const guint8 *)"abc", (const guint8 *)"abd", 3));
	g_assert_cmpuint(nvr_keys_random_uniform(10), <, 10);
	/* SHA-256("abc") and BLAKE2b keyed vs unkeyed differ */
	g_assert_true(nvr_keys_sha256((const guint8 *)"abc", 3, d1));
	{
		g_autofree gchar *hex = test_keys_hex(d1, 32);
		g_assert_cmpstr(hex, ==,
				"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	}
	g_assert_true(nvr_keys_blake2b(NULL, (const guint8 *)"abc", 3, d1));
	g_assert_true(nvr_keys_blake2b(d1, (const guint8 *)"abc", 3, d2));
	g_assert_false(memcmp(d1, d2, 32) == 0);

	hash = nvr_keys_password_hash_full("s3cret pw", 1, 8 << 20, &error);
	g_assert_no_error(error);
	g_assert_true(g_str_has_prefix(hash, "$argon2id$"));
	g_assert_true(nvr_keys_password_verify(hash, "s3cret pw"));
	g_assert_false(nvr_keys_password_verify(hash, "s3cret pw "));
	g_assert_false(nvr_keys_password_verify("$argon2id$garbage", "s3cret pw"));
	g_assert_true(nvr_keys_password_needs_rehash(hash));

	sealed = nvr_keys_seal_text(key, "camera password ü", &error);
	g_assert_no_error(error);
	g_assert_null(strstr(sealed, "camera"));
	opened = nvr_keys_unseal_text(key, sealed, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(opened, ==, "camera password ü");
	g_clear_pointer(&opened, g_free);
	opened = nvr_keys_unseal_text(key2, sealed, &error);
	g_assert_null(opened);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_CORRUPT);
	g_clear_error(&error);
	sealed[strlen(sealed) - 3] ^= 0x01;
	opened = nvr_keys_unseal_text(key, sealed, &error);
	g_assert_null(opened);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_CORRUPT);
	g_clear_error(&error);
	opened = nvr_keys_unseal_text(key, "nvrs1:", &error);
	g_assert_error(error, NVR_ERROR, NVR_ERROR_CORRUPT);
}

void
test_keys_nvre_register(void)
{
	g_test_add("/nvr/keys/nvre/round-trip", NvreFixture, NULL, nvre_setup, test_nvre_round_trip,
		   nvre_teardown);
	g_test_add("/nvr/keys/nvre/excl", NvreFixture, NULL, nvre_setup, test_nvre_excl,
		   nvre_teardown);
	g_test_add("/nvr/keys/nvre/writer-refuses", NvreFixture, NULL, nvre_setup,
		   test_nvre_writer_refuses, nvre_teardown);
	g_test_add("/nvr/keys/nvre/writer-fd", NvreFixture, NULL, nvre_setup, test_nvre_writer_fd,
		   nvre_teardown);
	g_test_add("/nvr/keys/nvre/signature-policy", NvreFixture, NULL, nvre_setup,
		   test_nvre_signature_policy, nvre_teardown);
	g_test_add("/nvr/keys/nvre/crash-recovery", NvreFixture, NULL, nvre_setup,
		   test_nvre_crash_recovery, nvre_teardown);
	g_test_add("/nvr/keys/nvre/abandoned-writer", NvreFixture, NULL, nvre_setup,
		   test_nvre_abandoned_writer, nvre_teardown);
	g_test_add("/nvr/keys/nvre/recover-refuses", NvreFixture, NULL, nvre_setup,
		   test_nvre_recover_refuses, nvre_teardown);
	g_test_add("/nvr/keys/nvre/rewrap", NvreFixture, NULL, nvre_setup, test_nvre_rewrap,
		   nvre_teardown);
	g_test_add("/nvr/keys/nvre/tags-digest", NvreFixture, NULL, nvre_setup,
		   test_nvre_tags_digest, nvre_teardown);
	g_test_add("/nvr/keys/nvre/threads", NvreFixture, NULL, nvre_setup, test_nvre_threads,
		   nvre_teardown);
	g_test_add("/nvr/keys/nvre/range", NvreFixture, NULL, nvre_setup, test_nvre_range,
		   nvre_teardown);
	g_test_add_func("/nvr/keys/nvre/keys", test_nvre_keys);
	g_test_add_func("/nvr/keys/nvre/context-uuid", test_nvre_context_uuid);
	g_test_add_func("/nvr/keys/nvre/slot-round-trip", test_nvre_slot_round_trip);
	g_test_add_func("/nvr/keys/helpers", test_keys_helpers);
}
