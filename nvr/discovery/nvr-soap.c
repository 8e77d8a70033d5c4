#include "config.h"

#include <libxml/parser.h>
#include <stdarg.h>
#include <string.h>

#include "core/nvr-error.h"
#include "nvr-discovery-text.h"
#include "nvr-soap.h"

struct _NvrSoapDoc {
	xmlDoc *doc;
	xmlNode *header; /* nullable */
	xmlNode *body;
};

static const gchar *const nvr_soap_ns_envelope[] = {
	"http://www.w3.org/2003/05/soap-envelope",
	"http://schemas.xmlsoap.org/soap/envelope/",
	NULL,
};
static const gchar *const nvr_soap_ns_addressing[] = {
	"http://schemas.xmlsoap.org/ws/2004/08/addressing",
	"http://www.w3.org/2005/08/addressing",
	NULL,
};
static const gchar *const nvr_soap_ns_discovery[] = {
	"http://schemas.xmlsoap.org/ws/2005/04/discovery",
	"http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01",
	NULL,
};

/* fault codes that mean "your credentials (or their timestamp) were refused" */
static const gchar *const nvr_soap_auth_faults[] = {
	"NotAuthorized",
	"FailedAuthentication",
	"InvalidSecurity",
	"InvalidSecurityToken",
	"SecurityTokenUnavailable",
	"FailedCheck",
	"MessageExpired",
	NULL,
};
static const gchar *const nvr_soap_unsupported_faults[] = {
	"ActionNotSupported", "NoSuchService", "ServiceNotSupported", "NotImplemented", NULL,
};

static void
nvr_soap_init_once(void)
{
	static gsize done = 0;

	if (g_once_init_enter(&done)) {
		xmlInitParser(); /* libxml2's global state is set up once, before any thread uses it
				  */
		g_once_init_leave(&done, 1);
	}
}

void
nvr_soap_doc_free(NvrSoapDoc *self)
{
	if (self == NULL)
		return;
	xmlFreeDoc(self->doc);
	g_free(self);
}

xmlNode *
nvr_soap_doc_get_header(NvrSoapDoc *self)
{
	return self->header;
}

xmlNode *
nvr_soap_doc_get_body(NvrSoapDoc *self)
{
	return self->body;
}

/**
 * nvr_soap_node_local_name:
 *
 * For an element whose prefix was never declared libxml2 keeps the whole
 * "prefix:name" as the name and no namespace; the local name is what
 * follows the colon.
 */
const gchar *
nvr_soap_node_local_name(xmlNode *node)
{
	const gchar *name = (const gchar *)node->name;
	const gchar *colon;

	if (name == NULL)
		return "";
	if (node->ns == NULL && (colon = strrchr(name, ':')) != NULL)
		return colon + 1;
	return name;
}

