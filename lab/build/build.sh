#!/usr/bin/env bash
# Builds one lab component from the Go module proxy into the versioned cache.
#   build.sh <kubernetes|etcd|kwok>
# Output dir: $PV_LAB_CACHE/<component>-<version>/bin, marker file .complete when done.
# Progress: `go build -v` prints each package as it compiles; the caller (lab/build/index.ts) counts them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=/dev/null
source "$here/versions.env"
cache="${PV_LAB_CACHE:-$HOME/.cache/platform-validation}"
component="${1:?usage: build.sh <kubernetes|etcd|kwok>}"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
jobs="${PV_LAB_BUILD_JOBS:-2}"

command -v go >/dev/null || { echo "error: 'go' not found on PATH; install Go >= 1.24 (Debian: golang-go, or go.dev)" >&2; exit 2; }

case "$component" in
  kubernetes)
    ver="$KUBERNETES_VERSION"; minor_patch="${ver#v1.}"   # 34.4
    out="$cache/kubernetes-$ver"; src="$out/src"
    [ -f "$out/.complete" ] && { echo "kubernetes $ver already built in $out"; exit 0; }
    mkdir -p "$src" "$out/bin"
    echo "step: download k8s.io/kubernetes@$ver"
    dir="$(cd "$src" && go mod download -json "k8s.io/kubernetes@$ver" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
    [ -n "$dir" ] && [ -f "$dir/go.mod" ] || { echo "error: could not download k8s.io/kubernetes@$ver" >&2; exit 3; }
    # Staging modules: every `k8s.io/x => ./staging/src/k8s.io/x` line of the upstream replace block.
    staging="$(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/.*#\1#p' "$dir/go.mod")"
    [ -n "$staging" ] || { echo "error: no staging replace block in $dir/go.mod" >&2; exit 3; }
    {
      echo "module pvlab/k8s"; echo; echo "go 1.24.0"; echo
      echo "require k8s.io/kubernetes $ver"; echo
      echo "replace ("
      for m in $staging; do echo "	$m v0.0.0 => $m v0.$minor_patch"; done
      echo ")"
    } > "$src/go.mod"
    cat > "$src/tools.go" <<GO
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
    echo "step: resolve modules (go mod tidy)"
    (cd "$src" && go mod tidy -e >/dev/null 2>"$out/tidy.log" || { cat "$out/tidy.log" >&2; exit 4; })
    major="${minor_patch%%.*}"; major=1; minor="${ver#v1.}"; minor="${minor%%.*}"
    now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    ld="-s -w"
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ld="$ld -X $p.gitVersion=$ver -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitCommit=0000000000000000000000000000000000000000 -X $p.gitTreeState=clean -X $p.buildDate=$now"
    done
    echo "step: compile kube-apiserver kube-controller-manager kube-scheduler kubectl"
    (cd "$src" && go build -p "$jobs" -v -trimpath -ldflags="$ld" -o "$out/bin/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl 2>&1)
    ;;
  etcd)
    ver="$ETCD_VERSION"; out="$cache/etcd-$ver"; src="$out/src"
    [ -f "$out/.complete" ] && { echo "etcd $ver already built in $out"; exit 0; }
    mkdir -p "$src" "$out/bin"
    # etcd's own go.mod files carry relative replace directives, so `go install` refuses them;
    # a wrapper module requiring the published server/etcdctl modules builds them as dependencies.
    cat > "$src/go.mod" <<MOD
module pvlab/etcd

go 1.24.0

require (
	go.etcd.io/etcd/server/v3 $ver
	go.etcd.io/etcd/etcdctl/v3 $ver
)
MOD
    cat > "$src/tools.go" <<GO
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "go.etcd.io/etcd/etcdctl/v3"
)
GO
    echo "step: resolve modules (go mod tidy)"
    (cd "$src" && go mod tidy -e >/dev/null 2>"$out/tidy.log" || { cat "$out/tidy.log" >&2; exit 4; })
    echo "step: compile etcd etcdctl"
    (cd "$src" && go build -p "$jobs" -v -trimpath -ldflags="-s -w" -o "$out/bin/etcd" go.etcd.io/etcd/server/v3 2>&1)
    (cd "$src" && go build -p "$jobs" -v -trimpath -ldflags="-s -w" -o "$out/bin/etcdctl" go.etcd.io/etcd/etcdctl/v3 2>&1)
    ;;
  kwok)
    ver="$KWOK_VERSION"; out="$cache/kwok-$ver"
    [ -f "$out/.complete" ] && { echo "kwok $ver already built in $out"; exit 0; }
    mkdir -p "$out/bin"
    echo "step: compile kwok"
    GOBIN="$out/bin" GOFLAGS= go install -p "$jobs" -v -trimpath -ldflags="-s -w" "sigs.k8s.io/kwok/cmd/kwok@$ver" 2>&1
    # kwok alone neither installs its CRDs nor ships default stages (kwokctl does): take both
    # from the same module version.
    echo "step: copy kwok CRDs and default stages"
    dir="$(cd "$out" && GOFLAGS= go mod download -json "sigs.k8s.io/kwok@$ver" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
    [ -d "$dir/kustomize/crd/bases" ] || { echo "error: kwok module source not found for $ver" >&2; exit 3; }
    rm -rf "$out/share" && mkdir -p "$out/share/crds"
    cp "$dir"/kustomize/crd/bases/*.yaml "$out/share/crds/"
    chmod -R u+w "$out/share"
    : > "$out/share/stages.yaml"
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
             pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      { echo "---"; cat "$dir/kustomize/stage/$f"; } >> "$out/share/stages.yaml"
    done
    ;;
  *) echo "error: unknown component '$component' (expected kubernetes, etcd or kwok)" >&2; exit 2 ;;
esac
date -u +%Y-%m-%dT%H:%M:%SZ > "$out/.complete"
echo "done: $component $ver -> $out/bin"
