"""DwiseNeuro: the Sensorium 2023 winning architecture, written to script with TorchScript.

Module and parameter names (including the original's `spat_covn_dw`/`temp_covn_dw` spelling) are
kept so that the original solution's checkpoints load with strict=True.
"""
import math
from typing import List, Sequence

import torch
from torch import nn
import torch.nn.functional as F


def _silu() -> nn.Module:
    return nn.SiLU(inplace=True)


class BatchNormAct(nn.Module):
    def __init__(self, num_features: int, bn_layer=nn.BatchNorm3d, apply_act: bool = True):
        super().__init__()
        self.bn = bn_layer(num_features)
        self.act = _silu() if apply_act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(x))


class SqueezeExcite3d(nn.Module):
    def __init__(self, in_features: int, reduce_ratio: int = 16):
        super().__init__()
        rd_channels = in_features // reduce_ratio
        self.conv_reduce = nn.Conv3d(in_features, rd_channels, (1, 1, 1), bias=True)
        self.act1 = _silu()
        self.conv_expand = nn.Conv3d(rd_channels, in_features, (1, 1, 1), bias=True)
        self.gate = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_se = x.mean((2, 3, 4), keepdim=True)
        x_se = self.conv_expand(self.act1(self.conv_reduce(x_se)))
        return x * self.gate(x_se)


class DropPath(nn.Module):
    """Stochastic depth: drops whole samples of a residual branch while training."""

    def __init__(self, drop_prob: float = 0.0):
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.drop_prob == 0.0 or not self.training:
            return x
        keep_prob = 1.0 - self.drop_prob
        shape = [x.shape[0]] + [1] * (x.dim() - 1)
        mask = x.new_empty(shape).bernoulli_(keep_prob)
        if keep_prob > 0.0:
            mask.div_(keep_prob)
        return x * mask


class InvertedResidual3d(nn.Module):
    def __init__(self, in_features: int, out_features: int, spatial_kernel: int = 3,
                 temporal_kernel: int = 3, spatial_stride: int = 1, expansion_ratio: int = 3,
                 se_reduce_ratio: int = 16, drop_path_rate: float = 0.0):
        super().__init__()
        self.spatial_stride = spatial_stride
        self.out_features = out_features
        mid = in_features * expansion_ratio
        sp = spatial_kernel // 2
        tp = temporal_kernel // 2
        self.conv_pw = nn.Sequential(
            nn.Conv3d(in_features, mid, (1, 1, 1), bias=False),
            BatchNormAct(mid),
        )
        self.spat_covn_dw = nn.Sequential(
            nn.Conv3d(mid, mid, (1, spatial_kernel, spatial_kernel),
                      stride=(1, spatial_stride, spatial_stride), padding=(0, sp, sp),
                      groups=mid, bias=False),
            BatchNormAct(mid),
        )
        self.temp_covn_dw = nn.Sequential(
            nn.Conv3d(mid, mid, (temporal_kernel, 1, 1), stride=(1, 1, 1), padding=(tp, 0, 0),
                      groups=mid, bias=False),
            BatchNormAct(mid),
        )
        self.se = SqueezeExcite3d(mid, reduce_ratio=se_reduce_ratio)
        self.conv_pwl = nn.Sequential(
            nn.Conv3d(mid, out_features, (1, 1, 1), bias=False),
            BatchNormAct(out_features, apply_act=False),
        )
        self.drop_path = DropPath(drop_path_rate)
        self.bn_sc = BatchNormAct(out_features, apply_act=False)

    def interpolate_shortcut(self, shortcut: torch.Tensor) -> torch.Tensor:
        c = shortcut.size(1)
        if self.spatial_stride > 1:
            size = [shortcut.size(2),
                    int(math.ceil(shortcut.size(3) / self.spatial_stride)),
                    int(math.ceil(shortcut.size(4) / self.spatial_stride))]
            shortcut = F.interpolate(shortcut, size=size, mode="nearest")
        if c != self.out_features:
            repeats = int(math.ceil(self.out_features / c))
            shortcut = torch.tile(shortcut, [1, repeats, 1, 1, 1])[:, :self.out_features]
        return self.bn_sc(shortcut)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.conv_pw(x)
        x = self.spat_covn_dw(x)
        x = self.temp_covn_dw(x)
        x = self.se(x)
        x = self.conv_pwl(x)
        return self.drop_path(x) + self.interpolate_shortcut(shortcut)


