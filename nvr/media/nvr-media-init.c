#include "config.h"

#include <string.h>

#include "core/nvr-error.h"

#include "nvr-media-bits.h"
#include "nvr-media-box.h"
#include "nvr-media-codec.h"
#include "nvr-media-init.h"

static void
nvr_media_init_write_ftyp(NvrMediaBoxWriter *w)
{
	/* iso6: signed composition offsets in trun v1; dash and mp41 for MSE and old players */
	static const gchar *const compatible[] = {"iso6", "iso5", "isom", "dash", "mp41"};

	nvr_media_box_begin(w, "ftyp");
	nvr_media_box_fourcc(w, "iso6");
	nvr_media_box_u32(w, 0); /* minor version */
	for (guint i = 0; i < G_N_ELEMENTS(compatible); i++)
		nvr_media_box_fourcc(w, compatible[i]);
	nvr_media_box_end(w);
}

static void
nvr_media_init_write_mvhd(NvrMediaBoxWriter *w, guint n_tracks)
{
	nvr_media_box_begin_full(w, "mvhd", 0, 0);
	nvr_media_box_u32(w, 0); /* creation time: none, so the bytes depend on the config only */
	nvr_media_box_u32(w, 0); /* modification time */
	nvr_media_box_u32(w, NVR_MEDIA_MOVIE_TIMESCALE);
	nvr_media_box_u32(w, 0);	  /* duration: in the fragments */
	nvr_media_box_u32(w, 0x00010000); /* rate 1.0 */
	nvr_media_box_u16(w, 0x0100);	  /* volume 1.0 */
	nvr_media_box_zeros(w, 10);
	nvr_media_box_matrix(w);
	nvr_media_box_zeros(w, 24); /* pre_defined */
	nvr_media_box_u32(w, n_tracks + 1);
	nvr_media_box_end(w);
}

static void
nvr_media_init_write_tkhd(NvrMediaBoxWriter *w, const NvrMediaTrackConfig *c, guint32 track_id)
{
	gboolean video = nvr_media_track_config_is_video(c);

	nvr_media_box_begin_full(w, "tkhd", 0, 0x3); /* enabled, in movie */
	nvr_media_box_u32(w, 0);
	nvr_media_box_u32(w, 0);
	nvr_media_box_u32(w, track_id);
	nvr_media_box_u32(w, 0); /* reserved */
	nvr_media_box_u32(w, 0); /* duration */
	nvr_media_box_zeros(w, 8);
	nvr_media_box_u16(w, 0); /* layer */
	nvr_media_box_u16(w, 0); /* alternate group */
	nvr_media_box_u16(w, video ? 0 : 0x0100);
	nvr_media_box_u16(w, 0);
	nvr_media_box_matrix(w);
	nvr_media_box_u32(w, video ? c->width << 16 : 0);
	nvr_media_box_u32(w, video ? c->height << 16 : 0);
	nvr_media_box_end(w);
}

static void
nvr_media_init_write_visual_entry(NvrMediaBoxWriter *w, const NvrMediaTrackConfig *c)
{
	gboolean h265 = c->codec == NVR_MEDIA_CODEC_H265;

	nvr_media_box_begin(w, h265 ? "hvc1" : "avc1");
	nvr_media_box_zeros(w, 6);
	nvr_media_box_u16(w, 1); /* data_reference_index */
	nvr_media_box_zeros(w, 16);
	nvr_media_box_u16(w, c->width);
	nvr_media_box_u16(w, c->height);
	nvr_media_box_u32(w, 0x00480000); /* 72 dpi */
	nvr_media_box_u32(w, 0x00480000);
	nvr_media_box_u32(w, 0);
	nvr_media_box_u16(w, 1);      /* frame count */
	nvr_media_box_zeros(w, 32);   /* compressor name */
	nvr_media_box_u16(w, 0x0018); /* depth */
	nvr_media_box_u16(w, 0xffff); /* pre_defined -1 */
	nvr_media_box_begin(w, h265 ? "hvcC" : "avcC");
	nvr_media_box_bytes(w, g_bytes_get_data(c->codec_data, NULL),
			    g_bytes_get_size(c->codec_data));
	nvr_media_box_end(w);
	nvr_media_box_end(w);
}

