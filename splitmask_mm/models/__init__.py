# Copyright (c) splitmask_mm authors. All rights reserved.
from .splitmask import (SplitMask, SplitMaskDecoder, SplitMaskHead,
                        SplitMaskViT, info_nce, split_indices)
from .targets import (NormalizedPixelTarget, PatchVocabularyTokenizer,
                      RandomProjectionTokenizer, assign_tokens, patchify)
from .utils import gather_with_grad

__all__ = [
    'SplitMask', 'SplitMaskViT', 'SplitMaskDecoder', 'SplitMaskHead',
    'NormalizedPixelTarget', 'PatchVocabularyTokenizer',
    'RandomProjectionTokenizer', 'assign_tokens', 'split_indices', 'info_nce',
    'patchify', 'gather_with_grad'
]
