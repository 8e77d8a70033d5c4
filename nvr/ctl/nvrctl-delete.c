/*
 * nvrctl delete NAME --start T --end T: a user's deletion of a span of one
 * camera's footage, by retention's delete protocol (signed tombstones,
 * reason user; nvr_retention_delete_span()).
 *
 * design notes
 *   - Only whole finished segments inside the span go: a segment that
 *     straddles a boundary, or is still recording, is kept and named, so
 *     that nothing outside the span is ever lost.
 *   - No passphrase: tombstones are signed with the device key, which the
 *     keyring keeps unencrypted so that nvrd can record unattended; the
 *     user running this needs read access to the keyring, as nvrd does.
 *   - Beside a running nvrd: every write is a short BEGIN IMMEDIATE
 *     transaction that waits for nvrd's (NVR_INDEX_BUSY_TIMEOUT_MS);
 *     segments nvrd's retention takes first are counted, not an error; a
 *     segment a reader holds (an export, playback) is marked at once and
 *     its file goes when the reader lets go (nvrd's next retention run).
 */
#include "config.h"

#include <stdio.h>

#include "core/nvr-error.h"
#include "keys/nvr-keyring.h"
#include "nvrctl-common.h"
#include "nvrctl-delete.h"
#include "retention/nvr-retention.h"

/* why a segment that overlaps the span was kept */
static const gchar *
nvrctl_delete_kept_reason(const NvrIndexSegment *s, gint64 start_us, gint64 end_us)
{
	if (s->status == NVR_INDEX_SEGMENT_RECORDING)
		return "recording";
	if (s->start_us < start_us && s->end_us > end_us)
		return "straddles-both";
	return s->start_us < start_us ? "straddles-start" : "straddles-end";
}

static const gchar *
nvrctl_delete_stream(const NvrIndexSegment *s)
{
	return s->stream == NVR_INDEX_STREAM_SUB ? "sub" : "main";
}

static void
nvrctl_delete_print_text(const gchar *name, gint64 start_us, gint64 end_us,
			 const NvrRetentionResult *r, GPtrArray *kept)
{
	g_autofree gchar *size = nvrctl_format_size(r->deleted_bytes);
	g_autofree gchar *from = nvrctl_format_time(start_us);
	g_autofree gchar *to = nvrctl_format_time(end_us);

	printf("deleted  %u segments of %s (%s) from %s to %s\n", r->deleted, name, size, from, to);
	for (guint i = 0; i < kept->len; i++) {
		NvrIndexSegment *s = g_ptr_array_index(kept, i);
		g_autofree gchar *a = nvrctl_format_time(s->start_us);
		g_autofree gchar *b = s->status == NVR_INDEX_SEGMENT_RECORDING
					  ? g_strdup("now")
					  : nvrctl_format_time(s->end_us);

		printf("kept     segment %" G_GINT64_FORMAT " (%s) %s .. %s: %s\n", s->id,
		       nvrctl_delete_stream(s), a, b,
		       nvrctl_delete_kept_reason(s, start_us, end_us));
	}
	if (r->pending > 0)
		printf("deferred %u segments a reader holds: deleted from the index now, their files "
		       "when the reader lets go\n",
		       r->pending);
	if (r->gone > 0)
		printf("gone     %u segments were deleted meanwhile by retention\n", r->gone);
}

