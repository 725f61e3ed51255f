# UperNet + SplitMask ViT-S/16 on ADE20K: the ViT-B recipe with ViT-S's
# width (384, DeiT-S shape) and a 384-channel UperNet.
_base_ = ['./upernet_vit-b_ade20k.py', '../_base_/backbones/vit-s_p16.py']

pretrained = 'work_dirs/vit-s_ade20k/backbone.pth'
embed_dims = _base_.vit_s_dims
model = dict(
    backbone=dict(init_cfg=dict(checkpoint=pretrained), **_base_.vit_s),
    neck=dict(embed_dim=embed_dims),
    decode_head=dict(in_channels=[embed_dims] * 4, channels=embed_dims),
    auxiliary_head=dict(in_channels=embed_dims))
