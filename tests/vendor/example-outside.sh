#!/bin/sh
# Builds plugins/example the way a developer outside the nvr tree would: the
# installed header and pkg-config file (here: copied into a private prefix),
# GLib, and a C compiler; then runs nvr-plugin-check on its recording.
#   example-outside.sh BUILD_ROOT SOURCE_ROOT NVR_PLUGIN_CHECK
set -eu
build=$1 src=$2 check=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/include/nvr"
cp "$src/nvr/include/nvr/nvr-vendor-plugin.h" "$tmp/include/nvr/"
mkdir -p "$tmp/pkgconfig"
sed "s|^prefix=.*|prefix=$tmp|" "$build/meson-private/nvr-vendor-plugin.pc" >"$tmp/pkgconfig/nvr-vendor-plugin.pc"
flags=$(PKG_CONFIG_PATH="$tmp/pkgconfig" pkg-config --cflags --libs nvr-vendor-plugin)
${CC:-cc} -std=c11 -shared -fPIC -fvisibility=hidden -Wall -Wextra -Werror -Wno-unused-parameter \
	-o "$tmp/nvr-vendor-example.so" "$src/plugins/example/nvr-example-plugin.c" $flags
# only the descriptor getter is exported
exported=$(nm -D --defined-only "$tmp/nvr-vendor-example.so" | awk '$2 == "T" { print $3 }')
test "$exported" = "nvr_vendor_plugin_get_desc"
"$check" --quiet --plugin "$tmp/nvr-vendor-example.so" --quirk-dir "$src/plugins/example" \
	"$src/plugins/example/tests"
