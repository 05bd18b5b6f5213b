"""The exported members' methods in the service's libtorch (DJL 0.29, PyTorch 2.3.1) against the
trainer's eager model: features, readout and input_gradient of the bundled demo members in both forms,
and float16/bfloat16 members taking and giving float32 with their error against float32 stated."""
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from service import ROOT
from dwiseneuro_trainer import ensemble
from dwiseneuro_trainer.inputs import WindowPlan, stack_inputs

DEMO = ROOT / "models" / "demo"
MOUSE = 1  # demo-mouse-2, 52 neurons
EXACT = 1e-5  # relative: max |a - b| / max |b|
HALF = {"float16": 1e-2, "bfloat16": 5e-2}  # readouts against float32, at most


def relative(actual, expected) -> float:
    return float(np.abs(actual.astype(np.float64) - expected).max() / np.abs(expected).max())


def sample_windows() -> torch.Tensor:
    """Two windows of the demo's sample clip, as the service builds them."""
    sample = DEMO / "sample"
    video, behavior, pupil = (np.load(sample / f"{n}.npy").astype(np.float32)
                              for n in ("video", "behavior", "pupil_center"))
    inputs = stack_inputs(video, behavior, pupil)
    plan = WindowPlan(16, 2, "last")
    return torch.from_numpy(np.stack([inputs[:, plan.indexes(end)] for end in (30, 77)]))


def eager(x: torch.Tensor, weights: torch.Tensor, member: dict):
    model = ensemble.eager_model_of(DEMO / member["file"], member)
    with torch.no_grad():
        features = model.features(x)
        readout = model.readout(features, MOUSE)
    leaf = x.clone().requires_grad_(True)
    objective = (model.readout(model.features(leaf), MOUSE) * weights).sum(dim=(1, 2))
    (gradient,) = torch.autograd.grad(objective.sum(), leaf)
    return {"features": features, "readout": readout, "objective": objective.detach(), "gradient": gradient}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Every demo member in the inference form (as bundled), the plain form, float16 and bfloat16,
    run through MemberMethods.java; returns {variant: {member file: {output: array}}}."""
    work = tmp_path_factory.mktemp("members")
    manifest = json.loads((DEMO / "manifest.json").read_text())
    # The other variants of one member of each stage (converting costs CPU time).
    subset = work / "subset"
    subset.mkdir()
    manifest["members"] = [m for m in manifest["members"] if m["fold"] == manifest["members"][0]["fold"]]
    for member in manifest["members"]:
        (subset / member["file"]).write_bytes((DEMO / member["file"]).read_bytes())
    (subset / "manifest.json").write_text(json.dumps(manifest))
    folders = {"inference": DEMO}
    for variant, args in (("plain", ["--form", "plain"]), ("float16", ["--dtype", "float16"]),
                          ("bfloat16", ["--dtype", "bfloat16"])):
        folders[variant] = work / variant
        subprocess.run([str(ROOT / "trainer" / "bin" / "trainer"), "convert", str(subset), "--out",
                        str(folders[variant]), *args], check=True, capture_output=True)
    x = sample_windows()
    weights = torch.rand((2, 52, 16), generator=torch.Generator().manual_seed(0))
    np.save(work / "x.npy", x.numpy())
    np.save(work / "weights.npy", weights.numpy())
    results = {}
    for variant, folder in folders.items():
        out = work / f"out-{variant}"
        out.mkdir()
        entries = json.loads((folder / "manifest.json").read_text())["members"]
        files = [str(folder / m["file"]) for m in entries]
        subprocess.run(["java", "-cp", str(ROOT / "target" / "quarkus-app" / "lib" / "main") + "/*",
                        str(Path(__file__).with_name("MemberMethods.java")), str(work / "x.npy"),
                        str(work / "weights.npy"), str(MOUSE), str(out), *files],
                       check=True, capture_output=True, cwd=str(ROOT), timeout=600)
        results[variant] = {}
        for member in entries:
            name = member["file"][:-3]
            arrays = {what: np.fromfile(out / f"{name}.{what}.f32", dtype="<f4")
                      for what in ("features", "readout", "objective", "gradient")}
            arrays["dtypes"] = (out / f"{name}.dtypes").read_text().split()
            results[variant][member["file"]] = arrays
    everything = json.loads((DEMO / "manifest.json").read_text())["members"]
    references = {m["file"]: eager(x, weights, m) for m in everything}
    return results, references


@pytest.mark.parametrize("variant", ["inference", "plain"])
def test_float32_members_equal_the_eager_model_in_libtorch(served, variant):
    results, references = served
    for file, arrays in results[variant].items():
        assert arrays["dtypes"] == ["float32"] * 4
        errors = {what: relative(arrays[what], references[file][what].numpy().ravel())
                  for what in ("features", "readout", "objective", "gradient")}
        print(f"{variant} {file}: " + ", ".join(f"{k} {v:.1e}" for k, v in errors.items()))
        assert max(errors.values()) < EXACT, errors


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_members_take_and_give_float32(served, dtype):
    results, references = served
    for file, arrays in results[dtype].items():
        assert arrays["dtypes"] == ["float32"] * 4  # computed in half precision, handed over as float32
        readout = relative(arrays["readout"], references[file]["readout"].numpy().ravel())
        gradient = relative(arrays["gradient"], references[file]["gradient"].numpy().ravel())
        print(f"{dtype} {file}: readout {readout:.1e}, gradient {gradient:.1e} relative to float32")
        assert 1e-6 < readout < HALF[dtype]
        assert np.isfinite(arrays["gradient"]).all()
