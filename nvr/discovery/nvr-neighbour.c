#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/nvr-error.h"
#include "nvr-deadline.h"
#include "nvr-discovery-text.h"
#include "nvr-neighbour.h"

#define NVR_NEIGHBOUR_MAX_ENTRIES 8192
#define NVR_NEIGHBOUR_ATF_COM 0x02 /* <net/if_arp.h>: the entry is complete */

void
nvr_neighbour_free(NvrNeighbour *self)
{
	if (self == NULL)
		return;
	g_free(self->address);
	g_free(self->mac);
	g_free(self->device);
	g_free(self);
}

/* Returns: (transfer full) (nullable): @text in canonical form, if it is an IP address */
static gchar *
nvr_neighbour_canonical_address(const gchar *text)
{
	g_autoptr(GInetAddress) addr = NULL;

	if (text == NULL || strlen(text) > 64)
		return NULL;
	addr = g_inet_address_new_from_string(text);
	return addr != NULL ? g_inet_address_to_string(addr) : NULL;
}

static NvrNeighbour *
nvr_neighbour_new(const gchar *address, const gchar *mac, const gchar *device)
{
	g_autofree gchar *canonical = nvr_neighbour_canonical_address(address);
	NvrNeighbour *self;

	if (canonical == NULL)
		return NULL;
	self = g_new0(NvrNeighbour, 1);
	self->address = g_steal_pointer(&canonical);
	self->mac = nvr_discovery_mac_normalize(mac);
	self->device = nvr_discovery_text_clean(device, -1, 64);
	return self;
}

/* Returns: (transfer full): the non-empty whitespace-separated words of @line */
static gchar **
nvr_neighbour_words(const gchar *line)
{
	g_auto(GStrv) parts = g_strsplit_set(line, " \t", 64);
	g_autoptr(GStrvBuilder) words = g_strv_builder_new();

	for (guint i = 0; parts[i] != NULL; i++) {
		if (parts[i][0] != '\0')
			g_strv_builder_add(words, parts[i]);
	}
	return g_strv_builder_end(words);
}

typedef NvrNeighbour *(*NvrNeighbourLineFunc)(gchar **words);

/* splits @data into lines and words; bad lines are skipped, not fatal */
static GPtrArray *
nvr_neighbour_parse_lines(const gchar *data, gsize len, NvrNeighbourLineFunc func, GError **error)
{
	g_autoptr(GPtrArray) table = NULL;
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (len > NVR_NEIGHBOUR_MAX_BYTES) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_PARSE,
			    "neighbour table larger than %d bytes", NVR_NEIGHBOUR_MAX_BYTES);
		return NULL;
	}
	table = g_ptr_array_new_with_free_func((GDestroyNotify)nvr_neighbour_free);
	text = g_strndup(data != NULL ? data : "", len);
	lines = g_strsplit(text, "\n", NVR_NEIGHBOUR_MAX_ENTRIES);
	for (guint i = 0; lines[i] != NULL && table->len < NVR_NEIGHBOUR_MAX_ENTRIES; i++) {
		g_auto(GStrv) words = nvr_neighbour_words(lines[i]);
		NvrNeighbour *n = words[0] != NULL ? func(words) : NULL;
		if (n != NULL)
			g_ptr_array_add(table, n);
	}
	return g_steal_pointer(&table);
}

/* "192.0.2.10  0x1  0x2  44:19:b6:01:02:03  *  eth0" */
static NvrNeighbour *
nvr_neighbour_proc_arp_line(gchar **w)
{
	guint64 flags = 0;
	NvrNeighbour *n;

	if (g_strv_length(w) < 4 || !g_str_has_prefix(w[2], "0x") ||
	    !g_ascii_string_to_unsigned(w[2] + 2, 16, 0, G_MAXUINT32, &flags, NULL))
		return NULL; /* the header line, or junk */
	n = nvr_neighbour_new(w[0], w[3], g_strv_length(w) >= 6 ? w[5] : NULL);
	if (n != NULL && (flags & NVR_NEIGHBOUR_ATF_COM) == 0)
		g_clear_pointer(&n->mac, g_free);
	return n;
}

