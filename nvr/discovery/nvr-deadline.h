/*
 * nvr-deadline.h: one overall time limit for an asynchronous exchange.
 * Per-read timeouts do not stop a device that trickles a byte a second;
 * this does. The deadline cancels a private GCancellable, which is also
 * cancelled when the caller's is, and turns the resulting "cancelled" into
 * NVR_ERROR_TIMEOUT or NVR_ERROR_CANCELLED.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _NvrDeadline NvrDeadline;

NvrDeadline *nvr_deadline_new(GCancellable *caller, guint timeout_ms);
void nvr_deadline_free(NvrDeadline *self);
GCancellable *nvr_deadline_get_cancellable(NvrDeadline *self);
gboolean nvr_deadline_expired(NvrDeadline *self);
guint nvr_deadline_get_timeout_ms(NvrDeadline *self);
GError *nvr_deadline_translate_error(NvrDeadline *self, GError *error) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrDeadline, nvr_deadline_free)

G_END_DECLS
