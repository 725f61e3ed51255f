# Copyright (c) splitmask_mm authors. All rights reserved.
from .hooks import (PREEMPTED_EXIT_CODE, NonFiniteLossHook, PreemptionHook,
                    SkippedImagesHook)
from .launch import setup_cpu_distributed
from .loops import PaperScheduleTrainLoop, ResumableIterBasedTrainLoop
from .optim import BF16OptimWrapper, ViTLayerDecayOptimWrapperConstructor
from .runner import (SplitMaskRunner, safe_training_checkpoints,
                     trusted_local_checkpoints)

__all__ = [
    'BF16OptimWrapper', 'PaperScheduleTrainLoop',
    'ResumableIterBasedTrainLoop', 'SplitMaskRunner',
    'trusted_local_checkpoints', 'safe_training_checkpoints',
    'ViTLayerDecayOptimWrapperConstructor', 'setup_cpu_distributed',
    'NonFiniteLossHook', 'PreemptionHook', 'SkippedImagesHook',
    'PREEMPTED_EXIT_CODE'
]
