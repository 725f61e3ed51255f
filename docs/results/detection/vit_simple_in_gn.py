# vit_simple_in_4maps.py with GroupNorm (32 groups) in place of LN2d in
# its convolutions, the norm of the study's FPN.
_base_ = ['./vit_simple_in_4maps.py']

model = dict(neck=dict(norm_cfg=dict(type='GN', num_groups=32,
                                     requires_grad=True)))
