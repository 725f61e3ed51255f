# Copyright (c) splitmask_mm authors. All rights reserved.
from .splitmask import (SplitMask, SplitMaskDecoder, SplitMaskHead,
                        SplitMaskViT, SkipStep, info_nce, split_indices)
from .targets import (NormalizedPixelTarget, PatchVocabularyTokenizer,
                      patchify)
from .utils import gather_with_grad

__all__ = [
    'SplitMask', 'SplitMaskViT', 'SplitMaskDecoder', 'SplitMaskHead',
    'NormalizedPixelTarget', 'PatchVocabularyTokenizer', 'split_indices',
    'info_nce', 'patchify', 'gather_with_grad', 'SkipStep'
]
