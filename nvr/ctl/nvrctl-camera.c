/*
 * nvrctl camera add|list|remove. Cameras go into the index; a running nvrd
 * notices the change counter and starts or stops recording within seconds.
 * Passwords are sealed with the keyring's device-local key before they
 * reach the database; URLs are stored without credentials.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/nvr-error.h"
#include "core/nvr-url.h"
#include "index/nvr-index-all.h"
#include "keys/nvr-keyring.h"
#include "keys/nvr-keys.h"
#include "nvrctl-camera.h"
#include "nvrctl-common.h"

static gboolean
nvrctl_camera_seal_password(const gchar *state_dir,
			    const gchar *password,
			    GBytes **sealed,
			    GError **error)
{
	g_autoptr(NvrKeyring) keyring = nvr_keyring_load(state_dir, error);
	g_autofree gchar *text = NULL;

	if (keyring == NULL) {
		g_prefix_error(error, "a camera password is sealed with the keyring (run 'nvrctl init' first): ");
		return FALSE;
	}
	text = nvr_keys_seal_text(nvr_keyring_get_seal_key(keyring), password, error);
	if (text == NULL)
		return FALSE;
	*sealed = g_bytes_new(text, strlen(text));
	return TRUE;
}

/* URL userinfo and --user/--password-file both work; the options win */
static gboolean
nvrctl_camera_credentials(NvrStreamUrl *url,
			  const gchar *user_opt,
			  const gchar *password_file,
			  gchar **user,
			  gchar **password,
			  GError **error)
{
	*user = g_strdup(user_opt != NULL ? user_opt : url->user);
	if (password_file != NULL) {
		*password = nvrctl_read_secret_file(password_file, error);
		if (*password == NULL)
			return FALSE;
	} else {
		*password = g_strdup(url->password);
	}
	if (*password != NULL && *user == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "a password needs --user");
		return FALSE;
	}
	return TRUE;
}

static gint
nvrctl_camera_add(NvrIndex *index, const gchar *state_dir, gint argc, gchar **argv, gboolean json)
{
	g_autofree gchar *sub_url = NULL;
	g_autofree gchar *user_opt = NULL;
	g_autofree gchar *password_file = NULL;
	gboolean no_sub_record = FALSE;
	const GOptionEntry entries[] = {
	    {"sub-url", 0, 0, G_OPTION_ARG_STRING, &sub_url, "Second (low-resolution) stream", "URL"},
	    {"user", 0, 0, G_OPTION_ARG_STRING, &user_opt, "Camera user name", "U"},
	    {"password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file, "File holding the camera password", "F"},
	    {"no-record-sub", 0, 0, G_OPTION_ARG_NONE, &no_sub_record, "Do not record the sub stream", NULL},
	    {NULL}};
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrStreamUrl) main_url = NULL;
	g_autoptr(NvrStreamUrl) sub = NULL;
	g_autoptr(NvrIndexCamera) cam = nvr_index_camera_new();
	g_autofree gchar *user = NULL;
	g_autofree gchar *password = NULL;

	if (!nvrctl_parse_options(&argc, &argv, entries, "add NAME URL", &error))
		return nvrctl_fail(json, error, 2);
	if (argc != 3) {
		g_set_error_literal(&error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "usage: camera add NAME URL");
		return nvrctl_fail(json, error, 2);
	}
	if (!nvr_index_camera_validate_name(argv[1], &error))
		return nvrctl_fail(json, error, 2);
	main_url = nvr_stream_url_parse(argv[2], &error);
	if (main_url == NULL) {
		g_prefix_error(&error, "camera URL: ");
		return nvrctl_fail(json, error, 2);
	}
	if (sub_url != NULL && (sub = nvr_stream_url_parse(sub_url, &error)) == NULL) {
		g_prefix_error(&error, "--sub-url: ");
		return nvrctl_fail(json, error, 2);
	}
	if (!nvrctl_camera_credentials(main_url, user_opt, password_file, &user, &password, &error))
		return nvrctl_fail(json, error, 2);
	if (password != NULL &&
	    !nvrctl_camera_seal_password(state_dir, password, &cam->password_sealed, &error))
		return nvrctl_fail(json, error, 1);
	cam->name = g_strdup(argv[1]);
	cam->main_url = g_strdup(main_url->url);
	cam->sub_url = sub != NULL ? g_strdup(sub->url) : NULL;
	cam->username = g_steal_pointer(&user);
	cam->record_main = TRUE;
	cam->record_sub = sub != NULL && !no_sub_record;
	cam->enabled = TRUE;
	if (!nvr_index_camera_insert(index, cam, &error))
		return nvrctl_fail(json, error, 1);
	if (json)
		nvrctl_print_json_camera(cam);
	else
		printf("added camera %s (%s)\n", cam->name, cam->uuid);
	return 0;
}

static gint
nvrctl_camera_list(NvrIndex *index, gint argc, gchar **argv, gboolean json)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) cams = nvr_index_camera_list(index, FALSE, &error);

	if (cams == NULL)
		return nvrctl_fail(json, error, 1);
	if (json) {
		nvrctl_print_json_cameras(cams);
		return 0;
	}
	for (guint i = 0; i < cams->len; i++) {
		NvrIndexCamera *c = g_ptr_array_index(cams, i);
		printf("%-20s %s %s%s\n",
		       c->name,
		       c->uuid,
		       c->main_url,
		       c->enabled ? "" : " (disabled)");
	}
	return 0;
}

static gint
nvrctl_camera_remove(NvrIndex *index, gint argc, gchar **argv, gboolean json)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexCamera) cam = NULL;

	if (argc != 2) {
		g_set_error_literal(&error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "usage: camera remove NAME");
		return nvrctl_fail(json, error, 2);
	}
	cam = nvr_index_camera_load_by_name(index, argv[1], &error);
	if (cam == NULL)
		return nvrctl_fail(json, error, 1);
	/* footage stays until retention or a purge: removing a camera is not erasing its past */
	if (!nvr_index_camera_remove(index, cam->id, &error))
		return nvrctl_fail(json, error, 1);
	if (json)
		nvrctl_print_json_ok();
	else
		printf("removed camera %s; its recordings are kept until retention deletes them\n", cam->name);
	return 0;
}

gint
nvrctl_camera_run(const gchar *state_dir, const gchar *command, gint argc, gchar **argv, gboolean json)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndex) index = NULL;

	if (argc < 2) {
		g_set_error_literal(&error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "usage: camera add|list|remove ...");
		return nvrctl_fail(json, error, 2);
	}
	index = nvrctl_open_index(state_dir, &error);
	if (index == NULL)
		return nvrctl_fail(json, error, 1);
	if (g_strcmp0(argv[1], "add") == 0)
		return nvrctl_camera_add(index, state_dir, argc - 1, argv + 1, json);
	if (g_strcmp0(argv[1], "list") == 0)
		return nvrctl_camera_list(index, argc - 1, argv + 1, json);
	if (g_strcmp0(argv[1], "remove") == 0)
		return nvrctl_camera_remove(index, argc - 1, argv + 1, json);
	g_set_error(&error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT, "unknown camera command '%s'", argv[1]);
	return nvrctl_fail(json, error, 2);
}
