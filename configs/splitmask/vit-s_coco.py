# SplitMask ViT-S/16: the ViT-B/16 recipe with a small encoder and decoder.
#   tools/dist_train.sh configs/splitmask/vit-s_coco.py 8
_base_ = ['./vit-b_coco.py', '../_base_/backbones/vit-s_p16.py']
custom_imports = dict(imports=['splitmask_mm'], allow_failed_imports=False)

model = dict(
    backbone=dict(**_base_.vit_s),
    # Decoder width 256 for ViT-S (ours; 512 for ViT-B).
    neck=dict(in_channels=_base_.vit_s_dims, embed_dims=256, num_heads=8),
    head=dict(in_channels=256))
