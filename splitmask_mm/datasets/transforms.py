# Copyright (c) splitmask_mm authors. All rights reserved.
import math
from typing import Optional, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmpretrain.datasets.transforms import BEiTMaskGenerator, ColorJitter
from mmpretrain.registry import TRANSFORMS


class _BlockSampler(BEiTMaskGenerator):
    """mmpretrain's ``BEiTMaskGenerator`` with BEiT's block positions.

    mmpretrain draws a block's top-left corner with numpy's ``randint(0,
    H - h)``, whose upper end is exclusive, where BEiT's own code uses
    Python's inclusive ``random.randint(0, H - h)``: no block ever reaches
    the last row or column, so at 50% subset A would never hold a patch of
    the bottom row or the right column. Same draws otherwise.
    """

    def _mask(self, mask: np.ndarray, max_mask_patches: int) -> int:
        delta = 0
        for _ in range(10):
            target_area = np.random.uniform(self.min_num_patches,
                                            max_mask_patches)
            aspect_ratio = math.exp(np.random.uniform(*self.log_aspect_ratio))
            h = int(round(math.sqrt(target_area * aspect_ratio)))
            w = int(round(math.sqrt(target_area / aspect_ratio)))
            if w < self.width and h < self.height:
                top = np.random.randint(0, self.height - h + 1)
                left = np.random.randint(0, self.width - w + 1)
                block = mask[top:top + h, left:left + w]
                if 0 < h * w - block.sum() <= max_mask_patches:
                    delta = int(h * w - block.sum())
                    block[...] = 1
                if delta > 0:
                    break
        return delta


@TRANSFORMS.register_module()
class SplitMaskGenerator(BaseTransform):
    """Split the patch grid of an image into two complementary subsets.

    Subset A gets ``round(ratio * h * w)`` patches, subset B all the others;
    every image gets its own split. Randomness comes from numpy's global
    generator, which mmengine seeds per process and per data-loader worker,
    so splits are reproducible under ``randomness=dict(seed=...)``.

    **Required Keys**: ``img`` (only read when ``patch_size`` is given)

    **Added Keys**: ``mask``: ``(h, w)`` bool array, True on subset B (the
    patches hidden from branch A), False on subset A. ``PackInputs``
    carries it into ``DataSample.mask``.

    Args:
        input_size (int | tuple): Patch grid ``(h, w)``, e.g. 14 for a
            224px image with 16px patches.
        ratio (float): Share of the grid in subset A, in (0, 1). 0.5 splits
            in halves (the paper's default); 0.25 hides 75% from branch A
            (the paper's choice for the smallest data sets, with
            ``mode='random'``). Defaults to 0.5.
        mode (str): ``'block'`` draws A as BEiT's blockwise masking does
            (rectangles of ``min_num_patches`` to ``max_num_patches``
            patches until A has its count; the paper's default);
            ``'random'`` draws A uniformly among all patches. B is always
            the exact complement. Defaults to ``'block'``.
        patch_size (int, optional): If given, the image must be exactly
            ``input_size * patch_size`` pixels; checked on every sample.
        min_num_patches (int): Smallest block in ``'block'`` mode.
            Defaults to 16 (the paper, BEiT).
        max_num_patches (int, optional): Largest block in ``'block'`` mode;
            None: up to the patches A still needs. Defaults to 75 (the
            paper, BEiT).
        min_aspect (float): Smallest block aspect ratio in ``'block'``
            mode. Defaults to 0.3 (BEiT).
        max_aspect (float, optional): Largest block aspect ratio in
            ``'block'`` mode. Defaults to ``1 / min_aspect``.
    """

    def __init__(self,
                 input_size: Union[int, Tuple[int, int]],
                 ratio: float = 0.5,
                 mode: str = 'block',
                 patch_size: Optional[int] = None,
                 min_num_patches: int = 16,
                 max_num_patches: Optional[int] = 75,
                 min_aspect: float = 0.3,
                 max_aspect: Optional[float] = None) -> None:
        if isinstance(input_size, int):
            input_size = (input_size, input_size)
        self.height, self.width = (int(s) for s in input_size)
        if self.height < 1 or self.width < 1:
            raise ValueError('SplitMaskGenerator.input_size must be positive,'
                             f' got {input_size}')
        self.num_patches = self.height * self.width
        if not isinstance(ratio, (int, float)) or not 0 < ratio < 1:
            raise ValueError('SplitMaskGenerator.ratio is the share of '
                             'subset A and must lie strictly between 0 and '
                             f'1, got {ratio!r}')
        self.ratio = float(ratio)
        self.num_a = int(round(self.ratio * self.num_patches))
        if not 0 < self.num_a < self.num_patches:
            raise ValueError(
                f'SplitMaskGenerator.ratio={ratio} of a {self.height}x'
                f'{self.width} grid leaves subset A or B empty '
                f'({self.num_a} of {self.num_patches} patches in A)')
        if mode not in ('random', 'block'):
            raise ValueError('SplitMaskGenerator.mode must be "random" or '
                             f'"block", got {mode!r}')
        self.mode = mode
        self.patch_size = patch_size
        if max_num_patches is not None and max_num_patches < min_num_patches:
            raise ValueError(
                f'SplitMaskGenerator.max_num_patches={max_num_patches} is '
                f'below min_num_patches={min_num_patches}')
        if min_num_patches < 1:
            raise ValueError('SplitMaskGenerator.min_num_patches must be >= '
                             f'1, got {min_num_patches}')
        self.min_num_patches = min_num_patches
        self.max_num_patches = max_num_patches
        self.min_aspect = min_aspect
        self.max_aspect = max_aspect
        if mode == 'block':
            # BEiT's blockwise sampler draws exactly num_a patches; reuse it.
            self._block_sampler = _BlockSampler(
                input_size=(self.height, self.width),
                num_masking_patches=self.num_a,
                min_num_patches=min(min_num_patches, self.num_a),
                max_num_patches=max_num_patches,
                min_aspect=min_aspect,
                max_aspect=max_aspect)

    def _check_image_size(self, results: dict) -> None:
        img = results['img']
        if isinstance(img, (list, tuple)):  # two views: the first is encoded
            img = img[0]
        expected = (self.height * self.patch_size,
                    self.width * self.patch_size)
        if tuple(img.shape[:2]) != expected:
            raise ValueError(
                f'SplitMaskGenerator: image {results.get("img_path", "")} is '
                f'{tuple(img.shape[:2])} pixels but input_size='
                f'{(self.height, self.width)} with patch_size='
                f'{self.patch_size} expects {expected}; crop or resize the '
                'image to that size before this transform.')

    def transform(self, results: dict) -> dict:
        """Write ``results['mask']``, True on subset B."""
        if self.patch_size is not None:
            self._check_image_size(results)
        if self.mode == 'random':
            in_a = np.zeros(self.num_patches, dtype=bool)
            in_a[np.random.permutation(self.num_patches)[:self.num_a]] = True
            in_a = in_a.reshape(self.height, self.width)
        else:
            in_a = self._block_sampler({})['mask'].astype(bool)
        results['mask'] = ~in_a
        return results

    def __repr__(self) -> str:
        repr_str = self.__class__.__name__
        repr_str += f'(input_size={(self.height, self.width)}, '
        repr_str += f'ratio={self.ratio}, '
        repr_str += f'num_a={self.num_a}, '
        repr_str += f'mode={self.mode!r}, '
        repr_str += f'patch_size={self.patch_size}, '
        repr_str += f'min_num_patches={self.min_num_patches}, '
        repr_str += f'max_num_patches={self.max_num_patches}, '
        repr_str += f'min_aspect={self.min_aspect}, '
        repr_str += f'max_aspect={self.max_aspect})'
        return repr_str


