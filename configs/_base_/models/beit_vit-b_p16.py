# mmpretrain's BEiT v1 (BEiTPretrainViT + BEiTV1Head) for the baselines in
# configs/baselines/: model without its target generator (each config sets
# it) and BEiT's two-view pipeline with blockwise masking. Absolute position
# embeddings instead of BEiT's shared relative position bias: the paper
# fine-tunes every model (baselines too) with absolute (sinusoidal)
# positions, and tools/convert_checkpoint.py turns such a BEiT into the same
# plain ViT as ours, so every fine-tuning config takes it.
beit_model = dict(
    type='BEiT',
    # BEiT tokenizes a second view; here it is the same crop, normalised
    # as the vocabulary was built.
    data_preprocessor=dict(
        type='TwoNormDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        second_mean=[123.675, 116.28, 103.53],
        second_std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='BEiTPretrainViT',
        arch='base',
        patch_size=16,
        drop_path_rate=0.1,
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
        embed_dims=768,
        num_embed=8192,
        loss=dict(type='CrossEntropyLoss')))

beit_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomResizedCropAndInterpolationWithTwoPic',
        size=224,
        second_size=224,
        interpolation='bicubic',
        second_interpolation='bicubic',
        scale=(0.2, 1.0)),
    dict(
        type='BEiTMaskGenerator',
        input_size=(14, 14),
        num_masking_patches=75,
        max_num_patches=None,
        min_num_patches=16),
    dict(type='PackInputs'),
]
