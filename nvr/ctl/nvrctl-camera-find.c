#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/nvr-error.h"
#include "nvrctl-camera-find.h"
#include "nvrctl-common.h"

/**
 * nvrctl_camera_find_wanted:
 * @target: the second argument of camera add
 *
 * Returns: TRUE for an address ("192.0.2.10", "cam.local:8080"), FALSE for
 * anything with a scheme, which is a URL (and an error if not rtsp:// or
 * rtsps://)
 */
gboolean
nvrctl_camera_find_wanted(const gchar *target)
{
	return strstr(target, "://") == NULL;
}

gboolean
nvrctl_camera_find_check_args(const NvrctlCameraFindArgs *a, GError **error)
{
	if (a->rtsp_port < 0 || a->rtsp_port > 65535 || a->wsd_port < 0 || a->wsd_port > 65535 ||
	    a->https_port < -1 || a->https_port > 65535 || a->http_port < 0 || a->http_port > 65535 ||
	    a->timeout_s < 1 || a->timeout_s > 60) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "ports are 0-65535 and --timeout is 1-60 seconds");
		return FALSE;
	}
	return TRUE;
}

static void
nvrctl_camera_find_done_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	*(GAsyncResult **)user_data = g_object_ref(res);
}

/* the collector's options from camera add's; @host, @user and @password are borrowed */
static void
nvrctl_camera_find_collect_options(const NvrctlCameraFindArgs *args, const gchar *host, guint http_port,
				   guint rtsp_port, const gchar *user, const gchar *password,
				   NvrVendorCollectOptions *o)
{
	o->host = host;
	o->http_port = http_port;
	o->https_port = args->https_port >= 0 ? (guint)args->https_port : http_port == 0 ? 443 : 0;
	o->rtsp_port = rtsp_port;
	o->wsd_port = (guint)args->wsd_port;
	o->onvif_url = args->onvif_url;
	o->username = user;
	o->password = password;
	o->timeout_ms = (guint)args->timeout_s * 1000;
}

/**
 * nvrctl_camera_find:
 * @target: HOST[:HTTP_PORT]
 * @password: (nullable): never logged, never in a URL
 *
 * Returns: (transfer full): what was found and tried (check it with
 * nvr_stream_find_check()), or NULL with NVR_ERROR_INVALID_ARGUMENT for
 * a bad @target or option, another error if the vendor data did not load
 */
NvrStreamFind *
nvrctl_camera_find(const gchar *state_dir, const gchar *target, const NvrctlCameraFindArgs *args,
		   const gchar *user, const gchar *password, GError **error)
{
	NvrVendorOptions vopts = {.state_dir = state_dir};
	NvrStreamFindOptions o = {0};
	g_autoptr(NvrVendor) vendor = NULL;
	g_autoptr(GAsyncResult) res = NULL;
	g_autofree gchar *host = NULL;
	guint http_port = 0;

	if (!nvr_vendor_host_port_parse(target, &host, &http_port, error) ||
	    !nvrctl_camera_find_check_args(args, error))
		return NULL;
	vendor = nvr_vendor_new(&vopts, error);
	if (vendor == NULL)
		return NULL;
	nvrctl_camera_find_collect_options(args, host, http_port, (guint)args->rtsp_port, user, password,
					   &o.collect);
	o.describe_timeout_ms = (guint)args->timeout_s * 1000;
	nvr_stream_find_async(vendor, &o, NULL, nvrctl_camera_find_done_cb, &res);
	while (res == NULL)
		g_main_context_iteration(NULL, TRUE);
	return nvr_stream_find_finish(res, error);
}

static gboolean
nvrctl_camera_identify_expired_cb(gpointer user_data)
{
	g_cancellable_cancel(user_data);
	return G_SOURCE_REMOVE;
}

/**
 * nvrctl_camera_identify:
 * @host: a stream URL's host, bracketed if IPv6
 * @rtsp_port: the stream URL's port
 * @args: the device's other ports and the timeout per step; the whole ends
 *   after NVRCTL_CAMERA_IDENTIFY_STEPS of them, whatever is left unasked
 * @password: (nullable): never logged, never in a URL
 * @log: (out) (optional): what each collection step did
 *
 * Returns: (transfer full): the verdict on what the device said (a device
 * that said nothing is "unknown"), or NULL with @error: a bad option, the
 * vendor data, or NVR_ERROR_TIMEOUT when the steps took too long together
 */
