# SplitMask ViT-B/16 pre-training on the ADE20K training images
# (20,210, unlabelled), the paper's recipe (see vit-b_custom.py).
#   tools/dist_train.sh configs/splitmask/vit-b_ade20k.py 8
_base_ = ['./vit-b_custom.py']

train_dataloader = dict(
    dataset=dict(data_root='data/ade/ADEChallengeData2016/',
                 data_prefix='images/training'))
