# The pipeline of the paper's smallest pre-training sets (see
# configs/splitmask/vit-b_custom-small.py): [paper] a uniform random split
# with 25% of the patches in subset A, and random greyscale, solarization,
# Gaussian blur and colour jitter after the crop and flip; [ours] their
# strengths, BYOL's second view (mmpretrain's transforms).
small_set_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=224,
        crop_ratio_range=(0.2, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomApply',
        transforms=[
            # mmpretrain's ColorJitter, whose hue step fails under numpy 2
            dict(
                type='ColorJitterWrappedHue',
                brightness=0.4,
                contrast=0.4,
                saturation=0.2,
                hue=0.1)
        ],
        prob=0.8),
    dict(
        type='RandomGrayscale',
        prob=0.2,
        keep_channels=True,
        channel_weights=(0.114, 0.587, 0.2989)),
    dict(
        type='GaussianBlur',
        magnitude_range=(0.1, 2.0),
        magnitude_std='inf',
        prob=0.1),
    dict(type='Solarize', thr=128, prob=0.2),
    dict(
        type='SplitMaskGenerator',
        input_size=14,
        ratio=0.25,
        mode='random',
        patch_size=16),
    dict(type='PackInputs'),
]
