# vit_xcit_gn_in.py (instance-normed ViT maps) from SplitMask's weights
# after 4,000 pre-training iterations (seed 0) instead of random init.
_base_ = ['./vit_xcit_gn_in.py']

model = dict(backbone=dict(init_cfg=dict(
    _delete_=True, type='Pretrained', strict=True,
    checkpoint='work_dirs/detdiag/sm4k/backbone.pth', prefix='backbone.',
    allow_unexpected=['ln1.*'])))
