#!/usr/bin/env bash
# Makes Debian's `chromium` ready for the extension's end-to-end tests (playwright-core drives
# it; no browser is ever downloaded: DESIGN §7). Prints the executable's path on stdout (the
# one line this script prints there); progress goes to stderr.
#
# Installs the package when missing (root; `apt-get update` first). Idempotent, and quick
# when Chromium is already there.
set -euo pipefail

log() { echo "[setup-chromium] $*" >&2; }
# The reason also goes to stdout, where test/globalSetup.ts picks it up for the tests.
fail() { echo "[setup-chromium] FAILED: $*" >&2; echo "FAILED: $*"; exit 1; }

CACHE="$(cd "$(dirname "$0")/.." && pwd)/.cache"
mkdir -p "$CACHE"
# Several vitest runs may start at once; one does the work, the others wait for it.
exec 9>"$CACHE/setup-chromium.lock"
flock 9

CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
  [ "$(id -u)" = 0 ] || fail "Chromium is not installed and this is not root: run 'apt-get install -y chromium' as root"
  log "browser: installing Debian's chromium (first time only) ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || fail "apt-get update"
  apt-get install -y -qq chromium >&2 || fail "apt-get install chromium"
fi
[ -x "$CHROMIUM" ] || fail "no $CHROMIUM after install"
version="$("$CHROMIUM" --version 2>/dev/null || true)"
[ -n "$version" ] || fail "$CHROMIUM does not run"
log "browser: $version"
echo "$CHROMIUM"
