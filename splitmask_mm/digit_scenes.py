# Copyright (c) splitmask_mm authors. All rights reserved.
"""Digit scenes: a small segmentation and detection set of real handwriting.

Built from scikit-learn's bundled handwritten digits (1,797 real 8x8 scans
of digits written by 43 people, shipped inside the scikit-learn wheel;
nothing is downloaded): each scene is a canvas with a few digits at random
positions, sizes and stroke intensities, in random ink colours, on a varied
background (a colour gradient plus smooth colour noise). A digit's label is
where its ink is: the pixels whose (resized) scan value is above
``ink_threshold`` of full ink, widened by a pixel.

Written in two on-disk layouts at once, so the real loaders of mmseg and
mmdet read them:

- ADE20K: ``images/{training,validation}/*.jpg`` and
  ``annotations/{training,validation}/*.png`` (0 background, 1-10 the
  digits 0-9);
- COCO: ``train2017/`` and ``val2017/`` (the same files, hard-linked) and
  ``annotations/instances_{train,val}2017.json`` (one instance per digit:
  box, RLE mask, category ``'0'``-``'9'``, ids 1-10).

Training and validation scenes draw from disjoint sets of source scans
(``digit_scenes.json`` lists them), and everything is a function of the
seed.
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, Optional, Tuple

import cv2
import numpy as np

CLASSES = ('background', ) + tuple(str(d) for d in range(10))
PALETTE = [[0, 0, 0]] + [[int(c) for c in cv2.applyColorMap(
    np.uint8([[25 * d]]), cv2.COLORMAP_JET)[0, 0][::-1]] for d in range(10)]
SPLITS = (('training', 'train2017'), ('validation', 'val2017'))


def load_digits() -> Tuple[np.ndarray, np.ndarray]:
    """scikit-learn's handwritten digits: ``(1797, 8, 8)`` ink in [0, 1] and
    their labels."""
    from sklearn.datasets import load_digits as sk_load_digits
    digits = sk_load_digits()
    return digits.images.astype(np.float32) / 16.0, digits.target


def split_sources(num: int, val_share: float,
                  seed: int) -> Dict[str, np.ndarray]:
    """Disjoint source-scan indices for training and validation scenes."""
    order = np.random.default_rng(seed).permutation(num)
    n_val = int(round(num * val_share))
    return dict(training=np.sort(order[n_val:]),
                validation=np.sort(order[:n_val]))


def background(rng: np.random.Generator, size: int) -> np.ndarray:
    """A varied background, like paper under uneven light: a gradient
    between two light colours plus smooth colour noise, ``(size, size, 3)``
    float32 RGB in [0, 255]."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / max(size - 1, 1)
    angle = rng.uniform(0, 2 * np.pi)
    t = (np.cos(angle) * xx + np.sin(angle) * yy)
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    c0 = rng.uniform(170, 255, 3)
    c1 = np.clip(c0 + rng.uniform(-40, 40, 3), 150, 255)
    img = c0 + (c1 - c0) * t[..., None]
    cells = int(rng.integers(2, 6))
    noise = rng.normal(0, 1, (cells, cells, 3)).astype(np.float32)
    noise = cv2.resize(noise, (size, size), interpolation=cv2.INTER_CUBIC)
    img = img + rng.uniform(2, 8) * noise
    return np.clip(img, 0, 255).astype(np.float32)


def _luma(rgb: np.ndarray) -> float:
    return float(np.dot(rgb, [0.299, 0.587, 0.114]))


