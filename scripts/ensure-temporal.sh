#!/usr/bin/env bash
# Finds the Temporal CLI (dev server + Web UI) or builds it from Go modules, then prints its path on
# stdout (progress goes to stderr). Order: the first argument, $TEMPORAL_CLI, `temporal` on PATH, $HOME/go/bin/temporal,
# else `go install`. Idempotent: once built, it answers in milliseconds.
set -euo pipefail

TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
[ -n "${1:-}" ] && TEMPORAL_CLI="$1"
log() { printf '[ensure-temporal] %s\n' "$*" >&2; }

usable() { [ -n "${1:-}" ] && [ -x "$1" ] && "$1" --version >/dev/null 2>&1; }

if [ -n "${TEMPORAL_CLI:-}" ]; then
  if usable "$TEMPORAL_CLI"; then echo "$TEMPORAL_CLI"; exit 0; fi
  log "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable Temporal CLI"; exit 1
fi
if on_path=$(command -v temporal 2>/dev/null) && usable "$on_path"; then echo "$on_path"; exit 0; fi

gobin="${GOBIN:-${GOPATH:-$HOME/go}/bin}"
if usable "$gobin/temporal"; then echo "$gobin/temporal"; exit 0; fi

go_cmd=$(command -v go 2>/dev/null || true)
[ -z "$go_cmd" ] && [ -x /usr/local/go/bin/go ] && go_cmd=/usr/local/go/bin/go
if [ -z "$go_cmd" ]; then
  log "no Temporal CLI found and no Go toolchain to build it."
  log "Install one of:"
  log "  - Go >= 1.25 (https://go.dev/dl), then re-run: it builds the CLI for you;"
  log "  - the Temporal CLI itself, on PATH or via TEMPORAL_CLI=/path/to/temporal."
  exit 1
fi

log "building the Temporal CLI $TEMPORAL_CLI_VERSION with $($go_cmd version) — first time only, several minutes on 2 cores"
log "(modules cache: $($go_cmd env GOMODCACHE); the binary lands in $gobin)"
start=$(date +%s)
# -v lists each package as it compiles: that is the progress indicator.
if ! GOBIN="$gobin" "$go_cmd" install -v "github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}" 2>&1 \
  | awk '{ n++; if (n % 50 == 0) { printf "[ensure-temporal] … %d packages compiled (%s)\n", n, $0; fflush() } }' >&2; then
  log "go install failed"; exit 1
fi
if ! usable "$gobin/temporal"; then log "build finished but $gobin/temporal does not run"; exit 1; fi
log "built $gobin/temporal in $(( $(date +%s) - start ))s"
echo "$gobin/temporal"
