#!/usr/bin/env python3
"""The GPU check: every figure the service's GPU path and the trainer need from a CUDA machine, in
one run of about 8 minutes on one H200, from the code alone (the full-size members are built here:
the published architecture with random weights and calibrated BatchNorm; nothing large travels).

On the device machine (repository root of a copy of the working tree, $OUT comes back):

    python3 bench/gpu_check.py --out "$OUT"

Without CUDA it refuses (exit 2); `--dry-run` runs every section with a tiny model on the CPU in
seconds (trainer/tests/test_gpu_check.py). Sections, each timed and reported on its own (a failing
section is recorded and the next one runs; the results file is rewritten after every section):

1. parity: the original solution's two checkpoints (trainer/tests/fixtures/original-vectors) in both
   member forms, batched on the GPU, against the original predictor's outputs, TF32 off and on;
2. half precision: float16/bfloat16 (and float32 with TF32) members of a full-size model against
   its float64 eager result;
3. call times by batch size in the sequence 32, 32, 7, 19, 1, 32, 13, graph executor optimisation
   (the profiling executor) on and off, for both forms;
4. throughput: windows/s of one member, plain against inference form, batch 1..128, float32 (TF32
   off), float16, bfloat16;
5. clip: a 300-frame clip through 14 full-size members on the device data path (clip uploaded once,
   windows sliced on the device, features once per batch, readout, blend accumulated on the device
   with index_add_, one copy back); goal <= 1.0 s on an H200;
6. out of memory: a forced CUDA out-of-memory error in a forward, then the same member answers a
   normal batch with the numbers it gave before;
7. gradient: one input_gradient step against one forward of the same windows, 14 members;
8. training: full-size true_batch_001 and distillation_001 with mixed precision (samples/s, peak
   memory, loss trend), as trainer/TRAINING.md describes.

Writes OUT/gpu-check.json and OUT/gpu-check.md (date, GPU model, torch, CUDA and cuDNN versions).
"""
import argparse
import datetime
import io
import json
import math
import os
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "trainer"))
from dwiseneuro_trainer import configs, constants, ensemble, full_size, members  # noqa: E402
from dwiseneuro_trainer.ema import ModelEma  # noqa: E402
from dwiseneuro_trainer.evaluate import predict_trial  # noqa: E402
from dwiseneuro_trainer.inputs import WindowPlan, stack_inputs  # noqa: E402
from dwiseneuro_trainer.losses import MicePoissonLoss, add_distillation  # noqa: E402
from dwiseneuro_trainer.model import DwiseNeuro, count_parameters, init_weights  # noqa: E402
from dwiseneuro_trainer.schedule import LrSchedule  # noqa: E402

VECTORS = ROOT / "trainer" / "tests" / "fixtures" / "original-vectors"
SEQUENCE = [32, 32, 7, 19, 1, 32, 13]
PLAN = WindowPlan(16, 2, "last")


class Settings:
    def __init__(self, dry_run: bool):
        self.dry_run = dry_run
        self.device = torch.device("cpu" if dry_run else "cuda")
        self.kwargs = full_size.model_kwargs(tiny=dry_run)
        self.dtypes = ["float32", "bfloat16"] if dry_run else ["float32", "float16", "bfloat16"]
        self.batches = [1, 2, 4] if dry_run else [1, 2, 4, 8, 16, 32, 64, 128]
        self.sequence = [min(b, 4) for b in SEQUENCE] if dry_run else SEQUENCE
        self.seconds = 0.05 if dry_run else 0.6
        self.members = 3 if dry_run else 14
        self.frames = 60 if dry_run else 300
        self.clip_batches = [16] if dry_run else [64, 135]
        self.gradient_batch = 2 if dry_run else 16
        self.train_steps = 2 if dry_run else 40
        self.train_batch = 2 if dry_run else 32


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def set_tf32(enabled: bool) -> None:
    torch.backends.cuda.matmul.allow_tf32 = enabled
    torch.backends.cudnn.allow_tf32 = enabled


