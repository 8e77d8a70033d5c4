/*
 * notes on the retention plan
 *
 * Rules, applied in this order; a segment is planned at most once:
 *   1. age: a camera's segments that ended before now - max_age go
 *   2. budget: a camera over its byte budget (finished segments, those
 *      passed in and those outside the window, plus the bytes its open
 *      segments will add) loses its oldest segments until it fits
 *   3. free space: while free - inflight + pending < floor, the globally
 *      oldest segments go, whatever camera they belong to. The newest
 *      footage wins: a full disk never stops recording.
 * A segment in use by a reader is planned but deferred; its bytes are not
 * counted as freed until it is really gone, so the plan asks for more.
 *
 * invariants
 *   (1) segments are considered oldest first (start_us, then segment_id)
 *   (2) no arithmetic wraps: byte sums saturate
 */
#include "config.h"

#include "nvr-retention-plan.h"

typedef struct {
	const NvrRetentionSegment *seg;
	gboolean planned;
} NvrRetentionItem;

static guint64
nvr_retention_add(guint64 a, guint64 b)
{
	return a > G_MAXUINT64 - b ? G_MAXUINT64 : a + b;
}

static gint
nvr_retention_item_cmp(gconstpointer a, gconstpointer b)
{
	const NvrRetentionSegment *x = ((const NvrRetentionItem *)a)->seg;
	const NvrRetentionSegment *y = ((const NvrRetentionItem *)b)->seg;

	if (x->start_us != y->start_us)
		return x->start_us < y->start_us ? -1 : 1;
	if (x->segment_id != y->segment_id)
		return x->segment_id < y->segment_id ? -1 : 1;
	return 0;
}

static void
nvr_retention_take(GArray *plan, NvrRetentionItem *item, NvrRetentionReason reason, guint64 *freed)
{
	NvrRetentionAction a = {.segment_id = item->seg->segment_id,
				.reason = reason,
				.deferred = item->seg->in_use};

	item->planned = TRUE;
	g_array_append_val(plan, a);
	if (!a.deferred && freed != NULL)
		*freed = nvr_retention_add(*freed, item->seg->bytes);
}

static void
nvr_retention_apply_age(GArray *plan, GArray *items, const NvrRetentionCamera *cam, gint64 now_us, guint64 *freed)
{
	if (cam->max_age_us <= 0)
		return;
	for (guint i = 0; i < items->len; i++) {
		NvrRetentionItem *it = &g_array_index(items, NvrRetentionItem, i);
		if (it->planned || it->seg->camera_id != cam->camera_id)
			continue;
		if (it->seg->end_us < now_us - cam->max_age_us)
			nvr_retention_take(plan, it, NVR_RETENTION_REASON_AGE, freed);
	}
}

static void
nvr_retention_apply_budget(GArray *plan, GArray *items, const NvrRetentionCamera *cam, guint64 *freed)
{
	guint64 used = nvr_retention_add(cam->inflight_bytes, cam->outside_bytes);

	if (cam->budget_bytes == 0)
		return;
	for (guint i = 0; i < items->len; i++) {
		NvrRetentionItem *it = &g_array_index(items, NvrRetentionItem, i);
		if (!it->planned && it->seg->camera_id == cam->camera_id)
			used = nvr_retention_add(used, it->seg->bytes);
	}
	for (guint i = 0; i < items->len && used > cam->budget_bytes; i++) {
		NvrRetentionItem *it = &g_array_index(items, NvrRetentionItem, i);
		if (it->planned || it->seg->camera_id != cam->camera_id)
			continue;
		nvr_retention_take(plan, it, NVR_RETENTION_REASON_BUDGET, freed);
		/* a deferred segment still occupies its bytes, but it will go */
		used -= it->seg->bytes;
	}
}

static void
nvr_retention_apply_floor(GArray *plan, GArray *items, const NvrRetentionDisk *disk, guint64 freed)
{
	guint64 avail = nvr_retention_add(nvr_retention_add(disk->free_bytes, disk->pending_delete_bytes),
					  freed);

	avail = avail > disk->inflight_bytes ? avail - disk->inflight_bytes : 0;
	for (guint i = 0; i < items->len && avail < disk->floor_bytes; i++) {
		NvrRetentionItem *it = &g_array_index(items, NvrRetentionItem, i);
		if (it->planned)
			continue;
		nvr_retention_take(plan, it, NVR_RETENTION_REASON_FREE_SPACE, NULL);
		if (!it->seg->in_use)
			avail = nvr_retention_add(avail, it->seg->bytes);
	}
}

/**
 * nvr_retention_plan:
 *
 * Returns: (transfer full) (element-type NvrRetentionAction): the segments
 * to delete, in the order they should go
 */
GArray *
nvr_retention_plan(const NvrRetentionSegment *segments,
		   guint n_segments,
		   const NvrRetentionCamera *cameras,
		   guint n_cameras,
		   const NvrRetentionDisk *disk)
{
	g_autoptr(GArray) items = g_array_sized_new(FALSE, FALSE, sizeof(NvrRetentionItem), n_segments);
	GArray *plan = g_array_new(FALSE, FALSE, sizeof(NvrRetentionAction));
	guint64 freed = 0;

	for (guint i = 0; i < n_segments; i++) {
		NvrRetentionItem it = {.seg = &segments[i]};
		g_array_append_val(items, it);
	}
	g_array_sort(items, nvr_retention_item_cmp);
	for (guint c = 0; c < n_cameras; c++)
		nvr_retention_apply_age(plan, items, &cameras[c], disk->now_us, &freed);
	for (guint c = 0; c < n_cameras; c++)
		nvr_retention_apply_budget(plan, items, &cameras[c], &freed);
	nvr_retention_apply_floor(plan, items, disk, freed);
	return plan;
}

const gchar *
nvr_retention_reason_to_string(NvrRetentionReason reason)
{
	switch (reason) {
	case NVR_RETENTION_REASON_AGE:
		return "age";
	case NVR_RETENTION_REASON_BUDGET:
		return "budget";
	case NVR_RETENTION_REASON_FREE_SPACE:
		return "free-space";
	default:
		return "unknown";
	}
}
