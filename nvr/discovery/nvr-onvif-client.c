/*
 * notes on the ONVIF client
 *
 *   every operation:  [CLOCK] --> [SERVICES [--> CAPABILITIES]] --> CALL --> parse
 *     CLOCK         once per client, only when credentials are set: an unsigned
 *                   GetSystemDateAndTime; its UTC time minus ours is the offset
 *                   added to every wsu:Created, so a camera whose clock is off
 *                   by days still accepts our UsernameToken. A fault or an
 *                   unusable reply is not fatal (the local clock is used); no
 *                   connection or no reply in time ends the operation.
 *     SERVICES      once per client, only for media operations (and for
 *                   get_services itself): GetServices finds the media XAddr;
 *                   a device that does not know GetServices gets GetCapabilities.
 *     CALL          the operation itself, signed when credentials are set.
 *
 * invariants
 *   (1) the password leaves the process only as a WS-Security PasswordDigest
 *       (or in an HTTP Digest answer); never as PasswordText, never over HTTP
 *       Basic without TLS. Devices that accept only PasswordText are refused
 *       with NVR_ERROR_AUTH: real Hikvision, Dahua, Axis and Reolink firmware
 *       accept the digest, and text would put the password on the LAN.
 *   (2) no error message and no log line holds a password or a URL's userinfo;
 *       the device URL is refused if it has userinfo.
 *   (3) requests go only to the host and port the client was made for: a
 *       service XAddr lends its path, not its host (devices behind NAT, or
 *       with several interfaces, report addresses we cannot reach, and a
 *       hostile one must not point our signed requests elsewhere).
 *   (4) every exchange ends within timeout_ms (NVR_ERROR_TIMEOUT) and holds at
 *       most NVR_SOAP_MAX_BYTES of reply.
 *   (5) fields are main context only: the client is used from the thread
 *       whose thread-default context was current at nvr_onvif_client_new().
 */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>
#include <sys/random.h>

#include "core/nvr-error.h"
#include "core/nvr-log.h"
#include "nvr-http-fetch.h"
#include "nvr-onvif-client.h"
#include "nvr-soap.h"

#define NVR_ONVIF_USERNAME_MAX 128
#define NVR_ONVIF_PASSWORD_MAX 256

typedef gpointer (*NvrOnvifParseFunc)(const gchar *data, gsize len, GError **error);

typedef struct {
	const gchar *name; /* the operation, as in the WSDL */
	const gchar *ns;   /* its service namespace: the SOAP action is ns/name */
	gboolean media;	   /* sent to the media service, else the device service */
	gboolean signed_;  /* carries the UsernameToken when credentials are set */
	NvrOnvifParseFunc parse;
	GDestroyNotify free;
} NvrOnvifOp;

static const NvrOnvifOp nvr_onvif_op_date_time = {"GetSystemDateAndTime",
						  NVR_ONVIF_NS_DEVICE,
						  FALSE,
						  FALSE,
						  (NvrOnvifParseFunc)nvr_onvif_parse_date_time,
						  (GDestroyNotify)nvr_onvif_date_time_free};
static const NvrOnvifOp nvr_onvif_op_device_info = {"GetDeviceInformation",
						    NVR_ONVIF_NS_DEVICE,
						    FALSE,
						    TRUE,
						    (NvrOnvifParseFunc)nvr_onvif_parse_device_info,
						    (GDestroyNotify)nvr_onvif_device_info_free};
static const NvrOnvifOp nvr_onvif_op_interfaces = {
	"GetNetworkInterfaces",
	NVR_ONVIF_NS_DEVICE,
	FALSE,
	TRUE,
	(NvrOnvifParseFunc)nvr_onvif_parse_network_interfaces,
	(GDestroyNotify)g_ptr_array_unref};
static const NvrOnvifOp nvr_onvif_op_services = {"GetServices",
						 NVR_ONVIF_NS_DEVICE,
						 FALSE,
						 TRUE,
						 (NvrOnvifParseFunc)nvr_onvif_parse_services,
						 (GDestroyNotify)nvr_onvif_services_free};
