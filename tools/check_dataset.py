# Copyright (c) splitmask_mm authors. All rights reserved.
"""Check the images of a config's data before a long run.

    python tools/check_dataset.py CONFIG [--split train] [--min-size 32]
        [--cfg-options k=v ...]

Opens every image of the data set (``train_dataloader``, or ``val``/
``test``) and reports, with counts and file names: files that would stop
training (zero-byte, not an image, unreadable or truncated) and files that
load but deserve a look (CMYK, 16-bit, palette, EXIF-rotated, smaller than
``--min-size`` pixels on a side). Exits with status 1 when any file would
stop training, 0 otherwise.
"""
import argparse
import os
import sys
from collections import defaultdict

import splitmask_mm  # noqa: F401 (first: it quiets the stack's import noise)

from mmengine.config import Config, DictAction

FATAL = ('zero-byte', 'not an image', 'unreadable', 'truncated')


def inspect(path: str, min_size: int) -> list:
    """Problems of one image file, as short labels."""
    from PIL import Image, UnidentifiedImageError
    if os.path.getsize(path) == 0:
        return ['zero-byte']
    try:
        with Image.open(path) as img:
            mode, size = img.mode, img.size
            orientation = img.getexif().get(0x0112, 1)
            img.load()  # decodes everything: truncation shows here
    except UnidentifiedImageError:
        return ['not an image']
    except OSError as e:
        return ['truncated' if 'truncated' in str(e) else 'unreadable']
    except Exception:
        return ['unreadable']
    found = []
    if mode == 'CMYK':
        found.append('CMYK')
    if mode in ('I;16', 'I;16B', 'I;16L', 'I'):
        found.append('16-bit')
    if mode == 'P':
        found.append('palette')
    if orientation not in (1, None):
        found.append('EXIF-rotated')
    if min(size) < min_size:
        found.append('too small')
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--split', choices=['train', 'val', 'test'],
                        default='train')
    parser.add_argument('--min-size', type=int, default=32,
                        help='smallest acceptable side, pixels')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()

    from mmengine.registry import DefaultScope
    from mmengine.utils import ProgressBar
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    DefaultScope.get_instance('check_dataset',
                              scope_name=cfg.get('default_scope', 'mmengine'))
    from mmengine.registry import DATASETS
    dataset_cfg = cfg[f'{args.split}_dataloader']['dataset']
    dataset_cfg['pipeline'] = []  # only the file list is needed
    dataset = DATASETS.build(dataset_cfg)
    paths = [dataset.get_data_info(i)['img_path'] for i in range(len(dataset))]
    print(f'[check] {len(paths)} images of {args.config} ({args.split})')

    problems = defaultdict(list)
    progress = ProgressBar(len(paths))
    for path in paths:
        for label in inspect(path, args.min_size):
            problems[label].append(path)
        progress.update()
    sys.stdout.write('\n')

    for label in FATAL + ('CMYK', '16-bit', 'palette', 'EXIF-rotated',
                          'too small'):
        files = problems.get(label, [])
        if files:
            kind = 'stops training' if label in FATAL else 'loads; check it'
            print(f'[check] {label} ({kind}): {len(files)}')
            for path in files[:20]:
                print(f'    {path}')
            if len(files) > 20:
                print(f'    ... and {len(files) - 20} more')
    fatal = sum(len(problems.get(label, [])) for label in FATAL)
    warned = sum(len(v) for k, v in problems.items() if k not in FATAL)
    print(f'[check] {len(paths)} images: {fatal} would stop training, '
          f'{warned} warnings')
    sys.exit(1 if fatal else 0)


if __name__ == '__main__':
    main()
