#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "nvr-plugin-util.h"

G_DEFINE_QUARK(nvr-plugin-error-quark, nvr_plugin_error)

gboolean
nvr_plugin_data_init(const NvrVendorHost *host, gpointer *plugin_data, GError **error)
{
	NvrPluginData *self = g_new0(NvrPluginData, 1);

	self->host = host;
	*plugin_data = self;
	return TRUE;
}

void
nvr_plugin_data_finalize(gpointer plugin_data)
{
	g_free(plugin_data);
}

static gboolean
nvr_plugin_char_hidden(gunichar c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || (c >= 0x200b && c <= 0x200f) ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x2069) || c == 0xfeff;
}

/**
 * nvr_plugin_text_clean:
 * @len: -1 if NUL-terminated
 *
 * Returns: (transfer full) (nullable): NULL if nothing is left
 */
gchar *
nvr_plugin_text_clean(const gchar *raw, gssize len, gsize max)
{
	g_autofree gchar *valid = NULL;
	GString *out;
	gsize n;

	if (raw == NULL)
		return NULL;
	n = len < 0 ? strlen(raw) : (gsize)len;
	valid = g_utf8_make_valid(raw, (gssize)MIN(n, max * 4 + 16));
	out = g_string_new(NULL);
	for (const gchar *p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		gsize clen = (gsize)(g_utf8_next_char(p) - p);
		if (nvr_plugin_char_hidden(c) || g_unichar_isspace(c)) {
			if (out->len > 0 && out->str[out->len - 1] != ' ')
				g_string_append_c(out, ' ');
			continue;
		}
		if (out->len + clen > max)
			break;
		g_string_append_len(out, p, (gssize)clen);
	}
	while (out->len > 0 && out->str[out->len - 1] == ' ')
		g_string_truncate(out, out->len - 1);
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

/* "Amcrest" -> "amcrest"; NULL unless it makes a vendor key ([a-z0-9_], 1..32) */
gchar *
nvr_plugin_vendor_key(const gchar *name)
{
	g_autofree gchar *key = NULL;
	gsize len = name != NULL ? strlen(name) : 0;

	if (len == 0 || len > 32)
		return NULL;
	key = g_ascii_strdown(name, (gssize)len);
	for (gchar *p = key; *p != '\0'; p++) {
		if (*p == ' ' || *p == '-')
			*p = '_';
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '_')
			return NULL;
	}
	return g_steal_pointer(&key);
}

/**
 * nvr_plugin_brand_key:
 * @label: a brand as a vendor API reports it (magicBox getVendor, ISAPI manufacturer)
 *
 * The same label is what ONVIF reports as Manufacturer, and the quirk files
 * already map that to a brand key: [ONVIF\MFR_IC REALTIME] Brand = icrealtime.
 * A label no quirk knows becomes a key by itself ("Amcrest" -> "amcrest").
 *
 * Returns: (transfer full) (nullable)
 */
gchar *
nvr_plugin_brand_key(const NvrVendorHost *host, const gchar *label)
{
	g_autofree gchar *id = NULL;
	gchar *brand = NULL;

	if (label == NULL)
		return NULL;
	id = g_strconcat("ONVIF\\MFR_", label, NULL);
	if (host != NULL && host->quirk_dup != NULL)
		brand = host->quirk_dup(host->host_data, id, "Brand");
	return brand != NULL ? brand : nvr_plugin_vendor_key(label);
}

