/*
 * nvrctl camera add|list|remove. Cameras go into the index; a running nvrd
 * notices the change counter and starts or stops recording within seconds.
 * Passwords are sealed with the keyring's device-local key before they
 * reach the database; URLs are stored without credentials. camera add
 * takes a stream URL, or a camera's address and finds its streams
 * (nvrctl-camera-find.c). Either way the device is identified, so that a
 * restricted maker is warned about when the camera is added; with a URL
 * that comes after the camera is stored and can never undo it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/nvr-error.h"
#include "core/nvr-url.h"
#include "index/nvr-index-all.h"
#include "keys/nvr-keyring.h"
#include "keys/nvr-keys.h"
#include "nvrctl-camera-find.h"
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

typedef struct {
	gchar *sub_url;
	gchar *user;
	gchar *password_file;
	gboolean no_sub_record;
	gboolean no_identify;	   /* camera add NAME URL only */
	NvrctlCameraFindArgs find; /* camera add NAME HOST; with a URL, for identifying */
} NvrctlCameraAddOptions;

static void
nvrctl_camera_add_options_clear(NvrctlCameraAddOptions *o)
{
	g_free(o->sub_url);
	g_free(o->user);
	g_free(o->password_file);
	g_free(o->find.onvif_url);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NvrctlCameraAddOptions, nvrctl_camera_add_options_clear)

/* seals the password and inserts @cam; Returns: 0, or the exit status of a reported failure */
static gint
nvrctl_camera_store(NvrIndex *index, const gchar *state_dir, NvrIndexCamera *cam, const gchar *password,
		    gboolean json)
{
	g_autoptr(GError) error = NULL;

	if (password != NULL &&
	    !nvrctl_camera_seal_password(state_dir, password, &cam->password_sealed, &error))
		return nvrctl_fail(json, error, 1);
	cam->record_main = TRUE;
	cam->enabled = TRUE;
	if (!nvr_index_camera_insert(index, cam, &error))
		return nvrctl_fail(json, error, 1);
	return 0;
}

/* "[2001:db8::1]" for an IPv6 literal, as the collector wants hosts */
static gchar *
nvrctl_camera_url_host(const NvrStreamUrl *url)
{
	if (strchr(url->host, ':') != NULL && url->host[0] != '[')
		return g_strdup_printf("[%s]", url->host);
	return g_strdup(url->host);
}

/*
 * The device behind a stored URL, asked as identify would (its RTSP port
 * from the URL, --http-port and the other ports from the options), for
 * the warning about a restricted maker. Never fails the add: what went
 * wrong goes to stderr, and under "identification" with --json.
 *
 * Returns: (transfer full): the "identification" member for --json
 */
static JsonNode *
nvrctl_camera_add_identify(const gchar *state_dir, const NvrIndexCamera *cam, const NvrStreamUrl *url,
			   const NvrctlCameraAddOptions *o, const gchar *password, gboolean json)
{
	g_autofree gchar *host = nvrctl_camera_url_host(url);
	guint rtsp_port = url->port > 0 ? (guint)url->port : g_strcmp0(url->scheme, "rtsps") == 0 ? 322 : 554;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) log = NULL;
	g_autoptr(NvrVerdict) v = nvrctl_camera_identify(state_dir, host, rtsp_port, &o->find, cam->username,
							 password, &log, &error);
	g_autoptr(JsonBuilder) b = NULL;

	if (v == NULL) {
		fprintf(stderr, "nvrctl: camera %s is added, but identifying %s failed: %s\n", cam->name, host,
			error->message);
		b = json_builder_new();
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "error");
		json_builder_add_string_value(b, nvr_error_code_to_string(error->code));
		json_builder_set_member_name(b, "message");
		json_builder_add_string_value(b, error->message);
		json_builder_end_object(b);
		return json_builder_get_root(b);
	}
	if (!json)
		nvrctl_camera_print_verdict(v);
	{
		JsonNode *node = nvr_verdict_to_json(v);
		JsonArray *steps = json_array_new();

		for (guint i = 0; log != NULL && i < log->len; i++)
			json_array_add_string_element(steps, g_ptr_array_index(log, i));
		json_object_set_array_member(json_node_get_object(node), "collection", steps);
		return node;
	}
}

