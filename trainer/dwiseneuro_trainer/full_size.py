"""Full-size DwiseNeuro members with random weights, for benchmarks (bench/inference_form.py,
bench/gpu_check.py, bench/allocator_full_size.sh): the published architecture, built from the code
so that nothing large has to travel to a benchmark machine.

BatchNorm is calibrated with a few training-mode batches of camera-like windows, so that activations,
and with them the half-precision error, look like a trained model's rather than an untouched init's.
"""
from typing import Dict, Optional

import torch

from . import configs, constants
from .model import DwiseNeuro, init_weights

# A reduced architecture for dry runs (seconds on a CPU).
TINY = dict(readout_outputs=[37, 52], core_features=(8, 16, 16), spatial_strides=(2, 2, 1),
            expansion_ratio=2, se_reduce_ratio=4, cortex_features=(48, 96))


def model_kwargs(config: str = "true_batch_001", tiny: bool = False) -> Dict:
    if tiny:
        return dict(TINY)
    return configs.model_kwargs(configs.load_config(config), constants.SENSORIUM_NUM_NEURONS)


def camera_windows(batch: int, generator: torch.Generator, height: int = 64, width: int = 64) -> torch.Tensor:
    """(batch, 5, 16, H, W): smooth random 36 x 64 videos centred on the canvas, behavior and
    pupil-centre planes in the dataset's ranges."""
    x = torch.zeros(batch, 5, 16, height, width)
    low = torch.rand(batch, 1, 16, 9, 16, generator=generator) * 255
    top = (height - 36) // 2
    x[:, :1, :, top:top + 36, (width - 64) // 2:(width - 64) // 2 + 64] = torch.nn.functional.interpolate(
        low, size=(16, 36, 64), mode="trilinear", align_corners=False)
    ranges = torch.tensor([1.0, 30.0, 100.0, 100.0])[None, :, None]
    traces = torch.rand(batch, 4, 16, generator=generator) * ranges + torch.tensor([0.0, 0.0, 100.0, 100.0])[None, :, None]
    x[:, 1:] = traces[..., None, None]
    return x


def random_model(kwargs: Optional[Dict] = None, seed: int = 0, calibration_batches: int = 3,
                 batch: int = 2) -> DwiseNeuro:
    """An eval DwiseNeuro with the original initialisation and calibrated BatchNorm statistics."""
    torch.manual_seed(seed)
    model = DwiseNeuro(**(kwargs or model_kwargs()))
    init_weights(model)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    with torch.no_grad():
        for _ in range(calibration_batches):
            model.features(camera_windows(batch, generator))
    return model.eval()
