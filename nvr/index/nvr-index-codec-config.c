#include "config.h"

#include "core/nvr-error.h"
#include "nvr-index-codec-config.h"
#include "nvr-index-private.h"

void
nvr_index_codec_config_free(NvrIndexCodecConfig *config)
{
	if (config == NULL)
		return;
	g_clear_pointer(&config->sha256, g_bytes_unref);
	g_free(config->codec);
	g_clear_pointer(&config->init_segment, g_bytes_unref);
	g_free(config);
}

static gpointer
nvr_index_codec_config_from_row(sqlite3_stmt *stmt)
{
	NvrIndexCodecConfig *config = g_new0(NvrIndexCodecConfig, 1);

	config->id = sqlite3_column_int64(stmt, 0);
	config->camera_id = sqlite3_column_int64(stmt, 1);
	config->sha256 = nvr_index_column_dup_bytes(stmt, 2);
	config->codec = nvr_index_column_dup_text(stmt, 3);
	config->width = (guint)sqlite3_column_int(stmt, 4);
	config->height = (guint)sqlite3_column_int(stmt, 5);
	config->init_segment = nvr_index_column_dup_bytes(stmt, 6);
	return config;
}

static GBytes *
nvr_index_sha256(GBytes *data)
{
	g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
	guint8 digest[32];
	gsize len = sizeof(digest);

	g_checksum_update(checksum, g_bytes_get_data(data, NULL), g_bytes_get_size(data));
	g_checksum_get_digest(checksum, digest, &len);
	return g_bytes_new(digest, len);
}

static gboolean
nvr_index_codec_config_ensure_unlocked(NvrIndex *self, gint64 camera_id, const gchar *codec,
				       guint width, guint height, GBytes *init_segment, gint64 *id,
				       GError **error)
{
	g_autoptr(GBytes) sha256 = nvr_index_sha256(init_segment);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	/* a no-op DO UPDATE, not DO NOTHING: RETURNING then gives an existing row's id too */
	stmt = nvr_index_prepare(
		self,
		"INSERT INTO codec_configs (camera_id, sha256, codec, width, height, init_segment) "
		"VALUES (:camera_id, :sha256, :codec, :width, :height, :init_segment) "
		"ON CONFLICT (camera_id, sha256) DO UPDATE SET sha256 = excluded.sha256 RETURNING "
		"id",
		error);
	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":camera_id", camera_id, error) ||
	    !nvr_index_bind_bytes(stmt, ":sha256", sha256, error) ||
	    !nvr_index_bind_text(stmt, ":codec", codec, error) ||
	    !nvr_index_bind_int64(stmt, ":width", width, error) ||
	    !nvr_index_bind_int64(stmt, ":height", height, error) ||
	    !nvr_index_bind_bytes(stmt, ":init_segment", init_segment, error))
		return FALSE;
	if (nvr_index_step_row(self, stmt, error) != 1)
		return FALSE;
	*id = sqlite3_column_int64(stmt, 0);
	return nvr_index_step_done(self, stmt, error);
}

/**
 * nvr_index_codec_config_ensure:
 * @id: (out): the row holding exactly @init_segment for @camera_id
 *
 * Gets or inserts by the SHA-256 of @init_segment, so a camera that
 * reconnects with the same configuration reuses its row.
 */
gboolean
nvr_index_codec_config_ensure(NvrIndex *self, gint64 camera_id, const gchar *codec, guint width,
			      guint height, GBytes *init_segment, gint64 *id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(init_segment != NULL && id != NULL, FALSE);

	if (!nvr_index_codec_config_ensure_unlocked(self, camera_id, codec, width, height,
						    init_segment, id, error)) {
		g_prefix_error(error, "codec config of camera %" G_GINT64_FORMAT ": ", camera_id);
		return FALSE;
	}
	return TRUE;
}

NvrIndexCodecConfig *
nvr_index_codec_config_load(NvrIndex *self, gint64 id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	return nvr_index_load_by_id(
		self,
		"SELECT id, camera_id, sha256, codec, width, height, init_segment "
		"FROM codec_configs WHERE id = :id",
		id, nvr_index_codec_config_from_row, "codec config", error);
}
