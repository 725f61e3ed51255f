# MAE (mmpretrain's) for the CPU-scale study: the same ViT, data, batch and
# iterations as splitmask_vit-tiny-p8_digits.py; MAE's 75% random masking,
# normalised-pixel targets and optimiser (AdamW, betas (0.9, 0.95)), with a
# decoder the size of SplitMask's (2 blocks as wide as the encoder) instead
# of MAE's 8 blocks of 512.
_base_ = ['./splitmask_vit-tiny-p8_digits.py']

model = dict(
    _delete_=True,
    type='MAE',
    data_preprocessor=_base_.model.data_preprocessor,
    backbone=dict(
        type='MAEViT',
        arch=_base_.vit_tiny_arch,
        img_size=64,
        patch_size=8,
        mask_ratio=0.75),
    neck=dict(
        type='MAEPretrainDecoder',
        num_patches=64,
        patch_size=8,
        in_chans=3,
        embed_dim=_base_.vit_tiny_dims,
        decoder_embed_dim=_base_.vit_tiny_dims,
        decoder_depth=2,
        decoder_num_heads=_base_.vit_tiny_heads,
        mlp_ratio=4.),
    head=dict(
        type='MAEPretrainHead',
        norm_pix=True,
        patch_size=8,
        loss=dict(type='PixelReconstructionLoss', criterion='L2')),
    init_cfg=[
        dict(type='Xavier', layer='Linear', distribution='uniform'),
        dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)
    ])
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=64,
        crop_ratio_range=(0.4, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(optimizer=dict(betas=(0.9, 0.95)))
