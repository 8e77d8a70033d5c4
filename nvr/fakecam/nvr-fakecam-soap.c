#include "config.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "core/nvr-error.h"
#include "fakecam/nvr-fakecam-soap.h"

#define NVR_FAKECAM_SOAP_MAX_TEXT 4096 /* longer header or parameter text is cut */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

void
nvr_fakecam_soap_request_free(NvrFakecamSoapRequest *req)
{
	if (req == NULL)
		return;
	g_free(req->action);
	g_free(req->action_ns);
	g_free(req->wsa_action);
	g_free(req->message_id);
	g_free(req->username);
	g_free(req->password);
	g_free(req->nonce);
	g_free(req->created);
	g_free(req->profile_token);
	g_free(req->types);
	g_free(req->scopes);
	g_free(req);
}

static gboolean
nvr_fakecam_xml_is(xmlNode *node, const gchar *name)
{
	return node->type == XML_ELEMENT_NODE && g_strcmp0((const gchar *)node->name, name) == 0;
}

/* Returns: (transfer full): the text of @node, stripped and bounded */
static gchar *
nvr_fakecam_xml_text(xmlNode *node)
{
	xmlChar *content = xmlNodeGetContent(node);
	gchar *text;

	if (content == NULL)
		return g_strdup("");
	text = g_utf8_make_valid((const gchar *)content, -1);
	xmlFree(content);
	if (strlen(text) > NVR_FAKECAM_SOAP_MAX_TEXT)
		text[NVR_FAKECAM_SOAP_MAX_TEXT] = '\0';
	return g_strstrip(text);
}

/* first wins: a repeated element does not replace what was read */
static void
nvr_fakecam_xml_take_text(gchar **field, xmlNode *node)
{
	if (*field == NULL)
		*field = nvr_fakecam_xml_text(node);
}

static void
nvr_fakecam_soap_parse_token(NvrFakecamSoapRequest *req, xmlNode *token)
{
	req->has_token = TRUE;
	for (xmlNode *n = token->children; n != NULL; n = n->next) {
		if (nvr_fakecam_xml_is(n, "Username")) {
			nvr_fakecam_xml_take_text(&req->username, n);
		} else if (nvr_fakecam_xml_is(n, "Password") && req->password == NULL) {
			xmlChar *type = xmlGetProp(n, (const xmlChar *)"Type");
			req->password_is_digest =
			    type != NULL && g_str_has_suffix((const gchar *)type, "#PasswordDigest");
			xmlFree(type);
			req->password = nvr_fakecam_xml_text(n);
		} else if (nvr_fakecam_xml_is(n, "Nonce")) {
			nvr_fakecam_xml_take_text(&req->nonce, n);
		} else if (nvr_fakecam_xml_is(n, "Created")) {
			nvr_fakecam_xml_take_text(&req->created, n);
		}
	}
}

static void
nvr_fakecam_soap_parse_header(NvrFakecamSoapRequest *req, xmlNode *header)
{
	for (xmlNode *n = header->children; n != NULL; n = n->next) {
		if (nvr_fakecam_xml_is(n, "MessageID")) {
			nvr_fakecam_xml_take_text(&req->message_id, n);
		} else if (nvr_fakecam_xml_is(n, "Action")) {
			nvr_fakecam_xml_take_text(&req->wsa_action, n);
		} else if (nvr_fakecam_xml_is(n, "Security")) {
			for (xmlNode *t = n->children; t != NULL; t = t->next) {
				if (nvr_fakecam_xml_is(t, "UsernameToken") && !req->has_token)
					nvr_fakecam_soap_parse_token(req, t);
			}
		}
	}
}

static gboolean
nvr_fakecam_soap_parse_body(NvrFakecamSoapRequest *req, xmlNode *body, GError **error)
{
	xmlNode *op = body->children;

	while (op != NULL && op->type != XML_ELEMENT_NODE)
		op = op->next;
	if (op == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "empty SOAP Body");
		return FALSE;
	}
	req->action = g_strndup((const gchar *)op->name, 256);
	if (op->ns != NULL && op->ns->href != NULL)
		req->action_ns = g_strndup((const gchar *)op->ns->href, 1024);
	for (xmlNode *n = op->children; n != NULL; n = n->next) {
		if (nvr_fakecam_xml_is(n, "ProfileToken"))
			nvr_fakecam_xml_take_text(&req->profile_token, n);
		else if (nvr_fakecam_xml_is(n, "Types"))
			nvr_fakecam_xml_take_text(&req->types, n);
		else if (nvr_fakecam_xml_is(n, "Scopes"))
			nvr_fakecam_xml_take_text(&req->scopes, n);
	}
	return TRUE;
}

