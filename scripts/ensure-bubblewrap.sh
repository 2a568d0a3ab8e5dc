#!/usr/bin/env bash
# Local repls run in bubblewrap sandboxes (docs/security.md). Installs Debian's bubblewrap with apt
# when missing and this is root (CI runs as root). Elsewhere it says what to do and carries on: the
# orchestrator then runs repls unsandboxed and says so in one line at start-up.
set -euo pipefail
command -v bwrap >/dev/null && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "ensure-bubblewrap: bwrap is missing; install bubblewrap to sandbox repls (sudo apt-get install bubblewrap)" >&2
  exit 0
fi
echo "ensure-bubblewrap: installing Debian's bubblewrap with apt-get" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
command -v bwrap >/dev/null || { echo "ensure-bubblewrap: bwrap still missing after apt-get" >&2; exit 1; }
