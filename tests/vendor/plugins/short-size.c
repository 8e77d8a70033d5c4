/* a descriptor that claims to end after its header */
#include "test-plugin-common.h"

TEST_PLUGIN_DESC(short_size_desc, "short-size", NVR_VENDOR_ABI_MAJOR, 0, 16);
NVR_VENDOR_PLUGIN_DEFINE(short_size_desc)
