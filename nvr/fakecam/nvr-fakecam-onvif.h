/*
 * nvr-fakecam-onvif.h: the ONVIF device and media services of a simulated
 * camera, as a pure function from a request body to a response, so that it
 * can be fuzzed and tested without sockets.
 */
#pragma once

#include <glib.h>

#include "fakecam/nvr-fakecam-persona.h"

G_BEGIN_DECLS

#define NVR_FAKECAM_ONVIF_DEVICE_PATH "/onvif/device_service"

gchar *
nvr_fakecam_onvif_handle(const NvrFakecamDevice *dev,
			 const gchar *body,
			 gsize len,
			 GDateTime *now,
			 guint *status);

G_END_DECLS
