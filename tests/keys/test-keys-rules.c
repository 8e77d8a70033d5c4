/*
 * Every MUST and MUST-reject rule of nvre-v1.md that the shipped vectors do
 * not pin, one file per rule with exactly that one defect, and the valid but
 * unusual parameters our writer never produces (every chunk_log2 and
 * header_len, 1 to 8 recipients at their smallest header, content types and
 * segment ids outside what the writer uses, signed extremes of start_us, the
 * largest final chunk). Unseen conformance vectors will test exactly these.
 *
 * A file is made by our writer with a known K_file, then edited; when the edit
 * is after the syntax checks, the test sealer (nvr-nvre-testing.h) recomputes
 * the header MAC, the signature and, for a FIXED′ edit, every chunk, so that
 * the edit is the only defect. The outcome is what the vectors' README runs:
 * open, verify-all, full read; "ok" or the class of spec §15.
 */
#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "keys/nvr-keys.h"
#include "keys/nvr-nvre-testing.h"
#include "nvr-test-common.h"
#include "test-keys.h"

#define RULE_N_KEYS NVR_NVRE_MAX_RECIPIENTS

typedef struct {
	NvrNvreKeyPair *keys[RULE_N_KEYS]; /* keys[0] household, keys[1] recovery, then spares */
	NvrNvreSigningKey *device;
	NvrNvreContext ctx;
	guint8 k_file[32];
	guint8 salt[16];
	gint memfd;
} RuleFixture;

/* how a file is made: the writer's inputs */
typedef struct {
	guint chunk_log2;
	guint header_len;
	guint n_recipients;
	gboolean sign;
} RuleShape;

static const RuleShape rule_default = {12, 512, 2, TRUE};
static const RuleShape rule_unsigned = {12, 512, 2, FALSE};

static void
rule_setup(RuleFixture *fx, gconstpointer data)
{
	for (guint i = 0; i < RULE_N_KEYS; i++)
		fx->keys[i] = nvr_nvre_key_pair_generate(NULL);
	fx->device = nvr_nvre_signing_key_generate(NULL);
	g_assert_true(nvr_nvre_context_set_camera_uuid(
		&fx->ctx, "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0", NULL));
	fx->ctx.segment_id = 77;
	fx->ctx.start_us = G_GINT64_CONSTANT(1767225600000000);
	fx->ctx.content_type = NVR_NVRE_CONTENT_FMP4;
	nvr_keys_random_bytes(fx->k_file, sizeof(fx->k_file));
	nvr_keys_random_bytes(fx->salt, sizeof(fx->salt));
	fx->memfd = memfd_create("nvre-rule", MFD_CLOEXEC);
	g_assert_cmpint(fx->memfd, >=, 0);
}

static void
rule_teardown(RuleFixture *fx, gconstpointer data)
{
	for (guint i = 0; i < RULE_N_KEYS; i++)
		nvr_nvre_key_pair_unref(fx->keys[i]);
	nvr_nvre_signing_key_unref(fx->device);
	close(fx->memfd);
}

static guint8 *
rule_plain(gsize len)
{
	guint8 *p = g_malloc(len + 1);

	for (gsize i = 0; i < len; i++)
		p[i] = (guint8)(i * 131 + (i >> 8) * 7 + 1);
	return p;
}

/* our writer's file of @plain under @ctx, with the fixture's K_file and salt */
static GByteArray *
rule_write(RuleFixture *fx, const RuleShape *shape, const NvrNvreContext *ctx,
	   const NvrNvreChainState *pred, const guint8 *plain, gsize len)
{
	g_autoptr(NvrNvreWriter) w = NULL;
	g_autoptr(GError) error = NULL;
	NvrNvreWriterTestMaterial material = {fx->k_file, fx->salt, NULL, FALSE};
	NvrNvreWriterParams wp = {0};
	NvrNvreWriterResult res;
	GByteArray *out = g_byte_array_new();
	gint fd = memfd_create("nvre-rule-write", MFD_CLOEXEC);

	wp.context = *ctx;
	wp.chunk_log2 = shape->chunk_log2;
	wp.header_len = shape->header_len;
	wp.n_recipients = shape->n_recipients;
	for (guint i = 0; i < shape->n_recipients; i++)
		wp.recipients[i] = nvr_nvre_key_pair_get_public(fx->keys[i]);
	wp.device_key = shape->sign ? fx->device : NULL;
	wp.predecessor = pred;
	w = nvr_nvre_writer_new_for_fd_with_material(fd, &wp, &material, &error);
	g_assert_no_error(error);
	g_assert_true(nvr_nvre_writer_write(w, plain, len, &error));
	g_assert_true(nvr_nvre_writer_finish(w, &res, &error));
	g_byte_array_set_size(out, (guint)res.file_len);
	g_assert_cmpint(pread(fd, out->data, out->len, 0), ==, (gssize)out->len);
	close(fd);
	return out;
}

/* @file's header as edited, made authentic again: MAC, signature (if @sign) and chunks */
static GByteArray *
rule_reseal(RuleFixture *fx, const GByteArray *file, guint hl, gboolean sign, const guint8 *plain,
	    gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) sealed = nvr_nvre_test_seal_canonical(
		file->data, hl, fx->k_file, plain, len, sign ? fx->device : NULL, &error);
	GByteArray *out = g_byte_array_new();

	g_assert_no_error(error);
	g_byte_array_append(out, g_bytes_get_data(sealed, NULL), (guint)g_bytes_get_size(sealed));
	return out;
}

