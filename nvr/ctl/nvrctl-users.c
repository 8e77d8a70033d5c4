/*
 * nvrctl init = the keyring (nvrctl-keys.c) + the owner's web account. The
 * passphrase that opens the owner's key slot is also the web password, so
 * a login can unlock footage for playback (DESIGN.md §6).
 */
#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "keys/nvr-keys.h"
#include "nvrctl-common.h"
#include "nvrctl-keys.h"
#include "nvrctl-users.h"

/* --user and --passphrase-file as nvrctl-keys parses them, read without consuming */
static void
nvrctl_users_scan(gint argc, gchar **argv, const gchar **user, const gchar **passphrase_file)
{
	for (gint i = 1; i + 1 < argc; i++) {
		if (g_strcmp0(argv[i], "--user") == 0)
			*user = argv[i + 1];
		else if (g_strcmp0(argv[i], "--passphrase-file") == 0)
			*passphrase_file = argv[i + 1];
	}
	for (gint i = 1; i < argc; i++) {
		if (g_str_has_prefix(argv[i], "--user="))
			*user = argv[i] + strlen("--user=");
		else if (g_str_has_prefix(argv[i], "--passphrase-file="))
			*passphrase_file = argv[i] + strlen("--passphrase-file=");
	}
}

static gboolean
nvrctl_users_add_owner(const gchar *state_dir, const gchar *name, const gchar *passphrase_file,
		       GError **error)
{
	g_autoptr(NvrIndex) index = nvrctl_open_index(state_dir, error);
	g_autoptr(NvrIndexUser) user = g_new0(NvrIndexUser, 1);
	g_autofree gchar *passphrase = NULL;

	if (index == NULL)
		return FALSE;
	passphrase = nvrctl_read_secret_file(passphrase_file, error);
	if (passphrase == NULL)
		return FALSE;
	user->name = g_strdup(name);
	user->role = NVR_INDEX_ROLE_OWNER;
	user->password_hash = nvr_keys_password_hash(passphrase, error);
	nvr_keys_memzero(passphrase, strlen(passphrase));
	if (user->password_hash == NULL)
		return FALSE;
	return nvr_index_user_insert(index, user, error);
}

gint
nvrctl_users_init_run(const gchar *state_dir, const gchar *command, gint argc, gchar **argv, gboolean json)
{
	const gchar *name = "owner";
	const gchar *passphrase_file = NULL;
	g_autoptr(GError) error = NULL;
	gint status;

	nvrctl_users_scan(argc, argv, &name, &passphrase_file);
	status = nvrctl_keys_run(state_dir, command, argc, argv, json);
	if (status != 0 || passphrase_file == NULL)
		return status;
	if (!nvrctl_users_add_owner(state_dir, name, passphrase_file, &error)) {
		g_prefix_error(&error, "keyring created, but the owner account was not: ");
		return nvrctl_fail(json, error, 1);
	}
	return 0;
}