NvrVerdict *
nvrctl_camera_identify(const gchar *state_dir, const gchar *host, guint rtsp_port,
		       const NvrctlCameraFindArgs *args, const gchar *user, const gchar *password,
		       GPtrArray **log, GError **error)
{
	NvrVendorOptions vopts = {.state_dir = state_dir};
	NvrVendorCollectOptions o = {0};
	guint budget_s = (guint)args->timeout_s * NVRCTL_CAMERA_IDENTIFY_STEPS;
	g_autoptr(GCancellable) cancel = g_cancellable_new();
	g_autoptr(GSource) budget = g_timeout_source_new_seconds(budget_s);
	g_autoptr(NvrVendor) vendor = NULL;
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(NvrEvidenceSet) set = NULL;
	g_autoptr(GError) error_local = NULL;

	if (!nvrctl_camera_find_check_args(args, error))
		return NULL;
	vendor = nvr_vendor_new(&vopts, error);
	if (vendor == NULL)
		return NULL;
	nvrctl_camera_find_collect_options(args, host, (guint)args->http_port, rtsp_port, user, password, &o);
	g_source_set_callback(budget, nvrctl_camera_identify_expired_cb, cancel, NULL);
	g_source_attach(budget, NULL);
	nvr_vendor_collect_async(vendor, &o, cancel, nvrctl_camera_find_done_cb, &res);
	while (res == NULL)
		g_main_context_iteration(NULL, TRUE);
	g_source_destroy(budget);
	set = nvr_vendor_collect_finish(res, log, &error_local);
	if (set == NULL) {
		if (g_cancellable_is_cancelled(cancel))
			g_set_error(error, NVR_ERROR, NVR_ERROR_TIMEOUT, "not done within %u s", budget_s);
		else
			g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	return nvr_vendor_evaluate(vendor, set);
}

static void
nvrctl_camera_find_print_stream(const gchar *label, const NvrStreamTry *t)
{
	if (t == NULL)
		printf("%-8s none found\n", label);
	else
		printf("%-8s %s (%s: %s; %s)\n", label, t->url, t->method, t->source, t->outcome);
}

/* the verdict in a line, and the restricted-vendor warning when there is one */
void
nvrctl_camera_print_verdict(const NvrVerdict *v)
{
	g_autofree gchar *warning = nvr_verdict_warning_to_text(v);

	printf("vendor:  %s%s%s (%s)\n", v->vendor_name != NULL ? v->vendor_name : "unknown",
	       v->model != NULL ? ", model " : "", v->model != NULL ? v->model : "",
	       nvr_verdict_confidence_to_string(v->confidence));
	if (warning != NULL)
		printf("%s", warning);
}

void
nvrctl_camera_find_print(const NvrStreamFind *found)
{
	nvrctl_camera_find_print_stream("main:", found->main);
	nvrctl_camera_find_print_stream("sub:", found->sub);
	nvrctl_camera_print_verdict(found->verdict);
}

/**
 * nvrctl_camera_find_fail:
 * @error: from nvr_stream_find_check(): what was tried
 *
 * Like nvrctl_fail(), and the search itself under "search" with --json;
 * without, the verdict and its warning still go to stdout: the device was
 * identified even if no stream worked.
 *
 * Returns: 1
 */
gint
nvrctl_camera_find_fail(gboolean json, const NvrStreamFind *found, const GError *error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) node = NULL;

	fprintf(stderr, "nvrctl: %s\n", error->message);
	if (!json) {
		nvrctl_camera_print_verdict(found->verdict);
		return 1;
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "error");
	json_builder_add_string_value(b, nvr_error_code_to_string(error->code));
	json_builder_set_member_name(b, "message");
	json_builder_add_string_value(b, error->message);
	json_builder_set_member_name(b, "search");
	json_builder_add_value(b, nvr_stream_find_to_json(found));
	json_builder_end_object(b);
	node = json_builder_get_root(b);
	nvrctl_print_json_node(node);
	return 1;
}