/* ISO/IEC 14496-1 descriptor header; our descriptors are all shorter than 128 bytes */
static void
nvr_media_init_descriptor(NvrMediaBoxWriter *w, guint8 tag, gsize len)
{
	nvr_media_box_u8(w, tag);
	nvr_media_box_u8(w, (guint8)len);
}

static void
nvr_media_init_write_esds(NvrMediaBoxWriter *w, const NvrMediaTrackConfig *c, guint32 track_id)
{
	gsize asc = g_bytes_get_size(c->codec_data); /* <= NVR_MEDIA_MAX_ASC_SIZE */
	gsize dcd = 13 + 2 + asc;

	nvr_media_box_begin_full(w, "esds", 0, 0);
	nvr_media_init_descriptor(w, 0x03, 3 + 2 + dcd + 3); /* ES_Descriptor */
	nvr_media_box_u16(w, (guint16)track_id);
	nvr_media_box_u8(w, 0);
	nvr_media_init_descriptor(w, 0x04, dcd); /* DecoderConfigDescriptor */
	nvr_media_box_u8(w, 0x40);		 /* MPEG-4 audio */
	nvr_media_box_u8(w, 0x15);		 /* audio stream */
	nvr_media_box_u24(w, 0);		 /* buffer size */
	nvr_media_box_u32(w, 0);		 /* max bitrate */
	nvr_media_box_u32(w, 0);		 /* average bitrate */
	nvr_media_init_descriptor(w, 0x05, asc); /* DecoderSpecificInfo */
	nvr_media_box_bytes(w, g_bytes_get_data(c->codec_data, NULL), asc);
	nvr_media_init_descriptor(w, 0x06, 1); /* SLConfigDescriptor */
	nvr_media_box_u8(w, 0x02);
	nvr_media_box_end(w);
}

static void
nvr_media_init_write_audio_entry(NvrMediaBoxWriter *w, const NvrMediaTrackConfig *c,
				 guint32 track_id)
{
	const gchar *type = c->codec == NVR_MEDIA_CODEC_AAC	? "mp4a"
			    : c->codec == NVR_MEDIA_CODEC_MULAW ? "ulaw"
								: "alaw";

	nvr_media_box_begin(w, type);
	nvr_media_box_zeros(w, 6);
	nvr_media_box_u16(w, 1); /* data_reference_index */
	nvr_media_box_zeros(w, 8);
	nvr_media_box_u16(w, c->channels);
	nvr_media_box_u16(w, 16); /* sample size */
	nvr_media_box_u32(w, 0);
	nvr_media_box_u32(w, c->rate << 16);
	if (c->codec == NVR_MEDIA_CODEC_AAC)
		nvr_media_init_write_esds(w, c, track_id);
	nvr_media_box_end(w);
}

static void
nvr_media_init_write_empty_table(NvrMediaBoxWriter *w, const gchar *type, guint n_zero_fields)
{
	nvr_media_box_begin_full(w, type, 0, 0);
	for (guint i = 0; i < n_zero_fields; i++)
		nvr_media_box_u32(w, 0);
	nvr_media_box_end(w);
}

static void
nvr_media_init_write_stbl(NvrMediaBoxWriter *w, const NvrMediaTrackConfig *c, guint32 track_id)
{
	nvr_media_box_begin(w, "stbl");
	nvr_media_box_begin_full(w, "stsd", 0, 0);
	nvr_media_box_u32(w, 1);
	if (nvr_media_track_config_is_video(c))
		nvr_media_init_write_visual_entry(w, c);
	else
		nvr_media_init_write_audio_entry(w, c, track_id);
	nvr_media_box_end(w);
	/* the samples are all in fragments */
	nvr_media_init_write_empty_table(w, "stts", 1);
	nvr_media_init_write_empty_table(w, "stsc", 1);
	nvr_media_init_write_empty_table(w, "stsz", 2);
	nvr_media_init_write_empty_table(w, "stco", 1);
	nvr_media_box_end(w);
}

