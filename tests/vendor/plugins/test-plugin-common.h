/*
 * test-plugin-common.h: the descriptor of the loader tests' plugins, each
 * built from one file against the ABI header alone, each broken in one way
 * (see meson.build). A macro, not a function: the plugins share no code.
 */
#pragma once

#include <nvr/nvr-vendor-plugin.h>

#define TEST_PLUGIN_DESC(var, plugin_name, major, minor, size)                            \
	static const NvrVendorPluginDesc var = {                                          \
		.abi_major = (major),                                                     \
		.abi_minor = (minor),                                                     \
		.struct_size = (size),                                                    \
		.name = (plugin_name),                                                    \
		.version = "0.0.1",                                                       \
		.description = "a plugin of the loader tests",                            \
		.license = "CC0-1.0",                                                     \
	}
