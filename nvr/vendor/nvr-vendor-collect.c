#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "core/nvr-log.h"
#include "discovery/nvr-http-banner.h"
#include "discovery/nvr-neighbour.h"
#include "discovery/nvr-onvif-client.h"
#include "discovery/nvr-rtsp-banner.h"
#include "discovery/nvr-wsd.h"
#include "vendor/nvr-vendor-collect.h"
#include "vendor/nvr-vendor-facts.h"

#define NVR_COLLECT_WSD_WINDOW_MS 1000

typedef struct _NvrCollect NvrCollect;
typedef void (*NvrCollectStep)(NvrCollect *c);

struct _NvrCollect {
	GTask *task; /* borrowed: the task owns us */
	NvrVendor *vendor;
	NvrEvidenceSet *set;
	GPtrArray *log; /* (element-type utf8) */
	gchar *host;
	gchar *bare_host; /* without IPv6 brackets */
	guint http_port, https_port, rtsp_port, wsd_port, timeout_ms;
	gchar *onvif_url;
	gchar *username;
	gchar *password;
	gboolean no_plugins;
	gchar *proc_arp;
	NvrOnvifClient *onvif;
	GPtrArray *profiles; /* (element-type NvrOnvifProfile) */
	guint stream_profiles[2]; /* indices in @profiles: main, sub */
	guint n_stream_profiles;
	guint profile_index; /* in @stream_profiles */
	GError *onvif_error; /* nullable: the first ONVIF operation that failed */
	guint step;
};

static void nvr_collect_next(NvrCollect *c);

static void
nvr_collect_free(NvrCollect *c)
{
	g_object_unref(c->vendor);
	g_object_unref(c->set);
	g_ptr_array_unref(c->log);
	g_free(c->host);
	g_free(c->bare_host);
	g_free(c->onvif_url);
	g_free(c->username);
	if (c->password != NULL)
		memset(c->password, 0, strlen(c->password));
	g_free(c->password);
	g_free(c->proc_arp);
	g_clear_object(&c->onvif);
	g_clear_pointer(&c->profiles, g_ptr_array_unref);
	g_clear_error(&c->onvif_error);
	g_free(c);
}

static void
nvr_collect_note(NvrCollect *c, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

static void
nvr_collect_note(NvrCollect *c, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *line = NULL;

	va_start(args, format);
	line = g_strdup_vprintf(format, args);
	va_end(args);
	g_debug("collect %s: %s", c->host, line);
	g_ptr_array_add(c->log, nvr_log_scrub(line));
}

static GCancellable *
nvr_collect_cancellable(NvrCollect *c)
{
	return g_task_get_cancellable(c->task);
}

/* ---- 1. HTTP and HTTPS banners ---- */

static void
nvr_collect_http_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	NvrCollect *c = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrHttpBanner) banner = nvr_http_banner_probe_finish(res, &error);
	g_autofree gchar *url = g_strdup_printf("%s://%s:%u/", c->step == 1 ? "http" : "https",
						c->host, c->step == 1 ? c->http_port : c->https_port);
	g_autofree gchar *source_text = g_strdup_printf("HTTP GET / at %s", url);

	if (banner == NULL) {
		nvr_collect_note(c, "%s: %s", url, error->message);
	} else {
		nvr_collect_note(c, "%s: HTTP %u", url, banner->status);
		nvr_vendor_facts_http_banner(c->set, banner, source_text);
	}
	nvr_collect_next(c);
}

static void
nvr_collect_http(NvrCollect *c)
{
	g_autofree gchar *url = g_strdup_printf("http://%s:%u/", c->host, c->http_port);

	nvr_http_banner_probe_async(url, "GET", c->timeout_ms, nvr_collect_cancellable(c),
				    nvr_collect_http_cb, c);
}

static void
nvr_collect_https(NvrCollect *c)
{
	g_autofree gchar *url = NULL;

	if (c->https_port == 0) {
		nvr_collect_next(c);
		return;
	}
	url = g_strdup_printf("https://%s:%u/", c->host, c->https_port);
	nvr_http_banner_probe_async(url, "GET", c->timeout_ms, nvr_collect_cancellable(c),
				    nvr_collect_http_cb, c);
}

/* ---- 2. RTSP OPTIONS ---- */

