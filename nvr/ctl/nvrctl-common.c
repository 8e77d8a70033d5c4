#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/nvr-error.h"
#include "core/nvr-file.h"
#include "nvrctl-common.h"

/* "nvrctl: <message>" on stderr; with --json also {"error", "message"} on stdout */
gint
nvrctl_fail(gboolean json, const GError *error, gint status)
{
	fprintf(stderr, "nvrctl: %s\n", error->message);
	if (json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autoptr(JsonNode) node = NULL;

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "error");
		json_builder_add_string_value(b,
					      error->domain == NVR_ERROR
						  ? nvr_error_code_to_string(error->code)
						  : "failed");
		json_builder_set_member_name(b, "message");
		json_builder_add_string_value(b, error->message);
		json_builder_end_object(b);
		node = json_builder_get_root(b);
		nvrctl_print_json_node(node);
	}
	return status;
}

gboolean
nvrctl_parse_options(gint *argc, gchar ***argv, const GOptionEntry *entries, const gchar *usage,
		     GError **error)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new(usage);

	g_option_context_add_main_entries(ctx, entries, NULL);
	return g_option_context_parse(ctx, argc, argv, error);
}

/* ISO 8601 with a zone ("2026-11-28T14:00:00Z") or Unix seconds */
gboolean
nvrctl_parse_time(const gchar *text, gint64 *us, GError **error)
{
	g_autoptr(GDateTime) dt = NULL;
	gint64 secs = 0;

	if (text == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "a time is missing");
		return FALSE;
	}
	if (g_ascii_string_to_signed(text, 10, 0, G_MAXINT64 / G_USEC_PER_SEC, &secs, NULL)) {
		*us = secs * G_USEC_PER_SEC;
		return TRUE;
	}
	dt = g_date_time_new_from_iso8601(text, NULL);
	if (dt == NULL) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
			    "'%s': expected ISO 8601 with a zone (2026-11-28T14:00:00Z) or Unix seconds", text);
		return FALSE;
	}
	*us = g_date_time_to_unix(dt) * G_USEC_PER_SEC + g_date_time_get_microsecond(dt);
	return TRUE;
}

gchar *
nvrctl_format_time(gint64 us)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(us / G_USEC_PER_SEC);

	return dt != NULL ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("?");
}

/* "804.4 kB", with a plain space (GLib puts a no-break space there) */
gchar *
nvrctl_format_size(guint64 bytes)
{
	g_autofree gchar *text = g_format_size(bytes);
	GString *s = g_string_new(text);

	g_string_replace(s, "\u00a0", " ", 0);
	return g_string_free(s, FALSE);
}

/* the index of @state_dir, created (and the dir too, 0700) on first use */
NvrIndex *
nvrctl_open_index(const gchar *state_dir, GError **error)
{
	g_autofree gchar *path = g_build_filename(state_dir, NVRCTL_INDEX_NAME, NULL);

	if (!nvr_file_check_dir_usable(state_dir, TRUE, error)) {
		g_prefix_error(error, "state dir: ");
		return NULL;
	}
	return nvr_index_open(path, error);
}

/* first line of @path, without its newline; an empty secret is refused */
gchar *
nvrctl_read_secret_file(const gchar *path, GError **error)
{
	g_autofree gchar *data = NULL;
	gsize len = 0;
	gchar *nl;

	if (!g_file_get_contents(path, &data, &len, error))
		return NULL;
	if (memchr(data, '\0', len) != NULL) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "%s: contains a NUL byte", path);
		return NULL;
	}
	nl = strchr(data, '\n');
	if (nl != NULL)
		*nl = '\0';
	if (data[0] == '\0') {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "%s: empty", path);
		return NULL;
	}
	return g_steal_pointer(&data);
}

void
nvrctl_print_json_node(JsonNode *node)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree gchar *text = NULL;

	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, node);
	text = json_generator_to_data(gen, NULL);
	printf("%s\n", text);
}

/* the stable --json form of a camera; never the password, sealed or not */
JsonNode *
nvrctl_camera_to_json(const NvrIndexCamera *c)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "id");
	json_builder_add_int_value(b, c->id);
	json_builder_set_member_name(b, "uuid");
	json_builder_add_string_value(b, c->uuid);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, c->name);
	json_builder_set_member_name(b, "main_url");
	json_builder_add_string_value(b, c->main_url);
	json_builder_set_member_name(b, "sub_url");
	json_builder_add_string_value(b, c->sub_url);
	json_builder_set_member_name(b, "user");
	json_builder_add_string_value(b, c->username);
	json_builder_set_member_name(b, "has_password");
	json_builder_add_boolean_value(b, c->password_sealed != NULL);
	json_builder_set_member_name(b, "record_main");
	json_builder_add_boolean_value(b, c->record_main);
	json_builder_set_member_name(b, "record_sub");
	json_builder_add_boolean_value(b, c->record_sub);
	json_builder_set_member_name(b, "enabled");
	json_builder_add_boolean_value(b, c->enabled);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

void
nvrctl_print_json_camera(const NvrIndexCamera *camera)
{
	g_autoptr(JsonNode) node = nvrctl_camera_to_json(camera);

	nvrctl_print_json_node(node);
}

void
nvrctl_print_json_cameras(GPtrArray *cameras)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_ARRAY);
	JsonArray *arr = json_array_new();

	for (guint i = 0; i < cameras->len; i++)
		json_array_add_element(arr, nvrctl_camera_to_json(g_ptr_array_index(cameras, i)));
	json_node_take_array(node, arr);
	nvrctl_print_json_node(node);
}

void
nvrctl_print_json_ok(void)
{
	g_autoptr(JsonNode) node = json_from_string("{\"ok\": true}", NULL);

	nvrctl_print_json_node(node);
}
