#include "config.h"

#include <string.h>

#include "core/nvr-error.h"
#include "nvr-index-private.h"
#include "nvr-index-tombstone.h"

#define NVR_INDEX_TOMBSTONE_SELECT                                                                 \
	"SELECT id, camera_id, segment_id, stream, start_us, end_us, file_len, last_tag, status, " \
	"prev_segment_id, link, deleted_us, reason, signature, rule, header_mac FROM tombstones "

const gchar *
nvr_index_tombstone_reason_to_string(NvrIndexTombstoneReason reason)
{
	switch (reason) {
	case NVR_INDEX_TOMBSTONE_RETENTION:
		return "retention";
	case NVR_INDEX_TOMBSTONE_USER:
		return "user";
	default:
		return NULL;
	}
}

static const gchar *const nvr_index_tombstone_rule_names[] = {
	[NVR_INDEX_TOMBSTONE_RULE_AGE] = "age",
	[NVR_INDEX_TOMBSTONE_RULE_BUDGET] = "budget",
	[NVR_INDEX_TOMBSTONE_RULE_FREE_SPACE] = "free-space",
};

const gchar *
nvr_index_tombstone_rule_to_string(NvrIndexTombstoneRule rule)
{
	if ((guint)rule >= G_N_ELEMENTS(nvr_index_tombstone_rule_names))
		return NULL;
	return nvr_index_tombstone_rule_names[rule];
}

static NvrIndexTombstoneRule
nvr_index_tombstone_rule_from_string(const gchar *text)
{
	for (guint i = 1; i < G_N_ELEMENTS(nvr_index_tombstone_rule_names); i++) {
		if (g_strcmp0(text, nvr_index_tombstone_rule_names[i]) == 0)
			return (NvrIndexTombstoneRule)i;
	}
	return NVR_INDEX_TOMBSTONE_RULE_NONE;
}

/**
 * nvr_index_tombstone_new_for_segment:
 * @link: (nullable): link(state) of @segment, e.g. its successor's prev_link
 *
 * Returns: (transfer full): a tombstone for @segment, still to be signed
 */
NvrIndexTombstone *
nvr_index_tombstone_new_for_segment(const NvrIndexSegment *segment, GBytes *link,
				    NvrIndexTombstoneReason reason, gint64 deleted_us)
{
	NvrIndexTombstone *t;

	g_return_val_if_fail(segment != NULL, NULL);

	t = g_new0(NvrIndexTombstone, 1);
	t->camera_id = segment->camera_id;
	t->segment_id = segment->id;
	t->stream = segment->stream;
	t->start_us = segment->start_us;
	t->end_us = segment->end_us;
	t->file_len = segment->file_len;
	t->last_tag = segment->last_tag != NULL ? g_bytes_ref(segment->last_tag) : NULL;
	t->header_mac = segment->header_mac != NULL ? g_bytes_ref(segment->header_mac) : NULL;
	t->status = segment->status;
	t->prev_segment_id = segment->prev_segment_id;
	t->link = link != NULL ? g_bytes_ref(link) : NULL;
	t->deleted_us = deleted_us;
	t->reason = reason;
	return t;
}

void
nvr_index_tombstone_free(NvrIndexTombstone *tombstone)
{
	if (tombstone == NULL)
		return;
	g_clear_pointer(&tombstone->last_tag, g_bytes_unref);
	g_clear_pointer(&tombstone->link, g_bytes_unref);
	g_clear_pointer(&tombstone->signature, g_bytes_unref);
	g_clear_pointer(&tombstone->header_mac, g_bytes_unref);
	g_free(tombstone);
}

static void
nvr_index_append_be64(GByteArray *buf, gint64 value)
{
	guint64 be = GUINT64_TO_BE((guint64)value);

	g_byte_array_append(buf, (const guint8 *)&be, sizeof(be));
}

/* fixed-size fields only, so no two tombstones share a message */
static void
nvr_index_append_fixed(GByteArray *buf, GBytes *value, gsize len)
{
	static const guint8 zeros[32] = {0};
	gsize have = 0;
	const guint8 *data = value != NULL ? g_bytes_get_data(value, &have) : NULL;

	g_return_if_fail(len <= sizeof(zeros));
	g_byte_array_append(buf, have == len ? data : zeros, len);
}

/**
 * nvr_index_tombstone_dup_message:
 * @camera_uuid: the camera's uuid (the NVRE camera_id), 36 characters
 *
 * The bytes the device key signs and `nvrctl verify` checks, all fixed
 * size: context (16), camera uuid (36), then big-endian segment_id, stream
 * (1 byte), start_us, end_us, file_len, last_tag (16), status (1 byte: 1
 * finalized, 2 interrupted, as in nvre-v1.md §8.1), prev_segment_id, link
 * (32, zeros if none), deleted_us, reason (1 byte: 1 retention, 2 user),
 * header_mac (32, zeros if none), rule (1 byte: 0 none, 1 age, 2 budget,
 * 3 free-space).
 *
 * Returns: (transfer full):
 */
