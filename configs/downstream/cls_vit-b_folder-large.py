# Classification fine-tuning of a SplitMask ViT-B/16 on a large image-folder
# set (iNaturalist, Food-101): the paper's Table 7 recipe for those sets,
# i.e. cls_vit-b_folder.py with AdamW lr 1.4e-4 at batch 1024 and no
# layer-wise decay (the paper gives layer decay 0.65 for Cars and DomainNet
# only).
#   tools/dist_train.sh configs/downstream/cls_vit-b_folder-large.py 8 ...
_base_ = ['./cls_vit-b_folder.py']

optim_wrapper = dict(
    optimizer=dict(lr=1.4e-4), paramwise_cfg=dict(layer_decay_rate=1.0))
