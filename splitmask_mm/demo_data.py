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
