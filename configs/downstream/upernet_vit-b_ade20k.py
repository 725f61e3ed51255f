# Semantic segmentation on ADE20K: UperNet + SplitMask ViT-B/16, mmseg's
# BEiT/MAE recipe: 512x512 crops, 160k iterations at batch 16 (8 GPUs x 2),
# AdamW lr 1e-4 with layer-wise decay 0.65, slide inference.
#   python tools/convert_checkpoint.py work_dirs/vit-b_ade20k/iter_49340.pth \
#       work_dirs/vit-b_ade20k/backbone.pth --img-size 512
#   tools/dist_train.sh configs/downstream/upernet_vit-b_ade20k.py 8
#   python tools/test.py configs/downstream/upernet_vit-b_ade20k.py \
#       work_dirs/.../iter_160000.pth
_base_ = [
    'mmseg::_base_/datasets/ade20k.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_160k.py',
    '../_base_/backbones/vit-b_p16.py',
    '../_base_/schedules/vit_no_decay_keys.py',
]
custom_imports = dict(imports=['splitmask_mm'], allow_failed_imports=False)

# tools/convert_checkpoint.py writes it
pretrained = 'work_dirs/vit-b_ade20k/backbone.pth'
crop_size = (512, 512)
embed_dims = _base_.vit_b_dims

data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=crop_size)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        # the pre-training backbone (SplitMaskViT is this class plus the
        # split forward): the same keys, nothing renamed
        type='mmpretrain.VisionTransformer',
        img_size=crop_size[0],
        drop_path_rate=0.1,
        out_type='featmap',
        out_indices=[3, 5, 7, 11],
        final_norm=False,
        # strict: every backbone key must land; the final norm is not used
        # with multi-level features. pos_embed is interpolated to 32x32.
        init_cfg=dict(
            type='Pretrained', strict=True,
            checkpoint=pretrained,
            prefix='backbone.',
            allow_unexpected=['ln1.*']),
        **_base_.vit_b),
    neck=dict(
        type='Feature2Pyramid',
        embed_dim=embed_dims,
        rescales=[4, 2, 1, 0.5]),
    decode_head=dict(
        type='UPerHead',
        in_channels=[embed_dims] * 4,
        in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6),
        channels=768,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=embed_dims,
        in_index=2,
        channels=256,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
    train_cfg=dict(),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(341, 341)))

# 8 GPUs x 2 = batch 16
train_dataloader = dict(batch_size=2)
val_dataloader = dict(batch_size=1)
test_dataloader = val_dataloader

# AdamW with layer-wise lr decay 0.65 over the 12 blocks
optim_wrapper = dict(
    _delete_=True,  # mmseg's SGD schedule base
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='ViTLayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.65,
        custom_keys=_base_.vit_no_decay_keys))
param_scheduler = [
    dict(
        type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0,
        end=1500),
    dict(
        type='PolyLR',
        power=1.0,
        begin=1500,
        end=160000,
        eta_min=0.0,
        by_epoch=False)
]
# a NaN/inf loss stops before the optimizer step (mode='skip' skips it)
default_hooks = dict(nonfinite=dict(type='NonFiniteLossHook'))
runner_type = 'SplitMaskRunner'
