# Copyright (c) splitmask_mm authors. All rights reserved.
"""Helpers shared by the tests: generated data in real on-disk layouts,
vocabulary files, the subprocess environment."""
import importlib.util
import os
import os.path as osp
import sys

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = osp.join(ROOT, 'configs', 'splitmask', 'vit-tiny_demo.py')


def load_tool(name: str):
    """``tools/<name>.py`` as a module (the tools are scripts, not a
    package)."""
    spec = importlib.util.spec_from_file_location(
        name, osp.join(ROOT, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_images(folder: str, count: int, size=(120, 160), seed: int = 0,
                 ext: str = '.jpg') -> list:
    """Smooth random colour images (gradients plus blobs), as real files."""
    import cv2
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    paths = []
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w]
    for i in range(count):
        img = np.zeros((h, w, 3), np.float32)
        for c in range(3):
            a, b, d = rng.uniform(-1, 1, 3)
            img[..., c] = 128 + 60 * np.sin(a * xx / 20 + b * yy / 20 + d)
        for _ in range(3):
            cy, cx, r = rng.integers(0, h), rng.integers(0, w), rng.integers(
                5, 30)
            cv2.circle(img, (int(cx), int(cy)), int(r),
                       rng.uniform(0, 255, 3).tolist(), -1)
        path = osp.join(folder, f'img_{i:04d}{ext}')
        cv2.imwrite(path, np.clip(img, 0, 255).astype(np.uint8))
        paths.append(path)
    return paths


def make_ade20k(root: str, count: int = 24, val_count: int = 0) -> str:
    """ADE20K on-disk layout: images/{training,validation}/*.jpg and
    annotations/{training,validation}/*.png (labels 0-150, 0 = other).

    Returns the data root (``.../ADEChallengeData2016/``). One grey-scale
    JPEG and one RGBA PNG are among the training images, as real data sets
    have them.
    """
    import cv2
    data_root = osp.join(root, 'data', 'ade', 'ADEChallengeData2016')
    img_dir = osp.join(data_root, 'images', 'training')
    paths = write_images(img_dir, count, seed=1)
    ann_dir = osp.join(data_root, 'annotations', 'training')
    os.makedirs(ann_dir, exist_ok=True)
    for p in paths:
        name = osp.splitext(osp.basename(p))[0]
        cv2.imwrite(
            osp.join(ann_dir, name + '.png'),
            np.random.default_rng(0).integers(0, 150, (120, 160),
                                              dtype=np.uint8))
    gray = cv2.imread(paths[0], cv2.IMREAD_GRAYSCALE)
    cv2.imwrite(osp.join(img_dir, 'gray_0000.jpg'), gray)
    rgba = cv2.cvtColor(cv2.imread(paths[1]), cv2.COLOR_BGR2BGRA)
    cv2.imwrite(osp.join(img_dir, 'rgba_0000.png'), rgba)
    for name in ('gray_0000', 'rgba_0000'):
        cv2.imwrite(osp.join(ann_dir, name + '.png'),
                    np.ones((120, 160), np.uint8))
    if val_count:
        # labels follow the image content (a few classes by brightness), so
        # a segmentation model has something to learn
        for split, n in (('training', count), ('validation', val_count)):
            folder = osp.join(data_root, 'images', split)
            imgs = write_images(folder, n, seed=7 if split == 'validation'
                                else 1)
            ann = osp.join(data_root, 'annotations', split)
            os.makedirs(ann, exist_ok=True)
            for p in imgs:
                grey = cv2.imread(p, cv2.IMREAD_GRAYSCALE)
                label = (1 + grey.astype(np.int32) * 4 // 256).astype(
                    np.uint8)
                name = osp.splitext(osp.basename(p))[0]
                cv2.imwrite(osp.join(ann, name + '.png'), label)
    return data_root


IMAGENET_NORM = dict(mean=[123.675, 116.28, 103.53],
                     std=[58.395, 57.12, 57.375], to_rgb=True)


def make_random_vocabulary(path, size: int, patch_size: int = 16) -> str:
    """A vocabulary file of random entries with the configs' metadata."""
    import torch
    from splitmask_mm.vocabulary import save_vocabulary
    g = torch.Generator().manual_seed(size)
    save_vocabulary(
        str(path), torch.randn(size, patch_size**2 * 3, generator=g),
        dict(patch_size=patch_size, num_tokens=size,
             normalization=IMAGENET_NORM, method='random'))
    return str(path)


def python_env():
    """Environment for subprocesses: this interpreter's bin first."""
    env = dict(os.environ)
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env['PATH']
    env['PYTHONPATH'] = ROOT + os.pathsep + env.get('PYTHONPATH', '')
    env.setdefault('OMP_NUM_THREADS', '1')
    return env


def make_coco(root: str, train: int = 8, val: int = 3) -> str:
    """COCO on-disk layout: {train,val}2017/*.jpg and
    annotations/instances_{train,val}2017.json with polygon masks of the
    rectangles drawn in the images (COCO's 'person' and 'car')."""
    import json

    import cv2
    data_root = osp.join(root, 'data', 'coco')
    os.makedirs(osp.join(data_root, 'annotations'), exist_ok=True)
    rng = np.random.default_rng(5)
    ann_id = 1
    for split, count in (('train2017', train), ('val2017', val)):
        folder = osp.join(data_root, split)
        os.makedirs(folder, exist_ok=True)
        images, anns = [], []
        for i in range(count):
            h, w = 120, 160
            img = np.full((h, w, 3), 90, np.uint8)
            img_id = i + 1
            for _ in range(2):
                x0, y0 = int(rng.integers(0, 100)), int(rng.integers(0, 70))
                bw, bh = int(rng.integers(20, 55)), int(rng.integers(20, 45))
                cat = int(rng.integers(0, 2))
                colour = (40, 200, 40) if cat else (200, 40, 200)
                cv2.rectangle(img, (x0, y0), (x0 + bw, y0 + bh), colour, -1)
                anns.append(dict(
                    id=ann_id, image_id=img_id, category_id=[1, 3][cat],
                    bbox=[x0, y0, bw, bh], area=bw * bh, iscrowd=0,
                    segmentation=[[x0, y0, x0 + bw, y0, x0 + bw, y0 + bh,
                                   x0, y0 + bh]]))
                ann_id += 1
            name = f'{img_id:012d}.jpg'
            cv2.imwrite(osp.join(folder, name), img)
            images.append(dict(id=img_id, file_name=name, height=h, width=w))
        # all 80 COCO categories (ids 1..80 here), as models expect them
        from mmdet.datasets import CocoDataset
        categories = [dict(id=i + 1, name=name) for i, name in
                      enumerate(CocoDataset.METAINFO['classes'])]
        with open(osp.join(data_root, 'annotations',
                           f'instances_{split}.json'), 'w') as f:
            json.dump(dict(images=images, annotations=anns,
                           categories=categories), f)
    return data_root