def set_executor(enabled: bool) -> None:
    """Graph executor optimisation (profiling, specialisation, fusion): what DJL's
    JniUtils.setGraphExecutorOptimize and the service's switch turn off."""
    torch._C._set_graph_executor_optimize(enabled)


def relative(actual: torch.Tensor, expected: torch.Tensor) -> float:
    expected = expected.double()
    return float((actual.double() - expected).abs().max() / expected.abs().max())


def scripted_bytes(model: DwiseNeuro, form: str) -> bytes:
    buffer = io.BytesIO()
    torch.jit.save(members.script_member(model, form), buffer)
    return buffer.getvalue()


def load(data: bytes, device, dtype: str) -> torch.jit.ScriptModule:
    member = torch.jit.load(io.BytesIO(data), map_location=device)
    return member.to(members.DTYPES[dtype]).eval()


def windows(batch: int, device, seed: int = 0) -> torch.Tensor:
    return full_size.camera_windows(batch, torch.Generator().manual_seed(seed)).to(device)


def timed(call, device, seconds: float, minimum: int = 2) -> float:
    """Seconds per call, after two warm-up calls."""
    for _ in range(2):
        call()
    sync(device)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or count < minimum:
        call()
        count += 1
    sync(device)
    return (time.perf_counter() - start) / count


# 1. parity of the original-format vectors
def parity(s: Settings, log) -> dict:
    video, behavior, pupil = (np.load(VECTORS / f"trial_{n}.npy") for n in ("video", "behavior", "pupil_center"))
    inputs = torch.from_numpy(stack_inputs(video, behavior, pupil))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for form in members.FORMS:
            folder = Path(tmp) / form
            ensemble.write_ensemble([VECTORS / "experiment"], folder, form=form, log=lambda *_: None)
            loaded = ensemble.load_ensemble(folder)
            on_device = [m.to(s.device) for m in loaded.members]
            for tf32 in (False, True):
                set_tf32(tf32)
                errors = []
                for mouse in range(3):
                    outputs = [predict_trial(m, inputs, mouse, loaded.neurons(mouse), PLAN, batch_size=17,
                                             device=s.device) for m in on_device]
                    expected = np.load(VECTORS / f"expected_ensemble_mouse{mouse}.npy")
                    errors.append(relative(torch.from_numpy(np.mean(outputs, axis=0)), torch.from_numpy(expected)))
                rows.append({"form": form, "tf32": tf32, "max_relative_error": max(errors),
                             "within_1e-4": max(errors) < 1e-4})
                log(f"parity {form} TF32 {'on' if tf32 else 'off'}: {max(errors):.2e}")
    set_tf32(False)
    return {"rows": rows}


# 2. half precision against float64
def half_precision(s: Settings, model: DwiseNeuro, data: dict, log) -> dict:
    x = windows(8 if not s.dry_run else 2, s.device, seed=11)
    exact = DwiseNeuro(**s.kwargs)
    exact.load_state_dict(model.state_dict())
    exact = exact.double().to(s.device).eval()
    with torch.no_grad():
        truth = exact.readout(exact.features(x.double()), 0)
    del exact
    rows = []
    for form in members.FORMS:
        for dtype, tf32 in [("float32", False), ("float32", True)] + [(d, False) for d in s.dtypes if d != "float32"]:
            set_tf32(tf32)
            member = load(data[form], s.device, dtype)
            with torch.no_grad():
                error = relative(member.readout(member.features(x), 0), truth)
            rows.append({"form": form, "dtype": dtype, "tf32": tf32, "readout_relative_error": error})
            log(f"error {form} {dtype}{' TF32' if tf32 else ''}: {error:.2e} against float64")
            del member
    set_tf32(False)
    return {"rows": rows, "reference": "float64 eager model, 8 camera-like windows, mouse 0"}