static void
nvr_collect_rtsp_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	NvrCollect *c = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrRtspBanner) banner = nvr_rtsp_banner_probe_finish(res, &error);
	g_autofree gchar *where = g_strdup_printf("rtsp://%s:%u", c->host, c->rtsp_port);
	g_autofree gchar *source_text = g_strdup_printf("RTSP OPTIONS at %s", where);

	if (banner == NULL) {
		nvr_collect_note(c, "%s: %s", where, error->message);
	} else {
		nvr_collect_note(c, "%s: RTSP %u", where, banner->status);
		nvr_vendor_facts_rtsp_banner(c->set, banner, source_text);
		/* a device that speaks RTSP is a camera or recorder, even with nothing else to say */
		if (banner->server == NULL) {
			NvrEvidence *e = nvr_evidence_set_add_fact(c->set, NVR_EVIDENCE_CLASS_RTSP_BANNER,
								   "rtsp.status", "RTSP server answers", source_text);
			if (e != NULL)
				e->strength = NVR_EVIDENCE_STRENGTH_NONE;
		}
	}
	nvr_collect_next(c);
}

static void
nvr_collect_rtsp(NvrCollect *c)
{
	nvr_rtsp_banner_probe_async(c->bare_host, (guint16)c->rtsp_port, c->timeout_ms,
				    nvr_collect_cancellable(c), nvr_collect_rtsp_cb, c);
}

/* ---- 3. WS-Discovery ---- */

static void
nvr_collect_wsd_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	NvrCollect *c = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) matches = nvr_wsd_probe_finish(res, &error);
	g_autofree gchar *where = g_strdup_printf("%s:%u", c->host, c->wsd_port);
	g_autofree gchar *source_text = g_strdup_printf("WS-Discovery ProbeMatch from %s", where);
	const NvrWsdMatch *m;

	if (matches == NULL || matches->len == 0) {
		nvr_collect_note(c, "WS-Discovery %s: %s", where, error != NULL ? error->message : "no answer");
		nvr_collect_next(c);
		return;
	}
	m = g_ptr_array_index(matches, 0);
	nvr_collect_note(c, "WS-Discovery %s: %s", where, m->endpoint != NULL ? m->endpoint : "a match");
	nvr_vendor_facts_wsd_match(c->vendor, c->set, m, source_text);
	if (c->onvif_url == NULL && m->xaddrs != NULL && m->xaddrs[0] != NULL)
		c->onvif_url = g_strdup(m->xaddrs[0]);
	nvr_collect_next(c);
}

static void
nvr_collect_wsd(NvrCollect *c)
{
	if (c->wsd_port == 0) {
		nvr_collect_next(c);
		return;
	}
	/* the probe listens for the whole window; one device on the LAN answers within it */
	nvr_wsd_probe_unicast_async(c->bare_host, (guint16)c->wsd_port, MIN(c->timeout_ms, NVR_COLLECT_WSD_WINDOW_MS),
				    nvr_collect_cancellable(c), nvr_collect_wsd_cb, c);
}

/* ---- 4. ONVIF ---- */

/* logs an ONVIF failure and keeps the first, for a caller that must say why it found no stream */
static void
nvr_collect_onvif_failed(NvrCollect *c, const gchar *operation, const GError *error)
{
	nvr_collect_note(c, "ONVIF %s: %s", operation, error->message);
	if (c->onvif_error == NULL)
		c->onvif_error = g_error_copy(error);
}

static gchar *
nvr_collect_onvif_source(NvrCollect *c, const gchar *operation)
{
	return g_strdup_printf("ONVIF %s at %s", operation, nvr_onvif_client_get_device_url(c->onvif));
}

static void nvr_collect_onvif_stream(NvrCollect *c);

static void
nvr_collect_onvif_stream_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	NvrCollect *c = user_data;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *uri = nvr_onvif_client_get_stream_uri_finish(c->onvif, res, &error);
	g_autofree gchar *src = nvr_collect_onvif_source(c, "GetStreamUri");

	if (uri == NULL)
		nvr_collect_onvif_failed(c, "GetStreamUri", error);
	else
		nvr_vendor_facts_stream_uri(c->set, c->profile_index == 0 ? NVR_STREAM_MAIN : NVR_STREAM_SUB,
					    uri, src);
	c->profile_index++;
	nvr_collect_onvif_stream(c);
}

