/* init fails: the plugin is disabled at start, nvr goes on */
#include "test-plugin-common.h"

static gboolean
init_fails_init(const NvrVendorHost *host, gpointer *data, GError **error)
{
	g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "firmware table missing");
	return FALSE;
}

static const NvrVendorPluginDesc init_fails_desc = {
	.abi_major = NVR_VENDOR_ABI_MAJOR,
	.abi_minor = NVR_VENDOR_ABI_MINOR,
	.struct_size = sizeof(NvrVendorPluginDesc),
	.name = "init-fails",
	.version = "0.0.1",
	.license = "CC0-1.0",
	.init = init_fails_init,
};
NVR_VENDOR_PLUGIN_DEFINE(init_fails_desc)
