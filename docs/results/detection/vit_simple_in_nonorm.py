# vit_simple_in_4maps.py (the simple pyramid with instance-normalised
# input, level i from block i) without LN2d in its convolutions: as the
# XCiT neck of gpu_xcit_in, which learns, has no norm after its input's.
_base_ = ['./vit_simple_in_4maps.py']

model = dict(neck=dict(norm_cfg=None))
