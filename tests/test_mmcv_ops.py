# Copyright (c) splitmask_mm authors. All rights reserved.
"""mmcv-lite's stand-in for the two compiled mmcv operators our fine-tuning
models call (splitmask_mm/mmcv_ops.py): the same numbers as mmcv's own
operators, and the same Mask R-CNN training, run with it in place."""
import importlib
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch

from helpers import ROOT, load_tool, python_env
from splitmask_mm import mmcv_ops


def compiled_ext():
    ext = importlib.import_module('mmcv._ext')
    if getattr(ext, 'STAND_IN', False):
        pytest.skip('this install has no compiled mmcv to compare with')
    return ext


@pytest.mark.parametrize('aligned', [True, False])
@pytest.mark.parametrize('sampling_ratio', [0, 2])
def test_roi_align_equals_mmcv_forward_and_backward(aligned,
                                                     sampling_ratio):
    ext = compiled_ext()
    torch.manual_seed(0)
    x = torch.randn(2, 8, 16, 20)
    rois = torch.tensor([[0, 1.3, 2.2, 9.7, 12.1], [1, 0, 0, 39.9, 31.9],
                         [1, 5.5, 3.1, 6.0, 4.0], [0, -3, -2, 4, 5]])
    options = dict(aligned_height=7, aligned_width=5, spatial_scale=0.5,
                   sampling_ratio=sampling_ratio, pool_mode=1,
                   aligned=aligned)
    empty = x.new_zeros(0)
    theirs, ours = x.new_zeros(4, 8, 7, 5), x.new_zeros(4, 8, 7, 5)
    ext.roi_align_forward(x, rois, theirs, empty, empty, **options)
    mmcv_ops.roi_align_forward(x, rois, ours, empty, empty, **options)
    assert theirs.abs().sum() > 0
    torch.testing.assert_close(ours, theirs, rtol=1e-6, atol=1e-6)
    grad = torch.randn_like(theirs)
    theirs_in, ours_in = torch.zeros_like(x), torch.zeros_like(x)
    ext.roi_align_backward(grad, rois, empty, empty, theirs_in, **options)
    mmcv_ops.roi_align_backward(grad, rois, empty, empty, ours_in, **options)
    torch.testing.assert_close(ours_in, theirs_in, rtol=1e-5, atol=1e-6)


def test_nms_keeps_what_mmcv_keeps():
    ext = compiled_ext()
    torch.manual_seed(0)
    boxes = torch.rand(300, 4) * 50
    boxes[:, 2:] += boxes[:, :2]
    scores = torch.rand(300)
    kept = mmcv_ops.nms(boxes, scores, 0.5)
    assert 0 < len(kept) < 300
    assert torch.equal(kept, ext.nms(boxes, scores, iou_threshold=0.5,
                                     offset=0))


def test_other_operators_name_themselves_and_the_install():
    module = mmcv_ops._module()
    assert hasattr(module, 'deform_conv_forward')  # mmcv.ops imports
    with pytest.raises(NotImplementedError,
                       match="'deform_conv_forward' needs mmcv's compiled "
                       r'.*install.sh --full'):
        module.deform_conv_forward(torch.zeros(1))


def train_detector(tmp_path, name, env_extra):
    from splitmask_mm.digit_scenes import write_digit_scenes
    data = tmp_path / 'scenes'
    if not data.exists():
        write_digit_scenes(str(data), num_train=16, num_val=4,
                           log=lambda m: None)
    env = dict(python_env(), **env_extra)
    work = tmp_path / name
    options = [f'{s}_dataloader.dataset.data_root={data}/'
               for s in ('train', 'val', 'test')] + [
        f'{s}_dataloader.{k}' for s in ('train', 'val', 'test')
        for k in ('num_workers=0', 'persistent_workers=False')] + [
        'train_cfg.max_iters=6', 'train_cfg.val_interval=6',
        'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=6',
        f'val_evaluator.ann_file={data}/annotations/instances_val2017.json',
        f'test_evaluator.ann_file={data}/annotations/instances_val2017.json',
        'randomness.seed=0', 'randomness.deterministic=True']
    # the study's random initialisation (a list of dicts: more than
    # --cfg-options parses)
    config = tmp_path / 'random_init.py'
    base = osp.join(ROOT, 'configs', 'study', 'maskrcnn_vit-tiny-p8_digits.py')
    init = load_tool('study').RANDOM_INIT
    config.write_text(f'_base_ = [{base!r}]\n'
                      f'model = dict(backbone=dict(init_cfg={init!r}))\n')
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', 'train.py'), str(config),
         '--work-dir', str(work), '--cfg-options'] + options, cwd=ROOT,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    rows = []
    for path in work.glob('*/vis_data/scalars.json'):
        rows += [json.loads(line) for line in path.read_text().splitlines()]
    return [r for r in rows if 'loss' in r], \
        [r for r in rows if 'coco/bbox_mAP' in r]


def test_mask_rcnn_trains_and_evaluates_with_the_stand_in(tmp_path):
    """Training (proposal NMS, RoIAlign of features and mask targets) and
    evaluation (test-time NMS) through the stand-in, end to end. (Not
    compared loss for loss with mmcv's: at random init the RPN's scores
    tie, and the two NMS break ties in another order; on distinct scores
    they keep the same boxes, above.)"""
    losses, evaluated = train_detector(
        tmp_path, 'stand_in', {'SPLITMASK_MMCV_OPS': 'torchvision'})
    assert [r['iter'] for r in losses] == list(range(1, 7))
    for row in losses:
        for key in ('loss_rpn_cls', 'loss_cls', 'loss_bbox', 'loss_mask'):
            assert 0 < row[key] < 10, (key, row)
    assert evaluated and 'coco/segm_mAP' in evaluated[-1], evaluated
