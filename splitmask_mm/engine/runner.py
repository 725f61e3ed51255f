# Copyright (c) splitmask_mm authors. All rights reserved.
import copy
import glob
import os
import os.path as osp
import re
from contextlib import contextmanager
from typing import Callable, Iterator, List, Optional

import mmengine.runner.runner as mmengine_runner
import torch
from mmengine.registry import RUNNERS
from mmengine.runner import CheckpointLoader, Runner

from ..weights import load_training_checkpoint
from .compile import compile_model, fuse_optimizer


def load_trusted_checkpoint(filename: str, map_location=None):
    """Fully unpickle a local checkpoint: only for files your own runs wrote
    (mmengine pickles its message hub into them)."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint {filename} can not be found.')
    return torch.load(filename, map_location=map_location, weights_only=False)


@contextmanager
def checkpoint_loader(load: Callable, preloaded: Optional[dict] = None
                      ) -> Iterator[None]:
    """Inside this block mmengine reads local checkpoints with ``load``.

    Args:
        load (Callable): ``load(filename, map_location=None) -> dict``.
        preloaded (dict, optional): ``{path: checkpoint}`` already read (on
            CPU; loading state dicts moves them to the model's device),
            served instead of reading the file again.
    """
    schemes = CheckpointLoader._schemes
    original = schemes['']
    preloaded = preloaded or {}

    def read(filename: str, map_location=None):
        if filename in preloaded:
            return preloaded[filename]
        return load(filename, map_location)

    schemes[''] = read
    try:
        yield
    finally:
        schemes[''] = original


def trusted_local_checkpoints(preloaded: Optional[dict] = None):
    """Let mmengine fully unpickle local checkpoints inside this block.

    torch >= 2.6 loads with ``weights_only=True`` by default, which refuses
    mmengine's own checkpoints (they pickle the message hub's
    ``HistoryBuffer`` and more). Rather than turning the safe loader off for
    every file (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``), the trusted loader
    is swapped in only while a run resumes from its own checkpoint.
    """
    return checkpoint_loader(load_trusted_checkpoint, preloaded)


def safe_training_checkpoints():
    """Let mmengine read training checkpoints, of any origin, with torch's
    safe loader inside this block (:func:`load_training_checkpoint`: the
    message hub comes back empty, which evaluation does not need)."""
    return checkpoint_loader(load_training_checkpoint)


@contextmanager
def atomic_checkpoint_writes() -> Iterator[None]:
    """Inside this block, mmengine's Runner writes checkpoints atomically.

    mmengine writes ``iter_N.pth`` in place: a process killed while saving
    leaves a truncated file under the final name. Here the file is written
    under a temporary name and renamed when complete (a rename is atomic on
    one file system), so a checkpoint file is either whole or absent.
    """
    original = mmengine_runner.save_checkpoint

    def save_atomically(checkpoint, filename, *args, **kwargs):
        if '://' in str(filename):  # remote storage: as mmengine does
            return original(checkpoint, filename, *args, **kwargs)
        tmp = f'{filename}.tmp{os.getpid()}'
        original(checkpoint, tmp, *args, **kwargs)
        os.replace(tmp, filename)

    mmengine_runner.save_checkpoint = save_atomically
    try:
        yield
    finally:
        mmengine_runner.save_checkpoint = original


def checkpoints_in(folder: str) -> List[str]:
    """``iter_*.pth`` / ``epoch_*.pth`` of a folder, newest first."""
    def number(path: str) -> int:
        match = re.search(r'(\d+)\.pth$', path)
        return int(match.group(1)) if match else -1
    found = glob.glob(osp.join(folder, 'iter_*.pth')) + glob.glob(
        osp.join(folder, 'epoch_*.pth'))
    return sorted(found, key=number, reverse=True)


def older_checkpoints(filename: str) -> List[str]:
    """The checkpoints beside ``filename``, newest first, without it."""
    return [p for p in checkpoints_in(osp.dirname(osp.abspath(filename)))
            if osp.abspath(p) != osp.abspath(filename)]


@RUNNERS.register_module()
class SplitMaskRunner(Runner):
    """mmengine's ``Runner`` with safe checkpoint handling.

    - resumes its own checkpoints on torch >= 2.6 without disabling safe
      loading elsewhere;
    - writes checkpoints atomically (write, then rename);
    - ``--resume`` without a file takes the newest ``iter_N.pth`` of the
      work dir (mmengine trusts its ``last_checkpoint`` note, which a kill
      between the checkpoint and the note leaves one checkpoint behind)
      and removes the temporary files of writes that a kill cut short;
    - if the checkpoint to resume from cannot be read (truncated, corrupt),
      resumes from the newest readable one beside it and says which;
    - builds configs inherited as ``splitmask_mm::...`` (their scope, their
      data loaders);
    - ``compile=True`` (or a dict of ``torch.compile`` options) compiles the
      model's forward and loss, not the whole ``train_step`` as mmengine
      does (which fails in the optimizer step), and fuses AdamW: see
      :mod:`splitmask_mm.engine.compile`.
    """

    @classmethod
    def from_cfg(cls, cfg) -> 'SplitMaskRunner':
        # a config inherited as `splitmask_mm::...` builds in the scope it
        # declares (see splitmask_mm/_scope.py)
        from .._scope import resolve_scope
        resolve_scope(cfg)
        return super().from_cfg(cfg)

    @staticmethod
    def build_dataloader(dataloader, *args, **kwargs):
        # mmengine gives every typed dict of a package-scoped base a
        # `_scope_` key, and its build_dataloader then passes that key on
        # to the collate function (`default_collate(_scope_=...)`:
        # TypeError); collate functions have no scope to switch to
        if isinstance(dataloader, dict) and isinstance(
                dataloader.get('collate_fn'), dict):
            dataloader = copy.copy(dataloader)
            dataloader['collate_fn'] = {
                k: v for k, v in dataloader['collate_fn'].items()
                if k != '_scope_'}
        return Runner.build_dataloader(dataloader, *args, **kwargs)

    def build_optim_wrapper(self, optim_wrapper):
        if self._compile_options() is not None:
            optim_wrapper = fuse_optimizer(optim_wrapper)
        return super().build_optim_wrapper(optim_wrapper)

    def _compile_options(self):
        """The config's ``compile`` as a dict, or None when off."""
        options = self.cfg.get('compile', None)
        if options is None or options is False:
            return None
        if options is True:
            return {}
        if not isinstance(options, dict):
            raise TypeError(f'compile must be True, False or a dict of '
                            f'torch.compile options, got {options!r}')
        return dict(options)

    def _maybe_compile(self, target: str) -> None:
        # mmengine's would compile `train_step` (`target`) whole
        options = self._compile_options()
        if options is None:
            return
        compiled = compile_model(self.model, options)
        self.logger.info(f'Compiled {", ".join(compiled)} of the model; the '
                         'first iterations compile and are slower.')

    def load_or_resume(self) -> None:
        if self._resume and self._load_from is None \
                and not self._has_loaded:
            for tmp in glob.glob(osp.join(self.work_dir, '*.pth.tmp*')):
                self.logger.warning(
                    f'Removing {tmp}: a checkpoint write that did not end')
                try:
                    os.remove(tmp)
                except OSError:  # another process of this run removed it
                    pass
            found = checkpoints_in(self.work_dir)
            if found:
                self.logger.info(f'Auto-resume: newest checkpoint of the '
                                 f'work dir is {found[0]}')
                self._load_from = found[0]
        super().load_or_resume()

    def save_checkpoint(self, *args, **kwargs) -> None:
        with atomic_checkpoint_writes():
            super().save_checkpoint(*args, **kwargs)

    def resume(self, filename: str, *args, **kwargs) -> None:
        """Resume from a checkpoint of this run (trusted loading)."""
        for candidate in [filename] + older_checkpoints(filename):
            try:
                checkpoint = load_trusted_checkpoint(candidate, 'cpu')
            except Exception as e:  # unreadable: try the next older one
                self.logger.warning(
                    f'Checkpoint {candidate} cannot be read '
                    f'({type(e).__name__}: {str(e)[:120]}); trying an '
                    'older one.')
                continue
            if candidate != filename:
                self.logger.warning(
                    f'Resuming from {candidate}, the newest readable '
                    f'checkpoint, instead of {filename}.')
            self.logger.info(f'Resuming from {candidate}')
            # mmengine reads the file again unless handed what was read
            with trusted_local_checkpoints({candidate: checkpoint}):
                super().resume(candidate, *args, **kwargs)
            return
        raise RuntimeError(f'No readable checkpoint to resume from: '
                           f'{filename} and every older one beside it '
                           'failed to load.')
