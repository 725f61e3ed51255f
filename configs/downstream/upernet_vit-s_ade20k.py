# UperNet + SplitMask ViT-S/16 on ADE20K: the ViT-B recipe with ViT-S's
# width (384, DeiT-S shape) and a 384-channel UperNet.
_base_ = ['./upernet_vit-b_ade20k.py']
custom_imports = dict(imports=['splitmask_mm'], allow_failed_imports=False)

pretrained = 'work_dirs/vit-s_ade20k/backbone.pth'
model = dict(
    backbone=dict(arch='deit-s', init_cfg=dict(checkpoint=pretrained)),
    neck=dict(embed_dim=384),
    decode_head=dict(in_channels=[384] * 4, channels=384),
    auxiliary_head=dict(in_channels=384))
