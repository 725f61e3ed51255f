# Copyright (c) splitmask_mm authors. All rights reserved.
"""Real photos for the demo and benchmarks, without a download.

scikit-image ships a few sample images inside its wheel (``skimage/data``);
these are the photographs and scans among them (colour, grey-scale and one
RGBA logo), not its synthetic test patterns.
"""
import os
import os.path as osp
import shutil
from typing import List, Optional

from PIL import Image

SAMPLE_IMAGES = [
    'astronaut.png', 'brick.png', 'camera.png', 'cell.png', 'chelsea.png',
    'clock_motion.png', 'coffee.png', 'coins.png', 'color.png', 'grass.png',
    'gravel.png', 'hubble_deep_field.jpg', 'ihc.png', 'logo.png', 'moon.png',
    'motorcycle_left.png', 'motorcycle_right.png', 'page.png', 'retina.jpg',
    'rocket.jpg', 'text.png'
]


def sample_image_paths() -> List[str]:
    """Paths of the sample photos in the installed scikit-image."""
    import skimage
    data_dir = osp.join(osp.dirname(skimage.__file__), 'data')
    paths = [osp.join(data_dir, n) for n in SAMPLE_IMAGES]
    paths = [p for p in paths if osp.isfile(p)]
    if not paths:
        raise FileNotFoundError(f'No sample images found in {data_dir}; is '
                                'scikit-image installed?')
    return paths


def write_sample_images(out_dir: str, max_side: Optional[int] = None) -> int:
    """Write the sample photos into ``out_dir``; returns how many.

    PNGs are re-saved without their embedded colour profile: one of them
    carries a profile that libpng (which OpenCV decodes with) warns about on
    every read, hundreds of lines in a training log. Pillow reads it without
    libpng and writes the same pixels without the profile.

    Args:
        out_dir (str): Folder to write into (created if missing).
        max_side (int, optional): Shrink photos whose longer side exceeds
            this (same format and mode; JPEGs re-encoded at quality 95).
            The demo trains on 96px crops: decoding the full photos (up to
            1411px) cost the two data workers about as much CPU as the
            training step itself (``tools/demo.py`` uses 256). Defaults to
            None (the photos as shipped).
    """
    os.makedirs(out_dir, exist_ok=True)
    paths = sample_image_paths()
    for path in paths:
        out = osp.join(out_dir, osp.basename(path))
        with Image.open(path) as img:
            shrink = max_side is not None and max(img.size) > max_side
            if path.endswith('.png'):
                img.info.pop('icc_profile', None)
            elif not shrink:
                shutil.copyfile(path, out)
                continue
            if shrink:
                scale = max_side / max(img.size)
                size = tuple(max(1, round(s * scale)) for s in img.size)
                img = img.resize(size, Image.BICUBIC)
            img.save(out, **({} if path.endswith('.png') else
                             {'quality': 95}))
    return len(paths)


def photo_paths() -> List[str]:
    """Every photo bundled with the installed packages: scikit-image's
    (:data:`SAMPLE_IMAGES`) and scikit-learn's two (``china.jpg``,
    ``flower.jpg``)."""
    import sklearn
    folder = osp.join(osp.dirname(sklearn.__file__), 'datasets', 'images')
    return sample_image_paths() + sorted(
        osp.join(folder, n) for n in os.listdir(folder)
        if n.endswith('.jpg'))


def write_photo_crops(out_dir: str, num: int, size: int = 64,
                      seed: int = 0, scale=(0.01, 0.25)) -> int:
    """A generic image set, the role ImageNet plays for the paper's
    target-only question: ``num`` square crops of the bundled photos
    (:func:`photo_paths`, 23 photographs and scans: an astronaut, a cat,
    coffee, coins, a rocket, motorcycles, a retina, the Hubble deep field,
    a Chinese temple, a flower, ...), each of a random position and of a
    random share ``scale`` of its photo's area, resized to ``size`` and
    written as ``out_dir/images/NNNNN.jpg`` (quality 95). Deterministic in
    ``seed``; nothing is downloaded. Many crops of few photos: a set with
    far less variety than ImageNet, and no digits. A record
    (``photo_crops.json``) lets a second call with the same arguments skip
    the work. Returns the number of images."""
    import json

    import numpy as np
    params = dict(num=num, size=size, seed=seed, scale=list(scale))
    record = osp.join(out_dir, 'photo_crops.json')
    if osp.isfile(record):
        with open(record) as f:
            if json.load(f).get('params') == params:
                return num
    paths = photo_paths()
    photos = []
    for path in paths:
        with Image.open(path) as img:
            photos.append(img.convert('RGB'))
    folder = osp.join(out_dir, 'images')
    os.makedirs(folder, exist_ok=True)
    for i in range(num):
        rng = np.random.default_rng([seed, i])
        photo = photos[int(rng.integers(len(photos)))]
        w, h = photo.size
        side = int(round(np.sqrt(rng.uniform(*scale) * w * h)))
        side = max(8, min(side, w, h))
        x = int(rng.integers(0, w - side + 1))
        y = int(rng.integers(0, h - side + 1))
        crop = photo.crop((x, y, x + side, y + side)).resize(
            (size, size), Image.BICUBIC)
        crop.save(osp.join(folder, f'{i:05d}.jpg'), quality=95)
    with open(record, 'w') as f:
        json.dump(dict(params=params,
                       photos=[osp.basename(p) for p in paths]), f)
    return num
