# Shared by scripts/demo and scripts/test: package set-up and the build.
# shellcheck shell=bash

SOTTO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian 12 packages, by what needs them. The demo needs only the build and
# its speech, call and scoring tools; the tests need the rest too.
SOTTO_BUILD_PACKAGES=(
  gcc g++ libc6-dev meson ninja-build pkg-config
  libuv1-dev libjansson-dev libinih-dev portaudio19-dev libspeexdsp-dev
  libwebrtc-audio-processing-dev
  libsystemd-dev libopus-dev
  libglib2.0-dev libssl-dev libsrtp2-dev zlib1g-dev
  libwebsockets-dev libwebsockets-evlib-uv
)
# Without libnice-dev (whose GUPnP dependency drags in about 900 MB of GTK 4
# development packages) meson builds libnice from Debian's source archive:
# see subprojects/libnice.wrap. The Debian package and the tests use the
# system library.
SOTTO_DEMO_PACKAGES=(
  "${SOTTO_BUILD_PACKAGES[@]}"
  iproute2 espeak-ng sox python3-numpy
)
# scripts/test-package: Debian packaging tools and debian/control's Build-Depends.
SOTTO_PACKAGE_BUILD_PACKAGES=(
  "${SOTTO_BUILD_PACKAGES[@]}" libnice-dev build-essential debhelper dpkg-dev
)
SOTTO_TEST_PACKAGES=(
  "${SOTTO_DEMO_PACKAGES[@]}" libnice-dev python3-scipy build-essential debhelper dpkg-dev
  check python3-aiortc coturn chromium chromium-driver
  libasound2-plugins alsa-utils
  python3 mandoc clang clang-format
  iptables libnetfilter-queue-dev python3-matplotlib
)

missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s ' "$p"
  done
}

# Installs what is missing; without root, prints the exact command and stops.
# With SOTTO_APT_LOG set, apt's output goes to that file and one line is
# printed. Nothing is upgraded and no service starts: a policy-rc.d answers
# "not now" to every package that would start or enable one (coturn, say).
ensure_packages() {
  local missing rc=0 policy=/usr/sbin/policy-rc.d added_policy=0 log=${SOTTO_APT_LOG:-/dev/stdout}
  missing=$(missing_packages "$@")
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "Missing Debian packages. Run as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends $missing" >&2
    exit 1
  fi
  echo "installing Debian packages: $missing${SOTTO_APT_LOG:+(log: $SOTTO_APT_LOG)}"
  export DEBIAN_FRONTEND=noninteractive
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && added_policy=1
  fi
  local install=(apt-get install -y --no-install-recommends --no-upgrade $missing)
  # The package lists may be absent on a fresh machine.
  if ! "${install[@]}" >>"$log" 2>&1; then
    apt-get update >>"$log" 2>&1 && "${install[@]}" >>"$log" 2>&1 || rc=$?
  fi
  [ "$added_policy" = 1 ] && rm -f "$policy"
  if [ "$rc" != 0 ]; then
    echo "apt-get failed (status $rc)${SOTTO_APT_LOG:+; see $SOTTO_APT_LOG}" >&2
    exit 1
  fi
}

# meson setup (or reconfigure) + ninja. $1: build dir, rest: meson options.
# build_tree_targets DIR TARGET... -- MESON-OPTION...: configure, build only those targets.
build_tree_targets() {
  local dir=$1 targets=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do targets+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  if [ -f "$dir/build.ninja" ]; then
    meson configure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$SOTTO_ROOT" "$@"
  fi
  ninja -C "$dir" "${targets[@]}"
}

# build_deb WORKDIR LOG: builds the Debian package from a copy of the tree
# in WORKDIR (output in LOG) and prints the .deb's path.
build_deb() {
  local work=$1 log=$2 version src
  version=$(dpkg-parsechangelog -l "$SOTTO_ROOT/debian/changelog" -S Version)
  src=$work/sotto-$version
  mkdir "$src"
  (cd "$SOTTO_ROOT" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$src")
  (cd "$src" && dpkg-buildpackage -us -uc -b -j2) >"$log" 2>&1 || return 1
  ls "$work"/sotto_"$version"_*.deb
}

build_tree() {
  local dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then
    meson configure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$SOTTO_ROOT" "$@"
  fi
  ninja -C "$dir"
}
