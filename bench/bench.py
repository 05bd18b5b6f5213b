"""Batching benchmark (issue 4): every figure is a ratio of two measurements taken in this one run.

(a) serving overhead: windows/s of the service over HTTP under load vs the raw TorchScript forward
    throughput of the same members at the same batch size and thread count, in Python;
(b) coalescing: 8 concurrent clients of short clips, max-batch B vs max-batch 1;
(c) the original predictor's way (one window per forward call, Python) vs the service, same clip.

Two references come from the service's own libtorch (bench/RawForward.java, DJL without HTTP): the raw
forward at the same batch size, which separates serving overhead from the difference between Python's
torch and the service's libtorch, and the raw forward at batch 1, whose ratio is the most coalescing can
gain on this machine. (d) measures the allocator: bench/run.sh runs everything with tcmalloc preloaded,
as bin/serve and the images run the service; RawForward runs once more on glibc for comparison.
"""
import argparse
import datetime
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src" / "test" / "cross"))
sys.path.insert(0, str(ROOT / "trainer"))
from service import Service  # noqa: E402
from dwiseneuro_trainer import ensemble as ensembles  # noqa: E402
from dwiseneuro_trainer.inputs import WindowPlan, stack_inputs  # noqa: E402
from dwiseneuro_trainer.predict import predict_member  # noqa: E402


