# Copyright (c) splitmask_mm authors. All rights reserved.
"""Mask R-CNN on plain ViTs: pyramids whose levels sit where the RPN and
RoI heads look for them, and detectors that can learn their task."""
import glob
import os
import os.path as osp

import pytest
import torch

from helpers import ROOT, load_tool
from splitmask_mm.chain import metric

DET_CONFIGS = sorted(
    glob.glob(osp.join(ROOT, 'configs', 'downstream', 'maskrcnn_*.py')) +
    glob.glob(osp.join(ROOT, 'configs', 'study', 'maskrcnn_*.py')))


def build_detector(config: str):
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    import splitmask_mm  # noqa: F401
    from mmdet.registry import MODELS
    cfg = Config.fromfile(config)
    cfg.model.backbone.init_cfg = None  # no checkpoint: the structure only
    # mmdet's scope for this build only: a default scope left set changes
    # how later tests in the same process resolve 'mmdet.X' types
    with DefaultScope.overwrite_default_scope('mmdet'):
        return cfg, MODELS.build(cfg.model)


@pytest.mark.parametrize('config', DET_CONFIGS, ids=osp.basename)
def test_pyramid_levels_have_the_strides_the_heads_assume(config):
    """Each level's map is the input size over the stride that the RPN's
    anchors and the RoI extractors are told: a pyramid at other strides
    trains without error, reading every anchor and RoI off the wrong
    place (SimpleFPN once gave strides 2-16 from 8px patches)."""
    cfg, model = build_detector(config)
    model.eval()
    patch = cfg.model.backbone.get('patch_size', 16)
    side = 8 * patch  # 8x8 patches: 2x2 at stride 32 for 8px patches
    with torch.no_grad():
        feats = model.extract_feat(torch.zeros(1, 3, side, side))
    anchors = cfg.model.rpn_head.anchor_generator.strides
    assert len(feats) == len(anchors)
    for feat, stride in zip(feats, anchors):
        assert feat.shape[-1] == max(1, side // stride), (
            f'{osp.basename(config)}: a level of {feat.shape[-1]}px for '
            f'anchor stride {stride} on a {side}px input')
    rois = cfg.model.roi_head.bbox_roi_extractor.featmap_strides
    assert list(rois) == list(anchors[:len(rois)])


