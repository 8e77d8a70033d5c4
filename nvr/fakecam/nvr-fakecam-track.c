#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "fakecam/nvr-fakecam-track.h"

struct _NvrFakecamTrack {
	GObject parent_instance;
	NvrFakecamTrackKind kind; /* all fields immutable after nvr_fakecam_track_new() */
	GstCaps *caps;
	guint width;
	guint height;
	GPtrArray *aus; /* GstBuffer: DURATION set, DELTA_UNIT on non-key AUs */
	GstClockTime duration;
	guint64 bytes;
};

G_DEFINE_TYPE(NvrFakecamTrack, nvr_fakecam_track, G_TYPE_OBJECT)

static void
nvr_fakecam_track_finalize(GObject *obj)
{
	NvrFakecamTrack *self = NVR_FAKECAM_TRACK(obj);

	gst_clear_caps(&self->caps);
	g_clear_pointer(&self->aus, g_ptr_array_unref);
	G_OBJECT_CLASS(nvr_fakecam_track_parent_class)->finalize(obj);
}

static void
nvr_fakecam_track_class_init(NvrFakecamTrackClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_fakecam_track_finalize;
}

static void
nvr_fakecam_track_init(NvrFakecamTrack *self)
{
}

/* the caps fields the payloaders and parsers use; a track keeps only these,
 * typed as listed, and the clip file stores them as "key=value" lines */
typedef enum {
	NVR_FAKECAM_FIELD_STRING,
	NVR_FAKECAM_FIELD_INT,
	NVR_FAKECAM_FIELD_FRACTION,
	NVR_FAKECAM_FIELD_BUFFER, /* in hex in the file */
} NvrFakecamFieldType;

static const struct {
	const gchar *name;
	NvrFakecamFieldType type;
} nvr_fakecam_caps_fields[] = {
    {"stream-format", NVR_FAKECAM_FIELD_STRING},
    {"alignment", NVR_FAKECAM_FIELD_STRING},
    {"profile", NVR_FAKECAM_FIELD_STRING},
    {"level", NVR_FAKECAM_FIELD_STRING},
    {"width", NVR_FAKECAM_FIELD_INT},
    {"height", NVR_FAKECAM_FIELD_INT},
    {"framerate", NVR_FAKECAM_FIELD_FRACTION},
    {"pixel-aspect-ratio", NVR_FAKECAM_FIELD_FRACTION},
    {"mpegversion", NVR_FAKECAM_FIELD_INT},
    {"rate", NVR_FAKECAM_FIELD_INT},
    {"channels", NVR_FAKECAM_FIELD_INT},
    {"codec_data", NVR_FAKECAM_FIELD_BUFFER},
};

#define NVR_FAKECAM_CAPS_MAX_CODEC_DATA 4096

static GType
nvr_fakecam_caps_field_type(guint i)
{
	switch (nvr_fakecam_caps_fields[i].type) {
	case NVR_FAKECAM_FIELD_STRING:
		return G_TYPE_STRING;
	case NVR_FAKECAM_FIELD_INT:
		return G_TYPE_INT;
	case NVR_FAKECAM_FIELD_FRACTION:
		return GST_TYPE_FRACTION;
	case NVR_FAKECAM_FIELD_BUFFER:
		break;
	}
	return GST_TYPE_BUFFER;
}

