"""The exact inference form of a DwiseNeuro member: the same function, arranged for fast inference.

On CPUs the full-size model is memory-bound, and the layout is the lever: a depthwise (1, 3, 3)
conv3d over (B, C, T, H, W) is several times slower than the same arithmetic as a channels-last
conv2d, but transposing the activation around every convolution costs as much as it saves. So the
core keeps its activations in one layout from the stem to the pooling, (B, T, H, W, C) contiguous,
in which every convolution of a block is a view, never a copy:

- pointwise (1, 1, 1) convolutions are `linear` over the last dimension;
- the spatial depthwise (1, 3, 3) one is a channels-last conv2d over (B*T, C, H, W);
- the temporal depthwise (5, 1, 1) one is a channels-last (5, 1) conv2d over (B, C, T, H*W).

BatchNorm (eval mode) is folded into the convolution before it (computed in float64), the
squeeze-excite gate into the per-sample weights of the last pointwise convolution (one batched matmul
that also adds the shortcut), the positional encoding is added in place by broadcasting (never
materialised) and every SiLU runs in place. The cortex and the readouts are the training modules
themselves (a few percent of the time).

`plain_state_dict_of` turns an inference-form member back into DwiseNeuro weights (each folded
BatchNorm becomes the identity), so that `trainer convert` can rebuild any member.
"""
import math
from typing import Dict, Tuple

import torch
from torch import nn
import torch.nn.functional as F

from .members import Member
from .model import Cortex, DwiseNeuro, InvertedResidual3d, PositionalEncoding3d

_BN_EPS = 1e-5


def _fold(conv_weight: torch.Tensor, bn: nn.Module) -> Tuple[torch.Tensor, torch.Tensor]:
    """conv (no bias) then eval BatchNorm -> one weight and bias, in float64 then float32."""
    scale, shift = _affine(bn)
    shape = [-1] + [1] * (conv_weight.dim() - 1)
    weight = conv_weight.double() * scale.view(shape)
    return weight.float(), shift.float()


def _affine(bn: nn.Module) -> Tuple[torch.Tensor, torch.Tensor]:
    """Eval BatchNorm as y = x * scale + shift (float64)."""
    scale = bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps)
    shift = bn.bias.double() - bn.running_mean.double() * scale
    return scale, shift