# 3. call times by batch size in sequence
def call_sequence(s: Settings, data: dict, log) -> dict:
    rows = []
    for form in members.FORMS:
        for optimize in (True, False):
            set_executor(optimize)
            member = load(data[form], s.device, "float32")  # a fresh module: no plans cached yet
            times = []
            with torch.no_grad():
                for batch in s.sequence:
                    x = windows(batch, s.device)
                    sync(s.device)
                    start = time.perf_counter()
                    member.readout(member.features(x), 0)
                    sync(s.device)
                    times.append(1000 * (time.perf_counter() - start))
            rows.append({"form": form, "executor_optimize": optimize, "batches": s.sequence, "ms": times})
            log(f"sequence {form} executor {'on' if optimize else 'off'}: " + ", ".join(f"{t:.0f}" for t in times) + " ms")
            del member
    set_executor(False)
    return {"rows": rows}


# 4. throughput
def throughput(s: Settings, data: dict, log) -> dict:
    rows = []
    for dtype in s.dtypes:
        if s.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(s.device)
        loaded = {form: load(data[form], s.device, dtype) for form in members.FORMS}
        for batch in s.batches:
            x = windows(batch, s.device)
            rates = {}
            with torch.no_grad():
                for form, member in loaded.items():
                    rates[form] = batch / timed(lambda: member.readout(member.features(x), 0), s.device, s.seconds)
            peak = torch.cuda.max_memory_allocated(s.device) / 2 ** 30 if s.device.type == "cuda" else 0.0
            rows.append({"dtype": dtype, "batch": batch, "plain_windows_per_s": rates["plain"],
                         "inference_windows_per_s": rates["inference"], "ratio": rates["inference"] / rates["plain"],
                         "peak_gib": peak})
            log(f"throughput {dtype} batch {batch}: plain {rates['plain']:.1f}, inference "
                f"{rates['inference']:.1f} windows/s ({rates['inference'] / rates['plain']:.2f}x)")
        del loaded
        if s.device.type == "cuda":
            torch.cuda.empty_cache()
    return {"rows": rows, "executor_optimize": False, "tf32": False}


def clip_on_device(ensemble_members, clip: torch.Tensor, batch: int, neurons: int, device) -> torch.Tensor:
    """The service's device data path for one clip and every member; returns the blend on the host."""
    frames = clip.shape[1]
    on_device = clip.to(device, non_blocking=False)                             # one upload
    ends = torch.arange(PLAN.behind, frames, device=device)
    offsets = torch.arange(-PLAN.behind, 1, PLAN.step, device=device)         # 16 frames, step 2
    blend = torch.zeros(neurons, frames, device=device)
    counts = torch.zeros(frames, device=device)
    with torch.no_grad():
        for lo in range(0, ends.numel(), batch):
            index = ends[lo:lo + batch, None] + offsets[None, :]                  # (windows, 16)
            x = on_device[:, index].permute(1, 0, 2, 3, 4)                        # sliced on the device
            flat = index.reshape(-1)
            counts.index_add_(0, flat, torch.ones_like(flat, dtype=counts.dtype))
            for member in ensemble_members:
                out = member.readout(member.features(x), 0)                       # (windows, neurons, 16)
                blend.index_add_(1, flat, out.permute(1, 0, 2).reshape(neurons, -1))
        result = blend / (counts.clamp(min=1) * len(ensemble_members))
    return result.cpu()                                                           # one copy back


