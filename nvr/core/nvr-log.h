/*
 * nvr-log.h: logging. Each module sets G_LOG_DOMAIN to "nvr-<module>"
 * (meson does it through -DG_LOG_DOMAIN). Credentials never reach a log:
 * URLs are shown through nvr_log_redact_uri(), and the installed writer
 * scrubs "user:password@" and password=... out of every message as a
 * second line of defence.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gchar *
nvr_log_redact_uri(const gchar *uri) G_GNUC_WARN_UNUSED_RESULT;
gchar *
nvr_log_scrub(const gchar *message) G_GNUC_WARN_UNUSED_RESULT;
void
nvr_log_install(gboolean verbose);

G_END_DECLS
