#include "config.h"

#include "core/nvr-error.h"
#include "nvr-index-private.h"
#include "nvr-index-verdict.h"

#define NVR_INDEX_VERDICT_SELECT                                                                   \
	"SELECT id, device_id, registry_version, vendor, brand, model, firmware, confidence, "     \
	"restricted, verdict_json, evaluated_us FROM verdicts "

static const gchar *const nvr_index_confidence_names[] = {
	[NVR_INDEX_CONFIDENCE_UNKNOWN] = "unknown",
	[NVR_INDEX_CONFIDENCE_POSSIBLE] = "possible",
	[NVR_INDEX_CONFIDENCE_LIKELY] = "likely",
	[NVR_INDEX_CONFIDENCE_CERTAIN] = "certain",
};

const gchar *
nvr_index_confidence_to_string(NvrIndexConfidence confidence)
{
	if ((guint)confidence >= G_N_ELEMENTS(nvr_index_confidence_names))
		return NULL;
	return nvr_index_confidence_names[confidence];
}

gboolean
nvr_index_confidence_from_string(const gchar *text, NvrIndexConfidence *confidence)
{
	for (guint i = 0; i < G_N_ELEMENTS(nvr_index_confidence_names); i++) {
		if (g_strcmp0(text, nvr_index_confidence_names[i]) == 0) {
			*confidence = (NvrIndexConfidence)i;
			return TRUE;
		}
	}
	return FALSE;
}

void
nvr_index_verdict_free(NvrIndexVerdict *verdict)
{
	if (verdict == NULL)
		return;
	g_free(verdict->registry_version);
	g_free(verdict->vendor);
	g_free(verdict->brand);
	g_free(verdict->model);
	g_free(verdict->firmware);
	g_free(verdict->verdict_json);
	g_free(verdict);
}

static gpointer
nvr_index_verdict_from_row(sqlite3_stmt *stmt)
{
	NvrIndexVerdict *v = g_new0(NvrIndexVerdict, 1);

	v->id = sqlite3_column_int64(stmt, 0);
	v->device_id = sqlite3_column_int64(stmt, 1);
	v->registry_version = nvr_index_column_dup_text(stmt, 2);
	v->vendor = nvr_index_column_dup_text(stmt, 3);
	v->brand = nvr_index_column_dup_text(stmt, 4);
	v->model = nvr_index_column_dup_text(stmt, 5);
	v->firmware = nvr_index_column_dup_text(stmt, 6);
	nvr_index_confidence_from_string((const gchar *)sqlite3_column_text(stmt, 7),
					 &v->confidence);
	v->restricted = sqlite3_column_int(stmt, 8) != 0;
	v->verdict_json = nvr_index_column_dup_text(stmt, 9);
	v->evaluated_us = sqlite3_column_int64(stmt, 10);
	return v;
}

static gboolean
nvr_index_verdict_bind(sqlite3_stmt *stmt, const NvrIndexVerdict *v, GError **error)
{
	return nvr_index_bind_int64(stmt, ":device_id", v->device_id, error) &&
	       nvr_index_bind_text(stmt, ":registry_version", v->registry_version, error) &&
	       nvr_index_bind_text(stmt, ":vendor", v->vendor, error) &&
	       nvr_index_bind_text(stmt, ":brand", v->brand, error) &&
	       nvr_index_bind_text(stmt, ":model", v->model, error) &&
	       nvr_index_bind_text(stmt, ":firmware", v->firmware, error) &&
	       nvr_index_bind_text(stmt, ":confidence",
				   nvr_index_confidence_to_string(v->confidence), error) &&
	       nvr_index_bind_int64(stmt, ":restricted", v->restricted ? 1 : 0, error) &&
	       nvr_index_bind_text(stmt, ":verdict_json", v->verdict_json, error) &&
	       nvr_index_bind_int64(stmt, ":evaluated_us", v->evaluated_us, error);
}

/**
 * nvr_index_verdict_store:
 * @verdict: its id is set, and evaluated_us to now if 0
 *
 * A new evaluation under the same registry version replaces the old one.
 * verdict_json must be valid JSON (NVR_ERROR_INVALID_ARGUMENT).
 */
