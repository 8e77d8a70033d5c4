/*
 * nvrctl verify | recordings | export: what is stored, whether it is
 * intact, and a span of it as a standard MP4. The index says what exists;
 * the store module checks and reads the files.
 */
#include "config.h"

#include <stdio.h>

#include "core/nvr-error.h"
#include "keys/nvr-keyring.h"
#include "keys/nvr-nvre.h"
#include "nvrctl-common.h"
#include "nvrctl-keys.h"
#include "nvrctl-store.h"
#include "store/nvr-store-export.h"
#include "store/nvr-store-verify.h"

static NvrIndexCamera *
nvrctl_store_camera(NvrIndex *index, const gchar *name, GError **error)
{
	NvrIndexCamera *cam = nvr_index_camera_load_by_name(index, name, error);

	if (cam == NULL)
		g_prefix_error(error, "camera %s: ", name);
	return cam;
}

/* a segment deleted with a valid tombstone is named as such, not as a problem */
static const gchar *
nvrctl_store_verify_label(const NvrStoreVerifyItem *it)
{
	if (it->problem != NVR_STORE_PROBLEM_NONE)
		return nvr_store_problem_to_string(it->problem);
	if (g_str_has_prefix(it->status, "deleted-") || g_strcmp0(it->status, "pending-deletion") == 0)
		return it->status;
	return "ok";
}

/* camera uuid -> name (removed cameras too: their footage may still be there) */
static GHashTable *
nvrctl_store_camera_names(NvrIndex *index)
{
	g_autoptr(GPtrArray) cams = nvr_index_camera_list(index, TRUE, NULL);
	GHashTable *names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	for (guint i = 0; cams != NULL && i < cams->len; i++) {
		NvrIndexCamera *c = g_ptr_array_index(cams, i);

		g_hash_table_insert(names, g_strdup(c->uuid), g_strdup(c->name));
	}
	return names;
}

/* one line per camera and rule instead of one per deleted segment (a year is millions) */
static void
nvrctl_store_print_deletions(NvrIndex *index, NvrStoreVerifyReport *report)
{
	g_autoptr(GHashTable) names = nvrctl_store_camera_names(index);

	for (guint i = 0; i < report->deletions->len; i++) {
		NvrStoreVerifyDeletions *d = g_ptr_array_index(report->deletions, i);
		const gchar *name = g_hash_table_lookup(names, d->camera_uuid);
		g_autofree gchar *size = nvrctl_format_size(d->bytes);
		g_autofree gchar *from = nvrctl_format_time(d->start_us);
		g_autofree gchar *to = nvrctl_format_time(d->end_us);
		g_autofree gchar *last = nvrctl_format_time(d->last_deleted_us);

		printf("%-12s %s by %s: %u segments, %s, recorded %s .. %s, last deleted %s\n",
		       "deleted", name != NULL ? name : d->camera_uuid, d->rule, d->segments, size,
		       from, to, last);
	}
}

static void
nvrctl_store_print_verify_text(NvrIndex *index, NvrStoreVerifyReport *report, gboolean verbose)
{
	for (guint i = 0; i < report->items->len; i++) {
		NvrStoreVerifyItem *it = g_ptr_array_index(report->items, i);

		/* summed up below; --verbose lists each */
		if (!verbose && it->problem == NVR_STORE_PROBLEM_NONE &&
		    g_str_has_prefix(it->status, "deleted-"))
			continue;
		printf("%-12s %" G_GINT64_FORMAT " %s%s%s\n", nvrctl_store_verify_label(it),
		       it->segment_id, it->path != NULL ? it->path : "",
		       it->detail != NULL ? ": " : "", it->detail != NULL ? it->detail : "");
	}
	nvrctl_store_print_deletions(index, report);
	printf("%u segments, %u problems, %u deleted with a signed tombstone, %u pending "
	       "deletion%s\n",
	       report->n_segments, report->n_problems, report->n_deleted, report->n_pending,
	       report->deep ? " (deep)" : "");
}

