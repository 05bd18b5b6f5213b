"""Pieces of the recipe checked on hand-made inputs: distillation weighting, the masked loss, the
learning-rate schedule, CutMix, EMA, atomic checkpoint writes and repeatable sampling."""
import math
import os

import numpy as np
import pytest
import torch

from dwiseneuro_trainer import configs, training
from dwiseneuro_trainer.ema import ModelEma
from dwiseneuro_trainer.losses import MicePoissonLoss, add_distillation, distillation_weight
from dwiseneuro_trainer.metrics import CorrelationAccumulator, corr
from dwiseneuro_trainer.mixers import CutMix
from dwiseneuro_trainer.schedule import LrSchedule
from dwiseneuro_trainer.sampling import Collate


def _batch():
    """4 samples, 3 mice with 2, 3 and 1 neurons, 2 frames; sample i belongs to mouse [0, 1, 1, 2][i]."""
    owners = [0, 1, 1, 2]
    neurons = [2, 3, 1]
    targets = [torch.zeros(4, n, 2) for n in neurons]
    weights = torch.zeros(4, 3)
    for row, mouse in enumerate(owners):
        targets[mouse][row] = torch.arange(neurons[mouse] * 2, dtype=torch.float32).view(-1, 2) + 1 + row
        weights[row, mouse] = 1.0
    teacher = [torch.full((4, n, 2), 10.0 * (m + 1)) for m, n in enumerate(neurons)]
    return owners, neurons, targets, weights, teacher


def test_distillation_weighting_on_a_hand_made_batch():
    owners, neurons, targets, weights, teacher = _batch()
    labelled = [t.clone() for t in targets]
    add_distillation(teacher, targets, weights, ratio=0.36)
    # the original: ratio / (1 - ratio) * weights.sum() / (number of unlabelled pairs) = 0.5625 * 4 / 8
    expected = 0.36 / 0.64 * 4 / 8
    assert expected == pytest.approx(0.28125)
    for row, owner in enumerate(owners):
        for mouse in range(3):
            if mouse == owner:
                assert weights[row, mouse] == 1.0
                assert torch.equal(targets[mouse][row], labelled[mouse][row])
            else:
                assert weights[row, mouse].item() == pytest.approx(expected)
                assert torch.equal(targets[mouse][row], teacher[mouse][row])
    distilled_share = weights[weights != 1.0].sum() / weights.sum()
    assert distilled_share.item() == pytest.approx(0.36)  # "distillation is 36% of the total"


def test_loss_masks_other_mice_and_weights_distilled_pairs():
    owners, neurons, targets, weights, teacher = _batch()
    predictions = [torch.rand(4, n, 2) + 0.5 for n in neurons]
    loss_fn = MicePoissonLoss(log_input=False, full=False, eps=1e-8)
    # stage 1: only each sample's own mouse counts, averaged over samples
    manual = sum(float((predictions[m][r] - targets[m][r] * torch.log(predictions[m][r] + 1e-8)).sum())
                 for r, m in enumerate(owners)) / 4
    assert loss_fn(predictions, targets, weights).item() == pytest.approx(manual, rel=1e-5)
    # changing another mouse's (masked) target changes nothing
    targets[2][0] = 99.0
    assert loss_fn(predictions, targets, weights).item() == pytest.approx(manual, rel=1e-5)
    # stage 2: every pair counts, weighted by weights / weights.sum()
    add_distillation(teacher, targets, weights, ratio=0.36)
    total = weights.sum()
    manual = sum(float(weights[r, m] / total * (predictions[m][r] - targets[m][r] * torch.log(predictions[m][r] + 1e-8)).sum())
                 for r in range(4) for m in range(3))
    assert loss_fn(predictions, targets, weights).item() == pytest.approx(manual, rel=1e-5)
    assert distillation_weight(torch.tensor([[1.0, 0.0]]), 0.5).item() == pytest.approx(1.0)


