# SplitMask ViT-B/16 pre-training on the COCO train2017 images
# (118,287, unlabelled), the paper's recipe (see vit-b_custom.py).
#   tools/dist_train.sh configs/splitmask/vit-b_coco.py 8
_base_ = ['./vit-b_custom.py']

train_dataloader = dict(
    dataset=dict(data_root='data/coco/', data_prefix='train2017'))
