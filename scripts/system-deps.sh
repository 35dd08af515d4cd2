#!/usr/bin/env bash
# Install the system packages the tests and the bench use (redis-server, chromium, wrk)
# when they are missing.
# As root with apt-get it installs them; otherwise it says what to install and fails.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${need[*]} (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "missing: ${need[*]}; install them (Debian: sudo apt-get install ${need[*]})" >&2
  exit 1
fi
