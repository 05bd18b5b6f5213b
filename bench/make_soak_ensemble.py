"""Writes the soak test's ensemble: the demo ensemble's manifest (mice, geometry, frame stack) with two
tiny TorchScript members that have the DwiseNeuro member interface (`features`, `readout`, `forward`).

The soak test measures the service, not the model: memory stability of the whole serving path
(HTTP, multipart, decoding, queue, batching, DJL/libtorch calls and their native memory) over
>= 10,000 requests in a few minutes, which the demo members (~30 ms of CPU per window) cannot reach on
a small machine. Every byte still goes through libtorch: a gathered (batch, 5, 16, 64, 64) input,
a reduction, one small convolution per mouse.

    python3 bench/make_soak_ensemble.py OUT_DIR [DEMO_DIR]
"""
import hashlib
import json
import shutil
import sys
from pathlib import Path
from typing import List

import torch


class TinyMember(torch.nn.Module):
    def __init__(self, neurons: List[int], seed: int):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.mix = torch.nn.Conv1d(5, 8, 1)
        self.readouts = torch.nn.ModuleList([torch.nn.Conv1d(8, n, 1) for n in neurons])
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=generator) * 0.05)

    @torch.jit.export
    def features(self, x: torch.Tensor) -> torch.Tensor:
        # (batch, 5, 16, H, W) -> (batch, 8, 16): mean over the image, then a 1x1 mixing
        return torch.relu(self.mix(x.mean(dim=[3, 4]) / 255.0))

    @torch.jit.export
    def readout(self, features: torch.Tensor, index: int) -> torch.Tensor:
        out = torch.zeros(0)
        for i, layer in enumerate(self.readouts):
            if i == index:
                out = torch.nn.functional.softplus(layer(features))
        return out

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        f = self.features(x)
        return [torch.nn.functional.softplus(layer(f)) for layer in self.readouts]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    out = Path(sys.argv[1])
    demo = Path(sys.argv[2] if len(sys.argv) > 2 else "models/demo")
    manifest = json.loads((demo / "manifest.json").read_text())
    neurons = [m["neurons"] for m in manifest["mice"]]
    out.mkdir(parents=True, exist_ok=True)
    members = []
    for fold in range(2):
        name = f"soak-fold_{fold}.pt"
        scripted = torch.jit.script(TinyMember(neurons, seed=fold))
        torch.jit.save(scripted, str(out / name))
        members.append({"file": name, "stage": "soak", "fold": fold, "source": "bench/make_soak_ensemble.py",
                        "score": 0.0, "parameters": sum(p.numel() for p in scripted.parameters()),
                        "nn_module": {"tiny": True}, "bytes": (out / name).stat().st_size, "sha256": sha256(out / name)})
    manifest["name"] = "soak"
    manifest["members"] = members
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {out}: {len(members)} tiny members for mice {[m['id'] for m in manifest['mice']]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