static const NvrOnvifOp nvr_onvif_op_capabilities = {
	"GetCapabilities",
	NVR_ONVIF_NS_DEVICE,
	FALSE,
	TRUE,
	(NvrOnvifParseFunc)nvr_onvif_parse_capabilities,
	(GDestroyNotify)nvr_onvif_services_free};
static const NvrOnvifOp nvr_onvif_op_profiles = {"GetProfiles",
						 NVR_ONVIF_NS_MEDIA,
						 TRUE,
						 TRUE,
						 (NvrOnvifParseFunc)nvr_onvif_parse_profiles,
						 (GDestroyNotify)g_ptr_array_unref};
static const NvrOnvifOp nvr_onvif_op_stream_uri = {"GetStreamUri",
						   NVR_ONVIF_NS_MEDIA,
						   TRUE,
						   TRUE,
						   (NvrOnvifParseFunc)nvr_onvif_parse_stream_uri,
						   g_free};
static const NvrOnvifOp nvr_onvif_op_snapshot_uri = {
	"GetSnapshotUri",
	NVR_ONVIF_NS_MEDIA,
	TRUE,
	TRUE,
	(NvrOnvifParseFunc)nvr_onvif_parse_snapshot_uri,
	g_free};

struct _NvrOnvifClient {
	GObject parent_instance;
	SoupSession *session; /* immutable; bound to the construction context */
	GUri *device_uri;     /* immutable: http(s)://host[:port]/path, no userinfo */
	gchar *device_url;    /* immutable: device_uri as a string */
	gchar *username;      /* nullable */
	gchar *password;      /* nullable; wiped when replaced or finalized */
	guint timeout_ms;
	gboolean clock_known;	 /* CLOCK done (successfully or not) */
	GTimeSpan clock_offset;	 /* device UTC minus our UTC, µs; 0 if unknown */
	gboolean services_known; /* SERVICES done */
	gchar *media_url;	 /* nullable: media service on our device's host */
};

G_DEFINE_TYPE(NvrOnvifClient, nvr_onvif_client, G_TYPE_OBJECT)

static void
nvr_onvif_client_wipe_credentials(NvrOnvifClient *self)
{
	if (self->password != NULL)
		memset(self->password, 0, strlen(self->password));
	g_clear_pointer(&self->password, g_free);
	g_clear_pointer(&self->username, g_free);
}

static void
nvr_onvif_client_finalize(GObject *object)
{
	NvrOnvifClient *self = NVR_ONVIF_CLIENT(object);

	nvr_onvif_client_wipe_credentials(self);
	g_clear_object(&self->session);
	g_clear_pointer(&self->device_uri, g_uri_unref);
	g_free(self->device_url);
	g_free(self->media_url);
	G_OBJECT_CLASS(nvr_onvif_client_parent_class)->finalize(object);
}

static void
nvr_onvif_client_class_init(NvrOnvifClientClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = nvr_onvif_client_finalize;
}

static void
nvr_onvif_client_init(NvrOnvifClient *self)
{
	self->timeout_ms = NVR_ONVIF_CLIENT_TIMEOUT_MS;
}

/**
 * nvr_onvif_client_new:
 * @device_url: the device service, e.g. "http://192.0.2.10/onvif/device_service"
 *   (a WS-Discovery XAddr); credentials go to set_credentials(), not here
 *
 * Returns: (transfer full): a client, or NULL with NVR_ERROR_INVALID_ARGUMENT
 */
NvrOnvifClient *
nvr_onvif_client_new(const gchar *device_url, GError **error)
{
	g_autoptr(NvrOnvifClient) self = NULL;
	g_autoptr(GUri) uri = NULL;

	g_return_val_if_fail(device_url != NULL, NULL);
	uri = g_uri_parse(device_url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
	if (uri == NULL || g_uri_get_host(uri) == NULL || g_uri_get_host(uri)[0] == '\0' ||
	    (g_strcmp0(g_uri_get_scheme(uri), "http") != 0 &&
	     g_strcmp0(g_uri_get_scheme(uri), "https") != 0)) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "ONVIF device URL must be http(s)://HOST[:PORT]/PATH");
		return NULL;
	}
	if (g_uri_get_userinfo(uri) != NULL) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "ONVIF device URL must not carry credentials");
		return NULL;
	}
	self = g_object_new(NVR_TYPE_ONVIF_CLIENT, NULL);
	self->device_uri = g_uri_build(G_URI_FLAGS_ENCODED, g_uri_get_scheme(uri), NULL,
				       g_uri_get_host(uri), g_uri_get_port(uri),
				       g_uri_get_path(uri)[0] != '\0' ? g_uri_get_path(uri)
								      : "/onvif/device_service",
				       g_uri_get_query(uri), NULL);
	self->device_url = g_uri_to_string(self->device_uri);
	self->session = nvr_http_session_new(self->timeout_ms);
	return g_steal_pointer(&self);
}