/* the main stream and a sub stream of the same camera */
static void
nvr_collect_onvif_stream(NvrCollect *c)
{
	const NvrOnvifProfile *p;

	if (c->profile_index >= c->n_stream_profiles) {
		nvr_collect_next(c);
		return;
	}
	p = g_ptr_array_index(c->profiles, c->stream_profiles[c->profile_index]);
	nvr_onvif_client_get_stream_uri_async(c->onvif, p->token, nvr_collect_cancellable(c),
					      nvr_collect_onvif_stream_cb, c);
}

/*
 * The first profile is the main stream (cameras list it first). The sub
 * stream is the smallest other one of the same video source that is not
 * JPEG: on a recorder the second profile is often the next camera's main.
 * Profiles that say nothing of their size or source: the second.
 */
static void
nvr_collect_onvif_pick_profiles(NvrCollect *c)
{
	const NvrOnvifProfile *main_p;
	guint64 best_area = G_MAXUINT64;
	gint sub = -1;

	c->n_stream_profiles = 0;
	if (c->profiles == NULL || c->profiles->len == 0)
		return;
	main_p = g_ptr_array_index(c->profiles, 0);
	c->stream_profiles[c->n_stream_profiles++] = 0;
	for (guint i = 1; i < c->profiles->len; i++) {
		const NvrOnvifProfile *p = g_ptr_array_index(c->profiles, i);
		guint64 area = (guint64)p->width * p->height;
		if (g_strcmp0(p->encoding, "JPEG") == 0 ||
		    g_strcmp0(p->video_source_token, main_p->video_source_token) != 0)
			continue;
		if (sub < 0 || (area != 0 && area < best_area)) {
			sub = (gint)i;
			best_area = area != 0 ? area : best_area;
		}
	}
	if (sub < 0 && c->profiles->len > 1)
		sub = 1;
	if (sub > 0)
		c->stream_profiles[c->n_stream_profiles++] = (guint)sub;
}

static void
nvr_collect_onvif_profiles_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	NvrCollect *c = user_data;
	g_autoptr(GError) error = NULL;

	c->profiles = nvr_onvif_client_get_profiles_finish(c->onvif, res, &error);
	if (c->profiles == NULL)
		nvr_collect_onvif_failed(c, "GetProfiles", error);
	nvr_collect_onvif_pick_profiles(c);
	nvr_collect_onvif_stream(c);
}

static void
nvr_collect_onvif_ifaces_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	NvrCollect *c = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) ifaces = nvr_onvif_client_get_network_interfaces_finish(c->onvif, res, &error);
	g_autofree gchar *src = nvr_collect_onvif_source(c, "GetNetworkInterfaces");

	if (ifaces == NULL)
		nvr_collect_note(c, "ONVIF GetNetworkInterfaces: %s", error->message);
	else
		nvr_vendor_facts_onvif_interfaces(c->vendor, c->set, ifaces, src);
	nvr_onvif_client_get_profiles_async(c->onvif, nvr_collect_cancellable(c),
					    nvr_collect_onvif_profiles_cb, c);
}

static void
nvr_collect_onvif_info_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	NvrCollect *c = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrOnvifDeviceInfo) info = nvr_onvif_client_get_device_information_finish(c->onvif, res, &error);
	g_autofree gchar *src = nvr_collect_onvif_source(c, "GetDeviceInformation");

	if (info == NULL) {
		/* no ONVIF, or no credentials: the rest of ONVIF would fail the same way */
		nvr_collect_onvif_failed(c, "GetDeviceInformation", error);
		nvr_collect_next(c);
		return;
	}
	nvr_collect_note(c, "ONVIF GetDeviceInformation: %s", info->manufacturer != NULL ? info->manufacturer : "answered");
	nvr_vendor_facts_onvif_device_info(c->set, info, src);
	nvr_onvif_client_get_network_interfaces_async(c->onvif, nvr_collect_cancellable(c),
						      nvr_collect_onvif_ifaces_cb, c);
}