static void
nvrctl_delete_add_kept(JsonBuilder *b, GPtrArray *kept, gint64 start_us, gint64 end_us)
{
	json_builder_set_member_name(b, "kept");
	json_builder_begin_array(b);
	for (guint i = 0; i < kept->len; i++) {
		NvrIndexSegment *s = g_ptr_array_index(kept, i);

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "id");
		json_builder_add_int_value(b, s->id);
		json_builder_set_member_name(b, "stream");
		json_builder_add_string_value(b, nvrctl_delete_stream(s));
		json_builder_set_member_name(b, "status");
		json_builder_add_string_value(b, nvr_index_segment_status_to_string(s->status));
		json_builder_set_member_name(b, "start_us");
		json_builder_add_int_value(b, s->start_us);
		json_builder_set_member_name(b, "end_us");
		if (s->status == NVR_INDEX_SEGMENT_RECORDING)
			json_builder_add_null_value(b);
		else
			json_builder_add_int_value(b, s->end_us);
		json_builder_set_member_name(b, "reason");
		json_builder_add_string_value(b, nvrctl_delete_kept_reason(s, start_us, end_us));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void
nvrctl_delete_print_json(const gchar *name, gint64 start_us, gint64 end_us,
			 const NvrRetentionResult *r, GPtrArray *kept)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) node = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "camera");
	json_builder_add_string_value(b, name);
	json_builder_set_member_name(b, "start_us");
	json_builder_add_int_value(b, start_us);
	json_builder_set_member_name(b, "end_us");
	json_builder_add_int_value(b, end_us);
	json_builder_set_member_name(b, "deleted");
	json_builder_add_int_value(b, r->deleted);
	json_builder_set_member_name(b, "deleted_bytes");
	json_builder_add_int_value(b, (gint64)r->deleted_bytes);
	json_builder_set_member_name(b, "deferred");
	json_builder_add_int_value(b, r->pending);
	json_builder_set_member_name(b, "gone");
	json_builder_add_int_value(b, r->gone);
	nvrctl_delete_add_kept(b, kept, start_us, end_us);
	json_builder_end_object(b);
	node = json_builder_get_root(b);
	nvrctl_print_json_node(node);
}

static gboolean
nvrctl_delete_parse_span(const gchar *start, const gchar *end, gint64 *start_us, gint64 *end_us,
			 GError **error)
{
	if (!nvrctl_parse_time(start, start_us, error) || !nvrctl_parse_time(end, end_us, error))
		return FALSE;
	if (*end_us <= *start_us) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "--end must come after --start");
		return FALSE;
	}
	return TRUE;
}

static gint
nvrctl_delete_span(NvrIndex *index, const gchar *state_dir, const gchar *name, gint64 start_us,
		   gint64 end_us, gboolean json)
{
	NvrRetentionPolicy policy = {0}; /* no rule: only what the user names goes */
	NvrRetentionResult result = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexCamera) cam = nvr_index_camera_load_by_name(index, name, &error);
	g_autoptr(NvrKeyring) keyring = NULL;
	g_autoptr(NvrRetention) retention = NULL;
	g_autoptr(GPtrArray) kept = NULL;

	if (cam == NULL) {
		g_prefix_error(&error, "camera %s: ", name);
		return nvrctl_fail(json, error, 1);
	}
	keyring = nvr_keyring_load(state_dir, &error);
	if (keyring == NULL)
		return nvrctl_fail(json, error, 1);
	retention = nvr_retention_new(index, NULL, nvr_keyring_get_device_key(keyring), &policy);
	if (!nvr_retention_delete_span(retention, cam->id, start_us, end_us, &result, &kept,
				       &error)) {
		if (result.deleted + result.pending > 0)
			g_prefix_error(&error, "%u segments were deleted before: ",
				       result.deleted + result.pending);
		return nvrctl_fail(json, error, 1);
	}
	if (json)
		nvrctl_delete_print_json(name, start_us, end_us, &result, kept);
	else
		nvrctl_delete_print_text(name, start_us, end_us, &result, kept);
	return 0;
}

gint
nvrctl_delete_run(const gchar *state_dir, const gchar *command, gint argc, gchar **argv,
		  gboolean json)
{
	g_autofree gchar *start = NULL;
	g_autofree gchar *end = NULL;
	const GOptionEntry entries[] = {
	    {"start", 0, 0, G_OPTION_ARG_STRING, &start, "From", "T"},
	    {"end", 0, 0, G_OPTION_ARG_STRING, &end, "Until", "T"},
	    {NULL}};
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndex) index = NULL;
	gint64 start_us = 0, end_us = 0;

	if (!nvrctl_parse_options(&argc, &argv, entries, "delete NAME", &error))
		return nvrctl_fail(json, error, 2);
	if (argc != 2) {
		g_set_error_literal(&error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "usage: delete NAME --start T --end T");
		return nvrctl_fail(json, error, 2);
	}
	if (!nvrctl_delete_parse_span(start, end, &start_us, &end_us, &error))
		return nvrctl_fail(json, error, 2);
	index = nvrctl_open_index(state_dir, &error);
	if (index == NULL)
		return nvrctl_fail(json, error, 1);
	return nvrctl_delete_span(index, state_dir, argv[1], start_us, end_us, json);
}
