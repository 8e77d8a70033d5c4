/*
 * notes on identification in nvrd
 *
 *   identify(camera) --> QUEUED --pump--> LOCATING --> COLLECTING --> stored, reported
 *                          |                 |              |
 *                          +-- forget/stop --+--------------+--> cancelled (nothing stored)
 *
 *   LOCATING finds the camera's HTTP (web, ONVIF, vendor API) port, which a
 *   stream URL does not give: the XAddr of a WS-Discovery answer, else the
 *   first of identify-http-ports that accepts a connection. COLLECTING is
 *   nvr_vendor_collect_async() with the camera's own credentials.
 *
 * invariants
 *   (1) nothing here blocks the main context: every network step is
 *       asynchronous with its own timeout (the plugins' probes run on a
 *       worker thread), and a whole job is cancelled after
 *       NVR_DAEMON_DEVICES_DEADLINE_S, so a silent or hostile device costs
 *       a slot of NVR_DAEMON_DEVICES_MAX_RUNNING for a while, never a
 *       recording
 *   (2) a job holds one reference while it is queued or running, and the
 *       jobs table one more; a callback of a cancelled job only lets go
 *   (3) a restricted camera is warned about once per nvrd run, again only
 *       after a registry change made it unrestricted and then restricted
 *   (4) a re-evaluation (registry or quirks reloaded) reads the evidence
 *       stored with the latest verdict; it never probes a device
 *   (5) the camera password lives in a job until the collector has its
 *       own copy, then it is wiped; no log line carries it
 *   (6) a collection that got nothing at all (the camera is off) never
 *       replaces a stored verdict
 */
#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "core/nvr-url.h"
#include "discovery/nvr-wsd.h"
#include "nvr-daemon-devices.h"
#include "vendor/nvr-device-index.h"
#include "vendor/nvr-vendor-collect.h"
#include "vendor/nvr-verdict-store.h"

#define NVR_DAEMON_DEVICES_WSD_WINDOW_MS 1000

struct _NvrDaemonDevices {
	GObject parent_instance;
	NvrIndex *index;	    /* immutable; main context only */
	NvrVendor *vendor;	    /* immutable */
	NvrVerdictStore *verdicts;  /* main context only; keys are device ids */
	GArray *http_ports;	    /* immutable (element-type guint) */
	guint wsd_port;		    /* immutable; 0: no WS-Discovery */
	guint step_timeout_ms;	    /* immutable */
	GHashTable *jobs;	    /* main context only: camera id -> NvrDevicesJob */
	GQueue queue;		    /* main context only: jobs not started yet */
	guint running;		    /* main context only */
	GHashTable *warned;	    /* main context only: device ids, invariant (3) */
	gulong changed_id;
};

G_DEFINE_TYPE(NvrDaemonDevices, nvr_daemon_devices, G_TYPE_OBJECT)

typedef struct {
	NvrDaemonDevices *self; /* a reference while the job runs (its callbacks use it) */
	gint64 camera_id;
	gchar *camera_name;
	gchar *host; /* bracketed if IPv6, as the collector wants it */
	gchar *bare_host;
	guint rtsp_port;
	guint http_port;
	guint port_index;
	gchar *onvif_url;     /* nullable: from WS-Discovery */
	GPtrArray *wsd;	      /* nullable (element-type NvrWsdMatch) */
	gchar *username;      /* nullable */
	gchar *password;      /* nullable; wiped once the collector has it */
	GCancellable *cancellable;
	guint deadline_id;
	gboolean timed_out;
	gint64 started_us;
} NvrDevicesJob;

static void nvr_daemon_devices_pump(NvrDaemonDevices *self);

static void
nvr_devices_job_wipe_password(NvrDevicesJob *job)
{
	if (job->password != NULL)
		memset(job->password, 0, strlen(job->password));
	g_clear_pointer(&job->password, g_free);
}

static void
nvr_devices_job_clear(NvrDevicesJob *job)
{
	g_clear_handle_id(&job->deadline_id, g_source_remove);
	nvr_devices_job_wipe_password(job);
	g_free(job->camera_name);
	g_free(job->host);
	g_free(job->bare_host);
	g_free(job->onvif_url);
	g_clear_pointer(&job->wsd, g_ptr_array_unref);
	g_free(job->username);
	g_clear_object(&job->cancellable);
}

