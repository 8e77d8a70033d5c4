/*
 * nvr-retention-runner.h: retention for nvrd, on a thread of its own with
 * its own index connection, so that unlinks and fsyncs on a slow USB disk
 * never hold up the main loop or the segment writer.
 *
 * It runs the executor (nvr-retention.h) once at start, then every
 * interval (each run first prunes old tombstones, a bounded batch), and
 * at once when the free space drops below the floor (a cheap statvfs
 * every second) or when nvr_retention_runner_trigger() is
 * called (a write failed with ENOSPC). Runs closer together than a quarter
 * of a second are merged. Each run's result reaches the done callback on
 * the main context that was the thread default when the runner was made.
 */
#pragma once

#include "nvr-retention.h"

G_BEGIN_DECLS

typedef struct _NvrRetentionRunner NvrRetentionRunner;

/* @error: the run's failure, %NULL when it succeeded */
typedef void (*NvrRetentionRunnerFunc)(const NvrRetentionResult *result, const GError *error,
				       gpointer user_data);

/* @index is only used for its path; @interval_ms 0: 10 s */
NvrRetentionRunner *
nvr_retention_runner_new(NvrIndex *index, NvrFootage *footage, NvrNvreSigningKey *device_key,
			 const NvrRetentionPolicy *policy, guint interval_ms, GError **error);
void
nvr_retention_runner_set_func(NvrRetentionRunner *self, NvrRetentionRunnerFunc func,
			      gpointer user_data);
/* thread-safe; a run soon */
void
nvr_retention_runner_trigger(NvrRetentionRunner *self);
/* thread-safe; takes effect at the next run */
void
nvr_retention_runner_set_policy(NvrRetentionRunner *self, const NvrRetentionPolicy *policy,
				guint interval_ms);
/* thread-safe: the sums of every run so far (free_bytes: the last reading) */
void
nvr_retention_runner_get_totals(NvrRetentionRunner *self, NvrRetentionResult *totals);

/* how long runs took, waits for the index's write lock included (monotonic microseconds) */
typedef struct {
	guint runs;
	gint64 run_us; /* total */
	gint64 run_max_us;
} NvrRetentionRunnerTimes;

/* thread-safe */
void
nvr_retention_runner_get_times(NvrRetentionRunner *self, NvrRetentionRunnerTimes *times);
/* finishes the run under way, joins the thread and frees */
void
nvr_retention_runner_free(NvrRetentionRunner *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrRetentionRunner, nvr_retention_runner_free)

G_END_DECLS
