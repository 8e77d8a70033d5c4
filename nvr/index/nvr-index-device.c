#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "nvr-index-device.h"
#include "nvr-index-private.h"

#define NVR_INDEX_DEVICE_SELECT                                                                    \
	"SELECT id, host, http_port, rtsp_port, mac, camera_id, first_seen_us, last_seen_us "      \
	"FROM devices "
#define NVR_INDEX_EVIDENCE_SELECT                                                                  \
	"SELECT id, device_id, source, key, value, strength, collected_us FROM evidence "

void
nvr_index_device_free(NvrIndexDevice *device)
{
	if (device == NULL)
		return;
	g_free(device->host);
	g_free(device->mac);
	g_free(device);
}

NvrIndexEvidence *
nvr_index_evidence_new(const gchar *source, const gchar *key, const gchar *value, gint strength)
{
	NvrIndexEvidence *evidence = g_new0(NvrIndexEvidence, 1);

	evidence->source = g_strdup(source);
	evidence->key = g_strdup(key);
	evidence->value = g_strdup(value);
	evidence->strength = strength;
	return evidence;
}

void
nvr_index_evidence_free(NvrIndexEvidence *evidence)
{
	if (evidence == NULL)
		return;
	g_free(evidence->source);
	g_free(evidence->key);
	g_free(evidence->value);
	g_free(evidence);
}

static gpointer
nvr_index_device_from_row(sqlite3_stmt *stmt)
{
	NvrIndexDevice *device = g_new0(NvrIndexDevice, 1);

	device->id = sqlite3_column_int64(stmt, 0);
	device->host = nvr_index_column_dup_text(stmt, 1);
	device->http_port = (guint)sqlite3_column_int(stmt, 2);
	device->rtsp_port = (guint)sqlite3_column_int(stmt, 3);
	device->mac = nvr_index_column_dup_text(stmt, 4);
	device->camera_id = sqlite3_column_int64(stmt, 5);
	device->first_seen_us = sqlite3_column_int64(stmt, 6);
	device->last_seen_us = sqlite3_column_int64(stmt, 7);
	return device;
}

static gpointer
nvr_index_evidence_from_row(sqlite3_stmt *stmt)
{
	NvrIndexEvidence *evidence = g_new0(NvrIndexEvidence, 1);

	evidence->id = sqlite3_column_int64(stmt, 0);
	evidence->device_id = sqlite3_column_int64(stmt, 1);
	evidence->source = nvr_index_column_dup_text(stmt, 2);
	evidence->key = nvr_index_column_dup_text(stmt, 3);
	evidence->value = nvr_index_column_dup_text(stmt, 4);
	evidence->strength = sqlite3_column_int(stmt, 5);
	evidence->collected_us = sqlite3_column_int64(stmt, 6);
	return evidence;
}

/* Returns: (transfer full): "AA:BB:CC:DD:EE:FF", or %NULL if @mac is no MAC-48 */
static gchar *
nvr_index_mac_normalize(const gchar *mac, GError **error)
{
	gboolean ok = strlen(mac) == 17;

	for (guint i = 0; ok && i < 17; i++)
		ok = i % 3 == 2 ? mac[i] == ':' || mac[i] == '-' : g_ascii_isxdigit(mac[i]);
	if (!ok) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "MAC address: expected AA:BB:CC:DD:EE:FF");
		return NULL;
	}
	return g_strdelimit(g_ascii_strup(mac, -1), "-", ':');
}

static gboolean
nvr_index_device_prepare_fields(NvrIndex *self, NvrIndexDevice *device, GError **error)
{
	if (device->mac != NULL) {
		gchar *mac = nvr_index_mac_normalize(device->mac, error);

		if (mac == NULL)
			return FALSE;
		g_free(device->mac);
		device->mac = mac;
	}
	if (device->last_seen_us == 0)
		device->last_seen_us = nvr_index_now_us(self);
	if (device->first_seen_us == 0)
		device->first_seen_us = device->last_seen_us;
	return TRUE;
}