static NvrDevicesJob *
nvr_devices_job_ref(NvrDevicesJob *job)
{
	return g_rc_box_acquire(job);
}

static void
nvr_devices_job_unref(NvrDevicesJob *job)
{
	g_rc_box_release_full(job, (GDestroyNotify)nvr_devices_job_clear);
}

static gboolean
nvr_devices_job_is_cancelled(NvrDevicesJob *job)
{
	return g_cancellable_is_cancelled(job->cancellable);
}

/* the running job ends: its slot goes to the next in the queue */
static void
nvr_devices_job_done(NvrDevicesJob *job)
{
	NvrDaemonDevices *self = job->self;

	g_clear_handle_id(&job->deadline_id, g_source_remove);
	if (job->timed_out)
		g_warning("camera %s: identification stopped after %u s without an answer",
			  job->camera_name, NVR_DAEMON_DEVICES_DEADLINE_S);
	if (g_hash_table_lookup(self->jobs, &job->camera_id) == job)
		g_hash_table_remove(self->jobs, &job->camera_id);
	self->running--;
	nvr_devices_job_unref(job);
	nvr_daemon_devices_pump(self);
	g_object_unref(self); /* taken by nvr_devices_job_start() */
}

/* ---- what the log says ---- */

/* "BIS Entity List, FCC Covered List and NDAA FY2019 §889": the lists that warrant a warning, once each */
static gchar *
nvr_daemon_devices_list_names(const NvrVerdict *v)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < v->listings->len; i++) {
		const NvrVerdictListing *l = g_ptr_array_index(v->listings, i);
		if (l->warn && !g_ptr_array_find_with_equal_func(names, l->list_name, g_str_equal, NULL))
			g_ptr_array_add(names, l->list_name);
	}
	for (guint i = 0; i < names->len; i++) {
		if (i > 0)
			g_string_append(s, i + 1 == names->len ? " and " : ", ");
		g_string_append(s, g_ptr_array_index(names, i));
	}
	return g_string_free(s, FALSE);
}

/* one line: camera, maker (and brand), the lists, what it does not mean, where to look */
static void
nvr_daemon_devices_warn(NvrDaemonDevices *self, gint64 device_id, const gchar *camera,
			const NvrVerdict *v)
{
	g_autofree gchar *lists = nvr_daemon_devices_list_names(v);
	g_autofree gchar *brand = NULL;

	if (g_hash_table_contains(self->warned, &device_id))
		return;
	g_hash_table_add(self->warned, g_memdup2(&device_id, sizeof(device_id)));
	if (v->brand_name != NULL && g_strcmp0(v->brand, v->vendor) != 0)
		brand = g_strdup_printf("brand %s, ", v->brand_name);
	g_warning("camera %s: restricted vendor: %smade by %s (%s; confidence %s), a company on the "
		  "%s. Owning or using it is not illegal; 'nvrctl devices' shows the evidence, "
		  "citations and advice",
		  camera, brand != NULL ? brand : "", v->vendor_name, v->manufacturer,
		  nvr_verdict_confidence_to_string(v->confidence), lists);
}

/* Returns: (transfer full) (nullable): the name of the live camera linked to the device */
static gchar *
nvr_daemon_devices_camera_name(NvrDaemonDevices *self, gint64 device_id)
{
	g_autoptr(NvrIndexDevice) d = nvr_index_device_load(self->index, device_id, NULL);
	g_autoptr(NvrIndexCamera) c = NULL;

	if (d == NULL || d->camera_id == 0)
		return NULL;
	c = nvr_index_camera_load(self->index, d->camera_id, NULL);
	return c != NULL && c->removed_us == 0 ? g_strdup(c->name) : NULL;
}

static gboolean
nvr_daemon_devices_same_confidence(const NvrIndexVerdict *row, const NvrVerdict *v)
{
	return g_strcmp0(nvr_index_confidence_to_string(row->confidence),
			 nvr_verdict_confidence_to_string(v->confidence)) == 0;
}

