/*
 * notes on reopening after a write error (nvr-retention-reopen.h)
 *
 *   per stream:
 *     WRITING --failed--> HELD, waiting for a run
 *     HELD --run: room, first failure in a row--> released (begins a segment)
 *     HELD --run: else--> HELD with a timer (backoff) --timer, or a run with room--> released
 *     released --failed--> HELD (one failure more in a row: a longer backoff)
 *     any --resumed (a durable write)--> WRITING (the row is forgotten)
 *
 * invariants
 *   (1) a held stream is released only after a retention run since its
 *       last failure: the run is what may make room
 *   (2) backoff = 0 after the first failure in a row when the run left
 *       room, else min_ms doubling per failure in a row up to max_ms,
 *       jittered to between half and all of it
 *   (3) warnings: one when a stream starts failing, one when the disk
 *       becomes full; a message when each ends. Retries log at debug level
 */
#include "config.h"

#include "core/nvr-error.h"
#include "nvr-retention-reopen.h"

typedef struct {
	NvrRetentionReopen *owner;
	gint64 camera_id;
	NvrIndexStream stream;
	gchar *name;
	guint failures;	  /* in a row, since the last durable write */
	gint64 since_us;  /* monotonic, the first of them */
	guint backoff_ms; /* of the last wait */
	gboolean held;
	gboolean ran;	   /* a run came since the last failure */
	gboolean no_space; /* the last failure was a full disk */
	gboolean no_room;  /* the run after it left no room */
	guint timer_id;
} ReopenStream;

struct _NvrRetentionReopen {
	guint min_ms;
	guint max_ms;
	NvrRetentionReopenFunc func;
	gpointer func_data;
	GHashTable *streams; /* camera_id * 2 + stream -> ReopenStream */
	gboolean disk_full;
};

static void
reopen_stream_free(ReopenStream *s)
{
	g_clear_handle_id(&s->timer_id, g_source_remove);
	g_free(s->name);
	g_free(s);
}

NvrRetentionReopen *
nvr_retention_reopen_new(guint min_ms, guint max_ms, NvrRetentionReopenFunc func,
			 gpointer user_data)
{
	NvrRetentionReopen *self;

	g_return_val_if_fail(func != NULL, NULL);
	g_return_val_if_fail(min_ms > 0 && min_ms <= max_ms, NULL);

	self = g_new0(NvrRetentionReopen, 1);
	self->min_ms = min_ms;
	self->max_ms = max_ms;
	self->func = func;
	self->func_data = user_data;
	self->streams = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
					      (GDestroyNotify)reopen_stream_free);
	return self;
}

void
nvr_retention_reopen_free(NvrRetentionReopen *self)
{
	if (self == NULL)
		return;
	g_hash_table_unref(self->streams);
	g_free(self);
}

static gint64
reopen_key(gint64 camera_id, NvrIndexStream stream)
{
	return camera_id * 2 + (gint64)stream;
}

static const gchar *
reopen_name(const ReopenStream *s)
{
	return s->name != NULL ? s->name : "a camera";
}

/* the disk is full while some stream fails for lack of space and retention leaves no room */
static void
reopen_update_disk_full(NvrRetentionReopen *self, guint64 free_bytes)
{
	GHashTableIter iter;
	ReopenStream *s;
	gboolean full = FALSE;
	guint waiting = 0;

	g_hash_table_iter_init(&iter, self->streams);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&s)) {
		if (s->no_space && s->no_room) {
			full = TRUE;
			waiting++;
		}
	}
	if (full == self->disk_full)
		return;
	self->disk_full = full;
	if (full)
		g_warning("footage disk full (%" G_GUINT64_FORMAT " bytes free) and retention can "
			  "delete nothing more: %u streams wait, retrying %u to %u s apart",
			  free_bytes, waiting, self->min_ms / 1000, self->max_ms / 1000);
	else
		g_message("footage disk: room again");
}

static void
reopen_release(ReopenStream *s)
{
	NvrRetentionReopen *self = s->owner;

	g_clear_handle_id(&s->timer_id, g_source_remove);
	if (!s->held)
		return;
	s->held = FALSE;
	g_debug("%s: stream %d may begin a segment (failure %u in a row)", reopen_name(s),
		(gint)s->stream, s->failures);
	self->func(s->camera_id, s->stream, FALSE, self->func_data);
}

static gboolean
reopen_timer_cb(gpointer data)
{
	ReopenStream *s = data;

	s->timer_id = 0;
	reopen_release(s);
	return G_SOURCE_REMOVE;
}