static void
nvr_media_init_write_minf(NvrMediaBoxWriter *w, const NvrMediaTrackConfig *c, guint32 track_id)
{
	nvr_media_box_begin(w, "minf");
	if (nvr_media_track_config_is_video(c)) {
		nvr_media_box_begin_full(w, "vmhd", 0, 1);
		nvr_media_box_zeros(w, 8);
	} else {
		nvr_media_box_begin_full(w, "smhd", 0, 0);
		nvr_media_box_zeros(w, 4);
	}
	nvr_media_box_end(w);
	nvr_media_box_begin(w, "dinf");
	nvr_media_box_begin_full(w, "dref", 0, 0);
	nvr_media_box_u32(w, 1);
	nvr_media_box_begin_full(w, "url ", 0, 1); /* media in this file */
	nvr_media_box_end(w);
	nvr_media_box_end(w);
	nvr_media_box_end(w);
	nvr_media_init_write_stbl(w, c, track_id);
	nvr_media_box_end(w);
}

static void
nvr_media_init_write_trak(NvrMediaBoxWriter *w, const NvrMediaTrackConfig *c, guint32 track_id)
{
	gboolean video = nvr_media_track_config_is_video(c);
	const gchar *name = video ? "VideoHandler" : "SoundHandler";

	nvr_media_box_begin(w, "trak");
	nvr_media_init_write_tkhd(w, c, track_id);
	nvr_media_box_begin(w, "mdia");
	nvr_media_box_begin_full(w, "mdhd", 0, 0);
	nvr_media_box_u32(w, 0);
	nvr_media_box_u32(w, 0);
	nvr_media_box_u32(w, c->timescale);
	nvr_media_box_u32(w, 0);
	nvr_media_box_u16(w, 0x55c4); /* language "und" */
	nvr_media_box_u16(w, 0);
	nvr_media_box_end(w);
	nvr_media_box_begin_full(w, "hdlr", 0, 0);
	nvr_media_box_u32(w, 0);
	nvr_media_box_fourcc(w, video ? "vide" : "soun");
	nvr_media_box_zeros(w, 12);
	nvr_media_box_bytes(w, (const guint8 *)name, strlen(name) + 1);
	nvr_media_box_end(w);
	nvr_media_init_write_minf(w, c, track_id);
	nvr_media_box_end(w);
	nvr_media_box_end(w);
}

static void
nvr_media_init_write_mvex(NvrMediaBoxWriter *w, guint n_tracks, guint64 duration_ms)
{
	nvr_media_box_begin(w, "mvex");
	if (duration_ms > 0) {
		nvr_media_box_begin_full(w, "mehd", 1, 0);
		nvr_media_box_u64(w, duration_ms);
		nvr_media_box_end(w);
	}
	for (guint i = 0; i < n_tracks; i++) {
		nvr_media_box_begin_full(w, "trex", 0, 0);
		nvr_media_box_u32(w, i + 1);
		nvr_media_box_u32(w, 1); /* sample description index */
		nvr_media_box_u32(w, 0); /* every fragment states durations, sizes, flags */
		nvr_media_box_u32(w, 0);
		nvr_media_box_u32(w, 0);
		nvr_media_box_end(w);
	}
	nvr_media_box_end(w);
}

GBytes *
nvr_media_init_write(NvrMediaTrackConfig *const *tracks, guint n_tracks, guint64 duration_ms)
{
	g_autoptr(GByteArray) buf = g_byte_array_new();
	NvrMediaBoxWriter w;

	g_return_val_if_fail(n_tracks > 0 && n_tracks <= NVR_MEDIA_MAX_TRACKS, NULL);
	nvr_media_box_writer_init(&w, buf);
	nvr_media_init_write_ftyp(&w);
	nvr_media_box_begin(&w, "moov");
	nvr_media_init_write_mvhd(&w, n_tracks);
	for (guint i = 0; i < n_tracks; i++)
		nvr_media_init_write_trak(&w, tracks[i], i + 1);
	nvr_media_init_write_mvex(&w, n_tracks, duration_ms);
	nvr_media_box_end(&w);
	return g_byte_array_free_to_bytes(g_steal_pointer(&buf));
}

void
nvr_media_init_free(NvrMediaInit *init)
{
	for (guint i = 0; i < init->n_tracks; i++)
		nvr_media_track_config_unref(init->tracks[i]);
	g_free(init);
}