static gboolean
nvr_daemon_devices_row_differs(const NvrIndexVerdict *row, const NvrVerdict *v)
{
	return row == NULL || g_strcmp0(row->registry_version, v->registry_version) != 0 ||
	       g_strcmp0(row->vendor, v->vendor) != 0 || g_strcmp0(row->brand, v->brand) != 0 ||
	       !nvr_daemon_devices_same_confidence(row, v) || row->restricted != v->restricted;
}

/* after a re-evaluation: one line when the verdict means something else now */
static void
nvr_daemon_devices_report_change(NvrDaemonDevices *self, gint64 device_id,
				 const NvrIndexVerdict *before, const NvrVerdict *v)
{
	g_autofree gchar *camera = nvr_daemon_devices_camera_name(self, device_id);
	g_autofree gchar *who = camera != NULL ? g_strdup_printf("camera %s", camera)
					       : g_strdup_printf("device %" G_GINT64_FORMAT, device_id);

	if (before != NULL && (before->restricted != v->restricted ||
			       g_strcmp0(before->vendor, v->vendor) != 0 ||
			       !nvr_daemon_devices_same_confidence(before, v)))
		g_message("%s: verdict changed with restricted-vendor registry %s -> %s: %s -> %s, %s (%s)",
			  who, before->registry_version, v->registry_version,
			  before->restricted ? "restricted" : "not restricted",
			  v->restricted ? "restricted" : "not restricted",
			  v->vendor_name != NULL ? v->vendor_name : "maker unknown",
			  nvr_verdict_confidence_to_string(v->confidence));
	else
		g_debug("%s: verdict unchanged under registry %s", who, v->registry_version);
	if (!v->restricted)
		g_hash_table_remove(self->warned, &device_id);
	else if (camera != NULL)
		nvr_daemon_devices_warn(self, device_id, camera, v);
}

/* ---- storing ---- */

static gchar *
nvr_daemon_devices_key(gint64 device_id)
{
	return g_strdup_printf("%" G_GINT64_FORMAT, device_id);
}

/* Returns: the device linked to the camera, if a verdict is stored for it; else 0 */
static gint64
nvr_daemon_devices_known_device(NvrDaemonDevices *self, gint64 camera_id)
{
	g_autoptr(GPtrArray) all = nvr_index_device_list(self->index, NULL);

	for (guint i = 0; all != NULL && i < all->len; i++) {
		const NvrIndexDevice *d = g_ptr_array_index(all, i);
		g_autoptr(NvrIndexVerdict) v = NULL;
		if (d->camera_id != camera_id)
			continue;
		v = nvr_index_verdict_load_latest(self->index, d->id, NULL);
		if (v != NULL)
			return d->id;
	}
	return 0;
}

/* a camera that is off when nvrd starts says nothing: that is no reason to forget who made it */
static gboolean
nvr_daemon_devices_keep_stored(NvrDaemonDevices *self, NvrDevicesJob *job, NvrEvidenceSet *set)
{
	gint64 known;

	if (nvr_evidence_set_get_size(set) > 0)
		return FALSE;
	known = nvr_daemon_devices_known_device(self, job->camera_id);
	if (known == 0)
		return FALSE;
	g_message("camera %s: no answer from its device; the verdict stored for device %" G_GINT64_FORMAT
		  " stands",
		  job->camera_name, known);
	return TRUE;
}

