# Copyright (c) splitmask_mm authors. All rights reserved.
"""SplitMask (El-Nouby et al., 2021) for OpenMMLab.

Importing the package registers its modules into mmpretrain's registries
(models, transforms, data sets) and its runner into mmengine's.
"""
from . import _noise  # noqa: F401 (first: before the stack is imported)
from .version import __version__
from . import datasets, engine, models, weights  # noqa: F401 (registers)

try:  # optional downstream library: importing us must not need it
    import mmdet  # noqa: F401
except ImportError:
    pass
else:
    from . import det  # noqa: F401

__all__ = ['__version__']
