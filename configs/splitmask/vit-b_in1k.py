# SplitMask ViT-B/16 pre-training on the ImageNet-1k training
# images (1,281,167; class folders walked, labels unused), the paper's
# recipe (see vit-b_custom.py).
#   tools/dist_train.sh configs/splitmask/vit-b_in1k.py 8
_base_ = ['./vit-b_custom.py']

train_dataloader = dict(
    dataset=dict(data_root='data/imagenet/', data_prefix='train'))
