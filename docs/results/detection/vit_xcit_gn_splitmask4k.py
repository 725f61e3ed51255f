# vit_xcit_gn.py from SplitMask's weights after 4,000 pre-training
# iterations on the training scenes' images (the study's SplitMask-4k arm,
# seed 0) instead of the random initialisation.
_base_ = ['./vit_xcit_gn.py']

model = dict(backbone=dict(init_cfg=dict(
    _delete_=True, type='Pretrained', strict=True,
    checkpoint='work_dirs/detdiag/sm4k/backbone.pth', prefix='backbone.',
    allow_unexpected=['ln1.*'])))
