/*
 * nvr-store-verify.c: index <-> files, structure, chain, signatures.
 *
 * design notes
 *   - Keyless checks name what happened, in the order that explains most:
 *     a file shorter than its row is "truncated" before anything inside it
 *     is read; a header that names another segment is "swapped"; a header
 *     MAC, header field or tags digest that differs from the row is
 *     "bit-flipped". A flip inside the ciphertext leaves every public byte
 *     as it was, so only the deep pass (which decrypts) can see it; the
 *     deep pass names it "bit-flipped" too.
 *   - The chain is checked only where the predecessor itself is clean, so a
 *     damaged file is named once, at the file, not again at its successor.
 *   - A predecessor deleted by retention is excused only by a tombstone
 *     whose device signature verifies and whose link is the one the
 *     successor recorded.
 *   - Every tombstone is checked on its own too: a valid one names its
 *     segment deleted (by retention or a user), which is no problem; a
 *     tombstone that does not verify is. A garbage row whose file is still
 *     there is a deletion under way (or cut short by a crash, which nvrd
 *     completes at startup), not an orphan, when its tombstone verifies.
 *   - Retention prunes tombstones after a keep period, but never one this
 *     file still reads: that of a garbage row, and that of any segment a
 *     row names as its predecessor (nvr_index_tombstone_prune()). A store
 *     verifies the same before and after pruning, only with fewer deleted.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/nvr-error.h"
#include "keys/nvr-keys.h"
#include "nvr-footage.h"
#include "nvr-store-tombstone.h"
#include "nvr-store-verify.h"
#include "nvr-store.h"

#define VERIFY_HEADER_MAX 4096

static const gchar *const verify_problem_names[] = {
	"ok",	     "deleted",	    "orphan",	 "truncated", "length-mismatch", "structure",
	"swapped",   "bit-flipped", "signature", "chain",     "decrypt",
};

const gchar *
nvr_store_problem_to_string(NvrStoreProblem problem)
{
	if ((guint)problem >= G_N_ELEMENTS(verify_problem_names))
		return "unknown";
	return verify_problem_names[problem];
}

static void
verify_item_free(NvrStoreVerifyItem *item)
{
	g_free(item->camera_uuid);
	g_free(item->path);
	g_free(item->status);
	g_free(item->detail);
	g_free(item);
}

static void
verify_deletions_free(NvrStoreVerifyDeletions *d)
{
	g_free(d->camera_uuid);
	g_free(d);
}

void
nvr_store_verify_report_free(NvrStoreVerifyReport *report)
{
	if (report == NULL)
		return;
	g_ptr_array_unref(report->items);
	g_ptr_array_unref(report->deletions);
	g_free(report);
}

typedef struct {
	NvrIndex *index;
	const guint8 *device_pk;
	GPtrArray *keys;
	NvrStoreVerifyReport *report;
	GHashTable *clean; /* segment ids whose file passed every check */
	GHashTable *tombstoned; /* segment ids with a valid signed tombstone */
} Verify;

/* Returns: (transfer none): the item added, for callers that name a segment without a row */
static NvrStoreVerifyItem *G_GNUC_PRINTF(6, 7)
verify_add(Verify *v, const NvrIndexSegment *row, const gchar *uuid, const gchar *path,
	   NvrStoreProblem problem, const gchar *format, ...)
{
	NvrStoreVerifyItem *item = g_new0(NvrStoreVerifyItem, 1);
	va_list ap;

	item->segment_id = row != NULL ? row->id : 0;
	item->camera_uuid = g_strdup(uuid);
	item->path = g_strdup(path);
	item->status = g_strdup(row != NULL ? nvr_index_segment_status_to_string(row->status)
					    : "none");
	item->problem = problem;
	if (format != NULL) {
		va_start(ap, format);
		item->detail = g_strdup_vprintf(format, ap);
		va_end(ap);
	}
	if (problem != NVR_STORE_PROBLEM_NONE)
		v->report->n_problems++;
	g_ptr_array_add(v->report->items, item);
	return item;
}

static guint64
verify_be64(const guint8 *p)
{
	guint64 x = 0;

	for (guint i = 0; i < 8; i++)
		x = (x << 8) | p[i];
	return x;
}