static xmlDoc *
nvr_fakecam_soap_read(const gchar *data, gsize len, GError **error)
{
	xmlDoc *doc;

	if (len == 0 || len > NVR_FAKECAM_SOAP_MAX_REQUEST) {
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_PARSE,
			    "request of %" G_GSIZE_FORMAT " bytes",
			    len);
		return NULL;
	}
	/* no network, no entity substitution, no noise on stderr */
	doc = xmlReadMemory(data,
			    (int)len,
			    "request.xml",
			    NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "not well-formed XML");
		return NULL;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL) { /* SOAP forbids a DTD */
		xmlFreeDoc(doc);
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "a DTD in a SOAP message");
		return NULL;
	}
	return doc;
}

/**
 * nvr_fakecam_soap_parse:
 * @data: the request body (untrusted)
 *
 * Reads the parts of a SOAP 1.2 (or 1.1) request that the simulator acts
 * on. Element names are matched by local name: real clients, and some
 * cameras, are loose with namespace prefixes.
 *
 * Returns: (transfer full): the request, or NULL with @error (NVR_ERROR_PARSE)
 */
NvrFakecamSoapRequest *
nvr_fakecam_soap_parse(const gchar *data, gsize len, GError **error)
{
	g_autoptr(xmlDoc) doc = nvr_fakecam_soap_read(data, len, error);
	g_autoptr(NvrFakecamSoapRequest) req = NULL;
	xmlNode *root, *body = NULL;
	const gchar *ns;

	if (doc == NULL)
		return NULL;
	root = xmlDocGetRootElement(doc);
	ns = root != NULL && root->ns != NULL ? (const gchar *)root->ns->href : NULL;
	if (root == NULL || !nvr_fakecam_xml_is(root, "Envelope") ||
	    (g_strcmp0(ns, NVR_FAKECAM_NS_SOAP12) != 0 && g_strcmp0(ns, NVR_FAKECAM_NS_SOAP11) != 0)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "not a SOAP envelope");
		return NULL;
	}
	req = g_new0(NvrFakecamSoapRequest, 1);
	req->soap11 = g_strcmp0(ns, NVR_FAKECAM_NS_SOAP11) == 0;
	for (xmlNode *n = root->children; n != NULL; n = n->next) {
		if (nvr_fakecam_xml_is(n, "Header"))
			nvr_fakecam_soap_parse_header(req, n);
		else if (nvr_fakecam_xml_is(n, "Body") && body == NULL)
			body = n;
	}
	if (body == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "no SOAP Body");
		return NULL;
	}
	if (!nvr_fakecam_soap_parse_body(req, body, error))
		return NULL;
	return g_steal_pointer(&req);
}

/* Returns: (transfer full): Base64(SHA1(nonce + created + password)) */
gchar *
nvr_fakecam_soap_password_digest(const guint8 *nonce,
				 gsize nonce_len,
				 const gchar *created,
				 const gchar *password)
{
	g_autoptr(GChecksum) sha1 = g_checksum_new(G_CHECKSUM_SHA1);
	guint8 digest[20];
	gsize digest_len = sizeof(digest);

	g_checksum_update(sha1, nonce, (gssize)nonce_len);
	g_checksum_update(sha1, (const guchar *)created, -1);
	g_checksum_update(sha1, (const guchar *)password, -1);
	g_checksum_get_digest(sha1, digest, &digest_len);
	return g_base64_encode(digest, digest_len);
}

/**
 * nvr_fakecam_soap_check_token:
 *
 * Checks the WS-Security UsernameToken of @req against @user and
 * @password: PasswordDigest (Base64(SHA1(nonce + created + password))) or
 * PasswordText. Like many cameras, it does not check Created for freshness.
 *
 * Returns: TRUE if it matches, else FALSE with @error (NVR_ERROR_AUTH)
 */
