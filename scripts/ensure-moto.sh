#!/usr/bin/env bash
# The storage broker's property test runs against a second S3 implementation, moto (Python), as
# well as the embedded s3rver. Installs the pinned packages (moto-requirements.txt) once into a
# cache outside the repository, keyed by that file's hash, and prints the folder for PYTHONPATH.
# Needs python3 with pip (3.9 or newer); Debian's python3-pip is installed with apt when missing.
set -euo pipefail
export PIP_ROOT_USER_ACTION=ignore
here="$(cd "$(dirname "$0")" && pwd)"
requirements="$here/moto-requirements.txt"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/cubicle/moto-$(sha256sum "$requirements" | cut -c1-12)"
if [ ! -f "$dir/.complete" ]; then
  if ! python3 -m pip --version >/dev/null 2>&1; then
    echo "ensure-moto: installing Debian's python3-pip with apt-get" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-pip >/dev/null
  fi
  rm -rf "$dir.partial"
  # --target keeps it out of every interpreter's site-packages (and out of Debian's managed ones).
  python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location --no-deps \
    --break-system-packages --target "$dir.partial" -r "$requirements" >&2 ||
    python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location --no-deps \
      --target "$dir.partial" -r "$requirements" >&2
  touch "$dir.partial/.complete"
  rm -rf "$dir"
  mv "$dir.partial" "$dir"
fi
echo "$dir"