/**
 * nvr_neighbour_parse_proc_arp:
 * @data: the contents of /proc/net/arp
 *
 * Returns: (transfer full) (element-type NvrNeighbour): the entries
 */
GPtrArray *
nvr_neighbour_parse_proc_arp(const gchar *data, gsize len, GError **error)
{
	return nvr_neighbour_parse_lines(data, len, nvr_neighbour_proc_arp_line, error);
}

/* "fe80::1 dev eth0 lladdr 44:19:b6:01:02:03 router REACHABLE", "10.0.0.5 dev eth0 FAILED" */
static NvrNeighbour *
nvr_neighbour_ip_neigh_line(gchar **w)
{
	const gchar *device = NULL;
	const gchar *lladdr = NULL;
	guint n = g_strv_length(w);
	const gchar *state = w[n - 1];
	NvrNeighbour *self;

	for (guint i = 1; i + 1 < n; i++) {
		if (g_strcmp0(w[i], "dev") == 0)
			device = w[i + 1];
		else if (g_strcmp0(w[i], "lladdr") == 0)
			lladdr = w[i + 1];
	}
	self = nvr_neighbour_new(w[0], lladdr, device);
	if (self != NULL &&
	    (g_strcmp0(state, "FAILED") == 0 || g_strcmp0(state, "INCOMPLETE") == 0))
		g_clear_pointer(&self->mac, g_free);
	return self;
}

/**
 * nvr_neighbour_parse_ip_neigh:
 * @data: the output of `ip neigh show`
 *
 * Returns: (transfer full) (element-type NvrNeighbour): the entries
 */
GPtrArray *
nvr_neighbour_parse_ip_neigh(const gchar *data, gsize len, GError **error)
{
	return nvr_neighbour_parse_lines(data, len, nvr_neighbour_ip_neigh_line, error);
}

/* Returns: (transfer none) (nullable): the entry for @address, however it is written */
const NvrNeighbour *
nvr_neighbour_table_lookup(GPtrArray *table, const gchar *address)
{
	g_autofree gchar *canonical = nvr_neighbour_canonical_address(address);

	if (canonical == NULL)
		return NULL;
	for (guint i = 0; i < table->len; i++) {
		NvrNeighbour *n = g_ptr_array_index(table, i);
		if (g_strcmp0(n->address, canonical) == 0)
			return n;
	}
	return NULL;
}

static gchar *
nvr_neighbour_read_bounded(const gchar *path, gsize *len, GError **error)
{
	g_autofree gchar *buf = g_malloc(NVR_NEIGHBOUR_MAX_BYTES + 1);
	FILE *f = fopen(path, "re");
	gsize n;

	/* not g_file_get_contents(): /proc files have no size to check first */
	if (f == NULL) {
		nvr_error_from_errno(error, errno, "%s", path);
		return NULL;
	}
	n = fread(buf, 1, NVR_NEIGHBOUR_MAX_BYTES + 1, f);
	fclose(f);
	*len = n;
	return g_steal_pointer(&buf);
}

/**
 * nvr_neighbour_lookup_mac:
 * @proc_arp_path: (nullable): NVR_NEIGHBOUR_PROC_ARP, or a file in that format
 * @address: an IPv4 address
 *
 * Returns: (transfer full): "AA:BB:CC:DD:EE:FF", or NULL with
 * NVR_ERROR_NOT_FOUND if the table has no complete entry for @address
 */