static gboolean
nvr_fakecam_caps_string_ok(const gchar *v)
{
	if (v == NULL || v[0] == '\0' || strlen(v) > 64)
		return FALSE;
	for (const gchar *c = v; *c != '\0'; c++) {
		if (!g_ascii_isalnum(*c) && *c != '-' && *c != '.' && *c != '_')
			return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_fakecam_caps_value_ok(const GValue *v)
{
	GstBuffer *buf;

	if (G_VALUE_TYPE(v) == G_TYPE_STRING)
		return nvr_fakecam_caps_string_ok(g_value_get_string(v));
	if (G_VALUE_TYPE(v) == GST_TYPE_BUFFER) {
		buf = gst_value_get_buffer(v);
		return buf != NULL && gst_buffer_get_size(buf) > 0 &&
		       gst_buffer_get_size(buf) <= NVR_FAKECAM_CAPS_MAX_CODEC_DATA;
	}
	return TRUE;
}

static GstCaps *
nvr_fakecam_track_clean_caps(const GstStructure *s)
{
	GstStructure *clean = gst_structure_new_empty(gst_structure_get_name(s));

	for (guint i = 0; i < G_N_ELEMENTS(nvr_fakecam_caps_fields); i++) {
		const GValue *v = gst_structure_get_value(s, nvr_fakecam_caps_fields[i].name);
		if (v != NULL && G_VALUE_TYPE(v) == nvr_fakecam_caps_field_type(i) &&
		    nvr_fakecam_caps_value_ok(v))
			gst_structure_set_value(clean, nvr_fakecam_caps_fields[i].name, v);
	}
	return gst_caps_new_full(clean, NULL);
}

/* "name=video/x-h264\nwidth=1920\nframerate=15/1\ncodec_data=0142c0...\n" */
static gchar *
nvr_fakecam_caps_serialize(GstCaps *caps)
{
	const GstStructure *s = gst_caps_get_structure(caps, 0);
	GString *out = g_string_new(NULL);

	g_string_append_printf(out, "name=%s\n", gst_structure_get_name(s));
	for (guint i = 0; i < G_N_ELEMENTS(nvr_fakecam_caps_fields); i++) {
		const gchar *key = nvr_fakecam_caps_fields[i].name;
		const GValue *v = gst_structure_get_value(s, key);
		GstMapInfo map;

		if (v == NULL)
			continue;
		if (G_VALUE_TYPE(v) == G_TYPE_STRING) {
			g_string_append_printf(out, "%s=%s\n", key, g_value_get_string(v));
		} else if (G_VALUE_TYPE(v) == G_TYPE_INT) {
			g_string_append_printf(out, "%s=%d\n", key, g_value_get_int(v));
		} else if (G_VALUE_TYPE(v) == GST_TYPE_FRACTION) {
			g_string_append_printf(out,
					       "%s=%d/%d\n",
					       key,
					       gst_value_get_fraction_numerator(v),
					       gst_value_get_fraction_denominator(v));
		} else if (G_VALUE_TYPE(v) == GST_TYPE_BUFFER &&
			   gst_buffer_map(gst_value_get_buffer(v), &map, GST_MAP_READ)) {
			g_string_append_printf(out, "%s=", key);
			for (gsize j = 0; j < map.size; j++)
				g_string_append_printf(out, "%02x", map.data[j]);
			g_string_append_c(out, '\n');
			gst_buffer_unmap(gst_value_get_buffer(v), &map);
		}
	}
	return g_string_free(out, FALSE);
}

static gboolean
nvr_fakecam_caps_parse_value(GType type, const gchar *text, GValue *v)
{
	g_auto(GStrv) frac = NULL;
	gint64 a, b;

	g_value_init(v, type);
	if (type == G_TYPE_STRING) {
		g_value_set_string(v, text);
		return nvr_fakecam_caps_string_ok(text);
	}
	if (type == G_TYPE_INT) {
		if (!g_ascii_string_to_signed(text, 10, 0, 1000000, &a, NULL))
			return FALSE;
		g_value_set_int(v, (gint)a);
		return TRUE;
	}
	if (type == GST_TYPE_FRACTION) {
		frac = g_strsplit(text, "/", 3);
		if (g_strv_length(frac) != 2 || !g_ascii_string_to_signed(frac[0], 10, 0, 100000, &a, NULL) ||
		    !g_ascii_string_to_signed(frac[1], 10, 1, 100000, &b, NULL))
			return FALSE;
		gst_value_set_fraction(v, (gint)a, (gint)b);
		return TRUE;
	}
	/* GST_TYPE_BUFFER, in hex */
	{
		gsize n = strlen(text) / 2;
		g_autofree guint8 *bytes = NULL;

		if (n == 0 || n > NVR_FAKECAM_CAPS_MAX_CODEC_DATA || strlen(text) % 2 != 0)
			return FALSE;
		bytes = g_malloc(n);
		for (gsize j = 0; j < n; j++) {
			gint hi = g_ascii_xdigit_value(text[2 * j]);
			gint lo = g_ascii_xdigit_value(text[2 * j + 1]);
			if (hi < 0 || lo < 0)
				return FALSE;
			bytes[j] = (guint8)(hi << 4 | lo);
		}
		gst_value_take_buffer(v, gst_buffer_new_memdup(bytes, n));
		return TRUE;
	}
}

static gboolean
nvr_fakecam_caps_parse_line(GstStructure **s, const gchar *line, GError **error)
{
	const gchar *eq = strchr(line, '=');
	g_autofree gchar *key = eq != NULL ? g_strndup(line, eq - line) : NULL;

	if (key == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_CORRUPT, "caps line without '='");
		return FALSE;
	}
	if (*s == NULL) { /* the first line names the media type */
		if (g_strcmp0(key, "name") != 0 ||
		    (g_strcmp0(eq + 1, "video/x-h264") != 0 && g_strcmp0(eq + 1, "audio/mpeg") != 0)) {
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_CORRUPT, "bad caps name");
			return FALSE;
		}
		*s = gst_structure_new_empty(eq + 1);
		return TRUE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(nvr_fakecam_caps_fields); i++) {
		g_auto(GValue) v = G_VALUE_INIT;
		if (g_strcmp0(key, nvr_fakecam_caps_fields[i].name) != 0)
			continue;
		if (gst_structure_has_field(*s, key) ||
		    !nvr_fakecam_caps_parse_value(nvr_fakecam_caps_field_type(i), eq + 1, &v)) {
			g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT, "bad caps field %s", key);
			return FALSE;
		}
		gst_structure_set_value(*s, key, &v);
		return TRUE;
	}
	g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT, "unknown caps field");
	return FALSE;
}

