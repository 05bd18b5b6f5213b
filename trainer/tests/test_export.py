"""import-original / export: checkpoints in the original format become a servable ensemble folder."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from dwiseneuro_trainer import configs, ensemble
from dwiseneuro_trainer.checkpoints import CheckpointError
from dwiseneuro_trainer.cli import main
from dwiseneuro_trainer.model import DwiseNeuro, init_weights
from dwiseneuro_trainer.predict import ClipError, predict_clip

KWARGS = dict(readout_outputs=(5, 9), in_channels=5, core_features=(8, 16), spatial_strides=(2, 2),
              spatial_kernel=3, temporal_kernel=5, expansion_ratio=2, se_reduce_ratio=4,
              cortex_features=(24, 32), groups=2, softplus_beta=0.07, drop_rate=0.4, drop_path_rate=0.1)


def write_original_checkpoint(path: Path, seed: int) -> DwiseNeuro:
    """A checkpoint exactly as the original solution's EmaCheckpoint writes it."""
    torch.manual_seed(seed)
    model = DwiseNeuro(**KWARGS)
    init_weights(model)
    model.train()
    with torch.no_grad():
        model(torch.rand(2, 5, 16, 64, 64) * 255)
    params = configs.true_batch_001()["argus_params"]
    params["nn_module"] = ("dwiseneuro", dict(KWARGS))
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model_name": "MouseModel", "params": params, "nn_state_dict": model.state_dict()}, str(path))
    return model.eval()


@pytest.fixture
def experiment(tmp_path):
    root = tmp_path / "true_batch_001"
    models = {}
    for fold in (0, 1):
        # Two checkpoints per fold: the best score wins, as in the original's get_best_model_path.
        write_original_checkpoint(root / f"fold_{fold}" / "model-003-0.100000.pth", seed=100 + fold)
        models[fold] = write_original_checkpoint(root / f"fold_{fold}" / "model-017-0.250000.pth", seed=fold)
    return root, models


def clip(frames=40, padding=0, seed=0):
    rng = np.random.default_rng(seed)
    video = rng.uniform(0, 255, (36, 64, frames)).astype(np.float32)
    behavior = rng.uniform(0, 40, (2, frames)).astype(np.float32)
    pupil = rng.uniform(90, 180, (2, frames)).astype(np.float32)
    if padding:
        pad = lambda a: np.concatenate([a, np.full(a.shape[:-1] + (padding,), np.nan, np.float32)], axis=-1)
        video, behavior, pupil = pad(video), pad(behavior), pad(pupil)
    return video, behavior, pupil


def eager_prediction(model, video, behavior, pupil, mouse):
    """The original predictor's loop, written out independently: one window per call, ones blend."""
    from dwiseneuro_trainer.inputs import stack_inputs
    inputs = torch.from_numpy(stack_inputs(video, behavior, pupil))
    length = video.shape[-1]
    out = np.zeros((KWARGS["readout_outputs"][mouse], length), np.float32)
    weights = np.zeros(length, np.float32)
    with torch.no_grad():
        for end in range(30, length):
            indexes = list(range(end - 30, end + 1, 2))
            out[:, indexes] += model(inputs[:, indexes].unsqueeze(0))[mouse][0].numpy()
            weights[indexes] += 1
    return out / np.clip(weights, 1, None)


