"""Training and validation samples: 16-frame windows of one mouse's trial, as the original builds them.

Training: each mouse contributes `train_epoch_size // num_mice` samples per epoch (so mice are sampled
uniformly); a sample is a uniformly drawn training trial of that mouse and a uniformly drawn target
frame, and with probability `cutmix.prob` it is CutMix-ed with the mouse's next sample. The original
seeds each sample with the wall clock plus its index; here the seed is (run seed, epoch, mouse, index),
which draws from the same distribution but makes a run repeatable and resumable.

Validation: non-overlapping windows, `length // width` per trial, targets on their 16 frames.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch.utils.data import Dataset

from .data import Trial, TrialReader
from .inputs import WindowPlan, stack_inputs
from .mixers import CutMix

Sample = Tuple[torch.Tensor, int, torch.Tensor]


class WindowSource:
    """Builds the (5, 16, H, W) input and (neurons, 16) target of one window of one trial."""

    def __init__(self, plan: WindowPlan, image_size: Sequence[int], pad_fill_value: float = 0.0):
        self.plan = plan
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self.pad_fill_value = float(pad_fill_value)
        self.reader = TrialReader()

    def sample(self, trial: Trial, target_index: int) -> Tuple[torch.Tensor, torch.Tensor]:
        indexes = self.plan.indexes(target_index)
        frames, behavior, pupil_center, responses = self.reader.window(trial, indexes)
        inputs = stack_inputs(frames, behavior, pupil_center, size=self.image_size,
                              pad_fill_value=self.pad_fill_value)
        # the original's "identity" responses processor: float32, negative values clipped to 0
        target = torch.relu(torch.from_numpy(responses))
        return torch.from_numpy(inputs), target


class TrainWindows(Dataset):
    def __init__(self, mice_trials: Sequence[Sequence[Trial]], source: WindowSource, epoch_size: int,
                 cutmix: Optional[CutMix], seed: int):
        self.mice_trials = [list(trials) for trials in mice_trials]
        for index, trials in enumerate(self.mice_trials):
            if not trials:
                raise ValueError(f"mouse {index} has no training trials in this split")
        self.source = source
        self.per_mouse = epoch_size // len(self.mice_trials)
        if self.per_mouse < 1:
            raise ValueError(f"train_epoch_size {epoch_size} is smaller than the number of mice")
        self.cutmix = cutmix
        self.seed = int(seed)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return self.per_mouse * len(self.mice_trials)

    def _rng(self, mouse: int, index: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.epoch, mouse, index])

    def _window(self, mouse: int, rng: np.random.Generator) -> Tuple[torch.Tensor, torch.Tensor]:
        trials = self.mice_trials[mouse]
        trial = trials[int(rng.integers(len(trials)))]
        plan = self.source.plan
        if trial.length - plan.ahead <= plan.behind:
            raise ValueError(f"{trial.behavior_path}: trial of {trial.length} frames is shorter than "
                             f"a {plan.min_length}-frame window")
        target_index = int(rng.integers(plan.behind, trial.length - plan.ahead))
        return self.source.sample(trial, target_index)

    def __getitem__(self, index: int) -> Sample:
        mouse, local = divmod(int(index), self.per_mouse)
        rng = self._rng(mouse, local)
        sample = self._window(mouse, rng)
        if self.cutmix is not None and self.cutmix.use(rng):
            other_rng = self._rng(mouse, local + 1)
            other = self._window(mouse, other_rng)
            sample = self.cutmix(sample, other, other_rng)
        return sample[0], mouse, sample[1]


class ValWindows(Dataset):
    def __init__(self, mice_trials: Sequence[Sequence[Trial]], source: WindowSource):
        self.source = source
        plan = source.plan
        width = plan.min_length
        self.items: List[Tuple[int, Trial, int]] = []
        for mouse, trials in enumerate(mice_trials):
            for trial in trials:
                for k in range(trial.length // width):
                    self.items.append((mouse, trial, plan.behind + k * width))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Sample:
        mouse, trial, target_index = self.items[index]
        inputs, target = self.source.sample(trial, target_index)
        return inputs, mouse, target


class Collate:
    """Stack samples of several mice: inputs (B, 5, 16, H, W); per mouse a (B, neurons, 16) target
    that is zero where the sample belongs to another mouse; weights (B, mice) with 1 for the sample's
    own mouse and 0 elsewhere (the loss masks those, distillation fills them)."""

    def __init__(self, num_neurons: Sequence[int]):
        self.num_neurons = [int(n) for n in num_neurons]

    def __call__(self, samples: Sequence[Sample]):
        inputs = torch.stack([s[0] for s in samples])
        frames = samples[0][2].shape[-1]
        targets = [torch.zeros((len(samples), n, frames), dtype=torch.float32) for n in self.num_neurons]
        weights = torch.zeros((len(samples), len(self.num_neurons)), dtype=torch.float32)
        for row, (_, mouse, target) in enumerate(samples):
            targets[mouse][row] = target
            weights[row, mouse] = 1.0
        return inputs, targets, weights


def to_device(batch, device: torch.device):
    inputs, targets, weights = batch
    non_blocking = device.type == "cuda"
    return (inputs.to(device, non_blocking=non_blocking),
            [t.to(device, non_blocking=non_blocking) for t in targets],
            weights.to(device, non_blocking=non_blocking))


def describe(mice_trials: Sequence[Sequence[Trial]]) -> Dict[str, int]:
    return {"trials": sum(len(t) for t in mice_trials),
            "frames": sum(trial.length for trials in mice_trials for trial in trials)}
