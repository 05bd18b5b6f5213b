"""Learning-rate schedule of the original: linear warm-up from 0 over the "warmup" stage, then cosine
annealing over the "train" stage down to `get_lr(min_base_lr, batch_size)`, stepped every iteration."""
import math
from dataclasses import dataclass
from typing import Dict, List

from .configs import get_lr


@dataclass
class Stage:
    name: str
    first_epoch: int
    num_epochs: int
    num_iterations: int  # as the original computes it: (epoch samples // batch) * epochs


class LrSchedule:
    def __init__(self, config: Dict, epoch_samples: int):
        stages = list(config["stages"])
        epochs = [int(n) for n in config["num_epochs"]]
        if len(stages) != len(epochs):
            raise ValueError(f"config: stages {stages} and num_epochs {epochs} differ in length")
        for name in stages:
            if name not in ("warmup", "train"):
                raise ValueError(f"config: unknown stage '{name}' (warmup and train are supported)")
        self.base_lr = float(config["argus_params"]["optimizer"][1]["lr"])
        self.min_lr = get_lr(float(config["min_base_lr"]), int(config["batch_size"]))
        self.stages: List[Stage] = []
        first = 0
        for name, num in zip(stages, epochs):
            iterations = (epoch_samples // int(config["batch_size"])) * num
            self.stages.append(Stage(name, first, num, max(iterations, 1)))
            first += num
        self.total_epochs = first

    def stage_of(self, epoch: int) -> Stage:
        for stage in self.stages:
            if stage.first_epoch <= epoch < stage.first_epoch + stage.num_epochs:
                return stage
        raise IndexError(f"epoch {epoch} is past the schedule's {self.total_epochs} epochs")

    def lr(self, epoch: int, iteration_in_epoch: int, iterations_per_epoch: int) -> float:
        """Learning rate of one iteration (0-based epoch and iteration)."""
        stage = self.stage_of(epoch)
        step = (epoch - stage.first_epoch) * iterations_per_epoch + iteration_in_epoch
        if stage.name == "warmup":
            return self.base_lr * step / stage.num_iterations
        return self.min_lr + (self.base_lr - self.min_lr) * (1 + math.cos(math.pi * step / stage.num_iterations)) / 2