static gboolean
verify_zero(const guint8 *p, gsize len)
{
	guint8 acc = 0;

	for (gsize i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

/* reads the whole header (FIXED says how long it is, 256..4096) */
static gboolean
verify_read_header(const gchar *path, guint8 *header, guint *hl, GError **error)
{
	gint fd = open(path, O_RDONLY | O_CLOEXEC);
	gssize n;

	if (fd < 0)
		return nvr_error_from_errno(error, errno, "open %s", path);
	n = pread(fd, header, VERIFY_HEADER_MAX, 0);
	close(fd);
	*hl = n >= NVR_NVRE_FIXED_SIZE ? ((guint)header[12] << 8 | header[13]) : 0;
	if (n < 0 || *hl < 256 || *hl > VERIFY_HEADER_MAX || (gssize)*hl > n) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_CORRUPT, "no whole header");
		return FALSE;
	}
	return TRUE;
}

/* the identity fields: a file holding another segment was swapped or moved */
static gboolean
verify_identity(Verify *v, const NvrIndexSegment *row, const gchar *uuid, const gchar *path,
		const guint8 *fixed)
{
	NvrNvreContext context;
	guint64 id = verify_be64(fixed + 32);
	gint64 start = (gint64)verify_be64(fixed + 40);

	if (!nvr_store_segment_context(v->index, row, &context, NULL))
		return FALSE;
	if (memcmp(fixed + 16, context.camera_id, 16) != 0 || id != (guint64)row->id ||
	    start != row->header_start_us) {
		verify_add(v, row, uuid, path, NVR_STORE_PROBLEM_SWAPPED,
			   "the file holds segment %" G_GUINT64_FORMAT " (start %" G_GINT64_FORMAT
			   "), the index expects %" G_GINT64_FORMAT,
			   id, start, row->id);
		return FALSE;
	}
	return TRUE;
}

/* prev fields, header MAC and the device signature over FIXED ‖ header_mac */
static gboolean
verify_header(Verify *v, const NvrIndexSegment *row, const gchar *uuid, const gchar *path,
	      const guint8 *header, guint hl)
{
	static const guint8 zero_link[NVR_NVRE_LINK_SIZE] = {0};
	const guint8 *mac = header + hl - 96;
	guint8 msg[9 + NVR_NVRE_FIXED_SIZE + NVR_NVRE_MAC_SIZE];
	gboolean prev_ok;

	prev_ok = verify_be64(header + 48) == (guint64)row->prev_segment_id &&
		  (row->prev_link != NULL ? nvr_store_bytes_equal(row->prev_link, header + 56, 32)
					  : memcmp(header + 56, zero_link, 32) == 0);
	if (!prev_ok ||
	    (row->header_mac != NULL && !nvr_store_bytes_equal(row->header_mac, mac, 32))) {
		verify_add(v, row, uuid, path, NVR_STORE_PROBLEM_BIT_FLIPPED,
			   "header %s differs from the index", prev_ok ? "MAC" : "chain field");
		return FALSE;
	}
	memcpy(msg, "NVRE1-sig", 9);
	memcpy(msg + 9, header, NVR_NVRE_FIXED_SIZE);
	memcpy(msg + 9 + NVR_NVRE_FIXED_SIZE, mac, NVR_NVRE_MAC_SIZE);
	if ((header[15] & 1) == 0 || verify_zero(header + hl - 64, 64) ||
	    !nvr_nvre_verify_signature(v->device_pk, msg, sizeof(msg), header + hl - 64, NULL)) {
		verify_add(v, row, uuid, path, NVR_STORE_PROBLEM_SIGNATURE,
			   "the header is not signed by this device");
		return FALSE;
	}
	return TRUE;
}

