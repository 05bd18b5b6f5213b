#!/usr/bin/env bash
# The benchmarks: builds the service if needed, then prints and writes bench/results/.
#   bench/run.sh [ARGS]              the batching benchmark (bench/bench.py)
#   bench/run.sh experiments [ARGS]  the experiments benchmark (bench/experiments.py)
# Every process (Python reference, raw DJL reference, service) runs with the allocator bin/serve gives
# the service: tcmalloc when installed.
set -euo pipefail
cd "$(dirname "$0")/.."
script=bench/bench.py
if [[ "${1:-}" == experiments ]]; then
    script=bench/experiments.py
    shift
fi
[[ -f target/quarkus-app/quarkus-run.jar ]] || ./mvnw -B -ntp -q package -DskipTests
if library="$(bin/serve --print-allocator)"; then
    export LD_PRELOAD="$library"
else
    echo "bench/run.sh: tcmalloc not found (apt-get install libtcmalloc-minimal4): measuring on glibc" >&2
fi
exec /usr/bin/python3 "$script" "$@"
