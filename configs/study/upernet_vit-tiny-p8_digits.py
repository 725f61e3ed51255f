# UperNet fine-tuning for the CPU-scale study (configs/study/
# digit_scenes.py): the ViT of the study's pre-training (4 layers, width
# 192, 8px patches, 64px scenes) segmenting background + 10 digits. mmseg's
# BaseSegDataset reads the scenes' ADE20K layout (11 classes, no
# reduce_zero_label: 0 is the background class). Every arm is fine-tuned
# with this one recipe; the study sets the data root, the backbone weights
# (or the random initialisation) and the seed.
_base_ = [
    '../downstream/upernet_vit-b_ade20k.py',
    '../_base_/backbones/vit-tiny_p16.py',
]

data_root = 'work_dirs/study/digit_scenes/data/'
crop_size = (64, 64)
# The heads' classifiers start at PyTorch's default initialisation instead
# of mmseg's N(0, 0.01): at this budget the 0.01 start keeps every arm at
# the all-background floor (measured with tools/digit_scenes_cnn_check.py
# --head fcn; see docs/study.md)
classifier_init = dict(type='Kaiming', a=5**0.5, mode='fan_in',
                       nonlinearity='leaky_relu', distribution='uniform',
                       override=dict(name='conv_seg'))
classes = ('background', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9')
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        # a custom shape replaces the arch name 'b'
        arch=dict(_delete_=True, **_base_.vit_tiny_arch),
        img_size=crop_size[0],
        patch_size=8,
        drop_path_rate=0.0,
        out_indices=[0, 1, 2, 3],
        init_cfg=dict(checkpoint='work_dirs/study/backbone.pth')),
    # blocks 0-3 at strides 2, 4, 8 and 16: the deepest block, where a
    # digit's identity is, at a map fine enough to tell the digits of a
    # scene apart (at stride 32 a 64px scene is a 2x2 map, and no arm
    # learned the digits' identity: measured)
    neck=dict(embed_dim=192, rescales=[4, 2, 1, 0.5]),
    decode_head=dict(in_channels=[192] * 4, channels=64, num_classes=11,
                     norm_cfg=dict(type='BN', requires_grad=True),
                     init_cfg=classifier_init),
    auxiliary_head=dict(in_channels=192, channels=32, num_classes=11,
                        norm_cfg=dict(type='BN', requires_grad=True),
                        init_cfg=classifier_init),
    test_cfg=dict(_delete_=True, mode='whole'))
# the scenes as they are: no flips (a mirrored digit is another shape),
# no rescaling (digits sit on the patch grid, as the scenes are made)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=False),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=False),
    dict(type='PackSegInputs')
]
dataset = dict(
    type='BaseSegDataset',
    data_root=data_root,
    metainfo=dict(classes=classes),
    img_suffix='.jpg',
    seg_map_suffix='.png',
    reduce_zero_label=False)
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        _delete_=True,
        data_prefix=dict(img_path='images/training',
                         seg_map_path='annotations/training'),
        pipeline=train_pipeline,
        **dataset))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(
        _delete_=True,
        data_prefix=dict(img_path='images/validation',
                         seg_map_path='annotations/validation'),
        pipeline=test_pipeline,
        **dataset))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
# AdamW with layer-wise decay, as the ViT-B recipe, at a short budget's lr
# (mild decay over 4 blocks: the randomly initialised arm trains too)
optim_wrapper = dict(optimizer=dict(lr=1e-3), paramwise_cfg=dict(
    layer_decay_rate=0.9))
max_iters = 500
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=50),
    dict(type='PolyLR', power=1.0, begin=50, end=max_iters, eta_min=0.0,
         by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=max_iters, max_keep_ckpts=1))
