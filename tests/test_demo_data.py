# Copyright (c) splitmask_mm authors. All rights reserved.
"""The demo's photos: written readable, shrunk when asked, same modes."""
import os

from PIL import Image

from splitmask_mm.demo_data import sample_image_paths, write_sample_images


def test_sample_photos_are_written_shrunk_with_their_modes(tmp_path):
    originals = {os.path.basename(p): p for p in sample_image_paths()}
    count = write_sample_images(str(tmp_path), max_side=64)
    assert count == len(originals) > 10
    modes = set()
    for name, src in originals.items():
        with Image.open(src) as a, Image.open(tmp_path / name) as b:
            assert b.format == a.format, name
            assert b.mode == a.mode, name
            assert max(b.size) == min(64, max(a.size)), (name, b.size)
            # the aspect ratio is kept (to the rounding of a pixel)
            assert abs(b.size[0] / b.size[1] - a.size[0] / a.size[1]) < (
                2 / min(b.size)), name
            assert 'icc_profile' not in b.info, name
            b.load()
            modes.add(b.mode)
    assert {'L', 'RGB', 'RGBA'} <= modes  # the loaders' colour paths


def test_sample_photos_keep_their_size_by_default(tmp_path):
    write_sample_images(str(tmp_path))
    for path in sample_image_paths():
        with Image.open(path) as a, Image.open(
                tmp_path / os.path.basename(path)) as b:
            assert a.size == b.size
