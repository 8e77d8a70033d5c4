#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "nvr-rtsp-interleaved.h"

static const guint8 *
nvr_rtsp_find(const guint8 *data, gsize size, const gchar *needle)
{
	gsize n = strlen(needle);

	for (gsize i = 0; i + n <= size; i++) {
		if (memcmp(data + i, needle, n) == 0)
			return data + i;
	}
	return NULL;
}

/* "RTSP/1.0 200 OK" -> 200; "GET_PARAMETER rtsp://... RTSP/1.0" -> 0 */
static gboolean
nvr_rtsp_parse_start_line(const guint8 *line, gsize len, guint *status, GError **error)
{
	*status = 0;
	if (len >= 12 && memcmp(line, "RTSP/", 5) == 0) {
		const guint8 *sp = memchr(line, ' ', len);
		if (sp == NULL || line + len - sp < 4 || !g_ascii_isdigit(sp[1]) ||
		    !g_ascii_isdigit(sp[2]) || !g_ascii_isdigit(sp[3])) {
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE,
					    "RTSP response without a status code");
			return FALSE;
		}
		*status = (guint)(sp[1] - '0') * 100 + (guint)(sp[2] - '0') * 10 + (guint)(sp[3] - '0');
		return TRUE;
	}
	/* a request: METHOD SP URI SP RTSP/x.y, the method in capitals */
	for (gsize i = 0; i < len && line[i] != ' '; i++) {
		if (!g_ascii_isupper(line[i]) && line[i] != '_') {
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE,
					    "neither interleaved data nor an RTSP message");
			return FALSE;
		}
	}
	if (nvr_rtsp_find(line, len, " RTSP/") == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE,
				    "neither interleaved data nor an RTSP message");
		return FALSE;
	}
	return TRUE;
}

/* the value of Content-Length in @headers (the lines after the start line) */
static gboolean
nvr_rtsp_content_length(const guint8 *headers, gsize len, gsize *out, GError **error)
{
	static const gchar key[] = "\r\ncontent-length:";
	gsize klen = sizeof(key) - 1;

	*out = 0;
	for (gsize i = 0; i + klen <= len; i++) {
		gsize v = 0, j = i + klen;

		if (g_ascii_strncasecmp((const gchar *)headers + i, key, klen) != 0)
			continue;
		while (j < len && (headers[j] == ' ' || headers[j] == '\t'))
			j++;
		if (j == len || !g_ascii_isdigit(headers[j])) {
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE, "bad Content-Length");
			return FALSE;
		}
		for (; j < len && g_ascii_isdigit(headers[j]); j++) {
			v = v * 10 + (gsize)(headers[j] - '0');
			if (v > NVR_RTSP_MAX_BODY) {
				g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE,
						    "RTSP message body too large");
				return FALSE;
			}
		}
		*out = v;
		return TRUE;
	}
	return TRUE;
}

static gboolean
nvr_rtsp_next_message(const guint8 *data, gsize size, NvrRtspItem *item, GError **error)
{
	gsize window = MIN(size, (gsize)NVR_RTSP_MAX_HEADER);
	const guint8 *end = nvr_rtsp_find(data, window, "\r\n\r\n");
	const guint8 *eol = nvr_rtsp_find(data, window, "\r\n");
	gsize header_len, body_len;

	/* the start line must be plausible as soon as it is complete */
	if (eol != NULL && !nvr_rtsp_parse_start_line(data, (gsize)(eol - data), &item->status, error))
		return FALSE;
	if (end == NULL) {
		if (size >= NVR_RTSP_MAX_HEADER) {
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE,
					    "RTSP message header too long");
			return FALSE;
		}
		/* still no full line within a line's worth of bytes: not RTSP */
		if (eol == NULL && size >= 512) {
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE,
					    "neither interleaved data nor an RTSP message");
			return FALSE;
		}
		item->kind = NVR_RTSP_ITEM_INCOMPLETE;
		return TRUE;
	}
	header_len = (gsize)(end - data) + 4;
	/* from the CRLF that ends the start line, so the key always follows a CRLF */
	if (!nvr_rtsp_content_length(eol, (gsize)(end - eol) + 2, &body_len, error))
		return FALSE;
	if (size - header_len < body_len) {
		item->kind = NVR_RTSP_ITEM_INCOMPLETE;
		return TRUE;
	}
	item->kind = NVR_RTSP_ITEM_MESSAGE;
	item->size = header_len + body_len;
	item->offset = header_len;
	item->length = body_len;
	return TRUE;
}

/**
 * nvr_rtsp_interleaved_next:
 * @data: received bytes, starting at an item boundary
 *
 * Returns: FALSE when the bytes are neither; otherwise @item says what the
 * first item is, or that it is not complete yet
 */
gboolean
nvr_rtsp_interleaved_next(const guint8 *data, gsize size, NvrRtspItem *item, GError **error)
{
	memset(item, 0, sizeof(*item));
	item->kind = NVR_RTSP_ITEM_INCOMPLETE;
	if (size == 0)
		return TRUE;
	/* some servers end a message with one CRLF too many */
	if (data[0] == '\r' || data[0] == '\n') {
		while (item->size < size && (data[item->size] == '\r' || data[item->size] == '\n'))
			item->size++;
		item->kind = NVR_RTSP_ITEM_MESSAGE;
		return TRUE;
	}
	if (data[0] != '$')
		return nvr_rtsp_next_message(data, size, item, error);
	if (size < 4)
		return TRUE;
	item->channel = data[1];
	item->length = (gsize)data[2] << 8 | data[3];
	if (size - 4 < item->length)
		return TRUE;
	item->kind = NVR_RTSP_ITEM_DATA;
	item->offset = 4;
	item->size = 4 + item->length;
	return TRUE;
}
