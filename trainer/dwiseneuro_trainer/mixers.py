"""CutMix for (inputs, target) samples, with the original solution's box and label mixing."""
from typing import Tuple

import numpy as np
import torch

Sample = Tuple[torch.Tensor, torch.Tensor]


def rand_bbox(height: int, width: int, lam: float, rng: np.random.Generator) -> Tuple[int, int, int, int]:
    """A box whose sides are sqrt(lam) of the image's, centred anywhere (clipped at the borders).

    As in the original, the first pair of bounds is drawn from `width` and indexes the second-to-last
    axis; the frames are square (64x64), so the distinction never matters.
    """
    cut_rat = np.sqrt(lam)
    cut_w = int(width * cut_rat)
    cut_h = int(height * cut_rat)
    cx = int(rng.integers(width))
    cy = int(rng.integers(height))
    x1 = int(np.clip(cx - cut_w // 2, 0, width))
    y1 = int(np.clip(cy - cut_h // 2, 0, height))
    x2 = int(np.clip(cx + cut_w // 2, 0, width))
    y2 = int(np.clip(cy + cut_h // 2, 0, height))
    return x1, y1, x2, y2


class CutMix:
    """Paste a box of sample 2 into sample 1 (every channel and frame); mix targets by the box area."""

    def __init__(self, alpha: float = 1.0, prob: float = 1.0):
        self.alpha = float(alpha)
        self.prob = float(prob)

    def use(self, rng: np.random.Generator) -> bool:
        return bool(rng.random() < self.prob)

    def __call__(self, sample1: Sample, sample2: Sample, rng: np.random.Generator) -> Sample:
        inputs1, target1 = sample1
        inputs2, target2 = sample2
        inputs = inputs1.clone()
        lam = float(rng.beta(self.alpha, self.alpha))
        h, w = inputs1.shape[-2:]
        x1, y1, x2, y2 = rand_bbox(h, w, lam, rng)
        inputs[..., x1:x2, y1:y2] = inputs2[..., x1:x2, y1:y2]
        area = (x2 - x1) * (y2 - y1) / (h * w)
        target = (1.0 - area) * target1 + area * target2
        return inputs, target
