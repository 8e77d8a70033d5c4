/*
 * nvr-ingest.h: one camera stream (main or sub) turned into runs of timed
 * access units (DESIGN.md §3, §4). NvrIngest connects over RTSP, depayloads
 * and parses without decoding, reconnects with backoff, watches for stalls,
 * and hands everything to its consumers on its main context.
 *
 * What a consumer sees, in this order, for each run:
 *   run_started -> caps_changed (every track known so far)
 *     -> { access_unit | caps_changed | wall_corrected }*  -> run_ended
 * wall_corrected may also come after run_ended, for a run that was unsynced.
 * The first video access unit of a run is a key frame; no audio comes
 * before it. Every callback runs on the ingest's main context; none may
 * block, and none may stop or unref the ingest (do that from an idle).
 *
 * Access units reach consumers in batches, at most about 20 ms after they
 * were parsed (fewer wakeups: DESIGN.md §3, lean ingest). Over TCP the
 * source is nvrrtspsrc (nvr-rtsp-src.h); over UDP, for rtsps:// and with
 * nvr_ingest_set_use_rtspsrc(), GStreamer's rtspsrc.
 */
#pragma once

#include <gst/gst.h>

#include "core/nvr-clock.h"
#include "core/nvr-config.h"
#include "recorder/nvr-timeline.h"

G_BEGIN_DECLS

/* the segmenter's track numbers (nvr-media-segmenter.h): video 0, audio 1 */
typedef enum {
	NVR_INGEST_TRACK_VIDEO = 0,
	NVR_INGEST_TRACK_AUDIO = 1,
} NvrIngestTrack;

#define NVR_INGEST_N_TRACKS 2

typedef enum {
	NVR_INGEST_CODEC_H264 = 1,
	NVR_INGEST_CODEC_H265,
	NVR_INGEST_CODEC_AAC,
	NVR_INGEST_CODEC_MULAW,
	NVR_INGEST_CODEC_ALAW,
} NvrIngestCodec;

typedef enum {
	NVR_INGEST_TRANSPORT_TCP, /* RTP interleaved in the RTSP connection */
	NVR_INGEST_TRANSPORT_UDP,
} NvrIngestTransport;

typedef enum {
	NVR_INGEST_STATE_IDLE,	     /* not started, or stopped */
	NVR_INGEST_STATE_CONNECTING, /* a connection is up or coming up; no run yet */
	NVR_INGEST_STATE_RECORDING,  /* a run is open */
	NVR_INGEST_STATE_WAITING,    /* the connection ended; a retry is scheduled */
} NvrIngestState;

/* why a run ended; the strings (nvr_ingest_end_reason_to_string) are the
 * index's runs.end_reason values */
typedef enum {
	NVR_INGEST_END_STOPPED = 1,	/* nvr_ingest_stop() */
	NVR_INGEST_END_EOS,		/* the camera ended the stream */
	NVR_INGEST_END_ERROR,		/* connection or stream error; see the GError */
	NVR_INGEST_END_WATCHDOG,	/* no video frame for watchdog-seconds */
	NVR_INGEST_END_OVERFLOW,	/* the main context fell behind and frames were dropped */
	NVR_INGEST_END_MEDIA_BACKWARDS, /* split: RTP time went backwards */
	NVR_INGEST_END_MEDIA_JUMP,	/* split: RTP time jumped forward */
	NVR_INGEST_END_CLOCK_STEP,	/* split: the system clock was stepped */
	NVR_INGEST_END_DRIFT,		/* split: camera clock and ours disagree beyond slewing */
} NvrIngestEndReason;

typedef struct {
	guint64 id;	      /* per NvrIngest, from 1, increasing */
	guint connection;     /* the connection (1, 2, ...) it came from; splits share one */
	gint64 wall_start_us; /* of its first key frame (moved by wall_corrected) */
	gboolean unsynced;    /* started before the system clock was synchronised */
	guint64 frames;	      /* video access units delivered so far */
	guint64 bytes;	      /* of all tracks */
} NvrIngestRun;

typedef struct {
	NvrIngestTrack track;
	NvrIngestCodec codec;
	guint32 timescale;   /* 90000 for video, the sample rate for audio */
	guint width;	     /* video */
	guint height;
	guint rate;	     /* audio */
	guint channels;
	GBytes *codec_data;  /* avcC, hvcC or AudioSpecificConfig; NULL for G.711 */
	GstCaps *caps;	     /* all of it, for nvr_media_track_config_from_caps() */
} NvrIngestCaps;

