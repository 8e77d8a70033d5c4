#include "config.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "nvr-hikvision-parse.h"
#include "nvr-plugin-util.h"

#define NVR_HIKVISION_FIELD_MAX 256

static const struct {
	NvrHikvisionNamespace ns;
	const gchar *uri;
	const gchar *name;
} nvr_hikvision_namespaces[] = {
	{NVR_HIKVISION_NS_HIKVISION, "http://www.hikvision.com/ver20/XMLSchema", "hikvision.com/ver20"},
	{NVR_HIKVISION_NS_ISAPI, "http://www.isapi.org/ver20/XMLSchema", "isapi.org/ver20"},
	{NVR_HIKVISION_NS_STD_CGI, "http://www.std-cgi.com/ver20/XMLSchema", "std-cgi.com/ver20"},
	{NVR_HIKVISION_NS_PSIA, "urn:psialliance-org", "psialliance-org"},
	/* ISAPI 1.0, on firmware before the ver20 schema (V5.3 and older cameras, NVRs of the time) */
	{NVR_HIKVISION_NS_HIKVISION, "http://www.hikvision.com/ver10/XMLSchema", "hikvision.com/ver10"},
	{NVR_HIKVISION_NS_STD_CGI, "http://www.std-cgi.com/ver10/XMLSchema", "std-cgi.com/ver10"},
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

void
nvr_hikvision_device_info_free(NvrHikvisionDeviceInfo *self)
{
	if (self == NULL)
		return;
	g_free(self->ns_uri);
	g_free(self->device_name);
	g_free(self->model);
	g_free(self->serial);
	g_free(self->mac);
	g_free(self->firmware);
	g_free(self->firmware_date);
	g_free(self->device_type);
	g_free(self->manufacturer);
	g_free(self->oem_code);
	g_free(self->telecontrol_id);
	g_free(self->system_contact);
	g_free(self->device_id);
	g_free(self);
}

static gboolean
nvr_hikvision_fail(GError **error, const gchar *what)
{
	g_set_error(error, NVR_PLUGIN_ERROR, NVR_PLUGIN_ERROR_PARSE, "ISAPI deviceInfo: %s", what);
	return FALSE;
}

/* the text of the child element @name of @root (any namespace: it is the root's) */
static gchar *
nvr_hikvision_child_text(xmlNode *root, const gchar *name)
{
	for (xmlNode *n = root->children; n != NULL; n = n->next) {
		g_autofree gchar *raw = NULL;
		xmlChar *content;
		if (n->type != XML_ELEMENT_NODE || g_strcmp0((const gchar *)n->name, name) != 0)
			continue;
		content = xmlNodeGetContent(n);
		raw = g_strdup((const gchar *)content);
		xmlFree(content);
		return nvr_plugin_text_clean(raw, -1, NVR_HIKVISION_FIELD_MAX);
	}
	return NULL;
}

/* namespace names are exact in XML, but firmware is not: case and a trailing slash vary */
static gboolean
nvr_hikvision_uri_equal(const gchar *uri, const gchar *known)
{
	gsize len = strlen(known);

	return g_ascii_strncasecmp(uri, known, len) == 0 &&
	       (uri[len] == '\0' || (uri[len] == '/' && uri[len + 1] == '\0'));
}

static gboolean
nvr_hikvision_namespace(xmlNode *root, NvrHikvisionDeviceInfo *info, GError **error)
{
	const gchar *uri = root->ns != NULL ? (const gchar *)root->ns->href : NULL;

	for (guint i = 0; uri != NULL && i < G_N_ELEMENTS(nvr_hikvision_namespaces); i++) {
		if (nvr_hikvision_uri_equal(uri, nvr_hikvision_namespaces[i].uri)) {
			info->ns = nvr_hikvision_namespaces[i].ns;
			info->ns_name = nvr_hikvision_namespaces[i].name;
			info->ns_uri = g_strdup(uri);
			return TRUE;
		}
	}
	return nvr_hikvision_fail(error, uri == NULL ? "no namespace" : "not an ISAPI or PSIA namespace");
}

static void
nvr_hikvision_read_fields(xmlNode *root, NvrHikvisionDeviceInfo *info)
{
	info->device_name = nvr_hikvision_child_text(root, "deviceName");
	info->model = nvr_hikvision_child_text(root, "model");
	info->serial = nvr_hikvision_child_text(root, "serialNumber");
	info->mac = nvr_hikvision_child_text(root, "macAddress");
	info->firmware = nvr_hikvision_child_text(root, "firmwareVersion");
	info->firmware_date = nvr_hikvision_child_text(root, "firmwareReleasedDate");
	info->device_type = nvr_hikvision_child_text(root, "deviceType");
	info->manufacturer = nvr_hikvision_child_text(root, "manufacturer");
	info->oem_code = nvr_hikvision_child_text(root, "OEMCode");
	info->telecontrol_id = nvr_hikvision_child_text(root, "telecontrolID");
	info->system_contact = nvr_hikvision_child_text(root, "systemContact");
	info->device_id = nvr_hikvision_child_text(root, "deviceID");
}

/*
 * The declared encoding is libxml2's to honour. Firmware that puts a user's
 * Latin-1 text (a device name with accents) into a reply that declares UTF-8
 * or nothing is read again as ISO-8859-1, which every byte string is.
 */
static xmlDoc *
nvr_hikvision_read(const gchar *data, gsize len)
{
	/* no XML_PARSE_NOENT, no DTD loading, no network */
	const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
	xmlDoc *doc = xmlReadMemory(data, (int)len, "deviceInfo.xml", NULL, options);

	if (doc == NULL && !g_utf8_validate_len(data, len, NULL))
		doc = xmlReadMemory(data, (int)len, "deviceInfo.xml", "ISO-8859-1", options);
	return doc;
}

/**
 * nvr_hikvision_parse_device_info:
 *
 * Returns: (transfer full): the fields, or NULL with @error for anything
 * that is not a DeviceInfo in an ISAPI or PSIA namespace with a model
 */
NvrHikvisionDeviceInfo *
nvr_hikvision_parse_device_info(const gchar *data, gsize len, GError **error)
{
	g_autoptr(NvrHikvisionDeviceInfo) info = g_new0(NvrHikvisionDeviceInfo, 1);
	g_autoptr(xmlDoc) doc = NULL;
	xmlNode *root;

	if (data == NULL || len == 0 || len > NVR_HIKVISION_DEVICE_INFO_MAX) {
		nvr_hikvision_fail(error, "empty or larger than 256 KiB");
		return NULL;
	}
	/* ISAPI has no DTD: one is refused before libxml2 reads it, so no entity is ever declared */
	if (g_strstr_len(data, (gssize)len, "<!DOCTYPE") != NULL ||
	    g_strstr_len(data, (gssize)len, "<!ENTITY") != NULL) {
		nvr_hikvision_fail(error, "a DTD is not accepted");
		return NULL;
	}
	/* nothing may come before the XML declaration, but a BOM and a line end do */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	while (len > 1 && g_ascii_isspace(*data)) {
		data++;
		len--;
	}
	doc = nvr_hikvision_read(data, len);
	if (doc == NULL) {
		nvr_hikvision_fail(error, "malformed XML");
		return NULL;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		nvr_hikvision_fail(error, "a DTD is not accepted");
		return NULL;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || g_strcmp0((const gchar *)root->name, "DeviceInfo") != 0) {
		nvr_hikvision_fail(error, "root element is not DeviceInfo");
		return NULL;
	}
	if (!nvr_hikvision_namespace(root, info, error))
		return NULL;
	nvr_hikvision_read_fields(root, info);
	if (info->model == NULL) {
		nvr_hikvision_fail(error, "no model");
		return NULL;
	}
	return g_steal_pointer(&info);
}

/* OEM Hikvision: brand-neutral namespace, STD-CGI contact, or another manufacturer */
gboolean
nvr_hikvision_device_info_is_oem(const NvrHikvisionDeviceInfo *self)
{
	return self->ns == NVR_HIKVISION_NS_STD_CGI || g_strcmp0(self->system_contact, "STD-CGI") == 0 ||
	       (self->manufacturer != NULL && g_ascii_strcasecmp(self->manufacturer, "hikvision") != 0);
}
