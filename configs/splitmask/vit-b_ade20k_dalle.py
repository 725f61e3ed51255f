# SplitMask ViT-B/16 on ADE20K with BEiT's DALL-E tokenizer as target (8192
# codes of a 112px second view) instead of the patch vocabulary.
# The DALL-E encoder weights are the user's to download (OpenMMLab hosts
# them as mmselfsup/1.x/target_generator_ckpt/dalle_encoder.pth on
# download.openmmlab.com) into checkpoints/dalle_encoder.pth.
#   tools/dist_train.sh configs/splitmask/vit-b_ade20k_dalle.py 8
_base_ = ['./vit-b_ade20k.py']
custom_imports = dict(imports=['splitmask_mm'], allow_failed_imports=False)

model = dict(
    # the second view is mapped to DALL-E's pixel range
    data_preprocessor=dict(
        type='TwoNormDataPreprocessor',
        second_mean=[-31.875, -31.875, -31.875],
        second_std=[318.75, 318.75, 318.75]),
    # a different module replaces the vocabulary tokenizer entirely
    target_generator=dict(
        _delete_=True,
        type='DALL-E',
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/dalle_encoder.pth')))

train_pipeline = [
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
        mode='random',
        patch_size=16),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