static gboolean
nvr_index_device_bind(sqlite3_stmt *stmt, const NvrIndexDevice *device, GError **error)
{
	return nvr_index_bind_text(stmt, ":host", device->host, error) &&
	       nvr_index_bind_int64(stmt, ":http_port", device->http_port, error) &&
	       nvr_index_bind_int64(stmt, ":rtsp_port", device->rtsp_port, error) &&
	       nvr_index_bind_text(stmt, ":mac", device->mac, error) &&
	       nvr_index_bind_int64_or_null(stmt, ":camera_id", device->camera_id, error) &&
	       nvr_index_bind_int64(stmt, ":last_seen_us", device->last_seen_us, error);
}

/**
 * nvr_index_device_insert:
 * @device: its id is set, the MAC upper-cased, first/last seen set to now if 0
 *
 * Returns: %FALSE with NVR_ERROR_EXISTS for a known MAC or host and port
 */
gboolean
nvr_index_device_insert(NvrIndex *self, NvrIndexDevice *device, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(device != NULL, FALSE);

	if (!nvr_index_device_prepare_fields(self, device, error))
		return FALSE;
	stmt = nvr_index_prepare(
		self,
		"INSERT INTO devices (host, http_port, rtsp_port, mac, camera_id, "
		"first_seen_us, last_seen_us) VALUES (:host, :http_port, :rtsp_port, "
		":mac, :camera_id, :first_seen_us, :last_seen_us)",
		error);
	if (stmt == NULL || !nvr_index_device_bind(stmt, device, error) ||
	    !nvr_index_bind_int64(stmt, ":first_seen_us", device->first_seen_us, error) ||
	    !nvr_index_step_done(self, stmt, error)) {
		g_prefix_error(error, "adding device: ");
		return FALSE;
	}
	device->id = nvr_index_last_insert_id(self);
	return TRUE;
}

/* writes host, ports, MAC, camera and last_seen_us (now if 0) */
gboolean
nvr_index_device_update(NvrIndex *self, NvrIndexDevice *device, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(device != NULL, FALSE);

	if (!nvr_index_device_prepare_fields(self, device, error))
		return FALSE;
	stmt = nvr_index_prepare(self,
				 "UPDATE devices SET host = :host, http_port = :http_port, "
				 "rtsp_port = :rtsp_port, mac = :mac, camera_id = :camera_id, "
				 "last_seen_us = :last_seen_us WHERE id = :id",
				 error);
	if (stmt == NULL || !nvr_index_device_bind(stmt, device, error) ||
	    !nvr_index_bind_int64(stmt, ":id", device->id, error) ||
	    !nvr_index_step_changed(self, stmt, "device", error)) {
		g_prefix_error(error, "updating device %" G_GINT64_FORMAT ": ", device->id);
		return FALSE;
	}
	return TRUE;
}

NvrIndexDevice *
nvr_index_device_load(NvrIndex *self, gint64 id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	return nvr_index_load_by_id(self, NVR_INDEX_DEVICE_SELECT "WHERE id = :id", id,
				    nvr_index_device_from_row, "device", error);
}

/* @mac: any case, ':' or '-' */
NvrIndexDevice *
nvr_index_device_load_by_mac(NvrIndex *self, const gchar *mac, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autofree gchar *normalized = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);
	g_return_val_if_fail(mac != NULL, NULL);

	normalized = nvr_index_mac_normalize(mac, error);
	if (normalized == NULL)
		return NULL;
	stmt = nvr_index_prepare(self, NVR_INDEX_DEVICE_SELECT "WHERE mac = :mac", error);
	if (stmt == NULL || !nvr_index_bind_text(stmt, ":mac", normalized, error))
		return NULL;
	return nvr_index_collect_one(self, stmt, nvr_index_device_from_row, "device", error);
}

NvrIndexDevice *
nvr_index_device_load_by_host(NvrIndex *self, const gchar *host, guint http_port, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);
	g_return_val_if_fail(host != NULL, NULL);

	stmt = nvr_index_prepare(
		self, NVR_INDEX_DEVICE_SELECT "WHERE host = :host AND http_port = :http_port",
		error);
	if (stmt == NULL || !nvr_index_bind_text(stmt, ":host", host, error) ||
	    !nvr_index_bind_int64(stmt, ":http_port", http_port, error))
		return NULL;
	return nvr_index_collect_one(self, stmt, nvr_index_device_from_row, "device", error);
}

