#!/usr/bin/env bash
# The batching benchmark: builds the service if needed, then prints and writes bench/results/.
# Every process (Python reference, raw DJL reference, service) runs with the allocator bin/serve gives
# the service: tcmalloc when installed.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f target/quarkus-app/quarkus-run.jar ]] || ./mvnw -B -ntp -q package -DskipTests
if library="$(bin/serve --print-allocator)"; then
    export LD_PRELOAD="$library"
else
    echo "bench/run.sh: tcmalloc not found (apt-get install libtcmalloc-minimal4): measuring on glibc" >&2
fi
exec /usr/bin/python3 bench/bench.py "$@"
