#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "nvr-axis-parse.h"
#include "nvr-plugin-util.h"

#define NVR_AXIS_FIELD_MAX 256

void
nvr_axis_device_info_free(NvrAxisDeviceInfo *self)
{
	if (self == NULL)
		return;
	g_free(self->brand);
	g_free(self->prod_nbr);
	g_free(self->prod_full_name);
	g_free(self->serial);
	g_free(self->version);
	g_free(self->hardware_id);
	g_free(self->soc);
	g_free(self);
}

static gpointer
nvr_axis_fail(GError **error, const gchar *what)
{
	g_set_error(error, NVR_PLUGIN_ERROR, NVR_PLUGIN_ERROR_PARSE, "VAPIX: %s", what);
	return NULL;
}

static gchar *
nvr_axis_prop(JsonObject *props, const gchar *name)
{
	JsonNode *n = json_object_get_member(props, name);

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return nvr_plugin_text_clean(json_node_get_string(n), -1, NVR_AXIS_FIELD_MAX);
}

static JsonObject *
nvr_axis_object_member(JsonObject *o, const gchar *name)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;

	return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

/* {"apiVersion":"1.3","data":{"propertyList":{"Brand":"AXIS",...}}} or {"error":{...}} */
NvrAxisDeviceInfo *
nvr_axis_parse_basic_device_info(const gchar *data, gsize len, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(NvrAxisDeviceInfo) info = NULL;
	JsonNode *root;
	JsonObject *props;

	if (data == NULL || len == 0 || len > NVR_AXIS_REPLY_MAX ||
	    !nvr_plugin_json_depth_ok(data, len, 16))
		return nvr_axis_fail(error, "empty, larger than 64 KiB, or nested too deep");
	if (!json_parser_load_from_data(parser, data, (gssize)len, NULL))
		return nvr_axis_fail(error, "malformed JSON");
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return nvr_axis_fail(error, "not a JSON object");
	if (nvr_axis_object_member(json_node_get_object(root), "error") != NULL)
		return nvr_axis_fail(error, "the device answered with an error");
	props = nvr_axis_object_member(nvr_axis_object_member(json_node_get_object(root), "data"),
				       "propertyList");
	if (props == NULL)
		return nvr_axis_fail(error, "no data.propertyList");
	info = g_new0(NvrAxisDeviceInfo, 1);
	info->brand = nvr_axis_prop(props, "Brand");
	info->prod_nbr = nvr_axis_prop(props, "ProdNbr");
	info->prod_full_name = nvr_axis_prop(props, "ProdFullName");
	info->serial = nvr_axis_prop(props, "SerialNumber");
	info->version = nvr_axis_prop(props, "Version");
	info->hardware_id = nvr_axis_prop(props, "HardwareID");
	info->soc = nvr_axis_prop(props, "Soc");
	if (info->brand == NULL || info->prod_nbr == NULL)
		return nvr_axis_fail(error, "no Brand or ProdNbr");
	return g_steal_pointer(&info);
}

/* root.Brand.Brand=AXIS, root.Brand.ProdNbr=M3045-V, ... ("# Error: ..." is an error) */
NvrAxisDeviceInfo *
nvr_axis_parse_param_brand(const gchar *data, gsize len, GError **error)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(NvrAxisDeviceInfo) info = g_new0(NvrAxisDeviceInfo, 1);

	if (data == NULL || len == 0 || len > NVR_AXIS_REPLY_MAX || memchr(data, '\0', len) != NULL)
		return nvr_axis_fail(error, "empty, larger than 64 KiB, or binary");
	text = g_strndup(data, len);
	lines = g_strsplit(text, "\n", 256);
	for (guint i = 0; lines[i] != NULL; i++) {
		gchar *line = g_strstrip(lines[i]);
		gchar *eq = strchr(line, '=');
		if (line[0] == '#')
			return nvr_axis_fail(error, "the device answered with an error");
		if (eq == NULL || !g_str_has_prefix(line, "root.Brand."))
			continue;
		*eq = '\0';
		if (g_strcmp0(line, "root.Brand.Brand") == 0 && info->brand == NULL)
			info->brand = nvr_plugin_text_clean(eq + 1, -1, NVR_AXIS_FIELD_MAX);
		else if (g_strcmp0(line, "root.Brand.ProdNbr") == 0 && info->prod_nbr == NULL)
			info->prod_nbr = nvr_plugin_text_clean(eq + 1, -1, NVR_AXIS_FIELD_MAX);
		else if (g_strcmp0(line, "root.Brand.ProdFullName") == 0 && info->prod_full_name == NULL)
			info->prod_full_name = nvr_plugin_text_clean(eq + 1, -1, NVR_AXIS_FIELD_MAX);
	}
	if (info->brand == NULL || info->prod_nbr == NULL)
		return nvr_axis_fail(error, "no root.Brand.Brand or root.Brand.ProdNbr");
	return g_steal_pointer(&info);
}

/* Axis serials are the MAC: "ACCC8E3A0001" against "AC:CC:8E:3A:00:01" */
gboolean
nvr_axis_serial_matches_mac(const gchar *serial, const gchar *mac)
{
	gchar digits[13];
	guint n = 0;

	if (serial == NULL || mac == NULL || strlen(serial) != 12)
		return FALSE;
	for (const gchar *p = mac; *p != '\0' && n < 12; p++) {
		if (g_ascii_isxdigit(*p))
			digits[n++] = g_ascii_toupper(*p);
	}
	digits[n] = '\0';
	return n == 12 && g_ascii_strcasecmp(digits, serial) == 0;
}
