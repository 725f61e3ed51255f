# Copyright (c) splitmask_mm authors. All rights reserved.
from .launch import setup_cpu_distributed
from .loops import PaperScheduleTrainLoop
from .optim import ViTLayerDecayOptimWrapperConstructor
from .runner import SplitMaskRunner, trusted_local_checkpoints

__all__ = [
    'PaperScheduleTrainLoop', 'SplitMaskRunner', 'trusted_local_checkpoints',
    'ViTLayerDecayOptimWrapperConstructor', 'setup_cpu_distributed'
]
