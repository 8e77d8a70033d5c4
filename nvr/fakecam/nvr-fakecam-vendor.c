#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "core/nvr-json.h"
#include "fakecam/nvr-fakecam-vendor.h"

#define NVR_FAKECAM_REOLINK_LEASE_S 3600
#define NVR_FAKECAM_REOLINK_MAX_TOKENS 64

struct _NvrFakecamVendor {
	GObject parent_instance;
	const NvrFakecamDevice *dev; /* immutable, owned by the camera */
	GBytes *jpeg;		     /* immutable */
	GHashTable *tokens;	     /* main thread: Reolink token -> expiry (monotonic us) */
};

G_DEFINE_TYPE(NvrFakecamVendor, nvr_fakecam_vendor, G_TYPE_OBJECT)

void
nvr_fakecam_reply_clear(NvrFakecamReply *reply)
{
	g_clear_pointer(&reply->body, g_bytes_unref);
}

static void
nvr_fakecam_vendor_finalize(GObject *obj)
{
	NvrFakecamVendor *self = NVR_FAKECAM_VENDOR(obj);

	g_bytes_unref(self->jpeg);
	g_hash_table_unref(self->tokens);
	G_OBJECT_CLASS(nvr_fakecam_vendor_parent_class)->finalize(obj);
}

static void
nvr_fakecam_vendor_class_init(NvrFakecamVendorClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_fakecam_vendor_finalize;
}

