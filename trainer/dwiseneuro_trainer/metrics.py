"""Single-trial correlation, as the original computes it."""
from collections import defaultdict
from typing import Dict, List, Sequence

import numpy as np
import torch


def corr(y1: np.ndarray, y2: np.ndarray, axis: int = -1, eps: float = 1e-8) -> np.ndarray:
    """Pearson correlation along `axis` (population std, eps added to each std)."""
    y1 = np.asarray(y1, dtype=np.float64)
    y2 = np.asarray(y2, dtype=np.float64)
    y1 = (y1 - y1.mean(axis=axis, keepdims=True)) / (y1.std(axis=axis, keepdims=True) + eps)
    y2 = (y2 - y2.mean(axis=axis, keepdims=True)) / (y2.std(axis=axis, keepdims=True) + eps)
    return (y1 * y2).mean(axis=axis)


def neuron_correlations(prediction: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per-neuron correlation of (neurons, frames) arrays; NaN (e.g. a constant neuron) counts as 0."""
    values = corr(prediction, target, axis=1)
    return np.nan_to_num(values, nan=0.0)


class CorrelationAccumulator:
    """Validation metric: per mouse, the correlation of every neuron over all validation frames
    (windows x 16 frames), averaged over neurons; the overall value is the mean over mice."""

    def __init__(self):
        self.predictions: Dict[int, List[np.ndarray]] = defaultdict(list)
        self.targets: Dict[int, List[np.ndarray]] = defaultdict(list)

    def update(self, predictions: Sequence[torch.Tensor], targets: Sequence[torch.Tensor],
               weights: torch.Tensor) -> None:
        for mouse, (prediction, target) in enumerate(zip(predictions, targets)):
            mask = weights[:, mouse] != 0.0
            if bool(mask.any()):
                p = prediction[mask].float().transpose(1, 2).reshape(-1, prediction.shape[1])
                t = target[mask].float().transpose(1, 2).reshape(-1, target.shape[1])
                self.predictions[mouse].append(p.cpu().numpy())
                self.targets[mouse].append(t.cpu().numpy())

    def compute(self) -> Dict[int, float]:
        result = {}
        for mouse in sorted(self.predictions):
            p = np.concatenate(self.predictions[mouse], axis=0)
            t = np.concatenate(self.targets[mouse], axis=0)
            result[mouse] = float(corr(p, t, axis=0).mean())
        return result