/**
 * nvr_onvif_client_set_credentials:
 * @username: (nullable): NULL to send unsigned requests
 * @password: (nullable): kept in memory only, wiped when replaced
 */
gboolean
nvr_onvif_client_set_credentials(NvrOnvifClient *self, const gchar *username, const gchar *password,
				 GError **error)
{
	g_return_val_if_fail(NVR_IS_ONVIF_CLIENT(self), FALSE);
	if (username != NULL && (username[0] == '\0' || strlen(username) > NVR_ONVIF_USERNAME_MAX ||
				 !g_utf8_validate(username, -1, NULL))) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
			    "ONVIF user name must be 1-%d bytes of UTF-8", NVR_ONVIF_USERNAME_MAX);
		return FALSE;
	}
	for (const gchar *p = username; p != NULL && *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f) {
			g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
					    "ONVIF user name contains control characters");
			return FALSE;
		}
	}
	if (password != NULL && strlen(password) > NVR_ONVIF_PASSWORD_MAX) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
			    "ONVIF password longer than %d bytes", NVR_ONVIF_PASSWORD_MAX);
		return FALSE;
	}
	nvr_onvif_client_wipe_credentials(self);
	self->username = g_strdup(username);
	self->password = username != NULL ? g_strdup(password != NULL ? password : "") : NULL;
	return TRUE;
}

/* @timeout_ms: the limit for each HTTP exchange, connect to last byte */
void
nvr_onvif_client_set_timeout(NvrOnvifClient *self, guint timeout_ms)
{
	g_return_if_fail(NVR_IS_ONVIF_CLIENT(self));
	self->timeout_ms = MAX(timeout_ms, 1u);
	g_object_set(self->session, "timeout", MAX(1u, (self->timeout_ms + 999) / 1000), NULL);
}

/* Returns: (transfer none): the device service URL, without credentials */
const gchar *
nvr_onvif_client_get_device_url(NvrOnvifClient *self)
{
	g_return_val_if_fail(NVR_IS_ONVIF_CLIENT(self), NULL);
	return self->device_url;
}

/**
 * nvr_onvif_client_get_clock_offset:
 * @offset: (out): the device's UTC clock minus ours, in microseconds
 *
 * Returns: TRUE once a GetSystemDateAndTime gave a usable time
 */
gboolean
nvr_onvif_client_get_clock_offset(NvrOnvifClient *self, GTimeSpan *offset)
{
	g_return_val_if_fail(NVR_IS_ONVIF_CLIENT(self), FALSE);
	if (offset != NULL)
		*offset = self->clock_offset;
	return self->clock_known && self->clock_offset != 0;
}

/* Returns: (transfer full): the media service on our device's host and port (invariant 3) */
static gchar *
nvr_onvif_client_rebase(NvrOnvifClient *self, const gchar *xaddr)
{
	g_autoptr(GUri) uri = g_uri_parse(xaddr, G_URI_FLAGS_ENCODED, NULL);
	g_autoptr(GUri) rebased = NULL;

	if (uri == NULL || g_uri_get_path(uri)[0] != '/')
		return NULL;
	rebased = g_uri_build(G_URI_FLAGS_ENCODED, g_uri_get_scheme(self->device_uri), NULL,
			      g_uri_get_host(self->device_uri), g_uri_get_port(self->device_uri),
			      g_uri_get_path(uri), g_uri_get_query(uri), NULL);
	return g_uri_to_string(rebased);
}

