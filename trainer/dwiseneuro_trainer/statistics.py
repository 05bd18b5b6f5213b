"""The dataset's `meta/statistics/<kind>/all/<name>.npy` in whichever shape a dataset has them.

The shape is not known for certain (see the format notes): the original's ResponseNormalizer multiplies a
(neurons, frames) prediction by `precision[..., :frames]` (a per-frame (N, T) std), the official loader
broadcasts an (N, 1) or (N, T) std over a trial, neuralpredictors reads a 1-D (N,) mean, and ViV1T
recomputed (N,) itself. So every one of these is read:

- responses: (N,), (N, 1) or (N, T); behavior and pupil_center: (2,), (2, 1) or (2, T);
- videos: a scalar (any array of one value), per pixel (H, W) or (H, W, 1), or per pixel and frame (H, W, T).

Where one value per neuron (or row) is needed it is the nan-mean over the frames (the training means
that stand in for omitted traces, the per-neuron std); the video mean is the nan-mean of everything. A
per-frame response std (T > 1) is also kept whole, for the competition's normalisation exactly as the
original computes it; the export writes it next to the members (see `export_mouse`).
"""
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

KINDS = ("videos", "responses", "behavior", "pupil_center")
NAMES = ("min", "max", "mean", "median", "std")
ROWS_OF_TRACES = 2

# keys of a mouse entry (checkpoints' `mice`, manifest's `mice[]`)
RESPONSE_STD_FRAMES = "response_std_frames"  # the (N, T) array in checkpoints; a side file in ensembles
RESPONSE_STD_FILE = "response_std_file"


class StatisticsError(ValueError):
    """A statistics file of a shape that fits none of the known layouts; the message names the file."""


def _row_layout(shape: Tuple[int, ...], rows: int) -> Optional[str]:
    if shape == (rows,):
        return "per row"
    if len(shape) == 2 and shape[0] == rows and shape[1] >= 1:
        return "per row" if shape[1] == 1 else "per row and frame"
    return None


def _video_layout(shape: Tuple[int, ...], frame_shape: Tuple[int, int]) -> Optional[str]:
    if int(np.prod(shape)) == 1:
        return "scalar"
    if len(shape) in (2, 3) and tuple(shape[:2]) == tuple(frame_shape):
        return "per pixel" if len(shape) == 2 or shape[2] == 1 else "per pixel and frame"
    return None


@dataclass
class MouseStatistics:
    """What `read` found: every file as stored, by kind and name."""
    values: Dict[str, Dict[str, np.ndarray]] = field(default_factory=dict)

    def get(self, kind: str, name: str) -> Optional[np.ndarray]:
        return self.values.get(kind, {}).get(name)

    def shapes(self) -> Dict[str, List[int]]:
        """{"responses/std": [N, T], ...}: the shape of every file found (what the manifest records)."""
        return {f"{kind}/{name}": [int(d) for d in value.shape]
                for kind, names in self.values.items() for name, value in names.items()}

    def per_row(self, kind: str, name: str) -> Optional[np.ndarray]:
        """One float64 value per neuron (responses) or row (behavior, pupil_center): the nan-mean over frames."""
        value = self.get(kind, name)
        if value is None:
            return None
        value = np.asarray(value, dtype=np.float64)
        if value.ndim == 1:
            return value
        return _nanmean(value, axis=1)

    def video_mean(self) -> Optional[float]:
        """The training videos' mean luminance (0..255): the nan-mean of the stored mean, whatever its shape."""
        value = self.get("videos", "mean")
        if value is None:
            return None
        mean = float(_nanmean(np.asarray(value, dtype=np.float64)))
        return mean if np.isfinite(mean) else None

    def response_std_frames(self) -> Optional[np.ndarray]:
        """The per-frame response std (N, T) as float32 when the dataset has one (T > 1), else None."""
        value = self.get("responses", "std")
        if value is None or value.ndim != 2 or value.shape[1] == 1:
            return None
        return np.ascontiguousarray(value, dtype=np.float32)

    def mouse_entry(self) -> Dict[str, Any]:
        """The statistics keys of a mouse entry: per-row reductions, video mean, shapes found, and the
        per-frame std as a float32 tensor (export writes it to a side file)."""
        entry: Dict[str, Any] = {}
        std = self.per_row("responses", "std")
        if std is not None:
            entry["response_std"] = [float(v) for v in std]
        for kind in ("behavior", "pupil_center"):
            mean = self.per_row(kind, "mean")
            if mean is not None:
                entry[f"{kind}_mean"] = [float(v) for v in mean]
        video_mean = self.video_mean()
        if video_mean is not None:
            entry["video_mean"] = video_mean
        frames = self.response_std_frames()
        if frames is not None:
            import torch  # a tensor, not a numpy array: checkpoints stay loadable with torch.load(weights_only=True)
            entry[RESPONSE_STD_FRAMES] = torch.from_numpy(frames)
        if self.values:
            entry["statistics_shapes"] = self.shapes()
        return entry


def _nanmean(value: np.ndarray, axis=None):
    """np.nanmean without the RuntimeWarning of all-NaN rows (they are NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(value, axis=axis)


def read(folder: Path, num_neurons: int, frame_shape: Tuple[int, int], load) -> MouseStatistics:
    """Every meta/statistics/<kind>/all/<name>.npy of a mouse folder; absent files are skipped, a file
    whose shape fits no known layout is a StatisticsError naming it. `load(path)` reads one array."""
    rows = {"responses": num_neurons, "behavior": ROWS_OF_TRACES, "pupil_center": ROWS_OF_TRACES}
    result = MouseStatistics()
    for kind in KINDS:
        for name in NAMES:
            path = folder / "meta" / "statistics" / kind / "all" / f"{name}.npy"
            if not path.is_file():
                continue
            value = np.asarray(load(path))
            if value.dtype.kind not in "fiu":
                raise StatisticsError(f"{path}: dtype {value.dtype} is not numeric")
            shape = tuple(value.shape)
            if kind == "videos":
                if _video_layout(shape, frame_shape) is None:
                    raise StatisticsError(f"{path}: expected a scalar, per-pixel {tuple(frame_shape)} or "
                                          f"{tuple(frame_shape) + ('frames',)} statistic of the videos, got shape {shape}")
            elif _row_layout(shape, rows[kind]) is None:
                what = "neurons" if kind == "responses" else "rows"
                raise StatisticsError(f"{path}: expected shape ({rows[kind]},), ({rows[kind]}, 1) or "
                                      f"({rows[kind]}, frames) (one value per {what[:-1]}, or per {what[:-1]} "
                                      f"and frame), got {shape}")
            result.values.setdefault(kind, {})[name] = value
    return result


def export_mouse(mouse: Dict[str, Any], out_dir: Path) -> Dict[str, Any]:
    """A checkpoint's mouse entry for a manifest: a per-frame response std goes to
    `response_std-mouse<index>.npy` in the ensemble folder (float32, C order) and the entry names it,
    instead of N x T numbers in the JSON."""
    mouse = dict(mouse)
    frames = mouse.pop(RESPONSE_STD_FRAMES, None)
    if frames is not None:
        name = f"response_std-mouse{int(mouse['index'])}.npy"
        target = out_dir / name
        tmp = target.with_name(f".{name}.tmp")
        with tmp.open("wb") as f:
            np.save(f, np.ascontiguousarray(frames, dtype=np.float32))
        tmp.replace(target)
        mouse[RESPONSE_STD_FILE] = name
    return mouse
