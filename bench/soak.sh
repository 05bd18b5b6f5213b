#!/usr/bin/env bash
# Load and soak test (issue 7), loopback only, bounded in requests and time (under 10 minutes):
# starts the packaged service, measures its capacity (closed loop), drives it at 2 x capacity for a
# fixed time and then at capacity for >= 10,000 requests, and reports accepted requests, 429s (each
# must carry Retry-After), 5xx (must be 0), p50/p99 of accepted requests, correctness of every
# accepted response against a reference, and the service's RSS before, during and after with a
# growth trend (the JVM's own native memory, from -XX:NativeMemoryTracking, apart from the rest: libtorch
# and glibc). Ends with SIGTERM: the service must drain and exit 0.
#
#   bench/soak.sh            full run; writes bench/results/soak-<date>.md (not in CI: ~8 minutes)
#   bench/soak.sh --smoke    about 2 minutes, smaller counts; writes bench/out/soak/report.md only
#
# The service runs with the allocator of the images (Dockerfile.jvm): tcmalloc (bin/serve preloads it).
# SOAK_MALLOC=glibc-mmap runs it on glibc with MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 (the
# images' setting before tcmalloc), SOAK_MALLOC=glibc with MALLOC_ARENA_MAX=2 only, to see the difference;
# the result file then names the allocator.
# Environment: SOAK_MODELS (default: a tiny two-member ensemble made by bench/make_soak_ensemble.py,
# see there why), SOAK_PORT (18090), TRAINER_PYTHON (/usr/bin/python3 with torch and numpy).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=full
[[ "${1:-}" == "--smoke" ]] && mode=smoke
port="${SOAK_PORT:-18090}"
python="${TRAINER_PYTHON:-/usr/bin/python3}"
out=bench/out/soak
mkdir -p "$out"
started=$(date +%s)

[[ -f target/quarkus-app/quarkus-run.jar ]] || ./mvnw -B -ntp -q package -DskipTests

models="${SOAK_MODELS:-}"
if [[ -z "$models" ]]; then
    models="$out/ensemble"
    "$python" bench/make_soak_ensemble.py "$models" models/demo
fi
# The smallest-cost request: a 31-frame clip (one window) cut from the demo sample.
"$python" - "$out/clip" <<'PY'
import sys, pathlib, numpy as np
out = pathlib.Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)
for name in ("video", "behavior", "pupil_center"):
    a = np.load(f"models/demo/sample/{name}.npy")
    np.save(out / f"{name}.npy", np.ascontiguousarray(a[..., :31]))
PY

config=(-Ddwiseneuro.models-dir="$models" -Ddwiseneuro.batching.max-batch=32 -Ddwiseneuro.batching.max-delay=2ms
        -Ddwiseneuro.batching.queue-capacity=256 -Ddwiseneuro.batching.log-interval=60s)
jvm=(-Xms512m -Xmx512m -XX:+AlwaysPreTouch -XX:NativeMemoryTracking=summary -Dai.djl.offline=true)
case "${SOAK_MALLOC:-tcmalloc}" in
    tcmalloc) library="$(bin/serve --print-allocator)" \
                  || { echo "tcmalloc not found: apt-get install libtcmalloc-minimal4, or SOAK_MALLOC=glibc-mmap"; exit 1; }
              malloc=(LD_PRELOAD="$library") ;;
    glibc-mmap) malloc=(MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072) ;;
    glibc) malloc=(MALLOC_ARENA_MAX=2) ;;
    *) echo "SOAK_MALLOC: tcmalloc, glibc-mmap or glibc"; exit 2 ;;
esac
env "${malloc[@]}" java "${jvm[@]}" -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" "${config[@]}" \
    -jar target/quarkus-app/quarkus-run.jar > "$out/service.log" 2>&1 &
pid=$!
cleanup() { if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi; }
trap cleanup EXIT
for _ in $(seq 240); do
    curl -fs "http://127.0.0.1:$port/q/health/ready" > /dev/null && break
    kill -0 "$pid" 2>/dev/null || { echo "the service exited; see $out/service.log"; exit 1; }
    sleep 0.5
done
curl -fs "http://127.0.0.1:$port/q/health/ready" > /dev/null || { echo "the service is not ready; see $out/service.log"; exit 1; }

if [[ $mode == smoke ]]; then
    load=(warmup_s=5 capacity_s=10 overload_s=15 sustained_requests=1000 sustained_min_s=20 sustained_max_s=40 min_trend_requests=500)
else
    load=(capacity_s=30 overload_s=60 sustained_requests=15000 sustained_min_s=120 sustained_max_s=330)
fi
status=0
timeout 560 java bench/SoakLoad.java url="http://127.0.0.1:$port" pid="$pid" clip_dir="$out/clip" out="$out/report.md" samples="$out/rss.csv" "${load[@]}" \
    || status=$?

kill -TERM "$pid"
exit_code=0
wait "$pid" || exit_code=$?
echo "service exit status after SIGTERM: $exit_code"
[[ $exit_code == 0 ]] || status=1
grep -q " ERROR " "$out/service.log" && { echo "ERROR lines in $out/service.log:"; grep " ERROR " "$out/service.log" | head; status=1; }

if [[ $mode == full && -f "$out/report.md" ]]; then
    mkdir -p bench/results
    result="bench/results/soak-$(date -u +%Y-%m-%d)${SOAK_MALLOC:+-$SOAK_MALLOC}.md"
    {
        echo "# Soak test, $(date -u +'%Y-%m-%d %H:%M UTC')"
        echo
        echo "Command: \`bench/soak.sh\` (total $(( $(date +%s) - started )) s; exit status $status; service exit status after SIGTERM: $exit_code)"
        echo
        echo "Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(. /etc/os-release; echo "$PRETTY_NAME"), $(java -version 2>&1 | head -1); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (shared machine)"
        echo
        echo "Service: \`${malloc[*]} java ${jvm[*]} -jar target/quarkus-app/quarkus-run.jar\` with ${config[*]}"
        echo
        echo "Request: POST /v1/mice/demo-mouse-1/responses, a 31-frame clip of the demo sample (one window), Accept: application/x-npy."
        echo
        cat "$out/report.md"
    } > "$result"
    echo "wrote $result"
fi
exit $status
