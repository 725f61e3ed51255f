# Copyright (c) splitmask_mm authors. All rights reserved.
"""Patch vocabularies: SplitMask's targets built from the user's own images.

The paper shows that BEiT's DALL-E tokenizer (trained on 250M images) can
be replaced by a vocabulary of patches of the pre-training data: k-means
centroids, or randomly sampled patches. A patch's token is the entry of
highest cosine similarity in pixel space. Patches are taken exactly as the
model's targets see them: the training crop after the data preprocessor
(RGB, normalised by mean/std), flattened (row, column, channel) as
:func:`splitmask_mm.models.targets.patchify` does.

File format (one ``torch.save`` file of tensors, strings and numbers, so it
loads with torch's safe ``weights_only`` loader)::

    {'format': FORMAT, 'vocabulary': (K, patch_size**2 * 3) float32,
     'meta': {'patch_size', 'num_tokens', 'normalization': {'mean', 'std',
              'to_rgb'}, 'method', 'source', 'seed', 'num_patches', ...}}
"""
import os
import os.path as osp
import time
from typing import Dict, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F

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


def assign_tokens(patches: torch.Tensor,
                  vocabulary: torch.Tensor,
                  chunk_size: int = 1024) -> torch.Tensor:
    """Token of each patch: the vocabulary entry of highest cosine similarity.

    The vocabulary must be L2-normalised; a patch's own norm does not change
    its arg-max. Rows are processed in chunks of exactly ``chunk_size``
    (the last one zero-padded): BLAS picks other kernels for other matrix
    shapes, and a fixed shape makes a patch's token independent of how many
    images share its batch.

    Args:
        patches (torch.Tensor): ``(M, D)`` patch vectors.
        vocabulary (torch.Tensor): ``(K, D)`` L2-normalised entries.
        chunk_size (int): Rows per matrix product.

    Returns:
        torch.Tensor: ``(M,)`` int64 token ids.
    """
    M = patches.shape[0]
    patches = patches.to(vocabulary.dtype)
    tokens = torch.empty(M, dtype=torch.long, device=patches.device)
    chunk = patches.new_zeros(chunk_size, patches.shape[1])
    for start in range(0, M, chunk_size):
        rows = min(chunk_size, M - start)
        chunk[:rows] = patches[start:start + rows]
        if rows < chunk_size:
            chunk[rows:] = 0
        tokens[start:start + rows] = (chunk @ vocabulary.t())[:rows].argmax(1)
    return tokens


def random_vocabulary(patches: np.ndarray, size: int,
                      seed: int = 0) -> np.ndarray:
    """``size`` distinct patches drawn at random, L2-normalised."""
    if len(patches) < size:
        raise ValueError(f'Need at least {size} patches for a vocabulary of '
                         f'{size}, got {len(patches)}')
    rng = np.random.default_rng(seed)
    picked = patches[rng.choice(len(patches), size, replace=False)]
    return _normalize(picked)


def kmeans_vocabulary(patches: np.ndarray,
                      size: int,
                      iters: int = 20,
                      seed: int = 0,
                      pca_dims: Optional[int] = 64,
                      max_points_per_centroid: int = 64,
                      verbose: bool = True) -> np.ndarray:
    """Spherical k-means centroids of patches (faiss), in pixel space.

    Patches are L2-normalised, so clustering follows cosine similarity. To
    fit 8192 centroids on a million 768-d patches in minutes on a CPU, the
    clustering runs on a PCA projection (``pca_dims``; natural-image patches
    are strongly correlated, a few dozen components hold most of their
    energy) and on at most ``max_points_per_centroid * size`` patches; then
    every patch is assigned to its nearest centroid and each entry of the
    vocabulary is the normalised mean of its patches in full pixel space.
    ``pca_dims=None`` (or >= the patch dimension) clusters in pixel space.

    Args:
        patches (np.ndarray): ``(M, D)`` float32 patch vectors.
        size (int): Vocabulary size.
        iters (int): k-means iterations.
        seed (int): Seed of faiss's initialisation and sub-sampling.
        pca_dims (int, optional): Dimensions of the projection.
        max_points_per_centroid (int): Sub-sampling of the k-means training.
        verbose (bool): Let faiss print each iteration.

    Returns:
        np.ndarray: ``(size, D)`` float32, L2-normalised rows.
    """
    import faiss

    if len(patches) < size:
        raise ValueError(f'Need at least {size} patches for {size} '
                         f'clusters, got {len(patches)}')
    x = _normalize(np.ascontiguousarray(patches, dtype=np.float32))
    dims = x.shape[1]
    projected = x
    if pca_dims and pca_dims < dims:
        pca = faiss.PCAMatrix(dims, pca_dims)
        rng = np.random.default_rng(seed)
        sample = x[rng.choice(len(x), min(len(x), 200_000), replace=False)]
        pca.train(sample)
        projected = _normalize(pca.apply(x))
    kmeans = faiss.Kmeans(
        projected.shape[1],
        size,
        niter=iters,
        seed=seed,
        spherical=True,
        verbose=verbose,
        max_points_per_centroid=max_points_per_centroid)
    start = time.time()
    kmeans.train(projected)
    _, labels = kmeans.index.search(projected, 1)
    labels = labels[:, 0]
    if verbose:
        print(f'[vocabulary] k-means {time.time() - start:.1f} s; assigning '
              f'{len(x)} patches to {size} centroids done', flush=True)
    sums = torch.zeros(size, dims, dtype=torch.float64).index_add_(
        0, torch.from_numpy(labels), torch.from_numpy(x).double())
    counts = np.bincount(labels, minlength=size)
    empty = np.flatnonzero(counts == 0)
    if len(empty):  # rare with faiss's re-seeding; fill with random patches
        rng = np.random.default_rng(seed + 1)
        sums[empty] = torch.from_numpy(
            x[rng.choice(len(x), len(empty), replace=False)]).double()
    return _normalize(sums.float().numpy())


def _normalize(x: np.ndarray) -> np.ndarray:
    return F.normalize(torch.from_numpy(np.asarray(x)), dim=1).numpy()