GBytes *
nvr_index_tombstone_dup_message(const NvrIndexTombstone *t, const gchar *camera_uuid)
{
	GByteArray *buf = g_byte_array_new();
	guint8 byte;

	g_return_val_if_fail(t != NULL, NULL);
	g_return_val_if_fail(camera_uuid != NULL && strlen(camera_uuid) == 36, NULL);

	g_byte_array_append(buf, (const guint8 *)NVR_INDEX_TOMBSTONE_CONTEXT,
			    strlen(NVR_INDEX_TOMBSTONE_CONTEXT));
	g_byte_array_append(buf, (const guint8 *)camera_uuid, 36);
	nvr_index_append_be64(buf, t->segment_id);
	byte = (guint8)t->stream;
	g_byte_array_append(buf, &byte, 1);
	nvr_index_append_be64(buf, t->start_us);
	nvr_index_append_be64(buf, t->end_us);
	nvr_index_append_be64(buf, t->file_len);
	nvr_index_append_fixed(buf, t->last_tag, 16);
	byte = t->status == NVR_INDEX_SEGMENT_FINALIZED ? 1 : 2;
	g_byte_array_append(buf, &byte, 1);
	nvr_index_append_be64(buf, t->prev_segment_id);
	nvr_index_append_fixed(buf, t->link, 32);
	nvr_index_append_be64(buf, t->deleted_us);
	byte = (guint8)t->reason;
	g_byte_array_append(buf, &byte, 1);
	nvr_index_append_fixed(buf, t->header_mac, 32);
	byte = (guint8)t->rule;
	g_byte_array_append(buf, &byte, 1);
	return g_byte_array_free_to_bytes(buf);
}

static gpointer
nvr_index_tombstone_from_row(sqlite3_stmt *stmt)
{
	NvrIndexTombstone *t = g_new0(NvrIndexTombstone, 1);
	const gchar *reason = (const gchar *)sqlite3_column_text(stmt, 12);

	t->id = sqlite3_column_int64(stmt, 0);
	t->camera_id = sqlite3_column_int64(stmt, 1);
	t->segment_id = sqlite3_column_int64(stmt, 2);
	t->stream = (NvrIndexStream)sqlite3_column_int(stmt, 3);
	t->start_us = sqlite3_column_int64(stmt, 4);
	t->end_us = sqlite3_column_int64(stmt, 5);
	t->file_len = sqlite3_column_int64(stmt, 6);
	t->last_tag = nvr_index_column_dup_bytes(stmt, 7);
	nvr_index_segment_status_from_string((const gchar *)sqlite3_column_text(stmt, 8),
					     &t->status);
	t->prev_segment_id = sqlite3_column_int64(stmt, 9);
	t->link = nvr_index_column_dup_bytes(stmt, 10);
	t->deleted_us = sqlite3_column_int64(stmt, 11);
	t->reason = g_strcmp0(reason, "user") == 0 ? NVR_INDEX_TOMBSTONE_USER
						   : NVR_INDEX_TOMBSTONE_RETENTION;
	t->signature = nvr_index_column_dup_bytes(stmt, 13);
	t->rule = nvr_index_tombstone_rule_from_string((const gchar *)sqlite3_column_text(stmt, 14));
	t->header_mac = nvr_index_column_dup_bytes(stmt, 15);
	return t;
}

static gboolean
nvr_index_tombstone_bind(sqlite3_stmt *stmt, const NvrIndexTombstone *t, GError **error)
{
	/* unknown enum values become NULL, which NOT NULL and CHECK refuse */
	const gchar *status = t->status == NVR_INDEX_SEGMENT_FINALIZED ||
					      t->status == NVR_INDEX_SEGMENT_INTERRUPTED
				      ? nvr_index_segment_status_to_string(t->status)
				      : NULL;

	return nvr_index_bind_int64(stmt, ":camera_id", t->camera_id, error) &&
	       nvr_index_bind_int64(stmt, ":segment_id", t->segment_id, error) &&
	       nvr_index_bind_int64(stmt, ":stream", t->stream, error) &&
	       nvr_index_bind_int64(stmt, ":start_us", t->start_us, error) &&
	       nvr_index_bind_int64(stmt, ":end_us", t->end_us, error) &&
	       nvr_index_bind_int64(stmt, ":file_len", t->file_len, error) &&
	       nvr_index_bind_bytes(stmt, ":last_tag", t->last_tag, error) &&
	       nvr_index_bind_text(stmt, ":status", status, error) &&
	       nvr_index_bind_int64(stmt, ":prev_segment_id", t->prev_segment_id, error) &&
	       nvr_index_bind_bytes(stmt, ":link", t->link, error) &&
	       nvr_index_bind_int64(stmt, ":deleted_us", t->deleted_us, error) &&
	       nvr_index_bind_text(stmt, ":reason", nvr_index_tombstone_reason_to_string(t->reason),
				   error) &&
	       nvr_index_bind_bytes(stmt, ":signature", t->signature, error) &&
	       nvr_index_bind_text(stmt, ":rule", nvr_index_tombstone_rule_to_string(t->rule),
				   error) &&
	       nvr_index_bind_bytes(stmt, ":header_mac", t->header_mac, error);
}

