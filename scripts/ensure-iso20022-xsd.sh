#!/usr/bin/env bash
# Finds the official ISO 20022 XSDs, which are never copied into this repository: the Go module
# github.com/moov-io/iso20022 ships the ISO-generated schemas under docs/specifications/. Downloads
# the module into Go's module cache on first use (`go mod download`, no build), checks that the
# schemas we use are there, and prints the module's directory on stdout (progress goes to stderr).
# Idempotent: once the module is in the cache it answers in milliseconds, without asking Go.
#
#   dir=$(bash scripts/ensure-iso20022-xsd.sh)
#   xmllint --noout --schema "$dir/docs/specifications/payments_initiation_11/pain.001.001.10_1.xsd" file.xml
set -euo pipefail

ISO20022_MODULE=github.com/moov-io/iso20022
ISO20022_VERSION="${ISO20022_VERSION:-v0.2.1}"
log() { printf '[ensure-iso20022-xsd] %s\n' "$*" >&2; }

# The schemas we read (pain: payment initiation and its status report; camt: statements and
# notifications, for reconciliation). Relative to the module's directory.
SCHEMAS=(
  docs/specifications/payments_initiation_11/pain.001.001.10_1.xsd
  docs/specifications/payments_initiation_11/pain.002.001.11.xsd
  docs/specifications/banktocustomer_cash_management_8/camt.053.001.08.xsd
  docs/specifications/banktocustomer_cash_management_8/camt.054.001.08.xsd
)

go_cmd=$(command -v go 2>/dev/null || true)
[ -z "$go_cmd" ] && [ -x /usr/local/go/bin/go ] && go_cmd=/usr/local/go/bin/go

complete() { for s in "${SCHEMAS[@]}"; do [ -f "$1/$s" ] || return 1; done; }

# The module cache without asking Go when the default one has the module already.
if [ -n "${GOMODCACHE:-}" ]; then cache="$GOMODCACHE"
elif [ -n "$go_cmd" ]; then cache=$("$go_cmd" env GOMODCACHE)
else cache="${GOPATH:-$HOME/go}/pkg/mod"; fi
dir="$cache/$ISO20022_MODULE@$ISO20022_VERSION"

if ! complete "$dir"; then
  if [ -z "$go_cmd" ]; then
    log "the ISO 20022 schemas are not in the Go module cache and there is no Go toolchain to fetch them:"
    log "install Go (https://go.dev/dl) and re-run, or run \`go mod download $ISO20022_MODULE@$ISO20022_VERSION\` elsewhere"
    log "and point GOMODCACHE at that cache."
    exit 1
  fi
  log "downloading $ISO20022_MODULE@$ISO20022_VERSION into the module cache (first time only)"
  # Outside any module (a project's go.mod would be edited), and with -mod=mod as for the Temporal
  # server's modules (scripts/ensure-temporal-server.sh); the module proxy's checksum is verified.
  if ! json=$(cd "${TMPDIR:-/tmp}" && GOFLAGS=-mod=mod "$go_cmd" mod download -json "$ISO20022_MODULE@$ISO20022_VERSION"); then
    log "go mod download $ISO20022_MODULE@$ISO20022_VERSION failed"
    exit 1
  fi
  dir=$(printf '%s\n' "$json" | awk -F'"' '/"Dir":/ { print $4 }')
fi

for s in "${SCHEMAS[@]}"; do
  [ -f "$dir/$s" ] || { log "$ISO20022_MODULE@$ISO20022_VERSION has no $s (in ${dir:-?})"; exit 1; }
done
echo "$dir"
