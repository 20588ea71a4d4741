# Shared by scripts/demo and scripts/test: package set-up and the build.
# shellcheck shell=bash

SOTTO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian 12 packages the build, the tests and the demo need.
SOTTO_PACKAGES=(
  build-essential meson ninja-build pkg-config
  libuv1-dev libjansson-dev libinih-dev portaudio19-dev libspeexdsp-dev
  libsystemd-dev libopus-dev check
  libnice-dev libglib2.0-dev libssl-dev libsrtp2-dev zlib1g-dev
  libwebsockets-dev libwebsockets-evlib-uv
  python3-aiortc coturn iproute2 chromium chromium-driver
  libasound2-plugins alsa-utils
  python3 python3-numpy python3-scipy
  espeak-ng sox mandoc clang clang-format
  iptables libnetfilter-queue-dev python3-matplotlib
)

missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s ' "$p"
  done
}

# Installs what is missing; without root, prints the exact command and stops.
ensure_packages() {
  local missing
  missing=$(missing_packages "$@")
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "Missing Debian packages. Run as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends $missing" >&2
    exit 1
  fi
  echo "Installing: $missing"
  export DEBIAN_FRONTEND=noninteractive
  # The package lists may be absent on a fresh machine.
  if ! apt-get install -y --no-install-recommends $missing; then
    apt-get update
    apt-get install -y --no-install-recommends $missing
  fi
}

# meson setup (or reconfigure) + ninja. $1: build dir, rest: meson options.
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
