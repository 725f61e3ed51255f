# SplitMask ViT-S/16 pre-training on the COCO train2017 images
# (118,287, unlabelled), the paper's recipe (see vit-s_custom.py).
#   tools/dist_train.sh configs/splitmask/vit-s_coco.py 8
_base_ = ['./vit-s_custom.py']

train_dataloader = dict(
    dataset=dict(data_root='data/coco/', data_prefix='train2017'))
