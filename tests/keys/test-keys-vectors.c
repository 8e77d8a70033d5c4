/*
 * The NVRE v1 conformance vectors, run as the vectors' README.md says: every
 * case of manifest.json (segment and slot), its keys, context, mode,
 * signature policy, predecessor ("missing" or a file opened with its own
 * context and mode), every listed read, verify-all, the full read, the
 * expected outcome and payload_identical_to, and every kat value. Nothing is
 * keyed on a case id or file name: another set runs the same way.
 *
 * The runner understands exactly the schema of the README (schema 1). A
 * member, an expect form, a mode, a kind, a class or a kat value it does not
 * know fails the case with its name; it is never skipped.
 *
 * Sets: the shipped copy in tests/data/nvre-v1 always runs. NVR_NVRE_VECTORS
 * names another folder holding a manifest.json, run in addition:
 *   NVR_NVRE_VECTORS=/path/to/vectors meson test -C build keys --print-errorlogs
 * (or build/tests/keys/test-keys -p /nvr/keys/vectors/other). Another set may
 * also be copied over tests/data/nvre-v1: it then runs the same way, and the
 * checks about the shipped files (case count, the ids spec §16 cites, the
 * writer rebuilding valid/basic.nvre, edits of its manifest) skip, saying so.
 *
 * Each set runs twice: through the library, and its segment cases through
 * "nvrctl decrypt --key-file ..." (the keys in files, the outcome from its
 * --json output), so the command a person checks a vector with agrees too.
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "keys/nvr-keys.h"
#include "keys/nvr-nvre-testing.h"
#include "nvr-test-common.h"
#include "test-keys.h"

#define TV_OTHER_ENV "NVR_NVRE_VECTORS"
/* manifest.json of the public set this tree ships (/work/shared/vectors/nvre-v1) */
#define TV_SHIPPED_MANIFEST_SHA256                                                                 \
	"00d04c9d2f8328e87447a0f9025d38c56b933042fa7e622df27c2db57f00119f"

/* one case while it runs; a problem is appended to @failures under the case id */
typedef struct {
	const gchar *dir;
	const gchar *id;
	GString *failures;
	gboolean bad; /* something in the case was not understood: reported, not run further */
	const gchar *nvrctl;  /* nullable: run segment cases through this "nvrctl decrypt" */
	const gchar *scratch; /* with @nvrctl: a directory for key files and the output */
} TvCase;

typedef struct {
	GPtrArray *keys; /* NvrNvreKeyPair: household, then recovery */
	guint8 device_pk[32];
	gboolean has_device_pk;
} TvKeys;

static void
tv_keys_clear(TvKeys *k)
{
	g_clear_pointer(&k->keys, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TvKeys, tv_keys_clear)

static void tv_fail(TvCase *tc, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

static void
tv_fail(TvCase *tc, const gchar *format, ...)
{
	va_list args;

	va_start(args, format);
	g_string_append_printf(tc->failures, "%s: ", tc->id != NULL ? tc->id : "(manifest)");
	g_string_append_vprintf(tc->failures, format, args);
	g_string_append_c(tc->failures, '\n');
	va_end(args);
}

/* a schema problem: the case cannot be run as its author meant */
static void tv_bad(TvCase *tc, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

static void
tv_bad(TvCase *tc, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *msg = NULL;

	va_start(args, format);
	msg = g_strdup_vprintf(format, args);
	va_end(args);
	tv_fail(tc, "not understood: %s", msg);
	tc->bad = TRUE;
}

/* every member of @obj must be in @known (a NULL-terminated list) */
static void
tv_known(TvCase *tc, JsonObject *obj, const gchar *where, const gchar *const *known)
{
	g_autoptr(GList) names = json_object_get_members(obj);

	for (GList *l = names; l != NULL; l = l->next) {
		if (!g_strv_contains(known, l->data))
			tv_bad(tc, "unknown member '%s' in %s", (const gchar *)l->data, where);
	}
}

/* Returns: (nullable): the member, or NULL (and the case is bad) when it is missing */
static JsonNode *
tv_member(TvCase *tc, JsonObject *obj, const gchar *name)
{
	JsonNode *node = obj != NULL ? json_object_get_member(obj, name) : NULL;

	if (node == NULL && obj != NULL)
		tv_bad(tc, "member '%s' missing", name);
	return node;
}

static const gchar *
tv_string(TvCase *tc, JsonObject *obj, const gchar *name, gboolean nullable)
{
	JsonNode *node = tv_member(tc, obj, name);

	if (node == NULL || (nullable && JSON_NODE_HOLDS_NULL(node)))
		return NULL;
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING) {
		tv_bad(tc, "'%s' is not a string", name);
		return NULL;
	}
	return json_node_get_string(node);
}

static JsonObject *
tv_object(TvCase *tc, JsonObject *obj, const gchar *name)
{
	JsonNode *node = tv_member(tc, obj, name);

	if (node == NULL)
		return NULL;
	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		tv_bad(tc, "'%s' is not an object", name);
		return NULL;
	}
	return json_node_get_object(node);
}

static JsonArray *
tv_array(TvCase *tc, JsonObject *obj, const gchar *name)
{
	JsonNode *node = tv_member(tc, obj, name);

	if (node == NULL)
		return NULL;
	if (!JSON_NODE_HOLDS_ARRAY(node)) {
		tv_bad(tc, "'%s' is not an array", name);
		return NULL;
	}
	return json_node_get_array(node);
}

static gboolean
tv_bool(TvCase *tc, JsonObject *obj, const gchar *name)
{
	JsonNode *node = tv_member(tc, obj, name);

	if (node == NULL)
		return FALSE;
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN) {
		tv_bad(tc, "'%s' is not true or false", name);
		return FALSE;
	}
	return json_node_get_boolean(node);
}

/* JSON integers: json-glib keeps them as gint64, and a literal from 2^63 to 2^64−1 comes out
 * as its two's complement, so the cast gives back the u64 (segment ids, offsets, lengths) */
static gboolean
tv_int(TvCase *tc, JsonObject *obj, const gchar *name, gint64 *out)
{
	JsonNode *node = tv_member(tc, obj, name);

	if (node == NULL)
		return FALSE;
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64) {
		tv_bad(tc, "'%s' is not an integer", name);
		return FALSE;
	}
	*out = json_node_get_int(node);
	return TRUE;
}

static guint64
tv_uint64(TvCase *tc, JsonObject *obj, const gchar *name)
{
	gint64 v = 0;

	return tv_int(tc, obj, name, &v) ? (guint64)v : 0;
}

/* exactly @len bytes of hex; Returns: FALSE when null (if @nullable) or bad */
static gboolean
tv_hex(TvCase *tc, JsonObject *obj, const gchar *name, gboolean nullable, guint8 *out, gsize len)
{
	const gchar *hex = tv_string(tc, obj, name, nullable);

	if (hex == NULL)
		return FALSE;
	if (strlen(hex) != 2 * len) {
		tv_bad(tc, "'%s' is not %" G_GSIZE_FORMAT " bytes of hex", name, len);
		return FALSE;
	}
	for (gsize i = 0; i < len; i++) {
		gint hi = g_ascii_xdigit_value(hex[2 * i]);
		gint lo = g_ascii_xdigit_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			tv_bad(tc, "'%s' is not hex", name);
			return FALSE;
		}
		out[i] = (guint8)(hi << 4 | lo);
	}
	return TRUE;
}

/* a hex string of any length, lower case, for comparisons (kat values) */
static gchar *
tv_hex_string(TvCase *tc, JsonObject *obj, const gchar *name)
{
	const gchar *hex = tv_string(tc, obj, name, FALSE);

	if (hex == NULL)
		return NULL;
	for (const gchar *p = hex; *p != '\0'; p++) {
		if (!g_ascii_isxdigit(*p)) {
			tv_bad(tc, "'%s' is not hex", name);
			return NULL;
		}
	}
	return g_ascii_strdown(hex, -1);
}