static gboolean
verify_tags(Verify *v, const NvrIndexSegment *row, const gchar *uuid, const gchar *path)
{
	guint8 digest[NVR_NVRE_TAGS_DIGEST_SIZE];
	g_autoptr(GError) error = NULL;
	gsize n = 0;
	const guint8 *sig;

	if (row->status != NVR_INDEX_SEGMENT_FINALIZED || row->tags_digest == NULL)
		return TRUE;
	sig = row->tags_digest_sig != NULL ? g_bytes_get_data(row->tags_digest_sig, &n) : NULL;
	if (sig == NULL || n != NVR_NVRE_SIG_SIZE ||
	    g_bytes_get_size(row->tags_digest) != NVR_NVRE_TAGS_DIGEST_SIZE ||
	    !nvr_nvre_tags_digest_verify(v->device_pk, g_bytes_get_data(row->tags_digest, NULL),
					 sig, NULL)) {
		verify_add(v, row, uuid, path, NVR_STORE_PROBLEM_SIGNATURE,
			   "the index's tags digest is not signed by this device");
		return FALSE;
	}
	if (!nvr_nvre_tags_digest(path, NVR_NVRE_STATUS_FINALIZED, digest, &error)) {
		verify_add(v, row, uuid, path, NVR_STORE_PROBLEM_STRUCTURE, "%s", error->message);
		return FALSE;
	}
	if (!nvr_store_bytes_equal(row->tags_digest, digest, sizeof(digest))) {
		verify_add(v, row, uuid, path, NVR_STORE_PROBLEM_BIT_FLIPPED,
			   "chunk tags differ from the signed digest in the index");
		return FALSE;
	}
	return TRUE;
}

static NvrStoreProblem
verify_deep_problem(const GError *error)
{
	if (error->domain != NVR_NVRE_ERROR)
		return NVR_STORE_PROBLEM_DECRYPT;
	switch (error->code) {
	case NVR_NVRE_ERROR_CONTEXT:
		return NVR_STORE_PROBLEM_SWAPPED;
	case NVR_NVRE_ERROR_HDR_MAC:
	case NVR_NVRE_ERROR_CHUNK:
	case NVR_NVRE_ERROR_FINAL:
		return NVR_STORE_PROBLEM_BIT_FLIPPED;
	case NVR_NVRE_ERROR_TORN:
	case NVR_NVRE_ERROR_SHORT:
	case NVR_NVRE_ERROR_UNFINALIZED:
		return NVR_STORE_PROBLEM_TRUNCATED;
	case NVR_NVRE_ERROR_LINK: /* an interrupted file no longer in its recorded state */
		return NVR_STORE_PROBLEM_CHAIN;
	default:
		return NVR_STORE_PROBLEM_DECRYPT;
	}
}

static gboolean
verify_deep(Verify *v, const NvrIndexSegment *row, const gchar *uuid, const gchar *path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(NvrNvreReader) reader = NULL;

	/* a crash before the first whole chunk leaves the header alone (nvre-v1.md §10): it holds
	 * nothing to decrypt, no reader opens it, and the keyless checks vouched for its header */
	if (row->status == NVR_INDEX_SEGMENT_INTERRUPTED && row->file_len == row->header_len)
		return TRUE;
	reader = nvr_store_open_reader(v->index, row, v->keys, v->device_pk, &error);
	if (reader == NULL || !nvr_nvre_reader_verify_all(reader, &error)) {
		verify_add(v, row, uuid, path, verify_deep_problem(error), "deep: %s: %s",
			   error->domain == NVR_NVRE_ERROR ? nvr_nvre_error_class_name(error->code)
							   : "error",
			   error->message);
		return FALSE;
	}
	return TRUE;
}

/* retention running beside us (nvrd) deleted it after we listed it: its tombstone names it */
static gboolean
verify_deleted_meanwhile(Verify *v, const NvrIndexSegment *row)
{
	g_autoptr(NvrIndexSegment) now = nvr_index_segment_load(v->index, row->id, NULL);
	g_autoptr(NvrIndexTombstone) t = NULL;

	if (now != NULL && now->status != NVR_INDEX_SEGMENT_GARBAGE)
		return FALSE;
	t = nvr_index_tombstone_load_by_segment(v->index, row->id, NULL);
	return t != NULL;
}

