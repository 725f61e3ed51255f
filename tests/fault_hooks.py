# Copyright (c) splitmask_mm authors. All rights reserved.
"""Hooks that make faults on purpose, for the test runs (loaded through
``custom_imports=['fault_hooks']`` with ``tests/`` on the PYTHONPATH)."""
import os
import signal
import mmengine.fileio.backends.local_backend as local_backend
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class KillAt(Hook):
    """SIGKILL this process after iteration `iteration` (no clean exit)."""
    priority = 'LOWEST'

    def __init__(self, iteration):
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.iteration:
            os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class KillDuringSave(Hook):
    """Writes half of checkpoint `iteration`, then SIGKILLs this process."""

    def __init__(self, iteration):
        original = local_backend.LocalBackend.put

        def put(backend, obj, filepath):
            if f'iter_{iteration}.pth' in str(filepath):
                with open(filepath, 'wb') as f:
                    f.write(obj[:len(obj) // 2])
                    f.flush()
                    os.fsync(f.fileno())
                os.kill(os.getpid(), signal.SIGKILL)
            return original(backend, obj, filepath)

        local_backend.LocalBackend.put = put


@HOOKS.register_module()
class NaNAt(Hook):
    """Poisons the head's bias before iterations in `iterations` (on one
    process only if `rank` is given)."""

    def __init__(self, iterations, rank=None):
        self.iterations = set(iterations)
        self.rank = rank

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        import torch
        if self.rank is not None and runner.rank != self.rank:
            self.iterations = set()
        if runner.iter + 1 in self.iterations:
            model = getattr(runner.model, 'module', runner.model)
            self.saved = model.head.predictor.bias.detach().clone()
            with torch.no_grad():
                model.head.predictor.bias[0] = float('nan')

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        import torch
        if runner.iter + 1 in self.iterations:
            model = getattr(runner.model, 'module', runner.model)
            with torch.no_grad():
                model.head.predictor.bias.copy_(self.saved)