static void
nvr_fakecam_vendor_init(NvrFakecamVendor *self)
{
	self->tokens = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * nvr_fakecam_vendor_new:
 * @dev: (not nullable): must outlive the vendor API
 * @jpeg: the picture every snapshot URL returns
 */
NvrFakecamVendor *
nvr_fakecam_vendor_new(const NvrFakecamDevice *dev, GBytes *jpeg)
{
	NvrFakecamVendor *self = g_object_new(NVR_TYPE_FAKECAM_VENDOR, NULL);

	self->dev = dev;
	self->jpeg = g_bytes_ref(jpeg);
	return self;
}

/**
 * nvr_fakecam_vendor_digest_paths:
 *
 * Returns: (array zero-terminated=1): path prefixes that need HTTP Digest
 */
const gchar *const *
nvr_fakecam_vendor_digest_paths(const NvrFakecamPersona *persona)
{
	static const gchar *const hikvision[] = {"/ISAPI", "/onvif-http", NULL};
	static const gchar *const dahua[] = {"/cgi-bin", "/onvifsnapshot", NULL};
	static const gchar *const axis[] = {"/axis-cgi", NULL};
	static const gchar *const generic[] = {"/snapshot.jpg", NULL};
	static const gchar *const none[] = {NULL};

	switch (persona->id) {
	case NVR_FAKECAM_PERSONA_HIKVISION:
		return hikvision;
	case NVR_FAKECAM_PERSONA_DAHUA:
	case NVR_FAKECAM_PERSONA_AMCREST:
		return dahua;
	case NVR_FAKECAM_PERSONA_AXIS:
		return axis;
	case NVR_FAKECAM_PERSONA_GENERIC:
		return generic;
	case NVR_FAKECAM_PERSONA_REOLINK: /* logs in with its own tokens */
	case NVR_FAKECAM_PERSONA_LAST:
		break;
	}
	return none;
}

static void
nvr_fakecam_reply_take(NvrFakecamReply *reply, guint status, const gchar *type, gchar *body)
{
	reply->status = status;
	reply->content_type = type;
	reply->body = g_bytes_new_take(body, strlen(body));
}

static void
nvr_fakecam_reply_json(NvrFakecamReply *reply, JsonBuilder *b)
{
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	nvr_fakecam_reply_take(reply, 200, "application/json", json_to_string(root, FALSE));
}

static void
nvr_fakecam_reply_jpeg(NvrFakecamVendor *self, NvrFakecamReply *reply)
{
	reply->status = 200;
	reply->content_type = "image/jpeg";
	reply->body = g_bytes_ref(self->jpeg);
}

/* Returns: (transfer full) (nullable): the parsed body, if it is sane JSON */
static JsonNode *
nvr_fakecam_json_parse(const gchar *body, gsize len)
{
	return nvr_json_parse(body, len, NVR_FAKECAM_VENDOR_MAX_BODY, NULL);
}

/* ---- Hikvision ISAPI ---------------------------------------------------- */

static void
nvr_fakecam_hikvision_device_info(NvrFakecamVendor *self, NvrFakecamReply *reply)
{
	const NvrFakecamDevice *dev = self->dev;
	g_auto(GStrv) fw = g_strsplit(dev->persona->firmware, " ", 2); /* "V5.7.3 build 220112" */

	nvr_fakecam_reply_take(
	    reply,
	    200,
	    "application/xml",
	    g_markup_printf_escaped(
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<DeviceInfo version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\n"
		"<deviceName>IP CAMERA</deviceName>\n<deviceID>%s</deviceID>\n"
		"<deviceDescription>IPCamera</deviceDescription>\n"
		"<deviceLocation>hangzhou</deviceLocation>\n"
		"<systemContact>Hikvision.China</systemContact>\n<model>%s</model>\n"
		"<serialNumber>%s</serialNumber>\n<macAddress>%s</macAddress>\n"
		"<firmwareVersion>%s</firmwareVersion>\n"
		"<firmwareReleasedDate>%s</firmwareReleasedDate>\n"
		"<encoderVersion>V7.3</encoderVersion>\n"
		"<encoderReleasedDate>build 211223</encoderReleasedDate>\n"
		"<bootVersion>V1.3.4</bootVersion>\n<bootReleasedDate>100316</bootReleasedDate>\n"
		"<hardwareVersion>0x0</hardwareVersion>\n<deviceType>IPCamera</deviceType>\n"
		"<telecontrolID>88</telecontrolID>\n<supportBeep>false</supportBeep>\n"
		"<supportVideoLoss>false</supportVideoLoss>\n"
		"<firmwareVersionInfo>B-R-H8-0</firmwareVersionInfo>\n"
		"<manufacturer>hikvision</manufacturer>\n<OEMCode>1</OEMCode>\n</DeviceInfo>\n",
		dev->uuid,
		dev->persona->model,
		dev->serial,
		dev->mac_colon,
		fw[0],
		fw[1] != NULL ? fw[1] : ""));
}

static gboolean
nvr_fakecam_hikvision(NvrFakecamVendor *self, const gchar *method, const gchar *path,
		      NvrFakecamReply *reply)
{
	if (g_strcmp0(path, "/ISAPI/System/deviceInfo") == 0 && g_strcmp0(method, "GET") == 0) {
		nvr_fakecam_hikvision_device_info(self, reply);
		return TRUE;
	}
	if (g_ascii_strcasecmp(path, "/ISAPI/Streaming/channels/101/picture") == 0 ||
	    g_strcmp0(path, "/onvif-http/snapshot") == 0) {
		nvr_fakecam_reply_jpeg(self, reply);
		return TRUE;
	}
	if (g_str_has_prefix(path, "/ISAPI/")) {
		nvr_fakecam_reply_take(
		    reply,
		    404,
		    "application/xml",
		    g_strdup("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			     "<ResponseStatus version=\"2.0\" "
			     "xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\n"
			     "<requestURL></requestURL>\n<statusCode>4</statusCode>\n"
			     "<statusString>Invalid Operation</statusString>\n"
			     "<subStatusCode>notSupport</subStatusCode>\n</ResponseStatus>\n"));
		return TRUE;
	}
	return FALSE;
}

/* ---- Dahua and Amcrest magicBox ----------------------------------------- */

static gchar *
nvr_fakecam_dahua_system_info(const NvrFakecamDevice *dev)
{
	gboolean amcrest = dev->persona->id == NVR_FAKECAM_PERSONA_AMCREST;
	/* updateSerial is the true Dahua model, whatever the label says */
	const gchar *update_serial = amcrest ? "IPC-AW46WN-S2" : dev->persona->model;

	return g_strdup_printf("appAutoStart=true\r\ndeviceType=%s\r\nhardwareVersion=%s\r\n"
			       "processor=S3LM\r\nserialNumber=%s\r\nupdateSerial=%s\r\n"
			       "updateSerialCloudUpgrade=%s:01:02:0C:32:4A:00:01:03:00:00:00:00:00:"
			       "02:00:00:600\r\n",
			       dev->persona->model,
			       dev->persona->hardware_id,
			       dev->serial,
			       update_serial,
			       update_serial);
}

/* "2.800.0000000.25.R, Build Date 2021-06-23" -> "version=2.800...R,build:2021-06-23" */
static gchar *
nvr_fakecam_dahua_software_version(const NvrFakecamDevice *dev)
{
	g_auto(GStrv) fw = g_strsplit(dev->persona->firmware, ", Build Date ", 2);

	return g_strdup_printf("version=%s,build:%s\r\n", fw[0], fw[1] != NULL ? fw[1] : "");
}

static gchar *
nvr_fakecam_dahua_action(const NvrFakecamDevice *dev, const gchar *action)
{
	if (g_strcmp0(action, "getSystemInfo") == 0)
		return nvr_fakecam_dahua_system_info(dev);
	if (g_strcmp0(action, "getVendor") == 0)
		return g_strdup_printf("vendor=%s\r\n", dev->persona->manufacturer);
	if (g_strcmp0(action, "getSoftwareVersion") == 0)
		return nvr_fakecam_dahua_software_version(dev);
	if (g_strcmp0(action, "getDeviceType") == 0)
		return g_strdup_printf("type=%s\r\n", dev->persona->model);
	if (g_strcmp0(action, "getSerialNo") == 0)
		return g_strdup_printf("sn=%s\r\n", dev->serial);
	if (g_strcmp0(action, "getMachineName") == 0)
		return g_strdup_printf("name=%s\r\n", dev->serial);
	if (g_strcmp0(action, "getHardwareVersion") == 0)
		return g_strdup_printf("version=%s\r\n", dev->persona->hardware_id);
	return NULL;
}

static gboolean
nvr_fakecam_dahua(NvrFakecamVendor *self, const gchar *path, GHashTable *params,
		  NvrFakecamReply *reply)
{
	if (g_strcmp0(path, "/cgi-bin/magicBox.cgi") == 0) {
		gchar *text = nvr_fakecam_dahua_action(self->dev, g_hash_table_lookup(params, "action"));
		if (text == NULL)
			nvr_fakecam_reply_take(reply, 400, "text/plain", g_strdup("Error\r\nBad Request!\r\n"));
		else
			nvr_fakecam_reply_take(reply, 200, "text/plain;charset=utf-8", text);
		return TRUE;
	}
	if (g_strcmp0(path, "/cgi-bin/snapshot.cgi") == 0 ||
	    g_strcmp0(path, "/onvifsnapshot/media_service/snapshot") == 0) {
		nvr_fakecam_reply_jpeg(self, reply);
		return TRUE;
	}
	return FALSE;
}

/* ---- Axis VAPIX ---------------------------------------------------------- */

static const gchar *const nvr_fakecam_axis_unrestricted[] = {
    "Brand", "BuildDate", "HardwareID", "ProdFullName", "ProdNbr", "ProdShortName",
    "ProdType", "ProdVariant", "SerialNumber", "Version", "WebURL", NULL};

static void
nvr_fakecam_axis_properties(const NvrFakecamDevice *dev, JsonBuilder *b, gboolean restricted,
			    JsonArray *wanted)
{
	g_autofree gchar *full = g_strdup_printf("AXIS %s Network Camera", dev->persona->model);
	g_autofree gchar *shortname = g_strdup_printf("AXIS %s", dev->persona->model);
	const gchar *props[][2] = {
	    {"Architecture", "armv7hf"},
	    {"Brand", "AXIS"},
	    {"BuildDate", "Nov 07 2022 11:28"},
	    {"HardwareID", dev->persona->hardware_id},
	    {"ProdFullName", full},
	    {"ProdNbr", dev->persona->model},
	    {"ProdShortName", shortname},
	    {"ProdType", "Network Camera"},
	    {"ProdVariant", ""},
	    {"SerialNumber", dev->serial},
	    {"Soc", "Axis Artpec-6"},
	    {"SocSerialNumber", "00000000-00000000-44C81283-C8D00043"},
	    {"Version", dev->persona->firmware},
	    {"WebURL", "http://www.axis.com"},
	};

	json_builder_set_member_name(b, "propertyList");
	json_builder_begin_object(b);
	for (guint i = 0; i < G_N_ELEMENTS(props); i++) {
		gboolean want = TRUE;
		if (!restricted && !g_strv_contains(nvr_fakecam_axis_unrestricted, props[i][0]))
			continue;
		if (wanted != NULL) {
			want = FALSE;
			for (guint j = 0; j < json_array_get_length(wanted) && !want; j++) {
				JsonNode *n = json_array_get_element(wanted, j);
				want = JSON_NODE_HOLDS_VALUE(n) &&
				       json_node_get_value_type(n) == G_TYPE_STRING &&
				       g_strcmp0(json_node_get_string(n), props[i][0]) == 0;
			}
		}
		if (want) {
			json_builder_set_member_name(b, props[i][0]);
			json_builder_add_string_value(b, props[i][1]);
		}
	}
	json_builder_end_object(b);
}

static void
nvr_fakecam_axis_error(JsonBuilder *b, gint code, const gchar *message)
{
	json_builder_set_member_name(b, "error");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "code");
	json_builder_add_int_value(b, code);
	json_builder_set_member_name(b, "message");
	json_builder_add_string_value(b, message);
	json_builder_end_object(b);
}

