#include "config.h"

#include <sys/timex.h>
#include <time.h>

#include "nvr-clock.h"

struct _NvrClock {
	GObject parent_instance;
	gboolean fake;		/* immutable */
	GMutex lock;		/* fake values may be read from any thread */
	gint64 realtime_us;	/* protected by lock; fake only */
	gint64 boottime_us;	/* protected by lock; fake only */
	gboolean synchronized;	/* protected by lock; fake only */
};

G_DEFINE_TYPE(NvrClock, nvr_clock, G_TYPE_OBJECT)

static gint64
nvr_clock_read(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

gint64
nvr_clock_get_realtime_us(NvrClock *self)
{
	gint64 v;

	g_return_val_if_fail(NVR_IS_CLOCK(self), 0);
	if (!self->fake)
		return nvr_clock_read(CLOCK_REALTIME);
	g_mutex_lock(&self->lock);
	v = self->realtime_us;
	g_mutex_unlock(&self->lock);
	return v;
}

/* boottime keeps counting through suspend, unlike monotonic */
gint64
nvr_clock_get_boottime_us(NvrClock *self)
{
	gint64 v;

	g_return_val_if_fail(NVR_IS_CLOCK(self), 0);
	if (!self->fake)
		return nvr_clock_read(CLOCK_BOOTTIME);
	g_mutex_lock(&self->lock);
	v = self->boottime_us;
	g_mutex_unlock(&self->lock);
	return v;
}

/* for timeouts; on a fake clock it follows boottime */
gint64
nvr_clock_get_monotonic_us(NvrClock *self)
{
	g_return_val_if_fail(NVR_IS_CLOCK(self), 0);
	if (!self->fake)
		return nvr_clock_read(CLOCK_MONOTONIC);
	return nvr_clock_get_boottime_us(self);
}

/* realtime - boottime; a change of it is a step of the system clock */
gint64
nvr_clock_get_offset_us(NvrClock *self)
{
	gint64 offset;

	g_return_val_if_fail(NVR_IS_CLOCK(self), 0);
	if (!self->fake) {
		/* read boottime on both sides to bound the sampling delay */
		gint64 b0 = nvr_clock_read(CLOCK_BOOTTIME);
		gint64 r = nvr_clock_read(CLOCK_REALTIME);
		gint64 b1 = nvr_clock_read(CLOCK_BOOTTIME);
		return r - (b0 + (b1 - b0) / 2);
	}
	g_mutex_lock(&self->lock);
	offset = self->realtime_us - self->boottime_us;
	g_mutex_unlock(&self->lock);
	return offset;
}

gboolean
nvr_clock_is_synchronized(NvrClock *self)
{
	gboolean v;

	g_return_val_if_fail(NVR_IS_CLOCK(self), FALSE);
	if (!self->fake) {
		struct timex tx = {0};
		/* TIME_ERROR means the kernel considers the clock unsynchronised */
		return adjtimex(&tx) != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
	}
	g_mutex_lock(&self->lock);
	v = self->synchronized;
	g_mutex_unlock(&self->lock);
	return v;
}

void
nvr_clock_fake_advance(NvrClock *self, gint64 delta_us)
{
	g_return_if_fail(NVR_IS_CLOCK(self) && self->fake);
	g_mutex_lock(&self->lock);
	self->realtime_us += delta_us;
	self->boottime_us += delta_us;
	g_mutex_unlock(&self->lock);
}

void
nvr_clock_fake_step_realtime(NvrClock *self, gint64 delta_us)
{
	g_return_if_fail(NVR_IS_CLOCK(self) && self->fake);
	g_mutex_lock(&self->lock);
	self->realtime_us += delta_us;
	g_mutex_unlock(&self->lock);
}

void
nvr_clock_fake_set_synchronized(NvrClock *self, gboolean synchronized)
{
	g_return_if_fail(NVR_IS_CLOCK(self) && self->fake);
	g_mutex_lock(&self->lock);
	self->synchronized = synchronized;
	g_mutex_unlock(&self->lock);
}

static void
nvr_clock_finalize(GObject *object)
{
	NvrClock *self = NVR_CLOCK(object);

	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(nvr_clock_parent_class)->finalize(object);
}

static void
nvr_clock_class_init(NvrClockClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_clock_finalize;
}

static void
nvr_clock_init(NvrClock *self)
{
	g_mutex_init(&self->lock);
}

/**
 * nvr_clock_new_system:
 *
 * Returns: (transfer full): the clocks of this machine
 */
NvrClock *
nvr_clock_new_system(void)
{
	return g_object_new(NVR_TYPE_CLOCK, NULL);
}

/**
 * nvr_clock_new_fake:
 *
 * Returns: (transfer full): a clock that moves only when told; synchronised
 */
NvrClock *
nvr_clock_new_fake(gint64 realtime_us, gint64 boottime_us)
{
	NvrClock *self = g_object_new(NVR_TYPE_CLOCK, NULL);

	self->fake = TRUE;
	self->realtime_us = realtime_us;
	self->boottime_us = boottime_us;
	self->synchronized = TRUE;
	return self;
}
