#!/usr/bin/env bash
# The allocator on the full-size DwiseNeuro (the published architecture, random weights): raw TorchScript
# forward in the service's libtorch (bench/RawForward.java) with tcmalloc and with glibc as the images
# had it, side by side in one run. The demo ensemble is tiny; this is the model the service is for.
# About 8 minutes on 2 CPUs. Writes bench/results/allocator-full-size-<date>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f target/quarkus-app/quarkus-run.jar ]] || ./mvnw -B -ntp -q package -DskipTests
tcmalloc="$(bin/serve --print-allocator)" || { echo "tcmalloc not found (apt-get install libtcmalloc-minimal4)"; exit 1; }
batches="${BATCHES:-1,4,8}"
seconds="${SECONDS_PER_BATCH:-40}"
mkdir -p bench/out bench/results
model=bench/out/full-size.pt
[[ -f "$model" ]] || /usr/bin/python3 bench/full_size.py member "$model"
raw() { env "$@" java -cp 'target/quarkus-app/lib/main/*' bench/RawForward.java threads=2 seconds="$seconds" batches="$batches" "$model" 2>/dev/null | grep '^batch'; }
fast="$(raw LD_PRELOAD="$tcmalloc")"
slow="$(raw MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072)"
result="bench/results/allocator-full-size-$(date -u +%Y-%m-%d).md"
{
    echo "# Allocator, full-size DwiseNeuro on CPU, $(date -u +'%Y-%m-%d %H:%M UTC')"
    echo
    echo "Command: \`bench/allocator_full_size.sh\` (BATCHES=$batches, SECONDS_PER_BATCH=$seconds). Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), libtorch 2.3.1 via DJL 0.29.0, 2 intra-op threads; one member (true_batch_001 architecture, random weights, float32), features + readout as the service calls them."
    echo
    echo "| batch | tcmalloc windows/s | glibc (MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072) windows/s | ratio |"
    echo "|---|---|---|---|"
    paste <(echo "$fast") <(echo "$slow") | awk '{printf "| %s | %.3f | %.3f | %.2f |\n", $2, $4, $8, $4 / $8}'
} > "$result"
cat "$result"
