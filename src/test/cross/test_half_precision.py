"""Half-precision ensembles served on CPU: the demo converted to float16 and bfloat16 members (which
compute in that dtype and take and give float32, so the service never casts: DJL 0.29 aborts the JVM
on a bfloat16 tensor) answer over HTTP, close to the float32 ensemble's responses."""
import subprocess

import numpy as np
import pytest

from service import ROOT
from test_parity import relative_error, responses, running

DEMO = ROOT / "models" / "demo"
MOUSE = "demo-mouse-1"
LIMIT = {"float16": 1e-2, "bfloat16": 5e-2}  # relative to the float32 ensemble, at most


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clip")
    files = {}
    for name in ("video", "behavior", "pupil_center"):
        files[name] = folder / f"{name}.npy"
        np.save(files[name], np.load(DEMO / "sample" / f"{name}.npy")[..., :60])
    return files


@pytest.fixture(scope="module")
def float32_responses(clip, tmp_path_factory):
    with running(DEMO, tmp_path_factory.mktemp("logs") / "float32.log") as service:
        return responses(service, MOUSE, clip, "application/x-npy")


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_ensemble_serves_float32_close_to_float32(dtype, clip, float32_responses, tmp_path):
    models = tmp_path / dtype
    subprocess.run([str(ROOT / "trainer" / "bin" / "trainer"), "convert", str(DEMO), "--out", str(models),
                    "--dtype", dtype], check=True, capture_output=True)
    with running(models, tmp_path / "service.log") as service:
        actual = responses(service, MOUSE, clip, "application/x-npy")  # asserts float32 .npy
        as_json = responses(service, MOUSE, clip, "application/json")
    error = relative_error(actual, float32_responses)
    print(f"{dtype} ensemble over HTTP: relative error {error:.2e} against float32")
    assert 1e-6 < error < LIMIT[dtype]
    assert relative_error(as_json, actual) < 1e-6