static gboolean
tv_is_class(const gchar *name)
{
	for (gint code = NVR_NVRE_ERROR_IO; code <= NVR_NVRE_ERROR_LINK; code++) {
		if (g_strcmp0(nvr_nvre_error_class_name(code), name) == 0)
			return TRUE;
	}
	return FALSE;
}

/* {"ok": true, <ok members>} or {"error": CLASS}: "ok <values>" or the class name */
static gchar *
tv_expect(TvCase *tc, JsonObject *expect, const gchar *where, const gchar *len_member,
	  const gchar *sha_member)
{
	/* with no length member the list just ends one early */
	const gchar *const known_ok[] = {"ok", sha_member, len_member, NULL};
	const gchar *const known_error[] = {"error", NULL};
	g_autofree gchar *sha = NULL;

	if (expect == NULL)
		return NULL;
	if (json_object_has_member(expect, "error")) {
		const gchar *class = tv_string(tc, expect, "error", FALSE);
		tv_known(tc, expect, where, known_error);
		if (class != NULL && !tv_is_class(class))
			tv_bad(tc, "%s: '%s' is not an error class of spec §15", where, class);
		return g_strdup(class);
	}
	tv_known(tc, expect, where, known_ok);
	if (!tv_bool(tc, expect, "ok")) {
		tv_bad(tc, "%s is neither {\"ok\": true, ...} nor {\"error\": CLASS}", where);
		return NULL;
	}
	sha = tv_hex_string(tc, expect, sha_member);
	if (len_member == NULL)
		return sha != NULL ? g_strdup_printf("ok %s", sha) : NULL;
	return sha != NULL ? g_strdup_printf("ok %" G_GUINT64_FORMAT " %s",
					     tv_uint64(tc, expect, len_member), sha)
			   : NULL;
}

static gchar *
tv_path(TvCase *tc, const gchar *rel)
{
	return rel != NULL ? g_build_filename(tc->dir, rel, NULL) : NULL;
}

/* Returns: (nullable): the file's bytes; a file the case names but that cannot be read makes
 * the case bad (the others still run) */
static GBytes *
tv_read(TvCase *tc, const gchar *path)
{
	g_autoptr(GError) error = NULL;
	gchar *data = NULL;
	gsize len = 0;

	if (path == NULL)
		return NULL;
	if (!g_file_get_contents(path, &data, &len, &error)) {
		tv_bad(tc, "%s", error->message);
		return NULL;
	}
	return g_bytes_new_take(data, len);
}

static const gchar *const tv_keys_members[] = {
	"household_pk", "household_sk", "recovery_pk", "recovery_sk",
	"device_pk",	"passphrase",	NULL};

/* README step 1: household pair first (if its secret is given), then recovery */
static void
tv_keys(TvCase *tc, JsonObject *c, TvKeys *out)
{
	JsonObject *keys = tv_object(tc, c, "keys");
	const gchar *pairs[][2] = {{"household_pk", "household_sk"},
				   {"recovery_pk", "recovery_sk"}};

	out->keys = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_nvre_key_pair_unref);
	if (keys == NULL)
		return;
	tv_known(tc, keys, "keys", tv_keys_members);
	for (guint i = 0; i < G_N_ELEMENTS(pairs); i++) {
		g_autoptr(GError) error = NULL;
		guint8 sk[32], pk[32];
		gboolean has_pk = tv_hex(tc, keys, pairs[i][0], TRUE, pk, sizeof(pk));
		NvrNvreKeyPair *pair;

		if (!tv_hex(tc, keys, pairs[i][1], TRUE, sk, sizeof(sk)))
			continue;
		pair = nvr_nvre_key_pair_new_from_secret(sk, &error);
		nvr_keys_memzero(sk, sizeof(sk));
		if (pair == NULL) {
			tv_bad(tc, "%s: %s", pairs[i][1], error->message);
			continue;
		}
		/* the reader's pair is (pk, sk): a given pk must be the one of sk */
		if (has_pk && memcmp(nvr_nvre_key_pair_get_public(pair), pk, 32) != 0)
			tv_bad(tc, "%s is not the public key of %s", pairs[i][0], pairs[i][1]);
		g_ptr_array_add(out->keys, pair);
	}
	out->has_device_pk = tv_hex(tc, keys, "device_pk", TRUE, out->device_pk, 32);
}

static void
tv_context(TvCase *tc, JsonObject *obj, NvrNvreContext *ctx)
{
	static const gchar *const known[] = {"camera_id", "segment_id", "start_us", "content_type",
					     NULL};
	gint64 type = 0;

	memset(ctx, 0, sizeof(*ctx));
	if (obj == NULL)
		return;
	tv_known(tc, obj, "context", known);
	tv_hex(tc, obj, "camera_id", FALSE, ctx->camera_id, 16);
	ctx->segment_id = tv_uint64(tc, obj, "segment_id");
	tv_int(tc, obj, "start_us", &ctx->start_us);
	if (tv_int(tc, obj, "content_type", &type) && (type < 0 || type > 255))
		tv_bad(tc, "content_type %" G_GINT64_FORMAT " is not a byte", type);
	ctx->content_type = (guint8)type;
}

static NvrNvreMode
tv_mode(TvCase *tc, JsonObject *obj)
{
	const gchar *mode = tv_string(tc, obj, "mode", FALSE);

	if (g_strcmp0(mode, "interrupted") == 0)
		return NVR_NVRE_MODE_INTERRUPTED;
	if (mode != NULL && g_strcmp0(mode, "strict") != 0)
		tv_bad(tc, "mode '%s' is neither strict nor interrupted", mode);
	return NVR_NVRE_MODE_STRICT;
}

/* README step 2 (and step 5 for a predecessor): @obj holds path, context and mode */
static NvrNvreReader *
tv_open(TvCase *tc, JsonObject *obj, const TvKeys *keys, gboolean require_signature, GError **error)
{
	g_autofree gchar *path = tv_path(tc, tv_string(tc, obj, "path", FALSE));
	NvrNvreReadParams params = {0};

	tv_context(tc, tv_object(tc, obj, "context"), &params.context);
	params.mode = tv_mode(tc, obj);
	params.keys = (NvrNvreKeyPair *const *)keys->keys->pdata;
	params.n_keys = keys->keys->len;
	params.device_pk = keys->has_device_pk ? keys->device_pk : NULL;
	params.require_signature = require_signature;
	if (tc->bad || path == NULL)
		return NULL;
	return nvr_nvre_reader_open(path, &params, error);
}

/* what a read of @len at @off gives: "ok" and the SHA-256 of the bytes, or the class */
static gchar *
tv_read_outcome(NvrNvreReader *reader, guint64 off, guint64 len)
{
	guint64 plain_len = nvr_nvre_reader_get_plain_len(reader);
	gboolean in_range = off <= plain_len && len <= plain_len - off;
	g_autofree guint8 *buf = NULL;
	g_autofree gchar *sha = NULL;
	g_autoptr(GError) error = NULL;

	/* a length the gsize API cannot carry (32-bit) can only be out of range */
	if (len > G_MAXSIZE)
		return g_strdup(in_range ? "not-expressible" : "range");
	/* out of range the reader must refuse before it writes: a 1-byte buffer shows if not */
	buf = g_malloc(in_range ? (gsize)len + 1 : 1);
	if (!nvr_nvre_reader_read(reader, off, buf, (gsize)len, &error))
		return g_strdup(test_keys_outcome(error));
	sha = test_keys_sha256_hex(buf, (gsize)len);
	return g_strdup_printf("ok %s", sha);
}

