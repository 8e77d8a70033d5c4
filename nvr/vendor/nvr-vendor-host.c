#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "core/nvr-log.h"
#include "discovery/nvr-discovery-text.h"
#include "vendor/nvr-vendor-host.h"

#define NVR_VENDOR_CALL_MAGIC 0x4e565243u /* "NVRC": a garbage call pointer is caught, not followed */

struct _NvrVendorHostShared {
	GMutex lock;
	NvrQuirks *quirks; /* protected by lock: replaced on reload */
};

/* what host_data points to: one per plugin */
typedef struct {
	NvrVendorHostShared *shared; /* borrowed: outlives every plugin */
	gchar *plugin_name;
} NvrVendorHostData;

struct _NvrVendorCall {
	guint32 magic;
	gchar *plugin_name;
	NvrEvidenceSet *set;		/* the device */
	NvrVendorTransport *transport;	/* nullable: a call without network */
	GCancellable *cancellable;	/* nullable */
	gint64 deadline_us; /* monotonic; 0: none */
	guint n_requests;
	guint n_items;
	GPtrArray *violations; /* (element-type utf8) */
};

NvrVendorHostShared *
nvr_vendor_host_shared_new(NvrQuirks *quirks)
{
	NvrVendorHostShared *shared = g_new0(NvrVendorHostShared, 1);

	g_mutex_init(&shared->lock);
	shared->quirks = quirks != NULL ? g_object_ref(quirks) : NULL;
	return shared;
}

void
nvr_vendor_host_shared_set_quirks(NvrVendorHostShared *shared, NvrQuirks *quirks)
{
	g_mutex_lock(&shared->lock);
	g_set_object(&shared->quirks, quirks);
	g_mutex_unlock(&shared->lock);
}

void
nvr_vendor_host_shared_free(NvrVendorHostShared *shared)
{
	if (shared == NULL)
		return;
	g_clear_object(&shared->quirks);
	g_mutex_clear(&shared->lock);
	g_free(shared);
}

/* ---- services ---- */

static void
nvr_vendor_host_log(gpointer host_data, GLogLevelFlags level, const gchar *message)
{
	NvrVendorHostData *data = host_data;
	g_autofree gchar *clean = NULL;
	g_autofree gchar *scrubbed = NULL;

	if (data == NULL || message == NULL)
		return;
	clean = nvr_discovery_text_clean(message, -1, NVR_VENDOR_LOG_MAX);
	scrubbed = nvr_log_scrub(clean != NULL ? clean : "");
	/* a plugin can warn, never abort the daemon */
	if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) != 0)
		level = G_LOG_LEVEL_WARNING;
	else if ((level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO)) != 0)
		level = G_LOG_LEVEL_INFO;
	else
		level = G_LOG_LEVEL_DEBUG;
	g_log(G_LOG_DOMAIN, level, "plugin %s: %s", data->plugin_name, scrubbed);
}

static gchar *
nvr_vendor_host_quirk_dup(gpointer host_data, const gchar *match_id, const gchar *key)
{
	NvrVendorHostData *data = host_data;
	g_autoptr(GMutexLocker) locker = NULL;

	if (data == NULL || match_id == NULL || key == NULL)
		return NULL;
	locker = g_mutex_locker_new(&data->shared->lock);
	if (data->shared->quirks == NULL)
		return NULL;
	return g_strdup(nvr_quirks_lookup(data->shared->quirks, match_id, key));
}

static gboolean
nvr_vendor_call_is_valid(NvrVendorCall *call)
{
	return call != NULL && call->magic == NVR_VENDOR_CALL_MAGIC;
}

static gboolean
nvr_vendor_call_violation(NvrVendorCall *call, GError **error, const gchar *what)
{
	g_ptr_array_add(call->violations, g_strdup(what));
	g_set_error(error, NVR_ERROR, NVR_ERROR_PLUGIN, "plugin %s: %s", call->plugin_name, what);
	return FALSE;
}

static gboolean
nvr_vendor_http_path_ok(const gchar *path)
{
	gsize len = path != NULL ? strlen(path) : 0;

	if (len == 0 || len > NVR_VENDOR_HTTP_PATH_MAX || path[0] != '/' || path[1] == '/')
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if ((guchar)path[i] <= 0x20 || (guchar)path[i] >= 0x7f)
			return FALSE;
	}
	return TRUE;
}