# 5. the 300-frame clip through 14 members
def clip_section(s: Settings, data: dict, log) -> dict:
    neurons = s.kwargs["readout_outputs"][0]
    clip = torch.rand(5, s.frames, 64, 64, generator=torch.Generator().manual_seed(3)) * 255
    rows = []
    for dtype in s.dtypes:
        ensemble_members = [load(data["inference"], s.device, dtype) for _ in range(s.members)]
        for batch in s.clip_batches:
            clip_on_device(ensemble_members, clip[:, :60], batch, neurons, s.device)   # warm-up
            sync(s.device)
            start = time.perf_counter()
            result = clip_on_device(ensemble_members, clip, batch, neurons, s.device)
            seconds = time.perf_counter() - start
            windows_count = s.frames - PLAN.behind
            rows.append({"dtype": dtype, "form": "inference", "members": s.members, "frames": s.frames,
                         "batch": batch, "seconds": seconds, "goal_met": seconds <= 1.0,
                         "member_windows_per_s": windows_count * s.members / seconds,
                         "finite": bool(torch.isfinite(result).all())})
            log(f"clip {s.frames} frames x {s.members} members, {dtype}, batch {batch}: {seconds:.2f} s")
        del ensemble_members
        if s.device.type == "cuda":
            torch.cuda.empty_cache()
    return {"rows": rows, "goal_seconds": 1.0}


# 6. recovery after an out-of-memory error
def out_of_memory(s: Settings, data: dict, log) -> dict:
    if s.device.type != "cuda":
        log("out of memory: skipped on the CPU")
        return {"skipped": "no CUDA device (dry run)"}
    member = load(data["inference"], s.device, "float32")
    x = windows(4, s.device)
    with torch.no_grad():
        before = member.readout(member.features(x), 0)
    baseline = torch.cuda.memory_allocated(s.device)
    total = torch.cuda.get_device_properties(s.device).total_memory
    # Enough windows that the first expanded activation alone exceeds the device's memory.
    huge = int(total / (448 * 16 * 64 * 64 * 4)) + 64
    caught, message = False, ""
    try:
        with torch.no_grad():
            big = torch.zeros(huge, 5, 16, 64, 64, device=s.device)
            member.features(big)
    except torch.cuda.OutOfMemoryError as error:
        caught, message = True, str(error).split("\n")[0][:200]
    except RuntimeError as error:  # some builds raise the generic type
        caught, message = "out of memory" in str(error), str(error).split("\n")[0][:200]
    big = None
    torch.cuda.empty_cache()
    with torch.no_grad():
        after = member.readout(member.features(x), 0)
    result = {"windows_forced": huge, "out_of_memory_raised": caught, "message": message,
              "same_result_after": bool(torch.equal(before, after)),
              "allocated_before_gib": baseline / 2 ** 30,
              "allocated_after_gib": torch.cuda.memory_allocated(s.device) / 2 ** 30}
    log(f"out of memory: raised {caught}, same result after {result['same_result_after']}, "
        f"allocated {result['allocated_before_gib']:.2f} -> {result['allocated_after_gib']:.2f} GiB")
    return result


# 7. one gradient step against one forward, 14 members
def gradient_section(s: Settings, data: dict, log) -> dict:
    rows = []
    neurons = s.kwargs["readout_outputs"][0]
    for dtype in ["float32", "bfloat16"]:
        if s.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(s.device)
        ensemble_members = [load(data["inference"], s.device, dtype) for _ in range(s.members)]
        x = windows(s.gradient_batch, s.device)
        weights = torch.ones(s.gradient_batch, neurons, 16, device=s.device) / (neurons * 16)

        def forward():
            with torch.no_grad():
                for member in ensemble_members:
                    member.readout(member.features(x), 0)

        def gradient():
            for member in ensemble_members:
                member.input_gradient(x, 0, weights)

        forward_s = timed(forward, s.device, s.seconds, minimum=1)
        gradient_s = timed(gradient, s.device, s.seconds, minimum=1)
        peak = torch.cuda.max_memory_allocated(s.device) / 2 ** 30 if s.device.type == "cuda" else 0.0
        rows.append({"dtype": dtype, "members": s.members, "windows": s.gradient_batch, "forward_s": forward_s,
                     "gradient_s": gradient_s, "ratio": gradient_s / forward_s, "peak_gib": peak})
        log(f"gradient {dtype}: forward {forward_s:.3f} s, input_gradient {gradient_s:.3f} s "
            f"({gradient_s / forward_s:.2f}x) for {s.gradient_batch} windows x {s.members} members")
        del ensemble_members
        if s.device.type == "cuda":
            torch.cuda.empty_cache()
    return {"rows": rows}


