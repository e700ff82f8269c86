#!/usr/bin/env bash
# Installs the system libraries Strata links against (Debian/Ubuntu; run as root or with sudo)
# and checks that a Swift 6 toolchain is reachable.
set -euo pipefail
pkgs="libzstd-dev liblz4-dev zlib1g-dev libre2-dev libsnappy-dev libbrotli-dev libedit-dev libutf8proc-dev tmux pkg-config tzdata"
missing=""
for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
if ! command -v swift >/dev/null 2>&1 && [ ! -x /opt/swift/usr/bin/swift ]; then
  echo "no Swift toolchain found: install Swift 6 and put it on PATH" >&2
  exit 1
fi