typedef struct {
	guint64 run;
	NvrIngestTrack track;
	gint64 dts;	    /* media time in the track's timescale; 0 at the run's first key frame */
	gint32 cts_offset;  /* pts - dts (B-frames) */
	guint32 duration;   /* in the timescale; 0: unknown */
	gboolean keyframe;  /* audio: always TRUE */
	gint64 wall_us;	    /* UTC microseconds (see wall_corrected) */
	gint64 arrival_us;  /* CLOCK_BOOTTIME when it reached us */
	GstBuffer *buffer;  /* length-prefixed NAL units / raw AAC / G.711 bytes;
			     * (transfer none): gst_buffer_ref() it to keep it */
} NvrIngestAu;

typedef struct _NvrIngest NvrIngest;

/* every member may be NULL */
typedef struct {
	void (*run_started)(NvrIngest *ingest, const NvrIngestRun *run, gpointer user_data);
	void (*caps_changed)(NvrIngest *ingest, const NvrIngestCaps *caps, gpointer user_data);
	void (*access_unit)(NvrIngest *ingest, const NvrIngestAu *au, gpointer user_data);
	/* @error: why the connection ended (EOS, ERROR, WATCHDOG); NULL for a
	 * split, a stop or an overflow. It never contains credentials. */
	void (*run_ended)(NvrIngest *ingest,
			  const NvrIngestRun *run,
			  NvrIngestEndReason reason,
			  const GError *error,
			  gpointer user_data);
	/* add @delta_us to every wall time of @run reported before this call
	 * (the index: nvr_index_run_correct_wall()); later ones include it */
	void (*wall_corrected)(NvrIngest *ingest,
			       guint64 run,
			       gint64 delta_us,
			       NvrTimelineCorrectionReason reason,
			       gpointer user_data);
} NvrIngestConsumer;

typedef struct {
	guint connections;     /* attempts made */
	guint runs;
	guint64 frames;	       /* video access units delivered */
	guint64 audio_frames;
	guint64 bytes;
	guint64 skipped;       /* access units dropped while waiting for a key frame */
	guint64 overflowed;    /* dropped because the main context fell behind */
	guint caps_changes;
} NvrIngestStats;

#define NVR_INGEST_RETRY_MIN_MS 500
/* A camera that went away is back in recording within 5 s of returning:
 * a retry at most 2 s away, the connect, and up to a GOP (2 s on most
 * cameras) to the first key frame. */
#define NVR_INGEST_RETRY_MAX_MS 2000
/* Refused credentials back off further: many cameras lock an account
 * after a few failed logins in a short time. */
#define NVR_INGEST_RETRY_AUTH_MAX_MS 60000
/* a run this long resets the backoff */
#define NVR_INGEST_HEALTHY_S 60

#define NVR_TYPE_INGEST (nvr_ingest_get_type())
G_DECLARE_FINAL_TYPE(NvrIngest, nvr_ingest, NVR, INGEST, GObject)

NvrIngest *
nvr_ingest_new(const gchar *name, const gchar *url, NvrClock *clock, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
void
nvr_ingest_set_credentials(NvrIngest *self, const gchar *user, const gchar *password);
void
nvr_ingest_set_transport(NvrIngest *self, NvrIngestTransport transport);
void
nvr_ingest_set_watchdog_seconds(NvrIngest *self, guint seconds);
void
nvr_ingest_set_use_rtspsrc(NvrIngest *self, gboolean use_rtspsrc);
gboolean
nvr_ingest_apply_config(NvrIngest *self, NvrConfig *config, GError **error);

guint
nvr_ingest_add_consumer(NvrIngest *self,
			const NvrIngestConsumer *consumer,
			gpointer user_data,
			GDestroyNotify destroy);
void
nvr_ingest_remove_consumer(NvrIngest *self, guint id);

void
nvr_ingest_start(NvrIngest *self);
void
nvr_ingest_stop(NvrIngest *self);

const gchar *
nvr_ingest_get_name(NvrIngest *self);
const gchar *
nvr_ingest_get_url(NvrIngest *self);
NvrIngestState
nvr_ingest_get_state(NvrIngest *self);
guint
nvr_ingest_get_retry_delay_ms(NvrIngest *self);
const GError *
nvr_ingest_get_last_error(NvrIngest *self);
void
nvr_ingest_get_stats(NvrIngest *self, NvrIngestStats *stats);

const gchar *
nvr_ingest_end_reason_to_string(NvrIngestEndReason reason);
const gchar *
nvr_ingest_state_to_string(NvrIngestState state);
const gchar *
nvr_ingest_codec_to_string(NvrIngestCodec codec);

G_END_DECLS
