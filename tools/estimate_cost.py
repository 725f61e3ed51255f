# Copyright (c) splitmask_mm authors. All rights reserved.
"""What each config costs, on paper: FLOPs and wall-clock on 8 GPUs.

    python tools/estimate_cost.py [CONFIG ...] [--gpus 8] [--mfu 0.17]
        [--json FILE]

For every pre-training and fine-tuning config (all of the repository's
paper-scale ones by default): the FLOPs of one training image, counted by
torch's ``FlopCounterMode`` on the model the config builds (pre-training:
a real training step, forward and backward, on images through the config's
own pipeline; fine-tuning: the forward at the recipe's input size, times 3
for the backward), times the images its schedule processes; then the
wall-clock on ``--gpus`` GPUs of the A100 / H100 / H200 class at the given
model-FLOPs utilisation (default: the 17% SplitMask reached on an H200 in
eager mode, docs/performance.md). Data loading and communication are not
counted. Last, the paper's own figure as a check: SplitMask ViT-B, 300
ImageNet epochs, 34 hours on 16 GPUs.
"""
import argparse
import json
import os.path as osp
import sys

import splitmask_mm  # noqa: F401 (first: it quiets the stack's import noise)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from splitmask_mm.schedule import (ADE20K_TRAIN_IMAGES,  # noqa: E402
                                   COCO_TRAIN2017_IMAGES,
                                   IMAGENET1K_TRAIN_IMAGES, paper_schedule)

CONFIGS = [
    'configs/splitmask/vit-b_ade20k.py', 'configs/splitmask/vit-s_ade20k.py',
    'configs/splitmask/vit-b_coco.py', 'configs/splitmask/vit-s_coco.py',
    'configs/splitmask/vit-b_in1k.py', 'configs/splitmask/vit-s_in1k.py',
    'configs/splitmask/vit-b_ade20k_dalle.py',
    'configs/baselines/beit_vit-b_ade20k.py',
    'configs/baselines/beit_vit-b_ade20k_dalle.py',
    'configs/baselines/mae_vit-b_ade20k.py',
    'configs/downstream/upernet_vit-b_ade20k.py',
    'configs/downstream/upernet_vit-s_ade20k.py',
    'configs/downstream/maskrcnn_vit-s_xcit-fpn_3x_coco.py',
    'configs/downstream/maskrcnn_vit-b_xcit-fpn_3x_coco.py',
    'configs/downstream/maskrcnn_vit-b_vitdet-lsj_coco.py',
    'configs/downstream/cls_vit-b_folder.py',
    'configs/downstream/cls_vit-b_folder-large.py',
]
# dense bf16 tensor-core peaks (data sheets, SXM parts), TFLOP/s
PEAKS = {'V100': 125, 'A100': 312, 'H100': 989, 'H200': 989}
# images of the data sets the pre-training configs read
DATA_SETS = {'ade': ADE20K_TRAIN_IMAGES, 'coco': COCO_TRAIN2017_IMAGES,
             'imagenet': IMAGENET1K_TRAIN_IMAGES}
# the sets the classification recipes are for (the paper's Table 7):
# Stanford Cars' training images (small sets), iNaturalist 2019's (large)
CLS_IMAGES = {'cls_vit-b_folder.py': ('Stanford Cars', 8144),
              'cls_vit-b_folder-large.py': ('iNaturalist 2019', 265213)}
# input size of a fine-tuning forward (the recipe's training size)
DET_INPUT = {'vitdet': (1024, 1024), 'default': (800, 1333)}
# the paper's wall-clock: SplitMask ViT-B, 300 ImageNet epochs, 16 GPUs
PAPER_HOURS, PAPER_GPUS = 34.0, 16


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='*', default=CONFIGS)
    parser.add_argument('--gpus', type=int, default=8)
    parser.add_argument('--mfu', type=float, default=0.17,
                        help='model FLOPs utilisation to assume')
    parser.add_argument('--json', help='write every figure to this file')
    return parser.parse_args()


def count_training_step(model, data, optim_wrapper) -> float:
    """FLOPs of one forward and backward of a pre-training model."""
    from torch.utils.flop_counter import FlopCounterMode

    from tools_benchmark import count_cpu_attention_flops
    count_cpu_attention_flops()
    with FlopCounterMode(display=False) as counter:
        with optim_wrapper.optim_context(model):
            batch = model.data_preprocessor(data, True)
            losses = model._run_forward(batch, mode='loss')
        loss, _ = model.parse_losses(losses)
        loss.backward()
    return counter.get_total_flops()


def pretrain_flops(cfg, batch: int = 2) -> float:
    """FLOPs of one training image of a pre-training config."""
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope

    from mmpretrain.registry import MODELS
    from tools_benchmark import synthetic_batch
    DefaultScope.get_instance('estimate', scope_name='mmpretrain')
    model_cfg = cfg.model
    if model_cfg.get('target_generator', {}).get('type') == 'DALL-E':
        model_cfg.target_generator.pop('init_cfg', None)  # random weights
    model = MODELS.build(model_cfg)
    model.train()
    wrapper = build_optim_wrapper(model, dict(
        type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-4)))
    data = synthetic_batch(cfg.train_dataloader.dataset.pipeline, batch)
    return count_training_step(model, data, wrapper) / batch


