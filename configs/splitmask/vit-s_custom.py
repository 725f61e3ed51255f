# SplitMask ViT-S/16 pre-training on a folder of your own images (see
# vit-b_custom.py for the commands; the same vocabulary file serves both).
_base_ = ['./vit-b_custom.py', '../_base_/backbones/vit-s_p16.py']
custom_imports = dict(imports=['splitmask_mm'], allow_failed_imports=False)

model = dict(
    backbone=dict(**_base_.vit_s),
    # Decoder width 256 for ViT-S (ours; 512 for ViT-B).
    neck=dict(in_channels=_base_.vit_s_dims, embed_dims=256, num_heads=8),
    head=dict(in_channels=256))
