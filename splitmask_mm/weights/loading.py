# Copyright (c) splitmask_mm authors. All rights reserved.
"""Reading weights and training checkpoints with torch's safe loader."""
import os.path as osp
from typing import Dict

import numpy as np
import torch
from numpy import dtypes


def load_weights_file(path: str, map_location: str = 'cpu') -> dict:
    """A weights file (local path or http(s) URL) with torch's safe loader.

    Raises:
        FileNotFoundError: no such local file.
        ValueError: the file holds more than tensors and plain containers
            (e.g. pickled objects that could run code), or is corrupt.
    """
    if path.startswith(('http://', 'https://')):
        from torch.hub import download_url_to_file, get_dir
        local = osp.join(get_dir(), 'checkpoints', osp.basename(path))
        if not osp.isfile(local):
            download_url_to_file(path, local)
        path = local
    if not osp.isfile(path):
        raise FileNotFoundError(f'Weights file not found: {path}')
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:
        raise ValueError(
            f'{path} could not be loaded as plain weights (torch '
            f'weights_only): {type(e).__name__}: {str(e)[:300]}. Convert a '
            'training checkpoint with tools/convert_checkpoint.py first.'
        ) from e


class _Dropped:
    """Stands in for the logging objects of a training checkpoint."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __setstate__(self, state) -> None:
        pass


def _dropped(*args, **kwargs) -> None:
    return None


def load_training_checkpoint(path: str, map_location='cpu') -> dict:
    """An mmengine training checkpoint (possibly someone else's), read with
    torch's safe loader: no code in the file runs.

    mmengine pickles its message hub (``HistoryBuffer`` objects, whose
    state holds bound methods, i.e. ``getattr``) into every checkpoint, so
    torch's weights-only loader refuses it and mmengine's answer is full
    unpickling. Here the history buffers and ``getattr`` are mapped to inert
    stand-ins and the numpy arrays they hold are allowed (numpy's own
    reconstructors, which run no user code); weights, optimizer state and
    meta come back intact; the message hub comes back empty.
    """
    multiarray = np._core.multiarray
    allowed = [multiarray._reconstruct, multiarray.scalar, np.ndarray,
               np.dtype]
    allowed += [getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')]
    allowed += [
        # as numpy 1.x wrote them
        (multiarray._reconstruct, 'numpy.core.multiarray._reconstruct'),
        (multiarray.scalar, 'numpy.core.multiarray.scalar'),
        (_Dropped, 'mmengine.logging.history_buffer.HistoryBuffer'),
        (_dropped, 'builtins.getattr'),
    ]
    if not osp.isfile(path):
        raise FileNotFoundError(f'Checkpoint not found: {path}')
    try:
        with torch.serialization.safe_globals(allowed):
            return torch.load(path, map_location=map_location,
                              weights_only=True)
    except Exception as e:
        raise ValueError(
            f'{path} could not be read as a training checkpoint with torch\'s '
            f'safe loader: {type(e).__name__}: {str(e)[:300]}') from e


def state_dict_of(checkpoint: dict) -> Dict[str, torch.Tensor]:
    """The tensors of a checkpoint's ``state_dict`` (or of a plain one)."""
    if isinstance(checkpoint, dict) and 'state_dict' in checkpoint:
        checkpoint = checkpoint['state_dict']
    if not isinstance(checkpoint, dict):
        raise ValueError('checkpoint holds no state dict')
    return {k: v for k, v in checkpoint.items() if isinstance(v, torch.Tensor)}
