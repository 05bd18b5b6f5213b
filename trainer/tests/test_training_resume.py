"""Running for real: a run killed in the middle of an epoch resumes to exactly the state of an
uninterrupted run; a non-finite loss stops with a clear message; torchrun data parallel (gloo)."""
import json
import os
import subprocess
import sys

import pytest
import torch

from dwiseneuro_trainer import checkpoints
from training_support import TRAINER_ROOT, dataset, run_trainer

TINY = ["--threads", "1", "--no-progress", "--set", "batch_size=4", "--set", "train_epoch_size=24",
        "--set", "num_epochs=[1,2]", "--set", "argus_params.optimizer.1.lr=0.005"]


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    return dataset(tmp_path_factory, "resume", mice=2, neurons=[11, 7], trials=[24, 24], frames=48, seed=7)


def _fold(data_dir):
    from dwiseneuro_trainer import data, folds
    mice = data.read_dataset(data_dir, log=lambda m: None)
    folds.assign_folds(mice)
    return max(range(7), key=lambda k: min(sum(t.fold == k for t in m.trials) for m in mice))


def _final_state(fold_dir):
    state = torch.load(fold_dir / "last.pth", map_location="cpu")
    names = sorted(p.name for p in fold_dir.glob("model-*.pth"))
    return state, names


def test_resume_after_a_kill_equals_an_uninterrupted_run(tiny_data, tmp_path):
    fold = _fold(tiny_data)
    args = ["train", "--config", "demo", "--data", tiny_data, "--folds", fold, *TINY]
    straight = run_trainer(*args, "--out", tmp_path / "straight")
    assert straight.returncode == 0, straight.stderr

    # killed (SIGKILL, as by the OOM killer) at the third iteration of epoch 2
    killed = run_trainer(*args, "--out", tmp_path / "resumed", env={"DWISENEURO_TRAINER_KILL_AT": "2:2"})
    assert killed.returncode == -9, killed.stderr
    fold_dir = tmp_path / "resumed" / f"fold_{fold}"
    assert json.loads((fold_dir / "log.json").read_text())[-1]["epoch"] == 1  # epoch 1 was saved
    assert not list(fold_dir.glob(".*.tmp"))

    again = run_trainer(*args, "--out", tmp_path / "resumed")
    assert again.returncode == 2 and "pass --resume" in again.stderr

    resumed = run_trainer(*args, "--out", tmp_path / "resumed", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming after epoch 1" in resumed.stdout

    expected, expected_files = _final_state(tmp_path / "straight" / f"fold_{fold}")
    actual, actual_files = _final_state(fold_dir)
    assert actual_files == expected_files and len(actual_files) == 1
    assert actual["epoch"] == expected["epoch"] == 3
    for part in ("model", "ema"):
        for key, value in expected[part].items():
            assert torch.equal(actual[part][key], value), f"{part}.{key}"
    for a, b in zip(actual["optimizer"]["state"].values(), expected["optimizer"]["state"].values()):
        assert torch.equal(a["exp_avg"], b["exp_avg"]) and torch.equal(a["exp_avg_sq"], b["exp_avg_sq"])
    assert torch.equal(actual["rng"]["torch"], expected["rng"]["torch"])
    timing = ("train_seconds", "train_samples_per_s", "val_seconds")
    strip = lambda rows: [{k: v for k, v in r.items() if k not in timing} for r in rows]
    assert strip(actual["history"]) == strip(expected["history"])

    done = run_trainer(*args, "--out", tmp_path / "resumed", "--resume")
    assert done.returncode == 0 and "already complete" in done.stdout


def test_non_finite_loss_stops_with_a_clear_message(tiny_data, tmp_path):
    fold = _fold(tiny_data)
    result = run_trainer("train", "--config", "demo", "--data", tiny_data, "--out", tmp_path / "exp",
                         "--folds", fold, *TINY, "--set", "argus_params.optimizer.1.lr=1e30")
    assert result.returncode == 3, result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert "the loss became" in line and "stopped before the optimizer step" in line and "last.pth" in line
    assert "Traceback" not in result.stderr


def test_data_parallel_on_cpu(tiny_data, tmp_path):
    """Two processes with the gloo backend, started with the environment torchrun gives its workers
    (WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR, MASTER_PORT; Debian's torch 1.13 torchrun launcher
    itself fails on Python 3.11): each takes half of every batch, rank 0 validates and writes."""
    fold = _fold(tiny_data)
    args = [str(TRAINER_ROOT / "bin" / "trainer"), "train", "--config", "demo", "--data", str(tiny_data),
            "--out", str(tmp_path / "ddp"), "--folds", str(fold), "--device", "cpu", "--threads", "1",
            "--no-progress", "--set", "batch_size=4", "--set", "train_epoch_size=16", "--set", "num_epochs=[1,1]"]
    workers = []
    for rank in range(2):
        env = dict(os.environ, WORLD_SIZE="2", RANK=str(rank), LOCAL_RANK=str(rank), MASTER_ADDR="127.0.0.1",
                   MASTER_PORT="29531", PYTHONUNBUFFERED="1")
        workers.append(subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    outputs = [worker.communicate(timeout=600) for worker in workers]
    for worker, (out, err) in zip(workers, outputs):
        assert worker.returncode == 0, out + err
    assert "2 processes" in outputs[0][0] and "iterations of 2 on each of 2 processes" in outputs[0][0]
    assert "epoch" not in outputs[1][0]  # only rank 0 logs
    fold_dir = tmp_path / "ddp" / f"fold_{fold}"
    assert len(list(fold_dir.glob("model-*.pth"))) == 1
    found = checkpoints.best_checkpoints(tmp_path / "ddp")[0].path
    checkpoints.build_model(checkpoints.read_checkpoint(found), found)  # loads strictly, like export