def test_import_round_trips_to_the_same_predictions(experiment, tmp_path):
    root, models = experiment
    out = tmp_path / "models"
    assert main(["import-original", str(root), "--out", str(out), "--mice", "m-a,m-b"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert [m["id"] for m in manifest["mice"]] == ["m-a", "m-b"]
    assert [m["neurons"] for m in manifest["mice"]] == [5, 9]
    assert [(m["fold"], m["score"], m["source"]) for m in manifest["members"]] == [
        (0, 0.25, "model-017-0.250000.pth"), (1, 0.25, "model-017-0.250000.pth")]
    assert manifest["frame_stack"] == {"size": 16, "step": 2, "position": "last"}
    loaded = ensemble.load_ensemble(out)
    video, behavior, pupil = clip(padding=7)
    actual = predict_clip(loaded, "m-b", video, behavior, pupil)
    assert actual.shape == (9, 40)
    expected = np.mean([eager_prediction(models[f], video[..., :40], behavior[..., :40], pupil[..., :40], 1)
                        for f in (0, 1)], axis=0)
    assert np.abs(actual - expected).max() / np.abs(expected).max() < 1e-5
    # Batched windows give the same numbers as one window per call.
    batched = predict_clip(loaded, "m-b", video, behavior, pupil, batch_size=8)
    assert np.abs(batched - actual).max() / np.abs(actual).max() < 1e-5


def test_default_mouse_ids(experiment, tmp_path):
    root, _ = experiment
    manifest = ensemble.write_ensemble([root], tmp_path / "m", log=lambda *_: None)
    assert [m["id"] for m in manifest["mice"]] == ["mouse0", "mouse1"]
    assert ensemble.default_mice([7863, 7908, 8202, 7939, 8122, 7440, 7928, 8285, 7671, 7495])[0]["id"].startswith("dynamic29515")


def test_errors_name_the_file(experiment, tmp_path, capsys):
    root, _ = experiment
    out = tmp_path / "models"
    main(["import-original", str(root), "--out", str(out)])
    # A corrupt member file.
    member = out / "true_batch_001-fold_1.pt"
    member.write_bytes(member.read_bytes()[:1000])
    with pytest.raises(ensemble.EnsembleError, match="true_batch_001-fold_1.pt: sha256 differs"):
        ensemble.load_ensemble(out)
    member.unlink()
    with pytest.raises(ensemble.EnsembleError, match="true_batch_001-fold_1.pt: member file listed in the manifest is missing"):
        ensemble.load_ensemble(out)
    # A checkpoint that is not a torch file, and one whose weights do not match its configuration.
    bad = tmp_path / "bad" / "fold_0" / "model-001-0.5.pth"
    bad.parent.mkdir(parents=True)
    bad.write_text("not a checkpoint")
    assert main(["import-original", str(tmp_path / "bad"), "--out", str(tmp_path / "o")]) == 2
    assert "model-001-0.5.pth: not a readable torch checkpoint" in capsys.readouterr().err
    checkpoint = torch.load(str(root / "fold_0" / "model-017-0.250000.pth"))
    checkpoint["params"]["nn_module"][1]["readout_outputs"] = (5, 12)
    torch.save(checkpoint, str(bad))
    with pytest.raises(CheckpointError, match="model-001-0.5.pth: weights do not match"):
        ensemble.write_ensemble([tmp_path / "bad"], tmp_path / "o", log=lambda *_: None)
    # Members of one ensemble must agree on the readouts.
    other = tmp_path / "other" / "fold_0" / "model-001-0.5.pth"
    other.parent.mkdir(parents=True)
    KWARGS_OTHER = dict(KWARGS, readout_outputs=(5, 12))
    params = dict(checkpoint["params"], nn_module=("dwiseneuro", KWARGS_OTHER))
    torch.save({"model_name": "MouseModel", "params": params,
                "nn_state_dict": DwiseNeuro(**KWARGS_OTHER).state_dict()}, str(other))
    with pytest.raises(CheckpointError, match="model-001-0.5.pth: readouts \\[5, 12\\]"):
        ensemble.write_ensemble([root, tmp_path / "other"], tmp_path / "o2", log=lambda *_: None)
    assert main(["export", str(root), str(tmp_path / "empty"), "--out", str(tmp_path / "o")]) == 2
    assert "experiment folder not found" in capsys.readouterr().err


def test_clip_checks(experiment, tmp_path):
    root, _ = experiment
    ensemble.write_ensemble([root], tmp_path / "m", log=lambda *_: None)
    loaded = ensemble.load_ensemble(tmp_path / "m")
    video, behavior, pupil = clip(frames=30)
    with pytest.raises(ClipError, match="at least 31"):
        predict_clip(loaded, "mouse0", video, behavior, pupil)
    video, behavior, pupil = clip()
    video[0, 0, 5] = np.nan
    with pytest.raises(ClipError, match="NaN"):
        predict_clip(loaded, "mouse0", video, behavior, pupil)
    with pytest.raises(ClipError, match="behavior must be"):
        predict_clip(loaded, "mouse0", clip()[0], behavior[:, :20], pupil)
    with pytest.raises(ensemble.EnsembleError, match="unknown mouse"):
        predict_clip(loaded, "nobody", *clip())


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_half_precision_export_for_gpus(experiment, tmp_path, dtype):
    root, _ = experiment
    manifest = ensemble.write_ensemble([root], tmp_path / "m", log=lambda *_: None, dtype=dtype)
    assert {m["dtype"] for m in manifest["members"]} == {dtype}
    member = ensemble.load_ensemble(tmp_path / "m").members[0]
    assert {p.dtype for p in member.parameters()} == {ensemble.DTYPES[dtype]}
    assert {b.dtype for b in member.buffers() if b.is_floating_point()} == {ensemble.DTYPES[dtype]}
