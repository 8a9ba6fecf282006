#!/usr/bin/env bash
# Makes Debian's `chromium` and `firefox-esr` ready for the extension's end-to-end tests
# (playwright-core drives Chromium, puppeteer-core Firefox; no browser is ever downloaded:
# DESIGN §7). Prints `chromium PATH` and `firefox PATH` on stdout, one line each; progress
# goes to stderr.
#
# Installs the packages when missing (root; `apt-get update` first). Idempotent, and quick
# when both are already there.
set -euo pipefail

log() { echo "[setup-browsers] $*" >&2; }
# The reason also goes to stdout, where test/globalSetup.ts picks it up for the tests.
fail() { echo "[setup-browsers] FAILED: $*" >&2; echo "FAILED: $*"; exit 1; }

CACHE="$(cd "$(dirname "$0")/.." && pwd)/.cache"
mkdir -p "$CACHE"
# Several vitest runs may start at once; one does the work, the others wait for it. What
# apt installs runs with fd 9 closed, so a service it starts cannot keep holding the lock.
exec 9>"$CACHE/setup-browsers.lock"
flock -w 780 9 || fail "another setup-browsers.sh has held $CACHE/setup-browsers.lock for 13 minutes"

CHROMIUM=/usr/bin/chromium
FIREFOX=/usr/bin/firefox-esr
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
[ -x "$FIREFOX" ] || missing+=(firefox-esr)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || fail "${missing[*]} not installed and this is not root: run 'apt-get install -y ${missing[*]}' as root"
  log "browsers: installing Debian's ${missing[*]} (first time only) ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || fail "apt-get update"
  apt-get install -y -qq "${missing[@]}" >&2 9>&- || fail "apt-get install ${missing[*]}"
fi
for browser in "$CHROMIUM" "$FIREFOX"; do
  [ -x "$browser" ] || fail "no $browser after install"
  # Chromium's wrapper script complains on stderr about this machine's memory size; harmless.
  version="$("$browser" --version 2>/dev/null || true)"
  [ -n "$version" ] || fail "$browser does not run"
  log "browser: $version"
done
echo "chromium $CHROMIUM"
echo "firefox $FIREFOX"
