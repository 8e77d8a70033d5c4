/*
 * Tamper tests on a small NVRE file (chunk_log2 12, header 320, one full
 * chunk and a short final chunk): every single-bit flip of the file, and a
 * seeded mutation fuzz (bit flips, byte sets, truncations, extensions, chunk
 * swaps and duplications, deletions, splices from a sibling file, header
 * edits). No modified file may ever yield plaintext in strict mode; in
 * interrupted mode a mutant may only yield a chunk-aligned prefix of the
 * original, and then its chain state fails the successor's link.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "keys/nvr-keys.h"
#include "nvr-test-common.h"
#include "test-keys.h"

#define MUT_C 4096
#define MUT_CT (MUT_C + 16)
#define MUT_HL 320
#define MUT_PLAIN_LEN (MUT_C + 100)
#define MUT_FUZZ_MUTANTS 10000

typedef struct {
	gchar *dir;
	NvrNvreKeyPair *household;
	NvrNvreSigningKey *device;
	NvrNvreContext ctx;
	guint8 *plain;
	GBytes *file;	 /* the original */
	GBytes *sibling; /* same keys, context and plaintext, another K_file and salt */
	NvrNvreChainState successor_expects; /* state of the original, as a successor records it */
	gint memfd;
	GHashTable *classes; /* class name -> count, for the log */
} MutFixture;

static GBytes *
mut_write(MutFixture *fx, const gchar *name, NvrNvreChainState *state)
{
	g_autofree gchar *path = g_build_filename(fx->dir, name, NULL);
	g_autoptr(NvrNvreWriter) w = NULL;
	g_autoptr(GError) error = NULL;
	NvrNvreWriterParams wp = {0};
	NvrNvreWriterResult res;

	wp.context = fx->ctx;
	wp.chunk_log2 = 12;
	wp.header_len = MUT_HL;
	wp.recipients[0] = nvr_nvre_key_pair_get_public(fx->household);
	wp.n_recipients = 1;
	wp.device_key = fx->device;
	w = nvr_nvre_writer_create(path, &wp, &error);
	g_assert_no_error(error);
	g_assert_true(nvr_nvre_writer_write(w, fx->plain, MUT_PLAIN_LEN, &error));
	g_assert_true(nvr_nvre_writer_finish(w, &res, &error));
	if (state != NULL)
		*state = res.state;
	return nvr_test_read_bytes(path);
}

static void
mut_setup(MutFixture *fx, gconstpointer data)
{
	fx->dir = nvr_test_mkdtemp();
	fx->household = nvr_nvre_key_pair_generate(NULL);
	fx->device = nvr_nvre_signing_key_generate(NULL);
	g_assert_true(nvr_nvre_context_set_camera_uuid(
		&fx->ctx, "00112233-4455-6677-8899-aabbccddeeff", NULL));
	fx->ctx.segment_id = 3;
	fx->ctx.start_us = 1000;
	fx->ctx.content_type = NVR_NVRE_CONTENT_FMP4;
	fx->plain = g_malloc(MUT_PLAIN_LEN);
	for (guint i = 0; i < MUT_PLAIN_LEN; i++)
		fx->plain[i] = (guint8)(i * 31 + 7);
	fx->file = mut_write(fx, "orig.nvre", &fx->successor_expects);
	fx->sibling = mut_write(fx, "sibling.nvre", NULL);
	g_assert_cmpuint(g_bytes_get_size(fx->file), ==, MUT_HL + MUT_CT + 100 + 16);
	fx->memfd = memfd_create("nvre-mutant", MFD_CLOEXEC);
	g_assert_cmpint(fx->memfd, >=, 0);
	fx->classes = g_hash_table_new(g_str_hash, g_str_equal);
}

