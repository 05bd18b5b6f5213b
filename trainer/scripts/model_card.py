#!/usr/bin/env python3
"""Write MODEL_CARD.md and the evaluation figures of the demo ensemble (called by make_demo.sh)."""
import argparse
import csv
import json
import shutil
from pathlib import Path


def load(path: Path):
    return json.loads(path.read_text())


def fmt(value, digits=3):
    return "n/a" if value is None else f"{value:.{digits}f}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--models", type=Path, required=True)
    parser.add_argument("--folds", required=True)
    parser.add_argument("--train-seconds", type=int, required=True)
    parser.add_argument("--total-seconds", type=int, required=True)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    work, models = args.work, args.models

    ceiling = load(work / "data" / "noise_ceiling.json")
    oof = load(work / "report-oof" / "evaluation.json")
    test = load(work / "report-test" / "evaluation.json")
    bonus = load(work / "report-bonus" / "evaluation.json")
    manifest = load(models / "manifest.json")
    figures = models / "evaluation"
    figures.mkdir(exist_ok=True)
    copies = {"report-oof/correlation_vs_ceiling.png": "oof_correlation_vs_ceiling.png",
              "report-oof/correlation_hist.png": "oof_correlation_hist.png",
              "report-oof/learning_curves.png": "learning_curves.png",
              "report-test/correlation_vs_ceiling.png": "test_correlation_vs_ceiling.png",
              "report-test/correlation_hist.png": "test_correlation_hist.png"}
    for source, target in copies.items():
        shutil.copyfile(work / source, figures / target)
    summary = {"out_of_fold": {k: v for k, v in oof.items() if k in ("experiments", "ensemble", "untrained")},
               "held_out_test_main": test["ensemble"], "held_out_test_bonus": bonus["ensemble"],
               "dataset_noise_ceiling": ceiling}
    (figures / "evaluation.json").write_text(json.dumps(summary, indent=1) + "\n")

    speeds = []
    for experiment in ("demo", "demo_distillation"):
        for fold in args.folds.split(","):
            with (work / "experiments" / experiment / f"fold_{fold}" / "log.csv").open() as f:
                speeds += [float(row["train_samples_per_s"]) for row in csv.DictReader(f)]
    speed = sum(speeds) / len(speeds)
    mice = [m["id"] for m in manifest["mice"]]
    size = sum(m["bytes"] for m in manifest["members"])

    lines = [
        "# Demo ensemble: model card",
        "",
        "A DwiseNeuro ensemble trained by this repository's trainer on **synthetic** data, bundled so that the",
        "service runs, and its tests pass, out of the box. Its mice are not real mice and its numbers say nothing",
        "about biology; it shows that the training recipe learns what there is to learn in data of the real",
        "format. Reproduce it with `trainer/scripts/make_demo.sh` (commands below).",
        "",
        "## Members",
        "",
        f"{len(manifest['members'])} members ({size / 1e6:.1f} MB of TorchScript, {manifest['members'][0]['parameters']:,} "
        f"parameters each): stage 1 (`demo`) and stage 2 (`demo_distillation`, distilled from the stage-1 model of "
        f"the same fold with weight 0.36), folds {args.folds} of 7. Mice: "
        + ", ".join(f"`{m['id']}` ({m['neurons']} neurons)" for m in manifest["mice"]) + ". Input: 16 frames at step "
        "2 of a 36x64 video centred in 64x64, behavior and pupil center planes, as the original.",
        "",
        "| member | source checkpoint | validation correlation (EMA, 16-frame windows) |",
        "|---|---|---|",
    ]
    for member in manifest["members"]:
        lines.append(f"| `{member['file']}` | {member['stage']}/fold_{member['fold']}/{member['source']} | {member['score']:.3f} |")
    lines += [
        "",
        "## Data",
        "",
        f"`trainer synth` (seed {ceiling['seed']}): {len(ceiling['mice'])} mice, 60 trials each in the Sensorium 2023 "
        "layout and tiers (train, oracle, live/final test main and bonus), 150-frame natural-video trials, NaN-padded "
        "per mouse, bonus (out-of-distribution: gratings and flashes) trials of other lengths. Responses are Poisson "
        f"samples of rates from {ceiling['filters']} spatio-temporal filters (ON/OFF rectified), a per-neuron mix of "
        "them, running-speed and pupil gains. The noise ceiling is the correlation of the true rate with the noisy "
        "responses: the most any model can reach.",
        "",
        "## Results",
        "",
        "Single-trial correlation per neuron over frames 50..148 of each trial (the original's scoring window, cut "
        "to the 150-frame trials), averaged over neurons, with the serving sliding window (every window, 'ones' blend).",
        "",
        "Out-of-fold (each fold's model on its own validation trials):",
        "",
        "| mouse | untrained | stage 1 | stage 2 | stage 1 + 2 | noise ceiling | fraction of ceiling (1 + 2) |",
        "|---|---|---|---|---|---|---|",
    ]
    for mouse in mice:
        row = [oof.get("untrained", {}).get("mice", {}).get(mouse, {}).get("correlation"),
               oof["experiments"]["demo"]["mice"][mouse]["correlation"],
               oof["experiments"]["demo_distillation"]["mice"][mouse]["correlation"],
               oof["ensemble"]["mice"][mouse]["correlation"],
               oof["ensemble"]["mice"][mouse].get("noise_ceiling"),
               oof["ensemble"]["mice"][mouse].get("fraction_of_ceiling")]
        lines.append(f"| {mouse} | " + " | ".join(fmt(v) for v in row) + " |")
    lines += [
        "",
        "Exported ensemble (all members) on held-out test tiers, whose videos no model saw in training:",
        "",
        "| mouse | tiers | trials | correlation | noise ceiling | fraction of ceiling | correlation to the true rate |",
        "|---|---|---|---|---|---|---|",
    ]
    for report, tiers in ((test, "live/final test main"), (bonus, "live/final test bonus (OOD)")):
        for mouse in mice:
            entry = report["ensemble"]["mice"][mouse]
            lines.append(f"| {mouse} | {tiers} | {entry['trials']} | {fmt(entry['correlation'])} | "
                         f"{fmt(entry.get('noise_ceiling'))} | {fmt(entry.get('fraction_of_ceiling'))} | "
                         f"{fmt(entry.get('correlation_to_true_rate'))} |")
    lines += [
        "",
        "![correlation vs noise ceiling, held-out test](evaluation/test_correlation_vs_ceiling.png)",
        "![per-neuron correlations, held-out test](evaluation/test_correlation_hist.png)",
        "![out-of-fold correlation vs noise ceiling](evaluation/oof_correlation_vs_ceiling.png)",
        "![learning curves](evaluation/learning_curves.png)",
        "",
        f"All numbers: `evaluation/evaluation.json`. Training took {args.train_seconds} s and the whole script "
        f"{args.total_seconds} s on a shared 2-core CPU ({args.threads} torch thread; {speed:.1f} training samples/s "
        "on average, other jobs running).",
        "",
        "## Reproduce",
        "",
        "```",
        "trainer/scripts/make_demo.sh        # WORK=/tmp/dwiseneuro-demo MODELS=models/demo THREADS=1",
        "```",
        "",
        "which runs:",
        "",
        "```",
        "trainer/bin/trainer synth --out $WORK/data --mice 2 --neurons 37,52 --trials 60 --frames 150 \\",
        "    --mouse-ids demo-mouse-1,demo-mouse-2 --seed 2023",
        f"trainer/bin/trainer train --config demo --data $WORK/data --out $WORK/experiments/demo --folds {args.folds}",
        f"trainer/bin/trainer train --config demo_distillation --data $WORK/data --out $WORK/experiments/demo_distillation --folds {args.folds}",
        "trainer/bin/trainer evaluate --experiment $WORK/experiments/demo $WORK/experiments/demo_distillation \\",
        "    --data $WORK/data --out $WORK/report-oof --untrained-baseline",
        "trainer/bin/trainer export $WORK/experiments/demo $WORK/experiments/demo_distillation --out models/demo \\",
        "    --mice demo-mouse-1,demo-mouse-2 --name demo",
        "trainer/bin/trainer evaluate --models models/demo --data $WORK/data --out $WORK/report-test \\",
        "    --tiers live_test_main,final_test_main",
        "```",
        "",
        "The sample clip (`sample/`) is the first 120 frames of a held-out `final_test_main` trial of demo-mouse-1; "
        "`sample/clip.mp4` is made from `sample/video.npy` by `sample/make-clip-mp4.sh`. The manifest carries no "
        "per-mouse statistics (exported with `--mice`); the service's tests add their own.",
        "",
        "## Limits",
        "",
        "- Synthetic data: a far easier problem than real V1 responses (few latent filters, Poisson noise only).",
        "- The `demo` config is a reduced network (4-16-32 core channels, 64-128 cortex) with a short, high-rate "
        "schedule and Softplus beta 1; `true_batch_001`/`distillation_001` are the full recipe.",
        "- Two of the seven folds were trained, to keep the CPU time down; most of the script's time is the",
        "  evaluation (every sliding window of every evaluated trial, for each member).",
    ]
    (models / "MODEL_CARD.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {models / 'MODEL_CARD.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
