# BEiT v1 (mmpretrain's) for the CPU-scale study: the same ViT, data, batch,
# iterations, optimiser and random-projection targets as
# splitmask_vit-tiny-p8_digits.py; BEiT's block masking of 40% of the
# patches (its 75 of 196, here 26 of 64; blocks from 5 patches, the 16 of a
# 14x14 grid scaled by area), absolute position embeddings (so it converts
# to the same plain ViT as the other arms).
_base_ = ['./splitmask_vit-tiny-p8_digits.py']

model = dict(
    _delete_=True,
    type='BEiT',
    data_preprocessor=dict(
        type='TwoNormDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        second_mean=[123.675, 116.28, 103.53],
        second_std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='BEiTPretrainViT',
        arch=_base_.vit_tiny_arch,
        img_size=64,
        patch_size=8,
        drop_path_rate=0.0,
        final_norm=True,
        out_type='raw',
        layer_scale_init_value=0.1,
        use_abs_pos_emb=True,
        use_rel_pos_bias=False,
        use_shared_rel_pos_bias=False,
        init_cfg=[
            dict(type='TruncNormal', std=0.02, layer='Linear'),
            dict(type='TruncNormal', std=0.02, layer='Conv2d'),
            dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)
        ]),
    neck=None,
    head=dict(
        type='BEiTV1Head',
        embed_dims=_base_.vit_tiny_dims,
        num_embed=8192,
        loss=dict(type='CrossEntropyLoss')),
    target_generator=dict(
        type='RandomProjectionTokenizer',
        num_tokens=8192,
        patch_size=8,
        seed=0,
        output='logits'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomResizedCropAndInterpolationWithTwoPic',
        size=64,
        second_size=64,
        interpolation='bicubic',
        second_interpolation='bicubic',
        scale=(0.4, 1.0)),
    dict(
        type='BEiTMaskGenerator',
        input_size=(8, 8),
        num_masking_patches=26,
        max_num_patches=None,
        min_num_patches=5),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
find_unused_parameters = True
