#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "nvr-store-tombstone.h"

gboolean
nvr_store_tombstone_sign(NvrIndexTombstone *tombstone, const gchar *camera_uuid,
			 NvrNvreSigningKey *device_key, GError **error)
{
	g_autoptr(GBytes) msg = NULL;
	guint8 sig[NVR_NVRE_SIG_SIZE];

	g_return_val_if_fail(tombstone != NULL, FALSE);
	g_return_val_if_fail(device_key != NULL, FALSE);

	if (camera_uuid == NULL || strlen(camera_uuid) != 36) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
			    "tombstone of segment %" G_GINT64_FORMAT ": bad camera uuid",
			    tombstone->segment_id);
		return FALSE;
	}
	msg = nvr_index_tombstone_dup_message(tombstone, camera_uuid);
	if (!nvr_nvre_signing_key_sign(device_key, g_bytes_get_data(msg, NULL),
				       g_bytes_get_size(msg), sig, error))
		return FALSE;
	g_clear_pointer(&tombstone->signature, g_bytes_unref);
	tombstone->signature = g_bytes_new(sig, sizeof(sig));
	return TRUE;
}

gboolean
nvr_store_tombstone_verify(const NvrIndexTombstone *tombstone, const gchar *camera_uuid,
			   const guint8 *device_pk, GError **error)
{
	g_autoptr(GBytes) msg = NULL;
	g_autoptr(GError) local = NULL;
	gsize sig_len = 0;
	const guint8 *sig;

	g_return_val_if_fail(tombstone != NULL, FALSE);
	g_return_val_if_fail(device_pk != NULL, FALSE);

	sig = tombstone->signature != NULL ? g_bytes_get_data(tombstone->signature, &sig_len)
					   : NULL;
	if (sig == NULL || sig_len != NVR_NVRE_SIG_SIZE || camera_uuid == NULL ||
	    strlen(camera_uuid) != 36) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT,
			    "tombstone of segment %" G_GINT64_FORMAT " is not signed",
			    tombstone->segment_id);
		return FALSE;
	}
	msg = nvr_index_tombstone_dup_message(tombstone, camera_uuid);
	if (!nvr_nvre_verify_signature(device_pk, g_bytes_get_data(msg, NULL),
				       g_bytes_get_size(msg), sig, &local)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT,
			    "tombstone of segment %" G_GINT64_FORMAT ": %s", tombstone->segment_id,
			    local->message);
		return FALSE;
	}
	return TRUE;
}
