# Mask R-CNN with the ViTDet recipe at CPU scale, for the demo's backbone
# (configs/splitmask/vit-tiny_demo.py: 4 layers, width 192): 128px LSJ
# crops, 4x4 windows with global attention in blocks 1 and 3, fp32.
_base_ = [
    './maskrcnn_vit-b_vitdet-lsj_coco.py',
    '../_base_/backbones/vit-tiny_p16.py',
]

pretrained = 'work_dirs/vit-tiny_demo/backbone.pth'
image_size = (128, 128)
embed_dims = _base_.vit_tiny_dims
model = dict(
    data_preprocessor=dict(batch_augments=[
        dict(type='BatchFixedSizePad', size=image_size, pad_mask=True)
    ]),
    backbone=dict(
        # a custom shape replaces the arch name 'b'
        arch=dict(_delete_=True, **_base_.vit_tiny_arch),
        img_size=image_size[0],
        drop_path_rate=0.0,
        window_size=4,
        global_attn_indexes=(1, 3),
        out_indices=[3],
        init_cfg=dict(checkpoint=pretrained)),
    neck=dict(
        backbone_channel=embed_dims,
        in_channels=[embed_dims // 4, embed_dims // 2, embed_dims,
                     embed_dims]))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomResize', scale=image_size, ratio_range=(0.5, 1.5),
         keep_ratio=True),
    dict(type='RandomCrop', crop_type='absolute_range', crop_size=image_size,
         recompute_bbox=True, allow_negative_crop=True),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    # no padding to a square at test time: on CPU, mmdet's mask pasting
    # fails on boxes predicted in the padding (outside the original image)
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
train_dataloader = dict(batch_size=2, num_workers=2,
                        dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(num_workers=2, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(type='OptimWrapper')  # AMP needs a GPU
max_iters = 400
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=20),
    dict(type='MultiStepLR', begin=0, end=max_iters, by_epoch=False,
         milestones=[300, 370], gamma=0.1)
]
train_cfg = dict(max_iters=max_iters, val_interval=200)
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(interval=200))
