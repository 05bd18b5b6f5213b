"""Exponential moving average of a model's weights and buffers (the original's ModelEma)."""
import copy

import torch
from torch import nn


class ModelEma(nn.Module):
    """Keeps `ema = decay * ema + (1 - decay) * model` for every state_dict entry after each step.

    Entries are matched in order, as in the original. Integer buffers (BatchNorm's batch counter) take
    the same arithmetic cast back to their dtype.
    """

    def __init__(self, model: nn.Module, decay: float = 0.999):
        super().__init__()
        self.ema = copy.deepcopy(model)
        self.ema.eval()
        for parameter in self.ema.parameters():
            parameter.requires_grad_(False)
        self.decay = float(decay)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        for ema_value, value in zip(self.ema.state_dict().values(), model.state_dict().values()):
            ema_value.copy_(self.decay * ema_value + (1.0 - self.decay) * value)

    @torch.no_grad()
    def set(self, model: nn.Module) -> None:
        for ema_value, value in zip(self.ema.state_dict().values(), model.state_dict().values()):
            ema_value.copy_(value)
