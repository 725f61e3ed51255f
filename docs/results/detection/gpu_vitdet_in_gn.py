# gpu_vitdet_in.py (ViTDet's neck and normed heads, the ViT map
# instance-normalised) with GroupNorm (32 groups) wherever it has LN2d: in
# the simple pyramid's convolutions, the 4conv1fc box head and the mask
# head.
_base_ = ['./gpu_vitdet_in.py']

gn = dict(type='GN', num_groups=32, requires_grad=True)
model = dict(
    neck=dict(norm_cfg=gn),
    roi_head=dict(bbox_head=dict(norm_cfg=gn), mask_head=dict(norm_cfg=gn)))