typedef struct {
	const NvrNvreContext *ctx;
	NvrNvreMode mode;
	guint key;		    /* index of the one key pair the reader holds */
	gboolean with_recovery;	    /* ... and keys[1] after it */
	gboolean require_signature; /* with the device key pinned */
} RuleRead;

/* README steps 2, 4 and 6: "ok <plain_len>" with the plaintext compared, or the class */
static gchar *
rule_outcome(RuleFixture *fx, const guint8 *data, gsize len, const RuleRead *how,
	     const guint8 *plain)
{
	NvrNvreKeyPair *keys[] = {fx->keys[how->key], fx->keys[1]};
	NvrNvreReadParams rp = {0};
	g_autoptr(NvrNvreReader) r = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *buf = NULL;
	guint64 plain_len;

	g_assert_cmpint(ftruncate(fx->memfd, 0), ==, 0);
	g_assert_cmpint(pwrite(fx->memfd, data, len, 0), ==, (gssize)len);
	rp.context = how->ctx != NULL ? *how->ctx : fx->ctx;
	rp.keys = keys;
	rp.n_keys = how->with_recovery ? 2 : 1;
	rp.device_pk = nvr_nvre_signing_key_get_public(fx->device);
	rp.require_signature = how->require_signature;
	rp.mode = how->mode;
	r = nvr_nvre_reader_open_fd(fx->memfd, &rp, &error);
	if (r == NULL || !nvr_nvre_reader_verify_all(r, &error))
		return g_strdup(test_keys_outcome(error));
	plain_len = nvr_nvre_reader_get_plain_len(r);
	buf = g_malloc(plain_len + 1);
	if (!nvr_nvre_reader_read(r, 0, buf, plain_len, &error))
		return g_strdup(test_keys_outcome(error));
	if (plain != NULL && memcmp(buf, plain, plain_len) != 0)
		return g_strdup("wrong-plaintext");
	return g_strdup_printf("ok %" G_GUINT64_FORMAT, plain_len);
}

static const RuleRead rule_strict = {NULL, NVR_NVRE_MODE_STRICT, 0, FALSE, TRUE};
/* signatures checked only on signed files */
static const RuleRead rule_lenient = {NULL, NVR_NVRE_MODE_STRICT, 0, FALSE, FALSE};

static GByteArray *
rule_copy(const GByteArray *f)
{
	GByteArray *m = g_byte_array_sized_new(f->len);

	g_byte_array_append(m, f->data, f->len);
	return m;
}

static void
rule_expect(RuleFixture *fx, const GByteArray *file, const RuleRead *how, const guint8 *plain,
	    const gchar *want, const gchar *what)
{
	g_autofree gchar *got = rule_outcome(fx, file->data, file->len, how, plain);

	if (g_strcmp0(got, want) != 0)
		g_test_fail_printf("%s: got %s, want %s", what, got, want);
}

static void
rule_expect_class(RuleFixture *fx, const GByteArray *file, const gchar *want, const gchar *what)
{
	rule_expect(fx, file, &rule_strict, NULL, want, what);
}

static void
rule_put_be64(guint8 *p, guint64 v)
{
	for (gint i = 7; i >= 0; i--, v >>= 8)
		p[i] = (guint8)v;
}

/* §5.1 / R4: every chunk_log2 of 12..20 opens; every other value is param before any
 * allocation it would size (UBSan and ASan see a shift or an allocation from it) */
static void
test_rules_chunk_log2(RuleFixture *fx, gconstpointer data)
{
	for (guint v = 12; v <= 20; v++) {
		RuleShape shape = rule_default;
		gsize len = ((gsize)1 << v) + 5; /* one full chunk, a short final one */
		g_autofree guint8 *plain = rule_plain(len);
		g_autoptr(GByteArray) f = NULL;
		g_autofree gchar *want = g_strdup_printf("ok %" G_GSIZE_FORMAT, len);
		g_autofree gchar *what = g_strdup_printf("chunk_log2 %u", v);

		shape.chunk_log2 = v;
		f = rule_write(fx, &shape, &fx->ctx, NULL, plain, len);
		rule_expect(fx, f, &rule_strict, plain, want, what);
	}
	{
		g_autofree guint8 *plain = rule_plain(100);
		g_autoptr(GByteArray) f = rule_write(fx, &rule_default, &fx->ctx, NULL, plain, 100);

		for (guint v = 0; v <= 255; v++) {
			g_autofree gchar *what = g_strdup_printf("chunk_log2 %u", v);

			if (v >= 12 && v <= 20)
				continue;
			f->data[10] = (guint8)v;
			rule_expect_class(fx, f, "param", what);
		}
	}
}

/* §5.1 / R5: every multiple of 64 from the fit minimum to 4096 opens; the rest is param,
 * before the file is found too short for it (step 2 comes before step 3) */
static void
test_rules_header_len(RuleFixture *fx, gconstpointer data)
{
	static const guint bad[] = {0,	  64,	192,  256,  257,   319,	  321,	4032 + 1,
				    4095, 4097, 4160, 8192, 32768, 65472, 65535};
	g_autofree guint8 *plain = rule_plain(5000);

	for (guint hl = 320; hl <= 4096; hl += 64) {
		RuleShape shape = rule_default;
		g_autoptr(GByteArray) f = NULL;
		g_autofree gchar *what = g_strdup_printf("header_len %u", hl);

		shape.header_len = hl;
		shape.n_recipients = 1;
		f = rule_write(fx, &shape, &fx->ctx, NULL, plain, 5000);
		rule_expect(fx, f, &rule_strict, plain, "ok 5000", what);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		RuleShape shape = rule_default;
		g_autoptr(GByteArray) f = NULL;
		g_autofree gchar *what = g_strdup_printf("header_len %u", bad[i]);

		shape.header_len = 320;
		shape.n_recipients = 1;
		f = rule_write(fx, &shape, &fx->ctx, NULL, plain, 100);
		f->data[12] = (guint8)(bad[i] >> 8);
		f->data[13] = (guint8)bad[i];
		rule_expect_class(fx, f, "param", what);
	}
}

