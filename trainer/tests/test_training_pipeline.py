"""End to end on synthetic data: stage 1, stage 2 (distillation), evaluate, export, and learning.

The learning check trains the demo network for 48 steps of 16 windows (about a minute on 2 cores)
and asserts that, out of fold, it beats an untrained network by a wide margin and reaches a stated
fraction of the noise ceiling, and reaches that fraction on held-out test-tier videos no model saw.
"""
import json

import numpy as np
import pytest
import torch

from dwiseneuro_trainer import checkpoints, data, folds
from dwiseneuro_trainer.ensemble import load_ensemble, write_ensemble
from dwiseneuro_trainer.evaluate import predict_trial, trial_inputs
from dwiseneuro_trainer.inputs import WindowPlan
from dwiseneuro_trainer.predict import predict_member
from training_support import dataset, run_trainer

FAST = ["--threads", "1", "--no-progress"]
STAGE1 = ["--set", "train_epoch_size=384", "--set", "num_epochs=[1,1]", "--set", "ema_decay=0.9",
          "--set", "argus_params.optimizer.1.lr=0.03"]
STAGE2 = ["--set", "train_epoch_size=64", "--set", "num_epochs=[1,1]"]
MIN_FRACTION_OF_CEILING = 0.25   # trained correlation / noise ceiling, out of fold and held out
MIN_GAIN_OVER_UNTRAINED = 0.1    # trained minus untrained correlation


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    data_dir = dataset(tmp_path_factory, "pipeline", mice=2, neurons=[40, 30], trials=[36, 36], frames=80, seed=11)
    mice = data.read_dataset(data_dir, log=lambda m: None)
    folds.assign_folds(mice)
    # the smallest fold (evaluation time) that has at least 3 validation trials in every mouse
    counts = {k: [sum(t.fold == k for t in m.trials) for m in mice] for k in range(7)}
    fold = min((k for k in counts if min(counts[k]) >= 3), key=lambda k: (sum(counts[k]), k))
    out = tmp_path_factory.mktemp("experiments")
    stage1 = run_trainer("train", "--config", "demo", "--data", data_dir, "--out", out / "demo",
                         "--folds", fold, *FAST, *STAGE1)
    assert stage1.returncode == 0, stage1.stderr
    stage2 = run_trainer("train", "--config", "demo_distillation", "--data", data_dir, "--out",
                         out / "demo_distillation", "--folds", fold, *FAST, *STAGE2)
    assert stage2.returncode == 0, stage2.stderr
    return {"data": data_dir, "mice": mice, "fold": fold, "out": out, "stage2_log": stage2.stdout}


def test_training_writes_original_format_checkpoints_and_logs(pipeline):
    fold_dir = pipeline["out"] / "demo" / f"fold_{pipeline['fold']}"
    found = checkpoints.best_checkpoints(pipeline["out"] / "demo")
    assert [c.fold for c in found] == [pipeline["fold"]]
    assert found[0].path.name.startswith("model-000-")  # the train stage's epoch 0, as argus numbers it
    checkpoint = torch.load(found[0].path, map_location="cpu")
    assert checkpoint["model_name"] == "MouseModel"
    params = checkpoint["params"]
    assert params["nn_module"][0] == "dwiseneuro"
    assert all(isinstance(params[k], tuple) for k in ("nn_module", "loss", "optimizer", "inputs_processor"))
    assert params["nn_module"][1]["readout_outputs"] == [40, 30]
    assert params["frame_stack"] == {"size": 16, "step": 2, "position": "last"}
    assert params["inputs_processor"][0] == "stack_inputs"
    model = checkpoints.build_model(checkpoint, found[0].path)  # strict load of the EMA weights
    state = torch.load(fold_dir / "last.pth", map_location="cpu")
    for key, value in model.state_dict().items():
        assert torch.equal(value, state["ema"][key])
    mice = checkpoint["mice"]
    assert [m["id"] for m in mice] == ["mouse0", "mouse1"]
    unit_ids = np.load(pipeline["data"] / "mouse1" / "meta" / "neurons" / "unit_ids.npy")
    assert mice[1]["unit_ids"] == unit_ids.tolist()
    std = np.load(pipeline["data"] / "mouse0" / "meta" / "statistics" / "responses" / "all" / "std.npy")
    assert np.allclose(mice[0]["response_std"], std)
    assert len(mice[0]["behavior_mean"]) == 2 and len(mice[0]["pupil_center_mean"]) == 2
    rows = json.loads((fold_dir / "log.json").read_text())
    assert [r["stage"] for r in rows] == ["warmup", "train"]
    assert all(r["train_samples_per_s"] > 0 and "val_corr_mouse_1" in r for r in rows)
    assert (fold_dir / "log.csv").read_text().splitlines()[0].startswith("epoch,stage")
    assert json.loads((pipeline["out"] / "demo" / "config.json").read_text())["argus_params"]["optimizer"][1]["lr"] == 0.03
    assert (pipeline["out"] / "demo" / "folds.json").is_file()


