#!/usr/bin/env bash
# Builds koersFFI.xcframework (koers-core as a static library for iPhone and the simulator,
# with the uniffi C header and module map) and the generated Swift, for KoersKit on Apple
# platforms. Runs on a Mac with Xcode and rustup; it cannot run on Linux.
#
#   ios/scripts/build-xcframework.sh            # release build
#   PROFILE=debug ios/scripts/build-xcframework.sh
#
# Writes (all gitignored):
#   ios/KoersKit/koersFFI.xcframework                  the binary target Package.swift names
#   ios/KoersKit/Sources/KoersCore/KoersCore.swift     the generated Swift
#   ios/KoersKit/Sources/koersFFI/include/*            header + module map (for KOERS_FFI=source)
#
# Targets: aarch64-apple-ios (devices), aarch64-apple-ios-sim and x86_64-apple-ios
# (simulators on Apple silicon and Intel, merged with lipo into one slice).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
kit="$root/ios/KoersKit"
profile="${PROFILE:-release}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
work="$root/build/ios/xcframework"
export IPHONEOS_DEPLOYMENT_TARGET="${IPHONEOS_DEPLOYMENT_TARGET:-17.0}"

die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
[ "$(uname -s)" = Darwin ] || die "build-xcframework: needs macOS with Xcode (xcodebuild, lipo)"
command -v xcodebuild >/dev/null || die "build-xcframework: xcodebuild not found (install Xcode)"
command -v cargo >/dev/null || die "build-xcframework: cargo not found"

targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
if command -v rustup >/dev/null; then
    rustup target add "${targets[@]}" >/dev/null
fi

cargo_flags=(-p koers-core --lib)
[ "$profile" = release ] && cargo_flags+=(--release)
for t in "${targets[@]}"; do
    echo "--- cargo build --target $t ($profile)"
    (cd "$root" && cargo build "${cargo_flags[@]}" --target "$t")
done
lib() { echo "$target_dir/$1/$profile/libkoers_core.a"; }
for t in "${targets[@]}"; do [ -f "$(lib "$t")" ] || die "missing $(lib "$t")"; done

rm -rf "$work"
mkdir -p "$work/generated" "$work/headers" "$work/simulator"

# Bindings in library mode from the device library, with the root uniffi.toml. As in
# scripts/bindings: uniffi 0.32 reads a global config, so the flat file goes under [defaults].
config="$work/uniffi-global.toml"
sed -E 's/^\[([^]]+)\][[:space:]]*$/[defaults.\1]/' "$root/uniffi.toml" >"$config"
echo "--- uniffi-bindgen generate --language swift"
(cd "$root" && cargo run -q -p uniffi-bindgen -- generate --library "$(lib aarch64-apple-ios)" \
    --language swift --no-format --config "$config" --out-dir "$work/generated")
for f in KoersCore.swift koersFFI.h koersFFI.modulemap; do
    [ -f "$work/generated/$f" ] || die "uniffi-bindgen did not write $f"
done
cp "$work/generated/koersFFI.h" "$work/headers/koersFFI.h"
cp "$work/generated/koersFFI.modulemap" "$work/headers/module.modulemap"

echo "--- lipo: one simulator library for arm64 and x86_64"
lipo -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" \
    -output "$work/simulator/libkoers_core.a"

echo "--- xcodebuild -create-xcframework"
rm -rf "$kit/koersFFI.xcframework"
xcodebuild -create-xcframework \
    -library "$(lib aarch64-apple-ios)" -headers "$work/headers" \
    -library "$work/simulator/libkoers_core.a" -headers "$work/headers" \
    -output "$kit/koersFFI.xcframework"

mkdir -p "$kit/Sources/KoersCore" "$kit/Sources/koersFFI/include"
cp "$work/generated/KoersCore.swift" "$kit/Sources/KoersCore/KoersCore.swift"
cp "$work/headers/koersFFI.h" "$kit/Sources/koersFFI/include/koersFFI.h"
cp "$work/headers/module.modulemap" "$kit/Sources/koersFFI/include/module.modulemap"
echo "build-xcframework: $kit/koersFFI.xcframework ($profile) and KoersCore.swift are ready"