/* @tombstone: signed; its id is set. One tombstone per segment id (NVR_ERROR_EXISTS) */
gboolean
nvr_index_tombstone_insert(NvrIndex *self, NvrIndexTombstone *tombstone, GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);
	g_return_val_if_fail(tombstone != NULL, FALSE);

	stmt = nvr_index_prepare(
		self,
		"INSERT INTO tombstones (camera_id, segment_id, stream, start_us, end_us, "
		"file_len, "
		"last_tag, status, prev_segment_id, link, deleted_us, reason, signature, rule, "
		"header_mac) VALUES "
		"(:camera_id, :segment_id, :stream, :start_us, :end_us, :file_len, :last_tag, "
		":status, :prev_segment_id, :link, :deleted_us, :reason, :signature, :rule, "
		":header_mac)",
		error);
	if (stmt == NULL || !nvr_index_tombstone_bind(stmt, tombstone, error) ||
	    !nvr_index_step_done(self, stmt, error)) {
		g_prefix_error(error, "tombstone of segment %" G_GINT64_FORMAT ": ",
			       tombstone->segment_id);
		return FALSE;
	}
	tombstone->id = nvr_index_last_insert_id(self);
	return TRUE;
}

NvrIndexTombstone *
nvr_index_tombstone_load_by_segment(NvrIndex *self, gint64 segment_id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	return nvr_index_load_by_id(self, NVR_INDEX_TOMBSTONE_SELECT "WHERE segment_id = :id",
				    segment_id, nvr_index_tombstone_from_row, "tombstone", error);
}

/* Returns: (transfer full) (element-type NvrIndexTombstone): by segment id */
GPtrArray *
nvr_index_tombstone_list(NvrIndex *self, gint64 camera_id, GError **error)
{
	NVR_INDEX_LOCKED(self);

	g_return_val_if_fail(NVR_IS_INDEX(self), NULL);

	return nvr_index_list_by_id(
		self, NVR_INDEX_TOMBSTONE_SELECT "WHERE camera_id = :id ORDER BY segment_id",
		camera_id, nvr_index_tombstone_from_row, (GDestroyNotify)nvr_index_tombstone_free,
		error);
}

/*
 * The tombstones verify still needs: that of a segment whose row is still
 * there (garbage: a deletion under way), and that of every segment some
 * row names as its predecessor (the chain check of that row: the oldest
 * segment of each stream, and a segment after a user's hole). Both are
 * index lookups (the primary key, segments_successor); the candidates come
 * from tombstones_deleted, oldest first.
 */
#define NVR_INDEX_TOMBSTONE_PRUNABLE                                                           \
	"SELECT t.id FROM tombstones t WHERE t.deleted_us < :before "                           \
	"AND NOT EXISTS (SELECT 1 FROM segments s WHERE s.id = t.segment_id) "                  \
	"AND NOT EXISTS (SELECT 1 FROM segments s WHERE s.prev_segment_id = t.segment_id "      \
	"AND s.prev_segment_id > 0) "                                                           \
	"ORDER BY t.deleted_us LIMIT :limit"

/**
 * nvr_index_tombstone_prune:
 * @before_us: tombstones deleted before this may go
 * @limit: at most this many (one statement, so one short write lock)
 * @n_pruned: (out) (optional): how many went
 *
 * Deletes old tombstones that no remaining segment row needs (see above).
 */
gboolean
nvr_index_tombstone_prune(NvrIndex *self, gint64 before_us, guint limit, guint *n_pruned,
			  GError **error)
{
	NVR_INDEX_LOCKED(self);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(NVR_IS_INDEX(self), FALSE);

	stmt = nvr_index_prepare(self,
				 "DELETE FROM tombstones WHERE id IN (" NVR_INDEX_TOMBSTONE_PRUNABLE
				 ")",
				 error);
	if (stmt == NULL || !nvr_index_bind_int64(stmt, ":before", before_us, error) ||
	    !nvr_index_bind_int64(stmt, ":limit", limit, error) ||
	    !nvr_index_step_done(self, stmt, error)) {
		g_prefix_error(error, "pruning tombstones: ");
		return FALSE;
	}
	if (n_pruned != NULL)
		*n_pruned = (guint)sqlite3_changes(sqlite3_db_handle(stmt));
	return TRUE;
}
