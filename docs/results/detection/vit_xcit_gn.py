# XCiT rescale of blocks 0-3, GroupNorm in the FPN's convolutions.
_base_ = ['./_schedule.py']

model = dict(neck=[
    dict(type='ViTFeatureRescale', in_channels=192, patch_size=8),
    dict(type='FPN', in_channels=[192] * 4, out_channels=128, num_outs=5,
         norm_cfg=dict(type='GN', num_groups=32, requires_grad=True)),
])