@pytest.mark.parametrize('patch_size', [16, 8])
def test_simple_fpn_gives_strides_4_to_64_for_either_patch_size(
        registered, patch_size):
    import splitmask_mm.det  # noqa: F401
    from mmdet.registry import MODELS
    c = 32
    channels = {16: [c // 4, c // 2, c, c], 8: [c // 2, c, c, c]}
    neck = MODELS.build(dict(type='mmdet.SimpleFPN', backbone_channel=c,
                             in_channels=channels[patch_size],
                             out_channels=8, num_outs=5,
                             patch_size=patch_size))
    side = 128
    vit_map = torch.randn(2, c, side // patch_size, side // patch_size)
    outs = neck([vit_map])
    assert [f.shape[-1] for f in outs] == [
        side // s for s in (4, 8, 16, 32, 64)]
    # ViTDet's pyramid has no activation after its convolutions
    assert all(f.min() < 0 for f in outs)
    with pytest.raises(ValueError, match=r'in_channels=\[16, 32, 32, 32\]'):
        MODELS.build(dict(type='mmdet.SimpleFPN', backbone_channel=c,
                          in_channels=channels[16], out_channels=8,
                          num_outs=5, patch_size=8))


@pytest.mark.parametrize('neck', ['SimpleFPN', 'ViTFeatureRescale'])
def test_input_norm_removes_each_maps_per_image_channel_offset(
        registered, neck):
    """With ``input_norm_cfg=IN`` a pyramid's levels do not change when
    each image's ViT map is shifted and scaled per channel: the term that
    left the study's RoI heads reading digits at chance
    (docs/results/detection/README.md). Without it they do."""
    import splitmask_mm.det  # noqa: F401
    from mmdet.registry import MODELS
    c = 16
    cfg = dict(SimpleFPN=dict(type='mmdet.SimpleFPN', backbone_channel=c,
                              in_channels=[c // 2, c, c, c], out_channels=8,
                              num_outs=5, patch_size=8),
               ViTFeatureRescale=dict(type='mmdet.ViTFeatureRescale',
                                      in_channels=c, patch_size=8))[neck]
    torch.manual_seed(0)
    maps = [torch.randn(2, c, 8, 8) for _ in range(4)]
    scale = torch.rand(2, c, 1, 1) + 0.5
    shifted = [m * scale + torch.randn(2, c, 1, 1) * 3 for m in maps]
    for norm, same in ((dict(type='IN', affine=True), True), (None, False)):
        model = MODELS.build(dict(cfg, input_norm_cfg=norm)).eval()
        with torch.no_grad():
            outs, outs_shifted = model(maps), model(shifted)
        assert all(torch.allclose(a, b, atol=1e-3) == same
                   for a, b in zip(outs, outs_shifted)), norm


# --- detectors that learn their task -----------------------------------
# Each trains a study config from random init in a subprocess (as the study
# does) and evaluates with tools/test.py. The default run checks that a few
# training scenes are memorised; the slow ones that the validation scenes
# are learned (docs/results/detection/README.md has the measured figures).

STUDY = osp.join(ROOT, 'configs', 'study')
STUDY_DET = osp.join(STUDY, 'maskrcnn_vit-tiny-p8_digits.py')
STUDY_R18 = osp.join(STUDY, 'maskrcnn_r18_digits.py')
STUDY_SEG = osp.join(STUDY, 'upernet_vit-tiny-p8_digits.py')


def data_options(config: str, root: str, on_training: bool) -> list:
    """Options that point a study config at the scenes under ``root``,
    evaluated on its validation scenes or on the training scenes."""
    options = [f'{split}_dataloader.dataset.data_root={root}'
               for split in ('train', 'val', 'test')]
    detection = 'maskrcnn' in osp.basename(config)
    if detection:
        split = 'train2017' if on_training else 'val2017'
        ann = f'annotations/instances_{split}.json'
        options += [f'val_evaluator.ann_file={root}{ann}',
                    f'test_evaluator.ann_file={root}{ann}']
    for loader in ('val', 'test'):
        if detection and on_training:
            options += [f'{loader}_dataloader.dataset.ann_file={ann}',
                        f'{loader}_dataloader.dataset.data_prefix.img='
                        'train2017/']
        elif on_training:
            options += [
                f'{loader}_dataloader.dataset.data_prefix.img_path='
                'images/training',
                f'{loader}_dataloader.dataset.data_prefix.seg_map_path='
                'annotations/training']
    return options


def train_and_test(config: str, root: str, work: str, iters: int,
                   on_training: bool, random_backbone: bool = True,
                   env: dict = None, extra: list = ()) -> dict:
    """Train ``config`` for ``iters`` iterations on the scenes' training
    split, evaluate; the metrics. ``env``: variables added to both
    processes' environment; ``extra``: more ``--cfg-options``."""
    import json
    import subprocess
    import sys

    from helpers import python_env
    options = data_options(config, root, on_training) + [
        f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
        f'default_hooks.checkpoint.interval={iters}',
        f'param_scheduler.1.end={iters}', 'randomness.seed=0',
    ] + [f'{split}_dataloader.{key}'
         for split in ('train', 'val', 'test')
         for key in ('num_workers=0', 'persistent_workers=False')] + list(
             extra)
    name = osp.basename(config)
    if random_backbone:  # a list of dicts: more than --cfg-options parses
        # the study's own random initialisation of the ViT
        init = load_tool('study').RANDOM_INIT
        derived = osp.join(work, 'random_init.py')
        os.makedirs(work, exist_ok=True)
        with open(derived, 'w') as f:
            f.write(f'_base_ = [{config!r}]\n'
                    f'model = dict(backbone=dict(init_cfg={init!r}))\n')
        config = derived

    def run(tool, *args):
        proc = subprocess.run(
            [sys.executable, osp.join(ROOT, 'tools', tool), config, *args,
             '--cfg-options'] + options,
            cwd=ROOT, env=dict(python_env(), **(env or {})),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, timeout=1800)
        assert proc.returncode == 0, proc.stdout[-4000:]

    metrics = osp.join(work, 'metrics.json')
    run('train.py', '--work-dir', work)
    run('test.py', osp.join(work, f'iter_{iters}.pth'), '--work-dir',
        osp.join(work, 'test'), '--metrics-json', metrics)
    with open(metrics) as f:
        found = json.load(f)
    print(name, found)  # the figures, for pytest -rP
    return found


def scenes(tmp_path, train: int, val: int = 1) -> str:
    from splitmask_mm.digit_scenes import write_digit_scenes
    root = str(tmp_path / 'scenes')
    write_digit_scenes(root, num_train=train, num_val=val,
                       log=lambda *args: None)
    return root + '/'


def test_study_mask_rcnn_fits_a_few_training_scenes(tmp_path):
    """The study's Mask R-CNN from random init memorises 16 scenes
    (measured: 90.3 box / 90.2 mask AP in 150 iterations with its maps
    instance-normalised; 93.1 / 81.1 in 300 before). It cannot be compared
    across pre-training starts otherwise; at lr 1e-3 without clipping it
    stayed at AP 0 even here."""
    m = train_and_test(STUDY_DET, scenes(tmp_path, 16),
                       str(tmp_path / 'work'), 150, on_training=True)
    assert metric(m, 'bbox_mAP') >= 0.8, m
    assert metric(m, 'segm_mAP') >= 0.8, m


def test_study_upernet_fits_a_few_training_scenes(tmp_path):
    m = train_and_test(STUDY_SEG, scenes(tmp_path, 16),
                       str(tmp_path / 'work'), 200, on_training=True)
    assert metric(m, 'mIoU') >= 80, m


# 1,000 training scenes, 500 iterations, 200 validation scenes: minutes.
@pytest.mark.slow
def test_resnet18_control_learns_the_validation_scenes(tmp_path):
    """The detection control: the study's FPN, heads, data and evaluation
    on a ResNet-18 from scratch learn the task (82.7 box AP measured)."""
    m = train_and_test(STUDY_R18, scenes(tmp_path, 1000, 200),
                       str(tmp_path / 'work'), 500, on_training=False,
                       random_backbone=False)
    assert metric(m, 'bbox_mAP') >= 0.7, m
    assert metric(m, 'segm_mAP') >= 0.7, m


@pytest.mark.slow
def test_study_upernet_learns_the_validation_scenes(tmp_path):
    """UperNet on the study's ViT from random init (77.2 mIoU measured at
    500 iterations, lr 1e-3)."""
    m = train_and_test(STUDY_SEG, scenes(tmp_path, 1000, 200),
                       str(tmp_path / 'work'), 500, on_training=False)
    assert metric(m, 'mIoU') >= 65, m


@pytest.mark.slow
def test_study_mask_rcnn_learns_the_validation_scenes(tmp_path):
    """The floor the ResNet-18 control clears (70 box AP at the same
    budget). The ViT detector failed it at 2-6 box AP until its maps were
    instance-normalised (76.9 box / 78.5 mask AP measured at 500
    iterations)."""
    m = train_and_test(STUDY_DET, scenes(tmp_path, 1000, 200),
                       str(tmp_path / 'work'), 500, on_training=False)
    assert metric(m, 'bbox_mAP') >= 0.7, m
    assert metric(m, 'segm_mAP') >= 0.7, m