gint
nvr_media_init_find_track(const NvrMediaInit *init, guint32 track_id)
{
	for (guint i = 0; i < init->n_tracks; i++) {
		if (init->track_ids[i] == track_id)
			return (gint)i;
	}
	return -1;
}

gchar *
nvr_media_init_dup_mime_type(const NvrMediaInit *init)
{
	GString *s = g_string_new(NULL);
	gboolean video = FALSE;

	for (guint i = 0; i < init->n_tracks; i++) {
		video |= nvr_media_track_config_is_video(init->tracks[i]);
		g_string_append_printf(s, "%s%s", i > 0 ? "," : "", init->tracks[i]->codec_string);
	}
	g_string_prepend(s, video ? "video/mp4; codecs=\"" : "audio/mp4; codecs=\"");
	g_string_append_c(s, '"');
	return g_string_free(s, FALSE);
}

gchar *
nvr_media_init_hash(GBytes *init)
{
	return g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, init);
}

/* reading: each helper takes the box whose payload it parses */

static gboolean
nvr_media_init_fail(GError **error, const gchar *what)
{
	g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE, "init segment: malformed %s", what);
	return FALSE;
}

static gpointer
nvr_media_init_fail_null(GError **error, const gchar *what)
{
	nvr_media_init_fail(error, what);
	return NULL;
}

/* a descriptor's header; Returns: its length, or -1 */
static gssize
nvr_media_init_read_descriptor(NvrMediaBytes *r, guint8 want_tag)
{
	guint8 tag = nvr_media_bytes_u8(r);
	gsize len = 0;

	for (guint i = 0; i < 4; i++) {
		guint8 b = nvr_media_bytes_u8(r);

		len = len << 7 | (b & 0x7f);
		if ((b & 0x80) == 0)
			break;
	}
	if (r->overrun || tag != want_tag || len > nvr_media_bytes_remaining(r))
		return -1;
	return (gssize)len;
}

static GBytes *
nvr_media_init_read_esds(const NvrMediaBox *esds, GError **error)
{
	NvrMediaBytes r;
	gssize len;
	guint8 flags;

	nvr_media_bytes_init(&r, esds->payload, esds->payload_size);
	nvr_media_bytes_skip(&r, 4); /* version and flags */
	if (nvr_media_init_read_descriptor(&r, 0x03) < 0)
		return nvr_media_init_fail_null(error, "esds (ES descriptor)");
	nvr_media_bytes_skip(&r, 2);
	flags = nvr_media_bytes_u8(&r);
	if (flags & 0x80)
		nvr_media_bytes_skip(&r, 2);
	if (flags & 0x40)
		nvr_media_bytes_skip(&r, nvr_media_bytes_u8(&r));
	if (flags & 0x20)
		nvr_media_bytes_skip(&r, 2);
	if (nvr_media_init_read_descriptor(&r, 0x04) < 0 || nvr_media_bytes_u8(&r) != 0x40) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED,
				    "init segment: mp4a is not MPEG-4 audio");
		return NULL;
	}
	nvr_media_bytes_skip(&r, 12);
	len = nvr_media_init_read_descriptor(&r, 0x05);
	if (len <= 0 || len > NVR_MEDIA_MAX_ASC_SIZE) {
		nvr_media_init_fail(error, "esds (decoder specific info)");
		return NULL;
	}
	return g_bytes_new(nvr_media_bytes_take(&r, (gsize)len), (gsize)len);
}

static NvrMediaTrackConfig *
nvr_media_init_read_visual_entry(const NvrMediaBox *entry, GError **error)
{
	gboolean h265 = entry->type == NVR_MEDIA_FOURCC_STR("hvc1");
	g_autoptr(GBytes) codec_data = NULL;
	NvrMediaBox cfg;

	/* 78 bytes of VisualSampleEntry fields come before the boxes */
	if (entry->payload_size < 78)
		return nvr_media_init_fail_null(error, "visual sample entry");
	if (!nvr_media_box_find_child(entry, 78, h265 ? "hvcC" : "avcC", &cfg, error))
		return NULL;
	codec_data = g_bytes_new(cfg.payload, cfg.payload_size);
	return h265 ? nvr_media_track_config_new_h265(codec_data, 0, 0, error)
		    : nvr_media_track_config_new_h264(codec_data, 0, 0, error);
}