/* json-glib recurses per nesting level: bound it before parsing a device's JSON */
gboolean
nvr_plugin_json_depth_ok(const gchar *data, gsize len, guint max_depth)
{
	gboolean in_string = FALSE;
	guint depth = 0;

	for (gsize i = 0; i < len; i++) {
		gchar c = data[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = FALSE;
		} else if (c == '"') {
			in_string = TRUE;
		} else if ((c == '[' || c == '{') && ++depth > max_depth) {
			return FALSE;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return TRUE;
}

void
nvr_plugin_log(const NvrVendorHost *host, GLogLevelFlags level, const gchar *format, ...)
{
	g_autofree gchar *msg = NULL;
	va_list args;

	if (host == NULL || host->log == NULL)
		return;
	va_start(args, format);
	msg = g_strdup_vprintf(format, args);
	va_end(args);
	host->log(host->host_data, level, msg);
}

/* one exchange, always with the device's credentials when it asks for them */
gboolean
nvr_plugin_http(const NvrVendorHost *host, NvrVendorCall *call, const gchar *method,
		const gchar *path, const gchar *content_type, const gchar *body, guint32 flags,
		NvrVendorHttpReply *reply, GError **error)
{
	NvrVendorHttpRequest req = {
		.struct_size = sizeof(NvrVendorHttpRequest),
		.auth = NVR_VENDOR_HTTP_AUTH_DEVICE,
		.flags = flags,
		.method = method,
		.path = path,
		.content_type = content_type,
		.body = body,
		.body_len = body != NULL ? strlen(body) : 0,
	};

	reply->struct_size = sizeof(NvrVendorHttpReply);
	return host->http_request(call, &req, reply, error);
}

gboolean
nvr_plugin_evidence_add(const NvrVendorHost *host, NvrVendorCall *call, guint32 klass,
			guint32 strength, guint32 flags, const gchar *key, const gchar *value,
			const gchar *vendor, const gchar *brand, const gchar *source)
{
	NvrVendorEvidenceItem item = {
		.struct_size = sizeof(NvrVendorEvidenceItem),
		.klass = klass,
		.strength = strength,
		.flags = flags,
		.key = key,
		.value = value,
		.vendor = vendor,
		.brand = brand,
		.source = source,
	};
	g_autoptr(GError) error = NULL;

	if (value == NULL)
		return FALSE;
	if (!host->evidence_add(call, &item, &error)) {
		nvr_plugin_log(host, G_LOG_LEVEL_WARNING, "evidence %s refused: %s", key, error->message);
		return FALSE;
	}
	return TRUE;
}

/* Returns: (transfer none) (nullable): the first item with @key */
const NvrVendorEvidenceItem *
nvr_plugin_evidence_find(const NvrVendorEvidence *ev, const gchar *key)
{
	for (guint i = 0; ev->items != NULL && i < ev->n_items; i++) {
		if (g_strcmp0(ev->items[i]->key, key) == 0)
			return ev->items[i];
	}
	return NULL;
}

/* TRUE if an item of @klass points to @vendor (as maker) */
gboolean
nvr_plugin_evidence_points_to(const NvrVendorEvidence *ev, const gchar *vendor, guint32 klass)
{
	for (guint i = 0; ev->items != NULL && i < ev->n_items; i++) {
		if (ev->items[i]->klass == klass && g_strcmp0(ev->items[i]->vendor, vendor) == 0)
			return TRUE;
	}
	return FALSE;
}

/* "rtsp://<host>:<port><path>"; NULL without a host */
gchar *
nvr_plugin_rtsp_url(const NvrVendorEvidence *ev, const gchar *path)
{
	if (ev->host == NULL)
		return NULL;
	return g_strdup_printf("rtsp://%s:%u%s", ev->host, ev->rtsp_port != 0 ? ev->rtsp_port : 554u,
			       path);
}

/* how far the passive evidence already points to @vendor: ONVIF 60, an OUI or banner 40 */
gint
nvr_plugin_score_passive(const NvrVendorEvidence *ev, const gchar *vendor)
{
	if (nvr_plugin_evidence_points_to(ev, vendor, NVR_EVIDENCE_CLASS_ONVIF))
		return 60;
	if (nvr_plugin_evidence_points_to(ev, vendor, NVR_EVIDENCE_CLASS_RTSP_BANNER) ||
	    nvr_plugin_evidence_points_to(ev, vendor, NVR_EVIDENCE_CLASS_HTTP_BANNER) ||
	    nvr_plugin_evidence_points_to(ev, vendor, NVR_EVIDENCE_CLASS_OUI))
		return 40;
	return 0;
}

static void
nvr_plugin_match_set(gchar **field, const NvrVendorEvidenceItem *item)
{
	if (item == NULL)
		return;
	g_free(*field);
	*field = g_strdup(item->value);
}

/* claims the device for @vendor with @score, taking model and firmware from the given items */
gint
nvr_plugin_match_fill(NvrVendorMatch *match, const gchar *vendor, gint score,
		      const NvrVendorEvidenceItem *model, const NvrVendorEvidenceItem *firmware)
{
	if (score <= 0)
		return 0;
	g_free(match->vendor_id);
	match->vendor_id = g_strdup(vendor);
	nvr_plugin_match_set(&match->model, model);
	nvr_plugin_match_set(&match->firmware, firmware);
	match->confidence = (guint32)CLAMP(score, 0, 100);
	return match->confidence;
}
