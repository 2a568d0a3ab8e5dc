#!/usr/bin/env bash
# The programs local repls need from the system (they run with the host's /usr, read-only):
# bubblewrap for the sandbox (docs/security.md), ripgrep for search in files, git for the Source
# Control view. Installs what is missing with Debian's apt when this is root (CI runs as root).
# Elsewhere it says what to do and carries on: without bwrap the orchestrator runs repls
# unsandboxed and says so at start-up; without rg or git those features answer with why.
set -euo pipefail
missing=()
command -v bwrap >/dev/null || missing+=(bubblewrap)
command -v rg >/dev/null || missing+=(ripgrep)
command -v git >/dev/null || missing+=(git)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "ensure-repl-tools: missing ${missing[*]}; install with: sudo apt-get install ${missing[*]}" >&2
  exit 0
fi
echo "ensure-repl-tools: installing Debian's ${missing[*]} with apt-get" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
for tool in bwrap rg git; do
  command -v "$tool" >/dev/null || { echo "ensure-repl-tools: $tool still missing after apt-get" >&2; exit 1; }
done
