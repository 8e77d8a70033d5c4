/*
 * nvr-neighbour.h: the kernel's neighbour table, to learn a device's MAC
 * address from its IP address (only for devices on our own link, and only
 * after some traffic to them: probe first, then look). IPv4 comes from
 * /proc/net/arp; IPv4 and IPv6 from the output of `ip neigh show`.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NVR_NEIGHBOUR_PROC_ARP "/proc/net/arp"
/* a table larger than this is refused (the kernel keeps ~1024 entries by default) */
#define NVR_NEIGHBOUR_MAX_BYTES (1024 * 1024)

typedef struct {
	gchar *address; /* canonical text form: "192.0.2.10", "fe80::1" */
	gchar *mac;	/* "AA:BB:CC:DD:EE:FF"; NULL while the entry is incomplete */
	gchar *device;	/* interface name, nullable */
} NvrNeighbour;

void nvr_neighbour_free(NvrNeighbour *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrNeighbour, nvr_neighbour_free)

GPtrArray *nvr_neighbour_parse_proc_arp(const gchar *data, gsize len,
					GError **error) G_GNUC_WARN_UNUSED_RESULT;
GPtrArray *nvr_neighbour_parse_ip_neigh(const gchar *data, gsize len,
					GError **error) G_GNUC_WARN_UNUSED_RESULT;
const NvrNeighbour *nvr_neighbour_table_lookup(GPtrArray *table, const gchar *address);
gchar *nvr_neighbour_lookup_mac(const gchar *proc_arp_path, const gchar *address,
				GError **error) G_GNUC_WARN_UNUSED_RESULT;

void nvr_neighbour_ip_neigh_async(guint timeout_ms, GCancellable *cancellable,
				  GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *nvr_neighbour_ip_neigh_finish(GAsyncResult *result,
					 GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