static gboolean
nvr_soap_ns_in(const gchar *href, const gchar *const *list)
{
	for (guint i = 0; list[i] != NULL; i++) {
		if (g_strcmp0(href, list[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean
nvr_soap_ns_matches(xmlNode *node, NvrSoapNs ns)
{
	const gchar *href;

	/* no namespace at all, or an undeclared prefix: the local name decides */
	if (ns == NVR_SOAP_NS_ANY || node->ns == NULL || node->ns->href == NULL)
		return TRUE;
	href = (const gchar *)node->ns->href;
	switch (ns) {
	case NVR_SOAP_NS_ENVELOPE:
		return nvr_soap_ns_in(href, nvr_soap_ns_envelope);
	case NVR_SOAP_NS_ONVIF:
		/* ONVIF elements written unprefixed under a foreign default namespace (the
		 * envelope's, declared as xmlns="…soap-envelope") are still ONVIF's: only a
		 * prefixed element bound to another namespace is not */
		return g_str_has_prefix(href, "http://www.onvif.org/") || node->ns->prefix == NULL;
	case NVR_SOAP_NS_ADDRESSING:
		return nvr_soap_ns_in(href, nvr_soap_ns_addressing);
	case NVR_SOAP_NS_DISCOVERY:
		return nvr_soap_ns_in(href, nvr_soap_ns_discovery);
	case NVR_SOAP_NS_ANY:
		break;
	}
	return TRUE;
}

gboolean
nvr_soap_node_is(xmlNode *node, const gchar *local_name, NvrSoapNs ns)
{
	return node != NULL && node->type == XML_ELEMENT_NODE &&
	       g_strcmp0(nvr_soap_node_local_name(node), local_name) == 0 &&
	       nvr_soap_ns_matches(node, ns);
}

/* Returns: (transfer none) (nullable): the first element from @node on that matches */
static xmlNode *
nvr_soap_node_find_from(xmlNode *node, const gchar *local_name, NvrSoapNs ns)
{
	for (; node != NULL; node = node->next) {
		if (nvr_soap_node_is(node, local_name, ns))
			return node;
	}
	return NULL;
}

/* Returns: (transfer none) (nullable): the first child element of @parent that matches */
xmlNode *
nvr_soap_node_child(xmlNode *parent, const gchar *local_name, NvrSoapNs ns)
{
	if (parent == NULL)
		return NULL;
	return nvr_soap_node_find_from(parent->children, local_name, ns);
}

/* Returns: (transfer none) (nullable): the next sibling of @node that matches */
xmlNode *
nvr_soap_node_next(xmlNode *node, const gchar *local_name, NvrSoapNs ns)
{
	if (node == NULL)
		return NULL;
	return nvr_soap_node_find_from(node->next, local_name, ns);
}

/**
 * nvr_soap_node_path:
 * @parent: (nullable): where to start
 * @ns: the namespace family of every step
 * @...: local names, NULL-terminated
 *
 * Returns: (transfer none) (nullable): the element reached by following
 * the first matching child at each step
 */
xmlNode *
nvr_soap_node_path(xmlNode *parent, NvrSoapNs ns, ...)
{
	va_list ap;
	const gchar *name;
	xmlNode *node = parent;

	va_start(ap, ns);
	while (node != NULL && (name = va_arg(ap, const gchar *)) != NULL)
		node = nvr_soap_node_child(node, name, ns);
	va_end(ap);
	return node;
}

/* Returns: (transfer full) (nullable): all text under @node, or NULL if it is longer than @cap */
static gchar *
nvr_soap_node_content(xmlNode *node, gsize cap)
{
	xmlChar *content;
	gchar *copy = NULL;

	if (node == NULL)
		return NULL;
	content = xmlNodeGetContent(node);
	if (content != NULL && strlen((const gchar *)content) <= cap)
		copy = g_strdup((const gchar *)content);
	xmlFree(content);
	return copy;
}

/**
 * nvr_soap_node_dup_raw:
 *
 * For values that must be exact (URIs, tokens, numbers): the text of
 * @node with surrounding whitespace trimmed.
 *
 * Returns: (transfer full) (nullable): the text, or NULL if absent, empty or
 * longer than @max_bytes (which a caller must treat as absent, not truncate)
 */
gchar *
nvr_soap_node_dup_raw(xmlNode *node, gsize max_bytes)
{
	/* whitespace around a value is allowed; a megabyte of it is not */
	g_autofree gchar *text = nvr_soap_node_content(node, max_bytes + 256);

	if (text == NULL)
		return NULL;
	g_strstrip(text);
	if (text[0] == '\0' || strlen(text) > max_bytes)
		return NULL;
	return g_steal_pointer(&text);
}

/**
 * nvr_soap_node_dup_text:
 *
 * For identity strings: cleaned and cut to @max_bytes by
 * nvr_discovery_text_clean().
 *
 * Returns: (transfer full) (nullable): the text, or NULL if absent or empty
 */
gchar *
nvr_soap_node_dup_text(xmlNode *node, gsize max_bytes)
{
	xmlChar *content;
	gchar *text;

	if (node == NULL)
		return NULL;
	content = xmlNodeGetContent(node);
	if (content == NULL)
		return NULL;
	text = nvr_discovery_text_clean((const gchar *)content, -1, max_bytes);
	xmlFree(content);
	return text;
}

/* Returns: (transfer full) (nullable): the trimmed value of the attribute named @local_name */
gchar *
nvr_soap_node_dup_attr(xmlNode *node, const gchar *local_name, gsize max_bytes)
{
	if (node == NULL)
		return NULL;
	for (xmlAttr *attr = node->properties; attr != NULL; attr = attr->next) {
		const gchar *name = (const gchar *)attr->name;
		const gchar *colon = strrchr(name, ':');
		xmlChar *value;
		gchar *copy = NULL;

		if (g_strcmp0(colon != NULL ? colon + 1 : name, local_name) != 0)
			continue;
		value = xmlNodeListGetString(node->doc, attr->children, 1);
		if (value != NULL && strlen((const gchar *)value) <= max_bytes) {
			copy = g_strstrip(g_strdup((const gchar *)value));
			if (copy[0] == '\0')
				g_clear_pointer(&copy, g_free);
		}
		xmlFree(value);
		return copy;
	}
	return NULL;
}

gboolean
nvr_soap_node_get_uint(xmlNode *node, guint max, guint *value)
{
	g_autofree gchar *text = nvr_soap_node_dup_raw(node, 32);
	guint64 v = 0;

	if (text == NULL || !g_ascii_string_to_unsigned(text, 10, 0, max, &v, NULL))
		return FALSE;
	*value = (guint)v;
	return TRUE;
}

gboolean
nvr_soap_node_get_bool(xmlNode *node, gboolean *value)
{
	g_autofree gchar *text = nvr_soap_node_dup_raw(node, 16);

	if (g_strcmp0(text, "true") == 0 || g_strcmp0(text, "1") == 0)
		*value = TRUE;
	else if (g_strcmp0(text, "false") == 0 || g_strcmp0(text, "0") == 0)
		*value = FALSE;
	else
		return FALSE;
	return TRUE;
}

/* the checks that must pass before a byte reaches libxml2 */
static gboolean
nvr_soap_check_bytes(const gchar *data, gsize len, GError **error)
{
	if (len == 0) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "empty reply");
		return FALSE;
	}
	if (len > NVR_SOAP_MAX_BYTES) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE,
			    "reply of %" G_GSIZE_FORMAT " bytes is larger than %u", len,
			    (guint)NVR_SOAP_MAX_BYTES);
		return FALSE;
	}
	/* NUL bytes are UTF-16 or binary; with them gone and UTF-8 forced below (Latin-1 converted
	 * to it first) there is no other encoding for markup to hide in */
	if (memchr(data, '\0', len) != NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "reply contains NUL bytes");
		return FALSE;
	}
	/* SOAP forbids a DTD; without one there are no entities to expand and nothing to fetch */
	if (g_strstr_len(data, (gssize)len, "<!DOCTYPE") != NULL ||
	    g_strstr_len(data, (gssize)len, "<!ENTITY") != NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE,
				    "reply has a document type declaration, which SOAP forbids");
		return FALSE;
	}
	return TRUE;
}

