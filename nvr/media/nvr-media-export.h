/*
 * nvr-media-export.h: the reader side, for playback and export.
 *
 * - nvr_media_segment_layout_parse(): where the init segment and each
 *   fragment of a decrypted segment are (bounds-checked: a tampered file
 *   that decrypts fine is still untrusted)
 * - NvrMediaConcat: rewrites tfdt and mfhd so that fragments from several
 *   segments and runs play as one timeline; sizes never change, so byte
 *   ranges computed beforehand stay right
 * - NvrMediaExport: a standalone fragmented MP4 (init with mehd, fragments,
 *   mfra) that ffprobe and players read without warnings
 */
#pragma once

#include <gio/gio.h>

#include "nvr-media-fragment.h"

G_BEGIN_DECLS

typedef struct {
	gsize offset; /* of moof */
	NvrMediaFragment info;
} NvrMediaFragmentRange;

typedef struct {
	NvrMediaInit *init;
	gsize init_size;    /* bytes of ftyp + moov (and anything before the first moof) */
	GArray *fragments;  /* NvrMediaFragmentRange */
	gsize end;	    /* bytes covered by the init and whole fragments */
	gboolean truncated; /* bytes after @end do not form a whole fragment */
} NvrMediaSegmentLayout;

/* @allow_truncated: an interrupted segment ends in a partial fragment:
 * report it in @truncated instead of failing */
NvrMediaSegmentLayout *nvr_media_segment_layout_parse(const guint8 *data, gsize size,
						      gboolean allow_truncated, GError **error);
void nvr_media_segment_layout_free(NvrMediaSegmentLayout *layout);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrMediaSegmentLayout, nvr_media_segment_layout_free)

typedef struct _NvrMediaConcat NvrMediaConcat;

NvrMediaConcat *nvr_media_concat_new(const NvrMediaInit *init);
void nvr_media_concat_free(NvrMediaConcat *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrMediaConcat, nvr_media_concat_free)

/* the fragments that follow come from another segment or run: their first
 * fragment starts @gap (primary timescale) after everything so far, or
 * where the previous source ended when @gap is 0; the first source starts at 0 */
void nvr_media_concat_next_source(NvrMediaConcat *self, guint64 gap);
/* Returns: (transfer full): a copy of the fragment with new times and sequence */
GBytes *nvr_media_concat_push(NvrMediaConcat *self, const guint8 *data, gsize size,
			      NvrMediaFragment *info, GError **error);
/* end of the primary track so far, in its timescale */
guint64 nvr_media_concat_get_end(NvrMediaConcat *self);

typedef struct _NvrMediaExport NvrMediaExport;

/* writes the init segment; @duration_us: stated in mehd (0: unknown) */
NvrMediaExport *nvr_media_export_new(GOutputStream *out, GBytes *init, guint64 duration_us,
				     GCancellable *cancellable, GError **error);
void nvr_media_export_free(NvrMediaExport *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrMediaExport, nvr_media_export_free)

/* another segment follows; its init must describe the same tracks
 * (NVR_ERROR_NOT_SUPPORTED otherwise: a codec change needs a new file) */
gboolean nvr_media_export_next_source(NvrMediaExport *self, GBytes *init, guint64 gap_us,
				      GError **error);
gboolean nvr_media_export_write_fragment(NvrMediaExport *self, const guint8 *data, gsize size,
					 GCancellable *cancellable, GError **error);
/* writes mfra (random access to every key frame fragment) */
gboolean nvr_media_export_finish(NvrMediaExport *self, GCancellable *cancellable, GError **error);
guint64 nvr_media_export_get_bytes_written(NvrMediaExport *self);

G_END_DECLS
