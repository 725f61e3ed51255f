# A few-minute SplitMask demo on CPU: a tiny ViT (4 layers, width 192) on
# 96px crops of the photos that `tools/demo.py` writes to data/demo/images
# (scikit-image's sample photos, colour, grey and RGBA; nothing is
# downloaded). About 20 images: an epoch is one batch, the iteration loop
# simply runs many epochs. The paper's recipe at this scale: random-projection
# tokens (8192), block split at 50%, a 2-block decoder as wide as the encoder.
#   python tools/demo.py   (writes the images, then trains this)
_base_ = [
    '../_base_/backbones/vit-tiny_p16.py',
    '../_base_/schedules/splitmask_adamw.py',
    '../_base_/splitmask_runtime.py',
]

img_size = 96
patch_size = 16
grid = img_size // patch_size  # 6x6 patches
num_tokens = 8192
batch_size = 16
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
        **_base_.vit_tiny),
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
        num_classes=num_tokens,
        match_weight=1.0,
        temperature=0.2,
        proj_type='linear',
        proj_dims=64),
    target_generator=dict(
        type='RandomProjectionTokenizer',
        num_tokens=num_tokens,
        patch_size=patch_size,
        seed=0,
        # one batch's patches (16 x 36) per matrix product: the default
        # chunk of 1024 rows would be 44% zero padding
        chunk_size=batch_size * grid * grid))

data_root = 'data/demo/'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.2, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    # the paper's 50% block split; its blocks of 16 to 75 of a 14x14 grid
    # scaled by area to the 6x6 grid
    dict(
        type='SplitMaskGenerator',
        input_size=grid,
        ratio=0.5,
        mode='block',
        min_num_patches=3,
        max_num_patches=14,
        patch_size=patch_size),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    # Infinite: iteration-based runs on small sets cross an epoch boundary
    # every few iterations, where mmengine's loop sleeps 2 s. Resumable: a
    # resumed run goes on with the very samples and augmentations it would
    # have drawn, without loading what it already trained on.
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='UnlabeledImageFolder',
        # an unreadable file: a warning naming it, another image instead, a
        # count at the end (SkippedImagesHook); 'fail' stops with its name
        bad_images='skip',
        data_root=data_root,
        data_prefix='images',
        pipeline=train_pipeline))

# A short run (most of the loss's fall: the README's curves), lr for batch
# 16: the paper's schedule shape (warm-up, then cosine to the end) over a
# fixed 200 iterations instead of the rule's length; a 10% warm-up.
# --cfg-options train_cfg.max_iters=N shortens or stretches all of it.
optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_cfg = dict(max_iters=200, warmup_share=0.1, warmup_start_factor=1e-3)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=100, max_keep_ckpts=2))
