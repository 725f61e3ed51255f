# Copyright (c) splitmask_mm authors. All rights reserved.
"""Moving pre-trained SplitMask weights into fine-tuning models, safely:
reading (:mod:`.loading`), strict initialisation (:mod:`.init`) and
format conversion (:mod:`.convert`)."""
from .convert import (beit_to_vit, convert, extract_backbone,
                      resize_pos_embed, to_timm, vit_shape)
from .init import StrictPretrainedInit, check_keys
from .loading import load_training_checkpoint, load_weights_file

__all__ = [
    'load_weights_file', 'load_training_checkpoint', 'StrictPretrainedInit',
    'check_keys', 'extract_backbone', 'beit_to_vit', 'vit_shape',
    'resize_pos_embed', 'to_timm', 'convert'
]