/* §5.1 / R5, R6: 1 to 8 recipients at the smallest header of the spec's list open with the
 * last stanza's key alone; 0, 9 (even where 9 would fit), 255 and one too many for hl are
 * param */
static void
test_rules_recipients(RuleFixture *fx, gconstpointer data)
{
	static const guint smallest[] = {320, 384, 512, 576, 704, 768, 832, 960};
	g_autofree guint8 *plain = rule_plain(4200);

	for (guint n = 1; n <= 8; n++) {
		RuleShape shape = {12, smallest[n - 1], n, TRUE};
		RuleRead how = rule_strict;
		g_autoptr(GByteArray) f = rule_write(fx, &shape, &fx->ctx, NULL, plain, 4200);
		g_autofree gchar *what =
			g_strdup_printf("%u recipients in %u bytes", n, shape.header_len);

		how.key = n - 1;
		rule_expect(fx, f, &how, plain, "ok 4200", what);
		/* one stanza more does not fit this header */
		f->data[14] = (guint8)(n + 1);
		rule_expect_class(fx, f, "param", what);
	}
	{
		RuleShape shape = {12, 4096, 8, TRUE};
		RuleRead how = rule_strict;
		g_autoptr(GByteArray) f = rule_write(fx, &shape, &fx->ctx, NULL, plain, 4200);
		static const guint8 bad[] = {0, 9, 16, 255};

		how.key = 7;
		rule_expect(fx, f, &how, plain, "ok 4200", "8 recipients in 4096 bytes");
		for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
			f->data[14] = bad[i];
			rule_expect_class(fx, f, "param", "n_recipients outside 1..8");
		}
	}
}

/* §5.1 / R7, R8: each unknown flag bit and each reserved byte is param */
static void
test_rules_flags_reserved(RuleFixture *fx, gconstpointer data)
{
	g_autofree guint8 *plain = rule_plain(100);
	g_autoptr(GByteArray) f = rule_write(fx, &rule_default, &fx->ctx, NULL, plain, 100);

	for (guint bit = 1; bit < 8; bit++) {
		g_autoptr(GByteArray) m = rule_copy(f);
		m->data[15] |= (guint8)(1u << bit);
		rule_expect_class(fx, m, "param", "unknown flag bit");
	}
	for (guint i = 104; i < 112; i++) {
		g_autoptr(GByteArray) m = rule_copy(f);
		m->data[i] = i == 111 ? 0x80 : 0x01;
		rule_expect_class(fx, m, "param", "reserved byte");
	}
}

/* §5.1 / R9, R10: the first and last byte of the padding and of an unsigned file's signature
 * area are param; the bytes next to the padding belong to the stanza and the MAC */
static void
test_rules_padding_sig_area(RuleFixture *fx, gconstpointer data)
{
	g_autofree guint8 *plain = rule_plain(100);
	g_autoptr(GByteArray) f = rule_write(fx, &rule_unsigned, &fx->ctx, NULL, plain, 100);
	const struct {
		guint at;
		const gchar *want;
	} edits[] = {
		{112 + 2 * 88 - 1, "nokey"}, /* the last byte of stanza 1, read by its holder */
		{112 + 2 * 88, "param"},     /* the first padding byte */
		{512 - 97, "param"},	     /* the last padding byte */
		{512 - 96, "hdr_mac"},	     /* the first MAC byte */
		{512 - 64, "param"},	     /* the first byte of the signature area */
		{512 - 1, "param"},	     /* its last byte */
	};

	rule_expect(fx, f, &rule_lenient, plain, "ok 100", "unsigned");
	for (guint i = 0; i < G_N_ELEMENTS(edits); i++) {
		g_autoptr(GByteArray) m = rule_copy(f);
		g_autofree gchar *what =
			g_strdup_printf("byte %u of an unsigned header", edits[i].at);
		RuleRead how = rule_lenient;

		m->data[edits[i].at] ^= 0x01;
		/* stanza 1 is the recovery stanza: only its holder notices */
		how.key = edits[i].at < 112 + 2 * 88 ? 1 : 0;
		rule_expect(fx, m, &how, NULL, edits[i].want, what);
	}
}

/* §11 precedence table and §17.2, §17.3: the signed flag against the signature area */
static void
test_rules_signed_flag(RuleFixture *fx, gconstpointer data)
{
	g_autofree guint8 *plain = rule_plain(100);
	g_autoptr(GByteArray) u = rule_write(fx, &rule_unsigned, &fx->ctx, NULL, plain, 100);
	g_autoptr(GByteArray) s = rule_write(fx, &rule_default, &fx->ctx, NULL, plain, 100);

	/* an unsigned file with the signed flag set: the flag is under the MAC */
	u->data[15] = 1;
	rule_expect(fx, u, &rule_lenient, NULL, "hdr_mac", "signed flag set on an unsigned file");
	/* the flag cleared and the signature zeroed: the MAC again */
	s->data[15] = 0;
	memset(s->data + 512 - 64, 0, 64);
	rule_expect(fx, s, &rule_lenient, NULL, "hdr_mac", "signed flag cleared, signature zeroed");
	/* a header MACed with the flag set and a zero signature (an evil writer): sig, under
	 * either policy, since a signed file is always verified */
	{
		g_autoptr(GByteArray) e = rule_reseal(fx, u, 512, FALSE, plain, 100);
		rule_expect(fx, e, &rule_lenient, NULL, "sig", "signed flag, zero signature");
		rule_expect(fx, e, &rule_strict, NULL, "sig", "signed flag, zero signature");
	}
}

