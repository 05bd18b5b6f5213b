"""Stage 2: the stage-1 model of the same fold predicts the responses of the mice a sample has no
labels for (the original's `distill` config: {"experiment": "true_batch_001", "ratio": 0.36})."""
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import torch

from . import checkpoints

_SCORE = re.compile(r"-(\d+(?:\.\d+)?)\.pth$")


class DistillError(ValueError):
    """The stage-1 model for distillation is missing or does not fit the data."""


def teacher_experiment(config: Dict[str, Any], out_dir: Path, override: Optional[str] = None) -> Path:
    """The stage-1 experiment folder: `override`, else `distill.experiment`. A bare name is a sibling
    of this experiment's folder (the original looks in its experiments folder); a value with a path
    separator is a path."""
    value = override if override else str(config["distill"]["experiment"])
    if "/" in value or Path(value).is_absolute():
        return Path(value)
    return out_dir.parent / value


def best_in_fold(fold_dir: Path) -> Path:
    scored = []
    for path in fold_dir.glob("*.pth"):
        match = _SCORE.search(path.name)
        if match is not None:
            scored.append((float(match.group(1)), path))
    if not scored:
        raise DistillError(f"{fold_dir}: no model-<epoch>-<score>.pth checkpoint to distill from "
                           f"(train stage 1 for this fold first, or point --distill-from at it)")
    return max(scored, key=lambda item: item[0])[1]


def load_teacher(experiment_dir: Path, fold: int, device: torch.device,
                 readout_outputs: Sequence[int], mouse_ids: Sequence[str]) -> torch.nn.Module:
    path = best_in_fold(experiment_dir / f"fold_{fold}")
    checkpoint = checkpoints.read_checkpoint(path)
    outputs = [int(n) for n in checkpoint["params"]["nn_module"][1]["readout_outputs"]]
    if outputs != [int(n) for n in readout_outputs]:
        raise DistillError(f"{path}: its readouts {outputs} differ from this data's neuron counts "
                           f"{list(readout_outputs)}")
    mice: Optional[List[Dict[str, Any]]] = checkpoints.mice_of(checkpoint)
    if mice is not None and [m["id"] for m in mice] != list(mouse_ids):
        raise DistillError(f"{path}: trained on mice {[m['id'] for m in mice]}, not {list(mouse_ids)}")
    model = checkpoints.build_model(checkpoint, path).to(device)
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    model.teacher_path = str(path)  # type: ignore[attr-defined]
    return model.eval()
