# Baseline: BEiT v1 exactly as mmpretrain trains it, with DALL-E targets
# (112px second view), on the ADE20K images and schedule of
# ../splitmask/vit-b_ade20k.py. DALL-E's encoder weights are the user's to
# download into checkpoints/dalle_encoder.pth (see README).
# The same model and pipeline work on top of vit-b_coco.py / vit-b_custom.py.
_base_ = ['../splitmask/vit-b_ade20k.py']
custom_imports = dict(imports=['splitmask_mm'], allow_failed_imports=False)

model = dict(
    _delete_=True,  # another algorithm replaces SplitMask's model entirely
    type='BEiT',
    # DALL-E tokenizes a 112px second view in its own pixel range
    data_preprocessor=dict(
        type='TwoNormDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        second_mean=[-31.875, -31.875, -31.875],
        second_std=[318.75, 318.75, 318.75],
        to_rgb=True),
    backbone=dict(
        type='BEiTPretrainViT',
        arch='base',
        patch_size=16,
        drop_path_rate=0.1,
        final_norm=True,
        out_type='raw',
        layer_scale_init_value=0.1,
        init_cfg=[
            dict(type='TruncNormal', std=0.02, layer='Linear'),
            dict(type='TruncNormal', std=0.02, layer='Conv2d'),
            dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)
        ]),
    neck=None,
    head=dict(
        type='BEiTV1Head',
        embed_dims=768,
        num_embed=8192,
        loss=dict(type='CrossEntropyLoss')),
    target_generator=dict(
        type='DALL-E',
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/dalle_encoder.pth')))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='ColorJitter',
        brightness=0.4,
        contrast=0.4,
        saturation=0.4,
        hue=0.),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomResizedCropAndInterpolationWithTwoPic',
        size=224,
        second_size=112,
        interpolation='bicubic',
        second_interpolation='lanczos',
        scale=(0.08, 1.0)),
    dict(
        type='BEiTMaskGenerator',
        input_size=(14, 14),
        num_masking_patches=75,
        max_num_patches=None,
        min_num_patches=16),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
# as mmpretrain's BEiT config
find_unused_parameters = True
