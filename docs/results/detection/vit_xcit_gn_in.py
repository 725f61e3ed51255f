# vit_xcit_gn.py with an InstanceNorm (per image and channel, affine) on
# each of the ViT's four maps before the XCiT rescale: a linear probe of
# the ViT's maps at the ground-truth boxes (RoIAlign 7x7) classifies the
# validation digits at chance (10-12%) for every ViT, trained or not, and
# at 95% once the maps are instance-normalised (the raw patch embedding:
# 95%; a frozen random ResNet-18: 96%).
_base_ = ['./vit_xcit_gn.py']

model = dict(neck=[
    dict(type='ViTFeatureRescale', in_channels=192, patch_size=8,
         input_norm_cfg=dict(type='IN', affine=True)),
    dict(type='FPN', in_channels=[192] * 4, out_channels=128, num_outs=5,
         norm_cfg=dict(type='GN', num_groups=32, requires_grad=True)),
])
