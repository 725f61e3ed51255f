# Copyright (c) splitmask_mm authors. All rights reserved.
"""Patch vocabulary files: the run-time format.

A patch vocabulary is a codebook built from the pre-training images (k-means
centroids or randomly sampled patches, ``tools/build_vocabulary.py``, with
:mod:`splitmask_mm.vocabulary_builder`); :class:`PatchVocabularyTokenizer`
reads it. Entries live in the space of the patches exactly as the model's
targets see them: the training crop after the data preprocessor (RGB,
normalised by mean/std), flattened (row, column, channel) as
:func:`splitmask_mm.models.targets.patchify` does.

File format (one ``torch.save`` file of tensors, strings and numbers, so it
loads with torch's safe ``weights_only`` loader)::

    {'format': FORMAT, 'vocabulary': (K, patch_size**2 * 3) float32,
     'meta': {'patch_size', 'num_tokens', 'normalization': {'mean', 'std',
              'to_rgb'}, 'method', 'source', 'seed', 'num_patches', ...}}
"""
import os
import os.path as osp
from typing import Dict, Tuple

import torch

FORMAT = 'splitmask_mm.patch_vocabulary.v1'
REQUIRED_META = ('patch_size', 'num_tokens', 'normalization', 'method')


def save_vocabulary(path: str, vocabulary: torch.Tensor, meta: dict) -> None:
    """Write a vocabulary and its metadata (atomically: write, rename)."""
    vocabulary = torch.as_tensor(vocabulary, dtype=torch.float32)
    missing = [k for k in REQUIRED_META if k not in meta]
    if missing:
        raise ValueError(f'vocabulary metadata lacks {missing}')
    meta = dict(meta, num_tokens=int(vocabulary.shape[0]))
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.tmp{os.getpid()}'
    torch.save(
        dict(format=FORMAT, vocabulary=vocabulary.contiguous(), meta=meta),
        tmp)
    os.replace(tmp, path)


def load_vocabulary(path: str) -> Tuple[torch.Tensor, Dict]:
    """Read a vocabulary file written by :func:`save_vocabulary`.

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: the file is corrupt or not a patch vocabulary.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'Patch vocabulary not found: {path}. Build it first with '
            f'`python tools/build_vocabulary.py CONFIG --out {path}`.')
    try:
        data = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as e:
        raise ValueError(f'Patch vocabulary {path} is corrupt or not a '
                         f'vocabulary file ({type(e).__name__}: {e}); '
                         'rebuild it with tools/build_vocabulary.py.') from e
    if not isinstance(data, dict) or data.get('format') != FORMAT:
        raise ValueError(f'{path} is not a patch vocabulary of format '
                         f'{FORMAT!r}; rebuild it with '
                         'tools/build_vocabulary.py.')
    vocabulary, meta = data.get('vocabulary'), data.get('meta', {})
    missing = [k for k in REQUIRED_META if k not in meta]
    if not isinstance(vocabulary, torch.Tensor) or vocabulary.dim() != 2 \
            or missing:
        raise ValueError(f'Patch vocabulary {path} is incomplete '
                         f'(missing metadata {missing} or tensor).')
    if vocabulary.shape[0] != meta['num_tokens'] or \
            vocabulary.shape[1] != meta['patch_size']**2 * 3:
        raise ValueError(
            f'Patch vocabulary {path}: tensor {tuple(vocabulary.shape)} '
            f'disagrees with its metadata (num_tokens={meta["num_tokens"]}, '
            f'patch_size={meta["patch_size"]}).')
    return vocabulary.float(), meta
