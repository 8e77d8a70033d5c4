#include "config.h"

#include "core/nvr-error.h"
#include "core/nvr-json.h"

/* counts brackets outside strings; an unbalanced document fails later, in the parser */
gboolean
nvr_json_depth_ok(const gchar *data, gsize len, guint max_depth)
{
	gboolean in_string = FALSE;
	guint depth = 0;

	for (gsize i = 0; i < len; i++) {
		gchar c = data[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = FALSE;
		} else if (c == '"') {
			in_string = TRUE;
		} else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return FALSE;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return TRUE;
}

/* Returns: (transfer full): the root node */
JsonNode *
nvr_json_parse(const gchar *data, gsize len, gsize max_bytes, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(GError) error_local = NULL;

	if (data == NULL || len == 0) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "empty JSON");
		return NULL;
	}
	if (len > max_bytes) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "JSON larger than %" G_GSIZE_FORMAT " bytes",
			    max_bytes);
		return NULL;
	}
	if (!nvr_json_depth_ok(data, len, NVR_JSON_MAX_DEPTH)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "JSON nested deeper than %d",
			    NVR_JSON_MAX_DEPTH);
		return NULL;
	}
	if (!json_parser_load_from_data(parser, data, (gssize)len, &error_local)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "JSON: %s", error_local->message);
		return NULL;
	}
	return json_parser_steal_root(parser);
}

/* Returns: (transfer none) (nullable): the member if it is a string */
const gchar *
nvr_json_get_string(JsonObject *obj, const gchar *name)
{
	JsonNode *node = obj != NULL ? json_object_get_member(obj, name) : NULL;

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(node);
}

gboolean
nvr_json_get_bool(JsonObject *obj, const gchar *name, gboolean fallback)
{
	JsonNode *node = obj != NULL ? json_object_get_member(obj, name) : NULL;

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_BOOLEAN)
		return fallback;
	return json_node_get_boolean(node);
}

/* json-glib's *_member_with_default() only accept a value node (anything
 * else is a g_critical) and read a string as 0: a hostile or damaged
 * document must give the fallback instead */
gint64
nvr_json_get_int(JsonObject *obj, const gchar *name, gint64 fallback)
{
	JsonNode *node = obj != NULL ? json_object_get_member(obj, name) : NULL;

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_INT64)
		return fallback;
	return json_node_get_int(node);
}

JsonArray *
nvr_json_get_array(JsonObject *obj, const gchar *name)
{
	JsonNode *node = obj != NULL ? json_object_get_member(obj, name) : NULL;

	return node != NULL && JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : NULL;
}

JsonObject *
nvr_json_get_object(JsonObject *obj, const gchar *name)
{
	JsonNode *node = obj != NULL ? json_object_get_member(obj, name) : NULL;

	return node != NULL && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}