static NvrMediaTrackConfig *
nvr_media_init_read_audio_entry(const NvrMediaBox *entry, GError **error)
{
	g_autoptr(GBytes) asc = NULL;
	NvrMediaBytes r;
	guint channels, rate;
	NvrMediaBox esds;

	nvr_media_bytes_init(&r, entry->payload, entry->payload_size);
	nvr_media_bytes_skip(&r, 16);
	channels = nvr_media_bytes_u16(&r);
	nvr_media_bytes_skip(&r, 6);
	rate = nvr_media_bytes_u32(&r) >> 16;
	if (r.overrun)
		return nvr_media_init_fail_null(error, "audio sample entry");
	if (entry->type == NVR_MEDIA_FOURCC_STR("ulaw"))
		return nvr_media_track_config_new_g711(NVR_MEDIA_CODEC_MULAW, rate, channels,
						       error);
	if (entry->type == NVR_MEDIA_FOURCC_STR("alaw"))
		return nvr_media_track_config_new_g711(NVR_MEDIA_CODEC_ALAW, rate, channels, error);
	if (!nvr_media_box_find_child(entry, 28, "esds", &esds, error))
		return NULL;
	asc = nvr_media_init_read_esds(&esds, error);
	if (asc == NULL)
		return NULL;
	return nvr_media_track_config_new_aac(asc, rate, channels, error);
}

static NvrMediaTrackConfig *
nvr_media_init_read_stsd(const NvrMediaBox *stsd, GError **error)
{
	NvrMediaBoxReader r;
	NvrMediaBox entry;
	gchar name[5];

	if (stsd->payload_size < 8)
		return nvr_media_init_fail_null(error, "stsd");
	nvr_media_box_reader_init_children(&r, stsd, 8);
	if (!nvr_media_box_reader_next(&r, &entry, error))
		return NULL;
	switch (entry.type) {
	case NVR_MEDIA_FOURCC('a', 'v', 'c', '1'):
	case NVR_MEDIA_FOURCC('h', 'v', 'c', '1'):
		return nvr_media_init_read_visual_entry(&entry, error);
	case NVR_MEDIA_FOURCC('m', 'p', '4', 'a'):
	case NVR_MEDIA_FOURCC('u', 'l', 'a', 'w'):
	case NVR_MEDIA_FOURCC('a', 'l', 'a', 'w'):
		return nvr_media_init_read_audio_entry(&entry, error);
	default:
		g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED,
			    "init segment: sample entry '%s'",
			    nvr_media_box_type_to_string(entry.type, name));
		return NULL;
	}
}

/* a full box's fields after version and flags: v0 takes @v0 bytes, v1 @v1 */
static gboolean
nvr_media_init_full_box(const NvrMediaBox *box, NvrMediaBytes *r, gsize v0, gsize v1)
{
	guint8 version;

	nvr_media_bytes_init(r, box->payload, box->payload_size);
	version = nvr_media_bytes_u8(r);
	nvr_media_bytes_skip(r, 3);
	if (version > 1)
		return FALSE;
	nvr_media_bytes_skip(r, version == 1 ? v1 : v0);
	return !r->overrun;
}

static gboolean
nvr_media_init_read_mdia(const NvrMediaBox *mdia, guint32 *timescale, NvrMediaBox *stsd,
			 GError **error)
{
	NvrMediaBox mdhd, minf, stbl;
	NvrMediaBytes r;

	if (!nvr_media_box_find_child(mdia, 0, "mdhd", &mdhd, error))
		return FALSE;
	if (!nvr_media_init_full_box(&mdhd, &r, 8, 16))
		return nvr_media_init_fail(error, "mdhd");
	*timescale = nvr_media_bytes_u32(&r);
	if (r.overrun || *timescale == 0)
		return nvr_media_init_fail(error, "mdhd timescale");
	return nvr_media_box_find_child(mdia, 0, "minf", &minf, error) &&
	       nvr_media_box_find_child(&minf, 0, "stbl", &stbl, error) &&
	       nvr_media_box_find_child(&stbl, 0, "stsd", stsd, error);
}