static void
nvrctl_store_add_deletions(JsonBuilder *b, NvrStoreVerifyReport *report)
{
	json_builder_set_member_name(b, "deletions");
	json_builder_begin_array(b);
	for (guint i = 0; i < report->deletions->len; i++) {
		NvrStoreVerifyDeletions *d = g_ptr_array_index(report->deletions, i);

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "camera_uuid");
		json_builder_add_string_value(b, d->camera_uuid);
		json_builder_set_member_name(b, "rule");
		json_builder_add_string_value(b, d->rule);
		json_builder_set_member_name(b, "segments");
		json_builder_add_int_value(b, d->segments);
		json_builder_set_member_name(b, "bytes");
		json_builder_add_int_value(b, (gint64)d->bytes);
		json_builder_set_member_name(b, "start_us");
		json_builder_add_int_value(b, d->start_us);
		json_builder_set_member_name(b, "end_us");
		json_builder_add_int_value(b, d->end_us);
		json_builder_set_member_name(b, "first_deleted_us");
		json_builder_add_int_value(b, d->first_deleted_us);
		json_builder_set_member_name(b, "last_deleted_us");
		json_builder_add_int_value(b, d->last_deleted_us);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void
nvrctl_store_print_verify(NvrIndex *index, NvrStoreVerifyReport *report, gboolean json,
			  gboolean verbose)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) node = NULL;

	if (!json) {
		nvrctl_store_print_verify_text(index, report, verbose);
		return;
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "deep");
	json_builder_add_boolean_value(b, report->deep);
	json_builder_set_member_name(b, "segments");
	json_builder_add_int_value(b, report->n_segments);
	json_builder_set_member_name(b, "problems");
	json_builder_add_int_value(b, report->n_problems);
	json_builder_set_member_name(b, "deleted");
	json_builder_add_int_value(b, report->n_deleted);
	json_builder_set_member_name(b, "pending_deletion");
	json_builder_add_int_value(b, report->n_pending);
	nvrctl_store_add_deletions(b, report);
	json_builder_set_member_name(b, "files");
	json_builder_begin_array(b);
	for (guint i = 0; i < report->items->len; i++) {
		NvrStoreVerifyItem *it = g_ptr_array_index(report->items, i);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "segment_id");
		json_builder_add_int_value(b, it->segment_id);
		json_builder_set_member_name(b, "camera_uuid");
		json_builder_add_string_value(b, it->camera_uuid);
		json_builder_set_member_name(b, "path");
		json_builder_add_string_value(b, it->path);
		json_builder_set_member_name(b, "status");
		json_builder_add_string_value(b, it->status);
		json_builder_set_member_name(b, "problem");
		json_builder_add_string_value(b, it->problem == NVR_STORE_PROBLEM_NONE
						     ? "ok" : nvr_store_problem_to_string(it->problem));
		json_builder_set_member_name(b, "detail");
		json_builder_add_string_value(b, it->detail);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	node = json_builder_get_root(b);
	nvrctl_print_json_node(node);
}

/* keyless always; --deep unlocks the household keys and decrypts every chunk */
static gint
nvrctl_store_verify(NvrIndex *index, const gchar *state_dir, gint argc, gchar **argv, gboolean json)
{
	gboolean deep = FALSE;
	gboolean verbose = FALSE;
	g_autofree gchar *passphrase_file = NULL;
	g_autofree gchar *user = NULL;
	const GOptionEntry entries[] = {
	    {"deep", 0, 0, G_OPTION_ARG_NONE, &deep, "Also decrypt every chunk", NULL},
	    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "List each deleted segment too", NULL},
	    {"passphrase-file", 0, 0, G_OPTION_ARG_FILENAME, &passphrase_file, "Passphrase (for --deep)", "F"},
	    {"user", 0, 0, G_OPTION_ARG_STRING, &user, "Whose key slot (default owner)", "NAME"},
	    {NULL}};
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrKeyring) keyring = NULL;
	g_autoptr(GPtrArray) keys = NULL;
	g_autoptr(NvrStoreVerifyReport) report = NULL;

	if (!nvrctl_parse_options(&argc, &argv, entries, "verify", &error))
		return nvrctl_fail(json, error, 2);
	if (deep && passphrase_file == NULL) {
		g_set_error_literal(&error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "--deep needs --passphrase-file");
		return nvrctl_fail(json, error, 2);
	}
	keyring = nvr_keyring_load(state_dir, &error);
	if (keyring == NULL)
		return nvrctl_fail(json, error, 1);
	if (deep) {
		keys = nvrctl_keys_unlock_with_file(keyring, user != NULL ? user : "owner", passphrase_file, &error);
		if (keys == NULL)
			return nvrctl_fail(json, error, 1);
	}
	report = nvr_store_verify(index,
				  nvr_nvre_signing_key_get_public(nvr_keyring_get_device_key(keyring)),
				  keys, &error);
	if (report == NULL)
		return nvrctl_fail(json, error, 1);
	nvrctl_store_print_verify(index, report, json, verbose);
	return report->n_problems > 0 ? 1 : 0;
}