/* README step 3; a read that fails does not end the case */
static void
tv_reads(TvCase *tc, NvrNvreReader *reader, JsonArray *reads)
{
	static const gchar *const known[] = {"off", "len", "expect", NULL};

	for (guint i = 0; reads != NULL && i < json_array_get_length(reads); i++) {
		JsonNode *node = json_array_get_element(reads, i);
		g_autofree gchar *where = g_strdup_printf("reads[%u]", i);
		g_autofree gchar *want = NULL;
		g_autofree gchar *got = NULL;
		JsonObject *r;
		guint64 off, len;

		if (!JSON_NODE_HOLDS_OBJECT(node)) {
			tv_bad(tc, "%s is not an object", where);
			continue;
		}
		r = json_node_get_object(node);
		tv_known(tc, r, where, known);
		off = tv_uint64(tc, r, "off");
		len = tv_uint64(tc, r, "len");
		want = tv_expect(tc, tv_object(tc, r, "expect"), where, NULL, "sha256");
		if (tc->bad)
			return;
		got = tv_read_outcome(reader, off, len);
		if (g_strcmp0(got, want) != 0)
			tv_fail(tc,
				"read %" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT ": got %s, want %s",
				off, len, got, want);
	}
}

/* README step 5; Returns: (nullable): the predecessor, opened, when there is one */
static gboolean
tv_chain(TvCase *tc, NvrNvreReader *reader, JsonObject *c, const TvKeys *keys,
	 NvrNvreReader **pred_out, GError **error)
{
	static const gchar *const known[] = {"path", "context", "mode", NULL};
	JsonNode *pred = tv_member(tc, c, "predecessor");
	g_autoptr(GError) pred_error = NULL;
	NvrNvreChainState state;
	JsonObject *p;

	if (pred == NULL || JSON_NODE_HOLDS_NULL(pred))
		return TRUE;
	if (JSON_NODE_HOLDS_VALUE(pred)) {
		if (g_strcmp0(json_node_get_string(pred), "missing") != 0)
			tv_bad(tc, "predecessor is neither null, \"missing\" nor an object");
		return tc->bad || nvr_nvre_reader_check_chain(reader, NULL, error);
	}
	if (!JSON_NODE_HOLDS_OBJECT(pred)) {
		tv_bad(tc, "predecessor is neither null, \"missing\" nor an object");
		return TRUE;
	}
	p = json_node_get_object(pred);
	tv_known(tc, p, "predecessor", known);
	*pred_out = tv_open(tc, p, keys, tv_bool(tc, c, "require_signature"), &pred_error);
	if (*pred_out == NULL) {
		/* "in these vectors that open always succeeds; a failure means the implementation
		 * is wrong" */
		if (!tc->bad)
			tv_fail(tc, "the predecessor does not open: %s", pred_error->message);
		tc->bad = TRUE;
		return TRUE;
	}
	nvr_nvre_reader_get_chain_state(*pred_out, &state);
	return nvr_nvre_reader_check_chain(reader, &state, error);
}

/* README step 7: bytes [header_len, L) of both files are the same */
static void
tv_payload_identical(TvCase *tc, JsonObject *c, NvrNvreReader *reader)
{
	g_autofree gchar *a_path = NULL;
	g_autofree gchar *b_path = NULL;
	g_autoptr(GBytes) a = NULL;
	g_autoptr(GBytes) b = NULL;
	gsize hl = nvr_nvre_reader_get_header_len(reader);
	const gchar *other;

	if (!json_object_has_member(c, "payload_identical_to"))
		return;
	other = tv_string(tc, c, "payload_identical_to", FALSE);
	if (other == NULL)
		return;
	a_path = tv_path(tc, tv_string(tc, c, "path", FALSE));
	b_path = tv_path(tc, other);
	a = tv_read(tc, a_path);
	b = tv_read(tc, b_path);
	if (a == NULL || b == NULL)
		return;
	if (g_bytes_get_size(a) != g_bytes_get_size(b) || g_bytes_get_size(a) < hl ||
	    memcmp((const guint8 *)g_bytes_get_data(a, NULL) + hl,
		   (const guint8 *)g_bytes_get_data(b, NULL) + hl, g_bytes_get_size(a) - hl) != 0)
		tv_fail(tc, "payload differs from %s", other);
}

static void
tv_kat_hex(TvCase *tc, JsonObject *kat, const gchar *name, const guint8 *got, gsize len)
{
	g_autofree gchar *want = tv_hex_string(tc, kat, name);
	g_autofree gchar *hex = test_keys_hex(got, len);

	if (want != NULL && g_strcmp0(hex, want) != 0)
		tv_fail(tc, "kat %s: got %s, want %s", name, hex, want);
}

static gboolean
tv_kat_has(JsonObject *kat, const gchar *name)
{
	return json_object_has_member(kat, name);
}

/* kat fixed, file_salt, key_id (§4.3, §5.1) */
static void
tv_kat_header(TvCase *tc, JsonObject *kat, JsonObject *c, const guint8 *f)
{
	JsonObject *keys = tv_object(tc, c, "keys");
	const gchar *pks[] = {"household_pk", "recovery_pk"};
	g_autofree gchar *want = NULL;

	if (tv_kat_has(kat, "fixed"))
		tv_kat_hex(tc, kat, "fixed", f, NVR_NVRE_FIXED_SIZE);
	if (tv_kat_has(kat, "file_salt"))
		tv_kat_hex(tc, kat, "file_salt", f + 88, 16);
	if (!tv_kat_has(kat, "key_id") || (want = tv_hex_string(tc, kat, "key_id")) == NULL)
		return;
	/* the key id of one of the case's public keys */
	for (guint i = 0; i < G_N_ELEMENTS(pks); i++) {
		g_autofree gchar *hex = NULL;
		guint8 pk[32], key_id[8];

		if (!tv_hex(tc, keys, pks[i], TRUE, pk, 32))
			continue;
		g_assert_true(nvr_nvre_key_id(pk, key_id, NULL));
		hex = test_keys_hex(key_id, 8);
		if (g_strcmp0(hex, want) == 0)
			return;
	}
	tv_fail(tc, "kat key_id %s is the key id of none of the case's public keys", want);
}

/* kat k_file (§5.3), prk, k_mac, k_payload (§4.4), chunk0_*, final_* (§7.2), sig_message
 * (§6.2): each computed from the file and the case's keys, then compared */
static void
tv_kat_keys(TvCase *tc, JsonObject *kat, const TvKeys *keys, const guint8 *f, gsize len)
{
	guint hl = (guint)f[12] << 8 | f[13];
	guint64 ct = ((guint64)1 << MIN(f[10], 40)) + 16;
	guint64 k = len >= hl ? (len - hl) / ct : 0;
	gboolean finalized = len >= hl && (len - hl) % ct >= 16;
	guint8 k_file[32], nonce[NVR_NVRE_TEST_NONCE_SIZE], ad[NVR_NVRE_TEST_AD_SIZE];
	guint8 msg[NVR_NVRE_TEST_SIG_MESSAGE_SIZE];
	NvrNvreTestKeys derived;
	gint64 final_index = 0;

	if (tv_kat_has(kat, "k_file")) {
		if (!nvr_nvre_test_unwrap(f, len, (NvrNvreKeyPair *const *)keys->keys->pdata,
					  keys->keys->len, k_file))
			tv_fail(tc, "kat k_file: no stanza opens with the case's keys");
		else
			tv_kat_hex(tc, kat, "k_file", k_file, 32);
	}
	if (tv_kat_has(kat, "prk") || tv_kat_has(kat, "k_mac") || tv_kat_has(kat, "k_payload")) {
		/* derived from the kat's own K_file, so a wrong one shows at its own step */
		if (!tv_hex(tc, kat, "k_file", FALSE, k_file, 32))
			return;
		g_assert_true(nvr_nvre_test_derive(k_file, f, &derived, NULL));
		if (tv_kat_has(kat, "prk"))
			tv_kat_hex(tc, kat, "prk", derived.prk, 32);
		if (tv_kat_has(kat, "k_mac"))
			tv_kat_hex(tc, kat, "k_mac", derived.k_mac, 32);
		if (tv_kat_has(kat, "k_payload"))
			tv_kat_hex(tc, kat, "k_payload", derived.k_payload, 32);
	}
	/* chunk 0 is the final chunk only in a file with no full chunk */
	nvr_nvre_test_chunk_inputs(f, 0, finalized && k == 0, nonce, ad);
	if (tv_kat_has(kat, "chunk0_nonce"))
		tv_kat_hex(tc, kat, "chunk0_nonce", nonce, sizeof(nonce));
	if (tv_kat_has(kat, "chunk0_ad"))
		tv_kat_hex(tc, kat, "chunk0_ad", ad, sizeof(ad));
	if (tv_kat_has(kat, "final_index") && tv_int(tc, kat, "final_index", &final_index) &&
	    (!finalized || (guint64)final_index != k))
		tv_fail(tc, "kat final_index %" G_GINT64_FORMAT ": the file's length puts it at %s",
			final_index, finalized ? "another index" : "none");
	nvr_nvre_test_chunk_inputs(f, k, TRUE, nonce, ad);
	if (tv_kat_has(kat, "final_nonce"))
		tv_kat_hex(tc, kat, "final_nonce", nonce, sizeof(nonce));
	if (tv_kat_has(kat, "final_ad"))
		tv_kat_hex(tc, kat, "final_ad", ad, sizeof(ad));
	/* header_len as the file says, if the file holds that much */
	if (!tv_kat_has(kat, "sig_message"))
		return;
	if (hl < 208 || hl > len) {
		g_test_message("%s: kat sig_message of a file without its header is not computed",
			       tc->id);
		return;
	}
	nvr_nvre_test_sig_message(f, f + hl - 96, msg);
	tv_kat_hex(tc, kat, "sig_message", msg, sizeof(msg));
}

