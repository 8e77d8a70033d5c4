/*
 * notes on WS-Discovery probing
 *
 *   probe_async --send--> COLLECTING --(resend once)--> COLLECTING --timer--> done: matches
 *                            |  datagram: parse; RelatesTo must name our MessageID,
 *                            |  else it is junk and ignored; dedupe by endpoint
 *                            +--cancelled--> done: NVR_ERROR_CANCELLED
 *
 * invariants
 *   (1) the collection ends at timeout_ms whatever arrives; a flood of
 *       datagrams costs parsing time, never unbounded memory (at most
 *       NVR_WSD_MAX_DEVICES matches are kept)
 *   (2) multicast leaves on one chosen interface with TTL 1 and loopback
 *       off: a probe never crosses a router. Tests multicast only inside a
 *       network namespace they create.
 *   (3) replies are parsed as untrusted SOAP (nvr-soap.c): size cap, no DTD
 */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "core/nvr-error.h"
#include "nvr-discovery-text.h"
#include "nvr-soap.h"
#include "nvr-wsd.h"

#define NVR_WSD_MAX_DEVICES 256
#define NVR_WSD_MAX_PER_REPLY 16
#define NVR_WSD_MAX_LIST 64 /* scopes, types or XAddrs in one match */
#define NVR_WSD_DATAGRAM_MAX 65536
#define NVR_WSD_RESEND_MS 250
#define NVR_WSD_ONVIF_SCOPE "onvif://www.onvif.org/"

static void
nvr_wsd_scope_free(NvrWsdScope *self)
{
	g_free(self->key);
	g_free(self->value);
	g_free(self);
}

void
nvr_wsd_match_free(NvrWsdMatch *self)
{
	if (self == NULL)
		return;
	g_free(self->endpoint);
	g_strfreev(self->xaddrs);
	g_strfreev(self->types);
	g_strfreev(self->scopes);
	g_ptr_array_unref(self->scope_items);
	g_free(self->name);
	g_free(self->hardware);
	g_free(self->location);
	g_free(self->mac);
	g_free(self->sender);
	g_free(self);
}

/* Returns: (transfer none) (nullable): the value of the first onvif:// scope named @key */
const gchar *
nvr_wsd_match_get_scope(const NvrWsdMatch *self, const gchar *key)
{
	for (guint i = 0; i < self->scope_items->len; i++) {
		NvrWsdScope *scope = g_ptr_array_index(self->scope_items, i);
		if (g_ascii_strcasecmp(scope->key, key) == 0)
			return scope->value;
	}
	return NULL;
}

/**
 * nvr_wsd_probe_build:
 * @message_id: "urn:uuid:…", fresh for every probe
 *
 * Returns: (transfer full): a Probe for ONVIF network video transmitters
 */
gchar *
nvr_wsd_probe_build(const gchar *message_id)
{
	g_autofree gchar *id_xml = g_markup_escape_text(message_id, -1);

	return g_strdup_printf(
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
		"xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
		"xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\" "
		"xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\">"
		"<s:Header>"
		"<a:Action s:mustUnderstand=\"1\">"
		"http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>"
		"<a:MessageID>%s</a:MessageID>"
		"<a:ReplyTo><a:Address>"
		"http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
		"</a:Address></a:ReplyTo>"
		"<a:To s:mustUnderstand=\"1\">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>"
		"</s:Header>"
		"<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body>"
		"</s:Envelope>",
		id_xml);
}

/* "urn:uuid:X", "uuid:X" and "X" name the same message; case does not matter */
static const gchar *
nvr_wsd_strip_uuid(const gchar *id)
{
	if (g_ascii_strncasecmp(id, "urn:", 4) == 0)
		id += 4;
	if (g_ascii_strncasecmp(id, "uuid:", 5) == 0)
		id += 5;
	return id;
}