static void
nvr_onvif_client_nonce(guint8 *nonce, gsize len)
{
	/* a nonce must be unique, not secret: if the kernel pool is not ready, GLib's PRNG will do
	 */
	if (getrandom(nonce, len, GRND_NONBLOCK) == (gssize)len)
		return;
	for (gsize i = 0; i < len; i++)
		nonce[i] = (guint8)g_random_int_range(0, 256);
}

static gchar *
nvr_onvif_client_envelope(NvrOnvifClient *self, const NvrOnvifOp *op, const gchar *body)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autoptr(GDateTime) device_now = g_date_time_add(now, self->clock_offset);
	g_autofree gchar *created = g_date_time_format(device_now, "%Y-%m-%dT%H:%M:%SZ");
	guint8 nonce[NVR_ONVIF_NONCE_LEN];

	if (self->username == NULL || !op->signed_)
		return nvr_onvif_envelope_build(body, NULL, NULL, NULL, 0, NULL);
	nvr_onvif_client_nonce(nonce, sizeof(nonce));
	return nvr_onvif_envelope_build(body, self->username, self->password, nonce, sizeof(nonce),
					created);
}

/* libsoup asks when a device wants HTTP authentication instead of (or besides) WS-Security */
static gboolean
nvr_onvif_client_authenticate_cb(SoupMessage *msg, SoupAuth *auth, gboolean retrying,
				 gpointer user_data)
{
	NvrOnvifClient *self = NVR_ONVIF_CLIENT(user_data);
	gboolean tls = g_strcmp0(g_uri_get_scheme(self->device_uri), "https") == 0;
	const gchar *scheme = soup_auth_get_scheme_name(auth);

	if (retrying || self->username == NULL)
		return FALSE;
	/* invariant 1: Basic puts the password on the wire, so only inside TLS */
	if (g_ascii_strcasecmp(scheme, "Digest") != 0 &&
	    !(g_ascii_strcasecmp(scheme, "Basic") == 0 && tls))
		return FALSE;
	soup_auth_authenticate(auth, self->username, self->password);
	return TRUE;
}

typedef struct {
	const NvrOnvifOp *op;
	gchar *url; /* where the request went, for error messages */
	gchar *content_type;
	GBytes *envelope; /* kept to send again when HTTP authentication restarts */
} NvrOnvifExchange;

static void
nvr_onvif_exchange_free(NvrOnvifExchange *ex)
{
	g_free(ex->url);
	g_free(ex->content_type);
	g_clear_pointer(&ex->envelope, g_bytes_unref);
	g_free(ex);
}

/* libsoup 3.2 resends a restarted POST (after a 401) with an empty body unless it is set again */
static void
nvr_onvif_client_restarted_cb(SoupMessage *msg, gpointer user_data)
{
	NvrOnvifExchange *ex = user_data;

	soup_message_set_request_body_from_bytes(msg, ex->content_type, ex->envelope);
}

/* a reply that did not parse: say what the HTTP status says, if it says more */
static GError *
nvr_onvif_client_status_error(NvrOnvifClient *self, NvrHttpReply *reply, GError *parse_error)
{
	GError *error;

	if (parse_error->code != NVR_ERROR_PARSE || SOUP_STATUS_IS_SUCCESSFUL(reply->status))
		return parse_error;
	if (reply->status == SOUP_STATUS_UNAUTHORIZED || reply->status == SOUP_STATUS_FORBIDDEN)
		error = g_error_new(NVR_ERROR, NVR_ERROR_AUTH, "HTTP %u: credentials refused",
				    reply->status);
	else
		error = g_error_new(NVR_ERROR, NVR_ERROR_FAILED, "HTTP %u %s", reply->status,
				    reply->reason != NULL ? reply->reason : "");
	g_error_free(parse_error);
	return error;
}

