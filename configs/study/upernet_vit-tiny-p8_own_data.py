# UperNet fine-tuning of the study's ViT (4 layers, width 192, 8px
# patches) on a data set of one's own in ADE20K's layout, for the study in
# configs/study/own_data.py:
#   ROOT/images/{training,validation}/NAME.jpg
#   ROOT/annotations/{training,validation}/NAME.png  (pixel = class index;
#       0 = unlabelled, ignored, as in ADE20K)
# Copy it and set `classes` (the names of labels 1..N, in order) and
# `num_classes` beside them. Images are resized to the 64px the study's
# ViT pre-trains at (crop_size; pre-training takes 64px crops too);
# predictions are scored at each label map's own size.
_base_ = ['./upernet_vit-tiny-p8_digits.py']

classes = ('class 1', 'class 2', 'class 3')
num_classes = 3
crop_size = (64, 64)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=num_classes),
    auxiliary_head=dict(num_classes=num_classes))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs')
]
_own = dict(metainfo=dict(classes=classes), reduce_zero_label=True)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline, **_own))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline, **_own))
test_dataloader = val_dataloader
del _own
