#include "config.h"

#include <sodium.h>

#include "core/nvr-error.h"
#include "nvr-keys.h"
#include "nvr-secret.h"

struct _NvrSecret {
	guint8 *data; /* sodium_malloc(); noaccess while users == 0 */
	gsize size;
	GMutex lock;
	guint users; /* protected by lock */
};

NvrSecret *
nvr_secret_new(gsize size, GError **error)
{
	NvrSecret *secret;
	guint8 *data;

	g_return_val_if_fail(size > 0, NULL);
	if (!nvr_keys_init(error))
		return NULL;
	data = sodium_malloc(size);
	if (data == NULL) {
		g_set_error(error, NVR_ERROR, NVR_ERROR_FAILED,
			    "cannot allocate %" G_GSIZE_FORMAT " bytes of locked memory", size);
		return NULL;
	}
	sodium_memzero(data, size);
	if (sodium_mprotect_noaccess(data) != 0) {
		sodium_free(data);
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_FAILED,
				    "cannot protect key memory");
		return NULL;
	}
	secret = g_new0(NvrSecret, 1);
	secret->data = data;
	secret->size = size;
	g_mutex_init(&secret->lock);
	return secret;
}

NvrSecret *
nvr_secret_new_random(gsize size, GError **error)
{
	g_autoptr(NvrSecret) secret = nvr_secret_new(size, error);
	guint8 *p;

	if (secret == NULL)
		return NULL;
	p = nvr_secret_acquire(secret, error);
	if (p == NULL)
		return NULL;
	randombytes_buf(p, size);
	nvr_secret_release(secret);
	return g_steal_pointer(&secret);
}

NvrSecret *
nvr_secret_new_from_data(const guint8 *data, gsize size, GError **error)
{
	g_autoptr(NvrSecret) secret = nvr_secret_new(size, error);
	guint8 *p;

	if (secret == NULL)
		return NULL;
	p = nvr_secret_acquire(secret, error);
	if (p == NULL)
		return NULL;
	memcpy(p, data, size);
	nvr_secret_release(secret);
	return g_steal_pointer(&secret);
}

void
nvr_secret_free(NvrSecret *secret)
{
	if (secret == NULL)
		return;
	g_warn_if_fail(secret->users == 0);
	/* sodium_free() makes the pages writable, zeroes them and unmaps them */
	sodium_free(secret->data);
	g_mutex_clear(&secret->lock);
	g_free(secret);
}

gsize
nvr_secret_get_size(const NvrSecret *secret)
{
	g_return_val_if_fail(secret != NULL, 0);
	return secret->size;
}

guint8 *
nvr_secret_acquire(NvrSecret *secret, GError **error)
{
	g_autoptr(GMutexLocker) locker = NULL;

	g_return_val_if_fail(secret != NULL, NULL);
	locker = g_mutex_locker_new(&secret->lock);
	if (secret->users == 0 && sodium_mprotect_readwrite(secret->data) != 0) {
		g_set_error_literal(error, NVR_ERROR, NVR_ERROR_FAILED, "cannot unlock key memory");
		return NULL;
	}
	secret->users++;
	return secret->data;
}

void
nvr_secret_release(NvrSecret *secret)
{
	g_autoptr(GMutexLocker) locker = NULL;

	g_return_if_fail(secret != NULL);
	locker = g_mutex_locker_new(&secret->lock);
	g_return_if_fail(secret->users > 0);
	secret->users--;
	/* still readable if this fails: say so, the key itself is not at risk of corruption */
	if (secret->users == 0 && sodium_mprotect_noaccess(secret->data) != 0)
		g_warning("cannot protect key memory again");
}

gboolean
nvr_secret_equal(NvrSecret *a, NvrSecret *b)
{
	const guint8 *pa;
	const guint8 *pb;
	gboolean equal;

	if (a->size != b->size)
		return FALSE;
	pa = nvr_secret_acquire(a, NULL);
	if (pa == NULL)
		return FALSE;
	pb = nvr_secret_acquire(b, NULL);
	if (pb == NULL) {
		nvr_secret_release(a);
		return FALSE;
	}
	equal = sodium_memcmp(pa, pb, a->size) == 0;
	nvr_secret_release(b);
	nvr_secret_release(a);
	return equal;
}
