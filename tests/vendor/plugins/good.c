/* a plugin that does everything right and nothing much: the loader's control case */
#include "test-plugin-common.h"

static gint
good_identify(gpointer data, const NvrVendorEvidence *ev, NvrVendorMatch *match, GError **error)
{
	return 0;
}

static const NvrVendorPluginDesc good_desc = {
	.abi_major = NVR_VENDOR_ABI_MAJOR,
	.abi_minor = NVR_VENDOR_ABI_MINOR,
	.struct_size = sizeof(NvrVendorPluginDesc),
	.name = "good",
	.version = "0.0.1",
	.license = "CC0-1.0",
	.identify = good_identify,
};
NVR_VENDOR_PLUGIN_DEFINE(good_desc)
