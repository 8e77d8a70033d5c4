#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "discovery/nvr-discovery-text.h"
#include "vendor/nvr-vendor-raw.h"

#define NVR_VENDOR_RAW_HEADERS_MAX 128

void
nvr_vendor_raw_reply_free(NvrVendorRawReply *self)
{
	if (self == NULL)
		return;
	g_free(self->content_type);
	g_clear_pointer(&self->body, g_bytes_unref);
	g_free(self);
}

/* "HTTP/1.1 200 OK" at the very start: a bare body (XML, JSON, key=value) never starts so */
gboolean
nvr_vendor_raw_reply_is_raw(const gchar *data, gsize len)
{
	return data != NULL && len >= 12 && memcmp(data, "HTTP/1.", 7) == 0;
}

/**
 * nvr_vendor_raw_split_head:
 * @head_len: (out): up to the last header line's LF (its CR, if any, included)
 * @body_at: (out): where the body starts
 *
 * Where the head ends: at CRLF CRLF, or LF LF from servers (and editors)
 * that end lines with LF alone.
 *
 * Returns: FALSE if there is no empty line in the first
 * NVR_VENDOR_RAW_HEAD_MAX bytes
 */
gboolean
nvr_vendor_raw_split_head(const gchar *data, gsize len, gsize *head_len, gsize *body_at)
{
	gsize scan = MIN(len, (gsize)NVR_VENDOR_RAW_HEAD_MAX);

	for (gsize i = 0; i + 1 < scan; i++) {
		if (data[i] != '\n')
			continue;
		if (data[i + 1] == '\n') {
			*head_len = i;
			*body_at = i + 2;
			return TRUE;
		}
		if (i + 2 < len && data[i + 1] == '\r' && data[i + 2] == '\n') {
			*head_len = i;
			*body_at = i + 3;
			return TRUE;
		}
	}
	return FALSE;
}

static gboolean
nvr_vendor_raw_status(const gchar *line, NvrVendorRawReply *self)
{
	g_auto(GStrv) parts = g_strsplit(line, " ", 3);
	guint64 status = 0;

	if (g_strv_length(parts) < 2 || !g_str_has_prefix(parts[0], "HTTP/1.") ||
	    !g_ascii_string_to_unsigned(parts[1], 10, 100, 599, &status, NULL))
		return FALSE;
	self->status = (guint)status;
	return TRUE;
}

typedef struct {
	gboolean chunked;
	gboolean has_length;
	guint64 length;
} NvrVendorRawFraming;

/* header names are case-insensitive (Dahua sends CONTENT-LENGTH:) */
static void
nvr_vendor_raw_header(gchar *line, NvrVendorRawReply *self, NvrVendorRawFraming *framing)
{
	gchar *colon = strchr(line, ':');
	gchar *value;

	if (colon == NULL)
		return;
	*colon = '\0';
	value = g_strstrip(colon + 1);
	g_strstrip(line);
	if (g_ascii_strcasecmp(line, "Content-Type") == 0 && self->content_type == NULL) {
		value[strcspn(value, ";")] = '\0';
		self->content_type = nvr_discovery_text_clean(value, -1, 128);
	} else if (g_ascii_strcasecmp(line, "Transfer-Encoding") == 0) {
		g_autofree gchar *lower = g_ascii_strdown(value, -1);
		framing->chunked = strstr(lower, "chunked") != NULL;
	} else if (g_ascii_strcasecmp(line, "Content-Length") == 0) {
		framing->has_length = g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT32,
								 &framing->length, NULL);
	}
}

/* one chunk-size line: hex digits, optional ";ext", CRLF or LF */
static gboolean
nvr_vendor_raw_chunk_size(const gchar *p, const gchar *end, guint64 *size, const gchar **next)
{
	const gchar *nl = memchr(p, '\n', (gsize)(end - p));
	g_autofree gchar *line = NULL;
	gchar *stop = NULL;

	if (nl == NULL || nl - p > 64)
		return FALSE;
	line = g_strndup(p, (gsize)(nl - p));
	line[strcspn(line, ";\r")] = '\0';
	g_strstrip(line);
	if (line[0] == '\0' || !g_ascii_isxdigit(line[0]))
		return FALSE;
	*size = g_ascii_strtoull(line, &stop, 16);
	if (*stop != '\0' || *size > G_MAXUINT32)
		return FALSE;
	*next = nl + 1;
	return TRUE;
}

/* undoes chunked coding; FALSE if the body ends before its last chunk */
static gboolean
nvr_vendor_raw_dechunk(const gchar *p, const gchar *end, GByteArray *out)
{
	while (p < end) {
		guint64 size = 0;
		if (!nvr_vendor_raw_chunk_size(p, end, &size, &p))
			return FALSE;
		if (size == 0)
			return TRUE; /* trailers, if any, say nothing a plugin sees */
		if ((guint64)(end - p) < size)
			return FALSE;
		g_byte_array_append(out, (const guint8 *)p, (guint)size);
		p += size;
		if (p < end && *p == '\r')
			p++;
		if (p < end && *p == '\n')
			p++;
	}
	return FALSE;
}

/**
 * nvr_vendor_raw_reply_parse:
 *
 * Returns: (transfer full): the reply, or NULL with NVR_ERROR_PARSE if it
 * does not start with an HTTP status line and headers
 */
NvrVendorRawReply *
nvr_vendor_raw_reply_parse(const gchar *data, gsize len, GError **error)
{
	g_autoptr(NvrVendorRawReply) self = g_new0(NvrVendorRawReply, 1);
	NvrVendorRawFraming framing = {FALSE, FALSE, 0};
	gsize head_len = 0, body_at = 0;
	g_autofree gchar *head = NULL;
	g_auto(GStrv) lines = NULL;

	if (!nvr_vendor_raw_reply_is_raw(data, len) ||
	    !nvr_vendor_raw_split_head(data, len, &head_len, &body_at) ||
	    memchr(data, '\0', head_len) != NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE,
				    "not a raw HTTP reply (status line, headers, blank line)");
		return NULL;
	}
	head = g_strndup(data, head_len);
	lines = g_strsplit(head, "\n", NVR_VENDOR_RAW_HEADERS_MAX);
	if (!nvr_vendor_raw_status(g_strchomp(lines[0]), self)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "not an HTTP status line");
		return NULL;
	}
	for (guint i = 1; lines[i] != NULL; i++)
		nvr_vendor_raw_header(g_strchomp(lines[i]), self, &framing);
	self->complete = TRUE;
	if (framing.chunked) {
		GByteArray *out = g_byte_array_new();
		self->complete = nvr_vendor_raw_dechunk(data + body_at, data + len, out);
		self->body = g_byte_array_free_to_bytes(out);
	} else if (framing.has_length) {
		self->complete = len - body_at >= framing.length;
		self->body = g_bytes_new(data + body_at, MIN(len - body_at, framing.length));
	} else { /* delimited by the connection's close: whatever came */
		self->body = g_bytes_new(data + body_at, len - body_at);
	}
	return g_steal_pointer(&self);
}
