# SplitMask ViT-S/16 on a small folder of your own images: the small-set
# recipe of vit-b_custom-small.py (25% uniform split, greyscale,
# solarization, blur, colour jitter, at most 5,000 epochs) on a ViT-S.
#   tools/dist_train.sh configs/splitmask/vit-s_custom-small.py 8 \
#       --cfg-options train_dataloader.dataset.data_root=/path/to/images
_base_ = [
    './vit-s_custom.py', '../_base_/datasets/small_set_pipeline.py'
]

train_dataloader = dict(dataset=dict(pipeline=_base_.small_set_pipeline))
