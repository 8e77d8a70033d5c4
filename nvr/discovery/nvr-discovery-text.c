#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "core/nvr-error.h"
#include "nvr-discovery-text.h"

/* C0, DEL, C1, and the invisible characters that reorder or hide text on screen */
static gboolean
nvr_discovery_char_is_hidden(gunichar c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || (c >= 0x200b && c <= 0x200f) ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x2069) || c == 0xfeff;
}

/**
 * nvr_discovery_text_clean:
 * @raw: bytes from a device, not necessarily UTF-8 or NUL-terminated
 * @len: length of @raw, or -1 if NUL-terminated
 * @max_bytes: longest result, in bytes
 *
 * Invalid UTF-8 becomes U+FFFD (a Server header in Latin-1 still matches
 * on its ASCII part); control and invisible characters become spaces; runs
 * of spaces collapse; the ends are trimmed; the result is cut at a
 * character boundary so that it is at most @max_bytes long.
 *
 * Returns: (transfer full) (nullable): the text, or NULL if nothing is left
 */
gchar *
nvr_discovery_text_clean(const gchar *raw, gssize len, gsize max_bytes)
{
	g_autofree gchar *valid = NULL;
	g_autoptr(GString) out = NULL;
	gsize inlen;

	if (raw == NULL)
		return NULL;
	inlen = len < 0 ? strlen(raw) : (gsize)len;
	/* a megabyte banner must not cost a megabyte: no result needs more input than this */
	inlen = MIN(inlen, max_bytes * 4 + 16);
	valid = g_utf8_make_valid(raw, (gssize)inlen);
	out = g_string_sized_new(MIN(inlen, max_bytes) + 1);
	for (const gchar *p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		gsize clen = (gsize)(g_utf8_next_char(p) - p);

		if (nvr_discovery_char_is_hidden(c) || g_unichar_isspace(c)) {
			if (out->len > 0 && out->str[out->len - 1] != ' ')
				g_string_append_c(out, ' ');
			continue;
		}
		if (out->len + clen > max_bytes)
			break;
		g_string_append_len(out, p, (gssize)clen);
	}
	while (out->len > 0 && out->str[out->len - 1] == ' ')
		g_string_truncate(out, out->len - 1);
	if (out->len > max_bytes)
		g_string_truncate(out, max_bytes); /* only a trailing space can get here */
	if (out->len == 0)
		return NULL;
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/**
 * nvr_discovery_mac_normalize:
 * @text: "aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF", "aabb.ccdd.eeff" or "aabbccddeeff"
 *
 * Returns: (transfer full) (nullable): "AA:BB:CC:DD:EE:FF", or NULL if
 * @text is not a MAC address or is all zeros (an incomplete neighbour entry)
 */
gchar *
nvr_discovery_mac_normalize(const gchar *text)
{
	gchar digits[13];
	guint n = 0;
	gboolean nonzero = FALSE;

	if (text == NULL || strlen(text) > 20)
		return NULL;
	for (const gchar *p = text; *p != '\0'; p++) {
		if (*p == ':' || *p == '-' || *p == '.')
			continue;
		if (!g_ascii_isxdigit(*p) || n == 12)
			return NULL;
		nonzero |= *p != '0';
		digits[n++] = g_ascii_toupper(*p);
	}
	if (n != 12 || !nonzero)
		return NULL;
	digits[12] = '\0';
	return g_strdup_printf("%.2s:%.2s:%.2s:%.2s:%.2s:%.2s", digits, digits + 2, digits + 4,
			       digits + 6, digits + 8, digits + 10);
}

static gboolean
nvr_discovery_url_text_ok(const gchar *text, GError **error)
{
	if (text == NULL || text[0] == '\0') {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "URL is empty");
		return FALSE;
	}
	if (strlen(text) > NVR_DISCOVERY_URL_MAX) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "URL longer than %d bytes",
			    NVR_DISCOVERY_URL_MAX);
		return FALSE;
	}
	for (const gchar *p = text; *p != '\0'; p++) {
		/* URLs on the wire are ASCII: anything else was not escaped by the device */
		if ((guchar)*p <= 0x20 || (guchar)*p >= 0x7f) {
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE,
					    "URL contains spaces, control or non-ASCII characters");
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * nvr_discovery_http_url_check:
 * @text: an http or https URL a device gave us (an XAddr, a snapshot URI)
 *
 * Errors never quote @text: a device may put credentials in it.
 *
 * Returns: (transfer full): the URL without userinfo or fragment, or NULL
 */
gchar *
nvr_discovery_http_url_check(const gchar *text, GError **error)
{
	g_autoptr(GUri) uri = NULL;
	const gchar *scheme;
	const gchar *host;

	if (!nvr_discovery_url_text_ok(text, error))
		return NULL;
	uri = g_uri_parse(text,
			  G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED_QUERY |
				  G_URI_FLAGS_ENCODED_PATH | G_URI_FLAGS_ENCODED_FRAGMENT,
			  NULL);
	if (uri == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "not a URL");
		return NULL;
	}
	scheme = g_uri_get_scheme(uri);
	host = g_uri_get_host(uri);
	if (g_ascii_strcasecmp(scheme, "http") != 0 && g_ascii_strcasecmp(scheme, "https") != 0) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE,
				    "URL scheme is not http or https");
		return NULL;
	}
	if (host == NULL || host[0] == '\0' || g_uri_get_port(uri) == 0) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE,
				    "URL has no host or a bad port");
		return NULL;
	}
	return g_uri_to_string_partial(uri, G_URI_HIDE_USERINFO | G_URI_HIDE_FRAGMENT);
}

/* Returns: (transfer full): @host as it goes into a URI: IPv6 literals in brackets */
gchar *
nvr_discovery_host_for_uri(const gchar *host)
{
	if (host != NULL && strchr(host, ':') != NULL && host[0] != '[')
		return g_strdup_printf("[%s]", host);
	return g_strdup(host);
}
