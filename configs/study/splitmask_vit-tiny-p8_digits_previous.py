# The study's SplitMask with this project's previous defaults (before the
# paper's own text was read): k-means tokens, a uniform random 50% split
# and a decoder two thirds as wide as the encoder (512 for ViT-B's 768; 128
# for this ViT's 192, 4 heads).
_base_ = ['./splitmask_vit-tiny-p8_digits.py']

model = dict(
    neck=dict(embed_dims=128, num_heads=4),
    head=dict(in_channels=128),
    target_generator=dict(
        _delete_=True,
        type='PatchVocabularyTokenizer',
        vocabulary='work_dirs/study/vocabulary_kmeans.pth',
        patch_size=8))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=64,
        crop_ratio_range=(0.4, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='SplitMaskGenerator',
        input_size=8,
        ratio=0.5,
        mode='random',
        patch_size=8),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
