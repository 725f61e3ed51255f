# Copyright (c) splitmask_mm authors. All rights reserved.
"""Real photos for the demo and benchmarks, without a download.

scikit-image ships a few sample images inside its wheel (``skimage/data``);
these are the photographs and scans among them (colour, grey-scale and one
RGBA logo), not its synthetic test patterns.
"""
import os
import os.path as osp
import shutil
from typing import List

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


def write_sample_images(out_dir: str) -> int:
    """Write the sample photos into ``out_dir``; returns how many.

    PNGs are re-saved without their embedded colour profile: one of them
    carries a profile that libpng (which OpenCV decodes with) warns about on
    every read, hundreds of lines in a training log. Pillow reads it without
    libpng and writes the same pixels without the profile.
    """
    os.makedirs(out_dir, exist_ok=True)
    paths = sample_image_paths()
    for path in paths:
        out = osp.join(out_dir, osp.basename(path))
        if path.endswith('.png'):
            with Image.open(path) as img:
                img.info.pop('icc_profile', None)
                img.save(out)
        else:
            shutil.copyfile(path, out)
    return len(paths)
