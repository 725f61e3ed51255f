# Mask R-CNN + SplitMask ViT-S/16 on COCO as the SplitMask paper fine-tunes
# (its COCO table is ViT-S): the ViT-B set-up of
# maskrcnn_vit-b_xcit-fpn_3x_coco.py with ViT-S's width (384).
#   tools/dist_train.sh configs/downstream/maskrcnn_vit-s_xcit-fpn_3x_coco.py 8
_base_ = [
    './maskrcnn_vit-b_xcit-fpn_3x_coco.py', '../_base_/backbones/vit-s_p16.py'
]

pretrained = 'work_dirs/vit-s_coco/backbone.pth'
embed_dims = _base_.vit_s_dims
model = dict(
    backbone=dict(init_cfg=dict(checkpoint=pretrained), **_base_.vit_s),
    neck=[
        dict(type='ViTFeatureRescale', in_channels=embed_dims,
             norm_cfg=dict(type='SyncBN', requires_grad=True)),
        dict(type='FPN', in_channels=[embed_dims] * 4, out_channels=256,
             num_outs=5),
    ])