static void
nvr_onvif_client_exchange_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = G_TASK(user_data);
	NvrOnvifClient *self = g_task_get_source_object(task);
	NvrOnvifExchange *ex = g_task_get_task_data(task);
	g_autoptr(NvrHttpReply) reply = NULL;
	g_autofree gchar *where = nvr_log_redact_uri(ex->url);
	GError *error = NULL;
	gconstpointer data;
	gsize len = 0;
	gpointer result;

	reply = nvr_http_fetch_finish(res, &error);
	if (reply == NULL) {
		g_prefix_error(&error, "ONVIF %s at %s: ", ex->op->name, where);
		g_task_return_error(task, error);
		return;
	}
	data = g_bytes_get_data(reply->body, &len);
	result = ex->op->parse(data, len, &error);
	if (result == NULL) {
		error = nvr_onvif_client_status_error(self, reply, error);
		if (error->code == NVR_ERROR_AUTH && self->username == NULL)
			g_prefix_error(&error, "no credentials given: ");
		g_prefix_error(&error, "ONVIF %s at %s: ", ex->op->name, where);
		g_task_return_error(task, error);
		return;
	}
	g_task_return_pointer(task, result, ex->op->free);
}

/* one request and its parsed reply: the CLOCK, SERVICES and CALL steps all use this */
static void
nvr_onvif_client_exchange_async(NvrOnvifClient *self, const NvrOnvifOp *op, const gchar *body,
				GCancellable *cancellable, GAsyncReadyCallback callback,
				gpointer user_data)
{
	GTask *task = g_task_new(self, cancellable, callback, user_data);
	NvrOnvifExchange *ex = g_new0(NvrOnvifExchange, 1);
	g_autofree gchar *envelope = nvr_onvif_client_envelope(self, op, body);
	g_autoptr(SoupMessage) msg = NULL;
	gsize len;

	g_task_set_check_cancellable(task, FALSE);
	ex->op = op;
	ex->url = g_strdup(op->media ? self->media_url : self->device_url);
	g_task_set_task_data(task, ex, (GDestroyNotify)nvr_onvif_exchange_free);
	msg = soup_message_new(SOUP_METHOD_POST, ex->url);
	if (msg == NULL) {
		g_task_return_new_error(task, NVR_ERROR, NVR_ERROR_PARSE,
					"ONVIF %s: unusable service URL", op->name);
		g_object_unref(task);
		return;
	}
	len = strlen(envelope);
	ex->envelope = g_bytes_new_take(g_steal_pointer(&envelope), len);
	ex->content_type = g_strdup_printf("application/soap+xml; charset=utf-8; action=\"%s/%s\"",
					   op->ns, op->name);
	soup_message_set_request_body_from_bytes(msg, ex->content_type, ex->envelope);
	g_signal_connect(msg, "restarted", G_CALLBACK(nvr_onvif_client_restarted_cb), ex);
	g_signal_connect_object(msg, "authenticate", G_CALLBACK(nvr_onvif_client_authenticate_cb),
				self, 0);
	nvr_http_fetch_async(self->session, msg, NVR_SOAP_MAX_BYTES, NVR_HTTP_FETCH_NONE,
			     self->timeout_ms, cancellable, nvr_onvif_client_exchange_cb, task);
}

static gpointer
nvr_onvif_client_exchange_finish(GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer(G_TASK(result), error);
}

/* the steps of an operation; see the notes at the top */
typedef struct {
	const NvrOnvifOp *op;
	gchar *body;
} NvrOnvifCall;

static void
nvr_onvif_call_free(NvrOnvifCall *call)
{
	g_free(call->body);
	g_free(call);
}

static void nvr_onvif_client_call_step(GTask *task);

static void
nvr_onvif_client_clock_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = G_TASK(user_data);
	NvrOnvifClient *self = NVR_ONVIF_CLIENT(source);
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrOnvifDateTime) dt = nvr_onvif_client_exchange_finish(res, &error);

	/* an unreachable device is not asked twice; one that cannot tell the time still can be */
	if (error != NULL && (error->code == NVR_ERROR_CANCELLED ||
			      error->code == NVR_ERROR_TIMEOUT || error->code == NVR_ERROR_IO)) {
		g_task_return_error(task, g_steal_pointer(&error));
		g_object_unref(task);
		return;
	}
	self->clock_known = TRUE;
	if (dt != NULL && dt->utc != NULL) {
		g_autoptr(GDateTime) now = g_date_time_new_now_utc();
		self->clock_offset = g_date_time_difference(dt->utc, now);
		/* within a few seconds we are as good as the device's one-second resolution */
		if (ABS(self->clock_offset) < 2 * G_TIME_SPAN_SECOND)
			self->clock_offset = 0;
	} else {
		g_debug("no device time (%s): signing with the local clock",
			error != NULL ? error->message : "no UTCDateTime");
	}
	nvr_onvif_client_call_step(task);
}

