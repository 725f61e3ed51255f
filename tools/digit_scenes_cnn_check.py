# Copyright (c) splitmask_mm authors. All rights reserved.
"""Are the study's digit scenes learnable in its fine-tuning budget?

Trains a plain 6-layer CNN from scratch on the scenes' ADE20K layout (the
files tools/make_digit_scenes.py writes; mmseg's own data set and data
preprocessor read them) and prints the validation mIoU, for the budget the
study gives UperNet (batch 8, AdamW at 1e-3). ``--head fcn`` puts mmseg's
FCNHead on the same trunk instead of a 1x1 classifier, which separates
"the data is hard" from "mmseg's heads are slow at this budget";
``--classifier-init torch`` starts that head's classifier (conv_seg) at
PyTorch's default instead of mmseg's N(0, 0.01), as the study's UperNet
config does. Prints numbers; not a test.

    python tools/digit_scenes_cnn_check.py work_dirs/study/digit_scenes/data
"""
import argparse
import os.path as osp
import random
import sys
import time

import torch
import torch.nn as nn

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmengine.config import Config  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from splitmask_mm.stack import require_stack_for  # noqa: E402

CONFIG = osp.join(ROOT, 'configs', 'study', 'upernet_vit-tiny-p8_digits.py')


def block(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1),
                         nn.BatchNorm2d(cout), nn.ReLU())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data', help='the digit scenes (ADE20K layout)')
    parser.add_argument('--iters', type=int, default=300)
    parser.add_argument('--head', choices=['conv1x1', 'fcn'],
                        default='conv1x1')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--classifier-init', choices=['mmseg', 'torch'],
                        default='mmseg',
                        help="the FCN head's conv_seg: mmseg's N(0, 0.01) "
                        "or PyTorch's default (Kaiming uniform, a=sqrt(5))")
    args = parser.parse_args()
    require_stack_for(CONFIG)
    from mmseg.registry import DATASETS, MODELS

    cfg = Config.fromfile(CONFIG)
    init_default_scope('mmseg')
    root = osp.abspath(args.data) + '/'
    datasets = {}
    for split, loader in (('train', cfg.train_dataloader),
                          ('val', cfg.val_dataloader)):
        loader.dataset.data_root = root
        datasets[split] = DATASETS.build(loader.dataset)
    num_classes = len(datasets['train'].metainfo['classes'])
    preprocess = MODELS.build(cfg.model.data_preprocessor)

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    trunk = nn.Sequential(block(3, 32), block(32, 64, 2), block(64, 64),
                          block(64, 128, 2), block(128, 128),
                          block(128, 128))  # stride 4
    if args.head == 'fcn':
        head = MODELS.build(dict(
            type='FCNHead', in_channels=128, channels=64, num_convs=2,
            concat_input=False, dropout_ratio=0.1, num_classes=num_classes,
            norm_cfg=dict(type='BN', requires_grad=True),
            align_corners=False,
            loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)))
        if args.classifier_init == 'torch':
            head.init_cfg = cfg.classifier_init  # the study's UperNet's
        head.init_weights()
    else:
        head = nn.Conv2d(128, num_classes, 1)
    params = list(trunk.parameters()) + list(head.parameters())
    optimizer = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.05)

    def logits(inputs):
        feats = trunk(inputs)
        out = head([feats]) if args.head == 'fcn' else head(feats)
        return nn.functional.interpolate(out, size=inputs.shape[-2:],
                                         mode='bilinear')

    start = time.time()
    train = datasets['train']
    for it in range(1, args.iters + 1):
        batch = pseudo_collate(
            [train[random.randrange(len(train))] for _ in range(8)])
        data = preprocess(batch, True)
        labels = torch.stack([s.gt_sem_seg.data[0]
                              for s in data['data_samples']]).long()
        loss = nn.functional.cross_entropy(logits(data['inputs']), labels,
                                           ignore_index=255)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if it % 50 == 0 or it == 1:
            print(f'iter {it}: pixel loss {loss.item():.3f}', flush=True)

    trunk.eval()
    head.eval()
    inter = torch.zeros(num_classes)
    union = torch.zeros(num_classes)
    val = datasets['val']
    with torch.no_grad():
        for i in range(0, len(val), 32):
            batch = pseudo_collate([val[j] for j in range(i, min(
                i + 32, len(val)))])
            data = preprocess(batch, False)
            labels = torch.stack([s.gt_sem_seg.data[0]
                                  for s in data['data_samples']]).long()
            pred = logits(data['inputs']).argmax(1)
            for c in range(num_classes):
                inter[c] += ((pred == c) & (labels == c)).sum()
                union[c] += ((pred == c) | (labels == c)).sum()
    iou = inter / union.clamp(min=1)
    init = f' ({args.classifier_init} init)' if args.head == 'fcn' else ''
    print(f'{args.head} head{init}, {args.iters} iterations: validation mIoU '
          f'{100 * iou.mean():.2f} ({len(val)} scenes, {num_classes} '
          f'classes), {time.time() - start:.0f} s')


if __name__ == '__main__':
    main()
