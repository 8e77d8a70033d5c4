/*
 * nvr-index-session.h: login sessions. Only hashes of the session and CSRF
 * tokens are stored, never the tokens, so a copy of the database logs
 * nobody in. Looking a session up by its token hash through an index is
 * fine: the hash of a 256-bit random token leaks nothing by its timing.
 */
#pragma once

#include "nvr-index.h"

G_BEGIN_DECLS

typedef struct {
	gint64 id;
	GBytes *token_hash; /* 32 bytes */
	gint64 user_id;
	GBytes *csrf_token_hash; /* 32 bytes */
	gint64 created_us;
	gint64 expires_us;
	gint64 last_seen_us;
} NvrIndexSession;

void
nvr_index_session_free(NvrIndexSession *session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrIndexSession, nvr_index_session_free)

gboolean
nvr_index_session_insert(NvrIndex *self,
			 NvrIndexSession *session,
			 GError **error) G_GNUC_WARN_UNUSED_RESULT;
NvrIndexSession *
nvr_index_session_load_valid(NvrIndex *self, GBytes *token_hash, gint64 now_us, GError **error);
gboolean
nvr_index_session_touch(NvrIndex *self,
			gint64 id,
			gint64 last_seen_us,
			gint64 expires_us,
			GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_index_session_delete(NvrIndex *self, gint64 id, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_index_session_delete_for_user(NvrIndex *self,
				  gint64 user_id,
				  GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_index_session_delete_expired(NvrIndex *self, gint64 now_us, gint64 *n_deleted, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
