#!/usr/bin/env bash
# Build a real kube-apiserver and etcd from Go modules (no GitHub / dl.k8s.io needed: only the
# Go module proxy), for the real-apiserver test suite (test/real-kube, test/support/real-kube.ts).
#
#   scripts/build-kube-binaries.sh            # build (or reuse) the pinned versions
#   RUNBOOK_KUBE_VERSION=v1.36.3 scripts/build-kube-binaries.sh
#
# Output: ${RUNBOOK_KUBE_CACHE:-$HOME/.cache/runbook-engine/kube}/<k8s-version>/bin/{kube-apiserver,etcd}
# Skips the build when both binaries exist. Idempotent and safe to run concurrently (flock).
# The throwaway Go modules live under the cache dir, never in the repository.
#
# Environment:
#   RUNBOOK_KUBE_VERSION   k8s.io/kubernetes release (default below; must be served by the Go proxy)
#   RUNBOOK_ETCD_VERSION   go.etcd.io/etcd/server/v3 release (default below)
#   RUNBOOK_KUBE_CACHE     cache root
#   RUNBOOK_KUBE_FORCE=1   rebuild even if the binaries exist
#   RUNBOOK_KUBE_NICE      niceness for the go builds (default 10)
#   RUNBOOK_KUBE_GOCACHE   Go build cache to use and keep; by default a private one under the cache
#                          dir is used and deleted after a successful build (it is ~3 GB and only
#                          useful for rebuilding this exact version). Modules go to the usual GOMODCACHE.
#
# Measured (v1.37.2 + etcd v3.6.16, Go 1.26, 2 cores, cold caches): ~22 min wall under load
# (~16 CPU-min), peak RSS 2.3 GB; downloads ~830 MB of modules; binaries 140 MB.
set -euo pipefail

K8S_VERSION="${RUNBOOK_KUBE_VERSION:-v1.37.2}"
ETCD_VERSION="${RUNBOOK_ETCD_VERSION:-v3.6.16}"
CACHE_ROOT="${RUNBOOK_KUBE_CACHE:-$HOME/.cache/runbook-engine/kube}"
NICE="${RUNBOOK_KUBE_NICE:-10}"

case "$K8S_VERSION" in
  v1.*.*) ;;
  *) echo "RUNBOOK_KUBE_VERSION must look like v1.X.Y (got '$K8S_VERSION')" >&2; exit 2 ;;
esac
# Published staging modules (k8s.io/api, k8s.io/apiserver, ...) carry v0.X.Y for release v1.X.Y.
STAGING_VERSION="v0.${K8S_VERSION#v1.}"

VERSION_DIR="$CACHE_ROOT/$K8S_VERSION"
BIN_DIR="$VERSION_DIR/bin"
WORK_DIR="$VERSION_DIR/work"
APISERVER="$BIN_DIR/kube-apiserver"
ETCD="$BIN_DIR/etcd"

have_binaries() { [[ -x "$APISERVER" && -x "$ETCD" ]]; }

if [[ "${RUNBOOK_KUBE_FORCE:-0}" != 1 ]] && have_binaries; then
  echo "kube binaries already built: $BIN_DIR"
  exit 0
fi

command -v go >/dev/null || { echo "go is required (Go >= 1.26 for Kubernetes >= 1.37)" >&2; exit 1; }

mkdir -p "$BIN_DIR" "$WORK_DIR"

# One build per version at a time; a second run waits, then finds the binaries and exits.
exec 9>"$VERSION_DIR/.build.lock"
if command -v flock >/dev/null; then
  flock 9
  if [[ "${RUNBOOK_KUBE_FORCE:-0}" != 1 ]] && have_binaries; then
    echo "kube binaries already built (by a concurrent run): $BIN_DIR"
    exit 0
  fi
fi

# Never let a GOFLAGS/GOWORK from the caller (or a go.work above the cache dir) leak into the build.
export GOWORK=off
export GOFLAGS="-trimpath -mod=mod -buildvcs=false"
export CGO_ENABLED=0
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
LDFLAGS_BASE="-s -w"
if [[ -n "${RUNBOOK_KUBE_GOCACHE:-}" ]]; then
  export GOCACHE="$RUNBOOK_KUBE_GOCACHE"; private_gocache=""
