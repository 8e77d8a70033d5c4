/*
 * nvr-daemon-devices.h: nvrd identifies its cameras (DESIGN.md §7). When a
 * camera is added (or nvrd starts, or its URL or credentials change) its
 * device is probed in the background; the evidence and the verdict go into
 * the index (vendor/nvr-device-index.h); a camera by a restricted maker is
 * warned about once; a change of the restricted-vendor registry or of the
 * quirks evaluates the stored evidence again, without probing anything.
 */
#pragma once

#include "core/nvr-config.h"
#include "index/nvr-index-all.h"
#include "vendor/nvr-vendor.h"

G_BEGIN_DECLS

/* at most this many devices are probed at once */
#define NVR_DAEMON_DEVICES_MAX_RUNNING 4
/* a probe still running after this long is cancelled: whatever the device does, it ends */
#define NVR_DAEMON_DEVICES_DEADLINE_S 90

#define NVR_TYPE_DAEMON_DEVICES (nvr_daemon_devices_get_type())
G_DECLARE_FINAL_TYPE(NvrDaemonDevices, nvr_daemon_devices, NVR, DAEMON_DEVICES, GObject)

NvrDaemonDevices *nvr_daemon_devices_new(NvrIndex *index, NvrVendor *vendor, NvrConfig *config,
					 GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean nvr_daemon_devices_load(NvrDaemonDevices *self, GError **error);
void nvr_daemon_devices_identify(NvrDaemonDevices *self, const NvrIndexCamera *camera,
				 const gchar *password, guint http_port);
void nvr_daemon_devices_forget(NvrDaemonDevices *self, gint64 camera_id);
gboolean nvr_daemon_devices_reload(NvrDaemonDevices *self, GError **error);
void nvr_daemon_devices_stop(NvrDaemonDevices *self);

G_END_DECLS
