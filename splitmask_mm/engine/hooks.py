# Copyright (c) splitmask_mm authors. All rights reserved.
"""Hooks that keep a long run alive: non-finite losses, pre-emption and
unreadable images.

Registered in mmengine's root registry, so the configs of every library
(mmpretrain, mmseg, mmdet) can name them.
"""
import os.path as osp
import signal
from typing import Dict, Optional, Sequence

import torch
from mmengine.dist import all_gather_object, is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from ..models.utils import any_process

# EX_TEMPFAIL: "try again later". tools/slurm_train.sh requeues on it.
PREEMPTED_EXIT_CODE = 75


@HOOKS.register_module()
class PreemptionHook(Hook):
    """Checkpoint and exit when the scheduler says the job will be stopped.

    Slurm sends a signal before it stops a job: SIGTERM on pre-emption (then
    SIGKILL after the partition's GraceTime), or the one asked for with
    ``--signal=USR1@300`` before the time limit. On any of ``signals`` the
    run finishes its iteration, writes ``iter_N.pth`` (all processes agree
    through one all-reduce per iteration, so they stop at the same one),
    and exits with code 75, on which ``tools/slurm_train.sh`` requeues the
    job; the requeued job resumes from that checkpoint.

    The handlers are installed when the hook is built, before the data
    loader forks its workers: workers inherit them and survive the signal
    (a worker killed by it would crash the main process before it saves).
    This needs the ``fork`` start method, mmengine's default on Linux.

    Args:
        signals (Sequence[str]): Signal names. Defaults to
            ``('SIGUSR1', 'SIGTERM')``.
        exit_code (int): Exit status after the checkpoint. Defaults to 75.
    """

    priority = 'VERY_LOW'  # after CheckpointHook, which may save this step

    def __init__(self,
                 signals: Sequence[str] = ('SIGUSR1', 'SIGTERM'),
                 exit_code: int = PREEMPTED_EXIT_CODE) -> None:
        self.exit_code = exit_code
        self.received: Optional[int] = None
        self.previous = {}
        for name in signals:
            number = getattr(signal, name, None)
            if not isinstance(number, signal.Signals):
                raise ValueError(f'PreemptionHook: unknown signal {name!r}')
            self.previous[number] = signal.signal(number, self._on_signal)

    def _on_signal(self, signum, frame) -> None:
        self.received = signum

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if not any_process(self.received is not None):
            return
        filename = f'iter_{runner.iter + 1}.pth'
        path = osp.join(runner.work_dir, filename)
        if not osp.isfile(path):  # CheckpointHook may just have saved it
            runner.save_checkpoint(
                runner.work_dir, filename, save_optimizer=True,
                save_param_scheduler=True, by_epoch=False)
        if is_main_process():  # as CheckpointHook: what --resume reads
            with open(osp.join(runner.work_dir, 'last_checkpoint'), 'w') as f:
                f.write(path)
        name = signal.Signals(self.received).name if self.received \
            else 'another process'
        runner.logger.warning(
            f'Stop requested ({name}): saved {path}; exiting with code '
            f'{self.exit_code} so the job is requeued (resume with '
            '--resume).')
        raise SystemExit(self.exit_code)

    def after_run(self, runner) -> None:
        for number, handler in self.previous.items():
            signal.signal(number, handler)


@HOOKS.register_module()
class SkippedImagesHook(Hook):
    """Counts the images that ``UnlabeledImageFolder(bad_images='skip')``
    replaced, reports them at the end of training, and stops the run when
    more than ``max_fraction`` of the data set could not be read (a broken
    mount, not a few bad files).

    The list is kept in the message hub, so it survives a resume.

    Args:
        max_fraction (float): Stop above this share of distinct skipped
            files (per process). Defaults to 0.01.
    """

    def __init__(self, max_fraction: float = 0.01) -> None:
        if not 0 <= max_fraction <= 1:
            raise ValueError('SkippedImagesHook.max_fraction must be in '
                             f'[0, 1], got {max_fraction}')
        self.max_fraction = max_fraction

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        samples = (data_batch or {}).get('data_samples') or []
        new = [path for sample in samples
               for path in getattr(sample, 'metainfo', {}).get(
                   'skipped_images', [])]
        if not new:
            return
        skipped = dict(runner.message_hub.get_info('skipped_images', {}))
        for path in new:  # {file: times drawn and replaced}
            skipped[path] = skipped.get(path, 0) + 1
        runner.message_hub.update_info('skipped_images', skipped)
        size = len(runner.train_dataloader.dataset)
        if len(skipped) > self.max_fraction * size:
            raise RuntimeError(
                f'{len(skipped)} of {size} images could not be read '
                f'(more than {self.max_fraction:.1%}), e.g. '
                f'{sorted(skipped)[:5]}: is the data set intact? '
                '(python tools/check_dataset.py CONFIG lists them all)')

    def after_train(self, runner) -> None:
        skipped = {}
        mine = runner.message_hub.get_info('skipped_images', {})
        for part in all_gather_object(mine):
            for path, times in part.items():
                skipped[path] = skipped.get(path, 0) + times
        if not skipped:
            runner.logger.info('Skipped images: none.')
            return
        names = sorted(skipped)
        runner.logger.warning(
            f'Skipped images: {len(names)} unreadable files, replaced by '
            f'other images {sum(skipped.values())} times: '
            f'{names[:20]}{" ..." if len(names) > 20 else ""}')


