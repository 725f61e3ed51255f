# Baseline: BEiT v1 exactly as mmpretrain trains it, with DALL-E targets
# (112px second view), on the ADE20K images and schedule of
# ../splitmask/vit-b_ade20k.py. DALL-E's encoder weights are the user's to
# download into checkpoints/dalle_encoder.pth (see README).
# The same model and pipeline work on other data (set data_root/data_prefix).
_base_ = [
    '../splitmask/vit-b_custom.py',
    '../_base_/models/beit_vit-b_p16.py',
]

model = dict(
    _delete_=True,  # another algorithm replaces SplitMask's model entirely
    target_generator=dict(
        type='DALL-E',
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/dalle_encoder.pth')),
    **_base_.beit_model)
# DALL-E tokenizes a 112px second view in its own pixel range
model['data_preprocessor'].update(
    second_mean=[-31.875, -31.875, -31.875],
    second_std=[318.75, 318.75, 318.75])

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
train_dataloader = dict(
    dataset=dict(
        data_root='data/ade/ADEChallengeData2016/',
        data_prefix='images/training',
        pipeline=train_pipeline))
# as mmpretrain's BEiT config
find_unused_parameters = True
