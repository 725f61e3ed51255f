# gpu_xcit.py with each ViT map instance-normalised before the rescale
# (ViTFeatureRescale's input_norm_cfg), nothing else changed.
_base_ = ['./gpu_xcit.py']

model = dict(neck=[
    dict(type='ViTFeatureRescale', in_channels=192, patch_size=8,
         input_norm_cfg=dict(type='IN', affine=True)),
    dict(type='FPN', in_channels=[192] * 4, out_channels=128, num_outs=5),
])
