/*
 * The NVRE v1 conformance vectors, run exactly as tests/data/nvre-v1/README.md
 * says: every case of manifest.json, every listed read, the kat values, and a
 * writer rebuilt from kat k_file/file_salt that must reproduce valid/basic.nvre.
 */
#include "config.h"

#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "keys/nvr-nvre-testing.h"
#include "nvr-test-common.h"
#include "test-keys.h"

typedef struct {
	GPtrArray *keys; /* NvrNvreKeyPair */
	guint8 device_pk[32];
	gboolean has_device_pk;
} TestVectorKeys;

static void
test_vector_keys_clear(TestVectorKeys *k)
{
	g_clear_pointer(&k->keys, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TestVectorKeys, test_vector_keys_clear)

static JsonParser *
test_vectors_load_manifest(void)
{
	g_autofree gchar *path = g_build_filename(test_keys_vectors_dir(), "manifest.json", NULL);
	g_autoptr(GError) error = NULL;
	JsonParser *parser = json_parser_new();

	json_parser_load_from_file(parser, path, &error);
	g_assert_no_error(error);
	return parser;
}

static JsonArray *
test_vectors_cases(JsonParser *parser)
{
	JsonObject *root = json_node_get_object(json_parser_get_root(parser));

	g_assert_cmpstr(json_object_get_string_member(root, "format"), ==, "NVRE v1");
	g_assert_cmpint(json_object_get_int_member(root, "schema"), ==, 1);
	return json_object_get_array_member(root, "cases");
}

static const gchar *
test_vectors_str(JsonObject *obj, const gchar *member)
{
	JsonNode *node = json_object_get_member(obj, member);

	if (node == NULL || JSON_NODE_HOLDS_NULL(node))
		return NULL;
	return json_node_get_string(node);
}

/* README step 1: household pair first (if its secret is given), then recovery */
static void
test_vectors_keys(JsonObject *c, TestVectorKeys *out)
{
	JsonObject *keys = json_object_get_object_member(c, "keys");
	const gchar *pairs[][2] = {{"household_pk", "household_sk"},
				   {"recovery_pk", "recovery_sk"}};
	const gchar *dpk = test_vectors_str(keys, "device_pk");

	out->keys = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_nvre_key_pair_unref);
	for (guint i = 0; i < G_N_ELEMENTS(pairs); i++) {
		const gchar *pk_hex = test_vectors_str(keys, pairs[i][0]);
		const gchar *sk_hex = test_vectors_str(keys, pairs[i][1]);
		g_autoptr(GError) error = NULL;
		guint8 sk[32];
		NvrNvreKeyPair *pair;

		if (sk_hex == NULL)
			continue;
		test_keys_unhex_into(sk_hex, sk, sizeof(sk));
		pair = nvr_nvre_key_pair_new_from_secret(sk, &error);
		g_assert_no_error(error);
		/* the vectors' public keys are the scalar multiples of their secrets */
		{
			g_autofree gchar *pk =
				test_keys_hex(nvr_nvre_key_pair_get_public(pair), 32);
			g_assert_cmpstr(pk, ==, pk_hex);
		}
		g_ptr_array_add(out->keys, pair);
	}
	out->has_device_pk = dpk != NULL;
	if (dpk != NULL)
		test_keys_unhex_into(dpk, out->device_pk, 32);
}

static void
test_vectors_context(JsonObject *obj, NvrNvreContext *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	test_keys_unhex_into(json_object_get_string_member(obj, "camera_id"), ctx->camera_id, 16);
	ctx->segment_id = (guint64)json_object_get_int_member(obj, "segment_id");
	ctx->start_us = json_object_get_int_member(obj, "start_us");
	ctx->content_type = (guint8)json_object_get_int_member(obj, "content_type");
}

static NvrNvreMode
test_vectors_mode(const gchar *mode)
{
	if (g_strcmp0(mode, "strict") == 0)
		return NVR_NVRE_MODE_STRICT;
	g_assert_cmpstr(mode, ==, "interrupted");
	return NVR_NVRE_MODE_INTERRUPTED;
}