static void
verify_file(Verify *v, const NvrIndexSegment *row, const gchar *uuid, const gchar *path)
{
	g_autofree guint8 *header = g_malloc0(VERIFY_HEADER_MAX);
	g_autoptr(GError) error = NULL;
	struct stat st;
	guint hl = 0;

	if (stat(path, &st) != 0) {
		if (!verify_deleted_meanwhile(v, row))
			verify_add(v, row, uuid, path, NVR_STORE_PROBLEM_DELETED,
				   "the file is missing");
		return;
	}
	if (st.st_size < row->file_len) {
		verify_add(v, row, uuid, path, NVR_STORE_PROBLEM_TRUNCATED,
			   "%" G_GINT64_FORMAT " bytes, the index says %" G_GINT64_FORMAT,
			   (gint64)st.st_size, row->file_len);
		return;
	}
	if (st.st_size > row->file_len) {
		verify_add(v, row, uuid, path, NVR_STORE_PROBLEM_LENGTH,
			   "%" G_GINT64_FORMAT " bytes, the index says %" G_GINT64_FORMAT,
			   (gint64)st.st_size, row->file_len);
		return;
	}
	if (!verify_read_header(path, header, &hl, &error) ||
	    memcmp(header, "\x89NVRE\r\n\x1a", 8) != 0 || header[8] != 1) {
		verify_add(v, row, uuid, path, NVR_STORE_PROBLEM_STRUCTURE, "%s",
			   error != NULL ? error->message : "bad magic or version");
		return;
	}
	if (!verify_identity(v, row, uuid, path, header) ||
	    !verify_header(v, row, uuid, path, header, hl) || !verify_tags(v, row, uuid, path))
		return;
	if (v->keys != NULL && !verify_deep(v, row, uuid, path))
		return;
	g_hash_table_add(v->clean, g_memdup2(&row->id, sizeof(gint64)));
	verify_add(v, row, uuid, path, NVR_STORE_PROBLEM_NONE, NULL);
}

/* a deleted predecessor is excused by a signed tombstone carrying the link S recorded */
static gboolean
verify_tombstone(Verify *v, const NvrIndexSegment *s, const gchar *uuid)
{
	g_autoptr(NvrIndexTombstone) t =
		nvr_index_tombstone_load_by_segment(v->index, s->prev_segment_id, NULL);

	if (t == NULL || t->camera_id != s->camera_id || t->link == NULL || s->prev_link == NULL ||
	    !g_bytes_equal(t->link, s->prev_link))
		return FALSE;
	return nvr_store_tombstone_verify(t, uuid, v->device_pk, NULL);
}

static const gchar *
verify_rule_label(const NvrIndexTombstone *t)
{
	const gchar *rule = nvr_index_tombstone_rule_to_string(t->rule);

	if (t->reason == NVR_INDEX_TOMBSTONE_USER)
		return "user";
	return rule != NULL ? rule : "retention";
}

/* the summary of @uuid's deletions by @t's rule; tombstones come camera by camera */
static void
verify_count_deletion(Verify *v, const NvrIndexTombstone *t, const gchar *uuid)
{
	GPtrArray *all = v->report->deletions;
	const gchar *rule = verify_rule_label(t);
	NvrStoreVerifyDeletions *d = NULL;

	for (guint i = all->len; i > 0; i--) {
		NvrStoreVerifyDeletions *x = g_ptr_array_index(all, i - 1);

		if (g_strcmp0(x->camera_uuid, uuid) != 0)
			break;
		if (g_str_equal(x->rule, rule))
			d = x;
	}
	if (d == NULL) {
		d = g_new0(NvrStoreVerifyDeletions, 1);
		d->camera_uuid = g_strdup(uuid);
		d->rule = rule;
		d->start_us = d->first_deleted_us = G_MAXINT64;
		d->end_us = d->last_deleted_us = G_MININT64;
		g_ptr_array_add(all, d);
	}
	d->segments++;
	d->bytes += (guint64)MAX(t->file_len, 0);
	d->start_us = MIN(d->start_us, t->start_us);
	d->end_us = MAX(d->end_us, t->end_us);
	d->first_deleted_us = MIN(d->first_deleted_us, t->deleted_us);
	d->last_deleted_us = MAX(d->last_deleted_us, t->deleted_us);
}