/* the inverse of nvr_fakecam_caps_serialize(), for untrusted text: no
 * GStreamer string parser is involved */
static GstCaps *
nvr_fakecam_caps_parse(const gchar *text, gsize len, GError **error)
{
	g_autofree gchar *copy = g_strndup(text, len);
	g_auto(GStrv) lines = NULL;
	GstStructure *s = NULL;

	if (strlen(copy) != len || len == 0 || copy[len - 1] != '\n') {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_CORRUPT, "caps are not text lines");
		return NULL;
	}
	copy[len - 1] = '\0';
	lines = g_strsplit(copy, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (!nvr_fakecam_caps_parse_line(&s, lines[i], error)) {
			g_clear_pointer(&s, gst_structure_free);
			return NULL;
		}
	}
	return gst_caps_new_full(s, NULL);
}

static gboolean
nvr_fakecam_track_set_caps(NvrFakecamTrack *self, GstCaps *caps, GError **error)
{
	GstStructure *s;
	gint w = 0, h = 0;

	if (caps == NULL || gst_caps_get_size(caps) != 1 || !gst_caps_is_fixed(caps)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_CORRUPT, "caps are not fixed");
		return FALSE;
	}
	self->caps = nvr_fakecam_track_clean_caps(gst_caps_get_structure(caps, 0));
	s = gst_caps_get_structure(self->caps, 0);
	if (gst_structure_has_name(s, "video/x-h264")) {
		if (g_strcmp0(gst_structure_get_string(s, "stream-format"), "avc") != 0 ||
		    !gst_structure_has_field_typed(s, "codec_data", GST_TYPE_BUFFER) ||
		    !gst_structure_get_int(s, "width", &w) ||
		    !gst_structure_get_int(s, "height", &h) || w <= 0 || h <= 0) {
			g_set_error_literal(error,
					    NVR_ERROR,
					    NVR_ERROR_CORRUPT,
					    "H.264 caps need avc form, codec_data and a size");
			return FALSE;
		}
		self->kind = NVR_FAKECAM_TRACK_VIDEO;
	} else if (gst_structure_has_name(s, "audio/mpeg")) {
		gint rate = 0;
		if (!gst_structure_get_int(s, "rate", &rate) || rate <= 0 || rate > 192000 ||
		    !gst_structure_has_field_typed(s, "codec_data", GST_TYPE_BUFFER)) {
			g_set_error_literal(error,
					    NVR_ERROR,
					    NVR_ERROR_CORRUPT,
					    "AAC caps need a rate and codec_data");
			return FALSE;
		}
		self->kind = NVR_FAKECAM_TRACK_AUDIO;
	} else {
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_NOT_SUPPORTED,
			    "unsupported caps %s",
			    gst_structure_get_name(s));
		return FALSE;
	}
	self->width = (guint)w;
	self->height = (guint)h;
	return TRUE;
}

