"""Per-frame response std, predictions and their normalisation computed as the original solution does.

    normalise_like_the_original.py OUT_DIR NEURONS STD_FRAMES CLIP_FRAMES SEED

Writes OUT_DIR/std.npy (NEURONS, STD_FRAMES) float32 with NaN (frames no trial reached), zeros and values
below the 1% floor, OUT_DIR/predictions.npy (NEURONS, CLIP_FRAMES) float32, and OUT_DIR/expected.npy: the
predictions through lRomul/sensorium src/responses.py ResponseNormalizer (its formula, unchanged), so the
Java test compares the service against numpy rather than against itself.
"""
import sys
from pathlib import Path

import numpy as np


class ResponseNormalizer:  # lRomul/sensorium src/responses.py, with the std given instead of loaded
    def __init__(self, std):
        threshold = 0.01 * np.nanmean(std)
        idx = std > threshold
        self._response_precision = np.ones_like(std) / threshold
        self._response_precision[idx] = 1 / std[idx]

    def __call__(self, responses):
        return responses * self._response_precision[..., :responses.shape[-1]]


def main(out: Path, neurons: int, std_frames: int, clip_frames: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    std = rng.lognormal(0.0, 0.5, size=(neurons, std_frames)).astype(np.float32)
    if std_frames > 3:
        std[:, -3:] = np.nan        # padded frames past every trial's end
    std[2, :] = 0.0                 # a silent neuron
    std[5, ::4] = 1e-5              # below the floor on some frames
    predictions = rng.gamma(2.0, 0.5, size=(neurons, clip_frames)).astype(np.float32)
    expected = ResponseNormalizer(std)(predictions).astype(np.float32)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "std.npy", std)
    np.save(out / "predictions.npy", predictions)
    np.save(out / "expected.npy", expected)


if __name__ == "__main__":
    main(Path(sys.argv[1]), *map(int, sys.argv[2:6]))
