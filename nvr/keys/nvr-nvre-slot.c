/*
 * NVRE v1 passphrase key slots (nvre-v1.md §14): 104 bytes that wrap the
 * household secret key under Argon2id(passphrase).
 *
 *   0 salt (16) · 16 opslimit be64 · 24 memlimit be64 · 32 nonce (24) · 56 box (48)
 *
 * The cost fields are read as full 64-bit values and bounded before Argon2id
 * ever sees them: a slot is untrusted input and a memlimit of 2^62 is an
 * allocation bomb (vectors slot-mem-bomb, slot-mem-wrap).
 */
#include "config.h"

#include <string.h>

#include "nvr-keys.h"
#include "nvr-nvre-private.h"
#include "nvr-nvre-testing.h"

#define NVR_NVRE_SLOT_OFF_OPSLIMIT 16
#define NVR_NVRE_SLOT_OFF_MEMLIMIT 24
#define NVR_NVRE_SLOT_OFF_NONCE 32
#define NVR_NVRE_SLOT_OFF_BOX 56
#define NVR_NVRE_SLOT_AD_SIZE 34

G_STATIC_ASSERT(NVR_NVRE_SLOT_OFF_BOX + NVR_NVRE_KEY_SIZE +
			crypto_aead_xchacha20poly1305_ietf_ABYTES ==
		NVR_NVRE_SLOT_SIZE);
G_STATIC_ASSERT(crypto_pwhash_SALTBYTES == 16);

static gboolean
nvr_nvre_slot_check_cost(guint64 opslimit, guint64 memlimit, GError **error)
{
	if (opslimit < NVR_NVRE_SLOT_OPSLIMIT_MIN || opslimit > NVR_NVRE_SLOT_OPSLIMIT_MAX)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_PARAM,
				     "slot opslimit %" G_GUINT64_FORMAT " outside 1..16", opslimit);
	if (memlimit < NVR_NVRE_SLOT_MEMLIMIT_MIN || memlimit > NVR_NVRE_SLOT_MEMLIMIT_MAX)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_PARAM,
				     "slot memlimit %" G_GUINT64_FORMAT " outside 8 MiB..1 GiB",
				     memlimit);
	return TRUE;
}

gboolean
nvr_nvre_slot_get_cost(const guint8 *slot, gsize slot_len, guint64 *opslimit, guint64 *memlimit,
		       GError **error)
{
	guint64 ops, mem;

	if (slot_len != NVR_NVRE_SLOT_SIZE)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_PARAM,
				     "slot of %" G_GSIZE_FORMAT " bytes, not 104", slot_len);
	ops = nvr_nvre_get_be64(slot + NVR_NVRE_SLOT_OFF_OPSLIMIT);
	mem = nvr_nvre_get_be64(slot + NVR_NVRE_SLOT_OFF_MEMLIMIT);
	if (!nvr_nvre_slot_check_cost(ops, mem, error))
		return FALSE;
	if (opslimit != NULL)
		*opslimit = ops;
	if (memlimit != NULL)
		*memlimit = mem;
	return TRUE;
}

/* §14: the exact bytes, no normalisation; only NUL is forbidden (a C string would silently cut
 * the passphrase there). An empty one is a valid slot: refusing it at set-up is policy, the
 * keyring's, so that a slot from another implementation still opens. */
static gboolean
nvr_nvre_slot_check_passphrase(const guint8 *passphrase, gsize len, GError **error)
{
	if ((passphrase == NULL && len > 0) || (len > 0 && memchr(passphrase, '\0', len) != NULL))
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_INVALID_ARGUMENT,
				     "a passphrase must hold no NUL byte");
	return TRUE;
}

/* AD = "NVRE1-slot" ‖ key_id(HPK) ‖ slot[16..32) */
static gboolean
nvr_nvre_slot_ad(const guint8 *slot, const guint8 *hpk, guint8 ad[NVR_NVRE_SLOT_AD_SIZE],
		 GError **error)
{
	memcpy(ad, "NVRE1-slot", 10);
	if (!nvr_nvre_key_id(hpk, ad + 10, error))
		return FALSE;
	memcpy(ad + 18, slot + NVR_NVRE_SLOT_OFF_OPSLIMIT, 16);
	return TRUE;
}

