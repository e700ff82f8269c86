#!/usr/bin/env bash
# Installs what the build needs, then runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH
./scripts/setup.sh
swift test "$@"
