"""Writes an ensemble folder whose neurons are known by construction, for the experiments' ground-truth
tests (ExperimentsGroundTruthTest): one TorchScript member with `features`/`readout` (float32 in and
out) and a manifest, loadable by the service like any exported ensemble.

    python3 make_detector_ensemble.py OUT_DIR

Mouse "motion" (12 neurons): direction-selective motion detectors. Each projects every frame of a
window onto a quadrature pair of spatial Gabor filters at the frame's centre, z_t = sum (v_t - mean) *
exp(i 2 pi f s), s the position along its preferred direction theta (up positive), and correlates
successive frames like a Reichardt detector: M_t = Im(conj(z_{t-1}) z_t) / norm. A grating drifting
along theta makes the phase of z advance (M > 0), one drifting against it makes it recede (M < 0).
Response: baseline + relu(M) + w * relu(-M), so DSI = (1 - w) / (1 + w) by construction.

Mouse "spots" (8 neurons): spot detectors at set pixel positions [x, y] of the 36 x 64 frame:
softplus(gain * polarity * sum G (v - mean) / mean), G a normalised Gaussian of width sigma pixels;
polarity +1 (ON) or -1 (OFF). Frame by frame, no memory.

The ground truth (preferred directions, w and the DSI they give, spot positions) is written to
OUT_DIR/truth.json for the test to compare with.
"""
import hashlib
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

HEIGHT, WIDTH, CANVAS, TOP = 36, 64, 64, 14       # the frame is centred on the 64 x 64 canvas
MEAN = 110.0                                      # the mice's video_mean in the manifest
DEG_PER_PX = math.degrees(math.atan2(56.5 / 64, 15.0))  # Sensorium rig, centre pixel: 3.37 deg
SPATIAL_FREQUENCY = 0.04                          # cycles/deg the motion detectors are tuned to
ENVELOPE_PX = 5.0

# (preferred direction, null weight w): preferred directions off the 22.5-degree grid, w in four levels
MOTION = [(10.0, 0.0), (40.0, 0.2), (75.0, 0.45), (100.0, 0.7), (135.0, 0.0), (170.0, 0.2),
          (200.0, 0.45), (230.0, 0.7), (260.0, 0.0), (290.0, 0.2), (320.0, 0.45), (345.0, 0.7)]
# (x, y, sigma, polarity): positions all over the frame, ON and OFF
SPOTS = [(10.3, 8.7, 1.5, 1), (50.2, 25.1, 1.5, -1), (31.5, 17.5, 2.0, 1), (5.5, 30.2, 1.2, 1),
         (58.0, 4.5, 1.5, -1), (20.7, 28.3, 1.8, 1), (42.2, 10.9, 1.3, 1), (36.8, 22.6, 1.6, -1)]
BASELINE = 0.1
SPOT_GAIN = 4.0


def canvas_grid():
    """Frame coordinates (x, y) of every canvas pixel, and a mask of the pixels on the frame."""
    rows = torch.arange(CANVAS, dtype=torch.float64).view(-1, 1).expand(CANVAS, CANVAS) - TOP
    cols = torch.arange(CANVAS, dtype=torch.float64).view(1, -1).expand(CANVAS, CANVAS)
    on_frame = (rows >= 0) & (rows < HEIGHT)
    return cols, rows, on_frame


def motion_filters():
    x, y, on_frame = canvas_grid()
    dx, dy = x - (WIDTH - 1) / 2, y - (HEIGHT - 1) / 2
    envelope = torch.exp(-(dx ** 2 + dy ** 2) / (2 * ENVELOPE_PX ** 2)) * on_frame
    cycles_per_px = SPATIAL_FREQUENCY * DEG_PER_PX
    even, odd = [], []
    for theta, _ in MOTION:
        t = math.radians(theta)
        s = dx * math.cos(t) - dy * math.sin(t)  # position along theta, up positive (rows count down)
        even.append(envelope * torch.cos(2 * math.pi * cycles_per_px * s))
        odd.append(envelope * torch.sin(2 * math.pi * cycles_per_px * s))
    # A full-contrast matched grating gives |z| = MEAN * sum(envelope) / 2: normalise |z|^2 to 1.
    norm = (MEAN * float(envelope.sum()) / 2) ** 2
    return torch.stack(even).float(), torch.stack(odd).float(), norm


