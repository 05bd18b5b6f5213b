#!/usr/bin/env python3
"""GPU check of the full-size training: true_batch_001 and distillation_001, mixed precision.

For each config: the full DwiseNeuro with the ten Sensorium readouts, AdamW at the config's learning
rate with the warm-up schedule, GradScaler + autocast, EMA, the multi-mouse Poisson loss and (stage 2)
a stage-1-sized teacher predicting the unlabelled mice; inputs are synthetic windows (smooth videos,
behavior planes) whose targets come from a fixed random linear-nonlinear model, so that the loss can
fall. Reports samples/s, peak GPU memory and the loss trend to OUT/gpu_check.json and .md.

    python3 trainer/scripts/gpu_check.py --out trainer/gpu_check/ [--steps 300]

Without CUDA it refuses (exit 2), unless --cpu-dry-run: a few steps of a tiny model on the CPU that
exercise the same code path (used by the tests).
"""
import argparse
import datetime
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from dwiseneuro_trainer import configs, constants  # noqa: E402
from dwiseneuro_trainer.ema import ModelEma  # noqa: E402
from dwiseneuro_trainer.losses import MicePoissonLoss, add_distillation  # noqa: E402
from dwiseneuro_trainer.model import DwiseNeuro, init_weights, count_parameters  # noqa: E402
from dwiseneuro_trainer.schedule import LrSchedule  # noqa: E402


def synthetic_batches(count: int, batch: int, neurons, device, generator):
    """`count` fixed batches: smooth random videos in the 36x64 band of a 64x64 canvas, behavior
    planes, and Poisson targets of a random linear-nonlinear function of the frames."""
    batches = []
    mice = len(neurons)
    projections = [torch.randn(16 * 8 * 8 + 4, n, generator=generator) / 30 for n in neurons]
    for _ in range(count):
        x = torch.zeros(batch, 5, 16, 64, 64)
        low = torch.rand(batch, 1, 16, 9, 16, generator=generator) * 255
        x[:, :1, :, 14:50] = torch.nn.functional.interpolate(low, size=(16, 36, 64), mode="trilinear")
        traces = torch.rand(batch, 4, 16, generator=generator) * torch.tensor([60.0, 40.0, 80.0, 80.0])[None, :, None] + 10
        x[:, 1:] = traces[..., None, None]
        pooled = torch.nn.functional.adaptive_avg_pool3d(x[:, :1], (16, 8, 8)).flatten(1) / 255
        features = torch.cat([pooled, traces.mean(-1) / 50], dim=1)
        mouse_of = torch.randint(mice, (batch,), generator=generator)
        targets, weights = [], torch.zeros(batch, mice)
        for m, n in enumerate(neurons):
            rate = torch.nn.functional.softplus(features @ projections[m])[:, :, None].expand(batch, n, 16)
            targets.append(torch.where((mouse_of == m)[:, None, None], torch.poisson(rate, generator=generator),
                                       torch.zeros_like(rate)))
        weights[torch.arange(batch), mouse_of] = 1.0
        batches.append((x.to(device), [t.to(device) for t in targets], weights.to(device)))
    return batches


