#!/usr/bin/env bash
# Prepares unmodified XMTP clients (@xmtp/node-sdk 6.0.0) as interop test peers.
#
# 1. `npm ci` in test/interop/peer (its own package: node-sdk is ~500 MB, kept out of the
#    main dependencies).
# 2. node-sdk's native binding needs glibc >= 2.38 and Debian 12 has 2.36, so Debian 13's
#    libc6, libgcc-s1 and libstdc++6 are fetched with a private apt configuration (its own
#    sources list, state and cache under .cache/apt; the system's apt config is only read)
#    and unpacked into .cache/glibc. Peers then run under that loader (peerCommand in
#    test/interop/testEnv.ts).
#
# Idempotent and quick when done: each step leaves a stamp and is skipped while it holds.
# Prints progress on stderr; exits non-zero with a reason when a step fails.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="$ROOT/.cache"
PEER_DIR="$ROOT/test/interop/peer"
GLIBC_DIR="$CACHE/glibc"
LIB_DIR="$GLIBC_DIR/usr/lib/x86_64-linux-gnu"
LOADER="$LIB_DIR/ld-linux-x86-64.so.2"
APT_DIR="$CACHE/apt"
PACKAGES=(libc6 libgcc-s1 libstdc++6)
SUITE=trixie

log() { echo "[setup-interop] $*" >&2; }
# The reason also goes to stdout, where test/globalSetup.ts picks it up for the tests.
fail() { echo "[setup-interop] FAILED: $*" >&2; echo "FAILED: $*"; exit 1; }

mkdir -p "$CACHE"
# Several vitest runs may start at once; one does the work, the others wait for it.
exec 9>"$CACHE/setup-interop.lock"
flock -w 780 9 || fail "another setup-interop.sh has held $CACHE/setup-interop.lock for 13 minutes"

[ "$(uname -m)" = x86_64 ] || fail "interop peers are set up for x86_64 only (this is $(uname -m))"

install_peer() {
  local lock_sum stamp="$PEER_DIR/node_modules/.parley-lock.sha256"
  lock_sum="$(sha256sum "$PEER_DIR/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
    log "peer package: installed"
    return
  fi
  log "peer package: npm ci in test/interop/peer (about 500 MB, first time only) ..."
  # node-sdk declares node >=22 but runs on 20 (DESIGN §7); the engine warning is expected.
  (cd "$PEER_DIR" && flock /tmp/parley-npm.lock npm ci --no-audit --no-fund --loglevel=error >&2) \
    || fail "npm ci in test/interop/peer"
  echo "$lock_sum" >"$stamp"
  log "peer package: done"
}

# The Debian archive URI of the system's own apt sources (deb822 *.sources or one-line
# *.list), so that no mirror host is written into the project.
debian_mirror() {
  local files=()
  [ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
  for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || return 1
  awk '
    function debian_suite(s) { return s ~ /^(bullseye|bookworm|trixie|forky|sid|stable|testing|unstable|oldstable)(-updates)?$/ }
    function flush() {
      if (uris != "" && types ~ /(^| )deb( |$)/ && enabled !~ /^[Nn]o/) {
        n = split(suites, s, " ")
        for (i = 1; i <= n; i++) if (debian_suite(s[i])) { split(uris, u, " "); print u[1]; exit }
      }
      uris = ""; suites = ""; types = ""; enabled = ""
    }
    FNR == 1 { flush() }
    /^[ \t]*#/ { next }
    /^[ \t]*$/ { flush(); next }
    /^deb[ \t]/ {
      line = $0; sub(/\[[^]]*\]/, "", line); split(line, f, /[ \t]+/)
      if (debian_suite(f[3])) { print f[2]; exit }
      next
    }
    /^URIs:/    { sub(/^URIs:[ \t]*/, "");    uris = $0 }
    /^Suites:/  { sub(/^Suites:[ \t]*/, "");  suites = $0 }
    /^Types:/   { sub(/^Types:[ \t]*/, "");   types = $0 }
    /^Enabled:/ { sub(/^Enabled:[ \t]*/, ""); enabled = $0 }
    END { flush() }
  ' "${files[@]}" | head -n1
}