static gboolean
nvr_wsd_relates_to_us(NvrSoapDoc *doc, const gchar *message_id, GError **error)
{
	g_autofree gchar *relates = NULL;

	if (message_id == NULL)
		return TRUE;
	relates = nvr_soap_node_dup_raw(nvr_soap_node_child(nvr_soap_doc_get_header(doc),
							    "RelatesTo", NVR_SOAP_NS_ADDRESSING),
					NVR_DISCOVERY_TEXT_MAX);
	if (relates == NULL ||
	    g_ascii_strcasecmp(nvr_wsd_strip_uuid(relates), nvr_wsd_strip_uuid(message_id)) != 0) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_PARSE,
				    "reply does not relate to our probe");
		return FALSE;
	}
	return TRUE;
}

/* Returns: (transfer full): the whitespace-separated items of @node's text, at most @max */
static gchar **
nvr_wsd_split_list(xmlNode *node, gsize item_max)
{
	g_autofree gchar *text = nvr_soap_node_dup_raw(node, NVR_WSD_MAX_LIST * item_max);
	g_autoptr(GStrvBuilder) out = g_strv_builder_new();
	g_auto(GStrv) items = NULL;
	guint n = 0;

	if (text == NULL)
		return g_strv_builder_end(out);
	items = g_strsplit_set(text, " \t\r\n", -1);
	for (guint i = 0; items[i] != NULL && n < NVR_WSD_MAX_LIST; i++) {
		g_autofree gchar *clean = NULL;
		if (items[i][0] == '\0' || strlen(items[i]) > item_max)
			continue;
		clean = nvr_discovery_text_clean(items[i], -1, item_max);
		if (clean == NULL)
			continue;
		g_strv_builder_add(out, clean);
		n++;
	}
	return g_strv_builder_end(out);
}

static gchar **
nvr_wsd_check_xaddrs(gchar **raw)
{
	g_autoptr(GStrvBuilder) out = g_strv_builder_new();

	for (guint i = 0; raw[i] != NULL; i++) {
		g_autofree gchar *url = nvr_discovery_http_url_check(raw[i], NULL);
		if (url != NULL)
			g_strv_builder_add(out, url);
	}
	return g_strv_builder_end(out);
}

/* Returns: (transfer full) (nullable): onvif://www.onvif.org/name/A%20B as {name, "A B"} */
static NvrWsdScope *
nvr_wsd_scope_parse(const gchar *uri)
{
	const gchar *rest;
	const gchar *slash;
	g_autofree gchar *decoded = NULL;
	NvrWsdScope *scope;

	if (g_ascii_strncasecmp(uri, NVR_WSD_ONVIF_SCOPE, strlen(NVR_WSD_ONVIF_SCOPE)) != 0)
		return NULL;
	rest = uri + strlen(NVR_WSD_ONVIF_SCOPE);
	slash = strchr(rest, '/');
	scope = g_new0(NvrWsdScope, 1);
	scope->key = nvr_discovery_text_clean(rest, slash != NULL ? slash - rest : -1, 64);
	if (scope->key == NULL) {
		nvr_wsd_scope_free(scope);
		return NULL;
	}
	if (slash != NULL) {
		/* NULL for %00 or a broken escape: keep the text as sent */
		decoded = g_uri_unescape_string(slash + 1, NULL);
		scope->value = nvr_discovery_text_clean(decoded != NULL ? decoded : slash + 1, -1,
							NVR_DISCOVERY_TEXT_MAX);
	}
	return scope;
}

static void
nvr_wsd_match_add_scopes(NvrWsdMatch *match)
{
	for (guint i = 0; match->scopes[i] != NULL; i++) {
		NvrWsdScope *scope = nvr_wsd_scope_parse(match->scopes[i]);
		if (scope != NULL)
			g_ptr_array_add(match->scope_items, scope);
	}
	match->name = g_strdup(nvr_wsd_match_get_scope(match, "name"));
	match->hardware = g_strdup(nvr_wsd_match_get_scope(match, "hardware"));
	match->location = g_strdup(nvr_wsd_match_get_scope(match, "location"));
	match->mac = nvr_discovery_mac_normalize(nvr_wsd_match_get_scope(match, "MAC"));
}

