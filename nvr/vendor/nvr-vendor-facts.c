#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "discovery/nvr-discovery-text.h"
#include "vendor/nvr-vendor-facts.h"
#include "vendor/nvr-vendor-raw.h"

/* an identifying fact that only a quirk can attribute: strength of its class */
static NvrEvidence *
nvr_vendor_fact(NvrEvidenceSet *set, NvrEvidenceClass klass, const gchar *key, const gchar *value,
		const gchar *source)
{
	return nvr_evidence_set_add_fact(set, klass, key, value, source);
}

/* a fact that identifies nothing by itself (serial, firmware, a location) */
static void
nvr_vendor_fact_plain(NvrEvidenceSet *set, NvrEvidenceClass klass, const gchar *key,
		      const gchar *value, const gchar *source, const gchar *note)
{
	NvrEvidence *e = nvr_evidence_set_add_fact(set, klass, key, value, source);

	if (e == NULL)
		return;
	e->strength = NVR_EVIDENCE_STRENGTH_NONE;
	e->note = g_strdup(note);
}

/* GetDeviceInformation: Manufacturer is the brand the firmware was built for (medium) */
void
nvr_vendor_facts_onvif_device_info(NvrEvidenceSet *set, const NvrOnvifDeviceInfo *info,
				   const gchar *source)
{
	nvr_vendor_fact(set, NVR_EVIDENCE_CLASS_ONVIF, "onvif.manufacturer", info->manufacturer, source);
	nvr_vendor_fact(set, NVR_EVIDENCE_CLASS_ONVIF, "onvif.model", info->model, source);
	nvr_vendor_fact(set, NVR_EVIDENCE_CLASS_ONVIF, "onvif.firmware", info->firmware_version, source);
	nvr_vendor_fact(set, NVR_EVIDENCE_CLASS_ONVIF, "onvif.hardware-id", info->hardware_id, source);
	nvr_vendor_fact_plain(set, NVR_EVIDENCE_CLASS_ONVIF, "onvif.serial", info->serial_number,
			      source, NULL);
}

/* GetNetworkInterfaces: the MAC of the first interface that has one */
void
nvr_vendor_facts_onvif_interfaces(NvrVendor *vendor, NvrEvidenceSet *set, GPtrArray *ifaces,
				  const gchar *source)
{
	for (guint i = 0; ifaces != NULL && i < ifaces->len; i++) {
		const NvrOnvifNetworkInterface *iface = g_ptr_array_index(ifaces, i);
		if (iface->mac != NULL) {
			nvr_vendor_add_mac(vendor, set, iface->mac, source);
			return;
		}
	}
}

void
nvr_vendor_facts_wsd_match(NvrVendor *vendor, NvrEvidenceSet *set, const NvrWsdMatch *match,
			   const gchar *source)
{
	nvr_vendor_fact(set, NVR_EVIDENCE_CLASS_WSD, "wsd.name", match->name, source);
	nvr_vendor_fact_plain(set, NVR_EVIDENCE_CLASS_WSD, "wsd.hardware", match->hardware, source, NULL);
	nvr_vendor_fact_plain(set, NVR_EVIDENCE_CLASS_WSD, "wsd.location", match->location, source,
			      "a location scope says nothing about who made the device");
	nvr_vendor_fact_plain(set, NVR_EVIDENCE_CLASS_WSD, "wsd.endpoint", match->endpoint, source, NULL);
	if (match->mac != NULL) {
		g_autofree gchar *mac_source = g_strdup_printf("%s (MAC scope)", source);
		nvr_vendor_add_mac(vendor, set, match->mac, mac_source);
	}
}

/* Server header, realm of the first challenge that has one, page title, certificate subject */
void
nvr_vendor_facts_http_banner(NvrEvidenceSet *set, const NvrHttpBanner *banner, const gchar *source)
{
	nvr_vendor_fact(set, NVR_EVIDENCE_CLASS_HTTP_BANNER, "http.server", banner->server, source);
	for (guint i = 0; banner->challenges != NULL && i < banner->challenges->len; i++) {
		const NvrHttpChallenge *c = g_ptr_array_index(banner->challenges, i);
		if (c->realm != NULL) {
			nvr_vendor_fact(set, NVR_EVIDENCE_CLASS_HTTP_BANNER, "http.realm", c->realm, source);
			break;
		}
	}
	nvr_vendor_fact(set, NVR_EVIDENCE_CLASS_HTTP_BANNER, "http.title", banner->title, source);
	nvr_vendor_fact(set, NVR_EVIDENCE_CLASS_TLS, "tls.subject", banner->tls_subject, source);
	nvr_vendor_fact_plain(set, NVR_EVIDENCE_CLASS_TLS, "tls.issuer", banner->tls_issuer, source, NULL);
}