/* §11 steps 1 and 3, §17.1: short before unfinalized, both before everything after them */
static void
test_rules_lengths(RuleFixture *fx, gconstpointer data)
{
	RuleShape shape = {12, 320, 1, TRUE};
	g_autoptr(GByteArray) f = rule_write(fx, &shape, &fx->ctx, NULL, NULL, 0);
	NvrNvreContext wrong = fx->ctx; /* a wrong context changes nothing here */
	static const guint cuts[][2] = {{0, 0},	  {1, 0},   {111, 0}, {112, 0},
					{319, 0}, {320, 1}, {321, 1}, {335, 1}};

	rule_put_be64(wrong.camera_id, 1);
	g_assert_cmpuint(f->len, ==, 320 + 16);
	rule_expect(fx, f, &rule_strict, NULL, "ok 0", "empty plaintext");
	for (guint i = 0; i < G_N_ELEMENTS(cuts); i++) {
		const gchar *want = cuts[i][1] ? "unfinalized" : "short";
		g_autofree gchar *what = g_strdup_printf("%u bytes", cuts[i][0]);
		RuleRead how = rule_strict;
		g_autofree gchar *got = NULL;

		how.ctx = &wrong;
		for (guint mode = 0; mode < 2; mode++) {
			how.mode = mode == 0 ? NVR_NVRE_MODE_STRICT : NVR_NVRE_MODE_INTERRUPTED;
			g_free(got);
			got = rule_outcome(fx, f->data, cuts[i][0], &how, NULL);
			if (g_strcmp0(got, want) != 0)
				g_test_fail_printf("%s: got %s, want %s", what, got, want);
		}
	}
}

/* §5.1, §17.6, §17.12: identity values the writer never uses still open when the index
 * expects them (the reader checks no range of its own), and one differing field is context */
static void
test_rules_context_values(RuleFixture *fx, gconstpointer data)
{
	static const guint64 segment_ids[] = {0, 1, G_GUINT64_CONSTANT(1) << 63, G_MAXUINT64};
	static const gint64 starts[] = {G_MININT64, -1, 0, G_MAXINT64};
	static const guint8 types[] = {0, 4, 127, 128, 255};
	g_autofree guint8 *plain = rule_plain(5000);
	g_autoptr(GByteArray) base = rule_write(fx, &rule_default, &fx->ctx, NULL, plain, 5000);

	for (guint i = 0;
	     i < G_N_ELEMENTS(segment_ids) + G_N_ELEMENTS(starts) + G_N_ELEMENTS(types); i++) {
		NvrNvreContext ctx = fx->ctx;
		NvrNvreContext off_by_one;
		RuleRead how = rule_strict;
		g_autoptr(GByteArray) m = rule_copy(base);
		g_autoptr(GByteArray) f = NULL;
		g_autofree gchar *what = NULL;

		if (i < G_N_ELEMENTS(segment_ids)) {
			ctx.segment_id = segment_ids[i];
			what = g_strdup_printf("segment_id %" G_GUINT64_FORMAT, ctx.segment_id);
		} else if (i < G_N_ELEMENTS(segment_ids) + G_N_ELEMENTS(starts)) {
			ctx.start_us = starts[i - G_N_ELEMENTS(segment_ids)];
			what = g_strdup_printf("start_us %" G_GINT64_FORMAT, ctx.start_us);
		} else {
			ctx.content_type =
				types[i - G_N_ELEMENTS(segment_ids) - G_N_ELEMENTS(starts)];
			what = g_strdup_printf("content_type %u", ctx.content_type);
		}
		rule_put_be64(m->data + 32, ctx.segment_id);
		rule_put_be64(m->data + 40, (guint64)ctx.start_us);
		m->data[11] = ctx.content_type;
		f = rule_reseal(fx, m, 512, TRUE, plain, 5000);
		how.ctx = &ctx;
		rule_expect(fx, f, &how, plain, "ok 5000", what);
		/* the index expecting anything else in that one field */
		off_by_one = ctx;
		if (i < G_N_ELEMENTS(segment_ids))
			off_by_one.segment_id ^= 1;
		else if (i < G_N_ELEMENTS(segment_ids) + G_N_ELEMENTS(starts))
			off_by_one.start_us ^= 1;
		else
			off_by_one.content_type ^= 1;
		how.ctx = &off_by_one;
		rule_expect(fx, f, &how, NULL, "context", what);
	}
	/* the last camera byte alone */
	{
		NvrNvreContext ctx = fx->ctx;
		RuleRead how = rule_strict;

		ctx.camera_id[15] ^= 0x80;
		how.ctx = &ctx;
		rule_expect(fx, base, &how, NULL, "context", "camera_id byte 15");
	}
}

