# Unlabelled images for pre-training: every image under
# data_root/data_prefix, searched recursively (jpg, png, bmp, tif, webp, ...;
# sub-folders such as ImageNet's class folders are just walked, no labels).
# Here a folder of your own (data/custom/, or --cfg-options
# train_dataloader.dataset.data_root=...); the ADE20K, COCO and ImageNet
# configs set their folders.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=224,
        crop_ratio_range=(0.2, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    # The paper's split: BEiT's block masking at 50% (blocks of 16 to 75
    # patches) gives subset A, its complement subset B.
    dict(
        type='SplitMaskGenerator',
        input_size=14,
        ratio=0.5,
        mode='block',
        min_num_patches=16,
        max_num_patches=75,
        patch_size=16),
    dict(type='PackInputs'),
]
# 8 processes x 256 = total batch 2048 (the paper's).
train_dataloader = dict(
    batch_size=256,
    num_workers=8,
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
        data_root='data/custom/',
        data_prefix='',
        pipeline=train_pipeline))
