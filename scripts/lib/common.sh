# shellcheck shell=bash
# Shared helpers for scripts/test, scripts/bindings and scripts/swift-env: paths, messages,
# apt installs, and the two toolchains that live in the cache (kotlinc from npm, Swift in a
# Debian trixie chroot). Sourced, never run.

# The repo root, whatever the caller's working directory.
KOERS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Everything downloaded or unpacked lives here, outside the checkout, so CI's fresh clones reuse it.
KOERS_CACHE="${KOERS_CACHE:-${HOME:-/root}/.cache/koers}"
# Generated bindings and compiled test classes: inside the checkout (gitignored /build/).
KOERS_BUILD="${KOERS_BUILD:-$KOERS_ROOT/build}"
KOERS_TARGET="${CARGO_TARGET_DIR:-$KOERS_ROOT/target}"
case "$KOERS_TARGET" in /*) ;; *) KOERS_TARGET="$KOERS_ROOT/$KOERS_TARGET" ;; esac
export DEBIAN_FRONTEND=noninteractive

# Pinned toolchain versions: bump here, the caches notice and reinstall.
KOTLIN_VERSION="${KOTLIN_VERSION:-2.4.20}"
SWIFT_SUITE="trixie"
SWIFT_PACKAGES="swiftlang libc6-dev libstdc++-14-dev"

log() { printf '%s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
header() { printf '\n==== %s ====\n' "$*"; }

# apt_ensure PKG...: installs only the packages that are missing; `apt-get update` at most once.
_KOERS_APT_UPDATED=0
apt_ensure() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && { log "apt: already installed: $*"; return 0; }
    [ "$(id -u)" -eq 0 ] || die "apt: need root to install: ${missing[*]}"
    if [ "$_KOERS_APT_UPDATED" -eq 0 ]; then
        log "apt: apt-get update"
        apt-get update -qq || die "apt-get update failed"
        _KOERS_APT_UPDATED=1
    fi
    log "apt: installing ${missing[*]}"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install failed: ${missing[*]}"
}

# ---------------------------------------------------------------- Kotlin (kotlinc from npm)

KOTLIN_PREFIX="$KOERS_CACHE/kotlin/$KOTLIN_VERSION"
KOTLIN_HOME="$KOTLIN_PREFIX/node_modules/kotlin-compiler"

# Installs kotlinc into the cache once per version; a marker tells a finished install apart
# from one that was cut off.
kotlin_ensure() {
    if [ -f "$KOTLIN_PREFIX/.koers-ready" ] && [ -x "$KOTLIN_HOME/bin/kotlinc-jvm" ]; then
        return 0
    fi
    command -v npm >/dev/null || die "kotlin: npm not found (Node.js is needed to fetch kotlinc)"
    mkdir -p "$KOERS_CACHE/kotlin"
    exec 7>"$KOERS_CACHE/kotlin/.lock"
    flock 7
    if [ -f "$KOTLIN_PREFIX/.koers-ready" ] && [ -x "$KOTLIN_HOME/bin/kotlinc-jvm" ]; then
        flock -u 7; return 0
    fi
    log "kotlin: installing kotlin-compiler@$KOTLIN_VERSION from npm into $KOTLIN_PREFIX"
    rm -rf "$KOTLIN_PREFIX"
    mkdir -p "$KOTLIN_PREFIX"
    npm install --prefix "$KOTLIN_PREFIX" --no-audit --no-fund --loglevel=error \
        "kotlin-compiler@$KOTLIN_VERSION" >&2 || die "kotlin: npm install kotlin-compiler failed"
    local f
    for f in bin/kotlinc-jvm lib/kotlin-stdlib.jar lib/kotlinx-coroutines-core-jvm.jar \
        lib/kotlin-test.jar lib/kotlin-test-junit.jar; do
        [ -e "$KOTLIN_HOME/$f" ] || die "kotlin: $f missing from the npm package kotlin-compiler@$KOTLIN_VERSION"
    done
    touch "$KOTLIN_PREFIX/.koers-ready"
    flock -u 7
}

# ---------------------------------------------------------------- Swift (Debian trixie chroot)

SWIFT_ROOT="$KOERS_CACHE/swift/$SWIFT_SUITE"
SWIFT_MARKER="$SWIFT_ROOT/.koers-ready"
# The marker holds what was installed, so a change of package list redoes the chroot.
SWIFT_STAMP="suite=$SWIFT_SUITE packages=$SWIFT_PACKAGES"

# The Debian mirror the host's apt uses (deb822 "URIs:" or one-line "deb URL"), else deb.debian.org.
debian_mirror() {
    if [ -n "${KOERS_DEBIAN_MIRROR:-}" ]; then echo "$KOERS_DEBIAN_MIRROR"; return; fi
    local m
    m="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | sed -n -e 's/^URIs:[[:space:]]*//p' -e 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' \
        | tr ' ' '\n' | grep -E '/debian/?$' | head -n1)"
    echo "${m:-http://deb.debian.org/debian}"
}

