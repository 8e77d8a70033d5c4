/*
 * test-keys.h: what the files of the keys test binary share.
 */
#pragma once

#include <glib.h>

#include "keys/nvr-nvre.h"
#include "nvr-test-common.h"

G_BEGIN_DECLS

/* "ab01.." -> bytes; asserts on malformed hex (test data is ours) */
GBytes *
test_keys_unhex(const gchar *hex);
void
test_keys_unhex_into(const gchar *hex, guint8 *out, gsize len);
gchar *
test_keys_hex(const guint8 *data, gsize len);
gchar *
test_keys_sha256_hex(const guint8 *data, gsize len);
const gchar *
test_keys_vectors_dir(void);
void
test_keys_write_file(const gchar *path, const guint8 *data, gsize len);

/* the class name of @error in the NVRE domain, or "ok" when @error is NULL */
const gchar *
test_keys_outcome(const GError *error);

void
test_keys_vectors_register(void);
void
test_keys_nvre_register(void);
void
test_keys_mutation_register(void);
void
test_keys_rules_register(void);
void
test_keys_keyring_register(void);
void
test_keys_ctl_register(void);

G_END_DECLS
