# SplitMask at 224px (14x14 patch grid), decoder and head sized for ViT-B/16
# (the ViT-S configs set the widths to 384). Each config adds the ViT shape
# (configs/_base_/backbones/, shared with the fine-tuning configs).
# [paper]: the paper's choice; [ours]: where the paper is silent.
model = dict(
    type='SplitMask',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='SplitMaskViT',
        img_size=224,
        drop_path_rate=0.1,  # [paper] BEiT's
        fixed_pos_embed=True,  # [ours] MAE's frozen sin-cos
        init_cfg=[
            dict(type='TruncNormal', std=0.02, layer='Linear'),
            dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)
        ]),
    # [paper] shallow decoder: 2 blocks as wide as the encoder; [ours] heads
    # of 64 channels, as the encoder's
    neck=dict(
        type='SplitMaskDecoder',
        num_patches=196,
        in_channels=768,
        embed_dims=768,
        depth=2,
        num_heads=12,
        mlp_ratio=4.),
    head=dict(
        type='SplitMaskHead',
        in_channels=768,
        # [paper] cross-entropy on the ids of 8192 visual tokens
        target_type='tokens',
        num_classes=8192,
        # [paper] InfoNCE at temperature 0.2 between the average-pooled
        # decoder outputs (all patches); [ours] weight 1.0, symmetric,
        # negatives from every process, linear projection to 256
        match_weight=1.0,
        temperature=0.2,
        symmetric=True,
        match_pool='all',
        proj_type='linear',
        proj_dims=256,
        gather_negatives=True),
    # [paper] random-projection tokens: 8192 vectors, uniform component-wise,
    # no data and no training; [ours] range [0, 1), cosine similarity, the
    # patches as the preprocessor gives them (chosen by measured token usage)
    target_generator=dict(
        type='RandomProjectionTokenizer',
        num_tokens=8192,
        patch_size=16,
        seed=0))