gboolean
nvr_index_verdict_store(NvrIndex *self, NvrIndexVerdict *verdict, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(verdict != NULL, FALSE);

	if (verdict->evaluated_us == 0)
		verdict->evaluated_us = nvr_index_now_us(self);
	stmt = nvr_index_prepare(
		self,
		"INSERT INTO verdicts (device_id, registry_version, vendor, brand, model, "
		"firmware, "
		"confidence, restricted, verdict_json, evaluated_us) VALUES (:device_id, "
		":registry_version, :vendor, :brand, :model, :firmware, :confidence, :restricted, "
		":verdict_json, :evaluated_us) ON CONFLICT (device_id, registry_version) DO UPDATE "
		"SET "
		"vendor = excluded.vendor, brand = excluded.brand, model = excluded.model, "
		"firmware = excluded.firmware, confidence = excluded.confidence, "
		"restricted = excluded.restricted, verdict_json = excluded.verdict_json, "
		"evaluated_us = excluded.evaluated_us RETURNING id",
		error);
	if (stmt == NULL || !nvr_index_verdict_bind(stmt, verdict, error) ||
	    nvr_index_step_row(self, stmt, error) != 1) {
		g_prefix_error(error, "verdict of device %" G_GINT64_FORMAT ": ",
			       verdict->device_id);
		return FALSE;
	}
	verdict->id = sqlite3_column_int64(stmt, 0);
	return nvr_index_step_done(self, stmt, error);
}

/* Returns: (transfer full): the most recent evaluation, whatever its registry version */
NvrIndexVerdict *
nvr_index_verdict_load_latest(NvrIndex *self, gint64 device_id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	return nvr_index_load_by_id(self,
				    NVR_INDEX_VERDICT_SELECT
				    "WHERE device_id = :id "
				    "ORDER BY evaluated_us DESC, id DESC LIMIT 1",
				    device_id, nvr_index_verdict_from_row, "verdict", error);
}

/* Returns: (transfer full) (element-type NvrIndexVerdict): newest first */
GPtrArray *
nvr_index_verdict_list(NvrIndex *self, gint64 device_id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	return nvr_index_list_by_id(self,
				    NVR_INDEX_VERDICT_SELECT
				    "WHERE device_id = :id ORDER BY evaluated_us DESC, id DESC",
				    device_id, nvr_index_verdict_from_row,
				    (GDestroyNotify)nvr_index_verdict_free, error);
}

/* acknowledging twice is fine: the first time counts */
gboolean
nvr_index_acknowledgement_add(NvrIndex *self, gint64 device_id, gint64 user_id,
			      const gchar *registry_version, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(registry_version != NULL, FALSE);

	stmt = nvr_index_prepare(
		self,
		"INSERT INTO acknowledgements (device_id, user_id, registry_version, "
		"acknowledged_us) VALUES (:device_id, :user_id, :registry_version, "
		":now) ON CONFLICT DO NOTHING",
		error);
	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":device_id", device_id, error) ||
	    !nvr_index_bind_int64(stmt, ":user_id", user_id, error) ||
	    !nvr_index_bind_text(stmt, ":registry_version", registry_version, error) ||
	    !nvr_index_bind_int64(stmt, ":now", nvr_index_now_us(self), error) ||
	    !nvr_index_step_done(self, stmt, error)) {
		g_prefix_error(error, "acknowledging device %" G_GINT64_FORMAT ": ", device_id);
		return FALSE;
	}
	return TRUE;
}

/* @user_id: 0 for "by any user" */
gboolean
nvr_index_acknowledgement_exists(NvrIndex *self, gint64 device_id, const gchar *registry_version,
				 gint64 user_id, gboolean *acknowledged, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;
	gint rc;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(registry_version != NULL && acknowledged != NULL, FALSE);

	stmt = nvr_index_prepare(self,
				 "SELECT 1 FROM acknowledgements WHERE device_id = :device_id "
				 "AND registry_version = :registry_version "
				 "AND (:user_id = 0 OR user_id = :user_id) LIMIT 1",
				 error);
	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":device_id", device_id, error) ||
	    !nvr_index_bind_text(stmt, ":registry_version", registry_version, error) ||
	    !nvr_index_bind_int64(stmt, ":user_id", user_id, error))
		return FALSE;
	rc = nvr_index_step_row(self, stmt, error);
	if (rc < 0)
		return FALSE;
	*acknowledged = rc == 1;
	return TRUE;
}