static void
verify_one_tombstone(Verify *v, const NvrIndexTombstone *t, const gchar *uuid)
{
	g_autoptr(NvrIndexSegment) row = NULL;
	g_autoptr(GError) error = NULL;
	NvrStoreVerifyItem *item;
	const gchar *rule = nvr_index_tombstone_rule_to_string(t->rule);

	if (!nvr_store_tombstone_verify(t, uuid, v->device_pk, &error)) {
		item = verify_add(v, NULL, uuid, NULL, NVR_STORE_PROBLEM_SIGNATURE, "%s",
				  error->message);
		item->segment_id = t->segment_id;
		return;
	}
	g_hash_table_add(v->tombstoned, g_memdup2(&t->segment_id, sizeof(gint64)));
	row = nvr_index_segment_load(v->index, t->segment_id, NULL);
	if (row != NULL && row->status != NVR_INDEX_SEGMENT_GARBAGE)
		return; /* its file is checked as any other */
	item = verify_add(v, NULL, uuid, NULL, NVR_STORE_PROBLEM_NONE,
			  "%s%s%s, %" G_GINT64_FORMAT " bytes, deleted at %" G_GINT64_FORMAT " us",
			  nvr_index_tombstone_reason_to_string(t->reason), rule != NULL ? ": " : "",
			  rule != NULL ? rule : "", t->file_len, t->deleted_us);
	item->segment_id = t->segment_id;
	g_free(item->status);
	if (row != NULL) {
		item->status = g_strdup("pending-deletion");
		v->report->n_pending++;
	} else {
		item->status = g_strdup_printf("deleted-by-%s",
					       nvr_index_tombstone_reason_to_string(t->reason));
		v->report->n_deleted++;
		verify_count_deletion(v, t, uuid);
	}
}

static gboolean
verify_tombstones(Verify *v, GError **error)
{
	g_autoptr(GPtrArray) cams = nvr_index_camera_list(v->index, TRUE, error);

	if (cams == NULL)
		return FALSE;
	for (guint i = 0; i < cams->len; i++) {
		NvrIndexCamera *cam = g_ptr_array_index(cams, i);
		g_autoptr(GPtrArray) list = nvr_index_tombstone_list(v->index, cam->id, error);

		if (list == NULL)
			return FALSE;
		for (guint j = 0; j < list->len; j++)
			verify_one_tombstone(v, g_ptr_array_index(list, j), cam->uuid);
	}
	return TRUE;
}

static void
verify_chain(Verify *v, const NvrIndexSegment *s, const gchar *uuid, const gchar *path)
{
	g_autoptr(NvrIndexSegment) p = NULL;
	g_autofree gchar *p_path = NULL;
	NvrNvreChainState state;
	guint8 link[NVR_NVRE_LINK_SIZE];

	if (s->prev_segment_id == 0)
		return;
	p = nvr_index_segment_load(v->index, s->prev_segment_id, NULL);
	if (p == NULL || p->status == NVR_INDEX_SEGMENT_GARBAGE) {
		if (!verify_tombstone(v, s, uuid))
			verify_add(v, s, uuid, path, NVR_STORE_PROBLEM_DELETED,
				   "predecessor %" G_GINT64_FORMAT
				   " is gone without a valid signed tombstone",
				   s->prev_segment_id);
		return;
	}
	if (!g_hash_table_contains(v->clean, &p->id))
		return; /* named at its own file */
	p_path = nvr_store_dup_segment_path(v->index, p, NULL);
	if (p_path == NULL || !nvr_store_segment_chain_state(p, p_path, &state, NULL) ||
	    !nvr_nvre_chain_state_link(&state, link, NULL) ||
	    !nvr_store_bytes_equal(s->prev_link, link, sizeof(link)))
		verify_add(v, s, uuid, path, NVR_STORE_PROBLEM_CHAIN,
			   "prev_link does not match predecessor %" G_GINT64_FORMAT, p->id);
}

