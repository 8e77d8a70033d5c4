/*
 * nvr-index-user.h: users of the web UI and API (DESIGN.md §9). The
 * password hash is a crypto_pwhash_str() string made by nvr/keys; the
 * index only stores it.
 */
#pragma once

#include "nvr-index.h"

G_BEGIN_DECLS

#define NVR_INDEX_USER_NAME_MAX 64

typedef enum {
	NVR_INDEX_ROLE_VIEWER = 1, /* watch and play back */
	NVR_INDEX_ROLE_OWNER,	   /* everything: cameras, users, storage */
} NvrIndexRole;

typedef struct {
	gint64 id;
	gchar *name; /* 1-64 printable characters, no '/' */
	NvrIndexRole role;
	gchar *password_hash; /* opaque */
	gint64 created_us;
	gboolean disabled;
} NvrIndexUser;

const gchar *
nvr_index_role_to_string(NvrIndexRole role);
gboolean
nvr_index_role_from_string(const gchar *text, NvrIndexRole *role);

void
nvr_index_user_free(NvrIndexUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrIndexUser, nvr_index_user_free)

gboolean
nvr_index_user_insert(NvrIndex *self, NvrIndexUser *user, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_index_user_update(NvrIndex *self,
		      const NvrIndexUser *user,
		      GError **error) G_GNUC_WARN_UNUSED_RESULT;
NvrIndexUser *
nvr_index_user_load(NvrIndex *self, gint64 id, GError **error);
NvrIndexUser *
nvr_index_user_load_by_name(NvrIndex *self, const gchar *name, GError **error);
GPtrArray *
nvr_index_user_list(NvrIndex *self, GError **error);
gboolean
nvr_index_user_count_enabled(NvrIndex *self, NvrIndexRole role, gint64 *count, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;
gboolean
nvr_index_user_delete(NvrIndex *self, gint64 id, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
