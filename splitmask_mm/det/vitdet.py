# Copyright (c) splitmask_mm authors. All rights reserved.
"""ViTDet-style modules for mmdet (Li et al., "Exploring Plain Vision
Transformer Backbones for Object Detection", 2022).

mmdet's reference lives in its ``projects/ViTDet``, which the mmdet wheel
does not ship, and its ViT has another key layout than mmpretrain's; so the
pieces are written here, on top of mmpretrain's ``VisionTransformer`` (the
class SplitMask pre-trains), keeping its state-dict keys:

- :class:`WindowedViT`: window attention in most blocks, global attention in
  a few, on the full-resolution patch grid; no new parameters;
- :class:`SimpleFPN`: the simple feature pyramid (strides 4-32 from the
  stride-16 map by deconvolution and pooling), or, given four maps of
  several depths, the same rescaling per map (the plain multi-level "FPN"
  variant);
- ``LN2d``: LayerNorm over the channels of an NCHW map, for necks and heads.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_norm_layer
from mmengine.model import BaseModule, ModuleList
from torch import nn

from mmdet.registry import MODELS
from mmpretrain.models import VisionTransformer
from mmpretrain.models.utils import resize_pos_embed

from .xcit_fpn import build_input_norms


@MODELS.register_module(name='LN2d')
class LayerNorm2d(nn.Module):
    """LayerNorm over channels of ``(N, C, H, W)`` maps (ViTDet's LN2d)."""

    def __init__(self, num_channels: int, eps: float = 1e-6,
                 requires_grad: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(num_channels),
                                   requires_grad=requires_grad)
        self.bias = nn.Parameter(torch.zeros(num_channels),
                                 requires_grad=requires_grad)
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, x.shape[-1:], self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


def window_partition(x: torch.Tensor, size: int) -> Tuple[torch.Tensor, tuple]:
    """``(B, H, W, C)`` -> ``(B * windows, size * size, C)``, zero-padded."""
    B, H, W, C = x.shape
    pad_h, pad_w = (-H) % size, (-W) % size
    if pad_h or pad_w:
        x = F.pad(x, (0, 0, 0, pad_w, 0, pad_h))
    Hp, Wp = H + pad_h, W + pad_w
    x = x.view(B, Hp // size, size, Wp // size, size, C)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(-1, size * size, C)
    return x, (B, H, W, Hp, Wp)


def window_unpartition(x: torch.Tensor, size: int,
                       shape: tuple) -> torch.Tensor:
    """Inverse of :func:`window_partition`."""
    B, H, W, Hp, Wp = shape
    x = x.view(B, Hp // size, Wp // size, size, size, -1)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(B, Hp, Wp, -1)
    return x[:, :H, :W].contiguous()


@MODELS.register_module()
class WindowedViT(VisionTransformer):
    """mmpretrain ``VisionTransformer`` with ViTDet's window attention.

    Blocks not in ``global_attn_indexes`` attend within non-overlapping
    ``window_size`` x ``window_size`` windows of the patch grid; the others
    attend globally. The class token is not used (ViTDet drops it) and is
    frozen, so that DDP finds no unused trainable parameter; it stays in the
    state dict, so pre-trained weights load strictly. The position embedding
    is resized to each input's grid.

    Args:
        window_size (int): Window side in patches. Defaults to 14.
        global_attn_indexes (Sequence[int]): Blocks with global attention.
            Defaults to ``(2, 5, 8, 11)``.
        **kwargs: ``VisionTransformer`` arguments (``out_type`` is
            ``'featmap'``).
    """

    def __init__(self,
                 window_size: int = 14,
                 global_attn_indexes: Sequence[int] = (2, 5, 8, 11),
                 **kwargs) -> None:
        kwargs.setdefault('out_type', 'featmap')
        if kwargs['out_type'] != 'featmap':
            raise ValueError('WindowedViT only outputs feature maps')
        super().__init__(with_cls_token=True, **kwargs)
        self.window_size = window_size
        self.global_attn_indexes = set(global_attn_indexes)
        self.cls_token.requires_grad = False

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        B = x.shape[0]
        x, (h, w) = self.patch_embed(x)
        pos = resize_pos_embed(self.pos_embed, self.patch_resolution, (h, w),
                               mode=self.interpolate_mode,
                               num_extra_tokens=self.num_extra_tokens)
        x = self.pre_norm(self.drop_after_pos(x + pos[:, 1:]))
        x = x.view(B, h, w, -1)
        outs = []
        for i, layer in enumerate(self.layers):
            if i in self.global_attn_indexes:
                x = layer(x.view(B, h * w, -1)).view(B, h, w, -1)
            else:
                windows, shape = window_partition(x, self.window_size)
                x = window_unpartition(layer(windows), self.window_size,
                                       shape)
            if i == len(self.layers) - 1 and self.final_norm:
                x = self.ln1(x)
            if i in self.out_indices:
                outs.append(x.permute(0, 3, 1, 2).contiguous())
        return tuple(outs)


@MODELS.register_module()
class SimpleFPN(BaseModule):
    """ViTDet's simple feature pyramid.

    From one ViT map, the levels at strides 4, 8, 16 and 32 of the image,
    whatever the patch size: from a stride-16 map (16px patches) strides 4
    and 8 by transposed convolutions, 16 as is, 32 by max-pooling; from a
    stride-8 map (8px patches) stride 4 by one transposed convolution, 8 as
    is, 16 and 32 by 2x2 and 4x4 max-pooling. Then a 1x1 and a 3x3
    convolution per level, and extra levels by stride-2 pooling up to
    ``num_outs``. Given four maps (e.g. blocks 3, 5, 7 and 11 of a plain
    ViT), level ``i`` is rescaled from map ``i``: the multi-level variant.

    The levels' strides must be the ones the RPN's anchors and the RoI
    extractors are told (4-32): a pyramid at strides 2-16 from 8px patches
    trains without any error, with every anchor and RoI read off the wrong
    place of its map.

    Args:
        backbone_channel (int): Channels of the ViT maps.
        in_channels (Sequence[int]): Channels after rescaling, per level
            (``[c // 4, c // 2, c, c]`` for 16px patches, ``[c // 2, c,
            c, c]`` for 8px).
        out_channels (int): Channels of every output level.
        num_outs (int): Output levels (5 for the RPN's P2-P6).
        norm_cfg (dict, optional): Norm of the convolutions (LN2d in ViTDet).
        patch_size (int): The ViT's patch size (the maps' stride), 16 or 8.
            Defaults to 16.
        input_norm_cfg (dict, optional): A norm applied to the ViT map(s)
            first, e.g. ``dict(type='IN', affine=True)``: per image and
            channel over the map, as ``ViTFeatureRescale``'s option.
            Defaults to None (ViTDet's: none).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone_channel: int,
                 in_channels: Sequence[int],
                 out_channels: int,
                 num_outs: int,
                 norm_cfg: Optional[dict] = None,
                 patch_size: int = 16,
                 input_norm_cfg: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        c = backbone_channel
        self.num_outs = num_outs
        # one per level: given a single map, each level normalises it with
        # its own affine parameters
        self.input_norms = build_input_norms(input_norm_cfg, c)
        if patch_size == 16:
            norm = build_norm_layer(norm_cfg or dict(type='LN2d'), c // 2)[1]
            self.fpn1 = nn.Sequential(
                nn.ConvTranspose2d(c, c // 2, 2, 2), norm, nn.GELU(),
                nn.ConvTranspose2d(c // 2, c // 4, 2, 2))
            self.fpn2 = nn.Sequential(nn.ConvTranspose2d(c, c // 2, 2, 2))
            self.fpn3 = nn.Sequential(nn.Identity())
            self.fpn4 = nn.Sequential(nn.MaxPool2d(kernel_size=2, stride=2))
            scaled = [c // 4, c // 2, c, c]
        elif patch_size == 8:
            self.fpn1 = nn.Sequential(nn.ConvTranspose2d(c, c // 2, 2, 2))
            self.fpn2 = nn.Sequential(nn.Identity())
            self.fpn3 = nn.Sequential(nn.MaxPool2d(kernel_size=2, stride=2))
            self.fpn4 = nn.Sequential(nn.MaxPool2d(kernel_size=4, stride=4))
            scaled = [c // 2, c, c, c]
        else:
            raise ValueError('SimpleFPN takes 16px or 8px patches (strides '
                             f'4-32 from them), got patch_size={patch_size}')
        if list(in_channels) != scaled:
            raise ValueError(
                f'SimpleFPN in_channels={list(in_channels)} do not match the '
                f'rescaled maps of {patch_size}px patches with '
                f'backbone_channel={c}: in_channels={scaled}')
        self.lateral_convs = ModuleList()
        self.fpn_convs = ModuleList()
        # no activation after the convolutions, as ViTDet's (mmcv's
        # ConvModule adds a ReLU unless told not to)
        for channels in in_channels:
            self.lateral_convs.append(
                ConvModule(channels, out_channels, 1, norm_cfg=norm_cfg,
                           act_cfg=None, inplace=False))
            self.fpn_convs.append(
                ConvModule(out_channels, out_channels, 3, padding=1,
                           norm_cfg=norm_cfg, act_cfg=None, inplace=False))

    def forward(self, inputs: Sequence[torch.Tensor]) -> tuple:
        if len(inputs) == 1:
            maps = [inputs[0]] * 4
        elif len(inputs) == 4:
            maps = list(inputs)
        else:
            raise ValueError(f'SimpleFPN takes 1 or 4 maps, got {len(inputs)}')
        if self.input_norms is not None:
            maps = [norm(m) for norm, m in zip(self.input_norms, maps)]
        scaled = [f(m) for f, m in zip(
            (self.fpn1, self.fpn2, self.fpn3, self.fpn4), maps)]
        outs = [
            fpn(lateral(x)) for x, lateral, fpn in zip(
                scaled, self.lateral_convs, self.fpn_convs)
        ]
        while len(outs) < self.num_outs:
            outs.append(F.max_pool2d(outs[-1], 1, stride=2))
        return tuple(outs)
