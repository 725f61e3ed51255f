# Copyright (c) splitmask_mm authors. All rights reserved.
"""Building patch vocabularies offline, and measuring token usage.

Used by ``tools/build_vocabulary.py`` (and the benchmarks), not at training
time: k-means needs faiss, and the builders print progress. The run-time
side (file format, token assignment) is :mod:`splitmask_mm.vocabulary` and
:mod:`splitmask_mm.models.targets`.
"""
import time
from typing import Dict, Optional

import numpy as np
import torch
import torch.nn.functional as F

from .models.targets import assign_tokens, normalize_patches


def token_usage(tokens: torch.Tensor, num_tokens: int) -> Dict[str, float]:
    """How a tokenizer spreads patches over its codebook.

    Args:
        tokens (torch.Tensor): Token ids of many patches.
        num_tokens (int): Codebook size.

    Returns:
        dict: ``used`` (entries given to at least one patch), ``used_share``,
        ``entropy_bits`` of the id distribution (``log2(num_tokens)`` at
        most: every entry equally often), ``perplexity`` (``2**entropy``,
        the number of equally used entries that would give that entropy)
        and ``top1_share`` (share of the most frequent id), over
        ``patches`` patches.
    """
    counts = torch.bincount(tokens.flatten().long(), minlength=num_tokens)
    counts = counts.double()
    p = counts[counts > 0] / counts.sum()
    entropy = float(-(p * p.log2()).sum())
    return dict(
        patches=int(counts.sum()),
        used=int((counts > 0).sum()),
        used_share=float((counts > 0).double().mean()),
        entropy_bits=entropy,
        max_entropy_bits=float(np.log2(num_tokens)),
        perplexity=float(2**entropy),
        top1_share=float(p.max()))


def format_usage(usage: Dict[str, float]) -> str:
    """One line: used entries, entropy, perplexity, top share."""
    return (f'{usage["used"]} of {round(2**usage["max_entropy_bits"])} '
            f'entries used ({usage["used_share"]:.1%}), entropy '
            f'{usage["entropy_bits"]:.2f} of {usage["max_entropy_bits"]:.2f} '
            f'bits (perplexity {usage["perplexity"]:.0f}), most frequent '
            f'token {usage["top1_share"]:.2%} of {usage["patches"]} patches')


def codebook_usage(patches: torch.Tensor, codebook: torch.Tensor,
                   patch_norm: str = 'none') -> Dict[str, float]:
    """:func:`token_usage` of ``patches`` ``(M, D)`` on a codebook."""
    patches = normalize_patches(torch.as_tensor(patches).float(), patch_norm)
    tokens = assign_tokens(patches, F.normalize(codebook.float(), dim=1))
    return token_usage(tokens, codebook.shape[0])


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