/* KEK = Argon2id(passphrase, salt); out of memory is a resource error, not a format class */
static gboolean
nvr_nvre_slot_kek(const guint8 *slot, const guint8 *passphrase, gsize len, guint64 ops, guint64 mem,
		  guint8 *kek, GError **error)
{
	if (crypto_pwhash(kek, NVR_NVRE_KEY_SIZE,
			  passphrase != NULL ? (const gchar *)passphrase : "", len, slot,
			  (unsigned long long)ops, (gsize)mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return nvr_nvre_fail(error, NVR_NVRE_ERROR_KDF, "Argon2id failed (out of memory?)");
	return TRUE;
}

gboolean
nvr_nvre_slot_wrap(NvrNvreKeyPair *household, const guint8 *passphrase, gsize passphrase_len,
		   guint64 opslimit, guint64 memlimit, guint8 slot[NVR_NVRE_SLOT_SIZE],
		   GError **error)
{
	g_autoptr(NvrSecret) kek_secret = NULL;
	guint8 ad[NVR_NVRE_SLOT_AD_SIZE];
	unsigned long long clen = 0;
	const guint8 *hsk;
	guint8 *kek;
	gboolean ok;

	g_return_val_if_fail(household != NULL && slot != NULL, FALSE);
	if (!nvr_keys_init(error) ||
	    !nvr_nvre_slot_check_passphrase(passphrase, passphrase_len, error))
		return FALSE;
	if (!nvr_nvre_slot_check_cost(opslimit, memlimit, error)) {
		g_prefix_error(error, "cannot write a slot: ");
		return FALSE;
	}
	kek_secret = nvr_secret_new(NVR_NVRE_KEY_SIZE, error);
	if (kek_secret == NULL)
		return FALSE;
	randombytes_buf(slot, crypto_pwhash_SALTBYTES);
	nvr_nvre_put_be64(slot + NVR_NVRE_SLOT_OFF_OPSLIMIT, opslimit);
	nvr_nvre_put_be64(slot + NVR_NVRE_SLOT_OFF_MEMLIMIT, memlimit);
	randombytes_buf(slot + NVR_NVRE_SLOT_OFF_NONCE,
			crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	if (!nvr_nvre_slot_ad(slot, household->pk, ad, error))
		return FALSE;
	kek = nvr_secret_acquire(kek_secret, error);
	if (kek == NULL)
		return FALSE;
	hsk = nvr_secret_acquire(household->sk, error);
	if (hsk == NULL) {
		nvr_secret_release(kek_secret);
		return FALSE;
	}
	ok = nvr_nvre_slot_kek(slot, passphrase, passphrase_len, opslimit, memlimit, kek, error);
	if (ok && crypto_aead_xchacha20poly1305_ietf_encrypt(
			  slot + NVR_NVRE_SLOT_OFF_BOX, &clen, hsk, NVR_NVRE_KEY_SIZE, ad,
			  sizeof(ad), NULL, slot + NVR_NVRE_SLOT_OFF_NONCE, kek) != 0)
		ok = nvr_nvre_fail_crypto(error, "slot encryption");
	nvr_secret_release(household->sk);
	nvr_secret_release(kek_secret);
	return ok;
}

NvrNvreKeyPair *
nvr_nvre_slot_unwrap(const guint8 *slot, gsize slot_len, const guint8 *passphrase,
		     gsize passphrase_len, const guint8 household_pk[NVR_NVRE_KEY_SIZE],
		     GError **error)
{
	g_autoptr(NvrSecret) work = NULL; /* KEK ‖ HSK */
	g_autoptr(NvrNvreKeyPair) pair = NULL;
	guint8 ad[NVR_NVRE_SLOT_AD_SIZE];
	unsigned long long mlen = 0;
	guint64 ops = 0, mem = 0;
	guint8 *w;
	gboolean ok;

	g_return_val_if_fail(household_pk != NULL, NULL);
	/* steps 1 and 2: length and 64-bit bounds, before any hashing */
	if (!nvr_nvre_slot_get_cost(slot, slot_len, &ops, &mem, error) ||
	    !nvr_nvre_slot_check_passphrase(passphrase, passphrase_len, error) ||
	    !nvr_nvre_slot_ad(slot, household_pk, ad, error))
		return NULL;
	work = nvr_secret_new(2 * NVR_NVRE_KEY_SIZE, error);
	if (work == NULL)
		return NULL;
	w = nvr_secret_acquire(work, error);
	if (w == NULL)
		return NULL;
	ok = nvr_nvre_slot_kek(slot, passphrase, passphrase_len, ops, mem, w, error);
	if (ok && crypto_aead_xchacha20poly1305_ietf_decrypt(
			  w + NVR_NVRE_KEY_SIZE, &mlen, NULL, slot + NVR_NVRE_SLOT_OFF_BOX,
			  NVR_NVRE_SLOT_SIZE - NVR_NVRE_SLOT_OFF_BOX, ad, sizeof(ad),
			  slot + NVR_NVRE_SLOT_OFF_NONCE, w) != 0)
		ok = nvr_nvre_fail(error, NVR_NVRE_ERROR_NOKEY,
				   "the slot does not open (wrong passphrase, or altered)");
	nvr_secret_release(work);
	if (!ok)
		return NULL;
	/* step 5: HSK into locked memory, and it must be the secret of the key it is bound to */
	w = nvr_secret_acquire(work, error);
	if (w == NULL)
		return NULL;
	pair = nvr_nvre_key_pair_new_from_secret(w + NVR_NVRE_KEY_SIZE, error);
	nvr_secret_release(work);
	if (pair == NULL)
		return NULL;
	if (!nvr_keys_equal(pair->pk, household_pk, NVR_NVRE_KEY_SIZE)) {
		nvr_nvre_fail(error, NVR_NVRE_ERROR_NOKEY,
			      "the slot holds a key that does not match its household public key");
		return NULL;
	}
	return g_steal_pointer(&pair);
}

gboolean
nvr_nvre_key_pair_hash_secret(NvrNvreKeyPair *pair, guint8 sha256[32], GError **error)
{
	const guint8 *sk = nvr_secret_acquire(pair->sk, error);
	gboolean ok;

	if (sk == NULL)
		return FALSE;
	ok = crypto_hash_sha256(sha256, sk, NVR_NVRE_KEY_SIZE) == 0;
	nvr_secret_release(pair->sk);
	return ok ? TRUE : nvr_nvre_fail_crypto(error, "SHA-256");
}
