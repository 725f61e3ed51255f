# Copyright (c) splitmask_mm authors. All rights reserved.
"""Target generators: what SplitMask inpaints for every patch.

A target generator maps a batch of (target-view) images ``(N, 3, H, W)``
to per-patch targets: ``(N, L)`` token ids, ``(N, K, h, w)`` codebook
logits (mmpretrain's ``DALL-E``), or ``(N, L, D)`` pixel targets. It is
frozen by :class:`SplitMask`.

Token targets come from a codebook of ``K`` vectors in patch space: a
patch's token is the entry of highest cosine similarity.

- :class:`RandomProjectionTokenizer` (the paper's default): ``K`` random
  vectors, uniform component-wise; no data, no training, no file.
- :class:`PatchVocabularyTokenizer`: a codebook built from the data
  (k-means centroids or random patches, ``tools/build_vocabulary.py``).
"""
import hashlib
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmpretrain.registry import MODELS
from ..vocabulary import load_vocabulary

PATCH_NORMS = ('none', 'center', 'center_channels')


def patchify(img: torch.Tensor, patch_size: int) -> torch.Tensor:
    """``(N, C, H, W)`` -> ``(N, L, patch_size**2 * C)``, raster order.

    A patch's vector is ordered (row, column, channel), as in MAE.
    """
    N, C, H, W = img.shape
    if H % patch_size or W % patch_size:
        raise ValueError(f'Image size {(H, W)} is not a multiple of the '
                         f'patch size {patch_size}')
    h, w = H // patch_size, W // patch_size
    x = img.reshape(N, C, h, patch_size, w, patch_size)
    x = torch.einsum('nchpwq->nhwpqc', x)
    return x.reshape(N, h * w, patch_size**2 * C)


def normalize_patches(patches: torch.Tensor, patch_norm: str,
                      channels: int = 3) -> torch.Tensor:
    """What a patch vector is compared with the codebook as.

    Args:
        patches (torch.Tensor): ``(..., D)`` patch vectors, channel last
            (as :func:`patchify` gives them).
        patch_norm (str): ``'none'``: as the data preprocessor gives them;
            ``'center'``: minus the patch's mean over all its values (its
            brightness; colour and texture stay); ``'center_channels'``:
            minus each channel's mean (colour goes too, texture stays).
            Scaling does not change a cosine arg-max, so centring is all a
            normalisation can add.
        channels (int): Channels per pixel. Defaults to 3.
    """
    if patch_norm == 'none':
        return patches
    if patch_norm == 'center':
        return patches - patches.mean(dim=-1, keepdim=True)
    if patch_norm == 'center_channels':
        x = patches.unflatten(-1, (-1, channels))
        return (x - x.mean(dim=-2, keepdim=True)).flatten(-2)
    raise ValueError(f'patch_norm must be one of {PATCH_NORMS}, got '
                     f'{patch_norm!r}')


def assign_tokens(patches: torch.Tensor,
                  codebook: torch.Tensor,
                  chunk_size: int = 1024) -> torch.Tensor:
    """Token of each patch: the codebook entry of highest cosine similarity.

    The codebook must be L2-normalised; a patch's own norm does not change
    its arg-max. Rows are processed in chunks of exactly ``chunk_size``
    (the last one zero-padded): BLAS picks other kernels for other matrix
    shapes, and a fixed shape makes a patch's token independent of how many
    images share its batch.

    Args:
        patches (torch.Tensor): ``(M, D)`` patch vectors.
        codebook (torch.Tensor): ``(K, D)`` L2-normalised entries.
        chunk_size (int): Rows per matrix product.

    Returns:
        torch.Tensor: ``(M,)`` int64 token ids.
    """
    M = patches.shape[0]
    patches = patches.to(codebook.dtype)
    tokens = torch.empty(M, dtype=torch.long, device=patches.device)
    chunk = patches.new_zeros(chunk_size, patches.shape[1])
    for start in range(0, M, chunk_size):
        rows = min(chunk_size, M - start)
        chunk[:rows] = patches[start:start + rows]
        if rows < chunk_size:
            chunk[rows:] = 0
        tokens[start:start + rows] = (chunk @ codebook.t())[:rows].argmax(1)
    return tokens