/* GetServices failed: is it worth asking GetCapabilities instead? */
static gboolean
nvr_onvif_client_try_capabilities(const GError *error)
{
	return error->code != NVR_ERROR_AUTH && error->code != NVR_ERROR_CANCELLED &&
	       error->code != NVR_ERROR_TIMEOUT && error->code != NVR_ERROR_IO;
}

static void
nvr_onvif_client_services_found(GTask *task, NvrOnvifServices *services)
{
	NvrOnvifClient *self = g_task_get_source_object(task);
	NvrOnvifCall *call = g_task_get_task_data(task);

	self->services_known = TRUE;
	g_clear_pointer(&self->media_url, g_free);
	if (services->media_xaddr != NULL)
		self->media_url = nvr_onvif_client_rebase(self, services->media_xaddr);
	if (call->op == &nvr_onvif_op_services) {
		g_task_return_pointer(task, services, (GDestroyNotify)nvr_onvif_services_free);
		g_object_unref(task);
		return;
	}
	nvr_onvif_services_free(services);
	nvr_onvif_client_call_step(task);
}

static void
nvr_onvif_client_capabilities_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = G_TASK(user_data);
	GError *error = NULL;
	NvrOnvifServices *services = nvr_onvif_client_exchange_finish(res, &error);

	if (services == NULL) {
		g_task_return_error(task, error);
		g_object_unref(task);
		return;
	}
	nvr_onvif_client_services_found(task, services);
}

static void
nvr_onvif_client_services_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = G_TASK(user_data);
	NvrOnvifClient *self = NVR_ONVIF_CLIENT(source);
	GError *error = NULL;
	NvrOnvifServices *services = nvr_onvif_client_exchange_finish(res, &error);

	if (services != NULL) {
		nvr_onvif_client_services_found(task, services);
		return;
	}
	if (!nvr_onvif_client_try_capabilities(error)) {
		g_task_return_error(task, error);
		g_object_unref(task);
		return;
	}
	g_debug("%s; trying GetCapabilities", error->message);
	g_error_free(error);
	nvr_onvif_client_exchange_async(self, &nvr_onvif_op_capabilities,
					"<tds:GetCapabilities><tds:Category>All</tds:Category>"
					"</tds:GetCapabilities>",
					g_task_get_cancellable(task),
					nvr_onvif_client_capabilities_cb, task);
}

static void
nvr_onvif_client_call_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = G_TASK(user_data);
	NvrOnvifCall *call = g_task_get_task_data(task);
	GError *error = NULL;
	gpointer result = nvr_onvif_client_exchange_finish(res, &error);

	if (result == NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, result, call->op->free);
	g_object_unref(task);
}

static void
nvr_onvif_client_call_step(GTask *task)
{
	NvrOnvifClient *self = g_task_get_source_object(task);
	NvrOnvifCall *call = g_task_get_task_data(task);
	GCancellable *cancellable = g_task_get_cancellable(task);

	if (self->username != NULL && !self->clock_known && call->op->signed_) {
		nvr_onvif_client_exchange_async(self, &nvr_onvif_op_date_time,
						"<tds:GetSystemDateAndTime/>", cancellable,
						nvr_onvif_client_clock_cb, task);
		return;
	}
	if (call->op == &nvr_onvif_op_services || (call->op->media && !self->services_known)) {
		nvr_onvif_client_exchange_async(self, &nvr_onvif_op_services,
						"<tds:GetServices><tds:IncludeCapability>false"
						"</tds:IncludeCapability></tds:GetServices>",
						cancellable, nvr_onvif_client_services_cb, task);
		return;
	}
	if (call->op->media && self->media_url == NULL) {
		g_task_return_new_error(task, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED,
					"ONVIF %s: the device reports no media service",
					call->op->name);
		g_object_unref(task);
		return;
	}
	nvr_onvif_client_exchange_async(self, call->op, call->body, cancellable,
					nvr_onvif_client_call_cb, task);
}

