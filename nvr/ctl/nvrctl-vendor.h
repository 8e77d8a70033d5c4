/*
 * nvrctl-vendor.h: nvrctl identify and discover (DESIGN.md §10):
 *   identify HOST[:HTTP_PORT] [--rtsp-port P] [--user U --password-file F]
 *            [--wsd-port P] [--https-port P] [--timeout S]
 *   discover [--timeout S] [--interface IF] [--target HOST:PORT]
 *            [--user U --password-file F] [--no-identify]
 *   devices
 * --json prints the verdict (a boolean "restricted", the "vendor"), the
 * evidence with sources, the listings with citations and the stream URLs;
 * devices lists what nvrd stored about each camera's device (README.md).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gint nvrctl_vendor_run(const gchar *state_dir, const gchar *command, gint argc, gchar **argv,
		       gboolean json);

G_END_DECLS
