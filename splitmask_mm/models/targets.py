# Copyright (c) splitmask_mm authors. All rights reserved.
"""Target generators: what SplitMask inpaints for every patch.

A target generator maps a batch of (target-view) images ``(N, 3, H, W)``
to per-patch targets: ``(N, L)`` token ids, ``(N, K, h, w)`` codebook
logits (mmpretrain's ``DALL-E``), or ``(N, L, D)`` pixel targets. It is
frozen by :class:`SplitMask`.
"""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmpretrain.registry import MODELS


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


@MODELS.register_module()
class PatchVocabularyTokenizer(BaseModule):
    """Token ids from a patch vocabulary built on the pre-training data.

    Each patch of the (pre-processed) image gets the id of the vocabulary
    entry with the highest cosine similarity in pixel space. The vocabulary
    file comes from ``tools/build_vocabulary.py``; its metadata must match
    the model (patch size here; vocabulary size, normalisation and channel
    order checked by :class:`SplitMask` through :meth:`check_compatible`).
    Runs on the model's device (the vocabulary is a buffer), without
    gradients.

    Args:
        vocabulary (str): Path of the vocabulary file.
        patch_size (int): The model's patch size. Defaults to 16.
        chunk_size (int): Patches per matrix product. Defaults to 1024.
        output (str): ``'ids'``: ``(N, L)`` token ids (SplitMask);
            ``'logits'``: ``(N, K, h, w)`` cosine similarities whose arg-max
            over ``K`` are the ids, the interface of mmpretrain's ``DALL-E``
            that its ``BEiT``/``BEiTV1Head`` expect. Defaults to ``'ids'``.
    """

    def __init__(self,
                 vocabulary: str,
                 patch_size: int = 16,
                 chunk_size: int = 1024,
                 output: str = 'ids') -> None:
        super().__init__()
        if output not in ('ids', 'logits'):
            raise ValueError('PatchVocabularyTokenizer.output must be "ids" '
                             f'or "logits", got {output!r}')
        self.output = output
        from ..vocabulary import load_vocabulary
        entries, meta = load_vocabulary(vocabulary)
        if meta['patch_size'] != patch_size:
            raise ValueError(
                f'Patch vocabulary {vocabulary} was built for '
                f'{meta["patch_size"]}px patches but the tokenizer is set '
                f'to patch_size={patch_size}; rebuild it for this model.')
        self.path = vocabulary
        self.meta = meta
        self.patch_size = patch_size
        self.chunk_size = chunk_size
        self.num_tokens = entries.shape[0]
        # Not saved in checkpoints: the file is the source of truth.
        self.register_buffer(
            'vocabulary', F.normalize(entries, dim=1), persistent=False)

    def check_compatible(self, num_classes: int, mean: Optional[Sequence],
                         std: Optional[Sequence], to_rgb: bool) -> None:
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

    @torch.no_grad()
    def forward(self, img: torch.Tensor) -> torch.Tensor:
        """Token ids ``(N, L)`` of the patches of ``img`` ``(N, 3, H, W)``,
        or their similarity maps ``(N, K, h, w)`` with ``output='logits'``."""
        from ..vocabulary import assign_tokens
        # Always in fp32, also under AMP (`--amp`): the similarities of the
        # best entries differ in the 3rd decimal, and the fp16 (bf16)
        # product autocast would pick changes 25% (46%) of the tokens of
        # real photos (measured, 8192 entries), i.e. label noise.
        with torch.autocast(img.device.type, enabled=False):
            patches = patchify(img.float(), self.patch_size)
            N, L, D = patches.shape
            if self.output == 'logits':
                h, w = (s // self.patch_size for s in img.shape[-2:])
                cos = F.normalize(patches, dim=-1) @ self.vocabulary.t()
                return cos.transpose(1, 2).reshape(N, -1, h, w)
            tokens = assign_tokens(
                patches.reshape(N * L, D), self.vocabulary, self.chunk_size)
        return tokens.reshape(N, L)


def _close(a: Optional[Sequence], b: Sequence, tol: float = 1e-3) -> bool:
    if a is None:
        return False
    a, b = [float(v) for v in a], [float(v) for v in b]
    return len(a) == len(b) and all(abs(x - y) <= tol for x, y in zip(a, b))