static void
verify_orphans(Verify *v, const gchar *footage_path)
{
	g_autoptr(GDir) top = g_dir_open(footage_path, 0, NULL);
	const gchar *cam;

	while (top != NULL && (cam = g_dir_read_name(top)) != NULL) {
		g_autofree gchar *cam_path = g_build_filename(footage_path, cam, NULL);
		g_autoptr(GDir) d = g_dir_open(cam_path, 0, NULL);
		const gchar *name;

		while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
			g_autoptr(NvrIndexSegment) row = NULL;
			g_autofree gchar *path = NULL;
			gint64 id;

			if (!nvr_footage_parse_segment_name(name, &id))
				continue;
			row = nvr_index_segment_load(v->index, id, NULL);
			if (row != NULL && row->status != NVR_INDEX_SEGMENT_GARBAGE)
				continue;
			/* a deletion under way: named by its tombstone */
			if (row != NULL && g_hash_table_contains(v->tombstoned, &id))
				continue;
			path = g_build_filename(cam_path, name, NULL);
			verify_add(v, NULL, cam, path, NVR_STORE_PROBLEM_ORPHAN,
				   "segment %" G_GINT64_FORMAT " has no index row", id);
		}
	}
}

static gint
verify_by_id(gconstpointer a, gconstpointer b)
{
	const NvrIndexSegment *x = *(NvrIndexSegment *const *)a;
	const NvrIndexSegment *y = *(NvrIndexSegment *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static GPtrArray *
verify_list_stored(NvrIndex *index, GError **error)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(
		(GDestroyNotify)nvr_index_segment_free);
	const NvrIndexSegmentStatus statuses[] = {NVR_INDEX_SEGMENT_FINALIZED,
						  NVR_INDEX_SEGMENT_INTERRUPTED};

	for (guint i = 0; i < G_N_ELEMENTS(statuses); i++) {
		g_autoptr(GPtrArray) rows = nvr_index_segment_list_by_status(index, statuses[i],
									     error);

		if (rows == NULL)
			return NULL;
		g_ptr_array_set_free_func(rows, NULL);
		g_ptr_array_extend_and_steal(all, g_steal_pointer(&rows));
	}
	g_ptr_array_sort(all, verify_by_id);
	return g_steal_pointer(&all);
}

NvrStoreVerifyReport *
nvr_store_verify(NvrIndex *index, const guint8 *device_pk, GPtrArray *keys, GError **error)
{
	g_autoptr(NvrStoreVerifyReport) report = g_new0(NvrStoreVerifyReport, 1);
	g_autoptr(GHashTable) clean = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
							    NULL);
	g_autoptr(GHashTable) tombstoned = g_hash_table_new_full(g_int64_hash, g_int64_equal,
								 g_free, NULL);
	g_autoptr(GPtrArray) rows = NULL;
	g_autoptr(GPtrArray) dirs = NULL;
	g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) uuids = g_ptr_array_new_with_free_func(g_free);
	Verify v = {index, device_pk, keys, report, clean, tombstoned};

	report->items = g_ptr_array_new_with_free_func((GDestroyNotify)verify_item_free);
	report->deletions = g_ptr_array_new_with_free_func((GDestroyNotify)verify_deletions_free);
	report->deep = keys != NULL;
	rows = verify_list_stored(index, error);
	dirs = rows != NULL ? nvr_index_footage_dir_list(index, error) : NULL;
	if (dirs == NULL)
		return NULL;
	for (guint i = 0; i < rows->len; i++) {
		NvrIndexSegment *row = g_ptr_array_index(rows, i);
		g_autoptr(NvrIndexCamera) camera = nvr_index_camera_load(index, row->camera_id,
									 error);
		gchar *path = camera != NULL ? nvr_store_dup_segment_path(index, row, error) : NULL;

		if (path == NULL)
			return NULL;
		g_ptr_array_add(paths, path);
		g_ptr_array_add(uuids, g_strdup(camera->uuid));
		report->n_segments++;
		verify_file(&v, row, camera->uuid, path);
	}
	for (guint i = 0; i < rows->len; i++)
		verify_chain(&v, g_ptr_array_index(rows, i), g_ptr_array_index(uuids, i),
			     g_ptr_array_index(paths, i));
	if (!verify_tombstones(&v, error))
		return NULL;
	for (guint i = 0; i < dirs->len; i++)
		verify_orphans(&v, ((NvrIndexFootageDir *)g_ptr_array_index(dirs, i))->path);
	return g_steal_pointer(&report);
}
