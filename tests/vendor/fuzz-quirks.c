/* fuzz-quirks: the quirk file loader, then lookups and URL templates from what it accepted */
#include "config.h"

#include <stdint.h>

#include "vendor/nvr-quirks.h"
#include "vendor/nvr-url-template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(NvrQuirks) q = nvr_quirks_new();
	g_autoptr(GPtrArray) groups = NULL;
	NvrUrlTemplateVars vars = {"192.0.2.10", 0, 0, 2};

	if (!nvr_quirks_load_data(q, (const gchar *)data, size, "fuzz.quirk", NULL))
		return 0;
	groups = nvr_quirks_list_groups(q, "");
	for (guint i = 0; i < groups->len; i++) {
		const gchar *group = g_ptr_array_index(groups, i);
		const gchar *tmpl = nvr_quirks_lookup(q, group, NVR_QUIRK_STREAM_MAIN);
		g_autofree gchar *url = tmpl != NULL ? nvr_url_template_expand(tmpl, &vars, NULL) : NULL;
		if (url != NULL)
			g_assert(g_str_has_prefix(url, "rtsp") || g_str_has_prefix(url, "http"));
		(void)nvr_quirks_lookup_flags(q, group);
	}
	return 0;
}
