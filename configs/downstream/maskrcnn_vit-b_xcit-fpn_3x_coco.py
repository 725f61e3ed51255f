# Instance segmentation on COCO as the SplitMask paper fine-tunes: Mask R-CNN
# with the ViT's single-scale maps (blocks 3/5/7/11) turned into a pyramid by
# transposed convolutions and max-pooling, then FPN (XCiT's set-up);
# sinusoidal position encoding, so the backbone takes any input size; 3x
# schedule (36 epochs) with Swin's hyper-parameters: AdamW lr 1e-4, weight
# decay 0.05, batch 16, multi-scale training with random crops, steps at
# epochs 27 and 33. [paper] all of this; [ours] drop path 0.1 (the
# pre-training's) and mixed precision.
#   python tools/convert_checkpoint.py work_dirs/vit-b_coco/iter_187671.pth \
#       work_dirs/vit-b_coco/backbone.pth
#   tools/dist_train.sh configs/downstream/maskrcnn_vit-b_xcit-fpn_3x_coco.py 8
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    'mmdet::_base_/datasets/coco_instance.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py',
    '../_base_/backbones/vit-b_p16.py',
    '../_base_/schedules/vit_no_decay_keys.py',
]
custom_imports = dict(imports=['splitmask_mm'], allow_failed_imports=False)

pretrained = 'work_dirs/vit-b_coco/backbone.pth'  # tools/convert_checkpoint.py
embed_dims = _base_.vit_b_dims
model = dict(
    data_preprocessor=dict(pad_size_divisor=32),
    backbone=dict(
        _delete_=True,  # a ViT replaces the base's ResNet
        type='SinCosViT',
        img_size=224,  # only the unused pos_embed table's size
        drop_path_rate=0.1,
        out_indices=[3, 5, 7, 11],
        final_norm=False,
        # strict: every backbone key must land (the final norm is unused)
        init_cfg=dict(
            type='Pretrained', strict=True,
            checkpoint=pretrained,
            prefix='backbone.',
            allow_unexpected=['ln1.*']),
        **_base_.vit_b),
    # XCiT's neck as published. At CPU scale (a 4-block ViT, 500
    # iterations) it learns only with input_norm_cfg=dict(type='IN',
    # affine=True) here (docs/downstream.md); unmeasured at this scale
    neck=[
        dict(type='ViTFeatureRescale', in_channels=embed_dims,
             norm_cfg=dict(type='SyncBN', requires_grad=True)),
        dict(type='FPN', in_channels=[embed_dims] * 4, out_channels=256,
             num_outs=5),
    ])

# Swin's multi-scale training with random crops (DETR's augmentation)
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomChoice',
        transforms=[[
            dict(
                type='RandomChoiceResize',
                scales=[(480, 1333), (512, 1333), (544, 1333), (576, 1333),
                        (608, 1333), (640, 1333), (672, 1333), (704, 1333),
                        (736, 1333), (768, 1333), (800, 1333)],
                keep_ratio=True)
        ],
                    [
                        dict(
                            type='RandomChoiceResize',
                            scales=[(400, 1333), (500, 1333), (600, 1333)],
                            keep_ratio=True),
                        dict(
                            type='RandomCrop',
                            crop_type='absolute_range',
                            crop_size=(384, 600),
                            allow_negative_crop=True),
                        dict(
                            type='RandomChoiceResize',
                            scales=[(480, 1333), (512, 1333), (544, 1333),
                                    (576, 1333), (608, 1333), (640, 1333),
                                    (672, 1333), (704, 1333), (736, 1333),
                                    (768, 1333), (800, 1333)],
                            keep_ratio=True)
                    ]]),
    dict(type='PackDetInputs')
]
# 8 GPUs x 2 = batch 16
train_dataloader = dict(batch_size=2, dataset=dict(pipeline=train_pipeline))

# Swin's optimiser: AdamW lr 1e-4, weight decay 0.05, no decay on norms,
# biases, tokens and position embedding; no layer decay
optim_wrapper = dict(
    type='AmpOptimWrapper',
    optimizer=dict(
        _delete_=True,  # the base's SGD
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(custom_keys=_base_.vit_no_decay_keys))
# 3x schedule: 36 epochs, lr x0.1 at epochs 27 and 33, 1000 warm-up steps
max_epochs = 36
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=1000),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[27, 33], gamma=0.1)
]
# a NaN/inf loss stops before the optimizer step (mode='skip' skips it)
default_hooks = dict(nonfinite=dict(type='NonFiniteLossHook'))
runner_type = 'SplitMaskRunner'
