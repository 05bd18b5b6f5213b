"""meta/statistics in every layout a dataset may have: read, reduced where one value per neuron or row is
needed, the per-frame response std kept, and exported as a side file the manifest names."""
import json

import numpy as np
import pytest
import torch

from dwiseneuro_trainer import configs, data, ensemble, statistics, synth
from dwiseneuro_trainer.model import DwiseNeuro
from training_support import dataset, run_trainer

NEURONS = [5, 9]


@pytest.fixture(scope="module", params=synth.STATISTICS_LAYOUTS)
def layout(request, tmp_path_factory):
    path = dataset(tmp_path_factory, f"stats-{request.param}", mice=2, neurons=NEURONS, trials=[10, 10], frames=40,
                   seed=4, statistics=request.param)
    return request.param, path


def stat(folder, kind, name):
    return np.load(folder / "meta" / "statistics" / kind / "all" / f"{name}.npy")


def test_every_layout_is_read_and_reduced(layout):
    name, path = layout
    mice = data.read_dataset(path, log=lambda m: None)
    for mouse in mice:
        n, padded = mouse.num_neurons, mouse.padded_length
        expected = {"vector": ((n,), (2,), ()), "column": ((n, 1), (2, 1), (36, 64)),
                    "frames": ((n, padded), (2, padded), (36, 64, padded))}[name]
        shapes = mouse.statistics.shapes()
        print(f"{name}: {mouse.id} statistics shapes {shapes['responses/std']}, {shapes['behavior/mean']}, "
              f"{shapes['videos/mean']}")
        assert shapes["responses/std"] == list(expected[0]) and shapes["pupil_center/mean"] == list(expected[1])
        assert shapes["videos/mean"] == list(expected[2])

        entry = mouse.metadata()
        json.dumps({k: v for k, v in entry.items() if k != statistics.RESPONSE_STD_FRAMES})
        std = stat(mouse.folder, "responses", "std").astype(np.float64)
        behavior_mean = stat(mouse.folder, "behavior", "mean").astype(np.float64)
        # one value per neuron or row: the nan-mean over frames, computed here independently
        per_neuron = std.reshape(n, -1)
        assert np.allclose(entry["response_std"], [np.mean(r[~np.isnan(r)]) for r in per_neuron])
        assert np.allclose(entry["behavior_mean"], [np.mean(r[~np.isnan(r)]) for r in behavior_mean.reshape(2, -1)])
        video_mean = stat(mouse.folder, "videos", "mean")
        assert entry["video_mean"] == pytest.approx(float(np.mean(video_mean[~np.isnan(video_mean)])))
        assert 0 < entry["video_mean"] < 255
        assert entry["statistics_shapes"] == shapes
        if name == "frames":
            frames = entry[statistics.RESPONSE_STD_FRAMES].numpy()
            assert frames.shape == (n, padded) and frames.dtype == np.float32
            assert np.array_equal(frames, std.astype(np.float32), equal_nan=True)
            assert np.isnan(frames[:, -1]).all()  # padded frames no trial reaches
            assert not np.isnan(frames[:, :30]).any()
        else:
            assert statistics.RESPONSE_STD_FRAMES not in entry


def test_the_synthetic_per_frame_std_is_the_std_over_trials(tmp_path):
    synth.generate(tmp_path, mice=1, neurons=[4], trials=[8], frames=40, seed=1, statistics="frames",
                   log=lambda m: None)
    mouse = data.read_dataset(tmp_path, log=lambda m: None)[0]
    blocks = np.stack([np.load(t.response_path) for t in mouse.trials if t.tier in ("train", "oracle")])
    frame = 12
    values = blocks[:, 2, frame]
    assert stat(mouse.folder, "responses", "std")[2, frame] == pytest.approx(np.std(values), rel=1e-5)


