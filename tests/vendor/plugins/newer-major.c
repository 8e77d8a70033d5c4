/* ABI 2.0: a host of 1.x must refuse it outright */
#include "test-plugin-common.h"

TEST_PLUGIN_DESC(newer_major_desc, "newer-major", NVR_VENDOR_ABI_MAJOR + 1, 0, sizeof(NvrVendorPluginDesc));
NVR_VENDOR_PLUGIN_DEFINE(newer_major_desc)
