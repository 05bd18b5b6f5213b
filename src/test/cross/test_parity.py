"""Cross-language parity: the Java service over HTTP against the original predictor's own outputs
(trainer/tests/fixtures/original-vectors, made with the original code) and against `trainer predict` on the same ensemble."""
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from service import ROOT, Service

VECTORS = Path(os.environ.get("DWISENEURO_VECTORS", ROOT / "trainer" / "tests" / "fixtures" / "original-vectors"))
TRAINER = ROOT / "trainer" / "bin" / "trainer"
TOLERANCE = 1e-4  # relative: max |a - b| / max |b|, as the vectors' README asks


def relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    return float(np.abs(actual - expected).max() / np.abs(expected).max())


def trainer(*args: str) -> None:
    subprocess.run([str(TRAINER), *args], check=True, cwd=str(ROOT))


def responses(service: Service, mouse: str, files, accept: str) -> np.ndarray:
    status, content_type, body = service.post_clip(mouse, files, accept)
    assert status == 200, body[:500]
    if accept == "application/x-npy":
        assert content_type.startswith("application/x-npy")
        array = np.load(io.BytesIO(body), allow_pickle=False)
        assert array.dtype == np.float32
        return array
    document = json.loads(body)
    array = np.asarray(document["responses"], dtype=np.float32)
    assert document["mouse"] == mouse and array.shape == (document["neurons"], document["frames"])
    return array


def clip_files(suffix: str = ""):
    return {"video": VECTORS / f"trial_video{suffix}.npy", "behavior": VECTORS / f"trial_behavior{suffix}.npy",
            "pupil_center": VECTORS / f"trial_pupil_center{suffix}.npy"}


def assert_clean_exit(service: Service) -> None:
    """SIGTERM ends the JVM with 143 (128 + 15) after Quarkus's graceful shutdown; a crash looks different."""
    code = service.stop()
    log = service.log_path.read_text()
    assert code in (0, 143), f"exit code {code}; log: {service.log_path}"
    assert "A fatal error has been detected" not in log and "Worker for" in log, log[-2000:]


@contextlib.contextmanager
def running(models: Path, log_path: Path):
    """The service, ready, on `models`; it must exit cleanly when the block ends."""
    service = Service(models, log_path)
    try:
        service.wait_ready()
        yield service
    finally:
        assert_clean_exit(service)


@pytest.fixture(scope="module")
def original_ensemble(tmp_path_factory):
    """The original solution's two fold checkpoints converted with import-original."""
    if not VECTORS.is_dir():
        pytest.fail(f"reference vectors not found at {VECTORS} (set DWISENEURO_VECTORS)")
    out = tmp_path_factory.mktemp("original") / "models"
    trainer("import-original", str(VECTORS / "experiment"), "--out", str(out))
    return out


@pytest.fixture(scope="module")
def original_service(original_ensemble, tmp_path_factory):
    with running(original_ensemble, tmp_path_factory.mktemp("logs") / "service.log") as service:
        yield service


@pytest.mark.parametrize("mouse", [0, 1, 2])
@pytest.mark.parametrize("accept", ["application/json", "application/x-npy"])
@pytest.mark.parametrize("suffix", ["", "_nanpad"])
def test_service_equals_the_original_predictor(original_service, mouse, accept, suffix):
    expected = np.load(VECTORS / f"expected_ensemble_mouse{mouse}.npy")
    actual = responses(original_service, f"mouse{mouse}", clip_files(suffix), accept)
    error = relative_error(actual, expected)
    print(f"mouse{mouse} {accept} {suffix or 'plain'}: relative error {error:.2e}")
    assert error < TOLERANCE


@pytest.mark.parametrize("mouse", [0, 2])
def test_v2_binary_tensors_equal_the_original_predictor(original_ensemble, original_service, mouse):
    """The standard-library client of docs/api-examples.md (docs/v2_binary_client.py): the .npy files' bytes
    as binary inputs, the responses as a binary output of /v2/models/{name}/infer."""
    sys.path.insert(0, str(ROOT / "docs"))
    import v2_binary_client
    model = json.loads((original_ensemble / "manifest.json").read_text())["name"]
    files = clip_files()
    shape, values = v2_binary_client.infer(original_service.url(""), model, f"mouse{mouse}", files["video"],
                                           files["behavior"], files["pupil_center"])
    actual = np.asarray(values, dtype=np.float32).reshape(shape)
    error = relative_error(actual, np.load(VECTORS / f"expected_ensemble_mouse{mouse}.npy"))
    print(f"mouse{mouse} v2 binary: relative error {error:.2e}")
    assert error < TOLERANCE
    assert np.array_equal(actual, responses(original_service, f"mouse{mouse}", files, "application/x-npy"))


@pytest.mark.parametrize("mouse", [0, 1, 2])
def test_trainer_predict_equals_the_original_predictor(original_ensemble, tmp_path, mouse):
    out = tmp_path / "prediction.npy"
    files = clip_files("_nanpad")
    trainer("predict", "--models", str(original_ensemble), "--mouse", f"mouse{mouse}", "--video", str(files["video"]),
            "--behavior", str(files["behavior"]), "--pupil-center", str(files["pupil_center"]), "--out", str(out))
    assert relative_error(np.load(out), np.load(VECTORS / f"expected_ensemble_mouse{mouse}.npy")) < TOLERANCE


def test_single_fold_equals_the_original_fold(tmp_path):
    """One member alone: fold 1 of the original, against the original predictor's fold-1 output."""
    experiment = tmp_path / "experiment"
    shutil.copytree(VECTORS / "experiment" / "fold_1", experiment / "fold_1")
    models = tmp_path / "models"
    trainer("import-original", str(experiment), "--out", str(models), "--mice", "a,b,c")
    with running(models, tmp_path / "service.log") as service:
        for index, mouse in enumerate("abc"):
            actual = responses(service, mouse, clip_files(), "application/x-npy")
            assert relative_error(actual, np.load(VECTORS / f"expected_fold1_mouse{index}.npy")) < TOLERANCE


def test_service_equals_trainer_predict_on_the_demo_ensemble(tmp_path):
    """The contract of the cross-language test: same ensemble, same clip, same numbers."""
    models = ROOT / "models" / "demo"
    sample = models / "sample"
    mouse = "demo-mouse-2"
    # A NaN-padded copy of the first 50 frames of the sample, to keep the CPU time small.
    files = {}
    for name in ("video", "behavior", "pupil_center"):
        array = np.load(sample / f"{name}.npy")[..., :50].astype(np.float32)
        padded = np.concatenate([array, np.full(array.shape[:-1] + (9,), np.nan, np.float32)], axis=-1)
        files[name] = tmp_path / f"{name}.npy"
        np.save(files[name], padded)
    out = tmp_path / "reference.npy"
    trainer("predict", "--models", str(models), "--mouse", mouse, "--video", str(files["video"]),
            "--behavior", str(files["behavior"]), "--pupil-center", str(files["pupil_center"]), "--out", str(out))
    reference = np.load(out)
    assert reference.shape[1] == 50
    with running(models, tmp_path / "service.log") as service:
        for accept in ("application/x-npy", "application/json"):
            assert relative_error(responses(service, mouse, files, accept), reference) < TOLERANCE
