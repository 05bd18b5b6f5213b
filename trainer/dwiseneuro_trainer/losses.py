"""The multi-mouse Poisson loss of the original solution and its distillation weighting."""
from typing import List, Sequence

import torch
from torch import nn


class MicePoissonLoss(nn.Module):
    """Sum over mice of the Poisson NLL of each sample's labelled readouts, weighted per (sample, mouse)
    by `weights / weights.sum()`: a weight of 0 masks a mouse that has no responses for a sample."""

    def __init__(self, log_input: bool = False, full: bool = False, eps: float = 1e-8):
        super().__init__()
        self.poisson = nn.PoissonNLLLoss(log_input=log_input, full=full, eps=eps, reduction="none")

    def forward(self, predictions: Sequence[torch.Tensor], targets: Sequence[torch.Tensor],
                weights: torch.Tensor) -> torch.Tensor:
        weights = weights / weights.sum()
        total = predictions[0].new_zeros((), dtype=torch.float32)
        for mouse, (prediction, target) in enumerate(zip(predictions, targets)):
            mouse_weights = weights[:, mouse]
            mask = mouse_weights != 0.0
            if bool(mask.any()):
                loss = self.poisson(prediction[mask].float(), target[mask].float())
                loss = loss * mouse_weights[mask].view(-1, *[1] * (loss.dim() - 1))
                total = total + loss.sum()
        return total


def distillation_weight(weights: torch.Tensor, ratio: float) -> torch.Tensor:
    """Weight of each distilled (sample, mouse) pair so that distilled pairs carry `ratio` of the total
    weight: ratio / (1 - ratio) * (sum of labelled weights) / (number of distilled pairs)."""
    distilled = (weights == 0.0).sum()
    return ratio / (1.0 - ratio) * weights.sum() / distilled.clamp(min=1)


@torch.no_grad()
def add_distillation(teacher_outputs: Sequence[torch.Tensor], targets: List[torch.Tensor],
                     weights: torch.Tensor, ratio: float) -> None:
    """Fill every unlabelled (sample, mouse) target with the teacher's prediction, in place, and give
    it the distillation weight (the original's `add_distill_predictions`)."""
    if not ratio:
        return
    mask = weights == 0.0
    if not bool(mask.any()):
        return
    weight = distillation_weight(weights, ratio)
    for mouse, target in enumerate(targets):
        rows = mask[:, mouse]
        if bool(rows.any()):
            target[rows] = teacher_outputs[mouse][rows].to(target.dtype)
    weights[mask] = weight.to(weights.dtype)