/* GetSystemDateAndTime first: it needs no credentials and sets the clock offset for WS-Security */
static void
nvr_collect_onvif_time_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	NvrCollect *c = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrOnvifDateTime) dt = nvr_onvif_client_get_system_date_and_time_finish(c->onvif, res, &error);

	if (dt == NULL)
		nvr_collect_note(c, "ONVIF GetSystemDateAndTime: %s", error->message);
	nvr_onvif_client_get_device_information_async(c->onvif, nvr_collect_cancellable(c),
						      nvr_collect_onvif_info_cb, c);
}

static void
nvr_collect_onvif(NvrCollect *c)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = c->onvif_url != NULL
				   ? g_strdup(c->onvif_url)
				   : g_strdup_printf("http://%s:%u/onvif/device_service", c->host, c->http_port);

	c->onvif = nvr_onvif_client_new(url, &error);
	if (c->onvif != NULL && c->username != NULL &&
	    !nvr_onvif_client_set_credentials(c->onvif, c->username, c->password, &error))
		g_clear_object(&c->onvif);
	if (c->onvif == NULL) {
		g_prefix_error(&error, "ONVIF device service: ");
		nvr_collect_onvif_failed(c, "device service", error);
		nvr_collect_next(c);
		return;
	}
	nvr_onvif_client_set_timeout(c->onvif, c->timeout_ms);
	nvr_onvif_client_get_system_date_and_time_async(c->onvif, nvr_collect_cancellable(c),
							nvr_collect_onvif_time_cb, c);
}

/* ---- 5. neighbour table; 6. plugins ---- */

static void
nvr_collect_mac(NvrCollect *c)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *mac = nvr_neighbour_lookup_mac(c->proc_arp, c->bare_host, &error);
	g_autofree gchar *src = g_strdup_printf("neighbour table (%s)",
						c->proc_arp != NULL ? c->proc_arp : NVR_NEIGHBOUR_PROC_ARP);

	if (mac != NULL)
		nvr_vendor_add_mac(c->vendor, c->set, mac, src);
	else
		nvr_collect_note(c, "MAC: %s", error->message);
	nvr_collect_next(c);
}

static void
nvr_collect_plugins_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	NvrCollect *c = user_data;
	guint n = nvr_vendor_probe_finish(c->vendor, res, NULL);

	nvr_collect_note(c, "vendor plugins: %u evidence items", n);
	nvr_collect_next(c);
}

static void
nvr_collect_plugins(NvrCollect *c)
{
	g_autofree gchar *base = g_strdup_printf("http://%s:%u", c->host, c->http_port);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrVendorTransport) transport = NULL;

	if (c->no_plugins) {
		nvr_collect_next(c);
		return;
	}
	transport = nvr_vendor_http_transport_new(base, c->username, c->password, &error);
	if (transport == NULL) {
		nvr_collect_note(c, "vendor plugins: %s", error->message);
		nvr_collect_next(c);
		return;
	}
	nvr_vendor_http_transport_set_timeout_max(NVR_VENDOR_HTTP_TRANSPORT(transport), c->timeout_ms);
	nvr_vendor_probe_async(c->vendor, c->set, transport, nvr_collect_cancellable(c),
			       nvr_collect_plugins_cb, c);
}

static const NvrCollectStep nvr_collect_steps[] = {
	nvr_collect_http, nvr_collect_https, nvr_collect_rtsp,	  nvr_collect_wsd,
	nvr_collect_onvif, nvr_collect_mac,   nvr_collect_plugins,
};

static void
nvr_collect_next(NvrCollect *c)
{
	GTask *task = c->task;

	if (g_cancellable_is_cancelled(nvr_collect_cancellable(c))) {
		g_task_return_new_error(task, NVR_ERROR, NVR_ERROR_CANCELLED, "identification cancelled");
		g_object_unref(task);
		return;
	}
	if (c->step >= G_N_ELEMENTS(nvr_collect_steps)) {
		nvr_evidence_set_set_ports(c->set, c->http_port, c->rtsp_port);
		g_task_return_pointer(task, g_object_ref(c->set), g_object_unref);
		g_object_unref(task);
		return;
	}
	nvr_collect_steps[c->step++](c);
}

/**
 * nvr_vendor_host_port_parse:
 * @text: "192.0.2.10", "192.0.2.10:8080", "[2001:db8::1]:8080", "cam.local"
 * @host: (out): bracketed for IPv6
 * @port: (out): 0 if none was given
 */
