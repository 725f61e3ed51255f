# vit_simple.py (ViTDet's simple pyramid from the last block, LN2d in its
# convolutions, the study's heads) with the ViT map instance-normalised
# first: separates the pyramid from ViTDet's normed heads (gpu_vitdet_in).
_base_ = ['./vit_simple.py']

model = dict(neck=dict(input_norm_cfg=dict(type='IN', affine=True)))