void
nvr_vendor_facts_rtsp_banner(NvrEvidenceSet *set, const NvrRtspBanner *banner, const gchar *source)
{
	nvr_vendor_fact(set, NVR_EVIDENCE_CLASS_RTSP_BANNER, "rtsp.server", banner->server, source);
}

/* what ONVIF GetStreamUri or GetSnapshotUri returned: for stream URLs, not identification */
void
nvr_vendor_facts_stream_uri(NvrEvidenceSet *set, NvrStreamKind kind, const gchar *uri,
			    const gchar *source)
{
	const gchar *key = kind == NVR_STREAM_MAIN  ? "onvif.stream-uri.main"
			   : kind == NVR_STREAM_SUB ? "onvif.stream-uri.sub"
						    : "onvif.snapshot-uri";
	NvrEvidence *e;

	if (uri == NULL || strlen(uri) > NVR_VENDOR_STRING_MAX)
		return;
	e = nvr_evidence_set_add_fact(set, NVR_EVIDENCE_CLASS_ONVIF, key, uri, source);
	if (e != NULL)
		e->strength = NVR_EVIDENCE_STRENGTH_NONE;
}

/* "HTTP/1.1 401 Unauthorized" */
static gboolean
nvr_vendor_facts_status_line(const gchar *line, NvrHttpBanner *banner)
{
	guint64 status = 0;
	g_auto(GStrv) parts = g_strsplit(line, " ", 3);

	if (g_strv_length(parts) < 2 || !g_str_has_prefix(parts[0], "HTTP/") ||
	    !g_ascii_string_to_unsigned(parts[1], 10, 100, 599, &status, NULL))
		return FALSE;
	banner->status = (guint)status;
	banner->reason = nvr_discovery_text_clean(parts[2], -1, NVR_DISCOVERY_TEXT_MAX);
	return TRUE;
}

static void
nvr_vendor_facts_header(const gchar *line, NvrHttpBanner *banner)
{
	const gchar *colon = strchr(line, ':');
	g_autofree gchar *name = NULL;
	const gchar *value;

	if (colon == NULL)
		return;
	name = g_strndup(line, (gsize)(colon - line));
	value = colon + 1;
	while (*value == ' ' || *value == '\t')
		value++;
	if (g_ascii_strcasecmp(name, "Server") == 0 && banner->server == NULL)
		banner->server = nvr_discovery_text_clean(value, -1, NVR_DISCOVERY_TEXT_MAX);
	else if (g_ascii_strcasecmp(name, "WWW-Authenticate") == 0)
		nvr_http_challenges_parse(value, banner->challenges);
}

/* the page title from the body as libsoup would give it: a chunked page, decoded (chunk sizes
 * between "<title>WEB SER" and "VICE" made another title); a page cut short still has one */
static gchar *
nvr_vendor_facts_title(const gchar *data, gsize len, gsize body_at)
{
	g_autoptr(NvrVendorRawReply) raw = nvr_vendor_raw_reply_parse(data, len, NULL);
	gsize body_len = 0;
	const gchar *body = raw != NULL ? g_bytes_get_data(raw->body, &body_len) : NULL;

	if (raw == NULL)
		return nvr_http_title_parse(data + body_at, len - body_at);
	return nvr_http_title_parse(body, body_len);
}

/**
 * nvr_vendor_facts_parse_http_head:
 *
 * A recorded HTTP reply ("HTTP/1.1 401 …", headers, blank line, body) as
 * the banner probe would have seen it. Untrusted: the head is bounded and
 * every line is checked.
 *
 * Returns: (transfer full)
 */
NvrHttpBanner *
nvr_vendor_facts_parse_http_head(const gchar *data, gsize len, GError **error)
{
	g_autoptr(NvrHttpBanner) banner = g_new0(NvrHttpBanner, 1);
	g_autofree gchar *head = NULL;
	g_auto(GStrv) lines = NULL;
	gsize body_at = 0;
	gsize head_len = MIN(len, NVR_VENDOR_RAW_HEAD_MAX);

	/* bare LF line ends (servers, and captures saved so) hid the title and read the body as headers */
	if (!nvr_vendor_raw_split_head(data, len, &head_len, &body_at))
		body_at = 0;

	banner->challenges = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_http_challenge_free);
	if (memchr(data, '\0', head_len) != NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "HTTP head contains NUL");
		return NULL;
	}
	head = g_strndup(data, head_len);
	lines = g_strsplit(head, "\n", 128);
	if (lines[0] == NULL || !nvr_vendor_facts_status_line(g_strchomp(lines[0]), banner)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "not an HTTP status line");
		return NULL;
	}
	for (guint i = 1; lines[i] != NULL; i++)
		nvr_vendor_facts_header(g_strchomp(lines[i]), banner);
	if (body_at > 0)
		banner->title = nvr_vendor_facts_title(data, len, body_at);
	return g_steal_pointer(&banner);
}
