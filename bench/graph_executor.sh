#!/usr/bin/env bash
# TorchScript's profiling graph executor on the service's calls (issue 11): call times for the batch
# sizes 32, 32, 7, 19, 1, 32, 13 in sequence, with the executor's optimisation off (the service's
# default, dwiseneuro.graph-optimizer=false), on (libtorch's default), and on with every batch padded to
# 32 (one shape only), in one run (bench/GraphExecutor.java, the service's libtorch via DJL).
# Writes bench/results/graph-executor-<date>.md.
#
#   bench/graph_executor.sh                  the full-size member (true_batch_001, random weights); ~20 min on 2 CPUs
#   MEMBER=models/demo/demo-fold_3.pt bench/graph_executor.sh     any member; the demo's: a minute (a dry run)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f target/quarkus-app/quarkus-run.jar ]] || ./mvnw -B -ntp -q package -DskipTests
tcmalloc="$(bin/serve --print-allocator)" && export LD_PRELOAD="$tcmalloc" || echo "tcmalloc not found: measuring on glibc" >&2
sizes="${SIZES:-32,32,7,19,1,32,13}"
threads="${THREADS:-2}"
mkdir -p bench/out bench/results
member="${MEMBER:-bench/out/full-size.pt}"
[[ -f "$member" ]] || /usr/bin/python3 bench/full_size.py member "$member"
lines="$(java -cp 'target/quarkus-app/lib/main/*' bench/GraphExecutor.java threads="$threads" rounds=2 sizes="$sizes" "$member" 2>/dev/null | grep '^mode ')"
result="bench/results/graph-executor-$(date -u +%Y-%m-%d).md"
[[ -n "${MEMBER:-}" ]] && result="bench/out/graph-executor-$(basename "$member" .pt)-$(date -u +%Y-%m-%d).md"
/usr/bin/python3 - "$result" "$member" "$sizes" "$threads" <<PY
import sys
result, member, sizes, threads = sys.argv[1:]
calls, totals = {}, {}
for line in """$lines""".splitlines():
    f = line.split()
    key = (f[1], f[3])  # mode, round
    if f[4] == "batch":
        calls.setdefault(key, []).append(float(f[7]))
    else:
        totals[key] = (float(f[5]), float(f[7]))
modes = ["off", "on", "padded"]
sizes = sizes.split(",")
out = [f"# Graph executor on the service's calls, {member}", "",
       f"Command: \`bench/graph_executor.sh\` (MEMBER={member}, SIZES={','.join(sizes)}, THREADS={threads}); "
       "libtorch 2.3.1 via DJL 0.29.0; each mode on a freshly loaded member; a call is features on the batch, "
       "then the readouts of two mice on half the rows each, as DeviceWorker calls them.", "",
       "Call times in ms, round 1 (the first time each shape is met) and round 2 (the same sequence again):", "",
       "| mode, round | " + " | ".join(f"batch {s}" for s in sizes) + " | total ms | windows/s |",
       "|---|" + "---|" * (len(sizes) + 2)]
for mode in modes:
    for rnd in ("1", "2"):
        if (mode, rnd) in calls:
            total, rate = totals[(mode, rnd)]
            out.append(f"| {mode}, {rnd} | " + " | ".join(f"{ms:.0f}" for ms in calls[(mode, rnd)])
                       + f" | {total:.0f} | {rate:.2f} |")
ratio = lambda a, b: totals[(a, "1")][1] / totals[(b, "1")][1]
out += ["", f"Round 1 windows/s, off / on: {ratio('off', 'on'):.2f}; off / padded: {ratio('off', 'padded'):.2f} "
        "(padded counts only the windows asked for).", ""]
open(result, "w").write("\n".join(out))
print("\n".join(out))
PY
echo "wrote $result"