/**
 * nvr_fakecam_track_new:
 * @caps: fixed caps of the stream (H.264 AVC with codec_data, or AAC)
 * @aus: (element-type GstBuffer): access units in decoding order, each with
 *   its DURATION; non-key AUs carry GST_BUFFER_FLAG_DELTA_UNIT
 *
 * Returns: (transfer full): the track, or NULL with @error if the AUs cannot
 * loop (a video track must start with a key frame)
 */
NvrFakecamTrack *
nvr_fakecam_track_new(GstCaps *caps, GPtrArray *aus, GError **error)
{
	g_autoptr(NvrFakecamTrack) self = g_object_new(NVR_TYPE_FAKECAM_TRACK, NULL);

	g_return_val_if_fail(aus != NULL, NULL);
	if (!nvr_fakecam_track_set_caps(self, caps, error))
		return NULL;
	if (aus->len == 0 || aus->len > NVR_FAKECAM_TRACK_MAX_AUS) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT, "%u access units", aus->len);
		return NULL;
	}
	self->aus = g_ptr_array_new_full(aus->len, (GDestroyNotify)gst_buffer_unref);
	for (guint i = 0; i < aus->len; i++) {
		GstBuffer *au = g_ptr_array_index(aus, i);
		gsize size = au != NULL ? gst_buffer_get_size(au) : 0;

		if (size == 0 || size > NVR_FAKECAM_TRACK_MAX_AU ||
		    !GST_CLOCK_TIME_IS_VALID(GST_BUFFER_DURATION(au)) ||
		    GST_BUFFER_DURATION(au) == 0 || GST_BUFFER_DURATION(au) > GST_SECOND) {
			g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT, "access unit %u is invalid", i);
			return NULL;
		}
		self->duration += GST_BUFFER_DURATION(au);
		self->bytes += size;
		g_ptr_array_add(self->aus, gst_buffer_ref(au));
	}
	if (self->kind == NVR_FAKECAM_TRACK_VIDEO && !nvr_fakecam_track_is_key(self, 0)) {
		g_set_error_literal(error,
				    NVR_ERROR,
				    NVR_ERROR_CORRUPT,
				    "video track does not start with a key frame");
		return NULL;
	}
	return g_steal_pointer(&self);
}

NvrFakecamTrackKind
nvr_fakecam_track_get_kind(NvrFakecamTrack *self)
{
	return self->kind;
}

/* Returns: (transfer none) */
GstCaps *
nvr_fakecam_track_get_caps(NvrFakecamTrack *self)
{
	return self->caps;
}

guint
nvr_fakecam_track_get_width(NvrFakecamTrack *self)
{
	return self->width;
}

guint
nvr_fakecam_track_get_height(NvrFakecamTrack *self)
{
	return self->height;
}

guint
nvr_fakecam_track_get_n_aus(NvrFakecamTrack *self)
{
	return self->aus->len;
}

/* the loop length: what each pass through the clip adds to the timestamps */
GstClockTime
nvr_fakecam_track_get_duration(NvrFakecamTrack *self)
{
	return self->duration;
}

guint64
nvr_fakecam_track_get_bytes(NvrFakecamTrack *self)
{
	return self->bytes;
}

/* Returns: (transfer none): AU @idx; copy it (cheaply) before timestamping */
GstBuffer *
nvr_fakecam_track_get_au(NvrFakecamTrack *self, guint idx)
{
	g_return_val_if_fail(idx < self->aus->len, NULL);
	return g_ptr_array_index(self->aus, idx);
}

