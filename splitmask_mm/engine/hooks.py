# Copyright (c) splitmask_mm authors. All rights reserved.
"""Hooks that keep a long run alive: pre-emption and skipped images."""
import os.path as osp
import signal
from typing import Optional, Sequence

from mmengine.dist import all_gather_object, is_main_process
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

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