static void
nvr_onvif_client_call(NvrOnvifClient *self, const NvrOnvifOp *op, gchar *body, gpointer source_tag,
		      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(self, cancellable, callback, user_data);
	NvrOnvifCall *call = g_new0(NvrOnvifCall, 1);

	g_task_set_source_tag(task, source_tag);
	g_task_set_check_cancellable(task, FALSE); /* our NVR_ERROR_CANCELLED, not GIO's */
	call->op = op;
	call->body = body;
	g_task_set_task_data(task, call, (GDestroyNotify)nvr_onvif_call_free);
	nvr_onvif_client_call_step(task);
}

static gpointer
nvr_onvif_client_call_finish(NvrOnvifClient *self, GAsyncResult *result, gpointer source_tag,
			     GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, self), NULL);
	g_return_val_if_fail(g_task_get_source_tag(G_TASK(result)) == source_tag, NULL);
	return g_task_propagate_pointer(G_TASK(result), error);
}

/* unsigned, as ONVIF requires devices to allow (it is how clocks get compared) */
void
nvr_onvif_client_get_system_date_and_time_async(NvrOnvifClient *self, GCancellable *cancellable,
						GAsyncReadyCallback callback, gpointer user_data)
{
	g_return_if_fail(NVR_IS_ONVIF_CLIENT(self));
	nvr_onvif_client_call(
		self, &nvr_onvif_op_date_time, g_strdup("<tds:GetSystemDateAndTime/>"),
		nvr_onvif_client_get_system_date_and_time_async, cancellable, callback, user_data);
}

/* Returns: (transfer full): the device's clock and time zone */
NvrOnvifDateTime *
nvr_onvif_client_get_system_date_and_time_finish(NvrOnvifClient *self, GAsyncResult *result,
						 GError **error)
{
	return nvr_onvif_client_call_finish(self, result,
					    nvr_onvif_client_get_system_date_and_time_async, error);
}

void
nvr_onvif_client_get_device_information_async(NvrOnvifClient *self, GCancellable *cancellable,
					      GAsyncReadyCallback callback, gpointer user_data)
{
	g_return_if_fail(NVR_IS_ONVIF_CLIENT(self));
	nvr_onvif_client_call(
		self, &nvr_onvif_op_device_info, g_strdup("<tds:GetDeviceInformation/>"),
		nvr_onvif_client_get_device_information_async, cancellable, callback, user_data);
}

/* Returns: (transfer full): manufacturer, model, firmware, serial, hardware id */
NvrOnvifDeviceInfo *
nvr_onvif_client_get_device_information_finish(NvrOnvifClient *self, GAsyncResult *result,
					       GError **error)
{
	return nvr_onvif_client_call_finish(self, result,
					    nvr_onvif_client_get_device_information_async, error);
}

void
nvr_onvif_client_get_network_interfaces_async(NvrOnvifClient *self, GCancellable *cancellable,
					      GAsyncReadyCallback callback, gpointer user_data)
{
	g_return_if_fail(NVR_IS_ONVIF_CLIENT(self));
	nvr_onvif_client_call(
		self, &nvr_onvif_op_interfaces, g_strdup("<tds:GetNetworkInterfaces/>"),
		nvr_onvif_client_get_network_interfaces_async, cancellable, callback, user_data);
}

/* Returns: (transfer full) (element-type NvrOnvifNetworkInterface): the interfaces */
GPtrArray *
nvr_onvif_client_get_network_interfaces_finish(NvrOnvifClient *self, GAsyncResult *result,
					       GError **error)
{
	return nvr_onvif_client_call_finish(self, result,
					    nvr_onvif_client_get_network_interfaces_async, error);
}

/* GetServices, or GetCapabilities on devices that do not know GetServices */
void
nvr_onvif_client_get_services_async(NvrOnvifClient *self, GCancellable *cancellable,
				    GAsyncReadyCallback callback, gpointer user_data)
{
	g_return_if_fail(NVR_IS_ONVIF_CLIENT(self));
	nvr_onvif_client_call(self, &nvr_onvif_op_services, NULL,
			      nvr_onvif_client_get_services_async, cancellable, callback,
			      user_data);
}

