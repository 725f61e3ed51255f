# The paper's Mask R-CNN set-up (maskrcnn_vit-b_xcit-fpn_3x_coco.py) at CPU
# scale, for the demo's backbone (configs/splitmask/vit-tiny_demo.py: 4
# layers, width 192): blocks 0/1/2/3 rescaled, 128px images, plain BN (one
# process), fp32, a few hundred iterations.
_base_ = [
    './maskrcnn_vit-b_xcit-fpn_3x_coco.py',
    '../_base_/backbones/vit-tiny_p16.py',
]

pretrained = 'work_dirs/vit-tiny_demo/backbone.pth'
image_size = (128, 128)
embed_dims = _base_.vit_tiny_dims
model = dict(
    backbone=dict(
        # a custom shape replaces the arch name 'b'
        arch=dict(_delete_=True, **_base_.vit_tiny_arch),
        img_size=96,
        drop_path_rate=0.0,
        out_indices=[0, 1, 2, 3],
        init_cfg=dict(checkpoint=pretrained)),
    neck=[
        dict(type='ViTFeatureRescale', in_channels=embed_dims,
             norm_cfg=dict(type='BN', requires_grad=True)),
        dict(type='FPN', in_channels=[embed_dims] * 4, out_channels=256,
             num_outs=5),
    ])
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomResize', scale=image_size, ratio_range=(0.75, 1.25),
         keep_ratio=True),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
train_dataloader = dict(batch_size=2, num_workers=2,
                        dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(num_workers=2, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(type='OptimWrapper')  # fp32 on CPU
max_iters = 400
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop',
                 max_iters=max_iters, val_interval=200)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=20),
    dict(type='MultiStepLR', begin=0, end=max_iters, by_epoch=False,
         milestones=[300, 370], gamma=0.1)
]
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(by_epoch=False, interval=200))