static void
mut_teardown(MutFixture *fx, gconstpointer data)
{
	GHashTableIter iter;
	gpointer key, value;

	g_hash_table_iter_init(&iter, fx->classes);
	while (g_hash_table_iter_next(&iter, &key, &value))
		g_test_message("rejected as %s: %u", (const gchar *)key, GPOINTER_TO_UINT(value));
	g_hash_table_unref(fx->classes);
	close(fx->memfd);
	g_bytes_unref(fx->file);
	g_bytes_unref(fx->sibling);
	g_free(fx->plain);
	nvr_nvre_key_pair_unref(fx->household);
	nvr_nvre_signing_key_unref(fx->device);
	nvr_test_rm_rf(fx->dir);
	g_free(fx->dir);
}

static void
mut_load(MutFixture *fx, const guint8 *data, gsize len)
{
	g_assert_cmpint(ftruncate(fx->memfd, 0), ==, 0);
	g_assert_cmpint(pwrite(fx->memfd, data, len, 0), ==, (gssize)len);
}

/* open, verify-all, read everything; Returns: (nullable): the plaintext when all of it passed */
static GBytes *
mut_try(MutFixture *fx, NvrNvreMode mode, NvrNvreChainState *state, GError **error)
{
	NvrNvreKeyPair *keys[] = {fx->household};
	NvrNvreReadParams rp = {0};
	g_autoptr(NvrNvreReader) r = NULL;
	g_autofree guint8 *buf = NULL;
	guint64 len;

	rp.context = fx->ctx;
	rp.keys = keys;
	rp.n_keys = 1;
	rp.device_pk = nvr_nvre_signing_key_get_public(fx->device);
	rp.require_signature = TRUE;
	rp.mode = mode;
	r = nvr_nvre_reader_open_fd(fx->memfd, &rp, error);
	if (r == NULL || !nvr_nvre_reader_verify_all(r, error))
		return NULL;
	len = nvr_nvre_reader_get_plain_len(r);
	buf = g_malloc(len + 1);
	if (!nvr_nvre_reader_read(r, 0, buf, len, error))
		return NULL;
	nvr_nvre_reader_get_chain_state(r, state);
	return g_bytes_new_take(g_steal_pointer(&buf), len);
}

static void
mut_count(MutFixture *fx, const GError *error)
{
	const gchar *name = test_keys_outcome(error);
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(fx->classes, name));

	g_hash_table_insert(fx->classes, (gpointer)name, GUINT_TO_POINTER(n + 1));
}

/* the rules of the file header comment, for one mutant; Returns: FALSE when one broke */
static gboolean
mut_check(MutFixture *fx, const guint8 *data, gsize len, gboolean interrupted_too, GString *log)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) got = NULL;
	NvrNvreChainState state;

	if (len == g_bytes_get_size(fx->file) &&
	    memcmp(data, g_bytes_get_data(fx->file, NULL), len) == 0)
		return TRUE; /* not a mutant */
	mut_load(fx, data, len);
	got = mut_try(fx, NVR_NVRE_MODE_STRICT, &state, &error);
	/* a splice can rebuild the sibling whole: a genuine file, which only the chain tells apart
	 */
	if (got != NULL && len == g_bytes_get_size(fx->sibling) &&
	    memcmp(data, g_bytes_get_data(fx->sibling, NULL), len) == 0)
		return memcmp(&state, &fx->successor_expects, sizeof(state)) != 0;
	if (got != NULL) {
		g_string_append_printf(
			log, "strict mode accepted a %" G_GSIZE_FORMAT "-byte mutant\n", len);
		return FALSE;
	}
	mut_count(fx, error);
	/* steps 1–9 are the same in both modes: only the length rules differ (§11 step 10) */
	if (!interrupted_too ||
	    !(g_error_matches(error, NVR_NVRE_ERROR, NVR_NVRE_ERROR_TORN) ||
	      g_error_matches(error, NVR_NVRE_ERROR, NVR_NVRE_ERROR_UNFINALIZED) ||
	      g_error_matches(error, NVR_NVRE_ERROR, NVR_NVRE_ERROR_FINAL) ||
	      g_error_matches(error, NVR_NVRE_ERROR, NVR_NVRE_ERROR_CHUNK)))
		return TRUE;
	g_clear_error(&error);
	got = mut_try(fx, NVR_NVRE_MODE_INTERRUPTED, &state, &error);
	if (got == NULL)
		return TRUE;
	/* a chunk-aligned prefix of the original, never a modified byte ... */
	if (g_bytes_get_size(got) % MUT_C != 0 || g_bytes_get_size(got) > MUT_PLAIN_LEN ||
	    memcmp(g_bytes_get_data(got, NULL), fx->plain, g_bytes_get_size(got)) != 0) {
		g_string_append_printf(log, "interrupted mode released modified plaintext\n");
		return FALSE;
	}
	/* ... and not the state the successor recorded */
	if (memcmp(&state, &fx->successor_expects, sizeof(state)) == 0) {
		g_string_append_printf(log, "interrupted mutant has the original chain state\n");
		return FALSE;
	}
	return TRUE;
}

