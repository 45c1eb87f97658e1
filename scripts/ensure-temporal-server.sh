#!/usr/bin/env bash
# Finds or builds the real Temporal engine for `make cluster` (not the dev server): the server, its
# SQL schema tool and the Web UI server, all from Go modules, like scripts/ensure-temporal.sh does
# for the CLI. Prints, on stdout, one `name=value` line each:
#
#   server=…/temporal-server  sql=…/temporal-sql-tool  ui=…/temporal-ui-server
#   schema=<module cache>/go.temporal.io/server@v1.29.1/schema/postgresql/v12   (temporal/, visibility/)
#   ui_root=<module cache>/github.com/temporalio/ui-server/v2@v2.42.1            (its config/ templates)
#
# Progress goes to stderr. Binaries land in $GOBIN or $HOME/go/bin. Two of the main packages are
# called `server`, so each is installed with a GOBIN of its own, then renamed. Idempotent: when the
# binaries are there (and answer) it answers in milliseconds; the module and build caches make a
# rebuild after a version bump fast.
set -euo pipefail

TEMPORAL_SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-v1.29.1}"
TEMPORAL_UI_SERVER_VERSION="${TEMPORAL_UI_SERVER_VERSION:-v2.42.1}"
log() { printf '[ensure-temporal-server] %s\n' "$*" >&2; }

gobin="${GOBIN:-${GOPATH:-$HOME/go}/bin}"
server_bin="$gobin/temporal-server"
sql_bin="$gobin/temporal-sql-tool"
ui_bin="$gobin/temporal-ui-server"

go_cmd=$(command -v go 2>/dev/null || true)
[ -z "$go_cmd" ] && [ -x /usr/local/go/bin/go ] && go_cmd=/usr/local/go/bin/go
need_go() {
  [ -n "$go_cmd" ] && return 0
  log "no Go toolchain to build the Temporal server with."
  log "Install Go >= 1.25 (https://go.dev/dl) and re-run, or put temporal-server, temporal-sql-tool and"
  log "temporal-ui-server ($TEMPORAL_SERVER_VERSION / ui-server $TEMPORAL_UI_SERVER_VERSION) into $gobin."
  exit 1
}

# A binary counts when it runs and reports the pinned version (a stale one gets rebuilt).
server_ok() { [ -x "$server_bin" ] && "$server_bin" --version 2>/dev/null | grep -q "${TEMPORAL_SERVER_VERSION#v}"; }
sql_ok() { [ -x "$sql_bin" ] && "$sql_bin" --version 2>/dev/null | grep -q "${TEMPORAL_SERVER_VERSION#v}"; }
ui_ok() { [ -x "$ui_bin" ] && "$ui_bin" --version 2>/dev/null | grep -q "${TEMPORAL_UI_SERVER_VERSION#v}"; }

# go install <pkg>@<version> into a private GOBIN, then moved to $gobin/<name>.
build() {
  local name="$1" pkg="$2" target="$gobin/$1" tmp start
  need_go
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/ensure-temporal-server.XXXXXX")
  start=$(date +%s)
  log "building $name from $pkg with $($go_cmd version | awk '{print $3}') — first time only, minutes on 2 cores"
  if ! GOBIN="$tmp" "$go_cmd" install -v "$pkg" 2>&1 |
    awk -v n="$name" '{ c++; if (c % 100 == 0) { printf "[ensure-temporal-server] %s: … %d packages compiled\n", n, c; fflush() } }' >&2; then
    rm -rf "$tmp"
    log "go install $pkg failed"
    exit 1
  fi
  local built
  built=$(find "$tmp" -maxdepth 1 -type f -perm -u+x | head -n 1)
  if [ -z "$built" ]; then
    rm -rf "$tmp"
    log "go install $pkg produced no binary"
    exit 1
  fi
  mkdir -p "$gobin"
  mv -f "$built" "$target"
  rm -rf "$tmp"
  log "built $target in $(($(date +%s) - start))s"
}

# The three builds share one module cache; run the missing ones one after the other (2 cores).
server_ok || build temporal-server "go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}"
sql_ok || build temporal-sql-tool "go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}"
ui_ok || build temporal-ui-server "github.com/temporalio/ui-server/v2/cmd/server@${TEMPORAL_UI_SERVER_VERSION}"
for b in "$server_bin" "$sql_bin" "$ui_bin"; do
  [ -x "$b" ] || { log "$b is missing after the build"; exit 1; }
done

# The schema files and the UI's config templates ship inside the modules: find them in the module
# cache (without asking Go when the default cache has them), downloading the module when absent.
modcache() {
  if [ -n "${GOMODCACHE:-}" ]; then echo "$GOMODCACHE"
  elif [ -n "$go_cmd" ]; then "$go_cmd" env GOMODCACHE
  else echo "${GOPATH:-$HOME/go}/pkg/mod"; fi
}
cache=$(modcache)
module_dir() {
  local module="$1" version="$2" probe="$3" dir
  dir="$cache/$module@$version"
  if [ ! -e "$dir/$probe" ]; then
    need_go
    log "downloading $module@$version into the module cache"
    dir=$(cd "${TMPDIR:-/tmp}" && GOFLAGS=-mod=mod "$go_cmd" mod download -json "$module@$version" |
      awk -F'"' '/"Dir":/ { print $4 }')
  fi
  [ -e "$dir/$probe" ] || { log "$module@$version has no $probe"; exit 1; }
  echo "$dir"
}
server_module=$(module_dir go.temporal.io/server "$TEMPORAL_SERVER_VERSION" schema/postgresql/v12/temporal/versioned)
ui_module=$(module_dir github.com/temporalio/ui-server/v2 "$TEMPORAL_UI_SERVER_VERSION" config/docker.yaml)

echo "server=$server_bin"
echo "sql=$sql_bin"
echo "ui=$ui_bin"
echo "schema=$server_module/schema/postgresql/v12"
echo "ui_root=$ui_module"
