# The study's UperNet from the same random initialisation, 500 iterations
# at its configured lr 1e-3: the segmentation ViT whose backbone
# vit_simple_segtrained_frozen.py reads.
_base_ = ['../../../configs/study/upernet_vit-tiny-p8_digits.py']

model = dict(backbone=dict(init_cfg=[
    dict(type='TruncNormal', std=0.02, layer='Linear'),
    dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)]))
