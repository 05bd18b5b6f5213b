"""Writes a TorchScript member whose responses are known by construction, and which raises libtorch's
CUDA error messages under conditions the test controls (no CUDA needed: the messages are what the
service reacts to).

Responses: for a window of mouse m, readout neuron n at window frame s is the behavior-0 value of that
frame + n + 1000 m. Every window that covers frame t adds the same value, so the ensemble mean of a
clip is exactly behavior0[t] + n + 1000 m whatever the batching (exact in float32 for integer traces).

Faults, keyed on the pupil-center channels (which the responses ignore; the warm-up's random windows
in 0..255 never carry the negative markers):
  --oom-above K --oom-marker M   "CUDA out of memory" when the batch has more than K windows and one of
                                 them has pupil y == M somewhere
  --never-fits-marker M          "CUDA out of memory" for any batch holding a window with pupil y == M
  --lost-marker M                "CUDA error: an illegal memory access was encountered" for any batch
                                 holding a window with pupil x == M

    python3 make_probe_member.py TARGET.pt --neurons 37,52 [fault options]
"""
import argparse

import torch

# Input channels: video, behavior 0, behavior 1, pupil x, pupil y (literals: TorchScript reads no globals).
NO_MARKER = float("nan")  # never equal to anything


class ProbeMember(torch.nn.Module):
    def __init__(self, neurons, oom_above: int, oom_marker: float, never_fits_marker: float, lost_marker: float):
        super().__init__()
        self.neurons = neurons
        self.oom_above = oom_above
        self.oom_marker = oom_marker
        self.never_fits_marker = never_fits_marker
        self.lost_marker = lost_marker

    @torch.jit.export
    def features(self, x: torch.Tensor) -> torch.Tensor:
        if bool((x[:, 3] == self.lost_marker).any()):
            raise RuntimeError("CUDA error: an illegal memory access was encountered\n"
                               "CUDA kernel errors might be asynchronously reported at some other API call, "
                               "so the stacktrace below might be incorrect.")
        if bool((x[:, 4] == self.never_fits_marker).any()) or (
                self.oom_above >= 0 and x.size(0) > self.oom_above and bool((x[:, 4] == self.oom_marker).any())):
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 139.72 GiB total capacity; "
                               "137.10 GiB already allocated; 1.21 GiB free; 137.50 GiB reserved in total by PyTorch)")
        # (B, 2, 16): behavior 0 and 1 of each window frame (each fills its whole channel).
        return x[:, 1:3, :, 0, 0].contiguous()

    @torch.jit.export
    def readout(self, features: torch.Tensor, index: int) -> torch.Tensor:
        count = 0
        for i, n in enumerate(self.neurons):
            if i == index:
                count = n
        if count == 0:
            raise RuntimeError("no readout " + str(index))
        offsets = torch.arange(count, dtype=features.dtype, device=features.device) + 1000.0 * index
        return features[:, 0:1, :] + offsets[None, :, None]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(self.features(x), 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("target")
    parser.add_argument("--neurons", required=True, help="neurons per mouse, e.g. 37,52")
    parser.add_argument("--oom-above", type=int, default=-1)
    parser.add_argument("--oom-marker", type=float, default=NO_MARKER)
    parser.add_argument("--never-fits-marker", type=float, default=NO_MARKER)
    parser.add_argument("--lost-marker", type=float, default=NO_MARKER)
    args = parser.parse_args()
    neurons = [int(n) for n in args.neurons.split(",")]
    member = torch.jit.script(ProbeMember(neurons, args.oom_above, args.oom_marker, args.never_fits_marker,
                                          args.lost_marker))
    # Self-check: the known responses, and that the warm-up's random windows raise nothing.
    x = torch.rand(4, 5, 16, 64, 64) * 255
    x[:, 1] = torch.arange(16, dtype=torch.float32)[None, :, None, None]
    for index, count in enumerate(neurons):
        out = member.readout(member.features(x), index)
        expected = torch.arange(16.0)[None, None, :] + torch.arange(count)[None, :, None] + 1000.0 * index
        if out.shape != (4, count, 16) or not torch.equal(out, expected.expand(4, count, 16)):
            raise SystemExit(f"{args.target}: readout {index} is not the known response")
    torch.jit.save(member, args.target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
