# Copyright (c) splitmask_mm authors. All rights reserved.
"""``compile=True`` (mmengine's runner option) that compiles the model's
computation and leaves the optimizer step eager.

mmengine compiles the whole ``train_step``; dynamo then follows it through
``OptimWrapper.update_params`` and mmengine's parameter-scheduler wrapper
into ``torch.optim`` and stops at the first step (``AttributeError:
'UserDefinedDictVariable' object has no attribute 'items'`` on torch 2.14;
the same family as open-mmlab/mmdetection#11398). What is worth compiling
is the forward and the loss, where inductor fuses the layer norms, GELUs,
residual adds and gathers around the matrix products; the optimizer step is
one fused kernel of its own (``fused=True`` AdamW, set here when compiling).
"""
from typing import Dict, List, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.model import is_model_wrapper

# Modules whose ``forward`` is compiled in models without a compilable loss
# (segmentors, detectors, classifiers): their heads' losses sample
# proposals, pixels or points with data-dependent shapes and call mmcv's
# custom operators, which dynamo cannot trace into one graph.
MODULES = ('backbone', 'neck', 'decode_head', 'auxiliary_head', 'head')
# Optimizers given ``fused=True`` when compiling, where torch has a fused
# kernel for the parameters' device.
FUSED_OPTIMIZERS = ('Adam', 'AdamW', 'torch.Adam', 'torch.AdamW')


def default_targets(model: nn.Module) -> List[str]:
    """What ``compile=True`` compiles in ``model``.

    Self-supervised algorithms (mmpretrain's ``BaseSelfSupervisor``:
    SplitMask, BEiT, MAE) compute their whole loss from a batch of images
    in ``loss``: compiled whole, the target generator, encoder, decoder and
    loss become a few graphs. Other models compile the ``forward`` of their
    backbone, neck and heads (see ``MODULES``).
    """
    from mmpretrain.models import BaseSelfSupervisor
    if isinstance(model, BaseSelfSupervisor):
        return ['loss']
    return [name for name in MODULES
            if isinstance(getattr(model, name, None), nn.Module)]


def float_drop_rates(model: nn.Module) -> int:
    """Make every ``drop_prob`` a Python float; returns how many changed.

    mmpretrain's and mmseg's ViTs pass ``np.linspace(...)[i]`` to mmcv's
    ``DropPath``: dynamo treats a NumPy scalar as an array, and the
    ``if drop_prob == 0.`` in ``drop_path`` then breaks the graph at every
    block (measured: 13 graph breaks in the demo SplitMask loss, 3 with
    this).
    """
    changed = 0
    for module in model.modules():
        rate = getattr(module, 'drop_prob', None)
        if isinstance(rate, (np.floating, np.ndarray)):
            module.drop_prob = float(rate)
            changed += 1
    return changed


def compile_model(model: nn.Module, options: Union[bool, Dict]
                  ) -> List[str]:
    """Compile ``model``'s computation in place; returns what was compiled.

    Args:
        model (nn.Module): The model, or a wrapper of it (DDP).
        options (bool | dict): ``True`` or the keyword arguments of
            ``torch.compile`` (``mode``, ``dynamic``, ``backend``...), plus
            ``targets``: names of modules (their ``forward`` is compiled) or
            methods of the model; default :func:`default_targets`.

    Modules keep their parameters and state-dict keys (the compiled
    ``forward`` is set on the instance; ``torch.compile(module)`` would
    prefix every key with ``_orig_mod.`` and break checkpoints).
    """
    options = {} if options is True else dict(options)
    if is_model_wrapper(model):
        model = model.module
    targets = options.pop('targets', None) or default_targets(model)
    float_drop_rates(model)
    for name in targets:
        target = getattr(model, name, None)
        if isinstance(target, nn.Module):
            target.forward = torch.compile(target.forward, **options)
        elif callable(target):
            setattr(model, name, torch.compile(target, **options))
        else:
            raise ValueError(
                f'compile.targets: {type(model).__name__} has no module or '
                f'method named {name!r}')
    return list(targets)


def fuse_optimizer(optim_wrapper: Dict) -> Dict:
    """``optim_wrapper`` with ``fused=True`` for Adam/AdamW where the config
    leaves it unset (a copy; anything else is returned as it is)."""
    optimizer = optim_wrapper.get('optimizer') \
        if isinstance(optim_wrapper, dict) else None
    if not isinstance(optimizer, dict) or \
            optimizer.get('type') not in FUSED_OPTIMIZERS or \
            'fused' in optimizer or optimizer.get('foreach'):
        return optim_wrapper
    optim_wrapper = type(optim_wrapper)(optim_wrapper)
    optim_wrapper['optimizer'] = type(optimizer)(optimizer, fused=True)
    return optim_wrapper
