# SplitMask at 224px (14x14 patch grid), decoder and head sized for ViT-B/16.
# Each config adds the ViT shape (configs/_base_/backbones/, shared with the
# fine-tuning configs) and the target generator (it names the data set's
# vocabulary).
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
        drop_path_rate=0.1,
        fixed_pos_embed=True,
        init_cfg=[
            dict(type='TruncNormal', std=0.02, layer='Linear'),
            dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)
        ]),
    # Shallow decoder: 2 blocks (the paper), width 512 (ours).
    neck=dict(
        type='SplitMaskDecoder',
        num_patches=196,
        in_channels=768,
        embed_dims=512,
        depth=2,
        num_heads=16,
        mlp_ratio=4.),
    head=dict(
        type='SplitMaskHead',
        in_channels=512,
        # Cross-entropy on the 8192 token ids of a patch vocabulary (or of
        # DALL-E's codebook).
        target_type='tokens',
        num_classes=8192,
        # InfoNCE: temperature 0.2 (paper); symmetric, all-process negatives,
        # linear projection to 256, weight 1.0 (ours).
        match_weight=1.0,
        temperature=0.2,
        symmetric=True,
        match_pool='all',
        proj_type='linear',
        proj_dims=256,
        gather_negatives=True))
