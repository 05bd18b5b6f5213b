"""Checkpoints in the original solution's format: `torch.save` of a dict with `model_name`,
`params` (with `params["nn_module"] == ("dwiseneuro", {kwargs})`) and `nn_state_dict`.

This trainer writes the same format (plus an optional `mice` list), so one reader serves both
`import-original` and `export`.
"""
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import torch

from .model import DwiseNeuro

_SCORE = re.compile(r"-(\d+(?:\.\d+)?)\.pth$")
_FOLD_DIR = re.compile(r"^fold_(\d+)$")


class CheckpointError(Exception):
    """A checkpoint or experiment folder that cannot be used; the message names the file."""


@dataclass
class FoldCheckpoint:
    path: Path
    fold: int
    score: float


def best_checkpoints(experiment_dir: Path) -> List[FoldCheckpoint]:
    """The best-scoring `model-<epoch>-<score>.pth` of every `fold_<k>` folder, as the original picks it."""
    if not experiment_dir.is_dir():
        raise CheckpointError(f"{experiment_dir}: experiment folder not found")
    result = []
    for fold_dir in sorted(experiment_dir.iterdir()):
        match = _FOLD_DIR.match(fold_dir.name)
        if not match or not fold_dir.is_dir():
            continue
        scored = []
        for path in fold_dir.glob("*.pth"):
            score = _SCORE.search(path.name)
            if score is not None:
                scored.append((float(score.group(1)), path))
        if not scored:
            raise CheckpointError(f"{fold_dir}: no model-<epoch>-<score>.pth checkpoint in the fold folder")
        score, path = max(scored, key=lambda item: item[0])
        result.append(FoldCheckpoint(path=path, fold=int(match.group(1)), score=score))
    if not result:
        raise CheckpointError(f"{experiment_dir}: no fold_<k> folders with checkpoints")
    return sorted(result, key=lambda c: c.fold)


def read_checkpoint(path: Path) -> Dict[str, Any]:
    try:
        checkpoint = torch.load(str(path), map_location="cpu")
    except Exception as error:  # torch raises several unrelated types for a bad file
        raise CheckpointError(f"{path}: not a readable torch checkpoint ({error})") from error
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f"{path}: expected a dict checkpoint, found {type(checkpoint).__name__}")
    missing = [key for key in ("params", "nn_state_dict") if key not in checkpoint]
    if missing:
        raise CheckpointError(f"{path}: checkpoint lacks {', '.join(missing)}")
    nn_module = checkpoint["params"].get("nn_module")
    if not (isinstance(nn_module, (tuple, list)) and len(nn_module) == 2 and nn_module[0] == "dwiseneuro"):
        raise CheckpointError(f"{path}: params['nn_module'] is not ('dwiseneuro', {{...}}): {nn_module!r}")
    return checkpoint


def build_model(checkpoint: Dict[str, Any], path: Path) -> DwiseNeuro:
    """The eval-mode DwiseNeuro of a checkpoint, loaded with strict=True."""
    kwargs = dict(checkpoint["params"]["nn_module"][1])
    try:
        model = DwiseNeuro(**kwargs)
    except TypeError as error:
        raise CheckpointError(f"{path}: unsupported DwiseNeuro arguments ({error})") from error
    try:
        model.load_state_dict(checkpoint["nn_state_dict"], strict=True)
    except RuntimeError as error:
        raise CheckpointError(f"{path}: weights do not match the DwiseNeuro configuration:\n{error}") from error
    return model.eval()


def frame_stack(checkpoint: Dict[str, Any]) -> Dict[str, Any]:
    stack = dict(checkpoint["params"].get("frame_stack", {"size": 16, "step": 2, "position": "last"}))
    return stack


def image_size(checkpoint: Dict[str, Any]) -> List[int]:
    processor = checkpoint["params"].get("inputs_processor", ("stack_inputs", {"size": (64, 64)}))
    return list(processor[1].get("size", (64, 64)))


def mice_of(checkpoint: Dict[str, Any]) -> Optional[List[Dict[str, Any]]]:
    """The mice this trainer records in its checkpoints (absent in the original's)."""
    mice = checkpoint.get("mice")
    return [dict(m) for m in mice] if mice is not None else None
