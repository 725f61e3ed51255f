# vit_simple_in.py (the simple pyramid from the last block alone, its input
# instance-normalised, the study's heads) without LN2d in its convolutions:
# with vit_simple_in_nonorm (blocks 0-3), separates LN2d from the single
# map.
_base_ = ['./vit_simple_in.py']

model = dict(neck=dict(norm_cfg=None))
