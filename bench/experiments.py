"""Experiments benchmark (issue 12): every figure is a ratio of two measurements taken in this one run.

(a) throughput: windows/s of experiment jobs run back to back through the service (background priority,
    nothing else running) vs the raw TorchScript forward of the same members at the same batch size (the
    batches background work gets: background-batch windows, 4 by default on the CPU this runs on) and
    thread count in the service's own libtorch (bench/RawForward.java, DJL without HTTP). Target >= 0.9.
    The raw forward at max-batch is measured beside it.
(b) interactive latency: p99 of /v1/mice/{id}/responses under a steady interactive load while experiment
    jobs keep the device busy vs the same load with no job. Target <= 1.5.

The jobs run the spec given with --spec (default: a direction_tuning spec with the contract keys) one after
another, so that a job is always running during the phases; throughput is counted from the service's own
dwiseneuro_windows_scheduled_total{priority="background"} over the phase's wall time, so the gaps between
jobs (stimulus generation, analysis, saving results) count against it.
"""
import argparse
import datetime
import json
import os
import platform
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import ROOT, clip_files, ensembles, load, raw_forward_djl, serve, WindowPlan  # noqa: E402

DEFAULT_SPEC = {"type": "direction_tuning", "directions": 8, "spatial_frequency": 0.04, "temporal_frequency": 2.0,
                "contrast": 1.0}


def request(service, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(service.url(path), data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=120) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def scheduled(service, priority):
    text = urllib.request.urlopen(service.url("/q/metrics"), timeout=30).read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("dwiseneuro_windows_scheduled_total{") and f'priority="{priority}"' in line)


class JobKeeper(threading.Thread):
    """Keeps one experiment job running: submits the spec, waits for it to finish, submits it again."""

    def __init__(self, service, mouse, spec):
        super().__init__(daemon=True)
        self.service, self.mouse, self.spec = service, mouse, spec
        self.stop_event = threading.Event()
        self.jobs = []          # finished job records
        self.current = None
        self.error = None

    def run(self):
        try:
            while not self.stop_event.is_set():
                status, job = request(self.service, "POST", f"/v1/mice/{self.mouse}/experiments", self.spec)
                if status != 202:
                    raise RuntimeError(f"POST experiments answered {status}: {job}")
                self.current = job["id"]
                while not self.stop_event.is_set():
                    _, job = request(self.service, "GET", f"/v1/experiments/{self.current}")
                    if job["state"] not in ("queued", "running"):
                        if job["state"] != "done":
                            raise RuntimeError(f"job {self.current} ended {job['state']}: {job.get('error')}")
                        self.jobs.append(job)
                        break
                    time.sleep(0.2)
        except Exception as error:  # reported by the main thread
            self.error = error

    def finish(self):
        self.stop_event.set()
        if self.current:
            request(self.service, "DELETE", f"/v1/experiments/{self.current}")
        self.join(timeout=30)
        if self.error:
            raise self.error


