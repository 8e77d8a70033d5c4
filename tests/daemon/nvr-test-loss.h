/*
 * nvr-test-loss.h: what a crash cost each camera, as test-crash and
 * test-powercut measure it (the method is described in nvr-test-loss.c).
 */
#pragma once

#include "nvr-test-nvrd.h"

G_BEGIN_DECLS

/* nvr-fakecam: 15 fps, a key frame every 2 s (nvr/fakecam/README.md) */
#define NVR_TEST_LOSS_GOP_US (2 * G_USEC_PER_SEC)
#define NVR_TEST_LOSS_FRAME_US (G_USEC_PER_SEC / 15)

typedef struct {
	gint64 max_loss_us;
	gint64 sum_loss_us;
	guint n_losses;
	guint interrupted;
	guint header_only;
	guint no_segment;
} NvrTestLossStats;

void
nvr_test_loss_measure(NvrTestNvrd *fx, guint kill, gint64 kill_us, gint64 bound_us,
		      NvrTestLossStats *stats);
gchar *
nvr_test_loss_describe(const NvrTestLossStats *stats);
gchar *
nvr_test_loss_segment_path(NvrTestNvrd *fx, gint64 id);

G_END_DECLS
