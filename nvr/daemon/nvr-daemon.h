/*
 * nvr-daemon.h: the nvrd process as an object: configuration, state dir,
 * index, HTTP server, cameras. main() only parses options and runs the loop.
 */
#pragma once

#include <glib-object.h>

#include "core/nvr-config.h"

G_BEGIN_DECLS

#define NVR_TYPE_DAEMON (nvr_daemon_get_type())
G_DECLARE_FINAL_TYPE(NvrDaemon, nvr_daemon, NVR, DAEMON, GObject)

NvrDaemon *
nvr_daemon_new(NvrConfig *config, const gchar *config_path);
void
nvr_daemon_set_demo(NvrDaemon *self, gboolean demo);
gboolean
nvr_daemon_start(NvrDaemon *self, GError **error) G_GNUC_WARN_UNUSED_RESULT;
void
nvr_daemon_stop(NvrDaemon *self);
gboolean
nvr_daemon_reload(NvrDaemon *self, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gchar *
nvr_daemon_dup_url(NvrDaemon *self);

G_END_DECLS