class PositionalEncoding3d(nn.Module):
    """Sinusoidal encoding over (time, height, width), added to the features.

    The original caches the encoding as mutable module state; here it is recomputed from the input
    shape on every call (the same arithmetic, a negligible cost next to the convolutions), so the
    scripted module is stateless and safe to call from several threads.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.orig_channels = channels
        channels = int(math.ceil(channels / 6) * 2)
        if channels % 2:
            channels += 1
        self.channels = channels
        inv_freq = 1.0 / (10000 ** (torch.arange(0, channels, 2).float() / channels))
        self.register_buffer("inv_freq", inv_freq)

    @staticmethod
    def _emb(sin_inp: torch.Tensor) -> torch.Tensor:
        return torch.flatten(torch.stack((sin_inp.sin(), sin_inp.cos()), dim=0), 0, 1)

    def encoding(self, x: torch.Tensor) -> torch.Tensor:
        t, h, w = x.size(2), x.size(3), x.size(4)
        pos_t = torch.arange(t, device=x.device).to(self.inv_freq.dtype)
        pos_h = torch.arange(h, device=x.device).to(self.inv_freq.dtype)
        pos_w = torch.arange(w, device=x.device).to(self.inv_freq.dtype)
        emb_t = self._emb(torch.einsum("i,j->ij", self.inv_freq, pos_t)).unsqueeze(-1).unsqueeze(-1)
        emb_h = self._emb(torch.einsum("i,j->ij", self.inv_freq, pos_h)).unsqueeze(1).unsqueeze(-1)
        emb_w = self._emb(torch.einsum("i,j->ij", self.inv_freq, pos_w)).unsqueeze(1).unsqueeze(1)
        emb = torch.zeros((self.channels * 3, t, h, w), dtype=x.dtype, device=x.device)
        emb[:self.channels] = emb_t
        emb[self.channels:2 * self.channels] = emb_h
        emb[2 * self.channels:] = emb_w
        return emb[None, :self.orig_channels]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 5:
            raise RuntimeError("The input tensor has to be 5D")
        if x.size(1) != self.orig_channels:
            raise RuntimeError("Unexpected channel count for the positional encoding")
        return x + self.encoding(x).expand_as(x)


class ShuffleLayer(nn.Module):
    def __init__(self, in_features: int, out_features: int, groups: int = 1,
                 drop_path_rate: float = 0.0):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.groups = groups
        self.conv = nn.Conv1d(in_features, out_features, (1,), groups=groups, bias=False)
        self.bn = BatchNormAct(out_features, bn_layer=nn.BatchNorm1d)
        self.drop_path = DropPath(drop_path_rate)
        self.bn_sc = BatchNormAct(out_features, bn_layer=nn.BatchNorm1d, apply_act=False)

    def shuffle_channels(self, x: torch.Tensor) -> torch.Tensor:
        if self.groups > 1:
            b, t = x.size(0), x.size(2)
            x = x.view(b, self.groups, -1, t)
            x = torch.transpose(x, 1, 2)
            x = x.reshape(b, -1, t)
        return x

    def tile_shortcut(self, shortcut: torch.Tensor) -> torch.Tensor:
        if self.in_features != self.out_features:
            repeats = int(math.ceil(self.out_features / self.in_features))
            shortcut = torch.tile(shortcut, [1, repeats, 1])[:, :self.out_features]
        return self.bn_sc(shortcut)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.shuffle_channels(self.bn(self.conv(x)))
        return self.drop_path(x) + self.tile_shortcut(shortcut)


class Cortex(nn.Module):
    def __init__(self, in_features: int, features: Sequence[int], groups: int = 1,
                 drop_path_rate: float = 0.0):
        super().__init__()
        self.layers = nn.Sequential()
        prev = in_features
        for num in features:
            self.layers.append(ShuffleLayer(prev, num, groups=groups, drop_path_rate=drop_path_rate))
            prev = num

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class Readout(nn.Module):
    """Per-mouse 1x1 grouped convolution; the channel count is padded up to a multiple of the groups."""

    def __init__(self, in_features: int, out_features: int, groups: int = 1,
                 softplus_beta: float = 1.0, drop_rate: float = 0.0):
        super().__init__()
        self.out_features = out_features
        self.layer = nn.Sequential(
            nn.Dropout1d(p=drop_rate),
            nn.Conv1d(in_features, int(math.ceil(out_features / groups)) * groups, (1,),
                      groups=groups, bias=True),
        )
        self.gate = nn.Softplus(beta=softplus_beta)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.gate(self.layer(x)[:, :self.out_features])


class DepthwiseCore(nn.Module):
    def __init__(self, in_channels: int, features: Sequence[int], spatial_strides: Sequence[int],
                 spatial_kernel: int = 3, temporal_kernel: int = 3, expansion_ratio: int = 3,
                 se_reduce_ratio: int = 16, drop_path_rate: float = 0.0):
        super().__init__()
        num_blocks = len(features)
        assert num_blocks and num_blocks == len(spatial_strides)
        self.stem = nn.Sequential(
            nn.Conv3d(in_channels, features[0], (1, 1, 1), bias=False),
            BatchNormAct(features[0], apply_act=False),
        )
        blocks: List[nn.Module] = []
        next_features = features[0]
        for i in range(num_blocks):
            if i < num_blocks - 1:
                next_features = features[i + 1]
            blocks += [
                PositionalEncoding3d(features[i]),
                InvertedResidual3d(features[i], next_features,
                                   spatial_kernel=spatial_kernel,
                                   temporal_kernel=temporal_kernel,
                                   spatial_stride=spatial_strides[i],
                                   expansion_ratio=expansion_ratio,
                                   se_reduce_ratio=se_reduce_ratio,
                                   drop_path_rate=drop_path_rate * i / num_blocks),
            ]
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.stem(x))


class DwiseNeuro(nn.Module):
    """Input (batch, 5, 16, 64, 64) -> one (batch, neurons, 16) tensor per mouse readout."""

    def __init__(self, readout_outputs: Sequence[int], in_channels: int = 5,
                 core_features: Sequence[int] = (64, 64, 64, 64, 128, 128, 128, 256, 256),
                 spatial_strides: Sequence[int] = (2, 1, 1, 1, 2, 1, 1, 2, 1),
                 spatial_kernel: int = 3, temporal_kernel: int = 5, expansion_ratio: int = 6,
                 se_reduce_ratio: int = 32, cortex_features: Sequence[int] = (1024, 2048, 4096),
                 groups: int = 2, softplus_beta: float = 0.07, drop_rate: float = 0.4,
                 drop_path_rate: float = 0.1):
        super().__init__()
        self.core = DepthwiseCore(in_channels, core_features, spatial_strides,
                                  spatial_kernel=spatial_kernel, temporal_kernel=temporal_kernel,
                                  expansion_ratio=expansion_ratio, se_reduce_ratio=se_reduce_ratio,
                                  drop_path_rate=drop_path_rate)
        self.cortex = Cortex(core_features[-1], cortex_features, groups=groups,
                             drop_path_rate=drop_path_rate)
        self.readouts = nn.ModuleList([
            Readout(cortex_features[-1], n, groups=groups, softplus_beta=softplus_beta,
                    drop_rate=drop_rate)
            for n in readout_outputs
        ])

    @torch.jit.export
    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Shared core and cortex: (batch, 5, 16, 64, 64) -> (batch, cortex features, 16)."""
        x = self.core(x)
        # The original's AdaptiveAvgPool3d((None, 1, 1)) is a mean over (H, W); written as one, it
        # scripts and runs in bfloat16 on CPUs (adaptive_avg_pool3d has no bfloat16 CPU kernel).
        x = x.mean(dim=(3, 4))
        return self.cortex(x)

    @torch.jit.export
    def readout(self, features: torch.Tensor, index: int) -> torch.Tensor:
        """One mouse's readout of `features`: (batch, neurons, 16)."""
        # TorchScript cannot index a ModuleList with a runtime int: loop and return the match.
        for i, module in enumerate(self.readouts):
            if i == index:
                return module(features)
        raise IndexError("readout index out of range")

    @torch.jit.export
    def predict(self, x: torch.Tensor, index: int) -> torch.Tensor:
        return self.readout(self.features(x), index)

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        features = self.features(x)
        return [module(features) for module in self.readouts]


def init_weights(module: nn.Module) -> None:
    """The original weight initialisation (fan-out normal for convolutions, unit BatchNorm)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            fan_out = math.prod(m.kernel_size) * m.out_channels // m.groups
            nn.init.normal_(m.weight, 0, math.sqrt(2.0 / fan_out))
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
