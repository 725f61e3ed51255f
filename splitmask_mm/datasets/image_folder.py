# Copyright (c) splitmask_mm authors. All rights reserved.
import os.path as osp
from typing import Sequence, Union

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
    missing folder and names the file when loading a sample fails.

    Args:
        data_root (str): Root of the data set. Defaults to ``''``.
        data_prefix (str | dict): Image folder relative to ``data_root``
            (``'images/training'``, or ``dict(img_path=...)``).
        extensions (Sequence[str]): Image file extensions, case-insensitive.
        **kwargs: Other ``CustomDataset``/``BaseDataset`` arguments
            (``pipeline``, ``indices``, ...).
    """

    def __init__(self,
                 data_root: str = '',
                 data_prefix: Union[str, dict] = '',
                 extensions: Sequence[str] = IMG_EXTENSIONS,
                 **kwargs) -> None:
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
        """Run the pipeline on one image; a failure names the file."""
        try:
            return super().prepare_data(idx)
        except Exception as e:
            path = self.get_data_info(idx).get('img_path')
            raise RuntimeError(
                f'Could not load or transform image {path}: '
                f'{type(e).__name__}: {e}') from e
