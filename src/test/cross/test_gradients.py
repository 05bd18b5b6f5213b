"""Cross-language gradients: POST /v1/mice/{id}/gradients of the Java service, called through the Python
client, against the trainer's eager PyTorch autograd on the same members (each member file rebuilt as the
eager DwiseNeuro from its weights and the manifest's nn_module), through the same window blend and mean."""
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from service import ROOT, Service
from dwiseneuro_trainer import ensemble as ensembles
from dwiseneuro_trainer.inputs import WindowPlan

sys.path.insert(0, str(ROOT / "client" / "python"))
from dwiseneuro_client import Client  # noqa: E402

MODELS = ROOT / "models" / "demo"
SAMPLE = ROOT / "models" / "demo" / "sample"
TOLERANCE = 1e-5  # relative: max |a - b| / max |b|
FRAMES = 40


def eager_gradient(models: Path, mouse_index: int, video: np.ndarray, behavior: np.ndarray, pupil: np.ndarray,
                   weights: np.ndarray):
    """J = sum of weights x the ensemble-mean response, and dJ / dvideo, by autograd on the eager members."""
    manifest = ensembles.read_manifest(models)
    geometry = manifest["input"]
    stack = manifest["frame_stack"]
    plan = WindowPlan(stack["size"], stack["step"], stack.get("position", "last"))
    frames = video.shape[-1]
    top = (geometry["height"] - geometry["video_height"]) // 2
    left = (geometry["width"] - geometry["video_width"]) // 2
    pixels = torch.tensor(video, dtype=torch.float32, requires_grad=True)
    bottom = geometry["height"] - geometry["video_height"] - top
    right = geometry["width"] - geometry["video_width"] - left
    canvas = torch.nn.functional.pad(pixels.permute(2, 0, 1), (left, right, top, bottom),
                                     value=float(geometry.get("pad_fill_value", 0.0)))
    traces = [torch.tensor(row, dtype=torch.float32)[:, None, None].expand(frames, geometry["height"], geometry["width"])
              for row in (*behavior, *pupil)]
    inputs = torch.stack([canvas, *traces])           # (5, frames, height, width)
    ends = list(plan.ends(frames))
    counts = torch.zeros(frames)
    for end in ends:
        counts[plan.indexes(end)] += 1
    total = 0
    for entry in manifest["members"]:
        model = ensembles.eager_model_of(models / entry["file"], entry)
        windows = torch.stack([inputs[:, plan.indexes(end)] for end in ends])
        outputs = model.readout(model.features(windows), mouse_index)   # (windows, neurons, 16)
        placed = torch.zeros(outputs.shape[1], frames)
        for k, end in enumerate(ends):
            placed = placed.index_add(1, torch.as_tensor(plan.indexes(end)), outputs[k])
        total = total + placed / counts.clamp(min=1)
    response = total / len(manifest["members"])
    objective = (torch.from_numpy(weights) * response).sum()
    objective.backward()
    return float(objective), pixels.grad.numpy()


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    service = Service(MODELS, tmp_path_factory.mktemp("logs") / "service.log")
    try:
        service.wait_ready()
        yield service
    finally:
        service.stop()


def test_service_gradient_equals_eager_autograd(service):
    manifest = ensembles.read_manifest(MODELS)
    mouse = manifest["mice"][0]
    video = np.load(SAMPLE / "video.npy")[..., :FRAMES].astype(np.float32)
    behavior = np.load(SAMPLE / "behavior.npy")[..., :FRAMES].astype(np.float32)
    pupil = np.load(SAMPLE / "pupil_center.npy")[..., :FRAMES].astype(np.float32)
    neurons, first, weights_given = [0, 3, 7], 20, [1.0, -0.5, 2.0]
    weights = np.zeros((mouse["neurons"], FRAMES), np.float32)
    for n, w in zip(neurons, weights_given):
        weights[n, first:] = w

    client = Client(service.url(""))
    objective, gradient = client.gradients(mouse["id"], video, neurons, frames=f"{first}:", weights=weights_given,
                                           behavior=behavior, pupil_center=pupil)
    expected_objective, expected = eager_gradient(MODELS, mouse["index"], video, behavior, pupil, weights)
    assert gradient.dtype == np.float32 and gradient.shape == (36, 64, FRAMES)
    error = float(np.abs(gradient - expected).max() / np.abs(expected).max())
    print(f"service /gradients vs eager autograd ({len(manifest['members'])} members): J {objective:.6f} vs "
          f"{expected_objective:.6f}, gradient relative error {error:.2e}")
    assert abs(objective - expected_objective) <= TOLERANCE * abs(expected_objective)
    assert error <= TOLERANCE