static NvrNvreReader *
test_vectors_open(const gchar *rel_path, JsonObject *context, const gchar *mode,
		  const TestVectorKeys *keys, gboolean require_signature, GError **error)
{
	g_autofree gchar *path = g_build_filename(test_keys_vectors_dir(), rel_path, NULL);
	NvrNvreReadParams params = {0};

	test_vectors_context(context, &params.context);
	params.keys = (NvrNvreKeyPair *const *)keys->keys->pdata;
	params.n_keys = keys->keys->len;
	params.device_pk = keys->has_device_pk ? keys->device_pk : NULL;
	params.require_signature = require_signature;
	params.mode = test_vectors_mode(mode);
	return nvr_nvre_reader_open(path, &params, error);
}

/* README step 3; a read that fails does not end the case */
static void
test_vectors_reads(NvrNvreReader *reader, JsonObject *c, GString *failures, const gchar *id)
{
	JsonArray *reads = json_object_get_array_member(c, "reads");

	for (guint i = 0; i < json_array_get_length(reads); i++) {
		JsonObject *r = json_array_get_object_element(reads, i);
		JsonObject *expect = json_object_get_object_member(r, "expect");
		guint64 off = (guint64)json_object_get_int_member(r, "off");
		gsize len = (gsize)json_object_get_int_member(r, "len");
		g_autofree guint8 *buf = g_malloc(len + 1);
		g_autoptr(GError) error = NULL;
		const gchar *want_error = test_vectors_str(expect, "error");
		g_autofree gchar *got = NULL;

		if (!nvr_nvre_reader_read(reader, off, buf, len, &error))
			got = g_strdup(test_keys_outcome(error));
		else
			got = test_keys_sha256_hex(buf, len);
		if (g_strcmp0(got, want_error != NULL ? want_error
						      : test_vectors_str(expect, "sha256")) != 0)
			g_string_append_printf(failures,
					       "%s: read %" G_GUINT64_FORMAT "+%" G_GSIZE_FORMAT
					       ": got %s\n",
					       id, off, len, got);
	}
}

/* README step 5 */
static gboolean
test_vectors_chain(NvrNvreReader *reader, JsonObject *c, const TestVectorKeys *keys, GError **error)
{
	JsonNode *pred = json_object_get_member(c, "predecessor");
	JsonObject *p;
	g_autoptr(NvrNvreReader) pred_reader = NULL;
	g_autoptr(GError) pred_error = NULL;
	NvrNvreChainState state;

	if (JSON_NODE_HOLDS_NULL(pred))
		return TRUE;
	if (JSON_NODE_HOLDS_VALUE(pred)) {
		g_assert_cmpstr(json_node_get_string(pred), ==, "missing");
		return nvr_nvre_reader_check_chain(reader, NULL, error);
	}
	p = json_node_get_object(pred);
	pred_reader = test_vectors_open(json_object_get_string_member(p, "path"),
					json_object_get_object_member(p, "context"),
					json_object_get_string_member(p, "mode"), keys,
					json_object_get_boolean_member(c, "require_signature"),
					&pred_error);
	/* "in these vectors that open always succeeds" */
	g_assert_no_error(pred_error);
	nvr_nvre_reader_get_chain_state(pred_reader, &state);
	return nvr_nvre_reader_check_chain(reader, &state, error);
}