static gboolean
nvr_media_init_read_trak(NvrMediaInit *init, const NvrMediaBox *trak, GError **error)
{
	NvrMediaTrackConfig *config;
	NvrMediaBox tkhd, mdia, stsd;
	guint32 track_id, timescale;
	NvrMediaBytes r;

	if (init->n_tracks == NVR_MEDIA_MAX_TRACKS) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED,
			    "init segment: more than %u tracks", NVR_MEDIA_MAX_TRACKS);
		return FALSE;
	}
	if (!nvr_media_box_find_child(trak, 0, "tkhd", &tkhd, error))
		return FALSE;
	if (!nvr_media_init_full_box(&tkhd, &r, 8, 16))
		return nvr_media_init_fail(error, "tkhd");
	track_id = nvr_media_bytes_u32(&r);
	if (r.overrun || track_id == 0 || nvr_media_init_find_track(init, track_id) >= 0)
		return nvr_media_init_fail(error, "tkhd track ID");
	if (!nvr_media_box_find_child(trak, 0, "mdia", &mdia, error) ||
	    !nvr_media_init_read_mdia(&mdia, &timescale, &stsd, error))
		return FALSE;
	config = nvr_media_init_read_stsd(&stsd, error);
	if (config == NULL)
		return FALSE;
	config->timescale = timescale; /* not yet shared: still ours to set */
	init->track_ids[init->n_tracks] = track_id;
	init->tracks[init->n_tracks++] = config;
	return TRUE;
}

static gboolean
nvr_media_init_read_mvex(NvrMediaInit *init, const NvrMediaBox *moov, GError **error)
{
	NvrMediaBox mvex, mehd;
	NvrMediaBytes r;
	guint8 version;

	if (!nvr_media_box_find_child(moov, 0, "mvex", &mvex, error)) {
		g_prefix_error(error, "not a fragmented MP4: ");
		return FALSE;
	}
	if (!nvr_media_box_find_child(&mvex, 0, "mehd", &mehd, NULL))
		return TRUE; /* optional */
	nvr_media_bytes_init(&r, mehd.payload, mehd.payload_size);
	version = nvr_media_bytes_u8(&r);
	nvr_media_bytes_skip(&r, 3);
	init->duration = version == 1 ? nvr_media_bytes_u64(&r) : nvr_media_bytes_u32(&r);
	if (r.overrun || version > 1)
		return nvr_media_init_fail(error, "mehd");
	return TRUE;
}

static gboolean
nvr_media_init_read_moov(NvrMediaInit *init, const NvrMediaBox *moov, GError **error)
{
	NvrMediaBoxReader r;
	NvrMediaBox box;

	nvr_media_box_reader_init_children(&r, moov, 0);
	while (!nvr_media_box_reader_at_end(&r)) {
		if (!nvr_media_box_reader_next(&r, &box, error))
			return FALSE;
		if (box.type == NVR_MEDIA_FOURCC_STR("trak") &&
		    !nvr_media_init_read_trak(init, &box, error))
			return FALSE;
	}
	if (init->n_tracks == 0)
		return nvr_media_init_fail(error, "moov (no track)");
	return nvr_media_init_read_mvex(init, moov, error);
}

NvrMediaInit *
nvr_media_init_parse(const guint8 *data, gsize size, GError **error)
{
	g_autoptr(NvrMediaInit) init = g_new0(NvrMediaInit, 1);
	gboolean have_ftyp = FALSE;
	NvrMediaBoxReader r;
	NvrMediaBox box;

	nvr_media_box_reader_init(&r, data, size, 0);
	while (!nvr_media_box_reader_at_end(&r)) {
		if (!nvr_media_box_reader_next(&r, &box, error))
			return NULL;
		if (box.type == NVR_MEDIA_FOURCC_STR("ftyp")) {
			have_ftyp = TRUE;
		} else if (box.type == NVR_MEDIA_FOURCC_STR("moov")) {
			if (!have_ftyp) {
				nvr_media_init_fail(error, "file (moov before ftyp)");
				return NULL;
			}
			if (!nvr_media_init_read_moov(init, &box, error))
				return NULL;
			return g_steal_pointer(&init);
		}
	}
	nvr_media_init_fail(error, "file (no moov)");
	return NULL;
}