/* kat link_message, prev_link, prev_status (§8.2) from the opened predecessor */
static void
tv_kat_link(TvCase *tc, JsonObject *kat, NvrNvreReader *pred, gboolean expect_ok, const guint8 *f)
{
	guint8 m[147], link[32];
	NvrNvreChainState state;
	gint64 status = 0;

	/* the successor's own bytes; the rest is computed from the opened predecessor */
	if (tv_kat_has(kat, "prev_link"))
		tv_kat_hex(tc, kat, "prev_link", f + 56, 32);
	if (!tv_kat_has(kat, "link_message") && !tv_kat_has(kat, "prev_status") &&
	    (!tv_kat_has(kat, "prev_link") || pred == NULL))
		return;
	/* in a case whose chain check must fail, the kat describes the predecessor the successor
	 * recorded, not the one on disk: nothing here computes it */
	if (!expect_ok) {
		g_test_message("%s: kat link values of a failing case are not recomputed", tc->id);
		return;
	}
	if (pred == NULL) {
		tv_bad(tc, "kat link values without a predecessor file");
		return;
	}
	nvr_nvre_reader_get_chain_state(pred, &state);
	memcpy(m, "NVRE1-link", 10);
	memcpy(m + 10, state.fixed_prime, 112);
	for (gint i = 0; i < 8; i++)
		m[122 + i] = (guint8)(state.file_len >> (56 - 8 * i));
	memcpy(m + 130, state.last_tag, 16);
	m[146] = state.status;
	if (tv_kat_has(kat, "link_message"))
		tv_kat_hex(tc, kat, "link_message", m, sizeof(m));
	g_assert_true(nvr_nvre_chain_state_link(&state, link, NULL));
	if (tv_kat_has(kat, "prev_link"))
		tv_kat_hex(tc, kat, "prev_link", link, 32);
	if (tv_kat_has(kat, "prev_status") && tv_int(tc, kat, "prev_status", &status) &&
	    status != state.status)
		tv_fail(tc, "kat prev_status %" G_GINT64_FORMAT ", the predecessor's state has %u",
			status, state.status);
}

static const gchar *const tv_kat_segment[] = {
	"fixed",       "file_salt",    "key_id",    "k_file",	   "prk",	  "k_mac",
	"k_payload",   "chunk0_nonce", "chunk0_ad", "final_index", "final_nonce", "final_ad",
	"sig_message", "link_message", "prev_link", "prev_status", NULL};

static void
tv_kat_segment_check(TvCase *tc, JsonObject *c, const TvKeys *keys, NvrNvreReader *pred,
		     gboolean expect_ok)
{
	JsonObject *kat;
	g_autofree gchar *path = NULL;
	g_autoptr(GBytes) file = NULL;
	const guint8 *f;
	gsize len;

	if (!json_object_has_member(c, "kat"))
		return;
	kat = tv_object(tc, c, "kat");
	path = tv_path(tc, tv_string(tc, c, "path", FALSE));
	if (kat == NULL || path == NULL)
		return;
	tv_known(tc, kat, "kat", tv_kat_segment);
	file = tv_read(tc, path);
	if (file == NULL)
		return;
	f = g_bytes_get_data(file, &len);
	if (len < NVR_NVRE_FIXED_SIZE) {
		g_test_message("%s: kat of a file shorter than FIXED is not computed", tc->id);
		return;
	}
	tv_kat_header(tc, kat, c, f);
	tv_kat_keys(tc, kat, keys, f, len);
	tv_kat_link(tc, kat, pred, expect_ok, f);
}

static const gchar *const tv_segment_members[] = {"id",		 "path",  "kind",
						  "why",	 "keys",  "expect",
						  "context",	 "mode",  "require_signature",
						  "predecessor", "reads", "payload_identical_to",
						  "kat",	 NULL};

/* README steps 2–7 for a segment case */
static void
tv_run_segment(TvCase *tc, JsonObject *c)
{
	g_auto(TvKeys) keys = {0};
	g_autoptr(NvrNvreReader) reader = NULL;
	g_autoptr(NvrNvreReader) pred = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *want = NULL;
	g_autofree gchar *got = NULL;
	JsonArray *reads;

	tv_known(tc, c, "the case", tv_segment_members);
	tv_keys(tc, c, &keys);
	want = tv_expect(tc, tv_object(tc, c, "expect"), "expect", "plain_len", "plain_sha256");
	reads = tv_array(tc, c, "reads");
	tv_member(tc, c, "predecessor");
	reader = tv_open(tc, c, &keys, tv_bool(tc, c, "require_signature"), &error);
	if (tc->bad)
		return;
	if (reader != NULL) {
		tv_reads(tc, reader, reads);
		if (nvr_nvre_reader_verify_all(reader, &error) &&
		    tv_chain(tc, reader, c, &keys, &pred, &error) && !tc->bad) {
			guint64 plain_len = nvr_nvre_reader_get_plain_len(reader);
			g_autofree guint8 *plain = g_malloc(plain_len + 1);
			if (nvr_nvre_reader_read(reader, 0, plain, plain_len, &error)) {
				g_autofree gchar *sha = test_keys_sha256_hex(plain, plain_len);
				got = g_strdup_printf("ok %" G_GUINT64_FORMAT " %s", plain_len,
						      sha);
			}
		}
	}
	tv_kat_segment_check(tc, c, &keys, pred, g_str_has_prefix(want != NULL ? want : "", "ok "));
	if (tc->bad)
		return;
	if (got == NULL)
		got = g_strdup(test_keys_outcome(error));
	if (g_strcmp0(got, want) != 0)
		tv_fail(tc, "got %s (%s), want %s", got, error != NULL ? error->message : "", want);
	else if (error == NULL)
		tv_payload_identical(tc, c, reader);
}

