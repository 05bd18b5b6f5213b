"""Exported members: the TorchScript module behind every file of an ensemble folder.

The serving contract (models/README.md): every method takes float32 and returns float32, whatever
the dtype the member computes in, so the service never casts (DJL 0.29 aborts the JVM on a bfloat16
tensor). Methods:

    features(x (B, 5, 16, H, W)) -> (B, C, 16)
    readout(features, mouse: int) -> (B, neurons, 16)
    input_gradient(x, mouse: int, weights (B, neurons, 16)) -> (objective (B,), d objective / d x)
    predict(x, mouse), forward(x) -> one readout per mouse

Two forms compute the same function: `plain`, the scripted training module (DwiseNeuro), and
`inference` (inference_form.py: BatchNorm folded, channels-last layout for fast depthwise
convolutions).
"""
import copy
from typing import List, Optional, Tuple

import torch
from torch import nn

from .model import DwiseNeuro

DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
FORMS = ("inference", "plain")
METHODS = ["features", "readout", "input_gradient"]
IO_DTYPE = "float32"


class Member(nn.Module):
    """What both forms share: the gradient, `predict` and `forward`, written over features/readout.

    Subclasses define `features`, `readout` and `num_readouts`; the cast to and from the compute
    dtype happens inside them.
    """

    num_readouts: int

    @torch.jit.export
    def input_gradient(self, x: torch.Tensor, mouse: int,
                       weights: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """objective = sum over (neurons, frames) of weights * readout(features(x), mouse), per row,
        and its gradient with respect to x.

        Grad mode is switched on for the call and restored after it (the op aten::set_grad_enabled
        scripts; `with torch.enable_grad()` does not), so it also runs under a caller's
        no-grad guard. Not in libtorch's inference mode, which DJL's IValueUtils.runMethod uses: there
        tensors cannot record gradients (models/README.md says how to call it from DJL)."""
        grad_was_enabled = torch.is_grad_enabled()
        torch.ops.aten.set_grad_enabled(True)
        x = x.detach().requires_grad_(True)
        output = self.readout(self.features(x), mouse)
        if weights.size() != output.size():
            torch.ops.aten.set_grad_enabled(grad_was_enabled)
            raise RuntimeError("input_gradient: weights must be shaped like the readout's output "
                               "(batch, neurons, frames)")
        objective = (output * weights.to(output.dtype)).sum(dim=[1, 2])
        grad = torch.autograd.grad([objective.sum()], [x])[0]
        torch.ops.aten.set_grad_enabled(grad_was_enabled)
        assert grad is not None
        return objective.detach(), grad

    @torch.jit.export
    def predict(self, x: torch.Tensor, mouse: int) -> torch.Tensor:
        return self.readout(self.features(x), mouse)

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        features = self.features(x)
        return [self.readout(features, i) for i in range(self.num_readouts)]


class PlainMember(Member):
    """The training module as it is, behind the float32 contract."""

    def __init__(self, net: DwiseNeuro):
        super().__init__()
        self.net = net
        self.num_readouts = len(net.readouts)

    def compute_dtype(self) -> torch.dtype:
        return self.net.core.stem[0].weight.dtype

    @torch.jit.export
    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.features(x.to(self.compute_dtype())).float()

    @torch.jit.export
    def readout(self, features: torch.Tensor, mouse: int) -> torch.Tensor:
        return self.net.readout(features.to(self.compute_dtype()), mouse).float()


TOLERANCE = 1e-5  # relative, max |member - eager| / max |eager|, on every output and the gradient


def script_member(model: DwiseNeuro, form: str) -> torch.jit.ScriptModule:
    """The scripted float32 member of an eval DwiseNeuro in `form`; no parameter records gradients
    (input_gradient differentiates with respect to the input only). The member gets its own copy of
    the weights: scripting shares them, and a later cast of the member must not cast `model`."""
    model = copy.deepcopy(model)
    if form == "inference":
        from .inference_form import InferenceMember
        module: nn.Module = InferenceMember(model)
    elif form == "plain":
        module = PlainMember(model)
    else:
        raise ValueError(f"unknown member form '{form}'")
    scripted = torch.jit.script(module)
    for parameter in scripted.parameters():
        parameter.requires_grad_(False)
    return scripted


def _relative(actual: torch.Tensor, expected: torch.Tensor) -> float:
    scale = float(expected.abs().max())
    return float((actual.double() - expected.double()).abs().max()) / (scale if scale > 0 else 1.0)


def _windows(model: DwiseNeuro, size, generator: torch.Generator) -> torch.Tensor:
    """Two random model inputs (2, 5, 16, H, W) in raw pixel units."""
    return torch.rand((2, model.core.stem[0].in_channels, 16, size[1], size[0]), generator=generator) * 255


def _outputs(module, x: torch.Tensor, readouts: int) -> List[torch.Tensor]:
    with torch.no_grad():
        features = module.features(x)
        return [features] + [module.readout(features, i) for i in range(readouts)]


def _gradient(module, x: torch.Tensor, mouse: int, weights: torch.Tensor) -> List[torch.Tensor]:
    """[objective, gradient] by eager autograd for DwiseNeuro, by input_gradient for a member."""
    with torch.enable_grad():
        if hasattr(module, "input_gradient"):
            objective, grad = module.input_gradient(x, mouse, weights)
            return [objective, grad]
        x = x.detach().requires_grad_(True)
        objective = (module.readout(module.features(x), mouse) * weights).sum(dim=(1, 2))
        (grad,) = torch.autograd.grad(objective.sum(), x)
        return [objective.detach(), grad]


# How much further from float64 than the eager float32 model a member's float32 result may be.
ROUNDING_FACTOR = 10.0


def verify(model: DwiseNeuro, member: torch.jit.ScriptModule, size, name: str,
           tolerance: float = TOLERANCE) -> float:
    """Check a float32 member against its eager model on random windows: features, every readout,
    and input_gradient against eager autograd. Returns the largest relative error.

    A deep network's float32 result depends on the order of its sums; where the member misses
    `tolerance`, it passes if it is within ROUNDING_FACTOR times the eager float32 model's own
    distance from the float64 model: a wrong member is off by orders of magnitude more than rounding.
    (A full-size member's input gradient, summed in another order by the inference form, was 6.6e-5
    from float64 where the eager float32 one was 2.4e-5: both float32 rounding.)"""
    generator = torch.Generator().manual_seed(0)
    x = _windows(model, size, generator)
    readouts = len(model.readouts)
    mouse = readouts - 1
    neurons = model.readouts[mouse].out_features
    weights = torch.rand((2, neurons, 16), generator=generator)
    results = {"outputs": (_outputs(member, x, readouts), lambda m, v: _outputs(m, v, readouts)),
               "input_gradient": (_gradient(member, x, mouse, weights),
                                  lambda m, v: _gradient(m, v, mouse, weights.to(v.dtype)))}
    worst = 0.0
    exact = None
    for what, (actual, compute) in results.items():
        eager = compute(model, x)
        error = max(_relative(a, e) for a, e in zip(actual, eager))
        if error > tolerance:
            if exact is None:
                exact = copy.deepcopy(model).double()
            truth = compute(exact, x.double())
            own = max(_relative(a, t) for a, t in zip(actual, truth))
            rounding = max(_relative(e, t) for e, t in zip(eager, truth))
            if own > max(tolerance, ROUNDING_FACTOR * rounding):
                raise RuntimeError(f"{name}: the exported member's {what} differs from the eager model by "
                                   f"{error:.2e} relative (float64: member {own:.2e}, eager float32 {rounding:.2e})")
        worst = max(worst, error)
    return worst


def half_precision_error(model: DwiseNeuro, member: torch.jit.ScriptModule, size) -> Optional[float]:
    """Relative error of a half-precision member's readouts against the float32 eager model, or None
    where this torch has no CPU kernels for that dtype (float16 on torch 1.13)."""
    x = _windows(model, size, torch.Generator().manual_seed(1))
    readouts = len(model.readouts)
    try:
        actual = _outputs(member, x, readouts)
    except RuntimeError as error:
        if "not implemented for" in str(error):
            return None
        raise
    return max(_relative(a, e) for a, e in zip(actual[1:], _outputs(model, x, readouts)[1:]))


def plain_state_dict(module: torch.nn.Module, form: str) -> dict:
    """DwiseNeuro's state_dict from a member file's module: new plain members hold it under `net.`,
    legacy exports (the scripted DwiseNeuro itself) at the top level."""
    if form == "inference":
        from .inference_form import plain_state_dict_of
        return plain_state_dict_of(module)
    state = module.state_dict()
    if any(key.startswith("net.") for key in state):
        return {key[len("net."):]: value for key, value in state.items() if key.startswith("net.")}
    return dict(state)
