# Copyright (c) splitmask_mm authors. All rights reserved.
"""The digit-scenes data set of the study: labels where the ink is, real
loaders read both layouts, training and validation from disjoint scans."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from splitmask_mm.digit_scenes import (CLASSES, load_digits, make_scene,
                                       split_sources, write_digit_scenes)


@pytest.fixture(scope='module')
def scenes(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('digits') / 'scenes')
    record = write_digit_scenes(root, num_train=24, num_val=8, seed=3,
                                log=lambda msg: None)
    return root, record


def test_masks_cover_their_digit_ink_and_nothing_of_the_others():
    digits, labels = load_digits()
    pool = split_sources(len(digits), 0.3, seed=0)['training']
    rng = np.random.default_rng(0)
    for _ in range(30):
        scene = make_scene(rng, digits, labels, pool, num_digits=(2, 3))
        union = np.zeros_like(scene['label'], bool)
        for inst in scene['instances']:
            mask, ink = inst['mask'], inst['ink']
            # the mask is where this digit's scan leaves ink, widened by
            # one pixel: all of its ink, and nothing beyond that margin
            ink_mask = ink > 0.25
            assert (mask >= ink_mask).all()
            grown = cv2.dilate(ink_mask.astype(np.uint8),
                               np.ones((3, 3), np.uint8)).astype(bool)
            assert np.array_equal(mask, grown)
            # and the label map says this digit there, and only there
            assert (scene['label'][mask] == inst['digit'] + 1).all()
            assert not (union & mask).any()  # digits never overlap
            union |= mask
            x, y, w, h = inst['bbox']
            ys, xs = np.nonzero(mask)
            assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == \
                (x, y, x + w, y + h)
        assert ((scene['label'] > 0) == union).all()
        # the ink shows in the image: digit pixels differ from the
        # background around them
        if scene['instances']:
            img = scene['img'].astype(float)
            inside = img[union].mean(0)
            outside = img[~union].mean(0)
            assert np.abs(inside - outside).max() > 10


def test_splits_draw_from_disjoint_scans(scenes):
    root, record = scenes
    train, val = (set(record['sources'][s]) for s in
                  ('training', 'validation'))
    assert train and val and not train & val
    assert len(train) + len(val) == 1797
    assert record['counts']['training']['images'] == 24


def test_written_files_agree_and_are_deterministic(scenes, tmp_path):
    root, _ = scenes
    for split, coco in (('training', 'train2017'), ('validation', 'val2017')):
        with open(osp.join(root, 'annotations',
                           f'instances_{coco}.json')) as f:
            ann = json.load(f)
        from pycocotools import mask as mask_utils
        for image in ann['images'][:6]:
            name = osp.splitext(image['file_name'])[0]
            label = cv2.imread(osp.join(root, 'annotations', split,
                                        name + '.png'), cv2.IMREAD_UNCHANGED)
            assert osp.isfile(osp.join(root, coco, image['file_name']))
            instances = [a for a in ann['annotations']
                         if a['image_id'] == image['id']]
            union = np.zeros_like(label, bool)
            for a in instances:
                mask = mask_utils.decode(a['segmentation']).astype(bool)
                assert (label[mask] == a['category_id']).all()
                assert a['area'] == int(mask.sum())
                union |= mask
            assert ((label > 0) == union).all()
    again = write_digit_scenes(str(tmp_path / 'again'), num_train=24,
                               num_val=8, seed=3, log=lambda msg: None)
    first = cv2.imread(osp.join(root, 'images', 'training',
                                'training_00005.jpg'))
    second = cv2.imread(str(tmp_path / 'again' / 'images' / 'training' /
                            'training_00005.jpg'))
    assert np.array_equal(first, second)
    assert again['sources'] == json.load(
        open(osp.join(root, 'digit_scenes.json')))['sources']


def test_mmseg_reads_the_ade20k_layout(scenes):
    from mmseg.datasets import BaseSegDataset
    root, _ = scenes
    dataset = BaseSegDataset(
        data_root=root, metainfo=dict(classes=CLASSES),
        img_suffix='.jpg', seg_map_suffix='.png', reduce_zero_label=False,
        data_prefix=dict(img_path='images/validation',
                         seg_map_path='annotations/validation'),
        pipeline=[dict(type='mmseg.LoadImageFromFile'),
                  dict(type='mmseg.LoadAnnotations',
                       reduce_zero_label=False)])
    assert len(dataset) == 8
    sample = dataset[0]
    assert sample['img'].shape == (64, 64, 3)
    assert set(np.unique(sample['gt_seg_map'])) <= set(range(11))
    assert (sample['gt_seg_map'] > 0).any()


def test_mmdet_reads_the_coco_layout(scenes):
    from mmdet.datasets import CocoDataset
    root, _ = scenes
    dataset = CocoDataset(
        data_root=root, ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'),
        metainfo=dict(classes=CLASSES[1:]),
        pipeline=[dict(type='mmdet.LoadImageFromFile'),
                  dict(type='mmdet.LoadAnnotations', with_bbox=True,
                       with_mask=True)])
    assert len(dataset) > 0
    sample = dataset[0]
    assert len(sample['gt_bboxes']) == len(sample['gt_masks']) >= 1
    assert sample['gt_bboxes_labels'].max() <= 9
    masks = sample['gt_masks'].to_ndarray()
    assert masks.shape[1:] == (64, 64) and masks.any(axis=(1, 2)).all()