/* kat opslimit, memlimit, kek, ad (§14) */
static void
tv_kat_slot(TvCase *tc, JsonObject *c, const guint8 *slot, gsize len, const gchar *pass,
	    const guint8 *key_id)
{
	static const gchar *const known[] = {"opslimit", "memlimit", "kek", "ad", NULL};
	JsonObject *kat;
	guint8 kek[32], ad[34];
	guint64 ops = 0, mem = 0;

	if (!json_object_has_member(c, "kat") || (kat = tv_object(tc, c, "kat")) == NULL)
		return;
	tv_known(tc, kat, "kat", known);
	if (len < 32) {
		tv_bad(tc, "kat on a slot of %" G_GSIZE_FORMAT " bytes", len);
		return;
	}
	/* the stored fields as they are, bounds or not (§14: 64-bit, big-endian) */
	for (guint i = 0; i < 8; i++) {
		ops = ops << 8 | slot[16 + i];
		mem = mem << 8 | slot[24 + i];
	}
	if (tv_kat_has(kat, "opslimit") && tv_uint64(tc, kat, "opslimit") != ops)
		tv_fail(tc, "kat opslimit: the slot holds %" G_GUINT64_FORMAT, ops);
	if (tv_kat_has(kat, "memlimit") && tv_uint64(tc, kat, "memlimit") != mem)
		tv_fail(tc, "kat memlimit: the slot holds %" G_GUINT64_FORMAT, mem);
	/* Argon2id never runs outside the bounds, here neither */
	if (tv_kat_has(kat, "kek") && len == NVR_NVRE_SLOT_SIZE &&
	    nvr_nvre_slot_get_cost(slot, len, NULL, NULL, NULL)) {
		g_assert_true(nvr_nvre_test_slot_kek(slot, (const guint8 *)pass, strlen(pass), kek,
						     NULL));
		tv_kat_hex(tc, kat, "kek", kek, sizeof(kek));
	} else if (tv_kat_has(kat, "kek")) {
		g_test_message("%s: kat kek of a slot outside the bounds is not computed", tc->id);
	}
	memcpy(ad, "NVRE1-slot", 10);
	memcpy(ad + 10, key_id, 8);
	memcpy(ad + 18, slot + 16, 16);
	if (tv_kat_has(kat, "ad"))
		tv_kat_hex(tc, kat, "ad", ad, sizeof(ad));
}

/* README "Slot case" */
static void
tv_run_slot(TvCase *tc, JsonObject *c)
{
	static const gchar *const known[] = {"id",     "path",	 "kind", "why", "keys",
					     "expect", "key_id", "kat",	 NULL};
	JsonObject *keys = tv_object(tc, c, "keys");
	g_autofree gchar *path = tv_path(tc, tv_string(tc, c, "path", FALSE));
	g_autofree gchar *want = NULL;
	g_autofree gchar *got = NULL;
	g_autoptr(NvrNvreKeyPair) pair = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) slot = NULL;
	const gchar *pass = NULL;
	guint8 hpk[32], key_id[8], want_key_id[8];

	tv_known(tc, c, "the case", known);
	want = tv_expect(tc, tv_object(tc, c, "expect"), "expect", "plain_len", "plain_sha256");
	if (keys != NULL) {
		tv_known(tc, keys, "keys", tv_keys_members);
		pass = tv_string(tc, keys, "passphrase", FALSE);
		if (!tv_hex(tc, keys, "household_pk", FALSE, hpk, 32) && !tc->bad)
			tv_bad(tc, "a slot case needs household_pk");
	}
	tv_hex(tc, c, "key_id", FALSE, want_key_id, 8);
	if (tc->bad)
		return;
	/* the slot is unwrapped for key_id, which is key_id(household_pk) */
	g_assert_true(nvr_nvre_key_id(hpk, key_id, NULL));
	if (memcmp(key_id, want_key_id, 8) != 0) {
		tv_fail(tc, "key_id is not key_id(household_pk)");
		return;
	}
	slot = tv_read(tc, path);
	if (slot == NULL)
		return;
	pair = nvr_nvre_slot_unwrap(g_bytes_get_data(slot, NULL), g_bytes_get_size(slot),
				    (const guint8 *)pass, strlen(pass), hpk, &error);
	if (pair != NULL) {
		guint8 sha[32];
		g_autofree gchar *sha_hex = NULL;
		g_assert_true(nvr_nvre_key_pair_hash_secret(pair, sha, NULL));
		sha_hex = test_keys_hex(sha, 32);
		got = g_strdup_printf("ok 32 %s", sha_hex);
	} else {
		got = g_strdup(test_keys_outcome(error));
	}
	tv_kat_slot(tc, c, g_bytes_get_data(slot, NULL), g_bytes_get_size(slot), pass, key_id);
	if (!tc->bad && g_strcmp0(got, want) != 0)
		tv_fail(tc, "got %s (%s), want %s", got, error != NULL ? error->message : "", want);
}

/* the arguments of "nvrctl decrypt" for @c: key files (written to the scratch dir, never argv),
 * device key, policy, context, mode and predecessor as the README's steps 1, 2 and 5 say */
static void
tv_nvrctl_args(TvCase *tc, JsonObject *c, gboolean chain, GPtrArray *argv)
{
	JsonObject *keys = tv_object(tc, c, "keys");
	JsonObject *ctx = tv_object(tc, c, "context");
	JsonNode *pred = tv_member(tc, c, "predecessor");
	const gchar *secrets[] = {"household_sk", "recovery_sk"};
	NvrNvreContext context;

	for (guint i = 0; keys != NULL && i < G_N_ELEMENTS(secrets); i++) {
		const gchar *hex = tv_string(tc, keys, secrets[i], TRUE);
		gchar *path = g_build_filename(tc->scratch, secrets[i], NULL);

		if (hex == NULL) {
			g_free(path);
			continue;
		}
		test_keys_write_file(path, (const guint8 *)hex, strlen(hex));
		g_ptr_array_add(argv, g_strdup("--key-file"));
		g_ptr_array_add(argv, path);
	}
	if (keys != NULL && tv_string(tc, keys, "device_pk", TRUE) != NULL) {
		g_ptr_array_add(argv, g_strdup("--device-pk"));
		g_ptr_array_add(argv, g_strdup(tv_string(tc, keys, "device_pk", TRUE)));
	}
	if (!tv_bool(tc, c, "require_signature"))
		g_ptr_array_add(argv, g_strdup("--allow-unsigned"));
	tv_context(tc, ctx, &context);
	g_ptr_array_add(argv,
			g_strdup_printf("--camera-id=%s", tv_string(tc, ctx, "camera_id", FALSE)));
	g_ptr_array_add(argv,
			g_strdup_printf("--segment-id=%" G_GUINT64_FORMAT, context.segment_id));
	g_ptr_array_add(argv, g_strdup_printf("--start-us=%" G_GINT64_FORMAT, context.start_us));
	g_ptr_array_add(argv, g_strdup_printf("--content-type=%u", context.content_type));
	if (tv_mode(tc, c) == NVR_NVRE_MODE_INTERRUPTED)
		g_ptr_array_add(argv, g_strdup("--interrupted"));
	if (!chain || pred == NULL || JSON_NODE_HOLDS_NULL(pred))
		return;
	if (JSON_NODE_HOLDS_VALUE(pred) && g_strcmp0(json_node_get_string(pred), "missing") == 0) {
		g_ptr_array_add(argv, g_strdup("--no-predecessor"));
	} else if (JSON_NODE_HOLDS_OBJECT(pred)) {
		JsonObject *p = json_node_get_object(pred);
		JsonObject *pctx = tv_object(tc, p, "context");

		tv_context(tc, pctx, &context);
		g_ptr_array_add(argv, g_strdup_printf("--predecessor=%s/%s", tc->dir,
						      tv_string(tc, p, "path", FALSE)));
		g_ptr_array_add(argv, g_strdup_printf("--predecessor-context=%s,%" G_GUINT64_FORMAT
						      ",%" G_GINT64_FORMAT ",%u",
						      tv_string(tc, pctx, "camera_id", FALSE),
						      context.segment_id, context.start_us,
						      context.content_type));
		if (tv_mode(tc, p) == NVR_NVRE_MODE_INTERRUPTED)
			g_ptr_array_add(argv, g_strdup("--predecessor-interrupted"));
	} else {
		tv_bad(tc, "predecessor is neither null, \"missing\" nor an object");
	}
}

