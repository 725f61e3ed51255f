# Copyright (c) splitmask_mm authors. All rights reserved.
import logging
import os.path as osp
from typing import Sequence, Union

from mmengine.logging import print_log
from mmengine.runner import set_random_seed
from mmpretrain.datasets import CustomDataset
from mmpretrain.registry import DATASETS

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif',
                  '.tiff', '.webp')


@DATASETS.register_module()
class UnlabeledImageFolder(CustomDataset):
    """Every image under a folder, searched recursively; no labels.

    The pre-training data of SplitMask: ADE20K's ``images/training``,
    COCO's ``train2017``, ImageNet's ``train`` (class sub-folders are just
    walked) or any folder of one's own. Built on mmpretrain's
    ``CustomDataset`` with ``with_label=False``; adds a clear error for a
    missing folder, names the file when loading a sample fails (or skips
    it, ``bad_images='skip'``), and applies the augmentation seed that
    :class:`ResumableInfiniteSampler` hands with each index, so a resumed
    run draws the same crops and splits.

    Args:
        data_root (str): Root of the data set. Defaults to ``''``.
        data_prefix (str | dict): Image folder relative to ``data_root``
            (``'images/training'``, or ``dict(img_path=...)``).
        extensions (Sequence[str]): Image file extensions, case-insensitive.
        bad_images (str): What a file that cannot be loaded or transformed
            does: ``'fail'`` stops training with its name; ``'skip'`` logs a
            warning naming it and trains on another image in its place
            (drawn with the sample's seed, so still reproducible); the
            sample's ``skipped_images`` meta lists it, for
            :class:`SkippedImagesHook`'s count. Defaults to ``'fail'``.
        **kwargs: Other ``CustomDataset``/``BaseDataset`` arguments
            (``pipeline``, ``indices``, ...).
    """

    def __init__(self,
                 data_root: str = '',
                 data_prefix: Union[str, dict] = '',
                 extensions: Sequence[str] = IMG_EXTENSIONS,
                 bad_images: str = 'fail',
                 **kwargs) -> None:
        if bad_images not in ('fail', 'skip'):
            raise ValueError(
                "UnlabeledImageFolder.bad_images must be 'fail' or 'skip', "
                f'got {bad_images!r}.')
        self.bad_images = bad_images
        prefix = data_prefix.get('img_path', '') \
            if isinstance(data_prefix, dict) else data_prefix
        folder = osp.join(data_root, prefix)
        if '://' not in folder and not osp.isdir(folder):
            raise FileNotFoundError(
                f'Image folder not found: {folder!r} (data_root='
                f'{data_root!r}, data_prefix={prefix!r}). Put the images '
                'there or set train_dataloader.dataset.data_root.')
        super().__init__(
            data_root=data_root,
            data_prefix=data_prefix,
            ann_file='',
            with_label=False,
            extensions=tuple(extensions),
            **kwargs)

    def prepare_data(self, idx: int):
        """Run the pipeline on one image, seeded by the index's seed if it
        has one; a failure names the file (or skips it)."""
        seed = getattr(idx, 'seed', None)
        idx = int(idx)
        if seed is not None:  # the same draws whichever worker runs it
            set_random_seed(seed)
        skipped = []
        for _ in range(self.max_refetch + 1):
            try:
                data = super().prepare_data(idx)
            except Exception as e:
                path = self.get_data_info(idx).get('img_path')
                message = (f'Could not load or transform image {path}: '
                           f'{type(e).__name__}: {e}')
                if self.bad_images == 'fail':
                    raise RuntimeError(
                        message + " (train_dataloader.dataset.bad_images="
                        "'skip' trains on without it)") from e
                print_log(message + '; skipped, another image takes its '
                          'place', logger='current', level=logging.WARNING)
                skipped.append(path)
                idx = self._rand_another()
                continue
            if skipped and isinstance(data, dict) and hasattr(
                    data.get('data_samples'), 'set_metainfo'):
                data['data_samples'].set_metainfo(
                    dict(skipped_images=skipped))
            return data
        raise RuntimeError(
            f'{len(skipped)} images in a row could not be loaded, the last '
            f'{skipped[-1]}: is the data set readable at all? (python '
            'tools/check_dataset.py CONFIG lists every bad file)')
