# Copyright (c) splitmask_mm authors. All rights reserved.
from .image_folder import IMG_EXTENSIONS, UnlabeledImageFolder
from .samplers import ResumableInfiniteSampler, SampleIndex
from .transforms import SplitMaskGenerator

__all__ = [
    'SplitMaskGenerator', 'UnlabeledImageFolder', 'IMG_EXTENSIONS',
    'ResumableInfiniteSampler', 'SampleIndex'
]