static void
nvrctl_store_add_segment(JsonBuilder *b, NvrIndexSegment *s)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "id");
	json_builder_add_int_value(b, s->id);
	json_builder_set_member_name(b, "run_id");
	json_builder_add_int_value(b, s->run_id);
	json_builder_set_member_name(b, "status");
	json_builder_add_string_value(b, nvr_index_segment_status_to_string(s->status));
	json_builder_set_member_name(b, "start_us");
	json_builder_add_int_value(b, s->start_us);
	json_builder_set_member_name(b, "end_us");
	json_builder_add_int_value(b, s->end_us);
	json_builder_set_member_name(b, "frames");
	json_builder_add_int_value(b, s->frames);
	json_builder_set_member_name(b, "bytes");
	json_builder_add_int_value(b, s->file_len);
	json_builder_end_object(b);
}

/*
 * Inside a run media time is continuous, so a hole is where the media times
 * say (a segment lost to a write error); wall times there only differ by
 * the slewing of a few microseconds. Between runs it is the wall-time hole.
 */
static gboolean
nvrctl_store_is_gap(const NvrIndexSegment *prev, const NvrIndexSegment *s)
{
	if (prev->end_us <= 0 || s->start_us <= prev->end_us)
		return FALSE;
	if (prev->run_id != s->run_id)
		return TRUE;
	return s->media_start > prev->media_start + prev->media_duration;
}

/* segments in time order, and the gaps between them */
static void
nvrctl_store_print_recordings(GPtrArray *segs, gboolean json)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) node = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "segments");
	json_builder_begin_array(b);
	for (guint i = 0; i < segs->len; i++)
		nvrctl_store_add_segment(b, g_ptr_array_index(segs, i));
	json_builder_end_array(b);
	json_builder_set_member_name(b, "gaps");
	json_builder_begin_array(b);
	for (guint i = 1; i < segs->len; i++) {
		NvrIndexSegment *prev = g_ptr_array_index(segs, i - 1);
		NvrIndexSegment *s = g_ptr_array_index(segs, i);
		if (nvrctl_store_is_gap(prev, s)) {
			json_builder_begin_object(b);
			json_builder_set_member_name(b, "start_us");
			json_builder_add_int_value(b, prev->end_us);
			json_builder_set_member_name(b, "end_us");
			json_builder_add_int_value(b, s->start_us);
			json_builder_end_object(b);
			if (!json) {
				g_autofree gchar *a = nvrctl_format_time(prev->end_us);
				printf("gap          %s +%.1f s\n", a, (s->start_us - prev->end_us) / 1e6);
			}
		}
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	node = json_builder_get_root(b);
	if (json) {
		nvrctl_print_json_node(node);
		return;
	}
	for (guint i = 0; i < segs->len; i++) {
		NvrIndexSegment *s = g_ptr_array_index(segs, i);
		g_autofree gchar *a = nvrctl_format_time(s->start_us);
		printf("segment %-6" G_GINT64_FORMAT " run %-4" G_GINT64_FORMAT " %s %6.1f s %6" G_GINT64_FORMAT
		       " frames %s\n",
		       s->id, s->run_id, a, s->end_us > 0 ? (s->end_us - s->start_us) / 1e6 : 0.0, s->frames,
		       nvr_index_segment_status_to_string(s->status));
	}
}

static gint
nvrctl_store_recordings(NvrIndex *index, gint argc, gchar **argv, gboolean json)
{
	g_autofree gchar *start = NULL;
	g_autofree gchar *end = NULL;
	const GOptionEntry entries[] = {
	    {"start", 0, 0, G_OPTION_ARG_STRING, &start, "From", "T"},
	    {"end", 0, 0, G_OPTION_ARG_STRING, &end, "Until", "T"},
	    {NULL}};
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexCamera) cam = NULL;
	g_autoptr(GPtrArray) segs = NULL;
	gint64 start_us = 0, end_us = G_MAXINT64;

	if (!nvrctl_parse_options(&argc, &argv, entries, "recordings NAME", &error))
		return nvrctl_fail(json, error, 2);
	if (argc != 2 || (start != NULL && !nvrctl_parse_time(start, &start_us, &error)) ||
	    (end != NULL && !nvrctl_parse_time(end, &end_us, &error))) {
		if (error == NULL)
			g_set_error_literal(&error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "usage: recordings NAME");
		return nvrctl_fail(json, error, 2);
	}
	cam = nvrctl_store_camera(index, argv[1], &error);
	if (cam == NULL)
		return nvrctl_fail(json, error, 1);
	segs = nvr_index_segment_list_span(index, cam->id, NVR_INDEX_STREAM_MAIN, start_us, end_us, &error);
	if (segs == NULL)
		return nvrctl_fail(json, error, 1);
	nvrctl_store_print_recordings(segs, json);
	return 0;
}

