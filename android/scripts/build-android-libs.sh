#!/usr/bin/env bash
# Builds the Rust core for the phone ABIs with cargo-ndk into android/app/src/main/jniLibs.
# Needs: the Android NDK (ANDROID_NDK_HOME, or the NDK in ANDROID_HOME/ndk/<version>),
# `cargo install cargo-ndk`, and
#   rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
# Called by the app's Gradle task `:app:cargoNdk`; run from anywhere.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
command -v cargo-ndk >/dev/null || { echo "cargo-ndk is missing: cargo install cargo-ndk" >&2; exit 1; }
if [ -z "${ANDROID_NDK_HOME:-}" ] && [ -n "${ANDROID_HOME:-}" ] && [ -d "$ANDROID_HOME/ndk" ]; then
    ANDROID_NDK_HOME="$(find "$ANDROID_HOME/ndk" -mindepth 1 -maxdepth 1 -type d | sort -V | tail -n1)"
    export ANDROID_NDK_HOME
fi
[ -n "${ANDROID_NDK_HOME:-}" ] || { echo "set ANDROID_NDK_HOME (Android Studio: SDK Manager > SDK Tools > NDK)" >&2; exit 1; }
# API 26 = the app's minSdk.
cargo ndk --platform 26 -t arm64-v8a -t armeabi-v7a -t x86_64 \
    -o android/app/src/main/jniLibs build -p koers-core --release
echo "built: $(find android/app/src/main/jniLibs -name 'libkoers_core.so' | tr '\n' ' ')"