/* a fresh collection: device row, evidence rows, verdict; then the log */
static void
nvr_daemon_devices_record(NvrDaemonDevices *self, NvrDevicesJob *job, NvrEvidenceSet *set)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *key = NULL;
	gint64 ms = (g_get_monotonic_time() - job->started_us) / 1000;
	const NvrVerdict *v;
	gint64 id;

	if (nvr_daemon_devices_keep_stored(self, job, set))
		return;
	id = nvr_device_index_link(self->index, job->camera_id, set, &error);
	if (id == 0) {
		g_warning("camera %s: identification not stored: %s", job->camera_name, error->message);
		return;
	}
	key = nvr_daemon_devices_key(id);
	v = nvr_verdict_store_put(self->verdicts, key, set);
	if (!nvr_device_index_store(self->index, id, set, v, TRUE, &error)) {
		g_warning("camera %s: identification not stored: %s", job->camera_name, error->message);
		return;
	}
	g_message("camera %s: identified in %" G_GINT64_FORMAT " ms (device %" G_GINT64_FORMAT
		  ", %u evidence items): %s",
		  job->camera_name, ms, id, nvr_evidence_set_get_size(set),
		  v->restricted ? "restricted vendor" : v->summary);
	if (v->restricted)
		nvr_daemon_devices_warn(self, id, job->camera_name, v);
	else
		g_hash_table_remove(self->warned, &id);
}

/* ---- a job: locate, collect ---- */

static void
nvr_devices_job_collect_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	NvrDevicesJob *job = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) log = NULL;
	g_autoptr(NvrEvidenceSet) set = nvr_vendor_collect_finish(res, &log, &error);

	if (set != NULL && !nvr_devices_job_is_cancelled(job))
		nvr_daemon_devices_record(job->self, job, set);
	else if (set == NULL && !g_error_matches(error, NVR_ERROR, NVR_ERROR_CANCELLED))
		g_warning("camera %s: identification failed: %s", job->camera_name, error->message);
	for (guint i = 0; log != NULL && i < log->len; i++)
		g_debug("camera %s: %s", job->camera_name, (const gchar *)g_ptr_array_index(log, i));
	nvr_devices_job_done(job);
}

static void
nvr_devices_job_collect(NvrDevicesJob *job)
{
	NvrDaemonDevices *self = job->self;
	NvrVendorCollectOptions opts = {
		.host = job->host,
		.http_port = job->http_port,
		/* the certificate subject, where the web UI is on the default port */
		.https_port = job->http_port == 80 ? 443 : 0,
		.rtsp_port = job->rtsp_port,
		.onvif_url = job->onvif_url,
		.username = job->username,
		.password = job->password,
		.timeout_ms = self->step_timeout_ms,
		.wsd_match = job->wsd != NULL ? g_ptr_array_index(job->wsd, 0) : NULL,
	};

	nvr_vendor_collect_async(self->vendor, &opts, job->cancellable, nvr_devices_job_collect_cb, job);
	nvr_devices_job_wipe_password(job); /* invariant (5) */
}

static void nvr_devices_job_try_port(NvrDevicesJob *job);

static void
nvr_devices_job_port_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	NvrDevicesJob *job = user_data;
	g_autoptr(GSocketConnection) conn =
		g_socket_client_connect_to_host_finish(G_SOCKET_CLIENT(source), res, NULL);

	if (nvr_devices_job_is_cancelled(job)) {
		nvr_devices_job_done(job);
		return;
	}
	if (conn != NULL) {
		job->http_port = g_array_index(job->self->http_ports, guint, job->port_index);
		nvr_devices_job_collect(job);
		return;
	}
	job->port_index++;
	nvr_devices_job_try_port(job);
}

/* the first port that accepts a connection; none: the first anyway, the collector says what failed */
static void
nvr_devices_job_try_port(NvrDevicesJob *job)
{
	NvrDaemonDevices *self = job->self;
	g_autoptr(GSocketClient) client = NULL;

	if (job->port_index >= self->http_ports->len) {
		job->http_port = g_array_index(self->http_ports, guint, 0);
		nvr_devices_job_collect(job);
		return;
	}
	client = g_socket_client_new();
	/* cameras are never reached through a proxy */
	g_socket_client_set_enable_proxy(client, FALSE);
	g_socket_client_set_timeout(client, MAX(1u, self->step_timeout_ms / 1000));
	g_socket_client_connect_to_host_async(client, job->host,
					      (guint16)g_array_index(self->http_ports, guint, job->port_index),
					      job->cancellable, nvr_devices_job_port_cb, job);
}

