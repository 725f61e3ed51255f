# Copyright (c) splitmask_mm authors. All rights reserved.
"""Write the digit-scenes data set (segmentation + detection of real
handwriting, no download) in the ADE20K and COCO on-disk layouts.

    python tools/make_digit_scenes.py OUT [--train 1000] [--val 200]
        [--size 64] [--seed 0]

See splitmask_mm/digit_scenes.py for what a scene is.
"""
import argparse
import os.path as osp
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from splitmask_mm.digit_scenes import write_digit_scenes  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out', help='output folder (replaced if it exists)')
    parser.add_argument('--train', type=int, default=1000,
                        help='training scenes')
    parser.add_argument('--val', type=int, default=200,
                        help='validation scenes')
    parser.add_argument('--size', type=int, default=64, help='canvas side')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--val-share', type=float, default=0.3,
                        help='share of the 1,797 source scans kept for the '
                        'validation scenes')
    parser.add_argument('--digits', type=int, nargs=2, default=(1, 3),
                        metavar=('MIN', 'MAX'), help='digits per scene')
    parser.add_argument('--digit-size', type=int, nargs=2, default=(24, 32),
                        metavar=('MIN', 'MAX'), help='digit height, pixels')
    parser.add_argument('--grid', type=int, default=8,
                        help='digit boxes on this pixel grid (a ViT\'s patch '
                        'size; 0: anywhere, any aspect)')
    args = parser.parse_args()
    start = time.time()
    write_digit_scenes(args.out, args.train, args.val, args.size, args.seed,
                       args.val_share, tuple(args.digits),
                       tuple(args.digit_size), grid=args.grid)
    print(f'[digit scenes] written to {args.out} in '
          f'{time.time() - start:.1f} s')


if __name__ == '__main__':
    main()