/* "ok <plain_len> <sha256>" of OUT, the class nvrctl reported, or what went wrong */
static gchar *
tv_nvrctl_outcome(TvCase *tc, const gchar *out_path, gint status, const gchar *out,
		  const gchar *err)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree gchar *data = NULL;
	gsize len = 0;

	if (status == 0 && g_file_get_contents(out_path, &data, &len, NULL)) {
		g_autofree gchar *sha = test_keys_sha256_hex((const guint8 *)data, len);
		return g_strdup_printf("ok %" G_GSIZE_FORMAT " %s", len, sha);
	}
	if (status == 1 && json_parser_load_from_data(parser, out, -1, NULL) &&
	    JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		JsonObject *o = json_node_get_object(json_parser_get_root(parser));
		if (json_object_has_member(o, "error"))
			return g_strdup(json_object_get_string_member(o, "error"));
	}
	return g_strdup_printf("exit %d: %s", status, err);
}

/* runs "nvrctl --json decrypt" on @c's file with @extra; Returns: its outcome as the runner
 * writes them ("ok ..." with the output's SHA-256, or the class) */
static gchar *
tv_nvrctl_run(TvCase *tc, JsonObject *c, gboolean chain, const gchar *const *extra,
	      gboolean with_len)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *out_path = g_build_filename(tc->scratch, "out", NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(GError) error = NULL;
	gchar *got;
	gint status = -1;

	g_ptr_array_add(argv, g_strdup(tc->nvrctl));
	g_ptr_array_add(argv, g_strdup("--json"));
	g_ptr_array_add(argv, g_strdup("decrypt"));
	g_ptr_array_add(argv, tv_path(tc, tv_string(tc, c, "path", FALSE)));
	g_ptr_array_add(argv, g_strdup("-o"));
	g_ptr_array_add(argv, g_strdup(out_path));
	tv_nvrctl_args(tc, c, chain, argv);
	for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(extra[i]));
	g_ptr_array_add(argv, NULL);
	if (tc->bad)
		return NULL;
	g_unlink(out_path);
	g_assert_true(nvr_test_run((const gchar *const *)argv->pdata, &out, &err, &status, &error));
	g_assert_no_error(error);
	got = tv_nvrctl_outcome(tc, out_path, status, out, err);
	/* a read's outcome names no length */
	if (!with_len && g_str_has_prefix(got, "ok ") && strchr(got + 3, ' ') != NULL) {
		gchar *sha_only = g_strconcat("ok ", strchr(got + 3, ' ') + 1, NULL);
		g_free(got);
		got = sha_only;
	}
	return got;
}

/* README step 3 through "nvrctl decrypt --offset --length", when the file opens */
static void
tv_nvrctl_reads(TvCase *tc, JsonObject *c, const TvKeys *keys)
{
	JsonArray *reads = tv_array(tc, c, "reads");
	g_autoptr(NvrNvreReader) reader = NULL;

	if (reads == NULL || json_array_get_length(reads) == 0)
		return;
	reader = tv_open(tc, c, keys, tv_bool(tc, c, "require_signature"), NULL);
	if (reader == NULL)
		return; /* README step 2: the reads are skipped */
	for (guint i = 0; i < json_array_get_length(reads); i++) {
		JsonObject *r = json_array_get_object_element(reads, i);
		g_autofree gchar *where = g_strdup_printf("reads[%u]", i);
		g_autofree gchar *want = NULL;
		g_autofree gchar *got = NULL;
		g_autofree gchar *off = NULL;
		g_autofree gchar *len = NULL;

		if (r == NULL)
			continue; /* reported by the library run */
		off = g_strdup_printf("--offset=%" G_GUINT64_FORMAT, tv_uint64(tc, r, "off"));
		len = g_strdup_printf("--length=%" G_GUINT64_FORMAT, tv_uint64(tc, r, "len"));
		want = tv_expect(tc, tv_object(tc, r, "expect"), where, NULL, "sha256");
		got = tv_nvrctl_run(tc, c, FALSE, (const gchar *const[]){off, len, NULL}, FALSE);
		if (!tc->bad && g_strcmp0(got, want) != 0)
			tv_fail(tc, "nvrctl decrypt %s %s: got %s, want %s", off, len, got, want);
	}
}

/* README steps 1–7 through "nvrctl decrypt --key-file" */
static void
tv_run_segment_nvrctl(TvCase *tc, JsonObject *c)
{
	g_auto(TvKeys) keys = {0};
	g_autofree gchar *want = NULL;
	g_autofree gchar *got = NULL;

	tv_known(tc, c, "the case", tv_segment_members);
	tv_keys(tc, c, &keys);
	want = tv_expect(tc, tv_object(tc, c, "expect"), "expect", "plain_len", "plain_sha256");
	tv_nvrctl_reads(tc, c, &keys);
	got = tv_nvrctl_run(tc, c, TRUE, NULL, TRUE);
	if (!tc->bad && g_strcmp0(got, want) != 0)
		tv_fail(tc, "nvrctl decrypt: got %s, want %s", got, want);
}

static JsonParser *
tv_load_manifest(const gchar *dir)
{
	g_autofree gchar *path = g_build_filename(dir, "manifest.json", NULL);
	g_autoptr(GError) error = NULL;
	JsonParser *parser = json_parser_new();

	json_parser_load_from_file(parser, path, &error);
	g_assert_no_error(error);
	return parser;
}

/* the manifest's top level; Returns: (nullable): its cases */
static JsonArray *
tv_cases(JsonParser *parser, TvCase *top)
{
	static const gchar *const known[] = {"format", "schema", "title", "note", "cases", NULL};
	JsonNode *root = json_parser_get_root(parser);
	JsonObject *obj;
	gint64 schema = 0;

	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		tv_bad(top, "the manifest is not an object");
		return NULL;
	}
	obj = json_node_get_object(root);
	tv_known(top, obj, "the manifest", known);
	if (g_strcmp0(tv_string(top, obj, "format", FALSE), "NVRE v1") != 0)
		tv_bad(top, "format is not \"NVRE v1\"");
	if (tv_int(top, obj, "schema", &schema) && schema != 1)
		tv_bad(top, "schema %" G_GINT64_FORMAT ", this runner knows schema 1", schema);
	return tv_array(top, obj, "cases");
}

/* every case of @dir; at least @min_segment and @min_slot of them (a set that lost its
 * cases must not pass quietly) */
static void
tv_run_set(const gchar *dir, const gchar *nvrctl, guint min_segment, guint min_slot)
{
	g_autofree gchar *scratch = nvrctl != NULL ? nvr_test_mkdtemp() : NULL;
	g_autoptr(JsonParser) parser = tv_load_manifest(dir);
	g_autoptr(GString) failures = g_string_new(NULL);
	g_autoptr(GHashTable) ids = g_hash_table_new(g_str_hash, g_str_equal);
	TvCase top = {dir, NULL, failures, FALSE, nvrctl, scratch};
	JsonArray *cases = tv_cases(parser, &top);
	guint n_segment = 0, n_slot = 0;

	g_test_message("vectors in %s", dir);
	for (guint i = 0; cases != NULL && i < json_array_get_length(cases); i++) {
		JsonNode *node = json_array_get_element(cases, i);
		TvCase tc = {dir, NULL, failures, FALSE, nvrctl, scratch};
		g_autofree gchar *fallback_id = g_strdup_printf("cases[%u]", i);
		const gchar *kind;
		JsonObject *c;

		tc.id = fallback_id;
		if (!JSON_NODE_HOLDS_OBJECT(node)) {
			tv_bad(&tc, "not an object");
			continue;
		}
		c = json_node_get_object(node);
		tc.id = tv_string(&tc, c, "id", FALSE);
		if (tc.id == NULL)
			tc.id = fallback_id;
		else if (!g_hash_table_add(ids, (gpointer)tc.id))
			tv_bad(&tc, "the id is not unique");
		tv_string(&tc, c, "why", FALSE);
		kind = tv_string(&tc, c, "kind", FALSE);
		if (g_strcmp0(kind, "segment") == 0) {
			if (nvrctl != NULL)
				tv_run_segment_nvrctl(&tc, c);
			else
				tv_run_segment(&tc, c);
			n_segment++;
		} else if (g_strcmp0(kind, "slot") == 0) {
			/* nvrctl opens slots only inside a keyring: the library runs them */
			if (nvrctl == NULL)
				tv_run_slot(&tc, c);
			n_slot++;
		} else {
			tv_bad(&tc, "kind '%s' is neither segment nor slot", kind);
		}
	}
	g_test_message("%u segment cases, %u slot cases", n_segment, n_slot);
	if (failures->len > 0)
		g_test_fail_printf("conformance failures in %s:\n%s", dir, failures->str);
	g_assert_cmpuint(n_segment + n_slot, >, 0);
	g_assert_cmpuint(n_segment, >=, min_segment);
	g_assert_cmpuint(n_slot, >=, min_slot);
	if (scratch != NULL)
		nvr_test_rm_rf(scratch);
}

