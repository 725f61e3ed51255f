# Classification fine-tuning of a SplitMask ViT-B/16 on an image-folder data
# set, the paper's recipe (its Table 7) for small sets (Stanford Cars,
# DomainNet): 224px, 300 epochs, batch 1024, AdamW lr 4e-3 with layer-wise
# decay 0.65, weight decay 0.05, 5 warm-up epochs, label smoothing 0.1, drop
# path 0.1, RandAugment 9/0.5, Mixup 0.8, CutMix 1.0, colour jitter 0.4.
# Large sets (iNaturalist, Food-101): cls_vit-b_folder-large.py.
#   data/cls/train/<class>/*.jpg   data/cls/val/<class>/*.jpg
#   python tools/convert_checkpoint.py work_dirs/vit-b_custom/iter_N.pth \
#       work_dirs/vit-b_custom/backbone.pth
#   tools/dist_train.sh configs/downstream/cls_vit-b_folder.py 8 \
#       --cfg-options pretrained=work_dirs/vit-b_custom/backbone.pth \
#       num_classes=196 ...
# (see README: pretrained / num_classes / data_root are the values to set;
# with --cfg-options set the fields that use them, as README shows)
_base_ = [
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/backbones/vit-b_p16.py',
    '../_base_/schedules/vit_no_decay_keys.py',
]
custom_imports = dict(imports=['splitmask_mm'], allow_failed_imports=False)

# tools/convert_checkpoint.py writes it
pretrained = 'work_dirs/vit-b_custom/backbone.pth'
data_root = 'data/cls/'
num_classes = 196
img_size = 224

data_preprocessor = dict(
    num_classes=num_classes,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='VisionTransformer',
        img_size=img_size,
        drop_path_rate=0.1,
        out_type='avg_featmap',
        # strict: every pre-trained key must land; only the pooling norm
        # (ln2) is new
        init_cfg=dict(
            type='Pretrained', strict=True,
            checkpoint=pretrained,
            prefix='backbone.',
            allow_missing=['ln2.*']),
        **_base_.vit_b),
    neck=None,
    head=dict(
        type='LinearClsHead',
        num_classes=num_classes,
        in_channels=_base_.vit_b_dims,
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.02)]),
    train_cfg=dict(augments=[
        dict(type='Mixup', alpha=0.8),
        dict(type='CutMix', alpha=1.0)
    ]))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    # [paper] colour jitter 0.4 and RandAugment 9/0.5 (timm's rand-m9-mstd0.5)
    dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4),
    dict(
        type='RandAugment',
        policies='timm_increasing',
        num_policies=2,
        total_level=10,
        magnitude_level=9,
        magnitude_std=0.5,
        hparams=dict(pad_val=[104, 116, 124], interpolation='bicubic')),
    dict(type='PackInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='ResizeEdge',
        scale=img_size * 8 // 7,
        edge='short',
        backend='pillow',
        interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=img_size),
    dict(type='PackInputs')
]

# 8 GPUs x 128 = batch 1024
train_dataloader = dict(
    batch_size=128,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='CustomDataset',
        data_root=data_root,
        data_prefix='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=128,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='CustomDataset',
        data_root=data_root,
        data_prefix='val',
        pipeline=test_pipeline))
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator

# AdamW with layer-wise lr decay 0.65 (mmpretrain's constructor reads the
# depth of each parameter from VisionTransformer.get_layer_depth)
optim_wrapper = dict(
    optimizer=dict(
        type='AdamW', lr=4e-3, weight_decay=0.05, betas=(0.9, 0.999)),
    constructor='LearningRateDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.65,
        custom_keys=_base_.vit_no_decay_keys),
    clip_grad=None)
auto_scale_lr = dict(base_batch_size=1024, enable=False)

# 5 warm-up epochs, then cosine to 300 epochs
max_epochs = 300
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=5,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        by_epoch=True,
        begin=5,
        end=max_epochs,
        eta_min=1e-6,
        convert_to_iter_based=True)
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=2,
                    save_best='auto'),
    nonfinite=dict(type='NonFiniteLossHook'))
runner_type = 'SplitMaskRunner'
randomness = dict(seed=0)
