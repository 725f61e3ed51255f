# Copyright (c) splitmask_mm authors. All rights reserved.
"""Detection modules for mmdet (imported only when mmdet is installed)."""
from .vitdet import LayerNorm2d, SimpleFPN, WindowedViT
from .xcit_fpn import SinCosViT, ViTFeatureRescale

__all__ = [
    'LayerNorm2d', 'SimpleFPN', 'WindowedViT', 'SinCosViT',
    'ViTFeatureRescale'
]
