/* built against a header from the future: ABI 1.1 on a 1.0 host */
#include "test-plugin-common.h"

TEST_PLUGIN_DESC(newer_minor_desc, "newer-minor", 1, NVR_VENDOR_ABI_MINOR + 1, sizeof(NvrVendorPluginDesc));
NVR_VENDOR_PLUGIN_DEFINE(newer_minor_desc)