static gint
nvrctl_store_export(NvrIndex *index, const gchar *state_dir, gint argc, gchar **argv, gboolean json)
{
	g_autofree gchar *start = NULL;
	g_autofree gchar *end = NULL;
	g_autofree gchar *out_path = NULL;
	g_autofree gchar *passphrase_file = NULL;
	g_autofree gchar *user = NULL;
	const GOptionEntry entries[] = {
	    {"start", 0, 0, G_OPTION_ARG_STRING, &start, "From", "T"},
	    {"end", 0, 0, G_OPTION_ARG_STRING, &end, "Until", "T"},
	    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out_path, "The MP4 to write", "OUT.mp4"},
	    {"passphrase-file", 0, 0, G_OPTION_ARG_FILENAME, &passphrase_file, "Passphrase", "F"},
	    {"user", 0, 0, G_OPTION_ARG_STRING, &user, "Whose key slot (default owner)", "NAME"},
	    {NULL}};
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexCamera) cam = NULL;
	g_autoptr(NvrKeyring) keyring = NULL;
	g_autoptr(GPtrArray) keys = NULL;
	g_autoptr(GFile) file = NULL;
	g_autoptr(GFileOutputStream) out = NULL;
	NvrStoreExportResult result = {0};
	gint64 start_us = 0, end_us = 0;

	if (!nvrctl_parse_options(&argc, &argv, entries, "export NAME", &error))
		return nvrctl_fail(json, error, 2);
	if (argc != 2 || out_path == NULL || passphrase_file == NULL) {
		g_set_error_literal(&error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "usage: export NAME --start T --end T -o OUT.mp4 --passphrase-file F");
		return nvrctl_fail(json, error, 2);
	}
	if (!nvrctl_parse_time(start, &start_us, &error) || !nvrctl_parse_time(end, &end_us, &error))
		return nvrctl_fail(json, error, 2);
	cam = nvrctl_store_camera(index, argv[1], &error);
	keyring = cam != NULL ? nvr_keyring_load(state_dir, &error) : NULL;
	if (keyring != NULL)
		keys = nvrctl_keys_unlock_with_file(keyring, user != NULL ? user : "owner", passphrase_file, &error);
	if (keys == NULL)
		return nvrctl_fail(json, error, 1);
	file = g_file_new_for_path(out_path);
	/* never overwrite: an export is evidence someone may already rely on */
	out = g_file_create(file, G_FILE_CREATE_PRIVATE, NULL, &error);
	if (out == NULL)
		return nvrctl_fail(json, error, 1);
	if (!nvr_store_export(index, cam->id, start_us, end_us, keys,
			      nvr_nvre_signing_key_get_public(nvr_keyring_get_device_key(keyring)),
			      G_OUTPUT_STREAM(out), &result, &error) ||
	    !g_output_stream_close(G_OUTPUT_STREAM(out), NULL, &error)) {
		g_file_delete(file, NULL, NULL);
		return nvrctl_fail(json, error, 1);
	}
	if (json) {
		g_autofree gchar *text = g_strdup_printf(
		    "{\"path\": \"%s\", \"segments\": %u, \"frames\": %" G_GUINT64_FORMAT
		    ", \"duration_us\": %" G_GUINT64_FORMAT "}",
		    out_path, result.segments, result.frames, result.duration_us);
		g_autoptr(JsonNode) node = json_from_string(text, NULL);
		if (node != NULL)
			nvrctl_print_json_node(node);
	} else {
		printf("wrote %s: %u segments, %" G_GUINT64_FORMAT " frames, %.1f s\n", out_path,
		       result.segments, result.frames, result.duration_us / 1e6);
	}
	return 0;
}

gint
nvrctl_store_run(const gchar *state_dir, const gchar *command, gint argc, gchar **argv, gboolean json)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndex) index = nvrctl_open_index(state_dir, &error);

	if (index == NULL)
		return nvrctl_fail(json, error, 1);
	if (g_strcmp0(command, "verify") == 0)
		return nvrctl_store_verify(index, state_dir, argc, argv, json);
	if (g_strcmp0(command, "recordings") == 0)
		return nvrctl_store_recordings(index, argc, argv, json);
	return nvrctl_store_export(index, state_dir, argc, argv, json);
}
