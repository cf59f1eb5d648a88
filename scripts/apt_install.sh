#!/usr/bin/env bash
# Install Debian packages for `make setup`, waiting for another apt-get or dpkg to finish
# instead of failing at once on its lock (up to STRAWSYNC_APT_LOCK_TIMEOUT seconds, 600 by default).
set -euo pipefail
timeout="${STRAWSYNC_APT_LOCK_TIMEOUT:-600}"
deadline=$(( $(date +%s) + timeout ))
export DEBIAN_FRONTEND=noninteractive

# `apt-get update` takes the package lists' lock, which DPkg::Lock::Timeout does not cover:
# retry while another process holds it.
until output=$(apt-get update -qq 2>&1); do
  if ! grep -qi 'lock' <<<"$output" || [ "$(date +%s)" -ge "$deadline" ]; then
    echo "$output" >&2
    exit 1
  fi
  echo "Waiting for another package manager to finish (apt lists locked) ..." >&2
  sleep 5
done
# dpkg's own lock: apt-get waits for it by itself.
remaining=$(( deadline - $(date +%s) ))
apt-get -o DPkg::Lock::Timeout="$(( remaining > 0 ? remaining : 1 ))" \
  install -y -qq --no-install-recommends "$@" >/dev/null
