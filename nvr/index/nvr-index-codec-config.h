/*
 * nvr-index-codec-config.h: the init segments (ftyp + moov) of a camera,
 * one row per distinct configuration, shared by every segment that uses
 * it. A change of SPS/PPS or resolution gives a new row and a new segment.
 */
#pragma once

#include "nvr-index.h"

G_BEGIN_DECLS

typedef struct {
	gint64 id;
	gint64 camera_id;
	GBytes *sha256; /* of init_segment; unique per camera */
	gchar *codec;	/* RFC 6381, e.g. "avc1.640028" */
	guint width;
	guint height;
	GBytes *init_segment; /* ftyp + moov */
} NvrIndexCodecConfig;

void
nvr_index_codec_config_free(NvrIndexCodecConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrIndexCodecConfig, nvr_index_codec_config_free)

gboolean
nvr_index_codec_config_ensure(NvrIndex *self,
			      gint64 camera_id,
			      const gchar *codec,
			      guint width,
			      guint height,
			      GBytes *init_segment,
			      gint64 *id,
			      GError **error) G_GNUC_WARN_UNUSED_RESULT;
NvrIndexCodecConfig *
nvr_index_codec_config_load(NvrIndex *self, gint64 id, GError **error);

G_END_DECLS