static gchar *
tv_nvrctl_exe(void)
{
	gchar *exe = g_test_build_filename(G_TEST_BUILT, "keys", "test-nvrctl-keys", NULL);

	g_assert_true(g_file_test(exe, G_FILE_TEST_IS_EXECUTABLE));
	return exe;
}

/* tests/data/nvre-v1 still holds the shipped set; another set dropped in its place runs as any
 * other set does, and the checks that are about the shipped files do not apply to it */
static gboolean
tv_shipped_set_in_place(void)
{
	g_autofree gchar *path = g_build_filename(test_keys_vectors_dir(), "manifest.json", NULL);
	g_autoptr(GBytes) manifest = nvr_test_read_bytes(path);
	g_autofree gchar *sha =
		test_keys_sha256_hex(g_bytes_get_data(manifest, NULL), g_bytes_get_size(manifest));

	if (g_strcmp0(sha, TV_SHIPPED_MANIFEST_SHA256) == 0)
		return TRUE;
	g_test_message("%s is not the shipped set (manifest.json SHA-256 %s)",
		       test_keys_vectors_dir(), sha);
	return FALSE;
}

static gboolean
tv_skip_unless_shipped(void)
{
	if (tv_shipped_set_in_place())
		return FALSE;
	g_test_skip("about the shipped vectors, and tests/data/nvre-v1 holds another set");
	return TRUE;
}

static void
test_vectors_manifest(void)
{
	/* a shipped set that lost cases must not pass quietly */
	if (tv_shipped_set_in_place())
		tv_run_set(test_keys_vectors_dir(), NULL, 93, 17);
	else
		tv_run_set(test_keys_vectors_dir(), NULL, 0, 0);
}

/* the same cases through "nvrctl decrypt --key-file", as someone checking by hand would */
static void
test_vectors_nvrctl(void)
{
	g_autofree gchar *exe = tv_nvrctl_exe();

	tv_run_set(test_keys_vectors_dir(), exe, 0, 0);
}

/* NVR_NVRE_VECTORS: another set, e.g. one we have not seen */
static void
test_vectors_other(void)
{
	const gchar *dir = g_getenv(TV_OTHER_ENV);
	g_autofree gchar *manifest = g_build_filename(dir, "manifest.json", NULL);

	if (!g_file_test(manifest, G_FILE_TEST_IS_REGULAR))
		g_test_fail_printf("%s=%s holds no manifest.json", TV_OTHER_ENV, dir);
	else
		tv_run_set(dir, NULL, 0, 0);
}

static void
test_vectors_other_nvrctl(void)
{
	const gchar *dir = g_getenv(TV_OTHER_ENV);
	g_autofree gchar *exe = tv_nvrctl_exe();

	tv_run_set(dir, exe, 0, 0);
}

/* the runner itself: what it must refuse to run rather than skip */
static void
test_vectors_runner_strict(void)
{
	const struct {
		const gchar *edit_from;
		const gchar *edit_to;
		const gchar *complaint;
	} edits[] = {
		{"\"mode\": \"strict\"", "\"mode\": \"lenient\"", "mode 'lenient'"},
		{"\"kind\": \"segment\"", "\"kind\": \"thumbnail\"", "kind 'thumbnail'"},
		{"\"reads\": [", "\"bytes\": 1, \"reads\": [", "unknown member 'bytes'"},
		{"\"expect\": {\"error\": \"short\"}", "\"expect\": {\"error\": \"too-short\"}",
		 "'too-short' is not an error class"},
		{"\"expect\": {\"error\": \"magic\"}", "\"expect\": {\"fails\": true}",
		 "neither {\"ok\": true"},
		{"\"predecessor\": null", "\"predecessor\": \"deleted\"", "predecessor is neither"},
		{"\"device_pk\": null", "\"device_pk\": null, \"device_sk\": null",
		 "unknown member 'device_sk'"},
		{"\"kat\": {", "\"kat\": {\"chunk1_nonce\": \"00\", ",
		 "unknown member 'chunk1_nonce'"},
		{"\"schema\": 1", "\"schema\": 2", "schema 2"},
	};
	g_autofree gchar *src = g_build_filename(test_keys_vectors_dir(), "manifest.json", NULL);
	g_autofree gchar *text = NULL;

	/* the edits are made in the shipped manifest's text */
	if (tv_skip_unless_shipped())
		return;
	g_assert_true(g_file_get_contents(src, &text, NULL, NULL));
	for (guint i = 0; i < G_N_ELEMENTS(edits); i++) {
		g_autoptr(JsonParser) parser = json_parser_new();
		g_autoptr(GString) failures = g_string_new(NULL);
		g_autofree gchar *edited = NULL;
		g_auto(GStrv) parts = g_strsplit(text, edits[i].edit_from, 2);
		TvCase top = {test_keys_vectors_dir(), NULL, failures, FALSE, NULL, NULL};
		JsonArray *cases;

		g_assert_cmpuint(g_strv_length(parts), ==, 2);
		edited = g_strjoin(edits[i].edit_to, parts[0], parts[1], NULL);
		g_assert_true(json_parser_load_from_data(parser, edited, -1, NULL));
		cases = tv_cases(parser, &top);
		/* every edit lands in a segment case; the first case that fails is the edited
		 * one, the others pass */
		for (guint j = 0;
		     cases != NULL && failures->len == 0 && j < json_array_get_length(cases); j++) {
			JsonObject *c = json_array_get_object_element(cases, j);
			const gchar *kind = json_object_get_string_member(c, "kind");
			TvCase tc = {test_keys_vectors_dir(),
				     json_object_get_string_member(c, "id"), failures, FALSE};

			if (g_strcmp0(kind, "segment") == 0)
				tv_run_segment(&tc, c);
			else if (g_strcmp0(kind, "slot") != 0)
				tv_bad(&tc, "kind '%s' is neither segment nor slot", kind);
		}
		g_test_message("edit %u: %s", i, failures->str);
		g_assert_nonnull(strstr(failures->str, edits[i].complaint));
	}
}

