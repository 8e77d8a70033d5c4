/*
 * nvr-fakecam-wsd.h: WS-Discovery target service of a simulated camera: the
 * answer to a Probe (SOAP over UDP), as a pure function for tests and fuzzing.
 */
#pragma once

#include <glib.h>

#include "fakecam/nvr-fakecam-persona.h"

G_BEGIN_DECLS

#define NVR_FAKECAM_WSD_MULTICAST_GROUP "239.255.255.250"
#define NVR_FAKECAM_WSD_PORT 3702

gchar *
nvr_fakecam_wsd_handle(const NvrFakecamDevice *dev,
		       const gchar *data,
		       gsize len,
		       guint message_number,
		       GError **error);

G_END_DECLS
