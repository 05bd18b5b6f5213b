"""Writes an ensemble folder whose neurons are known by construction, for the experiments' ground-truth
tests (ExperimentsGroundTruthTest): one TorchScript member with `features`/`readout` (float32 in and
out) and a manifest, loadable by the service like any exported ensemble.

    python3 make_detector_ensemble.py OUT_DIR

Mouse "motion" (12 neurons): direction-selective motion detectors. Each projects every frame of a
window onto a quadrature pair of spatial Gabor filters at the frame's centre, z_t = sum (v_t - mean) *
exp(i 2 pi f s), s the position along its preferred direction theta (up positive), and correlates
successive frames like a Reichardt detector: M_t = Im(conj(z_{t-1}) z_t), the filters scaled so that a matched full-contrast grating gives
|z|^2 = 1. A grating drifting
along theta makes the phase of z advance (M > 0), one drifting against it makes it recede (M < 0).
Response: baseline + relu(M) + w * relu(-M), so DSI = (1 - w) / (1 + w) by construction.

Mouse "spots" (8 neurons): spot detectors at set pixel positions [x, y] of the 36 x 64 frame:
softplus(gain * polarity * sum G (v - mean) / mean), G a normalised Gaussian of width sigma pixels;
polarity +1 (ON) or -1 (OFF). Frame by frame, no memory.

Mouse "surround" (2 neurons), motion detectors for direction 0 at the frame's centre: neuron 0 a plain
one (envelope 4 px), neuron 1 the same minus 2.5 times a wide one (envelope 12 px), rectified: a
grating larger than its centre suppresses it (surround suppression by construction), neuron 0 is not
suppressed.

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
# (direction, envelope px) of the surround mouse's centre and surround filters
SURROUND = [(0.0, 4.0), (0.0, 12.0)]
SURROUND_WEIGHT = 2.5
BASELINE = 0.1
SPOT_GAIN = 4.0


def canvas_grid():
    """Frame coordinates (x, y) of every canvas pixel, and a mask of the pixels on the frame."""
    rows = torch.arange(CANVAS, dtype=torch.float64).view(-1, 1).expand(CANVAS, CANVAS) - TOP
    cols = torch.arange(CANVAS, dtype=torch.float64).view(1, -1).expand(CANVAS, CANVAS)
    on_frame = (rows >= 0) & (rows < HEIGHT)
    return cols, rows, on_frame


def motion_filters(specs):
    """Quadrature Gabor pairs (direction, envelope px) at the frame's centre, each normalised so that a
    full-contrast matched grating gives |z|^2 = 1."""
    x, y, on_frame = canvas_grid()
    dx, dy = x - (WIDTH - 1) / 2, y - (HEIGHT - 1) / 2
    cycles_per_px = SPATIAL_FREQUENCY * DEG_PER_PX
    even, odd = [], []
    for theta, sigma in specs:
        envelope = torch.exp(-(dx ** 2 + dy ** 2) / (2 * sigma ** 2)) * on_frame
        scale = 2 / (MEAN * float(envelope.sum()))  # |z| = MEAN * sum(envelope) / 2 for a matched grating
        t = math.radians(theta)
        s = dx * math.cos(t) - dy * math.sin(t)  # position along theta, up positive (rows count down)
        even.append(scale * envelope * torch.cos(2 * math.pi * cycles_per_px * s))
        odd.append(scale * envelope * torch.sin(2 * math.pi * cycles_per_px * s))
    return torch.stack(even).float().reshape(len(specs), -1), torch.stack(odd).float().reshape(len(specs), -1)


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
        even, odd = motion_filters([(d, ENVELOPE_PX) for d, _ in MOTION])
        self.register_buffer("even", even)
        self.register_buffer("odd", odd)
        even, odd = motion_filters(SURROUND)
        self.register_buffer("surround_even", even)
        self.register_buffer("surround_odd", odd)
        self.register_buffer("null_weight", torch.tensor([w for _, w in MOTION], dtype=torch.float32).view(1, -1, 1))
        self.register_buffer("spots", spot_filters().reshape(len(SPOTS), -1))
        self.surround_weight = SURROUND_WEIGHT
        self.mean = MEAN
        self.baseline = BASELINE
        self.gain = SPOT_GAIN
        self.motion_neurons = len(MOTION)
        self.spot_neurons = len(SPOTS)

    @torch.jit.export
    def features(self, x: torch.Tensor) -> torch.Tensor:
        b, t = x.size(0), x.size(2)
        video = (x[:, 0] - self.mean).reshape(b, t, -1)  # (B, 16, 4096); the filters are 0 off the frame
        m = self.reichardt(video, self.even, self.odd)
        motion = self.baseline + F.relu(m) + self.null_weight * F.relu(-m)
        drive = torch.matmul(video / self.mean, self.spots.t()).transpose(1, 2)
        spots = F.softplus(self.gain * drive)
        c = self.reichardt(video, self.surround_even, self.surround_odd)
        plain = F.relu(c[:, :1])
        suppressed = F.relu(plain - self.surround_weight * F.relu(c[:, 1:]))
        return torch.cat([motion, spots, self.baseline + plain, self.baseline + suppressed], dim=1)

    def reichardt(self, video: torch.Tensor, even: torch.Tensor, odd: torch.Tensor) -> torch.Tensor:
        """M_t = Im(conj(z_{t-1}) z_t) per filter pair, (B, N, 16); the first position copies the second."""
        re = torch.matmul(video, even.t()).transpose(1, 2)
        im = torch.matmul(video, odd.t()).transpose(1, 2)
        m = re[:, :, :-1] * im[:, :, 1:] - im[:, :, :-1] * re[:, :, 1:]
        return torch.cat([m[:, :, :1], m], dim=2)

    @torch.jit.export
    def readout(self, features: torch.Tensor, mouse: int) -> torch.Tensor:
        if mouse == 0:
            return features[:, :self.motion_neurons]
        if mouse == 1:
            return features[:, self.motion_neurons:self.motion_neurons + self.spot_neurons]
        return features[:, self.motion_neurons + self.spot_neurons:]

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
            {"id": "surround", "index": 2, "neurons": 2, "video_mean": MEAN,
             "behavior_mean": [1.0, 0.0], "pupil_center_mean": [0.0, 0.0]},
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
        "motion_spatial_frequency": SPATIAL_FREQUENCY,
        "surround": [{"suppressed": False}, {"suppressed": True}],
    }
    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
