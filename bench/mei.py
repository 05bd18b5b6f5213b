"""Most-exciting-inputs benchmark (issue 13): every figure is a ratio of two measurements taken in this one run.

(a) one gradient step against one forward of the same windows, raw: each member's TorchScript
    `input_gradient` against its `features` + `readout` on the same batch, in Python (torch), and the
    same through the service over HTTP: POST /gradients against POST /responses on the same clip;
(b) a 31-frame MEV on the ensemble: steps/s of a most_exciting job (kind mev, length 31, the job's own
    timing of its optimisation), and the same steps as gradient windows/s against the service's
    /responses windows/s on clips of the same length.

    /usr/bin/python3 bench/mei.py [--models models/demo] [--reps 20] [--steps 50] [--threads 2]
    /usr/bin/python3 bench/mei.py --reps 2 --steps 3 --dry-run      # seconds: proves the script works

Writes bench/results/mei-<date>.md (not with --dry-run, which writes bench/out/mei-dry-run.md).
"""
import argparse
import datetime
import io
import json
import platform
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src" / "test" / "cross"))
sys.path.insert(0, str(ROOT / "trainer"))
from service import Service  # noqa: E402
from dwiseneuro_trainer import ensemble as ensembles  # noqa: E402


def raw_ratio(models: Path, batch: int, threads: int, reps: int) -> float:
    """Sum over members of the median input_gradient time over the median features + readout time, same batch."""
    torch.set_num_threads(threads)
    loaded = ensembles.load_ensemble(models)
    neurons = loaded.manifest["mice"][0]["neurons"]
    x = torch.rand(batch, 5, 16, 64, 64) * 255
    weights = torch.rand(batch, neurons, 16)
    forward, gradient = 0.0, 0.0
    for member in loaded.members:
        def run_forward():
            with torch.no_grad():
                member.readout(member.features(x), 0)

        def run_gradient():
            with torch.enable_grad():
                member.input_gradient(x, 0, weights)

        for fn in (run_forward, run_gradient):   # the graph executor profiles the first calls
            fn()
            fn()
        forward += median_seconds(run_forward, reps)
        gradient += median_seconds(run_gradient, reps)
    return gradient / forward