def test_stage_two_distills_from_the_same_fold(pipeline):
    stage1 = checkpoints.best_checkpoints(pipeline["out"] / "demo")[0].path
    assert f"distilling from {stage1}, ratio 0.36" in pipeline["stage2_log"]
    assert checkpoints.best_checkpoints(pipeline["out"] / "demo_distillation")[0].fold == pipeline["fold"]


def test_evaluate_export_and_learning(pipeline, tmp_path):
    data_dir, out = pipeline["data"], pipeline["out"]
    report_dir = tmp_path / "report"
    result = run_trainer("evaluate", "--experiment", out / "demo", out / "demo_distillation", "--data", data_dir,
                         "--out", report_dir, "--untrained-baseline")
    assert result.returncode == 0, result.stderr
    report = json.loads((report_dir / "evaluation.json").read_text())
    for name in ("correlation_hist.png", "correlation_vs_ceiling.png", "learning_curves.png"):
        assert (report_dir / name).stat().st_size > 5000
    assert set(report["experiments"]) == {"demo", "demo_distillation"} and "ensemble" in report
    stage1, untrained = report["experiments"]["demo"], report["untrained"]
    oof = stage1["mean_correlation"]
    oof_ceiling = stage1["mean_noise_ceiling"]
    oof_untrained = untrained["mean_correlation"]

    models = tmp_path / "models"
    result = run_trainer("export", out / "demo", out / "demo_distillation", "--out", models)
    assert result.returncode == 0, result.stderr
    ensemble = load_ensemble(models)
    assert [m["id"] for m in ensemble.manifest["mice"]] == ["mouse0", "mouse1"]
    assert [m["stage"] for m in ensemble.manifest["members"]] == ["demo", "demo_distillation"]
    assert len(ensemble.manifest["mice"][0]["unit_ids"]) == 40
    stage1_only = tmp_path / "stage1"
    write_ensemble([out / "demo"], stage1_only, log=lambda m: None)

    # held out: natural-video test tiers (their responses are kept by synth outside the mouse folders)
    result = run_trainer("evaluate", "--models", stage1_only, "--data", data_dir, "--out", tmp_path / "held-out",
                         "--tiers", "final_test_main")
    assert result.returncode == 0, result.stderr
    held_out = json.loads((tmp_path / "held-out" / "evaluation.json").read_text())["ensemble"]
    trained, ceiling = held_out["mean_correlation"], held_out["mean_noise_ceiling"]
    print(f"\nout of fold: trained {oof:.3f}, untrained {oof_untrained:.3f}, noise ceiling {oof_ceiling:.3f} "
          f"({oof / oof_ceiling:.0%} of it)")
    print(f"held-out test tiers: trained {trained:.3f}, noise ceiling {ceiling:.3f} ({trained / ceiling:.0%} of it)")
    assert oof - oof_untrained >= MIN_GAIN_OVER_UNTRAINED
    assert oof >= MIN_FRACTION_OF_CEILING * oof_ceiling
    assert trained >= MIN_FRACTION_OF_CEILING * ceiling


def test_batched_evaluation_equals_the_reference_predictor(pipeline):
    """evaluate's batched sliding window gives the reference predictor's numbers (one window per call)."""
    checkpoint_path = checkpoints.best_checkpoints(pipeline["out"] / "demo")[0].path
    model = checkpoints.build_model(checkpoints.read_checkpoint(checkpoint_path), checkpoint_path)
    mouse = pipeline["mice"][1]
    trial = next(t for t in mouse.trials if t.tier == "final_test_bonus")  # another length
    inputs = trial_inputs(trial, (64, 64))
    plan = WindowPlan(16, 2, "last")
    batched = predict_trial(model, inputs, 1, mouse.num_neurons, plan, batch_size=7)
    reference = predict_member(model, inputs, 1, mouse.num_neurons, plan, batch_size=1)
    assert batched.shape == (mouse.num_neurons, trial.length)
    assert np.allclose(batched, reference, rtol=1e-4, atol=1e-5)