GstClockTime
nvr_fakecam_track_get_au_duration(NvrFakecamTrack *self, guint idx)
{
	return GST_BUFFER_DURATION(nvr_fakecam_track_get_au(self, idx));
}

gboolean
nvr_fakecam_track_is_key(NvrFakecamTrack *self, guint idx)
{
	GstBuffer *au = nvr_fakecam_track_get_au(self, idx);
	return au != NULL && !GST_BUFFER_FLAG_IS_SET(au, GST_BUFFER_FLAG_DELTA_UNIT);
}

/* the RTP clock rate of a track: 90 kHz for video, the sample rate for AAC */
guint
nvr_fakecam_track_clock_rate(NvrFakecamTrack *track)
{
	gint rate = 0;

	if (nvr_fakecam_track_get_kind(track) == NVR_FAKECAM_TRACK_VIDEO)
		return 90000;
	gst_structure_get_int(gst_caps_get_structure(nvr_fakecam_track_get_caps(track), 0),
			      "rate",
			      &rate);
	return rate > 0 ? (guint)rate : 90000;
}

/*
 * serialized form (big endian), as written into a clip file:
 *   u8 kind, u8[3] zero, u32 caps length, caps as "key=value\n" lines (see
 *   nvr_fakecam_caps_serialize()), u32 AU count,
 *   then per AU: u64 duration ns, u32 flags (bit 0: key frame), u32 size, bytes
 */
static void
nvr_fakecam_put_u32(GByteArray *out, guint32 v)
{
	guint32 be = GUINT32_TO_BE(v);
	g_byte_array_append(out, (const guint8 *)&be, 4);
}

static void
nvr_fakecam_put_u64(GByteArray *out, guint64 v)
{
	guint64 be = GUINT64_TO_BE(v);
	g_byte_array_append(out, (const guint8 *)&be, 8);
}

void
nvr_fakecam_track_serialize(NvrFakecamTrack *self, GByteArray *out)
{
	g_autofree gchar *caps = nvr_fakecam_caps_serialize(self->caps);
	const guint8 head[4] = {(guint8)self->kind, 0, 0, 0};

	g_byte_array_append(out, head, sizeof(head));
	nvr_fakecam_put_u32(out, (guint32)strlen(caps));
	g_byte_array_append(out, (const guint8 *)caps, (guint)strlen(caps));
	nvr_fakecam_put_u32(out, self->aus->len);
	for (guint i = 0; i < self->aus->len; i++) {
		GstBuffer *au = g_ptr_array_index(self->aus, i);
		GstMapInfo map;

		nvr_fakecam_put_u64(out, GST_BUFFER_DURATION(au));
		nvr_fakecam_put_u32(out, nvr_fakecam_track_is_key(self, i) ? 1 : 0);
		nvr_fakecam_put_u32(out, (guint32)gst_buffer_get_size(au));
		if (gst_buffer_map(au, &map, GST_MAP_READ)) {
			g_byte_array_append(out, map.data, (guint)map.size);
			gst_buffer_unmap(au, &map);
		}
	}
}

typedef struct {
	const guint8 *data;
	gsize len;
	gsize pos;
} NvrFakecamReader;

static gboolean
nvr_fakecam_reader_need(NvrFakecamReader *r, gsize n, GError **error)
{
	if (r->len - r->pos < n) {
		g_set_error(error,
			    NVR_ERROR,
			    NVR_ERROR_CORRUPT,
			    "truncated at byte %" G_GSIZE_FORMAT,
			    r->pos);
		return FALSE;
	}
	return TRUE;
}

static guint32
nvr_fakecam_reader_u32(NvrFakecamReader *r)
{
	guint32 v;
	memcpy(&v, r->data + r->pos, 4);
	r->pos += 4;
	return GUINT32_FROM_BE(v);
}

static guint64
nvr_fakecam_reader_u64(NvrFakecamReader *r)
{
	guint64 v;
	memcpy(&v, r->data + r->pos, 8);
	r->pos += 8;
	return GUINT64_FROM_BE(v);
}