static JsonArray *
nvr_fakecam_axis_wanted(JsonObject *req)
{
	JsonNode *params = json_object_get_member(req, "params");
	JsonNode *list;

	if (params == NULL || !JSON_NODE_HOLDS_OBJECT(params))
		return NULL;
	list = json_object_get_member(json_node_get_object(params), "propertyList");
	return list != NULL && JSON_NODE_HOLDS_ARRAY(list) ? json_node_get_array(list) : NULL;
}

/* POST /axis-cgi/basicdeviceinfo.cgi {"apiVersion":"1.0","method":"getAllProperties"} */
static void
nvr_fakecam_axis_basic_device_info(NvrFakecamVendor *self, const gchar *body, gsize len,
				   NvrFakecamReply *reply)
{
	g_autoptr(JsonNode) root = nvr_fakecam_json_parse(body, len);
	g_autoptr(JsonBuilder) b = json_builder_new();
	JsonObject *req = root != NULL && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root)
									: NULL;
	const gchar *method = req != NULL ? nvr_json_get_string(req, "method")
					  : NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "apiVersion");
	json_builder_add_string_value(b, "1.3");
	if (method != NULL) {
		json_builder_set_member_name(b, "method");
		json_builder_add_string_value(b, method);
	}
	if (req == NULL) {
		nvr_fakecam_axis_error(b, 4002, "JSON input error");
	} else if (g_strcmp0(method, "getAllProperties") == 0 ||
		   g_strcmp0(method, "getAllUnrestrictedProperties") == 0 ||
		   g_strcmp0(method, "getProperties") == 0) {
		json_builder_set_member_name(b, "data");
		json_builder_begin_object(b);
		nvr_fakecam_axis_properties(self->dev,
					    b,
					    g_strcmp0(method, "getAllUnrestrictedProperties") != 0,
					    g_strcmp0(method, "getProperties") == 0
						? nvr_fakecam_axis_wanted(req)
						: NULL);
		json_builder_end_object(b);
	} else {
		nvr_fakecam_axis_error(b, 2002, "Method not supported");
	}
	json_builder_end_object(b);
	nvr_fakecam_reply_json(reply, b);
}