def spot_filters():
    x, y, on_frame = canvas_grid()
    kernels = []
    for sx, sy, sigma, polarity in SPOTS:
        g = torch.exp(-((x - sx) ** 2 + (y - sy) ** 2) / (2 * sigma ** 2)) * on_frame
        kernels.append(polarity * g / g.sum())
    return torch.stack(kernels).float()


class Detectors(torch.nn.Module):
    def __init__(self):
        super().__init__()
        even, odd, norm = motion_filters()
        self.register_buffer("even", even.reshape(len(MOTION), -1))
        self.register_buffer("odd", odd.reshape(len(MOTION), -1))
        self.register_buffer("null_weight", torch.tensor([w for _, w in MOTION], dtype=torch.float32).view(1, -1, 1))
        self.register_buffer("spots", spot_filters().reshape(len(SPOTS), -1))
        self.norm = norm
        self.mean = MEAN
        self.baseline = BASELINE
        self.gain = SPOT_GAIN
        self.motion_neurons = len(MOTION)

    @torch.jit.export
    def features(self, x: torch.Tensor) -> torch.Tensor:
        b, t = x.size(0), x.size(2)
        video = (x[:, 0] - self.mean).reshape(b, t, -1)  # (B, 16, 4096); the filters are 0 off the frame
        re = torch.matmul(video, self.even.t()).transpose(1, 2)            # (B, N, 16)
        im = torch.matmul(video, self.odd.t()).transpose(1, 2)
        # Im(conj(z_{t-1}) z_t) = re_{t-1} im_t - im_{t-1} re_t; the first position copies the second
        m = (re[:, :, :-1] * im[:, :, 1:] - im[:, :, :-1] * re[:, :, 1:]) / self.norm
        m = torch.cat([m[:, :, :1], m], dim=2)
        motion = self.baseline + F.relu(m) + self.null_weight * F.relu(-m)
        drive = torch.matmul(video / self.mean, self.spots.t()).transpose(1, 2)
        spots = F.softplus(self.gain * drive)
        return torch.cat([motion, spots], dim=1)

    @torch.jit.export
    def readout(self, features: torch.Tensor, mouse: int) -> torch.Tensor:
        if mouse == 0:
            return features[:, :self.motion_neurons]
        return features[:, self.motion_neurons:]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main() -> int:
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    scripted = torch.jit.script(Detectors().eval())
    member = os.path.join(out, "detectors.pt")
    torch.jit.save(scripted, member)
    check = scripted.readout(scripted.features(torch.rand(2, 5, 16, 64, 64) * 255), 1)
    assert check.shape == (2, len(SPOTS), 16) and check.dtype == torch.float32, check.shape
    manifest = {
        "format": "dwiseneuro-ensemble", "version": 1, "name": "detectors", "architecture": "detectors",
        "input": {"channels": 5, "height": CANVAS, "width": CANVAS, "video_height": HEIGHT, "video_width": WIDTH,
                  "pad_fill_value": 0.0, "fps": 30},
        "frame_stack": {"size": 16, "step": 2, "position": "last"},
        "mice": [
            {"id": "motion", "index": 0, "neurons": len(MOTION), "video_mean": MEAN,
             "behavior_mean": [1.0, 0.0], "pupil_center_mean": [0.0, 0.0]},
            {"id": "spots", "index": 1, "neurons": len(SPOTS), "video_mean": MEAN},
        ],
        "members": [{"file": "detectors.pt", "stage": "detectors", "fold": 0, "dtype": "float32",
                     "io_dtype": "float32", "form": "plain", "methods": ["features", "readout"],
                     "bytes": os.path.getsize(member), "sha256": sha256(member)}],
    }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    truth = {
        "motion": [{"preferred_direction": d, "null_weight": w, "dsi": (1 - w) / (1 + w)} for d, w in MOTION],
        "spots": [{"x": x, "y": y, "sigma": s, "polarity": p} for x, y, s, p in SPOTS],
    }
    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
