# The detection floor run docs/study.md quotes (its log is next to this
# file): the study's Mask R-CNN from a random initialisation (the
# backbone's own TruncNormal/LayerNorm init, no checkpoint), 1,000
# iterations at lr 1e-3, batch 8 -- four times the study's old recipe.
# Needs the study's scenes (python tools/study.py configs/study/
# digit_scenes.py writes them, or tools/make_digit_scenes.py with the
# study's parameters into work_dirs/study/digit_scenes/data):
#   python tools/train.py docs/results/detection_floor/maskrcnn_random_1000its.py
_base_ = ['../../../configs/study/maskrcnn_vit-tiny-p8_digits.py']

model = dict(backbone=dict(init_cfg=[
    dict(type='TruncNormal', std=0.02, layer='Linear'),
    dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)]))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
max_iters = 1000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=50),
    dict(type='MultiStepLR', begin=0, end=max_iters, by_epoch=False,
         milestones=[750, 920], gamma=0.1)
]
default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(by_epoch=False, interval=max_iters, max_keep_ckpts=1))
work_dir = 'work_dirs/detection_floor/random_1000its'