/* Returns: the port of an http:// XAddr, 0 if it has none */
static guint
nvr_daemon_devices_xaddr_port(const gchar *xaddr)
{
	g_autoptr(GUri) uri = g_uri_parse(xaddr, G_URI_FLAGS_NONE, NULL);

	if (uri == NULL || g_strcmp0(g_uri_get_scheme(uri), "http") != 0)
		return 0;
	return g_uri_get_port(uri) > 0 ? (guint)g_uri_get_port(uri) : 80;
}

static void
nvr_devices_job_wsd_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	NvrDevicesJob *job = user_data;
	g_autoptr(GPtrArray) matches = nvr_wsd_probe_finish(res, NULL);
	const NvrWsdMatch *m = matches != NULL && matches->len > 0 ? g_ptr_array_index(matches, 0) : NULL;
	guint port = m != NULL && m->xaddrs != NULL && m->xaddrs[0] != NULL
			     ? nvr_daemon_devices_xaddr_port(m->xaddrs[0])
			     : 0;

	if (nvr_devices_job_is_cancelled(job)) {
		nvr_devices_job_done(job);
		return;
	}
	if (port == 0) {
		nvr_devices_job_try_port(job);
		return;
	}
	job->http_port = port;
	job->onvif_url = g_strdup(m->xaddrs[0]);
	job->wsd = g_steal_pointer(&matches);
	nvr_devices_job_collect(job);
}

static gboolean
nvr_devices_job_deadline_cb(gpointer user_data)
{
	NvrDevicesJob *job = user_data;

	job->deadline_id = 0;
	job->timed_out = TRUE;
	g_cancellable_cancel(job->cancellable);
	return G_SOURCE_REMOVE;
}

static void
nvr_devices_job_start(NvrDevicesJob *job)
{
	NvrDaemonDevices *self = job->self;

	g_object_ref(self);
	job->started_us = g_get_monotonic_time();
	job->deadline_id = g_timeout_add_seconds(NVR_DAEMON_DEVICES_DEADLINE_S,
						 nvr_devices_job_deadline_cb, job);
	if (job->http_port != 0) {
		nvr_devices_job_collect(job);
		return;
	}
	if (self->wsd_port == 0) {
		nvr_devices_job_try_port(job);
		return;
	}
	nvr_wsd_probe_unicast_async(job->bare_host, (guint16)self->wsd_port,
				    MIN(self->step_timeout_ms, NVR_DAEMON_DEVICES_WSD_WINDOW_MS),
				    job->cancellable, nvr_devices_job_wsd_cb, job);
}

static void
nvr_daemon_devices_pump(NvrDaemonDevices *self)
{
	while (self->running < NVR_DAEMON_DEVICES_MAX_RUNNING && !g_queue_is_empty(&self->queue)) {
		NvrDevicesJob *job = g_queue_pop_head(&self->queue);
		if (nvr_devices_job_is_cancelled(job)) {
			nvr_devices_job_unref(job);
			continue;
		}
		self->running++;
		nvr_devices_job_start(job); /* the queue's reference goes with it */
	}
}

/* ---- the object ---- */

/**
 * nvr_daemon_devices_identify:
 * @password: (nullable): the camera's, unsealed; copied, and wiped after use
 * @http_port: its web and ONVIF port if known (the demo's cameras); 0: find it
 *
 * Probes the camera's device in the background (again, if a probe is
 * under way); the result is stored and reported when it comes.
 */
void
nvr_daemon_devices_identify(NvrDaemonDevices *self, const NvrIndexCamera *camera,
			    const gchar *password, guint http_port)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrStreamUrl) url = NULL;
	NvrDevicesJob *job;

	g_return_if_fail(NVR_IS_DAEMON_DEVICES(self));
	nvr_daemon_devices_forget(self, camera->id);
	url = nvr_stream_url_parse(camera->main_url, &error);
	if (url == NULL) {
		g_warning("camera %s: not identified: %s", camera->name, error->message);
		return;
	}
	job = g_rc_box_new0(NvrDevicesJob);
	job->self = self;
	job->camera_id = camera->id;
	job->camera_name = g_strdup(camera->name);
	job->bare_host = g_strdup(url->host);
	job->host = strchr(url->host, ':') != NULL ? g_strdup_printf("[%s]", url->host)
						   : g_strdup(url->host);
	job->rtsp_port = url->port > 0 ? (guint)url->port : 554;
	job->http_port = http_port;
	job->username = g_strdup(camera->username);
	job->password = g_strdup(password);
	job->cancellable = g_cancellable_new();
	g_hash_table_insert(self->jobs, &job->camera_id, nvr_devices_job_ref(job));
	g_queue_push_tail(&self->queue, job);
	nvr_daemon_devices_pump(self);
}