def run_config(name: str, config, device, steps: int, batch: int, amp: bool, neurons, log) -> dict:
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    kwargs = configs.model_kwargs(config, neurons)
    model = DwiseNeuro(**kwargs)
    init_weights(model)
    model.to(device)
    ema = ModelEma(model, config["ema_decay"])
    optimizer = torch.optim.AdamW(model.parameters(), **config["argus_params"]["optimizer"][1])
    scaler = torch.cuda.amp.GradScaler(enabled=amp)
    loss_fn = MicePoissonLoss(**config["argus_params"]["loss"][1])
    teacher = None
    if "distill" in config:
        teacher_kwargs = configs.model_kwargs(configs.load_config("true_batch_001") if device.type == "cuda"
                                              else config, neurons)
        teacher = DwiseNeuro(**teacher_kwargs)
        init_weights(teacher)
        teacher.to(device).train()
    per_epoch = max(steps // sum(config["num_epochs"]), 1)
    schedule = LrSchedule(config, per_epoch * batch)
    data = synthetic_batches(min(steps, 16), batch, neurons, device, generator)
    if teacher is not None:  # an untrained teacher with calibrated BatchNorm statistics
        with torch.no_grad():
            for x, _, _ in data:
                teacher(x)
        teacher.eval()
    losses, times = [], []
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        torch.cuda.synchronize(device)
    for step in range(steps):
        epoch, iteration = divmod(step, per_epoch)
        epoch = min(epoch, schedule.total_epochs - 1)
        lr = schedule.lr(epoch, iteration, per_epoch)
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, targets, weights = data[step % len(data)]
        targets = [t.clone() for t in targets]
        weights = weights.clone()
        start = time.time()
        model.train()
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device_type="cuda", enabled=amp) if device.type == "cuda" else _null():
            if teacher is not None:
                with torch.no_grad():
                    add_distillation(teacher(x), targets, weights, config["distill"]["ratio"])
            loss = loss_fn(model(x), targets, weights)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        ema.update(model)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.time() - start)
        losses.append(float(loss))
        if step % 50 == 0 or step == steps - 1:
            log(f"{name} step {step + 1}/{steps}: loss {losses[-1]:.4f} lr {lr:.3g} {batch / times[-1]:.1f} samples/s")
    warm = times[min(10, len(times) - 1):] or times
    window = max(len(losses) // 10, 1)
    result = {
        "config": name,
        "parameters": count_parameters(model),
        "batch_size": batch,
        "steps": steps,
        "amp": amp,
        "samples_per_s": batch * len(warm) / sum(warm),
        "step_ms_median": 1000 * sorted(warm)[len(warm) // 2],
        "loss_first": sum(losses[:window]) / window,
        "loss_last": sum(losses[-window:]) / window,
        "loss_curve": [sum(losses[i:i + window]) / len(losses[i:i + window]) for i in range(0, len(losses), window)],
        "nonfinite_losses": sum(1 for v in losses if not math.isfinite(v)),
    }
    if device.type == "cuda":
        result["peak_memory_gib"] = torch.cuda.max_memory_allocated(device) / 2 ** 30
    result["loss_decreased"] = result["loss_last"] < result["loss_first"]
    return result


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for gpu_check.json and gpu_check.md")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--configs", default="true_batch_001,distillation_001")
    parser.add_argument("--cpu-dry-run", action="store_true",
                        help="no CUDA: a few steps of the demo-sized model on the CPU (checks the script)")
    args = parser.parse_args(argv)

    if torch.cuda.is_available():
        device = torch.device("cuda")
        neurons = constants.SENSORIUM_NUM_NEURONS
        names = args.configs.split(",")
        amp = True
        batch, steps = args.batch_size, args.steps
        gpu = torch.cuda.get_device_name(device)
    elif args.cpu_dry_run:
        device = torch.device("cpu")
        neurons = [50, 40]
        names = ["demo", "demo_distillation"]
        amp = False
        batch, steps = 2, min(args.steps, 3)
        gpu = "none (CPU dry run)"
    else:
        print("gpu_check: error: no CUDA device is available; run it on a GPU machine "
              "(or pass --cpu-dry-run to check the script on the CPU)", file=sys.stderr)
        return 2

    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for name in names:
        results.append(run_config(name, configs.load_config(name), device, steps, batch, amp, neurons,
                                  lambda m: print(m, flush=True)))
        if device.type == "cuda":
            torch.cuda.empty_cache()
    report = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "gpu": gpu, "torch": torch.__version__, "cuda": torch.version.cuda, "results": results}
    (args.out / "gpu_check.json").write_text(json.dumps(report, indent=1) + "\n")
    lines = [f"# GPU check {report['date']}", "", f"GPU: {gpu}; torch {torch.__version__}; CUDA {torch.version.cuda}",
             "", "| config | parameters | batch | steps | samples/s | peak GiB | loss first -> last |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['config']} | {r['parameters']:,} | {r['batch_size']} | {r['steps']} | "
                     f"{r['samples_per_s']:.1f} | {r.get('peak_memory_gib', float('nan')):.2f} | "
                     f"{r['loss_first']:.4f} -> {r['loss_last']:.4f} |")
    (args.out / "gpu_check.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