def make_scene(rng: np.random.Generator,
               digits: np.ndarray,
               labels: np.ndarray,
               pool: np.ndarray,
               size: int = 64,
               num_digits: Tuple[int, int] = (1, 3),
               digit_size: Tuple[int, int] = (24, 40),
               ink_threshold: float = 0.25,
               dilate: int = 1,
               grid: int = 0,
               min_contrast: float = 80.) -> dict:
    """One scene.

    With ``grid`` > 0, digit boxes are squares whose side and position are
    multiples of ``grid`` pixels (a ViT's patch size): the same digit then
    always falls on the patches the same way, which makes its identity far
    quicker to learn (at random scales and offsets, no model of the CPU
    study learned the digits' identity within its budget).

    A digit's label covers its ink (the resized scan above
    ``ink_threshold``) widened by ``dilate`` pixels, so that a stroke a
    couple of pixels wide is still a region a segmenter at a quarter of the
    resolution can outline; digits keep a gap between their labels.

    Returns:
        dict: ``img`` ``(size, size, 3)`` uint8 RGB, ``label`` ``(size,
        size)`` uint8 (0 background, 1 + digit), and ``instances``: per
        digit its ``digit``, ``source`` (index of the scan), ``bbox``
        ``[x, y, w, h]`` of its mask, ``mask`` (bool) and ``ink`` (the
        float ink the scan left on the canvas, for checks).
    """
    img = background(rng, size)
    label = np.zeros((size, size), np.uint8)
    occupied = np.zeros((size, size), bool)
    instances = []
    wanted = int(rng.integers(num_digits[0], num_digits[1] + 1))
    for _ in range(wanted):
        source = int(rng.choice(pool))
        side = int(rng.integers(digit_size[0], digit_size[1] + 1))
        if grid:
            side = max(grid, side // grid * grid)
            h = w = side - 2 * dilate  # the label's margin stays inside
        else:
            h = min(side, size - 2 * dilate)
            w = int(np.clip(round(side * rng.uniform(0.75, 1.0)), 6,
                            size - 2 * dilate))
        scan = np.pad(cv2.resize(digits[source], (w, h),
                                 interpolation=cv2.INTER_CUBIC).clip(0, 1),
                      dilate)
        box = scan > ink_threshold
        if dilate:
            box = cv2.dilate(box.astype(np.uint8), np.ones(
                (2 * dilate + 1, ) * 2, np.uint8)).astype(bool)
        h, w = box.shape
        for _attempt in range(50):
            x = int(rng.integers(0, size - w + 1))
            y = int(rng.integers(0, size - h + 1))
            if grid:
                x, y = x // grid * grid, y // grid * grid
            # a 2-pixel gap to every digit already drawn
            if not occupied[max(0, y - 2):y + h + 2,
                            max(0, x - 2):x + w + 2].any():
                break
            if grid and not occupied[y:y + h, x:x + w].any():
                break  # grid-aligned boxes never touch: margins inside
        else:
            continue  # the canvas is full
        if not box.any():
            continue
        region = img[y:y + h, x:x + w]
        # an ink of any hue, darker than the paper under it (handwriting:
        # a random ink polarity makes the digits' identity far harder to
        # learn, which no study at CPU scale could afford)
        paper = _luma(region.mean((0, 1)))
        for _attempt in range(20):
            ink_colour = rng.uniform(0, 110, 3)
            if paper - _luma(ink_colour) >= min_contrast:
                break
        alpha = (scan * rng.uniform(0.6, 1.0))[..., None]
        img[y:y + h, x:x + w] = region * (1 - alpha) + ink_colour * alpha
        mask = np.zeros((size, size), bool)
        mask[y:y + h, x:x + w] = box
        ink = np.zeros((size, size), np.float32)
        ink[y:y + h, x:x + w] = scan
        digit = int(labels[source])
        label[mask] = digit + 1
        occupied[y:y + h, x:x + w] = True
        ys, xs = np.nonzero(mask)
        instances.append(dict(
            digit=digit, source=source, mask=mask, ink=ink,
            bbox=[int(xs.min()), int(ys.min()),
                  int(xs.max() - xs.min() + 1),
                  int(ys.max() - ys.min() + 1)]))
    return dict(img=np.clip(img, 0, 255).round().astype(np.uint8),
                label=label, instances=instances)


def _rle(mask: np.ndarray) -> dict:
    from pycocotools import mask as mask_utils
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return dict(size=[int(s) for s in rle['size']],
                counts=rle['counts'].decode('ascii'))


def write_digit_scenes(out: str,
                       num_train: int = 1000,
                       num_val: int = 200,
                       size: int = 64,
                       seed: int = 0,
                       val_share: float = 0.3,
                       num_digits: Tuple[int, int] = (1, 3),
                       digit_size: Tuple[int, int] = (24, 32),
                       ink_threshold: float = 0.25,
                       dilate: int = 1,
                       grid: int = 8,
                       quality: int = 95,
                       log=print) -> dict:
    """Write the data set to ``out`` (see the module docstring).

    Returns:
        dict: what ``digit_scenes.json`` records (parameters, source scans
        of each split, counts).
    """
    digits, labels = load_digits()
    pools = split_sources(len(digits), val_share, seed)
    params = dict(num_train=num_train, num_val=num_val, size=size, seed=seed,
                  val_share=val_share, num_digits=list(num_digits),
                  digit_size=list(digit_size), ink_threshold=ink_threshold,
                  dilate=dilate, grid=grid,
                  quality=quality)
    tmp = out.rstrip('/') + '.tmp'
    if osp.exists(tmp):
        shutil.rmtree(tmp)
    categories = [dict(id=d + 1, name=str(d)) for d in range(10)]
    record = dict(params=params, classes=list(CLASSES),
                  sources={k: v.tolist() for k, v in pools.items()},
                  counts={})
    for split_id, ((ade_split, coco_split), count) in enumerate(
            zip(SPLITS, (num_train, num_val))):
        img_dir = osp.join(tmp, 'images', ade_split)
        ann_dir = osp.join(tmp, 'annotations', ade_split)
        coco_dir = osp.join(tmp, coco_split)
        for d in (img_dir, ann_dir, coco_dir):
            os.makedirs(d, exist_ok=True)
        images, annotations = [], []
        used = set()
        for i in range(count):
            rng = np.random.default_rng([seed, split_id, i])
            scene = make_scene(rng, digits, labels, pools[ade_split], size,
                               num_digits, digit_size, ink_threshold, dilate,
                               grid)
            name = f'{ade_split}_{i:05d}'
            img_path = osp.join(img_dir, name + '.jpg')
            cv2.imwrite(img_path, scene['img'][..., ::-1],
                        [cv2.IMWRITE_JPEG_QUALITY, quality])
            cv2.imwrite(osp.join(ann_dir, name + '.png'), scene['label'])
            _link(img_path, osp.join(coco_dir, name + '.jpg'))
            images.append(dict(id=i + 1, file_name=name + '.jpg',
                               height=size, width=size))
            for inst in scene['instances']:
                used.add(inst['source'])
                annotations.append(dict(
                    id=len(annotations) + 1, image_id=i + 1,
                    category_id=inst['digit'] + 1, bbox=inst['bbox'],
                    area=int(inst['mask'].sum()), iscrowd=0,
                    segmentation=_rle(inst['mask'])))
        with open(osp.join(tmp, 'annotations',
                           f'instances_{coco_split}.json'), 'w') as f:
            json.dump(dict(images=images, annotations=annotations,
                           categories=categories), f)
        record['counts'][ade_split] = dict(
            images=count, digits=len(annotations),
            source_scans_used=len(used))
        log(f'[digit scenes] {ade_split}: {count} scenes, '
            f'{len(annotations)} digits from {len(used)} source scans')
    with open(osp.join(tmp, 'digit_scenes.json'), 'w') as f:
        json.dump(record, f)
    if osp.exists(out):
        shutil.rmtree(out)
    os.replace(tmp, out)
    return record


def _link(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system
        shutil.copyfile(src, dst)


def read_record(root: str) -> Optional[dict]:
    """``digit_scenes.json`` of a written data set, or None."""
    path = osp.join(root, 'digit_scenes.json')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def same_params(record: Optional[dict], **params) -> bool:
    """Whether a written data set was made with these parameters."""
    if record is None:
        return False
    written = record['params']
    return all(written.get(k) == (list(v) if isinstance(v, tuple) else v)
               for k, v in params.items())


def subset_name(labels: float, select: bool) -> str:
    """The name of a subset of the training scenes (see
    :func:`write_subsets`): ``train_p10`` (10% of the labels),
    ``select_train_p100``, ..."""
    return f'{"select_" if select else ""}train_p{round(labels * 100)}'


def write_subsets(root: str, fractions=(1.0, ), select_share: float = 0.2,
                  seed: int = 0, out: Optional[str] = None
                  ) -> Dict[str, str]:
    """Subsets of a data set's training images, as the list files that
    mmseg's ``ann_file`` reads (image names without extension, one a line)
    and, where the set has COCO annotations, as COCO annotation files for
    mmdet, under ``out`` (default ``root/splits/``).

    The training images are those of ``annotations/instances_train2017
    .json`` (COCO layout, as the digit scenes have beside ADE20K's) or
    else the ``images/training/NAME.jpg`` with a label map
    ``annotations/training/NAME.png`` (ADE20K layout, as mmseg's
    ``BaseSegDataset`` pairs them; other files are left out).

    - ``select_val``: ``select_share`` of the training scenes, held out to
      choose a fine-tuning recipe on (never the validation scenes, which
      the final figures are measured on);
    - ``train_pN`` / ``select_train_pN``: a fraction of the training scenes
      (of those not held out), drawn at random and nested: the 10% subset
      lies inside any larger one.

    Pre-training reads the images folder and sees every training scene.
    Returns the list files by name (paths relative to ``out``'s parent for
    the default, else absolute).
    """
    coco_file = osp.join(root, 'annotations', 'instances_train2017.json')
    coco = None
    if osp.isfile(coco_file):
        with open(coco_file) as f:
            coco = json.load(f)
        names = sorted(osp.splitext(im['file_name'])[0]
                       for im in coco['images'])
    elif osp.isdir(osp.join(root, 'images', 'training')):
        names = sorted(
            n[:-len('.jpg')] for n in os.listdir(
                osp.join(root, 'images', 'training'))
            if n.endswith('.jpg') and osp.isfile(osp.join(
                root, 'annotations', 'training', n[:-len('.jpg')] + '.png')))
    else:
        raise FileNotFoundError(
            f'{root}: neither COCO (annotations/instances_train2017.json) '
            'nor ADE20K layout (images/training/): no training images to '
            'draw subsets from')
    if len(names) < 2:
        raise ValueError(f'{root}: {len(names)} training image(s); a '
                         'study needs at least 2 (one held out)')
    order = [names[i] for i in np.random.default_rng(
        [seed, 7]).permutation(len(names))]
    held = max(1, round(len(names) * select_share))
    select_val, rest = order[:held], order[held:]
    lists = {'select_val': select_val}
    for labels in fractions:
        for select, pool in ((False, order), (True, rest)):
            count = max(1, round(len(pool) * labels))
            # the order of `order` is random: a prefix of it is a random
            # subset, and smaller fractions are prefixes of larger ones
            lists[subset_name(labels, select)] = pool[:count]
    folder = out or osp.join(root, 'splits')
    os.makedirs(folder, exist_ok=True)
    if coco is not None:
        by_name = {osp.splitext(im['file_name'])[0]: im
                   for im in coco['images']}
    result = {}
    for name, scenes in lists.items():
        path = osp.join(folder, f'{name}.txt')
        with open(path, 'w') as f:
            f.write('\n'.join(sorted(scenes)) + '\n')
        result[name] = path if out else osp.join('splits', f'{name}.txt')
        if coco is None:
            continue
        ids = {by_name[s]['id'] for s in scenes}
        with open(osp.join(folder, f'{name}.json'), 'w') as f:
            json.dump(dict(coco, images=[im for im in coco['images']
                                         if im['id'] in ids],
                           annotations=[a for a in coco['annotations']
                                        if a['image_id'] in ids]), f)
    return result
