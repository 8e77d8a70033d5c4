/*
 * nvr-fakecam-soap.h: the parser of SOAP requests (ONVIF over HTTP and
 * WS-Discovery over UDP) and the envelope writer. Requests are untrusted:
 * the parser bounds their size, refuses DTDs, never fetches anything and
 * reports every problem as a GError for the caller to turn into a fault.
 */
#pragma once

#include <glib.h>

#include "fakecam/nvr-fakecam-persona.h"

G_BEGIN_DECLS

#define NVR_FAKECAM_SOAP_MAX_REQUEST (64 * 1024)

#define NVR_FAKECAM_NS_SOAP12 "http://www.w3.org/2003/05/soap-envelope"
#define NVR_FAKECAM_NS_SOAP11 "http://schemas.xmlsoap.org/soap/envelope/"

typedef struct {
	gboolean soap11;	     /* answer in the version asked */
	gchar *action;		     /* local name of the Body's first element */
	gchar *action_ns;	     /* its namespace; NULL if none */
	gchar *wsa_action;	     /* wsa:Action header */
	gchar *message_id;	     /* wsa:MessageID header */
	gboolean has_token;	     /* a wsse:UsernameToken was present */
	gchar *username;
	gchar *password;
	gboolean password_is_digest; /* Type ends in #PasswordDigest */
	gchar *nonce;		     /* base64, as sent */
	gchar *created;
	gchar *profile_token; /* ProfileToken under the action */
	gchar *types;	      /* WS-Discovery Probe Types */
	gchar *scopes;	      /* WS-Discovery Probe Scopes */
} NvrFakecamSoapRequest;

NvrFakecamSoapRequest *
nvr_fakecam_soap_parse(const gchar *data, gsize len, GError **error);
void
nvr_fakecam_soap_request_free(NvrFakecamSoapRequest *req);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrFakecamSoapRequest, nvr_fakecam_soap_request_free)

gboolean
nvr_fakecam_soap_check_token(const NvrFakecamSoapRequest *req,
			     const gchar *user,
			     const gchar *password,
			     GError **error);
gchar *
nvr_fakecam_soap_password_digest(const guint8 *nonce,
				 gsize nonce_len,
				 const gchar *created,
				 const gchar *password);

void
nvr_fakecam_soap_open(GString *s, const NvrFakecamPersona *persona, gboolean soap11,
		      const gchar *header);
void
nvr_fakecam_soap_close(GString *s);
gchar *
nvr_fakecam_soap_fault(const NvrFakecamPersona *persona,
		       gboolean soap11,
		       gboolean sender,
		       const gchar *subcode,
		       const gchar *subsubcode,
		       const gchar *reason);

G_END_DECLS
