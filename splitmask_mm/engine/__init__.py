# Copyright (c) splitmask_mm authors. All rights reserved.
from .runner import SplitMaskRunner, trusted_local_checkpoints

__all__ = ['SplitMaskRunner', 'trusted_local_checkpoints']
