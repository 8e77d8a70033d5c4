/* fuzz-evidence: stored evidence (JSON) read back, and evaluated with quirks and the registry */
#include "config.h"

#include <stdint.h>

#include "vendor/nvr-vendor-interpret.h"
#include "core/nvr-json.h"
#include "vendor/nvr-verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static NvrQuirks *fuzz_quirks;
static NvrRestrictedRegistry *fuzz_registry;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(JsonNode) node = nvr_json_parse((const gchar *)data, size, 1024 * 1024, NULL);
	g_autoptr(NvrEvidenceSet) set = NULL;
	g_autoptr(GPtrArray) items = NULL;
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(NvrVerdict) verdict = NULL;
	NvrVerdictInput in = {0};

	if (fuzz_quirks == NULL) {
		fuzz_quirks = nvr_quirks_new();
		nvr_quirks_load_builtin(fuzz_quirks, NULL);
		fuzz_registry = nvr_restricted_registry_load_default(NULL, NULL, NULL);
	}
	if (node == NULL)
		return 0;
	set = nvr_evidence_set_from_json(node, NULL);
	if (set == NULL)
		return 0;
	items = nvr_evidence_set_dup_items(set);
	ids = nvr_vendor_interpret(items, fuzz_quirks, fuzz_registry, nvr_evidence_set_is_camera(set));
	in.host = nvr_evidence_set_get_host(set);
	in.items = items;
	in.quirks = fuzz_quirks;
	in.registry = fuzz_registry;
	verdict = nvr_verdict_evaluate(&in);
	g_assert(verdict->summary != NULL);
	return 0;
}
