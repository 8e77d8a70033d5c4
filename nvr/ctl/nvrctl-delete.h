#pragma once

#include <glib.h>

G_BEGIN_DECLS

gint
nvrctl_delete_run(const gchar *state_dir, const gchar *command, gint argc, gchar **argv,
		  gboolean json);

G_END_DECLS
