/* fuzz-registry: the restricted-vendor registry loader (an updatable data file) */
#include "config.h"

#include <stdint.h>

#include "vendor/nvr-restricted-registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(NvrRestrictedRegistry) reg =
		nvr_restricted_registry_new_from_data((const gchar *)data, size, "fuzz", NULL);

	if (reg != NULL) {
		g_autoptr(JsonNode) node = nvr_restricted_registry_to_json(reg);
		g_assert(JSON_NODE_HOLDS_OBJECT(node));
		(void)nvr_restricted_registry_lookup_related(reg, "amcrest");
	}
	return 0;
}