def wait_running(service, keeper, timeout=300):
    end = time.time() + timeout
    while time.time() < end:
        if keeper.error:
            raise keeper.error
        if keeper.current:
            _, job = request(service, "GET", f"/v1/experiments/{keeper.current}")
            if job["state"] == "running" and job["windows_done"] > 0:
                return
        time.sleep(0.1)
    raise RuntimeError("no experiment job started running")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=Path, default=ROOT / "models" / "demo")
    parser.add_argument("--mouse", default=None)
    parser.add_argument("--spec", default=json.dumps(DEFAULT_SPEC), help="the experiment spec (JSON) the jobs run")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--background-batch", type=int, default=None,
                        help="dwiseneuro.batching.background-batch (default: the service's, max-batch on GPU, 4 on CPU)")
    parser.add_argument("--clients", type=int, default=1, help="interactive clients posting clips back to back")
    parser.add_argument("--frames", type=int, default=60, help="frames of each interactive clip")
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of each phase")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    spec = json.loads(args.spec)
    work = ROOT / "bench" / "out"
    work.mkdir(parents=True, exist_ok=True)
    manifest = ensembles.read_manifest(args.models)
    mouse = args.mouse or manifest["mice"][0]["id"]
    files = clip_files(args.models / "sample", args.frames, work)
    entry = next(m for m in manifest["mice"] if m["id"] == mouse)
    for key, name in (("behavior", "behavior"), ("pupil_center", "pupil_center")):
        if key not in spec and f"{key}_mean" not in entry:  # experiments hold behavior constant: the sample's mean
            spec[key] = [round(float(v), 3) for v in np.load(files[name]).mean(axis=1)]
    windows_per_clip = len(WindowPlan(16, 2, "last").ends(args.frames))
    allocator = os.environ.get("LD_PRELOAD") or "glibc (no LD_PRELOAD)"

    # The service serves on CPU here, where background work gets batches of min(4, max-batch) by default.
    background_batch = args.background_batch or min(4, args.batch)
    raw = raw_forward_djl(args.models, manifest["members"], sorted({background_batch, args.batch}), args.threads,
                          args.seconds / 2)
    results = work / "experiment-results"
    service = serve(args.models, work, "experiments", args.batch, args.threads, 5,
                    extra=[f"-Ddwiseneuro.experiments.results-dir={results}"]
                    + ([f"-Ddwiseneuro.batching.background-batch={args.background_batch}"] if args.background_batch else []))
    try:
        load(service, mouse, files, args.clients, min(5.0, args.seconds), windows_per_clip)   # warm the JIT on these shapes
        # (a) experiments alone
        keeper = JobKeeper(service, mouse, spec)
        keeper.start()
        wait_running(service, keeper)
        before, start = scheduled(service, "background"), time.perf_counter()
        time.sleep(args.seconds)
        alone = (scheduled(service, "background") - before) / (time.perf_counter() - start)
        keeper.finish()
        job_rates = [j["windows_per_second"] for j in keeper.jobs if j.get("windows_per_second")]
        # (b) interactive alone, then with experiments running
        quiet = load(service, mouse, files, args.clients, args.seconds, windows_per_clip)
        keeper = JobKeeper(service, mouse, spec)
        keeper.start()
        wait_running(service, keeper)
        before, start = scheduled(service, "background"), time.perf_counter()
        busy = load(service, mouse, files, args.clients, args.seconds, windows_per_clip)
        beside = (scheduled(service, "background") - before) / (time.perf_counter() - start)
        keeper.finish()
    finally:
        service.stop()

    rows = [
        ("(a) experiment throughput", f"jobs back to back: {alone:.1f} win/s"
         + (f" (per job {min(job_rates):.1f}-{max(job_rates):.1f})" if job_rates else " (no job finished in the phase)"),
         f"raw TorchScript in DJL, batch {background_batch}: {raw[background_batch]:.1f} win/s",
         alone / raw[background_batch], ">= 0.9"),
        ("(a') the same against the raw forward at max-batch", f"{alone:.1f} win/s",
         f"raw TorchScript in DJL, batch {args.batch}: {raw[args.batch]:.1f} win/s", alone / raw[args.batch], "-"),
        ("(b) interactive p99 while a job runs", f"with jobs: p99 {busy['p99_s']:.3f} s, p50 {busy['p50_s']:.3f} s "
         f"({busy['requests']} requests; jobs got {beside:.1f} win/s beside them)",
         f"no job: p99 {quiet['p99_s']:.3f} s, p50 {quiet['p50_s']:.3f} s ({quiet['requests']} requests)",
         busy["p99_s"] / quiet["p99_s"], "<= 1.5"),
    ]
    command = " ".join([Path(sys.executable).name, "bench/experiments.py"] + sys.argv[1:])
    table = ["| measurement | ours | reference | ratio | target |", "|---|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {r:.2f} | {t} |" for a, b, c, r, t in rows]
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor())
    report = "\n".join([
        f"# Experiments benchmark, {datetime.date.today().isoformat()}", "",
        f"- machine: {os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, libtorch 2.3.1 via DJL 0.29.0",
        f"- ensemble: {args.models} ({len(manifest['members'])} members), mouse {mouse}; max-batch {args.batch}, "
        f"threads {args.threads}; background-batch {args.background_batch or 'default (max-batch on GPU, 4 on CPU)'}; "
        f"{args.seconds:.0f} s per phase; allocator: {allocator}",
        f"- experiment spec: `{json.dumps(spec)}`",
        f"- interactive load: {args.clients} client(s) posting a {args.frames}-frame clip ({windows_per_clip} windows) "
        "back to back",
        f"- command: `{command}`", "", *table, "",
        "Windows/s count one window through every member of the ensemble. (a) counts the background windows the "
        "device queues handed to batches over the phase's wall time, gaps between jobs included. Other processes "
        "on the machine add noise; the ratios are measured side by side in one run.", ""])
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"experiments-{datetime.date.today().isoformat()}.md"
    path.write_text(report)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