static gboolean
nvr_fakecam_axis(NvrFakecamVendor *self, const gchar *method, const gchar *path,
		 GHashTable *params, const gchar *body, gsize len, NvrFakecamReply *reply)
{
	const NvrFakecamDevice *dev = self->dev;

	if (g_strcmp0(path, "/axis-cgi/basicdeviceinfo.cgi") == 0) {
		if (g_strcmp0(method, "POST") != 0)
			nvr_fakecam_reply_take(reply, 405, "text/plain", g_strdup("Method Not Allowed\n"));
		else
			nvr_fakecam_axis_basic_device_info(self, body, len, reply);
		return TRUE;
	}
	if (g_strcmp0(path, "/axis-cgi/param.cgi") == 0) {
		const gchar *group = g_hash_table_lookup(params, "group");
		if (g_strcmp0(g_hash_table_lookup(params, "action"), "list") != 0 ||
		    (g_strcmp0(group, "root.Brand") != 0 && g_strcmp0(group, "Brand") != 0)) {
			nvr_fakecam_reply_take(reply,
					       200,
					       "text/plain",
					       g_strdup("# Error: Error -1 getting param in group\n"));
			return TRUE;
		}
		nvr_fakecam_reply_take(reply,
				       200,
				       "text/plain",
				       g_strdup_printf("root.Brand.Brand=AXIS\n"
						       "root.Brand.ProdFullName=AXIS %s Network Camera\n"
						       "root.Brand.ProdNbr=%s\n"
						       "root.Brand.ProdShortName=AXIS %s\n"
						       "root.Brand.ProdType=Network Camera\n"
						       "root.Brand.ProdVariant=\n"
						       "root.Brand.WebURL=http://www.axis.com\n",
						       dev->persona->model,
						       dev->persona->model,
						       dev->persona->model));
		return TRUE;
	}
	if (g_strcmp0(path, "/axis-cgi/jpg/image.cgi") == 0) {
		nvr_fakecam_reply_jpeg(self, reply);
		return TRUE;
	}
	return FALSE;
}