gchar *
nvr_neighbour_lookup_mac(const gchar *proc_arp_path, const gchar *address, GError **error)
{
	const gchar *path = proc_arp_path != NULL ? proc_arp_path : NVR_NEIGHBOUR_PROC_ARP;
	g_autofree gchar *data = NULL;
	g_autoptr(GPtrArray) table = NULL;
	const NvrNeighbour *n;
	gsize len = 0;

	data = nvr_neighbour_read_bounded(path, &len, error);
	if (data == NULL)
		return NULL;
	table = nvr_neighbour_parse_proc_arp(data, len, error);
	if (table == NULL) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	n = nvr_neighbour_table_lookup(table, address);
	if (n == NULL || n->mac == NULL) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_NOT_FOUND,
			    "no MAC address known for %s (not on this link, or no traffic yet)",
			    address);
		return NULL;
	}
	return g_strdup(n->mac);
}

typedef struct {
	NvrDeadline *deadline;
	GSubprocess *proc;
} NvrNeighbourRun;

static void
nvr_neighbour_run_free(NvrNeighbourRun *run)
{
	/* a hung ip(8) must not outlive the request */
	if (run->proc != NULL &&
	    g_cancellable_is_cancelled(nvr_deadline_get_cancellable(run->deadline)))
		g_subprocess_force_exit(run->proc);
	g_clear_object(&run->proc);
	nvr_deadline_free(run->deadline);
	g_free(run);
}

static void
nvr_neighbour_ip_neigh_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = G_TASK(user_data);
	NvrNeighbourRun *run = g_task_get_task_data(task);
	g_autoptr(GBytes) out = NULL;
	GError *error = NULL;
	gsize len = 0;
	const gchar *data;
	GPtrArray *table;

	if (!g_subprocess_communicate_finish(G_SUBPROCESS(source), res, &out, NULL, &error)) {
		error = nvr_deadline_translate_error(run->deadline, error);
		g_prefix_error(&error, "ip neigh: ");
		g_task_return_error(task, error);
		return;
	}
	data = g_bytes_get_data(out, &len);
	table = nvr_neighbour_parse_ip_neigh(data, len, &error);
	if (table == NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, table, (GDestroyNotify)g_ptr_array_unref);
}

/**
 * nvr_neighbour_ip_neigh_async:
 * @timeout_ms: ip(8) is killed after this
 *
 * Runs `ip neigh show` for the IPv4 and IPv6 neighbours.
 */
void
nvr_neighbour_ip_neigh_async(guint timeout_ms, GCancellable *cancellable,
			     GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(NULL, cancellable, callback, user_data);
	NvrNeighbourRun *run = g_new0(NvrNeighbourRun, 1);
	g_autofree gchar *ip = g_find_program_in_path("ip");
	GError *error = NULL;

	g_task_set_source_tag(task, nvr_neighbour_ip_neigh_async);
	g_task_set_check_cancellable(task, FALSE);
	g_task_set_task_data(task, run, (GDestroyNotify)nvr_neighbour_run_free);
	run->deadline = nvr_deadline_new(cancellable, timeout_ms);
	if (ip == NULL)
		ip = g_strdup(g_file_test("/usr/sbin/ip", G_FILE_TEST_IS_EXECUTABLE)
				      ? "/usr/sbin/ip"
				      : "/sbin/ip");
	run->proc =
		g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
				 &error, ip, "neigh", "show", NULL);
	if (run->proc == NULL) {
		g_task_return_new_error(task, NVR_ERROR, NVR_ERROR_NOT_SUPPORTED, "ip neigh: %s",
					error->message);
		g_error_free(error);
		g_object_unref(task);
		return;
	}
	g_subprocess_communicate_async(run->proc, NULL, nvr_deadline_get_cancellable(run->deadline),
				       nvr_neighbour_ip_neigh_cb, task);
}

/* Returns: (transfer full) (element-type NvrNeighbour): the IPv4 and IPv6 neighbours */
GPtrArray *
nvr_neighbour_ip_neigh_finish(GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
	return g_task_propagate_pointer(G_TASK(result), error);
}
