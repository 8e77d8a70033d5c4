/*
 * nvr-index-audit.h: the audit log of state changes made through the API
 * and nvrctl (DESIGN.md §9): who, what, from where. Details pass through
 * nvr_log_scrub() first, so a URL with credentials never lands here.
 */
#pragma once

#include "nvr-index.h"

G_BEGIN_DECLS

typedef struct {
	gint64 id;
	gint64 ts_us;
	gint64 user_id; /* 0: no user (nvrctl, system) or a deleted one */
	gchar *action;	/* e.g. "camera.add", "login.failed" */
	gchar *detail;	/* nullable */
	gchar *client;	/* nullable: the client address */
} NvrIndexAuditEntry;

void
nvr_index_audit_entry_free(NvrIndexAuditEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrIndexAuditEntry, nvr_index_audit_entry_free)

gboolean
nvr_index_audit_add(NvrIndex *self,
		    gint64 user_id,
		    const gchar *action,
		    const gchar *detail,
		    const gchar *client,
		    GError **error) G_GNUC_WARN_UNUSED_RESULT;
GPtrArray *
nvr_index_audit_list(NvrIndex *self, gint64 before_id, guint limit, GError **error);
gboolean
nvr_index_audit_prune(NvrIndex *self, gint64 before_us, gint64 *n_deleted, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