static void
test_vectors_payload_identical(JsonObject *c, NvrNvreReader *reader, GString *failures,
			       const gchar *id)
{
	const gchar *other = json_object_has_member(c, "payload_identical_to")
				     ? json_object_get_string_member(c, "payload_identical_to")
				     : NULL;
	g_autofree gchar *a_path = NULL;
	g_autofree gchar *b_path = NULL;
	g_autoptr(GBytes) a = NULL;
	g_autoptr(GBytes) b = NULL;
	guint hl = nvr_nvre_reader_get_header_len(reader);

	if (other == NULL)
		return;
	a_path = g_build_filename(test_keys_vectors_dir(), json_object_get_string_member(c, "path"),
				  NULL);
	b_path = g_build_filename(test_keys_vectors_dir(), other, NULL);
	a = test_keys_read_file(a_path);
	b = test_keys_read_file(b_path);
	if (g_bytes_get_size(a) != g_bytes_get_size(b) ||
	    memcmp((const guint8 *)g_bytes_get_data(a, NULL) + hl,
		   (const guint8 *)g_bytes_get_data(b, NULL) + hl, g_bytes_get_size(a) - hl) != 0)
		g_string_append_printf(failures, "%s: payload differs from %s\n", id, other);
}

/* README step 7: "ok <plain_len> <sha256>" or the class name; a mismatch is listed in @failures */
static gboolean
test_vectors_compare(JsonObject *expect, const gchar *got, const GError *error, GString *failures,
		     const gchar *id)
{
	g_autofree gchar *want = NULL;

	if (json_object_has_member(expect, "error"))
		want = g_strdup(json_object_get_string_member(expect, "error"));
	else
		want = g_strdup_printf("ok %" G_GINT64_FORMAT " %s",
				       json_object_get_int_member(expect, "plain_len"),
				       json_object_get_string_member(expect, "plain_sha256"));
	if (g_strcmp0(got, want) == 0)
		return TRUE;
	g_string_append_printf(failures, "%s: got '%s' (%s), want '%s'\n", id, got,
			       error != NULL ? error->message : "-", want);
	return FALSE;
}

/* README steps 2–7 for one segment case */
static void
test_vectors_run_segment(JsonObject *c, GString *failures)
{
	const gchar *id = json_object_get_string_member(c, "id");
	JsonObject *expect = json_object_get_object_member(c, "expect");
	g_auto(TestVectorKeys) keys = {0};
	g_autoptr(NvrNvreReader) reader = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *plain = NULL;
	g_autofree gchar *got = NULL;
	guint64 plain_len = 0;

	test_vectors_keys(c, &keys);
	reader = test_vectors_open(json_object_get_string_member(c, "path"),
				   json_object_get_object_member(c, "context"),
				   json_object_get_string_member(c, "mode"), &keys,
				   json_object_get_boolean_member(c, "require_signature"), &error);
	if (reader != NULL) {
		test_vectors_reads(reader, c, failures, id);
		if (nvr_nvre_reader_verify_all(reader, &error) &&
		    test_vectors_chain(reader, c, &keys, &error)) {
			plain_len = nvr_nvre_reader_get_plain_len(reader);
			plain = g_malloc(plain_len + 1);
			if (nvr_nvre_reader_read(reader, 0, plain, plain_len, &error)) {
				g_autofree gchar *sha = test_keys_sha256_hex(plain, plain_len);
				got = g_strdup_printf("ok %" G_GUINT64_FORMAT " %s", plain_len,
						      sha);
			}
		}
	}
	if (got == NULL)
		got = g_strdup(test_keys_outcome(error));
	if (test_vectors_compare(expect, got, error, failures, id) && reader != NULL &&
	    error == NULL)
		test_vectors_payload_identical(c, reader, failures, id);
}

static void
test_vectors_run_slot(JsonObject *c, GString *failures)
{
	const gchar *id = json_object_get_string_member(c, "id");
	JsonObject *keys = json_object_get_object_member(c, "keys");
	JsonObject *expect = json_object_get_object_member(c, "expect");
	g_autofree gchar *path = g_build_filename(test_keys_vectors_dir(),
						  json_object_get_string_member(c, "path"), NULL);
	g_autoptr(GBytes) slot = test_keys_read_file(path);
	const gchar *pass = json_object_get_string_member(keys, "passphrase");
	g_autoptr(NvrNvreKeyPair) pair = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *got = NULL;
	g_autofree gchar *key_id_hex = NULL;
	guint8 hpk[32];
	guint8 key_id[8];

	/* the key_id the slot is unwrapped for is key_id(household_pk) */
	test_keys_unhex_into(json_object_get_string_member(keys, "household_pk"), hpk, 32);
	g_assert_true(nvr_nvre_key_id(hpk, key_id, NULL));
	key_id_hex = test_keys_hex(key_id, sizeof(key_id));
	g_assert_cmpstr(key_id_hex, ==, json_object_get_string_member(c, "key_id"));

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
	test_vectors_compare(expect, got, error, failures, id);
}