/* ---- Reolink api.cgi ---------------------------------------------------- */

static void
nvr_fakecam_reolink_begin(JsonBuilder *b, const gchar *cmd, gint code)
{
	json_builder_begin_array(b);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "cmd");
	json_builder_add_string_value(b, cmd);
	json_builder_set_member_name(b, "code");
	json_builder_add_int_value(b, code);
}

static void
nvr_fakecam_reolink_end(JsonBuilder *b)
{
	json_builder_end_object(b);
	json_builder_end_array(b);
}

/* Reolink answers HTTP 200 with an error object, never an HTTP error */
static void
nvr_fakecam_reolink_error(NvrFakecamReply *reply, const gchar *cmd, gint rsp_code,
			  const gchar *detail)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	nvr_fakecam_reolink_begin(b, cmd, 1);
	json_builder_set_member_name(b, "error");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "detail");
	json_builder_add_string_value(b, detail);
	json_builder_set_member_name(b, "rspCode");
	json_builder_add_int_value(b, rsp_code);
	json_builder_end_object(b);
	nvr_fakecam_reolink_end(b);
	nvr_fakecam_reply_json(reply, b);
}

static void
nvr_fakecam_reolink_dev_info(const NvrFakecamDevice *dev, NvrFakecamReply *reply)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree gchar *name = g_strdup_printf("Camera %u", dev->index);
	const gchar *strings[][2] = {
	    {"buildDay", "build 22083001"},
	    {"cfgVer", "v3.0.0.0"},
	    {"detail", "IPC_523128M5MP1A0000000"},
	    {"exactType", "IPC"},
	    {"firmVer", dev->persona->firmware},
	    {"hardVer", dev->persona->hardware_id},
	    {"model", dev->persona->model},
	    {"name", name},
	    {"pakSuffix", "pak"},
	    {"serial", dev->serial},
	    {"type", "IPC"},
	};
	const gchar *ints[] = {"B485", "IOInputNum", "IOOutputNum", "wifi"};

	nvr_fakecam_reolink_begin(b, "GetDevInfo", 0);
	json_builder_set_member_name(b, "value");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "DevInfo");
	json_builder_begin_object(b);
	for (guint i = 0; i < G_N_ELEMENTS(strings); i++) {
		json_builder_set_member_name(b, strings[i][0]);
		json_builder_add_string_value(b, strings[i][1]);
	}
	for (guint i = 0; i < G_N_ELEMENTS(ints); i++) {
		json_builder_set_member_name(b, ints[i]);
		json_builder_add_int_value(b, 0);
	}
	json_builder_set_member_name(b, "audioNum");
	json_builder_add_int_value(b, 1);
	json_builder_set_member_name(b, "channelNum");
	json_builder_add_int_value(b, 1);
	json_builder_set_member_name(b, "diskNum");
	json_builder_add_int_value(b, 1);
	json_builder_end_object(b);
	json_builder_end_object(b);
	nvr_fakecam_reolink_end(b);
	nvr_fakecam_reply_json(reply, b);
}

