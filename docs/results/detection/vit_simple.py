# ViTDet's simple pyramid from the last block (strides 4-32 from the
# stride-8 map of 8px patches), LN2d in its convolutions.
_base_ = ['./_schedule.py']

model = dict(
    backbone=dict(out_indices=[3]),
    neck=dict(_delete_=True, type='SimpleFPN', backbone_channel=192,
              in_channels=[96, 192, 192, 192], out_channels=128, num_outs=5,
              patch_size=8, norm_cfg=dict(type='LN2d', requires_grad=True)))