gboolean
nvr_fakecam_soap_check_token(const NvrFakecamSoapRequest *req,
			     const gchar *user,
			     const gchar *password,
			     GError **error)
{
	g_autofree guint8 *nonce = NULL;
	g_autofree gchar *expected = NULL;
	gsize nonce_len = 0;
	gboolean ok;

	if (!req->has_token || req->username == NULL || req->password == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_AUTH, "no UsernameToken");
		return FALSE;
	}
	if (!req->password_is_digest) {
		ok = nvr_fakecam_str_equal_ct(req->username, user) &
		     nvr_fakecam_str_equal_ct(req->password, password);
	} else {
		if (req->nonce == NULL || req->created == NULL) {
			g_set_error_literal(error,
					    NVR_ERROR,
					    NVR_ERROR_AUTH,
					    "PasswordDigest without Nonce or Created");
			return FALSE;
		}
		nonce = g_base64_decode(req->nonce, &nonce_len);
		expected = nvr_fakecam_soap_password_digest(nonce, nonce_len, req->created, password);
		ok = nvr_fakecam_str_equal_ct(req->username, user) &
		     nvr_fakecam_str_equal_ct(req->password, expected);
	}
	if (!ok) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_AUTH, "wrong user or password");
		return FALSE;
	}
	return TRUE;
}

/**
 * nvr_fakecam_soap_open:
 * @header: (nullable): the content of env:Header, already XML
 *
 * Starts an envelope, declaring every prefix the simulator writes, in the
 * persona's style (Dahua's prolog and soap-encoding namespace).
 */
void
nvr_fakecam_soap_open(GString *s, const NvrFakecamPersona *persona, gboolean soap11,
		      const gchar *header)
{
	if (persona->dahua_soap)
		g_string_append(s, "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\" ?>\n");
	else
		g_string_append(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	g_string_append_printf(s,
			       "<env:Envelope xmlns:env=\"%s\"%s"
			       " xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\""
			       " xmlns:tt=\"http://www.onvif.org/ver10/schema\""
			       " xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\""
			       " xmlns:trt=\"http://www.onvif.org/ver10/media/wsdl\""
			       " xmlns:ter=\"http://www.onvif.org/ver10/error\""
			       " xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\""
			       " xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\""
			       " xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\">",
			       soap11 ? NVR_FAKECAM_NS_SOAP11 : NVR_FAKECAM_NS_SOAP12,
			       persona->dahua_soap
				   ? " xmlns:sc=\"http://www.w3.org/2003/05/soap-encoding\""
				   : "");
	if (header != NULL)
		g_string_append_printf(s, "<env:Header>%s</env:Header>", header);
	g_string_append(s, "<env:Body>");
}

void
nvr_fakecam_soap_close(GString *s)
{
	g_string_append(s, "</env:Body></env:Envelope>\n");
}

/**
 * nvr_fakecam_soap_fault:
 * @sender: env:Sender (the request was wrong) or env:Receiver
 * @subcode: e.g. "ter:NotAuthorized"
 * @subsubcode: (nullable): e.g. "ter:NoProfile"
 *
 * Returns: (transfer full): a complete fault envelope
 */
gchar *
nvr_fakecam_soap_fault(const NvrFakecamPersona *persona,
		       gboolean soap11,
		       gboolean sender,
		       const gchar *subcode,
		       const gchar *subsubcode,
		       const gchar *reason)
{
	g_autoptr(GString) s = g_string_new(NULL);
	g_autofree gchar *reason_esc = g_markup_escape_text(reason, -1);

	nvr_fakecam_soap_open(s, persona, soap11, NULL);
	if (soap11) {
		g_string_append_printf(s,
				       "<env:Fault><faultcode>env:%s</faultcode>"
				       "<faultstring>%s: %s</faultstring></env:Fault>",
				       sender ? "Client" : "Server",
				       subcode,
				       reason_esc);
	} else {
		g_string_append_printf(s,
				       "<env:Fault><env:Code><env:Value>env:%s</env:Value>"
				       "<env:Subcode><env:Value>%s</env:Value>",
				       sender ? "Sender" : "Receiver",
				       subcode);
		if (subsubcode != NULL)
			g_string_append_printf(s,
					       "<env:Subcode><env:Value>%s</env:Value></env:Subcode>",
					       subsubcode);
		g_string_append_printf(s,
				       "</env:Subcode></env:Code><env:Reason>"
				       "<env:Text xml:lang=\"en\">%s</env:Text></env:Reason></env:Fault>",
				       reason_esc);
	}
	nvr_fakecam_soap_close(s);
	return g_string_free(g_steal_pointer(&s), FALSE);
}