/* a removed camera: stop probing it (what is stored stays) */
void
nvr_daemon_devices_forget(NvrDaemonDevices *self, gint64 camera_id)
{
	NvrDevicesJob *job;

	g_return_if_fail(NVR_IS_DAEMON_DEVICES(self));
	job = g_hash_table_lookup(self->jobs, &camera_id);
	if (job == NULL)
		return;
	g_cancellable_cancel(job->cancellable);
	if (g_queue_remove(&self->queue, job))
		nvr_devices_job_unref(job);
	g_hash_table_remove(self->jobs, &camera_id);
}

/* cancels every probe; their callbacks only let go (invariant 2) */
void
nvr_daemon_devices_stop(NvrDaemonDevices *self)
{
	GHashTableIter iter;
	NvrDevicesJob *job;

	g_return_if_fail(NVR_IS_DAEMON_DEVICES(self));
	g_hash_table_iter_init(&iter, self->jobs);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&job))
		g_cancellable_cancel(job->cancellable);
	while ((job = g_queue_pop_head(&self->queue)) != NULL)
		nvr_devices_job_unref(job);
	g_hash_table_remove_all(self->jobs);
}

/* the registry or the quirks were reloaded: invariant (4) */
static void
nvr_daemon_devices_verdict_changed_cb(NvrVerdictStore *store, const gchar *key, gpointer user_data)
{
	NvrDaemonDevices *self = NVR_DAEMON_DEVICES(user_data);
	gint64 id = g_ascii_strtoll(key, NULL, 10);
	const NvrVerdict *v = nvr_verdict_store_get(store, key);
	NvrEvidenceSet *set = nvr_verdict_store_get_evidence(store, key);
	g_autoptr(NvrIndexVerdict) before = nvr_index_verdict_load_latest(self->index, id, NULL);
	g_autoptr(GError) error = NULL;

	if (!nvr_device_index_store(self->index, id, set, v, FALSE, &error)) {
		g_warning("re-evaluated verdict not stored: %s", error->message);
		return;
	}
	nvr_daemon_devices_report_change(self, id, before, v);
}

/* one device at startup: evaluated under today's registry, stored again if that changed it */
static void
nvr_daemon_devices_load_one(NvrDaemonDevices *self, const NvrIndexDevice *d)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrIndexVerdict) before = NULL;
	g_autoptr(NvrEvidenceSet) set = nvr_device_index_load_evidence(self->index, d->id, &before, &error);
	g_autofree gchar *key = nvr_daemon_devices_key(d->id);
	g_autofree gchar *camera = NULL;
	const NvrVerdict *v;

	if (set == NULL) {
		g_debug("device %" G_GINT64_FORMAT ": %s", d->id, error->message);
		return;
	}
	v = nvr_verdict_store_put(self->verdicts, key, set);
	if (nvr_daemon_devices_row_differs(before, v)) {
		if (!nvr_device_index_store(self->index, d->id, set, v, FALSE, &error))
			g_warning("device %" G_GINT64_FORMAT ": %s", d->id, error->message);
		nvr_daemon_devices_report_change(self, d->id, before, v);
		return;
	}
	camera = nvr_daemon_devices_camera_name(self, d->id);
	if (v->restricted && camera != NULL)
		nvr_daemon_devices_warn(self, d->id, camera, v);
}

/**
 * nvr_daemon_devices_load:
 *
 * Takes every stored evidence set into the verdict store, so that a
 * registry change re-evaluates devices whose probe has not finished (or
 * cannot: the camera is offline). Restricted cameras are warned about now.
 */
