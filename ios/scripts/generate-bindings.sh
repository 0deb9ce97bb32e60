#!/usr/bin/env bash
# Generates the Swift bindings of koers-core (uniffi library mode, root uniffi.toml) and puts
# them where KoersKit expects them (gitignored):
#   KoersKit/Sources/KoersCore/KoersCore.swift
#   KoersKit/Sources/koersFFI/include/koersFFI.h
#   KoersKit/Sources/koersFFI/include/module.modulemap
#
#   ios/scripts/generate-bindings.sh            # builds koers-core for the host first
#   KOERS_BINDINGS_NO_BUILD=1 ios/scripts/generate-bindings.sh
#
# The bindings come from the host library; they are the same for every target of the same
# source, so build-xcframework.sh uses this too. scripts/test swift does the same copy.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
kit="$root/ios/KoersKit"
out="${KOERS_BUILD:-$root/build}/ios/generated"

"$root/scripts/bindings" swift "$out"
mkdir -p "$kit/Sources/KoersCore" "$kit/Sources/koersFFI/include"
cp "$out/KoersCore.swift" "$kit/Sources/KoersCore/KoersCore.swift"
cp "$out/koersFFI.h" "$kit/Sources/koersFFI/include/koersFFI.h"
cp "$out/koersFFI.modulemap" "$kit/Sources/koersFFI/include/module.modulemap"
echo "generate-bindings: KoersKit sources updated from $out" >&2