@pytest.mark.parametrize("kind,shape", [("responses", (7,)), ("responses", (7, 1)), ("responses", (7, 30)),
                                        ("behavior", (2, 1)), ("pupil_center", (2, 55)), ("videos", (1,)),
                                        ("videos", (36, 64, 1)), ("videos", (1, 1))])
def test_hand_written_layouts_are_accepted(tmp_path, kind, shape):
    folder = tmp_path / "m"
    (folder / "meta" / "statistics" / kind / "all").mkdir(parents=True)
    np.save(folder / "meta" / "statistics" / kind / "all" / "mean.npy", np.full(shape, 3.0))
    found = statistics.read(folder, 7, (36, 64), np.load)
    assert found.shapes() == {f"{kind}/mean": list(shape)}
    if kind == "videos":
        assert found.video_mean() == 3.0
    else:
        assert np.array_equal(found.per_row(kind, "mean"), np.full(shape[0], 3.0))


@pytest.mark.parametrize("kind,shape,message", [
    ("responses", (8,), r"expected shape \(7,\), \(7, 1\) or \(7, frames\)"),
    ("responses", (30, 7), r"expected shape \(7,\)"),
    ("behavior", (2, 3, 4), r"expected shape \(2,\), \(2, 1\) or \(2, frames\)"),
    ("videos", (64, 36), r"expected a scalar, per-pixel \(36, 64\) or \(36, 64, 'frames'\)"),
])
def test_other_shapes_are_refused_naming_the_file(tmp_path, kind, shape, message):
    synth.generate(tmp_path / "data", mice=1, neurons=[7], trials=[8], frames=40, seed=5, log=lambda m: None)
    path = tmp_path / "data" / "mouse0" / "meta" / "statistics" / kind / "all" / "std.npy"
    np.save(path, np.ones(shape, dtype=np.float32))
    with pytest.raises(data.DataError, match=f"{path}: " + message):
        data.read_dataset(tmp_path / "data", log=lambda m: None)
    result = run_trainer("check-data", "--data", tmp_path / "data")
    assert result.returncode == 2 and str(path) in result.stderr


def test_export_writes_the_per_frame_std_next_to_the_members(tmp_path, layout):
    name, path = layout
    if name != "frames":
        pytest.skip("only the frames layout has a per-frame std")
    mice = data.read_dataset(path, log=lambda m: None)
    config = configs.load_config("demo")
    kwargs = configs.model_kwargs(config, NEURONS)
    torch.manual_seed(0)
    model = DwiseNeuro(**kwargs).eval()
    params = config["argus_params"]
    params["nn_module"] = ("dwiseneuro", kwargs)
    fold = tmp_path / "experiment" / "demo" / "fold_0"
    fold.mkdir(parents=True)
    torch.save({"model_name": "MouseModel", "params": params, "nn_state_dict": model.state_dict(),
                "mice": [m.metadata() for m in mice]}, fold / "model-000-0.100000.pth")
    saved = torch.load(fold / "model-000-0.100000.pth")
    assert isinstance(saved["mice"][0][statistics.RESPONSE_STD_FRAMES], torch.Tensor)  # not numpy: weights_only loads
    out = tmp_path / "models"
    manifest = ensemble.write_ensemble([tmp_path / "experiment" / "demo"], out, log=lambda m: None)
    written = json.loads((out / "manifest.json").read_text())
    assert written == manifest
    for index, mouse in enumerate(mice):
        entry = written["mice"][index]
        assert entry["response_std_file"] == f"response_std-mouse{index}.npy"
        assert statistics.RESPONSE_STD_FRAMES not in entry
        assert entry["statistics_shapes"]["responses/std"] == [mouse.num_neurons, mouse.padded_length]
        side = np.load(out / entry["response_std_file"])
        assert side.dtype == np.dtype("<f4") and side.flags.c_contiguous
        assert np.array_equal(side, stat(mouse.folder, "responses", "std"), equal_nan=True)
        assert len(entry["response_std"]) == mouse.num_neurons
    assert (out / "manifest.json").stat().st_size < 20_000  # no N x T numbers in the JSON
