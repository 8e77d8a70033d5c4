/*
 * nvr-fakecam-control.h: the HTTP interface through which tests inject
 * faults into the simulated cameras (drop, stall, resolution, jump) and read
 * their counters. Documented in nvr/fakecam/README.md.
 */
#pragma once

#include <gio/gio.h>

#include "fakecam/nvr-fakecam-clip.h"

G_BEGIN_DECLS

#define NVR_TYPE_FAKECAM_CONTROL (nvr_fakecam_control_get_type())
G_DECLARE_FINAL_TYPE(NvrFakecamControl, nvr_fakecam_control, NVR, FAKECAM_CONTROL, GObject)

NvrFakecamControl *
nvr_fakecam_control_new(GPtrArray *cameras, NvrFakecamClip *clip, const NvrFakecamClipParams *params);
gboolean
nvr_fakecam_control_listen(NvrFakecamControl *self,
			   const gchar *address,
			   guint port,
			   GError **error);
const gchar *
nvr_fakecam_control_get_url(NvrFakecamControl *self);
gboolean
nvr_fakecam_control_is_encoding(NvrFakecamControl *self);

G_END_DECLS
