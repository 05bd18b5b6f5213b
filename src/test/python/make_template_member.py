"""Writes a one-member ensemble whose neurons are known by construction: neuron n's response at every
frame is softplus(gain[n] * <template[n], frame - mean> / rms_scale + bias[n]), a linear template over the
36 x 64 video frame followed by a softplus. It exports `features`, `readout` and `input_gradient` as the
contract in design.md says (float32 in and out), so that the most exciting input under an L2 budget around
the mean luminance is known in closed form: mean + budget * template / |template| (and its negative for
the most inhibiting input).

    python3 make_template_member.py OUT_DIR [--neurons 3] [--no-gradient]

OUT_DIR gets member.pt, manifest.json and templates.npy (neurons, 36, 64), each template of unit L2 norm.
--no-gradient writes a member without `input_gradient` (and a manifest that does not list it), for the
service's refusal tests.
"""
import argparse
import hashlib
import json
import math
import os
from typing import Tuple

import numpy as np
import torch

VIDEO_HEIGHT, VIDEO_WIDTH, CANVAS = 36, 64, 64
TOP = (CANVAS - VIDEO_HEIGHT) // 2  # the video's first row on the 64 x 64 canvas (14)
FRAMES = 16
MEAN_LUMINANCE = 127.5


def templates(neurons: int) -> np.ndarray:
    """Smooth spatial patterns of unit L2 norm: Gabors at different places, orientations and phases."""
    y, x = np.mgrid[0:VIDEO_HEIGHT, 0:VIDEO_WIDTH].astype(np.float64)
    out = np.zeros((neurons, VIDEO_HEIGHT, VIDEO_WIDTH), np.float64)
    for n in range(neurons):
        cx, cy = 16 + (n * 13) % 34, 12 + (n * 7) % 14
        theta = math.pi * n / max(neurons, 1)
        u = (x - cx) * math.cos(theta) + (y - cy) * math.sin(theta)
        envelope = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * 6.0 ** 2))
        out[n] = envelope * np.cos(2 * math.pi * u / 12.0 + n)
        out[n] -= out[n].mean()  # zero mean: the optimum does not move the frame's mean luminance
        out[n] /= np.linalg.norm(out[n])
    return out.astype(np.float32)


class TemplateMember(torch.nn.Module):
    """features: <template, frame - mean> / scale per frame; readout: softplus(gain * features + bias)."""

    def __init__(self, template: torch.Tensor, gain: torch.Tensor, bias: torch.Tensor, scale: float):
        super().__init__()
        self.register_buffer("template", template)  # (neurons, 36, 64)
        self.register_buffer("gain", gain.view(1, -1, 1))
        self.register_buffer("bias", bias.view(1, -1, 1))
        self.scale = scale
        self.top = TOP
        self.bottom = TOP + VIDEO_HEIGHT
        self.mean = MEAN_LUMINANCE

    @torch.jit.export
    def features(self, x: torch.Tensor) -> torch.Tensor:
        video = x[:, 0, :, self.top:self.bottom, :] - self.mean  # (B, 16, 36, 64)
        return torch.einsum("btyx,nyx->bnt", video, self.template) / self.scale

    @torch.jit.export
    def readout(self, features: torch.Tensor, index: int) -> torch.Tensor:
        if index != 0:
            raise IndexError("readout index out of range")
        return torch.nn.functional.softplus(features * self.gain + self.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(self.features(x), 0)


class TemplateMemberWithGradient(TemplateMember):

    @torch.jit.export
    def input_gradient(self, x: torch.Tensor, mouse: int, weights: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        x = x.detach().requires_grad_(True)
        objective = (self.readout(self.features(x), mouse) * weights).sum([1, 2])
        grad = torch.autograd.grad([objective.sum()], [x])[0]
        assert grad is not None
        return objective.detach(), grad


def sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--neurons", type=int, default=3)
    parser.add_argument("--no-gradient", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    template = templates(args.neurons)
    # scale: a frame at RMS contrast 10 (L2 norm 10 * sqrt(36 * 64)) along the template drives 1.
    scale = 10.0 * math.sqrt(VIDEO_HEIGHT * VIDEO_WIDTH)
    gain = torch.linspace(1.0, 2.0, args.neurons)
    bias = torch.linspace(-1.0, 0.0, args.neurons)
    kind = TemplateMember if args.no_gradient else TemplateMemberWithGradient
    module = torch.jit.script(kind(torch.from_numpy(template), gain, bias, scale))

    # The scripted member must equal the closed form, and its gradient the analytic one.
    x = torch.rand(2, 5, FRAMES, CANVAS, CANVAS) * 255
    video = x[:, 0, :, TOP:TOP + VIDEO_HEIGHT, :].double() - MEAN_LUMINANCE
    drive = torch.einsum("btyx,nyx->bnt", video, torch.from_numpy(template).double()) / scale
    drive = drive * gain.double().view(1, -1, 1) + bias.double().view(1, -1, 1)
    with torch.no_grad():
        out = module.readout(module.features(x), 0)
    if not torch.allclose(out.double(), torch.nn.functional.softplus(drive), atol=1e-5):
        raise SystemExit("the scripted template member differs from its closed form")
    if not args.no_gradient:
        weights = torch.rand(2, args.neurons, FRAMES)
        objective, grad = module.input_gradient(x, 0, weights)
        # d/dx of sum w * softplus(g * <T, x> / s + b) = sum_n w * sigmoid(drive) * g * T / s
        slope = torch.sigmoid(drive) * weights.double() * gain.double().view(1, -1, 1) / scale
        expected = torch.einsum("bnt,nyx->btyx", slope, torch.from_numpy(template).double())
        if objective.shape != (2,) or grad.shape != x.shape or grad.dtype != torch.float32:
            raise SystemExit(f"input_gradient returns {objective.shape} and {grad.shape} {grad.dtype}")
        if not torch.allclose(grad[:, 0, :, TOP:TOP + VIDEO_HEIGHT].double(), expected, atol=1e-7):
            raise SystemExit("input_gradient differs from the analytic gradient")
        if grad[:, 1:].abs().max() != 0 or grad[:, 0, :, :TOP].abs().max() != 0:
            raise SystemExit("input_gradient is not zero outside the video")

    member = os.path.join(args.out, "member.pt")
    torch.jit.save(module, member)
    np.save(os.path.join(args.out, "templates.npy"), template)
    manifest = {
        "format": "dwiseneuro-ensemble", "version": 1, "name": "template", "architecture": "template",
        "input": {"channels": 5, "height": CANVAS, "width": CANVAS, "video_height": VIDEO_HEIGHT,
                  "video_width": VIDEO_WIDTH, "pad_fill_value": 0.0, "fps": 30},
        "frame_stack": {"size": FRAMES, "step": 2, "position": "last"},
        "mice": [{"id": "template-mouse", "index": 0, "neurons": args.neurons,
                  "behavior_mean": [0.0, 0.0], "pupil_center_mean": [0.0, 0.0]}],
        "members": [{"file": "member.pt", "stage": "template", "fold": 0, "dtype": "float32",
                     "io_dtype": "float32", "form": "plain",
                     "methods": ["features", "readout"] + ([] if args.no_gradient else ["input_gradient"]),
                     "bytes": os.path.getsize(member), "sha256": sha256(member)}],
        "template": {"mean_luminance": MEAN_LUMINANCE, "scale": scale, "gain": gain.tolist(), "bias": bias.tolist()},
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