install_glibc() {
  local stamp="$GLIBC_DIR/.parley-complete"
  if [ -f "$stamp" ] && [ -x "$LOADER" ]; then
    log "glibc loader: present ($(cat "$stamp"))"
    return
  fi
  local mirror
  mirror="$(debian_mirror)" || true
  [ -n "$mirror" ] || fail "no Debian archive found in the system's apt sources (/etc/apt)"
  log "glibc loader: fetching ${PACKAGES[*]} from Debian $SUITE ..."

  mkdir -p "$APT_DIR/etc/sources.list.d" "$APT_DIR/etc/preferences.d" \
    "$APT_DIR/state/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $SUITE main" \
    >"$APT_DIR/etc/sources.list"
  : >"$APT_DIR/state/status"
  # Own sources, state, cache and an empty dpkg status: nothing of the system's apt state
  # is read or written. apt.conf.d still applies, so the system's network settings hold.
  local apt_opts=(
    -o "Dir::Etc::SourceList=$APT_DIR/etc/sources.list"
    -o "Dir::Etc::SourceParts=$APT_DIR/etc/sources.list.d"
    -o "Dir::Etc::Preferences=$APT_DIR/etc/preferences"
    -o "Dir::Etc::PreferencesParts=$APT_DIR/etc/preferences.d"
    -o "Dir::State=$APT_DIR/state"
    -o "Dir::State::Lists=$APT_DIR/state/lists"
    -o "Dir::State::status=$APT_DIR/state/status"
    -o "Dir::Cache=$APT_DIR/cache"
    -o "Dir::Cache::Archives=$APT_DIR/cache/archives"
    -o "Acquire::Languages=none"
    -o "APT::Sandbox::User=root"
    -o "Debug::NoLocking=1"
  )
  apt-get "${apt_opts[@]}" -qq update >&2 || fail "apt-get update of the private $SUITE sources"
  rm -f "$APT_DIR/debs"/*.deb
  (cd "$APT_DIR/debs" && apt-get "${apt_opts[@]}" -qq download "${PACKAGES[@]}" >&2) \
    || fail "apt-get download ${PACKAGES[*]} from $SUITE"

  rm -rf "$GLIBC_DIR.tmp"
  mkdir -p "$GLIBC_DIR.tmp"
  local deb versions=()
  for deb in "$APT_DIR/debs"/*.deb; do
    dpkg -x "$deb" "$GLIBC_DIR.tmp" || fail "dpkg -x $deb"
    versions+=("$(basename "$deb" .deb)")
  done
  [ -x "$GLIBC_DIR.tmp/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" ] \
    || fail "the unpacked packages hold no ld-linux-x86-64.so.2"
  rm -rf "$GLIBC_DIR"
  mv "$GLIBC_DIR.tmp" "$GLIBC_DIR"
  echo "${versions[*]}" >"$stamp"
  log "glibc loader: done (${versions[*]})"
}

# Every library the binding and node itself link must resolve under the new loader.
check_libraries() {
  local binding
  binding="$PEER_DIR/node_modules/@xmtp/node-bindings/dist/bindings_node.linux-x64-gnu.node"
  [ -f "$binding" ] || fail "node-sdk's binding is missing: $binding"
  local file missing
  for file in "$binding" "$(command -v node)"; do
    missing="$("$LOADER" --library-path "$LIB_DIR" --list "$file" 2>&1 | grep -E 'not found|error' || true)"
    [ -z "$missing" ] || fail "under the $SUITE loader, $file cannot load: $missing"
  done
}

# The real proof: node-sdk loads under the new loader and reports its libxmtp version.
check_peer_loads() {
  local out
  out="$("$LOADER" --library-path "$LIB_DIR" "$(command -v node)" "$PEER_DIR/driver.mjs" --check 2>&1)" \
    || fail "node-sdk does not load under the $SUITE loader: $( (echo "$out" | grep -m2 -E 'Error|error|not found' || echo "$out" | tail -n 3) | tr '\n' ' ')"
  log "peer: $out"
}

install_peer
install_glibc
check_libraries
check_peer_loads