/* [{"cmd":"Login","param":{"User":{"userName":..,"password":..}}}] -> the User object */
static JsonObject *
nvr_fakecam_reolink_login_user(JsonNode *root)
{
	JsonArray *arr;
	JsonNode *first, *param, *user;

	if (root == NULL || !JSON_NODE_HOLDS_ARRAY(root))
		return NULL;
	arr = json_node_get_array(root);
	if (json_array_get_length(arr) == 0)
		return NULL;
	first = json_array_get_element(arr, 0);
	if (!JSON_NODE_HOLDS_OBJECT(first))
		return NULL;
	param = json_object_get_member(json_node_get_object(first), "param");
	if (param == NULL || !JSON_NODE_HOLDS_OBJECT(param))
		return NULL;
	user = json_object_get_member(json_node_get_object(param), "User");
	return user != NULL && JSON_NODE_HOLDS_OBJECT(user) ? json_node_get_object(user) : NULL;
}

static gboolean
nvr_fakecam_reolink_credentials_ok(const NvrFakecamDevice *dev, const gchar *user,
				   const gchar *password)
{
	if (dev->password == NULL)
		return TRUE;
	return nvr_fakecam_str_equal_ct(user, dev->user) &
	       nvr_fakecam_str_equal_ct(password, dev->password);
}

static void
nvr_fakecam_reolink_login(NvrFakecamVendor *self, const gchar *body, gsize len,
			  NvrFakecamReply *reply)
{
	g_autoptr(JsonNode) root = nvr_fakecam_json_parse(body, len);
	g_autoptr(JsonBuilder) b = json_builder_new();
	JsonObject *user = nvr_fakecam_reolink_login_user(root);
	gint64 *expiry = NULL;
	gchar *token = NULL;

	if (user == NULL) {
		nvr_fakecam_reolink_error(reply, "Login", -4, "param error");
		return;
	}
	if (!nvr_fakecam_reolink_credentials_ok(
		self->dev,
		nvr_json_get_string(user, "userName"),
		nvr_json_get_string(user, "password"))) {
		nvr_fakecam_reolink_error(reply, "Login", -7, "login failed");
		return;
	}
	/* a simulator's session token: unguessable enough, not a secret */
	token = g_strdup_printf("%08x%08x", g_random_int(), g_random_int());
	expiry = g_new(gint64, 1);
	*expiry = g_get_monotonic_time() + (gint64)NVR_FAKECAM_REOLINK_LEASE_S * G_USEC_PER_SEC;
	if (g_hash_table_size(self->tokens) >= NVR_FAKECAM_REOLINK_MAX_TOKENS)
		g_hash_table_remove_all(self->tokens);
	g_hash_table_insert(self->tokens, token, expiry);

	nvr_fakecam_reolink_begin(b, "Login", 0);
	json_builder_set_member_name(b, "value");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "Token");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "leaseTime");
	json_builder_add_int_value(b, NVR_FAKECAM_REOLINK_LEASE_S);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, token);
	json_builder_end_object(b);
	json_builder_end_object(b);
	nvr_fakecam_reolink_end(b);
	nvr_fakecam_reply_json(reply, b);
}

static gboolean
nvr_fakecam_reolink_authorized(NvrFakecamVendor *self, GHashTable *params)
{
	const gchar *token = g_hash_table_lookup(params, "token");
	gint64 *expiry = token != NULL ? g_hash_table_lookup(self->tokens, token) : NULL;

	if (self->dev->password == NULL)
		return TRUE;
	if (expiry != NULL && *expiry > g_get_monotonic_time())
		return TRUE;
	return g_hash_table_contains(params, "password") &&
	       nvr_fakecam_reolink_credentials_ok(self->dev,
						  g_hash_table_lookup(params, "user"),
						  g_hash_table_lookup(params, "password"));
}

