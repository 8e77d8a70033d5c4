#include "config.h"

#include "core/nvr-error.h"
#include "nvr-deadline.h"

struct _NvrDeadline {
	GCancellable *cancellable; /* ours: cancelled by the timer or by the caller */
	GCancellable *caller;	   /* nullable */
	gulong caller_id;
	GSource *timer; /* on the thread-default context of nvr_deadline_new() */
	gint expired;	/* atomic: set by the timer before it cancels */
	guint timeout_ms;
};

static gboolean
nvr_deadline_timer_cb(gpointer user_data)
{
	NvrDeadline *self = user_data;

	g_atomic_int_set(&self->expired, 1);
	g_cancellable_cancel(self->cancellable);
	return G_SOURCE_REMOVE;
}

/* may run in whichever thread cancels the caller's cancellable */
static void
nvr_deadline_caller_cancelled_cb(GCancellable *caller, gpointer user_data)
{
	g_cancellable_cancel(G_CANCELLABLE(user_data));
}

/**
 * nvr_deadline_new:
 * @caller: (nullable): the caller's cancellable
 * @timeout_ms: the overall limit, counted from now
 *
 * Returns: (transfer full): a running deadline; free it on the same thread
 */
NvrDeadline *
nvr_deadline_new(GCancellable *caller, guint timeout_ms)
{
	NvrDeadline *self = g_new0(NvrDeadline, 1);

	self->cancellable = g_cancellable_new();
	self->timeout_ms = timeout_ms;
	if (caller != NULL) {
		self->caller = g_object_ref(caller);
		self->caller_id =
			g_cancellable_connect(caller, G_CALLBACK(nvr_deadline_caller_cancelled_cb),
					      g_object_ref(self->cancellable), g_object_unref);
	}
	self->timer = g_timeout_source_new(timeout_ms);
	g_source_set_callback(self->timer, nvr_deadline_timer_cb, self, NULL);
	g_source_set_static_name(self->timer, "nvr-deadline");
	g_source_attach(self->timer, g_main_context_get_thread_default());
	return self;
}

void
nvr_deadline_free(NvrDeadline *self)
{
	if (self == NULL)
		return;
	if (self->caller != NULL) {
		g_cancellable_disconnect(self->caller, self->caller_id);
		g_object_unref(self->caller);
	}
	g_source_destroy(self->timer);
	g_source_unref(self->timer);
	g_object_unref(self->cancellable);
	g_free(self);
}

GCancellable *
nvr_deadline_get_cancellable(NvrDeadline *self)
{
	return self->cancellable;
}

gboolean
nvr_deadline_expired(NvrDeadline *self)
{
	return g_atomic_int_get(&self->expired) != 0;
}

guint
nvr_deadline_get_timeout_ms(NvrDeadline *self)
{
	return self->timeout_ms;
}

/**
 * nvr_deadline_translate_error:
 * @error: (transfer full): an error from an operation run with our cancellable
 *
 * Returns: (transfer full): @error, except that "cancelled" becomes
 * NVR_ERROR_TIMEOUT if the deadline passed, NVR_ERROR_CANCELLED if the
 * caller cancelled, and other errors become NVR_ERROR_IO with their message
 */
GError *
nvr_deadline_translate_error(NvrDeadline *self, GError *error)
{
	GError *translated;

	if (error->domain == NVR_ERROR)
		return error;
	if (nvr_deadline_expired(self))
		translated = g_error_new(NVR_ERROR, NVR_ERROR_TIMEOUT,
					 "no complete reply within %u ms", self->timeout_ms);
	else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		translated = g_error_new_literal(NVR_ERROR, NVR_ERROR_CANCELLED, "cancelled");
	else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
		translated = g_error_new(NVR_ERROR, NVR_ERROR_TIMEOUT, "%s", error->message);
	else
		translated = g_error_new(NVR_ERROR, NVR_ERROR_IO, "%s", error->message);
	g_error_free(error);
	return translated;
}