# Refuses to go on while anything is mounted below $1: deleting a chroot with the repo
# bind-mounted inside would delete the repo.
_assert_nothing_mounted_under() {
    local dir="$1" mp
    for mp in $(awk '{print $2}' /proc/self/mounts | sort -r); do
        case "$mp" in
            "$dir"/*) umount -l "$mp" 2>/dev/null || die "swift: $mp is still mounted and won't unmount" ;;
        esac
    done
    if awk '{print $2}' /proc/self/mounts | grep -q "^$dir/"; then
        die "swift: something is still mounted under $dir; not deleting it"
    fi
}

# Runs a command inside chroot $1 with /proc, /dev and the repo mounted. In a private mount
# namespace when unshare works (the mounts vanish with it even on kill -9), else with plain
# mounts undone by a trap.
# Usage: chroot_run ROOT WORKDIR CMD...   (extra bind mounts: KOERS_CHROOT_BINDS="dir1 dir2")
chroot_run() {
    local root="$1" wd="$2"; shift 2
    local binds="${KOERS_CHROOT_BINDS:-}"
    if [ "${KOERS_CHROOT_NO_REPO:-0}" != 1 ]; then
        binds="$KOERS_ROOT $binds"
        # The target dir may sit outside the repo (CARGO_TARGET_DIR): bind it too.
        case "$KOERS_TARGET/" in "$KOERS_ROOT"/*) ;; *) [ -d "$KOERS_TARGET" ] && binds="$binds $KOERS_TARGET" ;; esac
    fi
    local inner
    # shellcheck disable=SC2016
    inner='
        set -euo pipefail
        root="$1" wd="$2" binds="$3"; shift 3
        mounted=()
        cleanup() { local i; for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done; }
        trap cleanup EXIT
        mkdir -p "$root/proc" "$root/dev"
        mount -t proc proc "$root/proc"; mounted+=("$root/proc")
        mount --rbind /dev "$root/dev"; mounted+=("$root/dev")
        for b in $binds; do
            mkdir -p "$root$b"; mount --rbind "$b" "$root$b"; mounted+=("$root$b")
        done
        # Not exec: the trap must run after the command.
        chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/libexec/swift/bin \
            DEBIAN_FRONTEND=noninteractive LD_LIBRARY_PATH="${KOERS_CHROOT_LD_LIBRARY_PATH:-}" \
            /bin/bash -c "cd \"\$0\" && exec \"\$@\"" "$wd" "$@"
    '
    if unshare --mount --propagation private true 2>/dev/null; then
        unshare --mount --propagation private bash -c "$inner" chroot_run "$root" "$wd" "$binds" "$@"
    else
        bash -c "$inner" chroot_run "$root" "$wd" "$binds" "$@"
    fi
}

# /usr/bin/swift is an absolute symlink into /usr/libexec/swift, so it must be resolved
# inside the chroot, not from the host.
_chroot_has_swift() { chroot "$1" /usr/bin/test -x /usr/bin/swift 2>/dev/null; }

# Builds the trixie chroot with swiftlang once; reuses it while its marker matches.
# A half-finished build (no marker, or a leftover .partial) is thrown away and redone.
swift_ensure() {
    if [ -f "$SWIFT_MARKER" ] && [ "$(cat "$SWIFT_MARKER")" = "$SWIFT_STAMP" ] \
        && _chroot_has_swift "$SWIFT_ROOT"; then
        return 0
    fi
    [ "$(id -u)" -eq 0 ] || die "swift: building the chroot needs root (debootstrap, mount, chroot)"
    command -v debootstrap >/dev/null || apt_ensure debootstrap
    local partial="$SWIFT_ROOT.partial" mirror
    mirror="$(debian_mirror)"
    mkdir -p "$(dirname "$SWIFT_ROOT")"
    # Two runs at once must not build the same chroot: the second waits, then finds it ready.
    exec 8>"$(dirname "$SWIFT_ROOT")/.lock"
    flock 8
    if [ -f "$SWIFT_MARKER" ] && [ "$(cat "$SWIFT_MARKER")" = "$SWIFT_STAMP" ] && _chroot_has_swift "$SWIFT_ROOT"; then
        flock -u 8; return 0
    fi
    local d
    for d in "$SWIFT_ROOT" "$partial"; do
        if [ -e "$d" ]; then
            log "swift: removing unfinished or outdated chroot $d"
            _assert_nothing_mounted_under "$d"
            rm -rf --one-file-system "$d"
        fi
    done
    log "swift: debootstrap --variant=minbase $SWIFT_SUITE from $mirror (about 1-2 min)"
    debootstrap --variant=minbase "$SWIFT_SUITE" "$partial" "$mirror" >"$KOERS_CACHE/swift/debootstrap.log" 2>&1 \
        || { tail -n 30 "$KOERS_CACHE/swift/debootstrap.log" >&2; die "swift: debootstrap failed (log: $KOERS_CACHE/swift/debootstrap.log)"; }
    # DNS for apt inside the chroot; not needed after the install.
    cp -L /etc/resolv.conf "$partial/etc/resolv.conf" 2>/dev/null || true
    log "swift: apt-get install $SWIFT_PACKAGES inside the chroot (~3 GB, about 2-4 min)"
    KOERS_CHROOT_NO_REPO=1 KOERS_CHROOT_BINDS="" chroot_run "$partial" / /bin/bash -c "
        set -e
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends $SWIFT_PACKAGES >/dev/null
        apt-get clean
    " >"$KOERS_CACHE/swift/apt.log" 2>&1 \
        || { tail -n 30 "$KOERS_CACHE/swift/apt.log" >&2; die "swift: apt-get install in the chroot failed (log: $KOERS_CACHE/swift/apt.log)"; }
    _chroot_has_swift "$partial" || die "swift: /usr/bin/swift missing in the chroot after install"
    _assert_nothing_mounted_under "$partial"
    mv "$partial" "$SWIFT_ROOT"
    echo "$SWIFT_STAMP" >"$SWIFT_MARKER"
    flock -u 8
    log "swift: chroot ready at $SWIFT_ROOT"
}