void
nvr_retention_reopen_failed(NvrRetentionReopen *self, gint64 camera_id, NvrIndexStream stream,
			    const gchar *name, const GError *error)
{
	gint64 key = reopen_key(camera_id, stream);
	ReopenStream *s;

	g_return_if_fail(self != NULL && error != NULL);

	s = g_hash_table_lookup(self->streams, &key);
	if (s == NULL) {
		s = g_new0(ReopenStream, 1);
		s->owner = self;
		s->camera_id = camera_id;
		s->stream = stream;
		g_hash_table_insert(self->streams, g_memdup2(&key, sizeof(key)), s);
	}
	if (name != NULL && g_strcmp0(s->name, name) != 0) {
		g_free(s->name);
		s->name = g_strdup(name);
	}
	if (s->failures++ == 0) {
		s->since_us = g_get_monotonic_time();
		g_warning("%s: cannot write footage: %s; it records again when a segment can be "
			  "written, retrying at most %u s apart",
			  reopen_name(s), error->message, self->max_ms / 1000);
	} else {
		g_debug("%s: write failed again (%u in a row): %s", reopen_name(s), s->failures,
			error->message);
	}
	s->no_space = g_error_matches(error, NVR_ERROR, NVR_ERROR_NO_SPACE);
	s->ran = FALSE;
	g_clear_handle_id(&s->timer_id, g_source_remove);
	if (!s->held) {
		s->held = TRUE;
		self->func(camera_id, stream, TRUE, self->func_data);
	}
}

void
nvr_retention_reopen_resumed(NvrRetentionReopen *self, gint64 camera_id, NvrIndexStream stream)
{
	gint64 key = reopen_key(camera_id, stream);
	ReopenStream *s;

	g_return_if_fail(self != NULL);

	s = g_hash_table_lookup(self->streams, &key);
	if (s == NULL)
		return;
	g_message("%s: writing footage again, after %u failed attempts in %.0f s",
		  reopen_name(s), s->failures, (g_get_monotonic_time() - s->since_us) / 1e6);
	/* a late resume of a stream held again meanwhile: the hold ends with the row */
	reopen_release(s);
	g_hash_table_remove(self->streams, &key);
	reopen_update_disk_full(self, 0);
}

/* invariant (2) */
static guint
reopen_backoff_ms(NvrRetentionReopen *self, ReopenStream *s, gboolean room)
{
	if (room && s->failures == 1)
		return 0;
	return s->failures == 1 || s->backoff_ms == 0 ? self->min_ms
						      : MIN(s->backoff_ms * 2, self->max_ms);
}

/* the first run since the stream's failure decides how long it waits */
static void
reopen_schedule(NvrRetentionReopen *self, ReopenStream *s, gboolean room)
{
	guint wait_ms;

	s->ran = TRUE;
	s->no_room = !room;
	s->backoff_ms = reopen_backoff_ms(self, s, room);
	if (s->backoff_ms == 0) {
		reopen_release(s);
		return;
	}
	/* cameras that failed together spread out */
	wait_ms = s->backoff_ms / 2 + (guint)g_random_int_range(0, (gint)s->backoff_ms / 2 + 1);
	g_debug("%s: next attempt in %u ms", reopen_name(s), wait_ms);
	s->timer_id = g_timeout_add(wait_ms, reopen_timer_cb, s);
}

void
nvr_retention_reopen_ran(NvrRetentionReopen *self, const NvrRetentionResult *result,
			 const GError *error)
{
	gboolean room;
	GHashTableIter iter;
	ReopenStream *s;

	g_return_if_fail(self != NULL && result != NULL);

	room = error == NULL && result->free_bytes >= NVR_RETENTION_REOPEN_ROOM_BYTES;
	g_hash_table_iter_init(&iter, self->streams);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&s)) {
		if (!s->held)
			continue;
		if (!s->ran) {
			reopen_schedule(self, s, room);
		} else if (room && s->no_room) {
			/* the disk was full and now is not: no need to sit out the backoff */
			s->no_room = FALSE;
			reopen_release(s);
		}
	}
	reopen_update_disk_full(self, result->free_bytes);
}

void
nvr_retention_reopen_forget(NvrRetentionReopen *self, gint64 camera_id)
{
	g_return_if_fail(self != NULL);

	for (gint stream = NVR_INDEX_STREAM_MAIN; stream <= NVR_INDEX_STREAM_SUB; stream++) {
		gint64 key = reopen_key(camera_id, (NvrIndexStream)stream);

		g_hash_table_remove(self->streams, &key);
	}
	reopen_update_disk_full(self, 0);
}

gboolean
nvr_retention_reopen_get_disk_full(NvrRetentionReopen *self)
{
	g_return_val_if_fail(self != NULL, FALSE);
	return self->disk_full;
}
