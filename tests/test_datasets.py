# Copyright (c) splitmask_mm authors. All rights reserved.
import os

import pytest

from helpers import write_images

PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=64, backend='pillow'),
    dict(type='SplitMaskGenerator', input_size=4, patch_size=16),
    dict(type='PackInputs'),
]


def build(data_root, prefix='images/training', pipeline=PIPELINE):
    from mmpretrain.registry import DATASETS
    return DATASETS.build(
        dict(type='UnlabeledImageFolder', data_root=data_root,
             data_prefix=prefix, pipeline=pipeline))


def test_finds_images_recursively_in_every_format(registered, tmp_path):
    write_images(str(tmp_path / 'a'), 2, ext='.jpg')
    write_images(str(tmp_path / 'a' / 'b' / 'c'), 2, ext='.PNG')
    write_images(str(tmp_path / 'd'), 1, ext='.bmp')
    (tmp_path / 'notes.txt').write_text('not an image')
    ds = build(str(tmp_path), prefix='')
    assert len(ds) == 5
    assert all('img_path' in ds.get_data_info(i) and
               'gt_label' not in ds.get_data_info(i) for i in range(5))


def test_ade20k_layout_with_grey_and_rgba_images(registered, ade20k_root):
    ds = build(ade20k_root)
    assert len(ds) == 26  # 24 colour + 1 grey + 1 RGBA, annotations ignored
    for i in range(len(ds)):
        item = ds[i]
        assert tuple(item['inputs'].shape) == (3, 64, 64)
        assert item['data_samples'].mask.shape == (4, 4)


def test_missing_folder_is_named(registered, tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere'):
        build(str(tmp_path / 'nowhere'))


def test_empty_folder_is_refused(registered, tmp_path):
    os.makedirs(tmp_path / 'images' / 'training')
    with pytest.raises(RuntimeError, match='Found 0 files'):
        build(str(tmp_path))


@pytest.mark.parametrize('content', [b'', b'not a jpeg at all' * 10])
def test_corrupt_image_error_names_the_file(registered, tmp_path, content):
    folder = tmp_path / 'images' / 'training'
    write_images(str(folder), 2)
    bad = folder / 'broken.jpg'
    bad.write_bytes(content)
    ds = build(str(tmp_path))
    idx = [i for i in range(len(ds))
           if ds.get_data_info(i)['img_path'].endswith('broken.jpg')][0]
    with pytest.raises(RuntimeError, match='broken.jpg'):
        ds[idx]