gboolean
nvr_daemon_devices_load(NvrDaemonDevices *self, GError **error)
{
	g_autoptr(GPtrArray) devices = NULL;

	g_return_val_if_fail(NVR_IS_DAEMON_DEVICES(self), FALSE);
	devices = nvr_index_device_list(self->index, error);
	if (devices == NULL)
		return FALSE;
	for (guint i = 0; i < devices->len; i++)
		nvr_daemon_devices_load_one(self, g_ptr_array_index(devices, i));
	return TRUE;
}

/* SIGHUP: the registry and the quirks are read again; stored verdicts follow */
gboolean
nvr_daemon_devices_reload(NvrDaemonDevices *self, GError **error)
{
	g_return_val_if_fail(NVR_IS_DAEMON_DEVICES(self), FALSE);
	return nvr_vendor_reload(self->vendor, error);
}

/* "80,8080,88" */
static GArray *
nvr_daemon_devices_parse_ports(const gchar *text, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(text != NULL ? text : "", ",", -1);
	g_autoptr(GArray) ports = g_array_new(FALSE, FALSE, sizeof(guint));

	for (guint i = 0; parts[i] != NULL; i++) {
		guint64 port = 0;
		if (!g_ascii_string_to_unsigned(g_strstrip(parts[i]), 10, 1, 65535, &port, NULL)) {
			g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "identify-http-ports: '%s' is not a list of ports", text);
			return NULL;
		}
		g_array_append_val(ports, port);
	}
	if (ports->len == 0) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "identify-http-ports: no port");
		return NULL;
	}
	return g_steal_pointer(&ports);
}

static void
nvr_daemon_devices_dispose(GObject *obj)
{
	NvrDaemonDevices *self = NVR_DAEMON_DEVICES(obj);

	if (self->jobs != NULL)
		nvr_daemon_devices_stop(self);
	if (self->verdicts != NULL)
		g_clear_signal_handler(&self->changed_id, self->verdicts);
	g_clear_object(&self->verdicts);
	G_OBJECT_CLASS(nvr_daemon_devices_parent_class)->dispose(obj);
}

static void
nvr_daemon_devices_finalize(GObject *obj)
{
	NvrDaemonDevices *self = NVR_DAEMON_DEVICES(obj);

	g_hash_table_unref(self->jobs);
	g_hash_table_unref(self->warned);
	g_clear_pointer(&self->http_ports, g_array_unref);
	g_clear_object(&self->vendor);
	g_clear_object(&self->index);
	G_OBJECT_CLASS(nvr_daemon_devices_parent_class)->finalize(obj);
}

static void
nvr_daemon_devices_class_init(NvrDaemonDevicesClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = nvr_daemon_devices_dispose;
	G_OBJECT_CLASS(klass)->finalize = nvr_daemon_devices_finalize;
}

static void
nvr_daemon_devices_init(NvrDaemonDevices *self)
{
	self->jobs = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL,
					   (GDestroyNotify)nvr_devices_job_unref);
	self->warned = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_queue_init(&self->queue);
}

/**
 * nvr_daemon_devices_new:
 * @config: identify-http-ports, identify-wsd-port, identify-step-timeout-ms
 *
 * Errors: a malformed identify-http-ports.
 */
NvrDaemonDevices *
nvr_daemon_devices_new(NvrIndex *index, NvrVendor *vendor, NvrConfig *config, GError **error)
{
	g_autoptr(NvrDaemonDevices) self = g_object_new(NVR_TYPE_DAEMON_DEVICES, NULL);

	self->http_ports = nvr_daemon_devices_parse_ports(
		nvr_config_get_string(config, "identify-http-ports"), error);
	if (self->http_ports == NULL)
		return NULL;
	self->wsd_port = (guint)nvr_config_get_uint(config, "identify-wsd-port");
	self->step_timeout_ms = (guint)nvr_config_get_uint(config, "identify-step-timeout-ms");
	self->index = g_object_ref(index);
	self->vendor = g_object_ref(vendor);
	self->verdicts = nvr_verdict_store_new(vendor);
	self->changed_id = g_signal_connect(self->verdicts, "verdict-changed",
					    G_CALLBACK(nvr_daemon_devices_verdict_changed_cb), self);
	return g_steal_pointer(&self);
}
