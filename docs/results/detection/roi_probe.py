# Copyright (c) splitmask_mm authors. All rights reserved.
"""Can a detector's RoI features tell the digits apart? A linear probe.

    python docs/results/detection/roi_probe.py CONFIG [CONFIG ...]
        [--level N] [--norm none|centre|instance]

Builds each detector config (its backbone initialised as the config says),
takes the backbone's map ``--level`` (default: the last), RoIAligns it 7x7
at the ground-truth boxes of the study's scenes (1,000 training, 200
validation; work_dirs/study/digit_scenes/data), and fits a logistic
regression on the training boxes' features (standardised); prints its
accuracy on the validation boxes. ``--norm centre`` removes each map's
per-image, per-channel mean first; ``instance`` also divides by the
per-image, per-channel standard deviation (InstanceNorm without affine).
``--level pixels`` probes the normalised image itself at stride 1,
``--level embed`` the ViT's patch embedding.
"""
import argparse
import json

import cv2
import numpy as np
import torch

ROOT = 'work_dirs/study/digit_scenes/data/'


def build(config):
    import splitmask_mm  # noqa: F401
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from splitmask_mm._scope import resolve_scope
    cfg = Config.fromfile(config)
    resolve_scope(cfg)
    with DefaultScope.overwrite_default_scope('mmdet'):
        import mmdet.models  # noqa: F401
        from mmdet.registry import MODELS
        model = MODELS.build(cfg.model)
        model.init_weights()
    return model.eval()


def scenes(split, count):
    coco = json.load(open(f'{ROOT}annotations/instances_{split}2017.json'))
    files = {i['id']: i['file_name'] for i in coco['images']}
    boxes = {}
    for a in coco['annotations']:
        boxes.setdefault(a['image_id'], []).append(a)
    return [(f'{ROOT}{split}2017/{files[i]}', boxes.get(i, []))
            for i in sorted(files)[:count]]


def level_map(model, inputs, level):
    """``(map, stride)`` of the backbone at ``level``."""
    if level == 'pixels':
        return inputs, 1
    if level == 'embed':
        tokens, hw = model.backbone.patch_embed(inputs)
        return tokens.transpose(1, 2).reshape(
            inputs.shape[0], -1, *hw), 8
    maps = model.backbone(inputs)
    index = int(level)
    stride = inputs.shape[-1] // maps[index].shape[-1]
    return maps[index], stride


def features(model, items, level, norm):
    from mmcv.ops import roi_align
    xs, ys = [], []
    for k in range(0, len(items), 50):
        chunk = items[k:k + 50]
        images = [torch.from_numpy(cv2.imread(p)).permute(2, 0, 1).float()
                  for p, _ in chunk]
        with torch.no_grad():
            inputs = model.data_preprocessor(
                dict(inputs=images, data_samples=None))['inputs']
            fmap, stride = level_map(model, inputs, level)
            if norm == 'centre':
                fmap = fmap - fmap.mean(dim=(2, 3), keepdim=True)
            elif norm == 'instance':
                fmap = torch.nn.functional.instance_norm(fmap)
        rois = []
        for b, (_, anns) in enumerate(chunk):
            for a in anns:
                x, y, w, h = a['bbox']
                rois.append([b, x, y, x + w, y + h])
                ys.append(a['category_id'])
        pooled = roi_align(fmap, torch.tensor(rois, dtype=torch.float32),
                           (7, 7), 1.0 / stride, 0, 'avg', True)
        xs.append(pooled.flatten(1).numpy())
    return np.concatenate(xs), np.array(ys)


def main():
    from sklearn.linear_model import LogisticRegression
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--level', default='-1')
    parser.add_argument('--norm', choices=['none', 'centre', 'instance'],
                        default='none')
    args = parser.parse_args()
    for config in args.configs:
        model = build(config)
        x_tr, y_tr = features(model, scenes('train', 1000), args.level,
                              args.norm)
        x_va, y_va = features(model, scenes('val', 200), args.level,
                              args.norm)
        mean, std = x_tr.mean(0), x_tr.std(0) + 1e-6
        probe = LogisticRegression(max_iter=2000, C=0.1).fit(
            (x_tr - mean) / std, y_tr)
        print(f'{config} level {args.level} norm {args.norm}: validation '
              f'accuracy {probe.score((x_va - mean) / std, y_va):.3f} '
              f'({len(y_va)} boxes; training '
              f'{probe.score((x_tr - mean) / std, y_tr):.3f})', flush=True)


if __name__ == '__main__':
    main()