static GstCaps *
nvr_fakecam_reader_caps(NvrFakecamReader *r, GError **error)
{
	GstCaps *caps;
	guint32 len;

	if (!nvr_fakecam_reader_need(r, 4, error))
		return NULL;
	len = nvr_fakecam_reader_u32(r);
	if (len == 0 || len > NVR_FAKECAM_TRACK_MAX_CAPS) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT, "caps length %u", len);
		return NULL;
	}
	if (!nvr_fakecam_reader_need(r, len, error))
		return NULL;
	caps = nvr_fakecam_caps_parse((const gchar *)r->data + r->pos, len, error);
	r->pos += len;
	return caps;
}

static GstBuffer *
nvr_fakecam_reader_au(NvrFakecamReader *r, GBytes *bytes, guint idx, GError **error)
{
	GstBuffer *au;
	guint64 duration;
	guint32 flags, size;

	if (!nvr_fakecam_reader_need(r, 16, error))
		return NULL;
	duration = nvr_fakecam_reader_u64(r);
	flags = nvr_fakecam_reader_u32(r);
	size = nvr_fakecam_reader_u32(r);
	if (size == 0 || size > NVR_FAKECAM_TRACK_MAX_AU) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT, "AU %u: size %u", idx, size);
		return NULL;
	}
	if (!nvr_fakecam_reader_need(r, size, error))
		return NULL;
	/* the AU shares the file's memory: one allocation for the whole clip */
	au = gst_buffer_new();
	gst_buffer_append_memory(au,
				 gst_memory_new_wrapped(GST_MEMORY_FLAG_READONLY,
							(gpointer)r->data,
							r->len,
							r->pos,
							size,
							g_bytes_ref(bytes),
							(GDestroyNotify)g_bytes_unref));
	r->pos += size;
	GST_BUFFER_DURATION(au) = duration;
	if ((flags & 1) == 0)
		GST_BUFFER_FLAG_SET(au, GST_BUFFER_FLAG_DELTA_UNIT);
	return au;
}

/**
 * nvr_fakecam_track_parse:
 * @bytes: a clip file's contents (untrusted: every length is checked)
 * @offset: (inout): where the track starts; on success, where it ends
 *
 * Returns: (transfer full): the track, whose AUs share @bytes' memory
 */
NvrFakecamTrack *
nvr_fakecam_track_parse(GBytes *bytes, gsize *offset, GError **error)
{
	NvrFakecamReader r = {.pos = *offset};
	g_autoptr(GstCaps) caps = NULL;
	g_autoptr(GPtrArray) aus = NULL;
	NvrFakecamTrack *track;
	guint32 n;
	guint8 kind;

	r.data = g_bytes_get_data(bytes, &r.len);
	if (r.pos > r.len || !nvr_fakecam_reader_need(&r, 4, error))
		return NULL;
	kind = r.data[r.pos];
	r.pos += 4;
	caps = nvr_fakecam_reader_caps(&r, error);
	if (caps == NULL || !nvr_fakecam_reader_need(&r, 4, error))
		return NULL;
	n = nvr_fakecam_reader_u32(&r);
	if (n == 0 || n > NVR_FAKECAM_TRACK_MAX_AUS) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT, "%u access units", n);
		return NULL;
	}
	/* every AU takes at least 17 bytes: refuse a count the data cannot hold */
	if ((r.len - r.pos) / 17 < n) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT, "%u access units do not fit", n);
		return NULL;
	}
	aus = g_ptr_array_new_full(n, (GDestroyNotify)gst_buffer_unref);
	for (guint i = 0; i < n; i++) {
		GstBuffer *au = nvr_fakecam_reader_au(&r, bytes, i, error);
		if (au == NULL)
			return NULL;
		g_ptr_array_add(aus, au);
	}
	track = nvr_fakecam_track_new(caps, aus, error);
	if (track == NULL)
		return NULL;
	if ((guint8)track->kind != kind) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT, "track kind %u mismatches caps", kind);
		g_object_unref(track);
		return NULL;
	}
	*offset = r.pos;
	return track;
}
