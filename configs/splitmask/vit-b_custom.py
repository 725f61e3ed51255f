# SplitMask ViT-B/16 pre-training on a folder of your own images, with the
# paper's recipe (random-projection tokens, 50% block split, 2-block decoder
# as wide as the encoder, InfoNCE at temperature 0.2, batch 2048, the
# schedule rule): nothing to build first.
#   tools/dist_train.sh configs/splitmask/vit-b_custom.py 8 --cfg-options \
#       train_dataloader.dataset.data_root=/path/to/images
# A few thousand images? See vit-b_custom-small.py.
_base_ = [
    '../_base_/backbones/vit-b_p16.py',
    '../_base_/models/splitmask_p16.py',
    '../_base_/datasets/pretrain_images.py',
    '../_base_/schedules/splitmask_adamw.py',
    '../_base_/splitmask_runtime.py',
]

model = dict(backbone=dict(**_base_.vit_b))