/* POST /api.cgi?cmd=X[&token=T | &user=U&password=P], body [{"cmd":"X",...}] */
static gboolean
nvr_fakecam_reolink(NvrFakecamVendor *self, const gchar *path, GHashTable *params,
		    const gchar *body, gsize len, NvrFakecamReply *reply)
{
	const gchar *cmd = g_hash_table_lookup(params, "cmd");

	if (g_strcmp0(path, "/api.cgi") != 0 && g_strcmp0(path, "/cgi-bin/api.cgi") != 0)
		return FALSE;
	if (cmd == NULL) {
		nvr_fakecam_reolink_error(reply, "Unknown", -4, "param error");
		return TRUE;
	}
	if (g_strcmp0(cmd, "Login") == 0) {
		nvr_fakecam_reolink_login(self, body, len, reply);
		return TRUE;
	}
	if (!nvr_fakecam_reolink_authorized(self, params)) {
		nvr_fakecam_reolink_error(reply, cmd, -6, "please login first");
		return TRUE;
	}
	if (g_strcmp0(cmd, "Logout") == 0) {
		const gchar *token = g_hash_table_lookup(params, "token");
		g_autoptr(JsonBuilder) b = json_builder_new();
		if (token != NULL)
			g_hash_table_remove(self->tokens, token);
		nvr_fakecam_reolink_begin(b, "Logout", 0);
		nvr_fakecam_reolink_end(b);
		nvr_fakecam_reply_json(reply, b);
	} else if (g_strcmp0(cmd, "GetDevInfo") == 0) {
		nvr_fakecam_reolink_dev_info(self->dev, reply);
	} else if (g_strcmp0(cmd, "Snap") == 0) {
		nvr_fakecam_reply_jpeg(self, reply);
	} else {
		nvr_fakecam_reolink_error(reply, cmd, -9, "not support");
	}
	return TRUE;
}

/* ---- dispatch ------------------------------------------------------------ */

static GHashTable *
nvr_fakecam_query_parse(const gchar *query)
{
	GHashTable *params = NULL;

	if (query != NULL)
		params = g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, NULL);
	return params != NULL ? params : g_hash_table_new(g_str_hash, g_str_equal);
}

/**
 * nvr_fakecam_vendor_handle:
 * @query: (nullable): the raw query string
 * @body: (nullable): the request body (untrusted)
 * @reply: (out caller-allocates): filled when this returns TRUE
 *
 * Returns: TRUE if @path belongs to the persona's vendor API or snapshot
 * URLs (the reply may still be an error), FALSE to let the caller answer 404
 */
gboolean
nvr_fakecam_vendor_handle(NvrFakecamVendor *self,
			  const gchar *method,
			  const gchar *path,
			  const gchar *query,
			  const gchar *body,
			  gsize len,
			  NvrFakecamReply *reply)
{
	g_autoptr(GHashTable) params = nvr_fakecam_query_parse(query);

	switch (self->dev->persona->id) {
	case NVR_FAKECAM_PERSONA_HIKVISION:
		return nvr_fakecam_hikvision(self, method, path, reply);
	case NVR_FAKECAM_PERSONA_DAHUA:
	case NVR_FAKECAM_PERSONA_AMCREST:
		return nvr_fakecam_dahua(self, path, params, reply);
	case NVR_FAKECAM_PERSONA_AXIS:
		return nvr_fakecam_axis(self, method, path, params, body, len, reply);
	case NVR_FAKECAM_PERSONA_REOLINK:
		return nvr_fakecam_reolink(self, path, params, body, len, reply);
	case NVR_FAKECAM_PERSONA_GENERIC:
		if (g_strcmp0(path, "/snapshot.jpg") == 0) {
			nvr_fakecam_reply_jpeg(self, reply);
			return TRUE;
		}
		return FALSE;
	case NVR_FAKECAM_PERSONA_LAST:
		break;
	}
	return FALSE;
}