static NvrWsdMatch *
nvr_wsd_match_parse(xmlNode *node)
{
	NvrWsdMatch *match = g_new0(NvrWsdMatch, 1);
	g_auto(GStrv) xaddrs = NULL;

	match->endpoint =
		nvr_soap_node_dup_text(nvr_soap_node_path(node, NVR_SOAP_NS_ADDRESSING,
							  "EndpointReference", "Address", NULL),
				       NVR_DISCOVERY_TEXT_MAX);
	match->types = nvr_wsd_split_list(nvr_soap_node_child(node, "Types", NVR_SOAP_NS_DISCOVERY),
					  NVR_DISCOVERY_TEXT_MAX);
	match->scopes =
		nvr_wsd_split_list(nvr_soap_node_child(node, "Scopes", NVR_SOAP_NS_DISCOVERY),
				   NVR_DISCOVERY_URL_MAX / 4);
	xaddrs = nvr_wsd_split_list(nvr_soap_node_child(node, "XAddrs", NVR_SOAP_NS_DISCOVERY),
				    NVR_DISCOVERY_URL_MAX);
	match->xaddrs = nvr_wsd_check_xaddrs(xaddrs);
	nvr_soap_node_get_uint(nvr_soap_node_child(node, "MetadataVersion", NVR_SOAP_NS_DISCOVERY),
			       G_MAXUINT32, &match->metadata_version);
	match->scope_items = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_wsd_scope_free);
	nvr_wsd_match_add_scopes(match);
	/* a match we can neither tell apart nor reach is of no use */
	if (match->endpoint == NULL && match->xaddrs[0] != NULL)
		match->endpoint = g_strdup(match->xaddrs[0]);
	if (match->endpoint == NULL) {
		nvr_wsd_match_free(match);
		return NULL;
	}
	return match;
}

/**
 * nvr_wsd_parse_probe_matches:
 * @data: one datagram, untrusted
 * @message_id: (nullable): our probe's MessageID; if set, RelatesTo must name it
 *
 * Returns: (transfer full) (element-type NvrWsdMatch): the matches (none
 * is not an error), or NULL if this is not a ProbeMatches for us
 */
GPtrArray *
nvr_wsd_parse_probe_matches(const gchar *data, gsize len, const gchar *message_id, GError **error)
{
	g_autoptr(NvrSoapDoc) doc = nvr_soap_doc_parse(data, len, error);
	g_autoptr(GPtrArray) matches = NULL;
	xmlNode *pm;

	if (doc == NULL || !nvr_wsd_relates_to_us(doc, message_id, error))
		return NULL;
	pm = nvr_soap_doc_get_body_child(doc, "ProbeMatches", NVR_SOAP_NS_DISCOVERY, error);
	if (pm == NULL)
		return NULL;
	matches = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_wsd_match_free);
	for (xmlNode *n = nvr_soap_node_child(pm, "ProbeMatch", NVR_SOAP_NS_DISCOVERY);
	     n != NULL && matches->len < NVR_WSD_MAX_PER_REPLY;
	     n = nvr_soap_node_next(n, "ProbeMatch", NVR_SOAP_NS_DISCOVERY)) {
		NvrWsdMatch *match = nvr_wsd_match_parse(n);
		if (match != NULL)
			g_ptr_array_add(matches, match);
	}
	return g_steal_pointer(&matches);
}

/* ---- the probe on the wire ---- */

typedef struct {
	GSocket *socket;
	GSocketAddress *target;
	gchar *message_id;
	gchar *probe;
	GSource *readable;
	GSource *window;    /* end of collection */
	GSource *resend;    /* the second copy of the probe: UDP may drop the first */
	GSource *cancelled; /* nullable */
	GPtrArray *matches;
	GHashTable *seen; /* endpoint (not owned) -> TRUE */
	guint8 *buf;
	guint n_junk;
	gboolean done;
} NvrWsdProbe;

static void
nvr_wsd_source_clear(GSource **source)
{
	if (*source == NULL)
		return;
	g_source_destroy(*source);
	g_clear_pointer(source, g_source_unref);
}