static gint
nvrctl_camera_add_url(NvrIndex *index, const gchar *state_dir, const gchar *name, const gchar *url,
		      const NvrctlCameraAddOptions *o, gboolean json)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrStreamUrl) main_url = NULL;
	g_autoptr(NvrStreamUrl) sub = NULL;
	g_autoptr(NvrIndexCamera) cam = nvr_index_camera_new();
	g_autoptr(JsonNode) identification = NULL;
	g_autofree gchar *user = NULL;
	g_autofree gchar *password = NULL;
	gint status;

	if (o->find.rtsp_port != 0) {
		g_set_error_literal(&error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "--rtsp-port is for camera add NAME HOST; a URL has its port");
		return nvrctl_fail(json, error, 2);
	}
	/* before anything is stored: a bad option is a usage error, not a failed identification */
	if (!nvrctl_camera_find_check_args(&o->find, &error))
		return nvrctl_fail(json, error, 2);
	main_url = nvr_stream_url_parse(url, &error);
	if (main_url == NULL) {
		g_prefix_error(&error, "camera URL: ");
		return nvrctl_fail(json, error, 2);
	}
	if (o->sub_url != NULL && (sub = nvr_stream_url_parse(o->sub_url, &error)) == NULL) {
		g_prefix_error(&error, "--sub-url: ");
		return nvrctl_fail(json, error, 2);
	}
	if (!nvrctl_camera_credentials(main_url, o->user, o->password_file, &user, &password, &error))
		return nvrctl_fail(json, error, 2);
	cam->name = g_strdup(name);
	cam->main_url = g_strdup(main_url->url);
	cam->sub_url = sub != NULL ? g_strdup(sub->url) : NULL;
	cam->username = g_steal_pointer(&user);
	cam->record_sub = sub != NULL && !o->no_sub_record;
	status = nvrctl_camera_store(index, state_dir, cam, password, json);
	if (status != 0)
		return status;
	if (!json) {
		printf("added camera %s (%s)\n", cam->name, cam->uuid);
		fflush(stdout); /* before the identification's few seconds */
	}
	if (!o->no_identify)
		identification = nvrctl_camera_add_identify(state_dir, cam, main_url, o, password, json);
	if (password != NULL)
		memset(password, 0, strlen(password));
	if (json) {
		g_autoptr(JsonNode) node = nvrctl_camera_to_json(cam);

		json_object_set_member(json_node_get_object(node), "identification",
				       identification != NULL ? g_steal_pointer(&identification)
							      : json_node_new(JSON_NODE_NULL));
		nvrctl_print_json_node(node);
	}
	return 0;
}

static void
nvrctl_camera_add_host_print(const NvrIndexCamera *cam, const NvrStreamFind *found, gint64 elapsed_us,
			     gboolean json)
{
	g_autoptr(JsonNode) node = NULL;

	if (!json) {
		nvrctl_camera_find_print(found);
		printf("added camera %s (%s) in %.1f s\n", cam->name, cam->uuid, elapsed_us / 1e6);
		return;
	}
	node = nvr_stream_find_to_json(found);
	json_object_set_member(json_node_get_object(node), "camera", nvrctl_camera_to_json(cam));
	json_object_set_int_member(json_node_get_object(node), "elapsed_ms", elapsed_us / 1000);
	nvrctl_print_json_node(node);
}