/* §7.1, §11 step 10: final chunks of every allowed size; a torn tail after whole chunks */
static void
test_rules_chunking(RuleFixture *fx, gconstpointer data)
{
	RuleShape shape = {13, 512, 2, TRUE};
	const gsize c = 8192;
	const gsize sizes[] = {0, 1, c - 1, c, c + 1, 2 * c - 1, 2 * c};
	g_autofree guint8 *plain = rule_plain(2 * c);
	RuleRead interrupted = rule_strict;

	interrupted.mode = NVR_NVRE_MODE_INTERRUPTED;
	for (guint i = 0; i < G_N_ELEMENTS(sizes); i++) {
		g_autoptr(GByteArray) f = rule_write(fx, &shape, &fx->ctx, NULL, plain, sizes[i]);
		g_autofree gchar *want = g_strdup_printf("ok %" G_GSIZE_FORMAT, sizes[i]);
		g_autofree gchar *what = g_strdup_printf("%" G_GSIZE_FORMAT " bytes", sizes[i]);

		g_assert_cmpuint(f->len, ==, 512 + sizes[i] / c * (c + 16) + sizes[i] % c + 16);
		rule_expect(fx, f, &rule_strict, plain, want, what);
		/* interrupted mode opens a finalized file as finalized */
		rule_expect(fx, f, &interrupted, plain, want, what);
	}
	/* 2C bytes: two whole chunks, then the empty final chunk; without it, plus 0..15 bytes */
	for (guint t = 0; t < 16; t++) {
		g_autoptr(GByteArray) f = rule_write(fx, &shape, &fx->ctx, NULL, plain, 2 * c);
		g_autofree gchar *what = g_strdup_printf("two whole chunks + %u bytes", t);

		g_byte_array_set_size(f, (guint)(512 + 2 * (c + 16)));
		for (guint j = 0; j < t; j++)
			g_byte_array_append(f, (const guint8 *)"\x5a", 1);
		rule_expect(fx, f, &rule_strict, NULL, t == 0 ? "unfinalized" : "torn", what);
		rule_expect(fx, f, &interrupted, plain, "ok 16384", what);
	}
}

/* §11 step 6: a matching key_id whose box does not open does not end the search; §11
 * precedence: a corrupted household stanza with the recovery key held is hdr_mac */
static void
test_rules_stanza_search(RuleFixture *fx, gconstpointer data)
{
	g_autofree guint8 *plain = rule_plain(300);
	g_autoptr(GByteArray) f = rule_write(fx, &rule_default, &fx->ctx, NULL, plain, 300);
	RuleRead both = rule_strict;

	both.with_recovery = TRUE;
	/* stanza 1 (recovery) becomes household's real stanza; stanza 0 keeps household's key id
	 * over a box that does not open; the header is then MACed and signed as it is */
	{
		g_autoptr(GByteArray) m = rule_copy(f);
		g_autoptr(GByteArray) sealed = NULL;

		memcpy(m->data + 112 + 88, f->data + 112, 88);
		nvr_keys_random_bytes(m->data + 112 + 8, 80);
		sealed = rule_reseal(fx, m, 512, TRUE, plain, 300);
		rule_expect(fx, sealed, &rule_strict, plain, "ok 300", "second stanza opens");
	}
	f->data[112 + 40] ^= 0x04;
	rule_expect(fx, f, &rule_strict, NULL, "nokey", "household stanza corrupted");
	rule_expect(fx, f, &both, NULL, "hdr_mac", "household stanza corrupted, recovery held");
}

/* §8.4 / R22: each half of "no predecessor" and the segment-id comparison on its own */
static void
test_rules_chain(RuleFixture *fx, gconstpointer data)
{
	g_autofree guint8 *plain = rule_plain(5000);
	g_autoptr(GByteArray) p = rule_write(fx, &rule_default, &fx->ctx, NULL, plain, 5000);
	NvrNvreContext sctx = fx->ctx;
	NvrNvreKeyPair *keys[] = {fx->keys[0]};
	NvrNvreReadParams rp = {0};
	NvrNvreChainState state;
	const struct {
		gboolean id_zero;
		gboolean link_zero;
		gboolean id_plus_one;
		gboolean with_predecessor;
		const gchar *want;
	} cases[] = {
		{FALSE, FALSE, FALSE, TRUE, "ok"},   {FALSE, FALSE, TRUE, TRUE, "link"},
		{TRUE, FALSE, FALSE, FALSE, "link"}, {FALSE, TRUE, FALSE, FALSE, "link"},
		{TRUE, TRUE, FALSE, FALSE, "ok"},
	};

	{
		g_autoptr(NvrNvreReader) pr = NULL;
		g_assert_cmpint(ftruncate(fx->memfd, 0), ==, 0);
		g_assert_cmpint(pwrite(fx->memfd, p->data, p->len, 0), ==, (gssize)p->len);
		rp.context = fx->ctx;
		rp.keys = keys;
		rp.n_keys = 1;
		rp.device_pk = nvr_nvre_signing_key_get_public(fx->device);
		rp.require_signature = TRUE;
		pr = nvr_nvre_reader_open_fd(fx->memfd, &rp, NULL);
		g_assert_nonnull(pr);
		nvr_nvre_reader_get_chain_state(pr, &state);
	}
	sctx.segment_id = fx->ctx.segment_id + 1;
	sctx.start_us += 60000000;
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GByteArray) s = rule_write(fx, &rule_default, &sctx, &state, plain, 100);
		g_autoptr(GByteArray) sealed = NULL;
		g_autoptr(NvrNvreReader) sr = NULL;
		g_autoptr(GError) error = NULL;
		guint64 prev = fx->ctx.segment_id;
		gboolean ok;

		if (cases[i].id_zero)
			prev = 0;
		if (cases[i].id_plus_one)
			prev++;
		rule_put_be64(s->data + 48, prev);
		if (cases[i].link_zero)
			memset(s->data + 56, 0, 32);
		sealed = rule_reseal(fx, s, 512, TRUE, plain, 100);
		g_assert_cmpint(ftruncate(fx->memfd, 0), ==, 0);
		g_assert_cmpint(pwrite(fx->memfd, sealed->data, sealed->len, 0), ==,
				(gssize)sealed->len);
		rp.context = sctx;
		sr = nvr_nvre_reader_open_fd(fx->memfd, &rp, &error);
		g_assert_no_error(error);
		ok = nvr_nvre_reader_check_chain(sr, cases[i].with_predecessor ? &state : NULL,
						 &error);
		g_assert_cmpint(ok, ==, error == NULL);
		g_assert_cmpstr(test_keys_outcome(error), ==, cases[i].want);
	}
}