static void
nvr_wsd_probe_free(NvrWsdProbe *probe)
{
	nvr_wsd_source_clear(&probe->readable);
	nvr_wsd_source_clear(&probe->window);
	nvr_wsd_source_clear(&probe->resend);
	nvr_wsd_source_clear(&probe->cancelled);
	if (probe->socket != NULL)
		g_socket_close(probe->socket, NULL);
	g_clear_object(&probe->socket);
	g_clear_object(&probe->target);
	g_free(probe->message_id);
	g_free(probe->probe);
	g_hash_table_unref(probe->seen);
	g_ptr_array_unref(probe->matches);
	g_free(probe->buf);
	g_free(probe);
}

static void
nvr_wsd_probe_complete(GTask *task, GError *error)
{
	NvrWsdProbe *probe = g_task_get_task_data(task);

	if (probe->done)
		return;
	probe->done = TRUE;
	/* nothing may call back into a finished task */
	nvr_wsd_source_clear(&probe->readable);
	nvr_wsd_source_clear(&probe->window);
	nvr_wsd_source_clear(&probe->resend);
	nvr_wsd_source_clear(&probe->cancelled);
	if (error != NULL) {
		g_task_return_error(task, error);
	} else {
		g_debug("WS-Discovery: %u device(s), %u junk datagram(s) ignored",
			probe->matches->len, probe->n_junk);
		g_task_return_pointer(task, g_ptr_array_ref(probe->matches),
				      (GDestroyNotify)g_ptr_array_unref);
	}
	g_object_unref(task);
}

static void
nvr_wsd_probe_take(NvrWsdProbe *probe, GPtrArray *matches, GSocketAddress *from)
{
	GInetAddress *addr =
		G_IS_INET_SOCKET_ADDRESS(from)
			? g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(from))
			: NULL;

	for (guint i = 0; i < matches->len && probe->matches->len < NVR_WSD_MAX_DEVICES; i++) {
		NvrWsdMatch *match = g_ptr_array_index(matches, i);
		if (g_hash_table_contains(probe->seen, match->endpoint))
			continue;
		match->sender = addr != NULL ? g_inet_address_to_string(addr) : NULL;
		g_ptr_array_index(matches, i) = NULL;
		g_hash_table_add(probe->seen, match->endpoint);
		g_ptr_array_add(probe->matches, match);
	}
}

static gboolean
nvr_wsd_probe_readable_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	GTask *task = G_TASK(user_data);
	NvrWsdProbe *probe = g_task_get_task_data(task);

	/* drain what is queued; each datagram is judged on its own */
	for (guint i = 0; i < 64; i++) {
		g_autoptr(GSocketAddress) from = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) matches = NULL;
		gssize n = g_socket_receive_from(socket, &from, (gchar *)probe->buf,
						 NVR_WSD_DATAGRAM_MAX, NULL, &error);
		if (n < 0)
			break; /* would block, or an ICMP error from an earlier send: keep listening
				*/
		matches = nvr_wsd_parse_probe_matches((const gchar *)probe->buf, (gsize)n,
						      probe->message_id, &error);
		if (matches == NULL) {
			probe->n_junk++;
			continue;
		}
		nvr_wsd_probe_take(probe, matches, from);
	}
	return G_SOURCE_CONTINUE;
}

static gboolean
nvr_wsd_probe_send(NvrWsdProbe *probe, GCancellable *cancellable, GError **error)
{
	gssize n = g_socket_send_to(probe->socket, probe->target, probe->probe,
				    strlen(probe->probe), cancellable, error);

	if (n < 0) {
		g_prefix_error(error, "sending the WS-Discovery probe: ");
		return FALSE;
	}
	return TRUE;
}

static gboolean
nvr_wsd_probe_resend_cb(gpointer user_data)
{
	NvrWsdProbe *probe = g_task_get_task_data(G_TASK(user_data));
	g_autoptr(GError) error = NULL;

	if (!nvr_wsd_probe_send(probe, NULL, &error))
		g_debug("%s", error->message);
	g_clear_pointer(&probe->resend, g_source_unref);
	return G_SOURCE_REMOVE;
}

