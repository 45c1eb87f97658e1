#!/usr/bin/env bash
# Finds or builds Toxiproxy (the TCP fault proxy the chaos harness puts in front of PostgreSQL and the
# sandbox bank) from Go modules, like scripts/ensure-temporal-server.sh does for the Temporal server.
# Prints the binary's path on stdout; progress goes to stderr. Its main package is called `server`,
# so it is installed with a GOBIN of its own, then renamed to toxiproxy-server. Idempotent: when the
# binary is there and reports the pinned version it answers in milliseconds.
set -euo pipefail

TOXIPROXY_VERSION="${TOXIPROXY_VERSION:-v2.5.0}"
log() { printf '[ensure-toxiproxy] %s\n' "$*" >&2; }

gobin="${GOBIN:-${GOPATH:-$HOME/go}/bin}"
bin="$gobin/toxiproxy-server"

if [ -x "$bin" ] && "$bin" -version 2>/dev/null | grep -q "${TOXIPROXY_VERSION#v}"; then
  echo "$bin"
  exit 0
fi

go_cmd=$(command -v go 2>/dev/null || true)
[ -z "$go_cmd" ] && [ -x /usr/local/go/bin/go ] && go_cmd=/usr/local/go/bin/go
if [ -z "$go_cmd" ]; then
  log "no Go toolchain to build Toxiproxy with: install Go (https://go.dev/dl) and re-run,"
  log "or put toxiproxy-server ($TOXIPROXY_VERSION) into $gobin."
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ensure-toxiproxy.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
pkg="github.com/Shopify/toxiproxy/v2/cmd/server@${TOXIPROXY_VERSION}"
log "building toxiproxy-server from $pkg with $($go_cmd version | awk '{print $3}') — first time only"
# The version is stamped the way Toxiproxy's own Makefile does, so the check above can read it back.
if ! GOBIN="$tmp" "$go_cmd" install \
  -ldflags "-X github.com/Shopify/toxiproxy/v2.Version=${TOXIPROXY_VERSION#v}" "$pkg" >&2; then
  log "go install $pkg failed"
  exit 1
fi
built=$(find "$tmp" -maxdepth 1 -type f -perm -u+x | head -n 1)
[ -n "$built" ] || { log "go install $pkg produced no binary"; exit 1; }
mkdir -p "$gobin"
mv -f "$built" "$bin"
log "built $bin in $(($(date +%s) - start))s"
echo "$bin"