def median_seconds(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def multipart(parts):
    boundary = "dwiseneuro-bench-mei"
    body = b""
    for name, (filename, content) in parts.items():
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += (f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n").encode() + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post(service: Service, path: str, body: bytes, content_type: str, accept="application/x-npy") -> bytes:
    request = urllib.request.Request(service.url(path), data=body, method="POST",
                                     headers={"Content-Type": content_type, "Accept": accept})
    with urllib.request.urlopen(request, timeout=600) as response:
        return response.read()


def npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array.astype(np.float32))
    return out.getvalue()


def service_ratio(service: Service, mouse: str, clip, neurons: int, reps: int):
    """Median /gradients over median /responses on the same clip (same windows), both over HTTP."""
    parts = {name: (f"{name}.npy", npy(array)) for name, array in clip.items()}
    responses_body, content_type = multipart(parts)
    objective = json.dumps({"neurons": list(range(min(neurons, 4)))}).encode()
    gradients_body, gradient_type = multipart({**parts, "objective": (None, objective)})
    path = f"/v1/mice/{mouse}"
    for _ in range(2):
        post(service, path + "/responses", responses_body, content_type)
        post(service, path + "/gradients", gradients_body, gradient_type)
    forward = median_seconds(lambda: post(service, path + "/responses", responses_body, content_type), reps)
    gradient = median_seconds(lambda: post(service, path + "/gradients", gradients_body, gradient_type), reps)
    return gradient / forward, forward


def mev_steps(service: Service, mouse: str, steps: int, behavior) -> dict:
    spec = {"type": "most_exciting", "neurons": [0], "kind": "mev", "length": 31, "frames": "30:31", "steps": steps,
            "starts": 1, "behavior": behavior[0], "pupil_center": behavior[1]}
    request = urllib.request.Request(service.url(f"/v1/mice/{mouse}/experiments"), data=json.dumps(spec).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        job = json.loads(response.read())["id"]
    while True:
        state = service.get_json(f"/v1/experiments/{job}")
        if state["state"] in ("done", "failed", "cancelled", "interrupted"):
            break
        time.sleep(0.2)
    if state["state"] != "done":
        raise RuntimeError(f"the MEV job ended {state['state']}: {state.get('error')}")
    return service.get_json(f"/v1/experiments/{job}/result")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=Path, default=ROOT / "models" / "demo")
    parser.add_argument("--batch", type=int, default=8, help="windows per raw call")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--steps", type=int, default=50, help="MEV steps")
    parser.add_argument("--frames", type=int, default=46, help="clip length of (a) over HTTP (16 windows)")
    parser.add_argument("--dry-run", action="store_true", help="tiny sizes; writes bench/out/mei-dry-run.md")
    args = parser.parse_args()
    work = ROOT / "bench" / "out"
    work.mkdir(parents=True, exist_ok=True)
    manifest = ensembles.read_manifest(args.models)
    mouse = manifest["mice"][0]
    rng = np.random.default_rng(0)
    behavior = (mouse.get("behavior_mean") or [0.0, 0.0], mouse.get("pupil_center_mean") or [0.0, 0.0])
    clip = {"video": rng.uniform(0, 255, (36, 64, args.frames)),
            "behavior": np.tile(np.asarray(behavior[0], np.float32)[:, None], (1, args.frames)),
            "pupil_center": np.tile(np.asarray(behavior[1], np.float32)[:, None], (1, args.frames))}

    raw = raw_ratio(args.models, args.batch, args.threads, args.reps)
    service = Service(args.models, work / "service-mei.log", extra_args=[
        f"-Ddwiseneuro.threads={args.threads}", "-Ddwiseneuro.batching.max-batch=16",
        f"-Ddwiseneuro.experiments.results-dir={work / 'mei-results'}"])
    try:
        service.wait_ready()
        over_http, forward_seconds = service_ratio(service, mouse["id"], clip, mouse["neurons"], args.reps)
        result = mev_steps(service, mouse["id"], args.steps, behavior)
    finally:
        service.stop()
    windows = args.frames - 30
    steps_per_s = result["steps_per_second"]
    mev_windows_per_s = steps_per_s   # a 31-frame clip is one window, one start: one window per step
    forward_windows_per_s = windows / forward_seconds

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    rows = [
        ("(a) gradient / forward, raw TorchScript (Python)", f"{raw:.2f}x",
         f"sum over {len(manifest['members'])} members of median input_gradient / median features+readout, batch {args.batch}"),
        ("(a) gradient / forward, service over HTTP", f"{over_http:.2f}x",
         f"median POST /gradients / median POST /responses, the same {args.frames}-frame clip ({windows} windows)"),
        ("(b) 31-frame MEV steps/s", f"{steps_per_s:.2f} steps/s",
         f"most_exciting kind mev, 1 start, {args.steps} steps, the job's own timing"),
        ("(b) MEV gradient windows/s / responses windows/s", f"{mev_windows_per_s / forward_windows_per_s:.2f}x",
         f"{mev_windows_per_s:.1f} gradient windows/s in the job against {forward_windows_per_s:.1f} windows/s of /responses"),
    ]
    report = "\n".join([
        f"# Most exciting inputs benchmark, {datetime.date.today().isoformat()}",
        "",
        f"Ensemble `{args.models.name}` ({len(manifest['members'])} members), CPU, {args.threads} threads, "
        f"commit {commit}, {platform.processor() or platform.machine()}. Every figure is a ratio of two "
        "measurements of this one run (bench/mei.py).",
        "",
        "| measurement | figure | how |",
        "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
        "",
        f"Command: `/usr/bin/python3 bench/mei.py {' '.join(sys.argv[1:])}`",
        ""])
    print(report)
    out = work / "mei-dry-run.md" if args.dry_run else ROOT / "bench" / "results" / f"mei-{datetime.date.today().isoformat()}.md"
    out.write_text(report)
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