gboolean
nvr_vendor_host_port_parse(const gchar *text, gchar **host, guint *port, GError **error)
{
	g_autofree gchar *h = NULL;
	const gchar *colon = NULL;
	guint64 p = 0;

	*port = 0;
	if (text == NULL || text[0] == '\0' || strlen(text) > 255 || strpbrk(text, "/@?# ") != NULL)
		goto bad;
	if (text[0] == '[') {
		const gchar *end = strchr(text, ']');
		if (end == NULL)
			goto bad;
		h = g_strndup(text, (gsize)(end - text + 1));
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			goto bad;
	} else {
		colon = strchr(text, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			h = g_strdup_printf("[%s]", text); /* a bare IPv6 address */
			colon = NULL;
		} else {
			h = colon != NULL ? g_strndup(text, (gsize)(colon - text)) : g_strdup(text);
		}
	}
	if (colon != NULL && !g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &p, NULL))
		goto bad;
	*port = (guint)p;
	*host = g_steal_pointer(&h);
	return TRUE;
bad:
	g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
		    "'%s' is not HOST[:PORT] (IPv6 in brackets: [2001:db8::1]:80)", text != NULL ? text : "");
	return FALSE;
}

/**
 * nvr_vendor_collect_async:
 *
 * Runs on the thread-default main context; the plugins' probes run on a
 * worker thread. Never fails but for cancellation: a device that answers
 * nothing gives an empty set.
 */
void
nvr_vendor_collect_async(NvrVendor *vendor, const NvrVendorCollectOptions *options,
			 GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(vendor, cancellable, callback, user_data);
	NvrCollect *c = g_new0(NvrCollect, 1);

	g_task_set_task_data(task, c, (GDestroyNotify)nvr_collect_free);
	c->task = task;
	c->vendor = g_object_ref(vendor);
	c->set = nvr_evidence_set_new(options->host);
	c->log = g_ptr_array_new_with_free_func(g_free);
	c->host = g_strdup(options->host);
	c->bare_host = c->host[0] == '[' ? g_strndup(c->host + 1, strlen(c->host) - 2) : g_strdup(c->host);
	c->http_port = options->http_port != 0 ? options->http_port : 80;
	c->https_port = options->https_port;
	c->rtsp_port = options->rtsp_port != 0 ? options->rtsp_port : 554;
	c->wsd_port = options->wsd_port;
	c->timeout_ms = options->timeout_ms != 0 ? options->timeout_ms : NVR_VENDOR_COLLECT_TIMEOUT_MS;
	c->onvif_url = g_strdup(options->onvif_url);
	c->username = g_strdup(options->username);
	c->password = g_strdup(options->password);
	c->no_plugins = options->no_plugins;
	c->proc_arp = g_strdup(options->proc_arp);
	nvr_evidence_set_set_ports(c->set, c->http_port, c->rtsp_port);
	if (options->wsd_match != NULL) {
		g_autofree gchar *src = g_strdup_printf("WS-Discovery ProbeMatch from %s",
							options->wsd_match->sender != NULL ? options->wsd_match->sender : c->host);
		nvr_vendor_facts_wsd_match(vendor, c->set, options->wsd_match, src);
		c->wsd_port = 0;
	}
	nvr_collect_next(c);
}

/**
 * nvr_vendor_collect_finish:
 * @log: (out) (optional) (transfer container): what each step did, for the user
 *
 * Returns: (transfer full)
 */
NvrEvidenceSet *
nvr_vendor_collect_finish(GAsyncResult *result, GPtrArray **log, GError **error)
{
	NvrCollect *c = g_task_get_task_data(G_TASK(result));

	if (log != NULL)
		*log = g_ptr_array_ref(c->log);
	return g_task_propagate_pointer(G_TASK(result), error);
}

/**
 * nvr_vendor_collect_get_onvif_error:
 * @result: as given to the callback of nvr_vendor_collect_async()
 *
 * Returns: (transfer none) (nullable): the first ONVIF operation that
 * failed (NVR_ERROR_AUTH when the camera refused the credentials), valid
 * as long as @result
 */
const GError *
nvr_vendor_collect_get_onvif_error(GAsyncResult *result)
{
	NvrCollect *c = g_task_get_task_data(G_TASK(result));

	return c->onvif_error;
}