/* §14 / R23: slot lengths other than 104 and 64-bit bounds, before Argon2id; the largest
 * allowed opslimit still unwraps, the largest memlimit passes the bounds; an empty passphrase */
static void
test_rules_slot(void)
{
	static const gsize lengths[] = {0, 1, 103, 105, 208};
	static const guint64 bad_ops[] = {0, 17, G_GUINT64_CONSTANT(1) << 32, G_MAXUINT64};
	static const guint64 bad_mem[] = {(G_GUINT64_CONSTANT(8) << 20) - 1,
					  (G_GUINT64_CONSTANT(1) << 30) + 1,
					  G_GUINT64_CONSTANT(1) << 32, G_MAXUINT64};
	g_autoptr(NvrNvreKeyPair) pair = nvr_nvre_key_pair_generate(NULL);
	g_autoptr(NvrNvreKeyPair) back = NULL;
	g_autoptr(GError) error = NULL;
	const guint8 pass[] = "pass";
	guint8 slot[2 * NVR_NVRE_SLOT_SIZE] = {0};
	guint64 ops = 0, mem = 0;

	g_assert_true(nvr_nvre_slot_wrap(pair, pass, 4, 16, 8 << 20, slot, &error));
	back = nvr_nvre_slot_unwrap(slot, NVR_NVRE_SLOT_SIZE, pass, 4,
				    nvr_nvre_key_pair_get_public(pair), &error);
	g_assert_no_error(error);
	g_assert_nonnull(back);
	/* had Argon2id run on any of these, the class would be nokey or kdf, not param */
	for (guint i = 0; i < G_N_ELEMENTS(lengths); i++) {
		g_assert_null(nvr_nvre_slot_unwrap(slot, lengths[i], pass, 4,
						   nvr_nvre_key_pair_get_public(pair), &error));
		g_assert_cmpstr(test_keys_outcome(error), ==, "param");
		g_clear_error(&error);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad_ops) + G_N_ELEMENTS(bad_mem); i++) {
		guint8 bad[NVR_NVRE_SLOT_SIZE];

		memcpy(bad, slot, sizeof(bad));
		if (i < G_N_ELEMENTS(bad_ops))
			rule_put_be64(bad + 16, bad_ops[i]);
		else
			rule_put_be64(bad + 24, bad_mem[i - G_N_ELEMENTS(bad_ops)]);
		g_assert_null(nvr_nvre_slot_unwrap(bad, sizeof(bad), pass, 4,
						   nvr_nvre_key_pair_get_public(pair), &error));
		g_assert_cmpstr(test_keys_outcome(error), ==, "param");
		g_clear_error(&error);
	}
	/* §14 forbids only NUL: an empty passphrase is a passphrase like any other */
	{
		guint8 empty[NVR_NVRE_SLOT_SIZE];
		g_autoptr(NvrNvreKeyPair) opened = NULL;

		g_assert_true(nvr_nvre_slot_wrap(pair, NULL, 0, 1, 8 << 20, empty, &error));
		g_assert_no_error(error);
		opened = nvr_nvre_slot_unwrap(empty, sizeof(empty), (const guint8 *)"", 0,
					      nvr_nvre_key_pair_get_public(pair), &error);
		g_assert_no_error(error);
		g_assert_true(nvr_secret_equal(nvr_nvre_key_pair_get_secret(opened),
					       nvr_nvre_key_pair_get_secret(pair)));
		g_assert_null(nvr_nvre_slot_unwrap(empty, sizeof(empty), pass, 4,
						   nvr_nvre_key_pair_get_public(pair), &error));
		g_assert_cmpstr(test_keys_outcome(error), ==, "nokey");
		g_clear_error(&error);
		g_assert_null(nvr_nvre_slot_unwrap(slot, NVR_NVRE_SLOT_SIZE, NULL, 0,
						   nvr_nvre_key_pair_get_public(pair), &error));
		g_assert_cmpstr(test_keys_outcome(error), ==, "nokey");
		g_clear_error(&error);
	}
	rule_put_be64(slot + 24, G_GUINT64_CONSTANT(1) << 30);
	g_assert_true(nvr_nvre_slot_get_cost(slot, NVR_NVRE_SLOT_SIZE, &ops, &mem, &error));
	g_assert_cmpuint(mem, ==, G_GUINT64_CONSTANT(1) << 30);
}

