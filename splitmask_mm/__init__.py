# Copyright (c) splitmask_mm authors. All rights reserved.
"""SplitMask (El-Nouby et al., 2021) for OpenMMLab.

Importing the package registers its modules into mmpretrain's registries
(models, transforms, data sets) and its runner into mmengine's, and makes
``splitmask_mm::`` config bases resolvable (``_base_ =
['splitmask_mm::splitmask/vit-b_ade20k.py']``).
"""
from . import _noise  # noqa: F401 (first: before the stack is imported)
from .mmcv_ops import install as _install_mmcv_ops

# mmcv-lite: NMS and RoIAlign from torchvision, before anything imports
# mmcv.ops (see mmcv_ops.py)
_install_mmcv_ops()
from .version import __version__
from . import datasets, engine, models, weights  # noqa: F401 (registers)
from ._scope import register_config_scope

register_config_scope()  # `splitmask_mm::` config bases (see _scope.py)

try:  # optional downstream library: importing us must not need it
    import mmdet  # noqa: F401
except ImportError:
    pass
else:
    from . import det  # noqa: F401

__all__ = ['__version__']