/*
 * A flip inside chunk 0 changes nothing that the open reads (the header, the
 * length and the final chunk), so one reader opened on the original bytes
 * stands for all of them: each flip is written under it and must fail both
 * verify-all and a read of the chunk.
 */
static guint
mut_flip_chunk0(MutFixture *fx, guint8 *m, gsize len, GString *log)
{
	NvrNvreKeyPair *keys[] = {fx->household};
	NvrNvreReadParams rp = {0};
	g_autoptr(NvrNvreReader) r = NULL;
	guint failures = 0;

	rp.context = fx->ctx;
	rp.keys = keys;
	rp.n_keys = 1;
	rp.device_pk = nvr_nvre_signing_key_get_public(fx->device);
	rp.require_signature = TRUE;
	mut_load(fx, m, len);
	r = nvr_nvre_reader_open_fd(fx->memfd, &rp, NULL);
	g_assert_nonnull(r);
	for (gsize bit = MUT_HL * 8; bit < (MUT_HL + MUT_CT) * 8; bit++) {
		g_autoptr(GError) error = NULL;
		guint8 byte = m[bit / 8] ^ (guint8)(1u << (bit % 8));
		guint8 buf[1];

		g_assert_cmpint(pwrite(fx->memfd, &byte, 1, bit / 8), ==, 1);
		if (nvr_nvre_reader_verify_all(r, &error) ||
		    nvr_nvre_reader_read(r, bit % MUT_C, buf, 1, NULL)) {
			g_string_append_printf(log, "flip of bit %" G_GSIZE_FORMAT " accepted\n",
					       bit);
			failures++;
		}
		mut_count(fx, error);
		g_assert_cmpint(pwrite(fx->memfd, m + bit / 8, 1, bit / 8), ==, 1);
	}
	return failures;
}

/* every bit of the file, one at a time */
static void
test_mutation_bit_flips(MutFixture *fx, gconstpointer data)
{
	gsize len = g_bytes_get_size(fx->file);
	g_autofree guint8 *m = g_memdup2(g_bytes_get_data(fx->file, NULL), len);
	g_autoptr(GString) log = g_string_new(NULL);
	guint failures = mut_flip_chunk0(fx, m, len, log);

	/* the header and the final chunk: a fresh open for each flip */
	for (gsize bit = 0; bit < len * 8; bit++) {
		if (bit == MUT_HL * 8)
			bit = (MUT_HL + MUT_CT) * 8;
		m[bit / 8] ^= (guint8)(1u << (bit % 8));
		if (!mut_check(fx, m, len, FALSE, log))
			failures++;
		m[bit / 8] ^= (guint8)(1u << (bit % 8));
	}
	g_test_message("%" G_GSIZE_FORMAT " bit flips", len * 8);
	if (failures > 0)
		g_test_fail_printf("%u bit flips accepted:\n%s", failures, log->str);
}

static gsize
mut_rand_pos(GRand *rand, gsize len)
{
	return (gsize)g_rand_int_range(rand, 0, (gint32)len);
}

