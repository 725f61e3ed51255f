# Copyright (c) splitmask_mm authors. All rights reserved.
import os.path as osp
from contextlib import contextmanager
from typing import Iterator

import torch
from mmengine.registry import RUNNERS
from mmengine.runner import CheckpointLoader, Runner


def load_trusted_checkpoint(filename: str, map_location=None):
    """Fully unpickle a local checkpoint: only for files your own runs wrote
    (mmengine pickles its message hub into them)."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint {filename} can not be found.')
    return torch.load(filename, map_location=map_location, weights_only=False)


@contextmanager
def trusted_local_checkpoints() -> Iterator[None]:
    """Let mmengine fully unpickle local checkpoints inside this block.

    torch >= 2.6 loads with ``weights_only=True`` by default, which refuses
    mmengine's own checkpoints (they pickle the message hub's
    ``HistoryBuffer`` and more). Rather than turning the safe loader off for
    every file (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``), the trusted loader
    is swapped in only while a run resumes from its own checkpoint;
    pre-trained and converted weights keep the safe loader.
    """
    schemes = CheckpointLoader._schemes
    original = schemes['']
    schemes[''] = load_trusted_checkpoint
    try:
        yield
    finally:
        schemes[''] = original


@RUNNERS.register_module()
class SplitMaskRunner(Runner):
    """mmengine's ``Runner`` that can resume its own checkpoints on
    torch >= 2.6 without disabling safe loading elsewhere."""

    def resume(self, filename: str, *args, **kwargs) -> None:
        """Resume from a checkpoint of this run (trusted loading)."""
        self.logger.info(f'Resuming from {filename}')
        with trusted_local_checkpoints():
            super().resume(filename, *args, **kwargs)
