/*
 * nvr-secret.h: a small buffer of key material in sodium_malloc() memory
 * (guard pages, mlock()ed, never swapped when the system allows it). It is
 * kept sodium_mprotect_noaccess() while nobody uses it, so a stray read or
 * a core dump of an idle daemon does not contain it, and it is zeroed and
 * unmapped on free.
 *
 * Access is counted: nvr_secret_acquire() makes the pages readable and
 * nvr_secret_release() locks them again when the last user is done, so
 * several threads may use one secret at once.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _NvrSecret NvrSecret;

NvrSecret *
nvr_secret_new(gsize size, GError **error);
NvrSecret *
nvr_secret_new_random(gsize size, GError **error);
NvrSecret *
nvr_secret_new_from_data(const guint8 *data, gsize size, GError **error);
void
nvr_secret_free(NvrSecret *secret);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvrSecret, nvr_secret_free)

gsize
nvr_secret_get_size(const NvrSecret *secret);

/* Returns: (transfer none): readable (and writable) bytes until nvr_secret_release(),
 * or %NULL with @error set when the pages could not be unlocked */
guint8 *
nvr_secret_acquire(NvrSecret *secret, GError **error);
void
nvr_secret_release(NvrSecret *secret);

/* constant time; %FALSE also when the sizes differ */
gboolean
nvr_secret_equal(NvrSecret *a, NvrSecret *b);

G_END_DECLS