static void
test_vectors_manifest(void)
{
	g_autoptr(JsonParser) parser = test_vectors_load_manifest();
	JsonArray *cases = test_vectors_cases(parser);
	g_autoptr(GString) failures = g_string_new(NULL);
	guint n_segment = 0, n_slot = 0;

	for (guint i = 0; i < json_array_get_length(cases); i++) {
		JsonObject *c = json_array_get_object_element(cases, i);
		const gchar *kind = json_object_get_string_member(c, "kind");

		if (g_strcmp0(kind, "segment") == 0) {
			test_vectors_run_segment(c, failures);
			n_segment++;
		} else {
			g_assert_cmpstr(kind, ==, "slot");
			test_vectors_run_slot(c, failures);
			n_slot++;
		}
	}
	g_test_message("%u segment cases, %u slot cases", n_segment, n_slot);
	if (failures->len > 0)
		g_test_fail_printf("conformance failures:\n%s", failures->str);
	/* a manifest that lost its cases must not pass quietly */
	g_assert_cmpuint(n_segment, >=, 93);
	g_assert_cmpuint(n_slot, >=, 17);
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
	g_autoptr(JsonParser) parser = test_vectors_load_manifest();
	JsonArray *cases = test_vectors_cases(parser);
	g_autoptr(GHashTable) ids = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < json_array_get_length(cases); i++)
		g_hash_table_add(ids, (gpointer)json_object_get_string_member(
					      json_array_get_object_element(cases, i), "id"));
	for (guint i = 0; i < G_N_ELEMENTS(required); i++) {
		if (!g_hash_table_contains(ids, required[i]))
			g_test_fail_printf("R1–R24 vector '%s' missing from the manifest",
					   required[i]);
	}
}

static JsonObject *
test_vectors_find(JsonArray *cases, const gchar *id)
{
	for (guint i = 0; i < json_array_get_length(cases); i++) {
		JsonObject *c = json_array_get_object_element(cases, i);
		if (g_strcmp0(json_object_get_string_member(c, "id"), id) == 0)
			return c;
	}
	g_assert_not_reached();
}

static void
test_vectors_assert_hex(const guint8 *data, gsize len, const gchar *want)
{
	g_autofree gchar *got = test_keys_hex(data, len);
	g_assert_cmpstr(got, ==, want);
}