/*
 * XML allows nothing before its declaration, but some camera web servers
 * print a line end (after a BOM, if any) before the envelope, and libxml2
 * then refuses the whole reply; what it skips is whitespace, so no content
 * is lost and nothing can hide in it
 */
static void
nvr_soap_skip_leading_space(const gchar **data, gsize *len)
{
	gsize i = *len >= 3 && memcmp(*data, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	gsize start = i;

	while (i < *len && g_ascii_isspace((*data)[i]))
		i++;
	if (i == start || i == *len)
		return;
	*data += i;
	*len -= i;
}

/*
 * SOAP is UTF-8, but firmware that puts Latin-1 text (a user-set name or
 * location) into a reply, declared as ISO-8859-1 or not declared, lost the
 * whole reply to one accented letter. Such a reply is read as ISO-8859-1,
 * which every byte string is, and converted, so libxml2 still reads UTF-8
 * only; markup is ASCII and stays what the checks above saw.
 *
 * Returns: (transfer full) (nullable): the converted reply, NULL if it was UTF-8
 */
static gchar *
nvr_soap_latin1_to_utf8(const gchar *data, gsize len, gsize *out_len)
{
	if (g_utf8_validate_len(data, len, NULL))
		return NULL;
	return g_convert(data, (gssize)len, "UTF-8", "ISO-8859-1", NULL, out_len, NULL);
}

static xmlDoc *
nvr_soap_read_xml(const gchar *data, gsize len, GError **error)
{
	xmlParserCtxt *ctxt;
	xmlDoc *doc;

	nvr_soap_init_once();
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_FAILED, "out of memory");
		return NULL;
	}
	/* no XML_PARSE_NOENT, DTDLOAD, DTDATTR or HUGE: entities stay unexpanded and depth capped
	 */
	doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, "UTF-8",
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					XML_PARSE_NOCDATA);
	if (doc == NULL) {
		const xmlError *xerr = xmlCtxtGetLastError(ctxt);
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE,
			    "malformed XML (line %d, libxml2 error %d)",
			    xerr != NULL ? xerr->line : 0, xerr != NULL ? xerr->code : 0);
	} else if (doc->intSubset != NULL || doc->extSubset != NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "reply has a DTD");
		g_clear_pointer(&doc, xmlFreeDoc);
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

static gchar *
nvr_soap_fault_codes(xmlNode *code)
{
	g_autoptr(GString) codes = g_string_new(NULL);

	/* Code/Value, then Subcode/Value, Subcode/Subcode/Value...; bounded by the parser's depth
	 * cap */
	for (guint depth = 0; code != NULL && depth < 8; depth++) {
		g_autofree gchar *value = nvr_soap_node_dup_text(
			nvr_soap_node_child(code, "Value", NVR_SOAP_NS_ENVELOPE),
			NVR_DISCOVERY_TEXT_MAX / 2);
		if (value != NULL)
			g_string_append_printf(codes, "%s%s", codes->len > 0 ? " " : "", value);
		code = nvr_soap_node_child(code, "Subcode", NVR_SOAP_NS_ENVELOPE);
	}
	if (codes->len == 0)
		return NULL;
	return g_string_free(g_steal_pointer(&codes), FALSE);
}

