#!/usr/bin/env bash
# Installs the system libraries Strata links against (Debian/Ubuntu; run as root or with sudo).
set -euo pipefail
pkgs="libzstd-dev liblz4-dev zlib1g-dev pkg-config tzdata"
missing=""
for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
if ! command -v swift >/dev/null 2>&1; then
  echo "swift is not on PATH (on these machines: export PATH=/opt/swift/usr/bin:\$PATH)" >&2
  exit 1
fi
