# Copyright (c) splitmask_mm authors. All rights reserved.
"""Mask R-CNN on plain ViTs: pyramids whose levels sit where the RPN and
RoI heads look for them, and detectors that can learn their task."""
import glob
import os.path as osp

import pytest
import torch

from helpers import ROOT

DET_CONFIGS = sorted(
    glob.glob(osp.join(ROOT, 'configs', 'downstream', 'maskrcnn_*.py')) +
    glob.glob(osp.join(ROOT, 'configs', 'study', 'maskrcnn_*.py')))


def build_detector(config: str):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    import splitmask_mm  # noqa: F401
    from mmdet.registry import MODELS
    cfg = Config.fromfile(config)
    cfg.model.backbone.init_cfg = None  # no checkpoint: the structure only
    init_default_scope('mmdet')
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