# 8. training with mixed precision (was trainer/scripts/gpu_check.py)
def synthetic_batches(count: int, batch: int, neurons, device, generator):
    """Fixed batches of camera-like windows with Poisson targets of a random linear-nonlinear model
    of the frames, so that the loss can fall."""
    batches = []
    projections = [torch.randn(16 * 8 * 8 + 4, n, generator=generator) / 30 for n in neurons]
    for _ in range(count):
        x = full_size.camera_windows(batch, generator)
        traces = x[:, 1:, :, 0, 0]
        pooled = torch.nn.functional.adaptive_avg_pool3d(x[:, :1], (16, 8, 8)).flatten(1) / 255
        features = torch.cat([pooled, traces.mean(-1) / 50], dim=1)
        mouse_of = torch.randint(len(neurons), (batch,), generator=generator)
        targets, weights = [], torch.zeros(batch, len(neurons))
        for m, n in enumerate(neurons):
            rate = torch.nn.functional.softplus(features @ projections[m])[:, :, None].expand(batch, n, 16)
            targets.append(torch.where((mouse_of == m)[:, None, None], torch.poisson(rate, generator=generator),
                                       torch.zeros_like(rate)))
        weights[torch.arange(batch), mouse_of] = 1.0
        batches.append((x.to(device), [t.to(device) for t in targets], weights.to(device)))
    return batches


