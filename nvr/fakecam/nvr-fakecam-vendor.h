/*
 * nvr-fakecam-vendor.h: the vendor HTTP APIs a persona answers (Hikvision
 * ISAPI, Dahua/Amcrest magicBox, Axis VAPIX, Reolink api.cgi) and its
 * snapshot URLs. HTTP Digest is checked by the camera's server before a
 * request gets here (see nvr_fakecam_vendor_digest_paths()); Reolink's
 * token login is the vendor's own and is checked here.
 */
#pragma once

#include <glib-object.h>

#include "fakecam/nvr-fakecam-persona.h"

G_BEGIN_DECLS

#define NVR_FAKECAM_VENDOR_MAX_BODY (64 * 1024)

typedef struct {
	guint status;
	const gchar *content_type;
	GBytes *body;
} NvrFakecamReply;

void
nvr_fakecam_reply_clear(NvrFakecamReply *reply);

#define NVR_TYPE_FAKECAM_VENDOR (nvr_fakecam_vendor_get_type())
G_DECLARE_FINAL_TYPE(NvrFakecamVendor, nvr_fakecam_vendor, NVR, FAKECAM_VENDOR, GObject)

NvrFakecamVendor *
nvr_fakecam_vendor_new(const NvrFakecamDevice *dev, GBytes *jpeg);
const gchar *const *
nvr_fakecam_vendor_digest_paths(const NvrFakecamPersona *persona);
gboolean
nvr_fakecam_vendor_handle(NvrFakecamVendor *self,
			  const gchar *method,
			  const gchar *path,
			  const gchar *query,
			  const gchar *body,
			  gsize len,
			  NvrFakecamReply *reply);

G_END_DECLS
