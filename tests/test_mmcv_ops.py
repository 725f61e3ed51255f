# Copyright (c) splitmask_mm authors. All rights reserved.
"""mmcv-lite's stand-in for the two compiled mmcv operators our fine-tuning
models call (splitmask_mm/mmcv_ops.py): the same numbers as mmcv's own
operators, and the same Mask R-CNN training, run with it in place."""
import importlib
import json

import pytest
import torch

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


def test_mask_rcnn_trains_and_evaluates_with_the_stand_in(tmp_path):
    """Training (proposal NMS, RoIAlign of features and mask targets) and
    evaluation (test-time NMS) through the stand-in, end to end. (Not
    compared loss for loss with mmcv's: at random init the RPN's scores
    tie, and the two NMS break ties in another order; on distinct scores
    they keep the same boxes, above.)"""
    from test_detection import STUDY_DET, scenes, train_and_test
    work = tmp_path / 'stand_in'
    evaluated = train_and_test(
        STUDY_DET, scenes(tmp_path, 16, 4), str(work), 6,
        on_training=False, env={'SPLITMASK_MMCV_OPS': 'torchvision'},
        extra=['default_hooks.logger.interval=1'])
    losses = [json.loads(line) for path in work.glob(
        '*/vis_data/scalars.json') for line in path.read_text().splitlines()]
    losses = [r for r in losses if 'loss' in r]
    assert [r['iter'] for r in losses] == list(range(1, 7))
    for row in losses:
        for key in ('loss_rpn_cls', 'loss_cls', 'loss_bbox', 'loss_mask'):
            assert 0 < row[key] < 10, (key, row)
    assert 'coco/segm_mAP' in evaluated, evaluated