def train_config(name: str, s: Settings, neurons, log) -> dict:
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    config = configs.load_config(name)
    amp = s.device.type == "cuda"
    model = DwiseNeuro(**configs.model_kwargs(config, neurons))
    init_weights(model)
    model.to(s.device)
    ema = ModelEma(model, config["ema_decay"])
    optimizer = torch.optim.AdamW(model.parameters(), **config["argus_params"]["optimizer"][1])
    scaler = torch.cuda.amp.GradScaler(enabled=amp)
    loss_fn = MicePoissonLoss(**config["argus_params"]["loss"][1])
    data = synthetic_batches(min(s.train_steps, 8), s.train_batch, neurons, s.device, generator)
    teacher = None
    if "distill" in config:  # an untrained stage-1-sized teacher with calibrated BatchNorm
        teacher_config = configs.load_config("true_batch_001" if amp else "demo")
        teacher = DwiseNeuro(**configs.model_kwargs(teacher_config, neurons))
        init_weights(teacher)
        teacher.to(s.device).train()
        with torch.no_grad():
            for x, _, _ in data:
                teacher(x)
        teacher.eval()
    steps = s.train_steps
    per_epoch = max(steps // sum(config["num_epochs"]), 1)
    schedule = LrSchedule(config, per_epoch * s.train_batch)
    losses, times = [], []
    if amp:
        torch.cuda.reset_peak_memory_stats(s.device)
    for step in range(steps):
        epoch, iteration = divmod(step, per_epoch)
        lr = schedule.lr(min(epoch, schedule.total_epochs - 1), iteration, per_epoch)
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, targets, weights = data[step % len(data)]
        targets, weights = [t.clone() for t in targets], weights.clone()
        sync(s.device)
        start = time.perf_counter()
        model.train()
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device_type=s.device.type, enabled=amp):
            if teacher is not None:
                with torch.no_grad():
                    add_distillation(teacher(x), targets, weights, config["distill"]["ratio"])
            loss = loss_fn(model(x), targets, weights)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        ema.update(model)
        sync(s.device)
        times.append(time.perf_counter() - start)
        losses.append(float(loss))
    warm = times[min(5, len(times) - 1):] or times
    window = max(len(losses) // 5, 1)
    result = {"config": name, "parameters": count_parameters(model), "batch_size": s.train_batch, "steps": steps,
              "amp": amp, "samples_per_s": s.train_batch * len(warm) / sum(warm),
              "loss_first": sum(losses[:window]) / window, "loss_last": sum(losses[-window:]) / window,
              "nonfinite_losses": sum(1 for v in losses if not math.isfinite(v)),
              "peak_gib": torch.cuda.max_memory_allocated(s.device) / 2 ** 30 if amp else 0.0}
    log(f"training {name}: {result['samples_per_s']:.1f} samples/s, loss {result['loss_first']:.4f} -> "
        f"{result['loss_last']:.4f}, peak {result['peak_gib']:.1f} GiB")
    return result


def training(s: Settings, log) -> dict:
    if s.dry_run:
        names, neurons = ["demo", "demo_distillation"], [50, 40]
    else:
        names, neurons = ["true_batch_001", "distillation_001"], constants.SENSORIUM_NUM_NEURONS
    rows = []
    for name in names:
        rows.append(train_config(name, s, neurons, log))
        if s.device.type == "cuda":
            torch.cuda.empty_cache()
    return {"rows": rows}


def markdown(report: dict) -> str:
    lines = [f"# GPU check {report['date']}", "",
             f"GPU: {report['gpu']}; torch {report['torch']}; CUDA {report['cuda']}; cuDNN {report['cudnn']}. "
             f"Command: `{report['command']}`. Members: {report['model']}.", ""]
    sections = report["sections"]

    def table(title, header, rows):
        lines.extend([f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)])
        lines.extend("| " + " | ".join(str(c) for c in row) + " |" for row in rows)
        lines.append("")

    for name, section in sections.items():
        if "error" in section:
            lines.extend([f"## {name}", "", f"failed: `{section['error']}`", ""])
        elif "skipped" in section:
            lines.extend([f"## {name}", "", f"skipped: {section['skipped']}", ""])
    get = lambda name: sections.get(name, {}).get("rows") or []  # noqa: E731
    table("Parity of the original vectors (relative to the original predictor)", ["form", "TF32", "error", "< 1e-4"],
          [(r["form"], r["tf32"], f"{r['max_relative_error']:.1e}", r["within_1e-4"]) for r in get("parity")])
    table("Half precision (readout, relative to float64)", ["form", "dtype", "TF32", "error"],
          [(r["form"], r["dtype"], r["tf32"], f"{r['readout_relative_error']:.1e}") for r in get("half_precision")])
    table("Call times by batch size in sequence (ms)", ["form", "executor", "batches", "ms"],
          [(r["form"], "on" if r["executor_optimize"] else "off", r["batches"], ", ".join(f"{t:.0f}" for t in r["ms"]))
           for r in get("call_sequence")])
    table("Throughput of one member (windows/s, executor off, TF32 off)",
          ["dtype", "batch", "plain", "inference", "ratio", "peak GiB"],
          [(r["dtype"], r["batch"], f"{r['plain_windows_per_s']:.1f}", f"{r['inference_windows_per_s']:.1f}",
            f"{r['ratio']:.2f}x", f"{r['peak_gib']:.1f}") for r in get("throughput")])
    table("Clip through the ensemble on the device data path (goal <= 1.0 s)",
          ["dtype", "members", "frames", "batch", "seconds", "member-windows/s", "goal met"],
          [(r["dtype"], r["members"], r["frames"], r["batch"], f"{r['seconds']:.2f}",
            f"{r['member_windows_per_s']:.0f}", r["goal_met"]) for r in get("clip")])
    oom = sections.get("out_of_memory", {})
    if "out_of_memory_raised" in oom:
        lines.extend(["## Out of memory", "", f"forced with {oom['windows_forced']} windows: raised "
                      f"{oom['out_of_memory_raised']}; the same numbers after: {oom['same_result_after']}; allocated "
                      f"{oom['allocated_before_gib']:.2f} -> {oom['allocated_after_gib']:.2f} GiB", ""])
    table("One input_gradient step against one forward", ["dtype", "members", "windows", "forward s", "gradient s", "ratio"],
          [(r["dtype"], r["members"], r["windows"], f"{r['forward_s']:.3f}", f"{r['gradient_s']:.3f}",
            f"{r['ratio']:.2f}x") for r in get("gradient")])
    table("Training with mixed precision", ["config", "parameters", "batch", "steps", "samples/s", "peak GiB", "loss first -> last"],
          [(r["config"], f"{r['parameters']:,}", r["batch_size"], r["steps"], f"{r['samples_per_s']:.1f}",
            f"{r['peak_gib']:.1f}", f"{r['loss_first']:.4f} -> {r['loss_last']:.4f}") for r in get("training")])
    lines.append(f"Section times (s): " + ", ".join(f"{k} {v['seconds']:.0f}" for k, v in sections.items()))
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for gpu-check.json and gpu-check.md")
    parser.add_argument("--dry-run", action="store_true", help="no CUDA needed: every section with a tiny model on the CPU")
    parser.add_argument("--skip", default="", help="comma-separated sections to leave out")
    args = parser.parse_args(argv)
    if not args.dry_run and not torch.cuda.is_available():
        print("gpu_check: error: no CUDA device is available; run it on a GPU machine "
              "(or pass --dry-run to check the script on the CPU)", file=sys.stderr)
        return 2
    s = Settings(args.dry_run)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    def log(message):
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", flush=True)

    set_tf32(False)
    set_executor(False)
    report = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "gpu": torch.cuda.get_device_name(s.device) if s.device.type == "cuda" else "none (CPU dry run)",
              "torch": torch.__version__, "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version(),
              "nvidia_tf32_override": os.environ.get("NVIDIA_TF32_OVERRIDE"),
              "command": "python3 bench/gpu_check.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "model": ("tiny (dry run)" if s.dry_run else "true_batch_001 architecture, ten Sensorium readouts")
                       + ", random weights, calibrated BatchNorm", "sections": {}}

    def write():
        (args.out / "gpu-check.json").write_text(json.dumps(report, indent=1) + "\n")
        (args.out / "gpu-check.md").write_text(markdown(report))

    log(f"{report['gpu']}, torch {report['torch']}, CUDA {report['cuda']}: building the members")
    model = full_size.random_model(s.kwargs)
    data = {form: scripted_bytes(model, form) for form in members.FORMS}
    log("members built")
    sections = [("parity", lambda: parity(s, log)),
                ("half_precision", lambda: half_precision(s, model, data, log)),
                ("call_sequence", lambda: call_sequence(s, data, log)),
                ("throughput", lambda: throughput(s, data, log)),
                ("clip", lambda: clip_section(s, data, log)),
                ("out_of_memory", lambda: out_of_memory(s, data, log)),
                ("gradient", lambda: gradient_section(s, data, log)),
                ("training", lambda: training(s, log))]
    skip = set(filter(None, args.skip.split(",")))
    for name, run in sections:
        if name in skip:
            continue
        start = time.perf_counter()
        log(f"== {name}")
        try:
            result = run()
        except Exception as error:  # record it and go on: the other sections still report
            traceback.print_exc()
            result = {"error": f"{type(error).__name__}: {str(error).splitlines()[0][:300] if str(error) else ''}"}
            if s.device.type == "cuda":
                torch.cuda.empty_cache()
        set_tf32(False)  # whatever a failed section left behind
        set_executor(False)
        result["seconds"] = time.perf_counter() - start
        report["sections"][name] = result
        write()
    log(f"wrote {args.out / 'gpu-check.json'} and gpu-check.md")
    print(markdown(report))
    return 1 if any("error" in v for v in report["sections"].values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
