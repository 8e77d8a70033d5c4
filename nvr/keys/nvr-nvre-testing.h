/*
 * nvr-nvre-testing.h: hooks for tests only (tests/keys). Nothing in nvrd or
 * nvrctl may call these: they take the per-file randomness from the caller.
 */
#pragma once

#include "nvr-nvre.h"

G_BEGIN_DECLS

/* material that the writer otherwise draws from randombytes_buf() and crypto_box_seal() */
typedef struct {
	const guint8 *k_file;	  /* 32 bytes */
	const guint8 *file_salt;  /* 16 bytes */
	const guint8 *stanzas;	  /* 88 * n_recipients bytes, used verbatim */
	gboolean signed_unsigned; /* set the signed flag but leave the signature area zero */
} NvrNvreWriterTestMaterial;

NvrNvreWriter *
nvr_nvre_writer_new_for_fd_with_material(gint fd,
					 const NvrNvreWriterParams *params,
					 const NvrNvreWriterTestMaterial *material,
					 GError **error);

/* SHA-256 of a key pair's secret key, so a test can compare it with a known answer */
gboolean
nvr_nvre_key_pair_hash_secret(NvrNvreKeyPair *pair, guint8 sha256[32], GError **error);

G_END_DECLS
