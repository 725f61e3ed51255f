# Copyright (c) splitmask_mm authors. All rights reserved.
"""tools/check_dataset.py on a generated folder with every kind of bad file."""
import os.path as osp
import subprocess
import sys

import numpy as np
from PIL import Image

from helpers import DEMO_CONFIG, ROOT, python_env, write_images


def make_bad_folder(root):
    folder = osp.join(root, 'images')
    good = write_images(folder, 3, ext='.jpg')
    (open(osp.join(folder, 'empty.jpg'), 'wb')).close()
    with open(osp.join(folder, 'notes.png'), 'w') as f:
        f.write('this is text, not a PNG')
    data = open(good[0], 'rb').read()
    with open(osp.join(folder, 'cut.jpg'), 'wb') as f:
        f.write(data[:len(data) // 2])
    rgb = Image.open(good[1])
    rgb.convert('CMYK').save(osp.join(folder, 'cmyk.jpg'))
    Image.fromarray(np.full((64, 64), 3000, np.uint16)).save(
        osp.join(folder, 'depth16.png'))
    rgb.convert('P').save(osp.join(folder, 'palette.png'))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    rgb.save(osp.join(folder, 'rotated.jpg'), exif=exif)
    rgb.resize((20, 12)).save(osp.join(folder, 'tiny.jpg'))
    return root


def check(data_root, *extra):
    return subprocess.run([
        sys.executable, osp.join(ROOT, 'tools', 'check_dataset.py'),
        DEMO_CONFIG, '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}'
    ] + list(extra), cwd=ROOT, env=python_env(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=300)


def test_every_kind_of_bad_file_is_reported_by_name(tmp_path):
    proc = check(make_bad_folder(str(tmp_path)))
    out = proc.stdout
    assert proc.returncode == 1, out
    expected = {
        'zero-byte': 'empty.jpg', 'not an image': 'notes.png',
        'truncated': 'cut.jpg', 'CMYK': 'cmyk.jpg', '16-bit': 'depth16.png',
        'palette': 'palette.png', 'EXIF-rotated': 'rotated.jpg',
        'too small': 'tiny.jpg'
    }
    for label, name in expected.items():
        block = out.split(f'[check] {label} (')[1].split('[check]')[0]
        assert block.split(':')[1].split()[0] == '1', (label, block)
        assert name in block, (label, block)
    assert '[check] 11 images: 3 would stop training, 5 warnings' in out


def test_clean_folder_passes(tmp_path):
    write_images(str(tmp_path / 'images'), 4)
    proc = check(str(tmp_path))
    assert proc.returncode == 0, proc.stdout
    assert '[check] 4 images: 0 would stop training, 0 warnings' in \
        proc.stdout