/* Returns: (transfer full): the service addresses as the device reported them */
NvrOnvifServices *
nvr_onvif_client_get_services_finish(NvrOnvifClient *self, GAsyncResult *result, GError **error)
{
	return nvr_onvif_client_call_finish(self, result, nvr_onvif_client_get_services_async,
					    error);
}

void
nvr_onvif_client_get_profiles_async(NvrOnvifClient *self, GCancellable *cancellable,
				    GAsyncReadyCallback callback, gpointer user_data)
{
	g_return_if_fail(NVR_IS_ONVIF_CLIENT(self));
	nvr_onvif_client_call(self, &nvr_onvif_op_profiles, g_strdup("<trt:GetProfiles/>"),
			      nvr_onvif_client_get_profiles_async, cancellable, callback,
			      user_data);
}

/* Returns: (transfer full) (element-type NvrOnvifProfile): the media profiles */
GPtrArray *
nvr_onvif_client_get_profiles_finish(NvrOnvifClient *self, GAsyncResult *result, GError **error)
{
	return nvr_onvif_client_call_finish(self, result, nvr_onvif_client_get_profiles_async,
					    error);
}

/* a request naming a profile; the token came from the device, so it is escaped */
static void
nvr_onvif_client_call_with_token(NvrOnvifClient *self, const NvrOnvifOp *op, const gchar *before,
				 const gchar *profile_token, const gchar *after,
				 gpointer source_tag, GCancellable *cancellable,
				 GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *token_xml = NULL;

	if (!nvr_onvif_token_check(profile_token, &error)) {
		g_task_report_new_error(self, callback, user_data, source_tag, NVR_ERROR,
					NVR_ERROR_INVALID_ARGUMENT, "ONVIF %s: %s", op->name,
					error->message);
		return;
	}
	token_xml = g_markup_escape_text(profile_token, -1);
	nvr_onvif_client_call(self, op, g_strconcat(before, token_xml, after, NULL), source_tag,
			      cancellable, callback, user_data);
}

/* RTP unicast over RTSP, the one stream setup every Profile S device supports */
void
nvr_onvif_client_get_stream_uri_async(NvrOnvifClient *self, const gchar *profile_token,
				      GCancellable *cancellable, GAsyncReadyCallback callback,
				      gpointer user_data)
{
	g_return_if_fail(NVR_IS_ONVIF_CLIENT(self));
	nvr_onvif_client_call_with_token(
		self, &nvr_onvif_op_stream_uri,
		"<trt:GetStreamUri><trt:StreamSetup>"
		"<tt:Stream>RTP-Unicast</tt:Stream>"
		"<tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport>"
		"</trt:StreamSetup><trt:ProfileToken>",
		profile_token, "</trt:ProfileToken></trt:GetStreamUri>",
		nvr_onvif_client_get_stream_uri_async, cancellable, callback, user_data);
}

/* Returns: (transfer full): a checked rtsp(s):// URL without credentials */
gchar *
nvr_onvif_client_get_stream_uri_finish(NvrOnvifClient *self, GAsyncResult *result, GError **error)
{
	return nvr_onvif_client_call_finish(self, result, nvr_onvif_client_get_stream_uri_async,
					    error);
}

void
nvr_onvif_client_get_snapshot_uri_async(NvrOnvifClient *self, const gchar *profile_token,
					GCancellable *cancellable, GAsyncReadyCallback callback,
					gpointer user_data)
{
	g_return_if_fail(NVR_IS_ONVIF_CLIENT(self));
	nvr_onvif_client_call_with_token(
		self, &nvr_onvif_op_snapshot_uri, "<trt:GetSnapshotUri><trt:ProfileToken>",
		profile_token, "</trt:ProfileToken></trt:GetSnapshotUri>",
		nvr_onvif_client_get_snapshot_uri_async, cancellable, callback, user_data);
}

/* Returns: (transfer full): a checked http(s):// URL without credentials */
gchar *
nvr_onvif_client_get_snapshot_uri_finish(NvrOnvifClient *self, GAsyncResult *result, GError **error)
{
	return nvr_onvif_client_call_finish(self, result, nvr_onvif_client_get_snapshot_uri_async,
					    error);
}