/* Returns: (transfer full) (element-type NvrIndexDevice): by id */
GPtrArray *
nvr_index_device_list(NvrIndex *self, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	return nvr_index_list_by_id(self, NVR_INDEX_DEVICE_SELECT "WHERE id > :id ORDER BY id", 0,
				    nvr_index_device_from_row,
				    (GDestroyNotify)nvr_index_device_free, error);
}

/* its evidence, verdicts and acknowledgements go with it */
gboolean
nvr_index_device_delete(NvrIndex *self, gint64 id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);

	return nvr_index_delete_by_id(self, "DELETE FROM devices WHERE id = :id", id, "device",
				      error);
}

static gboolean
nvr_index_evidence_insert_unlocked(NvrIndex *self, NvrIndexEvidence *e, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = nvr_index_prepare(
		self,
		"INSERT INTO evidence (device_id, source, key, value, strength, collected_us) "
		"VALUES (:device_id, :source, :key, :value, :strength, :collected_us)",
		error);

	if (e->collected_us == 0)
		e->collected_us = nvr_index_now_us(self);
	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":device_id", e->device_id, error) ||
	    !nvr_index_bind_text(stmt, ":source", e->source, error) ||
	    !nvr_index_bind_text(stmt, ":key", e->key, error) ||
	    !nvr_index_bind_text(stmt, ":value", e->value, error) ||
	    !nvr_index_bind_int64(stmt, ":strength", e->strength, error) ||
	    !nvr_index_bind_int64(stmt, ":collected_us", e->collected_us, error) ||
	    !nvr_index_step_done(self, stmt, error))
		return FALSE;
	e->id = nvr_index_last_insert_id(self);
	return TRUE;
}

static gboolean
nvr_index_evidence_replace_unlocked(NvrIndex *self, gint64 device_id, const gchar *source,
				    GPtrArray *evidence, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = nvr_index_prepare(
		self, "DELETE FROM evidence WHERE device_id = :device_id AND source = :source",
		error);

	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":device_id", device_id, error) ||
	    !nvr_index_bind_text(stmt, ":source", source, error) ||
	    !nvr_index_step_done(self, stmt, error))
		return FALSE;
	for (guint i = 0; evidence != NULL && i < evidence->len; i++) {
		NvrIndexEvidence *e = g_ptr_array_index(evidence, i);

		if (g_strcmp0(e->source, source) != 0) {
			g_set_error(error, NVR_ERROR, NVR_ERROR_INVALID_ARGUMENT,
				    "evidence from '%s' given as '%s'", e->source, source);
			return FALSE;
		}
		e->device_id = device_id;
		if (!nvr_index_evidence_insert_unlocked(self, e, error))
			return FALSE;
	}
	return TRUE;
}

/**
 * nvr_index_evidence_replace:
 * @evidence: (element-type NvrIndexEvidence): all from @source; ids,
 *   device_id and collected_us (now, if 0) are set
 *
 * A new probe of one source supersedes what that source said before; the
 * evidence of other sources stays. All or nothing.
 */
gboolean
nvr_index_evidence_replace(NvrIndex *self, gint64 device_id, const gchar *source,
			   GPtrArray *evidence, GError **error)
{
	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(source != NULL, FALSE);

	if (!nvr_index_begin(self, error))
		return FALSE;
	if (!nvr_index_evidence_replace_unlocked(self, device_id, source, evidence, error)) {
		nvr_index_rollback(self);
		g_prefix_error(error, "evidence of device %" G_GINT64_FORMAT ": ", device_id);
		return FALSE;
	}
	return nvr_index_commit(self, error);
}

/* Returns: (transfer full) (element-type NvrIndexEvidence): by source, key */
GPtrArray *
nvr_index_evidence_list(NvrIndex *self, gint64 device_id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	return nvr_index_list_by_id(
		self, NVR_INDEX_EVIDENCE_SELECT "WHERE device_id = :id ORDER BY source, key, id",
		device_id, nvr_index_evidence_from_row, (GDestroyNotify)nvr_index_evidence_free,
		error);
}
