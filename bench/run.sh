#!/usr/bin/env bash
# The batching benchmark: builds the service if needed, then prints and writes bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f target/quarkus-app/quarkus-run.jar ]] || ./mvnw -B -ntp -q package -DskipTests
exec /usr/bin/python3 bench/bench.py "$@"
