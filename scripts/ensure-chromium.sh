#!/usr/bin/env bash
# Browser tests drive Debian's chromium through playwright-core (which never downloads a browser).
# Installs it with apt when missing; needs root (CI runs as root) or passwordless sudo.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
echo "ensure-chromium: installing Debian's chromium with apt-get" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
[ -x "$CHROMIUM" ] || { echo "ensure-chromium: $CHROMIUM still missing after apt-get" >&2; exit 1; }
