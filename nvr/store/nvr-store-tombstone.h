/*
 * nvr-store-tombstone.h: signing and checking tombstones with the device
 * key (DESIGN.md §5, §6). The message is nvr_index_tombstone_dup_message();
 * retention signs, nvrctl verify checks, both without any user key.
 */
#pragma once

#include <glib.h>

#include "index/nvr-index-all.h"
#include "keys/nvr-nvre.h"

G_BEGIN_DECLS

/* sets @tombstone's signature */
gboolean
nvr_store_tombstone_sign(NvrIndexTombstone *tombstone, const gchar *camera_uuid,
			 NvrNvreSigningKey *device_key, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* NVR_ERROR_CORRUPT when it is unsigned or the signature does not verify with @device_pk */
gboolean
nvr_store_tombstone_verify(const NvrIndexTombstone *tombstone, const gchar *camera_uuid,
			   const guint8 *device_pk, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
