# Copyright (c) splitmask_mm authors. All rights reserved.
"""Registries of the ``splitmask_mm`` scope.

Our modules register into mmpretrain's registries (configs name them
without a prefix under ``default_scope = 'mmpretrain'``, and mmseg/mmdet
configs as ``mmpretrain.X``). A config that inherits one of ours as
``splitmask_mm::...`` gets ``_scope_='splitmask_mm'`` on its typed dicts
(mmengine's rule for package-scoped bases), and mmengine then builds them
from the registries of that scope, which it imports from this module. Each
one here is an empty child of mmpretrain's registry of the same kind, so a
lookup falls through to mmpretrain's (ours included), then mmengine's.
"""
from mmengine.registry import Registry

from mmpretrain import registry as _mmpretrain


def _child(parent: Registry) -> Registry:
    # mmengine imports only the searched registry's own `locations` before
    # a lookup, not its parents': ours lists mmpretrain's too, so that
    # mmpretrain's modules are registered when a lookup falls through
    return Registry(parent.name, parent=parent, scope='splitmask_mm',
                    locations=list(parent._locations) + ['splitmask_mm'])


RUNNERS = _child(_mmpretrain.RUNNERS)
RUNNER_CONSTRUCTORS = _child(_mmpretrain.RUNNER_CONSTRUCTORS)
LOOPS = _child(_mmpretrain.LOOPS)
HOOKS = _child(_mmpretrain.HOOKS)
LOG_PROCESSORS = _child(_mmpretrain.LOG_PROCESSORS)
OPTIMIZERS = _child(_mmpretrain.OPTIMIZERS)
OPTIM_WRAPPERS = _child(_mmpretrain.OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = _child(_mmpretrain.OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = _child(_mmpretrain.PARAM_SCHEDULERS)
DATASETS = _child(_mmpretrain.DATASETS)
DATA_SAMPLERS = _child(_mmpretrain.DATA_SAMPLERS)
TRANSFORMS = _child(_mmpretrain.TRANSFORMS)
MODELS = _child(_mmpretrain.MODELS)
MODEL_WRAPPERS = _child(_mmpretrain.MODEL_WRAPPERS)
WEIGHT_INITIALIZERS = _child(_mmpretrain.WEIGHT_INITIALIZERS)
TASK_UTILS = _child(_mmpretrain.TASK_UTILS)
METRICS = _child(_mmpretrain.METRICS)
EVALUATORS = _child(_mmpretrain.EVALUATORS)
VISUALIZERS = _child(_mmpretrain.VISUALIZERS)
VISBACKENDS = _child(_mmpretrain.VISBACKENDS)