def uniform_codebook(num_tokens: int, dims: int, seed: int = 0,
                     low: float = 0., high: float = 1.) -> torch.Tensor:
    """``(num_tokens, dims)`` float32 entries, each component uniform in
    ``[low, high)``, the same bits on every machine and library version.

    Component ``i`` is a pure function of ``(seed, i)``: SplitMix64 (a
    64-bit integer hash, Steele et al. 2014) of the counter, its top 24 bits
    as an exact float32 fraction. torch's and numpy's generators make no
    promise that their streams stay the same across releases and devices;
    integer arithmetic does, so a codebook never needs to be stored: a run
    resumed on another machine, every process of a distributed run and a
    later evaluation all regenerate the identical entries
    (:func:`codebook_fingerprint` tells).
    """
    if num_tokens < 2 or dims < 1:
        raise ValueError(f'A codebook needs >= 2 entries of >= 1 dims, got '
                         f'{num_tokens} x {dims}')
    if not high > low:
        raise ValueError(f'uniform range [{low}, {high}) is empty')
    with np.errstate(over='ignore'):  # uint64 arithmetic wraps, as meant
        z = np.arange(num_tokens * dims, dtype=np.uint64)
        z += np.uint64(seed % 2**64) * np.uint64(0xD1B54A32D192ED03)
        z += np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    unit = (z >> np.uint64(40)).astype(np.float64) / 2.0**24  # exact
    values = (low + (high - low) * unit).astype(np.float32)
    return torch.from_numpy(values.reshape(num_tokens, dims))


def codebook_fingerprint(codebook: torch.Tensor) -> str:
    """First 16 hex digits of the SHA-256 of a codebook's float32 bytes."""
    data = codebook.detach().to('cpu', torch.float32).contiguous().numpy()
    return hashlib.sha256(data.tobytes()).hexdigest()[:16]


