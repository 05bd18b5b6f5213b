#!/usr/bin/env python3
"""The inference form against the plain form of a full-size member (true_batch_001 architecture,
random weights, calibrated BatchNorm), in float32 and bfloat16, side by side in one run:

- windows/s in the service's libtorch 2.3.1 (bench/RawForward.java: features + readout as the
  service calls them, 2 intra-op threads) and in Python (this torch), batch 1, 4, 8;
- the error of each variant's readout against the eager float32 model (Python).

Variants are measured in alternation, round after round, so that a slow spell of the machine hits
both; the table gives each variant's median over rounds and the ratio to plain float32.

    LD_PRELOAD=$(bin/serve --print-allocator) /usr/bin/python3 bench/inference_form.py   # ~15 min, 2 CPUs
    /usr/bin/python3 bench/inference_form.py --dry-run        # tiny model: checks the script

With the service's allocator (tcmalloc, as bin/serve runs it) preloaded for both Python and the JVMs it
starts; the allocator changes the full-size figures by up to 3x (bench/allocator_full_size.sh).

Needs `./mvnw -B -ntp -q package -DskipTests` first (the jars RawForward runs on). Writes
bench/results/inference-form-<date>.md (bench/out/ for a dry run).
"""
import argparse
import datetime
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "trainer"))
from dwiseneuro_trainer import full_size, members  # noqa: E402

VARIANTS = [("plain", "float32"), ("inference", "float32"), ("plain", "bfloat16"), ("inference", "bfloat16")]


def build(folder: Path, tiny: bool) -> dict:
    """The four member files and each one's readout error against the eager float32 model."""
    folder.mkdir(parents=True, exist_ok=True)
    model = full_size.random_model(full_size.model_kwargs(tiny=tiny))
    x = full_size.camera_windows(2, torch.Generator().manual_seed(5))
    with torch.no_grad():
        expected = model.readout(model.features(x), 0)
    errors = {}
    for form, dtype in VARIANTS:
        member = members.script_member(model, form).to(members.DTYPES[dtype])
        path = folder / f"{form}-{dtype}.pt"
        member.save(str(path))
        with torch.no_grad():
            actual = member.readout(member.features(x), 0)
        errors[(form, dtype)] = float((actual - expected).abs().max() / expected.abs().max())
        print(f"built {path.name}: readout relative error {errors[(form, dtype)]:.1e}", flush=True)
    return errors


def python_rate(member, batch: int, seconds: float) -> float:
    x = full_size.camera_windows(batch, torch.Generator().manual_seed(batch))
    with torch.no_grad():
        for _ in range(2):  # the profiling executor specialises on the first calls
            member.readout(member.features(x), 0)
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds or count < 2:
            member.readout(member.features(x), 0)
            count += 1
    return batch * count / (time.perf_counter() - start)


def java_rates(path: Path, batches, seconds: float, threads: int) -> dict:
    command = ["java", "-cp", str(ROOT / "target" / "quarkus-app" / "lib" / "main") + "/*",
               str(ROOT / "bench" / "RawForward.java"), f"threads={threads}", f"seconds={seconds}",
               "batches=" + ",".join(map(str, batches)), str(path)]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=str(ROOT)).stdout
    rates = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == "batch":
            rates[int(parts[1])] = float(parts[3])
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="tiny model, short timings (checks the script)")
    parser.add_argument("--batches", default="1,4,8")
    parser.add_argument("--seconds", type=float, default=15.0, help="per variant, batch size and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-java", action="store_true", help="Python only (no packaged service here)")
    args = parser.parse_args()
    if args.dry_run:
        args.seconds, args.rounds = 0.3, 1
    batches = [int(b) for b in args.batches.split(",")]
    torch.set_num_threads(args.threads)
    out_dir = ROOT / "bench" / "out" / ("inference-form-dry-run" if args.dry_run else "inference-form")
    errors = build(out_dir, args.dry_run)
    java = {v: {b: [] for b in batches} for v in VARIANTS}
    python = {v: {b: [] for b in batches} for v in VARIANTS}
    loaded = {v: torch.jit.load(str(out_dir / f"{v[0]}-{v[1]}.pt")) for v in VARIANTS}
    for round_ in range(args.rounds):
        for variant in VARIANTS:
            if not args.no_java:
                for batch, rate in java_rates(out_dir / f"{variant[0]}-{variant[1]}.pt", batches,
                                              args.seconds * len(batches), args.threads).items():
                    java[variant][batch].append(rate)
            for batch in batches:
                python[variant][batch].append(python_rate(loaded[variant], batch, args.seconds))
            print(f"round {round_ + 1}/{args.rounds} {variant[0]} {variant[1]}: "
                  f"libtorch {[round(statistics.median(java[variant][b]), 3) for b in batches if java[variant][b]]} "
                  f"python {[round(statistics.median(python[variant][b]), 3) for b in batches]} windows/s",
                  flush=True)
    stamp = datetime.datetime.now(datetime.timezone.utc)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    command = "/usr/bin/python3 bench/inference_form.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    lines = [f"# Inference form against plain, {'tiny model (dry run)' if args.dry_run else 'full-size member'}, "
             f"{stamp:%Y-%m-%d %H:%M} UTC", "",
             f"Command: `{command.strip()}`. Machine: {os.cpu_count()} CPUs ({cpu}); {args.threads} intra-op "
             f"threads; libtorch 2.3.1 via DJL 0.29 (bench/RawForward.java) and Python torch {torch.__version__}; "
             f"LD_PRELOAD={os.environ.get('LD_PRELOAD') or 'none (glibc malloc)'}. "
             f"One member ({'tiny' if args.dry_run else 'true_batch_001'} architecture, random weights, "
             f"calibrated BatchNorm), features + readout of mouse 0; median windows/s of {args.rounds} "
             f"alternating rounds of {args.seconds:g} s per batch size; ratio to plain float32 at the same batch.",
             "", "| form | dtype | batch | libtorch windows/s | ratio | Python windows/s | ratio | readout error vs float32 |",
             "|---|---|---|---|---|---|---|---|"]
    for variant in VARIANTS:
        for batch in batches:
            row = [variant[0], variant[1], str(batch)]
            for table in (java, python):
                if table[variant][batch]:
                    rate = statistics.median(table[variant][batch])
                    base = statistics.median(table[VARIANTS[0]][batch])
                    row += [f"{rate:.3f}", f"{rate / base:.2f}x"]
                else:
                    row += ["-", "-"]
            row.append(f"{errors[variant]:.1e}")
            lines.append("| " + " | ".join(row) + " |")
    results = ROOT / "bench" / ("out" if args.dry_run else "results")
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"inference-form-{stamp:%Y-%m-%d}{'-dry-run' if args.dry_run else ''}.md"
    path.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
