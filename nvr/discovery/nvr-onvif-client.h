/*
 * nvr-onvif-client.h: an ONVIF device, over SOAP 1.2 and HTTP (libsoup 3).
 * Every operation is asynchronous, bounded by a timeout per HTTP exchange
 * and a size cap per reply, and finishes on the thread-default main
 * context of nvr_onvif_client_new().
 */
#pragma once

#include <gio/gio.h>

#include "discovery/nvr-onvif.h"

G_BEGIN_DECLS

#define NVR_TYPE_ONVIF_CLIENT (nvr_onvif_client_get_type())
G_DECLARE_FINAL_TYPE(NvrOnvifClient, nvr_onvif_client, NVR, ONVIF_CLIENT, GObject)

#define NVR_ONVIF_CLIENT_TIMEOUT_MS 5000

NvrOnvifClient *nvr_onvif_client_new(const gchar *device_url,
				     GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean nvr_onvif_client_set_credentials(NvrOnvifClient *self, const gchar *username,
					  const gchar *password, GError **error);
void nvr_onvif_client_set_timeout(NvrOnvifClient *self, guint timeout_ms);
const gchar *nvr_onvif_client_get_device_url(NvrOnvifClient *self);
gboolean nvr_onvif_client_get_clock_offset(NvrOnvifClient *self, GTimeSpan *offset);

void nvr_onvif_client_get_system_date_and_time_async(NvrOnvifClient *self,
						     GCancellable *cancellable,
						     GAsyncReadyCallback callback,
						     gpointer user_data);
NvrOnvifDateTime *
nvr_onvif_client_get_system_date_and_time_finish(NvrOnvifClient *self, GAsyncResult *result,
						 GError **error) G_GNUC_WARN_UNUSED_RESULT;
void nvr_onvif_client_get_device_information_async(NvrOnvifClient *self, GCancellable *cancellable,
						   GAsyncReadyCallback callback,
						   gpointer user_data);
NvrOnvifDeviceInfo *
nvr_onvif_client_get_device_information_finish(NvrOnvifClient *self, GAsyncResult *result,
					       GError **error) G_GNUC_WARN_UNUSED_RESULT;
void nvr_onvif_client_get_network_interfaces_async(NvrOnvifClient *self, GCancellable *cancellable,
						   GAsyncReadyCallback callback,
						   gpointer user_data);
GPtrArray *nvr_onvif_client_get_network_interfaces_finish(NvrOnvifClient *self,
							  GAsyncResult *result,
							  GError **error) G_GNUC_WARN_UNUSED_RESULT;
void nvr_onvif_client_get_services_async(NvrOnvifClient *self, GCancellable *cancellable,
					 GAsyncReadyCallback callback, gpointer user_data);
NvrOnvifServices *nvr_onvif_client_get_services_finish(NvrOnvifClient *self, GAsyncResult *result,
						       GError **error) G_GNUC_WARN_UNUSED_RESULT;
void nvr_onvif_client_get_profiles_async(NvrOnvifClient *self, GCancellable *cancellable,
					 GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *nvr_onvif_client_get_profiles_finish(NvrOnvifClient *self, GAsyncResult *result,
						GError **error) G_GNUC_WARN_UNUSED_RESULT;
void nvr_onvif_client_get_stream_uri_async(NvrOnvifClient *self, const gchar *profile_token,
					   GCancellable *cancellable, GAsyncReadyCallback callback,
					   gpointer user_data);
gchar *nvr_onvif_client_get_stream_uri_finish(NvrOnvifClient *self, GAsyncResult *result,
					      GError **error) G_GNUC_WARN_UNUSED_RESULT;
void nvr_onvif_client_get_snapshot_uri_async(NvrOnvifClient *self, const gchar *profile_token,
					     GCancellable *cancellable,
					     GAsyncReadyCallback callback, gpointer user_data);
gchar *nvr_onvif_client_get_snapshot_uri_finish(NvrOnvifClient *self, GAsyncResult *result,
						GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