static const gchar *
nvr_vendor_http_request_problem(const NvrVendorHttpRequest *request, NvrVendorHttpReply *reply)
{
	if (request == NULL || request->struct_size < sizeof(NvrVendorHttpRequest))
		return "http_request: request missing or struct_size too small";
	if (reply == NULL || reply->struct_size < sizeof(NvrVendorHttpReply))
		return "http_request: reply missing or struct_size too small";
	if (g_strcmp0(request->method, "GET") != 0 && g_strcmp0(request->method, "POST") != 0)
		return "http_request: method must be GET or POST";
	if (!nvr_vendor_http_path_ok(request->path))
		return "http_request: path must be /… in printable ASCII, at most 2048 bytes";
	if (request->body_len > NVR_VENDOR_HTTP_REQUEST_BODY_MAX ||
	    (request->body == NULL && request->body_len > 0))
		return "http_request: body too large or missing";
	if (request->auth > NVR_VENDOR_HTTP_AUTH_DEVICE ||
	    (request->flags & ~(guint32)NVR_VENDOR_HTTP_FLAG_CREDENTIALS) != 0)
		return "http_request: unknown auth or flags";
	return NULL;
}

static gboolean
nvr_vendor_host_http_request(NvrVendorCall *call, const NvrVendorHttpRequest *request,
			     NvrVendorHttpReply *reply, GError **error)
{
	NvrVendorTransportRequest req = {0};
	g_autoptr(GBytes) body = NULL;
	const gchar *problem;
	gboolean ok;

	if (!nvr_vendor_call_is_valid(call)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PLUGIN, "http_request: not a call handle");
		return FALSE;
	}
	problem = nvr_vendor_http_request_problem(request, reply);
	if (problem != NULL)
		return nvr_vendor_call_violation(call, error, problem);
	if (call->n_requests >= NVR_VENDOR_CALL_MAX_REQUESTS)
		return nvr_vendor_call_violation(call, error, "http_request: more than 8 requests in one probe");
	if (call->transport == NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED, "no network in this call");
		return FALSE;
	}
	if (call->deadline_us != 0 && g_get_monotonic_time() >= call->deadline_us) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_TIMEOUT, "the probe's time budget is spent");
		return FALSE;
	}
	call->n_requests++;
	if (request->body != NULL)
		body = g_bytes_new(request->body, request->body_len);
	req.method = request->method;
	req.path = request->path;
	req.content_type = request->content_type;
	req.body = body;
	req.timeout_ms = request->timeout_ms == 0 ? NVR_VENDOR_HTTP_TIMEOUT_DEFAULT_MS
						   : MIN(request->timeout_ms, NVR_VENDOR_HTTP_TIMEOUT_MAX_MS);
	if (call->deadline_us != 0)
		req.timeout_ms = MIN(req.timeout_ms,
				     (guint)MAX((call->deadline_us - g_get_monotonic_time()) / 1000, 1));
	req.max_body = request->max_body == 0 ? NVR_VENDOR_HTTP_BODY_DEFAULT
					      : MIN(request->max_body, NVR_VENDOR_HTTP_BODY_MAX);
	req.auth = request->auth == NVR_VENDOR_HTTP_AUTH_DEVICE;
	req.credentials = (request->flags & NVR_VENDOR_HTTP_FLAG_CREDENTIALS) != 0;
	nvr_vendor_http_reply_clear(reply);
	ok = nvr_vendor_transport_request(call->transport, &req, reply, call->cancellable, error);
	/* the template, never the substituted path: it may carry {password} */
	g_debug("plugin %s: %s %s -> %s %u (%" G_GSIZE_FORMAT " bytes)", call->plugin_name,
		request->method, request->path, ok ? "HTTP" : "failed", reply->status, reply->body_len);
	return ok;
}

static gboolean
nvr_vendor_evidence_item_problem(const NvrVendorEvidenceItem *item, const gchar **problem)
{
	if (item == NULL || item->struct_size < sizeof(NvrVendorEvidenceItem))
		*problem = "evidence_add: item missing or struct_size too small";
	else if (item->klass >= NVR_EVIDENCE_CLASS_LAST)
		*problem = "evidence_add: unknown class";
	else if (item->strength > NVR_EVIDENCE_STRENGTH_STRONG)
		*problem = "evidence_add: unknown strength";
	else if ((item->flags & ~(guint32)NVR_EVIDENCE_FLAG_FIRMWARE) != 0)
		*problem = "evidence_add: unknown flags";
	else if (!nvr_evidence_key_is_valid(item->key))
		*problem = "evidence_add: key must be [a-z0-9._-], at most 64";
	else if (item->value == NULL)
		*problem = "evidence_add: no value";
	else if ((item->vendor != NULL && !nvr_vendor_key_is_valid(item->vendor)) ||
		 (item->brand != NULL && !nvr_vendor_key_is_valid(item->brand)))
		*problem = "evidence_add: vendor and brand must be vendor keys";
	else
		return FALSE;
	return TRUE;
}

