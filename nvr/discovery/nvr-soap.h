/*
 * nvr-soap.h: reading SOAP envelopes from devices with libxml2, safely and
 * leniently. Safely: a size cap before parsing, UTF-8 only, no DTD (so no
 * entity expansion and no external fetches), no network. Leniently:
 * elements match by local name and a namespace family, and elements whose
 * prefix was never declared (seen on Reolink firmware) match by local name.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* a SOAP reply larger than this is refused before parsing */
#define NVR_SOAP_MAX_BYTES (256 * 1024)

typedef enum {
	NVR_SOAP_NS_ANY,	/* local name alone */
	NVR_SOAP_NS_ENVELOPE,	/* SOAP 1.2, or 1.1 from older firmware */
	NVR_SOAP_NS_ONVIF,	/* any http://www.onvif.org/ namespace */
	NVR_SOAP_NS_ADDRESSING, /* WS-Addressing 2004/08 or 2005/08 */
	NVR_SOAP_NS_DISCOVERY,	/* WS-Discovery 2005/04 or 2009/01 */
} NvrSoapNs;

typedef struct _NvrSoapDoc NvrSoapDoc;

NvrSoapDoc *nvr_soap_doc_parse(const gchar *data, gsize len,
			       GError **error) G_GNUC_WARN_UNUSED_RESULT;
void nvr_soap_doc_free(NvrSoapDoc *self);
xmlNode *nvr_soap_doc_get_header(NvrSoapDoc *self);
xmlNode *nvr_soap_doc_get_body(NvrSoapDoc *self);
xmlNode *nvr_soap_doc_get_body_child(NvrSoapDoc *self, const gchar *local_name, NvrSoapNs ns,
				     GError **error);

const gchar *nvr_soap_node_local_name(xmlNode *node);
gboolean nvr_soap_node_is(xmlNode *node, const gchar *local_name, NvrSoapNs ns);
xmlNode *nvr_soap_node_child(xmlNode *parent, const gchar *local_name, NvrSoapNs ns);
xmlNode *nvr_soap_node_next(xmlNode *node, const gchar *local_name, NvrSoapNs ns);
xmlNode *nvr_soap_node_path(xmlNode *parent, NvrSoapNs ns, ...) G_GNUC_NULL_TERMINATED;
gchar *nvr_soap_node_dup_raw(xmlNode *node, gsize max_bytes);
gchar *nvr_soap_node_dup_text(xmlNode *node, gsize max_bytes);
gchar *nvr_soap_node_dup_attr(xmlNode *node, const gchar *local_name, gsize max_bytes);
gboolean nvr_soap_node_get_uint(xmlNode *node, guint max, guint *value);
gboolean nvr_soap_node_get_bool(xmlNode *node, gboolean *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrSoapDoc, nvr_soap_doc_free)

G_END_DECLS
