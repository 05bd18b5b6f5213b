"""Perceptual video hashes that group duplicate videos into the same fold.

The frame hash is the one `imagehash.phash` computes (imagehash is not a dependency here):
grayscale image -> 32x32 with Lanczos resampling -> 2D DCT-II (unnormalised) -> the 8x8 lowest
frequencies -> bits "greater than their median", read row by row as a 64-bit integer (first bit most
significant). A video hash XORs the hashes of 5 frames taken at deterministic positions, exactly as the
original solution does, and the fold of a trial is `video_hash % 7`.
"""
from typing import Iterable

import numpy as np
import scipy.fftpack
from PIL import Image

HASH_SIZE = 8
HIGHFREQ_FACTOR = 4
NUM_HASH_FRAMES = 5

try:  # Pillow >= 9.1
    _LANCZOS = Image.Resampling.LANCZOS
except AttributeError:  # older Pillow: the same filter under its old name
    _LANCZOS = Image.LANCZOS


def bits_to_int(bits: Iterable[bool]) -> int:
    value = 0
    for bit in bits:
        value = (value << 1) | int(bool(bit))
    return value


def frame_phash(frame: np.ndarray) -> int:
    """64-bit pHash of one (H, W) frame; values are cast to uint8 first, as the original does."""
    image = Image.fromarray(np.asarray(frame).astype(np.uint8), "L")
    size = HASH_SIZE * HIGHFREQ_FACTOR
    pixels = np.asarray(image.convert("L").resize((size, size), _LANCZOS))
    dct = scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1)
    low = dct[:HASH_SIZE, :HASH_SIZE]
    return bits_to_int((low > np.median(low)).ravel())


def length_without_nan(trace: np.ndarray) -> int:
    """Index of the first NaN of a 1-D trace, or its length when there is none."""
    nan = np.flatnonzero(np.isnan(trace))
    return int(nan[0]) if nan.size else int(trace.shape[0])


def hash_frame_indexes(length: int, num_frames: int = NUM_HASH_FRAMES):
    if length < num_frames:
        raise ValueError(f"a video needs at least {num_frames} frames to be hashed, it has {length}")
    step = length // num_frames
    return list(range(step // 2, length, step))[:num_frames]


def video_phash(video: np.ndarray, num_frames: int = NUM_HASH_FRAMES) -> int:
    """XOR of the pHashes of `num_frames` frames of a (H, W, T) video (NaN-padded in time)."""
    length = length_without_nan(video[0, 0])
    value = 0
    for index in hash_frame_indexes(length, num_frames):
        value ^= frame_phash(video[..., index])
    return value
