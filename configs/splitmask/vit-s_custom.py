# SplitMask ViT-S/16 pre-training on a folder of your own images: the
# ViT-B/16 recipe (vit-b_custom.py) with a ViT-S encoder and a decoder as
# wide as it.
#   tools/dist_train.sh configs/splitmask/vit-s_custom.py 8 --cfg-options \
#       train_dataloader.dataset.data_root=/path/to/images
_base_ = [
    '../_base_/backbones/vit-s_p16.py',
    '../_base_/models/splitmask_p16.py',
    '../_base_/datasets/pretrain_images.py',
    '../_base_/schedules/splitmask_adamw.py',
    '../_base_/splitmask_runtime.py',
]

model = dict(
    backbone=dict(**_base_.vit_s),
    neck=dict(in_channels=_base_.vit_s_dims, embed_dims=_base_.vit_s_dims,
              num_heads=_base_.vit_s_heads),
    head=dict(in_channels=_base_.vit_s_dims))