static gboolean
nvr_vendor_host_evidence_add(NvrVendorCall *call, const NvrVendorEvidenceItem *item,
			     GError **error)
{
	const gchar *problem = NULL;
	g_autofree gchar *source = NULL;
	NvrEvidence *ev;

	if (!nvr_vendor_call_is_valid(call)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PLUGIN, "evidence_add: not a call handle");
		return FALSE;
	}
	if (nvr_vendor_evidence_item_problem(item, &problem))
		return nvr_vendor_call_violation(call, error, problem);
	if (call->n_items >= NVR_VENDOR_CALL_MAX_ITEMS)
		return nvr_vendor_call_violation(call, error, "evidence_add: more than 32 items in one call");
	call->n_items++;
	source = g_strdup_printf("%s [plugin %s]", item->source != NULL ? item->source : "vendor API",
				 call->plugin_name);
	/* the value is the device's text: cleaned and bounded like any other */
	ev = nvr_evidence_new(item->klass, item->strength, item->key, item->value, source);
	ev->flags = item->flags;
	ev->vendor = g_strdup(item->vendor);
	ev->brand = g_strdup(item->brand);
	return nvr_evidence_set_add(call->set, ev, error);
}

/* ---- per-plugin host struct ---- */

NvrVendorHost *
nvr_vendor_host_new(NvrVendorHostShared *shared, const gchar *plugin_name)
{
	NvrVendorHost *host = g_new0(NvrVendorHost, 1);
	NvrVendorHostData *data = g_new0(NvrVendorHostData, 1);

	data->shared = shared;
	data->plugin_name = g_strdup(plugin_name);
	host->abi_major = NVR_VENDOR_ABI_MAJOR;
	host->abi_minor = NVR_VENDOR_ABI_MINOR;
	host->struct_size = sizeof(NvrVendorHost);
	host->host_data = data;
	host->log = nvr_vendor_host_log;
	host->quirk_dup = nvr_vendor_host_quirk_dup;
	host->http_request = nvr_vendor_host_http_request;
	host->evidence_add = nvr_vendor_host_evidence_add;
	return host;
}

void
nvr_vendor_host_free(NvrVendorHost *host)
{
	NvrVendorHostData *data;

	if (host == NULL)
		return;
	data = host->host_data;
	g_free(data->plugin_name);
	g_free(data);
	g_free(host);
}

/* ---- calls ---- */

/**
 * nvr_vendor_call_new:
 * @transport: (nullable): without one, http_request() fails with NOT_SUPPORTED
 */
NvrVendorCall *
nvr_vendor_call_new(const gchar *plugin_name, NvrEvidenceSet *set, NvrVendorTransport *transport,
		    GCancellable *cancellable)
{
	NvrVendorCall *call = g_new0(NvrVendorCall, 1);

	call->magic = NVR_VENDOR_CALL_MAGIC;
	call->plugin_name = g_strdup(plugin_name);
	call->set = g_object_ref(set);
	call->transport = transport != NULL ? g_object_ref(transport) : NULL;
	call->cancellable = cancellable != NULL ? g_object_ref(cancellable) : NULL;
	call->violations = g_ptr_array_new_with_free_func(g_free);
	return call;
}

void
nvr_vendor_call_free(NvrVendorCall *call)
{
	if (call == NULL)
		return;
	call->magic = 0;
	g_free(call->plugin_name);
	g_object_unref(call->set);
	g_clear_object(&call->transport);
	g_clear_object(&call->cancellable);
	g_ptr_array_unref(call->violations);
	g_free(call);
}

guint
nvr_vendor_call_get_n_violations(NvrVendorCall *call)
{
	return call->violations->len;
}

const gchar *
nvr_vendor_call_get_first_violation(NvrVendorCall *call)
{
	return call->violations->len > 0 ? g_ptr_array_index(call->violations, 0) : NULL;
}

guint
nvr_vendor_call_get_n_requests(NvrVendorCall *call)
{
	return call->n_requests;
}

/* after @deadline_us (monotonic) no request is sent, and none waits past it */
void
nvr_vendor_call_set_deadline(NvrVendorCall *call, gint64 deadline_us)
{
	call->deadline_us = deadline_us;
}