/* kat of "basic": fixed, salt and key_id; the signature message and its signature */
static void
test_vectors_kat_basic(void)
{
	g_autoptr(JsonParser) parser = test_vectors_load_manifest();
	JsonObject *c = test_vectors_find(test_vectors_cases(parser), "basic");
	JsonObject *kat = json_object_get_object_member(c, "kat");
	JsonObject *keys = json_object_get_object_member(c, "keys");
	g_autofree gchar *path =
		g_build_filename(test_keys_vectors_dir(), "valid", "basic.nvre", NULL);
	g_autoptr(GBytes) file = test_keys_read_file(path);
	const guint8 *f = g_bytes_get_data(file, NULL);
	g_autoptr(GBytes) msg = test_keys_unhex(json_object_get_string_member(kat, "sig_message"));
	guint8 hpk[32], dpk[32], key_id[8];
	guint hl = 512;

	test_vectors_assert_hex(f, 112, json_object_get_string_member(kat, "fixed"));
	test_vectors_assert_hex(f + 88, 16, json_object_get_string_member(kat, "file_salt"));
	test_keys_unhex_into(json_object_get_string_member(keys, "household_pk"), hpk, 32);
	g_assert_true(nvr_nvre_key_id(hpk, key_id, NULL));
	test_vectors_assert_hex(key_id, 8, json_object_get_string_member(kat, "key_id"));
	/* the single stanza starts with that key id */
	test_vectors_assert_hex(f + 112, 8, json_object_get_string_member(kat, "key_id"));
	/* nonce_0 = salt ‖ be56(0) ‖ 0: the salt from FIXED */
	g_assert_true(g_str_has_prefix(json_object_get_string_member(kat, "chunk0_nonce"),
				       json_object_get_string_member(kat, "file_salt")));
	/* M = "NVRE1-sig" ‖ FIXED ‖ header_mac, signed by the device key */
	g_assert_cmpuint(g_bytes_get_size(msg), ==, 153);
	g_assert_cmpmem(g_bytes_get_data(msg, NULL), 9, "NVRE1-sig", 9);
	g_assert_cmpmem((const guint8 *)g_bytes_get_data(msg, NULL) + 9, 112, f, 112);
	g_assert_cmpmem((const guint8 *)g_bytes_get_data(msg, NULL) + 121, 32, f + hl - 96, 32);
	test_keys_unhex_into(json_object_get_string_member(keys, "device_pk"), dpk, 32);
	g_assert_true(nvr_nvre_verify_signature(dpk, g_bytes_get_data(msg, NULL), 153, f + hl - 64,
						NULL));
}

/* kat of "chain-2" and "interrupted-2": the link message and link from the predecessor's state */
static void
test_vectors_kat_link(gconstpointer data)
{
	const gchar *id = data;
	g_autoptr(JsonParser) parser = test_vectors_load_manifest();
	JsonObject *c = test_vectors_find(test_vectors_cases(parser), id);
	JsonObject *kat = json_object_get_object_member(c, "kat");
	JsonObject *p = json_object_get_object_member(c, "predecessor");
	g_auto(TestVectorKeys) keys = {0};
	g_autoptr(NvrNvreReader) pred = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) m = test_keys_unhex(json_object_get_string_member(kat, "link_message"));
	const guint8 *mp = g_bytes_get_data(m, NULL);
	NvrNvreChainState state;
	guint8 link[32];
	guint8 be[8];

	test_vectors_keys(c, &keys);
	pred = test_vectors_open(json_object_get_string_member(p, "path"),
				 json_object_get_object_member(p, "context"),
				 json_object_get_string_member(p, "mode"), &keys, TRUE, &error);
	g_assert_no_error(error);
	nvr_nvre_reader_get_chain_state(pred, &state);
	g_assert_cmpuint(g_bytes_get_size(m), ==, 147);
	g_assert_cmpmem(mp, 10, "NVRE1-link", 10);
	g_assert_cmpmem(mp + 10, 112, state.fixed_prime, 112);
	for (gint i = 0; i < 8; i++)
		be[i] = (guint8)(state.file_len >> (56 - 8 * i));
	g_assert_cmpmem(mp + 122, 8, be, 8);
	g_assert_cmpmem(mp + 130, 16, state.last_tag, 16);
	g_assert_cmpint(mp[146], ==, state.status);
	g_assert_cmpint(state.status, ==, json_object_get_int_member(kat, "prev_status"));
	g_assert_true(nvr_nvre_chain_state_link(&state, link, NULL));
	test_vectors_assert_hex(link, 32, json_object_get_string_member(kat, "prev_link"));
}