def adjust_hue(img: np.ndarray, hue_factor: float,
               backend: str = 'pillow') -> np.ndarray:
    """``mmcv.adjust_hue`` that works under numpy 2.

    mmcv 2.1 shifts the uint8 hue channel by ``np.uint8(hue_factor * 255)``:
    numpy 1 wrapped a negative shift (-3 -> 253), numpy 2 raises
    ``OverflowError`` instead, so every negative hue jitter failed (half of
    them) and the sample was dropped as unreadable. The shift here is
    wrapped modulo 256 first: the same pixels as mmcv under numpy 1.
    """
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f'hue_factor:{hue_factor} is not in [-0.5, 0.5].')
    shift = np.uint8(int(hue_factor * 255) % 256)
    if backend == 'pillow':
        from PIL import Image
        pil = Image.fromarray(np.ascontiguousarray(img[..., ::-1]), 'RGB')
        h, s, v = pil.convert('HSV').split()
        h = Image.fromarray(np.array(h, dtype=np.uint8) + shift, 'L')
        out = Image.merge('HSV', (h, s, v)).convert('RGB')
        return np.array(out, dtype=img.dtype)[..., ::-1]
    import cv2
    dtype = img.dtype
    h, s, v = cv2.split(cv2.cvtColor(img.astype(np.uint8),
                                     cv2.COLOR_BGR2HSV_FULL))
    hsv = cv2.merge([h.astype(np.uint8) + shift, s, v])
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR_FULL).astype(dtype)


@TRANSFORMS.register_module()
class ColorJitterWrappedHue(ColorJitter):
    """mmpretrain's ``ColorJitter`` with a hue step that works under
    numpy 2 (see :func:`adjust_hue`); same arguments, same random draws,
    same results as mmpretrain's under numpy 1."""

    def transform(self, results: dict) -> dict:
        import mmcv
        img = results['img']
        order, brightness, contrast, saturation, hue = self._rand_params()
        for index in order:  # mmpretrain's loop, our hue
            if index == 0 and brightness is not None:
                img = mmcv.adjust_brightness(img, brightness,
                                             backend=self.backend)
            elif index == 1 and contrast is not None:
                img = mmcv.adjust_contrast(img, contrast,
                                           backend=self.backend)
            elif index == 2 and saturation is not None:
                img = mmcv.adjust_color(img, alpha=saturation,
                                        backend=self.backend)
            elif index == 3 and hue is not None:
                img = adjust_hue(img, hue, backend=self.backend)
        results['img'] = img
        return results
