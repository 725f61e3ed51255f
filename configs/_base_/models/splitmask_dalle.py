# BEiT's DALL-E tokenizer as SplitMask's target (8192 codes of a 112px second
# view), for configs/splitmask/vit-b_*_dalle.py. The DALL-E encoder weights
# are the user's to download (OpenMMLab hosts them as
# mmselfsup/1.x/target_generator_ckpt/dalle_encoder.pth on
# download.openmmlab.com) into checkpoints/dalle_encoder.pth.

# the second view is mapped to DALL-E's pixel range
dalle_data_preprocessor = dict(
    type='TwoNormDataPreprocessor',
    second_mean=[-31.875, -31.875, -31.875],
    second_std=[318.75, 318.75, 318.75])
dalle_target_generator = dict(
    type='DALL-E',
    init_cfg=dict(
        type='Pretrained', checkpoint='checkpoints/dalle_encoder.pth'))
dalle_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomResizedCropAndInterpolationWithTwoPic',
        size=224,
        second_size=112,
        interpolation='bicubic',
        second_interpolation='lanczos',
        scale=(0.2, 1.0)),
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