static gboolean
nvr_soap_codes_contain(const gchar *codes, const gchar *const *names)
{
	g_auto(GStrv) words = g_strsplit(codes != NULL ? codes : "", " ", -1);

	for (guint i = 0; words[i] != NULL; i++) {
		const gchar *colon = strrchr(words[i], ':');
		if (g_strv_contains(names, colon != NULL ? colon + 1 : words[i]))
			return TRUE;
	}
	return FALSE;
}

/* sets @error from a SOAP 1.2 or 1.1 Fault element */
static void
nvr_soap_fault_to_error(xmlNode *fault, GError **error)
{
	g_autofree gchar *codes = NULL;
	g_autofree gchar *reason = NULL;
	gint code = NVR_ERROR_FAILED;

	codes = nvr_soap_fault_codes(nvr_soap_node_child(fault, "Code", NVR_SOAP_NS_ENVELOPE));
	reason = nvr_soap_node_dup_text(
		nvr_soap_node_path(fault, NVR_SOAP_NS_ENVELOPE, "Reason", "Text", NULL),
		NVR_DISCOVERY_TEXT_MAX);
	if (codes == NULL) /* SOAP 1.1: unqualified faultcode and faultstring */
		codes = nvr_soap_node_dup_text(
			nvr_soap_node_child(fault, "faultcode", NVR_SOAP_NS_ANY),
			NVR_DISCOVERY_TEXT_MAX / 2);
	if (reason == NULL)
		reason = nvr_soap_node_dup_text(
			nvr_soap_node_child(fault, "faultstring", NVR_SOAP_NS_ANY),
			NVR_DISCOVERY_TEXT_MAX);
	if (nvr_soap_codes_contain(codes, nvr_soap_auth_faults))
		code = NVR_ERROR_AUTH;
	else if (nvr_soap_codes_contain(codes, nvr_soap_unsupported_faults))
		code = NVR_ERROR_NOT_SUPPORTED;
	g_set_error(error, NVR_ERROR, code, "SOAP fault %s: %s",
		    codes != NULL ? codes : "(no code)", reason != NULL ? reason : "(no reason)");
}

static xmlNode *
nvr_soap_first_element(xmlNode *node)
{
	for (; node != NULL; node = node->next) {
		if (node->type == XML_ELEMENT_NODE)
			return node;
	}
	return NULL;
}

/**
 * nvr_soap_doc_parse:
 * @data: a reply body, untrusted
 * @len: its length
 *
 * A reply whose Body holds a Fault is an error: NVR_ERROR_AUTH for refused
 * credentials, NVR_ERROR_NOT_SUPPORTED for an unknown action, else
 * NVR_ERROR_FAILED, with the fault's codes and reason in the message.
 *
 * Returns: (transfer full): the envelope, or NULL with NVR_ERROR_PARSE
 */
NvrSoapDoc *
nvr_soap_doc_parse(const gchar *data, gsize len, GError **error)
{
	g_autoptr(NvrSoapDoc) self = NULL;
	xmlNode *root;
	xmlNode *fault;
	g_autofree gchar *utf8 = NULL;
	gsize utf8_len = 0;

	if (!nvr_soap_check_bytes(data, len, error))
		return NULL;
	utf8 = nvr_soap_latin1_to_utf8(data, len, &utf8_len);
	if (utf8 != NULL) {
		data = utf8;
		len = utf8_len;
	}
	nvr_soap_skip_leading_space(&data, &len);
	self = g_new0(NvrSoapDoc, 1);
	self->doc = nvr_soap_read_xml(data, len, error);
	if (self->doc == NULL)
		return NULL;
	root = xmlDocGetRootElement(self->doc);
	if (!nvr_soap_node_is(root, "Envelope", NVR_SOAP_NS_ENVELOPE)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE,
				    "reply is not a SOAP envelope");
		return NULL;
	}
	self->header = nvr_soap_node_child(root, "Header", NVR_SOAP_NS_ENVELOPE);
	self->body = nvr_soap_node_child(root, "Body", NVR_SOAP_NS_ENVELOPE);
	if (self->body == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "SOAP envelope has no Body");
		return NULL;
	}
	fault = nvr_soap_first_element(self->body->children);
	if (nvr_soap_node_is(fault, "Fault", NVR_SOAP_NS_ENVELOPE)) {
		nvr_soap_fault_to_error(fault, error);
		return NULL;
	}
	return g_steal_pointer(&self);
}

/* Returns: (transfer none): the Body's child @local_name, or NULL with NVR_ERROR_PARSE */
xmlNode *
nvr_soap_doc_get_body_child(NvrSoapDoc *self, const gchar *local_name, NvrSoapNs ns, GError **error)
{
	xmlNode *node = nvr_soap_node_child(self->body, local_name, ns);

	if (node == NULL)
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "reply has no %s", local_name);
	return node;
}