class InferenceBlock(nn.Module):
    """PositionalEncoding3d + InvertedResidual3d on (B, T, H, W, C) activations."""

    def __init__(self, encoding: PositionalEncoding3d, block: InvertedResidual3d):
        super().__init__()
        self.in_features = encoding.orig_channels
        self.pe_channels = encoding.channels
        self.register_buffer("inv_freq", encoding.inv_freq.detach().clone())
        pw, pw_bias = _fold(block.conv_pw[0].weight[:, :, 0], block.conv_pw[1].bn)
        self.register_buffer("pw_weight", pw.contiguous())                      # (mid, in, 1, 1)
        self.register_buffer("pw_bias", pw_bias)
        spatial = block.spat_covn_dw[0]
        dw, dw_bias = _fold(spatial.weight, block.spat_covn_dw[1].bn)
        self.register_buffer("spatial_weight", dw[:, :, 0].contiguous())          # (mid, 1, k, k)
        self.register_buffer("spatial_bias", dw_bias)
        self.spatial_stride = spatial.stride[1]
        self.spatial_padding = spatial.padding[1]
        temporal = block.temp_covn_dw[0]
        tw, tw_bias = _fold(temporal.weight, block.temp_covn_dw[1].bn)
        self.register_buffer("temporal_weight", tw[..., 0].contiguous())          # (mid, 1, k, 1)
        self.register_buffer("temporal_bias", tw_bias)
        self.temporal_padding = temporal.padding[0]
        self.mid = spatial.out_channels
        se = block.se
        self.register_buffer("se_reduce_weight", se.conv_reduce.weight.detach().flatten(1).clone())
        self.register_buffer("se_reduce_bias", se.conv_reduce.bias.detach().clone())
        self.register_buffer("se_expand_weight", se.conv_expand.weight.detach().flatten(1).clone())
        self.register_buffer("se_expand_bias", se.conv_expand.bias.detach().clone())
        pwl, pwl_bias = _fold(block.conv_pwl[0].weight, block.conv_pwl[1].bn)
        self.register_buffer("pwl_weight_t", pwl.flatten(1).t().contiguous())   # (mid, out)
        scale, shift = _affine(block.bn_sc.bn)
        self.register_buffer("shortcut_scale", scale.float())
        self.register_buffer("shortcut_shift", (shift + pwl_bias.double()).float())  # + the pwl bias
        self.out_features = block.out_features
        self.stride = block.spatial_stride

    def add_encoding_(self, x: torch.Tensor) -> torch.Tensor:
        """x += PositionalEncoding3d's encoding, by broadcasting each third over its axis."""
        t, h, w = x.size(1), x.size(2), x.size(3)
        ch = self.pe_channels
        positions = [torch.arange(n, device=x.device).to(self.inv_freq.dtype) for n in (t, h, w)]
        for axis, pos in enumerate(positions):
            lo = axis * ch
            hi = min(lo + ch, self.in_features)
            if lo >= hi:
                break
            sin_inp = torch.einsum("i,j->ij", self.inv_freq, pos)
            emb = torch.flatten(torch.stack((sin_inp.sin(), sin_inp.cos()), dim=0), 0, 1)[:hi - lo]
            emb = emb.t().to(x.dtype)                                           # (n, channels)
            if axis == 0:
                emb = emb[:, None, None, :]
            elif axis == 1:
                emb = emb[None, :, None, :]
            else:
                emb = emb[None, None, :, :]
            x[..., lo:hi] += emb
        return x

    def shortcut(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride > 1:
            h_out = int(math.ceil(x.size(2) / self.stride))
            w_out = int(math.ceil(x.size(3) / self.stride))
            x = _nearest_subsample(x, h_out, w_out)
        c = x.size(4)
        if c != self.out_features:
            repeats = int(math.ceil(self.out_features / c))
            x = x.repeat(1, 1, 1, 1, repeats)[..., :self.out_features]
        return torch.addcmul(self.shortcut_shift, x, self.shortcut_scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, h, w = x.size(0), x.size(1), x.size(2), x.size(3)
        x = self.add_encoding_(x)
        # (B*T, H, W, C) memory is a channels-last (B*T, C, H, W) tensor: the pointwise expansion
        # as a 1x1 conv2d (its bias fused, unlike linear over a 5-D tensor: matmul, then add)
        y = F.conv2d(_frames(x), self.pw_weight, self.pw_bias)
        y = F.silu(y, inplace=True)
        # spatial depthwise, same layout
        y = F.conv2d(y, self.spatial_weight,
                     self.spatial_bias, stride=self.spatial_stride, padding=self.spatial_padding,
                     groups=self.mid)
        h, w = y.size(2), y.size(3)
        y = F.silu(y, inplace=True).permute(0, 2, 3, 1).reshape(b, t * h * w, self.mid)
        # temporal depthwise: (B, T, H*W, C) memory is a channels-last (B, C, T, H*W) tensor
        y = F.conv2d(y.view(b, t, h * w, self.mid).permute(0, 3, 1, 2), self.temporal_weight,
                     self.temporal_bias, padding=[self.temporal_padding, 0], groups=self.mid)
        y = F.silu(y, inplace=True).permute(0, 2, 3, 1).reshape(b, t * h * w, self.mid)
        # squeeze-excite gate folded into per-sample weights of the last pointwise convolution
        pooled = y.mean(dim=1)                                                     # (B, mid)
        gate = torch.sigmoid(F.linear(F.silu(F.linear(pooled, self.se_reduce_weight, self.se_reduce_bias)),
                                      self.se_expand_weight, self.se_expand_bias))
        weight = gate[:, :, None] * self.pwl_weight_t[None]                        # (B, mid, out)
        shortcut = self.shortcut(x).reshape(b, t * h * w, self.out_features)
        return torch.baddbmm(shortcut, y, weight).view(b, t, h, w, self.out_features)


def _frames(x: torch.Tensor) -> torch.Tensor:
    """(B, T, H, W, C) contiguous -> the channels-last (B*T, C, H, W) view of the same memory."""
    return x.view(x.size(0) * x.size(1), x.size(2), x.size(3), x.size(4)).permute(0, 3, 1, 2)


def _nearest_subsample(x: torch.Tensor, h_out: int, w_out: int) -> torch.Tensor:
    """F.interpolate(mode="nearest") of (B, T, H, W, C) to (h_out, w_out): a strided view when the
    sizes divide evenly (the source row of i is then exactly i * stride), otherwise PyTorch's CPU
    rule, floor(i * (size_in / size_out)) in float32."""
    h, w = x.size(2), x.size(3)
    if h % h_out == 0 and w % w_out == 0:
        return x[:, :, ::h // h_out, ::w // w_out]
    for dim, (size_in, size_out) in enumerate([(h, h_out), (w, w_out)]):
        scale = torch.tensor(size_in / size_out, dtype=torch.float32, device=x.device)
        index = torch.floor(torch.arange(size_out, dtype=torch.float32, device=x.device) * scale).long()
        x = x.index_select(2 + dim, index.clamp(max=size_in - 1))
    return x


class InferenceMember(Member):
    """DwiseNeuro in the inference form behind the float32 contract."""

    def __init__(self, net: DwiseNeuro):
        super().__init__()
        net = net.eval()
        stem_weight, stem_bias = _fold(net.core.stem[0].weight, net.core.stem[1].bn)
        self.register_buffer("stem_weight", stem_weight[:, :, 0].contiguous())     # (64, 5, 1, 1)
        self.register_buffer("stem_bias", stem_bias)
        modules = list(net.core.blocks)
        self.blocks = nn.Sequential(*[InferenceBlock(modules[i], modules[i + 1])
                                      for i in range(0, len(modules), 2)])
        self.cortex: Cortex = net.cortex
        self.readouts = net.readouts
        self.num_readouts = len(net.readouts)

    def compute_dtype(self) -> torch.dtype:
        return self.stem_weight.dtype

    @torch.jit.export
    def features(self, x: torch.Tensor) -> torch.Tensor:
        b, t, h, w = x.size(0), x.size(2), x.size(3), x.size(4)
        x = x.to(self.compute_dtype()).permute(0, 2, 3, 4, 1).contiguous()         # (B, T, H, W, 5)
        x = F.conv2d(_frames(x), self.stem_weight, self.stem_bias)
        x = self.blocks(x.permute(0, 2, 3, 1).reshape(b, t, h, w, x.size(1)))
        x = x.mean(dim=(2, 3)).transpose(1, 2)                                      # (B, C, T)
        return self.cortex(x).float()

    @torch.jit.export
    def readout(self, features: torch.Tensor, mouse: int) -> torch.Tensor:
        features = features.to(self.compute_dtype())
        for i, module in enumerate(self.readouts):
            if i == mouse:
                return module(features).float()
        raise IndexError("readout index out of range")


def plain_state_dict_of(module) -> Dict[str, torch.Tensor]:
    """DwiseNeuro weights equal in eval to an inference-form member (a loaded TorchScript file or
    an InferenceMember): folded convolutions keep their folded weights, each BatchNorm becomes
    the identity plus the folded bias (running_var = 1 - eps, so sqrt(var + eps) = 1)."""
    state = {k: v.detach().float() if v.is_floating_point() else v.detach()
             for k, v in module.state_dict().items()}
    out: Dict[str, torch.Tensor] = {}

    def identity_bn(prefix: str, bias: torch.Tensor, scale: torch.Tensor = None) -> None:
        n = bias.numel()
        out[f"{prefix}.weight"] = torch.ones(n) if scale is None else scale.clone()
        out[f"{prefix}.bias"] = bias.clone()
        out[f"{prefix}.running_mean"] = torch.zeros(n)
        out[f"{prefix}.running_var"] = torch.full((n,), 1.0 - _BN_EPS)
        out[f"{prefix}.num_batches_tracked"] = torch.tensor(0)

    out["core.stem.0.weight"] = state["stem_weight"][:, :, None]
    identity_bn("core.stem.1.bn", state["stem_bias"])
    i = 0
    while f"blocks.{i}.pw_weight" in state:
        s = lambda name: state[f"blocks.{i}.{name}"]  # noqa: E731
        pe, block = f"core.blocks.{2 * i}", f"core.blocks.{2 * i + 1}"
        out[f"{pe}.inv_freq"] = s("inv_freq")
        out[f"{block}.conv_pw.0.weight"] = s("pw_weight")[:, :, None]
        identity_bn(f"{block}.conv_pw.1.bn", s("pw_bias"))
        out[f"{block}.spat_covn_dw.0.weight"] = s("spatial_weight")[:, :, None]
        identity_bn(f"{block}.spat_covn_dw.1.bn", s("spatial_bias"))
        out[f"{block}.temp_covn_dw.0.weight"] = s("temporal_weight")[..., None]
        identity_bn(f"{block}.temp_covn_dw.1.bn", s("temporal_bias"))
        for name, key in (("conv_reduce", "se_reduce"), ("conv_expand", "se_expand")):
            out[f"{block}.se.{name}.weight"] = s(f"{key}_weight")[:, :, None, None, None]
            out[f"{block}.se.{name}.bias"] = s(f"{key}_bias")
        # The shortcut's shift carries the last convolution's folded bias: give it back to that one.
        pwl = s("pwl_weight_t").t()
        zero = torch.zeros(pwl.size(0))
        out[f"{block}.conv_pwl.0.weight"] = pwl[:, :, None, None, None].contiguous()
        identity_bn(f"{block}.conv_pwl.1.bn", zero)
        identity_bn(f"{block}.bn_sc.bn", s("shortcut_shift"), scale=s("shortcut_scale"))
        i += 1
    for key, value in state.items():
        if key.startswith(("cortex.", "readouts.")):
            out[key] = value
    return out

