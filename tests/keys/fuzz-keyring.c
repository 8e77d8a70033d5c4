/*
 * fuzz-keyring: the keyring file parser on hostile bytes. A keyring that
 * parses must serialize and parse again to the same bytes. Unlocking is left
 * out: Argon2id at even the minimum cost is far too slow to fuzz, and the
 * slot bounds it depends on are checked by the parser.
 */
#include "config.h"

#include <stdint.h>

#include "keys/nvr-keyring.h"
#include "keys/nvr-keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(NvrKeyring) k = nvr_keyring_parse(data, size, NULL);
	g_autoptr(NvrKeyring) again = NULL;
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GBytes) bytes2 = NULL;
	g_auto(GStrv) users = NULL;

	if (k == NULL)
		return 0;
	users = nvr_keyring_list_users(k);
	g_assert(users[0] != NULL);
	bytes = nvr_keyring_serialize(k, NULL);
	g_assert(bytes != NULL);
	again = nvr_keyring_parse(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), NULL);
	g_assert(again != NULL);
	bytes2 = nvr_keyring_serialize(again, NULL);
	g_assert(g_bytes_equal(bytes, bytes2));
	return 0;
}
