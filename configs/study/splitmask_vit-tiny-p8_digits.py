# SplitMask pre-training for the CPU-scale study (configs/study/
# digit_scenes.py): the paper's recipe on a tiny ViT (4 layers, width 192)
# with 8px patches on the 64px digit scenes (an 8x8 patch grid):
# random-projection tokens (8192), 50% block split (the paper's blocks of
# 16 to 75 of a 14x14 grid, scaled by area to 5 to 24 of 8x8), a 2-block
# decoder as wide as the encoder, InfoNCE at temperature 0.2. The study sets
# the data root, the iterations and the seed.
_base_ = [
    '../_base_/backbones/vit-tiny_p16.py',
    '../_base_/schedules/splitmask_adamw.py',
    '../_base_/splitmask_runtime.py',
]

img_size = 64
patch_size = 8
grid = img_size // patch_size
model = dict(
    type='SplitMask',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='SplitMaskViT',
        img_size=img_size,
        drop_path_rate=0.0,
        fixed_pos_embed=True,
        init_cfg=[
            dict(type='TruncNormal', std=0.02, layer='Linear'),
            dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)
        ],
        **dict(_base_.vit_tiny, patch_size=patch_size)),
    neck=dict(
        type='SplitMaskDecoder',
        num_patches=grid * grid,
        in_channels=_base_.vit_tiny_dims,
        embed_dims=_base_.vit_tiny_dims,
        depth=2,
        num_heads=_base_.vit_tiny_heads),
    head=dict(
        type='SplitMaskHead',
        in_channels=_base_.vit_tiny_dims,
        target_type='tokens',
        num_classes=8192,
        match_weight=1.0,
        temperature=0.2,
        proj_type='linear',
        proj_dims=128),
    target_generator=dict(
        type='RandomProjectionTokenizer',
        num_tokens=8192,
        patch_size=patch_size,
        seed=0))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.4, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='SplitMaskGenerator',
        input_size=grid,
        ratio=0.5,
        mode='block',
        min_num_patches=5,
        max_num_patches=24,
        patch_size=patch_size),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='UnlabeledImageFolder',
        bad_images='skip',
        data_root='work_dirs/study/digit_scenes/data/',
        data_prefix='images/training',
        pipeline=train_pipeline))

# A fixed budget (the study's), not the paper's rule: lr for batch 64, the
# paper's schedule shape over it (warm-up 1/16, then cosine); the study
# sets the length (train_cfg.max_iters).
max_iters = 800
optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_cfg = dict(max_iters=max_iters, warmup_share=1 / 16,
                 warmup_start_factor=1e-3)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=max_iters, max_keep_ckpts=1))