/* every MUST-reject row of spec §16 cites vectors: each must be in the manifest */
static void
test_vectors_requirements_covered(void)
{
	const gchar *required[] = {"zero-length",
				   "short-fixed",
				   "short-header",
				   "magic",
				   "magic-crlf",
				   "version",
				   "suite",
				   "chunk-log2-bomb",
				   "chunk-log2-small",
				   "header-len-odd",
				   "header-len-big",
				   "recipients-overflow",
				   "recipients-zero",
				   "flag-bit",
				   "reserved",
				   "padding",
				   "sig-area-unsigned",
				   "signed-flag-cleared",
				   "header-only",
				   "header-plus-7",
				   "wrong-camera",
				   "wrong-segment",
				   "wrong-start",
				   "wrong-type",
				   "key-id",
				   "sealed-key",
				   "other-household",
				   "rewrap-after/old-key",
				   "header-mac",
				   "salt",
				   "prev-link",
				   "stanza-transplant",
				   "camera-forged",
				   "evil-multikey",
				   "signature",
				   "other-device",
				   "unsigned-required",
				   "basic/no-device-key",
				   "final-removed",
				   "evil-full-final",
				   "chain-1-truncated",
				   "interrupted-1/strict",
				   "torn-1",
				   "torn-15",
				   "cut-mid-chunk",
				   "crash-before-first-chunk",
				   "last-byte",
				   "trailing-garbage",
				   "final-twice",
				   "spliced",
				   "final-tag",
				   "evil-short-nonfinal",
				   "evil-final-middle-short",
				   "evil-skipped-index",
				   "interrupted-torn/strict",
				   "chunk-flip",
				   "swapped",
				   "duplicated",
				   "foreign-chunk",
				   "zero-chunk",
				   "evil-final-middle-full",
				   "evil-wrong-index",
				   "evil-ad-mismatch",
				   "evil-full-final/interrupted",
				   "header-only/interrupted",
				   "crash-before-first-chunk/interrupted",
				   "chain-2/truncated-predecessor",
				   "chain-2/substituted-predecessor",
				   "chain-2/predecessor-deleted",
				   "slot-mem-bomb",
				   "slot-mem-above",
				   "slot-mem-below",
				   "slot-mem-wrap",
				   "slot-ops-zero",
				   "slot-ops-above",
				   "slot-ops-wrap",
				   "slot-wrong-passphrase",
				   "slot-other-household",
				   "slot-ops-altered",
				   "slot-mem-altered",
				   "slot-salt-flip",
				   "slot-nonce-flip",
				   "slot-ciphertext-flip",
				   "slot-tag-flip",
				   "chain-2/rewrapped-predecessor"};
	g_autoptr(JsonParser) parser = NULL;
	JsonArray *cases;
	g_autoptr(GHashTable) ids = g_hash_table_new(g_str_hash, g_str_equal);

	if (tv_skip_unless_shipped())
		return;
	parser = tv_load_manifest(test_keys_vectors_dir());
	cases = json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)),
					     "cases");
	for (guint i = 0; i < json_array_get_length(cases); i++)
		g_hash_table_add(ids, (gpointer)json_object_get_string_member(
					      json_array_get_object_element(cases, i), "id"));
	for (guint i = 0; i < G_N_ELEMENTS(required); i++) {
		if (!g_hash_table_contains(ids, required[i]))
			g_test_fail_printf("R1–R24 vector '%s' missing from the manifest",
					   required[i]);
	}
}

/* the one case the writer test rebuilds: it is about our writer and the shipped file */
static JsonObject *
tv_find(JsonParser *parser, const gchar *id)
{
	JsonArray *cases = json_object_get_array_member(
		json_node_get_object(json_parser_get_root(parser)), "cases");

	for (guint i = 0; i < json_array_get_length(cases); i++) {
		JsonObject *c = json_array_get_object_element(cases, i);
		if (g_strcmp0(json_object_get_string_member(c, "id"), id) == 0)
			return c;
	}
	g_assert_not_reached();
}

/* README "Writers": rebuild valid/basic.nvre from kat k_file and file_salt and the file's stanza */
static void
tv_writer_rebuild_basic(void)
{
	g_autoptr(JsonParser) parser = tv_load_manifest(test_keys_vectors_dir());
	JsonObject *c = tv_find(parser, "basic");
	g_autoptr(GString) failures = g_string_new(NULL);
	TvCase tc = {test_keys_vectors_dir(), "basic", failures, FALSE, NULL, NULL};
	JsonObject *kat = json_object_get_object_member(c, "kat");
	g_autofree gchar *path =
		g_build_filename(test_keys_vectors_dir(), "valid", "basic.nvre", NULL);
	g_autoptr(GBytes) file = nvr_test_read_bytes(path);
	const guint8 *f = g_bytes_get_data(file, NULL);
	g_auto(TvKeys) keys = {0};
	g_autoptr(NvrNvreReader) reader = NULL;
	g_autoptr(NvrNvreWriter) writer = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = nvr_test_mkdtemp();
	g_autofree gchar *out_path = g_build_filename(dir, "rebuilt.nvre", NULL);
	g_autoptr(GBytes) rebuilt = NULL;
	g_autofree guint8 *plain = NULL;
	NvrNvreWriterParams wp = {0};
	NvrNvreWriterTestMaterial material = {0};
	NvrNvreWriterResult result;
	guint8 k_file[32], salt[16], msg[153];
	const guint hl = 512;
	const guint8 *r;
	gint fd;

	tv_keys(&tc, c, &keys);
	reader = tv_open(&tc, c, &keys, TRUE, &error);
	g_assert_cmpstr(failures->str, ==, "");
	g_assert_no_error(error);
	plain = g_malloc(nvr_nvre_reader_get_plain_len(reader));
	g_assert_true(nvr_nvre_reader_read(reader, 0, plain, nvr_nvre_reader_get_plain_len(reader),
					   &error));

	test_keys_unhex_into(json_object_get_string_member(kat, "k_file"), k_file, 32);
	test_keys_unhex_into(json_object_get_string_member(kat, "file_salt"), salt, 16);
	material.k_file = k_file;
	material.file_salt = salt;
	material.stanzas = f + 112;
	material.signed_unsigned = TRUE;
	tv_context(&tc, json_object_get_object_member(c, "context"), &wp.context);
	wp.chunk_log2 = 12;
	wp.header_len = hl;
	wp.recipients[0] = nvr_nvre_key_pair_get_public(g_ptr_array_index(keys.keys, 0));
	wp.n_recipients = 1;
	fd = open(out_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	g_assert_cmpint(fd, >=, 0);
	writer = nvr_nvre_writer_new_for_fd_with_material(fd, &wp, &material, &error);
	close(fd);
	g_assert_no_error(error);
	/* in uneven pieces: the chunking must not depend on how the bytes arrive */
	for (guint64 off = 0; off < nvr_nvre_reader_get_plain_len(reader);) {
		gsize n = MIN(1000 + off % 3001, nvr_nvre_reader_get_plain_len(reader) - off);
		g_assert_true(nvr_nvre_writer_write(writer, plain + off, n, &error));
		off += n;
	}
	g_assert_true(nvr_nvre_writer_finish(writer, &result, &error));
	g_assert_no_error(error);

	rebuilt = nvr_test_read_bytes(out_path);
	r = g_bytes_get_data(rebuilt, NULL);
	g_assert_cmpuint(g_bytes_get_size(rebuilt), ==, g_bytes_get_size(file));
	g_assert_cmpmem(r, hl - 64, f, hl - 64);
	g_assert_cmpmem(r + hl, g_bytes_get_size(file) - hl, f + hl, g_bytes_get_size(file) - hl);
	g_assert_cmpmem(result.header_mac, 32, f + hl - 96, 32);
	/* the file's signature verifies over the rebuilt header */
	memcpy(msg, "NVRE1-sig", 9);
	memcpy(msg + 9, r, 112);
	memcpy(msg + 121, r + hl - 96, 32);
	tv_kat_hex(&tc, kat, "sig_message", msg, sizeof(msg));
	g_assert_cmpstr(failures->str, ==, "");
	g_assert_true(
		nvr_nvre_verify_signature(keys.device_pk, msg, sizeof(msg), f + hl - 64, &error));
	g_assert_no_error(error);
	nvr_test_rm_rf(dir);
}

static void
test_vectors_writer_rebuilds_basic(void)
{
	if (!tv_skip_unless_shipped())
		tv_writer_rebuild_basic();
}

void
test_keys_vectors_register(void)
{
	g_test_add_func("/nvr/keys/vectors/manifest", test_vectors_manifest);
	g_test_add_func("/nvr/keys/vectors/nvrctl", test_vectors_nvrctl);
	g_test_add_func("/nvr/keys/vectors/runner-strict", test_vectors_runner_strict);
	g_test_add_func("/nvr/keys/vectors/requirements-covered",
			test_vectors_requirements_covered);
	g_test_add_func("/nvr/keys/vectors/writer-rebuilds-basic",
			test_vectors_writer_rebuilds_basic);
	/* another set only when asked for: it is not part of this tree */
	if (g_getenv(TV_OTHER_ENV) != NULL)
		g_test_add_func("/nvr/keys/vectors/other", test_vectors_other);
	if (g_getenv(TV_OTHER_ENV) != NULL)
		g_test_add_func("/nvr/keys/vectors/other-nvrctl", test_vectors_other_nvrctl);
}
