# Classification fine-tuning of the tiny demo backbone
# (configs/splitmask/vit-tiny_demo.py): the ViT-B recipe of
# cls_vit-b_folder.py at CPU scale (96px, 4 layers, width 192).
_base_ = ['./cls_vit-b_folder.py', '../_base_/backbones/vit-tiny_p16.py']

pretrained = 'work_dirs/vit-tiny_demo/backbone.pth'
img_size = 96
model = dict(
    backbone=dict(
        # a custom shape replaces the arch name 'b'
        arch=dict(_delete_=True, **_base_.vit_tiny_arch),
        img_size=img_size,
        drop_path_rate=0.0,
        init_cfg=dict(checkpoint=pretrained)),
    head=dict(in_channels=_base_.vit_tiny_dims))
train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='RandomResizedCrop', scale=img_size, backend='pillow',
             interpolation='bicubic'),
        dict(type='RandomFlip', prob=0.5, direction='horizontal'),
        dict(type='PackInputs')
    ]))
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='ResizeEdge', scale=110, edge='short', backend='pillow',
             interpolation='bicubic'),
        dict(type='CenterCrop', crop_size=img_size),
        dict(type='PackInputs')
    ]))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=10,
         eta_min=1e-6, convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=10, val_interval=5)
default_hooks = dict(checkpoint=dict(interval=5))
