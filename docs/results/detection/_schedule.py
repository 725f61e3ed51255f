# The shared budget of the detection diagnosis runs (docs/results/
# detection/README.md): random initialisation of the ViT (the study's
# RANDOM_INIT), 500 iterations at batch 8, AdamW, gradient clipping at 1.0,
# warm-up 50 iterations, steps at 75% and 92%; evaluated on the 200
# validation scenes at the end.
_base_ = ['../../../configs/study/maskrcnn_vit-tiny-p8_digits.py']

model = dict(backbone=dict(init_cfg=[
    dict(type='TruncNormal', std=0.02, layer='Linear'),
    dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)]))
optim_wrapper = dict(optimizer=dict(lr=1e-4), clip_grad=dict(max_norm=1.0))
max_iters = 500
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=50),
    dict(type='MultiStepLR', begin=0, end=max_iters, by_epoch=False,
         milestones=[375, 460], gamma=0.1)
]
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(by_epoch=False, interval=max_iters, max_keep_ckpts=1))
