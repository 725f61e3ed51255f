# UperNet on ADE20K-layout data at CPU scale, for the demo's backbone
# (configs/splitmask/vit-tiny_demo.py: 4 layers, width 192): 96px crops,
# plain BN (one process), whole-image inference on 96px-high images.
_base_ = ['./upernet_vit-b_ade20k.py', '../_base_/backbones/vit-tiny_p16.py']

pretrained = 'work_dirs/vit-tiny_demo/backbone.pth'
crop_size = (96, 96)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        # a custom shape replaces the arch name 'b'
        arch=dict(_delete_=True, **_base_.vit_tiny_arch),
        img_size=crop_size[0],
        drop_path_rate=0.0,
        out_indices=[0, 1, 2, 3],
        init_cfg=dict(checkpoint=pretrained)),
    neck=dict(embed_dim=192),
    decode_head=dict(in_channels=[192] * 4, channels=64,
                     norm_cfg=dict(type='BN', requires_grad=True)),
    auxiliary_head=dict(in_channels=192, channels=32,
                        norm_cfg=dict(type='BN', requires_grad=True)),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(64, 64)))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='RandomResize', scale=(192, 96), ratio_range=(0.5, 2.0),
         keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(192, 96), keep_ratio=True),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs')
]
train_dataloader = dict(batch_size=4, num_workers=2,
                        dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(num_workers=2, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=20),
    dict(type='PolyLR', power=1.0, begin=20, end=400, eta_min=0.0,
         by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=400, val_interval=200)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(by_epoch=False, interval=200))
