#!/usr/bin/env bash
# Build the real Temporal server and its SQL schema tool from the Go module proxy (no Docker, no
# GitHub release downloads), for the production topology (`npm run prod:local`, test/prod-topology).
#
#   scripts/build-temporal-server.sh                 # build (or reuse) the pinned version
#   RUNBOOK_TEMPORAL_SERVER_VERSION=v1.32.2 scripts/build-temporal-server.sh
#
# Output: ${RUNBOOK_TEMPORAL_CACHE:-$HOME/.cache/runbook-engine/temporal}/<version>/bin/{temporal-server,temporal-sql-tool}
# plus the server's own schema directory (schema/postgresql/...) copied from the module.
# Skips the build when both binaries exist. Idempotent and safe to run concurrently (flock).
#
# The version matches the server inside the Temporal CLI the dev mode uses (temporal 1.9.1 =
# Server 1.32.0), so dev and production run the same server.
set -euo pipefail

VERSION="${RUNBOOK_TEMPORAL_SERVER_VERSION:-v1.32.0}"
CACHE_ROOT="${RUNBOOK_TEMPORAL_CACHE:-$HOME/.cache/runbook-engine/temporal}"
NICE="${RUNBOOK_TEMPORAL_NICE:-10}"

case "$VERSION" in
  v1.*.*) ;;
  *) echo "RUNBOOK_TEMPORAL_SERVER_VERSION must look like v1.X.Y (got '$VERSION')" >&2; exit 2 ;;
esac

VERSION_DIR="$CACHE_ROOT/$VERSION"
BIN_DIR="$VERSION_DIR/bin"
WORK_DIR="$VERSION_DIR/work"
SERVER="$BIN_DIR/temporal-server"
SQL_TOOL="$BIN_DIR/temporal-sql-tool"
SCHEMA_DIR="$VERSION_DIR/schema"

have_binaries() { [[ -x "$SERVER" && -x "$SQL_TOOL" && -d "$SCHEMA_DIR/postgresql" ]]; }

if [[ "${RUNBOOK_TEMPORAL_FORCE:-0}" != 1 ]] && have_binaries; then
  echo "temporal server already built: $BIN_DIR"
  exit 0
fi

command -v go >/dev/null || { echo "go is required (Go >= 1.26.8 for Temporal server $VERSION)" >&2; exit 1; }
mkdir -p "$BIN_DIR" "$WORK_DIR"

exec 9>"$VERSION_DIR/.build.lock"
if command -v flock >/dev/null; then
  flock 9
  if [[ "${RUNBOOK_TEMPORAL_FORCE:-0}" != 1 ]] && have_binaries; then
    echo "temporal server already built (by a concurrent run): $BIN_DIR"
    exit 0
  fi
fi

export GOWORK=off
export GOFLAGS="-trimpath -mod=mod -buildvcs=false"
export CGO_ENABLED=0
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export GOCACHE="${RUNBOOK_TEMPORAL_GOCACHE:-$WORK_DIR/gocache}"

log() { printf '[build-temporal-server %(%H:%M:%S)T] %s\n' -1 "$*"; }
start=$SECONDS
mod="$WORK_DIR/mod"
rm -rf "$mod"; mkdir -p "$mod"
cat > "$mod/go.mod" <<MOD
module runbook-engine.local/temporal-server-build

go 1.26.8

require go.temporal.io/server $VERSION
MOD
log "go: $(go version); building go.temporal.io/server@$VERSION (server + temporal-sql-tool)"
(cd "$mod" && nice -n "$NICE" go build -ldflags "-s -w" -o "$SERVER.tmp" go.temporal.io/server/cmd/server)
mv -f "$SERVER.tmp" "$SERVER"
(cd "$mod" && nice -n "$NICE" go build -ldflags "-s -w" -o "$SQL_TOOL.tmp" go.temporal.io/server/cmd/tools/sql)
mv -f "$SQL_TOOL.tmp" "$SQL_TOOL"

# The versioned schema ships inside the module: the sql tool applies it, nothing hand-written.
module_dir="$(cd "$mod" && go list -m -f '{{.Dir}}' go.temporal.io/server)"
rm -rf "$SCHEMA_DIR"; mkdir -p "$SCHEMA_DIR"
cp -R "$module_dir/schema/postgresql" "$SCHEMA_DIR/postgresql"
chmod -R u+w "$SCHEMA_DIR"
echo "temporal-server=$VERSION" > "$VERSION_DIR/VERSIONS"
echo "go=$(go env GOVERSION)" >> "$VERSION_DIR/VERSIONS"
if [[ -z "${RUNBOOK_TEMPORAL_GOCACHE:-}" ]]; then chmod -R u+w "$GOCACHE" 2>/dev/null || true; rm -rf "$GOCACHE"; fi
log "done in $((SECONDS - start))s: $BIN_DIR ($(du -sh "$BIN_DIR" | cut -f1))"
