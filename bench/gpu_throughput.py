"""GPU figures the service's GPU path is planned against (issue 4): TorchScript windows/s of the
full-size DwiseNeuro for batch sizes 1..256 in fp32 and bf16, and the time for one 300-frame clip
through 14 members with the service's data path (clip uploaded once, windows gathered on the device,
outputs blended on the device, one copy back).

    /usr/bin/python3 bench/gpu_throughput.py                 # on a CUDA machine
    /usr/bin/python3 bench/gpu_throughput.py --dry-run       # tiny model on CPU: checks the script runs
"""
import argparse
import datetime
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "trainer"))
from dwiseneuro_trainer import configs  # noqa: E402
from dwiseneuro_trainer.model import DwiseNeuro, init_weights  # noqa: E402

TINY = dict(readout_outputs=[37, 52], core_features=(8, 16, 16), spatial_strides=(2, 2, 1),
            expansion_ratio=2, se_reduce_ratio=4, cortex_features=(48, 96))


def build(kwargs, device, dtype):
    model = DwiseNeuro(**kwargs)
    init_weights(model)
    model = torch.jit.script(model.eval()).to(device=device, dtype=dtype)
    return model


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def windows_per_second(model, batch, device, dtype, seconds):
    x = torch.rand(batch, 5, 16, 64, 64, device=device).mul_(255).to(dtype)
    with torch.no_grad():
        for _ in range(3):
            model.readout(model.features(x), 0)
        sync(device)
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds or count < 3:
            model.readout(model.features(x), 0)
            count += 1
        sync(device)
    return batch * count / (time.perf_counter() - start)


def clip_through_members(members, frames, batch, device, dtype, neurons):
    """The service's data path for one clip of `frames` frames and every member."""
    plan_ends = list(range(30, frames))
    clip = torch.rand(5, frames, 64, 64).mul_(255)
    start = time.perf_counter()
    with torch.no_grad():
        on_device = clip.to(device)                                   # one upload
        blend = torch.zeros(neurons, frames, device=device)
        offsets = torch.arange(0, 31, 2, device=device)
        for lo in range(0, len(plan_ends), batch):
            ends = torch.tensor(plan_ends[lo:lo + batch], device=device)
            index = ends[:, None] - 30 + offsets[None, :]            # (windows, 16)
            windows = on_device[:, index].permute(1, 0, 2, 3, 4).to(dtype)  # gathered on the device
            placement = torch.zeros(index.numel(), frames, device=device)
            placement[torch.arange(index.numel(), device=device), index.reshape(-1)] = 1.0
            for member in members:
                out = member.readout(member.features(windows), 0).float()   # (windows, neurons, 16)
                blend += out.permute(1, 0, 2).reshape(neurons, -1) @ placement
        counts = torch.zeros(frames, device=device)
        counts.index_add_(0, (torch.tensor(plan_ends, device=device)[:, None] - 30 + offsets).reshape(-1),
                          torch.ones(len(plan_ends) * 16, device=device))
        result = (blend / (counts.clamp(min=1) * len(members))).cpu()  # one copy back
    sync(device)
    return time.perf_counter() - start, result.shape


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="tiny model on the CPU, a few batch sizes")
    parser.add_argument("--seconds", type=float, default=2.0, help="per batch size and dtype")
    parser.add_argument("--members", type=int, default=14)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    if args.dry_run:
        device, kwargs, sizes, dtypes = torch.device("cpu"), TINY, [1, 4], [torch.float32]
        args.members, args.seconds, args.out = 2, 0.2, ROOT / "bench" / "out"
    else:
        if not torch.cuda.is_available():
            print("no CUDA device: run with --dry-run to check the script on CPU", file=sys.stderr)
            return 2
        device = torch.device("cuda")
        kwargs = configs.model_kwargs(configs.true_batch_001())
        sizes, dtypes = [1, 2, 4, 8, 16, 32, 64, 128, 256], [torch.float32, torch.bfloat16]
        torch.backends.cudnn.benchmark = True
    rows = []
    for dtype in dtypes:
        model = build(kwargs, device, dtype)
        for batch in sizes:
            rate = windows_per_second(model, batch, device, dtype, args.seconds)
            memory = torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else 0.0
            rows.append({"dtype": str(dtype).replace("torch.", ""), "batch": batch, "windows_per_s": rate,
                         "peak_gib": memory})
            print(f"{rows[-1]['dtype']:>9} batch {batch:>4}: {rate:9.1f} windows/s, peak {memory:.1f} GiB", flush=True)
        del model
    clip_rows = []
    frames = 60 if args.dry_run else 300
    for dtype in dtypes:
        members = [build(kwargs, device, dtype) for _ in range(args.members)]
        batch = 64 if not args.dry_run else 8
        clip_through_members(members, 60, batch, device, dtype, kwargs["readout_outputs"][0])  # warm-up
        seconds, shape = clip_through_members(members, frames, batch, device, dtype, kwargs["readout_outputs"][0])
        clip_rows.append({"dtype": str(dtype).replace("torch.", ""), "members": args.members, "frames": frames,
                          "batch": batch, "seconds": seconds, "windows_per_s": (frames - 30) * args.members / seconds})
        print(f"{frames}-frame clip, {args.members} members, {clip_rows[-1]['dtype']}: {seconds:.2f} s", flush=True)
        del members
    name = torch.cuda.get_device_name() if device.type == "cuda" else "cpu (dry run)"
    stamp = datetime.datetime.now().isoformat(timespec="seconds")
    report = {"date": stamp, "device": name, "torch": torch.__version__, "throughput": rows, "clip": clip_rows}
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "dry-run" if args.dry_run else "gpu"
    (args.out / f"gpu-throughput-{suffix}.json").write_text(json.dumps(report, indent=1))
    lines = [f"# TorchScript throughput, {stamp}, {name}, torch {torch.__version__}", "",
             "| dtype | batch | windows/s (one member) | peak GiB |", "|---|---|---|---|"]
    lines += [f"| {r['dtype']} | {r['batch']} | {r['windows_per_s']:.1f} | {r['peak_gib']:.1f} |" for r in rows]
    lines += ["", "| dtype | members | frames | batch | seconds per clip | member-windows/s |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['dtype']} | {r['members']} | {r['frames']} | {r['batch']} | {r['seconds']:.2f} | {r['windows_per_s']:.0f} |"
              for r in clip_rows]
    (args.out / f"gpu-throughput-{suffix}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
