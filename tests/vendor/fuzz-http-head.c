/* fuzz-http-head: a recorded HTTP reply as evidence, and as a raw reply a plugin is given
 * (nvr-plugin-check reads both) */
#include "config.h"

#include <stdint.h>

#include "vendor/nvr-vendor-facts.h"
#include "vendor/nvr-vendor-raw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(NvrHttpBanner) banner = nvr_vendor_facts_parse_http_head((const gchar *)data, size, NULL);
	g_autoptr(NvrEvidenceSet) set = nvr_evidence_set_new("192.0.2.1");
	g_autoptr(NvrVendorRawReply) raw = nvr_vendor_raw_reply_parse((const gchar *)data, size, NULL);

	/* a decoded body is never longer than what came */
	if (raw != NULL)
		g_assert(g_bytes_get_size(raw->body) <= size);
	if (banner != NULL)
		nvr_vendor_facts_http_banner(set, banner, "fuzz");
	return 0;
}
