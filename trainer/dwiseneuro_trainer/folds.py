"""Group k-fold by video hash, as the original solution splits its data.

Every labelled trial (train and oracle trials of the new Sensorium mice; every trial with responses of
the other mice) gets `fold = video_hash % num_folds`, so the same video shown to two mice, or twice in
two tiers, always lands in one fold and never leaks from training into validation.
"""
import json
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from . import constants
from .data import Mouse, Trial


def fold_of(video_hash: int, num_folds: int = constants.NUM_FOLDS) -> int:
    return int(video_hash) % num_folds


def assign_folds(mice: Sequence[Mouse], num_folds: int = constants.NUM_FOLDS) -> None:
    for mouse in mice:
        for trial in mouse.trials:
            trial.fold = fold_of(trial.video_hash, num_folds) if trial.labelled else None


def split(mouse: Mouse, val_fold: int) -> Tuple[List[Trial], List[Trial]]:
    """(training trials, validation trials) of one mouse for one validation fold."""
    train = [t for t in mouse.trials if t.fold is not None and t.fold != val_fold]
    val = [t for t in mouse.trials if t.fold == val_fold]
    return train, val


def fold_table(mice: Sequence[Mouse]) -> Dict[str, Dict[str, object]]:
    """A JSON-able record of which trial went to which fold."""
    table: Dict[str, Dict[str, object]] = {}
    for mouse in mice:
        table[mouse.id] = {
            str(t.trial_id): {"tier": t.tier, "fold": t.fold, "length": t.length,
                              "video_hash": None if t.video_hash is None else f"{t.video_hash:016x}"}
            for t in mouse.trials
        }
    return table


def write_fold_table(mice: Sequence[Mouse], path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(fold_table(mice), indent=1))
    tmp.replace(path)
