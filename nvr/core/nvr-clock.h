/*
 * nvr-clock.h: the clocks nvr reads, behind one object so tests can inject
 * time (DESIGN.md §4). A system clock reads CLOCK_REALTIME, CLOCK_BOOTTIME
 * and CLOCK_MONOTONIC and asks adjtimex() whether NTP has synchronised. A
 * fake clock holds values that a test sets and advances; stepping its
 * realtime without boottime is what an NTP step looks like.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define NVR_TYPE_CLOCK (nvr_clock_get_type())
G_DECLARE_FINAL_TYPE(NvrClock, nvr_clock, NVR, CLOCK, GObject)

NvrClock *
nvr_clock_new_system(void);
NvrClock *
nvr_clock_new_fake(gint64 realtime_us, gint64 boottime_us);

gint64
nvr_clock_get_realtime_us(NvrClock *self);
gint64
nvr_clock_get_boottime_us(NvrClock *self);
gint64
nvr_clock_get_monotonic_us(NvrClock *self);
gboolean
nvr_clock_is_synchronized(NvrClock *self);
gint64
nvr_clock_get_offset_us(NvrClock *self);

void
nvr_clock_fake_advance(NvrClock *self, gint64 delta_us);
void
nvr_clock_fake_step_realtime(NvrClock *self, gint64 delta_us);
void
nvr_clock_fake_set_synchronized(NvrClock *self, gboolean synchronized);

G_END_DECLS
