# Classification fine-tuning of a SplitMask ViT-S/16 on an image-folder set
# (the paper's target-only table is ViT-S): the Table 7 recipe of
# cls_vit-b_folder.py with ViT-S's width (384).
#   tools/dist_train.sh configs/downstream/cls_vit-s_folder.py 8 ...
_base_ = ['./cls_vit-b_folder.py', '../_base_/backbones/vit-s_p16.py']

pretrained = 'work_dirs/vit-s_custom/backbone.pth'
model = dict(
    backbone=dict(init_cfg=dict(checkpoint=pretrained), **_base_.vit_s),
    head=dict(in_channels=_base_.vit_s_dims))