def forward_flops(cfg, name: str) -> float:
    """FLOPs of one forward at the recipe's training input size."""
    import torch
    from mmengine.registry import init_default_scope
    from torch.utils.flop_counter import FlopCounterMode

    from tools_benchmark import count_cpu_attention_flops
    count_cpu_attention_flops()
    scope = cfg.default_scope
    init_default_scope(scope)
    cfg.model.backbone.pop('init_cfg', None)  # no weights to load
    if scope == 'mmseg':
        from mmseg.registry import MODELS
        h, w = cfg.crop_size
        model = MODELS.build(cfg.model).eval()
        run = lambda x: model._forward(x)  # noqa: E731
    elif scope == 'mmdet':
        from mmdet.registry import MODELS
        from mmdet.structures import DetDataSample
        h, w = DET_INPUT['vitdet' if 'vitdet' in name else 'default']
        model = MODELS.build(cfg.model).eval()
        sample = DetDataSample(metainfo=dict(
            img_shape=(h, w), pad_shape=(h, w), batch_input_shape=(h, w),
            ori_shape=(h, w), scale_factor=(1., 1.)))
        run = lambda x: model._forward(x, [sample])  # noqa: E731
    else:
        from mmpretrain.registry import MODELS
        h = w = 224
        model = MODELS.build(cfg.model).eval()
        run = lambda x: model(x, mode='tensor')  # noqa: E731
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        run(torch.randn(1, 3, h, w))
    return counter.get_total_flops(), (h, w)


def schedule_images(cfg, name: str):
    """Images the config's training schedule processes (8 GPUs where the
    config gives a per-GPU batch), and what the figure assumes."""
    train = cfg.train_cfg
    if train.get('type') == 'PaperScheduleTrainLoop':
        root = cfg.train_dataloader.dataset.data_root
        key = next(k for k in DATA_SETS if k in root)
        schedule = paper_schedule(DATA_SETS[key], 8 * cfg.train_dataloader
                                  .batch_size)
        return schedule['max_iters'] * 8 * cfg.train_dataloader.batch_size, \
            f'{schedule["max_iters"]} it x 2048 ({DATA_SETS[key]} images)'
    if 'max_iters' in train:
        batch = 8 * cfg.train_dataloader.batch_size
        return train.max_iters * batch, f'{train.max_iters} it x {batch}'
    if name in CLS_IMAGES or cfg.default_scope == 'mmpretrain':
        data, count = CLS_IMAGES.get(name, CLS_IMAGES['cls_vit-b_folder.py'])
        return train.max_epochs * count, \
            f'{train.max_epochs} epochs x {count} ({data})'
    return train.max_epochs * COCO_TRAIN2017_IMAGES, \
        f'{train.max_epochs} epochs x {COCO_TRAIN2017_IMAGES} (COCO)'


def main():
    args = parse_args()
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'tools_benchmark', osp.join(ROOT, 'tools', 'benchmark.py'))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    sys.modules['tools_benchmark'] = bench

    from mmengine.config import Config
    rows = []
    for path in args.configs:
        name = osp.basename(path)
        cfg = Config.fromfile(osp.join(ROOT, path))
        if cfg.train_cfg.get('type') == 'PaperScheduleTrainLoop':
            per_image, what = pretrain_flops(cfg), 'training step'
            size = cfg.train_dataloader.dataset.pipeline[1].get('scale', 224)
            size = (size, size)
        else:
            fwd, size = forward_flops(cfg, name)
            per_image, what = 3 * fwd, '3 x forward'
        images, schedule = schedule_images(cfg, name)
        total = per_image * images
        hours = {gpu: total / (args.gpus * peak * 1e12 * args.mfu) / 3600
                 for gpu, peak in PEAKS.items()}
        rows.append(dict(config=path, input=list(size), counted=what,
                         gflops_per_image=per_image / 1e9, schedule=schedule,
                         images=images, total_pflops=total / 1e15,
                         hours=hours))
        print(f'{path}: {per_image / 1e9:.1f} GFLOP/image ({what}, '
              f'{size[0]}x{size[1]}), {schedule} = {images / 1e6:.1f}M '
              f'images, {total / 1e18:.1f} EFLOP; on {args.gpus} GPUs at '
              f'{args.mfu:.0%} MFU: ' + ', '.join(
                  f'{g} {h:.1f} h' for g, h in hours.items()), flush=True)
    # the paper's figure, against the same count
    check = next((r for r in rows
                  if r['config'] == 'configs/splitmask/vit-b_in1k.py'), None)
    if check:
        per_gpu = check['total_pflops'] * 1e15 / (
            PAPER_GPUS * PAPER_HOURS * 3600) / 1e12
        ours = {g: check['total_pflops'] * 1e15 / (
            PAPER_GPUS * PEAKS[g] * 1e12 * args.mfu) / 3600
            for g in ('V100', 'A100')}
        print(f'\nThe paper: SplitMask ViT-B, 300 ImageNet epochs, '
              f'{PAPER_HOURS:g} h on {PAPER_GPUS} GPUs. With this count that '
              f'is {per_gpu:.1f} TFLOP/s a GPU: ' + ', '.join(
                  f'{per_gpu / PEAKS[g]:.0%} of a {g}' for g in ours) +
              f' (dense fp16/bf16 peak). This estimate, {PAPER_GPUS} GPUs '
              f'at {args.mfu:.0%} MFU: ' + ', '.join(
                  f'{g} {h:.1f} h ({h / PAPER_HOURS:.2f}x the paper)'
                  for g, h in ours.items()))
        rows.append(dict(paper_check=dict(
            hours=PAPER_HOURS, gpus=PAPER_GPUS,
            implied_tflops_per_gpu=per_gpu, estimate_hours=ours)))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(gpus=args.gpus, mfu=args.mfu, peaks=PEAKS,
                           rows=rows), f, indent=1)


if __name__ == '__main__':
    main()
