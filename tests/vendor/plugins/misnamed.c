/* installed as nvr-vendor-misnamed.so but calls itself "impostor" */
#include "test-plugin-common.h"

TEST_PLUGIN_DESC(misnamed_desc, "impostor", NVR_VENDOR_ABI_MAJOR, 0, sizeof(NvrVendorPluginDesc));
NVR_VENDOR_PLUGIN_DEFINE(misnamed_desc)