/* §10 step 1, §17.11: recovery refuses what it cannot trust with param and leaves the file */
static void
test_rules_recovery_refuses(RuleFixture *fx, gconstpointer data)
{
	g_autofree guint8 *plain = rule_plain(5000);
	g_autoptr(GByteArray) f = rule_write(fx, &rule_default, &fx->ctx, NULL, plain, 5000);
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autofree gchar *path = g_build_filename(dir, "r.nvre", NULL);
	const struct {
		guint at;
		guint8 value;
		gsize len;
	} edits[] = {
		{0, 0x88, 0},	/* magic */
		{8, 2, 0},	/* version */
		{10, 11, 0},	/* chunk_log2 */
		{10, 21, 0},	/* chunk_log2 */
		{13, 0x01, 0},	/* header_len */
		{14, 0, 0},	/* n_recipients */
		{15, 2, 0},	/* flags */
		{104, 1, 0},	/* reserved */
		{0, 0x89, 111}, /* shorter than FIXED */
		{0, 0x89, 511}, /* shorter than its header */
	};

	for (guint i = 0; i < G_N_ELEMENTS(edits); i++) {
		g_autoptr(GByteArray) m = rule_copy(f);
		g_autoptr(GBytes) after = NULL;
		g_autoptr(GError) error = NULL;
		NvrNvreChainState state;
		gsize len;

		m->data[edits[i].at] = edits[i].value;
		len = edits[i].len != 0 ? edits[i].len : m->len - 7; /* a torn tail to cut */
		test_keys_write_file(path, m->data, len);
		g_assert_false(nvr_nvre_recover(path, &state, &error));
		g_assert_cmpstr(test_keys_outcome(error), ==, "param");
		after = nvr_test_read_bytes(path);
		g_assert_cmpmem(g_bytes_get_data(after, NULL), g_bytes_get_size(after), m->data,
				len);
	}
	nvr_test_rm_rf(dir);
}

/* §12: a chunk that fails releases nothing; the verified bytes before it may be handed out,
 * and a damaged chunk fails only the reads that touch it */
static void
test_rules_no_release(RuleFixture *fx, gconstpointer data)
{
	g_autofree guint8 *plain = rule_plain(3 * 4096 + 10);
	g_autoptr(GByteArray) f =
		rule_write(fx, &rule_default, &fx->ctx, NULL, plain, 3 * 4096 + 10);
	NvrNvreKeyPair *keys[] = {fx->keys[0]};
	NvrNvreReadParams rp = {0};
	g_autoptr(NvrNvreReader) r = NULL;
	g_autoptr(GError) error = NULL;
	guint8 buf[2 * 4096];

	f->data[512 + 4112 + 50] ^= 0x10; /* chunk 1 */
	g_assert_cmpint(pwrite(fx->memfd, f->data, f->len, 0), ==, (gssize)f->len);
	rp.context = fx->ctx;
	rp.keys = keys;
	rp.n_keys = 1;
	rp.device_pk = nvr_nvre_signing_key_get_public(fx->device);
	rp.require_signature = TRUE;
	r = nvr_nvre_reader_open_fd(fx->memfd, &rp, &error);
	g_assert_no_error(error);
	memset(buf, 0xaa, sizeof(buf));
	g_assert_false(nvr_nvre_reader_read(r, 4096, buf, 4096, &error));
	g_assert_cmpstr(test_keys_outcome(error), ==, "chunk");
	g_clear_error(&error);
	for (guint i = 0; i < 4096; i++)
		g_assert_cmpuint(buf[i], ==, 0xaa);
	/* across chunks 0 and 1: chunk 1's part of the buffer stays as it was */
	g_assert_false(nvr_nvre_reader_read(r, 4000, buf, 200, &error));
	g_assert_cmpstr(test_keys_outcome(error), ==, "chunk");
	g_clear_error(&error);
	for (guint i = 96; i < 200; i++)
		g_assert_cmpuint(buf[i], ==, 0xaa);
	/* the chunks around it still read */
	g_assert_true(nvr_nvre_reader_read(r, 0, buf, 4096, &error));
	g_assert_cmpmem(buf, 4096, plain, 4096);
	g_assert_true(nvr_nvre_reader_read(r, 2 * 4096, buf, 4096 + 10, &error));
	g_assert_cmpmem(buf, 4096 + 10, plain + 2 * 4096, 4096 + 10);
	g_assert_false(nvr_nvre_reader_verify_all(r, &error));
	g_assert_cmpstr(test_keys_outcome(error), ==, "chunk");
}

/* §13: up to 8 new recipients in the header's own room, the payload untouched, K_file kept;
 * re-signed, or left unsigned with a zero signature area when no device key is given */