else
  export GOCACHE="$WORK_DIR/gocache"; private_gocache="$GOCACHE"
fi

log() { printf '[build-kube-binaries %(%H:%M:%S)T] %s\n' -1 "$*"; }
gobuild() { nice -n "$NICE" go "$@"; }

start_all=$SECONDS
log "go: $(go version); cache: $VERSION_DIR"

# ---------------------------------------------------------------- kube-apiserver
if [[ "${RUNBOOK_KUBE_FORCE:-0}" == 1 || ! -x "$APISERVER" ]]; then
  start=$SECONDS
  mod="$WORK_DIR/kube-apiserver"
  rm -rf "$mod"; mkdir -p "$mod"
  log "resolving k8s.io/kubernetes@$K8S_VERSION"
  gomod_file="$(cd "$mod" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" \
    | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -f "$gomod_file" ]] || { echo "could not download k8s.io/kubernetes@$K8S_VERSION go.mod" >&2; exit 1; }
  go_directive="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$gomod_file" | head -1)"

  # Every staging module k8s.io/kubernetes replaces with ./staging/src/... -> its published release.
  mapfile -t staging < <(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/src/.*#\1#p' "$gomod_file")
  ((${#staging[@]} > 0)) || { echo "no staging replaces found in $gomod_file" >&2; exit 1; }
  {
    echo "module runbook-engine.local/kube-apiserver-build"
    echo
    echo "go ${go_directive:-1.26.0}"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    for m in "${staging[@]}"; do echo "	$m => $m $STAGING_VERSION"; done
    echo ")"
  } > "$mod/go.mod"
  log "kube-apiserver: ${#staging[@]} staging modules -> $STAGING_VERSION; building (slow: ~15-25 min on 2 cores)"

  version_pkg="k8s.io/component-base/version"
  minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  ldflags="$LDFLAGS_BASE -X $version_pkg.gitVersion=$K8S_VERSION -X $version_pkg.gitMajor=1 -X $version_pkg.gitMinor=$minor"
  ldflags+=" -X $version_pkg.gitTreeState=clean -X $version_pkg.buildDate=1970-01-01T00:00:00Z"
  (cd "$mod" && gobuild build -ldflags "$ldflags" -o "$APISERVER.tmp" k8s.io/kubernetes/cmd/kube-apiserver)
  mv -f "$APISERVER.tmp" "$APISERVER"
  log "kube-apiserver built in $((SECONDS - start))s: $("$APISERVER" --version 2>/dev/null || true)"
fi

# ---------------------------------------------------------------- etcd
if [[ "${RUNBOOK_KUBE_FORCE:-0}" == 1 || ! -x "$ETCD" ]]; then
  start=$SECONDS
  mod="$WORK_DIR/etcd"
  rm -rf "$mod"; mkdir -p "$mod"
  # go.etcd.io/etcd/server/v3 has a `package main` at its root (server/main.go -> etcdmain.Main).
  # A throwaway module ignores etcd's own ../api-style replaces; the sibling modules resolve to
  # the same published versions via MVS.
  cat > "$mod/go.mod" <<EOF
module runbook-engine.local/etcd-build

go 1.25

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
EOF
  log "etcd: building go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  (cd "$mod" && gobuild build -ldflags "$LDFLAGS_BASE" -o "$ETCD.tmp" go.etcd.io/etcd/server/v3)
  mv -f "$ETCD.tmp" "$ETCD"
  log "etcd built in $((SECONDS - start))s: $("$ETCD" --version 2>/dev/null | head -1 || true)"
fi

cat > "$VERSION_DIR/VERSIONS" <<EOF
kubernetes=$K8S_VERSION
etcd=$ETCD_VERSION
go=$(go env GOVERSION)
EOF
if [[ -n "$private_gocache" ]]; then
  chmod -R u+w "$private_gocache" 2>/dev/null || true
  rm -rf "$private_gocache"
fi
log "done in $((SECONDS - start_all))s: $BIN_DIR ($(du -sh "$BIN_DIR" | cut -f1))"
