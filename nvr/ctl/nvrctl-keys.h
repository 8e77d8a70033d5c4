/*
 * nvrctl-keys.h: the key commands of nvrctl (DESIGN.md §10): init, passwd,
 * recovery, decrypt. Contract with the dispatcher (nvrctl.c): @argv[0] is
 * the command; returns the exit status (0 done, 1 failed, 2 usage); results
 * go to stdout, errors to stderr as one line "nvrctl: <message>".
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gint
nvrctl_keys_run(const gchar *state_dir, const gchar *command, gint argc, gchar **argv,
		gboolean json);

/* the household key pairs @user's slot opens with the passphrase in @path */
typedef struct _NvrKeyring NvrKeyring;
GPtrArray *
nvrctl_keys_unlock_with_file(NvrKeyring *keyring, const gchar *user, const gchar *path,
			     GError **error);

G_END_DECLS
