#!/usr/bin/env bash
# Reproduces models/demo end to end on the CPU: synthetic data -> stage 1 (config demo) and stage 2
# (config demo_distillation, distilled from stage 1) on two folds -> out-of-fold evaluation -> export
# -> evaluation of the exported ensemble on held-out test tiers -> sample clip -> MODEL_CARD.md.
#
#   trainer/scripts/make_demo.sh            # WORK=/tmp/dwiseneuro-demo MODELS=models/demo THREADS=1
#
# The mouse ids and neuron counts (demo-mouse-1: 37, demo-mouse-2: 52) and the sample file names are
# the ones the service's tests use. The manifest is exported with --mice, so it carries no per-mouse
# statistics (the service's tests add them themselves); drop --mice below to keep them.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
T="$ROOT/trainer/bin/trainer"
PY="${TRAINER_PYTHON:-/usr/bin/python3}"
WORK="${WORK:-/tmp/dwiseneuro-demo}"
MODELS="${MODELS:-$ROOT/models/demo}"
THREADS="${THREADS:-1}"
FOLDS="${FOLDS:-3,4}"   # the folds with the most validation trials for this seed (see check-data)
MICE=demo-mouse-1,demo-mouse-2
started=$(date +%s)

rm -rf "$WORK"
mkdir -p "$WORK"
"$T" synth --out "$WORK/data" --mice 2 --neurons 37,52 --trials 60 --frames 150 --mouse-ids "$MICE" --seed 2023
"$T" check-data --data "$WORK/data"
for config in demo demo_distillation; do
  "$T" train --config "$config" --data "$WORK/data" --out "$WORK/experiments/$config" --folds "$FOLDS" \
      --threads "$THREADS" --no-progress
done
trained=$(date +%s)
"$T" evaluate --experiment "$WORK/experiments/demo" "$WORK/experiments/demo_distillation" \
    --data "$WORK/data" --out "$WORK/report-oof" --untrained-baseline

mkdir -p "$MODELS"
rm -f "$MODELS"/*.pt "$MODELS/manifest.json"
"$T" export "$WORK/experiments/demo" "$WORK/experiments/demo_distillation" --out "$MODELS" --mice "$MICE" --name demo
"$T" evaluate --models "$MODELS" --data "$WORK/data" --out "$WORK/report-test" --tiers live_test_main,final_test_main
"$T" evaluate --models "$MODELS" --data "$WORK/data" --out "$WORK/report-bonus" --tiers live_test_bonus,final_test_bonus

# sample clip: the first 120 frames of a held-out natural-video trial of demo-mouse-1
mkdir -p "$MODELS/sample"
"$PY" - "$WORK/data/demo-mouse-1" "$MODELS/sample" <<'PY'
import sys
from pathlib import Path
import numpy as np
mouse, sample = Path(sys.argv[1]), Path(sys.argv[2])
tiers = np.load(mouse / "meta" / "trials" / "tiers.npy")
trial = int(np.flatnonzero(tiers == "final_test_main")[0])
frames = 120
video = np.load(mouse / "data" / "videos" / f"{trial}.npy")[..., :frames]
np.save(sample / "video.npy", np.round(video).clip(0, 255).astype(np.uint8))
for name in ("behavior", "pupil_center"):
    np.save(sample / f"{name}.npy", np.load(mouse / "data" / name / f"{trial}.npy")[..., :frames].astype(np.float32))
print(f"sample: trial {trial} (final_test_main) of {mouse.name}, {frames} frames")
PY
if command -v ffmpeg >/dev/null && [[ -x "$MODELS/sample/make-clip-mp4.sh" ]]; then
  "$MODELS/sample/make-clip-mp4.sh"
fi
finished=$(date +%s)
"$PY" "$ROOT/trainer/scripts/model_card.py" --work "$WORK" --models "$MODELS" --folds "$FOLDS" \
    --train-seconds $((trained - started)) --total-seconds $((finished - started)) --threads "$THREADS"
echo "demo ensemble in $MODELS ($(du -sh "$MODELS" | cut -f1)), $((finished - started)) s"
