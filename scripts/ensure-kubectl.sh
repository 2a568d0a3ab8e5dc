#!/usr/bin/env bash
# The manifest tests render k8s/ with `kubectl kustomize` (offline; no cluster is contacted).
# Installs Debian's kubernetes-client with apt when no kubectl is on PATH; needs root or sudo.
set -euo pipefail
if command -v kubectl >/dev/null && kubectl kustomize --help >/dev/null 2>&1; then exit 0; fi
echo "ensure-kubectl: installing Debian's kubernetes-client with apt-get" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq kubernetes-client >/dev/null
kubectl kustomize --help >/dev/null