def test_schedule_is_linear_warmup_then_cosine_to_one_percent():
    config = configs.load_config("true_batch_001")
    schedule = LrSchedule(config, 72000)
    per_epoch = 72000 // 32
    base, low = 2.4e-3, 2.4e-5
    assert schedule.total_epochs == 21
    assert schedule.lr(0, 0, per_epoch) == 0.0
    assert schedule.lr(1, per_epoch // 2, per_epoch) == pytest.approx(base * 1.5 / 3)
    assert schedule.lr(3, 0, per_epoch) == pytest.approx(base)
    assert schedule.lr(12, 0, per_epoch) == pytest.approx(low + (base - low) * (1 + math.cos(math.pi * 9 / 18)) / 2)
    assert schedule.lr(20, per_epoch - 1, per_epoch) == pytest.approx(low, rel=1e-3)


def test_cutmix_pastes_a_box_and_mixes_targets_by_its_area():
    x1, x2 = torch.zeros(5, 16, 64, 64), torch.ones(5, 16, 64, 64)
    t1, t2 = torch.zeros(7, 16), torch.ones(7, 16)
    cutmix = CutMix(alpha=1.0, prob=0.5)
    rng = np.random.default_rng(0)
    uses = [cutmix.use(rng) for _ in range(2000)]
    assert 0.45 < np.mean(uses) < 0.55
    for seed in range(20):
        x, t = cutmix((x1, t1), (x2, t2), np.random.default_rng(seed))
        area = x[0, 0].mean().item()  # the pasted box is all ones, the same in every channel and frame
        assert torch.equal(x[:, :1].expand_as(x), x)
        assert torch.allclose(t, torch.full_like(t, area), atol=1e-6)
        assert torch.equal(x1, torch.zeros_like(x1))  # inputs untouched


def test_ema_follows_the_original_update():
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    ema = ModelEma(model, decay=0.9)
    before = {k: v.clone() for k, v in ema.ema.state_dict().items()}
    with torch.no_grad():
        model[0].weight.add_(1.0)
    ema.update(model)
    assert torch.allclose(ema.ema[0].weight, 0.9 * before["0.weight"] + 0.1 * model[0].weight)
    assert not ema.ema[0].weight.requires_grad


def test_validation_metric_is_the_originals_correlation():
    rng = np.random.default_rng(0)
    prediction = torch.from_numpy(rng.random((6, 4, 16)).astype(np.float32))
    target = prediction * 2 + torch.from_numpy(rng.random((6, 4, 16)).astype(np.float32))
    weights = torch.tensor([[1.0, 0.0]] * 4 + [[0.0, 1.0]] * 2)
    metric = CorrelationAccumulator()
    metric.update([prediction, prediction[:, :3]], [target, target[:, :3]], weights)
    result = metric.compute()
    flat_p = prediction[:4].transpose(1, 2).reshape(-1, 4).numpy()
    flat_t = target[:4].transpose(1, 2).reshape(-1, 4).numpy()
    assert result[0] == pytest.approx(float(corr(flat_p, flat_t, axis=0).mean()), rel=1e-6)
    assert set(result) == {0, 1}


def test_collate_builds_zero_targets_and_one_hot_weights():
    samples = [(torch.zeros(5, 16, 64, 64), 1, torch.ones(3, 16)), (torch.ones(5, 16, 64, 64), 0, torch.full((2, 16), 2.0))]
    inputs, targets, weights = Collate([2, 3])(samples)
    assert inputs.shape == (2, 5, 16, 64, 64)
    assert targets[0].shape == (2, 2, 16) and targets[1].shape == (2, 3, 16)
    assert torch.equal(weights, torch.tensor([[0.0, 1.0], [1.0, 0.0]]))
    assert targets[0][0].abs().sum() == 0 and targets[1][1].abs().sum() == 0
    assert torch.equal(targets[1][0], torch.ones(3, 16)) and torch.equal(targets[0][1], torch.full((2, 16), 2.0))


def test_checkpoint_writes_are_atomic(tmp_path, monkeypatch):
    target = tmp_path / "model-001-0.500000.pth"
    training.atomic_save({"weights": torch.ones(3)}, target)
    assert torch.equal(torch.load(target)["weights"], torch.ones(3))
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask())

    real_save = torch.save

    def dies_half_way(obj, f, *args, **kwargs):
        f.write(b"PK\x03\x04 half a checkpoint")
        raise KeyboardInterrupt("killed while writing")

    monkeypatch.setattr(torch, "save", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        training.atomic_save({"weights": torch.zeros(3)}, target)
    monkeypatch.setattr(torch, "save", real_save)
    # the previous file is intact and no temporary file is left behind
    assert torch.equal(torch.load(target)["weights"], torch.ones(3))
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