static gboolean
nvr_wsd_probe_window_cb(gpointer user_data)
{
	NvrWsdProbe *probe = g_task_get_task_data(G_TASK(user_data));

	g_clear_pointer(&probe->window, g_source_unref);
	nvr_wsd_probe_complete(G_TASK(user_data), NULL);
	return G_SOURCE_REMOVE;
}

static gboolean
nvr_wsd_probe_cancelled_cb(GCancellable *cancellable, gpointer user_data)
{
	NvrWsdProbe *probe = g_task_get_task_data(G_TASK(user_data));

	g_clear_pointer(&probe->cancelled, g_source_unref);
	nvr_wsd_probe_complete(G_TASK(user_data),
			       g_error_new_literal(NVR_ERROR, NVR_ERROR_CANCELLED, "cancelled"));
	return G_SOURCE_REMOVE;
}

static GSource *
nvr_wsd_attach(GSource *source, GSourceFunc func, GTask *task)
{
	g_source_set_callback(source, func, task, NULL);
	g_source_attach(source, g_task_get_context(task));
	return source;
}

/* the socket is ready: send, then listen until the window closes */
static void
nvr_wsd_probe_start(GTask *task, guint timeout_ms)
{
	NvrWsdProbe *probe = g_task_get_task_data(task);
	GCancellable *cancellable = g_task_get_cancellable(task);
	GError *error = NULL;

	g_socket_set_blocking(probe->socket, FALSE);
	if (!nvr_wsd_probe_send(probe, cancellable, &error)) {
		g_autoptr(GError) wrapped =
			g_error_new(NVR_ERROR, NVR_ERROR_IO, "%s", error->message);
		g_error_free(error);
		nvr_wsd_probe_complete(task, g_steal_pointer(&wrapped));
		return;
	}
	probe->readable = nvr_wsd_attach(g_socket_create_source(probe->socket, G_IO_IN, NULL),
					 G_SOURCE_FUNC(nvr_wsd_probe_readable_cb), task);
	probe->window =
		nvr_wsd_attach(g_timeout_source_new(timeout_ms), nvr_wsd_probe_window_cb, task);
	if (timeout_ms > 2 * NVR_WSD_RESEND_MS)
		probe->resend = nvr_wsd_attach(g_timeout_source_new(NVR_WSD_RESEND_MS),
					       nvr_wsd_probe_resend_cb, task);
	if (cancellable != NULL)
		probe->cancelled = nvr_wsd_attach(g_cancellable_source_new(cancellable),
						  G_SOURCE_FUNC(nvr_wsd_probe_cancelled_cb), task);
}

static GTask *
nvr_wsd_probe_task_new(GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data,
		       gpointer source_tag)
{
	GTask *task = g_task_new(NULL, cancellable, callback, user_data);
	NvrWsdProbe *probe = g_new0(NvrWsdProbe, 1);
	g_autofree gchar *uuid = g_uuid_string_random();

	g_task_set_source_tag(task, source_tag);
	g_task_set_check_cancellable(task, FALSE); /* our NVR_ERROR_CANCELLED, not GIO's */
	probe->message_id = g_strdup_printf("urn:uuid:%s", uuid);
	probe->probe = nvr_wsd_probe_build(probe->message_id);
	probe->matches = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_wsd_match_free);
	probe->seen = g_hash_table_new(g_str_hash, g_str_equal);
	probe->buf = g_malloc(NVR_WSD_DATAGRAM_MAX);
	g_task_set_task_data(task, probe, (GDestroyNotify)nvr_wsd_probe_free);
	return task;
}

/* Returns: (transfer full): a UDP socket bound to the wildcard address and an ephemeral port */
static GSocket *
nvr_wsd_socket_new(GSocketFamily family, GError **error)
{
	g_autoptr(GSocket) socket = NULL;
	g_autoptr(GInetAddress) any = g_inet_address_new_any(family);
	g_autoptr(GSocketAddress) local = g_inet_socket_address_new(any, 0);
	GError *error_local = NULL;

	socket = g_socket_new(family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error_local);
	if (socket == NULL || !g_socket_bind(socket, local, FALSE, &error_local)) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_IO, "UDP socket: %s", error_local->message);
		g_error_free(error_local);
		return NULL;
	}
	return g_steal_pointer(&socket);
}

