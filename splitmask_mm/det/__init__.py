# Copyright (c) splitmask_mm authors. All rights reserved.
"""mmdet modules (ViTDet-style); imported only when mmdet is installed."""
from .vitdet import LayerNorm2d, SimpleFPN, WindowedViT

__all__ = ['LayerNorm2d', 'SimpleFPN', 'WindowedViT']