class CodebookTokenizer(BaseModule):
    """Token ids of the patches of an image from a codebook of entries.

    The common part of the token target generators: each patch of the
    (pre-processed) image, optionally centred (``patch_norm``), gets the id
    of the entry with the highest cosine similarity. The codebook is a
    buffer (it runs on the model's device) that is not saved in
    checkpoints: it comes from its definition (a seed or a file).

    Args:
        codebook (torch.Tensor): ``(K, D)`` entries (normalised here).
        patch_size (int): The model's patch size.
        patch_norm (str): See :func:`normalize_patches`.
        chunk_size (int): Patches per matrix product.
        output (str): ``'ids'``: ``(N, L)`` token ids (SplitMask);
            ``'logits'``: ``(N, K, h, w)`` cosine similarities whose arg-max
            over ``K`` are the ids, the interface of mmpretrain's ``DALL-E``
            that its ``BEiT``/``BEiTV1Head`` expect.
    """

    def __init__(self, codebook: torch.Tensor, patch_size: int,
                 patch_norm: str, chunk_size: int, output: str) -> None:
        super().__init__()
        if output not in ('ids', 'logits'):
            raise ValueError(f'{type(self).__name__}.output must be "ids" or '
                             f'"logits", got {output!r}')
        if patch_norm not in PATCH_NORMS:
            raise ValueError(f'{type(self).__name__}.patch_norm must be one '
                             f'of {PATCH_NORMS}, got {patch_norm!r}')
        if codebook.shape[1] != patch_size**2 * 3:
            raise ValueError(
                f'{type(self).__name__}: codebook entries have '
                f'{codebook.shape[1]} values but a {patch_size}px RGB patch '
                f'has {patch_size**2 * 3}')
        self.output = output
        self.patch_norm = patch_norm
        self.patch_size = patch_size
        self.chunk_size = chunk_size
        self.num_tokens = codebook.shape[0]
        self.register_buffer(
            'codebook', F.normalize(codebook.float(), dim=1),
            persistent=False)

    def check_compatible(self, num_classes: int, **preprocessing) -> None:
        """Refuse a head that predicts another number of classes."""
        if num_classes != self.num_tokens:
            raise ValueError(
                f'{type(self).__name__} gives {self.num_tokens} tokens but '
                f'the head predicts num_classes={num_classes}: set both to '
                'the same size.')

    @torch.no_grad()
    def forward(self, img: torch.Tensor) -> torch.Tensor:
        """Token ids ``(N, L)`` of the patches of ``img`` ``(N, 3, H, W)``,
        or their similarity maps ``(N, K, h, w)`` with ``output='logits'``."""
        # Always in fp32, also under AMP (`--amp`): the similarities of the
        # best entries are close, and the fp16/bf16 product autocast would
        # pick changes many tokens (tools/benchmark_vocabulary.py --amp
        # measures how many): label noise.
        with torch.autocast(img.device.type, enabled=False):
            patches = normalize_patches(
                patchify(img.float(), self.patch_size), self.patch_norm)
            N, L, D = patches.shape
            if self.output == 'logits':
                h, w = (s // self.patch_size for s in img.shape[-2:])
                cos = F.normalize(patches, dim=-1) @ self.codebook.t()
                return cos.transpose(1, 2).reshape(N, -1, h, w)
            tokens = assign_tokens(
                patches.reshape(N * L, D), self.codebook, self.chunk_size)
        return tokens.reshape(N, L)


@MODELS.register_module()
class RandomProjectionTokenizer(CodebookTokenizer):
    """The paper's targets: ``num_tokens`` random vectors, uniform
    component-wise; a patch's token is the one it matches best.

    Needs no data, no training and no file: a new data set is pre-trained
    with one command. The entries come from :func:`uniform_codebook`, bit
    for bit the same on every machine, process and library version, so
    they are regenerated rather than stored. Where the paper is silent
    (ours): the range ``[0, 1)`` (``torch.rand``'s, the literal reading),
    cosine similarity, and the patches as the data preprocessor gives them
    (ImageNet mean/std), no further normalisation. Of the variants measured
    on real photos (``tools/benchmark_vocabulary.py``: entries used, entropy
    of the ids, share of the most frequent id, ids kept under slight pixel
    noise), this one spread the patches best with the most stable ids; the
    README has the table.

    Args:
        num_tokens (int): Codebook size. Defaults to 8192 (the paper).
        patch_size (int): The model's patch size. Defaults to 16.
        seed (int): Seed of the entries. Defaults to 0.
        low (float): Lower end of the uniform range. Defaults to 0.
        high (float): Upper end of the uniform range. Defaults to 1.
        patch_norm (str): See :func:`normalize_patches`. Defaults to
            ``'none'``.
        chunk_size (int): Patches per matrix product. Defaults to 1024.
        output (str): ``'ids'`` or ``'logits'`` (see
            :class:`CodebookTokenizer`). Defaults to ``'ids'``.
    """

    def __init__(self,
                 num_tokens: int = 8192,
                 patch_size: int = 16,
                 seed: int = 0,
                 low: float = 0.,
                 high: float = 1.,
                 patch_norm: str = 'none',
                 chunk_size: int = 1024,
                 output: str = 'ids') -> None:
        codebook = uniform_codebook(num_tokens, patch_size**2 * 3, seed, low,
                                    high)
        super().__init__(codebook, patch_size, patch_norm, chunk_size, output)
        self.seed = seed
        self.fingerprint = codebook_fingerprint(codebook)

    def extra_repr(self) -> str:
        return (f'num_tokens={self.num_tokens}, seed={self.seed}, '
                f'patch_norm={self.patch_norm!r}, '
                f'fingerprint={self.fingerprint}')


@MODELS.register_module()
class PatchVocabularyTokenizer(CodebookTokenizer):
    """Token ids from a patch vocabulary built on the pre-training data.

    The vocabulary file comes from ``tools/build_vocabulary.py`` (k-means
    centroids or random patches of the data); its metadata must match the
    model (patch size here; vocabulary size, normalisation and channel
    order checked by :class:`SplitMask` through :meth:`check_compatible`).

    Args:
        vocabulary (str): Path of the vocabulary file.
        patch_size (int): The model's patch size. Defaults to 16.
        chunk_size (int): Patches per matrix product. Defaults to 1024.
        output (str): ``'ids'`` or ``'logits'`` (see
            :class:`CodebookTokenizer`). Defaults to ``'ids'``.
    """

    def __init__(self,
                 vocabulary: str,
                 patch_size: int = 16,
                 chunk_size: int = 1024,
                 output: str = 'ids') -> None:
        entries, meta = load_vocabulary(vocabulary)
        if meta['patch_size'] != patch_size:
            raise ValueError(
                f'Patch vocabulary {vocabulary} was built for '
                f'{meta["patch_size"]}px patches but the tokenizer is set '
                f'to patch_size={patch_size}; rebuild it for this model.')
        # entries were clustered on the patches as the preprocessor gives
        # them (vocabularies of older files have no patch_norm)
        super().__init__(entries, patch_size,
                         meta.get('patch_norm', 'none'), chunk_size, output)
        self.path = vocabulary
        self.meta = meta

    def check_compatible(self, num_classes: int,
                         mean: Optional[Sequence] = None,
                         std: Optional[Sequence] = None,
                         to_rgb: bool = False) -> None:
        """Refuse a model whose head or pre-processing differs from the
        ones the vocabulary was built for."""
        problems = []
        if num_classes != self.num_tokens:
            problems.append(f'it has {self.num_tokens} tokens but the head '
                            f'predicts num_classes={num_classes}')
        norm = self.meta['normalization']
        if mean is not None and not _close(norm.get('mean'), mean):
            problems.append(f'it was built with mean={norm.get("mean")}, '
                            f'the data preprocessor uses {list(mean)}')
        if std is not None and not _close(norm.get('std'), std):
            problems.append(f'it was built with std={norm.get("std")}, the '
                            f'data preprocessor uses {list(std)}')
        if bool(norm.get('to_rgb')) != bool(to_rgb):
            problems.append(f'it was built with to_rgb={norm.get("to_rgb")}, '
                            f'the data preprocessor uses to_rgb={to_rgb}')
        if problems:
            raise ValueError(f'Patch vocabulary {self.path} does not match '
                             'the model: ' + '; '.join(problems) +
                             '. Rebuild it with tools/build_vocabulary.py '
                             'from this config.')


@MODELS.register_module()
class NormalizedPixelTarget(BaseModule):
    """MAE-style pixel targets: each patch normalised by its own statistics.

    Args:
        patch_size (int): Patch size. Defaults to 16.
        norm_pix (bool): Normalise each patch to zero mean, unit variance
            (MAE's ``norm_pix_loss``). Defaults to True.
        eps (float): Added to the variance. Defaults to 1e-6.
    """

    def __init__(self,
                 patch_size: int = 16,
                 norm_pix: bool = True,
                 eps: float = 1e-6) -> None:
        super().__init__()
        self.patch_size = patch_size
        self.norm_pix = norm_pix
        self.eps = eps

    @torch.no_grad()
    def forward(self, img: torch.Tensor) -> torch.Tensor:
        """Per-patch targets ``(N, L, patch_size**2 * 3)``."""
        target = patchify(img.float(), self.patch_size)
        if self.norm_pix:
            mean = target.mean(dim=-1, keepdim=True)
            var = target.var(dim=-1, keepdim=True)
            target = (target - mean) / (var + self.eps)**.5
        return target


def _close(a: Optional[Sequence], b: Sequence, tol: float = 1e-3) -> bool:
    if a is None:
        return False
    a, b = [float(v) for v in a], [float(v) for v in b]
    return len(a) == len(b) and all(abs(x - y) <= tol for x, y in zip(a, b))