def _is_finite(value) -> bool:
    values = value if isinstance(value, (list, tuple)) else [value]
    return all(bool(torch.isfinite(v).all()) for v in values
               if isinstance(v, torch.Tensor))


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stop, or skip, a training step whose loss is NaN or infinite, before
    backward and the optimizer step, naming the loss term and iteration.

    Works for any model the runner trains (SplitMask, mmpretrain's BEiT and
    MAE, mmseg, mmdet and mmpretrain fine-tuning): it checks the loss terms
    where every mmengine model sums them (``parse_losses``, called by
    ``train_step`` between the forward and ``optim_wrapper.update_params``).
    So no NaN reaches the weights, and no checkpoint holds one; a stopped
    run resumes from its last checkpoint.

    - ``mode='stop'``: raise ``FloatingPointError`` at once.
    - ``mode='skip'``: no backward and no optimizer step for this iteration
      (the iteration still counts, so the schedule, logs and checkpoints keep
      their places), logged with a running count (``skipped_steps`` in the
      message hub); stop after ``max_skipped_in_a_row`` such steps in a row
      (divergence). All processes agree through one all-reduce per step, so
      they skip together (a process that stepped alone would wait forever in
      DDP's gradient all-reduce).

    Args:
        mode (str): ``'stop'`` or ``'skip'``. Defaults to ``'stop'``.
        max_skipped_in_a_row (int): With ``'skip'``. Defaults to 10.
    """

    priority = 'VERY_HIGH'

    def __init__(self, mode: str = 'stop',
                 max_skipped_in_a_row: int = 10) -> None:
        if mode not in ('stop', 'skip'):
            raise ValueError("NonFiniteLossHook.mode must be 'stop' or "
                             f"'skip', got {mode!r}")
        if max_skipped_in_a_row < 1:
            raise ValueError('NonFiniteLossHook.max_skipped_in_a_row must be '
                             f'>= 1, got {max_skipped_in_a_row}')
        self.mode = mode
        self.max_skipped_in_a_row = max_skipped_in_a_row
        self.skipped_in_a_row = 0
        self.skip_step = False

    def before_train(self, runner) -> None:
        # mmengine has no hook between the forward and backward, so the two
        # calls of train_step around it are wrapped (on these instances
        # only): parse_losses checks, update_params skips.
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        parse_losses = model.parse_losses

        def checked_parse_losses(losses: Dict):
            self.check(runner, losses)
            return parse_losses(losses)

        model.parse_losses = checked_parse_losses
        optim_wrapper = runner.optim_wrapper
        if self.mode == 'skip' and hasattr(optim_wrapper, 'update_params'):
            update_params = optim_wrapper.update_params

            def guarded_update_params(loss, *args, **kwargs):
                if self.skip_step:
                    optim_wrapper.zero_grad()
                    return None
                return update_params(loss, *args, **kwargs)

            optim_wrapper.update_params = guarded_update_params

    def check(self, runner, losses: Dict) -> None:
        """Decide on this step from the loss terms (before their sum)."""
        bad = [k for k, v in losses.items()
               if 'loss' in k and not _is_finite(v)]
        self.skip_step = False
        if self.mode == 'skip':
            if not any_process(bool(bad)):
                self.skipped_in_a_row = 0
                return
            self.skipped_in_a_row += 1
        elif not bad:
            return
        values = {k: _as_float(v) for k, v in losses.items() if 'loss' in k}
        what = ', '.join(bad) or 'loss on another process'
        where = f'at iteration {runner.iter + 1} ({values})'
        if self.mode == 'skip' and \
                self.skipped_in_a_row <= self.max_skipped_in_a_row:
            self.skip_step = True
            skipped = runner.message_hub.get_info('skipped_steps', 0) + 1
            runner.message_hub.update_info('skipped_steps', skipped)
            runner.logger.warning(
                f'Non-finite {what} {where}: step skipped '
                f'({self.skipped_in_a_row} in a row, {skipped} so far).')
            return
        raise FloatingPointError(
            f'Non-finite {what} {where}'
            + (f', {self.skipped_in_a_row} steps in a row'
               if self.mode == 'skip' else '')
            + ': stopped before the optimizer step; lower the learning rate'
            ' or check the data, then resume from the last checkpoint.')


def _as_float(value) -> float:
    if isinstance(value, (list, tuple)):
        return float(sum(float(v.mean()) for v in value))
    return float(value.mean()) if isinstance(value, torch.Tensor) \
        else float(value)
