# Copyright (c) splitmask_mm authors. All rights reserved.
"""Warnings the stack prints on import that tell the user nothing.

Imported first by the package (and so by every tool, which imports the
package before mmengine, mmcv or mmpretrain); only ``warnings`` here, so
that the filters are in place before any of those modules loads.
"""
import warnings

# mmengine imports pkg_resources, which setuptools < 81 (needed for its
# pkg:: config bases) deprecates loudly on every start
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
# mmcv-lite (the default install) has no compiled operators and says so on
# import; pre-training does not use them (seg/det configs check: stack.py)
warnings.filterwarnings(
    'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
