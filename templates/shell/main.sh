#!/usr/bin/env bash
# Press Run, or type ./main.sh in the shell.
set -euo pipefail
echo "Hello from $(bash --version | head -n1)"
echo "You are in $(pwd) as $(whoami)."
