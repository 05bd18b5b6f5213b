"""Model inputs of a clip and the sliding-window plan, as the original predictor builds them."""
from typing import List, Tuple

import numpy as np


def stack_inputs(video: np.ndarray, behavior: np.ndarray, pupil_center: np.ndarray,
                 size: Tuple[int, int] = (64, 64), pad_fill_value: float = 0.0) -> np.ndarray:
    """(H, W, T) video + (2, T) behavior + (2, T) pupil center -> (5, T, size[1], size[0]) float32.

    The frames are centred in the padded canvas; the four traces each fill a whole channel.
    """
    length = video.shape[-1]
    out = np.full((5, length, size[1], size[0]), pad_fill_value, dtype=np.float32)
    frames = np.transpose(video.astype(np.float32), (2, 0, 1))
    height, width = frames.shape[-2:]
    top = (size[1] - height) // 2
    left = (size[0] - width) // 2
    out[0, :, top:top + height, left:left + width] = frames
    out[1:3] = behavior[:, :, None, None]
    out[3:] = pupil_center[:, :, None, None]
    return out


class WindowPlan:
    """Frame indexes of every window of a clip (target frame in position 'last', 'middle' or 'first')."""

    def __init__(self, size: int = 16, step: int = 2, position: str = "last"):
        if position == "last":
            behind, ahead = size - 1, 0
        elif position == "middle":
            behind = size // 2
            ahead = size - behind - 1
        elif position == "first":
            behind, ahead = 0, size - 1
        else:
            raise ValueError(f"frame stack position must be first, middle or last, not '{position}'")
        self.size = size
        self.step = step
        self.behind = behind * step
        self.ahead = ahead * step

    @property
    def min_length(self) -> int:
        return self.behind + self.ahead + 1

    def ends(self, length: int) -> range:
        """Target indexes of all windows of a clip of `length` frames."""
        return range(self.behind, length - self.ahead)

    def indexes(self, target: int) -> List[int]:
        return list(range(target - self.behind, target + self.ahead + 1, self.step))


def trim_trailing_nan(*arrays: np.ndarray) -> int:
    """Length of a clip without the dataset's trailing NaN padding.

    A trailing frame is padding when no array has a non-NaN value in it. NaN left inside the clip
    after trimming is an error for the caller to report.
    """
    length = 0
    for array in arrays:
        flat = np.asarray(array, dtype=np.float64).reshape(-1, array.shape[-1])
        present = np.flatnonzero(~np.isnan(flat).all(axis=0))
        if present.size:
            length = max(length, int(present[-1]) + 1)
    return length
