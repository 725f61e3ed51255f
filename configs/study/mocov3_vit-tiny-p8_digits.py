# MoCo v3 (mmpretrain's) for the CPU-scale study: a contrastive method,
# the role DINO plays in the paper's Table 1, on the same ViT, data, batch
# and iterations as splitmask_vit-tiny-p8_digits.py. MoCo v3's two views
# (crops of 8-100% of the image, colour jitter, grey-scale, blur, solarise
# in the second; ColorJitterWrappedHue is mmpretrain's ColorJitter with a
# hue step that works under numpy 2), its 3-layer projector and 2-layer
# predictor (hidden width 1024 for this 192-wide ViT instead of 4096),
# temperature 0.2, momentum
# encoder from 0.99 to 1 (cosine), a frozen random patch embedding
# (stop_grad_conv1) and fixed sine-cosine positions. The optimiser and
# schedule are the study's (AdamW lr 1e-3, weight decay 0.1 as MoCo v3's).
_base_ = ['./splitmask_vit-tiny-p8_digits.py']

temperature = 0.2
model = dict(
    _delete_=True,
    type='MoCoV3',
    base_momentum=0.01,
    data_preprocessor=_base_.model.data_preprocessor,
    backbone=dict(
        type='MoCoV3ViT',
        img_size=64,
        stop_grad_conv1=True,
        **dict(_base_.vit_tiny, patch_size=8)),
    neck=dict(
        type='NonLinearNeck',
        in_channels=_base_.vit_tiny_dims,
        hid_channels=1024,
        out_channels=256,
        num_layers=3,
        with_bias=False,
        with_last_bn=True,
        with_last_bn_affine=False,
        with_last_bias=False,
        with_avg_pool=False),
    head=dict(
        type='MoCoV3Head',
        predictor=dict(
            type='NonLinearNeck',
            in_channels=256,
            hid_channels=1024,
            out_channels=256,
            num_layers=2,
            with_bias=False,
            with_last_bn=True,
            with_last_bn_affine=False,
            with_last_bias=False,
            with_avg_pool=False),
        loss=dict(type='CrossEntropyLoss', loss_weight=2 * temperature),
        temperature=temperature))


def _view(blur, solarize):
    # MoCo v3's view at 64px (blur sigma scaled from 224px by 64/224)
    return [
        dict(type='RandomResizedCrop', scale=64, crop_ratio_range=(0.08, 1.),
             backend='pillow'),
        dict(type='RandomApply', prob=0.8, transforms=[
            dict(type='ColorJitterWrappedHue', brightness=0.4, contrast=0.4,
                 saturation=0.2, hue=0.1)]),
        dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
             channel_weights=(0.114, 0.587, 0.2989)),
        dict(type='GaussianBlur', magnitude_range=(0.03, 0.6),
             magnitude_std='inf', prob=blur),
        dict(type='Solarize', thr=128, prob=solarize),
        dict(type='RandomFlip', prob=0.5),
    ]


train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', num_views=[1, 1],
         transforms=[_view(1.0, 0.0), _view(0.1, 0.2)]),
    dict(type='PackInputs')
]
del _view
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(optimizer=dict(weight_decay=0.1))