static void
test_rules_rewrap(RuleFixture *fx, gconstpointer data)
{
	RuleShape shape = {12, 960, 1, TRUE};
	g_autofree guint8 *plain = rule_plain(9000);
	g_autoptr(GByteArray) f = rule_write(fx, &shape, &fx->ctx, NULL, plain, 9000);
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autofree gchar *path = g_build_filename(dir, "w.nvre", NULL);
	NvrNvreKeyPair *old[] = {fx->keys[0]};
	NvrNvreRewrapParams rw = {0};
	g_autoptr(GError) error = NULL;

	test_keys_write_file(path, f->data, f->len);
	rw.keys = old;
	rw.n_keys = 1;
	rw.device_pk = nvr_nvre_signing_key_get_public(fx->device);
	for (guint i = 0; i < RULE_N_KEYS; i++)
		rw.recipients[i] = nvr_nvre_key_pair_get_public(fx->keys[RULE_N_KEYS - 1 - i]);
	rw.n_recipients = RULE_N_KEYS;
	rw.device_key = fx->device;
	g_assert_true(nvr_nvre_rewrap(path, &fx->ctx, &rw, &error));
	g_assert_no_error(error);
	for (guint k = 0; k < RULE_N_KEYS; k++) {
		g_autoptr(GBytes) b = nvr_test_read_bytes(path);
		g_autoptr(GByteArray) w = g_byte_array_new();
		RuleRead how = rule_strict;

		g_byte_array_append(w, g_bytes_get_data(b, NULL), (guint)g_bytes_get_size(b));
		g_assert_cmpuint(w->len, ==, f->len);
		g_assert_cmpmem(w->data + 960, w->len - 960, f->data + 960, f->len - 960);
		g_assert_cmpuint(w->data[14], ==, 8);
		how.key = k;
		rule_expect(fx, w, &how, plain, "ok 9000", "re-wrapped to 8");
	}
	/* back to one recipient, unsigned: the flag and the whole signature area are zero */
	rw.keys = (NvrNvreKeyPair *[]){fx->keys[3]};
	rw.n_recipients = 1;
	rw.device_key = NULL;
	g_assert_true(nvr_nvre_rewrap(path, &fx->ctx, &rw, &error));
	{
		g_autoptr(GBytes) b = nvr_test_read_bytes(path);
		g_autoptr(GByteArray) w = g_byte_array_new();
		RuleRead how = rule_lenient;

		g_byte_array_append(w, g_bytes_get_data(b, NULL), (guint)g_bytes_get_size(b));
		g_assert_cmpuint(w->data[15], ==, 0);
		for (guint i = 112 + 88; i < 960 - 96; i++)
			g_assert_cmpuint(w->data[i], ==, 0);
		for (guint i = 960 - 64; i < 960; i++)
			g_assert_cmpuint(w->data[i], ==, 0);
		how.key = 7;
		rule_expect(fx, w, &how, plain, "ok 9000", "re-wrapped unsigned");
		rule_expect(fx, w, &rule_strict, NULL, "nokey", "re-wrapped away from keys[0]");
		how.require_signature = TRUE;
		rule_expect(fx, w, &how, NULL, "sig", "re-wrapped unsigned, signatures required");
	}
	nvr_test_rm_rf(dir);
}

/* §9 steps 3–5, §16 writer: fresh K_file and file_salt from randombytes_buf for every file;
 * zero reserved bytes, padding and (unsigned) signature area */
static void
test_rules_writer_fresh(RuleFixture *fx, gconstpointer data)
{
	guint8 k_file[2][32];
	GByteArray *files[2];

	for (guint i = 0; i < 2; i++) {
		g_autoptr(NvrNvreWriter) w = NULL;
		g_autoptr(GError) error = NULL;
		NvrNvreWriterParams wp = {0};
		NvrNvreWriterResult res;
		gint fd = memfd_create("nvre-fresh", MFD_CLOEXEC);

		wp.context = fx->ctx;
		wp.chunk_log2 = 12;
		wp.header_len = 512;
		wp.n_recipients = 1;
		wp.recipients[0] = nvr_nvre_key_pair_get_public(fx->keys[0]);
		w = nvr_nvre_writer_new_for_fd(fd, &wp, &error);
		g_assert_no_error(error);
		g_assert_true(nvr_nvre_writer_finish(w, &res, &error));
		files[i] = g_byte_array_sized_new((guint)res.file_len);
		g_byte_array_set_size(files[i], (guint)res.file_len);
		g_assert_cmpint(pread(fd, files[i]->data, files[i]->len, 0), ==,
				(gssize)files[i]->len);
		close(fd);
		g_assert_true(nvr_nvre_test_unwrap(files[i]->data, files[i]->len, fx->keys, 1,
						   k_file[i]));
		/* reserved, padding, signature area: zero */
		for (guint b = 104; b < 112; b++)
			g_assert_cmpuint(files[i]->data[b], ==, 0);
		for (guint b = 112 + 88; b < 512 - 96; b++)
			g_assert_cmpuint(files[i]->data[b], ==, 0);
		for (guint b = 512 - 64; b < 512; b++)
			g_assert_cmpuint(files[i]->data[b], ==, 0);
		g_assert_cmpuint(files[i]->data[15], ==, 0);
	}
	g_assert_false(memcmp(files[0]->data + 88, files[1]->data + 88, 16) == 0);
	g_assert_false(memcmp(k_file[0], k_file[1], 32) == 0);
	/* the same context, plaintext and recipient: nothing but the randomness differs */
	g_assert_cmpmem(files[0]->data, 88, files[1]->data, 88);
	nvr_keys_memzero(k_file, sizeof(k_file));
	g_byte_array_unref(files[0]);
	g_byte_array_unref(files[1]);
}

void
test_keys_rules_register(void)
{
	struct {
		const gchar *name;
		void (*func)(RuleFixture *, gconstpointer);
	} tests[] = {
		{"chunk-log2", test_rules_chunk_log2},
		{"header-len", test_rules_header_len},
		{"recipients", test_rules_recipients},
		{"flags-reserved", test_rules_flags_reserved},
		{"padding-sig-area", test_rules_padding_sig_area},
		{"signed-flag", test_rules_signed_flag},
		{"lengths", test_rules_lengths},
		{"context-values", test_rules_context_values},
		{"chunking", test_rules_chunking},
		{"stanza-search", test_rules_stanza_search},
		{"chain", test_rules_chain},
		{"recovery-refuses", test_rules_recovery_refuses},
		{"no-release", test_rules_no_release},
		{"rewrap", test_rules_rewrap},
		{"writer-fresh", test_rules_writer_fresh},
	};

	for (guint i = 0; i < G_N_ELEMENTS(tests); i++) {
		g_autofree gchar *path = g_strdup_printf("/nvr/keys/rules/%s", tests[i].name);
		g_test_add(path, RuleFixture, NULL, rule_setup, tests[i].func, rule_teardown);
	}
	g_test_add_func("/nvr/keys/rules/slot", test_rules_slot);
}