/**
 * nvr_wsd_probe_unicast_async:
 * @address: an IPv4 or IPv6 literal (no name lookups)
 * @port: usually NVR_WSD_PORT
 * @timeout_ms: how long to collect replies
 *
 * Finishes with the ProbeMatches that arrived within @timeout_ms.
 */
void
nvr_wsd_probe_unicast_async(const gchar *address, guint16 port, guint timeout_ms,
			    GCancellable *cancellable, GAsyncReadyCallback callback,
			    gpointer user_data)
{
	GTask *task = nvr_wsd_probe_task_new(cancellable, callback, user_data,
					     nvr_wsd_probe_unicast_async);
	NvrWsdProbe *probe = g_task_get_task_data(task);
	g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(address);
	GError *error = NULL;

	if (addr == NULL || port == 0) {
		nvr_wsd_probe_complete(
			task, g_error_new_literal(NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
						  "WS-Discovery needs an IP address and port"));
		return;
	}
	probe->socket = nvr_wsd_socket_new(g_inet_address_get_family(addr), &error);
	if (probe->socket == NULL) {
		nvr_wsd_probe_complete(task, error);
		return;
	}
	probe->target = g_inet_socket_address_new(addr, port);
	nvr_wsd_probe_start(task, timeout_ms);
}

/* IP_MULTICAST_IF by index: the probe leaves on @ifindex and no other interface */
static gboolean
nvr_wsd_socket_set_interface(GSocket *socket, const gchar *interface_name, GError **error)
{
	struct ip_mreqn mreq = {0};

	if (interface_name == NULL)
		return TRUE; /* the kernel's choice: the interface of the route to the group */
	mreq.imr_ifindex = (int)if_nametoindex(interface_name);
	if (mreq.imr_ifindex == 0) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND, "no network interface %s",
			    interface_name);
		return FALSE;
	}
	if (setsockopt(g_socket_get_fd(socket), IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq)) !=
	    0)
		return nvr_error_from_errno(error, errno, "multicast on %s", interface_name);
	return TRUE;
}

/**
 * nvr_wsd_probe_multicast_async:
 * @interface_name: (nullable): e.g. "eth0"; NULL lets the routing table choose
 * @timeout_ms: how long to collect replies
 *
 * Sends to 239.255.255.250:3702 with TTL 1 and multicast loopback off.
 */
void
nvr_wsd_probe_multicast_async(const gchar *interface_name, guint timeout_ms,
			      GCancellable *cancellable, GAsyncReadyCallback callback,
			      gpointer user_data)
{
	GTask *task = nvr_wsd_probe_task_new(cancellable, callback, user_data,
					     nvr_wsd_probe_multicast_async);
	NvrWsdProbe *probe = g_task_get_task_data(task);
	g_autoptr(GInetAddress) group = g_inet_address_new_from_string(NVR_WSD_MULTICAST_ADDRESS);
	GError *error = NULL;

	probe->socket = nvr_wsd_socket_new(G_SOCKET_FAMILY_IPV4, &error);
	if (probe->socket == NULL ||
	    !nvr_wsd_socket_set_interface(probe->socket, interface_name, &error)) {
		nvr_wsd_probe_complete(task, error);
		return;
	}
	g_socket_set_multicast_ttl(probe->socket, 1);
	g_socket_set_multicast_loopback(probe->socket, FALSE);
	probe->target = g_inet_socket_address_new(group, NVR_WSD_PORT);
	nvr_wsd_probe_start(task, timeout_ms);
}

/* Returns: (transfer full) (element-type NvrWsdMatch): one match per endpoint */
GPtrArray *
nvr_wsd_probe_finish(GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
	return g_task_propagate_pointer(G_TASK(result), error);
}
