/*
 * nvr-store-writer.h: writes the encrypted segment files of one footage dir
 * and keeps their index rows (DESIGN.md §5). The design notes are atop
 * nvr-store-writer.c.
 *
 * Every call is thread-safe and returns at once: the work is queued for the
 * writer's own thread, so neither the main context nor a GStreamer
 * streaming thread ever waits on the disk. Failures (a full disk above
 * all) end the affected segment and reach the error callback on the main
 * context that was the thread default when the writer was made.
 */
#pragma once

#include <glib-object.h>

#include "index/nvr-index-all.h"
#include "keys/nvr-keyring.h"
#include "media/nvr-media.h"
#include "nvr-footage.h"

G_BEGIN_DECLS

#define NVR_STORE_SYNC_WINDOW_MS_DEFAULT 5000
#define NVR_STORE_COMMIT_INTERVAL_MS_DEFAULT 1000

typedef struct {
	guint sync_window_ms;	  /* 0: 5000; fdatasync of open segments at most this often */
	guint commit_interval_ms; /* 0: 1000; finalized rows are committed together */
	guint chunk_log2;	  /* 0: per segment, from the stream's byte rate and the sync
				   * window (4 to 64 KiB); else this size for all */
} NvrStoreWriterConfig;

/* what the recorder knows when a segment starts (a SEGMENT_START chunk and its first fragment) */
typedef struct {
	gint64 camera_id;
	const gchar *camera_uuid;
	NvrIndexStream stream;
	gint64 run_id;
	gint64 start_us;    /* wall time of the first key frame */
	gint64 media_start; /* its media time (90 kHz) */
	GBytes *init_segment;
	const gchar *codec; /* RFC 6381 */
	guint width;
	guint height;
} NvrStoreSegmentParams;

typedef struct _NvrStoreWriter NvrStoreWriter;

/* @segment_id is 0 when the failure came before the row existed */
typedef void (*NvrStoreWriterErrorFunc)(gint64 camera_id, NvrIndexStream stream,
					gint64 segment_id, const GError *error,
					gpointer user_data);

/* the first durable write (sync or finalize) of a stream after it reported an error */
typedef void (*NvrStoreWriterResumedFunc)(gint64 camera_id, NvrIndexStream stream,
					  gpointer user_data);

/* @index is only used for its path: the writer thread has its own connection */
NvrStoreWriter *
nvr_store_writer_new(NvrIndex *index, NvrFootage *footage, gint64 footage_dir_id,
		     NvrKeyring *keyring, const NvrStoreWriterConfig *config, GError **error);
/* with an error func set, the writer logs failures at debug level only: @func decides what
 * to warn about (without one, each failure is a warning) */
void
nvr_store_writer_set_error_func(NvrStoreWriter *self, NvrStoreWriterErrorFunc func,
				gpointer user_data);
void
nvr_store_writer_set_resumed_func(NvrStoreWriter *self, NvrStoreWriterResumedFunc func,
				  gpointer user_data);
/* ends the segment open for the same camera stream, if any, then opens a new one */
void
nvr_store_writer_begin_segment(NvrStoreWriter *self, const NvrStoreSegmentParams *params);
/* a whole fragment (moof + mdat) of the open segment; dropped when none is open */
void
nvr_store_writer_append(NvrStoreWriter *self, gint64 camera_id, NvrIndexStream stream,
			GBytes *fragment, const NvrMediaFragmentInfo *info);
/* the same, as the GBytes to write in order (nvr_media_segmenter_set_fragment_parts) */
void
nvr_store_writer_append_parts(NvrStoreWriter *self, gint64 camera_id, NvrIndexStream stream,
			      GPtrArray *parts, const NvrMediaFragmentInfo *info);
/* finalizes the open segment; @end_us 0: start plus the media duration written */
void
nvr_store_writer_end_segment(NvrStoreWriter *self, gint64 camera_id, NvrIndexStream stream,
			     gint64 end_us);
/* a timeline correction: the segments of run @run_id move by @offset_us */
void
nvr_store_writer_shift_run(NvrStoreWriter *self, gint64 camera_id, NvrIndexStream stream,
			   gint64 run_id, gint64 offset_us);
/* blocks until everything queued so far is on disk and committed (shutdown, tests) */
void
nvr_store_writer_flush(NvrStoreWriter *self);
/* finalizes every open segment, commits, joins the thread and frees */
void
nvr_store_writer_free(NvrStoreWriter *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrStoreWriter, nvr_store_writer_free)

/* testing: the number of fragments dropped because no segment was open */
guint64
nvr_store_writer_get_dropped(NvrStoreWriter *self);

G_END_DECLS
