# Separates the backbone from the heads: the ViT of a UperNet fine-tuning
# on the same scenes (it segments the digits: it knows their identity per
# pixel), frozen; only the pyramid and the heads train, at lr 1e-3.
_base_ = ['./vit_simple.py']

model = dict(backbone=dict(
    frozen_stages=4,
    init_cfg=dict(_delete_=True, type='Pretrained', strict=True,
                  checkpoint='work_dirs/detdiag/seg/backbone.pth',
                  prefix='backbone.', allow_unexpected=['ln1.*'])))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
