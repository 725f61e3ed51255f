# Copyright (c) splitmask_mm authors. All rights reserved.
"""The detection set-up of the SplitMask paper (XCiT's, El-Nouby et al.
2021): a plain ViT with sinusoidal position encoding, four of its blocks
rescaled to strides 4-32 by transposed convolutions and max-pooling, then
mmdet's FPN.

- :class:`SinCosViT`: mmpretrain's ``VisionTransformer`` (same state-dict
  keys) whose position encoding is the 2D sin-cos one computed for each
  input's patch grid, so it takes any input size without interpolating a
  learned table. SplitMask pre-trains with that same frozen encoding, so the
  fine-tuned backbone sees exactly the encoding it was trained with.
- :class:`ViTFeatureRescale`: XCiT's ``fpn1..fpn4`` (16px patches: block 3
  by two stride-2 transposed convolutions with a norm and GELU between,
  block 5 by one, block 7 as is, block 11 by 2x2 max-pooling; 8px patches:
  one transposed convolution, as is, 2x2 and 4x4 max-pooling), as a neck in
  front of mmdet's FPN.

Written here because XCiT's detection code is an mmdet 2.x fork and
mmdet's wheel ships neither it nor a sin-cos ViT.
"""
from typing import Optional, Sequence, Tuple

import torch
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from torch import nn

from mmdet.registry import MODELS
from mmpretrain.models import VisionTransformer
from mmpretrain.models.utils import build_2d_sincos_position_embedding


@MODELS.register_module()
class SinCosViT(VisionTransformer):
    """ViT whose position encoding is 2D sin-cos for each input's grid.

    The learned ``pos_embed`` table stays in the state dict (pre-trained
    weights load strictly) but is not used and is frozen, as is the class
    token (detection does not use it). Outputs feature maps of the blocks in
    ``out_indices``.

    Args:
        **kwargs: ``VisionTransformer`` arguments (``out_type`` is
            ``'featmap'``).
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault('out_type', 'featmap')
        if kwargs['out_type'] != 'featmap':
            raise ValueError('SinCosViT only outputs feature maps')
        super().__init__(with_cls_token=True, **kwargs)
        self.pos_embed.requires_grad = False
        self.cls_token.requires_grad = False

    def position_encoding(self, grid: Tuple[int, int]) -> torch.Tensor:
        """``(1, h * w, C)`` 2D sin-cos encoding of an ``h x w`` grid, as
        :class:`SplitMaskViT` builds it for pre-training."""
        return build_2d_sincos_position_embedding(
            grid, self.embed_dims, cls_token=False).float()

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        B = x.shape[0]
        x, (h, w) = self.patch_embed(x)
        x = x + self.position_encoding((h, w)).to(x)
        x = self.pre_norm(self.drop_after_pos(x))
        outs = []
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i == len(self.layers) - 1 and self.final_norm:
                x = self.ln1(x)
            if i in self.out_indices:
                outs.append(x.transpose(1, 2).reshape(B, -1, h, w))
        return tuple(outs)


def build_input_norms(input_norm_cfg: Optional[dict],
                      channels: int) -> Optional[nn.ModuleList]:
    """A pyramid neck's ``input_norm_cfg``: one norm per level (4), each
    applied to the ViT map that level is rescaled from, or None. Shared by
    :class:`ViTFeatureRescale` and ``SimpleFPN``."""
    if not input_norm_cfg:
        return None
    return nn.ModuleList(
        [build_norm_layer(input_norm_cfg, channels)[1] for _ in range(4)])


@MODELS.register_module()
class ViTFeatureRescale(BaseModule):
    """Four ViT maps to strides 4, 8, 16 and 32, as XCiT does.

    16px patches (stride-16 maps): map 0 by a transposed conv (stride 2),
    norm, GELU and another transposed conv; map 1 by one transposed conv;
    map 2 as is; map 3 by 2x2 max-pooling. 8px patches: map 0 by one
    transposed conv, map 1 as is, maps 2 and 3 by 2x2 and 4x4 max-pooling.
    Channels are kept; mmdet's ``FPN`` follows (a list neck in the config).

    Args:
        in_channels (int): Channels of the ViT maps.
        patch_size (int): The ViT's patch size, 16 or 8. Defaults to 16.
        norm_cfg (dict): Norm between the two transposed convolutions.
            Defaults to SyncBN, as XCiT.
        input_norm_cfg (dict, optional): A norm applied to each ViT map
            first, e.g. ``dict(type='IN', affine=True)``: per image and
            channel over the map. Defaults to None (XCiT's: none).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 patch_size: int = 16,
                 norm_cfg: dict = dict(type='SyncBN', requires_grad=True),
                 input_norm_cfg: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        c = in_channels
        self.input_norms = build_input_norms(input_norm_cfg, c)
        if patch_size == 16:
            self.fpn1 = nn.Sequential(
                nn.ConvTranspose2d(c, c, kernel_size=2, stride=2),
                build_norm_layer(norm_cfg, c)[1], nn.GELU(),
                nn.ConvTranspose2d(c, c, kernel_size=2, stride=2))
            self.fpn2 = nn.ConvTranspose2d(c, c, kernel_size=2, stride=2)
            self.fpn3 = nn.Identity()
            self.fpn4 = nn.MaxPool2d(kernel_size=2, stride=2)
        elif patch_size == 8:
            self.fpn1 = nn.ConvTranspose2d(c, c, kernel_size=2, stride=2)
            self.fpn2 = nn.Identity()
            self.fpn3 = nn.MaxPool2d(kernel_size=2, stride=2)
            self.fpn4 = nn.MaxPool2d(kernel_size=4, stride=4)
        else:
            raise ValueError('ViTFeatureRescale takes 16px or 8px patches '
                             f'(strides 4-32 from them), got {patch_size}')

    def forward(self, inputs: Sequence[torch.Tensor]) -> tuple:
        if len(inputs) != 4:
            raise ValueError('ViTFeatureRescale takes the maps of 4 blocks '
                             f'(out_indices), got {len(inputs)}')
        if self.input_norms is not None:
            inputs = [norm(x) for norm, x in zip(self.input_norms, inputs)]
        return tuple(op(x) for op, x in zip(
            (self.fpn1, self.fpn2, self.fpn3, self.fpn4), inputs))
