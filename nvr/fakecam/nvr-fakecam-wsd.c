#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "fakecam/nvr-fakecam-onvif.h"
#include "fakecam/nvr-fakecam-soap.h"
#include "fakecam/nvr-fakecam-wsd.h"

#define NVR_FAKECAM_WSD_NS "http://schemas.xmlsoap.org/ws/2005/04/discovery"

/* a Probe's Types are QNames; the prefix's namespace is not resolved (loose
 * clients send undeclared prefixes), only the local part is compared */
static gboolean
nvr_fakecam_wsd_types_match(const gchar *types)
{
	g_auto(GStrv) items = g_strsplit_set(types != NULL ? types : "", " \t\r\n", -1);

	for (guint i = 0; items[i] != NULL; i++) {
		const gchar *colon = strrchr(items[i], ':');
		const gchar *local = colon != NULL ? colon + 1 : items[i];

		if (items[i][0] == '\0')
			continue;
		if (g_strcmp0(local, "NetworkVideoTransmitter") != 0 && g_strcmp0(local, "Device") != 0)
			return FALSE;
	}
	return TRUE;
}

/* RFC 3986 matching, simplified: each probe scope is a segment-wise prefix */
static gboolean
nvr_fakecam_wsd_scope_matches(const gchar *ours, const gchar *wanted)
{
	gsize n = strlen(wanted);

	while (n > 0 && wanted[n - 1] == '/')
		n--;
	return g_ascii_strncasecmp(ours, wanted, n) == 0 && (ours[n] == '\0' || ours[n] == '/');
}

static gboolean
nvr_fakecam_wsd_scopes_match(const NvrFakecamDevice *dev, const gchar *scopes)
{
	g_autofree gchar *ours_str = nvr_fakecam_device_scopes(dev);
	g_auto(GStrv) ours = g_strsplit(ours_str, " ", -1);
	g_auto(GStrv) wanted = g_strsplit_set(scopes != NULL ? scopes : "", " \t\r\n", -1);

	for (guint i = 0; wanted[i] != NULL; i++) {
		gboolean found = wanted[i][0] == '\0';
		for (guint j = 0; ours[j] != NULL && !found; j++)
			found = ours[j][0] != '\0' && nvr_fakecam_wsd_scope_matches(ours[j], wanted[i]);
		if (!found)
			return FALSE;
	}
	return TRUE;
}

static gchar *
nvr_fakecam_wsd_probe_matches(const NvrFakecamDevice *dev,
			      const gchar *relates_to,
			      guint message_number)
{
	g_autoptr(GString) s = g_string_new(NULL);
	g_autofree gchar *header = NULL;
	g_autofree gchar *scopes = nvr_fakecam_device_scopes(dev);
	g_autofree gchar *xaddr = nvr_fakecam_device_http_url(dev, NVR_FAKECAM_ONVIF_DEVICE_PATH);
	g_autofree gchar *msg_id = g_uuid_string_random();
	g_autofree gchar *body = NULL;
	g_autoptr(GString) h = g_string_new(NULL);
	g_autofree gchar *id_part = g_markup_printf_escaped("<wsa:MessageID>urn:uuid:%s</wsa:MessageID>",
							    msg_id);

	g_string_append(h, id_part);
	if (relates_to != NULL) {
		g_autofree gchar *rel = g_markup_printf_escaped("<wsa:RelatesTo>%s</wsa:RelatesTo>",
								relates_to);
		g_string_append(h, rel);
	}
	g_string_append_printf(h,
			       "<wsa:To env:mustUnderstand=\"true\">"
			       "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
			       "</wsa:To><wsa:Action env:mustUnderstand=\"true\">" NVR_FAKECAM_WSD_NS
			       "/ProbeMatches</wsa:Action>"
			       "<d:AppSequence InstanceId=\"1\" MessageNumber=\"%u\"></d:AppSequence>",
			       message_number);
	header = g_string_free(g_steal_pointer(&h), FALSE);

	nvr_fakecam_soap_open(s, dev->persona, FALSE, header);
	body = g_markup_printf_escaped("<d:ProbeMatches><d:ProbeMatch><wsa:EndpointReference>"
				       "<wsa:Address>urn:uuid:%s</wsa:Address>"
				       "</wsa:EndpointReference>"
				       "<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>"
				       "<d:Scopes>%s</d:Scopes><d:XAddrs>%s</d:XAddrs>"
				       "<d:MetadataVersion>1</d:MetadataVersion>"
				       "</d:ProbeMatch></d:ProbeMatches>",
				       dev->uuid,
				       scopes,
				       xaddr);
	g_string_append(s, body);
	nvr_fakecam_soap_close(s);
	return g_string_free(g_steal_pointer(&s), FALSE);
}

/**
 * nvr_fakecam_wsd_handle:
 * @data: one UDP datagram (untrusted)
 * @message_number: the camera's AppSequence counter
 *
 * Returns: (transfer full): a ProbeMatches datagram, or NULL with @error when
 * @data is not a Probe this camera matches (WS-Discovery answers nothing then)
 */
gchar *
nvr_fakecam_wsd_handle(const NvrFakecamDevice *dev,
		       const gchar *data,
		       gsize len,
		       guint message_number,
		       GError **error)
{
	g_autoptr(NvrFakecamSoapRequest) req = nvr_fakecam_soap_parse(data, len, error);

	if (req == NULL)
		return NULL;
	if (g_strcmp0(req->action, "Probe") != 0 ||
	    (req->wsa_action != NULL && !g_str_has_suffix(req->wsa_action, "/Probe"))) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED, "not a Probe");
		return NULL;
	}
	if (!nvr_fakecam_wsd_types_match(req->types) ||
	    !nvr_fakecam_wsd_scopes_match(dev, req->scopes)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_NOT_FOUND, "the Probe does not match");
		return NULL;
	}
	return nvr_fakecam_wsd_probe_matches(dev, req->message_id, message_number);
}
