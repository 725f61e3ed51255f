# Copyright (c) splitmask_mm authors. All rights reserved.
"""Target generators: what SplitMask inpaints for every patch.

A target generator maps a batch of (target-view) images ``(N, 3, H, W)``
to per-patch targets: ``(N, L)`` token ids, ``(N, K, h, w)`` codebook
logits (mmpretrain's ``DALL-E``), or ``(N, L, D)`` pixel targets. It is
frozen by :class:`SplitMask`.
"""
import torch
from mmengine.model import BaseModule

from mmpretrain.registry import MODELS


def patchify(img: torch.Tensor, patch_size: int) -> torch.Tensor:
    """``(N, C, H, W)`` -> ``(N, L, patch_size**2 * C)``, raster order.

    A patch's vector is ordered (row, column, channel), as in MAE.
    """
    N, C, H, W = img.shape
    if H % patch_size or W % patch_size:
        raise ValueError(f'Image size {(H, W)} is not a multiple of the '
                         f'patch size {patch_size}')
    h, w = H // patch_size, W // patch_size
    x = img.reshape(N, C, h, patch_size, w, patch_size)
    x = torch.einsum('nchpwq->nhwpqc', x)
    return x.reshape(N, h * w, patch_size**2 * C)


@MODELS.register_module()
class NormalizedPixelTarget(BaseModule):
    """MAE-style pixel targets: each patch normalised by its own statistics.

    Args:
        patch_size (int): Patch size. Defaults to 16.
        norm_pix (bool): Normalise each patch to zero mean, unit variance
            (MAE's ``norm_pix_loss``). Defaults to True.
        eps (float): Added to the variance. Defaults to 1e-6.
    """

    def __init__(self,
                 patch_size: int = 16,
                 norm_pix: bool = True,
                 eps: float = 1e-6) -> None:
        super().__init__()
        self.patch_size = patch_size
        self.norm_pix = norm_pix
        self.eps = eps

    @torch.no_grad()
    def forward(self, img: torch.Tensor) -> torch.Tensor:
        """Per-patch targets ``(N, L, patch_size**2 * 3)``."""
        target = patchify(img.float(), self.patch_size)
        if self.norm_pix:
            mean = target.mean(dim=-1, keepdim=True)
            var = target.var(dim=-1, keepdim=True)
            target = (target - mean) / (var + self.eps)**.5
        return target