/* one random mutation of @m (holding @len bytes, room for 64 more); Returns: the new length */
static gsize
mut_mutate(MutFixture *fx, GRand *rand, guint8 *m, gsize len)
{
	const gsize n_chunks = (len - MUT_HL + MUT_CT - 1) / MUT_CT;
	gsize a, b, n;

	switch (g_rand_int_range(rand, 0, 9)) {
	case 0: /* bit flips */
		for (guint i = 0, k = (guint)g_rand_int_range(rand, 1, 4); i < k; i++)
			m[mut_rand_pos(rand, len)] ^= (guint8)(1u << g_rand_int_range(rand, 0, 8));
		return len;
	case 1: /* byte set */
		m[mut_rand_pos(rand, len)] = (guint8)g_rand_int(rand);
		return len;
	case 2: /* truncation */
		return mut_rand_pos(rand, len);
	case 3: /* extension */
		n = (gsize)g_rand_int_range(rand, 1, 65);
		for (gsize i = 0; i < n; i++)
			m[len + i] = (guint8)g_rand_int(rand);
		return len + n;
	case 4: /* chunk swap: chunk 0 with the final chunk's first bytes */
	case 5: /* chunk duplication: one chunk's bytes over the other's */
		a = MUT_HL + MUT_CT * mut_rand_pos(rand, n_chunks);
		b = MUT_HL + MUT_CT * mut_rand_pos(rand, n_chunks);
		n = MIN(len - MAX(a, b), (gsize)MUT_CT);
		if (a == b)
			return len;
		{
			g_autofree guint8 *tmp = g_memdup2(m + a, n);
			if (g_rand_boolean(rand))
				memmove(m + a, m + b, n);
			memcpy(m + b, tmp, n);
		}
		return len;
	case 6: /* deletion of a range */
		a = mut_rand_pos(rand, len);
		n = (gsize)g_rand_int_range(rand, 1, 200);
		n = MIN(n, len - a);
		memmove(m + a, m + a + n, len - a - n);
		return len - n;
	case 7: /* splice: a range from the sibling file at the same offset */
		a = mut_rand_pos(rand, MIN(len, g_bytes_get_size(fx->sibling)));
		n = (gsize)g_rand_int_range(rand, 1, 5000);
		n = MIN(n, MIN(len, g_bytes_get_size(fx->sibling)) - a);
		memcpy(m + a, (const guint8 *)g_bytes_get_data(fx->sibling, NULL) + a, n);
		return len;
	default: /* header edit */
		m[mut_rand_pos(rand, MUT_HL)] = (guint8)g_rand_int(rand);
		return len;
	}
}

static void
test_mutation_fuzz(MutFixture *fx, gconstpointer data)
{
	const gsize orig_len = g_bytes_get_size(fx->file);
	const guint32 seed = g_test_rand_int();
	g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
	g_autoptr(GString) log = g_string_new(NULL);
	g_autofree guint8 *m = g_malloc(orig_len + 64 * 4);
	guint failures = 0;

	g_test_message("mutation seed %u (rerun with -seed to reproduce)", seed);
	for (guint i = 0; i < MUT_FUZZ_MUTANTS; i++) {
		gsize len = orig_len;

		memcpy(m, g_bytes_get_data(fx->file, NULL), orig_len);
		/* one to three stacked mutations; never longer than the buffer */
		for (guint j = 0, k = (guint)g_rand_int_range(rand, 1, 4); j < k && len > MUT_HL;
		     j++)
			len = mut_mutate(fx, rand, m, len);
		if (!mut_check(fx, m, len, TRUE, log))
			failures++;
	}
	if (failures > 0)
		g_test_fail_printf("%u of %u mutants accepted:\n%s", failures, MUT_FUZZ_MUTANTS,
				   log->str);
}

void
test_keys_mutation_register(void)
{
	g_test_add("/nvr/keys/mutation/bit-flips", MutFixture, NULL, mut_setup,
		   test_mutation_bit_flips, mut_teardown);
	g_test_add("/nvr/keys/mutation/fuzz", MutFixture, NULL, mut_setup, test_mutation_fuzz,
		   mut_teardown);
}
