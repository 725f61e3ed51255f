# XCiT rescale of blocks 0-3, then an FPN whose convolutions carry
# BatchNorm and ReLU (a nonlinear local transform of the ViT's maps, as
# UperNet's heads and a CNN backbone's own layers give; mmdet's FPN is
# linear).
_base_ = ['./_schedule.py']

model = dict(neck=[
    dict(type='ViTFeatureRescale', in_channels=192, patch_size=8),
    dict(type='FPN', in_channels=[192] * 4, out_channels=128, num_outs=5,
         norm_cfg=dict(type='BN', requires_grad=True),
         act_cfg=dict(type='ReLU')),
])
