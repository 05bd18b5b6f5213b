"""Writes a TorchScript member that behaves exactly like another member, except that its `features`
raises when a window carries the sentinel value in the pupil-center x channel.

Used by the service's fault tests (BatchFailureTest): a real exception inside a real batch, raised
by libtorch during a forward call, with no test hook in the service itself.

    python3 make_faulty_member.py SOURCE.pt TARGET.pt SENTINEL
"""
import sys

import torch

PUPIL_X_CHANNEL = 3  # input channels: video, behavior 0, behavior 1, pupil center 0 (x), pupil center 1 (y)


class FaultyMember(torch.nn.Module):
    def __init__(self, inner: torch.jit.ScriptModule, sentinel: float):
        super().__init__()
        self.inner = inner
        self.sentinel = sentinel
        self.channel = PUPIL_X_CHANNEL

    @torch.jit.export
    def features(self, x: torch.Tensor) -> torch.Tensor:
        if bool((x[:, self.channel] == self.sentinel).any()):
            raise RuntimeError("sentinel window: this member fails on purpose (fault test)")
        return self.inner.features(x)

    @torch.jit.export
    def readout(self, features: torch.Tensor, index: int) -> torch.Tensor:
        return self.inner.readout(features, index)

    def forward(self, x: torch.Tensor):
        return self.inner(x)


def main() -> int:
    source, target, sentinel = sys.argv[1], sys.argv[2], float(sys.argv[3])
    inner = torch.jit.load(source, map_location="cpu")
    scripted = torch.jit.script(FaultyMember(inner, sentinel))
    x = torch.rand(2, 5, 16, 64, 64) * 255
    with torch.no_grad():
        for index in range(8):
            try:
                expected = inner.readout(inner.features(x), index)
            except Exception:  # no such readout: the member has fewer mice
                break
            if not torch.equal(scripted.readout(scripted.features(x), index), expected):
                raise SystemExit(f"{target}: the wrapper changes readout {index}")
        x[0, PUPIL_X_CHANNEL] = sentinel
        try:
            scripted.features(x)
        except Exception:
            pass
        else:
            raise SystemExit(f"{target}: the sentinel did not raise")
    torch.jit.save(scripted, target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
