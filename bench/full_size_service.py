"""The service over HTTP on a 2-member full-size ensemble against raw DJL at the same batch (issue 11
§3, target >= 0.9x): serving overhead on the model the service is for, in one run.

The ensemble is the published architecture with random weights, written by `trainer export` (bench/
full_size.py; --form is passed on to it). The reference is bench/RawForward.java: the same members'
features + readout in the service's own libtorch, same batch and threads, no HTTP, queue or blend. It
runs before and after the service phase, and the ratio is taken against their mean, so that a drift of
the machine during the run shows as a spread between the two instead of hiding in the ratio.

    bench/run.sh is not needed: run with the allocator bin/serve gives the service (tcmalloc), e.g.
    LD_PRELOAD=$(bin/serve --print-allocator) /usr/bin/python3 bench/full_size_service.py --batch 4 --seconds 300
    /usr/bin/python3 bench/full_size_service.py --dry-run     tiny members, seconds: checks the script works

Writes bench/results/full-size-service-<date>.md (--dry-run: bench/out/).
"""
import argparse
import datetime
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import bench  # noqa: E402  (the batching benchmark's load generator, raw DJL runner and service starter)
import full_size  # noqa: E402
from dwiseneuro_trainer import ensemble as ensembles  # noqa: E402
from dwiseneuro_trainer.inputs import WindowPlan  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=4, help="max-batch of the service = batch of the reference")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=300.0, help="service load phase; each reference gets half")
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--form", default=None, help="member form passed to trainer export (plain, inference)")
    parser.add_argument("--dry-run", action="store_true", help="tiny members and a few seconds")
    args = parser.parse_args()
    if not (ROOT / "target" / "quarkus-app" / "quarkus-run.jar").is_file():
        print("package the service first: ./mvnw -B -ntp package -DskipTests", file=sys.stderr)
        return 2
    work = ROOT / "bench" / "out"
    out = work if args.dry_run else ROOT / "bench" / "results"
    if args.dry_run:
        args.seconds = min(args.seconds, 6.0)
    models = work / ("tiny-ensemble" if args.dry_run else "full-size-ensemble") / (args.form or "default")
    if not (models / "manifest.json").is_file():
        full_size.write_ensemble(models, members=2, form=args.form, tiny=args.dry_run)
    manifest = ensembles.read_manifest(models)
    mouse = manifest["mice"][0]["id"]
    plan = WindowPlan(16, 2, "last")
    frames = 30 + 4 * args.batch  # 4 full batches per clip
    files = bench.clip_files(ROOT / "models" / "demo" / "sample", frames, work)
    windows = len(plan.ends(frames))

    before = bench.raw_forward_djl(models, manifest["members"], [args.batch], args.threads, args.seconds / 2)[args.batch]
    service = bench.Service(models, work / "service-full-size.log", extra_args=[
        f"-Ddwiseneuro.batching.max-batch={args.batch}", f"-Ddwiseneuro.threads={args.threads}",
        "-Ddwiseneuro.batching.max-delay=50ms", "-Ddwiseneuro.batching.default-timeout=3600s",
        "-Ddwiseneuro.batching.log-interval=60s"])
    try:
        service.wait_ready(timeout=1800)
        status, _, body = service.post_clip(mouse, files, "application/x-npy")  # every shape the phase meets, once
        assert status == 200, body[:500]
        stats = bench.batch_stats(service)
        served = bench.load(service, mouse, files, args.clients, args.seconds, windows)
        served["mean_batch"] = bench.mean_batch(stats, bench.batch_stats(service))
    finally:
        service.stop()
    after = bench.raw_forward_djl(models, manifest["members"], [args.batch], args.threads, args.seconds / 2)[args.batch]
    raw = (before + after) / 2
    ratio = served["windows_per_s"] / raw

    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor())
    members = ", ".join(f"{m['file']} ({m.get('form', 'plain')}, {m.get('dtype', 'float32')}, "
                        f"{m.get('parameters', 0) / 1e6:.0f} M parameters)" for m in manifest["members"])
    command = " ".join(["/usr/bin/python3", "bench/full_size_service.py"] + sys.argv[1:])
    report = "\n".join([
        f"# Service vs raw DJL, {'tiny (dry run)' if args.dry_run else 'full-size'} 2-member ensemble, "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC", "",
        f"- command: `{command}`; allocator of every process: {os.environ.get('LD_PRELOAD') or 'glibc'}",
        f"- machine: {os.cpu_count()} CPUs ({cpu}), libtorch 2.3.1 via DJL 0.29.0, {args.threads} intra-op threads",
        f"- members: {members}; mouse {mouse}",
        f"- service: max-batch {args.batch}, {args.clients} clients posting {frames}-frame clips ({windows} windows) "
        f"back to back for {args.seconds:.0f} s; mean batch {served['mean_batch']:.1f}, {served['requests']} requests, "
        f"p50 {served['p50_s']:.1f} s", "",
        "| measurement | windows/s (one window through both members) |", "|---|---|",
        f"| raw DJL batch {args.batch}, before | {before:.3f} |",
        f"| service over HTTP | {served['windows_per_s']:.3f} |",
        f"| raw DJL batch {args.batch}, after | {after:.3f} |", "",
        f"**service / raw = {ratio:.2f}** (target >= 0.9; raw is the mean of before and after, which differ by "
        f"{abs(before - after) / raw * 100:.0f} %)", ""])
    print(report)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"full-size-service-{datetime.date.today().isoformat()}{'-dry-run' if args.dry_run else ''}.md"
    path.write_text(report)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
