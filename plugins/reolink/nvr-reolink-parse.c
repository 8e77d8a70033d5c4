#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "nvr-plugin-util.h"
#include "nvr-reolink-parse.h"

#define NVR_REOLINK_FIELD_MAX 256

void
nvr_reolink_dev_info_free(NvrReolinkDevInfo *self)
{
	if (self == NULL)
		return;
	g_free(self->model);
	g_free(self->hard_ver);
	g_free(self->firm_ver);
	g_free(self->type);
	g_free(self->serial);
	g_free(self->name);
	g_free(self);
}

static gpointer
nvr_reolink_fail(GError **error, const gchar *what)
{
	g_set_error(error, NVR_PLUGIN_ERROR, NVR_PLUGIN_ERROR_PARSE, "GetDevInfo: %s", what);
	return NULL;
}

static JsonObject *
nvr_reolink_object(JsonObject *o, const gchar *name)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;

	return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static gchar *
nvr_reolink_string(JsonObject *o, const gchar *name)
{
	JsonNode *n = json_object_get_member(o, name);

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return nvr_plugin_text_clean(json_node_get_string(n), -1, NVR_REOLINK_FIELD_MAX);
}

static gint64
nvr_reolink_int(JsonObject *o, const gchar *name, gint64 fallback)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
		return fallback;
	return json_node_get_int(n);
}

/* the first element of the array: the result of our one command */
static JsonObject *
nvr_reolink_result(JsonParser *parser, GError **error)
{
	JsonNode *root = json_parser_get_root(parser);
	JsonArray *arr;
	JsonNode *first;

	if (root == NULL || !JSON_NODE_HOLDS_ARRAY(root))
		return nvr_reolink_fail(error, "not a JSON array");
	arr = json_node_get_array(root);
	if (json_array_get_length(arr) == 0)
		return nvr_reolink_fail(error, "an empty array");
	first = json_array_get_element(arr, 0);
	if (!JSON_NODE_HOLDS_OBJECT(first))
		return nvr_reolink_fail(error, "a result that is not an object");
	return json_node_get_object(first);
}

/* the first result, refused unless its code is 0; @rsp_code gets the device's error code */
static JsonObject *
nvr_reolink_result_ok(JsonParser *parser, const gchar *data, gsize len, gint *rsp_code,
		      GError **error)
{
	JsonObject *result;

	if (rsp_code != NULL)
		*rsp_code = 0;
	if (data == NULL || len == 0 || len > NVR_REOLINK_REPLY_MAX ||
	    !nvr_plugin_json_depth_ok(data, len, 16))
		return nvr_reolink_fail(error, "empty, larger than 64 KiB, or nested too deep");
	if (!json_parser_load_from_data(parser, data, (gssize)len, NULL))
		return nvr_reolink_fail(error, "malformed JSON");
	result = nvr_reolink_result(parser, error);
	if (result == NULL)
		return NULL;
	if (nvr_reolink_int(result, "code", -1) != 0) {
		if (rsp_code != NULL)
			*rsp_code = (gint)CLAMP(nvr_reolink_int(nvr_reolink_object(result, "error"), "rspCode", -1),
						G_MININT, G_MAXINT);
		return nvr_reolink_fail(error, "the device answered with an error");
	}
	return result;
}

/**
 * nvr_reolink_parse_login_token:
 *
 * [{"cmd":"Login","code":0,"value":{"Token":{"leaseTime":3600,"name":"…"}}}].
 * The token goes back to the device in a query string: only letters and
 * digits are accepted.
 *
 * Returns: (transfer full): the token
 */
gchar *
nvr_reolink_parse_login_token(const gchar *data, gsize len, gint *rsp_code, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	JsonObject *result = nvr_reolink_result_ok(parser, data, len, rsp_code, error);
	JsonObject *token = nvr_reolink_object(nvr_reolink_object(result, "value"), "Token");
	JsonNode *name = token != NULL ? json_object_get_member(token, "name") : NULL;
	const gchar *text;

	if (result == NULL)
		return NULL;
	if (name == NULL || !JSON_NODE_HOLDS_VALUE(name) || json_node_get_value_type(name) != G_TYPE_STRING)
		return nvr_reolink_fail(error, "no value.Token.name");
	text = json_node_get_string(name);
	if (text[0] == '\0' || strlen(text) > NVR_REOLINK_TOKEN_MAX)
		return nvr_reolink_fail(error, "a token that is empty or too long");
	for (const gchar *p = text; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p))
			return nvr_reolink_fail(error, "a token that is not letters and digits");
	}
	return g_strdup(text);
}

/**
 * nvr_reolink_parse_dev_info:
 * @rsp_code: (out) (optional): the device's error code when code is not 0
 *
 * Returns: (transfer full)
 */
NvrReolinkDevInfo *
nvr_reolink_parse_dev_info(const gchar *data, gsize len, gint *rsp_code, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(NvrReolinkDevInfo) info = NULL;
	JsonObject *result = nvr_reolink_result_ok(parser, data, len, rsp_code, error);
	JsonObject *dev;

	if (result == NULL)
		return NULL;
	dev = nvr_reolink_object(nvr_reolink_object(result, "value"), "DevInfo");
	if (dev == NULL)
		return nvr_reolink_fail(error, "no value.DevInfo");
	info = g_new0(NvrReolinkDevInfo, 1);
	info->model = nvr_reolink_string(dev, "model");
	info->hard_ver = nvr_reolink_string(dev, "hardVer");
	info->firm_ver = nvr_reolink_string(dev, "firmVer");
	info->type = nvr_reolink_string(dev, "type");
	info->serial = nvr_reolink_string(dev, "serial");
	info->name = nvr_reolink_string(dev, "name");
	info->channels = (gint)CLAMP(nvr_reolink_int(dev, "channelNum", 1), 0, 256);
	if (info->model == NULL)
		return nvr_reolink_fail(error, "no model");
	return g_steal_pointer(&info);
}
