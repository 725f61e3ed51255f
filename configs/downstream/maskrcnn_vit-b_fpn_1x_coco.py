# Mask R-CNN + SplitMask ViT-B/16 with a multi-level pyramid, for smaller
# budgets: global attention, blocks 3/5/7/11 rescaled to strides 4-32 and
# fused by SimpleFPN's convolutions, mmdet's 1x schedule (12 epochs,
# 1333x800, batch 16), AdamW with layer-wise decay 0.7.
#   tools/dist_train.sh configs/downstream/maskrcnn_vit-b_fpn_1x_coco.py 8
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    'mmdet::_base_/datasets/coco_instance.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py',
    '../_base_/backbones/vit-b_p16.py',
    '../_base_/schedules/vit_no_decay_keys.py',
]
custom_imports = dict(imports=['splitmask_mm'], allow_failed_imports=False)

pretrained = 'work_dirs/vit-b_coco/backbone.pth'  # tools/convert_checkpoint.py
embed_dims = _base_.vit_b_dims
model = dict(
    data_preprocessor=dict(pad_size_divisor=32),
    backbone=dict(
        _delete_=True,  # a ViT replaces the base's ResNet
        type='mmpretrain.VisionTransformer',
        img_size=1024,
        drop_path_rate=0.1,
        out_type='featmap',
        out_indices=[3, 5, 7, 11],
        final_norm=False,
        init_cfg=dict(
            type='Pretrained', strict=True,
            checkpoint=pretrained,
            prefix='backbone.',
            allow_unexpected=['ln1.*']),
        **_base_.vit_b),
    neck=dict(
        _delete_=True,
        type='SimpleFPN',
        backbone_channel=embed_dims,
        in_channels=[embed_dims // 4, embed_dims // 2, embed_dims, embed_dims],
        out_channels=256,
        num_outs=5,
        norm_cfg=dict(type='LN2d', requires_grad=True)))

optim_wrapper = dict(
    _delete_=True,  # the base's SGD
    type='OptimWrapper',
    constructor='ViTLayerDecayOptimWrapperConstructor',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.1),
    paramwise_cfg=dict(
        layer_decay_rate=0.7,
        custom_keys=_base_.vit_no_decay_keys),
    clip_grad=dict(max_norm=1.0))
# a NaN/inf loss stops before the optimizer step (mode='skip' skips it)
default_hooks = dict(nonfinite=dict(type='NonFiniteLossHook'))
runner_type = 'SplitMaskRunner'