/* camera add NAME HOST[:HTTP_PORT]: nothing is stored unless a main stream DESCRIBEs */
static gint
nvrctl_camera_add_host(NvrIndex *index, const gchar *state_dir, const gchar *name, const gchar *target,
		       const NvrctlCameraAddOptions *o, gboolean json)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexCamera) cam = nvr_index_camera_new();
	g_autoptr(NvrIndexCamera) existing = nvr_index_camera_load_by_name(index, name, NULL);
	g_autoptr(NvrStreamFind) found = NULL;
	g_autofree gchar *password = NULL;
	gint64 start = g_get_monotonic_time();
	gint status;

	if (existing != NULL || o->sub_url != NULL || (o->password_file != NULL && o->user == NULL)) {
		g_set_error(&error, NVR_ERROR, existing != NULL ? NVR_ERROR_EXISTS : NVR_ERROR_INVALID_ARGUMENT, "%s",
			    existing != NULL	   ? "a camera of that name exists"
			    : o->sub_url != NULL ? "--sub-url is for camera add NAME URL; with a HOST the sub stream is found"
						 : "--password-file needs --user");
		return nvrctl_fail(json, error, existing != NULL ? 1 : 2);
	}
	if (o->find.http_port != 0 || o->no_identify) {
		g_set_error_literal(&error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "--http-port and --no-identify are for camera add NAME URL; HOST[:HTTP_PORT] has the port");
		return nvrctl_fail(json, error, 2);
	}
	if (o->password_file != NULL && (password = nvrctl_read_secret_file(o->password_file, &error)) == NULL)
		return nvrctl_fail(json, error, 2);
	/* the keyring first: no point asking the camera if its password cannot be kept */
	if (password != NULL &&
	    !nvrctl_camera_seal_password(state_dir, password, &cam->password_sealed, &error))
		return nvrctl_fail(json, error, 1);
	found = nvrctl_camera_find(state_dir, target, &o->find, o->user, password, &error);
	if (password != NULL)
		memset(password, 0, strlen(password));
	if (found == NULL)
		return nvrctl_fail(json, error, g_error_matches(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT) ? 2 : 1);
	if (!nvr_stream_find_check(found, &error))
		return nvrctl_camera_find_fail(json, found, error);
	cam->name = g_strdup(name);
	cam->main_url = g_strdup(found->main->url);
	cam->sub_url = found->sub != NULL ? g_strdup(found->sub->url) : NULL;
	cam->username = g_strdup(o->user);
	cam->record_sub = found->sub != NULL && !o->no_sub_record;
	status = nvrctl_camera_store(index, state_dir, cam, NULL, json);
	if (status == 0)
		nvrctl_camera_add_host_print(cam, found, g_get_monotonic_time() - start, json);
	return status;
}

static gint
nvrctl_camera_add(NvrIndex *index, const gchar *state_dir, gint argc, gchar **argv, gboolean json)
{
	g_auto(NvrctlCameraAddOptions) o = {.find = NVRCTL_CAMERA_FIND_ARGS_INIT};
	const GOptionEntry entries[] = {
	    {"sub-url", 0, 0, G_OPTION_ARG_STRING, &o.sub_url, "Second (low-resolution) stream", "URL"},
	    {"user", 0, 0, G_OPTION_ARG_STRING, &o.user, "Camera user name", "U"},
	    {"password-file", 0, 0, G_OPTION_ARG_FILENAME, &o.password_file, "File holding the camera password", "F"},
	    {"no-record-sub", 0, 0, G_OPTION_ARG_NONE, &o.no_sub_record, "Do not record the sub stream", NULL},
	    {"rtsp-port", 0, 0, G_OPTION_ARG_INT, &o.find.rtsp_port, "HOST only: RTSP port (default 554)", "P"},
	    {"http-port", 0, 0, G_OPTION_ARG_INT, &o.find.http_port, "URL only: the camera's web port, to identify it (default 80)", "P"},
	    {"no-identify", 0, 0, G_OPTION_ARG_NONE, &o.no_identify, "URL only: store the camera without asking who made it", NULL},
	    {"onvif-url", 0, 0, G_OPTION_ARG_STRING, &o.find.onvif_url, "ONVIF device service URL", "URL"},
	    {"wsd-port", 0, 0, G_OPTION_ARG_INT, &o.find.wsd_port, "WS-Discovery port (default 3702, 0: none)", "P"},
	    {"https-port", 0, 0, G_OPTION_ARG_INT, &o.find.https_port, "HTTPS port (0: none)", "P"},
	    {"timeout", 0, 0, G_OPTION_ARG_INT, &o.find.timeout_s, "seconds per probe step and per DESCRIBE (default 3)", "S"},
	    {NULL}};
	g_autoptr(GError) error = NULL;

	if (!nvrctl_parse_options(&argc, &argv, entries, "add NAME URL|HOST[:HTTP_PORT]", &error))
		return nvrctl_fail(json, error, 2);
	if (argc != 3) {
		g_set_error_literal(&error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "usage: camera add NAME URL | camera add NAME HOST[:HTTP_PORT] [--rtsp-port P]");
		return nvrctl_fail(json, error, 2);
	}
	if (!nvr_index_camera_validate_name(argv[1], &error))
		return nvrctl_fail(json, error, 2);
	if (nvrctl_camera_find_wanted(argv[2]))
		return nvrctl_camera_add_host(index, state_dir, argv[1], argv[2], &o, json);
	return nvrctl_camera_add_url(index, state_dir, argv[1], argv[2], &o, json);
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