/* kat of "slot-valid": the AD is "NVRE1-slot" ‖ key_id ‖ slot[16..32) */
static void
test_vectors_kat_slot(void)
{
	g_autoptr(JsonParser) parser = test_vectors_load_manifest();
	JsonObject *c = test_vectors_find(test_vectors_cases(parser), "slot-valid");
	JsonObject *kat = json_object_get_object_member(c, "kat");
	g_autofree gchar *path =
		g_build_filename(test_keys_vectors_dir(), "slots", "valid.slot", NULL);
	g_autoptr(GBytes) slot = test_keys_read_file(path);
	g_autoptr(GBytes) ad = test_keys_unhex(json_object_get_string_member(kat, "ad"));
	const guint8 *s = g_bytes_get_data(slot, NULL);
	guint64 ops = 0, mem = 0;

	g_assert_true(nvr_nvre_slot_get_cost(s, g_bytes_get_size(slot), &ops, &mem, NULL));
	g_assert_cmpuint(ops, ==, (guint64)json_object_get_int_member(kat, "opslimit"));
	g_assert_cmpuint(mem, ==, (guint64)json_object_get_int_member(kat, "memlimit"));
	g_assert_cmpuint(g_bytes_get_size(ad), ==, 34);
	g_assert_cmpmem(g_bytes_get_data(ad, NULL), 10, "NVRE1-slot", 10);
	test_vectors_assert_hex((const guint8 *)g_bytes_get_data(ad, NULL) + 10, 8,
				json_object_get_string_member(c, "key_id"));
	g_assert_cmpmem((const guint8 *)g_bytes_get_data(ad, NULL) + 18, 16, s + 16, 16);
}

/* README "Writers": rebuild valid/basic.nvre from kat k_file and file_salt and the file's stanza */
static void
test_vectors_writer_rebuilds_basic(void)
{
	g_autoptr(JsonParser) parser = test_vectors_load_manifest();
	JsonObject *c = test_vectors_find(test_vectors_cases(parser), "basic");
	JsonObject *kat = json_object_get_object_member(c, "kat");
	g_autofree gchar *path =
		g_build_filename(test_keys_vectors_dir(), "valid", "basic.nvre", NULL);
	g_autoptr(GBytes) file = test_keys_read_file(path);
	const guint8 *f = g_bytes_get_data(file, NULL);
	g_auto(TestVectorKeys) keys = {0};
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

	test_vectors_keys(c, &keys);
	reader = test_vectors_open("valid/basic.nvre", json_object_get_object_member(c, "context"),
				   "strict", &keys, TRUE, &error);
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
	test_vectors_context(json_object_get_object_member(c, "context"), &wp.context);
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

	rebuilt = test_keys_read_file(out_path);
	r = g_bytes_get_data(rebuilt, NULL);
	g_assert_cmpuint(g_bytes_get_size(rebuilt), ==, g_bytes_get_size(file));
	g_assert_cmpmem(r, hl - 64, f, hl - 64);
	g_assert_cmpmem(r + hl, g_bytes_get_size(file) - hl, f + hl, g_bytes_get_size(file) - hl);
	g_assert_cmpmem(result.header_mac, 32, f + hl - 96, 32);
	/* the file's signature verifies over the rebuilt header */
	memcpy(msg, "NVRE1-sig", 9);
	memcpy(msg + 9, r, 112);
	memcpy(msg + 121, r + hl - 96, 32);
	test_vectors_assert_hex(msg, sizeof(msg),
				json_object_get_string_member(kat, "sig_message"));
	g_assert_true(
		nvr_nvre_verify_signature(keys.device_pk, msg, sizeof(msg), f + hl - 64, &error));
	g_assert_no_error(error);
	nvr_test_rm_rf(dir);
}

void
test_keys_vectors_register(void)
{
	g_test_add_func("/nvr/keys/vectors/manifest", test_vectors_manifest);
	g_test_add_func("/nvr/keys/vectors/requirements-covered",
			test_vectors_requirements_covered);
	g_test_add_func("/nvr/keys/vectors/kat-basic", test_vectors_kat_basic);
	g_test_add_data_func("/nvr/keys/vectors/kat-link-chain-2", "chain-2",
			     test_vectors_kat_link);
	g_test_add_data_func("/nvr/keys/vectors/kat-link-interrupted-2", "interrupted-2",
			     test_vectors_kat_link);
	g_test_add_func("/nvr/keys/vectors/kat-slot", test_vectors_kat_slot);
	g_test_add_func("/nvr/keys/vectors/writer-rebuilds-basic",
			test_vectors_writer_rebuilds_basic);
}