def clip_files(sample: Path, frames: int, out: Path):
    files = {}
    for name in ("video", "behavior", "pupil_center"):
        array = np.load(sample / f"{name}.npy")
        reps = -(-frames // array.shape[-1])
        array = np.concatenate([array] * reps, axis=-1)[..., :frames]
        files[name] = out / f"{name}-{frames}.npy"
        np.save(files[name], array)
    return files


def raw_forward(models: Path, batch: int, threads: int, seconds: float) -> float:
    """Ensemble windows/s of the TorchScript members called directly: batch / sum of member times."""
    torch.set_num_threads(threads)
    loaded = ensembles.load_ensemble(models)
    x = torch.rand(batch, 5, 16, 64, 64) * 255
    per_member = []
    with torch.no_grad():
        for member in loaded.members:
            for _ in range(2):
                member.predict(x, 0)
            count, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds / len(loaded.members) or count < 3:
                member.predict(x, 0)
                count += 1
            per_member.append((time.perf_counter() - start) / count)
    return batch / sum(per_member)


def raw_forward_djl(models: Path, members, batches, threads: int, seconds: float, glibc=False):
    """{batch: ensemble windows/s} of bench/RawForward.java in the service's libtorch."""
    env = dict(os.environ)
    if glibc:   # the images' glibc setting before tcmalloc (bin/serve's fallback)
        env.pop("LD_PRELOAD", None)
        env.update(MALLOC_ARENA_MAX="2", MALLOC_MMAP_THRESHOLD_="131072")
    command = ["java", "-cp", str(ROOT / "target" / "quarkus-app" / "lib" / "main" / "*"),
               str(ROOT / "bench" / "RawForward.java"), f"threads={threads}", f"seconds={seconds}",
               "batches=" + ",".join(map(str, batches))] + [str(models / m["file"]) for m in members]
    lines = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout.splitlines()
    return {int(l.split()[1]): float(l.split()[3]) for l in lines if l.startswith("batch ")}


def load(service: Service, mouse: str, files, clients: int, seconds: float, windows_per_clip: int):
    """`clients` threads posting clips back to back for `seconds`; returns windows/s and latencies."""
    latencies, statuses, lock = [], [], threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client():
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            status, _, _ = service.post_clip(mouse, files, "application/x-npy")
            with lock:
                latencies.append(time.perf_counter() - start)
                statuses.append(status)

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    ok = statuses.count(200)
    assert ok == len(statuses), f"non-200 answers: {sorted(set(statuses))}"
    return {"windows_per_s": ok * windows_per_clip / wall, "requests": ok,
            "p50_s": float(np.percentile(latencies, 50)), "p99_s": float(np.percentile(latencies, 99))}


def batch_stats(service: Service):
    text = __import__("urllib.request").request.urlopen(service.url("/q/metrics")).read().decode()
    values = {}
    for line in text.splitlines():
        for key in ("dwiseneuro_batch_windows_count", "dwiseneuro_batch_windows_sum"):
            if line.startswith(key + " "):
                values[key] = float(line.split()[-1])
    return values


def mean_batch(before, after):
    count = after["dwiseneuro_batch_windows_count"] - before.get("dwiseneuro_batch_windows_count", 0)
    total = after["dwiseneuro_batch_windows_sum"] - before.get("dwiseneuro_batch_windows_sum", 0)
    return total / count if count else 0.0


def serve(models: Path, logs: Path, name: str, batch: int, threads: int, delay_ms: int, extra=()) -> Service:
    service = Service(models, logs / f"service-{name}.log", extra_args=[
        f"-Ddwiseneuro.batching.max-batch={batch}", f"-Ddwiseneuro.threads={threads}",
        f"-Ddwiseneuro.batching.max-delay={delay_ms}ms", "-Ddwiseneuro.batching.log-interval=10s", *extra])
    service.wait_ready()
    return service


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=Path, default=ROOT / "models" / "demo")
    parser.add_argument("--mouse", default=None)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=30.0, help="duration of each load phase")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    work = ROOT / "bench" / "out"
    work.mkdir(parents=True, exist_ok=True)
    manifest = ensembles.read_manifest(args.models)
    mouse = args.mouse or manifest["mice"][0]["id"]
    plan = WindowPlan(16, 2, "last")
    long_frames, short_frames = 30 + 4 * args.batch, 35      # 4 full batches per clip / 5 windows per clip
    long_files = clip_files(args.models / "sample", long_frames, work)
    short_files = clip_files(args.models / "sample", short_frames, work)
    rows = []

    allocator = os.environ.get("LD_PRELOAD") or "glibc (no LD_PRELOAD)"
    # (a) serving overhead at saturation; (d) and the coalescing ceiling from the same libtorch
    raw = raw_forward(args.models, args.batch, args.threads, args.seconds / 2)
    djl = raw_forward_djl(args.models, manifest["members"], [1, args.batch], args.threads, args.seconds / 2)
    djl_glibc = raw_forward_djl(args.models, manifest["members"], [1, args.batch], args.threads, args.seconds / 2,
                                glibc=True)
    service = serve(args.models, work, "batched", args.batch, args.threads, 5)
    try:
        load(service, mouse, long_files, 2, 5, len(plan.ends(long_frames)))  # warm the JIT on these shapes
        saturated = load(service, mouse, long_files, 4, args.seconds, len(plan.ends(long_frames)))
        rows.append(("(a) serving overhead", f"service {saturated['windows_per_s']:.1f} win/s over HTTP",
                     f"raw TorchScript in Python (torch {torch.__version__}) {raw:.1f} win/s",
                     saturated["windows_per_s"] / raw, ">= 0.9"))
        rows.append(("(a') serving overhead, same libtorch", f"service {saturated['windows_per_s']:.1f} win/s",
                     f"raw TorchScript in DJL {djl[args.batch]:.1f} win/s", saturated["windows_per_s"] / djl[args.batch],
                     "(>= 0.9)"))
        # (b) coalescing, batched side
        before = batch_stats(service)
        coalesced = load(service, mouse, short_files, 8, args.seconds, len(plan.ends(short_frames)))
        coalesced["mean_batch"] = mean_batch(before, batch_stats(service))
        # (c) one clip, one request, vs the original predictor's loop
        single = []
        for _ in range(3):
            start = time.perf_counter()
            status, _, _ = service.post_clip(mouse, long_files, "application/x-npy")
            assert status == 200
            single.append(time.perf_counter() - start)
    finally:
        service.stop()
    service = serve(args.models, work, "unbatched", 1, args.threads, 0)
    try:
        load(service, mouse, short_files, 8, 5, len(plan.ends(short_frames)))
        before = batch_stats(service)
        unbatched = load(service, mouse, short_files, 8, args.seconds, len(plan.ends(short_frames)))
        unbatched["mean_batch"] = mean_batch(before, batch_stats(service))
    finally:
        service.stop()
    rows.append(("(b) coalescing, 8 clients", f"max-batch {args.batch}: {coalesced['windows_per_s']:.1f} win/s, "
                 f"mean batch {coalesced['mean_batch']:.1f}, p99 {coalesced['p99_s']:.2f} s",
                 f"max-batch 1: {unbatched['windows_per_s']:.1f} win/s, p99 {unbatched['p99_s']:.2f} s",
                 coalesced["windows_per_s"] / unbatched["windows_per_s"], ">= 1.5, mean batch >= 4"))
    rows.append(("(b') the model's own gain from batching (ceiling of (b))", f"raw DJL batch {args.batch}: "
                 f"{djl[args.batch]:.1f} win/s", f"raw DJL batch 1: {djl[1]:.1f} win/s", djl[args.batch] / djl[1], "-"))
    torch.set_num_threads(args.threads)
    loaded = ensembles.load_ensemble(args.models)
    arrays = [np.load(long_files[n]) for n in ("video", "behavior", "pupil_center")]
    inputs = torch.from_numpy(stack_inputs(*arrays))
    index = loaded.mouse_index(mouse)
    original = []
    for _ in range(2):
        start = time.perf_counter()
        for member in loaded.members:
            predict_member(member, inputs, index, loaded.neurons(index), plan, batch_size=1)
        original.append(time.perf_counter() - start)
    rows.append(("(c) one clip of %d frames" % long_frames, f"service {min(single):.2f} s",
                 f"original one-window loop {min(original):.2f} s", min(original) / min(single), "speed-up"))

    for batch in (args.batch, 1):
        rows.append((f"(d) allocator, raw DJL batch {batch}", f"{Path(allocator.split()[0]).name} {djl[batch]:.1f} win/s",
                     f"glibc, MALLOC_MMAP_THRESHOLD_=131072: {djl_glibc[batch]:.1f} win/s", djl[batch] / djl_glibc[batch],
                     "-"))

    command = " ".join([Path(sys.executable).name, "bench/bench.py"] + sys.argv[1:])
    table = ["| measurement | ours | reference | ratio | target |", "|---|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {r:.2f} | {t} |" for a, b, c, r, t in rows]
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor())
    report = "\n".join([
        f"# Batching benchmark, {datetime.date.today().isoformat()}", "",
        f"- machine: {os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, torch {torch.__version__} "
        f"(Python reference), libtorch 2.3.1 via DJL 0.29.0 (service)",
        f"- ensemble: {args.models} ({len(manifest['members'])} members), mouse {mouse}; batch {args.batch}, "
        f"threads {args.threads}, {args.seconds:.0f} s per load phase; allocator of every process: {allocator}",
        f"- command: `{command}`", "", *table, "",
        "Windows/s count one window through every member of the ensemble. Other processes on the machine "
        "add noise; the ratios are measured side by side in one run.", ""])
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"batching-{datetime.date.today().isoformat()}.md"
    path.write_text(report)
    (args.out / "batching-latest.json").write_text(json.dumps({"rows": rows, "command": command}, indent=1))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
