#!/usr/bin/env bash
# Finds or builds stripe-mock (Stripe's official mock API server: validates every request against
# Stripe's OpenAPI, keeps no state) from its Go module, like scripts/ensure-toxiproxy.sh does for
# Toxiproxy. Prints the binary's path on stdout; progress goes to stderr. Idempotent: when the binary
# is there and reports the pinned version it answers in milliseconds.
#
#   bin=$(bash scripts/ensure-stripe-mock.sh)
#   "$bin" -http-addr 127.0.0.1:12111     # plain HTTP on loopback only (no HTTPS listener)
set -euo pipefail

STRIPE_MOCK_VERSION="${STRIPE_MOCK_VERSION:-v0.203.0}"
log() { printf '[ensure-stripe-mock] %s\n' "$*" >&2; }

gobin="${GOBIN:-${GOPATH:-$HOME/go}/bin}"
bin="$gobin/stripe-mock"

# `-version` prints "stripe-mock <version>"; the version is stamped below, a plain `go install`
# would say "master".
if [ -x "$bin" ] && "$bin" -version 2>/dev/null | grep -q "${STRIPE_MOCK_VERSION#v}"; then
  echo "$bin"
  exit 0
fi

go_cmd=$(command -v go 2>/dev/null || true)
[ -z "$go_cmd" ] && [ -x /usr/local/go/bin/go ] && go_cmd=/usr/local/go/bin/go
if [ -z "$go_cmd" ]; then
  log "no Go toolchain to build stripe-mock with: install Go (https://go.dev/dl) and re-run,"
  log "or put stripe-mock ($STRIPE_MOCK_VERSION, reporting that version with -version) into $gobin."
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ensure-stripe-mock.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
pkg="github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}"
log "building stripe-mock from $pkg with $($go_cmd version | awk '{print $3}') — first time only, about 2 minutes on 2 cores"
# -v lists each package as it compiles: that is the progress indicator. The version is stamped the
# way stripe-mock's own release build (GoReleaser) does, so the check above can read it back.
if ! GOBIN="$tmp" "$go_cmd" install -v -ldflags "-X main.version=${STRIPE_MOCK_VERSION#v}" "$pkg" 2>&1 |
  awk '{ n++; if (n % 20 == 0) { printf "[ensure-stripe-mock] … %d packages compiled (%s)\n", n, $0; fflush() } }' >&2; then
  log "go install $pkg failed"
  exit 1
fi
built="$tmp/stripe-mock"
[ -x "$built" ] || { log "go install $pkg produced no binary"; exit 1; }
mkdir -p "$gobin"
mv -f "$built" "$bin"
log "built $bin in $(($(date +%s) - start))s"
echo "$bin"
