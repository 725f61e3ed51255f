# SplitMask ViT-S/16 pre-training on a folder of your own images (see
# vit-b_custom.py for the commands; the same vocabulary file serves both).
_base_ = ['./vit-b_custom.py']
custom_imports = dict(imports=['splitmask_mm'], allow_failed_imports=False)

model = dict(
    # ViT-S/16 is DeiT-S's shape (width 384, 12 layers, 6 heads); mmpretrain's
    # arch 's' is the older width-768, 8-layer ViT.
    backbone=dict(arch='deit-s'),
    # Decoder width 256 for ViT-S (ours; 512 for ViT-B).
    neck=dict(in_channels=384, embed_dims=256, num_heads=8),
    head=dict(in_channels=256))
