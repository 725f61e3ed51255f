# Copyright (c) splitmask_mm authors. All rights reserved.
"""Turn a SplitMask training checkpoint into backbone weights.

    python tools/convert_checkpoint.py CKPT OUT [--format mm|timm]
        [--img-size N]

``--format mm`` (default): ``backbone.*`` keys in mmpretrain's
VisionTransformer layout, for fine-tuning configs in mmpretrain, mmseg and
mmdet (``init_cfg=dict(type='Pretrained', strict=True,
checkpoint=OUT, prefix='backbone.')``). ``--format timm``: timm's ``vit_*_patch16_*``
layout, for use outside OpenMMLab. ``--img-size`` interpolates the position
embedding to the fine-tuning resolution and says so. A checkpoint of
another model is refused. The checkpoint is read with torch's safe loader
(weights-only, with mmengine's logging objects mapped to inert stand-ins):
no code in it runs, so a downloaded checkpoint converts safely.
"""
import argparse
import os.path as osp
import sys

import splitmask_mm  # noqa: F401 (first: it quiets the stack's import noise)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='SplitMask training checkpoint')
    parser.add_argument('out', help='output weights file')
    parser.add_argument('--format', choices=['mm', 'timm'], default='mm')
    parser.add_argument('--img-size', type=int,
                        help='fine-tuning input size (interpolates pos_embed)')
    args = parser.parse_args()
    from splitmask_mm.weights import convert
    try:
        for line in convert(args.checkpoint, args.out, args.format,
                            args.img_size):
            print(f'[convert] {line}')
    except (ValueError, FileNotFoundError) as e:
        raise SystemExit(f'[convert] {args.checkpoint}: {e}')


if __name__ == '__main__':
    main()
